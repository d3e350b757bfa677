"""Queue tickets: set-based ingest of ticket events and the ticket times derived from them.

The ticket's survey QR is signed in :mod:`.tokens`; who a ticket's answer belongs to is :mod:`.attribution`'s.

Spec §2.3 (events and derived times) and §6 (the ticket events interface). The rules a batch of events must keep:

* The idempotency key of an event is (unit, external_id, event, at): sending it again stores nothing and answers
  ``already_stored``.
* Order is by ``at``, never by arrival. A ticket's events are checked as a *set*: at most one ``issued`` and every
  event at or after it; at most one ``finished``/``no_show`` and nothing but ``returned`` after it; one counter and
  one service type per ticket; no time more than 5 minutes in the future. Every rule compares two events only, so a
  set that keeps them is accepted whole in any arrival order, and a shuffled batch gives the same tickets.
* A ticket whose ``issued`` event has not arrived yet exists already (its events need it); until ``issued`` arrives
  its ``issued_at`` is its earliest event, and it is recomputed when ``issued`` comes.

Ingest takes a bounded number of SQL statements whatever the batch size: a lock on the unit row (batches of one
unit take turns on PostgreSQL), lookups with ``IN`` lists, one bulk insert of tickets and one of events (``ON
CONFLICT DO NOTHING``, so even a writer that bypasses the lock cannot duplicate anything), one ``UPDATE`` that
recomputes every touched ticket from its events.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from sqlalchemy import and_, case, column, exists, func, insert, or_, select, update, values
from sqlalchemy.orm import joinedload

from ..extensions import db
from ..i18n import translate as _
from ..models import (
    TICKET_EVENTS,
    Counter,
    Employee,
    EmployeeAssignment,
    ServiceType,
    Ticket,
    TicketEvent,
    Unit,
)
from .attribution import follow_serving_employee
from .errors import DomainError
from .partitions import ticket_keys, uses_partitions

MAX_BATCH = 1000
FUTURE_TOLERANCE = timedelta(minutes=5)
EARLIEST_YEAR = 2000  # before this a queue machine's clock is broken, and far dates overflow
EXTERNAL_ID_MAX = 64
TERMINAL_EVENTS = frozenset({"finished", "no_show"})
# Lifecycle order, used only to sort events that share one instant.
_EVENT_RANK = {"issued": 0, "called": 1, "started": 2, "returned": 3, "finished": 4, "no_show": 5}

_tickets = Ticket.__table__
_events = TicketEvent.__table__


class TooManyEvents(DomainError):
    """A batch larger than :data:`MAX_BATCH`."""


@dataclass(frozen=True)
class TicketEventInput:
    """One event as a queue machine or the counter console reports it.

    ``service_type_name`` is the name of one of the unit's service types. ``employee_nip`` names who handled the
    event; ``employee_id`` does the same for callers inside the application (the console) that know the employee,
    including non-ASN staff without a NIP.
    """

    external_id: str
    counter_code: str
    service_type_name: str
    event: str
    at: datetime
    employee_nip: str | None = None
    employee_id: int | None = None


@dataclass(frozen=True)
class TicketEventResult:
    """What became of one input item, in the order the items were given."""

    index: int
    status: str  # stored | already_stored | error
    ticket: Ticket | None = None  # for stored and already_stored
    field: str | None = None  # for error: the input field at fault
    message: str | None = None
    code: int | None = None  # for error: 422, or 403 for a counter of another unit

    @property
    def ok(self) -> bool:
        return self.status != "error"


@dataclass(frozen=True)
class _Resolved:
    """An input item with its names resolved to ids."""

    index: int
    external_id: str
    counter_id: int
    service_type_id: int
    event: str
    at: datetime
    employee_id: int | None

    @property
    def key(self) -> tuple[str, datetime]:
        return (self.event, self.at)


@dataclass
class _TicketState:
    """What is known of one ticket: its row (if any) and its events."""

    ticket_id: int | None = None
    counter_id: int | None = None
    service_type_id: int | None = None
    events: dict[tuple[str, datetime], int | None] = field(default_factory=dict)  # (event, at) -> employee id


class _Error(Exception):
    def __init__(self, field_name: str, message: str, code: int = 422) -> None:
        super().__init__(message)
        self.field, self.message, self.code = field_name, message, code


# --- recording events --------------------------------------------------------------------------------------------


def record_ticket_events(unit: Unit, items: Sequence[TicketEventInput], at: datetime) -> list[TicketEventResult]:
    """Store a batch of events for ``unit`` (received at ``at``) and return one result per item, in input order.

    Good items are stored even when others fail. The caller commits. Raises :class:`TooManyEvents` for more than
    :data:`MAX_BATCH` items.
    """
    if len(items) > MAX_BATCH:
        raise TooManyEvents(
            _("Paling banyak %(max)d kejadian per permintaan; diterima %(count)d.", max=MAX_BATCH, count=len(items))
        )
    results: dict[int, TicketEventResult] = {}
    # One batch per unit at a time on PostgreSQL (SQLite has one writer anyway): the rules compare a ticket's
    # events with each other, and without this two batches creating and extending the same tickets could each
    # wait for the other's rows (a deadlock) or each accept one of two contradicting events.
    # FOR NO KEY UPDATE, not FOR UPDATE: inserting a survey answer or a roster row takes FOR KEY SHARE on the unit,
    # and must not wait for a batch.
    db.session.execute(select(Unit.id).where(Unit.id == unit.id).with_for_update(key_share=True))
    resolved = _resolve(unit, items, at, results)
    by_ticket: dict[str, list[_Resolved]] = defaultdict(list)
    for item in resolved:
        by_ticket[item.external_id].append(item)

    states = _load_states(unit.id, by_ticket.keys())
    decisions = {external_id: _decide(group, states[external_id]) for external_id, group in by_ticket.items()}
    _insert_new_tickets(unit.id, by_ticket, states, decisions)
    stored_keys = _insert_events(by_ticket, states, decisions, at)

    touched = {
        ticket_id
        for item in resolved
        if item.index in stored_keys and (ticket_id := states[item.external_id].ticket_id) is not None
    }
    if touched:
        _recompute_tickets(touched)
        follow_serving_employee(touched)

    ticket_ids = {
        states[item.external_id].ticket_id for item in resolved if decisions[item.external_id][item.index][0] != "error"
    }
    tickets = _load_tickets(ticket_ids)
    for item in resolved:
        status, error = decisions[item.external_id][item.index]
        if status == "error":
            assert error is not None
            results[item.index] = TicketEventResult(
                item.index, "error", field=error.field, message=error.message, code=error.code
            )
        else:
            # Decided "stored" but another request stored the same key first: that is a retry, answered as one.
            final = "stored" if item.index in stored_keys else "already_stored"
            ticket_id = states[item.external_id].ticket_id
            assert ticket_id is not None  # a stored event has its ticket
            results[item.index] = TicketEventResult(item.index, final, ticket=tickets[ticket_id])
    return [results[index] for index in range(len(items))]


def _resolve(
    unit: Unit, items: Sequence[TicketEventInput], at: datetime, results: dict[int, TicketEventResult]
) -> list[_Resolved]:
    """Check each item on its own and turn its names into ids (three queries for the whole batch)."""
    codes = {item.counter_code.strip().upper() for item in items if isinstance(item.counter_code, str)}
    counters = (
        {
            row.public_code: row
            for row in db.session.execute(
                select(Counter.id, Counter.unit_id, Counter.public_code).where(Counter.public_code.in_(codes))
            )
        }
        if codes
        else {}
    )
    service_types = {
        row.name: row.id
        for row in db.session.execute(select(ServiceType.id, ServiceType.name).where(ServiceType.unit_id == unit.id))
    }
    folded: dict[str, list[int]] = defaultdict(list)
    for name, service_type_id in service_types.items():
        folded[name.strip().casefold()].append(service_type_id)
    nips = {item.employee_nip.strip() for item in items if isinstance(item.employee_nip, str) and item.employee_nip}
    ids = {item.employee_id for item in items if item.employee_id is not None}
    employees = (
        db.session.execute(
            select(Employee.id, Employee.nip).where(or_(Employee.nip.in_(nips), Employee.id.in_(ids)))
        ).all()
        if nips or ids
        else []
    )
    # A queue machine may only name the unit's own staff: a NIP of another unit is as unknown as a wrong one.
    own_staff = (
        set(
            db.session.scalars(
                select(EmployeeAssignment.employee_id).where(
                    EmployeeAssignment.unit_id == unit.id,
                    EmployeeAssignment.employee_id.in_([row.id for row in employees]),
                )
            )
        )
        if employees
        else set()
    )
    by_nip = {row.nip: row.id for row in employees if row.nip and row.id in own_staff}
    known_ids = {row.id for row in employees}

    resolved = []
    latest_allowed = at + FUTURE_TOLERANCE
    for index, item in enumerate(items):
        try:
            external_id = _check_external_id(item.external_id)
            if item.event not in TICKET_EVENTS:
                raise _Error(
                    "event",
                    _(
                        "Kejadian tidak dikenal %(event)s; pilih salah satu dari: %(events)s.",
                        event=repr(item.event),
                        events=", ".join(TICKET_EVENTS),
                    ),
                )
            if not isinstance(item.at, datetime) or item.at.tzinfo is None:
                raise _Error("at", _("Waktu harus memuat zona waktu, mis. 2026-10-14T09:30:00+07:00."))
            if item.at.year < EARLIEST_YEAR:
                raise _Error(
                    "at", _("Waktu %(time)s tidak masuk akal; periksa jam mesin antrean.", time=item.at.isoformat())
                )
            try:
                event_at = item.at.astimezone(UTC)
            except OverflowError:
                raise _Error(
                    "at", _("Waktu %(time)s tidak masuk akal; periksa jam mesin antrean.", time=item.at.isoformat())
                ) from None
            if event_at > latest_allowed:
                raise _Error(
                    "at",
                    _(
                        "Waktu %(time)s lebih dari 5 menit di masa depan; periksa jam mesin antrean.",
                        time=event_at.isoformat(),
                    ),
                )
            counter = counters.get(item.counter_code.strip().upper()) if isinstance(item.counter_code, str) else None
            if counter is None:
                raise _Error("counter", _("Loket %(code)s tidak dikenal di unit ini.", code=repr(item.counter_code)))
            if counter.unit_id != unit.id:
                raise _Error(
                    "counter",
                    _(
                        "Loket %(code)s milik unit lain; token ini hanya untuk %(unit)s.",
                        code=counter.public_code,
                        unit=unit.name,
                    ),
                    code=403,
                )
            service_type_id = _service_type_id(item.service_type_name, service_types, folded)
            employee_id = None
            if item.employee_id is not None:
                if item.employee_id not in known_ids:
                    raise _Error("employee_id", _("Pegawai dengan id %(id)s tidak dikenal.", id=item.employee_id))
                employee_id = item.employee_id
            elif item.employee_nip:
                employee_id = by_nip.get(item.employee_nip.strip())
                if employee_id is None:
                    raise _Error("employee_nip", _("Tidak ada pegawai dengan NIP %(nip)s.", nip=item.employee_nip))
        except _Error as error:
            results[index] = TicketEventResult(
                index, "error", field=error.field, message=error.message, code=error.code
            )
            continue
        resolved.append(_Resolved(index, external_id, counter.id, service_type_id, item.event, event_at, employee_id))
    return resolved


def _check_external_id(external_id: Any) -> str:
    if not isinstance(external_id, str) or not external_id.strip():
        raise _Error("external_id", _("Nomor tiket (external_id) wajib diisi."))
    if len(external_id.strip()) > EXTERNAL_ID_MAX:
        raise _Error("external_id", _("Nomor tiket paling panjang %(max)d karakter.", max=EXTERNAL_ID_MAX))
    return external_id.strip()


def _service_type_id(name: Any, exact: dict[str, int], folded: dict[str, list[int]]) -> int:
    """The unit's service type by its exact name, else by a case-insensitive match that is unambiguous."""
    if isinstance(name, str):
        if name in exact:
            return exact[name]
        candidates = folded.get(name.strip().casefold(), [])
        if len(candidates) == 1:
            return candidates[0]
    raise _Error("service_type", _("Jenis layanan %(name)s tidak dikenal di unit ini.", name=repr(name)))


