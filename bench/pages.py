"""Page benchmark: server time and SQL statements of "Kinerja saya" over the scoring benchmark's data.

What it measures
    The data of ``python -m bench.scoring`` (its generator, sizes and seed: one WIB unit, N answers and N tickets of
    2025 for M employees), one stored score run for 2025 (computed here, clock in 2026 so it is final), and an
    account linked to an employee of the middle of the list. Then ``GET /kinerja/?periode=2025`` through the app
    (Flask's test client, no network), repeated; per request the wall time of the whole request and the SQL
    statements it sent. The page reads the stored run, the trend of six stored runs, comments by index with a limit
    and the unit's service types: nothing aggregates raw answers, so the time should not grow with N, and the
    statement count must be the same at every size.

Targets (issue 12 item 9)
    p50 ≤ 50 ms on PostgreSQL with the 10 M answers loaded; the p50 at 10 M at most 1.5 × the p50 at 1 M; the same
    number of statements at every size.

Run (from the repository root)
    .venv/bin/python bench/pages.py --small                  # smoke run: 20,000 answers, 100 employees
    .venv/bin/python bench/pages.py --responses 1000000 --employees 5000
    .venv/bin/python bench/pages.py                          # 1 M and 10 M answers (5,000 / 50,000 employees)

    Database: PostgreSQL when DATABASE_URL or TEST_DATABASE_URL names a server (its own database
    ``suara_pages_bench_<N>`` there, dropped at the end unless --keep), else a temporary
    SQLite file. With --reuse a kept database of the same size and seed is used again (no generation).

Output
    The console report and, unless --small (or --no-docs), the ``<!-- bench:pages -->`` section of
    docs/benchmarks.md.
"""

from __future__ import annotations

import argparse
import os
import statistics
import sys
import tempfile
import time
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench import _report
from bench._common import BenchError, log, machine
from bench.scoring.data import generate, store_meta, stored_meta
from bench.scoring.database import (
    Target,
    app_config,
    configured_postgresql,
    migrate,
    postgresql_target,
    sqlite_target,
)
from bench.scoring.settings import FULL, NOW, PERIOD, SMALL, Size

GENERATOR_KEY = "pages"
BASELINE = Size(1_000_000, 1_000_000, 5_000)
P50_TARGET_MS = 50.0
REQUESTS = 40


@dataclass
class PageResult:
    size: Size
    database: str
    p50_ms: float
    p90_ms: float
    statements: int
    run_seconds: float


