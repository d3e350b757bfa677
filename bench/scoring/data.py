"""The synthetic data: one unit's year of roster, tickets, answers, complaints, targets and ratings."""

from __future__ import annotations

import itertools
import json
import math
import random
import time
from collections import Counter as Tally
from collections.abc import Callable, Iterator
from datetime import date, timedelta
from pathlib import Path
from typing import Any

from bench._common import log
from bench.scoring.database import PgWriter, Spool, SqliteWriter, Target
from bench.scoring.settings import (
    BERAKHLAK,
    COMMENTS,
    EPOCH,
    HOLIDAYS,
    OFFSET,
    PERIOD,
    SERVICES,
    SPAN,
    UNIT_SLUG,
    UNSUR,
    ZONE,
    Size,
)

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
