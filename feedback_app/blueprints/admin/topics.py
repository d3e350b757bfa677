"""A unit's development suggestions: the training topic "Kinerja saya" offers for each weak staff unsur."""

from __future__ import annotations

from flask import flash, redirect, render_template, url_for
from flask_babel import gettext as _
from flask_wtf import FlaskForm
from werkzeug.wrappers import Response
from wtforms import TextAreaField
from wtforms.validators import Length

from ...access import get_unit_or_404, roles_required
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...services import performance
from . import bp

_TOO_LONG = _l("Paling panjang %(max)d karakter.")


class TrainingTopicsForm(FlaskForm):
    U3 = TextAreaField(_l("U3 Waktu penyelesaian"), validators=[Length(max=performance.TOPIC_MAX, message=_TOO_LONG)])
    U6 = TextAreaField(_l("U6 Kompetensi pelaksana"), validators=[Length(max=performance.TOPIC_MAX, message=_TOO_LONG)])
    U7 = TextAreaField(_l("U7 Perilaku pelaksana"), validators=[Length(max=performance.TOPIC_MAX, message=_TOO_LONG)])


@bp.get("/unit/<slug>/topik-pelatihan")
@roles_required("admin")
def edit_training_topics(slug: str) -> str:
    unit = get_unit_or_404(slug)
    form = TrainingTopicsForm(data=performance.training_topics(unit))
    return render_template(
        "admin/training_topics.html", unit=unit, form=form, defaults=performance.DEFAULT_TRAINING_TOPICS
    )


@bp.post("/unit/<slug>/topik-pelatihan")
@roles_required("admin")
def save_training_topics(slug: str) -> Response | tuple[str, int]:
    unit = get_unit_or_404(slug)
    form = TrainingTopicsForm()
    if not form.validate():
        page = render_template(
            "admin/training_topics.html", unit=unit, form=form, defaults=performance.DEFAULT_TRAINING_TOPICS
        )
        return page, 422
    if performance.set_training_topics(unit, {code: getattr(form, code).data or "" for code in ("U3", "U6", "U7")}):
        db.session.commit()
        flash(_("Saran pengembangan disimpan."), "info")
    return redirect(url_for("admin.edit_training_topics", slug=unit.slug), code=303)
