"""``flask --app wsgi report skm --unit SLUG --period 2026-Q3 -o FILE``: the official SKM report to a file.

The format comes from the file name: ``.html`` (the printable page, A4 print CSS, open it and print) or ``.xlsx``
(the workbook). Any other name is refused. The figures are read from the period's stored run, as on the web page.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask import current_app, render_template
from flask_babel import force_locale

from ..services.skm_report import report_workbook, skm_report, workbook_texts
from .common import period_by_code, progress, quiet_option, unit_by_slug

FORMATS = (".html", ".xlsx")


@click.group(help="Official reports (the SKM report of a unit and period).")
def report() -> None:
    pass


@report.command("skm")
@click.option("--unit", "unit_slug", required=True, help="The unit (slug).")
@click.option("--period", "period_code", required=True, help="The period code, e.g. 2026-Q3, 2026-S2, 2026.")
@click.option(
    "-o",
    "--output",
    "output",
    required=True,
    type=click.Path(dir_okay=False, path_type=Path),
    help="FILE.html or FILE.xlsx",
)
@click.option(
    "--lang", type=click.Choice(["id", "en"]), default="id", show_default=True, help="Language of the report."
)
@quiet_option
def skm_command(unit_slug: str, period_code: str, output: Path, lang: str, quiet: bool) -> None:
    """Write the SKM report of one unit and period; the format follows the file name (.html or .xlsx)."""
    suffix = output.suffix.lower()
    if suffix not in FORMATS:
        raise click.BadParameter(
            f"unknown format {suffix or '(none)'!r}; name the file .html or .xlsx", param_hint="-o/--output"
        )
    unit = unit_by_slug(unit_slug)
    period = period_by_code(period_code)
    with force_locale(lang), progress(label=f"SKM {unit.slug} {period.id}", length=2, quiet=quiet) as bar:
        data = skm_report(unit, period)
        bar.update(1)
        if suffix == ".xlsx":
            content = report_workbook(data, workbook_texts(data))
        else:
            from ..blueprints.admin.skm_report import report_context

            with current_app.test_request_context("/", headers={"Accept-Language": lang}):
                content = render_template("admin/skm_report.html", **report_context(data)).encode()
        output.write_bytes(content)
        bar.update(1)
    if data.summary is None:
        click.echo(f"{unit.slug} {period.id}: no score run with answers yet; the report says so.", err=True)
    if not quiet:
        ikm = "-" if data.summary is None else f"{data.summary.ikm} ({data.summary.grade.mutu})"
        click.echo(
            f"{output}: {unit.slug} {period.id}, n={data.n}, IKM {ikm}, weights {data.weight_convention}, "
            f"rounding {data.rounding}"
        )


COMMANDS = (report,)
