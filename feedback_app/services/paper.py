"""Paper questionnaires: SKM sheets collected on paper, typed in by an admin one by one or imported as a tally sheet.

A paper answer is stored like any other (channel ``paper``, status ``valid``) and attributed to the unit only
(source ``none``), optionally to the counter where the sheet was collected, on the date written on it. It counts in
the unit's SKM (IKM) and never in an employee's indicators: it names no employee (a database constraint), and a
score run shrinks employee figures towards the unit's electronic answers only (services/score_runs/compute.py).

Each sheet carries a submission key, so a retried form or a re-imported file stores nothing twice: the form's key is
random per rendered form; an imported row's key is derived from the unit, the file's content and the row's line.

Tally-sheet format (header required, ``,`` ``;`` or tab; CSV or the first sheet of an .xlsx), one row per sheet::

    tanggal,loket,u1,u2,u3,u4,u5,u6,u7,u8,u9,jenis_kelamin,umur,pendidikan,pekerjaan,layanan
    2026-09-14,BGR01,3,3,4,4,3,3,4,3,3,P,34,SMA,Swasta,KTP-el
    15/09/2026,,4,4,4,4,4,4,4,4,4,,,,,

``loket`` empty means the unit only; the profile columns may be left out or empty; ``umur`` is a band (``20-29``)
or an age in years. English headers (date, counter, sex, age, education, occupation, service) are read too.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from typing import Any

from markupsafe import Markup
from sqlalchemy import func, select

from feedback_app.services.sufficient_statistics import period_window

from ..clock import now
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..models import AGE_BANDS, EDUCATIONS, OCCUPATIONS, SEXES, Counter, ServiceType, SurveyResponse, Unit
from .audit import record_audit
from .errors import DomainError
from .tabular import DUPLICATE, ERROR, OK, BrokenRecord, CheckedRows, read_records

UNSUR_FIELDS = tuple(f"u{i}" for i in range(1, 10))
PROFILE_FIELDS = ("respondent_sex", "age_band", "education", "occupation")
#: The fingerprint column of a paper answer: no browser, so no HMAC; never equal to a real (hex) fingerprint.
PAPER_FINGERPRINT = "paper"
#: The hour of the local day a sheet's date is stored at (the date decides the period, spec §2.1, §5).
SHEET_HOUR = time(12, 0)
MAX_BYTES = 256_000
MAX_ROWS = 10_000

HEADER_ALIASES: Mapping[str, str] = {
    "tanggal": "date",
    "date": "date",
    "loket": "counter",
    "counter": "counter",
    **{code: code for code in UNSUR_FIELDS},
    "jenis_kelamin": "respondent_sex",
    "sex": "respondent_sex",
    "umur": "age_band",
    "age": "age_band",
    "pendidikan": "education",
    "education": "education",
    "pekerjaan": "occupation",
    "occupation": "occupation",
    "layanan": "service_type",
    "jenis_layanan": "service_type",
    "service": "service_type",
}
TEMPLATE_HEADER = (
    "tanggal",
    "loket",
    *UNSUR_FIELDS,
    "jenis_kelamin",
    "umur",
    "pendidikan",
    "pekerjaan",
    "layanan",
)

_ISO_DATE = re.compile(r"(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T]00:00(?::00)?)?")
_DMY_DATE = re.compile(r"(\d{1,2})[/.](\d{1,2})[/.](\d{4})")


class PaperSheetError(DomainError):
    """A sheet cannot be stored as given; ``errors`` maps each field to a message in the reader's language."""

    def __init__(self, errors: Mapping[str, Any]) -> None:
        super().__init__(f"paper sheet refused: {', '.join(errors)}")
        self.errors = dict(errors)


@dataclass(frozen=True)
class PaperSheet:
    """One questionnaire as written on paper: the nine answers by unsur code, the date, where, and the profile."""

    day: date
    answers: Mapping[str, int]  # u1 … u9
    counter_id: int | None = None
    service_type_id: int | None = None
    profile: Mapping[str, str | None] = field(default_factory=dict)


def parse_answers(text: str) -> tuple[dict[str, int] | None, Any | None]:
    """The nine answers typed as nine digits (spaces, commas and dots between them are allowed), or an error.

    ``"343344343"`` and ``"3 4 3 3 4 4 3 4 3"`` give the same answers, U1 first (the order of the official form).
    """
    digits = re.sub(r"[\s,.;/-]", "", text or "")
    if not digits:
        return None, _l("Isi sembilan jawaban (angka 1–4), U1 sampai U9.")
    if not digits.isdigit():
        return None, _l("Jawaban hanya boleh berisi angka 1–4.")
    if len(digits) != len(UNSUR_FIELDS):
        return None, _l("Harus tepat sembilan jawaban (U1–U9); yang diketik %(n)d.", n=len(digits))
    wrong = [f"U{i + 1}" for i, d in enumerate(digits) if d not in "1234"]
    if wrong:
        return None, _l("Jawaban %(codes)s harus angka 1–4.", codes=", ".join(wrong))
    return {code: int(d) for code, d in zip(UNSUR_FIELDS, digits)}, None


