"""Bearer tokens for machine clients, stored as SHA-256 only, shown once, revocable, each with scopes over units.

Two kinds of client (``API_SCOPES``): a queue machine (``ticket_events:write``) sends the events of the one unit
whose counters it serves; an HR system (``indicators:read``) reads the indicators of a set of units (and the
units below them). A token may hold both when its units are just its own unit.

A token is ``sw_`` followed by 43 URL-safe random characters (256 bits). Only its SHA-256 and its first characters
(to recognise it in lists) are stored, so a database leak does not leak usable tokens; a lost token is revoked and
a new one created.
"""

from __future__ import annotations

import hashlib
import secrets
from collections.abc import Iterable
from datetime import timedelta

from sqlalchemy import or_, select, update
from sqlalchemy.orm import joinedload, selectinload
from sqlalchemy.orm.attributes import set_committed_value

from feedback_app.access import unit_ids_below

from ..clock import now
from ..extensions import db
from ..i18n import translate as _
from ..models import API_SCOPES, ApiToken, Unit
from .audit import record_audit
from .errors import DomainError

WRITE_TICKET_EVENTS = "ticket_events:write"
READ_INDICATORS = "indicators:read"
TOKEN_PREFIX = "sw_"  # noqa: S105  (the public prefix of every token, not a secret)
SHOWN_PREFIX_CHARS = 10  # "sw_" and 7 random characters: enough to tell tokens apart, useless to an attacker
NAME_MAX = 80
# Recording every use would be a write per request; once a minute is enough to see which machines are alive.
LAST_USED_RESOLUTION = timedelta(minutes=1)


class ApiTokenError(DomainError):
    """A token cannot be created or changed as asked."""


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_api_token(
    unit: Unit,
    name: str,
    scopes: Iterable[str] = (WRITE_TICKET_EVENTS,),
    units: Iterable[Unit] | None = None,
) -> tuple[ApiToken, str]:
    """A new token owned by ``unit``: the stored row and the token itself, which is never available again.

    ``units`` (default: ``unit`` alone) are the units its scopes reach; ``ticket_events:write`` needs exactly the
    owning unit, because a queue machine's events are stored for the unit whose counters it serves.
    """
    name = (name or "").strip()
    if not name:
        raise ApiTokenError(_("Beri nama token, mis. nama mesin antrean."))
    if len(name) > NAME_MAX:
        raise ApiTokenError(_("Nama token paling panjang %(max)d karakter.", max=NAME_MAX))
    chosen = sorted(set(scopes))
    if not chosen:
        raise ApiTokenError(_("Pilih sedikitnya satu hak akses token."))
    unknown = [scope for scope in chosen if scope not in API_SCOPES]
    if unknown:
        raise ApiTokenError(_("Hak akses %(scope)s tidak dikenal.", scope=", ".join(unknown)[:100]))
    reach = {u.id: u for u in (units if units is not None else [unit])}
    if not reach:
        raise ApiTokenError(_("Pilih sedikitnya satu unit yang boleh dibaca token ini."))
    if WRITE_TICKET_EVENTS in chosen and set(reach) != {unit.id}:
        raise ApiTokenError(
            _("Token mesin antrean (ticket_events:write) hanya untuk unitnya sendiri; buat token terpisah.")
        )
    token = TOKEN_PREFIX + secrets.token_urlsafe(32)
    row = ApiToken(
        unit_id=unit.id,
        name=name,
        prefix=token[:SHOWN_PREFIX_CHARS],
        token_hash=_digest(token),
        created_at=now(),
        scopes=" ".join(chosen),
        units=sorted(reach.values(), key=lambda u: u.id),
    )
    db.session.add(row)
    db.session.flush()
    record_audit(
        "api_token.create",
        entity="api_token",
        entity_id=row.id,
        unit_id=unit.id,
        after={"name": name, "prefix": row.prefix, "scopes": row.scopes, "units": sorted(reach)},
    )
    return row, token


def token_unit_ids(row: ApiToken) -> set[int]:
    """The units a token reaches: its units and every unit below them in the instansi tree."""
    return unit_ids_below(unit.id for unit in row.units)


def verify_api_token(token: str | None) -> ApiToken | None:
    """The live token row for a presented bearer token, else None; notes the use at most once a minute."""
    if not token or not token.startswith(TOKEN_PREFIX) or len(token) > 200:
        return None
    row = db.session.scalar(
        select(ApiToken)
        .options(joinedload(ApiToken.unit), selectinload(ApiToken.units))
        .where(ApiToken.token_hash == _digest(token), ApiToken.revoked_at.is_(None))
    )
    if row is None:
        return None
    moment = now()
    if row.last_used_at is None or moment - row.last_used_at >= LAST_USED_RESOLUTION:
        # Conditional, so that two requests at once write once and neither moves the time backwards.
        db.session.execute(
            update(ApiToken)
            .where(
                ApiToken.id == row.id,
                or_(ApiToken.last_used_at.is_(None), ApiToken.last_used_at <= moment - LAST_USED_RESOLUTION),
            )
            .values(last_used_at=moment)
            .execution_options(synchronize_session=False)
        )
        set_committed_value(row, "last_used_at", moment)  # already written; not a second UPDATE at flush
    return row


def revoke_api_token(row: ApiToken) -> bool:
    """Stop a token working; False when it was already revoked (the first revocation time is kept)."""
    if row.revoked_at is not None:
        return False
    row.revoked_at = now()
    db.session.flush()
    record_audit(
        "api_token.revoke",
        entity="api_token",
        entity_id=row.id,
        unit_id=row.unit_id,
        before={"revoked_at": None},
        after={"revoked_at": row.revoked_at},
    )
    return True


def unit_api_tokens(unit_id: int | None = None) -> list[ApiToken]:
    """Tokens newest first, of one unit or of all units."""
    query = (
        select(ApiToken)
        .options(joinedload(ApiToken.unit), selectinload(ApiToken.units))
        .order_by(ApiToken.created_at.desc(), ApiToken.id.desc())
    )
    if unit_id is not None:
        query = query.where(ApiToken.unit_id == unit_id)
    return list(db.session.scalars(query))
