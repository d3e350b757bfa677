"""The command line: ``python -m bench.scoring [options]`` (see the package docstring)."""

from __future__ import annotations

import argparse
import json
import shutil
import signal
import sys
import tempfile
from collections.abc import Iterable
from dataclasses import asdict
from pathlib import Path

from bench._common import BenchError, log, machine
from bench._report import DOCS, write_docs
from bench.scoring import __doc__ as PACKAGE_DOC
from bench.scoring.database import Target, configured_postgresql, postgresql_target, sqlite_target
from bench.scoring.end_to_end import SizeResult, bench_size
from bench.scoring.report import markdown, print_summary
from bench.scoring.run import child_main
from bench.scoring.settings import BEGIN, FULL, PERIOD, PG_DATABASE, PG_DATABASE_SMALL, SMALL, TARGET_SECONDS, Size


def parse_args(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.scoring",
        description=PACKAGE_DOC.split("\n\n", 1)[0],
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    parser.add_argument("--small", action="store_true", help="smoke sizes only (20,000 rows, 100 employees)")
    parser.add_argument("--responses", type=int, help="responses (and tickets) to generate (default 10,000,000)")
    parser.add_argument("--tickets", type=int, help="tickets, when not as many as responses")
    parser.add_argument("--employees", type=int, help="employees (default 50,000)")
    parser.add_argument("--sqlite", action="store_true", help="a temporary SQLite file even if PostgreSQL is set")
    parser.add_argument("--runs", type=int, default=1, help="timed score runs on the full data (default 1)")
    parser.add_argument("--no-small", action="store_true", help="skip the small comparison size")
    parser.add_argument("--report", type=Path, help="write the section to this file (default docs/benchmarks.md)")
    parser.add_argument("--no-docs", action="store_true", help="write no report file")
    parser.add_argument("--explain", action="store_true", help="EXPLAIN ANALYZE the statistics (PostgreSQL)")
    parser.add_argument("--keep", action="store_true", help="keep the bench databases and the work directory")
    parser.add_argument("--reuse", action="store_true", help="reuse a kept database with the same sizes and seed")
    parser.add_argument("--workdir", type=Path, help="directory for exports and the SQLite file")
    parser.add_argument("--seed", type=int, default=2025)
    parser.add_argument("--child", metavar="URL", help=argparse.SUPPRESS)
    parser.add_argument("--child-period", default=PERIOD, help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        return options
    if options.small and (options.responses or options.employees or options.tickets):
        parser.error("--small sets the sizes; leave out --responses/--tickets/--employees")
    responses = options.responses or FULL.responses
    options.size = (
        SMALL if options.small else Size(responses, options.tickets or responses, options.employees or FULL.employees)
    )
    if min(options.size.responses, options.size.tickets, options.size.employees) < 1 or options.runs < 1:
        parser.error("sizes and --runs must be positive")
    if options.report is None and options.small:
        options.no_docs = True  # a smoke run must not replace the full run's figures
    return options


def main(argv: Iterable[str] | None = None) -> int:
    options = parse_args(argv)
    if options.child:
        return child_main(options.child, options.child_period, options.explain)
    signal.signal(signal.SIGTERM, lambda *_: sys.exit(143))  # run the clean-up below on `kill` too
    workdir = options.workdir or Path(tempfile.mkdtemp(prefix="bench_scoring-"))
    workdir.mkdir(parents=True, exist_ok=True)
    server = None if options.sqlite else configured_postgresql()
    sizes = [(options.size, True)]
    if not options.small and not options.no_small and options.size != SMALL:
        sizes.insert(0, (SMALL, False))
    targets: list[Target] = []
    results: list[SizeResult] = []
    log(f"{machine()}; database: {'PostgreSQL' if server else 'SQLite'}")
    try:
        for size, full in sizes:
            if server:
                name = PG_DATABASE_SMALL if size == SMALL else PG_DATABASE
                target = postgresql_target(server, name, fresh=not options.reuse)
            else:
                target = sqlite_target(workdir / ("scoring-small.db" if size == SMALL else "scoring.db"))
                if not options.reuse:
                    target.drop()
            targets.append(target)
            results.append(bench_size(size, target, options, workdir, full))
    except BenchError as error:
        log(f"ERROR: {error}")
        return 2
    except KeyboardInterrupt:
        log("interrupted")
        return 130
    finally:
        if options.keep:
            log(f"kept {workdir}" + "".join(f" and {t.name}" for t in targets if t.dialect == "postgresql"))
        else:
            for target in targets:
                try:
                    target.drop()
                except Exception as error:
                    log(f"warning: could not drop {target.name}: {error}")
            if options.workdir is None:
                shutil.rmtree(workdir, ignore_errors=True)
    print_summary(results)
    log(
        "BENCH-SUMMARY "
        + json.dumps(
            [
                {
                    "size": asdict(r.size),
                    "database": r.database,
                    "run_seconds": [run.seconds for run in r.runs],
                    "rss_peak_mb": r.run.rss_peak_mb,
                    "duckdb_aggregate_seconds": r.floor.aggregate_seconds,
                    "ratio": r.ratio,
                    "statistics_ratio": r.statistics_ratio,
                    "unit_ikm_app": r.shown.get("unit_ikm_app_exact"),
                    "unit_ikm_duckdb": r.shown.get("unit_ikm_floor_exact"),
                    "unit_n": r.shown.get("unit_n"),
                    "figures_checked": r.shown.get("figures_checked"),
                    "problems": r.problems,
                }
                for r in results
            ]
        )
    )
    if not options.no_docs:
        report = options.report or DOCS
        write_docs(markdown(results, options), report)
        log(f"wrote {report} (section {BEGIN})")
    failed = [r for r in results if r.problems]
    missed = [
        r for r in results if r.database.startswith("PostgreSQL") and r.size == FULL and r.run.seconds >= TARGET_SECONDS
    ]
    if missed:
        log(f"MISSED: the full run took {missed[0].run.seconds:.1f} s (target < {TARGET_SECONDS:.0f} s)")
    log(
        "checks FAILED: the run differs from DuckDB" if failed else "checks passed: the run equals DuckDB's aggregation"
    )
    return 1 if failed or missed else 0
