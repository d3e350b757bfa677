"""Hostile input: schemathesis over the OpenAPI document, and scripted ballot stuffing and self-rating.

Every script here runs against the deployment with its real limits (not the raised ones of the load), one request
at a time, and reads what was stored back from the database by id range: each scenario's rows are those created
while it ran.
"""

from __future__ import annotations

import json
import subprocess
import sys
import time
from collections import Counter as Tally
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urlsplit

from tests.api.conformance import CONFIG as CONFORMANCE_CONFIG

from .client import Answer, Browser
from .forms import log_in, parse_page

ANSWERS = {f"u{i}": "4" for i in range(1, 10)}  # the answers a stuffer or a self-rater gives


@dataclass
class Scenario:
    name: str
    description: str
    posts: int = 0
    accepted: int = 0  # 303 to the thank-you page
    refused: Tally[int] = field(default_factory=Tally)  # other answers, by status
    stored: Tally[str] = field(default_factory=Tally)  # rows by status (valid, duplicate, flagged, ...)
    server_errors: int = 0
    valid_for_self: int | None = None  # self-rating: the valid rows attributed to the self-rater

    @property
    def refused_total(self) -> int:
        return sum(self.refused.values())


def _post_survey(browser: Browser, path: str, scenario: Scenario, *, drop: tuple[str, ...] = ()) -> Answer | None:
    """Open the form and post it back; ``drop`` names cookies the POST leaves out (a browser blocking them)."""
    page = browser.get(path)
    if page.status != 200:
        scenario.refused[page.status] += 1
        scenario.server_errors += page.status >= 500 or page.status == 0
        return None
    form = next((f for f in parse_page(path, page.text)[1] if f.method == "POST"), None)
    if form is None:
        return None
    values = dict(form.defaults(), **ANSWERS)
    for name in drop:
        browser.cookies.pop(name, None)
    answer = browser.post(form.action, values)
    for name in drop:
        browser.cookies.pop(name, None)
    scenario.posts += 1
    if answer.status == 303 and urlsplit(answer.location).path.endswith("/terima-kasih"):
        scenario.accepted += 1
    else:
        scenario.refused[answer.status] += 1
        scenario.server_errors += answer.status >= 500 or answer.status == 0
    return answer


def ballot_stuffing(
    port: int,
    survey_paths: list[str],
    *,
    repeats: int,
    count_rows: Callable[[int], Tally[str]],
    top_id: Callable[[], int],
) -> list[Scenario]:
    """Four ways one person tries to add answers for one counter (paths[1], paths[2]: not the self-rater's)."""
    scenarios = []
    one_counter = survey_paths[1 % len(survey_paths)]
    other_counter = survey_paths[2 % len(survey_paths)]

    def run(scenario: Scenario, body: Callable[[], None]) -> None:
        before = top_id()
        body()
        scenario.stored = count_rows(before)
        scenarios.append(scenario)

    same = Browser(port, agent="suara-proof stuffer (one phone)")
    run(
        scenario := Scenario("same_browser", f"one phone answers one counter {repeats} times"),
        lambda: [_post_survey(same, one_counter, scenario) for _ in range(repeats)],
    )
    no_cookie = Browser(port, agent="suara-proof stuffer (cookies blocked)")
    run(
        scenario2 := Scenario(
            "no_browser_cookie", f"a browser that refuses the browser cookie answers {repeats} times"
        ),
        lambda: [_post_survey(no_cookie, other_counter, scenario2, drop=("sw_browser",)) for _ in range(repeats)],
    )

    def fresh_browsers() -> None:
        for n in range(repeats):
            _post_survey(Browser(port, agent=f"suara-proof stuffer (private window {n})"), one_counter, scenario3)

    run(
        scenario3 := Scenario(
            "burst", f"{repeats} fresh private windows from one network, one after another, on one counter"
        ),
        fresh_browsers,
    )

    def replay() -> None:
        browser = Browser(port, agent="suara-proof stuffer (replay)")
        page = browser.get(other_counter)
        form = next((f for f in parse_page(other_counter, page.text)[1] if f.method == "POST"), None)
        if form is None:
            return
        values = dict(form.defaults(), **ANSWERS)
        for _ in range(repeats):
            answer = browser.post(form.action, values)
            scenario4.posts += 1
            if answer.status == 303:
                scenario4.accepted += 1
            else:
                scenario4.refused[answer.status] += 1
                scenario4.server_errors += answer.status >= 500 or answer.status == 0

    run(scenario4 := Scenario("replay", f"the same filled-in form posted {repeats} times"), replay)
    return scenarios


