"""Demo data: two real-looking units with staff, rosters, tickets and survey answers (fixed seed, dates relative
to today). Used by ``make run``; rows are bulk-inserted so loading takes seconds, not minutes.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from scoring import last_n, period_containing

from ..clock import now
from ..extensions import db
from ..models import (
    BERAKHLAK_VALUES,
    Counter,
    CounterAssignment,
    Employee,
    EmployeeAssignment,
    PeerRater,
    ServiceType,
    SurveyResponse,
    Ticket,
    TicketEvent,
    Unit,
    User,
)
from .accounts import create_user

DEMO_PASSWORD = "suarawarga-demo"  # noqa: S105  (the documented demo password)

DEMO_COMMENTS = (
    "Pelayanan cepat dan petugas ramah, terima kasih.",
    "Antrean terlalu lama, mohon tambah loket.",
    "Ruang tunggu panas, kipas angin tidak menyala.",
    "Petugas menjelaskan persyaratan dengan jelas.",
    "Tolong hubungi saya di 081234567890 soal berkas yang kurang.",
    "NIK saya 3271015505900004 belum muncul di sistem.",
    "Toilet perlu dibersihkan.",
    "Sangat membantu, prosesnya tidak berbelit.",
)


@dataclass(frozen=True)
class _UnitPlan:
    name: str
    slug: str
    kind: str
    timezone: str
    parent: tuple[str, str]  # instansi name, slug
    code_prefix: str
    services: tuple[tuple[str, int, str], ...]  # name, counter standard minutes, completion standard
    counters: tuple[tuple[str, tuple[int, ...]], ...]  # name, indexes into services
    open_weekdays: int  # 5 = Mon-Fri, 6 = Mon-Sat
    hours: tuple[time, time]
    staff: tuple[tuple[str, str], ...]  # name, employment type; the first is the supervisor


UNITS = (
    _UnitPlan(
        name="Dinas Kependudukan dan Pencatatan Sipil Kota Bogor",
        slug="dukcapil-bogor",
        kind="dukcapil",
        timezone="Asia/Jakarta",
        parent=("Pemerintah Kota Bogor", "pemkot-bogor"),
        code_prefix="BGR",
        services=(
            ("KTP-el", 20, "Hari yang sama"),
            ("Kartu Keluarga", 20, "1 hari kerja"),
            ("Kartu Identitas Anak (KIA)", 15, "Hari yang sama"),
            ("Akta Kelahiran", 30, "3 hari kerja"),
            ("Akta Kematian", 30, "3 hari kerja"),
            ("Surat Pindah", 25, "1 hari kerja"),
        ),
        counters=(
            ("Loket 1 – KTP-el dan KIA", (0, 2)),
            ("Loket 2 – KTP-el", (0,)),
            ("Loket 3 – Kartu Keluarga dan Pindah", (1, 5)),
            ("Loket 4 – Akta Kelahiran", (3,)),
            ("Loket 5 – Akta Kematian", (4,)),
        ),
        open_weekdays=5,
        hours=(time(8, 0), time(15, 0)),
        staff=(
            ("Hendra Wijaya, S.Sos.", "PNS"),
            ("Siti Rahmawati", "PNS"),
            ("Agus Setiawan", "PNS"),
            ("Dewi Lestari, A.Md.", "PNS"),
            ("Rudi Hartono", "PPPK"),
            ("Nur Aini", "PNS"),
            ("Bambang Sutrisno", "PNS"),
            ("Yuliana Putri", "PPPK"),
            ("Fajar Nugroho", "non-ASN"),
            ("Ratna Sari", "PNS"),
        ),
    ),
    _UnitPlan(
        name="Puskesmas Kassi-Kassi",
        slug="puskesmas-kassi-kassi",
        kind="puskesmas",
        timezone="Asia/Makassar",
        parent=("Dinas Kesehatan Kota Makassar", "dinkes-makassar"),
        code_prefix="KSK",
        services=(
            ("Pendaftaran", 10, "Kunjungan yang sama"),
            ("Poli Umum", 30, "Kunjungan yang sama"),
            ("Poli Gigi", 45, "Kunjungan yang sama"),
            ("Apotek", 15, "Kunjungan yang sama"),
            ("Laboratorium", 40, "Kunjungan yang sama"),
        ),
        counters=(
            ("Loket Pendaftaran", (0,)),
            ("Poli Umum", (1,)),
            ("Poli Gigi", (2,)),
            ("Apotek", (3,)),
            ("Laboratorium", (4,)),
            ("Loket Pendaftaran Lansia", (0,)),
        ),
        open_weekdays=6,
        hours=(time(7, 30), time(14, 0)),
        staff=(
            ("dr. Andi Makkasau", "PNS"),
            ("Nurhayati, S.Kep.", "PNS"),
            ("Muh. Ikhsan", "PNS"),
            ("drg. Rahmi Said", "PNS"),
            ("Asriani, A.Md.Farm.", "PPPK"),
            ("Syamsul Bahri", "PNS"),
            ("Hasnawati", "PNS"),
            ("Irfan Jaya", "non-ASN"),
            ("Sri Wahyuni, A.Md.AK.", "PPPK"),
            ("Muh. Arsyad", "PNS"),
            ("Kartini Daeng Ngai", "PNS"),
        ),
    ),
)


def _nip(rng: random.Random, employment_type: str, sequence: int) -> str | None:
    """A structurally valid NIP (PNS) or NI PPPK (spec §5)."""
    if employment_type == "non-ASN":
        return None
    birth = date(rng.randint(1972, 1996), rng.randint(1, 12), rng.randint(1, 28))
    sex = rng.choice("12")
    if employment_type == "PPPK":
        return f"{birth:%Y%m%d}{rng.randint(max(2021, birth.year + 20), 2025)}21{sex}{sequence:03d}"
    appointed = rng.randint(birth.year + 20, min(birth.year + 32, 2024))
    return f"{birth:%Y%m%d}{appointed}{rng.randint(1, 12):02d}{sex}{sequence:03d}"


def demo_start(today: date) -> date:
    """The first day of the second full quarter before today's quarter."""
    return last_n(period_containing("quarter", today), 3)[0].start


