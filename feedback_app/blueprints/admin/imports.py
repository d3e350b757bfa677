"""Employee and account imports on the web: upload a CSV or XLSX, read the dry run line by line, then apply."""

from __future__ import annotations

from flask import abort, current_app, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response
from wtforms import HiddenField

from feedback_app.access import roles_required, scope_unit_ids

from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...services.office_imports import (
    EMPLOYEE_HEADER,
    MAX_BYTES,
    USER_HEADER,
    ImportCheck,
    ImportRejected,
    apply_import,
    check_import,
)
from ...services.tabular import TableError, upload_text
from . import bp

#: The URL word of each import and the importer it runs.
KINDS = {"pegawai": "employees", "pengguna": "users"}
TITLES = {"pegawai": _l("Impor pegawai"), "pengguna": _l("Impor akun")}
SAMPLES = {
    "pegawai": (EMPLOYEE_HEADER, "198503152010011002,Budi Santoso,PNS,{unit},Kepala Seksi,,,2026-01-01"),
    "pengguna": (USER_HEADER, "petugas.budi,staff,{unit},198503152010011002"),
}


class ImportUploadForm(FlaskForm):
    file = FileField(
        _l("Berkas (CSV atau .xlsx)"),
        validators=[
            FileRequired(message=_l("Pilih berkas terlebih dahulu.")),
            FileSize(
                max_size=MAX_BYTES, message=_l("Berkas terlalu besar: paling besar %(kb)d KB.", kb=MAX_BYTES // 1000)
            ),
        ],
    )


class ImportApplyForm(FlaskForm):
    """Carries the checked file back, signed, so what is applied is exactly what the admin has just read."""

    payload = HiddenField()


def _kind(word: str) -> str:
    if word not in KINDS:
        abort(404)
    return KINDS[word]


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="office-import")


def _page(
    word: str,
    form: ImportUploadForm,
    check: ImportCheck | None = None,
    apply_form: ImportApplyForm | None = None,
    status: int = 200,
) -> Response:
    header, sample = SAMPLES[word]
    unit = current_user.unit.slug if current_user.unit else "dukcapil-palu"
    return make_response(
        render_template(
            "admin/import.html",
            word=word,
            title=TITLES[word],
            form=form,
            check=check,
            apply_form=apply_form,
            header=",".join(header),
            sample=sample.format(unit=unit),
            max_kb=MAX_BYTES // 1000,
        ),
        status,
    )


@bp.get("/impor/<word>")
@roles_required("admin")
def show_import(word: str) -> Response:
    _kind(word)
    return _page(word, ImportUploadForm(formdata=None))


@bp.post("/impor/<word>")
@roles_required("admin")
def check_import_upload(word: str) -> Response:
    """The dry run: every line tried and rolled back; nothing is stored."""
    kind = _kind(word)
    form = ImportUploadForm()
    if not form.validate():
        return _page(word, form, status=400)
    try:
        text = upload_text(form.file.data.read())
    except TableError as error:
        form.file.errors.append(str(error.message))
        return _page(word, form, status=400)
    check = check_import(kind, text, scope=scope_unit_ids(current_user))
    apply_form = None
    if check.ok_count and not check.has_errors:
        apply_form = ImportApplyForm(formdata=None, payload=_serializer().dumps([kind, current_user.id, text]))
    return _page(word, ImportUploadForm(formdata=None), check, apply_form, 422 if check.has_errors else 200)


@bp.post("/impor/<word>/terapkan")
@roles_required("admin")
def apply_import_upload(word: str) -> Response:
    """Apply the file the dry run showed, tried once more, in one transaction; refused whole on any error."""
    kind = _kind(word)
    form = ImportApplyForm()
    try:
        signed_kind, user_id, text = _serializer().loads(form.payload.data or "") if form.validate() else (None,) * 3
    except (BadSignature, ValueError, TypeError):
        signed_kind, user_id, text = None, None, None
    if signed_kind != kind or user_id != current_user.id or not isinstance(text, str):
        flash(_("Unggah berkas, periksa hasil uji cobanya, lalu terapkan."), "info")
        return _page(word, ImportUploadForm(formdata=None), status=400)
    try:
        check = apply_import(kind, text, scope=scope_unit_ids(current_user), audit_unit_id=current_user.unit_id)
    except ImportRejected as rejected:
        db.session.rollback()
        return _page(word, ImportUploadForm(formdata=None), rejected.check, status=422)
    db.session.commit()
    flash(
        _(
            "Diterapkan: %(ok)d baris disimpan, %(duplicate)d sudah terdaftar.",
            ok=check.ok_count,
            duplicate=check.duplicate_count,
        ),
        "info",
    )
    return redirect(url_for("admin.list_employees" if kind == "employees" else "admin.list_users"), code=303)
