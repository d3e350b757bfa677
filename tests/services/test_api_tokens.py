"""API tokens: random, stored as a hash only, verifiable until revoked, last use noted sparingly."""

from __future__ import annotations

import hashlib
from datetime import timedelta

import pytest
from sqlalchemy import select

from feedback_app.extensions import db
from feedback_app.models import ApiToken
from feedback_app.services.api_tokens import (
    ApiTokenError,
    create_api_token,
    revoke_api_token,
    unit_api_tokens,
    verify_api_token,
)


def test_a_token_is_random_and_only_its_hash_and_prefix_are_stored(build, clock):
    unit = build.unit()
    row, token = create_api_token(unit, "  Mesin antrean lantai 1 ")
    _other, second = create_api_token(unit, "Mesin cadangan")
    db.session.commit()
    assert token.startswith("sw_") and len(token) == 46 and token != second
    assert row.name == "Mesin antrean lantai 1"
    assert row.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert row.prefix == token[:10]
    stored = [value for value in db.session.execute(select(ApiToken.__table__)).all() for value in value]
    assert token not in [str(value) for value in stored]
    assert (row.created_at, row.revoked_at, row.last_used_at) == (clock.now(), None, None)


def test_verify_accepts_the_token_and_nothing_else(build, clock):
    unit = build.unit()
    row, token = create_api_token(unit, "A")
    db.session.commit()
    assert verify_api_token(token).id == row.id
    assert verify_api_token(token).unit.id == unit.id
    for wrong in (None, "", token[:-1], token + "x", token.replace("sw_", "xx_"), "sw_" + "a" * 500):
        assert verify_api_token(wrong) is None


def test_a_revoked_token_stops_working_and_revoking_twice_keeps_the_first_time(build, clock):
    row, token = create_api_token(build.unit(), "A")
    assert revoke_api_token(row) is True
    first = row.revoked_at
    clock.advance(timedelta(hours=1))
    assert revoke_api_token(row) is False and row.revoked_at == first
    db.session.commit()
    assert verify_api_token(token) is None


def test_last_use_is_written_at_most_once_a_minute(build, clock):
    row, token = create_api_token(build.unit(), "A")
    db.session.commit()
    verify_api_token(token)
    db.session.commit()
    assert row.last_used_at == clock.now()
    used = clock.now()
    clock.advance(timedelta(seconds=30))
    verify_api_token(token)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at == used
    clock.advance(timedelta(seconds=31))
    verify_api_token(token)
    db.session.commit()
    db.session.expire_all()
    assert db.session.get(ApiToken, row.id).last_used_at == clock.now()


@pytest.mark.parametrize("name", ["", "   ", "x" * 81])
def test_a_token_needs_a_sensible_name(build, name):
    with pytest.raises(ApiTokenError):
        create_api_token(build.unit(), name)


def test_tokens_are_listed_per_unit_newest_first(build, clock):
    unit, other = build.unit(), build.unit()
    create_api_token(unit, "lama")
    clock.advance(timedelta(minutes=1))
    create_api_token(unit, "baru")
    create_api_token(other, "lain")
    db.session.commit()
    assert [t.name for t in unit_api_tokens(unit.id)] == ["baru", "lama"]
    assert len(unit_api_tokens()) == 3