def new_submission_key() -> str:
    """A random key for one rendered entry form: its retried POST stores nothing new."""
    return secrets.token_hex(16)


def _instant(unit: Unit, day: date) -> datetime:
    return datetime.combine(day, SHEET_HOUR, unit.zone).astimezone(UTC)


def _check_day(unit: Unit, day: date) -> Any | None:
    today = now().astimezone(unit.zone).date()
    if day > today:
        return _l("Tanggal lembar tidak boleh di masa depan (hari ini %(today)s).", today=today.isoformat())
    if day.year < today.year - 5:
        return _l("Tanggal lembar terlalu lama: paling awal tahun %(year)d.", year=today.year - 5)
    return None


def _row(unit: Unit, sheet: PaperSheet, submission_key: str) -> SurveyResponse:
    at = _instant(unit, sheet.day)
    return SurveyResponse(
        unit_id=unit.id,
        counter_id=sheet.counter_id,
        service_type_id=sheet.service_type_id,
        employee_id=None,
        attribution_source="none",
        channel="paper",
        status="valid",
        locale="id",
        client_fingerprint=PAPER_FINGERPRINT,
        submission_key=submission_key,
        submitted_at=at,
        counted_at=at,
        **dict(sheet.answers),
        **{name: sheet.profile.get(name) for name in PROFILE_FIELDS},
    )


def _existing(submission_key: str) -> SurveyResponse | None:
    return db.session.scalar(select(SurveyResponse).where(SurveyResponse.submission_key == submission_key))


def enter_paper_sheet(unit: Unit, sheet: PaperSheet, submission_key: str) -> tuple[SurveyResponse, bool]:
    """Store one paper sheet typed in by an admin, audited; ``(response, False)`` when this key is already stored.

    The caller commits. The counter and service type must belong to the unit; the date may not lie in the future.
    """
    if not re.fullmatch(r"[0-9a-f]{32}", submission_key or ""):
        raise PaperSheetError({"submission_key": _l("Formulir tidak lengkap; muat ulang halaman.")})
    existing = _existing(submission_key)
    if existing is not None:
        if existing.unit_id != unit.id or existing.channel != "paper":
            raise PaperSheetError({"submission_key": _l("Formulir tidak lengkap; muat ulang halaman.")})
        return existing, False
    errors: dict[str, Any] = {}
    problem = _check_day(unit, sheet.day)
    if problem is not None:
        errors["day"] = problem
    if sheet.counter_id is not None:
        counter = db.session.get(Counter, sheet.counter_id)
        if counter is None or counter.unit_id != unit.id:
            errors["counter"] = _l("Loket ini bukan milik unit %(unit)s.", unit=unit.name)
    if sheet.service_type_id is not None:
        service = db.session.get(ServiceType, sheet.service_type_id)
        if service is None or service.unit_id != unit.id:
            errors["service_type"] = _l("Jenis layanan ini bukan milik unit %(unit)s.", unit=unit.name)
    if sorted(sheet.answers) != sorted(UNSUR_FIELDS) or any(v not in (1, 2, 3, 4) for v in sheet.answers.values()):
        errors["answers"] = _l("Isi sembilan jawaban (angka 1–4), U1 sampai U9.")
    if errors:
        raise PaperSheetError(errors)
    response = _row(unit, sheet, submission_key)
    db.session.add(response)
    db.session.flush()
    record_audit(
        "response.enter_paper",
        entity="response",
        entity_id=response.id,
        unit_id=unit.id,
        after={
            "channel": "paper",
            "day": sheet.day.isoformat(),
            "counter_id": sheet.counter_id,
            "answers": "".join(str(sheet.answers[c]) for c in UNSUR_FIELDS),
        },
    )
    return response, True


def paper_sheets_on(unit: Unit, day: date) -> int:
    """How many paper sheets of the unit are stored for one local date (the entry page's counter)."""
    at = _instant(unit, day)
    return int(
        db.session.scalar(
            select(func.count()).where(
                SurveyResponse.unit_id == unit.id, SurveyResponse.channel == "paper", SurveyResponse.counted_at == at
            )
        )
        or 0
    )


