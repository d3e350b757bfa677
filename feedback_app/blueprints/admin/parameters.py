"""A unit's scoring parameters on the web (spec §1.3, §2.2, §2.3, §3): the same keys as ``flask scores params``.

Each field shows the unit's own value, or is empty when the unit follows the spec's default (shown beside it).
The next score run copies them; stored runs keep the parameters they were computed with.
"""

from __future__ import annotations

from flask import flash, make_response, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response

from feedback_app.access import get_unit_or_404, roles_required
from scoring import DEFAULT_PARAMETERS

from ...extensions import db
from ...models import Unit
from ...services.errors import DomainError
from ...services.score_runs import (
    PARAMETER_KEYS,
    overridden_parameters,
    parameter_text,
    parse_parameter_text,
    set_unit_parameters,
    unit_parameters,
)
from . import bp

MAX_VALUE_CHARS = 200


def _page(unit: Unit, typed: dict[str, str] | None = None, problem: str | None = None, status: int = 200) -> Response:
    own = overridden_parameters(unit)
    current = unit_parameters(unit).to_dict()
    defaults = DEFAULT_PARAMETERS.to_dict()
    rows = [
        {
            "key": key,
            "value": (typed or {}).get(key, parameter_text(current[key]) if key in own else ""),
            "default": parameter_text(defaults[key]) or "–",
        }
        for key in PARAMETER_KEYS
    ]
    return make_response(
        render_template("admin/parameters.html", unit=unit, rows=rows, form=FlaskForm(formdata=None), problem=problem),
        status,
    )


@bp.get("/unit/<slug>/parameter")
@roles_required("admin")
def edit_parameters(slug: str) -> Response:
    return _page(get_unit_or_404(slug))


@bp.post("/unit/<slug>/parameter")
@roles_required("admin")
def save_parameters(slug: str) -> Response:
    unit = get_unit_or_404(slug)
    form = FlaskForm()
    if not form.validate():
        return _page(unit, status=400)
    typed = {key: (request.form.get(key) or "").strip()[:MAX_VALUE_CHARS] for key in PARAMETER_KEYS}
    own = overridden_parameters(unit)
    current = unit_parameters(unit).to_dict()
    shown = {key: parameter_text(current[key]) if key in own else "" for key in PARAMETER_KEYS}
    try:
        changes = {key: parse_parameter_text(key, text) for key, text in typed.items() if text != shown[key]}
        if changes:
            set_unit_parameters(unit, changes)
    except DomainError as error:
        db.session.rollback()
        return _page(unit, typed, str(error), 422)
    db.session.commit()
    if changes:
        flash(_("Parameter penilaian disimpan; berlaku untuk perhitungan skor berikutnya."), "info")
    return redirect(url_for("admin.edit_parameters", slug=unit.slug), code=303)
