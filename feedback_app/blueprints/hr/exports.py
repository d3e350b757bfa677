"""Exports for HR and analysts (issue 14 item 2): indicators and raw responses as CSV or XLSX, the explained page of
one stored indicator (the bukti dukung), the printable appraisal summary and the e-Kinerja evidence sheet.

Role checks: HR for the units in their scope, admins for their unit (and the units below it); the summary, the
e-Kinerja sheet and the indicator page also open for the employee's own supervisor. Downloads are reads and write
no audit row (see services/exports).
"""

from __future__ import annotations

import tempfile
from collections.abc import Callable, Iterable
from datetime import timedelta
from typing import Any

from flask import Response, abort, current_app, render_template, request, send_file, stream_with_context, url_for
from flask_babel import gettext as _
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload

from feedback_app.access import roles_required, scope_unit_ids, units_in_scope
from scoring import Period

from ...extensions import db
from ...models import Employee, EmployeeAssignment, ScoreIndicator, Unit
from ...services.appraisals import assignment_on, last_day, may_read, period_or_none, read_evidence
from ...services.exports import ekinerja, indicators, raw_responses
from ...services.tabular import Sheet, TooManyRows, csv_chunks, write_xlsx
from ..supervisor.desk import BERAKHLAK_LABELS, INDICATOR_LABELS, PREDIKAT_LABELS, RATING_LABELS
from . import bp

READERS = ("hr", "admin")
XLSX_MIMETYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
#: An XLSX is built in memory up to this size, then on disk (memory stays flat however long the export).
SPOOL_BYTES = 8 * 1024 * 1024


def _choice() -> tuple[Period | None, list[Unit], list[str]]:
    """The period (``periode``) and units (``unit``, repeatable; none = every unit in scope) asked for."""
    problems = []
    scope = units_in_scope(current_user)
    code = (request.args.get("periode") or "").strip().upper()[:10]
    period = period_or_none(code) if code else None
    if not code:
        problems.append(_("Pilih periode: 2026-10, 2026-Q3, 2026-S2 atau 2026."))
    elif period is None:
        problems.append(_("Periode %(code)s tidak dikenali: tulis 2026-10, 2026-Q3, 2026-S2 atau 2026.", code=code))
    slugs = {slug.strip() for slug in request.args.getlist("unit") if slug.strip()}
    units = [unit for unit in scope if unit.slug in slugs] if slugs else scope
    if slugs and len(units) != len(slugs):
        problems.append(_("Unit ini tidak ada dalam cakupan akun Anda."))
    if not units:
        problems.append(_("Tidak ada unit dalam cakupan akun ini."))
    return period, units, problems


def _refused(problems: Iterable[str], status: int = 422, csv_url: str | None = None) -> tuple[str, int]:
    """The reason a download cannot be made, as a page in the user's language (422, or 404 for no SKP)."""
    return render_template("hr/export_refused.html", problems=list(problems), csv_url=csv_url), status


def _filename(stem: str, period: Period, units: list[Unit], suffix: str) -> str:
    where = units[0].slug if len(units) == 1 else f"{len(units)}-unit"
    return f"{stem}-{period.id}-{where}.{suffix}"


def _csv(sheet: Sheet, filename: str) -> Response:
    return Response(
        stream_with_context(csv_chunks(sheet)),
        mimetype="text/csv",
        headers={"Content-Disposition": f'attachment; filename="{filename}"', "Cache-Control": "no-store"},
    )


def _xlsx(sheets: list[Sheet], filename: str) -> Response:
    spool = tempfile.SpooledTemporaryFile(max_size=SPOOL_BYTES)  # noqa: SIM115  (send_file closes it)
    write_xlsx(sheets, spool)
    spool.seek(0)
    response = send_file(spool, mimetype=XLSX_MIMETYPE, as_attachment=True, download_name=filename)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/ekspor")
