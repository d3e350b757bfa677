"""Reading a score run: the module every page and the CLI read stored runs through (spec §6, §7)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from sqlalchemy import select

from scoring import HEADLINE_ESTIMATES, IndicatorStatus

from ...extensions import db
from ...models import Employee, ScoreIndicator, ScoreRun, Unit


def current_run(unit: Unit, period_id: str) -> ScoreRun | None:
    """The unit's latest run for a period that no newer run has superseded."""
    return db.session.scalar(
        select(ScoreRun)
        .where(ScoreRun.unit_id == unit.id, ScoreRun.period_id == period_id, ScoreRun.superseded_by_id.is_(None))
        .order_by(ScoreRun.id.desc())
        .limit(1)
    )


def final_run(unit: Unit, period_id: str) -> ScoreRun | None:
    """The unit's final run for a period: its current run once that is neither provisional nor superseded (spec §7).

    A run computed before the period ended is provisional and never becomes final; recompute after the end.
    """
    run = current_run(unit, period_id)
    return run if run is not None and not run.provisional else None


def run_history(unit: Unit, period_id: str) -> list[ScoreRun]:
    """Every run of the unit for a period, newest first; superseded runs stay readable for audit."""
    return list(
        db.session.scalars(
            select(ScoreRun)
            .where(ScoreRun.unit_id == unit.id, ScoreRun.period_id == period_id)
            .order_by(ScoreRun.id.desc())
        )
    )


@dataclass(frozen=True)
class EmployeeFigure:
    """One employee's headline figure of a run, as the CLI and pages list it."""

    employee_id: int
    name: str
    nip: str | None
    value: Decimal | None
    raw: str | None
    n: int | None
    status: str

    @property
    def published(self) -> bool:
        return self.status == IndicatorStatus.OK.value


@dataclass(frozen=True)
class RunReport:
    """A run's unit rows by code and one indicator per employee, read in two queries."""

    run: ScoreRun
    unit_rows: dict[str, ScoreIndicator]
    employees: list[EmployeeFigure]


def unit_rows(run: ScoreRun) -> dict[str, ScoreIndicator]:
    """The unit's own indicator rows of a run (the IKM, the unit ikp, service times, ...), by code."""
    rows = db.session.scalars(
        select(ScoreIndicator).where(ScoreIndicator.run_id == run.id, ScoreIndicator.employee_id.is_(None))
    )
    return {row.code: row for row in rows}


def employee_rows(run: ScoreRun, employee_id: int) -> dict[str, ScoreIndicator]:
    """One employee's indicator rows of a run, by code; empty when the run did not score that employee."""
    rows = db.session.scalars(
        select(ScoreIndicator).where(ScoreIndicator.run_id == run.id, ScoreIndicator.employee_id == employee_id)
    )
    return {row.code: row for row in rows}


def headline_code(run: ScoreRun) -> str:
    """The satisfaction figure a run puts first: its ``headline_estimate`` (runs before issue 15: ``ikp``)."""
    code = run.parameters.get("headline_estimate", "ikp")
    return code if isinstance(code, str) and code in HEADLINE_ESTIMATES else "ikp"


def run_report(run: ScoreRun, employee_code: str | None = None) -> RunReport:
    """The unit's figures of a run and each employee's ``employee_code`` indicator, by name (default: the run's
    headline figure, :func:`headline_code`)."""
    employee_code = employee_code or headline_code(run)
    of_unit = unit_rows(run)
    rows = db.session.execute(
        select(ScoreIndicator, Employee.id, Employee.name, Employee.nip)
        .join(Employee, Employee.id == ScoreIndicator.employee_id)
        .where(ScoreIndicator.run_id == run.id, ScoreIndicator.code == employee_code)
        .order_by(Employee.name, Employee.id)
    )
    employees = [
        EmployeeFigure(employee_id, name, nip, row.value, _raw(row.explanation), row.n, row.status)
        for row, employee_id, name, nip in rows
    ]
    return RunReport(run, of_unit, employees)


def _raw(explanation: Mapping[str, Any]) -> str | None:
    raw = explanation.get("raw")
    return raw if isinstance(raw, str) else None


def indicator_rows(run: ScoreRun) -> list[ScoreIndicator]:
    """Every indicator row of a run, in a stable order (unit rows first, then by employee and code)."""
    return list(
        db.session.scalars(
            select(ScoreIndicator)
            .where(ScoreIndicator.run_id == run.id)
            .order_by(ScoreIndicator.employee_id.is_not(None), ScoreIndicator.employee_id, ScoreIndicator.code)
        )
    )
