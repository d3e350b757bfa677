"""The bench databases: a fresh SQLite file, and PostgreSQL's own bench database when one is configured."""

from __future__ import annotations

import re
import sqlite3
import subprocess
import sys
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

from bench import _postgres as postgres
from bench._common import ROOT, BenchError
from bench.survey_load.settings import PG_BENCH_DATABASE


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
