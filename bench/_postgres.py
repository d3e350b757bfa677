"""The PostgreSQL server a benchmark runs on: it works in databases of its own there, never the configured one.

Both benchmarks take the server from ``TEST_DATABASE_URL`` (or ``DATABASE_URL``) and create their databases beside
the one that URL names, so a benchmark can never overwrite the test or the app's data.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

#: Every database the benchmarks create; a configured URL naming one of them is refused.
BENCH_DATABASES = ("suara_bench", "suara_scoring_bench", "suara_scoring_bench_small")


class ServerError(RuntimeError):
    """The configured URL does not name a PostgreSQL server a benchmark may use."""


@dataclass(frozen=True)
class Server:
    """A PostgreSQL server, reached through the database a configured URL names (for administration only)."""

    url: Any  # sqlalchemy.engine.URL of the configured database
    conninfo: str  # libpq connection string of that database

    def admin(self, statement: str) -> tuple[Any, ...] | None:
        """Run one statement on the configured database in autocommit; its first row, if it returns rows."""
        import psycopg

        with psycopg.connect(self.conninfo, autocommit=True) as connection:
            cursor = connection.execute(statement)
            return cursor.fetchone() if cursor.description else None

    @property
    def version(self) -> str:
        """The server version, e.g. ``15.20``."""
        row = self.admin("SHOW server_version")
        return str(row[0]).split()[0] if row else "unknown"

    def exists(self, database: str) -> bool:
        return self.admin(f"SELECT 1 FROM pg_database WHERE datname = '{database}'") is not None

    def create(self, database: str) -> None:
        """Create ``database`` afresh (dropped first, connections and all)."""
        self.drop(database)
        self.admin(f"CREATE DATABASE {database}")

    def drop(self, database: str) -> None:
        self.admin(f"DROP DATABASE IF EXISTS {database} WITH (FORCE)")

    def database_url(self, database: str) -> str:
        """A SQLAlchemy URL (psycopg 3) for ``database`` on this server, password included."""
        return self.url.set(drivername="postgresql+psycopg", database=database).render_as_string(hide_password=False)

    def database_conninfo(self, database: str) -> str:
        import psycopg

        return psycopg.conninfo.make_conninfo(self.conninfo, dbname=database)


def server(configured_url: str) -> Server:
    """The server of ``configured_url``, refusing a URL that is not PostgreSQL or names a benchmark database."""
    import psycopg
    from sqlalchemy.engine import make_url

    from feedback_app.config import normalise_database_url

    url = make_url(normalise_database_url(configured_url))
    if not url.get_backend_name().startswith("postgresql"):
        raise ServerError(f"not a PostgreSQL URL: {url.render_as_string()}")
    if url.database in BENCH_DATABASES:
        raise ServerError(f"the configured URL names {url.database}; point it at the app's or the test database")
    params = {
        "host": url.host,
        "port": url.port,
        "user": url.username,
        "password": url.password,
        "dbname": url.database or "postgres",
    }
    return Server(url, psycopg.conninfo.make_conninfo(**{k: v for k, v in params.items() if v is not None}))
