"""The official SKM report of a unit for a period (spec §1.5): its figures, read from the stored run, and its text.

Figures come from the period's score run (its final run, else its current provisional one, which the report marks
"sementara"): the answer counts per unsur, the respondent profile, N and the channels the run kept. The report
recomputes NRR, the weighted NRR and the IKM from those counts with :mod:`scoring` under the run's own weight
convention and rounding rule, so what is printed is the run's figure. What the unit writes — the follow-up plan
(rencana tindak lanjut), a note to the conclusion, N where it has no tickets — and the head's signature are kept
per unit and period (:class:`~feedback_app.models.SkmReport`), so a recomputed run keeps them.

The same data feeds the printable page, the XLSX workbook and ``flask --app wsgi report skm``.
"""

from __future__ import annotations

import io
from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font
from openpyxl.utils import get_column_letter
from sqlalchemy import select

from feedback_app.services.sufficient_statistics import NOT_STATED
from scoring import (
    UNSUR,
    UNSUR_NAMES,
    Grade,
    Period,
    SampleAdequacy,
    ScoringError,
    ScoringParameters,
    SkmSummary,
    grade,
    rounded_nrr,
    skm_summary,
)

from ..clock import now
from ..extensions import db
from ..models import Counter, Employee, ScoreRun, SkmReport, Unit, User, UserRole
from .audit import changed_fields, record_audit
from .errors import DomainError
from .score_runs import current_run, final_run, unit_rows

#: How many earlier periods of the same kind the trend shows.
TREND_PERIODS = 4
FOLLOW_UP_MAX_CHARS = 5000
NOTE_MAX_CHARS = 2000
PROFILE_TABLES = ("respondent_sex", "age_band", "education", "occupation", "service_type")


