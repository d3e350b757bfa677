"""The audit trail: one row per action, actor from the context, masked values, append-only on PostgreSQL."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

import click
import pytest
from click.testing import CliRunner
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from feedback_app.extensions import db
from feedback_app.models import AuditEvent
from feedback_app.services.audit import Actor, acting_as, changed_fields, current_actor, record_audit


def test_a_record_outside_any_request_or_command_is_the_systems(app):
    record_audit("counter.rotate_qr", entity="counter", entity_id=7, unit_id=3, before={"v": 1}, after={"v": 2})
    db.session.commit()
    event = db.session.scalars(select(AuditEvent)).one()
    assert (event.actor_kind, event.actor_id, event.actor_login) == ("system", None, None)
    assert (event.action, event.entity, event.entity_id, event.unit_id) == ("counter.rotate_qr", "counter", "7", 3)
    assert (event.before, event.after) == ({"v": 1}, {"v": 2})
    assert event.at is not None and event.request_id


def test_personal_data_in_values_and_reasons_is_masked_and_values_become_json(app):
    record_audit(
        "complaint.answer",
        entity="complaint",
        after={"text": "hubungi 081234567890", "day": date(2026, 10, 1), "amount": Decimal("1.50"), "tags": {"b", "a"}},
        reason="NIK 3201123456780004",
    )
    db.session.commit()
    event = db.session.scalars(select(AuditEvent)).one()
    assert event.after == {"text": "hubungi 08*******890", "day": "2026-10-01", "amount": "1.50", "tags": ["a", "b"]}
    assert event.reason == "NIK 3201********0004"


def test_an_action_must_be_a_dotted_verb(app):
    with pytest.raises(ValueError, match="dotted verb"):
        record_audit("rotate", entity="counter")


def test_acting_as_names_a_background_job(app):
    with acting_as(Actor("system", None, "score-job")):
        assert current_actor() == Actor("system", None, "score-job")
    assert current_actor().kind == "system"


def test_a_cli_command_is_recorded_with_the_operating_system_user(app):
    @click.command()
    def command() -> None:
        click.echo(current_actor().kind)

    assert CliRunner().invoke(command).output.strip() == "cli"


def test_a_logged_in_user_is_the_actor_of_a_request(app, build):
    from flask_login import login_user

    user = build.user(roles={"admin"})
    with app.test_request_context("/"):
        assert current_actor() == Actor("citizen")
        login_user(user)
        assert current_actor() == Actor("user", user.id, user.login)


def test_changed_fields_keeps_only_what_changed():
    assert changed_fields({"a": 1, "b": "x"}, {"a": 2, "b": "x", "c": 5}) == ({"a": 1, "c": None}, {"a": 2, "c": 5})


@pytest.mark.postgresql_only
def test_the_trail_refuses_update_delete_and_truncate_on_postgresql(app):
    record_audit("counter.rotate_qr", entity="counter", entity_id=1)
    db.session.commit()
    for statement in ("UPDATE audit_events SET reason = 'x'", "DELETE FROM audit_events", "TRUNCATE audit_events"):
        with pytest.raises(DBAPIError, match="append-only"):
            db.session.execute(text(statement))
        db.session.rollback()
    assert db.session.scalar(select(db.func.count()).select_from(AuditEvent)) == 1
