"""Publishing final score runs on the public unit page, and the unit's public per-employee setting (spec §7).

Open to the unit head (role ``head``) and admins, each within their unit scope.
"""

from __future__ import annotations

from flask import abort, flash, make_response, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import BooleanField, TextAreaField
from wtforms.validators import Length, Optional

from ...access import check_unit_scope, get_unit_or_404, roles_required, units_in_scope
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import ScoreRun, Unit
from ...services.publishing import PublishError, publish_run, publishable_runs, set_public_employee_ratings
from . import bp


class PublishRunForm(FlaskForm):
    follow_up_plan = TextAreaField(
        _l("Rencana tindak lanjut (boleh dikosongkan)"), validators=[Optional(), Length(max=4000)]
    )


class PublicRatingsForm(FlaskForm):
    enabled = BooleanField(_l("Tampilkan IKP per petugas di halaman publik (hanya bila n ≥ ambang publikasi)"))


PUBLISHERS = ("head", "admin")


@bp.get("/publikasi")
@roles_required(*PUBLISHERS)
def publishing() -> Response:
    units = units_in_scope(current_user)
    if len(units) == 1:
        return redirect(url_for("admin.unit_publishing", slug=units[0].slug))
    return make_response(render_template("admin/publishing_units.html", units=units))


def _page(unit: Unit, form: PublishRunForm | None = None, status: int = 200) -> Response:
    ratings = PublicRatingsForm(formdata=None, enabled=unit.public_employee_ratings)
    return make_response(
        render_template(
            "admin/publishing.html",
            unit=unit,
            runs=publishable_runs(unit),
            form=form or PublishRunForm(formdata=None),
            ratings=ratings,
        ),
        status,
    )


@bp.get("/unit/<slug>/publikasi")
@roles_required(*PUBLISHERS)
def unit_publishing(slug: str) -> Response:
    return _page(get_unit_or_404(slug))


PUBLISH_MESSAGES = {
    "not_final": lambda: _("Hanya hasil final (bukan sementara dan belum digantikan) yang dapat diterbitkan."),
    "already_published": lambda: _("Hasil ini sudah diterbitkan."),
}


@bp.post("/publikasi/<int:run_id>")
@roles_required(*PUBLISHERS)
def publish(run_id: int) -> Response:
    run = db.session.get(ScoreRun, run_id)
    if run is None:
        abort(404)
    check_unit_scope(current_user, run.unit_id)
    form = PublishRunForm()
    if not form.validate():
        return _page(run.unit, form, 422)
    unit_slug = run.unit.slug
    try:
        publish_run(run, by=current_user.login, follow_up_plan=form.follow_up_plan.data)
    except PublishError as error:
        db.session.rollback()
        flash(PUBLISH_MESSAGES[error.code]() if error.code in PUBLISH_MESSAGES else str(error), "error")
        return redirect(url_for("admin.unit_publishing", slug=unit_slug))
    db.session.commit()
    flash(_("Hasil SKM diterbitkan di halaman publik unit."), "info")
    return redirect(url_for("admin.unit_publishing", slug=unit_slug))


@bp.post("/unit/<slug>/publikasi/nilai-petugas")
@roles_required(*PUBLISHERS)
def set_public_ratings(slug: str) -> Response:
    unit = get_unit_or_404(slug)
    form = PublicRatingsForm()
    if not form.validate():
        return _page(unit, status=422)
    set_public_employee_ratings(unit, bool(form.enabled.data))
    db.session.commit()
    flash(_("Tersimpan."), "info")
    return redirect(url_for("admin.unit_publishing", slug=slug, _anchor="nilai-petugas"))
