"""Accounts of the unit: an admin makes a one-time password reset link (shown once, expiring)."""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import HiddenField
from wtforms.validators import InputRequired, Regexp

from ...access import roles_required
from ...extensions import db
from ...models import User
from ...services import accounts
from ...services.errors import AccountError
from . import bp


class PasswordResetForm(FlaskForm):
    user_id = HiddenField(validators=[InputRequired(), Regexp(r"^\d{1,12}$")])


def users_page(new_account: FlaskForm | None = None, status: int = 200) -> Response:
    """The accounts page; ``new_account`` is the new-account form as posted (with its errors) after a refusal."""
    from .setup import AccountActiveForm, account_form

    # A link just made arrives here once through the session (post/redirect/get: a refresh makes nothing new).
    made = session.pop("new_reset_link", None) if status == 200 else None
    response = make_response(
        render_template(
            "admin/users.html",
            users=accounts.users_in_scope(current_user),
            form=PasswordResetForm(formdata=None),
            new_link=made,
            valid_hours=accounts.RESET_VALID_HOURS,
            account_form=new_account or account_form(),
            active_form=AccountActiveForm(formdata=None),
        ),
        status,
    )
    response.headers["Cache-Control"] = "no-store"  # the page may show a reset link; no cache may keep it
    return response


@bp.get("/pengguna")
@roles_required("admin")
def list_users() -> Response:
    return users_page()


@bp.post("/pengguna/atur-ulang")
@roles_required("admin")
def create_password_reset() -> Response:
    form = PasswordResetForm()
    if not form.validate():
        flash(_("Akun tidak dikenali. Muat ulang halaman lalu coba lagi."), "error")
        return redirect(url_for("admin.list_users"))
    user = db.session.get(User, int(form.user_id.data))
    if user is None or (current_user.unit_id is not None and user.unit_id != current_user.unit_id):
        abort(404)
    try:
        token = accounts.create_password_reset(current_user, user)
    except AccountError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.list_users"))
    db.session.commit()
    session["new_reset_link"] = {
        "login": user.login,
        "url": url_for("auth.reset_password", token=token, _external=True),
    }
    return redirect(url_for("admin.list_users"), code=303)
