"""Pages for everyone: the front page listing the service units."""

from __future__ import annotations

from flask import Blueprint, render_template
from sqlalchemy import func, select

from ..auth import public
from ..extensions import db
from ..models import Counter, Unit

bp = Blueprint("public", __name__)


@bp.get("/")
@public
def index() -> str:
    rows = db.session.execute(
        select(Unit, func.count(Counter.id))
        .outerjoin(Counter, (Counter.unit_id == Unit.id) & Counter.active)
        .group_by(Unit.id)
        .order_by(Unit.name)
    ).all()
    return render_template("public/index.html", units=rows)
