"""Paper questionnaires: the keyboard-only entry form (one sheet per submit) and the tally-sheet import.

The entry form takes the nine answers as nine digits in one field (``343344343``, U1 first), so a sheet is typed
with ten keystrokes and Enter, without a mouse and without any script; the date and counter stay for the next sheet.
"""

from __future__ import annotations

from datetime import date

from flask import abort, current_app, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response
from wtforms import DateField, HiddenField, SelectChoice, SelectField, StringField
from wtforms.validators import InputRequired

from feedback_app.access import get_unit_or_404, roles_required
from scoring import period_containing

from ...clock import now
from ...extensions import db
from ...forms import OptionalChoiceField
from ...i18n import lazy_gettext as _l
from ...models import Unit
from ...services.paper import (
    MAX_BYTES,
    TEMPLATE_HEADER,
    PaperCheck,
    PaperImportRejected,
    PaperSheet,
    PaperSheetError,
    apply_paper_import,
    check_paper_import,
    enter_paper_sheet,
    new_submission_key,
    paper_sheets_in,
    paper_sheets_on,
    parse_answers,
)
from ...services.tabular import TableError, upload_text
from ...survey_text import PROFILE_LABELS
from . import bp


class PaperSheetForm(FlaskForm):
    day = DateField(_l("Tanggal pada lembar"), validators=[InputRequired(message=_l("Isi tanggal lembar."))])
    counter = SelectField(_l("Loket"), default="")
    answers = StringField(_l("Jawaban U1–U9"))
    respondent_sex = OptionalChoiceField(PROFILE_LABELS["respondent_sex"][0])
    age_band = OptionalChoiceField(PROFILE_LABELS["age_band"][0])
    education = OptionalChoiceField(PROFILE_LABELS["education"][0])
    occupation = OptionalChoiceField(PROFILE_LABELS["occupation"][0])
    service_type = OptionalChoiceField(_l("Jenis layanan"))
    submission_key = HiddenField()

    def __init__(self, unit: Unit, **kwargs: object) -> None:
        super().__init__(**kwargs)
        self.counter.choices = [("", _l("Unit saja (tanpa loket)"))] + [
            (str(c.id), f"{c.public_code} – {c.name}") for c in unit.counters
        ]
        for name, (_label, options) in PROFILE_LABELS.items():
            getattr(self, name).choices = [
                SelectChoice("", "—"),
                *(SelectChoice(v, label) for v, label in options.items()),
            ]
        self.service_type.choices = [
            SelectChoice("", "—"),
            *(SelectChoice(str(s.id), s.name) for s in unit.service_types),
        ]

    def validate_counter(self, field: SelectField) -> None:  # the choices check is SelectField's own
        pass


class PaperUploadForm(FlaskForm):
    file = FileField(
        _l("Berkas rekap (CSV atau .xlsx)"),
        validators=[
            FileRequired(message=_l("Pilih berkas rekap terlebih dahulu.")),
            FileSize(
                max_size=MAX_BYTES, message=_l("Berkas terlalu besar: paling besar %(kb)d KB.", kb=MAX_BYTES // 1000)
            ),
        ],
    )


class PaperApplyForm(FlaskForm):
    """Carries the checked file back, signed, so what is stored is exactly what the admin has just read."""

    payload = HiddenField()


def _today(unit: Unit) -> date:
    return now().astimezone(unit.zone).date()


def _entry_page(unit: Unit, form: PaperSheetForm, status: int = 200, errors: dict | None = None) -> tuple[str, int]:
    day = form.day.data if isinstance(form.day.data, date) else _today(unit)
    period = period_containing("quarter", day)
    return (
        render_template(
            "admin/paper_entry.html",
            unit=unit,
            form=form,
            errors=errors or {},
            day=day,
            on_day=paper_sheets_on(unit, day),
            period=period,
            in_period=paper_sheets_in(unit, period),
        ),
        status,
    )


def _fresh_form(unit: Unit) -> PaperSheetForm:
    """An empty sheet that keeps the date and counter of the previous one (given in the query string)."""
    form = PaperSheetForm(unit, formdata=None, submission_key=new_submission_key())
    try:
        form.day.data = date.fromisoformat(request.args.get("tanggal", ""))
    except ValueError:
        form.day.data = _today(unit)
    counter = request.args.get("loket", "")
    form.counter.data = counter if counter in {value for value, _label in form.counter.choices} else ""
    return form


@bp.get("/unit/<slug>/kuesioner-kertas")
@roles_required("admin")
def show_paper_entry(slug: str) -> tuple[str, int]:
    unit = get_unit_or_404(slug)
    return _entry_page(unit, _fresh_form(unit))


@bp.post("/unit/<slug>/kuesioner-kertas")
@roles_required("admin")
def enter_paper(slug: str) -> Response | tuple[str, int]:
    """Store one sheet; every field is checked and a bad sheet comes back with its errors and nothing stored."""
    unit = get_unit_or_404(slug)
    form = PaperSheetForm(unit)
    errors: dict[str, object] = {}
    valid = form.validate()
    answers, problem = parse_answers(form.answers.data or "")
    if problem is not None:
        errors["answers"] = problem
    if not valid or errors:
        return _entry_page(unit, form, 422, errors)
    assert answers is not None
    sheet = PaperSheet(
        day=form.day.data,
        answers=answers,
        counter_id=int(form.counter.data) if form.counter.data else None,
        service_type_id=int(form.service_type.data) if form.service_type.data else None,
        profile={name: getattr(form, name).data for name in PROFILE_LABELS},
    )
    try:
        response, created = enter_paper_sheet(unit, sheet, form.submission_key.data or "")
    except PaperSheetError as error:
        db.session.rollback()
        return _entry_page(unit, form, 422, error.errors)
    db.session.commit()
    if created:
        flash(_("Lembar tersimpan (nomor %(id)d).", id=response.id), "info")
    else:
        flash(_("Lembar ini sudah tersimpan sebelumnya; tidak disimpan dua kali."), "info")
    return redirect(
        url_for("admin.show_paper_entry", slug=unit.slug, tanggal=sheet.day.isoformat(), loket=form.counter.data or ""),
        303,
    )


# --- the tally-sheet import --------------------------------------------------------------------------------------


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="paper-import")