def _answer(rng: random.Random, mean: float) -> int:
    return min(4, max(1, round(rng.gauss(mean, 0.55))))


def load_demo_data(seed: int = 20261126) -> list[str]:
    """Create the demo units unless they exist; return a summary. The caller commits."""
    existing = db.session.scalar(select(Unit.id).where(Unit.slug == UNITS[0].slug))
    if existing is not None:
        return ["Demo data already loaded; nothing changed."]
    rng = random.Random(seed)
    at = now()
    summary = []
    sequence = 0
    for plan in UNITS:
        zone = ZoneInfo(plan.timezone)
        today = at.astimezone(zone).date()
        parent = Unit(name=plan.parent[0], slug=plan.parent[1], kind="other", timezone=plan.timezone)
        unit = Unit(name=plan.name, slug=plan.slug, kind=plan.kind, timezone=plan.timezone, parent=parent)
        services = [
            ServiceType(unit=unit, name=name, counter_standard_minutes=minutes, completion_standard=done, fee_rupiah=0)
            for name, minutes, done in plan.services
        ]
        counters = [
            Counter(
                unit=unit,
                public_code=f"{plan.code_prefix}{i + 1:02d}",
                name=name,
                active=True,
                poster_version=1,
                service_types=[services[s] for s in service_indexes],
            )
            for i, (name, service_indexes) in enumerate(plan.counters)
        ]
        employees = []
        for name, employment_type in plan.staff:
            sequence += 1
            employees.append(
                Employee(name=name, employment_type=employment_type, nip=_nip(rng, employment_type, sequence))
            )
        db.session.add_all([parent, unit, *services, *counters, *employees])
        db.session.flush()
        supervisor, front_line = employees[0], employees[1:]
        start = demo_start(today)
        db.session.add_all(
            [EmployeeAssignment(employee=supervisor, unit=unit, position="Kepala Seksi Pelayanan", valid_from=start)]
            + [
                EmployeeAssignment(
                    employee=e, unit=unit, position="Petugas Pelayanan", supervisor=supervisor, valid_from=start
                )
                for e in front_line
            ]
        )
        # One relief worker per unit stands in about once a month: below the publication threshold on purpose.
        regulars, relief = front_line[:-1], front_line[-1:]
        quality = {e.id: rng.uniform(-0.7, 0.5) for e in front_line}
        speed = {e.id: rng.uniform(0.7, 1.4) for e in front_line}
        counts = _generate_operations(
            rng, plan, zone, unit, counters, services, regulars, relief, quality, speed, start, today, at
        )
        db.session.add(
            CounterAssignment(
                counter=counters[0], employee=regulars[0], source="sign_in", starts_at=at - timedelta(minutes=5)
            )
        )
        _demo_users(plan, unit, supervisor, regulars[0])
        summary.append(demo_publishing_and_complaints(unit, parent, counters, regulars, rng, at))
        summary.append(demo_moderation(unit, counters, rng, at))
        summary.append(
            f"{unit.name}: {len(counters)} counters, {len(employees)} employees, "
            f"{counts[0]} roster shifts, {counts[1]} tickets, {counts[2]} survey responses "
            f"since {start.isoformat()}"
        )
    create_user("admin", DEMO_PASSWORD, {"admin"})
    create_user("sdm", DEMO_PASSWORD, {"hr"})
    db.session.flush()
    summary += load_staff_demo()
    summary += load_demo_appraisals()
    summary += load_peer_demo()
    return summary


