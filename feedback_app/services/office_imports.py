"""Importing employees and accounts from a CSV or XLSX file: a dry run with a verdict per line, then apply.

Both importers run every row through the very functions the admin pages use (services/office_setup.py), each row
in its own savepoint, so a dry run finds exactly what applying would refuse — including rows that depend on an
earlier row of the same file (a supervisor listed above their team). A dry run rolls the whole file back and changes
nothing; applying refuses the whole file while any row has an error, and then writes one audit row with its counts
(spec §7: an import is one row). Rows already stored (same NIP, same login) are skipped, so importing a file twice
changes nothing.

Employees (header required; ``,`` ``;`` or tab)::

    nip,name,employment_type,unit,position,supervisor_nip,acting,valid_from
    198503152010011002,Budi Santoso,PNS,dukcapil-palu,Kepala Seksi,,,2026-01-01
    199204122019032007,Nur Aisyah,PNS,dukcapil-palu,Petugas Pelayanan,198503152010011002,plt,2026-01-01
    ,Sari Dewi,non-ASN,dukcapil-palu,Petugas Informasi,198503152010011002,,

Accounts (roles separated by spaces or ``|``; their owners set a password through a reset link)::

    login,roles,unit,employee_nip
    petugas.aisyah,staff,dukcapil-palu,199204122019032007
"""

from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from typing import Any

from sqlalchemy import select

from ..clock import now
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..identifiers import InvalidNIP, validate_nip
from ..models import Employee, Unit, User
from .audit import record_audit
from .errors import DomainError
from .office_setup import PlacementFields, SetupError, create_account, create_employee, nip_message
from .tabular import DUPLICATE, ERROR, OK, BrokenRecord, CheckedRows, nip_problem, read_records

EMPLOYEE_HEADER = ("nip", "name", "employment_type", "unit", "position", "supervisor_nip", "acting", "valid_from")
USER_HEADER = ("login", "roles", "unit", "employee_nip")
#: Small enough to travel back signed in the dry-run page's form, as the roster import does.
MAX_BYTES = 256_000
MAX_ROWS = 5_000

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")


@dataclass(frozen=True)
class ImportRow:
    """The verdict on one line; ``message`` is a lazy string in the reader's language."""

    line: int
    status: str  # ok | error | duplicate
    message: Any
    label: str = ""  # what the line is about: a NIP and name, a login


@dataclass(frozen=True)
class ImportCheck(CheckedRows[ImportRow]):
    kind: str = ""  # employees | users


class ImportRejected(DomainError):
    """Applying was refused: the file still has errors; nothing was stored."""

    def __init__(self, check: ImportCheck) -> None:
        super().__init__(f"{check.kind} import has {check.error_count} error(s)")
        self.check = check


def _records(text: str, header: tuple[str, ...]) -> tuple[list[ImportRow], list[tuple[int, dict[str, str]]]]:
    """Rows that fail on their own (unreadable, bad header, too many), and the others as dicts by column name."""
    failed: list[ImportRow] = []
    rows: list[tuple[int, dict[str, str]]] = []
    columns: list[str] | None = None
    for record in read_records(text):
        if isinstance(record, BrokenRecord):
            failed.append(
                ImportRow(
                    record.line,
                    ERROR,
                    _l("Baris ini tidak dapat dibaca sebagai CSV (%(detail)s).", detail=record.detail),
                )
            )
            break
        if columns is None:
            columns = [cell.strip().lower() for cell in record.cells]
            missing = [name for name in header if name not in columns]
            if missing:
                failed.append(
                    ImportRow(
                        record.line,
                        ERROR,
                        _l(
                            "Baris judul harus memuat kolom %(header)s; yang tidak ada: %(missing)s.",
                            header=",".join(header),
                            missing=", ".join(missing),
                        ),
                    )
                )
                return failed, []
            continue
        if len(rows) >= MAX_ROWS:
            failed.append(ImportRow(record.line, ERROR, _l("Paling banyak %(n)d baris per berkas.", n=MAX_ROWS)))
            break
        cells = list(record.cells) + [""] * (len(columns) - len(record.cells))
        rows.append((record.line, {name: cells[i].strip() for i, name in enumerate(columns)}))
    if columns is None:
        failed.append(
            ImportRow(1, ERROR, _l("Berkas kosong: baris judul %(header)s tidak ada.", header=",".join(header)))
        )
    return failed, rows


def _parse_date(raw: str) -> date | None:
    if match := _ISO_DATE.fullmatch(raw):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DMY_DATE.fullmatch(raw):
        day, month, year = (int(part) for part in match.groups())
    else:
        return None
    try:
        return date(year, month, day) if 1950 <= year <= 2100 else None
    except ValueError:
        return None


def _unit_in_scope(slug: str, scope: set[int] | None) -> Unit:
    unit = db.session.scalar(select(Unit).where(Unit.slug == slug)) if slug else None
    if unit is None or (scope is not None and unit.id not in scope):
        raise SetupError("unit", _l("Unit %(slug)s tidak ada atau di luar cakupan akun Anda.", slug=slug or "–"))
    return unit


