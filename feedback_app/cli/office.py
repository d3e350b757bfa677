"""``flask employees import`` and ``flask users import``: the office imports from the command line.

A dry run by default (every line tried, nothing stored); ``--apply`` stores the file in one transaction, refused
whole while any line has an error. Exit status 1 when any line has an error.
"""

from __future__ import annotations

from pathlib import Path

import click
from flask_babel import force_locale
from flask_babel import gettext as _

from ..extensions import db
from ..services.office_imports import (
    EMPLOYEE_HEADER,
    USER_HEADER,
    ImportCheck,
    ImportRejected,
    apply_import,
    check_import,
)
from ..services.tabular import TableError, data_row_count, upload_text
from .common import progress, quiet_option
from .core import users


def _report(check: ImportCheck) -> None:
    for row in check.errors:
        click.echo(_("Baris %(line)d: %(message)s", line=row.line, message=str(row.message)), err=True)
    click.echo(
        _(
            "Ringkasan: %(ok)d baris siap, %(duplicate)d sudah terdaftar (dilewati), %(error)d galat.",
            ok=check.ok_count,
            duplicate=check.duplicate_count,
            error=check.error_count,
        )
    )


def _import(kind: str, file: Path, apply_: bool, lang: str, quiet: bool) -> None:
    with force_locale(lang):
        try:
            text = upload_text(file.read_bytes())
        except TableError as error:
            raise click.ClickException(str(error.message)) from None
        label = _("Memeriksa") if not apply_ else _("Menerapkan")
        with progress(label=f"{label} {file.name}", length=data_row_count(text), quiet=quiet) as bar:
            if not apply_:
                check = check_import(kind, text, on_row=bar.update)
            else:
                try:
                    check = apply_import(kind, text, on_row=bar.update)
                except ImportRejected as rejected:
                    check = rejected.check
        if not apply_:
            db.session.rollback()
            _report(check)
            click.echo(_("Uji coba: belum ada yang disimpan. Jalankan lagi dengan --apply untuk menyimpan."))
        elif check.has_errors:
            db.session.rollback()
            _report(check)
            click.echo(_("Tidak diterapkan: perbaiki semua galat lalu impor lagi. Tidak ada yang disimpan."))
        else:
            db.session.commit()
            _report(check)
            click.echo(_("Diterapkan: %(n)d baris disimpan.", n=check.ok_count))
        if check.has_errors:
            raise click.exceptions.Exit(1)


_FILE = click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
_APPLY = click.option(
    "--apply", "apply_", is_flag=True, help="Store the rows (default: a dry run that stores nothing)."
)
_LANG = click.option(
    "--lang", type=click.Choice(["id", "en"]), default="id", show_default=True, help="Language of the messages."
)


@click.group(help="Employees (pegawai) of the units.")
def employees() -> None:
    pass


@employees.command(
    "import", help=f"Import employees from a CSV or .xlsx FILE with the columns {','.join(EMPLOYEE_HEADER)}."
)
@_FILE
@_APPLY
@_LANG
@quiet_option
def import_employees(file: Path, apply_: bool, lang: str, quiet: bool) -> None:
    _import("employees", file, apply_, lang, quiet)


@users.command(
    "import",
    help=f"Import accounts from a CSV or .xlsx FILE with the columns {','.join(USER_HEADER)} (roles separated by "
    "spaces or |). Their owners set a password through a reset link the admin makes on the accounts page.",
)
@_FILE
@_APPLY
@_LANG
@quiet_option
def import_users(file: Path, apply_: bool, lang: str, quiet: bool) -> None:
    _import("users", file, apply_, lang, quiet)


COMMANDS = (employees,)
