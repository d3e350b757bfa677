"""The bounded load mix, its clients' receipts, and what every answer means while faults come and go.

A *task* is what one client does once: a citizen (GET a counter's survey, POST nine answers, the same form again
on a failure), a queue machine (POST a batch of ticket events, the same batch again on a failure), a staff member
opening a page of their own, or a visitor opening a public page. Worker threads take tasks until the count or the
time runs out. A client retries a dropped connection, a 5xx or a 429 with the same form or batch, waiting what
``Retry-After`` says (capped), until its retry budget is spent: retries must never duplicate.
"""

from __future__ import annotations

import random
import re
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from urllib.parse import urlsplit

from .client import Answer, Browser
from .forms import parse_page
from .receipts import BatchReceipt, EventKey, SurveyReceipt

ANSWER_FIELDS = tuple(f"u{i}" for i in range(1, 10))
TICKET_STEPS = (("issued", 0), ("called", 3), ("started", 4), ("finished", 12))  # minutes after issue


@dataclass(frozen=True)
class Target:
    """What the clients need to know of the deployment."""

    port: int
    survey_paths: list[str]  # counter QR links, /s/<code>/<token>
    api_token: str
    counters: list[tuple[str, str]]  # (public code, service type name) of the token's unit
    staff: dict[str, Browser]  # role login -> a signed-in browser
    staff_pages: dict[str, list[str]]  # role login -> pages to open
    public_pages: list[str]


@dataclass
class Window:
    """A fault: what, when it started, when the service was back (``time.monotonic()``)."""

    kind: str  # "pg_restart", "pg_down", "redis_down", "worker_kill"
    started: float
    restored: float = 0.0
    detail: str = ""

    def covers(self, instant: float, grace: float = 1.5) -> bool:
        return self.started <= instant <= (self.restored or float("inf")) + grace


@dataclass
class Record:
    kind: str  # "survey_get", "survey_post", "events", "staff_page", "public_page"
    answer: Answer
    retry: bool


@dataclass
class Outcome:
    kind: str
    ok: bool
    last_status: int


@dataclass
class LoadRun:
    name: str
    records: list[Record] = field(default_factory=list)
    outcomes: list[Outcome] = field(default_factory=list)
    surveys: list[SurveyReceipt] = field(default_factory=list)
    batches: list[BatchReceipt] = field(default_factory=list)
    windows: list[Window] = field(default_factory=list)
    started: float = field(default_factory=time.monotonic)
    wall_s: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    def add(self, kind: str, answer: Answer, retry: bool) -> None:
        with self.lock:
            self.records.append(Record(kind, answer, retry))


def _retry_wait(answer: Answer, attempt: int) -> float:
    try:
        told = float(answer.headers.get("retry-after", ""))
    except ValueError:
        told = 0.0
    return min(3.0, told or 0.25 * 2**attempt)


def _retryable(answer: Answer) -> bool:
    return answer.status == 0 or answer.status >= 500 or answer.status == 429


def citizen(target: Target, run: LoadRun, rng: random.Random, index: int, budget_s: float) -> Outcome:
    """One new browser answers one counter's survey; it posts the same form until it is accepted or gives up."""
    browser = Browser(target.port, agent=f"suara-proof citizen-{index}")
    path = target.survey_paths[index % len(target.survey_paths)]
    deadline = time.monotonic() + budget_s
    page: Answer | None = None
    for attempt in range(20):
        page = browser.get(path)
        run.add("survey_get", page, attempt > 0)
        if not _retryable(page) or time.monotonic() > deadline:
            break
        time.sleep(_retry_wait(page, attempt))
    if page is None or page.status != 200:
        return Outcome("citizen", False, page.status if page else 0)
    forms = [f for f in parse_page(path, page.text)[1] if f.method == "POST"]
    if not forms:
        return Outcome("citizen", False, -1)
    values = dict(forms[0].defaults())
    values.update({name: str(rng.choices((1, 2, 3, 4), weights=(1, 2, 5, 4))[0]) for name in ANSWER_FIELDS})
    receipt = SurveyReceipt(values.get("submission_key", ""))
    with run.lock:
        run.surveys.append(receipt)
    answer = page
    for attempt in range(20):
        answer = browser.post(forms[0].action, values)
        receipt.attempts += 1
        run.add("survey_post", answer, attempt > 0)
        if answer.status == 303 and urlsplit(answer.location).path.endswith("/terima-kasih"):
            receipt.accepted = True
            return Outcome("citizen", True, 303)
        if not _retryable(answer) or time.monotonic() > deadline:
            break
        time.sleep(_retry_wait(answer, attempt))
    return Outcome("citizen", False, answer.status)


