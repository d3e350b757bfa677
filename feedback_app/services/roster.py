"""Importing a planned roster from a CSV file: a dry run with per-row results, then apply in one transaction.

The roster is the planned half of attribution (spec §2.1: live sign-in first, then the roster) and one of the two
sources of working days (spec §5). A file is checked row by row against the database; applying inserts every
``ok`` row as a ``CounterAssignment(source="roster")``, and only when the file has no errors at all, so a
half-imported roster never leaves attribution in a state nobody planned. Rows already in the database are
``duplicate`` and skipped, so importing the same file twice changes nothing.

Format (header required, ``,`` or ``;`` as delimiter)::

    nip,counter,date,start,end
    198503152010011002,BGR01,2026-10-14,08:00,15:00
    198503152010011002;BGR02;15/10/2026;08.00;12.00

Dates are ``YYYY-MM-DD`` or ``DD/MM/YYYY``; times ``HH:MM`` (``HH.MM`` as Indonesian spreadsheets write it), local
to the counter's unit (WIB/WITA/WIT), stored in UTC (spec §5).
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.orm import selectinload

from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models import Counter, CounterAssignment, Employee, EmployeeAssignment, Unit
from .audit import record_audit
from .errors import DomainError
from .tabular import DUPLICATE, ERROR, OK, BrokenRecord, CheckedRows, nip_problem, read_records

HEADER = ("nip", "counter", "date", "start", "end")
#: The upload limit: thousands of rows, and small enough to travel back signed in the dry-run page's form.
MAX_BYTES = 256_000
MAX_ROWS = 5_000


_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})")
_DMY_DATE = re.compile(r"(\d{1,2})/(\d{1,2})/(\d{4})")
_TIME = re.compile(r"(\d{1,2})[:.](\d{2})(?:[:.](\d{2}))?")


class RosterRejected(DomainError):
    """Applying was refused because the file (checked again at apply time) still has errors."""

    def __init__(self, check: RosterCheck) -> None:
        super().__init__(f"roster has {check.error_count} error(s)")
        self.check = check


@dataclass(frozen=True)
class RosterRow:
    """The verdict on one line of the file; ``message`` is a lazy string in the reader's language."""

    line: int
    status: str  # ok | error | duplicate
    message: Any
    nip: str = ""
    counter_code: str = ""
    employee_id: int | None = None
    employee_name: str | None = None
    counter_id: int | None = None
    starts_at: datetime | None = None  # UTC
    ends_at: datetime | None = None
    timezone: str | None = None  # the counter's unit's zone, to show the times as they were written


@dataclass(frozen=True)
class RosterCheck(CheckedRows[RosterRow]):
    """The result of a dry run: one :class:`RosterRow` per data line (and for a bad header), in file order."""


def _nip_problem(raw: str) -> Any | None:
    if not raw:
        return _l("NIP kosong. Jadwal hanya dapat diimpor untuk pegawai yang punya NIP atau NI PPPK.")
    return nip_problem(raw)


def _parse_date(raw: str) -> date | None:
    if match := _ISO_DATE.fullmatch(raw):
        year, month, day = (int(part) for part in match.groups())
    elif match := _DMY_DATE.fullmatch(raw):
        day, month, year = (int(part) for part in match.groups())
    else:
        return None
    if not 2000 <= year <= 2100:  # a typo, and far dates overflow when converted to UTC
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def _parse_time(raw: str) -> time | None:
    match = _TIME.fullmatch(raw)
    if not match:
        return None
    hour, minute, second = int(match.group(1)), int(match.group(2)), int(match.group(3) or 0)
    if hour > 23 or minute > 59 or second > 59:
        return None
    return time(hour, minute, second)


@dataclass(frozen=True)
class _Parsed:
    line: int
    nip: str
    code: str
    day: date
    start: time
    end: time