def _import_page(
    unit: Unit,
    form: PaperUploadForm,
    check: PaperCheck | None = None,
    apply_form: PaperApplyForm | None = None,
    stale: bool = False,
) -> str:
    return render_template(
        "admin/paper_import.html",
        unit=unit,
        form=form,
        check=check,
        apply_form=apply_form,
        stale=stale,
        header=",".join(TEMPLATE_HEADER),
        max_kb=MAX_BYTES // 1000,
    )


@bp.get("/unit/<slug>/kuesioner-kertas/impor")
@roles_required("admin")
def show_paper_import(slug: str) -> str:
    return _import_page(get_unit_or_404(slug), PaperUploadForm())


@bp.post("/unit/<slug>/kuesioner-kertas/impor")
@roles_required("admin")
def check_paper_upload(slug: str) -> Response | tuple[str, int]:
    """The dry run: nothing is stored; every row's verdict, by line number, and the apply button if all is well."""
    unit = get_unit_or_404(slug)
    form = PaperUploadForm()
    if not form.validate():
        return _import_page(unit, form), 400
    try:
        text = upload_text(form.file.data.read())
    except TableError as error:
        form.file.errors.append(str(error.message))
        return _import_page(unit, form), 400
    check = check_paper_import(text, unit)
    payload = _serializer().dumps([unit.id, text, form.file.data.filename or ""])
    apply_form = PaperApplyForm(formdata=None, payload=payload) if check.ok_count and not check.has_errors else None
    return _import_page(unit, PaperUploadForm(formdata=None), check, apply_form), 422 if check.has_errors else 200


@bp.post("/unit/<slug>/kuesioner-kertas/impor/terapkan")
@roles_required("admin")
def apply_paper_upload(slug: str) -> Response | tuple[str, int]:
    """Store the file the dry run showed, checked once more, in one transaction; refused whole on any error."""
    unit = get_unit_or_404(slug)
    form = PaperApplyForm()
    if not form.validate() or not form.payload.data:
        flash(_("Unggah berkas rekap, periksa hasil uji cobanya, lalu simpan."), "info")
        return redirect(url_for("admin.show_paper_import", slug=unit.slug))
    try:
        unit_id, text, filename = _serializer().loads(form.payload.data)
    except (BadSignature, ValueError, TypeError):
        abort(400)
    if unit_id != unit.id or not isinstance(text, str):
        abort(400)
    try:
        check = apply_paper_import(text, unit, filename=str(filename))
    except PaperImportRejected as rejected:
        db.session.rollback()
        return _import_page(unit, PaperUploadForm(formdata=None), rejected.check, stale=True), 422
    db.session.commit()
    flash(
        _(
            "Rekap disimpan: %(added)d lembar ditambahkan, %(skipped)d sudah ada dan dilewati.",
            added=check.ok_count,
            skipped=check.duplicate_count,
        ),
        "info",
    )
    return redirect(url_for("admin.show_paper_import", slug=unit.slug))