#: Score runs the demo computes: the last six months and three quarters, the running ones (provisional) included.
DEMO_RUN_MONTHS = 6
DEMO_RUN_QUARTERS = 3


def load_staff_demo() -> list[str]:
    """What "Kinerja saya" and the appeal pages show on a fresh clone (issue 12 item 7): an accepted appeal on a
    shift of last month and an open one, then score runs for the last periods (the accepted appeal is named in
    their explanations, its answers count for the unit only). The caller commits."""
    from scoring import last_n, period_containing

    from .appeals import decide_appeal, file_appeal
    from .score_runs import compute_score_run, units_to_score

    summary = []
    for short in ("bogor", "kassi"):
        staff = db.session.scalar(select(User).where(User.login == f"petugas.{short}"))
        supervisor = db.session.scalar(select(User).where(User.login == f"atasan.{short}"))
        if staff is None or supervisor is None or staff.employee is None:
            continue
        unit = staff.unit
        assert unit is not None
        this_month = period_containing("month", now().astimezone(unit.zone).date())
        last_month = this_month.previous()
        shifts = list(
            db.session.scalars(
                select(CounterAssignment)
                .where(
                    CounterAssignment.employee_id == staff.employee_id,
                    CounterAssignment.source == "roster",
                    CounterAssignment.starts_at >= datetime.combine(last_month.start, time(), unit.zone),
                    CounterAssignment.starts_at < datetime.combine(last_month.end, time(), unit.zone),
                )
                .order_by(CounterAssignment.starts_at)
                .limit(2)
            )
        )
        if len(shifts) < 2:
            continue
        accepted = file_appeal(
            staff,
            "shift",
            str(shifts[0].id),
            ground="not_on_duty",
            statement="Pada hari itu saya mengikuti bimtek SIAK di kantor provinsi (surat tugas terlampir).",
        )
        decide_appeal(
            supervisor, accepted.id, accept=True, reason="Surat tugas bimtek sudah diperiksa; jadwal tidak diperbarui."
        )
        file_appeal(
            staff,
            "shift",
            str(shifts[1].id),
            ground="served_by_colleague",
            statement="Loket saya dipakai rekan sementara saya membantu pelayanan di loket informasi.",
        )
        summary.append(f"{unit.name}: one accepted and one open appeal of {staff.login}")
    runs = 0
    for unit in units_to_score():
        today = now().astimezone(unit.zone).date()
        periods = [
            *last_n(period_containing("month", today), DEMO_RUN_MONTHS),
            *last_n(period_containing("quarter", today), DEMO_RUN_QUARTERS),
        ]
        for period in periods:
            compute_score_run(unit, period, "demo-data")
            runs += 1
    summary.append(f"{runs} score runs for the last {DEMO_RUN_MONTHS} months and {DEMO_RUN_QUARTERS} quarters")
    return summary


