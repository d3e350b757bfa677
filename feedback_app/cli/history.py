"""``flask db partitions`` and ``flask db retention``: the monthly upkeep of the partitioned history tables."""

from __future__ import annotations

import click
from flask import current_app

from ..extensions import db
from ..services.partitions import MONTHS_AHEAD, apply_retention, create_partitions, is_partitioned


def _needs_partitions() -> bool:
    if is_partitioned(db.session.connection()):
        return True
    click.echo("The history tables are not partitioned here (SQLite, or PostgreSQL before migration 0010).")
    return False


@click.command("partitions")
@click.option(
    "--months-ahead", default=MONTHS_AHEAD, show_default=True, type=click.IntRange(0, 24), help="Months after this one."
)
def partitions_command(months_ahead: int) -> None:
    """Create the coming months' partitions and move rows waiting in a default partition into theirs."""
    if not _needs_partitions():
        return
    report = create_partitions(db.session.connection(), months_ahead)
    db.session.commit()
    for name in report.created:
        moved = report.moved_from_default.get(name)
        click.echo(f"created {name}" + (f" ({moved} rows moved from the default partition)" if moved else ""))
    if not report.created:
        click.echo("Every partition up to the coming months exists; nothing to do.")


@click.command("retention")
def retention_command() -> None:
    """Drop the history partitions older than HISTORY_RETENTION_YEARS (score runs and audit tables are kept)."""
    if not _needs_partitions():
        return
    years = current_app.config["HISTORY_RETENTION_YEARS"]
    report = apply_retention(db.session.connection(), years)
    db.session.commit()
    click.echo(f"Keeping {years} years of history: everything from {report.boundary:%Y-%m-%d} (UTC).")
    for name in report.dropped:
        click.echo(f"dropped {name}")
    for table, count in report.deleted_from_default.items():
        click.echo(f"deleted {count} older rows from {table}_default")
    if not report.dropped and not report.deleted_from_default:
        click.echo("Nothing is older than that; nothing to do.")


#: Added to Flask-Migrate's ``flask db`` group.
DB_COMMANDS = (partitions_command, retention_command)
