"""Score-run benchmark: a full-year ``compute_score_run`` over N responses and N tickets for M employees.

What it measures
    One unit (WIB) with M employees spread over M/10 counters, and for the year 2025 (plus a few weeks either
    side, so that the period's edges matter): N survey responses, N tickets with their derived times, a roster,
    complaints, SKP targets and BerAKHLAK ratings. The data are synthetic but shaped like the real thing (see
    "The data" below). Then, with the application clock at 2026-01-15 so the run is final (not provisional):

    * the app: ``feedback_app.services.score_runs.compute_score_run(unit, 2025)`` and its commit, in a fresh child
      process (so its peak RSS is the run's own), timed as a whole and per phase (each statistics function, the
      other inputs, the pure scoring, storing the indicator rows, the commit) and per SQL statement;
    * the floor: the same rows exported from the database to CSV (``COPY (SELECT ...) TO STDOUT`` on PostgreSQL),
      loaded into DuckDB, and the same aggregation there: answer counts per employee per unsur per value, Σ/Σ²
      of the raw sums, status counts, ticket counts with on-time, exact nearest-rank p50/p90 of wait and service
      seconds per employee and for the unit, working days, complaint counts and median first response. Export,
      load and aggregation are timed apart; the ratio is app run time / DuckDB aggregation time (aim ≤ 5×), and
      beside it the run's statistics phase / DuckDB (the like-for-like part). DuckDB's ``quantile_disc`` is the
      nearest rank (checked for every n up to 3,000, and by the comparison below on every employee).

    The floor runs on exports because DuckDB cannot read the database directly here (its postgres/sqlite
    extensions are downloaded at install time). Timestamps are exported as whole epoch seconds (the app's
    statistics cut both instants to the whole second too, spec §2.3), which saves DuckDB work: a stricter floor.

Checks (exit status 1 when one fails; 2 when the benchmark cannot run)
    The stored run equals DuckDB's aggregation exactly: the unit IKM (recomputed here with ``fractions``, spec
    §1.3) and, for every employee and the unit, the sufficient statistics kept in each indicator's explanation
    (n, answer counts, Σ, Σ², status counts, ticket counts, p50/p90 seconds, working days, complaint counts and
    median). Hard target on PostgreSQL with the default sizes: the run (compute + commit) under 60 s, printed as
    ``MISSED`` otherwise. Memory: the run's peak RSS is reported for every size and for a one-month run on the
    same data (same M, a twelfth of N), so flatness in N can be read off.

The data
    Per employee a quality level drawn once sets its answer distribution (U4, the fee, is mostly "Gratis");
    tickets per employee vary ±50 %; each employee works on ceil(tickets/8) roster days (local 08:00-15:00), 10 %
    of employees have no roster at all (their working days come from finished tickets, spec §5). Tickets: 91 %
    finished, 5 % no-show, 4 % called or waiting; waits exponential (mean 8 min), service log-normal (median
    9 min), 10 % without a ``started`` time, 4 % returned, 1 % served by nobody recorded; some called times carry
    fractions of a second. Responses: ~60 % come from a ticket QR (counted at the ticket's finish), the rest from
    the counter QR during a shift; 3 % are attributed to the unit only; 2.5 % are duplicates, 0.5 % flagged,
    0.5 % excluded. 1 % carry a comment and a fifth of those became complaints (90 % answered within 1 h-6 days).
    Rows are written day by day, so tables are in time order on disk as a real database's are (generated per
    employee they would be clustered by employee, which flatters every per-employee plan). Ticket events are not
    generated: the score run reads only the tickets' derived columns (spec §2.3), and writing ~4 events per ticket
    would quadruple the generation time without changing what is measured.

Run (from the repository root)
    .venv/bin/python bench/scoring.py --small                 # CI smoke run: 20,000 rows, 100 employees
    .venv/bin/python bench/scoring.py                         # the full run: 10,000,000 rows, 50,000 employees
    .venv/bin/python bench/scoring.py --responses 1000000 --employees 5000

    Database: PostgreSQL when ``DATABASE_URL`` or ``TEST_DATABASE_URL`` names a PostgreSQL server (DATABASE_URL
    first), else a temporary SQLite file. On PostgreSQL it creates its own databases ``suara_scoring_bench``
    (``suara_scoring_bench_small`` for the small size) on that server, loads them with COPY, and drops them at
    the end; the database named in the URL is never touched. On SQLite rows go in with ``executemany``.

Options
    --small             the smoke sizes only (20,000 responses and tickets, 100 employees); does not write
                        docs/benchmarks.md unless --report is given
    --responses N       responses and tickets (default 10,000,000); --tickets N sets tickets apart
    --employees M       employees (default 50,000)
    --sqlite            use a temporary SQLite file even when a PostgreSQL server is configured
    --runs K            time K score runs on the full data (default 1; the report shows each)
    --no-small          with the full sizes, skip the small comparison size
    --report FILE       write the section to FILE instead of docs/benchmarks.md
    --no-docs           write no report file
    --explain           print EXPLAIN (ANALYZE, BUFFERS) of each statistics statement after the run (PostgreSQL)
    --keep              keep the bench databases and the work directory
    --reuse             reuse a kept bench database whose data match the sizes and seed (skips generation; the
                        score runs stored there by earlier benchmarks are deleted first)
    --workdir DIR       where the CSV exports (and the SQLite file) go (default: a new temporary directory)
    --seed N            seed of the synthetic data (default 2025)

Output
    the console report, and the section of ``docs/benchmarks.md`` between ``<!-- bench:scoring -->`` and
    ``<!-- /bench:scoring -->`` (the rest of the file is kept). Standard library, the app's dependencies and
    DuckDB (requirements-dev.txt) only.
"""

from __future__ import annotations

import argparse
import csv
import itertools
import json
import math
import os
import platform
import random
import resource
import shutil
import signal
import sqlite3
import subprocess
import sys
import tempfile
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterable, Iterator
from contextlib import ExitStack
from dataclasses import asdict, dataclass, field
from datetime import UTC, date, datetime, timedelta
from fractions import Fraction
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
if str(ROOT) not in sys.path:
    sys.path.insert(0, str(ROOT))

from bench import _postgres as postgres  # noqa: E402 - needs ROOT on sys.path
from bench._proc import Process, processes  # noqa: E402
from bench._report import DOCS, markers, write_docs  # noqa: E402

NAME = "scoring"
BEGIN, END = markers(NAME)
PERIOD = "2025"
UNIT_SLUG = "bench-scoring"
ZONE = "Asia/Jakarta"
OFFSET = 7 * 3600  # WIB has no daylight saving time
#: The application clock during the run: 2026-01-15 10:00 WIB, after the year, so the run is final.
NOW = datetime(2026, 1, 15, 3, 0, tzinfo=UTC)
#: Local working days of this span are drawn from: the year plus a few weeks either side.
SPAN = (date(2024, 12, 16), date(2026, 1, 10))
PG_DATABASE, PG_DATABASE_SMALL = postgres.BENCH_DATABASES[1:]
TARGET_SECONDS = 60.0
TARGET_RATIO = 5.0
GENERATOR_VERSION = 2
EPOCH = date(1970, 1, 1)
UNSUR = tuple(f"u{i}" for i in range(1, 10))
IKP = ("u3", "u6", "u7")
#: National holidays (a working day is Monday-Friday less these, spec §2.4).
HOLIDAYS = {
    date(2024, 12, 25): "Hari Raya Natal",
    date(2024, 12, 26): "Cuti bersama Natal",
    date(2025, 1, 1): "Tahun Baru Masehi",
    date(2025, 1, 27): "Isra Mikraj",
    date(2025, 1, 29): "Tahun Baru Imlek",
    date(2025, 3, 28): "Cuti bersama Nyepi",
    date(2025, 3, 31): "Idulfitri",
    date(2025, 4, 1): "Idulfitri",
    date(2025, 4, 2): "Cuti bersama Idulfitri",
    date(2025, 4, 3): "Cuti bersama Idulfitri",
    date(2025, 4, 4): "Cuti bersama Idulfitri",
    date(2025, 4, 7): "Cuti bersama Idulfitri",
    date(2025, 4, 18): "Wafat Yesus Kristus",
    date(2025, 5, 1): "Hari Buruh",
    date(2025, 5, 12): "Waisak",
    date(2025, 5, 13): "Cuti bersama Waisak",
    date(2025, 5, 29): "Kenaikan Yesus Kristus",
    date(2025, 5, 30): "Cuti bersama Kenaikan",
    date(2025, 6, 6): "Iduladha",
    date(2025, 6, 9): "Cuti bersama Iduladha",
    date(2025, 6, 27): "Tahun Baru Islam",
    date(2025, 9, 5): "Maulid Nabi",
    date(2025, 12, 25): "Hari Raya Natal",
    date(2025, 12, 26): "Cuti bersama Natal",
    date(2026, 1, 1): "Tahun Baru Masehi",
}
SERVICES = (
    ("KTP-el", 15),
    ("Kartu Keluarga", 20),
    ("Kartu Identitas Anak", 15),
    ("Akta Kelahiran", 30),
    ("Akta Kematian", 30),
    ("Surat Pindah", 25),
)
BERAKHLAK = ("berorientasi_pelayanan", "akuntabel", "kompeten", "harmonis", "loyal", "adaptif", "kolaboratif")
COMMENTS = (
    "Petugas ramah, tetapi antrean terlalu lama.",
    "Ruang tunggu panas, mohon tambah kipas.",
    "Persyaratan tidak dijelaskan sejak awal.",
    "Terima kasih, pelayanan cepat.",
)