def _read(text: str) -> tuple[list[RosterRow], list[_Parsed]]:
    """Rows that fail on their own (format), and the well-formed ones to check against the database."""
    failed: list[RosterRow] = []
    parsed: list[_Parsed] = []
    header_seen = False
    for record in read_records(text):
        if isinstance(record, BrokenRecord):  # e.g. an unclosed quote swallowing the rest of the file
            failed.append(
                RosterRow(
                    record.line,
                    ERROR,
                    _l("Baris ini tidak dapat dibaca sebagai CSV (%(detail)s).", detail=record.detail),
                )
            )
            return failed, []
        line, cells = record.line, list(record.cells)
        if not header_seen:
            header_seen = True
            if tuple(cell.lower() for cell in cells) != HEADER:
                failed.append(
                    RosterRow(
                        line,
                        ERROR,
                        _l(
                            "Baris pertama harus berisi kepala kolom %(header)s (pemisah koma atau titik koma).",
                            header=",".join(HEADER),
                        ),
                    )
                )
                return failed, []
            continue
        if len(parsed) + len(failed) >= MAX_ROWS:
            failed.append(
                RosterRow(
                    line,
                    ERROR,
                    _l("Berkas terlalu panjang: paling banyak %(max)d baris jadwal sekali impor.", max=MAX_ROWS),
                )
            )
            return failed, []
        if len(cells) != len(HEADER):
            failed.append(
                RosterRow(
                    line,
                    ERROR,
                    _l(
                        "Baris ini punya %(n)d kolom, seharusnya %(expected)d (%(header)s).",
                        n=len(cells),
                        expected=len(HEADER),
                        header=",".join(HEADER),
                    ),
                )
            )
            continue
        nip, code, day_text, start_text, end_text = cells
        nip = nip.lstrip("'")  # Excel's "store as text" apostrophe
        code = code.upper()

        def fail(message: Any) -> None:
            failed.append(RosterRow(line, ERROR, message, nip=nip, counter_code=code))

        if (problem := _nip_problem(nip)) is not None:
            fail(problem)
            continue
        if not code:
            fail(_l("Kode loket kosong."))
            continue
        day = _parse_date(day_text)
        if day is None:
            fail(
                _l(
                    "Tanggal %(value)s tidak dikenali: tulis YYYY-MM-DD (2026-10-14) atau DD/MM/YYYY (14/10/2026).",
                    value=day_text or "–",
                )
            )
            continue
        start, end = _parse_time(start_text), _parse_time(end_text)
        if start is None or end is None:
            fail(
                _l(
                    "Jam %(value)s tidak dikenali: tulis JJ:MM, misalnya 08:00.",
                    value=(start_text if start is None else end_text) or "–",
                )
            )
            continue
        if end <= start:
            fail(
                _l(
                    "Jam selesai %(end)s tidak sesudah jam mulai %(start)s. Shift yang melewati tengah malam tidak "
                    "didukung: pecah menjadi dua baris (sampai 23:59 dan mulai 00:00).",
                    start=start_text,
                    end=end_text,
                )
            )
            continue
        parsed.append(_Parsed(line, nip, code, day, start, end))
    if not header_seen:
        failed.append(RosterRow(1, ERROR, _l("Berkas kosong: tidak ada kepala kolom maupun baris jadwal.")))
    elif not parsed and not failed:
        failed.append(RosterRow(1, ERROR, _l("Berkas hanya berisi kepala kolom, tanpa baris jadwal.")))
    return failed, parsed


def _local_range(unit: Unit, day: date, start: time, end: time) -> tuple[datetime, datetime]:
    return (
        datetime.combine(day, start, unit.zone).astimezone(UTC),
        datetime.combine(day, end, unit.zone).astimezone(UTC),
    )


def _overlaps(a_start: datetime, a_end: datetime | None, b_start: datetime, b_end: datetime | None) -> bool:
    return (b_end is None or a_start < b_end) and (a_end is None or b_start < a_end)


