"""The roster import page: upload a CSV, read the dry run, apply it; and the unit's shifts of the coming week."""

from __future__ import annotations

from flask import abort, current_app, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from flask_wtf.file import FileField, FileRequired, FileSize
from itsdangerous import BadSignature, URLSafeSerializer
from werkzeug.wrappers import Response
from wtforms import HiddenField

from ...access import get_unit_or_404, roles_required
from ...clock import now
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import Unit
from ...services.roster import (
    HEADER,
    MAX_BYTES,
    RosterCheck,
    RosterRejected,
    apply_roster,
    check_roster,
    upcoming_roster,
)
from ...services.tabular import TableError, upload_text
from . import bp

UPCOMING_DAYS = 7


class RosterUploadForm(FlaskForm):
    file = FileField(
        _l("Berkas jadwal (CSV atau .xlsx)"),
        validators=[
            FileRequired(message=_l("Pilih berkas CSV jadwal terlebih dahulu.")),
            FileSize(
                max_size=MAX_BYTES, message=_l("Berkas terlalu besar: paling besar %(kb)d KB.", kb=MAX_BYTES // 1000)
            ),
        ],
    )


class RosterApplyForm(FlaskForm):
    """Carries the checked file back, signed, so what is applied is exactly what the admin has just read."""

    payload = HiddenField()


def _serializer() -> URLSafeSerializer:
    return URLSafeSerializer(current_app.config["SECRET_KEY"], salt="roster-import")


def _sign(unit: Unit, text: str) -> str:
    return _serializer().dumps([unit.id, text])


def _unsign(unit: Unit, payload: str) -> str | None:
    try:
        unit_id, text = _serializer().loads(payload)
    except (BadSignature, ValueError, TypeError):
        return None
    return text if unit_id == unit.id and isinstance(text, str) else None


def _page(
    unit: Unit,
    form: RosterUploadForm,
    check: RosterCheck | None = None,
    apply_form: RosterApplyForm | None = None,
    stale: bool = False,
) -> str:
    return render_template(
        "admin/roster.html",
        unit=unit,
        form=form,
        check=check,
        apply_form=apply_form,
        stale=stale,
        header=",".join(HEADER),
        max_kb=MAX_BYTES // 1000,
        days=UPCOMING_DAYS,
        shifts=upcoming_roster(unit.id, now(), days=UPCOMING_DAYS),
    )


@bp.get("/unit/<slug>/jadwal")
@roles_required("admin")
def show_roster(slug: str) -> str:
    unit = get_unit_or_404(slug)
    return _page(unit, RosterUploadForm())


@bp.post("/unit/<slug>/jadwal")
@roles_required("admin")
def check_roster_upload(slug: str) -> Response | tuple[str, int]:
    """The dry run: nothing is stored; the page shows every row's verdict and, if all is well, the apply button."""
    unit = get_unit_or_404(slug)
    form = RosterUploadForm()
    if not form.validate():
        if not form.file.data:
            flash(_("Pilih berkas CSV jadwal terlebih dahulu."), "info")
            return redirect(url_for("admin.show_roster", slug=unit.slug))
        return _page(unit, form), 400
    try:
        text = upload_text(form.file.data.read())
    except TableError as error:
        form.file.errors.append(str(error.message))
        return _page(unit, form), 400
    check = check_roster(text, unit_id=unit.id)
    apply_form = (
        RosterApplyForm(formdata=None, payload=_sign(unit, text)) if check.ok_count and not check.has_errors else None
    )
    return _page(unit, RosterUploadForm(formdata=None), check, apply_form), 422 if check.has_errors else 200


@bp.post("/unit/<slug>/jadwal/terapkan")
@roles_required("admin")
def apply_roster_upload(slug: str) -> Response | tuple[str, int]:
    """Apply the file the dry run showed, checked once more, in one transaction; refused whole if anything fails."""
    unit = get_unit_or_404(slug)
    form = RosterApplyForm()
    if not form.validate() or not form.payload.data:
        flash(_("Unggah berkas jadwal, periksa hasil uji cobanya, lalu terapkan."), "info")
        return redirect(url_for("admin.show_roster", slug=unit.slug))
    text = _unsign(unit, form.payload.data)
    if text is None:
        abort(400)
    try:
        check = apply_roster(text, unit_id=unit.id)
    except RosterRejected as rejected:
        db.session.rollback()
        return _page(unit, RosterUploadForm(formdata=None), rejected.check, stale=True), 422
    db.session.commit()
    flash(
        _(
            "Jadwal diterapkan: %(added)d shift ditambahkan, %(skipped)d sudah ada dan dilewati.",
            added=check.ok_count,
            skipped=check.duplicate_count,
        ),
        "info",
    )
    return redirect(url_for("admin.show_roster", slug=unit.slug))