class BenchError(RuntimeError):
    """Setup went wrong: the benchmark could not run (exit 2)."""


def log(message: str = "") -> None:
    print(message, flush=True)


def peak_rss_mb() -> float:
    """This process's peak resident set size so far (``ru_maxrss`` is in KiB on Linux)."""
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


@dataclass(frozen=True)
class Size:
    responses: int
    tickets: int
    employees: int

    @property
    def label(self) -> str:
        return f"{self.responses:,} responses, {self.tickets:,} tickets, {self.employees:,} employees"


SMALL = Size(20_000, 20_000, 100)
FULL = Size(10_000_000, 10_000_000, 50_000)


# --------------------------------------------------------------------------------------------------------------
# Databases


@dataclass
class Target:
    """A bench database: its URL, a human label, and how to drop it."""

    dialect: str  # "sqlite" | "postgresql"
    url: str
    version: str
    name: str
    conninfo: str = ""  # psycopg connection string of the bench database (PostgreSQL)
    drop: Callable[[], None] = lambda: None


def configured_postgresql() -> str | None:
    """The first of DATABASE_URL and TEST_DATABASE_URL that names a PostgreSQL server."""
    for variable in ("DATABASE_URL", "TEST_DATABASE_URL"):
        url = os.environ.get(variable, "")
        if url.startswith(("postgres://", "postgresql://", "postgresql+psycopg://")):
            return url
    return None


def sqlite_target(path: Path) -> Target:
    return Target(
        "sqlite",
        f"sqlite:///{path}",
        f"SQLite {sqlite3.sqlite_version}",
        str(path),
        drop=lambda: path.unlink(missing_ok=True),
    )


def postgresql_target(server_url: str, database: str, fresh: bool) -> Target:
    """``database`` on the server of ``server_url``, created (again) when ``fresh``; the URL's own database is
    never touched."""
    try:
        pg = postgres.server(server_url)
    except postgres.ServerError as error:
        raise BenchError(str(error)) from None
    if fresh or not pg.exists(database):
        pg.create(database)
    return Target(
        "postgresql",
        pg.database_url(database),
        f"PostgreSQL {pg.version}",
        database,
        conninfo=pg.database_conninfo(database),
        drop=lambda: pg.drop(database),
    )


def app_config(url: str) -> dict[str, Any]:
    return {
        "SQLALCHEMY_DATABASE_URI": url,
        "SECRET_KEY": "bench-scoring",
        "QR_SIGNING_KEY": "bench-scoring",
        "SQLALCHEMY_ENGINE_OPTIONS": {"pool_pre_ping": False},
    }


def migrate(target: Target) -> None:
    """The real schema, by the real migrations (as the test suite does)."""
    from flask_migrate import upgrade

    from feedback_app import create_app
    from feedback_app.extensions import db

    app = create_app(app_config(target.url))
    with app.app_context():
        upgrade()
        db.engine.dispose()


# --------------------------------------------------------------------------------------------------------------
# Writers: COPY on PostgreSQL, executemany on SQLite


