"""Ticket events in, derived tickets out (spec §2.3, §6): rules, idempotency, order independence, bounded SQL."""

from __future__ import annotations

import random
from datetime import datetime, timedelta

import pytest
from sqlalchemy import func, select

from feedback_app.extensions import db
from feedback_app.models import SurveyResponse, Ticket, TicketEvent
from feedback_app.services import tickets as service
from feedback_app.services.tickets import TicketEventInput, TooManyEvents, record_ticket_events
from tests.api.helpers import make_world, table_snapshot
from tests.helpers import counting_queries


@pytest.fixture
def world(build, clock):
    return make_world(build, clock)


def item(
    world,
    external_id: str,
    kind: str,
    minutes: float,
    *,
    counter: str = "BGR01",
    service_type: str = "KTP-el",
    nip: str | None = None,
    employee_id: int | None = None,
) -> TicketEventInput:
    return TicketEventInput(
        external_id,
        counter,
        service_type,
        kind,
        world.base + timedelta(minutes=minutes),
        employee_nip=nip,
        employee_id=employee_id,
    )


def served(world, external_id: str, start: float = 0, nip: str | None = None) -> list[TicketEventInput]:
    return [
        item(world, external_id, "issued", start),
        item(world, external_id, "called", start + 7, nip=nip),
        item(world, external_id, "started", start + 8, nip=nip),
        item(world, external_id, "finished", start + 21, nip=nip),
    ]


def record(world, items, clock):
    results = record_ticket_events(world.unit, items, clock.now())
    db.session.commit()
    return results


def ticket(external_id: str) -> Ticket:
    db.session.expire_all()
    return db.session.scalar(select(Ticket).where(Ticket.external_id == external_id))


def shape(row: Ticket) -> tuple:
    """A ticket's derived values relative to its issue, comparable between tickets."""

    def rel(value):
        return None if value is None else value - row.issued_at

    return (
        row.counter_id,
        row.service_type_id,
        row.employee_id,
        rel(row.called_at),
        rel(row.started_at),
        rel(row.finished_at),
        row.outcome,
        row.returned,
    )


def test_a_served_ticket_gets_its_times_outcome_and_serving_employee(world, clock):
    items = [
        item(world, "A1", "issued", 0),
        item(world, "A1", "called", 5, nip=world.siti.nip),
        item(world, "A1", "called", 6, nip=world.siti.nip),
        item(world, "A1", "started", 8, nip=world.budi.nip),
        item(world, "A1", "finished", 20, nip=world.budi.nip),
    ]
    results = record(world, items, clock)
    assert [r.status for r in results] == ["stored"] * 5
    row = ticket("A1")
    assert row.issued_at == world.base
    assert row.called_at == world.base + timedelta(minutes=5)  # the first call
    assert row.started_at == world.base + timedelta(minutes=8)
    assert row.finished_at == world.base + timedelta(minutes=20)
    assert (row.outcome, row.returned, row.employee_id) == ("finished", False, world.budi.id)
    assert row.counter_id == world.counter.id and row.service_type_id == world.ktp.id
    assert all(r.ticket.id == row.id for r in results)


def test_serving_employee_falls_back_from_finished_to_started_to_called(world, clock):
    record(
        world,
        [
            item(world, "B1", "issued", 0),
            item(world, "B1", "called", 5, nip=world.siti.nip),
            item(world, "B1", "finished", 15),
        ],
        clock,
    )
    assert ticket("B1").employee_id == world.siti.id
    record(
        world,
        [
            item(world, "B2", "issued", 0),
            item(world, "B2", "called", 5, nip=world.siti.nip),
            item(world, "B2", "started", 6, nip=world.budi.nip),
            item(world, "B2", "finished", 15),
        ],
        clock,
    )
    assert ticket("B2").employee_id == world.budi.id
    record(world, [item(world, "B3", "issued", 0), item(world, "B3", "called", 5)], clock)
    assert ticket("B3").employee_id is None


