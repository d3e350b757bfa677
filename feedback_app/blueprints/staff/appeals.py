"""The staff member's appeals (keberatan): their shifts to contest, and every appeal with its decision."""

from __future__ import annotations

import re

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ...access import any_role
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...services import appeals
from . import bp

KIND_LABELS = {
    "shift": _l("Jadwal tugas"),
    "comment": _l("Komentar"),
    "indicator": _l("Indikator"),
    "predikat": _l("Predikat"),
}
GROUND_LABELS = {
    "not_on_duty": _l("Saya tidak bertugas"),
    "served_by_colleague": _l("Dilayani rekan lain"),
    "abusive": _l("Komentar kasar"),
    "statement": _l("Keberatan tertulis"),
}
STATE_LABELS = {"open": _l("menunggu keputusan"), "accepted": _l("diterima"), "rejected": _l("ditolak")}


class AppealForm(FlaskForm):
    kind = HiddenField(validators=[InputRequired()])
    subject = HiddenField(validators=[InputRequired(), Length(max=200)])
    ground = HiddenField(validators=[Optional()])
    statement = TextAreaField(
        _l("Alasan keberatan"),
        validators=[
            InputRequired(message=_l("Tuliskan alasan keberatan.")),
            Length(max=appeals.STATEMENT_MAX, message=_l("Alasan paling panjang %(max)d karakter.")),
        ],
    )
    next = HiddenField()

    def safe_next(self) -> str:
        target = self.next.data or ""
        if re.fullmatch(r"/kinerja/(?!/)[\w\-./?=&%]*", target):
            return target
        return url_for("staff.list_appeals")


@bp.get("/keberatan")
@any_role
def list_appeals() -> str:
    employee = current_user.employee
    return render_template(
        "staff/appeals.html",
        employee=employee,
        shifts=appeals.my_shifts(employee) if employee else [],
        mine=appeals.appeals_of(employee) if employee else [],
        form=AppealForm(formdata=None),
        kinds=KIND_LABELS,
        grounds=GROUND_LABELS,
        states=STATE_LABELS,
    )


@bp.post("/keberatan")
@any_role
def file_appeal() -> Response:
    """File one appeal; a subject that is not the user's own is not found (404), whatever its id."""
    form = AppealForm()
    if not form.validate():
        for message in [*form.statement.errors, *form.csrf_token.errors, *form.kind.errors, *form.subject.errors]:
            flash(str(message), "error")
        return redirect(form.safe_next())
    try:
        appeal = appeals.file_appeal(
            current_user, form.kind.data, form.subject.data, statement=form.statement.data, ground=form.ground.data
        )
    except appeals.AppealNotFound:
        abort(404)
    except appeals.AppealError as error:
        flash(str(error), "error")
        return redirect(form.safe_next())
    db.session.commit()
    flash(_("Keberatan #%(id)d diajukan. Keputusannya akan tampil di halaman Keberatan saya.", id=appeal.id), "info")
    return redirect(url_for("staff.list_appeals"), code=303)