class SkmReportError(DomainError):
    """The report cannot be written or signed as asked; ``code`` names why for the web layer's message."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(detail or code)
        self.code = code


@dataclass(frozen=True)
class UnsurLine:
    """One unsur of the report: counts of 1–4, NRR as weighted, weight, weighted NRR, 25 × NRR and its mutu."""

    code: str
    name: str
    counts: tuple[int, int, int, int]
    nrr: Decimal  # as the rounding rule weights it, shown to 3 decimals
    weight: Fraction
    weighted: Decimal  # wᵢ·NRRᵢ, 4 decimals
    index: Decimal  # 25 × NRR, 2 decimals
    grade: Grade


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    ikm: Decimal | None
    mutu: str | None
    n: int
    run_id: int | None
    provisional: bool


@dataclass(frozen=True)
class SkmReportData:
    """Everything the report shows for one unit and period; ``summary`` is None when there is nothing to report."""

    unit: Unit
    period: Period
    run: ScoreRun | None
    summary: SkmSummary | None
    lines: tuple[UnsurLine, ...]
    weighted_nrr: Decimal | None
    weight_convention: str
    rounding: str
    sample: SampleAdequacy | None
    population_source: str | None
    profile: Mapping[str, Mapping[str, int]]
    channels: Mapping[str, int]
    counters: tuple[str, ...]
    trend: tuple[TrendPoint, ...]
    note: SkmReport | None
    head_name: str | None
    head_nip: str | None

    @property
    def provisional(self) -> bool:
        return self.run is not None and self.run.provisional

    @property
    def n(self) -> int:
        return 0 if self.summary is None else self.summary.n


def _counts(run: ScoreRun) -> dict[str, tuple[int, int, int, int]] | None:
    row = unit_rows(run).get("ikm")
    if row is None or row.status != "ok":
        return None
    # The stored row is the indicator's to_dict(): its explanation's inputs hold the answer counts per unsur.
    raw = ((row.explanation or {}).get("explanation") or {}).get("inputs", {}).get("counts")
    if not isinstance(raw, Mapping):
        return None
    return {code: (int(c[0]), int(c[1]), int(c[2]), int(c[3])) for code, c in raw.items()}


def _parameters(run: ScoreRun) -> ScoringParameters:
    try:
        return ScoringParameters.from_dict(run.parameters or {})
    except ScoringError as error:
        raise SkmReportError("bad_parameters", f"run {run.id}: {error}") from None


def report_run(unit: Unit, period: Period) -> ScoreRun | None:
    """The run a report is read from: the final run of the period, else its current (provisional) one."""
    return final_run(unit, period.id) or current_run(unit, period.id)


def _head(unit: Unit) -> tuple[str | None, str | None]:
    """The unit head who signs: an active ``head`` account of the unit linked to an employee (first by login)."""
    employee = db.session.scalar(
        select(Employee)
        .join(User, User.employee_id == Employee.id)
        .join(UserRole, UserRole.user_id == User.id)
        .where(UserRole.role == "head", User.unit_id == unit.id, User.active.is_(True))
        .order_by(User.login)
        .limit(1)
    )
    return (employee.name, employee.nip) if employee is not None else (None, None)


def report_note(unit: Unit, period: Period) -> SkmReport | None:
    return db.session.scalar(select(SkmReport).where(SkmReport.unit_id == unit.id, SkmReport.period_id == period.id))


def _trend(unit: Unit, period: Period) -> tuple[TrendPoint, ...]:
    points = []
    current = period
    for _step in range(TREND_PERIODS + 1):
        run = final_run(unit, current.id) if current != period else report_run(unit, current)
        row = unit_rows(run).get("ikm") if run is not None else None
        value = row.value if row is not None and row.status == "ok" else None
        ikm_value = None if value is None else Decimal(value).quantize(Decimal("0.01"))
        points.append(
            TrendPoint(
                current,
                ikm_value,
                grade(ikm_value).mutu if ikm_value is not None else None,
                int(row.n or 0) if row is not None else 0,
                run.id if run is not None else None,
                bool(run.provisional) if run is not None else False,
            )
        )
        current = current.previous()
    return tuple(reversed(points))


def skm_report(unit: Unit, period: Period) -> SkmReportData:
    """Read the SKM report of a unit for a period from its stored run and the unit's own text (spec §1.3–§1.5)."""
    run = report_run(unit, period)
    counts = _counts(run) if run is not None else None
    parameters = _parameters(run) if run is not None else ScoringParameters()
    weights_name = parameters.weight_convention if isinstance(parameters.weight_convention, str) else "custom"
    inputs = dict(run.input_counts or {}) if run is not None else {}
    population = inputs.get("population")
    summary = None
    lines: list[UnsurLine] = []
    weighted_total = None
    if counts:
        summary = skm_summary(counts, parameters.weight_convention, population, parameters.skm_rounding)
        total = Fraction(0)
        for code in UNSUR:
            weight = summary.weights.get(code, Fraction(0))
            value = rounded_nrr(counts[code], parameters.skm_rounding)
            total += weight * value
            lines.append(
                UnsurLine(
                    code,
                    UNSUR_NAMES[code],
                    counts[code],
                    summary.nrr.get(code, Decimal(0)),
                    weight,
                    _decimal(weight * value, 4),
                    summary.unsur_index.get(code, Decimal(0)),
                    grade(25 * value),
                )
            )
        weighted_total = _decimal(total, 4)
    profile_raw = inputs.get("respondent_profile") or {}
    profile = {name: dict(profile_raw.get(name, {})) for name in PROFILE_TABLES}
    channels = dict(profile_raw.get("channel", {}))
    counters = tuple(
        f"{c.public_code} {c.name}"
        for c in db.session.scalars(select(Counter).where(Counter.unit_id == unit.id).order_by(Counter.public_code))
    )
    head_name, head_nip = _head(unit)
    return SkmReportData(
        unit=unit,
        period=period,
        run=run,
        summary=summary,
        lines=tuple(lines),
        weighted_nrr=weighted_total,
        weight_convention=weights_name,
        rounding=parameters.skm_rounding,
        sample=summary.sample if summary is not None else None,
        population_source=inputs.get("population_source"),
        profile=profile,
        channels=channels,
        counters=counters,
        trend=_trend(unit, period),
        note=report_note(unit, period),
        head_name=head_name,
        head_nip=head_nip,
    )


def _decimal(value: Fraction, places: int) -> Decimal:
    from scoring import round_half_up

    return round_half_up(value, places)


def share(count: int, total: int) -> Decimal:
    """A count as a percentage of the total, one decimal (profile tables)."""
    return _decimal(Fraction(100 * count, total), 1) if total else Decimal("0.0")


# --- what the unit writes, and the head's signature --------------------------------------------------------------


