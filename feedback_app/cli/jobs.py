"""``flask scores close-periods`` and ``flask jobs``: the background score runs from cron or a terminal."""

from __future__ import annotations

import click
from flask import current_app

from ..extensions import db
from ..models import ScoreJob
from ..services.jobs import ThreadRunner, recover_stale_jobs, runner
from ..services.period_close import queue_closed_periods
from .common import progress, quiet_option, shows_bar
from .scores import scores


def _wait_for_threads(job_ids: list[int], show_bar: bool) -> None:
    """With the in-process runner the jobs run in this process: wait for them, with a bar on a terminal."""
    job_runner = runner()
    if not isinstance(job_runner, ThreadRunner) or not job_ids:
        return
    if show_bar:
        with progress(label="Score runs", length=len(job_ids), show=True) as bar:
            finished = 0
            while finished < len(job_ids):
                job_runner.wait(timeout=1.0)
                db.session.expire_all()
                now_finished = sum(
                    1
                    for job_id in job_ids
                    if (job := db.session.get(ScoreJob, job_id)) and job.state in ("done", "failed")
                )
                bar.update(now_finished - finished)
                finished = now_finished
    else:
        job_runner.wait(timeout=24 * 3600)


@scores.command("close-periods")
@quiet_option
def close_periods(quiet: bool) -> None:
    """Queue the score runs of every period that has ended and passed its grace days (for cron; idempotent)."""
    queued = queue_closed_periods(requested_by="system:period-close")
    job_ids = [item.job_id for item in queued if item.job_id is not None]
    _wait_for_threads(job_ids, show_bar=shows_bar(quiet))
    if quiet:
        return
    if not queued:
        click.echo("Every closed period already has a final run; nothing queued.")
    for item in queued:
        state = f"job {item.job_id}" if item.job_id else "already queued or running"
        click.echo(f"{item.unit.slug} {item.period.id}: {state}")
    if current_app.config["JOB_RUNNER"] == "celery" and job_ids:
        click.echo(f"{len(job_ids)} job(s) sent to the Celery workers.")


@click.group("jobs", help="Background score-run jobs.")
def jobs() -> None:
    pass


@jobs.command("recover")
def recover() -> None:
    """Put back in the queue the jobs whose worker died (no sign of life for 10 minutes)."""
    recovered = recover_stale_jobs()
    _wait_for_threads(recovered, show_bar=False)
    click.echo(f"{len(recovered)} stale job(s) recovered.")


COMMANDS = (jobs,)
