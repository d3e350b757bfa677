"""Sufficient statistics from SQL: hand-computed service times, satisfaction counts, complaints, bounded queries.

The fixture is a WITA unit (UTC+8), so local days and the period's edges differ from UTC days (spec §5).
"""

from __future__ import annotations

import random
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert

from feedback_app.extensions import db
from feedback_app.models import Complaint, CounterAssignment, Employee, Holiday, SurveyResponse, Ticket
from feedback_app.services.sufficient_statistics import (
    StatisticsError,
    complaint_stats,
    period_window,
    satisfaction_stats,
    service_time_stats,
)
from scoring import (
    ON_TIME_RULES,
    UNSUR,
    ComplaintStats,
    SatisfactionStats,
    ServiceTimeStats,
    complaint_indicators,
    parse_period,
    service_time_indicators,
)
from tests.helpers import counting_queries

WITA = ZoneInfo("Asia/Makassar")
STATUSES = ["valid", "duplicate", "flagged", "excluded"]
Q3 = parse_period("2026-Q3")


def wita(text: str) -> datetime:
    """A local WITA time written as text, e.g. "2026-09-29 23:50:00"."""
    return datetime.fromisoformat(text).replace(tzinfo=WITA)


class Fixture:
    """Two employees at a WITA Puskesmas; every number the tests expect is computed by hand below."""

    def __init__(self, build) -> None:
        self.unit = build.unit(name="Puskesmas Uji", slug="pkm-uji", kind="puskesmas", timezone="Asia/Makassar")
        self.s15 = build.service_type(self.unit, name="Pendaftaran", counter_standard_minutes=15)
        self.s30 = build.service_type(self.unit, name="Poli Umum", counter_standard_minutes=30)
        self.c1 = build.counter(self.unit, service_types=[self.s15])
        self.c2 = build.counter(self.unit, service_types=[self.s30])
        self.a = build.employee(name="Ani")
        self.b = build.employee(name="Budi")
        self.other_unit = other_unit = build.unit(slug="lain", timezone="Asia/Jakarta")
        self.other_counter = other_counter = build.counter(other_unit)
        self._n = 0

        # Ani on counter 1 (standard 15 min). No roster or sign-in: her working days are days with a finished ticket.
        self.ticket(self.c1, self.s15, self.a, "2026-09-29 09:00:00", "09:04:00", "09:05:00", "09:15:00")  # t1
        self.ticket(self.c1, self.s15, self.a, "2026-09-29 09:10:00", "09:20:00", None, "09:32:30")  # t2: no start
        self.ticket(self.c1, self.s15, self.a, "2026-09-29 09:20:00", "09:40:00", outcome="no_show")  # t3
        self.ticket(
            self.c1, self.s15, self.a, "2026-09-29 23:40:00", "23:45:00", "23:46:00", "23:58:00", returned=True
        )  # t4
        self.ticket(
            self.c1, self.s15, self.a, "2026-09-29 23:50:00", "23:56:00", "23:58:30", "2026-09-30 00:05:30"
        )  # t5: finished after local midnight (still 16:05 UTC on the 29th)
        self.ticket(
            self.c1, self.s15, self.a, "2026-07-01 00:10:00.700", "00:12:00.200", "00:12:30", "00:20:00"
        )  # t8: Jul 1 locally, Jun 30 in UTC; fractions of a second are cut off
        self.ticket(self.c1, self.s15, self.a, "2026-10-01 00:30:00", "00:31:00", "00:32:00", "00:40:00")  # Q4
        self.ticket(self.c1, self.s15, self.a, "2026-06-30 23:50:00", "23:51:00", "23:52:00", "23:59:00")  # Q2
        self.ticket(
            other_counter,
            other_counter.service_types[0],
            self.a,
            "2026-09-29 10:00:00",
            "10:01:00",
            "10:02:00",
            "10:03:00",
            unit=other_unit,
        )  # another unit

        # Budi on counter 2 (standard 30 min), rostered on Sep 28 and 29 and signed in on Sep 29.
        self.ticket(self.c2, self.s30, self.b, "2026-09-29 10:00:00", "10:02:00", "10:03:00", "10:20:00")  # b1
        self.ticket(self.c2, self.s30, self.b, "2026-09-29 10:05:00", "10:25:00", "10:26:00", "10:50:00")  # b2
        self.ticket(self.c2, self.s30, self.b, "2026-09-29 10:10:00", outcome="waiting")  # b3
        # Unit only: nobody is recorded as having served it.
        self.ticket(self.c2, self.s30, None, "2026-09-29 11:00:00", "11:05:00", outcome="no_show")  # u1
        for counter, starts, ends in (
            (self.c2, "2026-09-28 08:00:00", "2026-09-28 16:00:00"),
            (self.c2, "2026-09-29 08:00:00", "2026-09-29 16:00:00"),
            (self.c2, "2026-10-01 08:00:00", "2026-10-01 16:00:00"),  # Q4
            (other_counter, "2026-09-30 08:00:00", "2026-09-30 16:00:00"),  # another unit
        ):
            build.duty(counter, self.b, starts_at=wita(starts), ends_at=wita(ends))
        build.duty(self.c2, self.b, source="sign_in", starts_at=wita("2026-09-29 08:05:00"))
        db.session.commit()

    def ticket(
        self,
        counter,
        service,
        employee,
        issued,
        called=None,
        started=None,
        finished=None,
        outcome=None,
        returned=False,
        unit=None,
    ) -> None:
        day = issued[:11]

        def at(text: str | None) -> datetime | None:
            if text is None:
                return None
            return wita(text if len(text) > 12 else day + text)

        self._n += 1
        db.session.add(
            Ticket(
                unit_id=(unit or self.unit).id,
                external_id=f"T{self._n:04d}",
                counter_id=counter.id,
                service_type_id=service.id,
                employee_id=None if employee is None else employee.id,
                issued_at=wita(issued),
                called_at=at(called),
                started_at=at(started),
                finished_at=at(finished),
                outcome=outcome or ("finished" if finished else "called"),
                returned=returned,
            )
        )


