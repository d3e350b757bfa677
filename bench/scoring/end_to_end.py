"""One size, end to end: generate (or reuse), time the runs, the floor, and check them."""

from __future__ import annotations

import argparse
from collections import Counter as Tally
from dataclasses import asdict, dataclass
from pathlib import Path
from typing import Any

from bench._common import log
from bench.scoring.data import forget_runs, generate, store_meta, stored_meta
from bench.scoring.database import Target, migrate
from bench.scoring.floor import Floor, duckdb_floor, export_csv
from bench.scoring.run import RunResult, time_score_run
from bench.scoring.settings import EPOCH, GENERATOR_VERSION, NOW, OFFSET, PERIOD, Size, peak_rss_mb
from bench.scoring.verify import verify


@dataclass
class SizeResult:
    size: Size
    database: str
    rows: dict[str, int]
    generation: dict[str, float]
    reused: bool
    runs: list[RunResult]
    month_run: RunResult | None
    export_seconds: float
    export_bytes: int
    floor: Floor
    problems: list[str]
    shown: dict[str, Any]

    @property
    def run(self) -> RunResult:
        return min(self.runs, key=lambda r: r.seconds)

    @property
    def ratio(self) -> float:
        return self.run.seconds / self.floor.aggregate_seconds if self.floor.aggregate_seconds else float("inf")

    @property
    def statistics_ratio(self) -> float:
        """The run's statistics phase (the part DuckDB does too) ÷ DuckDB's aggregation."""
        seconds = self.run.phases.get("statistics", 0.0)
        return seconds / self.floor.aggregate_seconds if self.floor.aggregate_seconds else float("inf")


def period_seconds(code: str) -> tuple[int, int, int]:
    """[start, end) of a period in epoch seconds (local midnights in WIB), and the roster's end (min(end, now))."""
    from scoring import parse_period

    period = parse_period(code)
    start = (period.start - EPOCH).days * 86400 - OFFSET
    end = (period.end - EPOCH).days * 86400 - OFFSET
    return start, end, min(end, int(NOW.timestamp()))


def bench_size(size: Size, target: Target, options: argparse.Namespace, workdir: Path, full: bool) -> SizeResult:
    meta = {"generator": GENERATOR_VERSION, "size": asdict(size), "seed": options.seed}
    reused = False
    if options.reuse and stored_meta(target) is not None:
        stored = stored_meta(target)
        if stored and {k: stored.get(k) for k in meta} == meta:
            reused = True
            rows, generation = Tally(stored["rows"]), stored["generation"]
            log(f"[{target.version}] reusing {target.name}: {size.label}")
            forget_runs(target)
    if not reused:
        log(f"[{target.version}] generating {size.label} into {target.name} ...")
        migrate(target)
        rows, generation = generate(target, size, options.seed, workdir)
        store_meta(target, meta | {"rows": dict(rows), "generation": generation})
        for step, seconds in generation.items():
            log(f"    {step}: {seconds:.1f} s")
    runs = []
    for attempt in range(options.runs if full else 1):
        log(f"[{target.version}] score run {PERIOD} ({attempt + 1}) ...")
        result = time_score_run(target, PERIOD, explain=options.explain and attempt == 0)
        runs.append(result)
        log(
            f"    {result.seconds:.2f} s, peak RSS {result.rss_peak_mb:.0f} MB"
            + (f"; NOISY: {result.noise()}" if result.noise() else "")
        )
        for plan in result.plans:
            log(f"--- EXPLAIN {plan['caller']}\n{plan['plan']}")
    month_run = None
    if full:
        log(f"[{target.version}] score run 2025-01 (one month of the same data, for memory against N) ...")
        month_run = time_score_run(target, "2025-01")
        log(f"    {month_run.seconds:.2f} s, peak RSS {month_run.rss_peak_mb:.0f} MB")
    log(f"[{target.version}] exporting to CSV ...")
    paths, export_seconds, export_bytes = export_csv(target, workdir)
    log(f"    {export_seconds:.1f} s, {export_bytes / 1e6:.0f} MB")
    log("[DuckDB] load and aggregate ...")
    start_s, end_s, staffed_until_s = period_seconds(PERIOD)
    floor = duckdb_floor(paths, start_s, end_s, staffed_until_s)
    floor.rss_mb = peak_rss_mb()
    log(f"    load {floor.load_seconds:.2f} s, aggregate {floor.aggregate_seconds:.2f} s")
    for path in paths.values():
        path.unlink(missing_ok=True)
    log("[check] stored run against DuckDB ...")
    problems, shown = verify(target, min(runs, key=lambda r: r.seconds), floor)
    log("    equal" if not problems else "    DIFFERENT:\n      " + "\n      ".join(problems))
    return SizeResult(
        size,
        target.version,
        dict(rows),
        generation,
        reused,
        runs,
        month_run,
        export_seconds,
        export_bytes,
        floor,
        problems,
        shown,
    )
