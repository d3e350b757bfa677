"""The report: the console summary and the section of docs/benchmarks.md."""

from __future__ import annotations

import argparse
import re
from dataclasses import dataclass
from datetime import UTC, datetime

from bench._common import log, machine
from bench.survey_load.citizens import LoadResult, percentile
from bench.survey_load.databases import Database
from bench.survey_load.in_process import Profile
from bench.survey_load.load import Background
from bench.survey_load.settings import BEGIN, END, NOISY_SHARE, RAISED_LIMIT, TARGET_RATIO, WORKERS


def fmt_ms(value: float) -> str:
    return f"{value:.1f}" if value == value else "–"


@dataclass
class DatabaseRun:
    database: Database
    app: LoadResult
    floor: LoadResult
    profile: Profile | None
    page_bytes: dict[str, int]
    background: Background | None = None  # what other processes used during the load

    def round_ratios(self) -> str:
        return ", ".join(f"{a / f:.2f}" for a, f in zip(self.app.round_rates, self.floor.round_rates) if f)

    def noise_note(self) -> str:
        if self.background is None:
            return ""
        note = f"processes outside the benchmark used {self.background.share:.0%} of the machine's CPU during the load"
        if self.background.busiest:
            note += "; busiest: " + ", ".join(f"`{name}` {cpu:.1f} CPU-s" for name, cpu in self.background.busiest)
        if self.background.share > NOISY_SHARE:
            note += "; NOISY: something else was running, the figures are less reliable"
        return note

    @property
    def ratio(self) -> float:
        return self.app.req_per_s / self.floor.req_per_s if self.floor.req_per_s else float("nan")

    @property
    def cpu_ratio(self) -> float | None:
        """Floor's server CPU per request over the app's: what the throughput ratio would be if the servers alone
        were the bottleneck, and nearly insensitive to other processes on the machine."""
        app, floor = self.app.server_cpu_ms_per_request, self.floor.server_cpu_ms_per_request
        return floor / app if app and floor is not None else None

    def cpu_ratio_text(self) -> str:
        if self.cpu_ratio is None:
            return ""
        return (
            f"by server CPU per request (app {self.app.server_cpu_ms_per_request:.2f} ms, floor "
            f"{self.floor.server_cpu_ms_per_request:.2f} ms, less sensitive to other load): {self.cpu_ratio:.2f}"
        )

    def failures(self) -> list[str]:
        found = [f"{result.target}: {problem}" for result in (self.app, self.floor) for problem in result.failures()]
        if self.profile:
            found += self.profile.failures
        return found


