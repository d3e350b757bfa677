"""Failed logins slow down and then lock, per account name and per network (issue 12 item 5).

Both keys are HMACs: the account name under ``SECRET_KEY`` (a mistyped password in the login field is never kept),
the network as the daily-keyed fingerprint of :func:`feedback_app.security.hashed_client_ip` (no raw address is
stored). Unknown names are counted exactly like real ones, and the refusal says the same thing whatever the name,
so the answer never reveals whether a login exists. From the :data:`ACCOUNT.slow_after`-th failure each further
attempt must wait twice as long as the one before; at :data:`ACCOUNT.lock_after` the key is locked for
:data:`LOCK_MINUTES`. A network (an office behind one address) gets much higher thresholds. Failures older than
:data:`WINDOW_MINUTES` are forgotten; a successful login clears its account's count (never the network's).
"""

from __future__ import annotations

import hashlib
import hmac
import math
from dataclasses import dataclass
from datetime import timedelta

from flask import current_app
from sqlalchemy import delete, select
from sqlalchemy.exc import IntegrityError

from ..clock import now
from ..extensions import db
from ..models import LoginThrottle

WINDOW_MINUTES = 15
LOCK_MINUTES = 15


@dataclass(frozen=True)
class Rule:
    slow_after: int  # failures before attempts must wait
    lock_after: int  # failures that lock the key for LOCK_MINUTES
    first_wait_seconds: int
    max_wait_seconds: int


ACCOUNT = Rule(slow_after=3, lock_after=10, first_wait_seconds=5, max_wait_seconds=300)
NETWORK = Rule(slow_after=30, lock_after=200, first_wait_seconds=1, max_wait_seconds=60)


def account_key(login: str) -> str:
    digest = hmac.new(current_app.config["SECRET_KEY"].encode(), login.strip().lower().encode(), hashlib.sha256)
    return "acct:" + digest.hexdigest()[:40]


def network_key(hashed_ip: str) -> str:
    """``hashed_ip`` is :func:`feedback_app.security.hashed_client_ip` (already a daily-keyed HMAC)."""
    return "net:" + hashed_ip.removeprefix("ip:")[:40]


def _rule(key: str) -> Rule:
    return ACCOUNT if key.startswith("acct:") else NETWORK


def _wait(row: LoginThrottle | None) -> int:
    """Seconds until ``row``'s key may try again (0: now)."""
    if row is None:
        return 0
    at = now()
    if row.locked_until is not None and row.locked_until > at:
        return math.ceil((row.locked_until - at).total_seconds())
    if at - row.last_failure_at > timedelta(minutes=WINDOW_MINUTES):
        return 0
    rule = _rule(row.key)
    if row.failures < rule.slow_after:
        return 0
    delay = min(rule.first_wait_seconds * 2 ** (row.failures - rule.slow_after), rule.max_wait_seconds)
    remaining = (row.last_failure_at + timedelta(seconds=delay) - at).total_seconds()
    return max(0, math.ceil(remaining))


def login_refusal(login: str, hashed_ip: str) -> int:
    """Seconds the attempt must wait (0 lets it through); the same for every name, existing or not."""
    keys = [account_key(login), network_key(hashed_ip)]
    rows = db.session.scalars(select(LoginThrottle).where(LoginThrottle.key.in_(keys))).all()
    return max([_wait(row) for row in rows], default=0)


def record_failed_login(login: str, hashed_ip: str) -> None:
    """Count one failure for the name and the network; the caller commits."""
    at = now()
    for key in (account_key(login), network_key(hashed_ip)):
        row = db.session.get(LoginThrottle, key)
        if row is None:
            row = LoginThrottle(key=key, failures=0, last_failure_at=at)
            try:
                with db.session.begin_nested():
                    db.session.add(row)
            except IntegrityError:  # another worker counted the first failure at the same moment
                row = db.session.get(LoginThrottle, key, populate_existing=True)
                assert row is not None
        if at - row.last_failure_at > timedelta(minutes=WINDOW_MINUTES) and (
            row.locked_until is None or row.locked_until <= at
        ):
            row.failures = 0
            row.locked_until = None
        row.failures += 1
        row.last_failure_at = at
        if row.failures >= _rule(key).lock_after:
            row.locked_until = at + timedelta(minutes=LOCK_MINUTES)
    db.session.flush()


def record_successful_login(login: str) -> None:
    """Forget the account's failures (the network's stay: one good account must not reset a guessing network)."""
    db.session.execute(delete(LoginThrottle).where(LoginThrottle.key == account_key(login)))
