"""``flask scores``: compute score runs, read them, and set a unit's scoring parameters (spec §1–§3, §6)."""

from __future__ import annotations

import functools
import getpass
from collections.abc import Callable, Mapping

import click
from flask import current_app

from ..extensions import db
from ..models import ScoreIndicator, ScoreRun, Unit
from ..services.audit import record_audit
from ..services.errors import DomainError
from ..services.score_runs import (
    DIFFERENCE_LIMIT,
    SCORE_RUN_STEPS,
    ScoreRunError,
    compute_score_run,
    current_run,
    headline_code,
    overridden_parameters,
    parse_parameter_text,
    run_history,
    run_report,
    set_unit_parameters,
    unit_parameters,
    units_to_score,
    verify_score_run,
)
from .common import period_by_code, quiet_option, shows_bar, step_counter, unit_by_slug
from .common import progress as progress_bar


def _default_author() -> str:
    try:
        return f"cli:{getpass.getuser()}"[:80]
    except (KeyError, OSError):
        return "cli"


def _parameter_value(key: str, text: str) -> object:
    try:
        return parse_parameter_text(key, text)
    except DomainError as error:
        raise click.ClickException(str(error)) from None


def _figure(rows: Mapping[str, ScoreIndicator], code: str, suffix: str = "") -> str:
    row = rows.get(code)
    if row is None or row.value is None:
        return "not available"
    return f"{row.value:.2f}{suffix}"


def _summary(run: ScoreRun) -> str:
    report = run_report(run)
    ikm = report.unit_rows.get("ikm")
    if ikm is None or ikm.value is None:
        figure = "IKM not available (no valid responses)"
    else:
        grade = ikm.explanation["summary"]["grade"]
        figure = f"IKM {ikm.value:.2f}, mutu {grade['mutu']} ({grade['kinerja']})"
    label = " PROVISIONAL (period not over yet)" if run.provisional else ""
    return (
        f"{run.unit.slug} {run.period_id}: run #{run.id}{label}; {run.input_counts['responses_valid']} valid "
        f"responses; {figure}"
    )


@click.group("scores", help="Compute and read score runs.")
def scores() -> None:
    pass


@scores.command("compute")
@click.option("--period", "period_code", required=True, help="2026-Q3, 2026-07, 2026-S2, 2026 or 2026-10-01.")
@click.option("--unit", "unit_slug", help="One unit (slug); default: every unit with counters.")
@click.option("--by", "created_by", default=None, help="Who asked for the run (default cli:<your login>).")
@click.option(
    "--progress/--no-progress", default=None, help="Show a progress bar (default: only when the output is a terminal)."
)
@quiet_option
def compute(
    period_code: str, unit_slug: str | None, created_by: str | None, progress: bool | None, quiet: bool
) -> None:
    """Compute and store a score run per unit for a period, superseding the unit's current run."""
    period = period_by_code(period_code)
    units = [unit_by_slug(unit_slug)] if unit_slug else units_to_score()
    if not units:
        raise click.ClickException("no unit with counters to score")
    author = created_by or _default_author()
    show_bar = shows_bar(quiet) if progress is None else progress and not quiet
    summaries: list[str] = []
    failures: list[str] = []

    def run_all(report: Callable[[Unit, str], None]) -> None:
        for unit in units:
            try:
                run = compute_score_run(unit, period, author, progress=functools.partial(report, unit))
                db.session.flush()
                record_audit(
                    "score_run.compute",
                    entity="score_run",
                    entity_id=run.id,
                    unit_id=unit.id,
                    after={"period_id": period.id, "provisional": run.provisional},
                )
                db.session.commit()
            except DomainError as error:
                db.session.rollback()
                failures.append(f"{unit.slug}: {error}")
                continue
            summaries.append(_summary(run))

    if show_bar or quiet:
        with progress_bar(
            label=f"Score runs {period.id}", length=len(units) * len(SCORE_RUN_STEPS), show=show_bar
        ) as bar:
            run_all(step_counter(bar))
    else:  # a script asked for no bar: one line per step, so a log shows how far it got
        run_all(lambda unit, step: click.echo(f"{unit.slug}: {step} done"))
    for line in summaries:
        click.echo(line)
    if failures:
        for line in failures:
            click.echo(line, err=True)
        raise click.ClickException(f"{len(failures)} of {len(units)} unit(s) could not be scored")