@pytest.mark.parametrize(
    ("events", "outcome"),
    [
        (["issued"], "waiting"),
        (["issued", "called"], "called"),
        (["issued", "called", "started"], "serving"),
        (["issued", "called", "no_show"], "no_show"),
        (["issued", "called", "started", "finished"], "finished"),
    ],
)
def test_outcome_follows_the_latest_stage(world, clock, events, outcome):
    record(world, [item(world, "C1", kind, minute) for minute, kind in enumerate(events)], clock)
    assert ticket("C1").outcome == outcome


def test_returned_is_flagged_and_allowed_after_finish(world, clock):
    results = record(world, [*served(world, "R1"), item(world, "R1", "returned", 30)], clock)
    assert [r.status for r in results] == ["stored"] * 5
    assert ticket("R1").returned is True and ticket("R1").outcome == "finished"


def test_a_non_asn_employee_without_nip_is_named_by_id(world, build, clock):
    honorer = build.employee(name="Dewi (honorer)", employment_type="non-ASN", nip=None)
    db.session.commit()
    [result] = record(world, [item(world, "N1", "called", 1, employee_id=honorer.id)], clock)
    assert result.status == "stored" and result.ticket.employee_id == honorer.id
    [bad] = record(world, [item(world, "N1", "started", 2, employee_id=999_999)], clock)
    assert (bad.status, bad.field) == ("error", "employee_id")


def test_service_type_name_matches_case_insensitively(world, clock):
    [result] = record(world, [item(world, "S1", "issued", 0, service_type=" ktp-EL ", counter="bgr01")], clock)
    assert result.status == "stored" and result.ticket.service_type_id == world.ktp.id


# --- idempotency and order ----------------------------------------------------------------------------------------


def test_the_same_batch_twice_changes_nothing_the_second_time(world, clock):
    batch = served(world, "I1", nip=world.siti.nip) + served(world, "I2", start=3)
    assert {r.status for r in record(world, batch, clock)} == {"stored"}
    before = table_snapshot()
    clock.advance(timedelta(seconds=20))
    again = record(world, batch, clock)
    assert [r.status for r in again] == ["already_stored"] * len(batch)
    assert table_snapshot() == before


def test_a_key_twice_in_one_batch_is_stored_once(world, clock):
    twice = item(world, "D1", "issued", 0)
    results = record(world, [twice, twice], clock)
    assert [r.status for r in results] == ["stored", "already_stored"]
    assert db.session.scalar(select(func.count()).select_from(TicketEvent)) == 1


def test_any_arrival_order_in_any_chunks_gives_the_same_ticket(world, clock):
    """Spec §6: order is by ``at``, never by arrival; a consistent set of events is accepted whole in any order."""
    pattern = [
        ("issued", 0, None),
        ("called", 4, world.siti.nip),
        ("returned", 6, None),
        ("called", 9, world.budi.nip),
        ("started", 10, world.budi.nip),
        ("finished", 25, world.budi.nip),
        ("returned", 40, None),
    ]
    record(world, [item(world, "ORD", kind, minute, nip=nip) for kind, minute, nip in pattern], clock)
    expected = shape(ticket("ORD"))
    generator = random.Random(20261014)
    for run in range(12):
        external_id = f"SHUF{run}"
        items = [item(world, external_id, kind, minute + run, nip=nip) for kind, minute, nip in pattern]
        generator.shuffle(items)
        cuts = sorted(generator.sample(range(1, len(items)), generator.randint(0, 3)))
        for chunk in [items[a:b] for a, b in zip([0, *cuts], [*cuts, len(items)])]:
            assert {r.status for r in record(world, chunk, clock)} == {"stored"}, (run, chunk)
        assert shape(ticket(external_id)) == expected, run
        assert ticket(external_id).issued_at == world.base + timedelta(minutes=run)