#: SKP targets of the demo's front-line staff: (rencana hasil kerja, indikator, aspect, target, satuan,
#: lower is better, indicator code that fills the realisation from the score run or None for a typed realisation).
_SERVED = "Terlayaninya permohonan dokumen warga"
DEMO_TARGETS = (
    (_SERVED, "Permohonan selesai dilayani", "kuantitas", 250, "tiket", False, "tickets_finished"),
    (_SERVED, "Layanan selesai dalam standar loket", "waktu", 85, "%", False, "on_time_rate"),
    ("Meningkatnya kepuasan warga", "Indeks kepuasan pelaksana (IKP)", "kualitas", 80, "indeks", False, "ikp"),
    ("Tertibnya administrasi loket", "Berkas dikembalikan untuk perbaikan", "kualitas", 5, "%", True, None),
)


def load_demo_appraisals() -> list[str]:
    """Targets, BerAKHLAK ratings and appraisals for the last ended quarter of each demo unit: the first regular
    employee's appraisal confirmed (with an override and its reason), the second's a draft (spec §3).

    Uses the unit's current run of that quarter, computing one when there is none. Written through the appraisal
    desk's own services, so every row is audited like a supervisor's. The caller commits.
    """
    from scoring import period_containing

    from .appraisals import AppraisalInput, TargetInput, assignment_on, last_day, save_appraisal, save_target
    from .score_runs import compute_score_run, current_run

    summary = []
    rng = random.Random(20261201)
    for plan in UNITS:
        unit = db.session.scalar(select(Unit).where(Unit.slug == plan.slug))
        if unit is None:
            continue
        today = now().astimezone(unit.zone).date()
        period = period_containing("quarter", today).previous()
        run = current_run(unit, period.id) or compute_score_run(unit, period, "demo-data")
        members = db.session.scalars(
            select(EmployeeAssignment)
            .where(EmployeeAssignment.unit_id == unit.id, EmployeeAssignment.supervisor_id.is_not(None))
            .order_by(EmployeeAssignment.id)
        ).all()
        for member in members[:4]:
            assignment = assignment_on(member.employee_id, last_day(period))
            assert assignment is not None  # the team was read from these very assignments
            for work_plan, name, aspect, target, measure, lower, code in DEMO_TARGETS:
                realisation = "" if code else str(rng.choice((3, 4, 6, 8)))
                given = TargetInput(work_plan, name, aspect, str(target), measure, realisation, lower, code or "")
                save_target(assignment, period, given)
        values = ("sesuai", "di_atas", "sesuai", "sesuai", "di_atas", "sesuai", "sesuai")
        for member, confirm in zip(members[:2], (True, False), strict=True):
            assignment = assignment_on(member.employee_id, last_day(period))
            assert assignment is not None and member.supervisor is not None
            save_appraisal(
                assignment,
                period,
                member.supervisor,
                AppraisalInput(
                    version=None,
                    run_id=run.id,
                    berakhlak=dict(zip(BERAKHLAK_VALUES, values, strict=True)),
                    feedback="Ramah dan teliti; pertahankan. Kurangi berkas yang kembali karena kurang lengkap.",
                    hasil="sesuai",
                    hasil_reason="Capaian dihitung dari target; disetujui setelah membaca bukti antrean dan warga.",
                    perilaku="di_atas" if confirm else "sesuai",
                    perilaku_reason="Membimbing dua pegawai baru di loket selama triwulan ini." if confirm else "",
                    confirm=confirm,
                ),
            )
        summary.append(f"{unit.name}: targets for 4 staff, appraisals for {period.id} (1 confirmed, 1 draft)")
    return summary


#: What the demo's colleagues write in their 360° answers (issue 16), chosen at random.
PEER_DOES_WELL = (
    "Sabar menjelaskan persyaratan kepada warga lansia.",
    "Selalu datang tepat waktu dan menyiapkan loket sebelum dibuka.",
    "Mau menggantikan rekan di loket yang antreannya panjang.",
    "Teliti memeriksa berkas sebelum diserahkan.",
    "",
)
PEER_COULD_IMPROVE = (
    "Lebih sering berbagi cara cepat memakai aplikasi dengan rekan baru.",
    "Memberi tahu rekan lebih awal bila perlu meninggalkan loket.",
    "Nada bicara saat antrean ramai bisa lebih tenang.",
    "",
)


