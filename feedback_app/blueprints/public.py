"""Pages for everyone: the front page, each unit's public page and open data, and complaints by tracking code.

The unit page ``/u/<slug>`` (and ``.json``, ``.csv``) shows only published final runs and never a comment or a
contact; it is cacheable (``Cache-Control`` and an ``ETag``). Citizens file a complaint from the unit page or
from the survey's thank-you page and follow it at ``/pengaduan/<code>``.
"""

from __future__ import annotations

import csv
import hashlib
import io
import json

from flask import Blueprint, abort, current_app, g, make_response, redirect, render_template, request, url_for
from flask_babel import format_date, get_locale
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from sqlalchemy import func, select
from werkzeug.wrappers import Response
from wtforms import HiddenField, RadioField, SelectChoice, StringField, TextAreaField
from wtforms.validators import InputRequired, Length, Optional

from ..access import public
from ..clock import now
from ..extensions import db, limiter
from ..i18n import lazy_gettext as _l
from ..identifiers import InvalidTrackingCode, format_tracking_code, normalise_tracking_code
from ..models import COMMENT_MAX_CHARS, Counter, SurveyResponse, Unit
from ..security import browser_limit_key
from ..services.complaints import ComplaintError, file_complaint, find_by_code, public_view
from ..services.publishing import CSV_HEADERS, UNSUR, public_csv_rows, public_figures
from ..services.qr import qr_svg
from ..services.tokens import answer_from_reference
from ..survey_text import UNSUR as UNSUR_TEXT

UNSUR_NAMES = [(code, unsur.name) for code, unsur in zip(UNSUR, UNSUR_TEXT, strict=True)]

bp = Blueprint("public", __name__)


COMPLAINT_KIND_LABELS = {
    "pengaduan": _l("Pengaduan (keluhan atas pelayanan)"),
    "saran": _l("Saran"),
    "informasi": _l("Permintaan informasi"),
}


class ComplaintForm(FlaskForm):
    """A citizen's complaint, suggestion or request; the contact is optional."""

    kind = RadioField(
        _l("Jenis"),
        choices=[SelectChoice(value, label) for value, label in COMPLAINT_KIND_LABELS.items()],
        default="pengaduan",
        validators=[InputRequired(message=_l("Pilih jenisnya."))],
    )
    text = TextAreaField(
        _l("Apa yang terjadi, atau apa yang Anda tanyakan?"),
        validators=[
            InputRequired(message=_l("Tuliskan pengaduan, saran, atau pertanyaan Anda.")),
            Length(max=COMMENT_MAX_CHARS, message=_l("Paling panjang %(max)d karakter.")),
        ],
    )
    contact = StringField(
        _l("Nomor HP atau e-mail untuk jawaban (boleh dikosongkan)"),
        validators=[Optional(), Length(max=120, message=_l("Paling panjang %(max)d karakter."))],
    )
    answer_ref = HiddenField()


class TrackingLookupForm(FlaskForm):
    class Meta:
        csrf = False  # a GET form that only reads

    kode = StringField(_l("Kode pelacakan"), validators=[InputRequired(message=_l("Isi kode pelacakan."))])


STATUS_LABELS = {
    "diterima": _l("Diterima"),
    "diverifikasi": _l("Diverifikasi"),
    "ditindaklanjuti": _l("Ditindaklanjuti"),
    "dijawab": _l("Dijawab"),
    "selesai": _l("Selesai"),
    "diteruskan": _l("Diteruskan ke unit lain"),
    "ditolak": _l("Ditolak"),
}
STEP_LABELS = {
    "received": _l("Pengaduan diterima"),
    "verified": _l("Diverifikasi oleh petugas pengaduan"),
    "classified": _l("Diklasifikasikan"),
    "answered": _l("Jawaban dari unit"),
    "forwarded": _l("Diteruskan ke"),
    "rejected": _l("Ditolak, dengan alasan"),
    "closed": _l("Selesai"),
}

