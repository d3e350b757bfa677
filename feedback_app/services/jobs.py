"""Background jobs (spec §7): score runs per unit, queued here and run by Celery or by an in-process thread.

The interface is two functions, :func:`enqueue` and :func:`status`; which runner carries the work is configuration
(``JOB_RUNNER``): ``thread`` — a small pool of threads inside the web process, for ``make run`` and the tests, so the
two README commands need no broker — or ``celery`` — Celery with Redis as broker in production
(``feedback_app/worker.py``). Celery's own eager mode is not used: it runs synchronously and could show no progress.

A job's row (``score_jobs``) is the truth whatever the runner: its state (queued → running → done | failed), its
progress (the run's steps done/total), its run and its error. The partial unique index over queued and running jobs
is what refuses a second start of the same unit and period, also between two web workers. A job whose worker died
(no heartbeat for :data:`STALE_AFTER`) is recovered by :func:`recover_stale_jobs`: queued again, or failed after
:data:`MAX_ATTEMPTS`. Every job computes "as of" the instant it was requested (``requested_at``), which the task
receives, so a fixed clock in the tests holds in a worker too.
"""

from __future__ import annotations

import logging
import threading
from collections.abc import Callable, Iterable
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime, timedelta

from flask import Flask, current_app
from sqlalchemy import CursorResult, select, update
from sqlalchemy.exc import IntegrityError

from scoring import ScoringError, parse_period

from ..clock import clock, now
from ..extensions import db
from ..models import ScoreJob, Unit
from .audit import Actor, acting_as, record_audit
from .errors import DomainError
from .score_runs import SCORE_RUN_STEPS, compute_score_run

log = logging.getLogger(__name__)

SCORE_RUN = "score_run"
STALE_AFTER = timedelta(minutes=10)
MAX_ATTEMPTS = 3
#: Threads of the in-process runner on PostgreSQL: runs are database-bound, two keep a small machine responsive.
#: SQLite takes one writer at a time, so there the runner uses a single thread.
THREAD_WORKERS = 2


class JobRefused(DomainError):
    """A job could not be queued (its unit and period already have one queued or running)."""

    def __init__(self, unit: Unit, period_id: str, job_id: int | None) -> None:
        super().__init__(f"{unit.slug} {period_id}: a score run is already queued or running (job {job_id})")
        self.unit = unit
        self.period_id = period_id
        self.job_id = job_id


@dataclass(frozen=True)
class JobStatus:
    id: int
    state: str
    done: int
    total: int
    run_id: int | None
    error: str | None

    @property
    def finished(self) -> bool:
        return self.state in ("done", "failed")


def enqueue(name: str, **kwargs: object) -> int:
    """Queue one job (one audit row) and hand it to the runner; commits the caller's session. Returns the job id."""
    if name != SCORE_RUN:
        raise ValueError(f"unknown job {name!r}")
    unit = kwargs["unit"]
    assert isinstance(unit, Unit)
    [job_id], _refused = start_score_jobs([unit], str(kwargs["period_id"]), str(kwargs["requested_by"]))
    return job_id


def status(job_id: int) -> JobStatus | None:
    """A job's state and progress, read fresh from the database."""
    job = db.session.get(ScoreJob, job_id, populate_existing=True)
    if job is None:
        return None
    return JobStatus(job.id, job.state, progress_done(job), job.total, job.run_id, job.error)


def start_score_jobs(units: Iterable[Unit], period_id: str, requested_by: str) -> tuple[list[int], list[JobRefused]]:
    """Queue one score-run job per unit, as one audited action, then hand them to the runner.

    A unit whose run for the period is already queued or running is refused (the partial unique index decides, so
    two people pressing the button at once cannot both start it); the others go ahead. With a single unit the
    refusal is raised as :class:`JobRefused`.
    """
    parse_period(period_id)  # a bad period is the caller's mistake, refused before anything is queued
    units = list(units)
    jobs, refused = [], []
    for unit in units:
        try:
            jobs.append(_create_score_job(unit, period_id, requested_by))
        except JobRefused as refusal:
            refused.append(refusal)
    if len(units) == 1 and refused:
        db.session.rollback()
        raise refused[0]
    if jobs:
        record_audit(
            "score_job.start",
            entity="score_job",
            entity_id=jobs[0].id if len(jobs) == 1 else None,
            unit_id=units[0].id if len(units) == 1 else None,
            after={
                "period_id": period_id,
                "job_ids": [job.id for job in jobs],
                "units": [job.unit.slug for job in jobs],
                "refused": [refusal.unit.slug for refusal in refused],
            },
        )
    db.session.commit()  # the workers must see the rows before they get the jobs
    for job in jobs:
        dispatch(job.id)
    return [job.id for job in jobs], refused