def vars_of(indicators) -> dict:
    return {name: getattr(indicators, name) for name in indicators.__dataclass_fields__}


@pytest.fixture
def data(build, clock) -> Fixture:
    return Fixture(build)


# Ani: waits 240, 600, 1200, 300, 360, 120 s → sorted 120 240 [300] 360 600 1200: median rank ⌈3⌉ = 3 → 300,
# p90 rank ⌈5.4⌉ = 6 → 1200. Service 600, 750 (finished − called), 720, 420, 450 → 420 450 [600] 720 750:
# median rank ⌈2.5⌉ = 3 → 600, p90 rank ⌈4.5⌉ = 5 → 750. On time (finished − issued ≤ 900 s): t1 (exactly 900)
# and t8 (600). Finished on local days Jul 1, Sep 29 and Sep 30 → 3 working days.
ANI = ServiceTimeStats(
    tickets_issued=6,
    tickets_finished=5,
    tickets_no_show=1,
    tickets_returned=1,
    tickets_on_time=2,
    wait_n=6,
    wait_p50_seconds=300,
    wait_p90_seconds=1200,
    service_n=5,
    service_p50_seconds=600,
    service_p90_seconds=750,
    working_days=3,
    working_day_rule="finished_ticket",
)
# Budi: waits 120, 1200 (b3 was never called) → median rank 1 → 120, p90 rank ⌈1.8⌉ = 2 → 1200; service 1020,
# 1440; b1 took 1200 s ≤ 1800, b2 2700 s; rostered or signed in on Sep 28 and 29 → 2 working days.
BUDI = ServiceTimeStats(
    tickets_issued=3,
    tickets_finished=2,
    tickets_no_show=0,
    tickets_returned=0,
    tickets_on_time=1,
    wait_n=2,
    wait_p50_seconds=120,
    wait_p90_seconds=1200,
    service_n=2,
    service_p50_seconds=1020,
    service_p90_seconds=1440,
    working_days=2,
    working_day_rule="sign_in_or_roster",
)


