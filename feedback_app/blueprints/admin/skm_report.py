"""The official SKM report of a unit and period (spec §1.5): the printable page, its XLSX, the unit's text, signing.

Read by the unit head, the unit's admins and HR, each within their unit scope; the head and admins write the
follow-up plan; only the unit head signs.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from flask import abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Length

from feedback_app.access import get_unit_or_404, roles_required
from scoring import UNSUR_NAMES, Period, ScoringError, parse_period, period_containing

from ...clock import now
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import Unit
from ...services.skm_report import (
    FOLLOW_UP_MAX_CHARS,
    NOTE_MAX_CHARS,
    SkmReportData,
    SkmReportError,
    conclusion_text,
    report_workbook,
    save_report_text,
    share,
    sign_report,
    skm_report,
    workbook_texts,
)
from ...survey_text import PROFILE_LABELS
from . import bp

READERS = ("head", "admin", "hr")
WRITERS = ("head", "admin")
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class ReportTextForm(FlaskForm):
    follow_up_plan = TextAreaField(
        _l("Rencana tindak lanjut"),
        validators=[Length(max=FOLLOW_UP_MAX_CHARS, message=_l("Paling panjang %(max)d karakter."))],
    )
    conclusion_note = TextAreaField(
        _l("Catatan untuk kesimpulan (boleh dikosongkan)"),
        validators=[Length(max=NOTE_MAX_CHARS, message=_l("Paling panjang %(max)d karakter."))],
    )


class SignForm(FlaskForm):
    pass


def _period(unit: Unit, period_id: str) -> Period:
    try:
        return parse_period(period_id)
    except ScoringError:
        abort(404)


MESSAGES = {
    "too_long": lambda: _("Teks terlalu panjang."),
    "unchanged": lambda: _("Tidak ada yang berubah."),
    "not_head": lambda: _("Hanya kepala unit ini yang dapat menandatangani laporan."),
    "no_employee": lambda: _(
        "Akun Anda belum terhubung ke data pegawai (nama dan NIP), jadi belum dapat menandatangani."
    ),
    "no_figures": lambda: _("Laporan belum punya hasil perhitungan untuk periode ini."),
    "no_plan": lambda: _("Tulis rencana tindak lanjut sebelum menandatangani."),
    "already_signed": lambda: _("Laporan ini sudah ditandatangani."),
}


def _message(error: SkmReportError) -> str:
    known = MESSAGES.get(error.code)
    return known() if known is not None else str(error)


def report_context(data: SkmReportData) -> dict[str, Any]:
    """What the report template needs besides the forms: the data and its labels in the reader's language.

    Shared with ``flask --app wsgi report skm``, which writes the same page to a file.
    """
    period = data.period
    return {
        "unit": data.unit,
        "period": period,
        "data": data,
        "conclusion": conclusion_text(data),
        "share": share,
        "last_day": period.end - timedelta(days=1),
        "names": UNSUR_NAMES,
        "profile_titles": {
            **{name: label for name, (label, _o) in PROFILE_LABELS.items()},
            "service_type": _("Jenis layanan"),
        },
        "profile_values": {name: options for name, (_label, options) in PROFILE_LABELS.items()},
        "weight_labels": {
            "exact": _("1/9 persis untuk setiap unsur"),
            "0.111": _("0,111 untuk setiap unsur (bobot tercetak pada peraturan)"),
            "custom": _("bobot khusus unit"),
        },
        "rounding_labels": {
            "exact": _("exact – NRR tidak dibulatkan sebelum pembobotan"),
            "nrr2": _("nrr2 – setiap NRR dibulatkan ke 2 desimal sebelum pembobotan"),
            "nrr3": _("nrr3 – setiap NRR dibulatkan ke 3 desimal sebelum pembobotan"),
        },
        "choices": [],
        "can_write": False,
        "can_sign": False,
        "standalone": True,
    }


def _page(unit: Unit, period: Period, form: ReportTextForm | None = None, status: int = 200) -> Response:
    data = skm_report(unit, period)
    note = data.note
    form = form or ReportTextForm(
        formdata=None,
        follow_up_plan=note.follow_up_plan if note else (data.run.follow_up_plan if data.run else None),
        conclusion_note=note.conclusion_note if note else None,
    )
    today = now().astimezone(unit.zone).date()
    choices = []
    current = period_containing(period.kind, today)
    for _step in range(6):
        choices.append(current)
        current = current.previous()
    context = report_context(data) | {
        "form": form,
        "sign_form": SignForm(formdata=None),
        "can_write": current_user.has_role(*WRITERS),
        "can_sign": current_user.has_role("head") and current_user.unit_id == unit.id,
        "choices": choices,
        "standalone": False,
    }
    return make_response(render_template("admin/skm_report.html", **context), status)


@bp.get("/unit/<slug>/laporan-skm")
@roles_required(*READERS)
def choose_skm_report(slug: str) -> Response:
    """The report of the period asked for (``?periode=2026-Q3``), else of the last full quarter."""
    unit = get_unit_or_404(slug)
    wanted = request.args.get("periode", "").strip()
    try:
        period = (
            parse_period(wanted)
            if wanted
            else period_containing("quarter", now().astimezone(unit.zone).date()).previous()
        )
    except ScoringError:
        flash(_("Periode tidak dikenal; tulis misalnya 2026-Q3, 2026-S2, 2026-07 atau 2026."), "error")
        period = period_containing("quarter", now().astimezone(unit.zone).date()).previous()
    return redirect(url_for("admin.show_skm_report", slug=unit.slug, period_id=period.id))


@bp.get("/unit/<slug>/laporan-skm/<period_id>")
@roles_required(*READERS)
def show_skm_report(slug: str, period_id: str) -> Response:
    unit = get_unit_or_404(slug)
    return _page(unit, _period(unit, period_id))


@bp.get("/unit/<slug>/laporan-skm/<period_id>/laporan.xlsx")
@roles_required(*READERS)
def skm_report_xlsx(slug: str, period_id: str) -> Response:
    unit = get_unit_or_404(slug)
    period = _period(unit, period_id)
    data = skm_report(unit, period)
    response = make_response(report_workbook(data, workbook_texts(data)))
    response.headers["Content-Type"] = XLSX
    response.headers["Content-Disposition"] = f'attachment; filename="laporan-skm-{unit.slug}-{period.id}.xlsx"'
    return response


@bp.post("/unit/<slug>/laporan-skm/<period_id>")
@roles_required(*WRITERS)
def save_skm_report(slug: str, period_id: str) -> Response:
    unit = get_unit_or_404(slug)
    period = _period(unit, period_id)
    form = ReportTextForm()
    if not form.validate():
        return _page(unit, period, form, 422)
    try:
        save_report_text(
            unit,
            period,
            follow_up_plan=form.follow_up_plan.data,
            conclusion_note=form.conclusion_note.data,
            by=current_user.login,
        )
    except SkmReportError as error:
        db.session.rollback()
        if error.code == "unchanged":
            flash(MESSAGES["unchanged"](), "info")
            return redirect(url_for("admin.show_skm_report", slug=unit.slug, period_id=period.id))
        form.follow_up_plan.errors = [_message(error)]
        return _page(unit, period, form, 422)
    db.session.commit()
    flash(_("Tersimpan."), "info")
    return redirect(url_for("admin.show_skm_report", slug=unit.slug, period_id=period.id, _anchor="tindak-lanjut"), 303)


@bp.post("/unit/<slug>/laporan-skm/<period_id>/tanda-tangan")
@roles_required("head")
def sign_skm_report(slug: str, period_id: str) -> Response:
    unit = get_unit_or_404(slug)
    period = _period(unit, period_id)
    if not SignForm().validate():
        abort(400)
    try:
        sign_report(unit, period, current_user)
    except SkmReportError as error:
        db.session.rollback()
        flash(_message(error), "error")
        return _page(unit, period, status=422)
    db.session.commit()
    flash(_("Laporan ditandatangani."), "info")
    return redirect(url_for("admin.show_skm_report", slug=unit.slug, period_id=period.id), 303)
