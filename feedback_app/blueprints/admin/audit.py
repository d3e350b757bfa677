"""The audit trail for admins: who did what, when, in which unit; filtered, paged, and exported as CSV."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from datetime import date

from flask import Response, render_template, request, stream_with_context
from flask_babel import gettext as _
from flask_login import current_user

from ...access import roles_required, scope_unit_ids, units_in_scope
from ...services.audit_log import EXPORT_HEADER, AuditFilter, audit_export_rows, audit_page
from . import bp

FILTER_KEYS = ("siapa", "aksi", "unit", "dari", "sampai")


def _filter() -> tuple[AuditFilter, list[str]]:
    """The filter from the query string, and a message per field that could not be read."""
    problems = []
    args = request.args

    def day(name: str) -> date | None:
        text = (args.get(name) or "").strip()
        if not text:
            return None
        try:
            return date.fromisoformat(text)
        except ValueError:
            problems.append(_("Tanggal %(value)s tidak dikenali: tulis YYYY-MM-DD.", value=text[:20]))
            return None

    scope = scope_unit_ids(current_user)
    unit_id = None
    unit_text = (args.get("unit") or "").strip()
    if unit_text:
        if unit_text.isdigit() and (scope is None or int(unit_text) in scope):
            unit_id = int(unit_text)
        else:
            problems.append(_("Unit ini tidak ada dalam cakupan akun Anda."))
    chosen = AuditFilter(
        actor=(args.get("siapa") or "").strip()[:80],
        action=(args.get("aksi") or "").strip()[:60],
        since=day("dari"),
        until=day("sampai"),
        unit_ids=frozenset(scope) if scope is not None else None,
        unit_id=unit_id,
    )
    return chosen, problems


@bp.get("/audit")
@roles_required("admin")
def show_audit_trail() -> str | tuple[str, int]:
    """Newest first, a page at a time; an admin of a unit sees that unit's (and its sub-units') events only."""
    chosen, problems = _filter()
    before = request.args.get("sebelum", "")
    before_id = int(before) if before.isdigit() and len(before) < 12 else None
    events, next_id = ([], None) if problems else audit_page(chosen, before_id)
    page = render_template(
        "admin/audit.html",
        events=events,
        next_id=next_id,
        chosen=chosen,
        problems=problems,
        units=units_in_scope(current_user),
        args=request.args,
        filter_args={key: request.args[key] for key in FILTER_KEYS if request.args.get(key)},
    )
    return (page, 422) if problems else page


@bp.get("/audit.csv")
@roles_required("admin")
def export_audit_trail() -> Response | tuple[str, int]:
    """The same filter as the page, every matching row, streamed (UTF-8 with BOM so Excel reads it)."""
    chosen, problems = _filter()
    if problems:
        return " ".join(problems), 422

    def lines() -> Iterator[str]:
        buffer = io.StringIO()
        writer = csv.writer(buffer)
        yield "\ufeff"
        writer.writerow(EXPORT_HEADER)
        for row in audit_export_rows(chosen):
            writer.writerow(row)
            if buffer.tell() > 64_000:
                yield buffer.getvalue()
                buffer.seek(0)
                buffer.truncate()
        yield buffer.getvalue()

    return Response(
        stream_with_context(lines()),
        mimetype="text/csv",
        headers={"Content-Disposition": 'attachment; filename="audit.csv"'},
    )
