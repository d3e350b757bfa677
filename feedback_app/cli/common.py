"""What several commands need: a unit by its slug, a period by its code."""

from __future__ import annotations

import click
from sqlalchemy import select

from scoring import Period, ScoringError, parse_period

from ..extensions import db
from ..models import Unit


def unit_by_slug(slug: str) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.slug == slug))
    if unit is None:
        raise click.BadParameter(f"no unit with slug {slug!r}", param_hint="--unit")
    return unit


def period_by_code(code: str) -> Period:
    try:
        return parse_period(code.strip().upper())
    except ScoringError as error:
        raise click.BadParameter(str(error), param_hint="--period") from None