def _load_states(unit_id: int, external_ids: Iterable[str]) -> dict[str, _TicketState]:
    """The tickets named in the batch and all their events (two queries); tickets are locked on PostgreSQL."""
    states: dict[str, _TicketState] = defaultdict(_TicketState)
    external_ids = list(external_ids)
    if not external_ids:
        return states
    rows = db.session.execute(
        select(_tickets.c.id, _tickets.c.external_id, _tickets.c.counter_id, _tickets.c.service_type_id)
        .where(_tickets.c.unit_id == unit_id, _tickets.c.external_id.in_(external_ids))
        .order_by(_tickets.c.id)  # locks taken in one order everywhere, so two batches cannot deadlock
        .with_for_update()  # serialises two batches touching one ticket (SQLite serialises writers anyway)
    ).all()
    by_id = {}
    for row in rows:
        state = states[row.external_id]
        state.ticket_id, state.counter_id, state.service_type_id = row.id, row.counter_id, row.service_type_id
        by_id[row.id] = state
    if by_id:
        for event in db.session.execute(
            select(_events.c.ticket_id, _events.c.event, _events.c.at, _events.c.employee_id).where(
                _events.c.ticket_id.in_(by_id)
            )
        ):
            by_id[event.ticket_id].events[(event.event, event.at)] = event.employee_id
    return states


