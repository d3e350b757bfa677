"""The partitioned schema on PostgreSQL: concurrent retries store nothing new, and migration 0010 converts a
database that holds data."""

from __future__ import annotations

import time
from collections.abc import Callable, Iterator
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import timedelta
from typing import Any

import pytest
from alembic.script import ScriptDirectory
from flask_migrate import downgrade, upgrade
from sqlalchemy import create_engine, func, select, text

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import SurveyResponse, Ticket, TicketEvent
from feedback_app.services.demo import load_demo_data
from feedback_app.services.partitions import PARTITION_KEYS
from feedback_app.services.tickets import TicketEventInput, record_ticket_events
from feedback_app.services.tokens import counter_survey_url, ticket_survey_url
from tests.api.helpers import event, make_world
from tests.conftest import TEST_CONFIG
from tests.helpers import hidden_fields

ALL_GOOD = {f"u{i}": "4" for i in range(1, 10)}


# Concurrent writers and migration 0010 are PostgreSQL matters (SQLite has one writer at a time, no partitions).
pytestmark = pytest.mark.postgresql_only


@pytest.fixture
def world(app, build, clock):
    return make_world(build, clock)


@contextmanager
def writers_released_together(app, table: str, writers: int) -> Iterator[Callable[[Callable[[], Any]], Any]]:
    """Run ``writers`` requests at once: ``table`` is locked against writes until all of them wait on it, then
    released, so they race for the same keys inside the database rather than one after the other."""
    engine = create_engine(app.config["SQLALCHEMY_DATABASE_URI"])
    waiting = text(
        "SELECT count(*) FROM pg_stat_activity WHERE datname = current_database() AND wait_event_type = 'Lock'"
    )
    futures: list[Future] = []
    with engine.connect() as blocker, ThreadPoolExecutor(writers) as pool:
        transaction = blocker.begin()
        try:
            blocker.execute(text(f"LOCK TABLE {table} IN SHARE MODE"))
            yield lambda request: futures.append(pool.submit(request))
            deadline = time.monotonic() + 30
            while True:
                blocker.execute(text("SELECT pg_stat_clear_snapshot()"))  # the view is cached per transaction
                if blocker.scalar(waiting) >= writers:
                    break
                assert time.monotonic() < deadline, f"the writers never reached the database: {futures}"
                time.sleep(0.05)
        finally:
            transaction.commit()
        writers_results.clear()
        writers_results.extend(future.result(timeout=30) for future in futures)
    engine.dispose()


writers_results: list[Any] = []


def count(model) -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(model))


def test_a_survey_form_posted_twice_at_once_is_stored_once(app, world):
    path = counter_survey_url(world.counter).removeprefix("http://survey.test")
    browser = app.test_client()  # one browser sends its form twice (its session cookie goes with the form)
    form = {**hidden_fields(browser.get(path).get_data(as_text=True)), **ALL_GOOD}
    with writers_released_together(app, "survey_response_keys", 2) as send:
        for _ in range(2):
            send(lambda: browser.post(path, data=form).status_code)
    assert writers_results == [303, 303]  # both thanked, as a retry is
    assert count(SurveyResponse) == 1


def test_two_answers_to_one_ticket_at_once_store_one(app, world):
    items = [
        TicketEventInput("T1", "BGR01", "KTP-el", kind, world.base + timedelta(minutes=minute), world.siti.nip)
        for kind, minute in [("issued", 0), ("called", 5), ("started", 6), ("finished", 20)]
    ]
    [result, *_] = record_ticket_events(world.unit, items, world.base + timedelta(hours=1))
    db.session.commit()
    path = ticket_survey_url(result.ticket).removeprefix("http://survey.test")
    browsers = [app.test_client(), app.test_client()]  # two phones scan the same ticket
    forms = [{**hidden_fields(b.get(path).get_data(as_text=True)), **ALL_GOOD} for b in browsers]
    assert forms[0]["submission_key"] != forms[1]["submission_key"]
    with writers_released_together(app, "survey_response_keys", 2) as send:
        for browser, form in zip(browsers, forms):
            send(lambda browser=browser, form=form: browser.post(path, data=form).status_code)
    assert sorted(writers_results) == [303, 409]  # one stored, the other told the ticket has its answer
    assert count(SurveyResponse) == 1


