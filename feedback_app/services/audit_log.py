"""Reading the audit trail: filter by who, what, when and unit, newest first, a page at a time, or all for export.

Writing it is :mod:`feedback_app.services.audit`; this module only reads, through the trail's indexes.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

from sqlalchemy import Select, select

from ..extensions import db
from ..models import AuditEvent

PAGE_SIZE = 100
EXPORT_BATCH = 1000
EXPORT_HEADER: tuple[str, ...] = ("id", "at_utc", "actor_kind", "actor_login", "unit_id", "action", "entity")
EXPORT_HEADER += ("entity_id", "before", "after", "reason", "request_id")


@dataclass(frozen=True)
class AuditFilter:
    actor: str = ""  # a login (exact), or "" for anyone
    action: str = ""  # a dotted verb or its prefix: "appraisal" or "appraisal.override"
    since: date | None = None  # UTC days, inclusive
    until: date | None = None
    unit_ids: frozenset[int] | None = None  # the viewer's scope; None = every unit
    unit_id: int | None = None  # one unit chosen in the filter


def _query(chosen: AuditFilter) -> Select[AuditEvent]:
    query = select(AuditEvent)
    if chosen.unit_ids is not None:
        query = query.where(AuditEvent.unit_id.in_(sorted(chosen.unit_ids)))
    if chosen.unit_id is not None:
        query = query.where(AuditEvent.unit_id == chosen.unit_id)
    if chosen.actor:
        query = query.where(AuditEvent.actor_login == chosen.actor)
    if chosen.action:
        action = chosen.action.rstrip(".")
        query = query.where((AuditEvent.action == action) | AuditEvent.action.startswith(action + ".", autoescape=True))
    if chosen.since:
        query = query.where(AuditEvent.at >= datetime.combine(chosen.since, time(0), UTC))
    if chosen.until:
        query = query.where(AuditEvent.at < datetime.combine(chosen.until + timedelta(days=1), time(0), UTC))
    return query


def audit_page(chosen: AuditFilter, before_id: int | None = None) -> tuple[list[AuditEvent], int | None]:
    """One page of events, newest first, and the id to continue from (None on the last page)."""
    query = _query(chosen).order_by(AuditEvent.id.desc()).limit(PAGE_SIZE + 1)
    if before_id is not None:
        query = query.where(AuditEvent.id < before_id)
    rows = list(db.session.scalars(query))
    more = len(rows) > PAGE_SIZE
    rows = rows[:PAGE_SIZE]
    return rows, (rows[-1].id if more and rows else None)


def audit_export_rows(chosen: AuditFilter) -> Iterator[tuple[object, ...]]:
    """Every matching event, oldest first, read in batches by id so memory stays flat however long the trail."""
    after_id = 0
    while True:
        batch = list(
            db.session.scalars(
                _query(chosen).where(AuditEvent.id > after_id).order_by(AuditEvent.id).limit(EXPORT_BATCH)
            )
        )
        if not batch:
            return
        for event in batch:
            yield (
                event.id,
                event.at.isoformat(),
                event.actor_kind,
                event.actor_login or "",
                event.unit_id if event.unit_id is not None else "",
                event.action,
                event.entity,
                event.entity_id or "",
                json.dumps(event.before, ensure_ascii=False, sort_keys=True) if event.before is not None else "",
                json.dumps(event.after, ensure_ascii=False, sort_keys=True) if event.after is not None else "",
                event.reason or "",
                event.request_id or "",
            )
        after_id = batch[-1].id
        db.session.expunge_all()
