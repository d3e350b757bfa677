"""Database invariants hold in the database itself, alike on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from feedback_app.extensions import db
from feedback_app.identifiers import InvalidNIP
from feedback_app.models import Employee, SurveyResponse, Ticket, User


def test_migrations_match_the_models(app):
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts={"compare_type": True}), db.metadata)
    assert diff == []


def _response(counter, **kw) -> SurveyResponse:
    now = datetime(2026, 10, 14, 3, 0, tzinfo=UTC)
    values = {f"u{i}": 3 for i in range(1, 10)}
    values.update(
        unit_id=counter.unit_id,
        counter_id=counter.id,
        attribution_source="none",
        channel="counter_qr",
        client_fingerprint="f" * 32,
        submission_key=f"{kw.pop('key', 1):032x}",
        status="valid",
        submitted_at=now,
        counted_at=now,
    )
    values.update(kw)
    return SurveyResponse(**values)


@pytest.mark.parametrize(
    "bad",
    [
        {"u1": 0},
        {"u9": 5},
        {"status": "maybe"},
        {"attribution_source": "guess"},
        {"comment": "x" * 2001},
        {"age_band": "teen"},
    ],
)
def test_database_rejects_what_the_form_would(build, bad):
    counter = build.counter()
    db.session.add(_response(counter, **bad))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_one_response_per_ticket_and_per_submission_key(build):
    counter = build.counter()
    when = datetime(2026, 10, 14, 3, 0, tzinfo=UTC)
    ticket = Ticket(
        unit_id=counter.unit_id,
        external_id="2026-10-14-A001",
        counter=counter,
        service_type=counter.service_types[0],
        issued_at=when,
        outcome="finished",
        finished_at=when,
    )
    db.session.add(ticket)
    db.session.flush()
    db.session.add(_response(counter, key=1, ticket_id=ticket.id))
    db.session.flush()
    db.session.add(_response(counter, key=2, ticket_id=ticket.id))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_employee_attribution_needs_an_employee(build):
    counter = build.counter()
    db.session.add(_response(counter, attribution_source="roster"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_times_come_back_aware_utc(build):
    counter = build.counter()
    db.session.add(_response(counter))
    db.session.commit()
    db.session.expire_all()
    row = db.session.query(SurveyResponse).one()
    assert row.submitted_at == datetime(2026, 10, 14, 3, 0, tzinfo=UTC)
    assert row.submitted_at.tzinfo is not None
    with pytest.raises(Exception, match="naive"):
        row.submitted_at = datetime(2026, 1, 1)
        db.session.flush()
    db.session.rollback()


def test_nip_is_validated_and_unique(build):
    with pytest.raises(InvalidNIP, match="sex digit"):
        Employee(name="X", employment_type="PNS", nip="198503152010013002")
    build.employee(nip="198503152010011002")
    db.session.add(Employee(name="Y", employment_type="PNS", nip="198503152010011002"))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_asn_must_have_a_nip_non_asn_may_not(build):
    assert build.employee(employment_type="non-ASN", nip=None).nip is None
    db.session.add(Employee(name="Z", employment_type="PNS", nip=None))
    with pytest.raises(IntegrityError):
        db.session.flush()
    db.session.rollback()


def test_user_roles_are_a_set_of_known_roles(build):
    user = build.user(roles={"admin", "hr"})
    assert user.roles == {"admin", "hr"} and user.has_role("hr") and not user.has_role("staff")
    with pytest.raises(ValueError, match="unknown role"):
        User(login="x").roles = {"boss"}
