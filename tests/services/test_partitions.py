"""The partitioned history on PostgreSQL: monthly partitions, the default partition, the key tables, retention."""

from __future__ import annotations

import re
from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import func, select, text

from feedback_app.extensions import db
from feedback_app.models import Complaint, ScoreRun, SurveyResponse, Ticket, TicketEvent
from feedback_app.services.partitions import (
    PARTITION_KEYS,
    apply_retention,
    create_partitions,
    month_partitions,
    retention_boundary,
)
from feedback_app.services.tickets import TicketEventInput, record_ticket_events
from tests.api.helpers import make_world

pytestmark = pytest.mark.postgresql_only  # the history tables are partitioned on PostgreSQL only


@pytest.fixture
def world(app, build, clock):
    return make_world(build, clock)


def served(world, external_id: str, issued: datetime) -> Ticket:
    kinds = [("issued", 0), ("called", 5), ("started", 6), ("finished", 20)]
    items = [
        TicketEventInput(external_id, "BGR01", "KTP-el", kind, issued + timedelta(minutes=minute), world.siti.nip)
        for kind, minute in kinds
    ]
    results = record_ticket_events(world.unit, items, issued + timedelta(hours=1))
    assert all(result.status == "stored" for result in results), results
    db.session.commit()
    return results[0].ticket


def answer(ticket: Ticket, key: int) -> SurveyResponse:
    response = SurveyResponse(
        unit_id=ticket.unit_id,
        counter_id=ticket.counter_id,
        ticket_id=ticket.id,
        employee_id=ticket.employee_id,
        attribution_source="ticket",
        channel="ticket_qr",
        client_fingerprint="f" * 32,
        submission_key=f"{key:032x}",
        submitted_at=ticket.finished_at + timedelta(minutes=3),
        counted_at=ticket.finished_at,
        **{f"u{i}": 3 for i in range(1, 10)},
    )
    db.session.add(response)
    db.session.commit()
    return response


def partition_of(table: str, row_id: int) -> str:
    return db.session.scalar(text(f"SELECT tableoid::regclass::text FROM {table} WHERE id = :id"), {"id": row_id})


def count(model) -> int:
    return db.session.scalar(select(func.count()).select_from(model))


def keys(table: str) -> int:
    return db.session.scalar(text(f"SELECT count(*) FROM {table}"))


def test_the_history_tables_are_partitioned_by_the_instant_a_period_selects_them_by(world):
    for table, column in PARTITION_KEYS.items():
        definition = db.session.scalar(text("SELECT pg_get_partkeydef(to_regclass(:t))"), {"t": table})
        assert definition == f"RANGE ({column})"
        assert db.session.scalar(text("SELECT to_regclass(:t)::text"), {"t": f"{table}_default"}) is not None
        assert month_partitions(db.session.connection(), table)  # the current month and the coming ones


def test_a_one_month_query_reads_only_that_months_partitions(world, clock):
    create_partitions(db.session.connection(), months_ahead=0)
    plan = db.session.scalars(
        text(
            "EXPLAIN SELECT count(*) FROM survey_responses WHERE unit_id = 1 AND status = 'valid' "
            "AND counted_at >= '2026-10-01 00:00+07' AND counted_at < '2026-11-01 00:00+07'"
        )
    ).all()
    scanned = {match for line in plan for match in re.findall(r"survey_responses_(y\d{4}m\d{2}|default)", line)}
    assert "y2026m10" in scanned and scanned <= {"y2026m09", "y2026m10", "default"}


def test_a_month_without_its_partition_lands_in_the_default_and_moves_out_of_it(world, clock):
    clock.set(datetime(2031, 3, 10, 3, 0, tzinfo=UTC))
    ticket = served(world, "2031-03-10-A001", clock.now() - timedelta(hours=2))
    response = answer(ticket, key=1)
    assert partition_of("tickets", ticket.id) == "tickets_default"
    assert partition_of("survey_responses", response.id) == "survey_responses_default"

    report = create_partitions(db.session.connection(), months_ahead=1)
    db.session.commit()
    assert report.created == [
        f"{table}_y2031m{month:02d}" for table in PARTITION_KEYS for month in (3, 4)
    ] and report.moved_from_default == {
        "survey_responses_y2031m03": 1,
        "tickets_y2031m03": 1,
        "ticket_events_y2031m03": 4,
    }
    assert partition_of("tickets", ticket.id) == "tickets_y2031m03"
    assert partition_of("survey_responses", response.id) == "survey_responses_y2031m03"
    # The rows kept their keys and links: nothing pointing at them was lost on the way.
    assert count(TicketEvent) == 4 and keys("ticket_keys") == 1 and keys("survey_response_keys") == 1
    assert db.session.get(SurveyResponse, response.id).ticket_id == ticket.id

    again = create_partitions(db.session.connection(), months_ahead=1)
    assert again.created == [] and again.moved_from_default == {}