def _employee_row(cells: dict[str, str], scope: set[int] | None) -> tuple[str, str]:
    """Store one employee row (inside the caller's savepoint); returns its status and label."""
    nip, name, kind = cells["nip"], cells["name"], cells["employment_type"]
    label = f"{nip} {name}".strip()
    if nip:
        try:
            validate_nip(nip)
        except InvalidNIP as error:
            # What a spreadsheet did to the number (E-notation, lost digits, a rounded 000) says most; otherwise
            # the part that is wrong.
            spreadsheet = nip_problem(nip) if error.part in ("shape", "sequence") else None
            raise SetupError("nip", spreadsheet or nip_message(nip, kind or "PNS")) from None
    if nip and db.session.scalar(select(Employee.id).where(Employee.nip == nip)) is not None:
        return DUPLICATE, label
    if kind and (problem := nip_message(nip, kind)) is not None:
        raise SetupError("nip", problem)
    unit = _unit_in_scope(cells["unit"], scope)
    supervisor_id = None
    if cells["supervisor_nip"]:
        supervisor_id = db.session.scalar(select(Employee.id).where(Employee.nip == cells["supervisor_nip"]))
        if supervisor_id is None:
            raise SetupError(
                "supervisor_nip",
                _l(
                    "Atasan dengan NIP %(nip)s belum terdaftar (daftarkan di baris sebelumnya atau lebih dulu).",
                    nip=cells["supervisor_nip"],
                ),
            )
    valid_from = now().date()
    if cells["valid_from"]:
        parsed = _parse_date(cells["valid_from"])
        if parsed is None:
            raise SetupError(
                "valid_from",
                _l("Tanggal mulai %(value)s: tulis YYYY-MM-DD atau DD/MM/YYYY.", value=cells["valid_from"]),
            )
        valid_from = parsed
    acting = cells["acting"].lower() or None
    placement = PlacementFields(unit, cells["position"], supervisor_id, acting, valid_from)
    create_employee(nip, name, kind, placement, audit=False)
    return OK, label


def _user_row(cells: dict[str, str], scope: set[int] | None) -> tuple[str, str]:
    login = cells["login"]
    if login and db.session.scalar(select(User.id).where(User.login == login)) is not None:
        return DUPLICATE, login
    roles = {role.strip().lower() for role in re.split(r"[\s|+]+", cells["roles"]) if role.strip()}
    unit = _unit_in_scope(cells["unit"], scope) if cells["unit"] or scope is not None else None
    employee = None
    if cells["employee_nip"]:
        employee = db.session.scalar(select(Employee).where(Employee.nip == cells["employee_nip"]))
        if employee is None:
            raise SetupError("employee_nip", _l("Tidak ada pegawai dengan NIP %(nip)s.", nip=cells["employee_nip"]))
    create_account(login, roles, unit, employee)
    return OK, login


IMPORTERS: dict[str, tuple[tuple[str, ...], Callable[[dict[str, str], set[int] | None], tuple[str, str]]]] = {
    "employees": (EMPLOYEE_HEADER, _employee_row),
    "users": (USER_HEADER, _user_row),
}


def _run(kind: str, text: str, scope: set[int] | None, on_row: Callable[[], None] | None) -> ImportCheck:
    """Every row in its own savepoint inside the caller's; the caller keeps or rolls back the whole."""
    header, store = IMPORTERS[kind]
    failed, records = _records(text, header)
    results = list(failed)
    for line, cells in records:
        if on_row is not None:
            on_row()
        savepoint = db.session.begin_nested()
        try:
            status, label = store(cells, scope)
        except SetupError as error:
            savepoint.rollback()
            label = cells.get("login") or f"{cells.get('nip', '')} {cells.get('name', '')}".strip()
            results.append(ImportRow(line, ERROR, error.message, label))
            continue
        savepoint.commit()
        message = _l("siap") if status == OK else _l("sudah terdaftar; dilewati")
        results.append(ImportRow(line, status, message, label))
    return ImportCheck(tuple(sorted(results, key=lambda row: row.line)), kind)


def check_import(
    kind: str, text: str, *, scope: set[int] | None = None, on_row: Callable[[], None] | None = None
) -> ImportCheck:
    """The dry run: every row tried exactly as applying would, then all of it rolled back (nothing changes)."""
    outer = db.session.begin_nested()
    try:
        return _run(kind, text, scope, on_row)
    finally:
        outer.rollback()


def apply_import(
    kind: str,
    text: str,
    *,
    scope: set[int] | None = None,
    on_row: Callable[[], None] | None = None,
    audit_unit_id: int | None = None,
) -> ImportCheck:
    """Store every ``ok`` row and one audit row with the counts; refused whole (:class:`ImportRejected`, nothing
    stored) while any row has an error. The caller commits."""
    outer = db.session.begin_nested()
    check = _run(kind, text, scope, on_row)
    if check.has_errors:
        outer.rollback()
        raise ImportRejected(check)
    outer.commit()
    if check.ok_count:
        record_audit(
            f"{'employee' if kind == 'employees' else 'user'}.import",
            entity="employee" if kind == "employees" else "user",
            unit_id=audit_unit_id,
            after={"created": check.ok_count, "skipped": check.duplicate_count, "lines": len(check.rows)},
        )
    db.session.flush()
    return check