def event_batch(target: Target, run: LoadRun, rng: random.Random, index: int, budget_s: float) -> Outcome:
    """A queue machine sends the whole day of a few tickets in one batch, in shuffled order, until answered."""
    base = datetime.now(UTC).replace(microsecond=0) - timedelta(minutes=40 + rng.randint(0, 20))
    events, keys = [], []
    for n in range(rng.randint(2, 6)):
        code, service = rng.choice(target.counters)
        external_id = f"proof-{run.name}-{index}-{n}"
        for event, minutes in TICKET_STEPS:
            at = (base + timedelta(minutes=minutes, seconds=n)).isoformat()
            events.append({"external_id": external_id, "counter": code, "service_type": service, "event": event})
            events[-1]["at"] = at
            keys.append(event_key(external_id, event, at))
    order = list(range(len(events)))
    rng.shuffle(order)
    events = [events[i] for i in order]
    receipt = BatchReceipt([keys[i] for i in order])
    with run.lock:
        run.batches.append(receipt)
    browser = Browser(target.port, agent="suara-proof queue-machine")
    body = __import__("json").dumps({"events": events}).encode()
    headers = {"Authorization": f"Bearer {target.api_token}", "Accept": "application/json"}
    deadline = time.monotonic() + budget_s
    answer = None
    for attempt in range(20):
        answer = browser.request(
            "POST", "/api/v1/ticket-events", body=body, content_type="application/json", headers=headers
        )
        receipt.attempts += 1
        run.add("events", answer, attempt > 0)
        if answer.status == 200:
            results = (answer.json() or {}).get("results", [])
            for key, result in zip(receipt.events, results, strict=False):
                if result.get("status") in ("stored", "already_stored"):
                    receipt.acknowledged.add(key)
                else:
                    receipt.refused.add(key)
            return Outcome("events", len(receipt.acknowledged) == len(receipt.events), 200)
        if not _retryable(answer) or time.monotonic() > deadline:
            break
        time.sleep(_retry_wait(answer, attempt))
    return Outcome("events", False, answer.status if answer else 0)


def event_key(external_id: str, event: str, at: str | datetime) -> EventKey:
    instant = datetime.fromisoformat(at) if isinstance(at, str) else at
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=UTC)
    return external_id, event, instant.astimezone(UTC).replace(microsecond=0).isoformat()


def page_view(target: Target, run: LoadRun, rng: random.Random, staff: bool, budget_s: float) -> Outcome:
    kind = "staff_page" if staff else "public_page"
    if staff:
        role = rng.choice(sorted(target.staff))
        browser, path = target.staff[role], rng.choice(target.staff_pages[role])
    else:
        browser, path = Browser(target.port, agent="suara-proof visitor"), rng.choice(target.public_pages)
    deadline = time.monotonic() + budget_s
    answer = None
    for attempt in range(10):
        answer = browser.get(path)
        run.add(kind, answer, attempt > 0)
        if not _retryable(answer) or time.monotonic() > deadline:
            break
        time.sleep(_retry_wait(answer, attempt))
    ok = answer is not None and answer.status == 200
    return Outcome(kind, ok, answer.status if answer else 0)


MIX = (("citizen", 50), ("events", 20), ("staff_page", 15), ("public_page", 15))


