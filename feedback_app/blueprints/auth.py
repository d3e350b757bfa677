"""Logging in and out, and the account's home page that leads each role to its pages."""

from __future__ import annotations

import math
import re
from typing import Any

from flask import (
    Blueprint,
    after_this_request,
    flash,
    make_response,
    redirect,
    render_template,
    request,
    session,
    url_for,
)
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response
from wtforms import HiddenField, PasswordField, StringField
from wtforms.validators import InputRequired, Length

from ..access import any_role, end_every_session, public, start_session, units_in_scope
from ..clock import now
from ..extensions import db, limiter
from ..forms import ConfirmForm
from ..i18n import lazy_gettext as _l
from ..models import User
from ..security import browser_id_or_new, ensure_browser_cookie, hashed_client_ip
from ..services import accounts, login_throttle
from ..services.console import staff_unit_ids
from ..services.errors import AccountError
from ..services.flags import mark_staff_browser

bp = Blueprint("auth", __name__)


class LoginForm(FlaskForm):
    login = StringField(
        _l("Nama pengguna"), validators=[InputRequired(message=_l("Isi nama pengguna.")), Length(max=80)]
    )
    password = PasswordField(
        _l("Kata sandi"), validators=[InputRequired(message=_l("Isi kata sandi.")), Length(max=200)]
    )
    next = HiddenField()

    def safe_next(self) -> str | None:
        """Only same-site paths, never an open redirect."""
        target = self.next.data or ""
        return target if re.fullmatch(r"/(?!/)[\w\-./?=&%]*", target) else None


def _password(label: Any, autocomplete_message: Any) -> PasswordField:
    return PasswordField(label, validators=[InputRequired(message=autocomplete_message), Length(max=200)])


class NewPasswordForm(FlaskForm):
    """A new password, typed twice (an admin's reset link)."""

    new = _password(_l("Kata sandi baru"), _l("Isi kata sandi baru."))
    repeat = _password(_l("Ulangi kata sandi baru"), _l("Ulangi kata sandi baru."))


class PasswordChangeForm(NewPasswordForm):
    current = _password(_l("Kata sandi sekarang"), _l("Isi kata sandi sekarang."))


_DUMMY_HASH = generate_password_hash("not-a-real-password")
_MARKED = "staff_browser_marked"  # in the session: the UTC hour this browser was last marked


def _mark_this_browser(user: User) -> None:
    """This browser holds a staff session of the user's units today: its survey answers there are flagged
    ``self_rating``, even after logout (services/flags.py)."""
    at = now()
    units = {unit_id for unit_id in (user.unit_id, *staff_unit_ids(user, at)) if unit_id is not None}
    mark_staff_browser(browser_id_or_new(), units, at)
    session[_MARKED] = at.strftime("%Y-%m-%dT%H")


@bp.before_app_request
def mark_open_staff_sessions() -> None:
    """A staff session kept open across days marks its browser again, at most once an hour, on any page."""
    if not current_user.is_authenticated or session.get(_MARKED) == now().strftime("%Y-%m-%dT%H"):
        return
    _mark_this_browser(current_user)
    db.session.commit()
    after_this_request(ensure_browser_cookie)


@bp.route("/masuk", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
def login() -> Response | tuple[str, int] | str:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return render_template("auth/login.html", form=form)
    if form.validate():
        name, network = form.login.data.strip(), hashed_client_ip()
        wait = login_throttle.login_refusal(name, network)
        if wait:
            # The same words for every name, existing or not, locked or only slowed down.
            form.password.errors.append(_wait_message(wait))
            return render_template("auth/login.html", form=form), 429
        user = db.session.scalar(select(User).where(User.login == name))
        # Hash even for an unknown login, so the answer time does not tell which logins exist.
        password_ok = user.check_password(form.password.data) if user else check_password_hash(_DUMMY_HASH, "x")
        if user is not None and user.active and password_ok:
            login_throttle.record_successful_login(name)
            start_session(user)
            _mark_this_browser(user)
            db.session.commit()
            return ensure_browser_cookie(redirect(form.safe_next() or url_for("auth.home")))
        login_throttle.record_failed_login(name, network)
        db.session.commit()
        form.password.errors.append(_("Nama pengguna atau kata sandi salah."))
    return render_template("auth/login.html", form=form), 400


def _wait_message(seconds: int) -> str:
    if seconds >= 90:
        return _("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(n)d menit.", n=math.ceil(seconds / 60))
    return _("Terlalu banyak percobaan masuk yang gagal. Coba lagi dalam %(n)d detik.", n=seconds)


@bp.post("/keluar")
@any_role
def logout() -> Response:
    form = ConfirmForm()
    if form.validate():
        end_every_session(current_user)  # a session cookie copied before this logout stops working too
        db.session.commit()
        flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/akun")
@any_role
def home() -> str:
    return render_template(
        "auth/home.html", user=current_user, units=units_in_scope(current_user), logout_form=ConfirmForm()
    )


@bp.route("/akun/kata-sandi", methods=["GET", "POST"])
@any_role
def change_password() -> Response | tuple[str, int] | str:
    form = PasswordChangeForm()
    if request.method == "GET":
        return render_template("auth/change_password.html", form=form)
    if form.validate():
        try:
            accounts.change_password(current_user, form.current.data, form.new.data, form.repeat.data)
        except AccountError as error:
            form.new.errors.append(str(error))
        else:
            db.session.commit()
            # The new password ended every session of the account (models.User.set_password); this one goes on.
            start_session(current_user._get_current_object())
            flash(_("Kata sandi sudah diganti."), "info")
            return redirect(url_for("auth.home"), code=303)
    return render_template("auth/change_password.html", form=form), 422


@bp.route("/atur-ulang-sandi/<token>", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
def reset_password(token: str) -> Response | tuple[str, int] | str:
    """The one-time link an admin made: choose a new password; the link then stops working."""
    form = NewPasswordForm()
    if accounts.usable_reset(token) is None:
        return render_template("auth/reset_password.html", form=None), 410
    if request.method == "GET":
        response = make_response(render_template("auth/reset_password.html", form=form))
        response.headers["Referrer-Policy"] = "no-referrer"  # the token is in the URL
        return response
    if form.validate():
        try:
            accounts.reset_password(token, form.new.data, form.repeat.data)
        except AccountError as error:
            form.new.errors.append(str(error))
        else:
            db.session.commit()
            flash(_("Kata sandi baru tersimpan. Silakan masuk."), "info")
            return redirect(url_for("auth.login"), code=303)
    return render_template("auth/reset_password.html", form=form), 422