def check_roster(text: str, *, unit_id: int | None = None, on_row: Callable[[], None] | None = None) -> RosterCheck:
    """Check every line of a roster file against the database without changing anything (the dry run).

    ``unit_id`` limits the rows to that unit's counters (a unit admin's scope); ``None`` allows every counter.
    A row that overlaps another employee's roster on the same counter, already stored or earlier in the file, is an
    error: two people planned at once would make attribution ambiguous (spec §2.1). ``on_row`` is called once per
    data row checked (a command-line progress bar).
    """
    failed, parsed = _read(text)
    codes = {row.code for row in parsed}
    nips = {row.nip for row in parsed}
    counters = (
        {
            counter.public_code: counter
            for counter in db.session.scalars(
                select(Counter).options(selectinload(Counter.unit)).where(Counter.public_code.in_(codes))
            )
        }
        if codes
        else {}
    )
    employees = (
        {employee.nip: employee for employee in db.session.scalars(select(Employee).where(Employee.nip.in_(nips)))}
        if nips
        else {}
    )

    placements = _placements({employee.id for employee in employees.values()})

    planned: list[tuple[_Parsed, Counter, Employee, datetime, datetime]] = []
    results: list[RosterRow] = list(failed)
    for row in parsed:
        if on_row is not None:
            on_row()
        counter = counters.get(row.code)
        employee = employees.get(row.nip)

        def fail(message: Any) -> None:
            results.append(
                RosterRow(
                    row.line,
                    ERROR,
                    message,
                    nip=row.nip,
                    counter_code=row.code,
                    employee_id=employee.id if employee else None,
                    employee_name=employee.name if employee else None,
                )
            )

        if counter is None or (unit_id is not None and counter.unit_id != unit_id):
            # For another unit's counter the answer is the same as for an unknown one: no peeking across units.
            fail(
                _l("Loket %(code)s tidak ada di unit ini.", code=row.code)
                if unit_id is not None
                else _l("Loket %(code)s tidak dikenal.", code=row.code)
            )
            continue
        if not counter.active:
            fail(_l("Loket %(code)s tidak aktif.", code=row.code))
            continue
        if employee is None and unit_id is None:
            fail(_l("Tidak ada pegawai dengan NIP %(nip)s.", nip=row.nip))
            continue
        if employee is None or not _placed(placements.get(employee.id, ()), counter.unit_id, row.day):
            # Answers at a counter go to whoever is rostered there: only the unit's own employees of that date.
            # Another unit's employee reads like an unknown NIP to a unit admin (no name, no id).
            employee = None
            fail(
                _l(
                    "Pegawai dengan NIP %(nip)s tidak ditempatkan di unit loket %(code)s pada %(date)s: jadwal hanya "
                    "untuk pegawai unit itu pada tanggal tersebut.",
                    nip=row.nip,
                    code=row.code,
                    date=row.day.strftime("%d/%m/%Y"),
                )
            )
            continue
        starts_at, ends_at = _local_range(counter.unit, row.day, row.start, row.end)
        planned.append((row, counter, employee, starts_at, ends_at))

    existing: list[CounterAssignment] = []
    if planned:
        earliest = min(item[3] for item in planned)
        latest = max(item[4] for item in planned)
        existing = list(
            db.session.scalars(
                select(CounterAssignment)
                .options(selectinload(CounterAssignment.employee))
                .where(
                    CounterAssignment.source == "roster",
                    CounterAssignment.counter_id.in_(sorted({item[1].id for item in planned})),
                    CounterAssignment.starts_at < latest,
                    or_(CounterAssignment.ends_at.is_(None), CounterAssignment.ends_at > earliest),
                )
            )
        )

    accepted: list[RosterRow] = []
    for row, counter, employee, starts_at, ends_at in planned:
        base: dict[str, Any] = dict(
            nip=row.nip,
            counter_code=counter.public_code,
            employee_id=employee.id,
            employee_name=employee.name,
            counter_id=counter.id,
            starts_at=starts_at,
            ends_at=ends_at,
            timezone=counter.unit.timezone,
        )
        same_counter = [a for a in existing if a.counter_id == counter.id]
        if any(
            a.employee_id == employee.id and a.starts_at == starts_at and a.ends_at == ends_at for a in same_counter
        ):
            results.append(RosterRow(row.line, DUPLICATE, _l("Jadwal ini sudah tersimpan; dilewati."), **base))
            continue
        earlier = [r for r in accepted if r.counter_id == counter.id]
        if any(r.employee_id == employee.id and r.starts_at == starts_at and r.ends_at == ends_at for r in earlier):
            results.append(
                RosterRow(
                    row.line, DUPLICATE, _l("Baris ini sama dengan baris sebelumnya di berkas; dilewati."), **base
                )
            )
            continue
        clash = next(
            (
                a
                for a in same_counter
                if a.employee_id != employee.id and _overlaps(starts_at, ends_at, a.starts_at, a.ends_at)
            ),
            None,
        )
        if clash is not None:
            results.append(
                RosterRow(
                    row.line,
                    ERROR,
                    _l(
                        "Bertumpuk dengan jadwal %(name)s yang sudah tersimpan di loket %(code)s (%(start)s–%(end)s): "
                        "dua petugas sekaligus membuat atribusi ambigu.",
                        name=clash.employee.name,
                        code=counter.public_code,
                        start=_local_hhmm(clash.starts_at, counter.unit),
                        end=_local_hhmm(clash.ends_at, counter.unit),
                    ),
                    **base,
                )
            )
            continue
        clash_row = next(
            (
                r
                for r in earlier
                if r.employee_id != employee.id
                and r.starts_at is not None
                and _overlaps(starts_at, ends_at, r.starts_at, r.ends_at)
            ),
            None,
        )
        if clash_row is not None:
            results.append(
                RosterRow(
                    row.line,
                    ERROR,
                    _l(
                        "Bertumpuk dengan baris %(line)d (%(name)s) di loket yang sama: dua petugas sekaligus membuat "
                        "atribusi ambigu.",
                        line=clash_row.line,
                        name=clash_row.employee_name,
                    ),
                    **base,
                )
            )
            continue
        accepted_row = RosterRow(row.line, OK, _l("Siap ditambahkan."), **base)
        accepted.append(accepted_row)
        results.append(accepted_row)
    return RosterCheck(rows=tuple(sorted(results, key=lambda r: r.line)))


