"""In process: the cost of a GET+POST pair without HTTP, the statements it sends, and the app's profile."""

from __future__ import annotations

import cProfile
import pstats
import re
import sysconfig
import time
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from bench._common import ROOT
from bench.survey_load.citizens import answers_for, hidden_inputs
from bench.survey_load.databases import Database, count_rows
from bench.survey_load.servers import FirstError
from bench.survey_load.settings import PROFILED_PACKAGES
from bench.survey_load.setup import Survey, close_app, make_app


def in_process_pairs(
    app: Any, paths: list[str], pairs: int, first_index: int, seed: int, between: Callable[[], None] = lambda: None
) -> int:
    """``pairs`` GET+POST pairs through the test client, each a new browser; returns how many were accepted.

    ``between`` is called before each GET, between it and its POST, and after the POST.
    """
    accepted = 0
    for n in range(pairs):
        index = first_index + n
        path = paths[index % len(paths)]
        client = app.test_client()
        between()
        page = client.get(path).get_data(as_text=True)
        between()
        form = hidden_inputs(page)
        form.update(answers_for(seed, index))
        response = client.post(path, data=form, headers={"User-Agent": f"survey-load/1 citizen-{index}"})
        between()
        accepted += response.status_code == 303
    return accepted


def count_statements(app: Any, paths: list[str], pairs: int, first_index: int, seed: int) -> tuple[int, float, float]:
    """(accepted POSTs, SQL statements per GET, per POST) the app sends to its database, over ``pairs`` pairs."""
    from sqlalchemy import event

    from feedback_app.extensions import db

    with app.app_context():
        engine = db.engine
    counts = [0]
    phases: list[int] = []

    def count(*_args: Any) -> None:
        counts[0] += 1

    def mark() -> None:
        phases.append(counts[0])

    event.listen(engine, "before_cursor_execute", count)
    try:
        accepted = in_process_pairs(app, paths, pairs, first_index, seed, between=mark)
    finally:
        event.remove(engine, "before_cursor_execute", count)
    gets = sum(phases[n + 1] - phases[n] for n in range(0, len(phases), 3))
    posts = sum(phases[n + 2] - phases[n + 1] for n in range(0, len(phases), 3))
    return accepted, gets / max(1, pairs), posts / max(1, pairs)


@dataclass
class ProfileLine:
    where: str
    calls: int
    ms: float  # per pair
    share: float  # of the app's own time (Flask's wsgi_app), so the test client's work is left out
    depth: int = 0


@dataclass
class Profile:
    database: str
    pairs: int
    app_ms_per_pair: float  # in-process, no profiler
    floor_ms_per_pair: float
    profiled_ms_per_pair: float  # the app's own time per pair under cProfile
    top: list[ProfileLine]
    path: list[ProfileLine]
    by_package: list[tuple[str, float, float]]  # (package, self ms per pair, share)
    failures: list[str]
    statements_per_get: float = 0.0
    statements_per_post: float = 0.0


def _package(filename: str, function: str) -> str:
    if filename == "~":
        if "sqlite3" in function:
            return "sqlite3 (C)"
        if "psycopg" in function:
            return "psycopg (C)"
        return "builtins (C)"
    path = filename.replace("\\", "/")
    if "/site-packages/" in path:
        return path.split("/site-packages/", 1)[1].split("/", 1)[0].removesuffix(".py")
    if "/feedback_app/" in path:
        return "feedback_app"
    if path.startswith(str(ROOT / "templates")) or path.endswith(".html"):
        return "templates"
    if path.startswith(str(ROOT / "bench")):
        return "bench (client side)"
    stdlib = sysconfig.get_paths()["stdlib"]
    if path.startswith(stdlib):
        return "stdlib"
    return "other"


def _where(function_key: tuple[str, int, str]) -> str:
    filename, line, function = function_key
    if filename == "~":
        return function
    path = filename.replace("\\", "/")
    for marker in ("/site-packages/", str(ROOT) + "/"):
        if marker in path:
            path = path.split(marker, 1)[1]
            break
    return f"{path}:{line}({function})"


# Whole-request plumbing and the test client: they hold ~100 % and say nothing about where the time goes
# (the rate-limit decorator's own cost is shown by the request-path breakdown).
_PLUMBING = re.compile(
    r"^werkzeug/test\.py|^flask/testing\.py|^werkzeug/wsgi\.py|^flask/sansio/scaffold\.py|"
    r"^flask/app\.py:\d+\((wsgi_app|__call__|full_dispatch_request|dispatch_request|"
    r"ensure_sync)\)|^flask_limiter/_limits\.py:\d+\(__inner\)"
)