def load_peer_demo() -> list[str]:
    """A closed 360° round for each demo team's last quarter and an open one for this quarter (issue 16).

    Written through the peer-feedback services, so pairs, anonymity and audit rows are as in real use. In the open
    round the staff demo account (``petugas.*``) has not answered yet, so its home page shows the reminder. The caller
    commits.
    """
    from scoring import period_containing

    from .peer_feedback import AnswerInput, close_round, open_round, propose_round, save_answer

    rng = random.Random(20261202)
    summary = []
    for short in ("bogor", "kassi"):
        supervisor = db.session.scalar(select(User).where(User.login == f"atasan.{short}"))
        staff = db.session.scalar(select(User).where(User.login == f"petugas.{short}"))
        if supervisor is None or supervisor.employee is None or staff is None:
            continue
        unit = supervisor.unit
        assert unit is not None
        today = now().astimezone(unit.zone).date()
        this_quarter = period_containing("quarter", today)
        for period, answering in ((this_quarter.previous(), 1.0), (this_quarter, 0.6)):
            proposal = propose_round(supervisor.employee, period)
            if proposal.existing is not None or len(proposal.team) < 4:
                continue
            pairs = {(rater, ratee) for rater, ratees in proposal.pairs.items() for ratee in ratees}
            members = [e.id for e in proposal.team]
            for rater in members:  # members without an overlapping shift rate the first colleagues of the team
                if not any(pair[0] == rater for pair in pairs):
                    pairs |= {(rater, ratee) for ratee in members if ratee != rater} if len(members) <= 6 else set()
            peer_round = open_round(supervisor, supervisor.employee, period, today + timedelta(days=10), pairs)
            raters = {e.id: e for e in proposal.team}
            for rater_id, ratee_id in sorted(pairs):
                if period == this_quarter and (rater_id == staff.employee_id or rng.random() > answering):
                    continue
                pair = db.session.scalar(
                    select(PeerRater).where(
                        PeerRater.round_id == peer_round.id,
                        PeerRater.rater_id == rater_id,
                        PeerRater.ratee_id == ratee_id,
                    )
                )
                assert pair is not None
                values = {
                    value: rng.choices(("di_bawah", "sesuai", "di_atas", "tidak_tahu"), (1, 6, 3, 1))[0]
                    for value in BERAKHLAK_VALUES
                }
                given = AnswerInput(values, rng.choice(PEER_DOES_WELL), rng.choice(PEER_COULD_IMPROVE), submit=True)
                save_answer(raters[rater_id], pair.id, given)
            if period != this_quarter:
                close_round(peer_round, "demo-data")
            summary.append(
                f"{unit.name}: 360° round {period.id} ({'closed' if period != this_quarter else 'open'}), "
                f"{len(pairs)} forms"
            )
    return summary


def _demo_users(plan: _UnitPlan, unit: Unit, supervisor: Employee, staff: Employee) -> None:
    short = plan.slug.split("-")[-1]
    create_user(f"admin.{short}", DEMO_PASSWORD, {"admin"}, unit_slug=unit.slug)
    create_user(
        f"atasan.{short}", DEMO_PASSWORD, {"supervisor", "staff"}, unit_slug=unit.slug, employee_nip=supervisor.nip
    )
    create_user(f"petugas.{short}", DEMO_PASSWORD, {"staff"}, unit_slug=unit.slug, employee_nip=staff.nip)


