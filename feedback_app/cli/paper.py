"""``flask --app wsgi paper import FILE --unit SLUG [--apply]``: paper questionnaires from a tally sheet.

A dry run by default (every row checked, errors by line number, nothing stored); ``--apply`` stores the file in one
transaction, only when no row has an error. A progress bar shows on a terminal; ``--quiet`` for scripts.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..services.paper import PaperCheck, PaperImportRejected, apply_paper_import, check_paper_import
from ..services.tabular import TableError, upload_text
from .common import progress, quiet_option, unit_by_slug


@click.group(help="Paper SKM questionnaires (typed in or imported from a tally sheet).")
def paper() -> None:
    pass


def _report(check: PaperCheck, quiet: bool) -> None:
    for row in check.errors:
        click.echo(_("Baris %(line)d: %(message)s", line=row.line, message=str(row.message)), err=True)
    if not quiet:
        click.echo(
            _(
                "Ringkasan: %(ok)d baris siap, %(duplicate)d sudah tersimpan (dilewati), %(error)d galat.",
                ok=check.ok_count,
                duplicate=check.duplicate_count,
                error=check.error_count,
            )
        )


@paper.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--unit", "unit_slug", required=True, help="The unit the sheets belong to (slug).")
@click.option("--apply", "apply_", is_flag=True, help="Store the rows (default: a dry run that stores nothing).")
@quiet_option
@click.option(
    "--lang", type=click.Choice(["id", "en"]), default="id", show_default=True, help="Language of the messages."
)
def import_command(file: Path, unit_slug: str, apply_: bool, quiet: bool, lang: str) -> None:
    """Check a tally sheet (CSV or XLSX, one row per questionnaire) and, with --apply, store it.

    Exit status 1 when any row has an error; a file with errors is never stored.
    """
    with force_locale(lang):
        unit = unit_by_slug(unit_slug)
        try:
            text = upload_text(file.read_bytes())
        except TableError as error:
            raise click.ClickException(str(error.message)) from None
        if not apply_:
            check = check_paper_import(text, unit)
            _report(check, quiet)
            if not quiet:
                click.echo(_("Uji coba: belum ada yang disimpan. Jalankan lagi dengan --apply untuk menyimpan."))
            if check.has_errors:
                raise click.exceptions.Exit(1)
            return
        dry = check_paper_import(text, unit)
        try:
            with progress(label=f"Paper {unit.slug}", length=dry.ok_count, quiet=quiet or dry.ok_count == 0) as bar:
                done = [0]

                def step(stored: int) -> None:
                    bar.update(stored - done[0])
                    done[0] = stored

                check = apply_paper_import(text, unit, filename=file.name, progress=step)
        except PaperImportRejected as rejected:
            db.session.rollback()
            _report(rejected.check, quiet)
            click.echo(_("Tidak disimpan: perbaiki semua galat lalu impor lagi. Tidak ada yang disimpan."), err=True)
            raise click.exceptions.Exit(1) from None
        db.session.commit()
        _report(check, quiet)
        if not quiet:
            click.echo(_("Disimpan: %(n)d lembar kertas ditambahkan.", n=check.ok_count))


COMMANDS = (paper,)