def paper_sheets_in(unit: Unit, period: Any) -> int:
    """How many paper sheets of the unit fall in a period (any status)."""
    window = period_window(unit, period)
    return int(
        db.session.scalar(
            select(func.count()).where(
                SurveyResponse.unit_id == unit.id,
                SurveyResponse.channel == "paper",
                SurveyResponse.counted_at >= window.start,
                SurveyResponse.counted_at < window.end,
            )
        )
        or 0
    )


# --- The tally-sheet import --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Problems:
    """Every problem of one row, translated when shown (``str`` on the command line, escaped in a page)."""

    parts: tuple[Any, ...]

    def __str__(self) -> str:
        return "; ".join(str(part) for part in self.parts)

    def __html__(self) -> str:
        return str(Markup("; ").join(self.parts))


@dataclass(frozen=True)
class PaperRow:
    """The verdict on one line of a tally sheet; ``message`` is a lazy string in the reader's language."""

    line: int
    status: str  # ok | error | duplicate
    message: Any
    sheet: PaperSheet | None = None
    submission_key: str = ""


@dataclass(frozen=True)
class PaperCheck(CheckedRows[PaperRow]):
    """A dry run: one :class:`PaperRow` per data line (and one for a bad header), in file order."""


class PaperImportRejected(DomainError):
    """Applying was refused: the file, checked again, has errors (nothing was stored)."""

    def __init__(self, check: PaperCheck) -> None:
        super().__init__(f"paper import has {check.error_count} error(s)")
        self.check = check


def _parse_date(raw: str) -> date | None:
    for pattern, order in ((_ISO_DATE, (1, 2, 3)), (_DMY_DATE, (3, 2, 1))):
        match = pattern.fullmatch(raw.strip())
        if match:
            try:
                return date(int(match[order[0]]), int(match[order[1]]), int(match[order[2]]))
            except ValueError:
                return None
    return None


def age_band(raw: str) -> str | None:
    """An age band from a band code or an age in whole years (spec §1.2); None when it is neither.

    >>> age_band("34"), age_band("<=19"), age_band("19"), age_band("60"), age_band("tua")
    ('30-39', '<=19', '<=19', '>=60', None)
    """
    text = raw.strip().replace("–", "-").replace(" ", "")
    if text in AGE_BANDS:
        return text
    if text.isdigit() and 0 < int(text) < 130:
        years = int(text)
        if years <= 19:
            return "<=19"
        if years >= 60:
            return ">=60"
        low = years // 10 * 10
        return f"{low}-{low + 9}"
    return None


def _choice(raw: str, options: tuple[str, ...]) -> str | None:
    wanted = raw.strip().casefold()
    return next((option for option in options if option.casefold() == wanted), None)


def _import_key(unit: Unit, digest: str, line: int) -> str:
    return hashlib.sha256(f"paper-import:{unit.id}:{digest}:{line}".encode()).hexdigest()[:32]


