"""Monthly partitions of the history tables on PostgreSQL, and the retention that drops the oldest.

Migration 0010 turns ``survey_responses``, ``tickets`` and ``ticket_events`` into tables partitioned by month of
the column a period selects them by (:data:`PARTITION_KEYS`, UTC months), so a one-month score run reads one or two
partitions whatever the years of history. Each table also has a ``<table>_default`` partition: an insert for a
month nobody created yet lands there instead of failing, and :func:`create_partitions` moves such rows into their
month's own partition.

PostgreSQL wants the partition key in every unique constraint and in every key a foreign key points at. The
guarantees that do not contain it live in small non-partitioned *key tables* (:data:`KEY_TABLES`), one row per
ticket or answer, written by a trigger in the same statement as the row itself: ``ticket_keys`` keeps
``(unit_id, external_id)`` unique, ``survey_response_keys`` keeps ``submission_key`` and ``ticket_id`` unique.
Every foreign key that pointed at ``tickets.id`` or ``survey_responses.id`` points at its key table instead.

SQLite keeps plain tables with the models' own unique constraints; every function here does nothing there.
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import UTC, date, datetime

from sqlalchemy import Column, Connection, Integer, MetaData, String, Table, text

from ..clock import now

#: The column each history table is partitioned by: the instant that puts a row in a period.
PARTITION_KEYS = {"survey_responses": "counted_at", "tickets": "issued_at", "ticket_events": "at"}
#: Months beyond the current one that :func:`create_partitions` prepares by default.
MONTHS_AHEAD = 3
#: ``flask db retention`` keeps this many years of history unless ``HISTORY_RETENTION_YEARS`` says otherwise.
DEFAULT_RETENTION_YEARS = 5

#: The key tables (PostgreSQL only; created by migration 0010, not part of the models' metadata).
key_metadata = MetaData()
ticket_keys = Table(
    "ticket_keys",
    key_metadata,
    Column("ticket_id", Integer, primary_key=True),
    Column("unit_id", Integer, nullable=False),
    Column("external_id", String(64), nullable=False),
)
survey_response_keys = Table(
    "survey_response_keys",
    key_metadata,
    Column("response_id", Integer, primary_key=True),
    Column("submission_key", String(32), nullable=False),
    Column("ticket_id", Integer),
)
#: The partitioned table → (its key table, the key table's id column).
KEY_TABLES = {"tickets": ("ticket_keys", "ticket_id"), "survey_responses": ("survey_response_keys", "response_id")}
#: Set (``SET LOCAL``) while rows move from a default partition to their month: the rows stay, so must their keys.
MOVING_ROWS_SETTING = "suara_warga.moving_rows"

_MONTH_NAME = re.compile(r"_y(\d{4})m(\d{2})$")


def uses_partitions(connection: Connection) -> bool:
    """Whether the history tables are partitioned here: on PostgreSQL, whose schema at the head revision is.

    Decided from the dialect alone, so the hot paths that ask spend no statement on it.
    """
    return connection.dialect.name == "postgresql"


def is_partitioned(connection: Connection) -> bool:
    """Whether this database holds the partitioned schema now (PostgreSQL after migration 0010), from its catalog."""
    if connection.dialect.name != "postgresql":
        return False
    kind = connection.scalar(text("SELECT relkind FROM pg_class WHERE oid = to_regclass('survey_responses')"))
    return kind == "p"


def month_start(instant: datetime | date) -> date:
    return date(instant.year, instant.month, 1)


def add_months(month: date, months: int) -> date:
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def partition_name(table: str, month: date) -> str:
    return f"{table}_y{month.year:04d}m{month.month:02d}"


def _bound(month: date) -> str:
    return f"{month.isoformat()} 00:00:00+00"


def month_partitions(connection: Connection, table: str) -> dict[date, str]:
    """The month partitions ``table`` has now, by their first day."""
    names = connection.scalars(
        text(
            "SELECT child.relname FROM pg_inherits JOIN pg_class child ON child.oid = pg_inherits.inhrelid "
            "WHERE pg_inherits.inhparent = to_regclass(:table)"
        ),
        {"table": table},
    )
    found = {}
    for name in names:
        match = _MONTH_NAME.search(name)
        if match and name == partition_name(table, date(int(match[1]), int(match[2]), 1)):
            found[date(int(match[1]), int(match[2]), 1)] = name
    return found


def create_month_partition(connection: Connection, table: str, month: date) -> bool:
    """Create ``table``'s partition for ``month`` unless it exists; rows of that month waiting in the default
    partition move into it. True when it was created."""
    if month in month_partitions(connection, table):
        return False
    name, column, default = partition_name(table, month), PARTITION_KEYS[table], f"{table}_default"
    low, high = _bound(month), _bound(add_months(month, 1))
    waiting = connection.scalar(
        text(f"SELECT EXISTS (SELECT 1 FROM {default} WHERE {column} >= :low AND {column} < :high)"),
        {"low": low, "high": high},
    )
    if not waiting:
        connection.execute(text(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ('{low}') TO ('{high}')"))
        return True
    # A partition cannot be created while the default partition holds rows of its range: move them first, into a
    # table that becomes the partition. The rows keep their ids, so their key rows (and what points at them) stay.
    connection.execute(text("SELECT set_config(:name, 'on', true)"), {"name": MOVING_ROWS_SETTING})
    connection.execute(text(f"CREATE TABLE {name} (LIKE {table} INCLUDING DEFAULTS INCLUDING CONSTRAINTS)"))
    connection.execute(
        text(
            f"WITH moved AS (DELETE FROM {default} WHERE {column} >= :low AND {column} < :high RETURNING *) "
            f"INSERT INTO {name} SELECT * FROM moved"
        ),
        {"low": low, "high": high},
    )
    connection.execute(text(f"ALTER TABLE {table} ATTACH PARTITION {name} FOR VALUES FROM ('{low}') TO ('{high}')"))
    connection.execute(text("SELECT set_config(:name, 'off', true)"), {"name": MOVING_ROWS_SETTING})
    return True


@dataclass
class PartitionReport:
    created: list[str] = field(default_factory=list)
    moved_from_default: dict[str, int] = field(default_factory=dict)  # partition -> rows it took from the default


def create_partitions(connection: Connection, months_ahead: int = MONTHS_AHEAD) -> PartitionReport:
    """Create every history table's partitions from the current UTC month to ``months_ahead`` months after it,
    and one for each month whose rows wait in a default partition (which moves them there). Idempotent."""
    report = PartitionReport()
    if not is_partitioned(connection):
        return report
    current = month_start(now())
    for table, column in PARTITION_KEYS.items():
        months = {add_months(current, offset) for offset in range(months_ahead + 1)}
        waiting = connection.execute(
            text(
                f"SELECT date_trunc('month', {column} AT TIME ZONE 'UTC')::date AS month, count(*) "
                f"FROM {table}_default GROUP BY 1"
            )
        ).all()
        counts: dict[date, int] = {month: count for month, count in waiting}  # noqa: C416  (typed)
        for month in sorted(months | set(counts)):
            if create_month_partition(connection, table, month):
                report.created.append(partition_name(table, month))
                if month in counts:
                    report.moved_from_default[partition_name(table, month)] = counts[month]
    return report


def retention_boundary(at: datetime, years: int) -> datetime:
    """The first instant kept: the start of the UTC month ``years`` years before ``at``."""
    if years < 1:
        raise ValueError("the retention period is at least one year")
    return datetime(at.year - years, at.month, 1, tzinfo=UTC)


@dataclass
class RetentionReport:
    boundary: datetime
    dropped: list[str] = field(default_factory=list)
    deleted_from_default: dict[str, int] = field(default_factory=dict)


def apply_retention(connection: Connection, years: int) -> RetentionReport:
    """Detach and drop every history partition that ends before :func:`retention_boundary`, and delete older
    rows still in a default partition. Idempotent.

    Score runs with their indicators and explanations, appraisal inputs, complaints and the audit tables are not
    history tables and are kept: what pointed at a dropped ticket or answer keeps its row with the link emptied
    (``ON DELETE SET NULL`` on the key tables), a dropped ticket's events go with it.
    """
    boundary = retention_boundary(now(), years)
    report = RetentionReport(boundary)
    if not is_partitioned(connection):
        return report
    cutoff = month_start(boundary)
    # Events and answers first: they point at tickets, so fewer rows are left for the cascade when tickets go.
    for table in ("ticket_events", "survey_responses", "tickets"):
        column = PARTITION_KEYS[table]
        for month, name in sorted(month_partitions(connection, table).items()):
            if add_months(month, 1) > cutoff:
                continue
            connection.execute(text(f"ALTER TABLE {table} DETACH PARTITION {name}"))
            if table in KEY_TABLES:
                keys, key_column = KEY_TABLES[table]
                connection.execute(text(f"DELETE FROM {keys} WHERE {key_column} IN (SELECT id FROM {name})"))
            connection.execute(text(f"DROP TABLE {name}"))
            report.dropped.append(name)
        deleted = connection.execute(
            text(f"DELETE FROM {table}_default WHERE {column} < :boundary"), {"boundary": boundary}
        ).rowcount
        if deleted:
            report.deleted_from_default[table] = deleted
    return report


def history_kept_since(retention_years: int) -> datetime:
    """The oldest instant whose answers and tickets are still stored under the retention period."""
    return retention_boundary(now(), retention_years)