def save_report_text(
    unit: Unit,
    period: Period,
    *,
    follow_up_plan: str | None,
    conclusion_note: str | None,
    by: str,
) -> SkmReport:
    """Store the unit's follow-up plan, its note to the conclusion for a period, audited; the caller commits.

    A change to a signed report removes the signature: the head signs the text as it stands.
    """
    plan = (follow_up_plan or "").strip() or None
    note_text = (conclusion_note or "").strip() or None
    if plan is not None and len(plan) > FOLLOW_UP_MAX_CHARS:
        raise SkmReportError("too_long")
    if note_text is not None and len(note_text) > NOTE_MAX_CHARS:
        raise SkmReportError("too_long")
    note = report_note(unit, period)
    before_values = (
        {
            "follow_up_plan": note.follow_up_plan,
            "conclusion_note": note.conclusion_note,
        }
        if note is not None
        else {"follow_up_plan": None, "conclusion_note": None}
    )
    after_values = {"follow_up_plan": plan, "conclusion_note": note_text}
    before, after = changed_fields(before_values, after_values)
    if not before and not after:
        if note is None:
            raise SkmReportError("unchanged")
        return note
    if note is None:
        note = SkmReport(unit_id=unit.id, period_id=period.id)
        db.session.add(note)
    was_signed = note.signed_on is not None
    note.follow_up_plan, note.conclusion_note = plan, note_text
    note.updated_at, note.updated_by = now(), by
    if was_signed:
        note.signed_by_id = note.signed_name = note.signed_nip = note.signed_on = None
        after = {**after, "signature": "removed"}
    db.session.flush()
    record_audit("skm_report.save", entity="skm_report", entity_id=note.id, unit_id=unit.id, before=before, after=after)
    return note


def sign_report(unit: Unit, period: Period, user: User) -> SkmReport:
    """The unit head signs the report as it stands (name, NIP, local date), audited; the caller commits.

    Only a head of this unit linked to an employee may sign, and only a report that has figures and a plan.
    """
    if not user.has_role("head") or user.unit_id != unit.id:
        raise SkmReportError("not_head")
    employee = user.employee
    if employee is None:
        raise SkmReportError("no_employee")
    run = report_run(unit, period)
    if run is None or _counts(run) is None:
        raise SkmReportError("no_figures")
    note = report_note(unit, period)
    if note is None or not note.follow_up_plan:
        raise SkmReportError("no_plan")
    if note.signed_on is not None:
        raise SkmReportError("already_signed")
    note.signed_by_id = user.id
    note.signed_name = employee.name
    note.signed_nip = employee.nip
    note.signed_on = now().astimezone(unit.zone).date()
    db.session.flush()
    record_audit(
        "skm_report.sign",
        entity="skm_report",
        entity_id=note.id,
        unit_id=unit.id,
        after={"signed_name": note.signed_name, "signed_on": note.signed_on.isoformat(), "period_id": period.id},
    )
    return note


# --- the workbook -----------------------------------------------------------------------------------------------


