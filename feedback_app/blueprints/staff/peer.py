"""Umpan balik rekan (/kinerja/rekan): the colleague's phone form, and the employee's own anonymous results."""

from __future__ import annotations

from datetime import date

from flask import abort, flash, redirect, render_template, request, url_for
from flask_babel import format_date
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import RadioField, SelectChoice, StringField

from feedback_app.access import any_role

from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import BERAKHLAK_VALUES, PEER_SENTENCE_MAX, PeerRater
from ...services import peer_feedback
from . import bp

CHOICE_LABELS = {
    "di_bawah": _l("Di Bawah Ekspektasi"),
    "sesuai": _l("Sesuai Ekspektasi"),
    "di_atas": _l("Di Atas Ekspektasi"),
    "tidak_tahu": _l("Tidak tahu"),
}
#: The same choices, short enough for a table column on a 360 px phone.
SHORT_CHOICE_LABELS = {
    "di_bawah": _l("Di bawah"),
    "sesuai": _l("Sesuai"),
    "di_atas": _l("Di atas"),
    "tidak_tahu": _l("Tidak tahu"),
}
#: Each BerAKHLAK value with the behaviour a colleague can actually observe (SE MenPANRB 20/2021).
VALUE_LABELS = {
    "berorientasi_pelayanan": (_l("Berorientasi Pelayanan"), _l("memahami dan memenuhi kebutuhan warga, ramah")),
    "akuntabel": (_l("Akuntabel"), _l("jujur, bertanggung jawab, cermat, disiplin")),
    "kompeten": (_l("Kompeten"), _l("terus belajar, membantu orang lain belajar, tuntas")),
    "harmonis": (_l("Harmonis"), _l("menghargai setiap orang, suka menolong")),
    "loyal": (_l("Loyal"), _l("menjaga nama baik instansi dan rahasia jabatan")),
    "adaptif": (_l("Adaptif"), _l("cepat menyesuaikan diri, kreatif, proaktif")),
    "kolaboratif": (_l("Kolaboratif"), _l("mau bekerja sama, terbuka, saling berbagi")),
}
ERRORS = {
    "round_closed": _l("Putaran umpan balik ini sudah ditutup; jawaban tidak dapat dikirim lagi."),
    "already_submitted": _l("Jawaban untuk rekan ini sudah terkirim dan tidak dapat diubah atau dikirim dua kali."),
    "unknown_value": _l("Nilai yang dikirim tidak dikenal. Pilih salah satu pilihan yang tersedia."),
    "sentence_too_long": _l("Setiap kalimat paling panjang 300 karakter."),
    "incomplete": _l("Untuk mengirim, jawab ketujuh nilai (pilih \u201cTidak tahu\u201d bila Anda tidak tahu)."),
    "empty": _l("Belum ada yang diisi: pilih setidaknya satu jawaban sebelum menyimpan draf."),
}


def peer_day(day: date) -> str:
    """A closing date as people read it (1 Des 2026), in the page's language."""
    return str(format_date(day, "d MMM yyyy"))


bp.add_app_template_filter(peer_day, "peer_day")


def _choice_field(value: str) -> RadioField:
    return RadioField(
        VALUE_LABELS[value][0],
        choices=[SelectChoice(code, label) for code, label in CHOICE_LABELS.items()],
        validate_choice=False,
    )


class PeerAnswerForm(FlaskForm):
    berorientasi_pelayanan = _choice_field("berorientasi_pelayanan")
    akuntabel = _choice_field("akuntabel")
    kompeten = _choice_field("kompeten")
    harmonis = _choice_field("harmonis")
    loyal = _choice_field("loyal")
    adaptif = _choice_field("adaptif")
    kolaboratif = _choice_field("kolaboratif")
    does_well = StringField(_l("Satu kalimat: apa yang ia kerjakan dengan baik (boleh dikosongkan)"))
    could_improve = StringField(_l("Satu kalimat: apa yang dapat ia tingkatkan (boleh dikosongkan)"))


@bp.get("/rekan")
@any_role
def list_peer_requests() -> str:
    """The forms the employee is asked to fill, and what colleagues said about them (only from 3 answers)."""
    employee = current_user.employee
    return render_template(
        "staff/peer.html",
        employee=employee,
        requests=peer_feedback.requests_of(employee) if employee else [],
        results=peer_feedback.my_results(employee) if employee else [],
        value_labels=VALUE_LABELS,
        choice_labels=SHORT_CHOICE_LABELS,
        berakhlak_values=BERAKHLAK_VALUES,
    )


def _own_pair_or_redirect(pair_id: int) -> PeerRater | Response:
    """The user's own form; anything else (another's, a closed round's, an unknown id) leads back to the list."""
    employee = current_user.employee
    pair = peer_feedback.request_for(employee, pair_id) if employee is not None else None
    if pair is None or not peer_feedback.is_taking_answers(pair.round):
        flash(_("Formulir ini tidak tersedia: mungkin putarannya sudah ditutup."), "info")
        return redirect(url_for("staff.list_peer_requests"), code=303)
    return pair


def _form_page(pair: PeerRater, form: PeerAnswerForm, error: str | None = None, status: int = 200):
    return (
        render_template(
            "staff/peer_form.html",
            pair=pair,
            form=form,
            error=error,
            value_labels=VALUE_LABELS,
            berakhlak_values=BERAKHLAK_VALUES,
            sentence_max=PEER_SENTENCE_MAX,
        ),
        status,
    )


@bp.get("/rekan/<int:pair_id>")
@any_role
def show_peer_form(pair_id: int) -> Response | tuple[str, int]:
    found = _own_pair_or_redirect(pair_id)
    if isinstance(found, Response):
        return found
    data = dict(found.draft or {}) if not found.submitted else {}
    return _form_page(found, PeerAnswerForm(formdata=None, data=data))


@bp.post("/rekan/<int:pair_id>")
@any_role
def submit_peer_form(pair_id: int) -> Response | tuple[str, int]:
    form = PeerAnswerForm()
    if not form.validate():
        abort(400)
    found = _own_pair_or_redirect(pair_id)
    if isinstance(found, Response):
        return found
    given = peer_feedback.AnswerInput(
        values={value: getattr(form, value).data or "" for value in BERAKHLAK_VALUES},
        does_well=form.does_well.data or "",
        could_improve=form.could_improve.data or "",
        submit=request.form.get("action") == "submit",
    )
    try:
        pair = peer_feedback.save_answer(current_user.employee, pair_id, given)
    except peer_feedback.PeerError as error:
        db.session.rollback()
        return _form_page(found, form, str(ERRORS.get(error.code, ERRORS["unknown_value"])), 422)
    ratee = pair.ratee.name
    db.session.commit()
    if given.submit:
        flash(_("Terima kasih. Jawaban Anda untuk %(name)s terkirim tanpa nama Anda.", name=ratee), "info")
        return redirect(url_for("staff.list_peer_requests"), code=303)
    flash(_("Draf disimpan. Anda dapat melanjutkannya sampai putaran ditutup."), "info")
    return redirect(url_for("staff.show_peer_form", pair_id=pair_id), code=303)