def _placements(employee_ids: set[int]) -> dict[int, list[tuple[int, date, date | None]]]:
    """Every placement (unit, valid_from, valid_until) of these employees, in one query."""
    placements: dict[int, list[tuple[int, date, date | None]]] = {}
    if employee_ids:
        for row in db.session.execute(
            select(
                EmployeeAssignment.employee_id,
                EmployeeAssignment.unit_id,
                EmployeeAssignment.valid_from,
                EmployeeAssignment.valid_until,
            ).where(EmployeeAssignment.employee_id.in_(sorted(employee_ids)))
        ):
            placements.setdefault(row.employee_id, []).append((row.unit_id, row.valid_from, row.valid_until))
    return placements


def _placed(placements: Iterable[tuple[int, date, date | None]], unit_id: int, day: date) -> bool:
    """Whether one of the placements puts the employee in ``unit_id`` on the local date ``day`` ([from, until))."""
    return any(
        unit == unit_id and valid_from <= day and (until is None or day < until)
        for unit, valid_from, until in placements
    )


def _local_hhmm(instant: datetime | None, unit: Unit) -> str:
    return "…" if instant is None else unit.local(instant).strftime("%d/%m %H:%M")


def apply_roster(text: str, *, unit_id: int | None = None, on_row: Callable[[], None] | None = None) -> RosterCheck:
    """Check the file again and insert its ``ok`` rows; the caller commits, so it is one transaction.

    A file with any error is refused whole (:class:`RosterRejected`): the admin fixes the file and imports it
    again, which is safe because rows already stored are skipped as duplicates.
    """
    _, parsed = _read(text)
    if parsed:
        # Two applies of one file at once (a double click) must not both insert: on PostgreSQL the second waits
        # here and then finds every row a duplicate. (SQLite ignores FOR UPDATE; it is the development database.)
        db.session.execute(
            select(Counter.id)
            .where(Counter.public_code.in_(sorted({row.code for row in parsed})))
            .order_by(Counter.id)
            .with_for_update(key_share=True)
        )
    check = check_roster(text, unit_id=unit_id, on_row=on_row)
    if check.has_errors:
        raise RosterRejected(check)
    db.session.add_all(
        [
            CounterAssignment(
                counter_id=row.counter_id,
                employee_id=row.employee_id,
                starts_at=row.starts_at,
                ends_at=row.ends_at,
                source="roster",
            )
            for row in check.rows
            if row.status == OK
        ]
    )
    db.session.flush()
    record_audit(
        "roster.import",
        entity="roster",
        unit_id=unit_id,
        after={"added": check.ok_count, "skipped_duplicates": check.duplicate_count},
    )
    return check


@dataclass(frozen=True)
class PlannedShift:
    counter_code: str
    counter_name: str
    employee_name: str
    nip: str | None
    starts_at: datetime
    ends_at: datetime | None


def upcoming_roster(unit_id: int, at: datetime, days: int = 7) -> list[PlannedShift]:
    """The unit's roster shifts that have not ended by ``at`` and start within ``days`` days, in time order."""
    rows = db.session.execute(
        select(
            CounterAssignment.starts_at,
            CounterAssignment.ends_at,
            Counter.public_code,
            Counter.name,
            Employee.name.label("employee_name"),
            Employee.nip,
        )
        .join(Counter, Counter.id == CounterAssignment.counter_id)
        .join(Employee, Employee.id == CounterAssignment.employee_id)
        .where(
            Counter.unit_id == unit_id,
            CounterAssignment.source == "roster",
            CounterAssignment.starts_at < at + timedelta(days=days),
            or_(CounterAssignment.ends_at.is_(None), CounterAssignment.ends_at > at),
        )
        .order_by(CounterAssignment.starts_at, Counter.public_code)
    ).all()
    return [
        PlannedShift(row.public_code, row.name, row.employee_name, row.nip, row.starts_at, row.ends_at) for row in rows
    ]
