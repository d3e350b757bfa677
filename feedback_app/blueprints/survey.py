"""The citizen's survey: open a counter's QR link (or a ticket's), answer the nine SKM questions, be thanked.

Counter posters: ``/s/<CODE>/<token>``. Ticket QR codes: ``/s/t/<token>`` (counter codes are upper case, so the
lower-case ``t`` never names a counter), one answer per ticket, attributed to the employee who served it.
"""

from __future__ import annotations

import secrets

from flask import (
    Blueprint,
    Response,
    abort,
    current_app,
    make_response,
    redirect,
    render_template,
    request,
    url_for,
)
from flask_babel import get_locale
from sqlalchemy import select
from sqlalchemy.orm import selectinload

from ..auth import public
from ..clock import now
from ..extensions import csrf, db, limiter
from ..forms import SurveyForm
from ..models import Counter, Ticket
from ..security import browser_limit_key, client_identity, ensure_browser_cookie, recent_fingerprints
from ..services.attribution import duty_from_reference, on_duty, sign_duty
from ..services.qr import verify_counter_token
from ..services.survey import Submission, TicketAlreadyAnswered, submit_response, ticket_duty
from ..services.tickets import TicketTokenExpired, TicketTokenInvalid, ticket_answered, verify_ticket_token
from ..survey_text import PROFILE_LABELS

bp = Blueprint("survey", __name__, url_prefix="/s")


def _counter_for(code: str, token: str) -> Counter:
    """The counter a QR link names; an unknown code and a forged signature look the same (404)."""
    counter = db.session.scalar(
        select(Counter)
        .options(selectinload(Counter.service_types), selectinload(Counter.unit))
        .where(Counter.public_code == code.upper())
    )
    if counter is None or not verify_counter_token(counter, token):
        abort(404)
    if not counter.active:
        abort(make_response(render_template("survey/inactive.html", counter=counter), 410))
    return counter


def _render(counter: Counter, form: SurveyForm, employee_name: str | None, status: int = 200) -> Response:
    response = make_response(
        render_template("survey/form.html", counter=counter, unit=counter.unit, form=form,
                        employee_name=employee_name, profile_labels=PROFILE_LABELS),
        status,
    )
    response.headers["Cache-Control"] = "no-store"
    return ensure_browser_cookie(response)


def _form(counter: Counter) -> SurveyForm:
    return SurveyForm([(service.id, service.name) for service in counter.service_types])


def _browser_limit() -> str:
    return current_app.config["SURVEY_LIMIT_PER_BROWSER"]


def _ip_limit() -> str:
    return current_app.config["SURVEY_LIMIT_PER_IP"]


@bp.get("/<code>/<token>")
@public
def show_form(code: str, token: str) -> Response:
    counter = _counter_for(code, token)
    duty = on_duty(counter.id, now())
    form = _form(counter)
    form.duty.data = sign_duty(counter.id, duty)
    form.submission_key.data = secrets.token_hex(16)
    return _render(counter, form, duty.employee_name)


