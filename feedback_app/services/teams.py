"""Who appraises whom (spec §7 roles): a supervisor's team and an employee's supervisor on a given local date.

The team of a period is read at the period's last day (``period.end - 1 day``): the employees whose assignment
valid on that day names the supervisor.
"""

from __future__ import annotations

from datetime import date

from sqlalchemy import ColumnElement, or_, select

from ..extensions import db
from ..models import Employee, EmployeeAssignment


def _valid_on(on_date: date) -> list[ColumnElement[bool]]:
    return [
        EmployeeAssignment.valid_from <= on_date,
        or_(EmployeeAssignment.valid_until.is_(None), EmployeeAssignment.valid_until > on_date),
    ]


def team_of(supervisor: Employee, on_date: date) -> list[Employee]:
    """The employees whose assignment valid on ``on_date`` names ``supervisor``, by name (one query)."""
    query = (
        select(Employee)
        .join(EmployeeAssignment, EmployeeAssignment.employee_id == Employee.id)
        .where(EmployeeAssignment.supervisor_id == supervisor.id, *_valid_on(on_date))
        .order_by(Employee.name, Employee.id)
        .distinct()
    )
    return list(db.session.scalars(query))


def assignment_on(employee: Employee, on_date: date) -> EmployeeAssignment | None:
    """The employee's assignment valid on ``on_date`` (the latest-starting one if several overlap)."""
    query = (
        select(EmployeeAssignment)
        .where(EmployeeAssignment.employee_id == employee.id, *_valid_on(on_date))
        .order_by(EmployeeAssignment.valid_from.desc(), EmployeeAssignment.id.desc())
        .limit(1)
    )
    return db.session.scalar(query)


def supervisor_of(employee: Employee, on_date: date) -> Employee | None:
    """The pejabat penilai kinerja of ``employee`` on ``on_date``, or None."""
    assignment = assignment_on(employee, on_date)
    return assignment.supervisor if assignment is not None else None


def is_in_team(supervisor: Employee, employee: Employee, on_date: date) -> bool:
    """Whether ``supervisor`` appraises ``employee`` on ``on_date``."""
    found = supervisor_of(employee, on_date)
    return found is not None and found.id == supervisor.id
