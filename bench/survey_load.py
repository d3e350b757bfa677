"""Survey load benchmark: how many citizens per second the real app serves, compared with a bare Flask floor.

What it measures
    One simulated citizen = a distinct browser (fresh cookie jar) that GETs a counter's survey page
    ``/s/<code>/<token>``, reads its hidden inputs (``csrf_token``, ``duty``, ``submission_key``) and cookies
    (``session``, ``sw_browser``), and POSTs nine valid answers back; success is ``303`` to ``.../terima-kasih``.
    The same bounded load (same citizens, same answers, same counters) is driven over loopback against

    * the app: ``gunicorn wsgi:app`` with 2 workers, rate limits raised for the run;
    * the floor: ``bench/floor_app.py`` under the same gunicorn settings, a bare Flask app that serves a page of
      the same byte size and inserts the same row into the same database, and checks nothing.

    Both servers run side by side and are loaded in alternation: the citizens are split into rounds, each round
    goes to the app and to the floor in turn (the order swapping every round), so a background job that slows the
    machine for a while weighs on both; the share of CPU that other processes used during the load is reported.

    It does this on a fresh SQLite file and, when ``TEST_DATABASE_URL`` points at PostgreSQL, again on a fresh
    database ``suara_bench`` on that server (the database named in the URL is never touched). For each target it
    prints requests/s (GET and POST each count), p50/p99 latency per request and per GET+POST pair, and the app's
    throughput as a share of the floor's (target: >= 35 %; below it prints ``BELOW TARGET``, exit status unchanged).
    It then times GET+POST pairs in-process through ``test_client()`` (app and floor, no HTTP server) and profiles
    as many on the app under cProfile: the request path (each view and what it calls, the work around the views),
    the top functions by cumulative time, and self time by package.

Checks (exit status 1 when one fails)
    every POST the server accepted (303) is stored exactly once (rows counted before and after), no 5xx, no
    connection errors or timeouts, no other unexpected answer (e.g. 400/429), and every stored app row is
    ``status = 'valid'`` (distinct browsers, so duplicate detection must not fire; the burst flag is raised).
    Setup errors exit with 2.

Output
    the console report, and the section of ``docs/benchmarks.md`` between ``<!-- bench:survey_load -->`` and
    ``<!-- /bench:survey_load -->`` (the rest of the file is kept; the file is created if missing).

Run (from the repository root)
    make bench                                   # = .venv/bin/python bench/survey_load.py
    .venv/bin/python bench/survey_load.py --quick
    TEST_DATABASE_URL=postgresql+psycopg://postgres@127.0.0.1:5432/test .venv/bin/python bench/survey_load.py

Options
    --citizens N        citizens per target (default 400; --quick: 60)
    --concurrency C     simultaneous citizens, one client thread and HTTP/1.1 connection each (default 8;
                        gunicorn's sync workers close the connection after each response, like for a phone)
    --rounds R          alternating app/floor rounds the citizens are split into (default 4; --quick: 2)
    --warmup W          citizens per target before measuring, checked but not timed (default 24; --quick: 8)
    --profile-pairs P   in-process GET+POST pairs under cProfile (default 200; --quick: 40)
    --quick             a smoke run: the small defaults above
    --sqlite-only       ignore TEST_DATABASE_URL
    --timeout S         per-request timeout in seconds (default 30)
    --max-seconds S     give up on a load phase after S seconds (default 600)
    --no-docs           do not touch docs/benchmarks.md
    --keep              keep the temporary directory and the PostgreSQL bench database
    --seed N            seed of the citizens' answers (default 20261126)

Everything runs on 127.0.0.1 on free ports; the gunicorn servers, the temporary directory and the PostgreSQL bench
database are removed on exit, also on errors and Ctrl-C. Standard library only, plus the app's own dependencies.
"""

from __future__ import annotations