def report_workbook(data: SkmReportData, texts: Mapping[str, str]) -> bytes:
    """The report as an XLSX workbook: summary, NRR per unsur, respondent profile, trend and the unit's text.

    ``texts`` are the labels in the reader's language (the view and the CLI translate them).
    """
    book = Workbook()
    summary_sheet = book.active
    summary_sheet.title = texts["sheet_summary"][:31]
    bold = Font(bold=True)
    s = data.summary
    rows: list[tuple[str, Any]] = [
        (texts["unit"], data.unit.name),
        (texts["period"], f"{data.period.id} ({data.period.label})"),
        (
            texts["run"],
            f"#{data.run.id}" + (f" ({texts['provisional']})" if data.provisional else "") if data.run else "-",
        ),
        (texts["respondents"], data.n),
        (texts["weights"], data.weight_convention),
        (texts["rounding"], data.rounding),
        (texts["weighted_nrr"], float(data.weighted_nrr) if data.weighted_nrr is not None else None),
        ("IKM", float(s.ikm) if s else None),
        (texts["mutu"], f"{s.grade.mutu} ({s.grade.kinerja})" if s else None),
        (texts["population"], data.sample.population if data.sample else None),
        (texts["minimum"], data.sample.minimum_sample if data.sample else None),
        (texts["adequate"], (texts["yes"] if data.sample.adequate else texts["no"]) if data.sample else None),
        (texts["weakest"], ", ".join(s.weakest) if s else None),
        (texts["strongest"], ", ".join(s.strongest) if s else None),
    ]
    for label, value in rows:
        summary_sheet.append([label, value])
        summary_sheet.cell(summary_sheet.max_row, 1).font = bold
    for row in range(1, summary_sheet.max_row + 1):
        cell = summary_sheet.cell(row, 2)
        if isinstance(cell.value, float):
            cell.number_format = "0.00" if summary_sheet.cell(row, 1).value == "IKM" else "0.0000"
    _widths(summary_sheet, (34, 48))

    nrr_sheet = book.create_sheet(texts["sheet_nrr"][:31])
    nrr_sheet.append(
        [
            texts["code"],
            texts["unsur"],
            "1",
            "2",
            "3",
            "4",
            "NRR",
            texts["weight"],
            texts["weighted"],
            "25×NRR",
            texts["mutu"],
        ]
    )
    for line in data.lines:
        nrr_sheet.append(
            [
                line.code,
                line.name,
                *line.counts,
                float(line.nrr),
                float(line.weight),
                float(line.weighted),
                float(line.index),
                line.grade.mutu,
            ]
        )
        r = nrr_sheet.max_row
        nrr_sheet.cell(r, 7).number_format = "0.000"
        nrr_sheet.cell(r, 8).number_format = "0.0000"
        nrr_sheet.cell(r, 9).number_format = "0.0000"
        nrr_sheet.cell(r, 10).number_format = "0.00"
    if data.weighted_nrr is not None and s is not None:
        nrr_sheet.append(
            [
                texts["total"],
                None,
                None,
                None,
                None,
                None,
                None,
                None,
                float(data.weighted_nrr),
                float(s.ikm),
                s.grade.mutu,
            ]
        )
        nrr_sheet.cell(nrr_sheet.max_row, 9).number_format = "0.0000"
        nrr_sheet.cell(nrr_sheet.max_row, 10).number_format = "0.00"
    _header(nrr_sheet)
    _widths(nrr_sheet, (8, 40, 7, 7, 7, 7, 9, 9, 11, 9, 7))

    profile_sheet = book.create_sheet(texts["sheet_profile"][:31])
    profile_sheet.append([texts["field"], texts["value"], texts["count"], "%"])
    for name in PROFILE_TABLES:
        table = data.profile.get(name, {})
        for value, count in table.items():
            profile_sheet.append(
                [
                    texts[f"profile_{name}"],
                    texts["not_stated"] if value == NOT_STATED else value,
                    count,
                    float(share(count, data.n)),
                ]
            )
            profile_sheet.cell(profile_sheet.max_row, 4).number_format = "0.0"
    _header(profile_sheet)
    _widths(profile_sheet, (22, 30, 10, 8))

    trend_sheet = book.create_sheet(texts["sheet_trend"][:31])
    trend_sheet.append([texts["period"], "IKM", texts["mutu"], texts["respondents"]])
    for point in data.trend:
        trend_sheet.append([point.period.id, float(point.ikm) if point.ikm is not None else None, point.mutu, point.n])
        trend_sheet.cell(trend_sheet.max_row, 2).number_format = "0.00"
    _header(trend_sheet)
    _widths(trend_sheet, (14, 10, 8, 12))

    text_sheet = book.create_sheet(texts["sheet_follow_up"][:31])
    note = data.note
    for label, value in (
        (texts["follow_up"], note.follow_up_plan if note else None),
        (texts["conclusion"], texts["conclusion_text"]),
        (texts["signed_by"], (note.signed_name if note and note.signed_on else data.head_name) or None),
        ("NIP", (note.signed_nip if note and note.signed_on else data.head_nip) or None),
        (texts["signed_on"], note.signed_on.isoformat() if note and note.signed_on else None),
    ):
        text_sheet.append([label, value])
        text_sheet.cell(text_sheet.max_row, 1).font = bold
        text_sheet.cell(text_sheet.max_row, 2).alignment = Alignment(wrap_text=True, vertical="top")
        text_sheet.cell(text_sheet.max_row, 2).number_format = "@"
    _widths(text_sheet, (24, 90))

    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _header(sheet: Any) -> None:
    for cell in sheet[1]:
        cell.font = Font(bold=True)
    sheet.freeze_panes = "A2"


