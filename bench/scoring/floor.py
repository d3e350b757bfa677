"""The floor: the same rows exported, loaded into DuckDB and aggregated there."""

from __future__ import annotations

import csv
import sqlite3
import time
from dataclasses import dataclass
from pathlib import Path

from bench.scoring.data import VALUES
from bench.scoring.database import Target
from bench.scoring.settings import IKP, OFFSET, UNIT_SLUG, UNSUR

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