def test_service_times_per_employee_equal_the_hand_computed_values(data: Fixture) -> None:
    stats = service_time_stats(data.unit, Q3, "employee")
    assert stats == {data.a.id: ANI, data.b.id: BUDI}

    ani = service_time_indicators(stats[data.a.id])
    shown = {name: (indicator.value, indicator.n) for name, indicator in vars_of(ani).items()}
    assert shown == {
        "wait_median_minutes": (Decimal("5.00"), 6),
        "wait_p90_minutes": (Decimal("20.00"), 6),
        "service_median_minutes": (Decimal("10.00"), 5),
        "service_p90_minutes": (Decimal("12.50"), 5),
        "on_time_rate": (Decimal("40.00"), 5),
        "tickets_per_working_day": (Decimal("1.67"), 3),
        "no_show_rate": (Decimal("16.67"), 6),
        "error_rate": (Decimal("20.00"), 5),
    }
    assert "days with at least one finished ticket" in ani.tickets_per_working_day.explanation.notes[0]
    budi = service_time_indicators(stats[data.b.id])
    assert budi.tickets_per_working_day.value == Decimal("1.00")
    assert "signed in to a counter or rostered" in budi.tickets_per_working_day.explanation.notes[0]


# Standard 10 minutes; minutes after issue of (called, started, finished) → on time by the whole visit, from the
# call, by the service time. A ticket without the start a rule needs is measured from its issue.
RULE_TICKETS = [
    ((5, 8, 16), (False, False, True)),
    ((2, None, 11), (False, True, True)),
    ((None, None, 9), (True, True, True)),
    ((1, 2, 10), (True, True, True)),  # exactly the standard is on time
    ((None, None, 12), (False, False, False)),
    ((1, None, None), (False, False, False)),  # not finished: never on time
]
RULES = (
    "finished_minus_issued_within_counter_standard",
    "finished_minus_called_within_counter_standard",
    "service_within_counter_standard",
)


def test_every_on_time_rule_counts_its_own_duration_against_the_counter_standard(build, clock) -> None:
    unit = build.unit(slug="aturan", timezone="Asia/Makassar")
    service = build.service_type(unit, counter_standard_minutes=10)
    counter = build.counter(unit, service_types=[service])
    employee = build.employee()
    issued = wita("2026-08-04 09:00:00")
    for number, ((called, started, finished), _on_time) in enumerate(RULE_TICKETS):
        at = [None if m is None else issued + timedelta(minutes=m) for m in (called, started, finished)]
        db.session.add(
            Ticket(
                unit_id=unit.id,
                external_id=f"R{number}",
                counter_id=counter.id,
                service_type_id=service.id,
                employee_id=employee.id,
                issued_at=issued,
                called_at=at[0],
                started_at=at[1],
                finished_at=at[2],
                outcome="finished" if finished else "called",
            )
        )
    db.session.commit()
    assert set(RULES) == set(ON_TIME_RULES)
    for index, rule in enumerate(RULES):
        expected = sum(on_time[index] for _times, on_time in RULE_TICKETS)
        assert service_time_stats(unit, Q3, "employee", rule)[employee.id].tickets_on_time == expected, rule
        assert service_time_stats(unit, Q3, "unit", rule).tickets_on_time == expected, rule
    with pytest.raises(StatisticsError, match="Unknown on-time rule"):
        service_time_stats(unit, Q3, "unit", "started_minus_issued")


