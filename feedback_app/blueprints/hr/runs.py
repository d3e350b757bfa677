"""Start score runs for one, several or all units in scope; watch their jobs; read the runs kept for a period."""

from __future__ import annotations

from flask import flash, g, redirect, render_template, request, url_for
from flask_babel import gettext as _
from flask_login import current_user
from flask_wtf import FlaskForm
from sqlalchemy import select
from sqlalchemy.orm import selectinload
from werkzeug.wrappers import Response as BaseResponse
from wtforms import SelectField, SelectMultipleField
from wtforms.validators import InputRequired
from wtforms.widgets import CheckboxInput, ListWidget

from scoring import Period, ScoringError, parse_period, period_containing

from ...access import roles_required, scope_unit_ids, units_in_scope
from ...clock import now
from ...extensions import db
from ...i18n import lazy_gettext as _l
from ...models import Counter, ScoreJob, ScoreRun, Unit
from ...services.jobs import JobRefused, progress_done, start_score_jobs
from ...services.moderation import runs_changed_since
from . import bp

#: How many recent jobs the page lists.
JOB_LIST_LIMIT = 50
RUN_LIST_LIMIT = 100


class StartRunsForm(FlaskForm):
    period = SelectField(_l("Periode"), validators=[InputRequired(message=_l("Pilih periode."))])
    units = SelectMultipleField(
        _l("Unit"),
        coerce=int,
        option_widget=CheckboxInput(),
        widget=ListWidget(prefix_label=False),
        validators=[InputRequired(message=_l("Pilih sedikitnya satu unit."))],
    )


def _period_choices(today_local_date: object) -> list[tuple[str, str]]:
    """The current and recent periods of every kind, newest first, labelled as people say them."""
    choices: list[tuple[str, str]] = []
    for kind, count in (("month", 6), ("quarter", 4), ("semester", 2), ("year", 2)):
        period: Period = period_containing(kind, today_local_date)  # type: ignore[arg-type]
        for _step in range(count):
            choices.append((period.id, period.label if _is_indonesian() else period.label_en))
            period = period.previous()
    return choices


def _is_indonesian() -> bool:
    return str(g.get("language", "id")) == "id"


def _scorable_units() -> list[Unit]:
    """The units in the user's scope that serve citizens (have counters), by name."""
    serving = set(db.session.scalars(select(Counter.unit_id).distinct()))
    return [unit for unit in units_in_scope(current_user) if unit.id in serving]


def _form(units: list[Unit]) -> StartRunsForm:
    form = StartRunsForm()
    zone = units[0].zone if units else None
    today = now().astimezone(zone).date() if zone else now().date()
    form.period.choices = _period_choices(today)
    form.units.choices = [(unit.id, unit.name) for unit in units]
    return form


def _jobs_in_scope() -> list[ScoreJob]:
    query = (
        select(ScoreJob)
        .options(selectinload(ScoreJob.unit))
        .order_by(ScoreJob.requested_at.desc(), ScoreJob.id.desc())
        .limit(JOB_LIST_LIMIT)
    )
    ids = scope_unit_ids(current_user)
    if ids is not None:
        query = query.where(ScoreJob.unit_id.in_(sorted(ids)))
    return list(db.session.scalars(query))


@bp.get("/")
@roles_required("hr", "admin")
def show_runs() -> str:
    """The start form and every recent job with its progress; the page refreshes itself while a job is active."""
    units = _scorable_units()
    form = _form(units)
    form.units.data = [unit.id for unit in units] if len(units) == 1 else []
    jobs = _jobs_in_scope()
    active = any(job.state in ("queued", "running") for job in jobs)
    return render_template(
        "hr/runs.html", form=form, units=units, jobs=jobs, active=active, progress_done=progress_done
    )


@bp.post("/")
@roles_required("hr", "admin")
def start_runs() -> BaseResponse | tuple[str, int]:
    """Queue one job per chosen unit; a unit already being computed for that period is named and skipped."""
    units = _scorable_units()
    form = _form(units)
    if not form.validate():
        jobs = _jobs_in_scope()
        return render_template(
            "hr/runs.html", form=form, units=units, jobs=jobs, active=False, progress_done=progress_done
        ), 422
    chosen = [unit for unit in units if unit.id in set(form.units.data or [])]
    try:
        started, refused = start_score_jobs(chosen, form.period.data, current_user.login)
    except ScoringError as error:  # the choices are our own, so only a forged period gets here
        form.period.errors.append(str(error))
        return render_template(
            "hr/runs.html", form=form, units=units, jobs=_jobs_in_scope(), active=False, progress_done=progress_done
        ), 422
    except JobRefused as error:  # a single unit, already queued or running
        refused, started = [error], []
    period = parse_period(form.period.data)
    if started:
        flash(_("%(n)d perhitungan %(period)s dimulai.", n=len(started), period=period.label), "info")
    for refusal in refused:
        flash(
            _(
                "%(unit)s: perhitungan %(period)s sedang antre atau berjalan; tidak dimulai dua kali.",
                unit=refusal.unit.name,
                period=period.label,
            ),
            "error",
        )
    return redirect(url_for("hr.show_runs"))


@bp.get("/hasil")
@roles_required("hr", "admin")
def list_score_runs() -> str | tuple[str, int]:
    """The runs of the units in scope, newest first: provisional or final, superseded or current, and parameters."""
    units = units_in_scope(current_user)
    period_code = (request.args.get("periode") or "").strip().upper()
    unit_slug = (request.args.get("unit") or "").strip()
    query = select(ScoreRun).options(selectinload(ScoreRun.unit)).order_by(ScoreRun.id.desc()).limit(RUN_LIST_LIMIT)
    ids = scope_unit_ids(current_user)
    if ids is not None:
        query = query.where(ScoreRun.unit_id.in_(sorted(ids)))
    problem = None
    if period_code:
        try:
            query = query.where(ScoreRun.period_id == parse_period(period_code).id)
        except ScoringError:
            problem = _("Periode %(code)s tidak dikenali: tulis 2026-10, 2026-Q3, 2026-S2 atau 2026.", code=period_code)
    if unit_slug:
        query = query.where(ScoreRun.unit_id.in_([unit.id for unit in units if unit.slug == unit_slug] or [-1]))
    runs = [] if problem else list(db.session.scalars(query))
    changed = runs_changed_since([run for run in runs if not run.superseded_by_id])
    page = render_template(
        "hr/score_runs.html",
        runs=runs,
        changed=changed,
        units=units,
        period_code=period_code,
        unit_slug=unit_slug,
        problem=problem,
    )
    return (page, 422) if problem else page
