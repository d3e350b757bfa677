"""``flask --app wsgi roster import FILE [--apply] [--unit SLUG]``: the roster import from the command line."""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale
from flask_babel import gettext as _
from sqlalchemy import select

from ..extensions import db
from ..models import Unit
from ..services.roster import (
    RosterCheck,
    RosterRejected,
    apply_roster,
    check_roster,
)
from ..services.tabular import TableError, data_row_count, upload_text
from .common import progress, quiet_option


@click.group(help="Planned counter rosters (who is rostered on which counter when).")
def roster() -> None:
    pass


def _report(check: RosterCheck) -> None:
    for row in check.errors:
        click.echo(_("Baris %(line)d: %(message)s", line=row.line, message=str(row.message)), err=True)
    click.echo(
        _(
            "Ringkasan: %(ok)d baris siap, %(duplicate)d sudah tersimpan (dilewati), %(error)d galat.",
            ok=check.ok_count,
            duplicate=check.duplicate_count,
            error=check.error_count,
        )
    )


@roster.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--apply", "apply_", is_flag=True, help="Store the rows (default: a dry run that stores nothing).")
@click.option("--unit", "unit_slug", help="Accept only counters of this unit (slug).")
@click.option(
    "--lang", type=click.Choice(["id", "en"]), default="id", show_default=True, help="Language of the messages."
)
@quiet_option
def import_command(file: Path, apply_: bool, unit_slug: str | None, lang: str, quiet: bool) -> None:
    """Check a roster CSV (nip,counter,date,start,end) and, with --apply, store it in one transaction.

    Exit status 1 when any row has an error; a file with errors is never applied.
    """
    with force_locale(lang):
        unit_id = None
        if unit_slug:
            unit_id = db.session.scalar(select(Unit.id).where(Unit.slug == unit_slug))
            if unit_id is None:
                raise click.ClickException(_("Tidak ada unit dengan slug %(slug)s.", slug=unit_slug))
        try:
            text = upload_text(file.read_bytes())
        except TableError as error:
            raise click.ClickException(str(error.message)) from None
        if not apply_:
            with progress(label=_("Memeriksa jadwal"), length=data_row_count(text), quiet=quiet) as bar:
                check = check_roster(text, unit_id=unit_id, on_row=bar.update)
            _report(check)
            click.echo(_("Uji coba: belum ada yang disimpan. Jalankan lagi dengan --apply untuk menyimpan."))
            if check.has_errors:
                raise click.exceptions.Exit(1)
            return
        try:
            with progress(label=_("Menerapkan jadwal"), length=data_row_count(text), quiet=quiet) as bar:
                check = apply_roster(text, unit_id=unit_id, on_row=bar.update)
        except RosterRejected as rejected:
            db.session.rollback()
            _report(rejected.check)
            click.echo(_("Tidak diterapkan: perbaiki semua galat lalu impor lagi. Tidak ada yang disimpan."))
            raise click.exceptions.Exit(1) from None
        db.session.commit()
        _report(check)
        click.echo(_("Diterapkan: %(n)d jadwal ditambahkan.", n=check.ok_count))


COMMANDS = (roster,)