import argparse
import cProfile
import fcntl
import html
import http.client
import json
import logging
import os
import platform
import pstats
import queue
import random
import re
import secrets
import shutil
import signal
import socket
import sqlite3
import subprocess
import sys
import sysconfig
import tempfile
import threading
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode, urlsplit

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _postgres as postgres  # noqa: E402 - needs ROOT on sys.path
from bench._proc import Process, processes  # noqa: E402
from bench._report import DOCS, markers, write_docs  # noqa: E402

BEGIN, END = markers("survey_load")
TARGET_RATIO = 0.35
NOISY_SHARE = 0.10
PG_BENCH_DATABASE = postgres.BENCH_DATABASES[0]
RAISED_LIMIT = "100000 per minute"
RAISED_BURST = "1000000000"
WORKERS = 2
ANSWER_FIELDS = tuple(f"u{i}" for i in range(1, 10))
HIDDEN_FIELDS = ("csrf_token", "duty", "submission_key")
PROFILED_PACKAGES = (
    "feedback_app",
    "jinja2",
    "sqlalchemy",
    "wtforms",
    "flask_limiter",
    "werkzeug",
    "flask_wtf",
    "flask_babel",
    "flask_sqlalchemy",
    "flask_login",
    "limits",
    "itsdangerous",
    "babel",
    "flask",
    "templates",
)


class BenchError(RuntimeError):
    """Setup went wrong: the benchmark could not run (exit 2)."""


def log(message: str = "") -> None:
    print(message, flush=True)


# --------------------------------------------------------------------------------------------------------------
# Servers


def first_traceback(text: str, tail: int = 8) -> str:
    """The last ``tail`` lines of the first traceback in a log (where the exception itself is named)."""
    lines = text.splitlines()
    start = next((n for n, line in enumerate(lines) if line.startswith("Traceback")), None)
    if start is None:
        return ""
    end = next((n for n in range(start + 1, len(lines)) if lines[n].startswith("[")), len(lines))
    return "\n".join("    " + line for line in lines[start:end][-tail:])


class FirstError(logging.Filter):
    """Silence an in-process app's error log (hundreds of identical tracebacks) but keep the first one."""

    def __init__(self) -> None:
        super().__init__()
        self.text = ""

    def filter(self, record: logging.LogRecord) -> bool:
        if not self.text and record.exc_info:
            self.text = first_traceback(logging.Formatter().formatException(record.exc_info))
        return False


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class Server:
    """A gunicorn master in its own process group; ``stop`` ends it (and its workers) and nothing else."""

    live: list[Server] = []

    def __init__(self, name: str, app_spec: str, env: dict[str, str], workdir: Path) -> None:
        self.name = name
        self.port = free_port()
        self.log_path = workdir / f"gunicorn-{name}-{self.port}.log"
        command = [
            sys.executable,
            "-m",
            "gunicorn",
            "--bind",
            f"127.0.0.1:{self.port}",
            "--workers",
            str(WORKERS),
            "--worker-class",
            "sync",
            "--timeout",
            "60",
            "--graceful-timeout",
            "10",
            "--log-level",
            "warning",
            "--error-logfile",
            str(self.log_path),
            app_spec,
        ]
        self.process = subprocess.Popen(
            command,
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=subprocess.DEVNULL,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
        Server.live.append(self)

    def log_tail(self, lines: int = 30) -> str:
        try:
            return "\n".join(self.log_path.read_text(errors="replace").splitlines()[-lines:])
        except OSError:
            return "(no log)"

    def wait_ready(self, path: str, timeout: float = 60.0) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if self.process.poll() is not None:
                raise BenchError(f"gunicorn ({self.name}) exited with {self.process.returncode}:\n{self.log_tail()}")
            try:
                connection = http.client.HTTPConnection("127.0.0.1", self.port, timeout=5)
                connection.request("GET", path)
                status = connection.getresponse().status
                connection.close()
                if status == 200:
                    return
            except OSError:
                pass
            time.sleep(0.2)
        raise BenchError(f"gunicorn ({self.name}) did not answer GET {path} within {timeout:.0f}s:\n{self.log_tail()}")

    def stop(self) -> None:
        if self in Server.live:
            Server.live.remove(self)
        if self.process.poll() is None:
            try:
                os.killpg(self.process.pid, signal.SIGTERM)  # the group we created: the master and its workers
                self.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                os.killpg(self.process.pid, signal.SIGKILL)
                self.process.wait(timeout=10)
            except ProcessLookupError:
                pass

    @classmethod
    def stop_all(cls) -> None:
        for server in list(cls.live):
            server.stop()


# --------------------------------------------------------------------------------------------------------------
# The simulated citizens

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


# --------------------------------------------------------------------------------------------------------------
# Databases


def run_flask(args: list[str], env: dict[str, str]) -> str:
    completed = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "wsgi", *args],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=900,
    )
    if completed.returncode != 0:
        raise BenchError(f"flask {' '.join(args)} failed:\n{completed.stdout}\n{completed.stderr}")
    return completed.stdout


