"""The bias audit page, shared by HR (/sdm/audit-bias) and the supervisor desk (/atasan/audit-bias) (issue 15).

It reads the stored audit of the unit's current run for the period (never answers): the ikp by employee group,
counter and service type with intervals, and the plain-language flag where a gap is larger than its uncertainty.
"""

from __future__ import annotations

from flask import g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from feedback_app.access import units_in_scope
from scoring import Period, ScoringError, parse_period, period_containing

from ..clock import now
from ..services.score_runs import bias_audit_view, current_run
from ..services.score_runs.bias import FLAG_TEXT


def audit_page(template: str, endpoint: str) -> str | tuple[str, int]:
    """Render ``template`` for the unit (``?unit=slug``) and period (``?periode=2026-Q3``) asked for."""
    units = units_in_scope(current_user)
    unit_slug = (request.args.get("unit") or "").strip()
    period_code = (request.args.get("periode") or "").strip().upper()
    unit = next((u for u in units if u.slug == unit_slug), units[0] if len(units) == 1 and not unit_slug else None)
    problem = None
    if unit_slug and unit is None:
        problem = _("Unit %(slug)s tidak ada dalam cakupan Anda.", slug=unit_slug)
    period: Period | None = None
    if unit is not None and not problem:
        try:
            period = (
                parse_period(period_code)
                if period_code
                else period_containing("quarter", now().astimezone(unit.zone).date()).previous()
            )
        except ScoringError:
            problem = _("Periode %(code)s tidak dikenali: tulis 2026-10, 2026-Q3, 2026-S2 atau 2026.", code=period_code)
    run = current_run(unit, period.id) if unit is not None and period is not None and not problem else None
    view = bias_audit_view(run) if run is not None else None
    page = render_template(
        template,
        endpoint=endpoint,
        units=units,
        unit=unit,
        unit_slug=unit.slug if unit else unit_slug,
        period=period,
        period_code=period.id if period else period_code,
        period_label=(period.label if str(g.get("language", "id")) == "id" else period.label_en) if period else "",
        run=run,
        audit=view,
        flag_text=FLAG_TEXT,
        problem=problem,
    )
    return (page, 422) if problem else page