@bp.post("/<code>/<token>")
@public
@csrf.exempt  # the form checks its own CSRF token so that a stale one re-renders the answers instead of a bare 400
@limiter.limit(_browser_limit, key_func=browser_limit_key, methods=["POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def submit_form(code: str, token: str) -> Response:
    counter = _counter_for(code, token)
    form = _form(counter)
    at = now()
    if not form.validate():
        if form.submission_key.errors:
            form.submission_key.data = secrets.token_hex(16)
        duty = duty_from_reference(form.duty.data, counter.id, at)
        return _render(counter, form, duty.employee_name, status=400)
    submission = Submission(
        answers=form.answers(),
        submission_key=form.submission_key.data,
        comment=form.comment.data,
        profile=form.profile(),
        service_type_id=int(form.service_type.data) if form.service_type.data else None,
        locale=str(get_locale() or "id"),
    )
    submit_response(
        counter,
        submission,
        duty=duty_from_reference(form.duty.data, counter.id, at),
        fingerprints=recent_fingerprints(client_identity()),
        at=at,
    )
    db.session.commit()
    return redirect(url_for("survey.thanks", code=counter.public_code, token=token), code=303)


@bp.get("/<code>/<token>/terima-kasih")
@public
def thanks(code: str, token: str) -> str:
    counter = _counter_for(code, token)
    return render_template("survey/thanks.html", counter=counter, unit=counter.unit)


# --- the ticket's QR code ----------------------------------------------------------------------------------------


def _ticket_page(template: str, status: int, **context: object) -> Response:
    response = make_response(render_template(template, **context), status)
    response.headers["Cache-Control"] = "no-store"
    return response


def _ticket_for(token: str, *, answerable: bool = True) -> Ticket:
    """The ticket a QR token names, or a page saying why it cannot be answered (aborts with that page)."""
    try:
        ticket_id = verify_ticket_token(token)
    except TicketTokenExpired:
        abort(_ticket_page("survey/ticket_invalid.html", 410, expired=True))
    except TicketTokenInvalid:
        abort(_ticket_page("survey/ticket_invalid.html", 404, expired=False))
    ticket = db.session.scalar(
        select(Ticket)
        .options(selectinload(Ticket.counter).selectinload(Counter.unit), selectinload(Ticket.employee))
        .where(Ticket.id == ticket_id)
    )
    if ticket is None:
        abort(_ticket_page("survey/ticket_invalid.html", 404, expired=False))
    if answerable:
        if ticket_answered(ticket.id):
            # A second answer posted is refused (409); merely opening the page again is fine (200).
            status = 409 if request.method == "POST" else 200
            abort(_ticket_page("survey/ticket_answered.html", status, ticket=ticket, unit=ticket.counter.unit))
        if ticket.outcome != "finished":
            abort(_ticket_page("survey/ticket_not_finished.html", 200, ticket=ticket, unit=ticket.counter.unit))
    return ticket


def _ticket_form() -> SurveyForm:
    # The ticket knows its service type: the form does not ask for it.
    return SurveyForm([])


@bp.get("/t/<token>")
@public
def show_ticket_form(token: str) -> Response:
    ticket = _ticket_for(token)
    form = _ticket_form()
    form.submission_key.data = secrets.token_hex(16)
    return _render(ticket.counter, form, ticket_duty(ticket).employee_name)


@bp.post("/t/<token>")
@public
@csrf.exempt  # as submit_form: the form checks its own CSRF token and re-renders the answers when it is stale
@limiter.limit(_browser_limit, key_func=browser_limit_key, methods=["POST"])
@limiter.limit(_ip_limit, methods=["POST"])
def submit_ticket_form(token: str) -> Response:
    ticket = _ticket_for(token)
    form = _ticket_form()
    if not form.validate():
        if form.submission_key.errors:
            form.submission_key.data = secrets.token_hex(16)
        return _render(ticket.counter, form, ticket_duty(ticket).employee_name, status=400)
    submission = Submission(
        answers=form.answers(),
        submission_key=form.submission_key.data,
        comment=form.comment.data,
        profile=form.profile(),
        locale=str(get_locale() or "id"),
    )
    try:
        submit_response(ticket.counter, submission, fingerprints=recent_fingerprints(client_identity()), at=now(),
                        ticket=ticket)
    except TicketAlreadyAnswered:
        db.session.rollback()
        return _ticket_page("survey/ticket_answered.html", 409, ticket=ticket, unit=ticket.counter.unit)
    db.session.commit()
    return redirect(url_for("survey.ticket_thanks", token=token), code=303)


@bp.get("/t/<token>/terima-kasih")
@public
def ticket_thanks(token: str) -> str:
    ticket = _ticket_for(token, answerable=False)
    return render_template("survey/thanks.html", counter=ticket.counter, unit=ticket.counter.unit)