@roles_required(*READERS)
def show_exports() -> str | tuple[str, int]:
    """Pick a period and units; download indicators or raw responses; open each employee's summary or sheet."""
    scope = units_in_scope(current_user)
    chosen_code = (request.args.get("periode") or "").strip().upper()[:10]
    period = period_or_none(chosen_code) if chosen_code else None
    problems = []
    if chosen_code and period is None:
        problems.append(
            _("Periode %(code)s tidak dikenali: tulis 2026-10, 2026-Q3, 2026-S2 atau 2026.", code=chosen_code)
        )
    slugs = [slug for slug in request.args.getlist("unit") if slug]
    units = [unit for unit in scope if unit.slug in set(slugs)] if slugs else scope
    employees: list[EmployeeAssignment] = []
    if period is not None and units:
        day = last_day(period)
        employees = list(
            db.session.scalars(
                select(EmployeeAssignment)
                .join(Employee, Employee.id == EmployeeAssignment.employee_id)
                .options(joinedload(EmployeeAssignment.employee), joinedload(EmployeeAssignment.unit))
                .where(
                    EmployeeAssignment.unit_id.in_([unit.id for unit in units]),
                    EmployeeAssignment.valid_from <= day,
                    (EmployeeAssignment.valid_until.is_(None)) | (EmployeeAssignment.valid_until > day),
                )
                .order_by(Employee.name, Employee.id)
                .limit(500)
            )
        )
    query = [("periode", period.id)] if period else []
    query += [("unit", unit.slug) for unit in units] if slugs else []
    page = render_template(
        "hr/exports.html",
        scope=scope,
        units=units,
        chosen_slugs=set(slugs),
        period=period,
        period_code=chosen_code,
        employees=employees,
        query=query,
        problems=problems,
    )
    return (page, 422) if problems else page


@bp.get("/ekspor/indikator.<any(csv, xlsx):file_type>")
@roles_required(*READERS)
def export_indicators(file_type: str) -> Response | tuple[str, int]:
    """Indicators of the latest final runs and the confirmed appraisals (CSV with BOM, or XLSX with two sheets)."""
    period, units, problems = _choice()
    if problems or period is None:
        return _refused(problems)
    runs = indicators.final_runs([unit.id for unit in units], period.id)
    if not runs:
        return _refused([_("Belum ada perhitungan final untuk %(period)s di unit yang dipilih.", period=period.label)])
    sheets = indicators.indicator_sheets(runs)
    name = _filename("indikator", period, units, file_type)
    return _csv(sheets[0], name) if file_type == "csv" else _xlsx(sheets, name)


def _unit_admin_ids() -> frozenset[int]:
    """The units whose admin this user is: comments are shown to them as written (spec §5)."""
    if not current_user.has_role("admin"):
        return frozenset()
    scope = scope_unit_ids(current_user)
    if scope is None:
        return frozenset(db.session.scalars(select(Unit.id)))
    return frozenset(scope)


@bp.get("/ekspor/respons.<any(csv, xlsx):file_type>")
@roles_required(*READERS)
def export_responses(file_type: str) -> Response | tuple[str, int]:
    """Every response of the period: dates without times, no fingerprints, comments masked and withheld."""
    period, units, problems = _choice()
    if problems or period is None:
        return _refused(problems)
    export = raw_responses.RawExport(period, [unit.id for unit in units], _unit_admin_ids())
    name = _filename("respons", period, units, file_type)
    if file_type == "csv":
        return _csv(raw_responses.raw_sheet(export), name)
    rows = raw_responses.count_rows(export)
    if not raw_responses.fits_xlsx(rows):
        return _refused(
            [
                _(
                    "%(n)s respons tidak muat di satu lembar Excel (paling banyak 1.048.575 baris data). "
                    "Unduh sebagai CSV.",
                    n=f"{rows:,}".replace(",", "."),
                )
            ],
            csv_url=url_for("hr.export_responses", file_type="csv", periode=period.id, unit=[u.slug for u in units]),
        )
    try:
        return _xlsx([raw_responses.raw_sheet(export)], name)
    except TooManyRows:  # rows arrived between the count and the write
        return _refused([_("Respons terlalu banyak untuk Excel. Unduh sebagai CSV.")])