def test_a_ticket_whose_issue_arrives_last_is_recomputed(world, clock):
    record(world, [item(world, "L1", "finished", 20, nip=world.siti.nip)], clock)
    early = ticket("L1")
    assert early.issued_at == world.base + timedelta(minutes=20)  # stands in until issued arrives
    assert early.outcome == "finished"
    record(world, [item(world, "L1", "called", 5), item(world, "L1", "issued", 0)], clock)
    late = ticket("L1")
    assert (late.issued_at, late.called_at) == (world.base, world.base + timedelta(minutes=5))


# --- refusals (spec §6) ---------------------------------------------------------------------------------------------


def refused(world, clock, earlier: list, offending) -> service.TicketEventResult:
    record(world, earlier, clock)
    [result] = record(world, [offending], clock)
    assert result.status == "error" and result.ticket is None
    return result


@pytest.mark.parametrize(
    ("earlier", "offending", "field"),
    [
        ([], ("X", "issued", 0, {"counter": "NOPE1"}), "counter"),
        ([], ("X", "issued", 0, {"service_type": "Paspor"}), "service_type"),
        ([], ("X", "called", 1, {"nip": "196001011990031099"}), "employee_nip"),
        ([], ("X", "opened", 1, {}), "event"),
        ([], ("", "issued", 0, {}), "external_id"),
        ([("X", "issued", 10)], ("X", "called", 5, {}), "at"),  # before issued
        ([("X", "called", 5)], ("X", "issued", 10, {}), "at"),  # issued after an earlier event
        ([("X", "issued", 0)], ("X", "issued", 1, {}), "event"),  # issued twice
        ([("X", "issued", 0), ("X", "finished", 20)], ("X", "called", 25, {}), "at"),  # after finished
        ([("X", "issued", 0), ("X", "no_show", 20)], ("X", "finished", 25, {}), "event"),  # closed twice
        ([("X", "issued", 0), ("X", "called", 30)], ("X", "finished", 20, {}), "at"),  # finish before a call
        ([("X", "issued", 0)], ("X", "called", 1, {"counter": "BGR02"}), "counter"),  # moved counter
        ([("X", "issued", 0)], ("X", "called", 1, {"service_type": "KK"}), "service_type"),
    ],
)
def test_contradictions_and_unknown_names_are_refused_naming_the_field(world, clock, earlier, offending, field):
    external_id, kind, minute, extra = offending
    result = refused(
        world, clock, [item(world, e, k, m) for e, k, m in earlier], item(world, external_id, kind, minute, **extra)
    )
    assert (result.field, result.code) == (field, 422)
    assert result.message


def test_a_time_more_than_five_minutes_ahead_is_refused(world, clock):
    ahead = TicketEventInput("F1", "BGR01", "KTP-el", "issued", clock.now() + timedelta(minutes=5, seconds=1))
    just = TicketEventInput("F2", "BGR01", "KTP-el", "issued", clock.now() + timedelta(minutes=5))
    results = record(world, [ahead, just], clock)
    assert [(r.status, r.field) for r in results] == [("error", "at"), ("stored", None)]


def test_a_naive_time_is_refused(world, clock):
    [result] = record(world, [TicketEventInput("Z1", "BGR01", "KTP-el", "issued", datetime(2026, 10, 14, 9))], clock)
    assert (result.status, result.field) == ("error", "at")


def test_another_units_counter_is_forbidden(world, clock):
    [result] = record(world, [item(world, "U1", "issued", 0, counter="KSI01")], clock)
    assert (result.status, result.field, result.code) == ("error", "counter", 403)
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_good_items_are_stored_beside_bad_ones(world, clock):
    results = record(
        world,
        [
            item(world, "G1", "issued", 0),
            item(world, "G1", "called", 1, counter="NOPE"),
            item(world, "G1", "called", 2),
        ],
        clock,
    )
    assert [r.status for r in results] == ["stored", "error", "stored"]
    assert ticket("G1").called_at == world.base + timedelta(minutes=2)


def test_more_than_a_thousand_events_is_refused_whole(world, clock):
    with pytest.raises(TooManyEvents):
        record_ticket_events(world.unit, [item(world, f"M{i}", "issued", 0) for i in range(1001)], clock.now())


