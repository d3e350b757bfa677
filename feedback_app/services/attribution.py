"""Who a survey answer belongs to (spec §2.1): every attribution rule, for both channels.

Counter QR: whoever was on duty at the counter (a live sign-in first, then the planned roster; two people at once
is ``ambiguous``), as the survey page showed it when its signed reference is fresh, else looked up again. Ticket
QR: the employee who served the ticket, and its answer follows when ingest later learns who that was.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any, Protocol
from zoneinfo import ZoneInfo

from flask import current_app
from sqlalchemy import ColumnElement, and_, bindparam, exists, or_, select, update
from sqlalchemy.orm import aliased

from ..extensions import db
from ..models import Counter, CounterAssignment, Employee, EmployeeAssignment, SurveyResponse, Ticket, Unit
from .tokens import duty_reference, read_duty_reference


@dataclass(frozen=True)
class OnDuty:
    """The attribution decided for one counter at one instant."""

    source: str  # sign_in | roster | ambiguous | none | ticket (see ticket_duty)
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


def on_duty_here(
    assignment: type[CounterAssignment] | Any, counter_id: Any, at: Any, oldest_open_sign_in: Any
) -> ColumnElement[bool]:
    """SQL: ``assignment`` (the model or an alias) is a candidate for who is on duty at ``counter_id`` at ``at``."""
    elsewhere = aliased(CounterAssignment)
    return and_(
        assignment.counter_id == counter_id,
        counts_at(assignment, at, oldest_open_sign_in),
        # Someone rostered here but signed in at another counter is serving there, not here.
        or_(
            assignment.source == "sign_in",
            ~exists().where(
                elsewhere.employee_id == assignment.employee_id,
                elsewhere.source == "sign_in",
                elsewhere.counter_id != assignment.counter_id,
                counts_at(elsewhere, at, oldest_open_sign_in),
            ),
        ),
    )


# Built once and run on the session's connection, past the ORM: the survey's hot path (docs/benchmarks.md).
_ASSIGNMENTS_AT = (
    select(
        CounterAssignment.id,
        CounterAssignment.employee_id,
        CounterAssignment.source,
        Employee.name,
        Counter.unit_id,
        Unit.timezone,
    )
    .join(Employee, Employee.id == CounterAssignment.employee_id)
    .join(Counter, Counter.id == CounterAssignment.counter_id)
    .join(Unit, Unit.id == Counter.unit_id)
    .where(on_duty_here(CounterAssignment, bindparam("counter_id"), bindparam("at"), bindparam("oldest_open_sign_in")))
    .order_by(CounterAssignment.starts_at.desc())
)


class DutyCandidate(Protocol):
    """An assignment that puts someone on a counter now (columns id, employee_id, source, name)."""

    id: int
    employee_id: int
    source: str
    name: str


def decide_duty(candidates: Iterable[DutyCandidate]) -> OnDuty:
    """Live sign-in first, then the planned roster; two different people at once is ``ambiguous``, never a guess.

    ``candidates`` are the counter's assignments at the instant, newest first (:func:`on_duty_here`).
    """
    rows = list(candidates)
    for source in ("sign_in", "roster"):
        matching = [row for row in rows if row.source == source]
        if len({row.employee_id for row in matching}) > 1:
            return OnDuty(source="ambiguous")
        if matching:
            row = matching[0]
            return OnDuty(source=source, employee_id=row.employee_id, assignment_id=row.id, employee_name=row.name)
    return NOBODY


def placed_candidates(candidates: Iterable[DutyCandidate], unit_id: int, local_day: date) -> list[DutyCandidate]:
    """The candidates whose employee holds a placement (EmployeeAssignment) in the counter's unit on ``local_day``.

    The roster import and the console's sign-in refuse anyone else (issue 9, item 2), but rows stored before that
    rule, or before a placement ended (a transfer), are still in the table: they must not attribute answers either.
    One indexed query, and only when someone is on the counter at all.
    """
    rows = list(candidates)
    ids = {row.employee_id for row in rows}
    if not ids:
        return rows
    placed = set(
        db.session.scalars(
            select(EmployeeAssignment.employee_id).where(
                EmployeeAssignment.employee_id.in_(sorted(ids)),
                EmployeeAssignment.unit_id == unit_id,
                EmployeeAssignment.valid_from <= local_day,
                or_(EmployeeAssignment.valid_until.is_(None), EmployeeAssignment.valid_until > local_day),
            )
        )
    )
    return [row for row in rows if row.employee_id in placed]


def on_duty(counter_id: int, at: datetime) -> OnDuty:
    """Who is on duty at a counter at ``at`` (spec §2.1), see :func:`decide_duty`; only the unit's own employees
    of that day count (:func:`placed_candidates`)."""
    rows: Sequence[Any] = (
        db.session.connection()
        .execute(
            _ASSIGNMENTS_AT, {"counter_id": counter_id, "at": at, "oldest_open_sign_in": oldest_counting_sign_in(at)}
        )
        .all()
    )
    if not rows:
        return NOBODY
    local_day = at.astimezone(ZoneInfo(rows[0].timezone)).date()
    return decide_duty(placed_candidates(rows, rows[0].unit_id, local_day))


def sign_duty(counter_id: int, duty: OnDuty) -> str:
    """The signed reference the survey page carries to its submission, so the answer is attributed as shown."""
    return duty_reference((counter_id, duty.source, duty.employee_id, duty.assignment_id, duty.employee_name))


def duty_from_reference(reference: str | None, counter_id: int, at: datetime) -> OnDuty:
    """Use the page's reference if it is intact, for this counter and fresh enough; else look again at ``at``."""
    fields = read_duty_reference(reference)
    if fields is not None:
        ref_counter, source, employee_id, assignment_id, name = fields
        if ref_counter == counter_id and source in ("sign_in", "roster", "ambiguous", "none"):
            return OnDuty(source=source, employee_id=employee_id, assignment_id=assignment_id, employee_name=name)
    return on_duty(counter_id, at)


# --- the ticket channel ------------------------------------------------------------------------------------------


def ticket_duty(ticket: Ticket) -> OnDuty:
    """Whom a ticket's answer belongs to: the employee who served the ticket, else whoever was on duty at its
    counter when it finished, else the unit (spec §2.1)."""
    if ticket.employee_id is not None:
        return OnDuty(
            source="ticket",
            employee_id=ticket.employee_id,
            employee_name=ticket.employee.name if ticket.employee else None,
        )
    return on_duty(ticket.counter_id, ticket.finished_at or ticket.issued_at)


def follow_serving_employee(ticket_ids: set[int]) -> None:
    """Re-attribute ticket-QR answers whose ticket has learnt (or changed) who served it (spec §2.1).

    Ticket ingest calls it after recomputing the tickets, since a ticket's answer may arrive before the event
    that names who served it.
    """
    responses = SurveyResponse.__table__
    tickets = Ticket.__table__
    serving = select(tickets.c.employee_id).where(tickets.c.id == responses.c.ticket_id).scalar_subquery()
    db.session.execute(
        update(responses)
        .where(
            responses.c.ticket_id.in_(ticket_ids),
            responses.c.channel == "ticket_qr",
            exists().where(
                tickets.c.id == responses.c.ticket_id,
                tickets.c.employee_id.is_not(None),
                or_(
                    responses.c.employee_id.is_(None),
                    responses.c.employee_id != tickets.c.employee_id,
                    responses.c.attribution_source != "ticket",
                ),
            ),
        )
        .values(employee_id=serving, attribution_source="ticket", counter_assignment_id=None)
    )