Decision = tuple[str, "_Error | None"]  # ("stored" | "already_stored" | "error", error)


def _decide(group: list[_Resolved], state: _TicketState) -> dict[int, Decision]:
    """Accept or refuse one ticket's items, in time order so that arrival order cannot change the outcome.

    ``state`` is updated with what is accepted (the counter and service type of a new ticket, the new events).
    """
    decisions: dict[int, Decision] = {}
    for item in sorted(group, key=lambda i: (i.at, _EVENT_RANK[i.event], i.index)):
        try:
            if state.counter_id is not None and item.counter_id != state.counter_id:
                raise _Error(
                    "counter",
                    _(
                        "Tiket %(ticket)s tercatat di loket lain; tiket yang pindah loket harus menjadi tiket baru.",
                        ticket=item.external_id,
                    ),
                )
            if state.service_type_id is not None and item.service_type_id != state.service_type_id:
                raise _Error(
                    "service_type", _("Tiket %(ticket)s tercatat dengan jenis layanan lain.", ticket=item.external_id)
                )
            if item.key in state.events:
                decisions[item.index] = ("already_stored", None)
                continue
            _check_sequence(state.events, item.event, item.at)
        except _Error as error:
            decisions[item.index] = ("error", error)
            continue
        decisions[item.index] = ("stored", None)
        state.events[item.key] = item.employee_id
        if state.counter_id is None:
            state.counter_id, state.service_type_id = item.counter_id, item.service_type_id
    return decisions


