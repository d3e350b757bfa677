"""Identity without identification: the browser cookie, daily-keyed fingerprints and hashed client addresses.

No raw IP address is ever stored (not in the database, not in the rate-limit store): everything that must
recognise "the same browser" or "the same network" uses an HMAC under a key that changes every day.
"""

from __future__ import annotations

import hashlib
import hmac
import secrets
from datetime import date, timedelta

from flask import Response, current_app, request
from itsdangerous import BadSignature, URLSafeSerializer

from .clock import now

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


def daily_key(day: date) -> bytes:
    """The fingerprint key of one UTC day, derived from SECRET_KEY; yesterday's key cannot be had from today's."""
    master = current_app.config["SECRET_KEY"].encode()
    return hmac.new(master, f"fingerprint:{day.isoformat()}".encode(), hashlib.sha256).digest()


def fingerprint(identity: str, day: date | None = None) -> str:
    """A 32-hex-character HMAC of ``identity`` under the day's key."""
    day = day or now().date()
    return hmac.new(daily_key(day), identity.encode(), hashlib.sha256).hexdigest()[:32]


def recent_fingerprints(identity: str) -> tuple[str, str]:
    """Today's and yesterday's fingerprint, so a duplicate window that spans UTC midnight still matches."""
    today = now().date()
    return fingerprint(identity, today), fingerprint(identity, today - timedelta(days=1))


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