def count_rows(url: str, since_id: int | None = None) -> tuple[int, int, int]:
    """(rows, highest id, rows above ``since_id`` that are not 'valid') in survey_responses."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            rows, top = connection.execute(text("SELECT count(*), coalesce(max(id), 0) FROM survey_responses")).one()
            not_valid = 0
            if since_id is not None:
                not_valid = connection.execute(
                    text("SELECT count(*) FROM survey_responses WHERE id > :since AND status <> 'valid'"),
                    {"since": since_id},
                ).scalar_one()
        return int(rows), int(top), int(not_valid)
    finally:
        engine.dispose()


@dataclass
class Database:
    label: str  # "SQLite" / "PostgreSQL"
    url: str
    version: str = ""
    drop: Callable[[], None] | None = None
    # Whether a local process (pid, name) is the database server working for this run (a backend of the bench
    # database, the WAL writer, the checkpointer): its CPU is part of the run, not background noise.
    serves_run: Callable[[int, str], bool] = lambda _pid, _name: False
    # Make the freshly loaded database look like one in service: checkpoint, and on PostgreSQL vacuum and analyse,
    # so that autovacuum does not start in the middle of the load.
    settle: Callable[[], None] = lambda: None


def sqlite_database(workdir: Path) -> Database:
    path = workdir / "bench.db"

    def settle() -> None:
        with sqlite3.connect(path) as connection:
            connection.execute("PRAGMA wal_checkpoint(TRUNCATE)")

    return Database(
        "SQLite", f"sqlite:///{path}", f"SQLite {sqlite3.sqlite_version} (WAL, synchronous=NORMAL)", settle=settle
    )


def _command_line(pid: int) -> list[str]:
    try:
        return [w.decode(errors="replace") for w in Path(f"/proc/{pid}/cmdline").read_bytes().split(b"\0") if w]
    except OSError:
        return []


def postgres_serves_bench(pid: int, name: str) -> bool:
    """A postgres process that is not a backend of another database (``postgres: 15/main: user db host ...``)."""
    if not name.startswith("postgres"):
        return False
    title = " ".join(_command_line(pid))
    backend = re.match(r"postgres: [^:]+: (\S+) (\S+) ", title)
    return backend is None or backend.group(2) == PG_BENCH_DATABASE


def postgresql_database(test_url: str) -> Database:
    """A fresh ``suara_bench`` database on the server of ``test_url``; the database named there is not touched."""
    import psycopg

    try:
        pg = postgres.server(test_url)
    except postgres.ServerError as error:
        raise BenchError(f"TEST_DATABASE_URL: {error}") from None
    pg.create(PG_BENCH_DATABASE)

    def settle() -> None:
        with psycopg.connect(pg.database_conninfo(PG_BENCH_DATABASE), autocommit=True) as connection:
            connection.execute("VACUUM (ANALYZE)")
            try:
                connection.execute("CHECKPOINT")
            except psycopg.Error:  # needs superuser or pg_checkpoint; the vacuum is what matters
                pass

    return Database(
        "PostgreSQL",
        pg.database_url(PG_BENCH_DATABASE),
        f"PostgreSQL {pg.version}",
        drop=lambda: pg.drop(PG_BENCH_DATABASE),
        serves_run=postgres_serves_bench,
        settle=settle,
    )


# --------------------------------------------------------------------------------------------------------------
# Setup: the app's environment, the counters, the floor's configuration


def bench_env(database_url: str, secret: str, qr_key: str) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("FLASK_", "SURVEY_", "RATELIMIT_", "FLAG_"))}
    env.update(
        {
            "DATABASE_URL": database_url,
            "SECRET_KEY": secret,
            "QR_SIGNING_KEY": qr_key,
            "PUBLIC_BASE_URL": "http://127.0.0.1",
            "SURVEY_LIMIT_PER_BROWSER": RAISED_LIMIT,
            "SURVEY_LIMIT_PER_IP": RAISED_LIMIT,
            # Hundreds of synthetic citizens a minute at a few counters are a burst by design; like the rate
            # limits the rule is raised out of the way (its counting SELECT still runs on every POST).
            "FLAG_BURST_MIN_ANSWERS": RAISED_BURST,
            "RATELIMIT_STORAGE_URI": "memory://",
            "PYTHONDONTWRITEBYTECODE": "1",
        }
    )
    return env


def make_app(env: dict[str, str]) -> Any:
    """The real app, configured exactly as gunicorn's workers see it (same environment layer)."""
    from feedback_app import create_app
    from feedback_app.config import from_environment

    return create_app(from_environment(env))


