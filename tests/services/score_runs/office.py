"""A WIB unit with three assigned employees and a mix of answers, shared by the score-run tests (spec §1–§3)."""

from __future__ import annotations

import math
import random
from datetime import date, datetime, timedelta
from decimal import Decimal
from fractions import Fraction
from typing import Any
from zoneinfo import ZoneInfo

from sqlalchemy import insert

from feedback_app.extensions import db
from feedback_app.models import Employee, EmployeeAssignment, ScoreIndicator, ScoreRun, SurveyResponse
from feedback_app.services.score_runs import indicator_rows
from scoring import parse_period

WIB = ZoneInfo("Asia/Jakarta")
Q3 = parse_period("2026-Q3")
CODES = [f"u{i}" for i in range(1, 10)]
SERVICE_CODES = [
    "wait_median_minutes",
    "wait_p90_minutes",
    "service_median_minutes",
    "service_p90_minutes",
    "on_time_rate",
    "tickets_per_working_day",
    "no_show_rate",
    "error_rate",
]


def two_places(exact: Fraction) -> Decimal:
    """Round half up to 2 decimals, written independently of scoring."""
    hundredths = math.floor(exact * 100 + Fraction(1, 2))
    return Decimal(hundredths).scaleb(-2)


class Office:
    """A WIB unit with three assigned employees (Ani, Budi, their supervisor Sari) and a mix of answers."""

    def __init__(self, build, seed: int = 3) -> None:
        self.unit = build.unit(name="Disdukcapil Uji", slug="uji")
        self.counter = build.counter(self.unit)
        self.sari, self.ani, self.budi = (build.employee(name=n) for n in ("Sari", "Ani", "Budi"))
        self.former = build.employee(name="Dedi")  # left before Q3 but one answer still names him
        self.elsewhere = build.employee(name="Eka")  # works in another unit only
        other = build.unit(slug="lain")
        for employee, unit, start, end in (
            (self.sari, self.unit, date(2026, 1, 1), None),
            (self.ani, self.unit, date(2026, 1, 1), None),
            (self.budi, self.unit, date(2026, 8, 1), None),
            (self.former, self.unit, date(2026, 1, 1), date(2026, 6, 1)),
            (self.elsewhere, other, date(2026, 1, 1), None),
        ):
            db.session.add(
                EmployeeAssignment(
                    employee=employee,
                    unit=unit,
                    position="Petugas",
                    valid_from=start,
                    valid_until=end,
                    supervisor=None if employee is self.sari else self.sari,
                )
            )
        self.rng = random.Random(seed)
        self.rows: list[dict[str, Any]] = []
        db.session.commit()

    def answers(
        self, count: int, *, status_weights=(8, 1, 1, 1), employees=None, answer_weights=(1, 2, 5, 4)
    ) -> list[dict]:
        """Random answers from late June to early October (local), some for the unit only."""
        employees = employees or [self.ani, self.budi, self.ani, None]
        start = datetime(2026, 6, 28, tzinfo=WIB)
        rows = []
        for _ in range(count):
            employee = self.rng.choice(employees)
            counted = start + timedelta(seconds=self.rng.randrange(100 * 86400))
            rows.append(
                dict(
                    unit_id=self.unit.id,
                    counter_id=self.counter.id,
                    employee_id=employee and employee.id,
                    attribution_source="roster" if employee else "ambiguous",
                    channel="counter_qr",
                    client_fingerprint="f" * 32,
                    submission_key=f"s{len(self.rows) + len(rows)}",
                    status=self.rng.choices(["valid", "duplicate", "flagged", "excluded"], status_weights)[0],
                    submitted_at=counted,
                    counted_at=counted,
                    locale="id",
                    **{code: self.rng.choices((1, 2, 3, 4), answer_weights)[0] for code in CODES},
                )
            )
        db.session.execute(insert(SurveyResponse), rows)
        db.session.commit()
        self.rows += rows
        return rows

    def counted(self, employee: Employee | None = None) -> list[dict]:
        start, end = datetime(2026, 7, 1, tzinfo=WIB), datetime(2026, 10, 1, tzinfo=WIB)
        return [
            r
            for r in self.rows
            if r["status"] == "valid"
            and start <= r["counted_at"] < end
            and (employee is None or r["employee_id"] == employee.id)
        ]


def stored(run: ScoreRun) -> dict[tuple[int | None, str], ScoreIndicator]:
    return {(row.employee_id, row.code): row for row in indicator_rows(run)}