def _generate_operations(rng, plan, zone, unit, counters, services, regulars, relief, quality, speed, start, today, at):
    roster_rows, ticket_rows, plans = [], [], []
    day = start
    ticket_seq = 0
    last_roster_day = today + timedelta(days=14)
    while day <= last_roster_day:
        if day.weekday() < plan.open_weekdays:
            opens = datetime.combine(day, plan.hours[0], zone)
            closes = datetime.combine(day, plan.hours[1], zone)
            # Regulars rotate fairly through the counters; the counter each one gets varies.
            rotation = (day - start).days % len(regulars)
            on_shift = (regulars[rotation:] + regulars[:rotation])[: len(counters)]
            rng.shuffle(on_shift)
            if rng.random() < 1 / 25:
                on_shift[rng.randrange(len(on_shift))] = rng.choice(relief)
            for counter, employee in zip(counters, on_shift):
                roster_rows.append(
                    dict(
                        counter_id=counter.id,
                        employee_id=employee.id,
                        source="roster",
                        starts_at=opens.astimezone(UTC),
                        ends_at=closes.astimezone(UTC),
                        created_at=at,
                    )
                )
                if day > today:
                    continue
                standard_by_service = {s.id: s.counter_standard_minutes for s in counter.service_types}
                clock_at = opens
                for _ in range(rng.randint(9, 16)):
                    clock_at += timedelta(minutes=rng.uniform(8, 30))
                    if clock_at >= closes:
                        break
                    service_id = rng.choice(list(standard_by_service))
                    standard = standard_by_service[service_id]
                    issued = clock_at.astimezone(UTC)
                    called = issued + timedelta(minutes=rng.uniform(1, 0.8 * standard) * speed[employee.id])
                    started = called + timedelta(seconds=rng.uniform(20, 120))
                    finished = started + timedelta(minutes=rng.uniform(0.25, 0.7) * standard * speed[employee.id])
                    if finished > at:
                        break
                    ticket_seq += 1
                    no_show = rng.random() < 0.04
                    returned = not no_show and rng.random() < 0.05
                    ticket_rows.append(
                        dict(
                            unit_id=unit.id,
                            external_id=f"{day.isoformat()}-{counter.public_code}-{ticket_seq:05d}",
                            counter_id=counter.id,
                            service_type_id=service_id,
                            employee_id=employee.id,
                            issued_at=issued,
                            called_at=called,
                            started_at=None if no_show else started,
                            finished_at=None if no_show else finished,
                            outcome="no_show" if no_show else "finished",
                            returned=returned,
                        )
                    )
                    plans.append(
                        (employee.id, counter.id, service_id, no_show, returned, issued, called, started, finished)
                    )
        day += timedelta(days=1)

    db.session.execute(insert(CounterAssignment), roster_rows)
    ticket_ids = db.session.scalars(
        insert(Ticket).returning(Ticket.id, sort_by_parameter_order=True), ticket_rows
    ).all()
    events, responses = [], []
    for ticket_id, (employee_id, counter_id, service_id, no_show, returned, issued, called, started, finished) in zip(
        ticket_ids, plans
    ):
        events += [
            dict(ticket_id=ticket_id, event="issued", at=issued, employee_id=None, received_at=issued),
            dict(ticket_id=ticket_id, event="called", at=called, employee_id=employee_id, received_at=called),
        ]
        if no_show:
            late = called + timedelta(minutes=5)
            events.append(
                dict(ticket_id=ticket_id, event="no_show", at=late, employee_id=employee_id, received_at=late)
            )
            continue
        events.append(
            dict(ticket_id=ticket_id, event="started", at=started, employee_id=employee_id, received_at=started)
        )
        if returned:
            back = started + (finished - started) / 2
            events.append(
                dict(ticket_id=ticket_id, event="returned", at=back, employee_id=employee_id, received_at=back)
            )
        events.append(
            dict(ticket_id=ticket_id, event="finished", at=finished, employee_id=employee_id, received_at=finished)
        )
        if rng.random() < 0.4 and finished + timedelta(minutes=40) < at:
            responses.append(
                _response(
                    rng,
                    unit.id,
                    counter_id,
                    service_id,
                    employee_id,
                    ticket_id,
                    finished,
                    quality[employee_id],
                    returned,
                )
            )
    db.session.execute(insert(TicketEvent), events)
    db.session.execute(insert(SurveyResponse), responses)
    return len(roster_rows), len(ticket_rows), len(responses)


def _response(rng, unit_id, counter_id, service_id, employee_id, ticket_id, finished, quality, returned):
    """One answer sheet: staff-related unsur follow the employee, the rest the unit."""
    by_ticket = rng.random() < 0.5
    submitted = finished + timedelta(minutes=rng.uniform(1, 40))
    staff_mean = 3.2 + quality - (0.4 if returned else 0)
    means = {
        "u1": 3.1,
        "u2": 3.0,
        "u3": staff_mean - 0.1,
        "u4": 3.8,
        "u5": 3.1,
        "u6": staff_mean,
        "u7": staff_mean + 0.1,
        "u8": 2.9,
        "u9": 2.9,
    }
    comment = rng.choice(DEMO_COMMENTS) if rng.random() < 0.12 else None
    return dict(
        unit_id=unit_id,
        counter_id=counter_id,
        ticket_id=ticket_id if by_ticket else None,
        service_type_id=service_id,
        employee_id=employee_id,
        counter_assignment_id=None,
        attribution_source="ticket" if by_ticket else "roster",
        channel="ticket_qr" if by_ticket else "counter_qr",
        comment=comment,
        respondent_sex=rng.choice(("L", "P", None)),
        age_band=rng.choice(("20-29", "30-39", "40-49", "50-59", None)),
        education=rng.choice(("SMA", "S1", "SMP", "D1-D4", None)),
        occupation=rng.choice(("Swasta", "Wirausaha", "Lainnya", "PNS", None)),
        locale="id",
        client_fingerprint=f"{rng.getrandbits(128):032x}",
        submission_key=f"{rng.getrandbits(128):032x}",
        status="valid",
        status_reason=None,
        submitted_at=submitted,
        counted_at=finished if by_ticket else submitted,
        **{code: _answer(rng, mean) for code, mean in means.items()},
    )


