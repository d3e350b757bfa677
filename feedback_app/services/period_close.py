"""Period close: once a period has ended and its grace days have passed, its score runs are computed by themselves.

Celery beat calls :func:`queue_closed_periods` nightly in production; ``flask --app wsgi scores close-periods``
does the same from cron anywhere else. For each unit that serves citizens and each kind of period (month,
triwulan, semester, year), the latest period that ended at least the grace days ago (the unit's own
``period_close_grace_days``, else ``PERIOD_CLOSE_GRACE_DAYS``, 3 by default) gets a job unless it already has a
final run (neither provisional nor superseded) or one is queued or running. Running it again changes nothing.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import current_app

from scoring import Period, period_containing

from ..clock import now
from ..models import Unit
from .jobs import SCORE_RUN, JobRefused, enqueue
from .score_runs import current_run, units_to_score

CLOSED_KINDS = ("month", "quarter", "semester", "year")


@dataclass(frozen=True)
class ClosedPeriod:
    unit: Unit
    period: Period
    job_id: int | None  # None: refused because a job for it is already queued or running


def grace_days(unit: Unit) -> int:
    configured = unit.period_close_grace_days
    return int(current_app.config["PERIOD_CLOSE_GRACE_DAYS"] if configured is None else configured)


def periods_to_close(unit: Unit, at: datetime) -> list[Period]:
    """The latest period of each kind that ended at least the unit's grace days before ``at`` (local dates)."""
    anchor = at.astimezone(unit.zone).date() - timedelta(days=grace_days(unit))
    return [period_containing(kind, anchor).previous() for kind in CLOSED_KINDS]


def queue_closed_periods(requested_by: str, at: datetime | None = None) -> list[ClosedPeriod]:
    """Queue a score run for every closed period that has no final run yet; returns what was queued or refused."""
    instant = at or now()
    queued = []
    for unit in units_to_score():
        for period in periods_to_close(unit, instant):
            run = current_run(unit, period.id)
            if run is not None and not run.provisional:
                continue
            try:
                job_id: int | None = enqueue(SCORE_RUN, unit=unit, period_id=period.id, requested_by=requested_by)
            except JobRefused:
                job_id = None
            queued.append(ClosedPeriod(unit, period, job_id))
    return queued