def _summary_parts(employee_id: int, period_id: str) -> tuple[Employee, Period, EmployeeAssignment]:
    period = period_or_none(period_id)
    if period is None or period.id != period_id:
        abort(404)
    assignment = assignment_on(employee_id, last_day(period))
    if assignment is None:
        abort(404)
    if not may_read(current_user, assignment):
        abort(403)
    return assignment.employee, period, assignment


@bp.get("/pegawai/<int:employee_id>/<period_id>/ringkasan")
@roles_required("hr", "admin", "supervisor")
def show_appraisal_summary(employee_id: int, period_id: str) -> str:
    """The printable appraisal summary (A4): predikat, ratings, evidence, targets and the signature block."""
    employee, period, assignment = _summary_parts(employee_id, period_id)
    evidence = read_evidence(assignment, period)
    lines = ekinerja.evidence_lines(evidence) if employee.employment_type != "non-ASN" else []
    return render_template(
        "hr/appraisal_summary.html",
        evidence=evidence,
        lines=lines,
        asn=employee.employment_type != "non-ASN" and bool(employee.nip),
        rating_labels=RATING_LABELS,
        predikat_labels=PREDIKAT_LABELS,
        berakhlak_labels=BERAKHLAK_LABELS,
        indicator_labels=INDICATOR_LABELS,
        number=ekinerja.number,
    )


def stable_url(endpoint: str, **values: Any) -> str:
    """An absolute link under PUBLIC_BASE_URL (not the request's host), so a sheet's links work from anywhere."""
    return current_app.config["PUBLIC_BASE_URL"] + url_for(endpoint, **values)


def evidence_link(employee_id: int, period_id: str) -> Callable[[int | None], str]:
    """Bukti dukung: the run's explained indicator page, else (a target typed by hand) the appraisal summary."""

    def link(indicator_id: int | None) -> str:
        if indicator_id is None:
            return stable_url("hr.show_appraisal_summary", employee_id=employee_id, period_id=period_id)
        return stable_url("hr.show_indicator", indicator_id=indicator_id)

    return link


@bp.get("/pegawai/<int:employee_id>/<period_id>/ekinerja.<any(csv, xlsx):file_type>")
@roles_required("hr", "admin", "supervisor")
def export_ekinerja(employee_id: int, period_id: str, file_type: str) -> Response | tuple[str, int]:
    """The e-Kinerja evidence sheet of an ASN employee: one row per target; non-ASN staff have none."""
    employee, period, _assignment = _summary_parts(employee_id, period_id)
    try:
        evidence = ekinerja.evidence_of(employee, period)
    except ekinerja.NoSkp:
        return _refused(
            [
                _(
                    "%(name)s bukan ASN: pegawai non-ASN tidak punya SKP, jadi tidak ada lembar e-Kinerja.",
                    name=employee.name,
                )
            ],
            404,
        )
    sheet = ekinerja.ekinerja_sheet(evidence, evidence_link(employee.id, period.id))
    name = f"ekinerja-{employee.nip}-{period.id}.{file_type}"
    return _csv(sheet, name) if file_type == "csv" else _xlsx([sheet], name)


@bp.get("/indikator/<int:indicator_id>")
@roles_required("hr", "admin", "supervisor")
def show_indicator(indicator_id: int) -> str:
    """One stored indicator with its explanation: the stable page a bukti dukung link opens."""
    row = db.session.get(ScoreIndicator, indicator_id)
    if row is None:
        abort(404)
    run = row.run
    employee = db.session.get(Employee, row.employee_id) if row.employee_id else None
    if employee is not None:
        assignment = assignment_on(employee.id, run.period_end - timedelta(days=1))
        allowed = assignment is not None and may_read(current_user, assignment)
        if not allowed and current_user.has_role("hr", "admin"):
            scope = scope_unit_ids(current_user)
            allowed = scope is None or run.unit_id in scope
        if not allowed:
            abort(403)
    else:
        scope = scope_unit_ids(current_user)
        if not current_user.has_role("hr", "admin") or (scope is not None and run.unit_id not in scope):
            abort(403)
    return render_template(
        "hr/indicator.html",
        row=row,
        run=run,
        employee=employee,
        label=INDICATOR_LABELS.get(row.code, row.code),
    )
