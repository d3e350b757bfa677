"""The report: the console summary and the section of docs/benchmarks.md."""

from __future__ import annotations

import argparse
from datetime import UTC, datetime

from bench._common import log, machine
from bench.scoring.end_to_end import SizeResult
from bench.scoring.run import RunResult
from bench.scoring.settings import BEGIN, END, FULL, TARGET_RATIO, TARGET_SECONDS


def verdict_time(result: SizeResult) -> str:
    return "met" if result.run.seconds < TARGET_SECONDS else "MISSED"


def verdict_ratio(result: SizeResult) -> str:
    return "met" if result.ratio <= TARGET_RATIO else "above the aim"


def phase_rows(run: RunResult) -> list[str]:
    """The run's time by phase, the statistics broken down per call and per statement."""
    out = ["| phase | seconds | share |", "|---|---:|---:|"]
    total = run.seconds
    statistics_calls = [(name, s) for name, s in run.calls if not name.startswith(("_", "unit_parameters"))]
    input_calls = [(name, s) for name, s in run.calls if name.startswith(("_", "unit_parameters"))]
    labels = {
        "statistics": "statistics (SQL aggregation, and the dataclasses built from it)",
        "inputs": "other inputs (employees, targets, ratings)",
        "scoring": "pure scoring (`scoring/`, per employee), indicator rows written as they come",
        "storing": "superseding the previous run",
        "commit": "commit",
    }
    inserts = [st for st in run.statements if st["sql"].startswith("INSERT INTO score_indicators")]
    how = f"{len(inserts)} INSERT statements" if inserts else "one COPY"
    for phase, seconds in run.phases.items():
        out.append(f"| {labels.get(phase, phase)} | {seconds:.2f} | {seconds / total:.0%} |")
        if phase == "statistics":
            for name, s in statistics_calls:
                out.append(f"| &nbsp;&nbsp;&nbsp;&nbsp;`{name}` | {s:.2f} | {s / total:.0%} |")
        if phase == "inputs":
            for name, s in input_calls:
                if s >= 0.05:
                    out.append(f"| &nbsp;&nbsp;&nbsp;&nbsp;`{name}` | {s:.2f} | {s / total:.0%} |")
        if phase == "scoring" and run.writing_seconds:
            out.append(
                f"| &nbsp;&nbsp;&nbsp;&nbsp;of which writing {run.indicator_rows:,} indicator rows "
                f"({how}; their JSON explanations are made in the scoring) | {run.writing_seconds:.2f} | "
                f"{run.writing_seconds / total:.0%} |"
            )
    out.append(f"| **total (compute + commit)** | **{total:.2f}** | |")
    return out


def statement_rows(run: RunResult, top: int = 8) -> list[str]:
    out = ["| seconds | called from | statement |", "|---:|---|---|"]
    for statement in sorted(run.statements, key=lambda s: -s["seconds"])[:top]:
        sql = " ".join(statement["sql"].split())
        if len(sql) > 150:
            sql = sql[:147] + "..."
        sql = sql.replace("|", "\\|")
        many = " (executemany)" if statement["many"] else ""
        out.append(f"| {statement['seconds']:.2f} | `{statement['caller']}` | `{sql}`{many} |")
    return out