def _check_sequence(events: dict[tuple[str, datetime], int | None], event: str, at: datetime) -> None:
    """Raise if ``event`` at ``at`` contradicts the ticket's other events (spec §6). Each rule compares two events."""
    issued = [when for (kind, when) in events if kind == "issued"]
    terminal = [(kind, when) for (kind, when) in events if kind in TERMINAL_EVENTS]
    if event == "issued":
        if issued:
            raise _Error("event", _("Tiket ini sudah diterbitkan pada %(time)s.", time=issued[0].isoformat()))
        earlier = [(when, kind) for (kind, when) in events if when < at]
        if earlier:
            when, kind = min(earlier)
            raise _Error(
                "at",
                _("Waktu terbit sesudah kejadian %(event)s tiket ini (%(time)s).", event=kind, time=when.isoformat()),
            )
    elif issued and at < issued[0]:
        raise _Error("at", _("Waktu ini sebelum tiket diterbitkan (%(time)s).", time=issued[0].isoformat()))
    if event in TERMINAL_EVENTS:
        if terminal:
            kind, when = terminal[0]
            raise _Error(
                "event",
                _(
                    "Tiket ini sudah ditutup (%(event)s pada %(time)s); sesudahnya hanya "
                    "'returned' yang boleh dicatat.",
                    event=kind,
                    time=when.isoformat(),
                ),
            )
        later = [(when, kind) for (kind, when) in events if kind not in TERMINAL_EVENTS | {"returned"} and when > at]
        if later:
            when, kind = min(later)
            raise _Error(
                "at",
                _(
                    "Tiket ini punya kejadian %(event)s pada %(time)s, sesudah waktu penutupan ini.",
                    event=kind,
                    time=when.isoformat(),
                ),
            )
    elif event != "returned" and terminal and at > terminal[0][1]:
        kind, when = terminal[0]
        raise _Error(
            "at",
            _(
                "Tiket ini sudah ditutup (%(event)s pada %(time)s); sesudahnya hanya 'returned' yang boleh dicatat.",
                event=kind,
                time=when.isoformat(),
            ),
        )


