"""The counter console for staff (``/loket``): sign in to a counter, issue and call tickets, show the survey QR.

Built for a tablet at the desk and for browsers with JavaScript off: every button is its own small POST form with
a CSRF token and a fresh idempotency key, so a double click records one event (spec §2.1 sign-in, §2.3 events).
"""

from __future__ import annotations

import functools
import secrets
from collections.abc import Callable
from typing import ParamSpec, TypeVar

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import InputRequired, Optional, Regexp

from ..access import roles_required
from ..clock import now
from ..extensions import db
from ..models import Counter
from ..security import browser_id_or_new, ensure_browser_cookie
from ..services.attribution import on_duty
from ..services.console import (
    TICKET_ACTIONS,
    ConsoleError,
    console_action,
    counters_for,
    current_ticket,
    find_counter_ticket,
    issue_ticket,
    last_finished_ticket,
    may_print_slip,
    open_sign_in,
    sign_in_to_counter,
    sign_out,
    staff_unit_ids,
    ticket_number,
    waiting_tickets,
)
from ..services.flags import mark_staff_browser
from ..services.qr import qr_svg
from ..services.tokens import ticket_survey_url

bp = Blueprint("console", __name__, url_prefix="/loket")

P = ParamSpec("P")
R = TypeVar("R")


class ConsoleForm(FlaskForm):
    """One button: the idempotency key, and what the button is about."""

    key = HiddenField(validators=[InputRequired(), Regexp(r"^[0-9a-f]{32}$")])
    action = HiddenField(validators=[Optional()])
    ticket = HiddenField(validators=[Optional()])
    service_type = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])


def new_key() -> str:
    """A fresh idempotency key for one rendered button."""
    return secrets.token_hex(16)


def employee_required(view: Callable[P, R]) -> Callable[P, R | Response]:
    """Send an account that is not linked to an employee back to the start page, which says what to do.

    Goes under ``roles_required``, so the role is checked first.
    """

    @functools.wraps(view)
    def guarded(*args: P.args, **kwargs: P.kwargs) -> R | Response:
        if current_user.employee is None:
            flash(_("Akun Anda belum terhubung ke data pegawai. Hubungi admin unit."), "error")
            return redirect(url_for("console.index"))
        return view(*args, **kwargs)

    return guarded


def _counter_or_abort(code: str) -> Counter:
    """The counter named in the URL: 404 if unknown, 403 if it belongs to a unit this staff member does not serve."""
    counter = db.session.scalar(
        select(Counter)
        .options(selectinload(Counter.unit), selectinload(Counter.service_types))
        .where(Counter.public_code == code.upper())
    )
    if counter is None:
        abort(404)
    if counter.unit_id not in staff_unit_ids(current_user, now()):
        abort(403)
    return counter


def _valid_form() -> ConsoleForm:
    form = ConsoleForm()
    if not form.validate():
        abort(400)
    return form


def _back(counter: Counter) -> Response:
    return redirect(url_for("console.show_counter", code=counter.public_code))


def _refused(error: ConsoleError, target: Response) -> Response:
    db.session.rollback()
    flash(str(error.message), "error")
    return target


@bp.get("/")
@roles_required("staff")
def index() -> str:
    """Where am I signed in, and the counters I may sign in to."""
    at = now()
    employee = current_user.employee
    live = open_sign_in(employee.id, at) if employee is not None else None
    counters = counters_for(current_user, at) if employee is not None else []
    return render_template("console/index.html", employee=employee, live=live, counters=counters, new_key=new_key)


@bp.post("/<code>/masuk")
@roles_required("staff")
@employee_required
def sign_in(code: str) -> Response:
    counter = _counter_or_abort(code)
    form = _valid_form()
    at = now()
    try:
        result = sign_in_to_counter(current_user, counter, form.key.data, at)
    except ConsoleError as error:
        return _refused(error, redirect(url_for("console.index")))
    mark_staff_browser(browser_id_or_new(), {counter.unit_id}, at)  # its survey answers here: self_rating
    db.session.commit()
    if not result.replayed:
        flash(
            _(
                "Anda masuk ke %(counter)s. Jawaban survei di loket ini tercatat atas nama Anda sampai Anda keluar.",
                counter=counter.name,
            ),
            "info",
        )
        for name in result.closed_others:
            flash(_("Sesi %(name)s di loket ini ditutup.", name=name), "info")
    return ensure_browser_cookie(_back(counter))


