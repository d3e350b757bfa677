"""partitioned history: survey_responses, tickets and ticket_events by month on PostgreSQL

Revision ID: 0010
Revises: 0004
Create Date: 2026-12-01 19:30:00

Converts the live tables in place, whatever columns they have when this runs: each table is renamed, a partitioned
parent is created from its columns (LIKE ... INCLUDING DEFAULTS INCLUDING CONSTRAINTS), one partition per UTC month
that holds rows plus the current month and the next three, a default partition, the rows copied, the old table
dropped and its keys and indexes recreated on the parent. Unique constraints without the partition key become plain
indexes; their guarantee moves to the key tables ``ticket_keys`` and ``survey_response_keys`` (kept by triggers),
and every foreign key that pointed at ``tickets.id`` or ``survey_responses.id`` points at the key table instead.
See ``feedback_app/services/partitions.py``. On SQLite this migration does nothing.
"""

from datetime import date

from alembic import op
from sqlalchemy import text

from feedback_app.clock import now

revision = '0010'
down_revision = '0008'
branch_labels = None
depends_on = None

PARTITION_KEYS = {"tickets": "issued_at", "ticket_events": "at", "survey_responses": "counted_at"}
KEY_TABLES = {"tickets": ("ticket_keys", "ticket_id"), "survey_responses": ("survey_response_keys", "response_id")}
MONTHS_AHEAD = 3
#: The unique constraints without the partition key that the key tables keep (any other one stops the migration).
KEPT_BY_KEY_TABLES = {
    ("tickets", ("unit_id", "external_id")),
    ("survey_responses", ("submission_key",)),
    ("survey_responses", ("ticket_id",)),
}

KEY_TABLE_DDL = [
    """CREATE TABLE ticket_keys (
        ticket_id integer NOT NULL CONSTRAINT pk_ticket_keys PRIMARY KEY,
        unit_id integer NOT NULL CONSTRAINT fk_ticket_keys_unit_id_units REFERENCES units (id),
        external_id varchar(64) NOT NULL,
        CONSTRAINT uq_ticket_keys_unit_id_external_id UNIQUE (unit_id, external_id))""",
    "COMMENT ON TABLE ticket_keys IS 'One row per ticket: keeps (unit_id, external_id) unique across the "
    "partitions of tickets, and is what foreign keys to a ticket point at.'",
    """CREATE TABLE survey_response_keys (
        response_id integer NOT NULL CONSTRAINT pk_survey_response_keys PRIMARY KEY,
        submission_key varchar(32) NOT NULL CONSTRAINT uq_survey_response_keys_submission_key UNIQUE,
        ticket_id integer CONSTRAINT uq_survey_response_keys_ticket_id UNIQUE
            CONSTRAINT fk_survey_response_keys_ticket_id_ticket_keys REFERENCES ticket_keys (ticket_id)
            ON DELETE SET NULL)""",
    "COMMENT ON TABLE survey_response_keys IS 'One row per survey answer: keeps submission_key and ticket_id "
    "unique across the partitions of survey_responses, and is what foreign keys to an answer point at.'",
]

