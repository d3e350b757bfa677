"""The counter console's services: live sign-in (spec §2.1) and ticket buttons (spec §2.3) with idempotency keys."""

from __future__ import annotations

import secrets
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select

from feedback_app.clock import now
from feedback_app.extensions import db
from feedback_app.models import ConsoleAction, CounterAssignment, EmployeeAssignment, Ticket, TicketEvent
from feedback_app.services import console as console_service
from feedback_app.services.attribution import on_duty
from feedback_app.services.console import (
    ConsoleError,
    console_action,
    counters_for,
    current_ticket,
    issue_ticket,
    last_finished_ticket,
    open_sign_in,
    sign_in_to_counter,
    sign_out,
    staff_unit_ids,
    ticket_number,
    waiting_tickets,
)


def key() -> str:
    return secrets.token_hex(16)


@pytest.fixture
def in_request(app):
    """Error messages are lazy strings in the user's language; read them as a page would."""
    with app.test_request_context():
        yield


@pytest.fixture
def desk(build, clock, in_request):
    """A unit with two counters and a staff member (account of that unit, linked to an employee)."""
    unit = build.unit(slug="kota-bogor", timezone="Asia/Jakarta")
    ktp = build.service_type(unit, name="KTP-el")
    kk = build.service_type(unit, name="Kartu Keluarga")
    counter = build.counter(unit, public_code="BGR01", service_types=[ktp])
    other = build.counter(unit, public_code="BGR02", service_types=[kk])
    employee = build.employee(unit, name="Siti")
    user = build.user("petugas", {"staff"}, unit=unit, employee=employee)
    db.session.commit()
    return {"unit": unit, "counter": counter, "other": other, "employee": employee, "user": user, "ktp": ktp, "kk": kk}


def signed_in(desk, counter=None):
    sign_in_to_counter(desk["user"], counter or desk["counter"], key(), now())
    db.session.commit()


def press(desk, action, external_id=None, the_key=None):
    result = console_action(desk["user"], desk["counter"], action, the_key or key(), now(), external_id=external_id)
    db.session.commit()
    return result


def events(ticket_id) -> list[tuple[str, int | None]]:
    return [
        (e.event, e.employee_id)
        for e in db.session.scalars(
            select(TicketEvent).where(TicketEvent.ticket_id == ticket_id).order_by(TicketEvent.at, TicketEvent.id)
        )
    ]


# --- sign-in -------------------------------------------------------------------------------------------------------


def test_sign_in_makes_the_employee_the_one_on_duty(desk, clock):
    sign_in_to_counter(desk["user"], desk["counter"], key(), clock.now())
    db.session.commit()
    duty = on_duty(desk["counter"].id, clock.now())
    assert (duty.source, duty.employee_id) == ("sign_in", desk["employee"].id)
    live = open_sign_in(desk["employee"].id, clock.now())
    assert (live.counter_id, live.ends_at, live.source) == (desk["counter"].id, None, "sign_in")


def test_signing_in_elsewhere_closes_the_open_sign_in_first(desk, clock):
    signed_in(desk)
    clock.advance(timedelta(minutes=30))
    sign_in_to_counter(desk["user"], desk["other"], key(), clock.now())
    db.session.commit()
    rows = db.session.scalars(select(CounterAssignment).order_by(CounterAssignment.starts_at)).all()
    assert [(r.counter_id, r.ends_at) for r in rows] == [(desk["counter"].id, clock.now()), (desk["other"].id, None)]
    assert on_duty(desk["counter"].id, clock.now()).source == "none"


def test_signing_in_takes_over_a_colleagues_forgotten_sign_in_at_that_counter(desk, build, clock):
    colleague = build.employee(name="Agus")
    build.duty(desk["counter"], colleague, source="sign_in", starts_at=clock.now() - timedelta(hours=2), ends_at=None)
    db.session.commit()
    result = sign_in_to_counter(desk["user"], desk["counter"], key(), clock.now())
    db.session.commit()
    assert result.closed_others == ("Agus",)
    assert on_duty(desk["counter"].id, clock.now()).employee_id == desk["employee"].id  # not ambiguous


def test_a_forgotten_sign_in_is_closed_where_it_stopped_counting(desk, build, clock):
    old_start = clock.now() - timedelta(hours=20)
    build.duty(desk["other"], desk["employee"], source="sign_in", starts_at=old_start, ends_at=None)
    db.session.commit()
    signed_in(desk)
    forgotten = db.session.scalar(select(CounterAssignment).where(CounterAssignment.counter_id == desk["other"].id))
    assert forgotten.ends_at == old_start + timedelta(hours=12)  # SIGN_IN_MAX_HOURS, not "now"


def test_sign_out_ends_the_live_assignment(desk, build, clock):
    build.duty(desk["counter"], build.employee(name="Rostered"), source="roster")
    signed_in(desk)
    clock.advance(timedelta(hours=1))
    sign_out(desk["user"], key(), clock.now())
    db.session.commit()
    assert open_sign_in(desk["employee"].id, clock.now()) is None
    assert on_duty(desk["counter"].id, clock.now()).source == "roster"


