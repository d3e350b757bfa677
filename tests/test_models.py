"""Database invariants hold in the database itself, alike on SQLite and PostgreSQL."""

from __future__ import annotations

import re
from datetime import UTC, datetime

import pytest
from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy.exc import IntegrityError

from feedback_app.extensions import db
from feedback_app.identifiers import InvalidNIP
from feedback_app.models import Employee, SurveyResponse, Ticket, User
from feedback_app.services.partitions import key_metadata


def test_migrations_match_the_models(app):
    partitioned = db.engine.dialect.name == "postgresql"
    opts = {"compare_type": True}
    if partitioned:
        opts["include_object"] = _not_a_partition_nor_a_key_table
    with db.engine.connect() as connection:
        diff = compare_metadata(MigrationContext.configure(connection, opts=opts), db.metadata)
    if partitioned:
        # PostgreSQL partitioning is migration-only: the models keep the portable schema SQLite has.
        assert sorted(map(_describe, diff)) == sorted(EXPECTED_ON_PARTITIONED_SCHEMA)
    else:
        assert diff == []


#: What PostgreSQL's partitioned schema has instead of the models' unique constraints and foreign keys (migration
#: 0010): each unique constraint without the partition key is a plain index (the key tables keep the guarantee),
#: and each foreign key to a ticket or an answer points at its key table.
EXPECTED_ON_PARTITIONED_SCHEMA = [
    ("add_constraint", "survey_responses", ("submission_key",)),
    ("add_constraint", "survey_responses", ("ticket_id",)),
    ("add_constraint", "tickets", ("unit_id", "external_id")),
    ("remove_index", "survey_responses", ("submission_key",)),
    ("remove_index", "survey_responses", ("ticket_id",)),
    ("remove_index", "tickets", ("unit_id", "external_id")),
    *(
        (kind, table, (column, f"{target}.{target_column}"))
        for table, column, target, key_table, key_column in [
            ("complaints", "survey_response_id", "survey_responses", "survey_response_keys", "response_id"),
            ("console_actions", "ticket_id", "tickets", "ticket_keys", "ticket_id"),
            ("survey_responses", "ticket_id", "tickets", "ticket_keys", "ticket_id"),
            ("ticket_events", "ticket_id", "tickets", "ticket_keys", "ticket_id"),
        ]
        for kind, target, target_column in [("add_fk", target, "id"), ("remove_fk", key_table, key_column)]
    ),
]


def _not_a_partition_nor_a_key_table(obj, name, type_, reflected, compare_to):
    if type_ != "table":
        return True
    return name not in {table.name for table in key_metadata.sorted_tables} and not re.search(
        r"_(y\d{4}m\d{2}|default)$", name or ""
    )


def _describe(item):
    kind, subject = item[0], item[1]
    if kind in ("add_fk", "remove_fk"):
        [element] = subject.elements
        return (kind, subject.parent.name, (element.parent.name, element.target_fullname))
    return (kind, subject.table.name, tuple(column.name for column in subject.columns))


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