def drive(
    target: Target,
    run: LoadRun,
    *,
    tasks: int,
    concurrency: int,
    max_seconds: float,
    seed: int,
    retry_budget_s: float = 25.0,
) -> None:
    """Run at most ``tasks`` tasks, ``concurrency`` at a time, for at most ``max_seconds`` (new tasks stop then)."""
    counter = iter(range(tasks))
    take = threading.Lock()
    started = run.started = time.monotonic()
    stop_at = started + max_seconds
    kinds, weights = zip(*MIX, strict=True)

    def worker(number: int) -> None:
        rng = random.Random(seed * 101 + number)
        while time.monotonic() < stop_at:
            with take:
                index = next(counter, None)
            if index is None:
                return
            kind = rng.choices(kinds, weights)[0]
            if kind == "citizen":
                outcome = citizen(target, run, rng, index, retry_budget_s)
            elif kind == "events":
                outcome = event_batch(target, run, rng, index, retry_budget_s)
            else:
                outcome = page_view(target, run, rng, kind == "staff_page", retry_budget_s)
            with run.lock:
                run.outcomes.append(outcome)

    threads = [threading.Thread(target=worker, args=(n,), daemon=True) for n in range(concurrency)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(max_seconds + retry_budget_s + 60)
    run.wall_s = time.monotonic() - started


# --------------------------------------------------------------------------------------------------------------
# What the answers mean


@dataclass
class Verdict:
    requests: int = 0
    by_kind: dict[str, list[float]] = field(default_factory=dict)  # kind -> sorted latencies (ms) of answers
    statuses: Tally[str] = field(default_factory=Tally)  # "survey_post 303" -> n
    server_errors: list[str] = field(default_factory=list)  # 5xx that count against the app, one line each
    server_error_kinds: Tally[str] = field(default_factory=Tally)  # "survey_post 500 during pg_down" -> n
    db_down_503: int = 0  # 503 answered while PostgreSQL itself was down (counted apart)
    bad_503: list[str] = field(default_factory=list)  # such a 503 without Retry-After or a clear body
    connection_errors: int = 0
    connection_errors_outside_faults: int = 0
    unexpected: Tally[str] = field(default_factory=Tally)  # 4xx a well-behaved client should not get
    gave_up: Tally[str] = field(default_factory=Tally)  # tasks that ended without success, by kind and last status


EXPECTED = {
    "survey_get": {200},
    "survey_post": {303},
    "events": {200},
    "staff_page": {200},
    "public_page": {200},
}
_TRACEBACK = re.compile(r"Traceback|File \"/", re.IGNORECASE)


def clear_503(answer: Answer) -> str:
    """Why a 503 is not the clear answer a client needs ('' when it is)."""
    problems = []
    if not answer.headers.get("retry-after", "").strip().isdigit():
        problems.append("no Retry-After")
    content_type = answer.headers.get("content-type", "")
    if "json" in content_type:
        body = answer.json()
        if not isinstance(body, dict) or not any(body.get(k) for k in ("message", "error", "detail", "title")):
            problems.append("JSON body without a message")
    elif "html" in content_type:
        if "<title>" not in answer.text.lower() or len(answer.text) < 200:
            problems.append("no real page")
    else:
        problems.append(f"content type {content_type or 'none'}")
    if _TRACEBACK.search(answer.text):
        problems.append("a traceback in the body")
    return ", ".join(problems)


def judge(run: LoadRun) -> Verdict:
    verdict = Verdict()
    db_down = [w for w in run.windows if w.kind in ("pg_down", "pg_restart")]
    for record in run.records:
        answer = record.answer
        verdict.requests += 1
        verdict.statuses[f"{record.kind} {answer.status or 'no answer'}"] += 1
        if answer.status:
            verdict.by_kind.setdefault(record.kind, []).append(answer.ms)
        when = f"t={answer.started - run.started:.1f}s "
        during = [
            w.kind for w in run.windows if w.covers(answer.started) or w.covers(answer.started + answer.ms / 1000)
        ]
        if answer.status == 0:
            verdict.connection_errors += 1
            if not during:
                verdict.connection_errors_outside_faults += 1
        elif answer.status == 503 and any(
            w.covers(answer.started) or w.covers(answer.started + answer.ms / 1000) for w in db_down
        ):  # a request that began just before the outage and met it mid-way counts as met by it
            verdict.db_down_503 += 1
            why = clear_503(answer)
            if why:
                verdict.bad_503.append(f"{when}{answer.method} {_short(answer.path)}: {why}")
        elif answer.status >= 500:
            context = f" during {'+'.join(during)}" if during else " outside any fault"
            verdict.server_errors.append(f"{when}{answer.method} {_short(answer.path)} -> {answer.status}{context}")
            verdict.server_error_kinds[f"{record.kind} {answer.status}{context}"] += 1
        elif answer.status not in EXPECTED[record.kind]:
            verdict.unexpected[f"{record.kind} {answer.status}"] += 1
    for latencies in verdict.by_kind.values():
        latencies.sort()
    for outcome in run.outcomes:
        if not outcome.ok:
            verdict.gave_up[f"{outcome.kind} (last {outcome.last_status or 'no answer'})"] += 1
    return verdict


def _short(path: str) -> str:
    return re.sub(r"/s/([A-Z]+\d+)/\S+", r"/s/\1/…", path)


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of a sorted list (nan when empty)."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[int(rank) - 1]
