"""Who was on duty: attribution of a survey answer to an employee (spec §2.1)."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any
from datetime import datetime, timedelta

from flask import current_app
from itsdangerous import BadSignature, TimestampSigner, URLSafeTimedSerializer
from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select
from sqlalchemy.orm import aliased

from ..clock import now
from ..extensions import db
from ..models import CounterAssignment, Employee


@dataclass(frozen=True)
class OnDuty:
    """The attribution decided for one counter at one instant."""

    source: str  # sign_in | roster | ambiguous | none  (ticket attribution is decided elsewhere)
    employee_id: int | None = None
    assignment_id: int | None = None
    employee_name: str | None = None


NOBODY = OnDuty(source="none")


def sign_in_lifetime() -> timedelta:
    """A sign-in nobody closed counts this long after it started (a forgotten sign-out)."""
    return timedelta(hours=current_app.config["SIGN_IN_MAX_HOURS"])


def oldest_counting_sign_in(at: datetime) -> datetime:
    return at - sign_in_lifetime()


def counts_at(assignment: type[CounterAssignment] | Any, at: Any, oldest_open_sign_in: Any) -> ColumnElement[bool]:
    """SQL: ``assignment`` (the model or an alias) puts its employee on its counter at ``at``."""
    return and_(
        assignment.starts_at <= at,
        or_(assignment.ends_at > at, assignment.ends_at.is_(None)),
        or_(assignment.ends_at.is_not(None), assignment.starts_at > oldest_open_sign_in),
    )


_elsewhere = aliased(CounterAssignment)

# Built once and run on the session's connection, past the ORM: the survey's hot path (docs/benchmarks.md).
_ASSIGNMENTS_AT = (
    select(CounterAssignment.id, CounterAssignment.employee_id, CounterAssignment.source, Employee.name)
    .join(Employee, Employee.id == CounterAssignment.employee_id)
    .where(
        CounterAssignment.counter_id == bindparam("counter_id"),
        counts_at(CounterAssignment, bindparam("at"), bindparam("oldest_open_sign_in")),
        # Someone rostered here but signed in at another counter is serving there, not here.
        or_(
            CounterAssignment.source == "sign_in",
            ~exists().where(
                _elsewhere.employee_id == CounterAssignment.employee_id,
                _elsewhere.source == "sign_in",
                _elsewhere.counter_id != CounterAssignment.counter_id,
                counts_at(_elsewhere, bindparam("at"), bindparam("oldest_open_sign_in")),
            ),
        ),
    )
    .order_by(CounterAssignment.starts_at.desc())
)


def on_duty(counter_id: int, at: datetime) -> OnDuty:
    """Live sign-in first, then the planned roster; two different people at once is ``ambiguous``, never a guess."""
    rows = db.session.connection().execute(
        _ASSIGNMENTS_AT, {"counter_id": counter_id, "at": at, "oldest_open_sign_in": oldest_counting_sign_in(at)}
    ).all()
    for source in ("sign_in", "roster"):
        candidates = [row for row in rows if row.source == source]
        if len({row.employee_id for row in candidates}) > 1:
            return OnDuty(source="ambiguous")
        if candidates:
            row = candidates[0]
            return OnDuty(source=source, employee_id=row.employee_id, assignment_id=row.id, employee_name=row.name)
    return NOBODY


class ClockSigner(TimestampSigner):
    """Timestamps from the application clock, so the 30-minute rule is testable."""

    def get_timestamp(self) -> int:
        return int(now().timestamp())


def _duty_serializer() -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt="on-duty", signer=ClockSigner)


def sign_duty(counter_id: int, duty: OnDuty) -> str:
    """The signed reference the survey page carries to its submission."""
    return _duty_serializer().dumps(
        [counter_id, duty.source, duty.employee_id, duty.assignment_id, duty.employee_name]
    )


def duty_from_reference(reference: str | None, counter_id: int, at: datetime) -> OnDuty:
    """Use the page's reference if it is intact, for this counter and fresh enough; else look again at ``at``."""
    max_age = current_app.config["DUTY_REFERENCE_MAX_AGE_MINUTES"] * 60
    if reference:
        try:
            ref_counter, source, employee_id, assignment_id, name = _duty_serializer().loads(
                reference, max_age=max_age
            )
        except (BadSignature, ValueError, TypeError):
            pass
        else:
            if ref_counter == counter_id and source in ("sign_in", "roster", "ambiguous", "none"):
                return OnDuty(source=source, employee_id=employee_id, assignment_id=assignment_id, employee_name=name)
    return on_duty(counter_id, at)
