"""The counter console: a staff member's live sign-in at a counter and the buttons that move a ticket along.

Signing in starts the live assignment that attribution prefers over the roster (spec §2.1). Every ticket event the
console produces goes through :func:`~feedback_app.services.tickets.record_ticket_events`, the one path for ticket
events (spec §2.3, §6), so the console and queue machines obey the same rules and derive the same ticket times.

Every button press carries a random idempotency key from its form; the first press claims the key in
``ConsoleAction`` (unique), a second press of the same form (a double click, a retried POST) finds it and changes
nothing. The caller commits once, or rolls back on :class:`ConsoleError`.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from flask_babel import lazy_gettext as _l
from sqlalchemy import or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..models import ConsoleAction, Counter, CounterAssignment, Employee, EmployeeAssignment, Ticket, Unit, User
from .attribution import oldest_counting_sign_in, sign_in_lifetime
from .errors import DomainError
from .tickets import TicketEventInput, record_ticket_events

#: Console button → the ticket event it records.
TICKET_ACTIONS = {
    "call": "called",
    "start": "started",
    "finish": "finished",
    "returned": "returned",
    "no_show": "no_show",
}


class ConsoleError(DomainError):
    """A button press that cannot be carried out; ``message`` says why, in the user's language."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class ConsoleResult:
    """What a button press did. ``replayed``: the same form was sent before, so nothing new happened now."""

    replayed: bool
    ticket: Ticket | None = None
    closed_others: tuple[str, ...] = ()  # names of colleagues whose forgotten sign-in at this counter was closed


def ticket_number(ticket: Ticket) -> str:
    """The short number called out and shown big: the last part of the id (``2026-10-14-BGR01-007`` → ``007``)."""
    return ticket.external_id.rsplit("-", 1)[-1]


# --- who may use which counter -----------------------------------------------------------------------------------


def staff_unit_ids(user: User, at: datetime) -> set[int]:
    """The units whose counters this staff member may work at: the account's unit and the employee's current
    placements (EmployeeAssignment valid on the local date at ``at``)."""
    ids = {user.unit_id} if user.unit_id is not None else set()
    if user.employee_id is not None:
        rows = db.session.execute(
            select(
                EmployeeAssignment.unit_id, EmployeeAssignment.valid_from, EmployeeAssignment.valid_until, Unit.timezone
            )
            .join(Unit, Unit.id == EmployeeAssignment.unit_id)
            .where(EmployeeAssignment.employee_id == user.employee_id)
        ).all()
        for row in rows:
            today = at.astimezone(ZoneInfo(row.timezone)).date()
            if row.valid_from <= today and (row.valid_until is None or today < row.valid_until):
                ids.add(row.unit_id)
    return ids


def counters_for(user: User, at: datetime) -> list[Counter]:
    """The active counters this staff member may sign in to."""
    unit_ids = staff_unit_ids(user, at)
    if not unit_ids:
        return []
    return list(
        db.session.scalars(
            select(Counter)
            .options(joinedload(Counter.unit))
            .where(Counter.unit_id.in_(sorted(unit_ids)), Counter.active)
            .order_by(Counter.public_code)
        )
    )


def _employee(user: User) -> Employee:
    if user.employee is None:
        raise ConsoleError(_l("Akun Anda belum terhubung ke data pegawai. Hubungi admin unit."))
    return user.employee


# --- live sign-in --------------------------------------------------------------------------------------------------


def open_sign_in(employee_id: int, at: datetime) -> CounterAssignment | None:
    """The employee's live sign-in that still counts at ``at`` (open, and younger than ``SIGN_IN_MAX_HOURS``)."""
    return db.session.scalar(
        select(CounterAssignment)
        .options(joinedload(CounterAssignment.counter).joinedload(Counter.unit))
        .where(
            CounterAssignment.employee_id == employee_id,
            CounterAssignment.source == "sign_in",
            CounterAssignment.ends_at.is_(None),
            CounterAssignment.starts_at <= at,
            CounterAssignment.starts_at > oldest_counting_sign_in(at),
        )
        .order_by(CounterAssignment.starts_at.desc())
        .limit(1)
    )


def _close(assignment: CounterAssignment, at: datetime) -> None:
    """End a live sign-in at ``at``; a forgotten one ends where it stopped counting, so it never grows back."""
    end = min(at, assignment.starts_at + sign_in_lifetime())
    assignment.ends_at = max(end, assignment.starts_at + timedelta(seconds=1))