def test_service_times_per_counter_and_for_the_unit(data: Fixture) -> None:
    by_counter = service_time_stats(data.unit, Q3, "counter")
    # Counter 1 saw only Ani's tickets and has no roster: the same figures as hers.
    assert by_counter[data.c1.id] == ANI
    # Counter 2: Budi's tickets plus the unit-only no-show u1 (wait 300 s): waits 120 [300] 1200.
    assert by_counter[data.c2.id] == ServiceTimeStats(
        tickets_issued=4,
        tickets_finished=2,
        tickets_no_show=1,
        tickets_returned=0,
        tickets_on_time=1,
        wait_n=3,
        wait_p50_seconds=300,
        wait_p90_seconds=1200,
        service_n=2,
        service_p50_seconds=1020,
        service_p90_seconds=1440,
        working_days=2,
        working_day_rule="sign_in_or_roster",
    )
    # The unit: waits 120 120 240 300 [300] 360 600 1200 1200 → median rank 5, p90 rank ⌈8.1⌉ = 9;
    # service 420 450 600 [720] 750 1020 1440 → median rank 4, p90 rank ⌈6.3⌉ = 7.
    assert service_time_stats(data.unit, Q3, "unit") == ServiceTimeStats(
        tickets_issued=10,
        tickets_finished=7,
        tickets_no_show=2,
        tickets_returned=1,
        tickets_on_time=3,
        wait_n=9,
        wait_p50_seconds=300,
        wait_p90_seconds=1200,
        service_n=7,
        service_p50_seconds=720,
        service_p90_seconds=1440,
        working_days=2,
        working_day_rule="sign_in_or_roster",
    )


def test_period_edges_are_local_midnight_in_the_unit_zone(data: Fixture) -> None:
    window = period_window(data.unit, Q3)
    assert (window.start, window.end) == (datetime(2026, 6, 30, 16, tzinfo=UTC), datetime(2026, 9, 30, 16, tzinfo=UTC))
    # The ticket issued at 00:30 WITA on Oct 1 belongs to Q4, and counts there.
    q4 = service_time_stats(data.unit, parse_period("2026-Q4"), "employee")
    assert q4[data.a.id].tickets_issued == 1
    assert service_time_stats(data.unit, parse_period("2026-07-01"), "employee")[data.a.id].tickets_issued == 1


def test_no_tickets_means_not_available_never_zero(build, clock) -> None:
    unit = build.unit(timezone="Asia/Jayapura")
    db.session.commit()
    assert service_time_stats(unit, Q3, "unit") is None
    assert service_time_stats(unit, Q3, "employee") == {}
    indicators = service_time_indicators(service_time_stats(unit, Q3, "unit"))
    assert indicators.on_time_rate.status.value == "not_available" and indicators.on_time_rate.value is None


def test_unknown_grouping_is_refused(data: Fixture) -> None:
    with pytest.raises(StatisticsError, match="group_by"):
        service_time_stats(data.unit, Q3, "service")  # type: ignore[call-overload]


def _responses(unit, counters, employees, rng: random.Random, count: int) -> list[dict]:
    rows = []
    start, end = wita("2026-06-29 00:00:00"), wita("2026-10-02 00:00:00")
    span = int((end - start).total_seconds())
    edges = [wita("2026-07-01 00:00:00"), wita("2026-10-01 00:00:00"), wita("2026-09-30 23:59:59.999999")]
    for i in range(count):
        employee = rng.choice([*employees, None])
        counted = edges[i] if i < len(edges) else start + timedelta(seconds=rng.randrange(span))
        rows.append(
            dict(
                unit_id=unit.id,
                counter_id=rng.choice(counters).id,
                employee_id=None if employee is None else employee.id,
                attribution_source=rng.choice(["ambiguous", "none"] if employee is None else ["roster", "sign_in"]),
                channel="counter_qr",
                client_fingerprint=f"{i:032x}",
                submission_key=f"k{unit.id}-{i}",
                status="valid" if i < len(edges) else rng.choices(STATUSES, [6, 1, 1, 1])[0],
                submitted_at=counted,
                counted_at=counted,
                locale="id",
                **{code.lower(): rng.randint(1, 4) for code in UNSUR},
            )
        )
    for row in rows:  # a flagged answer always names the rule that raised it (spec §7)
        row["flag_reason"] = "burst" if row["status"] == "flagged" else None
    return rows


