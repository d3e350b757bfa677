"""The audit trail (spec §7): every write by a person, a machine or the system leaves one row, in its transaction.

Call :func:`record_audit` from the service that makes the change, before the caller commits, so that the change and
its record land together or not at all. The actor is read from the context: the logged-in user of a web request,
the API token of a queue machine, the operating-system user of a CLI command, or ``system`` (background jobs;
:func:`acting_as` names them). Citizens' answers and ticket events are not audited: they are append-only themselves.
"""

from __future__ import annotations

import getpass
import secrets
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import click
from flask import g, has_request_context
from flask_login import current_user

from ..extensions import db
from ..identifiers import mask_personal_data
from ..models import AuditEvent


@dataclass(frozen=True)
class Actor:
    kind: str  # user, cli, token, system, citizen
    id: int | None = None
    login: str | None = None


_explicit_actor: ContextVar[Actor | None] = ContextVar("audit_actor", default=None)
_cli_request_id: ContextVar[str | None] = ContextVar("audit_cli_request_id", default=None)


@contextmanager
def acting_as(actor: Actor) -> Iterator[None]:
    """Attribute every audit row written inside the block to ``actor`` (a background job, a system task)."""
    token = _explicit_actor.set(actor)
    try:
        yield
    finally:
        _explicit_actor.reset(token)


def current_actor() -> Actor:
    """Who is acting now: an explicit actor, else the request's token or user, else the CLI's user, else system."""
    explicit = _explicit_actor.get()
    if explicit is not None:
        return explicit
    if has_request_context():
        token = g.get("api_token")
        if token is not None:
            return Actor("token", token.id, token.prefix)
        if current_user.is_authenticated:
            return Actor("user", current_user.id, current_user.login)
        return Actor("citizen")
    if click.get_current_context(silent=True) is not None:
        return Actor("cli", None, _os_user())
    return Actor("system")


def request_id() -> str:
    """One id per HTTP request or CLI invocation, so the rows of one action can be read together."""
    if has_request_context():
        if "request_id" not in g:
            g.request_id = secrets.token_hex(8)
        return str(g.request_id)
    current = _cli_request_id.get()
    if current is None:
        current = secrets.token_hex(8)
        _cli_request_id.set(current)
    return current


def record_audit(
    action: str,
    *,
    entity: str,
    entity_id: object = None,
    unit_id: int | None = None,
    before: Mapping[str, Any] | None = None,
    after: Mapping[str, Any] | None = None,
    reason: str | None = None,
) -> AuditEvent:
    """Add one audit row to the session (the caller commits it with the change it records).

    ``before`` and ``after`` hold the changed fields only; text in them is masked (NIK, phone, e-mail), dates and
    numbers become JSON values.
    """
    if "." not in action:
        raise ValueError(f"an audit action is a dotted verb such as 'counter.rotate_qr', not {action!r}")
    actor = current_actor()
    event = AuditEvent(
        actor_kind=actor.kind,
        actor_id=actor.id,
        actor_login=actor.login,
        unit_id=unit_id,
        action=action,
        entity=entity,
        entity_id=None if entity_id is None else str(entity_id),
        before=_jsonable(before),
        after=_jsonable(after),
        reason=mask_personal_data(reason) if reason else None,
        request_id=request_id(),
    )
    db.session.add(event)
    return event


def changed_fields(old: Mapping[str, Any], new: Mapping[str, Any]) -> tuple[dict[str, Any], dict[str, Any]]:
    """The ``before`` and ``after`` of only the fields whose value differs (a field gone is None after).

    >>> changed_fields({"a": 1, "b": 2, "c": 4}, {"a": 1, "b": 3})
    ({'b': 2, 'c': 4}, {'b': 3, 'c': None})
    """
    keys = [key for key in {**old, **new} if old.get(key) != new.get(key)]
    return {key: old.get(key) for key in keys}, {key: new.get(key) for key in keys}


def _jsonable(fields: Mapping[str, Any] | None) -> dict[str, Any] | None:
    if fields is None:
        return None
    return {key: _value(value) for key, value in fields.items()}


def _value(value: Any) -> Any:
    if isinstance(value, str):
        return mask_personal_data(value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if isinstance(value, list | tuple | set | frozenset):
        items = sorted(value) if isinstance(value, set | frozenset) else value
        return [_value(item) for item in items]
    if isinstance(value, Mapping):
        return {str(key): _value(item) for key, item in value.items()}
    return value


def _os_user() -> str:
    try:
        return getpass.getuser()
    except (KeyError, OSError):
        return "unknown"