def close_app(app: Any) -> None:
    from feedback_app.extensions import db

    with app.app_context():
        db.session.remove()
        db.engine.dispose()


@dataclass
class Survey:
    paths: list[str]
    page_bytes: dict[str, int]  # public code -> size of the rendered form
    floor_config: Path


def prepare_survey(env: dict[str, str], workdir: Path, database: Database) -> Survey:
    """Render every active counter's form once in-process: its URL, its size, and the floor's copy of it."""
    from sqlalchemy import select

    from feedback_app.clock import now
    from feedback_app.extensions import db
    from feedback_app.models import Counter
    from feedback_app.services.attribution import on_duty
    from feedback_app.services.qr import counter_survey_url

    app = make_app(env)
    first_error = FirstError()
    app.logger.addFilter(first_error)
    paths, sizes, counters = [], {}, {}
    try:
        with app.app_context():
            for counter in db.session.scalars(select(Counter).where(Counter.active).order_by(Counter.public_code)):
                path = urlsplit(counter_survey_url(counter)).path
                duty = on_duty(counter.id, now())
                attributed = duty.source in ("sign_in", "roster")
                counters[counter.public_code] = {
                    "row": {
                        "unit_id": counter.unit_id,
                        "counter_id": counter.id,
                        "employee_id": duty.employee_id if attributed else None,
                        "counter_assignment_id": duty.assignment_id if attributed else None,
                        "attribution_source": duty.source,
                    }
                }
                paths.append(path)
        client = app.test_client()
        for path in paths:
            code = path.split("/")[2]
            response = client.get(path)
            if response.status_code != 200:
                raise BenchError(f"GET {path} in-process answered {response.status_code}\n{first_error.text}")
            page = response.get_data(as_text=True)
            key = hidden_inputs(page).get("submission_key", "")
            if not re.fullmatch(r"[0-9a-f]{32}", key) or page.count(key) != 1:
                raise BenchError(f"cannot find the submission key in the page of {code}")
            prefix, suffix = page.split(key)
            counters[code].update(page_prefix=prefix, page_suffix=suffix)
            sizes[code] = len(response.get_data())
    finally:
        close_app(app)
    if not paths:
        raise BenchError("no active counter: did demo-data run?")
    floor_config = workdir / f"floor-{database.label.lower()}.json"
    floor_config.write_text(json.dumps({"database_url": database.url, "counters": counters}), encoding="utf-8")
    return Survey(paths, sizes, floor_config)


# --------------------------------------------------------------------------------------------------------------
# The load: both servers, alternating rounds