#: What demo citizens wrote; each becomes a complaint in one state of the lifecycle (spec §7).
DEMO_COMPLAINTS = (
    ("pengaduan", "Antrean lama sekali, lebih dari satu jam, dan tidak ada petugas di meja informasi."),
    ("informasi", "Apa saja syarat membuat akta kelahiran untuk anak yang lahir di luar kota?"),
    ("pengaduan", "Petugas meminta fotokopi yang tidak ada di daftar persyaratan."),
    ("saran", "Mohon disediakan kursi tambahan dan kipas angin di ruang tunggu."),
    ("pengaduan", "Berkas saya dikembalikan dua kali tanpa penjelasan yang jelas."),
    ("pengaduan", "Saya diarahkan ke loket yang salah; mohon papan petunjuk diperjelas."),
    ("saran", "Tolong buka layanan pada hari Sabtu."),
)


def demo_publishing_and_complaints(
    unit: Unit, parent: Unit, counters: list[Counter], regulars: list[Employee], rng: random.Random, at: datetime
) -> str:
    """Issue 13's demo content: the last two full quarters computed and published (with a follow-up plan), the
    unit's complaint handler and head, and complaints in every state of the lifecycle, one of them overdue."""

    from .complaints import (
        answer_complaint,
        classify_complaint,
        close_complaint,
        file_complaint,
        forward_complaint,
        reject_complaint,
        verify_complaint,
    )
    from .publishing import publish_run
    from .score_runs import compute_score_run

    short = unit.slug.split("-")[-1]
    create_user(f"pengaduan.{short}", DEMO_PASSWORD, {"complaints"}, unit_slug=unit.slug)
    create_user(f"kepala.{short}", DEMO_PASSWORD, {"head"}, unit_slug=unit.slug)
    # A sibling office of the same instansi, so a complaint can be forwarded (it serves no counter itself).
    sibling = Unit(
        name=f"Sekretariat {parent.name}",
        slug=f"sekretariat-{parent.slug}",
        kind="other",
        timezone=unit.timezone,
        parent=parent,
    )
    db.session.add(sibling)
    db.session.flush()

    today = at.astimezone(unit.zone).date()
    period = period_containing("quarter", today)
    published: list[str] = []
    for _ in range(2):  # the last two whole quarters, newest first
        period = period.previous()
        run = compute_score_run(unit, period, "demo-data")
        plan = "Menambah satu loket pada jam sibuk dan memperjelas daftar persyaratan di papan informasi."
        publish_run(run, by=f"kepala.{short}", follow_up_plan=plan if not published else None)
        published.append(period.id)

    complaints = []
    for index, (kind, text) in enumerate(DEMO_COMPLAINTS):
        received = at - timedelta(days=10 if index == 0 else 1 + index % 3, hours=rng.randint(0, 5))
        counter = counters[index % len(counters)]
        complaint = file_complaint(
            unit,
            kind=kind,
            text=text,
            contact=f"warga{index + 1}@contoh.id" if index % 2 == 0 else f"0812{rng.randint(10000000, 99999999)}",
            counter=counter,
            employee_id=regulars[index % len(regulars)].id,
            at=received,
        )
        complaints.append(complaint)
    overdue, verified, handled, answered, settled, rejected, forwarded = complaints
    # ``overdue`` stays diterima: received ten days ago, its first answer is late.
    verify_complaint(verified)
    for complaint in (handled, answered, settled):
        verify_complaint(complaint)
        classify_complaint(complaint, "complaint" if complaint.kind == "pengaduan" else "information")
    answer_complaint(answered, "Terima kasih. Persyaratan yang berlaku hanya yang tercantum di papan informasi.")
    answer_complaint(settled, "Kursi tambahan sudah kami sediakan mulai minggu ini. Terima kasih atas sarannya.")
    close_complaint(settled)
    reject_complaint(rejected, "Keluhan ini tentang layanan instansi lain; silakan hubungi kantor kecamatan.")
    forward_complaint(forwarded, sibling)
    db.session.flush()
    return (
        f"{unit.name}: published {', '.join(sorted(published))}; {len(complaints)} complaints "
        f"(one per state, {overdue.tracking_code} overdue)"
    )