def _claim(key: str, user: User, action: str) -> tuple[ConsoleAction | None, ConsoleAction | None]:
    """Claim the form's idempotency key: (the new claim, None), or (None, the earlier action) for a repeat.

    The claim is the first write of the press, so a twin request racing this one waits on the unique key and then
    fails; rolling back then loses nothing of ours.
    """
    earlier = db.session.scalar(select(ConsoleAction).where(ConsoleAction.idempotency_key == key))
    if earlier is None:
        claim = ConsoleAction(idempotency_key=key, user_id=user.id, action=action)
        db.session.add(claim)
        try:
            db.session.flush()
            return claim, None
        except IntegrityError:
            db.session.rollback()
            earlier = db.session.scalar(select(ConsoleAction).where(ConsoleAction.idempotency_key == key))
            if earlier is None:
                raise
    if earlier.user_id != user.id or earlier.action != action:
        raise ConsoleError(_l("Formulir ini tidak sah. Muat ulang halaman lalu coba lagi."))
    return None, earlier


def _replay(earlier: ConsoleAction) -> ConsoleResult:
    ticket = db.session.get(Ticket, earlier.ticket_id) if earlier.ticket_id is not None else None
    return ConsoleResult(replayed=True, ticket=ticket)


def sign_in_to_counter(user: User, counter: Counter, key: str, at: datetime) -> ConsoleResult:
    """Start a live assignment of the user's employee at ``counter`` (spec §2.1), closing their open one first.

    A colleague's sign-in still open at this counter is closed too: one desk is served by one person, and leaving
    both open would make every answer there ``ambiguous`` until the forgotten one expired.
    """
    employee = _employee(user)
    if not counter.active:
        raise ConsoleError(_l("Loket %(code)s tidak aktif.", code=counter.public_code))
    claim, earlier = _claim(key, user, "sign_in")
    if earlier is not None:
        return _replay(earlier)
    assert claim is not None
    still_open = db.session.scalars(
        select(CounterAssignment)
        .options(joinedload(CounterAssignment.employee))
        .where(
            CounterAssignment.source == "sign_in",
            CounterAssignment.ends_at.is_(None),
            CounterAssignment.starts_at <= at,
            or_(CounterAssignment.employee_id == employee.id, CounterAssignment.counter_id == counter.id),
        )
    ).all()
    closed_others = []
    for assignment in still_open:
        if assignment.employee_id != employee.id and assignment.starts_at > oldest_counting_sign_in(at):
            closed_others.append(assignment.employee.name)
        _close(assignment, at)
    db.session.add(
        CounterAssignment(counter_id=counter.id, employee_id=employee.id, starts_at=at, ends_at=None, source="sign_in")
    )
    db.session.flush()
    return ConsoleResult(replayed=False, closed_others=tuple(closed_others))


def sign_out(user: User, key: str, at: datetime) -> ConsoleResult:
    """End the user's live sign-in; from now on the roster (or nobody) is on duty at that counter."""
    employee = _employee(user)
    _claim_row, earlier = _claim(key, user, "sign_out")
    if earlier is not None:
        return _replay(earlier)
    for assignment in db.session.scalars(
        select(CounterAssignment).where(
            CounterAssignment.employee_id == employee.id,
            CounterAssignment.source == "sign_in",
            CounterAssignment.ends_at.is_(None),
            CounterAssignment.starts_at <= at,
        )
    ).all():
        _close(assignment, at)
    db.session.flush()
    return ConsoleResult(replayed=False)


def _require_signed_in(employee: Employee, counter: Counter, at: datetime) -> None:
    live = open_sign_in(employee.id, at)
    if live is None or live.counter_id != counter.id:
        raise ConsoleError(_l("Anda belum masuk ke loket %(code)s. Masuk ke loket dulu.", code=counter.public_code))


# --- tickets -------------------------------------------------------------------------------------------------------


def _day_start(unit: Unit, at: datetime) -> datetime:
    local_day: date = unit.local(at).date()
    return datetime.combine(local_day, time(0), unit.zone)


def waiting_tickets(counter: Counter, at: datetime) -> list[Ticket]:
    """Today's tickets waiting for this counter, oldest first (yesterday's leftovers are not anyone's queue)."""
    return list(
        db.session.scalars(
            select(Ticket)
            .options(joinedload(Ticket.service_type))
            .where(
                Ticket.counter_id == counter.id,
                Ticket.outcome == "waiting",
                Ticket.issued_at >= _day_start(counter.unit, at),
            )
            .order_by(Ticket.issued_at, Ticket.id)
        )
    )


def current_ticket(counter: Counter, at: datetime) -> Ticket | None:
    """The ticket called to this counter today and not yet closed, the latest call first."""
    return db.session.scalar(
        select(Ticket)
        .options(joinedload(Ticket.service_type))
        .where(
            Ticket.counter_id == counter.id,
            Ticket.outcome.in_(("called", "serving")),
            Ticket.issued_at >= _day_start(counter.unit, at),
        )
        .order_by(Ticket.called_at.desc().nulls_last(), Ticket.id.desc())
        .limit(1)
    )


