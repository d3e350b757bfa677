"""A unit's API tokens: list, create with scopes over units (the token is shown once), revoke.

A queue machine's token (``ticket_events:write``) covers its own unit only; an HR system's token
(``indicators:read``) reads the units chosen here, any of the admin's scope (and the units below them).
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, session, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import SelectChoice, SelectMultipleField, StringField
from wtforms.validators import InputRequired, Length
from wtforms.widgets import CheckboxInput, ListWidget

from ...access import get_unit_or_404, roles_required, units_in_scope
from ...extensions import db
from ...forms import IdField
from ...i18n import lazy_gettext as _l
from ...models import ApiToken, Unit
from ...services import api_tokens
from ...services.errors import DomainError
from . import bp


class ApiTokenCreateForm(FlaskForm):
    name = StringField(
        _l("Nama token"),
        validators=[
            InputRequired(message=_l("Beri nama token, mis. nama mesin antrean.")),
            Length(max=api_tokens.NAME_MAX, message=_l("Nama token paling panjang %(max)d karakter.")),
        ],
    )
    scopes = SelectMultipleField(
        _l("Hak akses"),
        choices=[
            SelectChoice(
                api_tokens.WRITE_TICKET_EVENTS,
                _l("ticket_events:write — mesin antrean mengirim kejadian tiket unit ini"),
            ),
            SelectChoice(
                api_tokens.READ_INDICATORS, _l("indicators:read — sistem SDM membaca indikator unit yang dipilih")
            ),
        ],
        default=[api_tokens.WRITE_TICKET_EVENTS],
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=True,
    )
    units = SelectMultipleField(
        _l("Unit yang boleh dibaca (indicators:read)"),
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validate_choice=True,
    )


def _create_form(unit: Unit, *, submitted: bool) -> ApiTokenCreateForm:
    """The create form with the admin's units as choices (the token's own unit ticked when nothing was sent)."""
    form = ApiTokenCreateForm() if submitted else ApiTokenCreateForm(formdata=None)
    form.units.choices = [SelectChoice(u.id, u.name) for u in units_in_scope(current_user)]
    if not form.units.data:
        form.units.data = [unit.id]
    return form


class ApiTokenRevokeForm(FlaskForm):
    token_id = IdField()


def _page(unit: Unit, *, new_token: str | None = None, form: ApiTokenCreateForm | None = None) -> Response:
    response = make_response(
        render_template(
            "admin/tokens.html",
            unit=unit,
            tokens=api_tokens.unit_api_tokens(unit.id),
            new_token=new_token,
            form=form or _create_form(unit, submitted=False),
            revoke_form=ApiTokenRevokeForm(formdata=None),
        )
    )
    response.headers["Cache-Control"] = "no-store"  # the page may show a new token; no cache may keep it
    return response


@bp.get("/unit/<slug>/token-api")
@roles_required("admin")
def list_api_tokens(slug: str) -> Response:
    # A token just created arrives here once through the session (post/redirect/get: a refresh creates nothing).
    return _page(get_unit_or_404(slug), new_token=session.pop("new_api_token", None))


@bp.post("/unit/<slug>/token-api")
@roles_required("admin")
def create_api_token(slug: str) -> Response:
    """Create a token and show it on the next page only: it is never shown again (only its hash is stored)."""
    unit = get_unit_or_404(slug)
    form = _create_form(unit, submitted=True)
    if not form.validate():
        for message in [*form.name.errors, *form.csrf_token.errors, *form.scopes.errors, *form.units.errors]:
            flash(str(message), "error")
        return redirect(url_for("admin.list_api_tokens", slug=unit.slug))
    scopes = form.scopes.data or [api_tokens.WRITE_TICKET_EVENTS]
    chosen = set(form.units.data or [])
    reach = (
        [u for u in units_in_scope(current_user) if u.id in chosen] if api_tokens.READ_INDICATORS in scopes else [unit]
    )
    try:
        row, token = api_tokens.create_api_token(unit, form.name.data or "", scopes, reach)
    except DomainError as error:
        flash(str(error), "error")
        return redirect(url_for("admin.list_api_tokens", slug=unit.slug))
    db.session.commit()
    flash(_("Token %(name)s dibuat. Salin sekarang: token ini tidak akan ditampilkan lagi.", name=row.name), "info")
    session["new_api_token"] = token
    return redirect(url_for("admin.list_api_tokens", slug=unit.slug), code=303)


@bp.post("/unit/<slug>/token-api/cabut")
@roles_required("admin")
def revoke_api_token(slug: str) -> Response:
    unit = get_unit_or_404(slug)
    form = ApiTokenRevokeForm()
    if not form.validate():
        flash(_("Token yang akan dicabut tidak dikenali. Muat ulang halaman lalu coba lagi."), "error")
        return redirect(url_for("admin.list_api_tokens", slug=unit.slug))
    row = db.session.get(ApiToken, form.token_id.data)
    if row is None or row.unit_id != unit.id:
        abort(404)
    if api_tokens.revoke_api_token(row):
        db.session.commit()
        flash(_("Token %(name)s dicabut: mesin yang memakainya tidak dapat mengirim data lagi.", name=row.name), "info")
    return redirect(url_for("admin.list_api_tokens", slug=unit.slug))