def _insert(table: Any) -> Any:
    """``INSERT`` with the dialect's ``ON CONFLICT DO NOTHING`` support (SQLite and PostgreSQL)."""
    if db.session.get_bind().dialect.name == "postgresql":
        from sqlalchemy.dialects.postgresql import insert as postgresql_insert

        return postgresql_insert(table)
    from sqlalchemy.dialects.sqlite import insert as sqlite_insert

    return sqlite_insert(table)


def _insert_new_tickets(
    unit_id: int,
    by_ticket: dict[str, list[_Resolved]],
    states: dict[str, _TicketState],
    decisions: dict[str, dict[int, Decision]],
) -> None:
    """Insert the tickets the batch creates, in one statement; re-decide any a concurrent request created first."""
    for _attempt in range(3):
        new = {
            external_id: state
            for external_id, state in states.items()
            if state.ticket_id is None and state.counter_id is not None
        }
        if not new:
            return
        rows = []
        for external_id, state in sorted(new.items()):  # one insertion order everywhere: no deadlock
            first_at = min(at for (_kind, at) in state.events)
            rows.append(
                {
                    "unit_id": unit_id,
                    "external_id": external_id,
                    "counter_id": state.counter_id,
                    "service_type_id": state.service_type_id,
                    "issued_at": first_at,
                    "outcome": "waiting",
                    "returned": False,
                }
            )
        for row in db.session.execute(*_create_tickets(rows)):
            states[row.external_id].ticket_id = row.id
        raced = [external_id for external_id, state in new.items() if state.ticket_id is None]
        if not raced:
            return
        # Another request created these tickets between our read and our insert: decide again against them.
        fresh = _load_states(unit_id, raced)
        for external_id in raced:
            states[external_id] = fresh[external_id]
            decisions[external_id] = _decide(by_ticket[external_id], states[external_id])
    raise RuntimeError("tickets kept being created concurrently; giving up")


def _create_tickets(rows: list[dict[str, Any]]) -> tuple[Any, Any]:
    """The one statement (and its parameters) that inserts the tickets not yet stored and returns their ids.

    ``ON CONFLICT DO NOTHING`` on UNIQUE(unit_id, external_id), so a ticket a concurrent writer created first is
    skipped. On the partitioned schema that constraint lives in ``ticket_keys``: a data-modifying CTE claims the key
    (with the ticket's id from the tickets sequence) and only the claimed keys become tickets.
    """
    if not uses_partitions(db.session.connection()):
        statement = (
            _insert(_tickets)
            .on_conflict_do_nothing(index_elements=["unit_id", "external_id"])
            .returning(_tickets.c.id, _tickets.c.external_id)
        )
        return statement, rows
    columns = list(rows[0])
    new = select(
        values(*(column(name, _tickets.c[name].type) for name in columns), name="rows").data(
            [tuple(row[name] for name in columns) for row in rows]
        )
    ).cte("new_tickets")
    claimed = (
        _insert(ticket_keys)
        .from_select(
            ["ticket_id", "unit_id", "external_id"],
            select(func.nextval(func.pg_get_serial_sequence("tickets", "id")), new.c.unit_id, new.c.external_id),
        )
        .on_conflict_do_nothing(index_elements=["unit_id", "external_id"])
        .returning(ticket_keys.c.ticket_id, ticket_keys.c.unit_id, ticket_keys.c.external_id)
        .cte("claimed_keys")
    )
    statement = (
        insert(_tickets)
        .from_select(
            ["id", *columns],
            select(claimed.c.ticket_id, *(new.c[name] for name in columns)).join(
                claimed, and_(claimed.c.unit_id == new.c.unit_id, claimed.c.external_id == new.c.external_id)
            ),
        )
        .returning(_tickets.c.id, _tickets.c.external_id)
        .add_cte(claimed)
    )
    return statement, {}


