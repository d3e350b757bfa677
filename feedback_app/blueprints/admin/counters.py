"""Counters and their QR posters."""

from __future__ import annotations

from flask import Response, abort, flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as BaseResponse
from wtforms import HiddenField
from wtforms.validators import Optional, Regexp

from ...access import get_counter_or_404, get_unit_or_404, roles_required, units_in_scope
from ...extensions import db
from ...forms import ConfirmForm
from ...models import Counter
from ...services.qr import qr_png, qr_svg, revoke_posters
from ...services.tokens import counter_survey_url
from . import bp


class RevokePosterForm(FlaskForm):
    """Revoking a counter's posters; the version the page showed makes a double click revoke once."""

    poster_version = HiddenField(validators=[Optional(), Regexp(r"^\d{1,9}$")])
    confirm = HiddenField()  # "ya" only on the confirmation page: one click on the list never revokes


@bp.get("/")
@roles_required("admin")
def list_counters() -> str:
    units = units_in_scope(current_user)
    counters = db.session.scalars(
        select(Counter)
        .options(selectinload(Counter.service_types))
        .where(Counter.unit_id.in_([u.id for u in units]))
        .order_by(Counter.public_code)
    ).all()
    by_unit = {unit: [c for c in counters if c.unit_id == unit.id] for unit in units}
    return render_template("admin/counters.html", by_unit=by_unit, form=ConfirmForm(), survey_url=counter_survey_url)


@bp.get("/loket/<code>/qr.<fmt>")
@roles_required("admin")
def counter_qr(code: str, fmt: str) -> Response:
    counter = get_counter_or_404(code)
    url = counter_survey_url(counter)
    if fmt == "png":
        body, mimetype = qr_png(url), "image/png"
    elif fmt == "svg":
        body, mimetype = qr_svg(url).encode(), "image/svg+xml"
    else:
        abort(404)
    response = Response(body, mimetype=mimetype)
    response.headers["Content-Disposition"] = f'inline; filename="qr-{counter.public_code}.{fmt}"'
    return response


@bp.get("/loket/<code>/poster")
@roles_required("admin")
def counter_poster(code: str) -> str:
    counter = get_counter_or_404(code)
    return render_template(
        "admin/posters.html",
        unit=counter.unit,
        counters=[counter],
        sheet=False,
        survey_url=counter_survey_url,
        qr_svg=qr_svg,
    )


@bp.get("/unit/<slug>/poster")
@roles_required("admin")
def unit_posters(slug: str) -> str:
    unit = get_unit_or_404(slug)
    counters = [c for c in unit.counters if c.active]
    return render_template(
        "admin/posters.html", unit=unit, counters=counters, sheet=True, survey_url=counter_survey_url, qr_svg=qr_svg
    )


@bp.get("/loket/<code>/cabut-poster")
@roles_required("admin")
def confirm_revoke_poster(code: str) -> str:
    """The confirmation step: what revoking does, and the one button that does it."""
    counter = get_counter_or_404(code)
    return render_template("admin/revoke_poster.html", counter=counter, form=RevokePosterForm(formdata=None))


@bp.post("/loket/<code>/cabut-poster")
@roles_required("admin")
def revoke_poster(code: str) -> BaseResponse:
    """Invalidate every printed poster of a counter (e.g. one was copied and misused); print the new one.

    Only from the confirmation page (``confirm=ya``); anything else is sent there and changes nothing.
    """
    counter = get_counter_or_404(code)
    form = RevokePosterForm()
    if not form.validate():
        return redirect(url_for("admin.list_counters"))
    if form.confirm.data != "ya":
        return redirect(url_for("admin.confirm_revoke_poster", code=counter.public_code))
    shown = int(form.poster_version.data) if form.poster_version.data else None
    revoked = revoke_posters(counter, shown)
    db.session.commit()
    if revoked:
        flash(_("Poster lama loket %(code)s tidak berlaku lagi. Cetak poster baru.", code=counter.public_code), "info")
    return redirect(url_for("admin.list_counters"))