def measure(target: Target, size: Size, seed: int, workdir: Path, reuse: bool, requests: int) -> PageResult:
    meta = {"generator": GENERATOR_KEY, "size": {**size.__dict__}, "seed": seed}
    stored = stored_meta(target) if reuse else None
    if not (stored and {k: stored.get(k) for k in meta} == meta):
        log(f"[{target.version}] generating {size.label} into {target.name} ...")
        migrate(target)
        rows, generation = generate(target, size, seed, workdir)
        store_meta(target, meta | {"rows": dict(rows), "generation": generation})
    from sqlalchemy import select

    from feedback_app import create_app
    from feedback_app.clock import clock
    from feedback_app.extensions import db
    from feedback_app.models import EmployeeAssignment, ScoreRun, User
    from feedback_app.services.score_runs import compute_score_run, units_to_score
    from scoring import parse_period
    from tests.helpers import counting_queries, hidden_fields

    app = create_app({**app_config(target.url), "TESTING": True, "RATELIMIT_ENABLED": False})
    clock.set(NOW)
    with app.app_context():
        units = units_to_score()
        if not units:
            raise BenchError("the generated data have no unit")
        unit = units[0]
        run_seconds = 0.0
        if db.session.scalar(select(ScoreRun.id).where(ScoreRun.period_id == PERIOD)) is None:
            started = time.perf_counter()
            compute_score_run(unit, parse_period(PERIOD), "bench-pages")
            db.session.commit()
            run_seconds = time.perf_counter() - started
        employee_ids = list(
            db.session.scalars(
                select(EmployeeAssignment.employee_id)
                .where(EmployeeAssignment.unit_id == unit.id)
                .order_by(EmployeeAssignment.employee_id)
            )
        )
        chosen = employee_ids[len(employee_ids) // 2]
        user = db.session.scalar(select(User).where(User.login == "bench-pages"))
        if user is None:
            user = User(login="bench-pages", unit_id=unit.id, employee_id=chosen)
            user.roles = {"staff"}
            user.set_password("bench-pages-password")
            db.session.add(user)
            db.session.commit()
        client = app.test_client()
        token = hidden_fields(client.get("/masuk").get_data(as_text=True))["csrf_token"]
        response = client.post(
            "/masuk", data={"login": "bench-pages", "password": "bench-pages-password", "csrf_token": token}
        )
        if response.status_code != 302:
            raise BenchError(f"the bench account cannot log in: {response.status_code}")
        url = f"/kinerja/?periode={PERIOD}"
        client.get(url)  # warm-up: templates compiled, connections open
        times, counts = [], set()
        for _ in range(requests):
            with counting_queries() as statements:
                started = time.perf_counter()
                response = client.get(url)
                times.append((time.perf_counter() - started) * 1000)
            if response.status_code != 200:
                raise BenchError(f"{url} answered {response.status_code}")
            counts.add(len(statements))
        db.engine.dispose()
    clock.reset()
    if len(counts) != 1:
        raise BenchError(f"the statement count varies between identical requests: {sorted(counts)}")
    ordered = sorted(times)
    return PageResult(
        size,
        target.version,
        statistics.median(ordered),
        ordered[max(0, int(len(ordered) * 0.9) - 1)],
        counts.pop(),
        run_seconds,
    )


def markdown(results: list[PageResult]) -> str:
    begin, end = _report.markers("pages")
    load = os.getloadavg()[0]
    lines = [
        begin,
        "## Pages: Kinerja saya",
        "",
        f"`bench/pages.py`: `GET /kinerja/?periode={PERIOD}` through the app ({REQUESTS} requests after a warm-up) "
        "over the data of `python -m bench.scoring` with its stored 2025 run; wall time per request and the SQL "
        f"statements each sent. Target: p50 ≤ {P50_TARGET_MS:.0f} ms on PostgreSQL at 10 M answers, ≤ 1.5× the "
        "1 M figure, the same statement count at every size.",
        "",
        f"Machine: {machine()}; load average {load:.1f} over the last minute when it ended (other work on the "
        "machine slows every statement alike, so compare sizes within one run).",
        "",
        "| database | data | p50 ms | p90 ms | SQL statements |",
        "|---|---|---:|---:|---:|",
    ]
    for r in results:
        lines.append(f"| {r.database} | {r.size.label} | {r.p50_ms:.1f} | {r.p90_ms:.1f} | {r.statements} |")
    lines += ["", end]
    return "\n".join(lines)


def parse_args(argv: Iterable[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n", 1)[0])
    parser.add_argument("--small", action="store_true", help="the smoke size only (20,000 answers, 100 employees)")
    parser.add_argument("--responses", type=int)
    parser.add_argument("--employees", type=int)
    parser.add_argument("--sqlite", action="store_true")
    parser.add_argument("--requests", type=int, default=REQUESTS)
    parser.add_argument("--keep", action="store_true")
    parser.add_argument("--reuse", action="store_true")
    parser.add_argument("--no-docs", action="store_true")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--no-baseline", action="store_true", help="skip the 1 M reference size of the full run")
    options = parser.parse_args(argv)
    responses = options.responses or FULL.responses
    options.size = SMALL if options.small else Size(responses, responses, options.employees or FULL.employees)
    options.no_docs = options.no_docs or options.small
    # The full run also measures the 1 M size, the 1.5x target's reference.
    full = not (options.small or options.responses or options.employees)
    options.baseline = [BASELINE] if full and not options.no_baseline else []
    return options


def main(argv: Iterable[str] | None = None) -> int:
    options = parse_args(argv)
    server = None if options.sqlite else configured_postgresql()
    sizes = [*options.baseline, options.size]
    results = []
    with tempfile.TemporaryDirectory(prefix="bench-pages-") as work:
        workdir = Path(work)
        for size in sizes:
            name = f"suara_pages_bench_{size.responses}"
            if server:
                target = postgresql_target(server, name, fresh=not options.reuse)
            else:
                target = sqlite_target(workdir / f"{name}.db")
            try:
                result = measure(target, size, options.seed, workdir, options.reuse, options.requests)
            finally:
                if not options.keep:
                    target.drop()
            results.append(result)
            log(
                f"[{result.database}] {size.label}: p50 {result.p50_ms:.1f} ms, p90 {result.p90_ms:.1f} ms, "
                f"{result.statements} statements"
            )
    failed = len({r.statements for r in results}) != 1
    if failed:
        log("MISSED: the statement count depends on the data size")
    if len(results) == 2 and results[1].p50_ms > 1.5 * results[0].p50_ms:
        log(f"MISSED: p50 {results[1].p50_ms:.1f} ms is more than 1.5x the {results[0].size.label} figure")
    if server and options.size == FULL and results[-1].p50_ms > P50_TARGET_MS:
        log(f"MISSED: p50 {results[-1].p50_ms:.1f} ms > {P50_TARGET_MS:.0f} ms")
    if not options.no_docs:
        _report.write_docs(markdown(results))
    return 1 if failed else 0


if __name__ == "__main__":
    sys.exit(main())