@scores.command("show")
@click.option("--unit", "unit_slug", required=True, help="The unit (slug).")
@click.option("--period", "period_code", required=True, help="The period code, e.g. 2026-Q3.")
@click.option("--run", "run_id", type=int, default=None, help="An older run of that unit and period, by id.")
@click.option("--history", is_flag=True, help="List every run of the unit and period instead.")
def show(unit_slug: str, period_code: str, run_id: int | None, history: bool) -> None:
    """Print the current run's unit figures and each employee's ikp, n and whether it is published."""
    unit = unit_by_slug(unit_slug)
    period = period_by_code(period_code)
    if history:
        runs = run_history(unit, period.id)
        if not runs:
            raise click.ClickException(f"no score run for {unit.slug} and {period.id}")
        for old in runs:
            state = "current" if old.superseded_by_id is None else f"superseded by #{old.superseded_by_id}"
            click.echo(
                f"#{old.id} {old.created_at:%Y-%m-%d %H:%M} UTC by {old.created_by}, code {old.code_version}, "
                f"{'provisional, ' if old.provisional else ''}{state}"
            )
        return
    if run_id is None:
        run = current_run(unit, period.id)
    else:
        run = db.session.get(ScoreRun, run_id)
        if run is not None and (run.unit_id != unit.id or run.period_id != period.id):
            run = None
    if run is None:
        raise click.ClickException(
            f"no score run for {unit.slug} and {period.id}; run `flask scores compute --period {period.id} "
            f"--unit {unit.slug}`"
        )
    report = run_report(run)
    state = "current" if run.superseded_by_id is None else f"superseded by run #{run.superseded_by_id}"
    click.echo(f"{unit.name} — {period.label} ({period.id}), run #{run.id}, {state}")
    click.echo(
        f"computed {run.created_at:%Y-%m-%d %H:%M} UTC by {run.created_by}, code {run.code_version}"
        f"{', PROVISIONAL: the period is not over yet' if run.provisional else ''}"
    )
    click.echo(
        f"parameters: k = {run.parameters['shrinkage_k']}, publication threshold = "
        f"{run.parameters['publication_threshold']}, weights = {run.parameters['weight_convention']}, "
        f"ikp = {'+'.join(run.parameters['ikp_unsur'])}, on time = {run.parameters['on_time_rule']}"
    )
    click.echo(_summary(run))
    rows = report.unit_rows
    click.echo(
        f"unit ikp {_figure(rows, 'ikp')}; median wait {_figure(rows, 'wait_median_minutes', ' min')}; "
        f"on time {_figure(rows, 'on_time_rate', '%')}; complaints answered within 3 working days "
        f"{_figure(rows, 'answered_within_3_working_days_rate', '%')}"
    )
    threshold = run.parameters["publication_threshold"]
    headline = headline_code(run)
    click.echo(f"\n{'employee':<36} {'NIP':<18} {headline:>12} {'raw':>7} {'n':>5}  published")
    for figure in report.employees:
        value = "-" if figure.value is None else f"{figure.value:.2f}"
        if figure.published:
            published = "yes"
        elif figure.status == "insufficient_data":
            published = f"no: data belum cukup (n < {threshold})"
        else:
            published = "no: not available"
        click.echo(
            f"{figure.name[:36]:<36} {figure.nip or '-':<18} {value:>12} {figure.raw or '-':>7} "
            f"{figure.n or 0:>5}  {published}"
        )