class PgWriter:
    """Rows as COPY text; each table streams through its own connection, in one transaction per table."""

    def __init__(self, target: Target) -> None:
        import psycopg

        self.psycopg = psycopg
        self.conninfo = target.conninfo
        self.streams: dict[str, Any] = {}
        self.buffers: dict[str, list[str]] = {}

    @staticmethod
    def timestamp(micros: int | None) -> str | None:
        return None if micros is None else _timestamp(micros, "+00")

    @staticmethod
    def day(value: date) -> str:
        return value.isoformat()

    true, false = "t", "f"

    def open(self, table: str, columns: tuple[str, ...]) -> None:
        stack = ExitStack()
        connection = stack.enter_context(self.psycopg.connect(self.conninfo))
        cursor = stack.enter_context(connection.cursor())
        copy = stack.enter_context(cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN"))
        self.streams[table] = (stack, copy)
        self.buffers[table] = []

    def write(self, table: str, rows: Iterable[tuple]) -> None:
        buffer = self.buffers[table]
        for row in rows:
            buffer.append("\t".join([r"\N" if v is None else str(v) for v in row]))
        if len(buffer) >= 2000:
            self.flush(table)

    def flush(self, table: str) -> None:
        buffer = self.buffers[table]
        if buffer:
            self.streams[table][1].write(("\n".join(buffer) + "\n").encode())
            buffer.clear()

    def close(self, table: str) -> None:
        self.flush(table)
        stack, _copy = self.streams.pop(table)
        stack.close()  # ends the COPY, then commits (psycopg's connection context) and closes

    def spool(self, table: str, path: Path) -> None:
        """COPY a spooled file of COPY text lines into ``table``."""
        columns = path.with_suffix(".columns").read_text().split(",")
        with self.psycopg.connect(self.conninfo) as connection, connection.cursor() as cursor:
            with cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy, path.open("rb") as source:
                while chunk := source.read(1 << 20):
                    copy.write(chunk)
            connection.commit()


class Spool:
    """COPY text lines of one table in a file, loaded once the tables it refers to are committed."""

    def __init__(self, path: Path, columns: tuple[str, ...]) -> None:
        self.path = path
        path.with_suffix(".columns").write_text(",".join(columns))
        self.handle = path.open("w", encoding="utf-8", newline="\n")
        self.buffer: list[str] = []

    def write(self, rows: Iterable[tuple]) -> None:
        for row in rows:
            self.buffer.append("\t".join([r"\N" if v is None else str(v) for v in row]))
        if len(self.buffer) >= 2000:
            self.flush()

    def flush(self) -> None:
        if self.buffer:
            self.handle.write("\n".join(self.buffer) + "\n")
            self.buffer.clear()

    def close(self) -> None:
        self.flush()
        self.handle.close()


class SqliteWriter:
    """Rows through ``executemany`` in chunks, on one connection with foreign keys checked."""

    true, false = 1, 0

    def __init__(self, target: Target) -> None:
        self.connection = sqlite3.connect(target.name)
        self.connection.execute("PRAGMA foreign_keys = ON")
        self.connection.execute("PRAGMA journal_mode = WAL")
        self.statements: dict[str, str] = {}

    @staticmethod
    def timestamp(micros: int | None) -> str | None:
        # SQLAlchemy's SQLite DATETIME storage format: naive UTC with six fraction digits (compared as text).
        return None if micros is None else _timestamp(micros, "", always_fraction=True)

    @staticmethod
    def day(value: date) -> str:
        return value.isoformat()

    def open(self, table: str, columns: tuple[str, ...]) -> None:
        marks = ", ".join("?" for _ in columns)
        self.statements[table] = f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({marks})"

    def write(self, table: str, rows: Iterable[tuple]) -> None:
        self.connection.executemany(self.statements[table], rows)

    def close(self, table: str) -> None:
        self.connection.commit()

    def finish(self) -> None:
        self.connection.commit()
        self.connection.close()


_DAYS: dict[int, str] = {}
_TIMES = [f"{s // 3600:02d}:{s // 60 % 60:02d}:{s % 60:02d}" for s in range(86400)]


def _timestamp(micros: int, suffix: str, always_fraction: bool = False) -> str:
    seconds, fraction = divmod(micros, 1_000_000)
    day, second = divmod(seconds, 86400)
    text = _DAYS.get(day)
    if text is None:
        text = _DAYS[day] = (EPOCH + timedelta(days=day)).isoformat()
    if fraction or always_fraction:
        return f"{text} {_TIMES[second]}.{fraction:06d}{suffix}"
    return f"{text} {_TIMES[second]}{suffix}"


# --------------------------------------------------------------------------------------------------------------
# The synthetic data

COLUMNS = {
    "units": ("id", "name", "slug", "kind", "timezone", "parent_id"),
    "service_types": ("id", "unit_id", "name", "counter_standard_minutes", "completion_standard", "fee_rupiah"),
    "counters": ("id", "unit_id", "public_code", "name", "active", "poster_version"),
    "counter_service_types": ("counter_id", "service_type_id"),
    "employees": ("id", "nip", "name", "employment_type"),
    "employee_assignments": ("id", "employee_id", "unit_id", "position", "supervisor_id", "valid_from", "valid_until"),
    "employee_targets": (
        "id",
        "employee_id",
        "period_id",
        "name",
        "target",
        "realisation",
        "lower_is_better",
        "measure_unit",
    ),
    "behaviour_ratings": (
        "id",
        "employee_id",
        "supervisor_id",
        "period_id",
        *BERAKHLAK,
        "overall",
        "override_reason",
        "feedback",
        "created_at",
    ),
    "holidays": ("day", "name"),
    "counter_assignments": ("id", "counter_id", "employee_id", "starts_at", "ends_at", "source", "created_at"),
    "tickets": (
        "id",
        "unit_id",
        "external_id",
        "counter_id",
        "service_type_id",
        "employee_id",
        "issued_at",
        "called_at",
        "started_at",
        "finished_at",
        "outcome",
        "returned",
    ),
    "survey_responses": (
        "id",
        "unit_id",
        "counter_id",
        "ticket_id",
        "service_type_id",
        "employee_id",
        "counter_assignment_id",
        "attribution_source",
        "channel",
        *UNSUR,
        "comment",
        "respondent_sex",
        "age_band",
        "education",
        "occupation",
        "locale",
        "client_fingerprint",
        "submission_key",
        "status",
        "status_reason",
        "submitted_at",
        "counted_at",
    ),
    "complaints": (
        "id",
        "unit_id",
        "tracking_code",
        "survey_response_id",
        "employee_id",
        "category",
        "received_at",
        "first_response_at",
        "settled_at",
    ),
}
STATIC_TABLES = (
    "units",
    "service_types",
    "counters",
    "counter_service_types",
    "employees",
    "employee_assignments",
    "employee_targets",
    "behaviour_ratings",
    "holidays",
)
#: Tables with a serial id whose sequence must follow the explicit ids (PostgreSQL).
SERIAL_TABLES = (
    "units",
    "service_types",
    "counters",
    "employees",
    "employee_assignments",
    "employee_targets",
    "behaviour_ratings",
    "counter_assignments",
    "tickets",
    "survey_responses",
    "complaints",
)
SEXES = ("L", "P", None)
AGES = ("<=19", "20-29", "30-39", "40-49", "50-59", ">=60", None)
EDUCATIONS = ("SD", "SMP", "SMA", "D1-D4", "S1", "S2+", None)
OCCUPATIONS = ("PNS", "TNI", "POLRI", "Swasta", "Wirausaha", "Lainnya", None)
VALUES = (1, 2, 3, 4)
U4_WEIGHTS = (0.5, 1.5, 8.0, 100.0)  # cumulative: the fee is mostly "Gratis"
SHIFT_START, SHIFT_OPEN = 8 * 3600, 6 * 3600 + 1800  # tickets are issued 08:00-14:30 local


def allocate(total: int, weights: list[float]) -> list[int]:
    """``total`` split in proportion to ``weights``, exactly (largest remainder)."""
    whole = sum(weights)
    shares = [total * w / whole for w in weights]
    counts = [int(s) for s in shares]
    order = sorted(range(len(weights)), key=lambda i: counts[i] - shares[i])
    for i in order[: total - sum(counts)]:
        counts[i] += 1
    return counts


def working_days() -> list[date]:
    days, day = [], SPAN[0]
    while day < SPAN[1]:
        if day.weekday() < 5 and day not in HOLIDAYS:
            days.append(day)
        day += timedelta(days=1)
    return days


def local_micros(day: date, seconds: int) -> int:
    """Epoch microseconds (UTC) of ``seconds`` after local midnight of ``day`` in WIB."""
    return ((day - EPOCH).days * 86400 + seconds - OFFSET) * 1_000_000


class Generator:
    """Deterministic rows for one size and seed; memory stays flat (one employee's rows at a time)."""

    def __init__(self, size: Size, seed: int, writer: Any) -> None:
        self.size, self.seed, self.w = size, seed, writer
        self.counters = max(1, math.ceil(size.employees / 10))
        self.rows: Tally[str] = Tally()
        self.next_id: Tally[str] = Tally()

    def ids(self, table: str) -> int:
        self.next_id[table] += 1
        return self.next_id[table]

    # Counters 1..C and service types 1..6 of unit 1; counter c offers types (c % 6) + 1 and ((c + 3) % 6) + 1.
    @staticmethod
    def types_of(counter: int) -> tuple[int, int]:
        return counter % 6 + 1, (counter + 3) % 6 + 1

    def static_rows(self) -> Iterator[tuple[str, list[tuple]]]:
        w, size = self.w, self.size
        yield "units", [(1, "Disdukcapil Bench", UNIT_SLUG, "dukcapil", ZONE, None)]
        yield (
            "service_types",
            [(i, 1, name, minutes, "Hari yang sama", 0) for i, (name, minutes) in enumerate(SERVICES, 1)],
        )
        yield "counters", [(c, 1, f"B{c:05d}", f"Loket {c}", w.true, 1) for c in range(1, self.counters + 1)]
        yield "counter_service_types", [(c, t) for c in range(1, self.counters + 1) for t in self.types_of(c)]
        yield "holidays", [(w.day(day), name) for day, name in sorted(HOLIDAYS.items())]
        for start in range(1, size.employees + 1, 5000):
            chunk = range(start, min(size.employees, start + 4999) + 1)
            yield "employees", [(e, self.nip(e), f"Pegawai {e}", "PNS") for e in chunk]
            yield (
                "employee_assignments",
                [(e, e, 1, "Petugas loket", None, w.day(date(2020, 1, 1)), None) for e in chunk],
            )
            targets, ratings = [], []
            for e in chunk:
                if e % 5 == 0:  # a fifth of the staff have SKP targets and a rating for the year
                    targets.append(
                        (
                            self.ids("employee_targets"),
                            e,
                            PERIOD,
                            "Berkas selesai",
                            1000,
                            900 + e % 300,
                            w.false,
                            "berkas",
                        )
                    )
                    targets.append(
                        (self.ids("employee_targets"), e, PERIOD, "Menit tunggu", 15, 10 + e % 10, w.true, "menit")
                    )
                    grade = ("sesuai", "di_atas", "sesuai", "di_bawah")[e % 4]
                    ratings.append(
                        (
                            self.ids("behaviour_ratings"),
                            e,
                            None,
                            PERIOD,
                            *([grade] * 7),
                            None,
                            None,
                            None,
                            w.timestamp(local_micros(date(2026, 1, 5), 9 * 3600)),
                        )
                    )
            yield "employee_targets", targets
            yield "behaviour_ratings", ratings

    @staticmethod
    def nip(e: int) -> str:
        """An 18-digit NIP (birth date, appointment month, sex, sequence), unique per employee (spec §5)."""
        birth = date(1970, 1, 1) + timedelta(days=e // 1998)
        sex, sequence = 1 + e // 999 % 2, e % 999 + 1
        return f"{birth:%Y%m%d}{birth.year + 25}03{sex}{sequence:03d}"

    def run(self, emit: Callable[[str, list[tuple]], None]) -> None:
        """Roster, tickets, responses and complaints, day by day in time order (as a real database fills up)."""
        size = self.size
        plan = random.Random(self.seed)
        weights = [0.5 + plan.random() for _ in range(size.employees)]
        unit_only = round(size.responses * 0.03)
        tickets = allocate(size.tickets, weights)
        responses = allocate(size.responses - unit_only, weights)
        pool = working_days()
        # Each employee's shifts: ceil(tickets / 8) working days; its tickets and answers are spread over them.
        working: dict[int, list[tuple[int, int, int]]] = {}  # day index → (employee, tickets, responses)
        qualities: list[list[float]] = []
        for index in range(size.employees):
            rng = random.Random(self.seed * 1_000_003 + index)
            shifts = min(len(pool), max(1, math.ceil(tickets[index] / 8)))
            for k, day in enumerate(sorted(rng.sample(range(len(pool)), shifts))):
                share = (
                    tickets[index] // shifts + (k < tickets[index] % shifts),
                    responses[index] // shifts + (k < responses[index] % shifts),
                )
                working.setdefault(day, []).append((index + 1, *share))
            quality = rng.gauss(0, 1)
            cumulative = [max(0.2, 2 - quality), max(0.5, 8 - 3 * quality), 55.0, max(5.0, 35 + 10 * quality)]
            qualities.append(list(itertools.accumulate(cumulative)))
        unit_days = allocate(unit_only, [1.0] * len(pool))
        started, step, done = time.perf_counter(), max(1, len(pool) // 10), 0
        for day_index, day in enumerate(pool):
            for e, ticket_count, response_count in working.get(day_index, ()):
                rng = random.Random((self.seed * 1_000_003 + e) * 1_000 + day_index)
                self.shift(e, day, ticket_count, response_count, qualities[e - 1], rng, emit)
            rng = random.Random(-(self.seed * 1_000 + day_index))
            emit(
                "survey_responses",
                [
                    self.counter_response(
                        rng, None, 1 + rng.randrange(self.counters), day, None, (1.0, 7.0, 62.0, 100.0)
                    )
                    for _ in range(unit_days[day_index])
                ],
            )
            done += 1
            if size.employees >= 1000 and done % step == 0:
                log(
                    f"    {day}: {self.rows['tickets']:,} tickets, {self.rows['survey_responses']:,} responses "
                    f"({time.perf_counter() - started:.0f} s)"
                )

    def shift(
        self,
        e: int,
        day: date,
        ticket_count: int,
        response_count: int,
        cumulative: list[float],
        rng: random.Random,
        emit: Callable[[str, list[tuple]], None],
    ) -> None:
        """One employee's day at the counter: the roster row, the tickets, the answers, the complaints."""
        w = self.w
        counter = (e - 1) % self.counters + 1
        types = self.types_of(counter)
        rostered = e % 10 != 0  # a tenth of the staff have no roster: working days from finished tickets
        roster_id = None
        if rostered:
            roster_id = self.ids("counter_assignments")
            start = local_micros(day, SHIFT_START)
            emit(
                "counter_assignments",
                [
                    (
                        roster_id,
                        counter,
                        e,
                        w.timestamp(start),
                        w.timestamp(start + 7 * 3600 * 1_000_000),
                        "roster",
                        w.timestamp(start - 7 * 86400 * 1_000_000),
                    )
                ],
            )
        rows, finished = [], []
        for j in range(ticket_count):
            ticket_id = self.ids("tickets")
            issued = local_micros(day, SHIFT_START + rng.randrange(SHIFT_OPEN))
            draw = rng.random()
            outcome = (
                "finished" if draw < 0.91 else "no_show" if draw < 0.96 else "called" if draw < 0.98 else "waiting"
            )
            called = started = done = None
            returned = False
            if outcome != "waiting":
                called = issued + min(int(rng.expovariate(1 / 480)), 10800) * 1_000_000
                if draw < 0.0091:  # some machines send fractions of a second
                    called += rng.randrange(1, 1_000_000)
            if outcome == "finished":
                begun = called
                if rng.random() < 0.9:
                    started = begun = called + rng.randrange(5, 90) * 1_000_000
                done = begun + min(int(rng.lognormvariate(6.29, 0.45)), 7200) * 1_000_000
                returned = rng.random() < 0.04
            served_by = None if rng.random() < 0.01 else e
            service_type = types[j & 1]
            rows.append(
                (
                    ticket_id,
                    1,
                    f"T{ticket_id}",
                    counter,
                    service_type,
                    served_by,
                    w.timestamp(issued),
                    w.timestamp(called),
                    w.timestamp(started),
                    w.timestamp(done),
                    outcome,
                    w.true if returned else w.false,
                )
            )
            if outcome == "finished" and served_by is not None:
                finished.append((ticket_id, done, service_type))
        emit("tickets", rows)

        linked = min(len(finished), round(response_count * 0.6) if rostered else response_count)
        answers, complaints = [], []
        for ticket_id, done, service_type in rng.sample(finished, linked):
            answers.append(
                self.response(
                    rng,
                    e,
                    counter,
                    service_type,
                    ticket_id,
                    None,
                    "ticket",
                    "ticket_qr",
                    done + rng.randrange(30, 1800) * 1_000_000,
                    done,
                    cumulative,
                    complaints,
                    statuses=(0.99, 0.99, 0.995),
                )
            )
        for _ in range(response_count - linked):  # the counter QR; nobody can be named without a roster
            answers.append(
                self.counter_response(rng, e if rostered else None, counter, day, roster_id, cumulative, complaints)
            )
        emit("survey_responses", answers)
        if complaints:
            emit("complaints", complaints)

    def counter_response(
        self,
        rng: random.Random,
        e: int | None,
        counter: int,
        day: date,
        roster_id: int | None,
        cumulative: Any,
        complaints: list | None = None,
    ) -> tuple:
        submitted = local_micros(day, SHIFT_START + rng.randrange(SHIFT_OPEN + 3600)) + rng.randrange(1_000_000)
        source = "roster" if e is not None else ("ambiguous", "none")[rng.random() < 0.5]
        return self.response(
            rng,
            e,
            counter,
            self.types_of(counter)[0],
            None,
            roster_id,
            source,
            "counter_qr",
            submitted,
            submitted,
            cumulative,
            complaints,
            statuses=(0.965, 0.99, 0.995),
        )

    def response(
        self,
        rng: random.Random,
        e: int | None,
        counter: int,
        service_type: int,
        ticket_id: int | None,
        roster_id: int | None,
        source: str,
        channel: str,
        submitted: int,
        counted: int,
        cumulative: Any,
        complaints: list | None,
        statuses: tuple[float, float, float],
    ) -> tuple:
        w = self.w
        rid = self.ids("survey_responses")
        answers = rng.choices(VALUES, cum_weights=cumulative, k=9)
        answers[3] = rng.choices(VALUES, cum_weights=U4_WEIGHTS)[0]
        draw = rng.random()
        status, reason = "valid", None
        if draw >= statuses[0]:
            status = "duplicate" if draw < statuses[1] else "flagged" if draw < statuses[2] else "excluded"
            reason = None if status == "duplicate" else "Diperiksa moderator"
        comment = COMMENTS[rid % 4] if rid % 100 == 7 else None
        fingerprint = rid - 1 if status == "duplicate" else rid  # a repeat from the browser of the answer before
        if comment and complaints is not None and rid % 500 == 7:
            answered = None if rid % 5000 == 7 else submitted + rng.randrange(3600, 6 * 86400) * 1_000_000
            complaint_id = self.ids("complaints")
            complaints.append(
                (
                    complaint_id,
                    1,
                    f"LPR{complaint_id:08d}",
                    rid,
                    e,
                    "complaint",
                    w.timestamp(submitted),
                    w.timestamp(answered),
                    None,
                )
            )
        return (
            rid,
            1,
            counter,
            ticket_id,
            service_type,
            e,
            roster_id,
            source,
            channel,
            *answers,
            comment,
            SEXES[rid % 3],
            AGES[rid % 7],
            EDUCATIONS[rid // 7 % 7],
            OCCUPATIONS[rid // 49 % 7],
            "id",
            f"{fingerprint:032x}",
            f"b{rid}",
            status,
            reason,
            w.timestamp(submitted),
            w.timestamp(counted),
        )


def generate(target: Target, size: Size, seed: int, workdir: Path) -> tuple[Tally[str], dict[str, float]]:
    """Fill the bench database; returns row counts per table and the times of each step."""
    times: dict[str, float] = {}
    started = time.perf_counter()
    if target.dialect == "postgresql":
        writer: Any = PgWriter(target)
        generator = Generator(size, seed, writer)
        static: dict[str, list[tuple]] = {table: [] for table in STATIC_TABLES}  # M rows, not N
        for table, rows in generator.static_rows():
            static[table].extend(rows)
            generator.rows[table] += len(rows)
        for table in STATIC_TABLES:  # one after the other: each refers to the ones before
            writer.open(table, COLUMNS[table])
            writer.write(table, static.pop(table))
            writer.close(table)
        # Roster and tickets stream straight into COPY; responses and complaints refer to them, so they are
        # spooled to files and copied once the roster and tickets are committed. The big tables' secondary
        # indexes, unique and foreign-key constraints are dropped for the load and created again after it (the
        # constraints are checked then, in one pass each): the same schema, loaded in minutes instead of hours.
        recreate = drop_for_bulk_load(target)
        spools = {
            table: Spool(workdir / f"{table}.copy", COLUMNS[table]) for table in ("survey_responses", "complaints")
        }
        for table in ("counter_assignments", "tickets"):
            writer.open(table, COLUMNS[table])

        def emit(table: str, rows: list[tuple]) -> None:
            generator.rows[table] += len(rows)
            if table in spools:
                spools[table].write(rows)
            else:
                writer.write(table, rows)

        generator.run(emit)
        for spool in spools.values():
            spool.close()
        for table in ("counter_assignments", "tickets"):
            writer.close(table)
        times["generate + COPY roster and tickets"] = time.perf_counter() - started
        mark = time.perf_counter()
        for table, spool in spools.items():
            writer.spool(table, spool.path)
            spool.path.unlink()
        times["COPY responses and complaints"] = time.perf_counter() - mark
        mark = time.perf_counter()
        import psycopg

        with psycopg.connect(target.conninfo, autocommit=True) as connection:
            connection.execute("SET maintenance_work_mem = '1GB'")
            for statement in recreate:
                connection.execute(statement)
        times["indexes and constraints"] = time.perf_counter() - mark
        mark = time.perf_counter()
        with psycopg.connect(target.conninfo, autocommit=True) as connection:
            for table in SERIAL_TABLES:
                connection.execute(
                    f"SELECT setval(pg_get_serial_sequence('{table}', 'id'), "
                    f"(SELECT coalesce(max(id), 1) FROM {table}))"
                )
            connection.execute("VACUUM (ANALYZE)")
        times["VACUUM (ANALYZE)"] = time.perf_counter() - mark
    else:
        writer = SqliteWriter(target)
        generator = Generator(size, seed, writer)
        for table in COLUMNS:
            writer.open(table, COLUMNS[table])
        for table, rows in generator.static_rows():
            writer.write(table, rows)
            generator.rows[table] += len(rows)
        pending: dict[str, list[tuple]] = {
            table: [] for table in ("counter_assignments", "tickets", "survey_responses", "complaints")
        }

        def flush() -> None:
            for table, rows in pending.items():  # in foreign-key order
                writer.write(table, rows)
                rows.clear()

        def emit(table: str, rows: list[tuple]) -> None:
            generator.rows[table] += len(rows)
            pending[table].extend(rows)
            if len(pending["survey_responses"]) + len(pending["tickets"]) >= 20_000:
                flush()

        generator.run(emit)
        flush()
        writer.connection.execute("ANALYZE")
        writer.finish()
        times["generate + INSERT"] = time.perf_counter() - started
    return generator.rows, times


BULK_TABLES = ("counter_assignments", "tickets", "survey_responses", "complaints")


def drop_for_bulk_load(target: Target) -> list[str]:
    """Drop the bulk tables' foreign-key and unique constraints and secondary indexes (PostgreSQL); returns the
    statements that create them again, exactly as the migrations defined them (names and definitions)."""
    import psycopg

    drop, create_indexes, create_constraints = [], [], []
    with psycopg.connect(target.conninfo, autocommit=True) as connection:
        constraints = connection.execute(
            "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid), contype FROM pg_constraint "
            "WHERE conrelid::regclass::text = ANY(%s) AND contype IN ('f', 'u') ORDER BY contype DESC, conname",
            [list(BULK_TABLES)],
        ).fetchall()
        indexes = connection.execute(
            "SELECT indexname, indexdef FROM pg_indexes WHERE tablename = ANY(%s) AND indexname NOT IN "
            "(SELECT conname FROM pg_constraint WHERE contype IN ('p', 'u'))",
            [list(BULK_TABLES)],
        ).fetchall()
        for table, name, definition, _kind in constraints:  # unique ones first, then foreign keys
            drop.insert(0, f"ALTER TABLE {table} DROP CONSTRAINT {name}")  # dropped the other way round
            create_constraints.append(f"ALTER TABLE {table} ADD CONSTRAINT {name} {definition}")
        for name, definition in indexes:
            drop.append(f"DROP INDEX {name}")
            create_indexes.append(definition)
        for statement in drop:
            connection.execute(statement)
    return create_indexes + create_constraints


def stored_meta(target: Target) -> dict[str, Any] | None:
    """What a kept database was generated with (``--reuse``), or None."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(target.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return json.loads(connection.execute(text("SELECT meta FROM bench_scoring_meta")).scalar_one())
    except Exception:
        return None
    finally:
        engine.dispose()


def forget_runs(target: Target) -> None:
    """Remove the score runs earlier benchmarks stored, so a reused database starts like a fresh one."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(target.url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("DELETE FROM score_indicators"))
            connection.execute(text("UPDATE score_runs SET superseded_by_id = NULL"))
            connection.execute(text("DELETE FROM score_runs"))
        if target.dialect == "postgresql":
            with engine.connect().execution_options(isolation_level="AUTOCOMMIT") as connection:
                connection.execute(text("VACUUM (ANALYZE) score_indicators, score_runs"))
    finally:
        engine.dispose()


def store_meta(target: Target, meta: dict[str, Any]) -> None:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(target.url, poolclass=NullPool)
    try:
        with engine.begin() as connection:
            connection.execute(text("CREATE TABLE IF NOT EXISTS bench_scoring_meta (meta TEXT NOT NULL)"))
            connection.execute(text("DELETE FROM bench_scoring_meta"))
            connection.execute(text("INSERT INTO bench_scoring_meta (meta) VALUES (:meta)"), {"meta": json.dumps(meta)})
    finally:
        engine.dispose()


# --------------------------------------------------------------------------------------------------------------
# The score run, in a child process


def child_main(url: str, period_code: str, explain: bool) -> int:
    """Run ``compute_score_run`` once and print one JSON line with the timings (``--child``)."""
    baseline = peak_rss_mb()
    from sqlalchemy import event, func, select

    from feedback_app import create_app
    from feedback_app.clock import clock
    from feedback_app.extensions import db
    from feedback_app.models import ScoreIndicator, Unit
    from feedback_app.services import statistics
    from feedback_app.services.score_runs import compute, rows
    from scoring import parse_period

    app = create_app(app_config(url))
    calls: list[tuple[str, float]] = []
    statements: list[dict[str, Any]] = []
    current: list[str] = ["compute_score_run"]
    recording = [True]  # emptied once the run is committed: what follows is the benchmark's own

    def timed(name: str, function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            label = name + (f"({args[2]!r})" if name == "service_time_stats" and len(args) > 2 else "")
            current.append(label)
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                calls.append((label, time.perf_counter() - started))
                current.pop()

        return wrapper

    for attribute in dir(compute):  # every statistics function the run calls, and its own input readers
        value = getattr(compute, attribute)
        if callable(value) and getattr(value, "__module__", "") == statistics.__name__ and not isinstance(value, type):
            setattr(compute, attribute, timed(attribute, value))
    for attribute in ("_employees_of", "_targets", "_ratings", "unit_parameters"):
        setattr(compute, attribute, timed(attribute, getattr(compute, attribute)))
    writing = [0.0]  # the indicator rows handed to the database (COPY or INSERT), ending the COPY included

    def writes(function: Callable[..., Any]) -> Callable[..., Any]:
        def wrapper(*args: Any, **kwargs: Any) -> Any:
            started = time.perf_counter()
            try:
                return function(*args, **kwargs)
            finally:
                writing[0] += time.perf_counter() - started

        return wrapper

    for attribute in ("add_rows", "flush", "__exit__"):
        setattr(rows.IndicatorRows, attribute, writes(getattr(rows.IndicatorRows, attribute)))

    with app.app_context():
        clock.set(NOW)
        engine = db.engine

        @event.listens_for(engine, "before_cursor_execute")
        def before(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            conn.info["bench_started"] = time.perf_counter()

        @event.listens_for(engine, "after_cursor_execute")
        def after(conn: Any, cursor: Any, statement: str, parameters: Any, context: Any, many: bool) -> None:
            if not recording:
                return
            select = not many and statement.lstrip().upper().startswith(("SELECT", "WITH"))
            statements.append(
                {
                    "caller": current[-1],
                    "seconds": time.perf_counter() - conn.info["bench_started"],
                    "sql": statement if select else statement[:300],
                    "parameters": parameters if explain and select else None,
                    "rows": cursor.rowcount,
                    "many": many,
                }
            )

        unit = db.session.scalar(select(Unit).where(Unit.slug == UNIT_SLUG))
        period = parse_period(period_code)
        db.session.commit()  # the unit is loaded: the timed part starts from a clean transaction
        steps: list[tuple[str, float]] = []
        before_run = peak_rss_mb()
        started = time.perf_counter()
        run = compute.compute_score_run(
            unit, period, "bench", progress=lambda name: steps.append((name, time.perf_counter()))
        )
        computed = time.perf_counter()
        run_id = run.id
        input_counts = dict(run.input_counts)
        db.session.commit()
        finished = time.perf_counter()
        phases, previous = {}, started
        for name, at in steps:
            phases[name] = at - previous
            previous = at
        phases["commit"] = finished - computed
        recording.clear()
        indicator_rows = db.session.scalar(
            select(func.count()).select_from(ScoreIndicator).where(ScoreIndicator.run_id == run_id)
        )
        plans = explain_statements(db, statements) if explain else []
    result = {
        "run_id": run_id,
        "seconds": finished - started,
        "phases": phases,
        "calls": calls,
        "writing_seconds": writing[0],
        "statements": [
            {k: v for k, v in s.items() if k != "parameters"} | {"sql": s["sql"][:3000]} for s in statements
        ],
        "rss_baseline_mb": baseline,
        "rss_before_run_mb": before_run,
        "rss_peak_mb": peak_rss_mb(),
        "input_counts": input_counts,
        "indicator_rows": indicator_rows,
        "plans": plans,
    }
    print("BENCH-RESULT " + json.dumps(result, default=str))
    return 0


def explain_statements(db: Any, statements: list[dict[str, Any]]) -> list[dict[str, str]]:
    """EXPLAIN (ANALYZE, BUFFERS) of the run's SELECT statements (PostgreSQL only), for profiling."""
    if db.engine.dialect.name != "postgresql":
        return []
    plans = []
    with db.engine.connect() as connection:
        raw = connection.connection.dbapi_connection
        for statement in statements:
            if statement["parameters"] is None:
                continue
            with raw.cursor() as cursor:
                cursor.execute("EXPLAIN (ANALYZE, BUFFERS) " + statement["sql"], statement["parameters"])
                plan = "\n".join(row[0] for row in cursor.fetchall())
            plans.append({"caller": statement["caller"], "plan": plan})
        raw.rollback()
    return plans


def other_processes(
    before: dict[int, Process], after: dict[int, Process], database: str
) -> tuple[float, list[tuple[str, float]]]:
    """CPU-seconds other long-lived processes used in between: not this one, not the bench database's backends,
    not the server's own processes (WAL writer, checkpointer...), which work for the run too."""
    used: list[tuple[str, float]] = []
    for pid, process in after.items():
        command = process.command
        if pid == os.getpid() or pid not in before or database in command or "parallel worker" in command:
            continue
        if command.startswith("postgres: ") and not _client_backend(command):
            continue
        delta = process.cpu_seconds - before[pid].cpu_seconds
        if delta > 0.05:
            used.append((command, delta))
    used.sort(key=lambda item: -item[1])
    return sum(delta for _command, delta in used), used[:3]


def _client_backend(command: str) -> bool:
    """A PostgreSQL backend serving a client ("postgres: USER DATABASE HOST(PORT) STATE")."""
    return "(" in command and ")" in command.partition("(")[2]


@dataclass
class RunResult:
    period: str
    seconds: float
    phases: dict[str, float]
    calls: list[tuple[str, float]]
    statements: list[dict[str, Any]]
    rss_baseline_mb: float
    rss_before_run_mb: float
    rss_peak_mb: float
    input_counts: dict[str, Any]
    run_id: int
    plans: list[dict[str, str]]
    indicator_rows: int = 0
    writing_seconds: float = 0.0  # handing the indicator rows to the database, within the scoring phase
    other_cpu_seconds: float = 0.0  # CPU other processes used on the machine meanwhile (noise)
    busiest_others: list[tuple[str, float]] = field(default_factory=list)
    wall_seconds: float = 0.0  # the child process from start to exit

    def noise(self) -> str:
        """A note when other processes used more than 5 % of the machine while the run was timed."""
        share = self.other_cpu_seconds / ((os.cpu_count() or 1) * max(self.wall_seconds, 1e-9))
        if share < 0.05:
            return ""
        busiest = ", ".join(f"`{command}` {cpu:.1f} CPU-s" for command, cpu in self.busiest_others)
        return (
            f"other processes used {self.other_cpu_seconds:.1f} CPU-s ({share:.0%} of the machine) meanwhile: {busiest}"
        )


def time_score_run(target: Target, period: str, explain: bool = False) -> RunResult:
    command = [sys.executable, str(Path(__file__).resolve()), "--child", target.url, "--child-period", period]
    if explain:
        command.append("--explain")
    env = {k: v for k, v in os.environ.items() if k not in ("DATABASE_URL", "FLASK_APP")}
    before, started = processes(commands=True), time.perf_counter()
    completed = subprocess.run(command, cwd=ROOT, env=env, capture_output=True, text=True)
    wall, after = time.perf_counter() - started, processes(commands=True)
    line = next((l for l in completed.stdout.splitlines() if l.startswith("BENCH-RESULT ")), None)
    if completed.returncode != 0 or line is None:
        raise BenchError(
            f"the score run failed (exit {completed.returncode}):\n{completed.stdout[-3000:]}\n"
            f"{completed.stderr[-6000:]}"
        )
    data = json.loads(line[len("BENCH-RESULT ") :])
    other, busiest = other_processes(before, after, target.name)
    return RunResult(period=period, other_cpu_seconds=other, busiest_others=busiest, wall_seconds=wall, **data)


# --------------------------------------------------------------------------------------------------------------
# The floor: the same rows exported, loaded into DuckDB, aggregated there

EXPORTS = {
    # name: (columns with DuckDB types, PostgreSQL select, SQLite select)
    "responses": (
        {"employee_id": "INTEGER", "status": "VARCHAR", **{u: "INTEGER" for u in UNSUR}, "counted_s": "BIGINT"},
        "SELECT employee_id, status, {answers}, {s_counted} FROM survey_responses WHERE unit_id = {unit}",
    ),
    "tickets": (
        {
            "employee_id": "INTEGER",
            "service_type_id": "INTEGER",
            "outcome": "VARCHAR",
            "returned": "BOOLEAN",
            "issued_s": "BIGINT",
            "called_s": "BIGINT",
            "started_s": "BIGINT",
            "finished_s": "BIGINT",
        },
        "SELECT employee_id, service_type_id, outcome, {returned}, {s_issued}, {s_called}, {s_started}, "
        "{s_finished} FROM tickets WHERE unit_id = {unit}",
    ),
    "service_types": (
        {"id": "INTEGER", "counter_standard_minutes": "INTEGER"},
        "SELECT id, counter_standard_minutes FROM service_types WHERE unit_id = {unit}",
    ),
    "roster": (
        {"employee_id": "INTEGER", "starts_s": "BIGINT"},
        "SELECT a.employee_id, {s_starts} FROM counter_assignments a JOIN counters c ON c.id = a.counter_id "
        "WHERE c.unit_id = {unit}",
    ),
    "complaints": (
        {"employee_id": "INTEGER", "received_s": "BIGINT", "answered_s": "BIGINT"},
        "SELECT employee_id, {s_received}, {s_answered} FROM complaints WHERE unit_id = {unit}",
    ),
}


def _export_sql(template: str, dialect: str, unit_id: int) -> str:
    def seconds(column: str) -> str:
        if dialect == "postgresql":
            return f"floor(extract(epoch FROM {column}))::bigint"
        return f"CAST(strftime('%s', {column}) AS INTEGER)"

    return template.format(
        unit=unit_id,
        answers=", ".join(UNSUR),
        returned="returned",
        s_counted=seconds("counted_at"),
        s_issued=seconds("issued_at"),
        s_called=seconds("called_at"),
        s_started=seconds("started_at"),
        s_finished=seconds("finished_at"),
        s_starts=seconds("a.starts_at"),
        s_received=seconds("received_at"),
        s_answered=seconds("first_response_at"),
    )


def unit_id_of(target: Target) -> int:
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    engine = create_engine(target.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            return int(connection.execute(text("SELECT id FROM units WHERE slug = :s"), {"s": UNIT_SLUG}).scalar_one())
    finally:
        engine.dispose()


def export_csv(target: Target, workdir: Path) -> tuple[dict[str, Path], float, int]:
    """Every row the run reads, as CSV files (header, empty = NULL); returns the paths, the time, the bytes."""
    unit_id = unit_id_of(target)
    paths = {name: workdir / f"{name}.csv" for name in EXPORTS}
    started = time.perf_counter()
    if target.dialect == "postgresql":
        import psycopg

        with psycopg.connect(target.conninfo) as connection, connection.cursor() as cursor:
            for name, (_columns, template) in EXPORTS.items():
                sql = _export_sql(template, "postgresql", unit_id)
                with paths[name].open("wb") as out, cursor.copy(f"COPY ({sql}) TO STDOUT (FORMAT csv, HEADER)") as copy:
                    for chunk in copy:
                        out.write(chunk)
    else:
        connection = sqlite3.connect(target.name)
        try:
            for name, (columns, template) in EXPORTS.items():
                cursor = connection.execute(_export_sql(template, "sqlite", unit_id))
                with paths[name].open("w", newline="") as out:
                    writer = csv.writer(out)
                    writer.writerow(columns)
                    while rows := cursor.fetchmany(10_000):
                        writer.writerows(["" if v is None else v for v in row] for row in rows)
        finally:
            connection.close()
    elapsed = time.perf_counter() - started
    return paths, elapsed, sum(path.stat().st_size for path in paths.values())


@dataclass
class Floor:
    load_seconds: float
    aggregate_seconds: float
    per_query: dict[str, float]
    satisfaction: dict[int | None, tuple[int, ...]]  # employee (None = unit only) → n, 36 counts, 4 sums
    statuses: dict[str, int]
    tickets: dict[int | None, tuple[int, ...]]  # employee → issued, finished, no_show, returned, on_time
    percentiles: dict[tuple[str, int | None], tuple[int, int, int]]  # (measure, employee or -1 unit) → n, p50, p90
    staffed_days: dict[int | None, int]
    finished_days: dict[int | None, int]
    complaints: dict[int | None, tuple[int, int]]  # employee → complaints, answered
    complaint_medians: dict[int | None, int]
    rss_mb: float = 0.0


UNIT_KEY = -1  # the key under which the floor keeps the unit's own figures


def duckdb_floor(paths: dict[str, Path], start_s: int, end_s: int, staffed_until_s: int) -> Floor:
    """Load the CSV files into DuckDB tables, then aggregate them as the app does; both timed."""
    import duckdb

    connection = duckdb.connect()
    started = time.perf_counter()
    for name, (columns, _template) in EXPORTS.items():
        types = ", ".join(f"'{column}': '{kind}'" for column, kind in columns.items())
        connection.execute(
            f"CREATE TABLE {name} AS SELECT * FROM read_csv('{paths[name]}', header = true, "
            f"columns = {{{types}}}, nullstr = '')"
        )
    load = time.perf_counter() - started

    window = f"BETWEEN {start_s} AND {end_s - 1}"
    counts = ", ".join(f"count(*) FILTER ({u} = {v})" for u in UNSUR for v in VALUES)
    ikm, ikp = " + ".join(UNSUR), " + ".join(IKP)
    finished = "outcome = 'finished' AND finished_s IS NOT NULL"
    queries = {
        "satisfaction": f"SELECT employee_id, count(*), {counts}, sum({ikm}), sum(({ikm}) * ({ikm})), sum({ikp}), "
        f"sum(({ikp}) * ({ikp})) FROM responses WHERE status = 'valid' AND counted_s {window} "
        "GROUP BY employee_id",
        "statuses": f"SELECT status, count(*) FROM responses WHERE counted_s {window} GROUP BY status",
        "ticket counts": "SELECT employee_id, count(*), count(*) FILTER (f), count(*) FILTER (outcome = 'no_show'), "
        "count(*) FILTER (f AND returned), count(*) FILTER (f AND finished_s - issued_s <= "
        "60 * counter_standard_minutes) FROM (SELECT *, " + finished + " AS f FROM tickets JOIN "
        f"service_types s ON s.id = service_type_id WHERE issued_s {window}) GROUP BY employee_id",
        "percentiles": "WITH d AS (SELECT employee_id, 'wait' AS measure, called_s - issued_s AS s FROM tickets "
        f"WHERE issued_s {window} AND called_s IS NOT NULL AND called_s - issued_s >= 0 UNION ALL "
        "SELECT employee_id, 'service', finished_s - coalesce(started_s, called_s) FROM tickets "
        f"WHERE issued_s {window} AND {finished} AND coalesce(started_s, called_s) IS NOT NULL "
        "AND finished_s - coalesce(started_s, called_s) >= 0) "
        "SELECT measure, employee_id, count(*), quantile_disc(s, [0.5, 0.9]) FROM d "
        f"GROUP BY measure, employee_id UNION ALL SELECT measure, {UNIT_KEY}, count(*), "
        "quantile_disc(s, [0.5, 0.9]) FROM d GROUP BY measure",
        "working days": f"SELECT employee_id, count(DISTINCT (starts_s + {OFFSET}) // 86400) FROM roster "
        f"WHERE starts_s >= {start_s} AND starts_s < {staffed_until_s} GROUP BY employee_id "
        f"UNION ALL SELECT {UNIT_KEY}, count(DISTINCT (starts_s + {OFFSET}) // 86400) FROM roster "
        f"WHERE starts_s >= {start_s} AND starts_s < {staffed_until_s}",
        "finished days": f"SELECT employee_id, count(DISTINCT (finished_s + {OFFSET}) // 86400) FROM tickets "
        f"WHERE issued_s {window} AND {finished} GROUP BY employee_id UNION ALL "
        f"SELECT {UNIT_KEY}, count(DISTINCT (finished_s + {OFFSET}) // 86400) FROM tickets "
        f"WHERE issued_s {window} AND {finished}",
        "complaints": "SELECT employee_id, count(*), count(*) FILTER (answered_s IS NOT NULL AND answered_s >= "
        f"received_s) FROM complaints WHERE received_s {window} GROUP BY employee_id",
        "complaint medians": "WITH d AS (SELECT employee_id, answered_s - received_s AS s FROM complaints WHERE "
        f"received_s {window} AND answered_s IS NOT NULL AND answered_s >= received_s) "
        "SELECT employee_id, quantile_disc(s, 0.5) FROM d GROUP BY employee_id UNION ALL "
        f"SELECT {UNIT_KEY}, quantile_disc(s, 0.5) FROM d",
    }
    results, per_query = {}, {}
    started = time.perf_counter()
    for name, sql in queries.items():
        mark = time.perf_counter()
        results[name] = connection.execute(sql).fetchall()
        per_query[name] = time.perf_counter() - mark
    aggregate = time.perf_counter() - started
    connection.close()
    return Floor(
        load_seconds=load,
        aggregate_seconds=aggregate,
        per_query=per_query,
        satisfaction={row[0]: tuple(int(x) for x in row[1:]) for row in results["satisfaction"]},
        statuses={status: int(n) for status, n in results["statuses"]},
        tickets={row[0]: tuple(int(x) for x in row[1:]) for row in results["ticket counts"]},
        percentiles={
            (measure, key): (int(n), int(p50), int(p90)) for measure, key, n, (p50, p90) in results["percentiles"]
        },
        staffed_days={key: int(days) for key, days in results["working days"] if days},
        finished_days={key: int(days) for key, days in results["finished days"]},
        complaints={key: (int(n), int(answered)) for key, n, answered in results["complaints"]},
        complaint_medians={key: int(median) for key, median in results["complaint medians"] if median is not None},
    )


# --------------------------------------------------------------------------------------------------------------
# Verification: the stored run equals the floor's aggregation, exactly


def two_places(exact: Fraction) -> Fraction:
    """Round half up to 2 decimals (spec §1.3), written independently of scoring."""
    return Fraction(math.floor(exact * 100 + Fraction(1, 2)), 100)


def floor_expectations(floor: Floor) -> tuple[dict[int | None, dict[str, dict[str, Any]]], Fraction | None, int]:
    """Per employee (None: the unit), per indicator code, the explanation inputs the app must have stored; and the
    unit IKM with its n."""
    expected: dict[int | None, dict[str, dict[str, Any]]] = {}

    def satisfaction(key: int | None, numbers: tuple[int, ...]) -> None:
        n, counts, (ikm_sum, ikm_sq, ikp_sum, ikp_sq) = numbers[0], numbers[1:37], numbers[37:]
        table = {u.upper(): list(counts[4 * i : 4 * i + 4]) for i, u in enumerate(UNSUR)}
        ikm = (
            {"n": n, "counts": table}
            if key is None
            else {"n": n, "counts": table, "raw_sum": ikm_sum, "raw_sum_sq": ikm_sq}
        )
        expected.setdefault(key, {})["ikm"] = ikm
        expected[key]["ikp"] = {
            "n": n,
            "counts": {u.upper(): table[u.upper()] for u in IKP},
            "raw_sum": ikp_sum,
            "raw_sum_sq": ikp_sq,
        }

    def service(key: int | None, counts: tuple[int, ...], wait: tuple, times: tuple, days: int) -> None:
        issued, done, no_show, returned, on_time = counts
        expected.setdefault(key, {}).update(
            {
                "wait_median_minutes": {"wait_n": wait[0], "wait_p50_seconds": wait[1]},
                "wait_p90_minutes": {"wait_n": wait[0], "wait_p90_seconds": wait[2]},
                "service_median_minutes": {"service_n": times[0], "service_p50_seconds": times[1]},
                "service_p90_minutes": {"service_n": times[0], "service_p90_seconds": times[2]},
                "on_time_rate": {"tickets_on_time": on_time, "tickets_finished": done},
                "tickets_per_working_day": {"tickets_finished": done, "working_days": days},
                "no_show_rate": {"tickets_no_show": no_show, "tickets_issued": issued},
                "error_rate": {"tickets_returned": returned, "tickets_finished": done},
            }
        )

    def complaints(key: int | None, count: int, answered: int, median: int | None) -> None:
        expected.setdefault(key, {})["first_response_median_hours"] = {
            "answered": answered,
            "first_response_median_seconds": median,
        }
        expected[key]["complaints"] = {"complaints": count}

    none = (0, None, None)
    for employee, numbers in floor.satisfaction.items():
        if employee is not None:
            satisfaction(employee, numbers)
    for employee, counts in floor.tickets.items():
        if employee is not None:
            days = floor.staffed_days.get(employee) or floor.finished_days.get(employee, 0)
            service(
                employee,
                counts,
                floor.percentiles.get(("wait", employee), none),
                floor.percentiles.get(("service", employee), none),
                days,
            )
    for employee, (count, answered) in floor.complaints.items():
        if employee is not None:
            complaints(employee, count, answered, floor.complaint_medians.get(employee))

    unit_n = sum(numbers[0] for numbers in floor.satisfaction.values())
    unit_ikm = None
    if unit_n:  # the unit: every valid response, also those attributed to nobody
        satisfaction(None, tuple(map(sum, zip(*floor.satisfaction.values()))))
        total = sum(numbers[37] for numbers in floor.satisfaction.values())  # Σ of all nine answers
        unit_ikm = two_places(Fraction(25 * total, 9 * unit_n))  # 25 × Σᵢ (1/9)·NRRᵢ with NRRᵢ = Σᵢ / n
    if floor.tickets:
        days = floor.staffed_days.get(UNIT_KEY) or floor.finished_days.get(UNIT_KEY, 0)
        service(
            None,
            tuple(map(sum, zip(*floor.tickets.values()))),
            floor.percentiles.get(("wait", UNIT_KEY), none),
            floor.percentiles.get(("service", UNIT_KEY), none),
            days,
        )
    if floor.complaints:
        count, answered = map(sum, zip(*floor.complaints.values()))
        complaints(None, count, answered, floor.complaint_medians.get(UNIT_KEY))
    return expected, unit_ikm, unit_n


CHECKED_CODES = (
    "ikm",
    "ikp",
    "wait_median_minutes",
    "wait_p90_minutes",
    "service_median_minutes",
    "service_p90_minutes",
    "on_time_rate",
    "tickets_per_working_day",
    "no_show_rate",
    "error_rate",
    "first_response_median_hours",
    "answered_within_3_working_days_rate",
)


def verify(target: Target, run: RunResult, floor: Floor) -> tuple[list[str], dict[str, Any]]:
    """Compare the stored run with the floor; returns the problems (empty = equal) and a few figures to show."""
    from sqlalchemy import create_engine, text
    from sqlalchemy.pool import NullPool

    expected, unit_ikm, unit_n = floor_expectations(floor)
    problems: list[str] = []
    shown: dict[str, Any] = {}
    seen: set[int] = set()
    engine = create_engine(target.url, poolclass=NullPool)
    try:
        with engine.connect() as connection:
            unit_row = connection.execute(
                text(
                    "SELECT value, n, explanation FROM score_indicators WHERE run_id = :r AND employee_id IS NULL "
                    "AND code = 'ikm'"
                ),
                {"r": run.run_id},
            ).one()
            value = None if unit_row.value is None else Fraction(str(unit_row.value))
            shown["unit_ikm_app"] = None if value is None else f"{float(value):.2f}"
            shown["unit_ikm_floor"] = None if unit_ikm is None else f"{float(unit_ikm):.2f}"
            shown["unit_ikm_app_exact"] = None if value is None else str(value)
            shown["unit_ikm_floor_exact"] = None if unit_ikm is None else str(unit_ikm)
            shown["unit_n"] = unit_n
            if value != unit_ikm or unit_row.n != unit_n:
                problems.append(f"unit IKM: app {value} (n {unit_row.n}), DuckDB {unit_ikm} (n {unit_n})")
            if run.input_counts.get("responses_by_status") != dict(sorted(floor.statuses.items())):
                problems.append(
                    f"status counts: app {run.input_counts.get('responses_by_status')}, DuckDB {floor.statuses}"
                )
            codes = ", ".join(f"'{code}'" for code in CHECKED_CODES)
            result = connection.execution_options(stream_results=True, yield_per=20_000).execute(
                text(
                    f"SELECT employee_id, code, explanation FROM score_indicators WHERE run_id = :r "
                    f"AND code IN ({codes})"
                ),
                {"r": run.run_id},
            )
            checked = 0
            for employee_id, code, explanation in result:
                if isinstance(explanation, str):
                    explanation = json.loads(explanation)
                seen.add(employee_id)
                inputs = dict(explanation.get("explanation", {}).get("inputs", {}))
                if employee_id is None and code == "ikm" and inputs.get("n") == 0:
                    inputs = {}  # the unit's IKM without responses: not available
                want = expected.get(employee_id, {})
                if code == "answered_within_3_working_days_rate":
                    got = {"complaints": inputs.get("complaints")} if inputs else None
                    wanted = want.get("complaints")
                else:
                    wanted = want.get(code)
                    got = {key: inputs.get(key) for key in wanted} if wanted and inputs else (inputs or None)
                    if wanted is not None and code in ("ikm", "ikp") and wanted["n"] == 0:
                        wanted = None
                    if got is not None and code in ("ikm", "ikp") and got.get("n") == 0:
                        got = None
                if got != wanted:
                    who = "the unit" if employee_id is None else f"employee {employee_id}"
                    if len(problems) < 8:
                        problems.append(f"{who} {code}: app {got}, DuckDB {wanted}")
                    else:
                        problems.append("...")
                        break
                checked += 1
            shown["figures_checked"] = checked
            missing = [e for e in expected if e not in seen and e is not None]
            if missing:
                problems.append(
                    f"{len(missing)} employees have figures in DuckDB but none in the run, e.g. {missing[:3]}"
                )
            employees = sorted(e for e in seen if e is not None)
            sample = employees[:: max(1, len(employees) // 3)][:3]
            shown["sample"] = {
                e: {
                    "n": expected.get(e, {}).get("ikm", {}).get("n"),
                    "wait_p50_s": expected.get(e, {}).get("wait_median_minutes", {}).get("wait_p50_seconds"),
                    "service_p90_s": expected.get(e, {}).get("service_p90_minutes", {}).get("service_p90_seconds"),
                }
                for e in sample
            }
    finally:
        engine.dispose()
    return problems, shown


# --------------------------------------------------------------------------------------------------------------
# One size, end to end


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


# --------------------------------------------------------------------------------------------------------------
# Report


def machine() -> str:
    model = ""
    try:
        model = next(
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        )
    except (OSError, StopIteration):
        pass
    memory = ""
    try:
        kib = int(
            next(
                line.split()[1]
                for line in Path("/proc/meminfo").read_text().splitlines()
                if line.startswith("MemTotal")
            )
        )
        memory = f", {kib / 1024 / 1024:.0f} GiB RAM"
    except (OSError, StopIteration, ValueError):
        pass
    return (
        f"{os.cpu_count()} CPU(s){f' ({model})' if model else ''}{memory}, {platform.system()} "
        f"{platform.release()}, Python {platform.python_version()}"
    )


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
        "## Score run (`bench/scoring.py`)",
        "",
        "Run with `.venv/bin/python bench/scoring.py` (full sizes; PostgreSQL when `DATABASE_URL` or "
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


# --------------------------------------------------------------------------------------------------------------


def parse_args(argv: Iterable[str] | None = None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description=__doc__.split("\n\n", 1)[0], formatter_class=argparse.RawDescriptionHelpFormatter
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


if __name__ == "__main__":
    sys.exit(main())
