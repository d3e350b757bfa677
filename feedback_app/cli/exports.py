"""``flask export indicators|responses|ekinerja``: the HR and analyst exports to a file (CSV or XLSX by its name).

A progress bar counts rows on a terminal; ``--quiet`` prints nothing but errors, and there is no bar when standard
output is not a terminal (cron, scripts), as ``flask scores`` does. Comments in a raw export are masked as for
everyone but the unit admin (spec §5). Exports change nothing, so they write no audit row.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any

import click
from flask import current_app
from sqlalchemy import select

from ..blueprints.hr.exports import evidence_link
from ..extensions import db
from ..models import Employee, Unit
from ..services.exports import ekinerja, indicators, raw_responses
from ..services.tabular import Sheet, TooManyRows, csv_chunks, write_xlsx
from .common import period_by_code, progress, quiet_option, unit_by_slug


@click.group("export", help="Write HR and analyst exports (CSV or XLSX, chosen by the output file's name).")
def export() -> None:
    pass


def _format(output: Path) -> str:
    suffix = output.suffix.lower().lstrip(".")
    if suffix not in ("csv", "xlsx"):
        raise click.BadParameter("the output file must end in .csv or .xlsx", param_hint="-o")
    return suffix


def _units(slugs: Iterable[str]) -> list[Unit]:
    chosen = [unit_by_slug(slug) for slug in slugs]
    return chosen or list(db.session.scalars(select(Unit).order_by(Unit.name)))


def _counted(rows: Iterable[Any], bar: Any) -> Iterator[Any]:
    for row in rows:
        yield row
        bar.update(1)


def _write(sheets: list[Sheet], output: Path, total: int, label: str, quiet: bool) -> None:
    """Write the sheets, the first one's rows counted by a bar on a terminal; a half-written file is removed."""
    try:
        # The texts of a sheet (lazy translations) are read in a request's locale; the CLI writes Indonesian.
        with current_app.test_request_context(), progress(label=label, length=max(total, 1), quiet=quiet) as bar:
            first = sheets[0]
            sheets = [Sheet(first.title, first.columns, _counted(first.rows, bar)), *sheets[1:]]
            if _format(output) == "csv":
                with output.open("w", encoding="utf-8", newline="") as handle:
                    for chunk in csv_chunks(sheets[0]):
                        handle.write(chunk)
            else:
                with output.open("wb") as handle:
                    write_xlsx(sheets, handle)
    except TooManyRows:
        output.unlink(missing_ok=True)
        raise click.ClickException(
            f"more than {raw_responses.XLSX_MAX_ROWS - 1:,} rows do not fit an XLSX sheet; write a .csv instead"
        ) from None
    except BaseException:
        output.unlink(missing_ok=True)
        raise
    if not quiet:
        click.echo(f"Wrote {output} ({total:,} rows).")


@export.command("indicators")
@click.option("--period", "period_code", required=True, help="2026-Q3, 2026-07, 2026-S2 or 2026.")
@click.option("--unit", "unit_slugs", multiple=True, help="A unit (slug); repeat for several; default: every unit.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@quiet_option
def indicators_command(period_code: str, unit_slugs: tuple[str, ...], output: Path, quiet: bool) -> None:
    """Employee indicators of the latest final runs and the confirmed appraisals."""
    _format(output)
    period = period_by_code(period_code)
    runs = indicators.final_runs([unit.id for unit in _units(unit_slugs)], period.id)
    if not runs:
        raise click.ClickException(f"no final run for {period.id} in the chosen units")
    _write(indicators.indicator_sheets(runs), output, indicators.employees_scored(runs), "Indicators", quiet)


@export.command("responses")
@click.option("--period", "period_code", required=True, help="2026-Q3, 2026-07, 2026-S2 or 2026.")
@click.option("--unit", "unit_slugs", multiple=True, help="A unit (slug); repeat for several; default: every unit.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@quiet_option
def responses_command(period_code: str, unit_slugs: tuple[str, ...], output: Path, quiet: bool) -> None:
    """Every survey response of the period (dates only, no fingerprints, comments masked and withheld)."""
    file_type = _format(output)
    period = period_by_code(period_code)
    export_ = raw_responses.RawExport(period, [unit.id for unit in _units(unit_slugs)])
    total = raw_responses.count_rows(export_)
    if file_type == "xlsx" and not raw_responses.fits_xlsx(total):
        raise click.ClickException(
            f"{total:,} responses do not fit an XLSX sheet (at most {raw_responses.XLSX_MAX_ROWS - 1:,} rows); "
            "write a .csv instead"
        )
    _write([raw_responses.raw_sheet(export_)], output, total, "Responses", quiet)


@export.command("ekinerja")
@click.option("--nip", required=True, help="The employee's NIP (18 digits).")
@click.option("--period", "period_code", required=True, help="2026-Q3, 2026-07, 2026-S2 or 2026.")
@click.option("-o", "--output", type=click.Path(dir_okay=False, path_type=Path), required=True)
@quiet_option
def ekinerja_command(nip: str, period_code: str, output: Path, quiet: bool) -> None:
    """The e-Kinerja evidence sheet of one ASN employee (one row per SKP target)."""
    _format(output)
    period = period_by_code(period_code)
    employee = db.session.scalar(select(Employee).where(Employee.nip == nip.strip()))
    if employee is None:
        raise click.BadParameter(f"no employee with NIP {nip!r}", param_hint="--nip")
    try:
        evidence = ekinerja.evidence_of(employee, period)
    except ekinerja.NoSkp as error:
        reason = "is not ASN (no SKP)" if error.code == "non_asn" else f"has no assignment at the end of {period.id}"
        raise click.ClickException(f"{employee.name} {reason}: there is no e-Kinerja sheet") from None
    with current_app.test_request_context():
        sheet = ekinerja.ekinerja_sheet(evidence, evidence_link(employee.id, period.id))
    _write([sheet], output, len(sheet.rows), "e-Kinerja", quiet)


COMMANDS = (export,)