def test_satisfaction_stats_equal_a_recomputation_from_the_raw_rows(data: Fixture) -> None:
    rng = random.Random(7)
    rows = _responses(data.unit, [data.c1, data.c2], [data.a, data.b], rng, 400)
    elsewhere = _responses(data.other_unit, [data.other_counter], [data.a], rng, 20)
    for row in elsewhere:
        row["submission_key"] += "-elsewhere"
    db.session.execute(insert(SurveyResponse), rows + elsewhere)
    db.session.commit()

    window = period_window(data.unit, Q3)
    counted = [r for r in rows if r["status"] == "valid" and window.start <= r["counted_at"] < window.end]
    assert 150 < len(counted) < len(rows)

    def answers(row: dict) -> dict[str, int]:
        return {code: row[code.lower()] for code in UNSUR}

    for ikp_unsur in (("U3", "U6", "U7"), ("U6", "U7")):
        per_employee, unit_stats = satisfaction_stats(data.unit, Q3, ikp_unsur)
        assert unit_stats == SatisfactionStats.from_responses([answers(r) for r in counted], ikp_unsur)
        assert per_employee == {
            e.id: SatisfactionStats.from_responses([answers(r) for r in counted if r["employee_id"] == e.id], ikp_unsur)
            for e in (data.a, data.b)
        }
    # The period's first local instant counts, its end does not, the last microsecond before it does.
    assert [row in counted for row in rows[:3]] == [True, False, True]


def test_satisfaction_of_a_unit_without_answers_has_n_zero(build, clock) -> None:
    unit = build.unit()
    db.session.commit()
    per_employee, unit_stats = satisfaction_stats(unit, Q3)
    assert per_employee == {} and unit_stats.n == 0


def test_complaint_stats_use_local_working_days_and_the_holiday_list(data: Fixture) -> None:
    db.session.add(Holiday(day=date(2026, 8, 17), name="Hari Kemerdekaan"))
    n = 0

    def complaint(employee, received: str, answered: str | None, unit=None) -> None:
        nonlocal n
        n += 1
        db.session.add(
            Complaint(
                unit_id=(unit or data.unit).id,
                tracking_code=f"LPR{n:04d}",
                employee_id=employee and employee.id,
                category="complaint",
                received_at=wita(received),
                first_response_at=answered and wita(answered),
            )
        )

    # Friday Aug 14 → due Thursday Aug 20 because Monday Aug 17 is a holiday: in time (518 400 s).
    complaint(data.a, "2026-08-14 10:00:00", "2026-08-20 10:00:00")
    # Monday Sep 7 07:30 WITA (a Sunday in UTC) → due Thursday Sep 10: in time (268 200 s).
    complaint(data.a, "2026-09-07 07:30:00", "2026-09-10 10:00:00")
    complaint(data.a, "2026-09-15 09:00:00", None)
    complaint(data.b, "2026-09-01 09:00:00", "2026-09-01 11:00:00")  # 7 200 s
    complaint(None, "2026-09-02 09:00:00", "2026-09-09 09:00:00")  # Wednesday → due Monday Sep 7: late (604 800 s)
    complaint(data.a, "2026-10-01 00:30:00", "2026-10-01 08:00:00")  # Q4
    complaint(data.a, "2026-09-03 09:00:00", "2026-09-03 10:00:00", unit=data.other_unit)
    db.session.commit()

    per_employee, unit_stats = complaint_stats(data.unit, Q3)
    # Ani: answered after 518 400 and 268 200 s → median rank 1 of 2 → 268 200 s.
    assert per_employee == {data.a.id: ComplaintStats(3, 2, 2, 268200), data.b.id: ComplaintStats(1, 1, 1, 7200)}
    # The unit: 7 200, [268 200], 518 400, 604 800 → median rank 2.
    assert unit_stats == ComplaintStats(5, 4, 3, 268200)
    shown = complaint_indicators(per_employee[data.a.id])
    assert (shown.first_response_median_hours.value, shown.answered_within_3_working_days_rate.value) == (
        Decimal("74.50"),
        Decimal("66.67"),
    )
    assert complaint_stats(data.unit, parse_period("2026-Q2")) == ({}, None)


