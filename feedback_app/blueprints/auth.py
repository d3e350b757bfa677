"""Logging in and out, and the account's home page that leads each role to its pages."""

from __future__ import annotations

from flask import Blueprint, flash, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user, login_user, logout_user
from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash
from werkzeug.wrappers import Response

from ..auth import any_role, public, units_in_scope
from ..extensions import db, limiter
from ..forms import ConfirmForm, LoginForm
from ..models import User

bp = Blueprint("auth", __name__)
_DUMMY_HASH = generate_password_hash("not-a-real-password")


@bp.route("/masuk", methods=["GET", "POST"])
@public
@limiter.limit("20 per minute", methods=["POST"])
def login() -> Response | tuple[str, int] | str:
    form = LoginForm()
    if request.method == "GET":
        form.next.data = request.args.get("next", "")
        return render_template("auth/login.html", form=form)
    if form.validate():
        user = db.session.scalar(select(User).where(User.login == form.login.data.strip()))
        # Hash even for an unknown login, so the answer time does not tell which logins exist.
        password_ok = user.check_password(form.password.data) if user else check_password_hash(_DUMMY_HASH, "x")
        if user is not None and user.active and password_ok:
            login_user(user)
            return redirect(form.safe_next() or url_for("auth.home"))
        form.password.errors.append(_("Nama pengguna atau kata sandi salah."))
    return render_template("auth/login.html", form=form), 400


@bp.post("/keluar")
@any_role
def logout() -> Response:
    form = ConfirmForm()
    if form.validate():
        logout_user()
        flash(_("Anda sudah keluar."), "info")
    return redirect(url_for("auth.login"))


@bp.get("/akun")
@any_role
def home() -> str:
    return render_template(
        "auth/home.html", user=current_user, units=units_in_scope(current_user), logout_form=ConfirmForm()
    )