def analyse_profile(
    stats: pstats.Stats, pairs: int, top_n: int = 15
) -> tuple[float, list[ProfileLine], list[ProfileLine], list[tuple[str, float, float]]]:
    """(app seconds, top functions, request-path breakdown, self time by package) of a profile of ``pairs``."""
    entries: dict[tuple[str, int, str], tuple[Any, ...]] = stats.stats  # type: ignore[attr-defined]
    stats.calc_callees()
    callees: dict[tuple[str, int, str], dict[tuple[str, int, str], tuple[Any, ...]]]
    callees = stats.all_callees  # type: ignore[attr-defined]

    def find(pattern: str) -> tuple[str, int, str] | None:
        matches = [key for key in entries if re.search(pattern, _where(key))]
        return max(matches, key=lambda key: entries[key][3]) if matches else None

    def cumulative(key: tuple[str, int, str] | None) -> float:
        return entries[key][3] if key else 0.0

    wsgi_app = find(r"^flask/app\.py:\d+\(wsgi_app\)")
    app_seconds = cumulative(wsgi_app) or stats.total_tt  # type: ignore[attr-defined]

    def line(where: str, calls: int, seconds: float, depth: int = 0) -> ProfileLine:
        return ProfileLine(where, calls, seconds * 1000 / pairs, seconds / app_seconds, depth)

    # Top functions by cumulative time in the interesting packages. A function that is the whole content of a
    # listed wrapper (>= 95 % of it, e.g. jinja2's render inside flask's render_template) adds nothing: skipped.
    listed = {
        key for key in entries if _package(key[0], key[2]) in PROFILED_PACKAGES and not _PLUMBING.search(_where(key))
    }
    top = []
    for key in listed:
        calls, _nc, _tt, seconds, callers = entries[key]
        if any(caller in listed and edge[3] >= 0.95 * entries[caller][3] for caller, edge in callers.items()):
            continue
        top.append(line(_where(key), calls, seconds))
    top.sort(key=lambda item: item.ms, reverse=True)

    # The request path: each view and what it calls, then the work Flask and the extensions do around the views.
    path = []
    for label, pattern in (
        ("GET  show_form", r"^feedback_app/blueprints/survey\.py:\d+\(show_form\)"),
        ("POST submit_form", r"^feedback_app/blueprints/survey\.py:\d+\(submit_form\)"),
    ):
        view = find(pattern)
        if view is None:
            continue
        path.append(line(f"{label} (`{_where(view)}`)", entries[view][0], cumulative(view)))
        children = sorted(callees.get(view, {}).items(), key=lambda item: item[1][3], reverse=True)
        for child, edge in children[:7]:
            if edge[3] * 1000 / pairs >= 0.05:
                path.append(line(_where(child), edge[0], edge[3], depth=1))
    limiter = find(r"^flask_limiter/_limits\.py:\d+\(__inner\)")
    submit = find(r"^feedback_app/blueprints/survey\.py:\d+\(submit_form\)")
    if limiter and submit:
        path.append(
            line(
                "rate-limit decorators around submit_form (flask_limiter)",
                entries[limiter][0],
                cumulative(limiter) - cumulative(submit),
            )
        )
    for label, pattern in (
        ("before_request hooks (`preprocess_request`)", r"^flask/app\.py:\d+\(preprocess_request\)"),
        ("after_request hooks, session cookie (`finalize_request`)", r"^flask/app\.py:\d+\(finalize_request\)"),
        ("request context push (session open, URL match)", r"^flask/ctx\.py:\d+\(push\)"),
        ("request context pop (teardown, session remove)", r"^flask/ctx\.py:\d+\(pop\)"),
    ):
        key = find(pattern)
        if key:
            path.append(line(label, entries[key][0], cumulative(key)))

    own: Tally[str] = Tally()
    for key, (_cc, _calls, self_time, _cumulative, _callers) in entries.items():
        own[_package(key[0], key[2])] += self_time
    total = stats.total_tt or 1e-9  # type: ignore[attr-defined]
    by_package = [(package, seconds * 1000 / pairs, seconds / total) for package, seconds in own.most_common()]
    return app_seconds, top[:top_n], path, by_package


def profile_app(env: dict[str, str], database: Database, survey: Survey, pairs: int, seed: int) -> Profile:
    """Time ``pairs`` in-process pairs on the floor and on the app, then profile as many more on the app."""
    from bench.survey_load.floor_app import create_app as create_floor

    failures = []
    warm = max(10, pairs // 10)
    timings = {}
    statements = (0.0, 0.0)
    profiler = cProfile.Profile()
    for name, app in (("floor", create_floor(str(survey.floor_config))), ("app", make_app(env))):
        first_error = FirstError()
        app.logger.addFilter(first_error)
        first, _, _ = count_rows(database.url)
        try:
            warm_ok = in_process_pairs(app, survey.paths, warm, 2_000_000, seed)
            started = time.perf_counter()
            ok = in_process_pairs(app, survey.paths, pairs, 3_000_000, seed)
            timings[name] = (time.perf_counter() - started) * 1000 / pairs
            expected = pairs
            if name == "app":
                counted, *statements = count_statements(app, survey.paths, warm, 5_000_000, seed)
                ok += counted
                profiler.enable()
                ok += in_process_pairs(app, survey.paths, pairs, 4_000_000, seed)
                profiler.disable()
                expected += warm + pairs
        finally:
            if name == "app":
                close_app(app)
        if ok != expected:
            failures.append(
                f"in-process {name}: {expected - ok} of {expected} POSTs not accepted"
                + (f"; the app logged:\n{first_error.text}" if first_error.text else "")
            )
        stored = count_rows(database.url)[0] - first
        if stored != warm_ok + ok:
            failures.append(f"in-process {name}: {warm_ok + ok} POSTs accepted, {stored} rows stored")

    app_seconds, top, path, by_package = analyse_profile(pstats.Stats(profiler), pairs)
    return Profile(
        database.label,
        pairs,
        timings["app"],
        timings["floor"],
        app_seconds * 1000 / pairs,
        top,
        path,
        by_package,
        failures,
        *statements,
    )
