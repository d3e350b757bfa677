"""The unit's complaint desk (role ``complaints`` and the unit admin): verify, classify, answer, forward, reject,
close; overdue complaints first (spec §2.4, §7). Only here is the citizen's contact shown unmasked."""

from __future__ import annotations

from typing import Any

from flask import Blueprint, abort, flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectChoice, SelectField, TextAreaField
from wtforms.validators import InputRequired, Length

from ..access import check_unit_scope, roles_required, units_in_scope
from ..clock import now
from ..extensions import db
from ..forms import ConfirmForm
from ..i18n import lazy_gettext as _l
from ..identifiers import format_tracking_code, mask_personal_data
from ..models import Complaint, Unit
from ..services.complaints import (
    TRANSITIONS,
    ComplaintError,
    answer_complaint,
    classify_complaint,
    close_complaint,
    desk_complaints,
    forward_complaint,
    forward_targets,
    is_overdue,
    mail_answer,
    reject_complaint,
    verify_complaint,
)
from .public import STATUS_LABELS, STEP_LABELS, complaint_status_url

bp = Blueprint("complaints", __name__, url_prefix="/meja-pengaduan")


COMPLAINT_CATEGORY_LABELS = {
    "information": _l("Informasi (jawaban 3 hari kerja, selesai 5 hari kerja)"),
    "complaint": _l("Pengaduan (jawaban 3 hari kerja, selesai 5 hari kerja)"),
    "dispute": _l("Sengketa yang perlu pemeriksaan (jawaban 14 hari kerja, selesai 60 hari kerja)"),
}


class ComplaintAnswerForm(FlaskForm):
    text = TextAreaField(
        _l("Jawaban untuk warga"),
        validators=[InputRequired(message=_l("Tuliskan jawabannya.")), Length(max=4000)],
    )


class ComplaintRejectForm(FlaskForm):
    reason = TextAreaField(
        _l("Alasan penolakan (ditampilkan kepada warga)"),
        validators=[InputRequired(message=_l("Tuliskan alasannya.")), Length(max=4000)],
    )


class ComplaintClassifyForm(FlaskForm):
    category = RadioField(
        _l("Klasifikasi"),
        choices=[SelectChoice(value, label) for value, label in COMPLAINT_CATEGORY_LABELS.items()],
        validators=[InputRequired(message=_l("Pilih klasifikasinya."))],
    )


class ComplaintForwardForm(FlaskForm):
    unit = SelectField(_l("Teruskan ke unit"), validators=[InputRequired(message=_l("Pilih unitnya."))])


HANDLERS = ("complaints", "admin")
ACTIONS = tuple(TRANSITIONS)


@bp.get("/")
@roles_required(*HANDLERS)
def desk() -> str:
    include_done = request.args.get("semua") == "1"
    rows = desk_complaints(units_in_scope(current_user), include_done=include_done)
    return render_template(
        "complaints/desk.html",
        rows=rows,
        include_done=include_done,
        status_labels=STATUS_LABELS,
        code=format_tracking_code,
        mask=mask_personal_data,
    )


def _complaint_or_404(complaint_id: int) -> Complaint:
    complaint = db.session.get(Complaint, complaint_id)
    if complaint is None:
        abort(404)
    check_unit_scope(current_user, complaint.unit_id)
    return complaint


def _forms(complaint: Complaint) -> dict[str, Any]:
    forward = ComplaintForwardForm(prefix="forward")
    forward.unit.choices = [SelectChoice(str(unit.id), unit.name) for unit in forward_targets(complaint.unit)]
    return {
        "confirm": ConfirmForm(),
        "answer": ComplaintAnswerForm(prefix="answer"),
        "reject": ComplaintRejectForm(prefix="reject"),
        "classify": ComplaintClassifyForm(prefix="classify", category=complaint.category),
        "forward": forward,
    }


def _detail(complaint: Complaint, forms: dict[str, Any] | None = None, status: int = 200) -> Response:
    response = make_response(
        render_template(
            "complaints/detail.html",
            complaint=complaint,
            code=format_tracking_code(complaint.tracking_code),
            forms=forms or _forms(complaint),
            allowed={action for action, (states, _target) in TRANSITIONS.items() if complaint.status in states},
            overdue=is_overdue(complaint, now().astimezone(complaint.unit.zone).date()),
            status_labels=STATUS_LABELS,
            step_labels=STEP_LABELS,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"  # it shows the citizen's contact
    return response


@bp.get("/<int:complaint_id>")
@roles_required(*HANDLERS)
def show_complaint(complaint_id: int) -> Response:
    return _detail(_complaint_or_404(complaint_id))


ERROR_MESSAGES = {
    "state": lambda: _("Langkah ini tidak dapat dilakukan pada status pengaduan sekarang."),
    "forward_same": lambda: _("Pengaduan sudah berada di unit ini."),
    "forward_instansi": lambda: _("Pengaduan hanya dapat diteruskan ke unit dalam instansi yang sama."),
}


@bp.post("/<int:complaint_id>/<action>")
@roles_required(*HANDLERS)
def act(complaint_id: int, action: str) -> Response:
    complaint = _complaint_or_404(complaint_id)
    if action not in ACTIONS:
        abort(404)
    forms = _forms(complaint)
    form = forms.get(action, forms["confirm"])
    if not form.validate():
        return _detail(complaint, forms, 422)
    mailed_event = None
    try:
        if action == "verify":
            verify_complaint(complaint)
        elif action == "classify":
            classify_complaint(complaint, forms["classify"].category.data)
        elif action == "answer":
            mailed_event = answer_complaint(complaint, forms["answer"].text.data)
        elif action == "forward":
            target = db.session.scalar(select(Unit).where(Unit.id == int(forms["forward"].unit.data)))
            if target is None:
                abort(404)
            forward_complaint(complaint, target)
        elif action == "reject":
            reject_complaint(complaint, forms["reject"].reason.data)
        else:
            close_complaint(complaint)
    except ComplaintError as error:
        # Someone else (or a second click) already moved it on: back to the page as it is now, with the reason.
        db.session.rollback()
        flash(ERROR_MESSAGES[error.code]() if error.code in ERROR_MESSAGES else str(error), "error")
        return redirect(url_for("complaints.show_complaint", complaint_id=complaint_id))
    code, stays = complaint.tracking_code, action != "forward"
    db.session.commit()
    if mailed_event is not None:
        mail_answer(complaint, mailed_event, complaint_status_url(code))
    flash(_("Tersimpan."), "info")
    if stays and (current_user.unit_id is None or current_user.unit_id == complaint.unit_id):
        return redirect(url_for("complaints.show_complaint", complaint_id=complaint_id))
    return redirect(url_for("complaints.desk"))
