"""Score runs as background jobs (spec §7): queued, run with progress, refused twice, recovered, closed periods."""

from __future__ import annotations

import os
import subprocess
import sys
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
from sqlalchemy import insert, select

from feedback_app.extensions import db
from feedback_app.models import AuditEvent, ScoreJob, ScoreRun, SurveyResponse
from feedback_app.services.jobs import (
    SCORE_RUN,
    JobRefused,
    enqueue,
    recover_stale_jobs,
    runner,
    start_score_jobs,
    status,
)
from feedback_app.services.period_close import periods_to_close, queue_closed_periods
from tests.helpers import need_service

ROOT = Path(__file__).resolve().parents[2]


def _answers(unit, counter, employee, count: int, at: datetime) -> None:
    rows = [
        dict(
            unit_id=unit.id,
            counter_id=counter.id,
            employee_id=employee.id,
            attribution_source="roster",
            channel="counter_qr",
            client_fingerprint="f" * 32,
            submission_key=f"{unit.slug}-{i}",
            status="valid",
            submitted_at=at + timedelta(minutes=i),
            counted_at=at + timedelta(minutes=i),
            locale="id",
            **{f"u{n}": 1 + (i + n) % 4 for n in range(1, 10)},
        )
        for i in range(count)
    ]
    db.session.execute(insert(SurveyResponse), rows)


@pytest.fixture
def units(build, clock):
    made = []
    for slug in ("bogor", "kassi"):
        unit = build.unit(slug=slug, name=f"Dukcapil {slug.title()}")
        counter = build.counter(unit)
        _answers(unit, counter, build.employee(unit), 12, datetime(2026, 8, 3, 2, tzinfo=UTC))
        made.append(unit)
    db.session.commit()
    return made


def test_jobs_for_several_units_run_in_the_background_and_store_their_runs(app, units):
    started, refused = start_score_jobs(units, "2026-Q3", "sdm")
    assert len(started) == 2 and refused == []
    assert runner().wait(timeout=60)
    for job_id, unit in zip(started, units, strict=True):
        result = status(job_id)
        assert (result.state, result.done, result.total, result.error) == ("done", 4, 4, None)
        run = db.session.get(ScoreRun, result.run_id)
        assert (run.unit_id, run.period_id, run.provisional, run.created_by) == (unit.id, "2026-Q3", False, "sdm")
        assert run.input_counts["responses_valid"] == 12
    # one audit row for the start (one action), one per computed run
    actions = [event.action for event in db.session.scalars(select(AuditEvent).order_by(AuditEvent.id))]
    assert actions.count("score_job.start") == 1 and actions.count("score_run.compute") == 2


def test_a_second_start_of_the_same_unit_and_period_is_refused_while_one_is_queued(app, units):
    db.session.add(
        ScoreJob(
            unit=units[0],
            period_id="2026-Q3",
            state="queued",
            total=4,
            requested_by="x",
            requested_at=datetime.now(UTC),
        )
    )
    db.session.commit()
    with pytest.raises(JobRefused):
        enqueue(SCORE_RUN, unit=units[0], period_id="2026-Q3", requested_by="sdm")
    started, refused = start_score_jobs(units, "2026-Q3", "sdm")  # the other unit goes ahead
    assert [r.unit.slug for r in refused] == ["bogor"] and len(started) == 1
    assert runner().wait(timeout=60)
    # another period of the same unit is not refused
    assert enqueue(SCORE_RUN, unit=units[0], period_id="2026-08", requested_by="sdm")
    assert runner().wait(timeout=60)


def test_a_job_runs_once_even_when_its_message_arrives_twice(app, units):
    [job_id], _ = start_score_jobs(units[:1], "2026-Q3", "sdm")
    assert runner().wait(timeout=60)
    from feedback_app.services.jobs import run_score_job

    assert run_score_job(job_id).state == "done"
    assert db.session.scalar(select(db.func.count()).select_from(ScoreRun)) == 1


def test_a_job_left_running_by_a_dead_worker_is_recovered(app, units, clock):
    job = ScoreJob(
        unit=units[0],
        period_id="2026-Q3",
        state="running",
        done=2,
        total=4,
        requested_by="sdm",
        requested_at=clock.now(),
        heartbeat_at=clock.now(),
        attempts=1,
    )
    db.session.add(job)
    db.session.commit()
    assert recover_stale_jobs(at=clock.now() + timedelta(minutes=5)) == []  # still alive
    assert recover_stale_jobs(at=clock.now() + timedelta(minutes=11)) == [job.id]
    assert runner().wait(timeout=60)
    assert status(job.id).state == "done"


