"""The simulated citizens: a fresh browser each that GETs a survey page and POSTs nine answers."""

from __future__ import annotations

import html
import http.client
import queue
import random
import re
import threading
import time
from collections import Counter as Tally
from dataclasses import dataclass, field
from urllib.parse import urlencode

from bench.survey_load.settings import ANSWER_FIELDS, HIDDEN_FIELDS

_INPUT_TAG = re.compile(r"<input\b[^>]*>", re.IGNORECASE)


_ATTRIBUTE = re.compile(r'([\w-]+)="([^"]*)"')


def hidden_inputs(page: str) -> dict[str, str]:
    fields = {}
    for tag in _INPUT_TAG.findall(page):
        attributes = dict(_ATTRIBUTE.findall(tag))
        if attributes.get("type") == "hidden" and "name" in attributes:
            fields[attributes["name"]] = html.unescape(attributes.get("value", ""))
    return fields


def answers_for(seed: int, index: int) -> dict[str, str]:
    rng = random.Random(seed * 1_000_003 + index)
    return {name: str(rng.choices((1, 2, 3, 4), weights=(1, 2, 5, 4))[0]) for name in ANSWER_FIELDS}


@dataclass
class CitizenResult:
    index: int
    get_status: int | None = None
    post_status: int | None = None
    get_ms: float | None = None
    post_ms: float | None = None
    accepted: bool = False
    problem: str | None = None

    @property
    def pair_ms(self) -> float | None:
        return self.get_ms + self.post_ms if self.get_ms is not None and self.post_ms is not None else None


def one_citizen(connection: http.client.HTTPConnection, path: str, index: int, seed: int) -> CitizenResult:
    """GET the form and POST it back as a browser seen for the first time (its own cookie jar)."""
    result = CitizenResult(index)
    base_headers = {
        "User-Agent": f"survey-load/1 citizen-{index}",
        "Accept": "text/html",
        "Accept-Encoding": "identity",
        "Accept-Language": "id-ID,id;q=0.9",
    }
    try:
        started = time.perf_counter()
        connection.request("GET", path, headers=base_headers)
        response = connection.getresponse()
        page = response.read()
        result.get_ms = (time.perf_counter() - started) * 1000
        result.get_status = response.status
        if response.status != 200:
            result.problem = f"GET {response.status}"
            return result
        cookies = {}
        for header in response.headers.get_all("Set-Cookie") or ():
            name, _, rest = header.partition("=")
            cookies[name.strip()] = rest.split(";", 1)[0]
        form = hidden_inputs(page.decode("utf-8", errors="replace"))
        missing = [name for name in HIDDEN_FIELDS if name not in form]
        if missing:
            result.problem = f"page lacks {', '.join(missing)}"
            return result
        form.update(answers_for(seed, index))
        body = urlencode(form).encode()
        headers = dict(base_headers, **{"Content-Type": "application/x-www-form-urlencoded"})
        if cookies:
            headers["Cookie"] = "; ".join(f"{name}={value}" for name, value in cookies.items())
        started = time.perf_counter()
        connection.request("POST", path, body=body, headers=headers)
        response = connection.getresponse()
        response.read()
        result.post_ms = (time.perf_counter() - started) * 1000
        result.post_status = response.status
        location = response.getheader("Location", "")
        result.accepted = response.status == 303 and location.endswith("/terima-kasih")
        if not result.accepted:
            result.problem = f"POST {response.status} {location}".strip()
    except (OSError, http.client.HTTPException) as error:
        connection.close()  # start the next request on a clean connection
        result.problem = f"{type(error).__name__}: {error}"
    return result


