"""Identity without identification: the browser cookie, daily-keyed fingerprints and hashed client addresses.

No raw IP address is ever stored (not in the database, not in the rate-limit store): everything that must
recognise "the same browser" or "the same network" uses an HMAC under a random key that changes every day and is
destroyed two days later.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer
from sqlalchemy import delete, select
from sqlalchemy.dialects.postgresql import insert as postgresql_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert

from .clock import now
from .extensions import db
from .models import DailySecret

BROWSER_COOKIE = "sw_browser"
BROWSER_COOKIE_MAX_AGE = 365 * 24 * 3600
_ENVIRON_KEY = "suara_warga.browser_id"  # cached per request


def _browser_serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="browser-id")


def browser_id() -> str | None:
    """The random id this browser was given on its first visit, if its signed cookie is intact."""
    if _ENVIRON_KEY not in request.environ:
        raw = request.cookies.get(BROWSER_COOKIE)
        try:
            value = _browser_serializer().loads(raw) if raw else None
        except BadSignature:
            value = None
        request.environ[_ENVIRON_KEY] = value if isinstance(value, str) else None
    return request.environ[_ENVIRON_KEY]


def ensure_browser_cookie(response: Response) -> Response:
    """Give a browser its id cookie (signed, HttpOnly) the first time it opens a survey."""
    if browser_id() is None:
        new_id = secrets.token_hex(16)
        request.environ[_ENVIRON_KEY] = new_id
        response.set_cookie(
            BROWSER_COOKIE,
            _browser_serializer().dumps(new_id),
            max_age=BROWSER_COOKIE_MAX_AGE,
            httponly=True,
            samesite="Lax",
            secure=current_app.config.get("SESSION_COOKIE_SECURE", False),
        )
    return response


def daily_key(day: date, *, create: bool = True) -> bytes | None:
    """The random fingerprint key of one UTC day, shared by every worker through the database.

    Created on first use in its own committed transaction (so all workers agree even if the request fails) and
    deleted two days later: once gone, nobody (not even with SECRET_KEY) can link or reverse old fingerprints.
    """
    cache: dict[date, bytes] = current_app.extensions.setdefault("daily_secrets", {})
    if day in cache and (cache[day] or not create):
        return cache[day] or None  # b"" remembers a past day without a key
    table = DailySecret.__table__
    with db.engine.begin() as connection:
        secret = connection.scalar(select(table.c.secret).where(table.c.day == day))
        if secret is None:
            if not create:
                cache[day] = b""
                return None
            insert = postgresql_insert if connection.dialect.name == "postgresql" else sqlite_insert
            connection.execute(insert(table).values(day=day, secret=secrets.token_hex(32)).on_conflict_do_nothing())
            connection.execute(delete(table).where(table.c.day < day - timedelta(days=1)))
            secret = connection.scalar(select(table.c.secret).where(table.c.day == day))
    assert secret is not None  # inserted just above (or by another worker at the same moment)
    cache[day] = bytes.fromhex(secret)
    for old in [known for known in cache if known < day - timedelta(days=1)]:
        del cache[old]
    return cache[day]


def fingerprint(identity: str, day: date | None = None) -> str:
    """A 32-hex-character HMAC of ``identity`` under the day's key."""
    key = daily_key(day or now().date())
    assert key is not None
    return hmac.new(key, identity.encode(), hashlib.sha256).hexdigest()[:32]


def recent_fingerprints(identity: str) -> tuple[str, ...]:
    """Today's fingerprint, and yesterday's when there was one, so a duplicate window over midnight still matches."""
    today = now().date()
    yesterday = daily_key(today - timedelta(days=1), create=False)
    current = fingerprint(identity, today)
    if yesterday is None:
        return (current,)
    return current, hmac.new(yesterday, identity.encode(), hashlib.sha256).hexdigest()[:32]


def client_identity() -> str:
    """What identifies the submitting browser: its cookie id, else (cookies blocked) its address and agent."""
    bid = browser_id()
    if bid:
        return f"browser:{bid}"
    return f"address:{request.remote_addr}:{request.user_agent.string}"


def hashed_client_ip() -> str:
    """Rate-limit key for a network (office Wi-Fi, carrier NAT), without keeping the address."""
    return "ip:" + fingerprint(f"ip:{request.remote_addr}")[:20]


def browser_limit_key() -> str:
    """Rate-limit key for one browser."""
    return "browser:" + fingerprint(client_identity())[:20]
