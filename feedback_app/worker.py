"""The Celery worker of production: ``celery -A feedback_app.worker worker -Q score_runs`` (and ``beat``).

Like ``wsgi.py`` this module builds the application when it is imported by the worker process; the web process
only calls :func:`make_celery` to send tasks. Tasks take ids and the instant to compute as of, never objects, and
each runs in an application context with its own database session.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from celery import Celery
from celery.schedules import crontab
from flask import Flask


def make_celery(app: Flask) -> Celery:
    """A Celery app bound to ``app``: broker from ``CELERY_BROKER_URL``, tasks run inside an app context."""
    celery = Celery("suara_warga", broker=app.config["CELERY_BROKER_URL"])
    celery.conf.update(
        task_acks_late=True,  # a worker that dies mid-run leaves the message to be delivered again
        task_reject_on_worker_lost=True,
        worker_prefetch_multiplier=1,
        task_default_queue="score_runs",
        broker_connection_retry_on_startup=True,
        timezone="UTC",
        beat_schedule={
            "close-periods": {
                "task": "suara_warga.close_periods",
                "schedule": crontab(minute=15, hour=18),
            },  # 01:15 WIB
            "recover-jobs": {"task": "suara_warga.recover_jobs", "schedule": 300.0},
            # Hourly, so that a round closes within the hour after its closing date ends in any zone (WIB-WIT).
            "close-peer-rounds": {"task": "suara_warga.close_peer_rounds", "schedule": crontab(minute=5)},
        },
    )

    class AppTask(celery.Task):  # type: ignore[name-defined]
        def __call__(self, *args: Any, **kwargs: Any) -> Any:
            from .extensions import db

            with app.app_context():
                try:
                    return self.run(*args, **kwargs)
                finally:
                    db.session.remove()

    celery.Task = AppTask

    @celery.task(name="suara_warga.run_score_job")
    def run_score_job(job_id: int, as_of: str | None = None) -> str:
        from .services.jobs import run_score_job as run

        result = run(job_id, datetime.fromisoformat(as_of) if as_of else None)
        return result.state if result else "missing"

    @celery.task(name="suara_warga.close_periods")
    def close_periods() -> int:
        from .services.period_close import queue_closed_periods

        return len(queue_closed_periods(requested_by="system:period-close"))

    @celery.task(name="suara_warga.close_peer_rounds")
    def close_peer_rounds() -> int:
        from .extensions import db
        from .services.peer_feedback import close_due_rounds

        closed = close_due_rounds("system:peer-close")
        db.session.commit()
        return len(closed)

    @celery.task(name="suara_warga.recover_jobs")
    def recover_jobs() -> int:
        from .services.jobs import recover_stale_jobs

        return len(recover_stale_jobs())

    return celery


def _worker_celery() -> Celery:
    from . import create_app

    return make_celery(create_app())


_built: list[Celery] = []


def __getattr__(name: str) -> Any:
    """``celery -A feedback_app.worker`` reads ``celery`` (or ``app``): the worker's app, built on first use."""
    if name in ("celery", "app"):
        if not _built:
            _built.append(_worker_celery())
        return _built[0]
    raise AttributeError(name)
