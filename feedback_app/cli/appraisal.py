"""``flask appraisal`` and ``flask holidays``: the inputs people enter for score runs (spec §2.4, §3).

Complaints have no command: they are raised from survey comments (and built as fixtures in tests).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import BinaryIO

import click

from ..extensions import db
from ..services.appraisal_inputs import (
    RATING_COLUMNS,
    TARGET_COLUMNS,
    ImportResult,
    add_holiday,
    import_ratings,
    import_targets,
    list_holidays,
    seed_national_holidays,
)
from ..services.errors import DomainError
from ..services.tabular import upload_text


def _run_import(importer: Callable[[str], ImportResult], handle: BinaryIO, what: str) -> None:
    try:
        result = importer(upload_text(handle.read()))
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(f"nothing imported from {handle.name}:\n{error}") from None
    db.session.commit()
    click.echo(f"{what}: {result.created} created, {result.updated} updated, {result.unchanged} unchanged.")


@click.group("appraisal", help="Import SKP targets and supervisors' BerAKHLAK ratings for score runs.")
def appraisal() -> None:
    pass


_TARGETS_HELP = (
    f"Import SKP targets from a CSV or .xlsx FILE (- for standard input). Columns: {','.join(TARGET_COLUMNS)}; "
    "realisation may be empty, lower_is_better is 1/0 or ya/tidak, unit is the measure (berkas, menit, %). "
    "All lines are checked first; any problem imports nothing. Re-importing updates the same target."
)
_RATINGS_HELP = (
    f"Import supervisors' BerAKHLAK ratings from a CSV or .xlsx FILE (- for standard input). Columns: "
    f"{','.join(RATING_COLUMNS)}; each value is di_bawah, sesuai or di_atas; overall may be empty, and needs an "
    "override_reason when it differs from the median of the seven. Any problem imports nothing."
)


@appraisal.command("import-targets", help=_TARGETS_HELP)
@click.argument("file", type=click.File("rb"))
def import_targets_command(file: BinaryIO) -> None:
    _run_import(import_targets, file, "targets")


@appraisal.command("import-ratings", help=_RATINGS_HELP)
@click.argument("file", type=click.File("rb"))
def import_ratings_command(file: BinaryIO) -> None:
    _run_import(import_ratings, file, "ratings")


@click.group("holidays", help="The holiday list used for SP4N-LAPOR working days.")
def holidays() -> None:
    pass


@holidays.command("add")
@click.argument("day", type=click.DateTime(formats=["%Y-%m-%d"]))
@click.argument("name")
def add_command(day: datetime, name: str) -> None:
    """Add a holiday DAY (YYYY-MM-DD) called NAME, or rename the one on that day."""
    try:
        created = add_holiday(day.date(), name)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"{'Added' if created else 'Renamed'} {day.date().isoformat()}: {name.strip()}")


@holidays.command("seed-national")
@click.argument("year", type=int)
@click.option("--with-cuti-bersama", is_flag=True, help="Also add the joint leave days (cuti bersama).")
def seed_command(year: int, with_cuti_bersama: bool) -> None:
    """Add the built-in national holidays of YEAR (2026) that are missing."""
    try:
        added = seed_national_holidays(year, include_cuti_bersama=with_cuti_bersama)
    except DomainError as error:
        db.session.rollback()
        raise click.ClickException(str(error)) from None
    db.session.commit()
    click.echo(f"Added {added} holiday(s) for {year}.")


@holidays.command("list")
@click.argument("year", type=int, required=False)
def list_command(year: int | None) -> None:
    """Print the holiday list (of YEAR if given)."""
    for holiday in list_holidays(year):
        click.echo(f"{holiday.day.isoformat()} {holiday.day:%a}  {holiday.name}")


COMMANDS = (appraisal, holidays)
