"""``GET /api/v1/indicators``: per-employee indicators of final runs for HR systems (scope ``indicators:read``)."""

from __future__ import annotations

import base64
import binascii
from typing import Any

from flask import current_app, g, url_for
from flask_babel import gettext as _
from sqlalchemy import select

from feedback_app.access import public
from scoring import ScoringError, parse_period

from ...extensions import db
from ...models import Unit
from ...services.api_tokens import READ_INDICATORS, token_unit_ids
from ...services.exports.indicators import final_runs, indicator_page, record_data
from . import bp, error_response, require_scope
from .schemas import IndicatorPageSchema, IndicatorQuerySchema


def encode_cursor(key: tuple[int, int]) -> str:
    return base64.urlsafe_b64encode(f"{key[0]}:{key[1]}".encode()).decode().rstrip("=")


def decode_cursor(cursor: str) -> tuple[int, int] | None:
    try:
        text = base64.urlsafe_b64decode(cursor + "=" * (-len(cursor) % 4)).decode("ascii")
    except (binascii.Error, UnicodeDecodeError, ValueError):
        return None
    unit_id, _sep, employee_id = text.partition(":")
    if not (unit_id.isdigit() and employee_id.isdigit()) or len(text) > 40:
        return None
    return int(unit_id), int(employee_id)


def _link(indicator_id: int) -> str:
    return current_app.config["PUBLIC_BASE_URL"] + url_for("hr.show_indicator", indicator_id=indicator_id)


@bp.route("/indicators", tags=["indicators"])
@public
@require_scope(READ_INDICATORS)
@bp.doc(operationId="listIndicators")
@bp.arguments(IndicatorQuerySchema, location="query", as_kwargs=True)
@bp.response(200, IndicatorPageSchema)
@bp.alt_response(401, response="UNAUTHORIZED")
@bp.alt_response(403, response="FORBIDDEN")
@bp.alt_response(422, response="UNPROCESSABLE_ENTITY")
def list_indicators(period: str, limit: int = 100, unit: str | None = None, cursor: str | None = None) -> Any:
    """List employee indicators

    One item per scored employee of the units your token may read (its units and the units below them), from
    each unit's latest **final** run of the period (neither provisional nor superseded) and the employee's
    **confirmed** appraisal. Ordered by unit and employee; follow `next_cursor` until it is null. A figure below
    the publication threshold has `status: "insufficient_data"` and no value. Needs a token with the scope
    `indicators:read` (a queue machine's `ticket_events:write` token gets `403`).
    """
    try:
        chosen = parse_period(period)
    except ScoringError:
        return error_response(422, _("Periode %(code)s tidak dikenali.", code=period[:10]), field="period")
    reach = token_unit_ids(g.api_token)
    unit_ids = sorted(reach)
    if unit is not None:
        found = db.session.scalar(select(Unit.id).where(Unit.slug == unit))
        if found is None:
            return error_response(422, _("Unit %(slug)s tidak dikenal.", slug=unit[:60]), field="unit")
        if found not in reach:
            return error_response(403, _("Token ini tidak berhak atas unit %(slug)s.", slug=unit[:60]), field="unit")
        unit_ids = [found]
    after = None
    if cursor is not None:
        after = decode_cursor(cursor)
        if after is None:
            return error_response(
                422, _("Kursor tidak sah: pakai next_cursor dari halaman sebelumnya."), field="cursor"
            )
    runs = final_runs(unit_ids, chosen.id)
    page = indicator_page(runs, after, limit + 1)
    more = len(page) > limit
    page = page[:limit]
    body = {
        "items": [record_data(record, _link) for record in page],
        "next_cursor": encode_cursor(page[-1].key) if more and page else None,
    }
    db.session.commit()  # the token's last use
    return body