def _create_score_job(unit: Unit, period_id: str, requested_by: str) -> ScoreJob:
    job = ScoreJob(
        unit=unit,
        period_id=period_id,
        state="queued",
        done=0,
        total=len(SCORE_RUN_STEPS),
        requested_by=requested_by[:80],
        requested_at=now(),
        attempts=0,
    )
    try:
        with db.session.begin_nested():  # rolled back alone if the partial unique index refuses the job
            db.session.add(job)
    except IntegrityError:
        active = db.session.scalar(
            select(ScoreJob.id).where(
                ScoreJob.unit_id == unit.id,
                ScoreJob.period_id == period_id,
                ScoreJob.state.in_(("queued", "running")),
            )
        )
        raise JobRefused(unit, period_id, active) from None
    return job


# --- Running a job (in a thread of the web process or in a Celery worker) ----------------------------------------


def run_score_job(job_id: int, as_of: datetime | None = None) -> JobStatus | None:
    """Compute the job's score run: claim it (queued → running), report each step, then done or failed.

    A job that is not queued (already taken by another worker, finished, or unknown) is left alone, so a message
    delivered twice runs the work once.
    """
    result = db.session.execute(
        update(ScoreJob)
        .where(ScoreJob.id == job_id, ScoreJob.state == "queued")
        .values(state="running", started_at=now(), heartbeat_at=now(), attempts=ScoreJob.attempts + 1, done=0)
    )
    assert isinstance(result, CursorResult)  # an UPDATE's result counts its rows
    claimed = result.rowcount
    db.session.commit()
    if not claimed:
        return status(job_id)
    job = db.session.get(ScoreJob, job_id, populate_existing=True)
    assert job is not None
    instant = as_of or job.requested_at
    try:
        with clock.as_of(instant), acting_as(Actor("system", None, f"score-job:{job.id}")):
            period = parse_period(job.period_id)
            unit = db.session.get(Unit, job.unit_id)
            assert unit is not None
            run = compute_score_run(unit, period, job.requested_by, progress=_progress_of(job.id))
            db.session.flush()
            record_audit(
                "score_run.compute",
                entity="score_run",
                entity_id=run.id,
                unit_id=unit.id,
                after={"period_id": period.id, "job_id": job.id, "provisional": run.provisional},
            )
            _finish(job.id, "done", run_id=run.id)
            db.session.commit()
    except (DomainError, ScoringError) as error:
        db.session.rollback()
        _finish(job.id, "failed", error=str(error))
        db.session.commit()
    except Exception as error:  # a bug or a lost database: recorded on the job, never silently lost
        log.exception("score job %s failed", job_id)
        db.session.rollback()
        _finish(job.id, "failed", error=f"{type(error).__name__}: the run could not be completed")
        db.session.commit()
    return status(job_id)


def _progress_of(job_id: int) -> Callable[[str], None]:
    """Record each step as it completes, visible while the run's own transaction is still open.

    PostgreSQL: an UPDATE on a connection of its own. SQLite allows one writer and a write committed beside an open
    read transaction would spoil that transaction's snapshot, so there the step is kept in this process's memory,
    which is where the in-process runner and the page that reads it live (``make run``).
    """
    engine = db.engine

    def step(name: str) -> None:
        done = SCORE_RUN_STEPS.index(name) + 1
        if engine.dialect.name != "postgresql":
            _LIVE_PROGRESS[job_id] = done
            return
        with engine.begin() as connection:
            connection.execute(
                update(ScoreJob)
                .where(ScoreJob.id == job_id, ScoreJob.state == "running")
                .values(done=done, heartbeat_at=now())
            )

    return step


#: Steps done of running jobs whose progress cannot be written while they run (SQLite); see :func:`_progress_of`.
_LIVE_PROGRESS: dict[int, int] = {}