def markdown(results: list[SizeResult], options: argparse.Namespace) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    import duckdb

    out = [
        BEGIN,
        "## Score run (`bench/scoring/`)",
        "",
        "Run with `.venv/bin/python -m bench.scoring` (full sizes; PostgreSQL when `DATABASE_URL` or "
        "`TEST_DATABASE_URL` names a PostgreSQL server, in its own databases `suara_scoring_bench*`) or "
        "`--small` (smoke sizes). It generates the rows (COPY on PostgreSQL), times a full-year score run "
        "(`compute_score_run` + commit, for 2025, clock in 2026 so the run is final) in a fresh child process, "
        "and times the same aggregation in DuckDB over the same rows exported to CSV: the floor. Hard target on "
        f"PostgreSQL at the default sizes: the run under {TARGET_SECONDS:.0f} s with flat memory; aim: at most "
        f"{TARGET_RATIO:.0f}× DuckDB's aggregation time (*run ÷ DuckDB*). DuckDB only aggregates, so *statistics "
        "phase ÷ DuckDB* compares like with like: the run's SQL aggregation (and the dataclasses built from it) "
        "against DuckDB's; the rest of the run is the pure scoring per employee and writing the indicator rows. "
        "Every run is checked against DuckDB: the unit IKM and every employee's sufficient statistics must be "
        "equal.",
        "",
        f"- Date: {now}" + (" (`--small` smoke run)" if options.small else ""),
        f"- Machine: {machine()}",
        f"- Database: {', '.join(sorted({r.database for r in results}))}; DuckDB {duckdb.__version__} "
        "(in memory, default threads)",
        "- Data: one WIB unit, employees on counters of 10, roster days, tickets with derived times (no ticket "
        "events: the run does not read them), responses (60% via ticket QR, 3% unit only, 3.5% duplicate, "
        "flagged or excluded), complaints from comments, SKP targets and BerAKHLAK ratings for a fifth of the "
        "staff; a few weeks of data either side of the year; written day by day, so the tables are in time "
        "order on disk as a real database's are; `VACUUM (ANALYZE)` after the load.",
        "",
    ]
    out += [
        "| size | rows loaded | generate + load | score run | peak RSS of the run | DuckDB export / load / "
        "aggregate | run ÷ DuckDB | statistics phase ÷ DuckDB | equal to DuckDB |",
        "|---|---|---:|---:|---:|---:|---:|---:|---|",
    ]
    for r in results:
        loaded = (
            f"{r.rows.get('survey_responses', 0):,} responses, {r.rows.get('tickets', 0):,} tickets, "
            f"{r.rows.get('counter_assignments', 0):,} roster rows, {r.rows.get('complaints', 0):,} "
            f"complaints, {r.rows.get('employees', 0):,} employees"
        )
        generation = sum(r.generation.values())
        runs = ", ".join(f"{run.seconds:.1f} s" for run in r.runs)
        out.append(
            f"| {r.size.employees:,} employees | {loaded} | {generation:.0f} s"
            f"{' (kept database)' if r.reused else ''} | **{runs}** | {r.run.rss_peak_mb:.0f} MB | "
            f"{r.export_seconds:.1f} s / {r.floor.load_seconds:.1f} s / **{r.floor.aggregate_seconds:.2f} s** | "
            f"**{r.ratio:.1f}×** | {r.statistics_ratio:.1f}× | {'yes' if not r.problems else 'NO'} |"
        )
    out.append("")
    for r in results:
        if r.month_run:
            out.append(
                f"Memory against N ({r.size.employees:,} employees, same data): the one-month run "
                f"(2025-01, {r.month_run.input_counts.get('responses_valid', 0):,} valid responses, "
                f"{r.month_run.input_counts.get('tickets', 0):,} tickets) took {r.month_run.seconds:.1f} s "
                f"with a peak RSS of {r.month_run.rss_peak_mb:.0f} MB; the full year "
                f"({r.run.input_counts.get('responses_valid', 0):,} valid responses, "
                f"{r.run.input_counts.get('tickets', 0):,} tickets) {r.run.rss_peak_mb:.0f} MB. A child that "
                f"only imports the app and connects peaks at {r.run.rss_before_run_mb:.0f} MB."
            )
            out.append("")
    big = results[-1]
    target_note = ""
    if big.database.startswith("PostgreSQL") and big.size == FULL:
        target_note = (
            f" Target under {TARGET_SECONDS:.0f} s: **{verdict_time(big)}**; ratio ≤ {TARGET_RATIO:.0f}×: "
            f"{verdict_ratio(big)}."
        )
    out += [
        f"### Where the time goes ({big.size.label}, {big.database})",
        "",
        f"The best of {len(big.runs)} run(s): {big.run.seconds:.2f} s.{target_note}"
        + (f" During that run {big.run.noise()}." if big.run.noise() else "")
        + " Generation: "
        + ", ".join(f"{step} {seconds:.0f} s" for step, seconds in big.generation.items())
        + ".",
        "",
        *phase_rows(big.run),
        "",
        "Slowest statements:",
        "",
        *statement_rows(big.run),
        "",
        "DuckDB, per query (s): "
        + ", ".join(f"{name} {s:.2f}" for name, s in big.floor.per_query.items())
        + f"; export {big.export_bytes / 1e6:.0f} MB of CSV.",
        "",
    ]
    for r in results:
        if r.problems:
            out += [f"**Differences from DuckDB ({r.size.label}):** " + "; ".join(r.problems), ""]
        else:
            out += [
                f"Checked ({r.size.employees:,} employees): unit IKM {r.shown.get('unit_ikm_app')} "
                f"(n {r.shown.get('unit_n'):,}) in the app and in DuckDB; "
                f"{r.shown.get('figures_checked', 0):,} employee indicators' inputs equal.",
                "",
            ]
    out.append(END)
    return "\n".join(out)


def print_summary(results: list[SizeResult]) -> None:
    log("\n=== Summary ===")
    for r in results:
        log(
            f"{r.database}, {r.size.label}: run {', '.join(f'{x.seconds:.2f}' for x in r.runs)} s "
            f"(peak RSS {r.run.rss_peak_mb:.0f} MB); DuckDB export {r.export_seconds:.1f} s, load "
            f"{r.floor.load_seconds:.1f} s, aggregate {r.floor.aggregate_seconds:.2f} s; ratio {r.ratio:.1f}x "
            f"(statistics phase {r.statistics_ratio:.1f}x); "
            f"{'equal' if not r.problems else 'DIFFERENT'}"
        )
        for phase, seconds in r.run.phases.items():
            log(f"    {phase:<12} {seconds:7.2f} s")
        for name, seconds in r.run.calls:
            log(f"      {name:<40} {seconds:7.2f} s")
        if r.database.startswith("PostgreSQL") and r.size == FULL:
            log(f"target < {TARGET_SECONDS:.0f} s: {verdict_time(r)}; ratio <= {TARGET_RATIO:.0f}x: {verdict_ratio(r)}")
