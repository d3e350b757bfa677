"""The command line: ``python -m bench.survey_load [options]`` (see the package docstring)."""

from __future__ import annotations

import argparse
import fcntl
import os
import platform
import secrets
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterable
from pathlib import Path

from bench._common import ROOT, BenchError, log
from bench._report import DOCS, write_docs
from bench.survey_load import __doc__ as PACKAGE_DOC
from bench.survey_load.databases import Database, postgresql_database, run_flask, sqlite_database
from bench.survey_load.in_process import profile_app
from bench.survey_load.load import load_targets
from bench.survey_load.report import DatabaseRun, markdown, print_run, verdict
from bench.survey_load.servers import Server
from bench.survey_load.settings import BEGIN, PG_BENCH_DATABASE, TARGET_RATIO
from bench.survey_load.setup import bench_env, prepare_survey


def parse_args(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.survey_load",
        description=PACKAGE_DOC.split("\n\n", 1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--citizens", type=int, help="citizens per target (default 400; --quick 60)")
    parser.add_argument("--concurrency", type=int, default=8, help="simultaneous citizens (default 8)")
    parser.add_argument("--warmup", type=int, help="untimed citizens per target first (default 24; --quick 8)")
    parser.add_argument("--profile-pairs", type=int, help="in-process pairs under cProfile (default 200; --quick 40)")
    parser.add_argument("--rounds", type=int, help="alternating app/floor rounds (default 4; --quick 2)")
    parser.add_argument("--quick", action="store_true", help="a smoke run with small numbers")
    parser.add_argument("--sqlite-only", action="store_true", help="ignore TEST_DATABASE_URL")
    parser.add_argument("--timeout", type=float, default=30.0, help="per-request timeout, seconds (default 30)")
    parser.add_argument("--max-seconds", type=float, default=600.0, help="deadline of a load phase (default 600)")
    parser.add_argument("--no-docs", action="store_true", help="do not write docs/benchmarks.md")
    parser.add_argument("--keep", action="store_true", help="keep the temporary directory and bench database")
    parser.add_argument("--seed", type=int, default=20261126)
    options = parser.parse_args(argv)
    options.citizens = options.citizens or (60 if options.quick else 400)
    options.warmup = options.warmup if options.warmup is not None else (8 if options.quick else 24)
    options.profile_pairs = (
        options.profile_pairs if options.profile_pairs is not None else (40 if options.quick else 200)
    )
    options.rounds = options.rounds or (2 if options.quick else 4)
    if options.rounds > options.citizens:
        parser.error("--rounds cannot exceed --citizens")
    if min(options.citizens, options.rounds, options.concurrency) < 1:
        parser.error("--citizens, --rounds and --concurrency must be at least 1")
    if min(options.warmup, options.profile_pairs) < 0:
        parser.error("--warmup and --profile-pairs cannot be negative")
    return options


def bench_database(database: Database, options: argparse.Namespace, workdir: Path) -> DatabaseRun:
    env = bench_env(database.url, secrets.token_hex(32), secrets.token_hex(32))
    log(f"\n[{database.label}] schema and demo data ...")
    run_flask(["db", "upgrade"], env)
    for line in run_flask(["demo-data"], env).splitlines():
        log(f"  {line}")
    survey = prepare_survey(env, workdir, database)
    sizes = sorted(survey.page_bytes.values())
    log(f"  {len(survey.paths)} counters, survey page {sizes[0]}-{sizes[-1]} bytes")
    floor_env = dict(env, FLOOR_CONFIG=str(survey.floor_config))
    log(
        f"[{database.label}] app and floor: {options.warmup} warm-up + {options.citizens} citizens each, "
        f"{options.concurrency} at a time, in {options.rounds} alternating rounds ..."
    )
    results, foreign = load_targets(
        [("app", "wsgi:app", env), ("floor", "bench.survey_load.floor_app:create_app()", floor_env)],
        database,
        survey,
        options,
        workdir,
    )
    profile = None
    if options.profile_pairs:
        log(f"[{database.label}] profiling {options.profile_pairs} in-process pairs ...")
        profile = profile_app(env, database, survey, options.profile_pairs, options.seed)
    run = DatabaseRun(database, results["app"], results["floor"], profile, survey.page_bytes, foreign)
    print_run(run)
    return run


def main(argv: Iterable[str] | None = None) -> int:
    options = parse_args(argv)
    # One run at a time on this machine: a second one would skew the first's timings, and both would recreate the
    # same PostgreSQL bench database under each other.
    lock = open(Path(tempfile.gettempdir()) / "suara_warga_survey_load.lock", "w")  # noqa: SIM115 - held to exit
    try:
        fcntl.flock(lock, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except OSError:
        log(f"ERROR: another bench.survey_load run is in progress (lock {lock.name})")
        return 2
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below on `kill` too
    workdir = Path(tempfile.mkdtemp(prefix="survey_load-"))
    databases: list[Database] = []
    runs: list[DatabaseRun] = []
    try:
        databases.append(sqlite_database(workdir))
        test_url = os.environ.get("TEST_DATABASE_URL", "")
        if test_url and not options.sqlite_only:
            databases.append(postgresql_database(test_url))
        elif test_url:
            log("TEST_DATABASE_URL ignored (--sqlite-only)")
        else:
            log("TEST_DATABASE_URL not set: SQLite only")
        log(
            f"{options.citizens} citizens per target, {options.concurrency} at a time, "
            f"{os.cpu_count()} CPUs, Python {platform.python_version()}"
        )
        for database in databases:
            runs.append(bench_database(database, options, workdir))
    except BenchError as error:
        log(f"ERROR: {error}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        Server.stop_all()
        if options.keep:
            log(f"kept {workdir}" + (f" and database {PG_BENCH_DATABASE}" if len(databases) > 1 else ""))
        else:
            shutil.rmtree(workdir, ignore_errors=True)
            for database in databases:
                if database.drop:
                    try:
                        database.drop()
                    except Exception as error:
                        log(f"warning: could not drop {PG_BENCH_DATABASE}: {error}")

    log("\n=== Summary ===")
    failed = False
    for run in runs:
        log(
            f"{run.database.version}: app {run.app.req_per_s:.0f} req/s, floor {run.floor.req_per_s:.0f} req/s, "
            f"ratio {run.ratio:.2f} ({verdict(run.ratio)}); stored/accepted app {run.app.stored}/{run.app.accepted}, "
            f"floor {run.floor.stored}/{run.floor.accepted}; 5xx {run.app.server_errors + run.floor.server_errors}"
        )
        if run.ratio < TARGET_RATIO:
            log(
                f"BELOW TARGET: on {run.database.label} the app reaches {run.ratio:.0%} of the floor's throughput "
                f"(target {TARGET_RATIO:.0%})"
            )
        if run.failures():
            failed = True
            for failure in run.failures():
                log(f"FAILED [{run.database.label}] {failure}")
    if not options.no_docs:
        write_docs(markdown(runs, options))
        log(f"wrote {DOCS.relative_to(ROOT)} (section {BEGIN})")
    log("checks FAILED" if failed else "checks passed: every accepted POST stored, 0 lost, 0 5xx")
    return 1 if failed else 0