def results_table(run: DatabaseRun) -> list[str]:
    lines = [
        "| target | req/s | citizens/s | p50 ms | p99 ms | pair p50 ms | pair p99 ms | stored / accepted | 5xx |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for result in (run.app, run.floor):
        requests, pairs = result.latencies("request"), result.latencies("pair")
        name = "app (`wsgi:app`)" if result.target == "app" else "floor (`bench/survey_load/floor_app.py`)"
        lines.append(
            f"| {name} | {result.req_per_s:.0f} | {result.citizens_per_s:.0f} | "
            f"{fmt_ms(percentile(requests, 50))} | {fmt_ms(percentile(requests, 99))} | "
            f"{fmt_ms(percentile(pairs, 50))} | {fmt_ms(percentile(pairs, 99))} | "
            f"{result.stored} / {result.accepted} | {result.server_errors} |"
        )
    return lines


def verdict(ratio: float) -> str:
    return "meets the target" if ratio >= TARGET_RATIO else "BELOW TARGET"


# Library behaviour worth naming where it shows up in a view (the app's own functions speak for themselves).
_NOTES = {
    r"sqlalchemy/orm/attributes\.py:\d+\(__get__\)": "attribute access that loads from the database "
    "(expired after commit, or lazy)",
    r"sqlalchemy/orm/scoping\.py:\d+\(commit\)": "COMMIT",
}


def _note(where: str) -> str:
    return next((f" — {note}" for pattern, note in _NOTES.items() if re.search(pattern, where)), "")


def print_run(run: DatabaseRun) -> None:
    log(f"\n=== {run.database.version} ===")
    for result in (run.app, run.floor):
        get, post, pair = (result.latencies(k) for k in ("get", "post", "pair"))
        log(
            f"{result.target:>5}: {result.req_per_s:7.1f} req/s  {result.citizens_per_s:6.1f} citizens/s  "
            f"GET p50/p99 {fmt_ms(percentile(get, 50))}/{fmt_ms(percentile(get, 99))} ms  "
            f"POST p50/p99 {fmt_ms(percentile(post, 50))}/{fmt_ms(percentile(post, 99))} ms  "
            f"pair p50/p99 {fmt_ms(percentile(pair, 50))}/{fmt_ms(percentile(pair, 99))} ms  "
            f"({result.requests} requests in {result.wall_s:.2f}s; stored {result.stored}/{result.accepted} "
            f"accepted; 5xx {result.server_errors})"
        )
    log("\n".join(results_table(run)))
    log(
        f"app / floor throughput: {run.ratio:.2f} (target >= {TARGET_RATIO:.2f}): {verdict(run.ratio)}; "
        f"per round: {run.round_ratios()}"
    )
    if run.cpu_ratio_text():
        log(f"app / floor {run.cpu_ratio_text()}")
    if run.noise_note():
        log(run.noise_note()[0].upper() + run.noise_note()[1:])
    profile = run.profile
    if profile:
        log(
            f"\nIn-process, no HTTP server: app {profile.app_ms_per_pair:.1f} ms per GET+POST pair, floor "
            f"{profile.floor_ms_per_pair:.1f} ms "
            f"(floor/app {profile.floor_ms_per_pair / profile.app_ms_per_pair:.2f})."
        )
        log(
            f"SQL statements the app sends per GET: {profile.statements_per_get:.1f}, per POST: "
            f"{profile.statements_per_post:.1f} (the floor: 0 and 1, plus its COMMIT)."
        )
        log(
            f"cProfile, {profile.pairs} in-process pairs on {run.database.label}: the app's own time is "
            f"{profile.profiled_ms_per_pair:.1f} ms per pair under the profiler; shares are of that time."
        )
        log(
            "Top functions by cumulative time "
            "(feedback_app, jinja2, sqlalchemy, wtforms, flask_limiter, werkzeug, ...):"
        )
        log(f"  {'ms/pair':>8} {'share':>6} {'calls':>7}  function")
        for line in profile.top:
            log(f"  {line.ms:8.2f} {line.share:6.1%} {line.calls:7d}  {line.where}")
        log("Request path:")
        for line in profile.path:
            log(
                f"  {line.ms:8.2f} {line.share:6.1%} {line.calls:7d}  {'    ' * line.depth}{line.where}"
                f"{_note(line.where)}"
            )
        log("Self time by package (share of all profiled time, test client included):")
        for package, ms, share in profile.by_package[:12]:
            log(f"  {ms:8.2f} {share:6.1%}  {package}")
    for failure in run.failures():
        log(f"FAILED [{run.database.label}] {failure}")


def markdown(runs: list[DatabaseRun], options: argparse.Namespace) -> str:
    now = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    import gunicorn

    sizes = sorted(size for run in runs for size in run.page_bytes.values())
    out = [
        BEGIN,
        "## Survey load (`bench/survey_load/`)",
        "",
        "Run with `make bench` (= `.venv/bin/python -m bench.survey_load`; PostgreSQL too when "
        "`TEST_DATABASE_URL` is set). Each citizen is a new browser that GETs a counter's survey page and POSTs "
        "nine valid answers (303 = accepted); the same load runs against the app and against the floor, a bare "
        "Flask app that serves a page of the same size and inserts the same row into the same database. "
        f"Target: the app reaches at least {TARGET_RATIO:.0%} of the floor's throughput.",
        "",
        f"- Date: {now}" + (" (`--quick` smoke run)" if options.quick else ""),
        f"- Machine: {machine()}",
        f"- Server: gunicorn {gunicorn.__version__}, {WORKERS} sync workers, loopback; client and server share "
        "the machine",
        f"- Database(s): {', '.join(run.database.version for run in runs)}",
        f"- Load: {options.citizens} citizens per target ({2 * options.citizens} requests) after "
        f"{options.warmup} warm-up citizens, {options.concurrency} at a time, app and floor alternating in "
        f"{options.rounds} rounds; survey page "
        f"{sizes[0]}–{sizes[-1]} bytes over {len(sizes) // max(1, len(runs))} counters; rate limits raised to "
        f'"{RAISED_LIMIT}"',
        "- p50/p99 are per request (GET or POST); a pair is one citizen's GET+POST. Stored / accepted counts "
        "warm-up citizens too.",
        "",
    ]
    for run in runs:
        out += [
            f"### {run.database.version}",
            "",
            *results_table(run),
            "",
            f"**App / floor throughput: {run.ratio:.2f}** (target ≥ {TARGET_RATIO:.2f}): {verdict(run.ratio)}. "
            f"Per round: {run.round_ratios()}. "
            + (f"App / floor {run.cpu_ratio_text()}." if run.cpu_ratio_text() else "")
            + (f" {run.noise_note()[0].upper()}{run.noise_note()[1:]}." if run.noise_note() else ""),
            "",
        ]
        if run.failures():
            out += [
                "**Checks failed:** "
                + "; ".join(
                    failure.splitlines()[0] + (f" (`{failure.splitlines()[-1].strip()}`)" if "\n" in failure else "")
                    for failure in run.failures()
                ),
                "",
            ]
        profile = run.profile
        if profile:
            out += [
                f"Where the app's time goes ({run.database.label}). In-process through `app.test_client()`, "
                f"without an HTTP server, a GET+POST pair costs the app {profile.app_ms_per_pair:.1f} ms and "
                f"the floor {profile.floor_ms_per_pair:.1f} ms; the app sends SQL statements: "
                f"{profile.statements_per_get:.0f} per GET and {profile.statements_per_post:.0f} per POST "
                "(the floor 0 and 1). "
                f"Under cProfile ({profile.pairs} pairs; "
                f"{profile.profiled_ms_per_pair:.1f} ms of app time per pair with the profiler's overhead, "
                "which inflates many small calls), the request path:",
                "",
                "| ms / pair | share | where |",
                "|---:|---:|---|",
            ]
            for line in profile.path:
                indent = "&nbsp;&nbsp;&nbsp;&nbsp;" * line.depth
                where = line.where if "`" in line.where or not line.depth else f"`{line.where}`"
                out.append(f"| {line.ms:.2f} | {line.share:.0%} | {indent}{where}{_note(line.where)} |")
            out += ["", "Top functions by cumulative time:", "", "| ms / pair | share | function |", "|---:|---:|---|"]
            out += [f"| {line.ms:.2f} | {line.share:.0%} | `{line.where}` |" for line in profile.top[:8]]
            out += [
                "",
                "Self time by package (whole profile): "
                + ", ".join(f"{package} {share:.0%}" for package, _ms, share in profile.by_package[:8])
                + ".",
                "",
            ]
    out.append(END)
    return "\n".join(out)