def self_rating(
    port: int,
    survey_paths: dict[str, str],
    login: str,
    password: str,
    *,
    repeats: int,
    count_rows: Callable[[int], Tally[str]],
    top_id: Callable[[], int],
    valid_for: Callable[[int], int],
) -> Scenario:
    """A staff member signs in to their counter in the console, then answers its survey from the same browser.

    The rows of this scenario attributed to the employee linked to ``login`` must end with 0 ``valid``.
    """
    scenario = Scenario("self_rating", f"{login} signs in to a counter and rates it {repeats} times, same browser")
    browser = Browser(port, agent="suara-proof staff phone")
    before = top_id()
    if not log_in(browser, login, password):
        scenario.refused[401] += 1
        scenario.valid_for_self = None
        return scenario
    console = browser.get("/loket/")
    sign_in = next(
        (f for f in parse_page("/loket/", console.text)[1] if f.action.endswith("/masuk")),
        None,
    )
    if sign_in is None:
        scenario.refused[console.status] += 1
        return scenario
    browser.post(sign_in.action, sign_in.defaults())
    code = sign_in.action.split("/")[2]
    survey_path = survey_paths.get(code)
    if survey_path is None:
        scenario.refused[404] += 1
        return scenario
    for _ in range(repeats):
        _post_survey(browser, survey_path, scenario)
        time.sleep(0.2)
    scenario.stored = count_rows(before)
    scenario.valid_for_self = valid_for(before) if scenario.posts else None  # None: it could not run
    return scenario


# --------------------------------------------------------------------------------------------------------------
# schemathesis


@dataclass
class SchemaRun:
    command: str
    exit_code: int
    operations: int = 0
    cases: int = 0
    server_errors: int = 0
    conformance_failures: int = 0
    failures_by_check: Tally[str] = field(default_factory=Tally)
    examples: list[str] = field(default_factory=list)
    error: str = ""

    @property
    def ok(self) -> bool:
        return self.exit_code == 0 and not self.server_errors and not self.conformance_failures and not self.error


def schemathesis(base: str, token: str, workdir: Path, *, max_examples: int, max_time: int, seed: int) -> SchemaRun:
    """``st run`` over the whole OpenAPI document with every check; failures counted from its NDJSON events."""
    events = workdir / "schemathesis.ndjson"
    config = workdir / "schemathesis.toml"
    config.write_text(CONFORMANCE_CONFIG)  # the suite's own setting: 422 accepts a schema-valid unknown counter
    command = [
        str(Path(sys.executable).with_name("st")),
        "--config-file",
        str(config),
        "run",
        f"{base}/api/v1/openapi.json",
        "--url",
        base,  # the document's paths start with /api/v1
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        "all",
        "--max-examples",
        str(max_examples),
        "--max-time",
        str(max_time),
        "--seed",
        str(seed),
        "--workers",
        "1",
        "--no-color",
        "--continue-on-failure",
        "--request-timeout",
        "20",
        "--generation-database",
        "none",
        "--report",
        "ndjson",
        "--report-ndjson-path",
        str(events),
    ]
    shown = f"st run /api/v1/openapi.json --checks all --max-examples {max_examples} --max-time {max_time}"
    try:
        completed = subprocess.run(
            command,
            cwd=workdir,
            capture_output=True,
            text=True,
            timeout=max_time + 120,
            stdin=subprocess.DEVNULL,
            env={"PATH": "/usr/bin:/bin", "HOME": str(workdir), "SCHEMATHESIS_TELEMETRY": "false"},
        )
    except subprocess.TimeoutExpired:
        return SchemaRun(shown, -1, error="schemathesis did not finish in time")
    (workdir / "schemathesis.out").write_text(completed.stdout + completed.stderr, encoding="utf-8")
    run = SchemaRun(shown, completed.returncode)
    if not events.exists():
        run.error = (completed.stdout + completed.stderr).strip().splitlines()[-1:] or ["no report"]
        run.error = run.error[0][:300]
        return run
    parse_events(events.read_text(encoding="utf-8"), run)
    if completed.returncode not in (0, 1) and not run.failures_by_check:
        tail = (completed.stdout + completed.stderr).strip().splitlines()
        run.error = (tail[-1] if tail else f"exit {completed.returncode}")[:300]
    return run


def parse_events(text: str, run: SchemaRun) -> None:
    """Count operations, cases and failed checks (unique per operation, check and message) in an NDJSON report."""
    seen: set[tuple[str, str, str]] = set()
    operations: set[str] = set()
    for line in text.splitlines():
        try:
            event = json.loads(line)
        except ValueError:
            continue
        for kind, payload in event.items() if isinstance(event, dict) else ():
            if kind != "ScenarioFinished" or not isinstance(payload, dict):
                continue
            recorder = payload.get("recorder") or {}
            label = str(recorder.get("label") or payload.get("label") or "")
            operations.add(label)
            run.cases += len(recorder.get("cases") or {})
            for checks in (recorder.get("checks") or {}).values():
                for check in checks:
                    if check.get("status") not in ("failure", "FAILURE"):
                        continue
                    name = check.get("name", "?")
                    failure = check.get("failure_info") or {}
                    message = str((failure.get("failure") or {}).get("title") or failure.get("title") or "")
                    key = (label, name, message)
                    if key in seen:
                        continue
                    seen.add(key)
                    run.failures_by_check[name] += 1
                    if name == "not_a_server_error":
                        run.server_errors += 1
                    else:
                        run.conformance_failures += 1
                    if len(run.examples) < 8:
                        run.examples.append(f"{label}: {name}" + (f" ({message})" if message else ""))
    run.operations = len(operations - {""})