@bp.post("/keluar")
@roles_required("staff")
@employee_required
def sign_out_view() -> Response:
    form = _valid_form()
    try:
        result = sign_out(current_user, form.key.data, now())
    except ConsoleError as error:
        return _refused(error, redirect(url_for("console.index")))
    db.session.commit()
    if not result.replayed:
        flash(_("Anda sudah keluar dari loket."), "info")
    return redirect(url_for("console.index"))


@bp.get("/<code>")
@roles_required("staff")
@employee_required
def show_counter(code: str) -> Response | str:
    """The console of one counter: the ticket at the desk, the buttons, the queue, the last finished ticket's QR."""
    counter = _counter_or_abort(code)
    at = now()
    live = open_sign_in(current_user.employee.id, at)
    here = live is not None and live.counter_id == counter.id
    finished = last_finished_ticket(counter, at) if here else None
    survey_url = ticket_survey_url(finished) if finished is not None else None
    return render_template(
        "console/counter.html",
        counter=counter,
        unit=counter.unit,
        live=live,
        here=here,
        duty=on_duty(counter.id, at),
        queue=waiting_tickets(counter, at) if here else [],
        current=current_ticket(counter, at) if here else None,
        finished=finished,
        survey_url=survey_url,
        qr=qr_svg(survey_url) if survey_url else None,
        number=ticket_number,
        new_key=new_key,
    )


@bp.post("/<code>/ambil-nomor")
@roles_required("staff")
@employee_required
def issue(code: str) -> Response:
    """Issue a ticket for a service of this counter (offices without a queue machine)."""
    counter = _counter_or_abort(code)
    form = _valid_form()
    if not form.service_type.data:
        abort(400)
    try:
        result = issue_ticket(current_user, counter, int(form.service_type.data), form.key.data, now())
    except ConsoleError as error:
        return _refused(error, _back(counter))
    db.session.commit()
    if not result.replayed and result.ticket is not None:
        flash(
            _(
                "Nomor %(number)s untuk %(service)s sudah masuk antrean.",
                number=ticket_number(result.ticket),
                service=result.ticket.service_type.name,
            ),
            "info",
        )
    return _back(counter)


@bp.post("/<code>/aksi")
@roles_required("staff")
@employee_required
def act(code: str) -> Response:
    """One of the ticket buttons: call next, start, finish, returned for correction, no-show."""
    counter = _counter_or_abort(code)
    form = _valid_form()
    if form.action.data not in TICKET_ACTIONS:
        abort(400)
    try:
        console_action(
            current_user, counter, form.action.data, form.key.data, now(), external_id=form.ticket.data or None
        )
    except ConsoleError as error:
        return _refused(error, _back(counter))
    db.session.commit()
    return _back(counter)


@bp.get("/<code>/cetak")
@roles_required("staff")
@employee_required
def print_ticket(code: str) -> Response | str:
    """A print-friendly slip of a finished ticket: its number and survey QR (``?tiket=<external_id>``)."""
    counter = _counter_or_abort(code)
    ticket = find_counter_ticket(counter, request.args.get("tiket", ""))
    if ticket is None or ticket.finished_at is None or not may_print_slip(current_user.employee, ticket, now()):
        abort(404)  # a colleague's ticket looks like an unknown one: its id is easy to guess
    survey_url = ticket_survey_url(ticket)
    return render_template(
        "console/print.html",
        counter=counter,
        unit=counter.unit,
        ticket=ticket,
        number=ticket_number(ticket),
        survey_url=survey_url,
        qr=qr_svg(survey_url),
    )