def describe_process(pid: int, name: str) -> str:
    words = _command_line(pid)
    if not words:
        return name
    if len(words) == 1:  # a rewritten process title, e.g. "postgres: 15/main: walwriter"
        return words[0][:60]
    return " ".join([Path(words[0]).name, *words[1:4]])[:60]


def cpu_snapshot() -> tuple[float, float] | None:
    """(CPU-seconds processes have used on the whole machine, CPU-seconds of this process and its reaped children).

    The machine's figure is user + nice + system from /proc/stat: interrupt time (the loopback traffic and disk
    flushes of the load itself) and time stolen by a hypervisor are left out.
    """
    try:
        values = [int(v) for v in Path("/proc/stat").read_text().splitlines()[0].split()[1:4]]
    except (OSError, ValueError, IndexError):
        return None
    busy = sum(values) / os.sysconf("SC_CLK_TCK")
    own = os.times()
    return busy, own.user + own.system + own.children_user + own.children_system


@dataclass
class Background:
    """What other processes did to the machine while the load ran."""

    share: float  # of all the CPUs over the load's wall time
    busiest: list[tuple[str, float]]  # (process, CPU-seconds), the few that used the most


def background(
    before: tuple[float, float] | None,
    after: tuple[float, float] | None,
    wall: float,
    table_before: dict[int, Process],
    table_after: dict[int, Process],
    serves_run: Callable[[int, str], bool],
    server_sessions: set[int],
) -> Background | None:
    """CPU used by processes that are not part of the run while it loaded the servers.

    Part of the run: this process (the client), its gunicorn servers (``server_sessions``), the database server's
    processes working for it (``serves_run``: backends, WAL writer, checkpointer) and kernel threads (disk flushes).
    ``after`` is taken once the servers have stopped (their time is then this process's children's time);
    ``table_after`` just before, while the database backends that served them still exist.
    """
    if before is None or after is None or wall <= 0:
        return None
    ticks = 1 / os.sysconf("SC_CLK_TCK")

    def spent(pid: int) -> float:
        earlier = table_before.get(pid)
        return table_after[pid].cpu_seconds - (earlier.cpu_seconds if earlier else 0.0)

    part_of_run = {pid for pid, p in table_after.items() if pid == 2 or p.parent == 2 or serves_run(pid, p.name)}
    foreign = (after[0] - before[0]) - (after[1] - before[1]) - sum(spent(pid) for pid in part_of_run)
    used = []
    for pid, p in table_after.items():
        if pid in part_of_run or pid == os.getpid() or p.session in server_sessions:
            continue
        if spent(pid) >= max(0.2, 5 * ticks):
            used.append((describe_process(pid, p.name), spent(pid)))
    used.sort(key=lambda item: item[1], reverse=True)
    return Background(max(0.0, foreign / (wall * (os.cpu_count() or 1))), used[:3])


