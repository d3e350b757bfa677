"""The e-Kinerja (BKN) evidence sheet of one ASN employee and period, and the appraisal summary it comes from.

One row per SKP target in the national platform's own terms (rencana hasil kerja, indikator kinerja individu,
aspek, target "N satuan", realisasi, bukti dukung, umpan balik, rating hasil kerja, rating perilaku, predikat), so
HR carries the numbers into e-Kinerja without retyping. Non-ASN staff have no SKP and get no sheet (spec §3, §5).
The bukti dukung of a target measured by a score run is the stable page of that run's indicator row (final runs
are never rewritten and superseded ones stay readable); a target typed by hand points to the appraisal summary.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from decimal import Decimal

from scoring import Period

from ...models import Employee, EmployeeAssignment
from ..appraisals import Evidence, assignment_on, last_day, read_evidence
from ..errors import DomainError
from ..tabular import Column, Sheet
from .indicators import PREDIKAT_TEXT, RATING_TEXT

ASPECT_TEXT = {"kuantitas": "Kuantitas", "kualitas": "Kualitas", "waktu": "Waktu", "biaya": "Biaya"}
#: A target's indicator code → the run's indicator row that proves it (tickets finished is an input of on-time).
EVIDENCE_ROW = {"tickets_finished": "on_time_rate"}

COLUMNS = (
    Column("Rencana hasil kerja", width=40),
    Column("Indikator kinerja individu", width=40),
    Column("Aspek", width=11),
    Column("Target", width=16),
    Column("Realisasi", width=16),
    Column("Bukti dukung", width=60),
    Column("Umpan balik", width=40),
    Column("Rating hasil kerja", width=22),
    Column("Rating perilaku", width=22),
    Column("Predikat", width=18),
)


class NoSkp(DomainError):
    """The employee is not ASN (or has no assignment in the period): there is no SKP to carry into e-Kinerja."""

    def __init__(self, code: str) -> None:
        super().__init__(code)
        self.code = code  # "non_asn" or "no_assignment"


def number(value: Decimal | None) -> str:
    """A figure as people write it in e-Kinerja: no trailing zeros, a decimal comma.

    >>> number(Decimal("120.0000")), number(Decimal("92.5000")), number(None)
    ('120', '92,5', '')
    """
    if value is None:
        return ""
    text = format(value.normalize(), "f")
    return text.replace(".", ",")


def with_unit(value: Decimal | None, measure_unit: str | None) -> str:
    """ "N satuan" as the platform expects a target: ``with_unit(Decimal(300), "berkas")`` → ``"300 berkas"``."""
    text = number(value)
    return f"{text} {measure_unit}".strip() if text and measure_unit else text


@dataclass(frozen=True)
class EvidenceLine:
    work_plan: str
    indicator: str
    aspect: str
    target: str
    realisation: str
    evidence_indicator_id: int | None  # the run's indicator row proving it, if a run measures it


def evidence_of(employee: Employee, period: Period) -> Evidence:
    """The appraisal evidence (targets, run figures, ratings) of an ASN employee for a period; refuses non-ASN."""
    if employee.employment_type == "non-ASN" or not employee.nip:
        raise NoSkp("non_asn")
    assignment: EmployeeAssignment | None = assignment_on(employee.id, last_day(period))
    if assignment is None:
        raise NoSkp("no_assignment")
    return read_evidence(assignment, period)


def evidence_lines(evidence: Evidence) -> list[EvidenceLine]:
    lines = []
    for line in evidence.suggestion.lines:
        target = line.target
        proof = None
        if target.indicator_code:
            figure = evidence.figures.get(EVIDENCE_ROW.get(target.indicator_code, target.indicator_code))
            proof = figure.indicator_id if figure is not None else None
        lines.append(
            EvidenceLine(
                target.work_plan or "",
                target.name,
                ASPECT_TEXT.get(target.aspect, target.aspect),
                with_unit(target.target, target.measure_unit),
                with_unit(line.realisation, target.measure_unit),
                proof if isinstance(proof, int) else None,
            )
        )
    return lines


def ekinerja_sheet(evidence: Evidence, link: Callable[[int | None], str]) -> Sheet:
    """The sheet: one row per target; ratings and predikat only once the appraisal is confirmed."""
    appraisal = evidence.appraisal if evidence.appraisal and evidence.appraisal.status == "confirmed" else None
    feedback = evidence.rating.feedback if evidence.rating and evidence.rating.feedback else ""
    hasil = RATING_TEXT.get(appraisal.confirmed_hasil or "", "") if appraisal else ""
    perilaku = RATING_TEXT.get(appraisal.confirmed_perilaku or "", "") if appraisal else ""
    predikat = PREDIKAT_TEXT.get(appraisal.predikat or "", "") if appraisal else ""
    rows = [
        [
            line.work_plan,
            line.indicator,
            line.aspect,
            line.target,
            line.realisation,
            link(line.evidence_indicator_id),
            feedback,
            hasil,
            perilaku,
            predikat,
        ]
        for line in evidence_lines(evidence)
    ]
    return Sheet("e-Kinerja", COLUMNS, rows)
