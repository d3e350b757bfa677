"""Inputs of the score runs that people enter: SKP targets, BerAKHLAK ratings and holidays (spec §2.4, §3).

Imports are all or nothing: every line is checked first (with scoring's own rules for targets and ratings) and
a file with any problem stores nothing and lists every problem with its line number. Re-importing the same
file changes nothing; a changed line updates the row it names (employee + period + target name, or employee +
period for ratings). Complaints have no entry form yet: they come from the survey's comment flow when it exists,
and from fixtures in tests.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from decimal import Decimal, InvalidOperation

from sqlalchemy import select

from scoring import AppraisalTarget, BehaviourRatings, Rating, ScoringError, parse_period, suggest_perilaku
from scoring.appraisal import BERAKHLAK

from ..extensions import db
from ..models import BERAKHLAK_VALUES, RATINGS, BehaviourRating, Employee, EmployeeTarget, Holiday
from .audit import record_audit
from .errors import DomainError
from .tabular import BrokenRecord, Record, read_records

#: Stored rating codes (models.RATINGS) → scoring's ratings.
RATING_BY_CODE: Mapping[str, Rating] = {
    "di_bawah": Rating.DI_BAWAH,
    "sesuai": Rating.SESUAI,
    "di_atas": Rating.DI_ATAS,
}
#: Stored BerAKHLAK columns → the names scoring uses (the same order, spec §3).
BERAKHLAK_NAMES: Mapping[str, str] = dict(zip(BERAKHLAK_VALUES, BERAKHLAK, strict=True))

TARGET_COLUMNS = ("nip", "period", "name", "target", "realisation", "lower_is_better", "unit")
TARGET_REQUIRED = ("nip", "period", "name", "target")
RATING_COLUMNS = ("nip", "period", "supervisor_nip", *BERAKHLAK_VALUES, "overall", "override_reason", "feedback")
RATING_REQUIRED = ("nip", "period", *BERAKHLAK_VALUES)

#: Indonesia's national holidays (libur nasional) of 2026 under SKB 3 Menteri No. 1497, 2 and 5 of 2025. Later
#: years are not built in: the admin adds them with ``flask holidays add`` once the government publishes them.
NATIONAL_HOLIDAYS: Mapping[int, tuple[tuple[date, str], ...]] = {
    2026: (
        (date(2026, 1, 1), "Tahun Baru 2026 Masehi"),
        (date(2026, 1, 16), "Isra Mikraj Nabi Muhammad SAW"),
        (date(2026, 2, 17), "Tahun Baru Imlek 2577 Kongzili"),
        (date(2026, 3, 19), "Hari Suci Nyepi Tahun Baru Saka 1948"),
        (date(2026, 3, 21), "Hari Raya Idul Fitri 1447 Hijriah"),
        (date(2026, 3, 22), "Hari Raya Idul Fitri 1447 Hijriah"),
        (date(2026, 4, 3), "Wafat Yesus Kristus"),
        (date(2026, 4, 5), "Kebangkitan Yesus Kristus (Paskah)"),
        (date(2026, 5, 1), "Hari Buruh Internasional"),
        (date(2026, 5, 14), "Kenaikan Yesus Kristus"),
        (date(2026, 5, 27), "Hari Raya Idul Adha 1447 Hijriah"),
        (date(2026, 5, 31), "Hari Raya Waisak 2570 BE"),
        (date(2026, 6, 1), "Hari Lahir Pancasila"),
        (date(2026, 6, 16), "Tahun Baru Islam 1448 Hijriah"),
        (date(2026, 8, 17), "Hari Proklamasi Kemerdekaan Republik Indonesia"),
        (date(2026, 8, 25), "Maulid Nabi Muhammad SAW"),
        (date(2026, 12, 25), "Hari Raya Natal"),
    ),
}
#: The cuti bersama (joint leave days) of the same decree; ASN offices are closed, so they can be seeded too.
CUTI_BERSAMA: Mapping[int, tuple[tuple[date, str], ...]] = {
    2026: (
        (date(2026, 2, 16), "Cuti bersama Tahun Baru Imlek"),
        (date(2026, 3, 18), "Cuti bersama Hari Suci Nyepi"),
        (date(2026, 3, 20), "Cuti bersama Idul Fitri"),
        (date(2026, 3, 23), "Cuti bersama Idul Fitri"),
        (date(2026, 3, 24), "Cuti bersama Idul Fitri"),
        (date(2026, 5, 15), "Cuti bersama Kenaikan Yesus Kristus"),
        (date(2026, 5, 28), "Cuti bersama Idul Adha"),
        (date(2026, 12, 24), "Cuti bersama Hari Raya Natal"),
    ),
}

_MAX_PROBLEMS = 50
_TRUE = {"1", "true", "ya", "yes", "y"}
_FALSE = {"", "0", "false", "tidak", "no", "n"}


class AppraisalInputError(DomainError):
    """An import or holiday entry was refused; ``problems`` lists each reason (with its line for files)."""

    def __init__(self, problems: list[str]) -> None:
        self.problems = problems
        shown = problems[:_MAX_PROBLEMS]
        more = len(problems) - len(shown)
        super().__init__("\n".join(shown + ([f"... and {more} more problem(s)"] if more else [])))


@dataclass(frozen=True)
class ImportResult:
    """How many rows an import created, updated, and left as they were."""

    created: int
    updated: int
    unchanged: int

    def counts(self) -> dict[str, int]:
        return {"created": self.created, "updated": self.updated, "unchanged": self.unchanged}


def _rows(text: str, columns: tuple[str, ...], required: tuple[str, ...]) -> list[tuple[int, dict[str, str]]]:
    """(line number, row) of an uploaded table (``services/tabular``: CSV with ``,`` ``;`` or tab, or a workbook)."""
    records: list[Record] = []
    for record in read_records(text):
        if isinstance(record, BrokenRecord):
            raise AppraisalInputError([f"line {record.line}: not readable as CSV ({record.detail})"])
        records.append(record)
    if not records:
        raise AppraisalInputError(["the file has no data rows"])
    header_record, *data = records
    header = [name.lower() for name in header_record.cells]
    missing = [name for name in required if name not in header]
    unknown = [name for name in header if name not in columns]
    if missing or unknown:
        problems = []
        if missing:
            problems.append(f"line {header_record.line}: missing column(s) {', '.join(missing)}")
        if unknown:
            problems.append(
                f"line {header_record.line}: unknown column(s) {', '.join(unknown)}; "
                f"the columns are {', '.join(columns)}"
            )
        raise AppraisalInputError(problems)
    rows = []
    for record in data:
        cells = list(record.cells) + [""] * (len(header) - len(record.cells))
        rows.append((record.line, dict(zip(header, cells[: len(header)]))))
    if not rows:
        raise AppraisalInputError(["the file has no data rows"])
    return rows


def _nip(text: str) -> str:
    return text.lstrip("'").replace(" ", "")


def _employees(nips: set[str]) -> dict[str, Employee]:
    if not nips:
        return {}
    found = db.session.scalars(select(Employee).where(Employee.nip.in_(sorted(nips))))
    return {employee.nip: employee for employee in found if employee.nip}


def _period_id(text: str, problems: list[str], line: int) -> str | None:
    try:
        return parse_period(text.strip().upper()).id
    except ScoringError as error:
        problems.append(f"line {line}: period: {error}")
        return None


def _decimal(text: str, what: str) -> Decimal:
    """A number with at most 4 decimals and 10 whole digits (the column is NUMERIC(14, 4)); "12,5" reads as 12.5."""
    cleaned = text.replace(",", ".") if "." not in text else text
    try:
        number = Decimal(cleaned)
    except InvalidOperation:
        raise ValueError(f"{what} must be a number such as 120 or 92.5; got {text!r}") from None
    exponent = number.as_tuple().exponent
    if not number.is_finite() or not isinstance(exponent, int) or exponent < -4 or abs(number) >= Decimal(10) ** 10:
        raise ValueError(f"{what} must be a number below 10 000 000 000 with at most 4 decimals; got {text!r}")
    return number


def import_targets(text: str) -> ImportResult:
    """Store SKP targets from CSV ``nip,period,name,target,realisation,lower_is_better,unit`` (spec §3).

    ``realisation`` may be empty (not reported yet); ``lower_is_better`` is 1/0, ya/tidak or yes/no (default no);
    ``unit`` is the measure (berkas, menit, %). The caller commits.
    """
    rows = _rows(text, TARGET_COLUMNS, TARGET_REQUIRED)
    employees = _employees({_nip(row["nip"]) for _, row in rows})
    problems: list[str] = []
    parsed: dict[tuple[int, str, str], tuple[int, AppraisalTarget, str | None]] = {}
    for line, row in rows:
        employee = employees.get(_nip(row["nip"]))
        if employee is None:
            problems.append(f"line {line}: no employee with NIP {row['nip']!r} (write the 18 digits as text)")
        period_id = _period_id(row["period"], problems, line)
        name = row["name"]
        measure = row.get("unit") or None
        flag = row.get("lower_is_better", "").lower()
        try:
            if not name or len(name) > 200:
                raise ValueError("name must be 1 to 200 characters")
            if measure is not None and len(measure) > 40:
                raise ValueError("unit must be at most 40 characters")
            if flag not in _TRUE | _FALSE:
                raise ValueError(f"lower_is_better must be 1/0, ya/tidak or yes/no; got {row['lower_is_better']!r}")
            target = _decimal(row["target"], "target")
            realisation = _decimal(row["realisation"], "realisation") if row.get("realisation") else None
            checked = AppraisalTarget(name, target, realisation, flag in _TRUE)
        except (ValueError, ScoringError) as error:
            problems.append(f"line {line}: {error}")
            continue
        if employee is None or period_id is None:
            continue
        key = (employee.id, period_id, name)
        if key in parsed:
            problems.append(f"line {line}: repeats the target {name!r} of NIP {employee.nip} for {period_id}")
            continue
        parsed[key] = (line, checked, measure)
    if problems:
        raise AppraisalInputError(problems)

    existing = {
        (t.employee_id, t.period_id, t.name): t
        for t in db.session.scalars(
            select(EmployeeTarget).where(
                EmployeeTarget.employee_id.in_(sorted({key[0] for key in parsed})),
                EmployeeTarget.period_id.in_(sorted({key[1] for key in parsed})),
            )
        )
    }
    created = updated = unchanged = 0
    for (employee_id, period_id, name), (_, checked, measure) in parsed.items():
        columns = {
            "target": checked.target,
            "realisation": checked.realisation,
            "lower_is_better": checked.lower_is_better,
            "measure_unit": measure,
        }
        stored = existing.get((employee_id, period_id, name))
        if stored is None:
            db.session.add(EmployeeTarget(employee_id=employee_id, period_id=period_id, name=name, **columns))
            created += 1
        elif all(getattr(stored, column) == value for column, value in columns.items()):
            unchanged += 1
        else:
            for column, value in columns.items():
                setattr(stored, column, value)
            updated += 1
    db.session.flush()
    result = ImportResult(created, updated, unchanged)
    record_audit("appraisal.import_targets", entity="employee_target", after=result.counts())
    return result


def _rating(text: str) -> str:
    """A stored rating code from di_bawah/sesuai/di_atas or "Di Bawah Ekspektasi" and the like."""
    code = text.strip().lower().replace(" ekspektasi", "").replace("-", "_").replace(" ", "_")
    if code not in RATINGS:
        raise ValueError(f"{text!r} is not a rating; use di_bawah, sesuai or di_atas")
    return code


def behaviour_ratings(row: BehaviourRating) -> BehaviourRatings:
    """A stored rating as scoring reads it: the seven BerAKHLAK values, the overall rating and its reason."""
    return BehaviourRatings(
        {BERAKHLAK_NAMES[column]: RATING_BY_CODE[getattr(row, column)] for column in BERAKHLAK_VALUES},
        overall=None if row.overall is None else RATING_BY_CODE[row.overall],
        override_reason=row.override_reason,
    )


def import_ratings(text: str) -> ImportResult:
    """Store supervisors' BerAKHLAK ratings from CSV (spec §3).

    Columns: ``nip,period,supervisor_nip`` + the seven values ``berorientasi_pelayanan … kolaboratif`` as
    di_bawah/sesuai/di_atas + ``overall,override_reason,feedback``. ``overall`` may be empty; when it differs
    from the suggested rating (the median of the seven) ``override_reason`` is required. The caller commits.
    """
    rows = _rows(text, RATING_COLUMNS, RATING_REQUIRED)
    nips = {_nip(row["nip"]) for _, row in rows} | {
        _nip(row["supervisor_nip"]) for _, row in rows if row.get("supervisor_nip")
    }
    employees = _employees(nips)
    problems: list[str] = []
    parsed: dict[tuple[int, str], dict[str, object]] = {}
    for line, row in rows:
        employee = employees.get(_nip(row["nip"]))
        if employee is None:
            problems.append(f"line {line}: no employee with NIP {row['nip']!r} (write the 18 digits as text)")
        period_id = _period_id(row["period"], problems, line)
        supervisor = None
        if row.get("supervisor_nip"):
            supervisor = employees.get(_nip(row["supervisor_nip"]))
            if supervisor is None:
                problems.append(f"line {line}: no supervisor with NIP {row['supervisor_nip']!r}")
            elif employee is not None and supervisor.id == employee.id:
                problems.append(f"line {line}: an employee cannot rate themself (supervisor_nip = nip)")
        try:
            values = {column: _rating(row[column]) for column in BERAKHLAK_VALUES}
            overall = _rating(row["overall"]) if row.get("overall") else None
        except ValueError as error:
            problems.append(f"line {line}: {error}")
            continue
        suggested = suggest_perilaku({BERAKHLAK_NAMES[c]: RATING_BY_CODE[v] for c, v in values.items()})
        reason = row.get("override_reason") or None
        if overall is not None and RATING_BY_CODE[overall] is not suggested and not reason:
            problems.append(
                f"line {line}: overall {overall} differs from the suggested rating ({suggested.value}, the median "
                f"of the seven values); give an override_reason"
            )
            continue
        if employee is None or period_id is None:
            continue
        if (employee.id, period_id) in parsed:
            problems.append(f"line {line}: repeats the rating of NIP {employee.nip} for {period_id}")
            continue
        parsed[employee.id, period_id] = {
            **values,
            "overall": overall,
            "override_reason": reason,
            "feedback": row.get("feedback") or None,
            "supervisor_id": None if supervisor is None else supervisor.id,
        }
    if problems:
        raise AppraisalInputError(problems)

    existing = {
        (r.employee_id, r.period_id): r
        for r in db.session.scalars(
            select(BehaviourRating).where(
                BehaviourRating.employee_id.in_(sorted({key[0] for key in parsed})),
                BehaviourRating.period_id.in_(sorted({key[1] for key in parsed})),
            )
        )
    }
    created = updated = unchanged = 0
    for (employee_id, period_id), fields in parsed.items():
        rating = existing.get((employee_id, period_id))
        if rating is None:
            db.session.add(BehaviourRating(employee_id=employee_id, period_id=period_id, **fields))
            created += 1
        elif all(getattr(rating, key) == value for key, value in fields.items()):
            unchanged += 1
        else:
            for key, value in fields.items():
                setattr(rating, key, value)
            updated += 1
    db.session.flush()
    result = ImportResult(created, updated, unchanged)
    record_audit("appraisal.import_ratings", entity="behaviour_rating", after=result.counts())
    return result


def add_holiday(day: date, name: str) -> bool:
    """Add a holiday, or rename the one on that day; True when it is new (spec §2.4). The caller commits."""
    name = name.strip()
    if not name or len(name) > 120:
        raise AppraisalInputError(["a holiday needs a name of 1 to 120 characters"])
    holiday = db.session.get(Holiday, day)
    if holiday is None:
        db.session.add(Holiday(day=day, name=name))
        db.session.flush()
        record_audit("holiday.add", entity="holiday", entity_id=day.isoformat(), after={"name": name})
        return True
    if holiday.name != name:
        before = {"name": holiday.name}
        holiday.name = name
        db.session.flush()
        record_audit("holiday.rename", entity="holiday", entity_id=day.isoformat(), before=before, after={"name": name})
    return False


def seed_national_holidays(year: int, include_cuti_bersama: bool = False) -> int:
    """Add the built-in national holidays of ``year`` that are missing; return how many were added (spec §2.4).

    Days already in the list keep their names. Only 2026 is built in; other years are entered one by one.
    """
    if year not in NATIONAL_HOLIDAYS:
        known = ", ".join(str(y) for y in sorted(NATIONAL_HOLIDAYS))
        raise AppraisalInputError(
            [
                f"the national holidays of {year} are not built in (only {known}); add them with "
                f"`flask --app wsgi holidays add DATE NAME` from the government's decree (SKB 3 Menteri)"
            ]
        )
    days = list(NATIONAL_HOLIDAYS[year]) + (list(CUTI_BERSAMA.get(year, ())) if include_cuti_bersama else [])
    known_days = set(db.session.scalars(select(Holiday.day).where(Holiday.day.in_([day for day, _ in days]))))
    added = [Holiday(day=day, name=name) for day, name in days if day not in known_days]
    db.session.add_all(added)
    db.session.flush()
    if added:
        record_audit(
            "holiday.seed_national",
            entity="holiday",
            after={"year": year, "added": len(added), "cuti_bersama": include_cuti_bersama},
        )
    return len(added)


def list_holidays(year: int | None = None) -> list[Holiday]:
    """The holiday list, oldest first, optionally of one year."""
    query = select(Holiday).order_by(Holiday.day)
    if year is not None:
        query = query.where(Holiday.day >= date(year, 1, 1), Holiday.day < date(year + 1, 1, 1))
    return list(db.session.scalars(query))
