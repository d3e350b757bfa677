"""A small office for the staff pages and appeals: a head, a supervisor, two front-line employees and their answers.

Kepala supervises Sari, Sari supervises Ani and Budi. Ani worked two September shifts at counter BGR01; each
answer of the first shift is attributed to her through that shift. Times are fixed (the ``clock`` fixture stands
on 14 October 2026), so September 2026 is a finished period.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy import insert, select

from feedback_app.extensions import db
from feedback_app.models import (
    Counter,
    CounterAssignment,
    Employee,
    EmployeeAssignment,
    ScoreIndicator,
    SurveyResponse,
    Unit,
    User,
)
from feedback_app.services.score_runs import compute_score_run
from scoring import parse_period

WIB = ZoneInfo("Asia/Jakarta")
SEPTEMBER = parse_period("2026-09")


@dataclass
class Office:
    unit: Unit
    counter: Counter
    kepala: Employee
    sari: Employee
    ani: Employee
    budi: Employee
    shift: CounterAssignment  # Ani, 1 September 08:00–15:00 WIB
    other_shift: CounterAssignment  # Ani, 2 September
    users: dict[str, User]
    serial: int = 0

    def answers(
        self,
        count: int,
        employee: Employee | None,
        *,
        day: int = 1,
        shift: CounterAssignment | None = None,
        scores: dict[str, int] | None = None,
        comment: str | None = None,
        hour: int = 9,
    ) -> None:
        """``count`` valid answers on ``day`` September at ``hour`` WIB (one minute apart)."""
        rows = []
        for i in range(count):
            self.serial += 1
            at = datetime(2026, 9, day, hour, 0, tzinfo=WIB) + timedelta(minutes=i)
            rows.append(
                dict(
                    unit_id=self.unit.id,
                    counter_id=self.counter.id,
                    employee_id=employee and employee.id,
                    counter_assignment_id=shift and shift.id,
                    attribution_source="roster" if employee else "none",
                    channel="counter_qr",
                    client_fingerprint="f" * 32,
                    submission_key=f"k{self.serial:031d}",
                    status="valid",
                    submitted_at=at,
                    counted_at=at,
                    locale="id",
                    comment=comment,
                    **{f"u{n}": (scores or {}).get(f"u{n}", 3) for n in range(1, 10)},
                )
            )
        db.session.execute(insert(SurveyResponse), rows)
        db.session.commit()

    def run_value(self, run, code: str, employee: Employee | None = None) -> str:  # type: ignore[no-untyped-def]
        """The stored headline figure of ``employee`` (default Ani) in ``run``, as pages print it."""
        employee = employee or self.ani
        value = db.session.scalar(
            select(ScoreIndicator.value).where(
                ScoreIndicator.run_id == run.id, ScoreIndicator.employee_id == employee.id, ScoreIndicator.code == code
            )
        )
        return f"{value:.2f}"

    def run(self, period=SEPTEMBER):  # type: ignore[no-untyped-def]
        run = compute_score_run(self.unit, period, "test")
        db.session.commit()
        return run


def office(build) -> Office:  # type: ignore[no-untyped-def]
    unit = build.unit(name="Disdukcapil Uji", slug="uji")
    counter = build.counter(unit, public_code="BGR01", name="Loket 1")
    kepala, sari, ani, budi = (build.employee(name=name) for name in ("Kepala", "Sari", "Ani", "Budi"))
    for employee, supervisor in ((kepala, None), (sari, kepala), (ani, sari), (budi, sari)):
        db.session.add(
            EmployeeAssignment(
                employee=employee,
                unit=unit,
                position="Petugas",
                supervisor=supervisor,
                valid_from=date(2026, 1, 1),
            )
        )
    shift = CounterAssignment(
        counter=counter,
        employee=ani,
        source="roster",
        starts_at=datetime(2026, 9, 1, 1, 0, tzinfo=UTC),
        ends_at=datetime(2026, 9, 1, 8, 0, tzinfo=UTC),
    )
    other_shift = CounterAssignment(
        counter=counter,
        employee=ani,
        source="roster",
        starts_at=datetime(2026, 9, 2, 1, 0, tzinfo=UTC),
        ends_at=datetime(2026, 9, 2, 8, 0, tzinfo=UTC),
    )
    db.session.add_all([shift, other_shift])
    db.session.flush()
    users = {
        "kepala": build.user("kepala", {"supervisor", "staff"}, unit=unit, employee=kepala),
        "sari": build.user("sari", {"supervisor", "staff"}, unit=unit, employee=sari),
        "ani": build.user("ani", {"staff"}, unit=unit, employee=ani),
        "budi": build.user("budi", {"staff"}, unit=unit, employee=budi),
        "admin": build.user("admin-uji", {"admin"}, unit=unit),
    }
    db.session.commit()
    return Office(unit, counter, kepala, sari, ani, budi, shift, other_shift, users)