def test_a_ticket_whose_issue_moves_to_another_month_keeps_its_events_and_key(world, clock):
    """A ticket's ``issued`` event may arrive last: its issue time, the partition key, moves the row back a month."""
    create_partitions(db.session.connection(), months_ahead=0)
    clock.set(datetime(2026, 10, 1, 0, 30, tzinfo=UTC))
    called = TicketEventInput("LATE", "BGR01", "KTP-el", "called", datetime(2026, 10, 1, 0, 5, tzinfo=UTC))
    [result] = record_ticket_events(world.unit, [called], clock.now())
    db.session.commit()
    ticket_id = result.ticket.id
    assert partition_of("tickets", ticket_id) == "tickets_y2026m10"
    issued = TicketEventInput("LATE", "BGR01", "KTP-el", "issued", datetime(2026, 9, 30, 23, 50, tzinfo=UTC))
    [result] = record_ticket_events(world.unit, [issued], clock.now())
    db.session.commit()
    assert result.status == "stored" and result.ticket.id == ticket_id
    assert partition_of("tickets", ticket_id) != "tickets_y2026m10"  # September's partition, or the default
    assert count(TicketEvent) == 2 and keys("ticket_keys") == 1


def test_unique_keys_hold_across_partitions(world, clock):
    """A ticket's (unit, external_id) and an answer's submission key are unique whichever month they fall in."""
    first = served(world, "SAME", datetime(2026, 10, 14, 1, 0, tzinfo=UTC))
    answer(first, key=7)
    db.session.add(
        Ticket(
            unit_id=world.unit.id,
            external_id="SAME",
            counter_id=world.counter.id,
            service_type_id=world.ktp.id,
            issued_at=datetime(2025, 1, 1, tzinfo=UTC),
            outcome="waiting",
        )
    )
    with pytest.raises(Exception, match="uq_ticket_keys_unit_id_external_id"):
        db.session.flush()
    db.session.rollback()
    other = served(world, "OTHER", datetime(2026, 10, 14, 1, 30, tzinfo=UTC))
    with pytest.raises(Exception, match="uq_survey_response_keys_submission_key"):
        answer(other, key=7)
    db.session.rollback()
    with pytest.raises(Exception, match="uq_survey_response_keys_ticket_id"):
        answer(first, key=8)
    db.session.rollback()


def test_retention_drops_old_months_and_keeps_runs_complaints_and_newer_history(world, clock):
    clock.set(datetime(2026, 10, 20, 3, 0, tzinfo=UTC))
    create_partitions(db.session.connection(), months_ahead=1)
    db.session.commit()
    old = served(world, "OLD", datetime(2026, 10, 14, 1, 0, tzinfo=UTC))
    old_answer = answer(old, key=1)
    new = served(world, "NEW", datetime(2026, 11, 2, 1, 0, tzinfo=UTC))
    answer(new, key=2)
    db.session.add(
        Complaint(
            unit_id=world.unit.id,
            tracking_code="LAPOR-1",
            survey_response_id=old_answer.id,
            received_at=old.finished_at,
            settled_at=old.finished_at + timedelta(days=2),
            status="selesai",
        )
    )
    db.session.add(
        ScoreRun(
            unit_id=world.unit.id,
            period_id="2026-10",
            period_start=date(2026, 10, 1),
            period_end=date(2026, 11, 1),
            parameters={},
            code_version="test",
            input_counts={"responses_valid": 1},
            created_by="test",
        )
    )
    db.session.commit()

    clock.set(datetime(2031, 11, 20, 3, 0, tzinfo=UTC))  # keeps everything from 2026-11-01
    report = apply_retention(db.session.connection(), years=5)
    db.session.commit()
    assert report.boundary == retention_boundary(clock.now(), 5) == datetime(2026, 11, 1, tzinfo=UTC)
    assert sorted(report.dropped) == sorted(f"{table}_y2026m10" for table in PARTITION_KEYS)
    db.session.expire_all()
    assert [t.external_id for t in db.session.scalars(select(Ticket))] == ["NEW"]
    assert count(TicketEvent) == 4 and count(SurveyResponse) == 1
    assert keys("ticket_keys") == 1 and keys("survey_response_keys") == 1
    complaint = db.session.scalar(select(Complaint))
    assert complaint.survey_response_id is None and complaint.settled_at is not None  # its outcome is kept
    assert count(ScoreRun) == 1

    again = apply_retention(db.session.connection(), years=5)
    assert again.dropped == [] and again.deleted_from_default == {}


def test_retention_also_empties_the_default_partition_of_old_rows(world, clock):
    clock.set(datetime(2020, 5, 5, 3, 0, tzinfo=UTC))
    ticket = served(world, "ANCIENT", datetime(2020, 5, 5, 1, 0, tzinfo=UTC))
    assert partition_of("tickets", ticket.id) == "tickets_default"
    clock.set(datetime(2026, 10, 20, 3, 0, tzinfo=UTC))
    report = apply_retention(db.session.connection(), years=5)
    db.session.commit()
    assert report.deleted_from_default == {"ticket_events": 4, "tickets": 1}
    assert count(Ticket) == 0 and keys("ticket_keys") == 0


def test_the_retention_period_is_at_least_a_year():
    with pytest.raises(ValueError, match="at least one year"):
        retention_boundary(datetime(2026, 1, 1, tzinfo=UTC), 0)
