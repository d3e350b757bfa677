"""Every survey response of a period in a set of units, for analysts (spec §1, §2.1, §5).

What leaves the building: the local date (no time of day: a time and a counter could name the citizen), the unit,
counter, service type, the employee it was attributed to and how, status, the nine answers, the optional profile
and the comment. Never the browser fingerprint or the form's submission key. Comments are masked (NIK, phone,
e-mail) and withheld altogether for an employee with fewer than ``COMMENT_MIN_ANSWERS`` valid answers in the
period (so a comment cannot be traced to one of a handful of visits); the unit admin sees them as written.

Rows are read with a server-side cursor in batches (``yield_per``), so memory stays flat in the number of rows.
"""

from __future__ import annotations

from collections.abc import Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, time
from typing import Any

from sqlalchemy import func, select

from scoring import Period

from ...extensions import db
from ...identifiers import mask_personal_data
from ...models import UNSUR_CODES, Counter, Employee, ServiceType, SurveyResponse, Unit
from ..tabular import XLSX_MAX_ROWS, Column, Sheet
from . import units_by_id

COMMENT_MIN_ANSWERS = 5
BATCH = 2_000
WITHHELD = "[disembunyikan: kurang dari 5 jawaban untuk pegawai ini]"

COLUMNS = (
    Column("Tanggal", "date", 12),
    Column("Unit", width=16),
    Column("Loket", width=10),
    Column("Jenis layanan", width=20),
    Column("NIP petugas", "nip", 20),
    Column("Nama petugas", width=24),
    Column("Atribusi", width=10),
    Column("Kanal", width=10),
    Column("Status", width=10),
    *(Column(code.upper(), "int", 5) for code in UNSUR_CODES),
    Column("Jenis kelamin", width=8),
    Column("Umur", width=8),
    Column("Pendidikan", width=10),
    Column("Pekerjaan", width=10),
    Column("Bahasa", width=7),
    Column("Saran", width=60),
)


@dataclass(frozen=True)
class RawExport:
    """What to export: the period, the units, and the units whose admin is reading (their comments unmasked)."""

    period: Period
    unit_ids: Sequence[int]
    admin_of: frozenset[int] = frozenset()


def _bounds(unit: Unit, period: Period) -> tuple[datetime, datetime]:
    return (
        datetime.combine(period.start, time(), unit.zone),
        datetime.combine(period.end, time(), unit.zone),
    )


def count_rows(export: RawExport) -> int:
    """How many rows the export has (one COUNT per unit over the period index), to pick CSV when XLSX cannot hold it."""
    total = 0
    for unit in units_by_id(export.unit_ids):
        start, end = _bounds(unit, export.period)
        total += (
            db.session.scalar(
                select(func.count()).where(
                    SurveyResponse.unit_id == unit.id,
                    SurveyResponse.counted_at >= start,
                    SurveyResponse.counted_at < end,
                )
            )
            or 0
        )
    return total


def fits_xlsx(rows: int) -> bool:
    return rows < XLSX_MAX_ROWS  # the header takes the first row


def _thin_employees(unit: Unit, start: datetime, end: datetime) -> set[int]:
    """Employees with fewer than COMMENT_MIN_ANSWERS valid answers in the unit and period (aggregated in SQL)."""
    counts = db.session.execute(
        select(SurveyResponse.employee_id, func.count())
        .where(
            SurveyResponse.unit_id == unit.id,
            SurveyResponse.counted_at >= start,
            SurveyResponse.counted_at < end,
            SurveyResponse.employee_id.is_not(None),
            SurveyResponse.status == "valid",
        )
        .group_by(SurveyResponse.employee_id)
    )
    answered = {row[0]: row[1] for row in counts}
    attributed = db.session.scalars(
        select(SurveyResponse.employee_id)
        .where(
            SurveyResponse.unit_id == unit.id,
            SurveyResponse.counted_at >= start,
            SurveyResponse.counted_at < end,
            SurveyResponse.employee_id.is_not(None),
        )
        .distinct()
    )
    return {
        employee_id
        for employee_id in attributed
        if employee_id is not None and answered.get(employee_id, 0) < COMMENT_MIN_ANSWERS
    }


def _comment(text: str | None, employee_id: int | None, thin: set[int], unit_admin: bool) -> str | None:
    if not text:
        return None
    if unit_admin:
        return text
    if employee_id is not None and employee_id in thin:
        return WITHHELD
    return mask_personal_data(text)


_SELECTED = (
    SurveyResponse.counted_at,
    SurveyResponse.counter_id,
    SurveyResponse.service_type_id,
    SurveyResponse.employee_id,
    SurveyResponse.attribution_source,
    SurveyResponse.channel,
    SurveyResponse.status,
    *(getattr(SurveyResponse, code) for code in UNSUR_CODES),
    SurveyResponse.respondent_sex,
    SurveyResponse.age_band,
    SurveyResponse.education,
    SurveyResponse.occupation,
    SurveyResponse.locale,
    SurveyResponse.comment,
)


def _pairs(query: Any) -> dict[Any, Any]:
    return {row[0]: row[1] for row in db.session.execute(query)}


def raw_rows(export: RawExport) -> Iterator[list[object]]:
    """The rows, unit by unit, in the order of the period index (counted_at, id)."""
    for unit in units_by_id(export.unit_ids):
        start, end = _bounds(unit, export.period)
        counters = _pairs(select(Counter.id, Counter.public_code).where(Counter.unit_id == unit.id))
        services = _pairs(select(ServiceType.id, ServiceType.name).where(ServiceType.unit_id == unit.id))
        thin = _thin_employees(unit, start, end)
        unit_admin = unit.id in export.admin_of
        employees: dict[int, tuple[str | None, str | None]] = {}
        result = db.session.execute(
            select(*_SELECTED)
            .where(
                SurveyResponse.unit_id == unit.id,
                SurveyResponse.counted_at >= start,
                SurveyResponse.counted_at < end,
            )
            .order_by(SurveyResponse.counted_at, SurveyResponse.id)
            .execution_options(yield_per=BATCH)
        )
        zone = unit.zone
        for partition in result.partitions():
            wanted = {row.employee_id for row in partition if row.employee_id is not None} - employees.keys()
            if wanted:
                for found in db.session.execute(
                    select(Employee.id, Employee.nip, Employee.name).where(Employee.id.in_(sorted(wanted)))
                ):
                    employees[found.id] = (found.nip, found.name)
            for row in partition:
                staff = employees.get(row.employee_id, (None, None)) if row.employee_id else (None, None)
                yield [
                    row.counted_at.astimezone(zone).date(),
                    unit.slug,
                    counters.get(row.counter_id),
                    services.get(row.service_type_id) if row.service_type_id else None,
                    staff[0],
                    staff[1],
                    row.attribution_source,
                    row.channel,
                    row.status,
                    *(getattr(row, code) for code in UNSUR_CODES),
                    row.respondent_sex,
                    row.age_band,
                    row.education,
                    row.occupation,
                    row.locale,
                    _comment(row.comment, row.employee_id, thin, unit_admin),
                ]


def raw_sheet(export: RawExport) -> Sheet:
    return Sheet("Respons", COLUMNS, raw_rows(export))