def test_the_same_form_twice_signs_in_once(desk, clock):
    same = key()
    first = sign_in_to_counter(desk["user"], desk["counter"], same, clock.now())
    db.session.commit()
    clock.advance(timedelta(seconds=1))
    again = sign_in_to_counter(desk["user"], desk["counter"], same, clock.now())
    db.session.commit()
    assert (first.replayed, again.replayed) == (False, True)
    assert db.session.scalar(select(func.count()).select_from(CounterAssignment)) == 1


def test_an_account_without_an_employee_cannot_sign_in(desk, build, clock):
    nobody = build.user("tanpa-pegawai", {"staff"}, unit=desk["unit"])
    with pytest.raises(ConsoleError, match="belum terhubung ke data pegawai"):
        sign_in_to_counter(nobody, desk["counter"], key(), clock.now())


def test_units_come_from_the_employees_placements_on_that_date(desk, build, clock):
    elsewhere = build.unit(slug="kassi", timezone="Asia/Makassar")
    build.counter(elsewhere, public_code="KSK01")
    earlier = build.unit(slug="lama")
    db.session.add_all(
        [
            EmployeeAssignment(
                employee=desk["employee"], unit=elsewhere, position="Petugas", valid_from=date(2026, 1, 1)
            ),
            EmployeeAssignment(
                employee=desk["employee"],
                unit=earlier,
                position="Petugas",
                valid_from=date(2025, 1, 1),
                valid_until=date(2026, 1, 1),
            ),
        ]
    )
    db.session.commit()
    assert staff_unit_ids(desk["user"], clock.now()) == {desk["unit"].id, elsewhere.id}
    assert [c.public_code for c in counters_for(desk["user"], clock.now())] == ["BGR01", "BGR02", "KSK01"]


def test_an_employee_signs_in_only_where_they_hold_an_assignment_on_that_day(desk, build, clock):
    """Issue 9 item 2: the account's unit is not a placement; another unit's employee cannot sit at our counter."""
    outsider = build.employee(build.unit(slug="kassi", timezone="Asia/Makassar"), name="Orang Kassi")
    user = build.user("dipinjam", {"staff"}, unit=desk["unit"], employee=outsider)
    db.session.commit()
    assert staff_unit_ids(user, clock.now()) == {outsider.assignments[0].unit_id}
    assert desk["counter"] not in counters_for(user, clock.now())
    with pytest.raises(ConsoleError, match="tidak ditempatkan di unit loket BGR01"):
        sign_in_to_counter(user, desk["counter"], key(), clock.now())
    db.session.rollback()
    # A placement that ended yesterday (local date) no longer counts either.
    placement = desk["employee"].assignments[0]
    placement.valid_until = date(2026, 10, 14)
    db.session.commit()
    with pytest.raises(ConsoleError, match="tidak ditempatkan"):
        sign_in_to_counter(desk["user"], desk["counter"], key(), clock.now())
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(CounterAssignment)) == 0


# --- tickets -------------------------------------------------------------------------------------------------------


def test_issue_numbers_tickets_per_counter_and_local_day(desk, clock):
    clock.set(datetime(2026, 10, 13, 18, 0, tzinfo=UTC))  # 01:00 WIB on the 14th
    signed_in(desk)
    first = issue_ticket(desk["user"], desk["counter"], desk["ktp"].id, key(), clock.now()).ticket
    second = issue_ticket(desk["user"], desk["counter"], desk["ktp"].id, key(), clock.now()).ticket
    db.session.commit()
    assert (first.external_id, second.external_id) == ("2026-10-14-BGR01-001", "2026-10-14-BGR01-002")
    assert ticket_number(second) == "002"
    assert [e[0] for e in events(first.id)] == ["issued"]
    assert [t.external_id for t in waiting_tickets(desk["counter"], clock.now())] == [
        first.external_id,
        second.external_id,
    ]


def test_issue_needs_a_sign_in_here_and_a_service_of_this_counter(desk, clock):
    with pytest.raises(ConsoleError, match="belum masuk ke loket BGR01"):
        issue_ticket(desk["user"], desk["counter"], desk["ktp"].id, key(), clock.now())
    signed_in(desk)
    with pytest.raises(ConsoleError, match="tidak dilayani di loket BGR01"):
        issue_ticket(desk["user"], desk["counter"], desk["kk"].id, key(), clock.now())