def check_paper_import(text: str, unit: Unit) -> PaperCheck:
    """The dry run of a tally sheet: each row checked, nothing stored; rows already imported are ``duplicate``."""
    rows: list[PaperRow] = []
    records = read_records(text)
    header_record = next(records, None)
    if header_record is None or isinstance(header_record, BrokenRecord):
        return PaperCheck((PaperRow(1, ERROR, _l("Berkas kosong atau baris judul tidak terbaca.")),))
    header = [HEADER_ALIASES.get(cell.strip().casefold().replace(" ", "_"), "") for cell in header_record.cells]
    unknown = [cell for cell, name in zip(header_record.cells, header) if not name and cell.strip()]
    missing = [name for name in ("date", *UNSUR_FIELDS) if name not in header]
    if unknown or missing:
        return PaperCheck(
            (
                PaperRow(
                    header_record.line,
                    ERROR,
                    _l(
                        "Baris judul harus memuat %(header)s; kolom tidak dikenal: %(unknown)s; kolom kurang: "
                        "%(missing)s.",
                        header=",".join(TEMPLATE_HEADER),
                        unknown=", ".join(unknown) or "-",
                        missing=", ".join(missing) or "-",
                    ),
                ),
            )
        )
    digest = hashlib.sha256(text.encode()).hexdigest()
    counters = {
        c.public_code.upper(): c.id for c in db.session.scalars(select(Counter).where(Counter.unit_id == unit.id))
    }
    services = {
        s.name.casefold(): s.id for s in db.session.scalars(select(ServiceType).where(ServiceType.unit_id == unit.id))
    }
    pending: list[PaperRow] = []
    for record in records:
        if isinstance(record, BrokenRecord):
            rows.append(PaperRow(record.line, ERROR, _l("Baris ini tidak terbaca (tanda petik tidak ditutup?).")))
            break
        if len(rows) + len(pending) >= MAX_ROWS:
            rows.append(PaperRow(record.line, ERROR, _l("Paling banyak %(n)d baris per berkas.", n=MAX_ROWS)))
            break
        cells = dict(zip(header, record.cells))
        if len(record.cells) > len(header) and any(c.strip() for c in record.cells[len(header) :]):
            rows.append(PaperRow(record.line, ERROR, _l("Baris ini memiliki lebih banyak kolom daripada judulnya.")))
            continue
        problems: list[Any] = []
        day = _parse_date(cells.get("date", ""))
        if day is None:
            problems.append(
                _l("tanggal %(value)s tidak dikenal (pakai 2026-09-14 atau 14/09/2026)", value=cells.get("date", ""))
            )
        else:
            problem = _check_day(unit, day)
            if problem is not None:
                problems.append(problem)
        answers: dict[str, int] = {}
        for code in UNSUR_FIELDS:
            raw = cells.get(code, "").strip()
            if raw in ("1", "2", "3", "4"):
                answers[code] = int(raw)
            else:
                problems.append(
                    _l("%(code)s harus angka 1–4, bukan %(value)s", code=code.upper(), value=raw or "(kosong)")
                )
        counter_id = None
        code = cells.get("counter", "").strip().upper()
        if code:
            counter_id = counters.get(code)
            if counter_id is None:
                problems.append(_l("loket %(code)s bukan milik unit ini", code=code))
        profile: dict[str, str | None] = {}
        for name, options in (("respondent_sex", SEXES), ("education", EDUCATIONS), ("occupation", OCCUPATIONS)):
            raw = cells.get(name, "").strip()
            profile[name] = _choice(raw, options) if raw else None
            if raw and profile[name] is None:
                problems.append(
                    _l(
                        "%(field)s %(value)s tidak dikenal (%(options)s)",
                        field=name,
                        value=raw,
                        options="/".join(options),
                    )
                )
        raw_age = cells.get("age_band", "").strip()
        profile["age_band"] = age_band(raw_age) if raw_age else None
        if raw_age and profile["age_band"] is None:
            problems.append(
                _l(
                    "umur %(value)s tidak dikenal (umur dalam tahun atau %(options)s)",
                    value=raw_age,
                    options="/".join(AGE_BANDS),
                )
            )
        service_id = None
        raw_service = cells.get("service_type", "").strip()
        if raw_service:
            service_id = services.get(raw_service.casefold())
            if service_id is None:
                problems.append(_l("jenis layanan %(value)s tidak ada di unit ini", value=raw_service))
        if problems:
            rows.append(PaperRow(record.line, ERROR, Problems(tuple(problems))))
            continue
        assert day is not None
        sheet = PaperSheet(day, answers, counter_id, service_id, profile)
        pending.append(PaperRow(record.line, OK, _l("siap disimpan"), sheet, _import_key(unit, digest, record.line)))
    if pending:
        stored = set(
            db.session.scalars(
                select(SurveyResponse.submission_key).where(
                    SurveyResponse.submission_key.in_([row.submission_key for row in pending])
                )
            )
        )
        for row in pending:
            if row.submission_key in stored:
                row = PaperRow(
                    row.line, DUPLICATE, _l("sudah diimpor sebelumnya (dilewati)"), row.sheet, row.submission_key
                )
            rows.append(row)
    if not rows:
        rows.append(PaperRow(header_record.line, ERROR, _l("Berkas tidak memuat satu lembar pun.")))
    return PaperCheck(tuple(sorted(rows, key=lambda row: row.line)))


def apply_paper_import(
    text: str, unit: Unit, filename: str = "", progress: Callable[[int], None] | None = None
) -> PaperCheck:
    """Check the file again and store every ``ok`` row, in one transaction, with one audit row for the import.

    Refused whole (:class:`PaperImportRejected`) when any row has an error; rows imported before are skipped, so
    importing a file twice stores it once. ``progress`` is called with the number of rows stored so far. The
    caller commits.
    """
    check = check_paper_import(text, unit)
    if check.has_errors:
        raise PaperImportRejected(check)
    stored = 0
    for row in check.rows:
        if row.status == OK and row.sheet is not None:
            db.session.add(_row(unit, row.sheet, row.submission_key))
            stored += 1
            if stored % 500 == 0:
                db.session.flush()
            if progress is not None:
                progress(stored)
    db.session.flush()
    if stored:
        record_audit(
            "response.import_paper",
            entity="unit",
            entity_id=unit.id,
            unit_id=unit.id,
            after={"stored": stored, "skipped": check.duplicate_count, "file": filename[:120] or None},
        )
    return check