# The key rows follow the partitioned rows. A row that moves to another partition (an UPDATE of its partition
# key) is deleted and inserted again: its key stays because the row still exists after the statement. Rows moved
# out of a default partition by the maintenance command set suara_warga.moving_rows and keep their keys too.
TRIGGER_DDL = [
    """CREATE FUNCTION ticket_keys_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO ticket_keys (ticket_id, unit_id, external_id) VALUES (NEW.id, NEW.unit_id, NEW.external_id)
            ON CONFLICT (ticket_id) DO NOTHING;
        ELSIF coalesce(current_setting('suara_warga.moving_rows', true), '') <> 'on'
              AND NOT EXISTS (SELECT 1 FROM tickets WHERE id = OLD.id) THEN
            DELETE FROM ticket_keys WHERE ticket_id = OLD.id;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER tickets_keys AFTER INSERT OR DELETE ON tickets FOR EACH ROW EXECUTE FUNCTION ticket_keys_follow()",
    """CREATE FUNCTION survey_response_keys_follow() RETURNS trigger LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'INSERT' THEN
            INSERT INTO survey_response_keys (response_id, submission_key, ticket_id)
            VALUES (NEW.id, NEW.submission_key, NEW.ticket_id)
            ON CONFLICT (response_id) DO NOTHING;
        ELSIF coalesce(current_setting('suara_warga.moving_rows', true), '') <> 'on'
              AND NOT EXISTS (SELECT 1 FROM survey_responses WHERE id = OLD.id) THEN
            DELETE FROM survey_response_keys WHERE response_id = OLD.id;
        END IF;
        RETURN NULL;
    END $$""",
    "CREATE TRIGGER survey_responses_keys AFTER INSERT OR DELETE ON survey_responses FOR EACH ROW "
    "EXECUTE FUNCTION survey_response_keys_follow()",
]


def _add_months(month, months):
    index = month.year * 12 + month.month - 1 + months
    return date(index // 12, index % 12 + 1, 1)


def _foreign_keys(connection):
    """Every foreign key from or to one of the three tables, with what is needed to create it again."""
    rows = connection.execute(
        text(
            """SELECT c.conname, c.conrelid::regclass::text AS table_name, c.confrelid::regclass::text AS target,
                      pg_get_constraintdef(c.oid) AS definition, c.confdeltype,
                      ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n)
                          AS columns,
                      ARRAY(SELECT a.attname FROM unnest(c.confkey) WITH ORDINALITY k(attnum, n)
                            JOIN pg_attribute a ON a.attrelid = c.confrelid AND a.attnum = k.attnum ORDER BY k.n)
                          AS target_columns,
                      (SELECT bool_and(a.attnotnull) FROM pg_attribute a
                        WHERE a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)) AS not_null
                 FROM pg_constraint c
                WHERE c.contype = 'f' AND c.conparentid = 0
                  AND (c.conrelid::regclass::text = ANY (:tables) OR c.confrelid::regclass::text = ANY (:tables))
                ORDER BY c.conname"""
        ),
        {"tables": list(PARTITION_KEYS)},
    ).all()
    return rows


def _recreate_foreign_key(connection, fk):
    """The same foreign key, pointing at the key table when its target is partitioned now."""
    if fk.target not in PARTITION_KEYS:
        connection.execute(text(f'ALTER TABLE {fk.table_name} ADD CONSTRAINT "{fk.conname}" {fk.definition}'))
        return
    if fk.target not in KEY_TABLES or list(fk.target_columns) != ["id"]:
        raise RuntimeError(f"{fk.conname}: a foreign key to {fk.target}({', '.join(fk.target_columns)}) cannot "
                           "survive partitioning; store the id as a plain indexed column instead")
    keys, key_column = KEY_TABLES[fk.target]
    # Retention drops old tickets and answers through their key rows: a NOT NULL reference goes with them, a
    # nullable one keeps its row with the link emptied (complaints, console actions).
    if fk.confdeltype == "c" or (fk.confdeltype not in ("n", "d") and fk.not_null):
        action = "CASCADE"
    else:
        action = "SET NULL"
    connection.execute(
        text(
            f'ALTER TABLE {fk.table_name} ADD CONSTRAINT "{fk.conname}" FOREIGN KEY ({", ".join(fk.columns)}) '
            f"REFERENCES {keys} ({key_column}) ON DELETE {action}"
        )
    )


def _partition(connection, table, column):
    """Replace ``table`` by a table partitioned by month of ``column`` holding the same rows."""
    constraints = connection.execute(
        text(
            """SELECT c.conname, c.contype, c.conindid,
                      ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n)
                          AS columns
                 FROM pg_constraint c WHERE c.conrelid = to_regclass(:table) AND c.contype IN ('p', 'u')
                ORDER BY c.contype, c.conname"""
        ),
        {"table": table},
    ).all()
    indexes = connection.execute(
        text(
            """SELECT pg_get_indexdef(i.indexrelid) FROM pg_index i
                WHERE i.indrelid = to_regclass(:table)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)
                ORDER BY i.indexrelid"""
        ),
        {"table": table},
    ).scalars().all()
    sequences = [
        (name, sequence)
        for name, sequence in connection.execute(
            text(
                """SELECT attname, pg_get_serial_sequence(:table, attname) FROM pg_attribute
                    WHERE attrelid = to_regclass(:table) AND attnum > 0 AND NOT attisdropped"""
            ),
            {"table": table},
        )
        if sequence is not None
    ]
    old = f"{table}_unpartitioned"
    connection.execute(text(f"ALTER TABLE {table} RENAME TO {old}"))
    connection.execute(
        text(
            f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS "
            f"INCLUDING GENERATED) PARTITION BY RANGE ({column})"
        )
    )
    current = date(now().year, now().month, 1)
    months = {_add_months(current, offset) for offset in range(MONTHS_AHEAD + 1)}
    months |= set(
        connection.scalars(text(f"SELECT DISTINCT date_trunc('month', {column} AT TIME ZONE 'UTC')::date FROM {old}"))
    )
    for month in sorted(months):
        name = f"{table}_y{month.year:04d}m{month.month:02d}"
        low, high = f"{month.isoformat()} 00:00:00+00", f"{_add_months(month, 1).isoformat()} 00:00:00+00"
        connection.execute(text(f"CREATE TABLE {name} PARTITION OF {table} FOR VALUES FROM ('{low}') TO ('{high}')"))
    connection.execute(text(f"CREATE TABLE {table}_default PARTITION OF {table} DEFAULT"))
    connection.execute(text(f"INSERT INTO {table} SELECT * FROM {old}"))
    for _column, sequence in sequences:
        connection.execute(text(f"ALTER SEQUENCE {sequence} OWNED BY NONE"))
    connection.execute(text(f"DROP TABLE {old}"))
    for _column, sequence in sequences:
        connection.execute(text(f"ALTER SEQUENCE {sequence} OWNED BY {table}.{_column}"))
    for constraint in constraints:
        columns = list(constraint.columns)
        if constraint.contype == "p":
            keyed = columns + ([column] if column not in columns else [])
            connection.execute(
                text(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint.conname}" PRIMARY KEY ({", ".join(keyed)})')
            )
        elif column in columns:
            connection.execute(
                text(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint.conname}" UNIQUE ({", ".join(columns)})')
            )
        else:
            if (table, tuple(columns)) not in KEPT_BY_KEY_TABLES:
                raise RuntimeError(
                    f"{constraint.conname}: UNIQUE ({', '.join(columns)}) on {table} lacks the partition key "
                    f"{column} and no key table keeps it; add it to a key table in this migration first"
                )
            # Uniqueness moves to the key table; lookups by these columns keep an index in every partition.
            connection.execute(text(f'CREATE INDEX "ix_{table}_{"_".join(columns)}" ON {table} ({", ".join(columns)})'))
    for definition in indexes:
        connection.execute(text(definition))
    connection.execute(text(f"ANALYZE {table}"))


def upgrade():
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    foreign_keys = _foreign_keys(connection)
    for fk in foreign_keys:
        connection.execute(text(f'ALTER TABLE {fk.table_name} DROP CONSTRAINT "{fk.conname}"'))
    for table, column in PARTITION_KEYS.items():
        _partition(connection, table, column)
    for statement in KEY_TABLE_DDL:
        connection.execute(text(statement))
    connection.execute(text("INSERT INTO ticket_keys SELECT id, unit_id, external_id FROM tickets"))
    connection.execute(
        text("INSERT INTO survey_response_keys SELECT id, submission_key, ticket_id FROM survey_responses")
    )
    for statement in TRIGGER_DDL:
        connection.execute(text(statement))
    for fk in foreign_keys:
        _recreate_foreign_key(connection, fk)


def downgrade():
    connection = op.get_bind()
    if connection.dialect.name != "postgresql":
        return
    foreign_keys = _foreign_keys(connection)
    key_references = connection.execute(
        text(
            """SELECT c.conname, c.conrelid::regclass::text AS table_name, c.confrelid::regclass::text AS target,
                      ARRAY(SELECT a.attname FROM unnest(c.conkey) WITH ORDINALITY k(attnum, n)
                            JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = k.attnum ORDER BY k.n)
                          AS columns
                 FROM pg_constraint c
                WHERE c.contype = 'f' AND c.conparentid = 0 AND c.confrelid IN (to_regclass('ticket_keys'), to_regclass('survey_response_keys'))
                  AND c.conrelid NOT IN (to_regclass('ticket_keys'), to_regclass('survey_response_keys'))"""
        )
    ).all()
    for fk in [*foreign_keys, *key_references]:
        connection.execute(text(f'ALTER TABLE {fk.table_name} DROP CONSTRAINT IF EXISTS "{fk.conname}"'))
    connection.execute(text("DROP TRIGGER tickets_keys ON tickets"))
    connection.execute(text("DROP TRIGGER survey_responses_keys ON survey_responses"))
    connection.execute(text("DROP FUNCTION ticket_keys_follow()"))
    connection.execute(text("DROP FUNCTION survey_response_keys_follow()"))
    connection.execute(text("DROP TABLE survey_response_keys, ticket_keys"))
    for table, column in PARTITION_KEYS.items():
        _unpartition(connection, table, column)
    for fk in foreign_keys:
        if fk.target not in PARTITION_KEYS and fk.target not in ("ticket_keys", "survey_response_keys"):
            connection.execute(text(f'ALTER TABLE {fk.table_name} ADD CONSTRAINT "{fk.conname}" {fk.definition}'))
    for fk in key_references:
        target = "tickets" if fk.target == "ticket_keys" else "survey_responses"
        connection.execute(
            text(
                f'ALTER TABLE {fk.table_name} ADD CONSTRAINT "{fk.conname}" FOREIGN KEY ({", ".join(fk.columns)}) '
                f"REFERENCES {target} (id)"
            )
        )


def _unpartition(connection, table, column):
    """Back to one plain table: the primary key on id alone, the unique constraints the key tables kept."""
    indexes = connection.execute(
        text(
            """SELECT i.indexrelid::regclass::text AS name, pg_get_indexdef(i.indexrelid) AS definition FROM pg_index i
                WHERE i.indrelid = to_regclass(:table)
                  AND NOT EXISTS (SELECT 1 FROM pg_constraint c WHERE c.conindid = i.indexrelid)"""
        ),
        {"table": table},
    ).all()
    unique_constraints = connection.execute(
        text(
            "SELECT conname, pg_get_constraintdef(oid) AS definition FROM pg_constraint "
            "WHERE conrelid = to_regclass(:table) AND contype = 'u'"
        ),
        {"table": table},
    ).all()
    sequences = [
        (name, sequence)
        for name, sequence in connection.execute(
            text(
                """SELECT attname, pg_get_serial_sequence(:table, attname) FROM pg_attribute
                    WHERE attrelid = to_regclass(:table) AND attnum > 0 AND NOT attisdropped"""
            ),
            {"table": table},
        )
        if sequence is not None
    ]
    old = f"{table}_partitioned"
    connection.execute(text(f"ALTER TABLE {table} RENAME TO {old}"))
    connection.execute(
        text(
            f"CREATE TABLE {table} (LIKE {old} INCLUDING DEFAULTS INCLUDING CONSTRAINTS INCLUDING COMMENTS "
            "INCLUDING GENERATED)"
        )
    )
    connection.execute(text(f"INSERT INTO {table} SELECT * FROM {old}"))
    for _column, sequence in sequences:
        connection.execute(text(f"ALTER SEQUENCE {sequence} OWNED BY NONE"))
    connection.execute(text(f"DROP TABLE {old} CASCADE"))
    for name, sequence in sequences:
        connection.execute(text(f"ALTER SEQUENCE {sequence} OWNED BY {table}.{name}"))
    connection.execute(text(f"ALTER TABLE {table} ADD CONSTRAINT pk_{table} PRIMARY KEY (id)"))
    for constraint in unique_constraints:
        connection.execute(text(f'ALTER TABLE {table} ADD CONSTRAINT "{constraint.conname}" {constraint.definition}'))
    for index in indexes:
        if index.name.startswith(f"ix_{table}_") and index.name[len(f"ix_{table}_"):] in _UNIQUE_BEFORE.get(table, {}):
            columns = _UNIQUE_BEFORE[table][index.name[len(f"ix_{table}_"):]]
            connection.execute(
                text(f'ALTER TABLE {table} ADD CONSTRAINT "uq_{table}_{"_".join(columns)}" UNIQUE ({", ".join(columns)})')
            )
        else:
            connection.execute(text(index.definition.replace(" ON ONLY ", " ON ", 1)))


#: The unique constraints upgrade turned into plain indexes (named ix_<table>_<columns>), restored on downgrade.
_UNIQUE_BEFORE = {
    "tickets": {"unit_id_external_id": ("unit_id", "external_id")},
    "survey_responses": {"submission_key": ("submission_key",), "ticket_id": ("ticket_id",)},
}