def test_call_start_finish_derive_the_ticket_and_name_who_served(desk, clock):
    signed_in(desk)
    ticket = issue_ticket(desk["user"], desk["counter"], desk["ktp"].id, key(), clock.now()).ticket
    db.session.commit()
    issued = clock.now()
    clock.advance(timedelta(minutes=4))
    called = press(desk, "call").ticket
    assert called.id == ticket.id and current_ticket(desk["counter"], clock.now()).outcome == "called"
    clock.advance(timedelta(minutes=1))
    press(desk, "start", ticket.external_id)
    clock.advance(timedelta(minutes=10))
    press(desk, "finish", ticket.external_id)
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert (ticket.outcome, ticket.employee_id) == ("finished", desk["employee"].id)
    assert ticket.called_at - issued == timedelta(minutes=4)
    assert ticket.finished_at - ticket.started_at == timedelta(minutes=10)
    employee = desk["employee"].id
    assert events(ticket.id) == [("issued", None), ("called", employee), ("started", employee), ("finished", employee)]
    assert current_ticket(desk["counter"], clock.now()) is None
    assert last_finished_ticket(desk["counter"], clock.now()).id == ticket.id


def test_a_double_click_records_one_event(desk, clock):
    signed_in(desk)
    issue_ticket(desk["user"], desk["counter"], desk["ktp"].id, key(), clock.now())
    db.session.commit()
    same = key()
    first = press(desk, "call", the_key=same)
    clock.advance(timedelta(seconds=1))  # the second click arrives a moment later
    again = press(desk, "call", the_key=same)
    assert (first.replayed, again.replayed) == (False, True)
    assert again.ticket.id == first.ticket.id
    assert events(first.ticket.id) == [("issued", None), ("called", desk["employee"].id)]
    assert db.session.scalar(select(func.count()).select_from(ConsoleAction)) == 3  # sign-in, issue, call


def test_call_next_takes_todays_oldest_waiting_ticket(desk, build, clock):
    signed_in(desk)
    yesterday = Ticket(
        unit_id=desk["unit"].id,
        external_id="2026-10-13-BGR01-009",
        counter_id=desk["counter"].id,
        service_type_id=desk["ktp"].id,
        issued_at=clock.now() - timedelta(days=1),
        outcome="waiting",
    )
    db.session.add(yesterday)
    db.session.commit()
    with pytest.raises(ConsoleError, match="Tidak ada yang menunggu"):
        press(desk, "call")
    db.session.rollback()
    first = issue_ticket(desk["user"], desk["counter"], desk["ktp"].id, key(), clock.now()).ticket
    clock.advance(timedelta(minutes=1))
    issue_ticket(desk["user"], desk["counter"], desk["ktp"].id, key(), clock.now())
    db.session.commit()
    assert press(desk, "call").ticket.id == first.id


def test_no_show_closes_the_ticket_and_a_later_finish_is_refused(desk, clock):
    signed_in(desk)
    ticket = issue_ticket(desk["user"], desk["counter"], desk["ktp"].id, key(), clock.now()).ticket
    db.session.commit()
    clock.advance(timedelta(minutes=2))
    press(desk, "call")
    clock.advance(timedelta(minutes=3))
    press(desk, "no_show", ticket.external_id)
    assert db.session.get(Ticket, ticket.id).outcome == "no_show"
    clock.advance(timedelta(minutes=1))
    with pytest.raises(ConsoleError, match="sudah ditutup"):
        press(desk, "finish", ticket.external_id)
    db.session.rollback()
    assert (
        db.session.scalar(select(func.count()).select_from(ConsoleAction).where(ConsoleAction.action == "finish")) == 0
    )


def test_returned_for_correction_is_recorded_after_finishing(desk, clock):
    signed_in(desk)
    ticket = issue_ticket(desk["user"], desk["counter"], desk["ktp"].id, key(), clock.now()).ticket
    db.session.commit()
    for action in ("call", "start", "finish", "returned"):
        clock.advance(timedelta(minutes=2))
        press(desk, action, None if action == "call" else ticket.external_id)
    db.session.expire_all()
    ticket = db.session.get(Ticket, ticket.id)
    assert (ticket.outcome, ticket.returned) == ("finished", True)


def test_a_ticket_of_another_counter_cannot_be_touched(desk, clock):
    sign_in_to_counter(desk["user"], desk["other"], key(), clock.now())
    other_ticket = issue_ticket(desk["user"], desk["other"], desk["kk"].id, key(), clock.now()).ticket
    signed_in(desk)
    with pytest.raises(ConsoleError, match="tidak ada di loket ini"):
        press(desk, "finish", other_ticket.external_id)


def test_every_ticket_event_goes_through_record_ticket_events(desk, clock, monkeypatch):
    """The console has no path of its own for ticket events (spec §6: one set of rules for every source)."""
    seen = []
    real = console_service.record_ticket_events

    def spy(unit, items, at):
        seen.extend(item.event for item in items)
        return real(unit, items, at)

    monkeypatch.setattr(console_service, "record_ticket_events", spy)
    signed_in(desk)
    ticket = issue_ticket(desk["user"], desk["counter"], desk["ktp"].id, key(), clock.now()).ticket
    db.session.commit()
    for action in ("call", "start", "returned", "finish"):
        clock.advance(timedelta(minutes=1))
        press(desk, action, None if action == "call" else ticket.external_id)
    assert seen == ["issued", "called", "started", "returned", "finished"]
    assert db.session.scalar(select(func.count()).select_from(TicketEvent)) == len(seen)