def _bulk_unit(build, employees: int) -> object:
    """A unit with ``employees`` employees, each with tickets, answers, a roster shift and a complaint."""
    unit = build.unit(timezone="Asia/Makassar", slug=f"big-{employees}")
    counters = [build.counter(unit) for _ in range(3)]
    db.session.flush()
    ids = db.session.scalars(
        insert(Employee).returning(Employee.id, sort_by_parameter_order=True),
        [dict(name=f"Pegawai {i}", employment_type="non-ASN", nip=None) for i in range(employees)],
    ).all()
    base = wita("2026-08-03 08:00:00")
    tickets, answers, shifts, complaints = [], [], [], []
    for i, employee_id in enumerate(ids):
        counter = counters[i % 3]
        day = base + timedelta(days=i % 40)
        shifts.append(
            dict(
                counter_id=counter.id,
                employee_id=employee_id,
                source="roster",
                starts_at=day,
                ends_at=day + timedelta(hours=8),
                created_at=day,
            )
        )
        for j in range(2):
            issued = day + timedelta(minutes=30 * j + i % 7)
            tickets.append(
                dict(
                    unit_id=unit.id,
                    external_id=f"{unit.id}-{i}-{j}",
                    counter_id=counter.id,
                    service_type_id=counter.service_types[0].id,
                    employee_id=employee_id,
                    issued_at=issued,
                    called_at=issued + timedelta(minutes=3 + j),
                    started_at=issued + timedelta(minutes=4 + j),
                    finished_at=issued + timedelta(minutes=12 + i % 11),
                    outcome="finished",
                    returned=j == 1 and i % 5 == 0,
                )
            )
            answers.append(
                dict(
                    unit_id=unit.id,
                    counter_id=counter.id,
                    employee_id=employee_id,
                    attribution_source="roster",
                    channel="counter_qr",
                    client_fingerprint="f" * 32,
                    submission_key=f"{unit.id}-{i}-{j}",
                    status="valid",
                    submitted_at=issued,
                    counted_at=issued + timedelta(minutes=20),
                    locale="id",
                    **{code.lower(): 1 + (i + j + k) % 4 for k, code in enumerate(UNSUR)},
                )
            )
        complaints.append(
            dict(
                unit_id=unit.id,
                tracking_code=f"B{unit.id}-{i}",
                employee_id=employee_id,
                category="complaint",
                received_at=day,
                first_response_at=day + timedelta(hours=i % 30),
            )
        )
    for model, rows in (
        (CounterAssignment, shifts),
        (Ticket, tickets),
        (SurveyResponse, answers),
        (Complaint, complaints),
    ):
        db.session.execute(insert(model), rows)
    db.session.commit()
    return unit


def test_a_constant_number_of_queries_for_5_or_500_employees(build, clock) -> None:
    counts = []
    for employees in (5, 500):
        unit = _bulk_unit(build, employees)
        db.session.refresh(unit)  # loaded before counting: the unit itself is not part of the statistics
        with counting_queries() as statements:
            satisfaction, _ = satisfaction_stats(unit, Q3)
            by_employee = service_time_stats(unit, Q3, "employee")
            by_counter = service_time_stats(unit, Q3, "counter")
            whole = service_time_stats(unit, Q3, "unit")
            complaints, _ = complaint_stats(unit, Q3)
        assert len(satisfaction) == len(by_employee) == len(complaints) == employees
        assert len(by_counter) == 3 and whole is not None and whole.tickets_issued == 2 * employees
        counts.append(len(statements))
    assert counts[0] == counts[1] == 1 + 3 * 4 + 3