def _insert_events(
    by_ticket: dict[str, list[_Resolved]],
    states: dict[str, _TicketState],
    decisions: dict[str, dict[int, Decision]],
    received_at: datetime,
) -> set[int]:
    """Insert every accepted event in one statement; the indexes of the items this request actually stored."""
    wanted: dict[tuple[int, str, datetime], int] = {}
    for external_id, group in by_ticket.items():
        ticket_id = states[external_id].ticket_id
        for item in group:
            if decisions[external_id][item.index][0] == "stored":
                assert ticket_id is not None
                wanted.setdefault((ticket_id, item.event, item.at), item.index)
    if not wanted:
        return set()
    employees = {}
    for group in by_ticket.values():
        for item in group:
            employees[item.index] = item.employee_id
    rows = [
        {"ticket_id": ticket_id, "event": event, "at": at, "employee_id": employees[index], "received_at": received_at}
        for (ticket_id, event, at), index in sorted(wanted.items())
    ]
    statement = (
        _insert(_events)
        .on_conflict_do_nothing(index_elements=["ticket_id", "event", "at"])
        .returning(_events.c.ticket_id, _events.c.event, _events.c.at)
    )
    inserted = {(row.ticket_id, row.event, row.at) for row in db.session.execute(statement, rows)}
    return {index for key, index in wanted.items() if key in inserted}


def _recompute_tickets(ticket_ids: set[int]) -> None:
    """Derive every touched ticket's times, outcome, returned flag and serving employee from its events (spec §2.3).

    One ``UPDATE`` with correlated subqueries, the same SQL on SQLite and PostgreSQL.
    """

    def first(kind: str | None) -> Any:
        criteria = [_events.c.ticket_id == _tickets.c.id]
        if kind is not None:
            criteria.append(_events.c.event == kind)
        return select(func.min(_events.c.at)).where(*criteria).scalar_subquery()

    def has(kind: str) -> Any:
        return exists().where(_events.c.ticket_id == _tickets.c.id, _events.c.event == kind)

    def handled_by(kind: str) -> Any:
        return (
            select(_events.c.employee_id)
            .where(_events.c.ticket_id == _tickets.c.id, _events.c.event == kind, _events.c.employee_id.is_not(None))
            .order_by(_events.c.at.desc(), _events.c.id.desc())
            .limit(1)
            .scalar_subquery()
        )

    db.session.execute(
        update(_tickets)
        .where(_tickets.c.id.in_(ticket_ids))
        .values(
            # Until "issued" arrives, the earliest event stands in for it (the column cannot be empty).
            issued_at=func.coalesce(first("issued"), first(None)),
            called_at=first("called"),
            started_at=first("started"),
            finished_at=first("finished"),
            outcome=case(
                (has("finished"), "finished"),
                (has("no_show"), "no_show"),
                (has("started"), "serving"),
                (has("called"), "called"),
                else_="waiting",
            ),
            returned=has("returned"),
            # Who served: the employee of the finished event, else of the (latest) started, else called event.
            employee_id=func.coalesce(handled_by("finished"), handled_by("started"), handled_by("called")),
        )
    )


def _load_tickets(ticket_ids: set[int | None]) -> dict[int, Ticket]:
    ids = {ticket_id for ticket_id in ticket_ids if ticket_id is not None}
    if not ids:
        return {}
    tickets = (
        db.session.scalars(
            select(Ticket)
            .options(joinedload(Ticket.counter), joinedload(Ticket.service_type), joinedload(Ticket.employee))
            .where(Ticket.id.in_(ids))
            .execution_options(populate_existing=True)
        )
        .unique()
        .all()
    )
    return {ticket.id: ticket for ticket in tickets}


def find_ticket(unit: Unit, external_id: str) -> Ticket | None:
    """The unit's ticket with this queue-machine id."""
    return db.session.scalar(
        select(Ticket)
        .options(joinedload(Ticket.counter), joinedload(Ticket.service_type), joinedload(Ticket.employee))
        .where(Ticket.unit_id == unit.id, Ticket.external_id == external_id)
    )


__all__ = [
    "MAX_BATCH",
    "TicketEventInput",
    "TicketEventResult",
    "TooManyEvents",
    "find_ticket",
    "record_ticket_events",
]