# --- concurrency ------------------------------------------------------------------------------------------------


def test_a_ticket_created_concurrently_is_joined_not_duplicated(world, clock, monkeypatch):
    """Another request creates the ticket between our read and our insert: our insert yields, we decide again."""
    real = service._load_states
    calls = []

    def late_read(unit_id, external_ids):
        calls.append(list(external_ids))
        if len(calls) == 1:  # our first read sees nothing; meanwhile the other request commits the ticket
            states = real(unit_id, [])
            db.session.add(
                Ticket(
                    unit_id=unit_id,
                    external_id="RACE",
                    counter_id=world.counter.id,
                    service_type_id=world.ktp.id,
                    issued_at=world.base,
                    outcome="waiting",
                )
            )
            db.session.flush()
            return states
        return real(unit_id, external_ids)

    monkeypatch.setattr(service, "_load_states", late_read)
    results = record(
        world, [item(world, "RACE", "called", 3), item(world, "RACE", "called", 4, service_type="KK")], clock
    )
    assert [(r.status, r.field) for r in results] == [("stored", None), ("error", "service_type")]
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 1
    assert calls == [["RACE"], ["RACE"]]


def test_an_event_stored_concurrently_answers_already_stored(world, clock, monkeypatch):
    record(world, [item(world, "TW", "issued", 0)], clock)
    real = service._load_states

    def twin_stores_first(unit_id, external_ids):
        states = real(unit_id, external_ids)
        db.session.add(
            TicketEvent(
                ticket_id=states["TW"].ticket_id,
                event="called",
                at=world.base + timedelta(minutes=2),
                received_at=clock.now(),
            )
        )
        db.session.flush()
        return states

    monkeypatch.setattr(service, "_load_states", twin_stores_first)
    [result] = record(world, [item(world, "TW", "called", 2)], clock)
    assert result.status == "already_stored"
    assert db.session.scalar(select(func.count()).select_from(TicketEvent)) == 2


# --- bounded SQL ------------------------------------------------------------------------------------------------


def batch_of(world, tickets: int) -> list[TicketEventInput]:
    return [event for n in range(tickets) for event in served(world, f"Q{tickets}-{n}", nip=world.siti.nip)]


def test_ingest_takes_the_same_number_of_statements_for_20_and_200_events(world, clock):
    counts = {}
    for tickets in (5, 50):  # 20 and 200 events
        batch = batch_of(world, tickets)
        with counting_queries() as statements:
            results = record_ticket_events(world.unit, batch, clock.now())
        db.session.commit()
        assert {r.status for r in results} == {"stored"}
        counts[len(batch)] = len(statements)
    assert counts[20] == counts[200] <= 12, counts
    # A retried batch is no dearer.
    with counting_queries() as statements:
        results = record_ticket_events(world.unit, batch_of(world, 50), clock.now())
    assert {r.status for r in results} == {"already_stored"}
    assert len(statements) <= counts[200]


# --- answers follow the serving employee ------------------------------------------------------------------------


def test_a_ticket_answer_follows_the_employee_learnt_later(world, clock):
    record(world, [item(world, "F9", "issued", 0), item(world, "F9", "finished", 20)], clock)
    row = ticket("F9")
    db.session.add(
        SurveyResponse(
            unit_id=world.unit.id,
            counter_id=row.counter_id,
            ticket_id=row.id,
            attribution_source="none",
            channel="ticket_qr",
            client_fingerprint="f" * 32,
            submission_key="k" * 32,
            submitted_at=clock.now(),
            counted_at=row.finished_at,
            **{f"u{i}": 4 for i in range(1, 10)},
        )
    )
    db.session.commit()
    record(world, [item(world, "F9", "started", 5, nip=world.budi.nip)], clock)  # who served arrives late
    db.session.expire_all()
    answer = db.session.scalar(select(SurveyResponse))
    assert (answer.employee_id, answer.attribution_source) == (world.budi.id, "ticket")