def _widths(sheet: Any, widths: tuple[int, ...]) -> None:
    for index, width in enumerate(widths, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width


# --- words (in the reader's language; the page, the workbook and the CLI share them) ----------------------------


def conclusion_text(data: SkmReportData) -> str:
    """The Kesimpulan the figures support, in the reader's language, followed by the unit's own note if any."""
    from flask_babel import gettext as _

    s = data.summary
    if s is None:
        return _("Belum ada jawaban survei yang sah untuk periode ini, sehingga IKM belum dapat dihitung.")
    names = lambda codes: ", ".join(f"{c} {UNSUR_NAMES[c]}" for c in codes)  # noqa: E731
    parts = [
        _(
            "Indeks Kepuasan Masyarakat %(unit)s untuk %(period)s adalah %(ikm)s dari %(n)d responden: mutu "
            "pelayanan %(mutu)s, kinerja unit %(kinerja)s.",
            unit=data.unit.name,
            period=data.period.label,
            ikm=f"{s.ikm:.2f}",
            n=s.n,
            mutu=s.grade.mutu,
            kinerja=s.grade.kinerja,
        ),
        _(
            "Unsur terendah: %(weakest)s; unsur tertinggi: %(strongest)s.",
            weakest=names(s.weakest),
            strongest=names(s.strongest),
        ),
    ]
    if data.sample is None:
        parts.append(_("Jumlah pengguna layanan (N) belum diketahui, sehingga kecukupan sampel belum dapat dinilai."))
    elif data.sample.adequate:
        parts.append(
            _(
                "Sampel memadai: %(n)d responden, minimal %(s)d untuk %(population)d pengguna layanan "
                "(Krejcie–Morgan).",
                n=data.sample.sample,
                s=data.sample.minimum_sample,
                population=data.sample.population,
            )
        )
    else:
        parts.append(
            _(
                "Sampel belum memadai: %(n)d responden, minimal %(s)d untuk %(population)d pengguna layanan "
                "(Krejcie–Morgan); hasil ini perlu dibaca dengan hati-hati.",
                n=data.sample.sample,
                s=data.sample.minimum_sample,
                population=data.sample.population,
            )
        )
    if data.note is not None and data.note.conclusion_note:
        parts.append(data.note.conclusion_note)
    return " ".join(parts)


def workbook_texts(data: SkmReportData) -> dict[str, str]:
    """The workbook's labels in the reader's language."""
    from flask_babel import gettext as _

    return {
        "sheet_summary": _("Ringkasan"),
        "sheet_nrr": _("NRR per unsur"),
        "sheet_profile": _("Profil responden"),
        "sheet_trend": _("Tren"),
        "sheet_follow_up": _("Tindak lanjut"),
        "unit": _("Unit"),
        "period": _("Periode"),
        "run": _("Perhitungan"),
        "provisional": _("sementara"),
        "respondents": _("Responden"),
        "weights": _("Konvensi bobot"),
        "rounding": _("Aturan pembulatan"),
        "weighted_nrr": _("NRR tertimbang"),
        "mutu": _("Mutu"),
        "population": _("Populasi N"),
        "minimum": _("Sampel minimal (Krejcie–Morgan)"),
        "adequate": _("Sampel memadai"),
        "yes": _("ya"),
        "no": _("tidak"),
        "weakest": _("Unsur terendah"),
        "strongest": _("Unsur tertinggi"),
        "code": _("Kode"),
        "unsur": _("Unsur"),
        "weight": _("Bobot"),
        "weighted": _("NRR × bobot"),
        "total": _("Jumlah"),
        "field": _("Profil"),
        "value": _("Nilai"),
        "count": _("Jumlah"),
        "not_stated": _("tidak diisi"),
        "profile_respondent_sex": _("Jenis kelamin"),
        "profile_age_band": _("Umur"),
        "profile_education": _("Pendidikan"),
        "profile_occupation": _("Pekerjaan"),
        "profile_service_type": _("Jenis layanan"),
        "follow_up": _("Rencana tindak lanjut"),
        "conclusion": _("Kesimpulan"),
        "conclusion_text": conclusion_text(data),
        "signed_by": _("Kepala unit"),
        "signed_on": _("Tanggal tanda tangan"),
    }
