"""``flask db partitions`` and ``flask db retention``: idempotent upkeep of the partitioned history, clock moved."""

from __future__ import annotations

from datetime import UTC, datetime

from feedback_app.extensions import db
from feedback_app.services.partitions import PARTITION_KEYS, month_partitions


def invoke(app, *args: str) -> str:
    result = app.test_cli_runner().invoke(args=["db", *args])
    assert result.exit_code == 0, result.output
    return result.output


def test_partitions_creates_the_coming_months_once(app, clock):
    clock.set(datetime(2027, 6, 15, 3, 0, tzinfo=UTC))
    if db.engine.dialect.name != "postgresql":
        assert "not partitioned" in invoke(app, "partitions")
        return
    first = invoke(app, "partitions", "--months-ahead", "2")
    for table in PARTITION_KEYS:
        for month in ("2027m06", "2027m07", "2027m08"):
            assert f"created {table}_y{month}" in first
    assert {datetime(2027, 6, 1).date(), datetime(2027, 8, 1).date()} <= set(
        month_partitions(db.session.connection(), "tickets")
    )
    assert "nothing to do" in invoke(app, "partitions", "--months-ahead", "2")


def test_retention_drops_what_is_older_than_the_configured_years_once(app, clock):
    clock.set(datetime(2027, 6, 15, 3, 0, tzinfo=UTC))
    if db.engine.dialect.name != "postgresql":
        assert "not partitioned" in invoke(app, "retention")
        return
    invoke(app, "partitions", "--months-ahead", "0")
    app.config["HISTORY_RETENTION_YEARS"] = 2
    clock.set(datetime(2029, 7, 2, 3, 0, tzinfo=UTC))  # keeps everything from 2027-07-01
    first = invoke(app, "retention")
    assert "Keeping 2 years of history: everything from 2027-07-01 (UTC)." in first
    for table in PARTITION_KEYS:
        assert f"dropped {table}_y2027m06" in first
        assert all(month.isoformat() >= "2027-07-01" for month in month_partitions(db.session.connection(), table))
    assert "nothing to do" in invoke(app, "retention")