#: How long a proxy may serve the unit page without asking again (it revalidates with the ETag after that).
PUBLIC_MAX_AGE = 300


@bp.get("/")
@public
def index() -> str:
    rows = db.session.execute(
        select(Unit, func.count(Counter.id))
        .outerjoin(Counter, (Counter.unit_id == Unit.id) & Counter.active)
        .group_by(Unit.id)
        .order_by(Unit.name)
    ).all()
    return render_template("public/index.html", units=rows)


def _unit_or_404(slug: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
    if unit is None:
        abort(404)
    return unit


def _cacheable(body: str | bytes, mimetype: str) -> Response:
    """A response a proxy may keep: ``Cache-Control: public`` and a strong ETag; 304 on a matching If-None-Match."""
    data = body.encode() if isinstance(body, str) else body
    # A cached page and its revalidation must agree on the CSP nonce of its <style>: the random nonce of this
    # render is replaced by one derived from the content, so the same figures give the same body, ETag and header.
    nonce = g.get("csp_nonce")
    if nonce:
        content = hashlib.sha256(data.replace(nonce.encode(), b"")).hexdigest()
        g.csp_nonce = content[:24]
        data = data.replace(nonce.encode(), g.csp_nonce.encode())
    response = make_response(data)
    response.mimetype = mimetype
    response.headers["Cache-Control"] = f"public, max-age={PUBLIC_MAX_AGE}"
    response.headers["Vary"] = "Cookie"  # the language is chosen by cookie
    response.set_etag(hashlib.sha256(data).hexdigest()[:32])
    return response.make_conditional(request)


@bp.get("/u/<slug>")
@public
def unit_page(slug: str) -> Response:
    unit = _unit_or_404(slug)
    figures = public_figures(unit)
    html = render_template("public/unit.html", unit=unit, figures=figures, unsur=UNSUR_NAMES)
    return _cacheable(html, "text/html")


@bp.get("/u/<slug>.json")
@public
def unit_json(slug: str) -> Response:
    figures = public_figures(_unit_or_404(slug))
    document = {**figures, "periods": [period.to_dict() for period in figures["periods"]]}
    return _cacheable(json.dumps(document, ensure_ascii=False, indent=1), "application/json")


@bp.get("/u/<slug>.csv")
@public
def unit_csv(slug: str) -> Response:
    figures = public_figures(_unit_or_404(slug))
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(CSV_HEADERS)
    writer.writerows(public_csv_rows(figures))
    response = _cacheable(out.getvalue(), "text/csv")
    response.headers["Content-Disposition"] = f'inline; filename="skm-{slug}.csv"'
    return response


# --- complaints ---------------------------------------------------------------------------------------------------


def _browser_limit() -> str:
    return current_app.config["SURVEY_LIMIT_PER_BROWSER"]


def _ip_limit() -> str:
    return current_app.config["SURVEY_LIMIT_PER_IP"]


def _answer_of(unit: Unit, reference: str | None) -> SurveyResponse | None:
    """The survey answer a thank-you page's link names, if the link is intact and the answer is this unit's."""
    answer_id = answer_from_reference(reference)
    answer = db.session.get(SurveyResponse, answer_id) if answer_id is not None else None
    return answer if answer is not None and answer.unit_id == unit.id else None


COMPLAINT_MESSAGES = {
    "contact": lambda: _("Tulis nomor HP (08… atau +628…) atau alamat e-mail, atau kosongkan."),
    "text_required": lambda: _("Tuliskan pengaduan, saran, atau pertanyaan Anda."),
    "text_length": lambda: _("Isian terlalu panjang."),
    "already_filed": lambda: _("Jawaban survei ini sudah dijadikan pengaduan."),
}


def _complaint_page(unit: Unit, form: ComplaintForm, answer: SurveyResponse | None, status: int = 200) -> Response:
    response = make_response(render_template("public/complaint_form.html", unit=unit, form=form, answer=answer), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/u/<slug>/pengaduan")
@public
def complaint_form(slug: str) -> Response:
    unit = _unit_or_404(slug)
    reference = request.args.get("r")
    answer = _answer_of(unit, reference)
    form = ComplaintForm(formdata=None, text=answer.comment if answer is not None else None)
    form.answer_ref.data = reference if answer is not None else ""
    return _complaint_page(unit, form, answer)


@bp.post("/u/<slug>/pengaduan")
@public
@limiter.limit(_browser_limit, key_func=browser_limit_key, methods=["POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def submit_complaint(slug: str) -> Response:
    unit = _unit_or_404(slug)
    form = ComplaintForm()
    answer = _answer_of(unit, form.answer_ref.data)
    if not form.validate():
        return _complaint_page(unit, form, answer, 422)
    try:
        complaint = file_complaint(
            unit,
            kind=form.kind.data,
            text=form.text.data,
            contact=form.contact.data,
            counter=answer.counter if answer is not None else None,
            employee_id=answer.employee_id if answer is not None else None,
            survey_response_id=answer.id if answer is not None else None,
            locale=str(get_locale() or "id"),
            at=now(),
        )
    except ComplaintError as error:
        db.session.rollback()
        field = form.contact if error.code == "contact" else form.text
        message = COMPLAINT_MESSAGES[error.code]() if error.code in COMPLAINT_MESSAGES else str(error)
        field.errors = [*field.errors, message]
        return _complaint_page(unit, form, _answer_of(unit, form.answer_ref.data), 422)
    code = complaint.tracking_code
    db.session.commit()
    return redirect(url_for("public.complaint_status", code=code, baru=1), code=303)


@bp.get("/pengaduan")
@public
def complaint_lookup() -> Response:
    form = TrackingLookupForm(request.args)
    status = 200
    if request.args:
        if form.validate():
            try:
                code = normalise_tracking_code(form.kode.data)
            except InvalidTrackingCode:
                form.kode.errors = [
                    _("Kode ini salah ketik: ada huruf yang keliru atau dua huruf tertukar. Periksa lagi kodenya.")
                ]
                status = 422
            else:
                return redirect(url_for("public.complaint_status", code=code), code=303)
        else:
            status = 422
    response = make_response(render_template("public/complaint_lookup.html", form=form), status)
    response.headers["Cache-Control"] = "no-store"
    return response


@bp.get("/pengaduan/<code>")
@public
def complaint_status(code: str) -> Response:
    try:
        canonical = normalise_tracking_code(code)
    except InvalidTrackingCode:
        form = TrackingLookupForm(formdata=None, kode=code)
        form.kode.errors = [
            _("Kode ini salah ketik: ada huruf yang keliru atau dua huruf tertukar. Periksa lagi kodenya.")
        ]
        return make_response(render_template("public/complaint_lookup.html", form=form), 422)
    if canonical != code:
        return redirect(url_for("public.complaint_status", code=canonical), code=301)
    complaint = find_by_code(canonical)
    if complaint is None:
        abort(404)
    url = complaint_status_url(canonical)
    svg = qr_svg(url)
    response = make_response(
        render_template(
            "public/complaint_status.html",
            view=public_view(complaint),
            new=request.args.get("baru") == "1",
            qr=svg[svg.index("<svg") :],
            url=url,
            display_code=format_tracking_code(canonical),
            status_labels=STATUS_LABELS,
            step_labels=STEP_LABELS,
            format_date=format_date,
        )
    )
    response.headers["Cache-Control"] = "no-store"
    return response


def complaint_status_url(code: str) -> str:
    """The absolute address of a status page, on the public base URL (printed in the QR code and in mails)."""
    return current_app.config["PUBLIC_BASE_URL"].rstrip("/") + url_for("public.complaint_status", code=code)