#: Comments the inbox shows masked to the head and whole to the unit admin (spec §5).
DEMO_PERSONAL_COMMENTS = (
    "Mohon kabari saya di 081234567890 kalau berkas sudah jadi.",
    "NIK saya 3201123456780004, data di KTP masih salah tulis nama ibu.",
    "Balasan bisa ke warga.teladan@contoh.id, terima kasih.",
)


def demo_moderation(unit: Unit, counters: list[Counter], rng: random.Random, at: datetime) -> str:
    """Issue 13's inbox content: answers the rules flagged yesterday (a burst at one counter, one browser over four
    counters, a visit too short), one released and one excluded by the unit admin (audited), and comments holding
    personal data. All of them unit-only answers of the current period, so the published runs stay as they are."""
    from .flags import exclude_response, flag_response, release_response

    base = at - timedelta(days=1)
    rows: list[SurveyResponse] = []

    def answer(counter: Counter, when: datetime, *, status="valid", flag=None, comment=None, fingerprint=None):
        response = SurveyResponse(
            unit_id=unit.id,
            counter_id=counter.id,
            attribution_source="none",
            channel="counter_qr",
            comment=comment,
            locale="id",
            client_fingerprint=fingerprint or f"{rng.getrandbits(128):032x}",
            submission_key=f"{rng.getrandbits(128):032x}",
            status=status,
            flag_reason=flag[0] if flag else None,
            flag_details={flag[0]: flag[1]} if flag else None,
            submitted_at=when,
            counted_at=when,
            **{f"u{i}": rng.choice((3, 4)) if status == "valid" else 4 for i in range(1, 10)},
        )
        rows.append(response)
        db.session.add(response)
        return response

    # A burst: ten answers in nine minutes at the first counter; the rule let six through.
    for n in range(10):
        details = {"window_minutes": 15, "answers_in_window": n + 1, "plausible_tickets": 0, "usual_per_window": 0.8}
        flagged = n >= 6
        answer(
            counters[0],
            base + timedelta(minutes=n),
            status="flagged" if flagged else "valid",
            flag=("burst", {**details, "allowed": 6}) if flagged else None,
            comment="Sangat puas!" if flagged else None,
        )
    # One browser over four counters in an hour: every one of its answers is held back.
    browser = f"{rng.getrandbits(128):032x}"
    for n, counter in enumerate(counters[1:5]):
        answer(
            counter,
            base + timedelta(hours=1, minutes=15 * n),
            status="flagged",
            flag=("fingerprint_many_counters", {"window_hours": 24, "counters": 4, "allowed": 3}),
            fingerprint=browser,
            comment="Semua loket terbaik" if n == 0 else None,
        )
    short = answer(
        counters[-1],
        base + timedelta(hours=3),
        status="flagged",
        flag=("short_visit", {"visit_seconds": 35, "minimum_seconds": 120}),
    )
    personal = [
        answer(counters[n % len(counters)], base + timedelta(hours=4, minutes=7 * n), comment=text)
        for n, text in enumerate(DEMO_PERSONAL_COMMENTS)
    ]
    db.session.flush()
    release_response(short.id, reason="Legalisir memang selesai dalam satu menit")
    exclude_response(rows[0].id, reason="Isian uji coba petugas saat memasang poster")
    flag_response(
        personal[0].id, code="self_rating", reason="Nomor telepon milik petugas loket", details={"by_hand": 1}
    )
    db.session.flush()
    waiting = sum(r.status == "flagged" for r in rows)
    return f"{unit.name}: {waiting} flagged answers waiting in the inbox, one released, one excluded"