@scores.command("verify")
@click.argument("run_argument", metavar="RUN_ID", type=int, required=False)
@click.option("--run", "run_option", type=int, help="The run, by id (the same as RUN_ID; kept for old scripts).")
def verify(run_argument: int | None, run_option: int | None) -> None:
    """Recompute a run from the database and say whether it is identical, or what differs (issue 15)."""
    if run_argument is not None and run_option is not None and run_argument != run_option:
        raise click.UsageError("give the run once: RUN_ID or --run, not two different ids")
    run_id = run_argument if run_argument is not None else run_option
    if run_id is None:
        raise click.UsageError("which run? `flask scores verify RUN_ID` (see `flask scores show --history`)")
    run = db.session.get(ScoreRun, run_id)
    if run is None:
        raise click.ClickException(f"no score run #{run_id}")
    try:
        result = verify_score_run(run, current_app.config["HISTORY_RETENTION_YEARS"])
    except ScoreRunError as error:
        raise click.ClickException(str(error)) from None
    name = f"run #{run.id} ({run.unit.slug} {run.period_id})"
    if result.other_code_version:
        click.echo(
            f"{name}: computed by code version {result.stored_code_version}, this is {result.current_code_version}: "
            "differences may come from the code alone."
        )
    if result.status == "inputs_past_retention":
        click.echo(
            f"{name}: inputs past retention: answers and tickets before {result.kept_since:%Y-%m-%d} (UTC) are no "
            "longer stored; the run's figures and explanations are kept as they were computed."
        )
        return
    if result.status == "identical":
        digest = "" if result.digest_matches is None else f", input digest {run.input_digest}"
        click.echo(
            f"{name}: identical: recomputed from the database, every value and explanation is the same "
            f"({run.input_counts['responses_valid']} valid responses{digest})."
        )
        return
    for stored_counted in result.input_changes.items():
        input_name, (stored, counted) = stored_counted
        click.echo(f"{name}: {input_name} was {stored} when computed, is {counted} now")
    if result.rows_differing:
        shown = ", ".join(result.rows_differing[:DIFFERENCE_LIMIT])
        more = len(result.rows_differing) - DIFFERENCE_LIMIT
        tail = f" and {more} more" if more > 0 else ""
        click.echo(f"{name}: {len(result.rows_differing)} indicator rows differ: {shown}{tail}")
    for line in result.differences[:DIFFERENCE_LIMIT]:
        click.echo(f"{name}: differs: {line}")
    if len(result.differences) > DIFFERENCE_LIMIT:
        click.echo(f"{name}: … and {len(result.differences) - DIFFERENCE_LIMIT} more differences")
    raise click.ClickException(f"{name}: not identical; recompute the period to include the changes")


@scores.command("params")
@click.option("--unit", "unit_slug", required=True, help="The unit (slug).")
@click.option(
    "--set",
    "assignments",
    multiple=True,
    metavar="KEY=VALUE",
    help="Change a parameter; repeat for several; an empty value goes back to the default.",
)
def params(unit_slug: str, assignments: tuple[str, ...]) -> None:
    """Print a unit's scoring parameters, or change some with --set key=value."""
    unit = unit_by_slug(unit_slug)
    changes: dict[str, object] = {}
    for assignment in assignments:
        key, sep, value = assignment.partition("=")
        if not sep or not key.strip():
            raise click.BadParameter(f"{assignment!r} is not KEY=VALUE", param_hint="--set")
        changes[key.strip()] = _parameter_value(key.strip(), value.strip())
    try:
        if changes:
            parameters = set_unit_parameters(unit, changes)
            db.session.commit()
        else:
            parameters = unit_parameters(unit)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    own = overridden_parameters(unit)
    for key, value in sorted(parameters.to_dict().items()):
        if key == "version":
            continue
        click.echo(f"{key} = {value}{'' if key in own else '  (default)'}")


COMMANDS = (scores,)