@dataclass
class LoadResult:
    target: str
    database: str
    citizens: int
    concurrency: int
    wall_s: float = 0.0  # summed over the timed rounds
    results: list[CitizenResult] = field(default_factory=list)
    warmup: list[CitizenResult] = field(default_factory=list)
    stored: int = 0  # rows that appeared in survey_responses while this target was loaded (warm-up included)
    not_valid: int = 0
    round_rates: list[float] = field(default_factory=list)  # req/s of each timed round
    server_error: str = ""  # the end of the first traceback in the server's log, when it answered 5xx
    server_cpu_s: float | None = None  # CPU-seconds the gunicorn processes used in the timed rounds (Linux)

    @property
    def server_cpu_ms_per_request(self) -> float | None:
        return self.server_cpu_s * 1000 / self.requests if self.server_cpu_s is not None and self.requests else None

    @property
    def requests(self) -> int:
        return sum((r.get_ms is not None) + (r.post_ms is not None) for r in self.results)

    @property
    def req_per_s(self) -> float:
        return self.requests / self.wall_s if self.wall_s else 0.0

    @property
    def citizens_per_s(self) -> float:
        return sum(r.accepted for r in self.results) / self.wall_s if self.wall_s else 0.0

    def latencies(self, kind: str) -> list[float]:
        if kind == "request":
            values = [r.get_ms for r in self.results] + [r.post_ms for r in self.results]
        else:
            values = [getattr(r, f"{kind}_ms") for r in self.results]
        return sorted(v for v in values if v is not None)

    @property
    def everyone(self) -> list[CitizenResult]:
        return self.warmup + self.results

    @property
    def accepted(self) -> int:
        return sum(r.accepted for r in self.everyone)

    @property
    def server_errors(self) -> int:
        return sum(1 for r in self.everyone for s in (r.get_status, r.post_status) if s is not None and s >= 500)

    @property
    def problems(self) -> Tally[str]:
        return Tally(re.sub(r"/s/\S+", "/s/…", r.problem) for r in self.everyone if r.problem)

    def failures(self) -> list[str]:
        found = []
        if self.server_errors:
            found.append(
                f"{self.server_errors} 5xx answers"
                + (f"; the server logged:\n{self.server_error}" if self.server_error else "")
            )
        if self.stored != self.accepted:
            found.append(
                f"{self.accepted} POSTs accepted but {self.stored} rows stored ({self.accepted - self.stored} lost)"
                if self.stored < self.accepted
                else f"{self.stored} rows stored for {self.accepted} accepted POSTs"
            )
        if self.problems:
            found.append("unexpected answers: " + ", ".join(f"{n}x {p}" for p, n in self.problems.most_common(5)))
        if self.not_valid:
            found.append(f"{self.not_valid} stored rows are not status 'valid'")
        if len(self.results) < self.citizens:
            found.append(f"only {len(self.results)} of {self.citizens} citizens ran before the deadline")
        return found


def percentile(sorted_values: list[float], pct: float) -> float:
    """Nearest-rank percentile of an already sorted list."""
    if not sorted_values:
        return float("nan")
    rank = max(1, -(-len(sorted_values) * pct // 100))
    return sorted_values[int(rank) - 1]


def drive(
    port: int,
    paths: list[str],
    citizens: int,
    concurrency: int,
    *,
    first_index: int,
    seed: int,
    timeout: float,
    max_seconds: float,
) -> tuple[list[CitizenResult], float]:
    """``citizens`` citizens, ``concurrency`` at a time (one thread and one connection each); (results, wall s)."""
    work: queue.SimpleQueue[int] = queue.SimpleQueue()
    for index in range(first_index, first_index + citizens):
        work.put(index)
    results: list[CitizenResult] = []
    lock = threading.Lock()
    barrier = threading.Barrier(concurrency + 1)
    deadline = [float("inf")]

    def worker() -> None:
        connection = http.client.HTTPConnection("127.0.0.1", port, timeout=timeout)
        mine = []
        barrier.wait()
        try:
            while time.perf_counter() < deadline[0]:
                try:
                    index = work.get_nowait()
                except queue.Empty:
                    break
                mine.append(one_citizen(connection, paths[index % len(paths)], index, seed))
        finally:
            connection.close()
            with lock:
                results.extend(mine)

    threads = [threading.Thread(target=worker, daemon=True, name=f"citizen-{n}") for n in range(concurrency)]
    for thread in threads:
        thread.start()
    started = time.perf_counter()
    deadline[0] = started + max_seconds
    barrier.wait()
    for thread in threads:
        thread.join(max_seconds + timeout * 2 + 10)
    wall = time.perf_counter() - started
    return sorted(results, key=lambda r: r.index), wall
