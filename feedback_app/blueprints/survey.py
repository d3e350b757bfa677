"""The citizen's survey: open a counter's QR link (or a ticket's), answer the nine SKM questions, be thanked.

Counter posters: ``/s/<CODE>/<token>``. Ticket QR codes: ``/s/t/<token>`` (counter codes are upper case, so the
lower-case ``t`` never names a counter), one answer per ticket, attributed to the employee who served it.
"""

from __future__ import annotations

import secrets
from typing import Any

from flask import (
    Blueprint,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from flask_wtf import FlaskForm
from markupsafe import Markup
from werkzeug.wrappers import Response
from wtforms import HiddenField, RadioField, SelectChoice, TextAreaField
from wtforms.validators import InputRequired, Length, Regexp, ValidationError

from ..access import public
from ..clock import now
from ..extensions import csrf, db, limiter
from ..forms import OptionalChoiceField
from ..i18n import lazy_gettext as _l
from ..models import COMMENT_MAX_CHARS, Counter, Ticket
from ..security import browser_id, browser_limit_key, client_identity, ensure_browser_cookie, recent_fingerprints
from ..services.attribution import duty_from_reference, ticket_duty
from ..services.survey import (
    CounterClosed,
    PosterRetired,
    PosterUnknown,
    Submission,
    SurveyCounter,
    TicketAlreadyAnswered,
    counter_for_poster,
    find_survey_ticket,
    open_counter_survey,
    submit_response,
    ticket_answered,
)
from ..services.tokens import TicketTokenExpired, TicketTokenInvalid, answer_from_reference, answer_reference
from ..survey_text import PROFILE_LABELS, UNSUR

bp = Blueprint("survey", __name__, url_prefix="/s")


ANSWER_REQUIRED = _l("Pilih salah satu jawaban.")


ANSWER_INVALID = _l("Jawaban harus salah satu dari empat pilihan (1–4).")


class AnswerField(RadioField):
    """One SKM answer: an integer 1-4, with messages a citizen understands."""

    data: int | None

    def __init__(self, label: Any = None, **kwargs: Any) -> None:
        super().__init__(
            label,
            choices=[SelectChoice(v, str(v)) for v in (1, 2, 3, 4)],
            coerce=int,
            validators=[InputRequired(message=ANSWER_REQUIRED)],
            **kwargs,
        )

    def process_formdata(self, valuelist: list[str]) -> None:
        if valuelist:
            try:
                self.data = int(valuelist[0])
            except ValueError:
                self.data = None
                raise ValueError(str(ANSWER_INVALID)) from None

    def pre_validate(self, form: Any) -> None:
        if self.data is not None and self.data not in (1, 2, 3, 4):
            raise ValidationError(str(ANSWER_INVALID))


class SurveyForm(FlaskForm):
    u1 = AnswerField()
    u2 = AnswerField()
    u3 = AnswerField()
    u4 = AnswerField()
    u5 = AnswerField()
    u6 = AnswerField()
    u7 = AnswerField()
    u8 = AnswerField()
    u9 = AnswerField()
    comment = TextAreaField(
        _l("Saran dan masukan (boleh dikosongkan)"),
        validators=[Length(max=COMMENT_MAX_CHARS, message=_l("Saran paling panjang %(max)d karakter."))],
    )
    respondent_sex = OptionalChoiceField(PROFILE_LABELS["respondent_sex"][0])
    age_band = OptionalChoiceField(PROFILE_LABELS["age_band"][0])
    education = OptionalChoiceField(PROFILE_LABELS["education"][0])
    occupation = OptionalChoiceField(PROFILE_LABELS["occupation"][0])
    service_type = OptionalChoiceField(_l("Jenis layanan"))
    duty = HiddenField()
    submission_key = HiddenField(
        validators=[
            InputRequired(message=_l("Formulir tidak lengkap; muat ulang halaman.")),
            Regexp(r"^[0-9a-f]{32}$", message=_l("Formulir tidak lengkap; muat ulang halaman.")),
        ]
    )

    def __init__(self, service_types: list[tuple[int, str]], **kwargs: Any) -> None:
        super().__init__(**kwargs)
        for name, (_label, options) in PROFILE_LABELS.items():
            getattr(self, name).choices = [
                SelectChoice("", "—"),
                *(SelectChoice(v, label) for v, label in options.items()),
            ]
        self.service_type.choices = [SelectChoice("", "—"), *(SelectChoice(str(i), name) for i, name in service_types)]

    comment_max_chars = COMMENT_MAX_CHARS

    @property
    def answer_fields(self) -> list[tuple[Any, AnswerField]]:
        return [(unsur, getattr(self, unsur.code)) for unsur in UNSUR]

    def answers(self) -> dict[str, int]:
        return {unsur.code: getattr(self, unsur.code).data for unsur in UNSUR}

    def profile(self) -> dict[str, str | None]:
        return {name: getattr(self, name).data for name in PROFILE_LABELS}


def _poster_page(poster: PosterUnknown | PosterRetired | CounterClosed) -> Response:
    """Why a QR link opens no survey: an unknown code and a forged signature look the same (404); an old print
    (revoked poster) or a closed counter say so (410)."""
    if isinstance(poster, PosterRetired):
        return make_response(render_template("survey/retired_poster.html", counter=poster.counter), 410)
    if isinstance(poster, CounterClosed):
        return make_response(render_template("survey/inactive.html", counter=poster.counter), 410)
    abort(404)


def _counter_for(code: str, token: str) -> SurveyCounter:
    """The counter a QR link names, or the page saying why not (aborts with that page)."""
    try:
        return counter_for_poster(code, token)
    except (PosterUnknown, PosterRetired, CounterClosed) as refused:
        abort(_poster_page(refused))


_FRAGMENT_CACHE_SIZE = 256


def _service_choices(counter: Counter | SurveyCounter | None) -> list[tuple[int, str]]:
    # A ticket knows its service type, so its form does not ask for one (counter None).
    return [(service.id, service.name) for service in counter.service_types] if counter is not None else []


def _questions_html(service_choices: list[tuple[int, str]]) -> Markup:
    """The blank questions block, rendered once per language and set of service types, then reused.

    It is the bulk of the page (36 translated labels and the profile selects) and identical for every citizen,
    so the survey's hot path does not re-render it, nor build a form for it (see docs/benchmarks.md).
    """
    cache = current_app.extensions.setdefault("survey_fragments", {})
    key = (str(get_locale()), tuple(service_choices))
    html = cache.get(key)
    if html is None:
        if len(cache) >= _FRAGMENT_CACHE_SIZE:
            cache.clear()
        form = SurveyForm(service_choices, formdata=None)
        html = cache[key] = Markup(render_template("survey/_questions.html", form=form))  # noqa: S704  (autoescaped template)
    return html


def _render(
    counter: Counter | SurveyCounter,
    employee_name: str | None,
    *,
    service_choices: list[tuple[int, str]],
    form: SurveyForm | None = None,
    duty_reference: str = "",
    status: int = 200,
) -> Response:
    """The survey page: blank (a first visit) or ``form`` with the citizen's answers and what is wrong with them."""
    if form is None:
        hidden = {"duty": duty_reference, "submission_key": secrets.token_hex(16)}
        questions = _questions_html(service_choices)
    else:
        if form.submission_key.errors:
            form.submission_key.data = secrets.token_hex(16)
        hidden = {"duty": form.duty.data or "", "submission_key": form.submission_key.data}
        questions = None
    response = make_response(
        render_template(
            "survey/form.html",
            counter=counter,
            unit=counter.unit,
            form=form,
            hidden=hidden,
            employee_name=employee_name,
            questions_html=questions,
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return ensure_browser_cookie(response)


def _submission(form: SurveyForm) -> Submission:
    """The answers of a validated form, for the service."""
    return Submission(
        answers=form.answers(),
        submission_key=form.submission_key.data,
        comment=form.comment.data,
        profile=form.profile(),
        service_type_id=int(form.service_type.data) if form.service_type.data else None,
        locale=str(get_locale() or "id"),
    )


def _browser_limit() -> str:
    return current_app.config["SURVEY_LIMIT_PER_BROWSER"]


def _ip_limit() -> str:
    return current_app.config["SURVEY_LIMIT_PER_IP"]


@bp.get("/<code>/<token>")
@public
def show_form(code: str, token: str) -> Response:
    try:
        page = open_counter_survey(code, token, now())
    except (PosterUnknown, PosterRetired, CounterClosed) as refused:
        return _poster_page(refused)
    return _render(
        page.counter,
        page.duty.employee_name,
        service_choices=_service_choices(page.counter),
        duty_reference=page.duty_reference,
    )


@bp.post("/<code>/<token>")
@public
@csrf.exempt  # the form checks its own CSRF token so that a stale one re-renders the answers instead of a bare 400
@limiter.limit(_browser_limit, key_func=browser_limit_key, methods=["POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def submit_form(code: str, token: str) -> Response:
    counter = _counter_for(code, token)
    service_choices = _service_choices(counter)
    form = SurveyForm(service_choices)
    at = now()
    if not form.validate():
        duty = duty_from_reference(form.duty.data, counter.id, at)
        return _render(counter, duty.employee_name, service_choices=service_choices, form=form, status=400)
    result = submit_response(
        counter,
        _submission(form),
        duty_reference=form.duty.data,
        fingerprints=recent_fingerprints(client_identity()),
        browser_id=browser_id(),
        at=at,
    )
    thanks_url = url_for("survey.thanks", code=counter.public_code, token=token, r=answer_reference(result.response_id))
    db.session.commit()
    return redirect(thanks_url, code=303)


@bp.get("/<code>/<token>/terima-kasih")
@public
def thanks(code: str, token: str) -> str:
    counter = _counter_for(code, token)
    return _thanks(counter)


def _thanks(counter: Counter | SurveyCounter) -> str:
    """The thank-you page; with the signed reference of the answer it offers to turn it into a complaint."""
    reference = request.args.get("r")
    complaint_url = None
    if answer_from_reference(reference) is not None:
        complaint_url = url_for("public.complaint_form", slug=counter.unit.slug, r=reference)
    return render_template("survey/thanks.html", counter=counter, unit=counter.unit, complaint_url=complaint_url)


# --- the ticket's QR code ----------------------------------------------------------------------------------------


def _ticket_page(template: str, status: int, **context: object) -> Response:
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _ticket_for(token: str, *, answerable: bool = True) -> Ticket:
    """The ticket a QR token names, or a page saying why it cannot be answered (aborts with that page)."""
    try:
        ticket = find_survey_ticket(token)
    except TicketTokenExpired:
        abort(_ticket_page("survey/ticket_invalid.html", 410, expired=True))
    except TicketTokenInvalid:
        abort(_ticket_page("survey/ticket_invalid.html", 404, expired=False))
    if answerable:
        if ticket_answered(ticket.id):
            # A second answer posted is refused (409); merely opening the page again is fine (200).
            status = 409 if request.method == "POST" else 200
            page = _ticket_page(
                "survey/ticket_answered.html", status, ticket=ticket, unit=ticket.counter.unit, posted=status == 409
            )
            abort(page)
        if ticket.outcome != "finished":
            abort(_ticket_page("survey/ticket_not_finished.html", 200, ticket=ticket, unit=ticket.counter.unit))
    return ticket


@bp.get("/t/<token>")
@public
def show_ticket_form(token: str) -> Response:
    ticket = _ticket_for(token)
    return _render(ticket.counter, ticket_duty(ticket).employee_name, service_choices=_service_choices(None))


@bp.post("/t/<token>")
@public
@csrf.exempt  # as submit_form: the form checks its own CSRF token and re-renders the answers when it is stale
@limiter.limit(_browser_limit, key_func=browser_limit_key, methods=["POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def submit_ticket_form(token: str) -> Response:
    ticket = _ticket_for(token)
    form = SurveyForm(_service_choices(None))
    if not form.validate():
        return _render(
            ticket.counter,
            ticket_duty(ticket).employee_name,
            service_choices=_service_choices(None),
            form=form,
            status=400,
        )
    try:
        result = submit_response(
            ticket.counter,
            _submission(form),
            fingerprints=recent_fingerprints(client_identity()),
            browser_id=browser_id(),
            at=now(),
            ticket=ticket,
        )
    except TicketAlreadyAnswered:
        db.session.rollback()
        return _ticket_page("survey/ticket_answered.html", 409, ticket=ticket, unit=ticket.counter.unit, posted=True)
    db.session.commit()
    return redirect(url_for("survey.ticket_thanks", token=token, r=answer_reference(result.response_id)), code=303)


@bp.get("/t/<token>/terima-kasih")
@public
def ticket_thanks(token: str) -> str:
    ticket = _ticket_for(token, answerable=False)
    return _thanks(ticket.counter)
