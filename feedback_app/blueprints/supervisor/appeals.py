"""Deciding appeals (keberatan): the employee's supervisor (their supervisor's supervisor for a predikat), or an
admin of the unit where there is none and for comments (spec §7)."""

from __future__ import annotations

from flask import abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp

from ...access import roles_required
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...services import appeals
from ..staff.appeals import GROUND_LABELS, KIND_LABELS, STATE_LABELS
from . import bp


class DecideAppealForm(FlaskForm):
    appeal_id = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,12}$")])
    decision = RadioField(
        _l("Keputusan"),
        choices=[SelectChoice("accept", _l("Terima")), SelectChoice("reject", _l("Tolak"))],
        validators=[InputRequired(message=_l("Pilih terima atau tolak."))],
    )
    reason = TextAreaField(
        _l("Alasan keputusan"),
        validators=[
            InputRequired(message=_l("Tuliskan alasan keputusan.")),
            Length(max=appeals.REASON_MAX, message=_l("Alasan paling panjang %(max)d karakter.")),
        ],
    )


@bp.get("/keberatan")
@roles_required("supervisor", "admin")
def list_appeals() -> str:
    open_appeals = appeals.appeals_to_decide(current_user)
    return render_template(
        "supervisor/appeals.html",
        open_appeals=open_appeals,
        comments=appeals.contested_comments(open_appeals),
        decided=appeals.appeals_to_decide(current_user, state="decided", limit=20),
        form=DecideAppealForm(formdata=None),
        kinds=KIND_LABELS,
        grounds=GROUND_LABELS,
        states=STATE_LABELS,
    )


@bp.post("/keberatan/putuskan")
@roles_required("supervisor", "admin")
def decide_appeal() -> Response:
    """Accept or reject one appeal; someone else's appeal is not found (404), a decided one says so."""
    form = DecideAppealForm()
    if not form.validate():
        for message in [*form.decision.errors, *form.reason.errors, *form.csrf_token.errors, *form.appeal_id.errors]:
            flash(str(message), "error")
        return redirect(url_for("supervisor.list_appeals"))
    try:
        appeal = appeals.decide_appeal(
            current_user, int(form.appeal_id.data), accept=form.decision.data == "accept", reason=form.reason.data
        )
    except appeals.AppealNotFound:
        abort(404)
    except appeals.AppealError as error:
        flash(str(error), "error")
        return redirect(url_for("supervisor.list_appeals"))
    db.session.commit()
    flash(_("Keberatan #%(id)d %(state)s.", id=appeal.id, state=STATE_LABELS[appeal.state]), "info")
    return redirect(url_for("supervisor.list_appeals"), code=303)