def test_a_job_that_died_three_times_fails_with_a_reason(app, units, clock):
    job = ScoreJob(
        unit=units[0],
        period_id="2026-Q3",
        state="running",
        total=4,
        requested_by="sdm",
        requested_at=clock.now(),
        heartbeat_at=clock.now(),
        attempts=3,
    )
    db.session.add(job)
    db.session.commit()
    recover_stale_jobs(at=clock.now() + timedelta(hours=1))
    assert status(job.id).state == "failed" and "3 times" in status(job.id).error


def test_a_failing_run_is_recorded_on_its_job(app, units, clock):
    clock.set(datetime(2026, 6, 1, tzinfo=UTC))  # 2026-Q3 has not started yet: the run refuses
    [job_id], _ = start_score_jobs(units[:1], "2026-Q3", "sdm")
    assert runner().wait(timeout=60)
    assert status(job_id).state == "failed" and "has not started yet" in status(job_id).error


def test_closed_periods_are_queued_after_the_grace_days_and_only_once(app, units, clock):
    clock.set(datetime(2026, 10, 3, 5, tzinfo=UTC))  # 3 Oct WIB: September ended 2 days ago, grace is 3
    assert [p.id for p in periods_to_close(units[0], clock.now())] == ["2026-08", "2026-Q2", "2026-S1", "2025"]
    clock.set(datetime(2026, 10, 4, 5, tzinfo=UTC))
    assert [p.id for p in periods_to_close(units[0], clock.now())] == ["2026-09", "2026-Q3", "2026-S1", "2025"]
    first = queue_closed_periods("system:period-close")
    assert len(first) == 8 and all(item.job_id for item in first)
    assert runner().wait(timeout=120)
    assert queue_closed_periods("system:period-close") == []  # every one has a final run now
    units[0].period_close_grace_days = 10
    db.session.commit()
    assert next(p.id for p in periods_to_close(units[0], clock.now())) == "2026-08"


@pytest.mark.postgresql_only
def test_a_real_celery_worker_on_redis_runs_a_job(app, units, tmp_path):
    """Production's runner: the job goes through Redis to a Celery worker process on the same PostgreSQL."""
    broker = os.environ.get("TEST_REDIS_URL")
    need_service("Redis for the Celery broker (TEST_REDIS_URL)", bool(broker))
    app.config.update(JOB_RUNNER="celery", CELERY_BROKER_URL=broker)
    app.extensions["job_runner"] = None
    environment = {
        **os.environ,
        "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
        "CELERY_BROKER_URL": broker,
        "JOB_RUNNER": "celery",
        "SECRET_KEY": "test-secret-key",
        "QR_SIGNING_KEY": "test-qr-key",
    }
    worker = subprocess.Popen(
        [
            *(sys.executable, "-m", "celery", "-A", "feedback_app.worker", "worker", "-Q", "score_runs"),
            *("--pool", "solo", "--loglevel", "WARNING", "--without-heartbeat", "--without-gossip", "--without-mingle"),
        ],
        cwd=ROOT,
        env=environment,
        stdout=(log := (tmp_path / "worker.log").open("wb")),
        stderr=subprocess.STDOUT,
    )
    try:
        [job_id], _ = start_score_jobs(units[:1], "2026-Q3", "sdm")
        deadline = time.monotonic() + 90
        while time.monotonic() < deadline and not status(job_id).finished:
            assert worker.poll() is None, (tmp_path / "worker.log").read_text()
            time.sleep(0.5)
        result = status(job_id)
        assert result.state == "done", result
        run = db.session.get(ScoreRun, result.run_id)
        assert run.input_counts["responses_valid"] == 12 and not run.provisional  # computed as of the fixed clock
    finally:
        worker.terminate()
        worker.wait(timeout=30)
        log.close()


def test_the_close_periods_command_runs_and_is_idempotent(app, units, clock):
    clock.set(datetime(2026, 10, 4, 5, tzinfo=UTC))
    runner_cli = app.test_cli_runner()
    first = runner_cli.invoke(args=["scores", "close-periods"])
    assert first.exit_code == 0, first.output
    assert "bogor 2026-Q3: job" in first.output and "kassi 2025: job" in first.output
    assert db.session.scalar(select(db.func.count()).select_from(ScoreRun)) == 8
    again = runner_cli.invoke(args=["scores", "close-periods"])
    assert "nothing queued" in again.output
    assert runner_cli.invoke(args=["scores", "close-periods", "--quiet"]).output == ""
    assert "0 stale job(s) recovered." in runner_cli.invoke(args=["jobs", "recover"]).output