def last_finished_ticket(counter: Counter, at: datetime) -> Ticket | None:
    """Today's most recently finished ticket at this counter: its survey QR stays on screen for the citizen."""
    return db.session.scalar(
        select(Ticket)
        .options(joinedload(Ticket.service_type))
        .where(
            Ticket.counter_id == counter.id,
            Ticket.outcome == "finished",
            Ticket.finished_at >= _day_start(counter.unit, at),
        )
        .order_by(Ticket.finished_at.desc(), Ticket.id.desc())
        .limit(1)
    )


def find_counter_ticket(counter: Counter, external_id: str) -> Ticket | None:
    return db.session.scalar(
        select(Ticket)
        .options(joinedload(Ticket.service_type))
        .where(Ticket.unit_id == counter.unit_id, Ticket.counter_id == counter.id, Ticket.external_id == external_id)
    )


def _record(
    counter: Counter, ticket_id: str, service_type_name: str, event: str, at: datetime, employee_id: int | None
) -> Ticket:
    [result] = record_ticket_events(
        counter.unit,
        [
            TicketEventInput(
                external_id=ticket_id,
                counter_code=counter.public_code,
                service_type_name=service_type_name,
                event=event,
                at=at,
                employee_id=employee_id,
            )
        ],
        at,
    )
    if result.status == "error" or result.ticket is None:
        raise ConsoleError(result.message or _l("Kejadian tiket tidak dapat dicatat."))
    return result.ticket


def issue_ticket(user: User, counter: Counter, service_type_id: int, key: str, at: datetime) -> ConsoleResult:
    """Issue a new ticket at this counter (offices without a queue machine): ``2026-10-14-BGR01-007``.

    The number counts per counter and local day. Should a colleague's press take the same number at the same
    moment, the next free number is used.
    """
    employee = _employee(user)
    _require_signed_in(employee, counter, at)
    service_type = next((s for s in counter.service_types if s.id == service_type_id), None)
    if service_type is None:
        raise ConsoleError(_l("Jenis layanan ini tidak dilayani di loket %(code)s.", code=counter.public_code))
    claim, earlier = _claim(key, user, "issue")
    if earlier is not None:
        return _replay(earlier)
    assert claim is not None
    prefix = f"{counter.unit.local(at).date().isoformat()}-{counter.public_code}-"
    taken = db.session.scalars(
        select(Ticket.external_id).where(
            Ticket.unit_id == counter.unit_id, Ticket.external_id.startswith(prefix, autoescape=True)
        )
    ).all()
    number = max((int(tail) for tail in (t[len(prefix) :] for t in taken) if tail.isdigit()), default=0) + 1
    for attempt in range(5):
        external_id = f"{prefix}{number + attempt:03d}"
        [result] = record_ticket_events(
            counter.unit,
            [
                TicketEventInput(
                    external_id=external_id,
                    counter_code=counter.public_code,
                    service_type_name=service_type.name,
                    event="issued",
                    at=at,
                )
            ],
            at,
        )
        if result.status == "stored" and result.ticket is not None:
            claim.ticket_id = result.ticket.id
            db.session.flush()
            return ConsoleResult(replayed=False, ticket=result.ticket)
    raise ConsoleError(_l("Nomor antrean tidak dapat dibuat; coba lagi."))


def console_action(
    user: User, counter: Counter, action: str, key: str, at: datetime, external_id: str | None = None
) -> ConsoleResult:
    """Call the next ticket, or start / finish / return / mark absent the ticket ``external_id`` (spec §2.3).

    ``call`` without ``external_id`` calls the oldest waiting ticket of this counter.
    """
    if action not in TICKET_ACTIONS:
        raise ConsoleError(_l("Tombol ini tidak dikenal."))
    employee = _employee(user)
    _require_signed_in(employee, counter, at)
    claim, earlier = _claim(key, user, action)
    if earlier is not None:
        return _replay(earlier)
    assert claim is not None
    ticket: Ticket | None
    if action == "call" and not external_id:
        queue = waiting_tickets(counter, at)
        if not queue:
            raise ConsoleError(_l("Tidak ada yang menunggu di loket ini."))
        ticket = queue[0]
    else:
        ticket = find_counter_ticket(counter, external_id or "")
        if ticket is None:
            raise ConsoleError(_l("Tiket %(ticket)s tidak ada di loket ini.", ticket=external_id or "–"))
    recorded = _record(counter, ticket.external_id, ticket.service_type.name, TICKET_ACTIONS[action], at, employee.id)
    claim.ticket_id = recorded.id
    db.session.flush()
    return ConsoleResult(replayed=False, ticket=recorded)
