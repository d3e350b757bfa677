"""The bench database (a temporary SQLite file or its own PostgreSQL database) and its row writers."""

from __future__ import annotations

import os
import sqlite3
from collections.abc import Callable, Iterable
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench import _postgres as postgres
from bench._common import BenchError
from bench.scoring.settings import EPOCH


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
