"""Fingerprints use a random key per UTC day, shared by workers, and destroyed two days later (no raw IPs kept)."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime, timedelta

from sqlalchemy import select

from feedback_app import create_app
from feedback_app.extensions import db
from feedback_app.models import DailySecret
from feedback_app.security import daily_key, fingerprint, recent_fingerprints


def test_the_daily_key_is_random_stored_shared_and_destroyed_after_two_days(app, clock):
    clock.set(datetime(2026, 10, 14, 12, 0, tzinfo=UTC))
    with app.test_request_context():
        first = fingerprint("browser:abc")
    stored = db.session.scalar(select(DailySecret).where(DailySecret.day == clock.now().date()))
    assert stored is not None and len(bytes.fromhex(stored.secret)) == 32
    assert first == hmac.new(bytes.fromhex(stored.secret), b"browser:abc", hashlib.sha256).hexdigest()[:32]
    # Not derivable from SECRET_KEY: the same secret in another app (another worker) only via the database.
    other_worker = create_app({**app.config})
    with other_worker.app_context():
        assert fingerprint("browser:abc") == first
        db.engine.dispose()

    clock.advance(timedelta(days=1))
    with app.test_request_context():
        today, yesterday = recent_fingerprints("browser:abc")
    assert yesterday == first and today != first
    clock.advance(timedelta(days=2))
    with app.test_request_context():
        assert recent_fingerprints("browser:abc") == (fingerprint("browser:abc"),)  # nothing left of two days ago
    days = set(db.session.scalars(select(DailySecret.day)))
    assert days == {clock.now().date()}
    assert daily_key(datetime(2026, 10, 14).date(), create=False) is None  # and no worker remembers it
