"""The appraisal desk's services: teams, suggestions, confirm or override, stale forms, audit (spec §3, §7)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, insert, select

from feedback_app.extensions import db
from feedback_app.models import (
    Appraisal,
    AuditEvent,
    BehaviourRating,
    EmployeeAssignment,
    EmployeeTarget,
    SurveyResponse,
)
from feedback_app.services.appraisals import (
    AppraisalError,
    AppraisalInput,
    TargetInput,
    assignment_on,
    delete_target,
    last_day,
    may_appraise,
    may_read,
    read_desk,
    read_evidence,
    save_appraisal,
    save_target,
    team_assignments,
    unit_distribution,
)
from feedback_app.services.score_runs import compute_score_run, set_unit_parameters
from feedback_app.services.teams import team_of
from scoring import PREDIKAT_MATRIX, Predikat, Rating, parse_period
from tests.helpers import counting_queries

WIB = ZoneInfo("Asia/Jakarta")
Q3 = parse_period("2026-Q3")
SEVEN = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")


class Team:
    """A WIB unit: Sari supervises Ani and Budi; Plt Tono acts for an absent head over Cici; Eka works elsewhere."""

    def __init__(self, build) -> None:
        self.unit = build.unit(name="Disdukcapil Uji", slug="uji")
        self.counter = build.counter(self.unit)
        self.sari, self.ani, self.budi, self.tono, self.cici = (
            build.employee(name=n) for n in ("Sari", "Ani", "Budi", "Tono", "Cici")
        )
        self.other_unit = build.unit(slug="lain", name="Unit Lain")
        self.eka = build.employee(name="Eka")
        start = date(2026, 1, 1)
        rows = [
            (self.sari, self.unit, None, None),
            (self.ani, self.unit, self.sari, None),
            (self.budi, self.unit, self.sari, None),
            (self.tono, self.unit, None, None),
            (self.cici, self.unit, self.tono, "plt"),
            (self.eka, self.other_unit, self.sari, None),
        ]
        for employee, unit, supervisor, acting in rows:
            db.session.add(
                EmployeeAssignment(
                    employee=employee,
                    unit=unit,
                    position="Petugas",
                    supervisor=supervisor,
                    supervisor_acting=acting,
                    valid_from=start,
                )
            )
        # Budi moves to Tono's team from September: at the end of Q3 he is no longer Sari's.
        db.session.flush()
        moved = db.session.scalar(select(EmployeeAssignment).where(EmployeeAssignment.employee_id == self.budi.id))
        moved.valid_until = date(2026, 9, 1)
        db.session.add(
            EmployeeAssignment(
                employee=self.budi,
                unit=self.unit,
                position="Petugas",
                supervisor=self.tono,
                valid_from=date(2026, 9, 1),
            )
        )
        self.supervisor = build.user("atasan", {"supervisor", "staff"}, unit=self.unit, employee=self.sari)
        self.plt = build.user("plt", {"supervisor"}, unit=self.unit, employee=self.tono)
        self.hr = build.user("sdm", {"hr"}, unit=self.unit)
        self.hr_elsewhere = build.user("sdm-lain", {"hr"}, unit=self.other_unit)
        db.session.commit()

    def answers(self, employee, count: int, value: int = 4) -> None:
        at = datetime(2026, 8, 10, 2, 0, tzinfo=UTC)
        rows = [
            dict(
                unit_id=self.unit.id,
                counter_id=self.counter.id,
                employee_id=employee.id,
                attribution_source="roster",
                channel="counter_qr",
                client_fingerprint="f" * 32,
                submission_key=f"{employee.id}-{value}-{i}",
                status="valid",
                submitted_at=at + timedelta(minutes=i),
                counted_at=at + timedelta(minutes=i),
                locale="id",
                **{f"u{k}": value for k in range(1, 10)},
            )
            for i in range(count)
        ]
        db.session.execute(insert(SurveyResponse), rows)
        db.session.commit()

    def assignment(self, employee):
        return assignment_on(employee.id, last_day(Q3))


@pytest.fixture
def team(build, clock) -> Team:
    return Team(build)


def audits() -> list[AuditEvent]:
    return list(db.session.scalars(select(AuditEvent).order_by(AuditEvent.id)))


def target(**kw) -> TargetInput:
    values = dict(
        work_plan="Terlayaninya dokumen kependudukan",
        name="Berkas KTP-el selesai",
        aspect="kuantitas",
        target="100",
        measure_unit="berkas",
        realisation="120",
        lower_is_better=False,
        indicator_code="",
    )
    values.update(kw)
    return TargetInput(**values)


def form(run_id=None, version=None, **kw) -> AppraisalInput:
    values = dict(
        version=version,
        run_id=run_id,
        berakhlak=dict.fromkeys(SEVEN, "sesuai"),
        feedback="Pertahankan keramahan di loket.",
        hasil="",
        hasil_reason="",
        perilaku="",
        perilaku_reason="",
        confirm=False,
    )
    values.update(kw)
    return AppraisalInput(**values)


# --- who is in a team --------------------------------------------------------------------------------------------


def test_the_team_is_read_at_the_periods_end_and_an_acting_supervisor_has_theirs(team: Team) -> None:
    day = last_day(Q3)
    assert day == date(2026, 9, 30)
    mine = [a.employee.name for a in team_assignments(team.supervisor, day)]
    assert mine == ["Ani", "Eka"]  # Budi left for Tono's team in September; Eka's other unit still names Sari
    assert [e.name for e in team_of(team.sari, day)] == mine  # the same rule as services/teams.py
    assert [a.employee.name for a in team_assignments(team.plt, day)] == ["Budi", "Cici"]
    assert team.assignment(team.cici).supervisor_acting == "plt"
    # In July Budi was still Sari's.
    assert "Budi" in [a.employee.name for a in team_assignments(team.supervisor, date(2026, 7, 31))]


def test_who_may_read_and_who_may_appraise(team: Team) -> None:
    ani, cici, eka = team.assignment(team.ani), team.assignment(team.cici), team.assignment(team.eka)
    assert may_appraise(team.supervisor, ani) and not may_appraise(team.supervisor, cici)
    assert may_appraise(team.plt, cici) and not may_appraise(team.plt, ani)
    assert may_read(team.hr, ani) and not may_appraise(team.hr, ani)
    assert not may_read(team.hr_elsewhere, ani) and may_read(team.hr_elsewhere, eka)
    assert [a.employee.name for a in team_assignments(team.hr, last_day(Q3))] == ["Ani", "Budi", "Cici", "Sari", "Tono"]


def test_hr_of_the_instansi_reads_the_units_below_it(team: Team, build) -> None:
    instansi = build.unit(slug="pemkot", name="Pemerintah Kota Uji", kind="other")
    team.unit.parent_id = instansi.id
    hr = build.user("sdm-pemkot", {"hr"}, unit=instansi)
    db.session.commit()
    assert may_read(hr, team.assignment(team.ani)) and not may_read(hr, team.assignment(team.eka))
    assert len(team_assignments(hr, last_day(Q3))) == 5


# --- targets -----------------------------------------------------------------------------------------------------


def test_a_target_of_zero_an_unknown_aspect_or_a_bad_number_changes_nothing(team: Team) -> None:
    ani = team.assignment(team.ani)
    for bad, code in (
        (target(target="0"), "target_zero"),
        (target(aspect="kecepatan"), "unknown_value"),
        (target(indicator_code="gaji"), "unknown_value"),
        (target(target="seratus"), "not_a_number"),
        (target(work_plan=" "), "target_work_plan"),
    ):
        with pytest.raises(AppraisalError) as refused:
            save_target(ani, Q3, bad)
        assert refused.value.code == code
        db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(EmployeeTarget)) == 0
    assert audits() == []


def test_each_target_write_leaves_one_audit_row(team: Team) -> None:
    ani = team.assignment(team.ani)
    created = save_target(ani, Q3, target())
    db.session.commit()
    save_target(ani, Q3, target(realisation="95,5"))
    db.session.commit()
    with pytest.raises(AppraisalError, match="unchanged"):
        save_target(ani, Q3, target(realisation="95.5"))
    db.session.rollback()
    delete_target(ani, Q3, created.id)
    db.session.commit()
    rows = audits()
    assert [r.action for r in rows] == ["target.create", "target.update", "target.delete"]
    assert rows[1].before == {"realisation": "120.0000"} and rows[1].after["realisation"] == "95.5"
    assert all(r.entity == "employee_target" and r.entity_id == str(created.id) for r in rows)
    assert all(r.unit_id == team.unit.id and r.actor_kind == "system" for r in rows)


def test_a_target_measured_by_the_run_takes_its_realisation_from_the_run(team: Team) -> None:
    team.answers(team.ani, 40, value=4)
    team.answers(team.budi, 40, value=2)
    run = compute_score_run(team.unit, Q3, "test")
    db.session.commit()
    ani = team.assignment(team.ani)
    save_target(
        ani, Q3, target(name="Kepuasan warga", target="80", realisation="", measure_unit="", indicator_code="ikp")
    )
    db.session.commit()
    evidence = read_evidence(ani, Q3)
    [line] = evidence.suggestion.lines
    ikp = evidence.figures["ikp"]
    assert line.from_run and line.realisation == ikp.value and evidence.run.id == run.id
    assert line.capaian == (ikp.value / 80 * 100).quantize(Decimal("0.01"))
    assert evidence.u7_counts == [0, 0, 0, 40]  # the citizens' U7 answers, from the run's explanation


# --- the appraisal -----------------------------------------------------------------------------------------------


@pytest.mark.parametrize(("hasil", "perilaku"), [(h, p) for h in Rating for p in Rating])
def test_a_confirmed_appraisal_takes_the_predikat_of_the_matrix(team: Team, hasil: Rating, perilaku: Rating) -> None:
    codes = {Rating.DI_ATAS: "di_atas", Rating.SESUAI: "sesuai", Rating.DI_BAWAH: "di_bawah"}
    ani = team.assignment(team.ani)
    saved = save_appraisal(
        ani,
        Q3,
        team.sari,
        form(
            hasil=codes[hasil],
            hasil_reason="Tanpa target: ditetapkan dari catatan kerja.",
            perilaku=codes[perilaku],
            perilaku_reason="" if perilaku is Rating.SESUAI else "Lihat umpan balik.",
            confirm=True,
        ),
    )
    db.session.commit()
    expected = {
        Predikat.SANGAT_BAIK: "sangat_baik",
        Predikat.BAIK: "baik",
        Predikat.BUTUH_PERBAIKAN: "butuh_perbaikan",
        Predikat.KURANG: "kurang",
        Predikat.SANGAT_KURANG: "sangat_kurang",
    }[PREDIKAT_MATRIX[hasil, perilaku]]
    assert (saved.status, saved.predikat, saved.suggested_perilaku) == ("confirmed", expected, "sesuai")
    assert saved.confirmed_at is not None


def test_draft_then_confirm_keeps_suggestion_and_override_with_one_audit_row_each(team: Team) -> None:
    team.answers(team.ani, 40)
    run = compute_score_run(team.unit, Q3, "test")
    db.session.commit()
    ani = team.assignment(team.ani)
    save_target(ani, Q3, target(realisation="120"))  # capaian 120 → suggested Di Atas
    db.session.commit()

    draft = save_appraisal(ani, Q3, team.sari, form(run_id=run.id, hasil="di_atas"))
    db.session.commit()
    assert (draft.status, draft.version, draft.suggested_hasil, draft.confirmed_hasil) == (
        "draft",
        1,
        "di_atas",
        "di_atas",
    )
    assert draft.predikat is None and draft.score_run_id == run.id

    overridden = dict(perilaku="di_atas", perilaku_reason="Selalu membantu rekan di loket lain.", confirm=True)
    confirmed = save_appraisal(ani, Q3, team.sari, form(run_id=run.id, version=1, hasil="di_atas", **overridden))
    db.session.commit()
    assert (confirmed.status, confirmed.version, confirmed.predikat) == ("confirmed", 2, "sangat_baik")
    assert (confirmed.suggested_perilaku, confirmed.confirmed_perilaku) == ("sesuai", "di_atas")
    rating = db.session.scalar(select(BehaviourRating))
    assert (rating.overall, rating.override_reason, rating.supervisor_id) == (
        "di_atas",
        "Selalu membantu rekan di loket lain.",
        team.sari.id,
    )
    rows = [r for r in audits() if r.entity == "appraisal"]
    assert [r.action for r in rows] == ["appraisal.save_draft", "appraisal.confirm"]
    assert rows[1].before == {"confirmed_perilaku": None, "perilaku_reason": None, "predikat": None, "status": "draft"}
    assert rows[1].after["predikat"] == "sangat_baik" and rows[1].reason == "Selalu membantu rekan di loket lain."

    with pytest.raises(AppraisalError, match="already_confirmed"):
        save_appraisal(ani, Q3, team.sari, form(run_id=run.id, version=2, hasil="di_bawah", hasil_reason="x"))


@pytest.mark.parametrize(
    ("changes", "code"),
    [
        (dict(perilaku="di_atas"), "reason_required"),  # the median of seven "sesuai" is Sesuai
        (dict(hasil="di_atas"), "reason_required"),  # no target: no suggestion, so any rating needs a reason
        (dict(hasil="luar_biasa", hasil_reason="x"), "unknown_value"),
        (dict(berakhlak={**dict.fromkeys(SEVEN, "sesuai"), "loyal": "hebat"}), "unknown_value"),
        (dict(berakhlak={"loyal": "sesuai"}), "berakhlak_incomplete"),
        (dict(perilaku="sesuai", confirm=True), "confirm_needs_both"),
        (dict(version=3), "stale"),
        (dict(run_id=999), "stale_run"),
        (dict(berakhlak={}, feedback=""), "empty"),
    ],
)
def test_a_refused_appraisal_changes_nothing(team: Team, changes: dict, code: str) -> None:
    ani = team.assignment(team.ani)
    with pytest.raises(AppraisalError) as refused:
        save_appraisal(ani, Q3, team.sari, form(**changes))
    assert refused.value.code == code
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Appraisal)) == 0
    assert db.session.scalar(select(func.count()).select_from(BehaviourRating)) == 0
    assert audits() == []


def test_a_form_read_before_someone_else_saved_is_refused(team: Team) -> None:
    ani = team.assignment(team.ani)
    save_appraisal(ani, Q3, team.sari, form())
    db.session.commit()
    save_appraisal(ani, Q3, team.sari, form(version=1, feedback="Kedua kali."))  # another tab saves: version 2
    db.session.commit()
    with pytest.raises(AppraisalError, match="stale"):
        save_appraisal(ani, Q3, team.sari, form(version=1, feedback="Tab lama."))
    db.session.rollback()
    assert db.session.scalar(select(BehaviourRating.feedback)) == "Kedua kali."
    assert len(audits()) == 2


def test_a_newer_run_than_the_appraisals_is_flagged(team: Team) -> None:
    team.answers(team.ani, 35)
    first = compute_score_run(team.unit, Q3, "test")
    db.session.commit()
    ani = team.assignment(team.ani)
    save_appraisal(ani, Q3, team.sari, form(run_id=first.id))
    db.session.commit()
    assert not read_evidence(ani, Q3).newer_run
    second = compute_score_run(team.unit, Q3, "test")
    db.session.commit()
    evidence = read_evidence(ani, Q3)
    assert evidence.newer_run and evidence.run.id == second.id and evidence.appraisal.score_run_id == first.id


# --- the unit's distribution -------------------------------------------------------------------------------------


def test_the_distribution_counts_confirmed_predikat_only_and_checks_the_curve(team: Team) -> None:
    set_unit_parameters(team.unit, {"organisational_predikat": "Baik"})
    db.session.commit()
    ani, eka = team.assignment(team.ani), team.assignment(team.eka)
    both = dict(hasil="sesuai", hasil_reason="Catatan kerja.", perilaku="sesuai", confirm=True)
    save_appraisal(ani, Q3, team.sari, form(**both))
    save_appraisal(eka, Q3, team.sari, form(hasil="sesuai", hasil_reason="Draf."))  # a draft, in the other unit
    cici = team.assignment(team.cici)
    save_appraisal(cici, Q3, team.tono, form(hasil="sesuai", hasil_reason="Draf."))  # a draft: not counted
    db.session.commit()
    result = unit_distribution(team.unit, Q3)
    assert result.total == 1 and result.counts["baik"] == 1
    assert [rule.description for rule in result.check.failures] == [
        "at most 70% Baik",
        "at least one Butuh Perbaikan and/or Kurang/Misconduct",
    ]


# --- bounded reads -----------------------------------------------------------------------------------------------


def test_the_team_list_and_evidence_page_read_a_fixed_number_of_statements_whatever_the_team_size(
    team: Team, build
) -> None:
    def statements() -> tuple[int, int]:
        db.session.expire_all()
        with counting_queries() as desk:
            read_desk(team.supervisor, Q3)
        with counting_queries() as evidence:
            read_evidence(team.assignment(team.ani), Q3)
        return len(desk), len(evidence)

    team.answers(team.ani, 30)
    run = compute_score_run(team.unit, Q3, "test")
    save_appraisal(team.assignment(team.ani), Q3, team.sari, form(run_id=run.id))
    db.session.commit()
    small = statements()
    for n in range(12):
        member = build.employee(name=f"Anggota {n}")
        db.session.add(
            EmployeeAssignment(
                employee=member, unit=team.unit, position="Petugas", supervisor=team.sari, valid_from=date(2026, 1, 1)
            )
        )
        save_target(team.assignment(team.ani), Q3, target(name=f"Indikator {n}"))
    compute_score_run(team.unit, Q3, "test")
    db.session.commit()
    assert len(read_desk(team.supervisor, Q3).members) == 14
    assert statements() == small
    assert small[0] <= 10 and small[1] <= 12, small