def split(total: int, parts: int) -> list[int]:
    return [total // parts + (n < total % parts) for n in range(parts)]


def load_targets(
    targets: list[tuple[str, str, dict[str, str]]],
    database: Database,
    survey: Survey,
    options: argparse.Namespace,
    workdir: Path,
) -> tuple[dict[str, LoadResult], Background | None]:
    """Serve every target at once (an idle server costs nothing), warm each up, then load them in alternation.

    The citizens are split into ``options.rounds`` rounds; in each round every target gets the same citizens (same
    counters, same answers), the order of the targets swapping from round to round, so a background job slowing
    the machine for a while weighs on both. Rows are counted around every phase, which therefore checks each one.
    Also returns the share of the machine's CPU that processes other than this run's used meanwhile.
    """
    database.settle()
    table_before, before, started = processes(), cpu_snapshot(), time.perf_counter()
    servers: dict[str, Server] = {}
    results = {
        name: LoadResult(name, database.label, options.citizens, options.concurrency) for name, _spec, _env in targets
    }
    common = dict(seed=options.seed, timeout=options.timeout, max_seconds=options.max_seconds)

    def server_cpu(name: str) -> float | None:
        """CPU-seconds of a server's master and workers so far (they share the session the master leads)."""
        table = processes()
        session = servers[name].process.pid
        return sum(p.cpu_seconds for p in table.values() if p.session == session) if table else None

    def phase(name: str, citizens: int, first_index: int, timed: bool) -> None:
        result = results[name]
        rows_before, top_before, _ = count_rows(database.url)
        cpu_before = server_cpu(name)
        done, wall = drive(
            servers[name].port, survey.paths, citizens, options.concurrency, first_index=first_index, **common
        )
        cpu_after = server_cpu(name)
        if timed and cpu_before is not None and cpu_after is not None:
            result.server_cpu_s = (result.server_cpu_s or 0.0) + cpu_after - cpu_before
        rows_after, _, not_valid = count_rows(database.url, since_id=top_before)
        result.stored += rows_after - rows_before
        result.not_valid += not_valid
        if timed:
            result.results += done
            result.wall_s += wall
            result.round_rates.append(sum((r.get_ms is not None) + (r.post_ms is not None) for r in done) / wall)
        else:
            result.warmup += done

    try:
        for name, spec, env in targets:
            servers[name] = Server(f"{name}-{database.label.lower()}", spec, env, workdir)
        for name in servers:
            servers[name].wait_ready(survey.paths[0])
        for name in servers:
            phase(name, options.warmup, 1_000_000, timed=False)
        first_index = 0
        for round_number, citizens in enumerate(split(options.citizens, options.rounds)):
            order = list(servers) if round_number % 2 == 0 else list(reversed(servers))
            for name in order:
                phase(name, citizens, first_index, timed=True)
            first_index += citizens
        table_after = processes()  # before the servers stop: the database backends serving them end with them
    finally:
        for server in servers.values():
            server.stop()
    for name, server in servers.items():
        if results[name].server_errors:
            try:
                results[name].server_error = first_traceback(server.log_path.read_text(errors="replace"))
            except OSError:
                pass
    after = cpu_snapshot()
    return results, background(
        before,
        after,
        time.perf_counter() - started,
        table_before,
        table_after,
        database.serves_run,
        {server.process.pid for server in servers.values()},
    )


# --------------------------------------------------------------------------------------------------------------
# In-process: the cost per pair without HTTP, and the app's profile


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
    from bench.floor_app import create_app as create_floor

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


# --------------------------------------------------------------------------------------------------------------
# Report


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
        name = "app (`wsgi:app`)" if result.target == "app" else "floor (`bench/floor_app.py`)"
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
    cpus = os.cpu_count() or 0
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    import gunicorn

    sizes = sorted(size for run in runs for size in run.page_bytes.values())
    out = [
        BEGIN,
        "## Survey load (`bench/survey_load.py`)",
        "",
        "Run with `make bench` (= `.venv/bin/python bench/survey_load.py`; PostgreSQL too when "
        "`TEST_DATABASE_URL` is set). Each citizen is a new browser that GETs a counter's survey page and POSTs "
        "nine valid answers (303 = accepted); the same load runs against the app and against the floor, a bare "
        "Flask app that serves a page of the same size and inserts the same row into the same database. "
        f"Target: the app reaches at least {TARGET_RATIO:.0%} of the floor's throughput.",
        "",
        f"- Date: {now}" + (" (`--quick` smoke run)" if options.quick else ""),
        f"- Machine: {cpus} CPU(s){f' ({model})' if model else ''}, {platform.system()} {platform.release()}, "
        f"Python {platform.python_version()}",
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


# --------------------------------------------------------------------------------------------------------------


def parse_args(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0], formatter_class=argparse.RawDescriptionHelpFormatter
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
        [("app", "wsgi:app", env), ("floor", "bench.floor_app:create_app()", floor_env)],
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
        log(f"ERROR: another bench/survey_load.py run is in progress (lock {lock.name})")
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


if __name__ == "__main__":
    sys.exit(main())