def progress_done(job: ScoreJob) -> int:
    """The steps a job has done, including progress only this process knows of yet (SQLite)."""
    if job.state == "running":
        return max(job.done, _LIVE_PROGRESS.get(job.id, 0))
    return job.done


def _finish(job_id: int, state: str, *, run_id: int | None = None, error: str | None = None) -> None:
    _LIVE_PROGRESS.pop(job_id, None)
    values: dict[str, object] = {"state": state, "finished_at": now(), "heartbeat_at": now(), "error": error}
    if run_id is not None:
        values["run_id"] = run_id
        values["done"] = len(SCORE_RUN_STEPS)
    db.session.execute(update(ScoreJob).where(ScoreJob.id == job_id).values(**values))


def recover_stale_jobs(at: datetime | None = None) -> list[int]:
    """Jobs left running by a dead worker go back to the queue (or fail after MAX_ATTEMPTS); returns their ids."""
    instant = at or now()
    stale = list(
        db.session.scalars(
            select(ScoreJob).where(ScoreJob.state == "running", ScoreJob.heartbeat_at < instant - STALE_AFTER)
        )
    )
    requeued = []
    for job in stale:
        if job.attempts >= MAX_ATTEMPTS:
            job.state, job.finished_at = "failed", instant
            job.error = f"the worker stopped {job.attempts} times during this run; start it again"
        else:
            job.state, job.done = "queued", 0
            requeued.append(job.id)
        record_audit(
            "score_job.recover",
            entity="score_job",
            entity_id=job.id,
            unit_id=job.unit_id,
            before={"state": "running"},
            after={"state": job.state},
        )
    db.session.commit()
    for job_id in requeued:
        dispatch(job_id)
    return [job.id for job in stale]


# --- Runners ---------------------------------------------------------------------------------------------------


class ThreadRunner:
    """Runs jobs in a few threads of this process, each in its own application context and database session."""

    def __init__(self, app: Flask) -> None:
        self._app = app
        with app.app_context():
            workers = THREAD_WORKERS if db.engine.dialect.name == "postgresql" else 1
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="score-job")
        self._lock = threading.Lock()
        self._pending: set[object] = set()

    def submit(self, job_id: int, as_of: datetime | None) -> None:
        future = self._pool.submit(self._run, job_id, as_of)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: object) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run(self, job_id: int, as_of: datetime | None) -> None:
        with self._app.app_context():
            try:
                run_score_job(job_id, as_of)
            finally:
                db.session.remove()

    def wait(self, timeout: float = 60.0) -> bool:
        """Block until every submitted job has finished (tests, and a CLI that waits); False on timeout."""
        with self._lock:
            pending = list(self._pending)
        from concurrent.futures import wait

        _done, not_done = wait(pending, timeout=timeout)  # type: ignore[arg-type]
        return not not_done


class CeleryRunner:
    """Sends each job to the Celery queue (Redis broker); ``feedback_app/worker.py`` runs them."""

    def __init__(self, app: Flask) -> None:
        from .. import worker

        self._celery = worker.make_celery(app)

    def submit(self, job_id: int, as_of: datetime | None) -> None:
        self._celery.send_task(
            "suara_warga.run_score_job", args=[job_id, as_of.isoformat() if as_of else None], queue="score_runs"
        )


def init_app(app: Flask) -> None:
    """Choose the runner named by ``JOB_RUNNER``; it is built on first use, so an app that never queues needs none."""
    if app.config["JOB_RUNNER"] not in ("thread", "celery"):
        raise RuntimeError(f"JOB_RUNNER must be 'thread' or 'celery', not {app.config['JOB_RUNNER']!r}")
    app.extensions["job_runner"] = None


def runner(app: Flask | None = None) -> ThreadRunner | CeleryRunner:
    app = app or current_app._get_current_object()  # type: ignore[attr-defined]
    current = app.extensions.get("job_runner")
    if current is None:
        current = ThreadRunner(app) if app.config["JOB_RUNNER"] == "thread" else CeleryRunner(app)
        app.extensions["job_runner"] = current
    return current


def dispatch(job_id: int) -> None:
    """Hand a queued job to the runner; the job computes as of its ``requested_at``."""
    runner().submit(job_id, None)
