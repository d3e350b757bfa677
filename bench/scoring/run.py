"""The score run, timed in a fresh child process per phase and per SQL statement."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench._common import ROOT, BenchError
from bench._proc import Process, processes
from bench.scoring.database import Target, app_config
from bench.scoring.settings import NOW, UNIT_SLUG, peak_rss_mb


def child_main(url: str, period_code: str, explain: bool) -> int:
    """Run ``compute_score_run`` once and print one JSON line with the timings (``--child``)."""
    baseline = peak_rss_mb()
    from sqlalchemy import event, func, select

    from feedback_app import create_app
    from feedback_app.clock import clock
    from feedback_app.extensions import db
    from feedback_app.models import ScoreIndicator, Unit
    from feedback_app.services import sufficient_statistics
    from feedback_app.services.score_runs import compute, rows
    from scoring import parse_period

    app = create_app(app_config(url))
    calls: list[tuple[str, float]] = []
    statements: list[dict[str, Any]] = []
    current: list[str] = ["compute_score_run"]
    recording = [True]  # emptied once the run is committed: what follows is the benchmark's own

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            label = name + (f"({args[2]!r})" if name == "service_time_stats" and len(args) > 2 else "")
            current.append(label)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                calls.append((label, time.perf_counter() - started))
                current.pop()

        return wrapper

    for attribute in dir(compute):  # every statistics function the run calls, and its own input readers
        value = getattr(compute, attribute)
        defined_there = getattr(value, "__module__", "") == sufficient_statistics.__name__
        if callable(value) and defined_there and not isinstance(value, type):
            setattr(compute, attribute, timed(attribute, value))
    for attribute in ("_employees_of", "_targets", "_ratings", "unit_parameters"):
        setattr(compute, attribute, timed(attribute, getattr(compute, attribute)))
    writing = [0.0]  # the indicator rows handed to the database (COPY or INSERT), ending the COPY included

    def writes(function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                writing[0] += time.perf_counter() - started

        return wrapper

    for attribute in ("add_rows", "flush", "__exit__"):
        setattr(rows.IndicatorRows, attribute, writes(getattr(rows.IndicatorRows, attribute)))

    with app.app_context():
        clock.set(NOW)
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            conn.info["bench_started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            if not recording:
                return
            select = not many and statement.lstrip().upper().startswith(("SELECT", "WITH"))
            statements.append(
                {
                    "caller": current[-1],
                    "seconds": time.perf_counter() - conn.info["bench_started"],
                    "sql": statement if select else statement[:300],
                    "parameters": parameters if explain and select else None,
                    "rows": cursor.rowcount,
                    "many": many,
                }
            )

        unit = db.session.scalar(select(Unit).where(Unit.slug == UNIT_SLUG))
        period = parse_period(period_code)
        db.session.commit()  # the unit is loaded: the timed part starts from a clean transaction
        steps: list[tuple[str, float]] = []
        before_run = peak_rss_mb()
        started = time.perf_counter()
        run = compute.compute_score_run(
            unit, period, "bench", progress=lambda name: steps.append((name, time.perf_counter()))
        )
        computed = time.perf_counter()
        run_id = run.id
        input_counts = dict(run.input_counts)
        db.session.commit()
        finished = time.perf_counter()
        phases, previous = {}, started
        for name, at in steps:
            phases[name] = at - previous
            previous = at
        phases["commit"] = finished - computed
        recording.clear()
        indicator_rows = db.session.scalar(
            select(func.count()).select_from(ScoreIndicator).where(ScoreIndicator.run_id == run_id)
        )
        plans = explain_statements(db, statements) if explain else []
    result = {
        "run_id": run_id,
        "seconds": finished - started,
        "phases": phases,
        "calls": calls,
        "writing_seconds": writing[0],
        "statements": [
            {k: v for k, v in s.items() if k != "parameters"} | {"sql": s["sql"][:3000]} for s in statements
        ],
        "rss_baseline_mb": baseline,
        "rss_before_run_mb": before_run,
        "rss_peak_mb": peak_rss_mb(),
        "input_counts": input_counts,
        "indicator_rows": indicator_rows,
        "plans": plans,
    }
    print("BENCH-RESULT " + json.dumps(result, default=str))
    return 0


def explain_statements(db: Any, statements: list[dict[str, Any]]) -> list[dict[str, str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the run's SELECT statements (PostgreSQL only), for profiling."""
    if db.engine.dialect.name != "postgresql":
        return []
    plans = []
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        for statement in statements:
            if statement["parameters"] is None:
                continue
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement["sql"], statement["parameters"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append({"caller": statement["caller"], "plan": plan})
        raw.rollback()
    return plans


def other_processes(
    before: dict[int, Process], after: dict[int, Process], database: str
) -> tuple[float, list[tuple[str, float]]]:
    """CPU-seconds other long-lived processes used in between: not this one, not the bench database's backends,
    not the server's own processes (WAL writer, checkpointer...), which work for the run too."""
    used: list[tuple[str, float]] = []
    for pid, process in after.items():
        command = process.command
        if pid == os.getpid() or pid not in before or database in command or "parallel worker" in command:
            continue
        if command.startswith("postgres: ") and not _client_backend(command):
            continue
        delta = process.cpu_seconds - before[pid].cpu_seconds
        if delta > 0.05:
            used.append((command, delta))
    used.sort(key=lambda item: -item[1])
    return sum(delta for _command, delta in used), used[:3]


def _client_backend(command: str) -> bool:
    """A PostgreSQL backend serving a client ("postgres: USER DATABASE HOST(PORT) STATE")."""
    return "(" in command and ")" in command.partition("(")[2]


@dataclass
class RunResult:
    period: str
    seconds: float
    phases: dict[str, float]
    calls: list[tuple[str, float]]
    statements: list[dict[str, Any]]
    rss_baseline_mb: float
    rss_before_run_mb: float
    rss_peak_mb: float
    input_counts: dict[str, Any]
    run_id: int
    plans: list[dict[str, str]]
    indicator_rows: int = 0
    writing_seconds: float = 0.0  # handing the indicator rows to the database, within the scoring phase
    other_cpu_seconds: float = 0.0  # CPU other processes used on the machine meanwhile (noise)
    busiest_others: list[tuple[str, float]] = field(default_factory=list)
    wall_seconds: float = 0.0  # the child process from start to exit

    def noise(self) -> str:
        """A note when other processes used more than 5 % of the machine while the run was timed."""
        share = self.other_cpu_seconds / ((os.cpu_count() or 1) * max(self.wall_seconds, 1e-9))
        if share < 0.05:
            return ""
        busiest = ", ".join(f"`{command}` {cpu:.1f} CPU-s" for command, cpu in self.busiest_others)
        return (
            f"other processes used {self.other_cpu_seconds:.1f} CPU-s ({share:.0%} of the machine) meanwhile: {busiest}"
        )


def time_score_run(target: Target, period: str, explain: bool = False) -> RunResult:
    command = [sys.executable, "-m", "bench.scoring", "--child", target.url, "--child-period", period]
    if explain:
        command.append("--explain")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLASK_APP")}
    before, started = processes(commands=True), time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall, after = time.perf_counter() - started, processes(commands=True)
    line = next((l for l in completed.stdout.splitlines() if l.startswith("BENCH-RESULT ")), None)
    if completed.returncode != 0 or line is None:
        raise BenchError(
            f"the score run failed (exit {completed.returncode}):\n{completed.stdout[-3000:]}\n"
            f"{completed.stderr[-6000:]}"
        )
    data = json.loads(line[len("BENCH-RESULT ") :])
    other, busiest = other_processes(before, after, target.name)
    return RunResult(period=period, other_cpu_seconds=other, busiest_others=busiest, wall_seconds=wall, **data)