def test_a_ticket_event_sent_twice_at_once_is_stored_once(app, world):
    body = {"events": [event(world, "T2", "issued", 0), event(world, "T2", "called", 4)]}
    headers = {"Authorization": f"Bearer {world.token}"}

    def send_batch() -> list[str]:
        response = app.test_client().post("/api/v1/ticket-events", json=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
        return [result["status"] for result in response.get_json()["results"]]

    with writers_released_together(app, "ticket_keys", 2) as send:
        for _ in range(2):
            send(send_batch)
    assert sorted(writers_results) == [["already_stored", "already_stored"], ["stored", "stored"]]
    assert count(Ticket) == 1 and count(TicketEvent) == 2


SCHEMA = "upgrade_check"


def test_the_migration_partitions_a_database_holding_the_demo_data(database_url):
    """Load the demo data, go back to the revision before 0010 (plain tables), upgrade: the same rows, now
    partitioned. The demo is loaded at the head because today's code writes what later migrations added (0013's
    population N and status times); going back drops those, and the rows are compared in the columns they had."""
    engine = create_engine(database_url)
    with engine.begin() as connection:
        connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        connection.execute(text(f"CREATE SCHEMA {SCHEMA}"))
    options = {"connect_args": {"options": f"-csearch_path={SCHEMA}"}}
    application = create_app(
        {**TEST_CONFIG, "SQLALCHEMY_DATABASE_URI": database_url, "SQLALCHEMY_ENGINE_OPTIONS": options}
    )
    try:
        with application.app_context():
            script = ScriptDirectory.from_config(application.extensions["migrate"].migrate.get_config())
            upgrade()
            load_demo_data(seed=7)
            db.session.commit()
            db.session.remove()
            downgrade(revision=script.get_revision("0010").down_revision)
            tables = [*PARTITION_KEYS, "complaints", "console_actions"]
            columns = {table: _columns(table) for table in tables}
            before = {table: _contents(table, columns[table]) for table in tables}
            assert before["survey_responses"] and before["tickets"] and before["ticket_events"]
            db.session.remove()

            upgrade()

            for table, column in PARTITION_KEYS.items():
                assert db.session.scalar(text("SELECT pg_get_partkeydef(to_regclass(:t))"), {"t": table}) == (
                    f"RANGE ({column})"
                )
            assert {table: _contents(table, columns[table]) for table in tables} == before
            assert db.session.scalar(text("SELECT count(*) FROM ticket_keys")) == len(before["tickets"])
            assert db.session.scalar(text("SELECT count(*) FROM survey_response_keys")) == len(
                before["survey_responses"]
            )
            # The demo's months each have their partition; nothing was left in a default partition.
            for table in PARTITION_KEYS:
                assert db.session.scalar(text(f"SELECT count(*) FROM {table}_default")) == 0
            # The sequences still belong to the tables and continue after the copied rows.
            next_id = db.session.scalar(text("SELECT nextval(pg_get_serial_sequence('tickets', 'id'))"))
            assert next_id > max(row[0] for row in before["tickets"])
            db.session.rollback()
            db.session.remove()

            # And back: plain tables with the same rows and their unique constraints again.
            downgrade(revision=script.get_revision("0010").down_revision)
            for table in PARTITION_KEYS:
                assert (
                    db.session.scalar(text("SELECT relkind FROM pg_class WHERE oid = to_regclass(:t)"), {"t": table})
                    == "r"
                )
            assert {table: _contents(table, columns[table]) for table in tables} == before
            assert db.session.scalar(text("SELECT to_regclass('ticket_keys')")) is None
            constraints = set(db.session.scalars(text("SELECT conname FROM pg_constraint WHERE contype IN ('u', 'f')")))
            assert {
                "uq_survey_responses_submission_key",
                "uq_survey_responses_ticket_id",
                "uq_tickets_unit_id_external_id",
                "fk_ticket_events_ticket_id_tickets",
                "fk_complaints_survey_response_id_survey_responses",
            } <= constraints
            db.session.rollback()
    finally:
        with application.app_context():
            db.session.remove()
            db.engine.dispose()
        with engine.begin() as connection:
            connection.execute(text(f"DROP SCHEMA IF EXISTS {SCHEMA} CASCADE"))
        engine.dispose()


def _columns(table: str) -> list[str]:
    return list(db.session.execute(text(f"SELECT * FROM {table} LIMIT 0")).keys())


def _contents(table: str, columns: list[str]) -> list[tuple]:
    selected = ", ".join(columns)
    return [tuple(row) for row in db.session.execute(text(f"SELECT {selected} FROM {table} ORDER BY id"))]
