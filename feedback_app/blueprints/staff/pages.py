"""Kinerja saya: the staff member's own figures of a period, read from the stored run, with how each was computed."""

from __future__ import annotations

from datetime import timedelta
from decimal import Decimal
from fractions import Fraction

from flask import abort, g, render_template, request
from flask_babel import gettext as _
from flask_login import current_user

from scoring import InvalidPeriod, Period, grade, parse_period
from scoring._exact import round_half_up

from ...access import any_role
from ...clock import now
from ...i18n import lazy_gettext as _l
from ...services import peer_feedback, performance
from ...services.appeals import APPEALABLE_CODES, comment_token
from ...services.charts import Series, bar_chart, line_chart
from . import bp
from .appeals import AppealForm

#: What each indicator code is called on the page.
LABELS = {
    "ikp": _l("Indeks kepuasan pelaksana (IKP)"),
    "ikm": _l("IKM dari layanan Anda"),
    "wait_median_minutes": _l("Waktu tunggu, median (menit)"),
    "wait_p90_minutes": _l("Waktu tunggu, persentil 90 (menit)"),
    "service_median_minutes": _l("Waktu layanan, median (menit)"),
    "service_p90_minutes": _l("Waktu layanan, persentil 90 (menit)"),
    "on_time_rate": _l("Selesai dalam standar waktu loket (%)"),
    "tickets_per_working_day": _l("Tiket selesai per hari kerja"),
    "no_show_rate": _l("Tidak hadir saat dipanggil (%)"),
    "error_rate": _l("Dikembalikan untuk perbaikan (%)"),
}
UNSUR_NAMES = {
    "U3": _l("U3 Waktu penyelesaian"),
    "U6": _l("U6 Kompetensi pelaksana"),
    "U7": _l("U7 Perilaku pelaksana"),
}


def period_label(period: Period) -> str:
    """The period's name in the page's language."""
    return period.label_en if g.get("language") == "en" else period.label


def two_places(value: Decimal | None) -> str:
    """A stored figure (Numeric(14, 4)) as the run rounded it: 2 decimals."""
    return "–" if value is None else str(Decimal(value).quantize(Decimal("0.01")))


bp.add_app_template_filter(period_label, "period_label")
bp.add_app_template_filter(two_places, "two")


@bp.get("/")
@any_role
def show_performance() -> str:
    """The employee's page; a user without an employee record sees why there is nothing to show."""
    employee = current_user.employee
    if employee is None:
        return render_template("staff/performance.html", page=None, choices=[], chosen=None)
    unit = performance.unit_of(employee, now().date()) or current_user.unit
    if unit is None:
        return render_template("staff/performance.html", page=None, choices=[], chosen=None)
    choices = performance.period_choices(unit)
    wanted = request.args.get("periode", "")
    if wanted:
        try:
            period = parse_period(wanted)
        except InvalidPeriod:
            abort(400)
        if period.kind == "day":
            abort(400)
    else:
        latest = performance.latest_run_period(unit, [p.id for p in choices])
        period = parse_period(latest) if latest else choices[0]
    # The unit of the assignment valid at the period's end (a transfer since does not move old figures).
    last_day = min(period.end - timedelta(days=1), now().astimezone(unit.zone).date())
    unit = performance.unit_of(employee, last_day) or unit
    page = performance.staff_performance(employee, unit, period)
    return render_template(
        "staff/performance.html",
        page=page,
        choices=choices,
        chosen=period,
        labels=LABELS,
        unsur_names=UNSUR_NAMES,
        charts=_charts(page),
        ikm_grade=_grade(page),
        comment_token=comment_token,
        service_codes=performance.SERVICE_CODES,
        changed_since_run=_changed_since_run(page),
        appeal_form=AppealForm(formdata=None),
        appealable=APPEALABLE_CODES,
        peer_waiting=[r for r in peer_feedback.requests_of(employee) if not r.submitted],
    )


def _grade(page: performance.Performance):
    row = page.mine.get("ikm")
    if row is None or row.status != "ok" or row.value is None:
        return None
    return grade(row.value)


def _changed_since_run(page: performance.Performance) -> bool:
    """Whether an appeal of this employee was decided after the run was computed (spec §7)."""
    from sqlalchemy import select

    from ...extensions import db
    from ...models import Appeal

    if page.run is None:
        return False
    return (
        db.session.scalar(
            select(Appeal.id)
            .where(
                Appeal.employee_id == page.employee.id,
                Appeal.state == "accepted",
                Appeal.kind.in_(("shift", "comment")),
                Appeal.decided_at > page.run.created_at,
            )
            .limit(1)
        )
        is not None
    )


def _charts(page: performance.Performance) -> dict[str, object]:
    trend = line_chart(
        _("IKP enam periode terakhir"),
        [p.period.id for p in page.trend],
        [Series(_("Saya"), [p.mine for p in page.trend]), Series(_("Rata-rata unit"), [p.unit for p in page.trend])],
        chart_id="tren-ikp",
        y_min=25,
        y_max=100,
        label_header=_("Periode"),
        missing=_("tidak tersedia"),
    )
    unsur = bar_chart(
        _("Nilai rata-rata unsur (NRR, 1–4) dibanding unit"),
        [u.code for u in page.unsur],
        [
            Series(_("Saya"), [_two(u.mine) for u in page.unsur]),
            Series(_("Rata-rata unit"), [_two(u.unit) for u in page.unsur]),
        ],
        chart_id="unsur",
        label_header=_("Unsur"),
        missing=_("tidak tersedia"),
    )
    return {"trend": trend, "unsur": unsur}


def _two(value: Fraction | None) -> Decimal | None:
    return None if value is None else round_half_up(value)
