"""What "Kinerja saya" shows an employee, read from stored score runs only (spec §2, §7; issue 12 item 1).

Every figure comes from the unit's current run for the period (a provisional run is shown marked as such); nothing
here aggregates raw answers. Comments are read by index with a limit, masked, shown by week only and withheld
below :data:`MIN_COMMENTS`, so a comment cannot be traced back to the citizen served at 10:42.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from fractions import Fraction
from typing import Any

from sqlalchemy import select, union_all

from scoring import Period, last_n
from scoring._exact import round_half_up

from ..clock import now
from ..extensions import db
from ..identifiers import mask_personal_data
from ..models import (
    STAFF_UNSUR,
    Employee,
    EmployeeAssignment,
    ScoreIndicator,
    ScoreRun,
    ServiceType,
    SurveyResponse,
    TrainingTopic,
    Unit,
)
from .sufficient_statistics import period_window

#: Comments are shown only once at least this many exist for the employee in the period.
MIN_COMMENTS = 5
#: At most this many recent comments are read (by index) and shown.
COMMENT_LIMIT = 20
TREND_PERIODS = 6
SERVICE_CODES = (
    "wait_median_minutes",
    "wait_p90_minutes",
    "service_median_minutes",
    "service_p90_minutes",
    "on_time_rate",
    "tickets_per_working_day",
    "no_show_rate",
    "error_rate",
)
COMPLAINT_CODE = "answered_within_3_working_days_rate"  # its n is the number of complaints about the employee
UNIT_CODES = ("ikp", "ikm", *SERVICE_CODES)

#: Development suggestions per weak staff-attributable unsur, until the unit admin writes its own.
DEFAULT_TRAINING_TOPICS: Mapping[str, str] = {
    "U3": "Manajemen waktu dan alur layanan: menyiapkan berkas sebelum dipanggil, memakai standar waktu loket",
    "U6": "Penguasaan prosedur dan aplikasi layanan (SIAK, persyaratan terbaru) melalui pelatihan teknis unit",
    "U7": "Pelayanan prima dan komunikasi efektif: sapa, senyum, jelaskan, termasuk melayani warga berkebutuhan khusus",
}


def unit_of(employee: Employee, on_date: date) -> Unit | None:
    """The unit of the employee's assignment valid on ``on_date`` (local date), else of the latest one begun by
    then."""
    from .teams import assignment_on

    valid = assignment_on(employee, on_date)
    if valid is not None:
        return valid.unit
    rows = db.session.scalars(
        select(EmployeeAssignment)
        .where(EmployeeAssignment.employee_id == employee.id, EmployeeAssignment.valid_from <= on_date)
        .order_by(EmployeeAssignment.valid_from.desc())
        .limit(1)
    ).all()
    return rows[0].unit if rows else None


def current_period_run(unit: Unit, period_id: str) -> ScoreRun | None:
    """The run a page shows: the latest run not superseded (it may be provisional; the page says so)."""
    return db.session.scalar(
        select(ScoreRun)
        .where(ScoreRun.unit_id == unit.id, ScoreRun.period_id == period_id, ScoreRun.superseded_by_id.is_(None))
        .order_by(ScoreRun.id.desc())
        .limit(1)
    )


def latest_run_period(unit: Unit, kind_ids: Sequence[str]) -> str | None:
    """The newest period among ``kind_ids`` with a final run (else a provisional one), to open the page on."""
    if not kind_ids:
        return None
    return db.session.scalar(
        select(ScoreRun.period_id)
        .where(ScoreRun.unit_id == unit.id, ScoreRun.period_id.in_(kind_ids), ScoreRun.superseded_by_id.is_(None))
        .order_by(ScoreRun.provisional, ScoreRun.period_end.desc(), ScoreRun.id.desc())
        .limit(1)
    )


@dataclass(frozen=True)
class Worked:
    """A satisfaction figure redone by hand from its stored explanation: the sums a reader can check."""

    unsur: tuple[str, ...]
    counts: Mapping[str, Sequence[int]]
    nrr: Mapping[str, Fraction]
    n: int
    raw_sum: int
    raw: Fraction
    unit_value: Fraction | None
    k: int
    shrunk: Fraction | None

    def rounded(self, value: Fraction | None) -> str:
        return "–" if value is None else str(round_half_up(value))


def worked_satisfaction(row: ScoreIndicator) -> Worked | None:
    """ikm/ikp from the explanation alone: NRRᵢ = Σ score·count / n, index = 25·Σr/(m·n), shrunk = (n·x + k·u)/(n+k)."""
    explanation = row.explanation.get("explanation", {})
    inputs = explanation.get("inputs", {})
    counts = inputs.get("counts")
    n = inputs.get("n")
    if not counts or not n:
        return None
    unsur = tuple(counts)
    nrr = {code: Fraction(sum((i + 1) * c for i, c in enumerate(counts[code])), n) for code in unsur}
    raw_sum = int(inputs["raw_sum"])
    raw = Fraction(25 * raw_sum, len(unsur) * n)
    unit_value = Fraction(inputs["unit_value_exact"]) if inputs.get("unit_value_exact") else None
    k = int(explanation.get("parameters", {}).get("shrinkage_k", 0))
    shrunk = None if unit_value is None else (n * raw + k * unit_value) / (n + k)
    return Worked(unsur, counts, nrr, n, raw_sum, raw, unit_value, k, shrunk)


@dataclass(frozen=True)
class TrendPoint:
    period: Period
    mine: Any  # Decimal | None (published headline figure)
    unit: Any
    provisional: bool


@dataclass(frozen=True)
class UnsurComparison:
    code: str
    mine: Fraction | None
    unit: Fraction | None


@dataclass(frozen=True)
class ShownComment:
    week: str  # "2026-W42": the ISO week of the local date, never the time
    text: str
    response_id: int  # for the appeal form only (sent as an opaque token, never shown)


@dataclass(frozen=True)
class Performance:
    """Everything "Kinerja saya" shows for one employee and period."""

    employee: Employee
    unit: Unit
    period: Period
    run: ScoreRun | None
    headline_estimate: str  # "shrunk" or "raw": which figure the run names as the headline
    mine: Mapping[str, ScoreIndicator]
    unit_rows: Mapping[str, ScoreIndicator]
    trend: tuple[TrendPoint, ...]
    unsur: tuple[UnsurComparison, ...]
    weakest: tuple[tuple[str, str], ...]  # (unsur, development suggestion)
    comments: tuple[ShownComment, ...] | None  # None: fewer than MIN_COMMENTS, withheld
    service_types: tuple[ServiceType, ...]
    complaints: int | None

    def worked(self, code: str) -> Worked | None:
        row = self.mine.get(code)
        return None if row is None else worked_satisfaction(row)


def training_topics(unit: Unit) -> dict[str, str]:
    """The unit's development suggestion per staff-attributable unsur (its own where written, else the default)."""
    topics = dict(DEFAULT_TRAINING_TOPICS)
    for row in db.session.scalars(select(TrainingTopic).where(TrainingTopic.unit_id == unit.id)):
        topics[row.unsur] = row.topic
    return topics


def _nrr(row: ScoreIndicator | None, code: str) -> Fraction | None:
    if row is None:
        return None
    worked = worked_satisfaction(row)
    return None if worked is None or code not in worked.nrr else worked.nrr[code]


def week_label(unit: Unit, instant: Any) -> str:
    year, week, _ = unit.local(instant).date().isocalendar()
    return f"{year}-W{week:02d}"


def recent_comments(employee: Employee, unit: Unit, period: Period) -> tuple[ShownComment, ...] | None:
    """The employee's recent valid comments in the period, masked, by week; None below :data:`MIN_COMMENTS`."""
    window = period_window(unit, period)
    rows = db.session.execute(
        select(SurveyResponse.comment, SurveyResponse.counted_at, SurveyResponse.id)
        .where(
            SurveyResponse.employee_id == employee.id,
            SurveyResponse.status == "valid",
            SurveyResponse.counted_at >= window.start,
            SurveyResponse.counted_at < window.end,
            SurveyResponse.comment.is_not(None),
            SurveyResponse.comment != "",
        )
        .order_by(SurveyResponse.counted_at.desc())
        .limit(COMMENT_LIMIT)
    ).all()
    if len(rows) < MIN_COMMENTS:
        return None
    shown = [ShownComment(week_label(unit, at), mask_personal_data(text or ""), id_) for text, at, id_ in rows]
    # Within a week the order says nothing about the time: weeks newest first, texts alphabetically.
    shown.sort(key=lambda c: c.text)
    shown.sort(key=lambda c: c.week, reverse=True)
    return tuple(shown)


def staff_performance(employee: Employee, unit: Unit, period: Period) -> Performance:
    """Read the employee's page for ``period``: a bounded number of queries, whatever the unit's size."""
    run = current_period_run(unit, period.id)
    headline = "shrunk"
    mine: dict[str, ScoreIndicator] = {}
    unit_rows: dict[str, ScoreIndicator] = {}
    if run is not None:
        headline = str(run.parameters.get("headline_estimate", "shrunk"))
        # Two statements, each on the whole (run_id, employee_id) index: an OR of both would read the run's rows
        # of every employee on PostgreSQL. The unit's rows are only those the page compares with.
        for row in db.session.scalars(
            select(ScoreIndicator).where(ScoreIndicator.run_id == run.id, ScoreIndicator.employee_id == employee.id)
        ):
            mine[row.code] = row
        for row in db.session.scalars(
            select(ScoreIndicator).where(
                ScoreIndicator.run_id == run.id,
                ScoreIndicator.employee_id.is_(None),
                ScoreIndicator.code.in_(UNIT_CODES),
            )
        ):
            unit_rows[row.code] = row

    trend = _trend(employee, unit, period)
    unsur = tuple(
        UnsurComparison(code, _nrr(mine.get("ikp"), code), _nrr(unit_rows.get("ikp"), code)) for code in STAFF_UNSUR
    )
    measured = [u for u in unsur if u.mine is not None]
    topics = training_topics(unit)
    weakest = tuple((u.code, topics[u.code]) for u in sorted(measured, key=lambda u: (u.mine, u.code))[:2])
    service_types = tuple(
        db.session.scalars(select(ServiceType).where(ServiceType.unit_id == unit.id).order_by(ServiceType.name))
    )
    complaints_row = mine.get(COMPLAINT_CODE)
    return Performance(
        employee=employee,
        unit=unit,
        period=period,
        run=run,
        headline_estimate=headline,
        mine=mine,
        unit_rows=unit_rows,
        trend=trend,
        unsur=unsur,
        weakest=weakest,
        comments=recent_comments(employee, unit, period),
        service_types=service_types,
        complaints=None if complaints_row is None else (complaints_row.n or 0),
    )


def _trend(employee: Employee, unit: Unit, period: Period) -> tuple[TrendPoint, ...]:
    """The published ikp of the employee and of the unit over the last six periods of the same kind (one query)."""
    periods = last_n(period, TREND_PERIODS)

    def rows_of(whose: Any) -> Any:
        return (
            select(
                ScoreRun.id,
                ScoreRun.period_id,
                ScoreRun.provisional,
                ScoreIndicator.employee_id,
                ScoreIndicator.status,
                ScoreIndicator.value,
            )
            .join(ScoreIndicator, ScoreIndicator.run_id == ScoreRun.id)
            .where(
                ScoreRun.unit_id == unit.id,
                ScoreRun.period_id.in_([p.id for p in periods]),
                ScoreRun.superseded_by_id.is_(None),
                ScoreIndicator.code == "ikp",
                whose,
            )
        )

    # One statement; each half uses the whole (run_id, employee_id) index (an OR would not, see above).
    both = union_all(rows_of(ScoreIndicator.employee_id == employee.id), rows_of(ScoreIndicator.employee_id.is_(None)))
    rows = [row[1:] for row in sorted(db.session.execute(both).all(), key=lambda row: row[0])]
    found: dict[tuple[str, bool], Any] = {}
    provisional: dict[str, bool] = {}
    for period_id, is_provisional, employee_id, status, stored in rows:
        value = stored if status == "ok" else None  # the stored headline figure; explanations are not read
        found[(period_id, employee_id is None)] = value
        provisional[period_id] = is_provisional
    return tuple(
        TrendPoint(p, found.get((p.id, False)), found.get((p.id, True)), provisional.get(p.id, False)) for p in periods
    )


def headline_value(row: ScoreIndicator, estimate: str = "shrunk") -> Any:
    """The headline figure of a satisfaction row: the stored (shrunk) value, or the raw one if the run says so."""
    if estimate == "raw":
        raw = row.explanation.get("raw")
        return None if raw is None else round_half_up(Fraction(raw))
    return row.value


def period_choices(unit: Unit) -> list[Period]:
    """Periods offered on the page: the last 12 months, 4 triwulan, 2 semesters and 2 years in the unit's zone."""
    from scoring import period_containing

    today = now().astimezone(unit.zone).date()
    choices: list[Period] = []
    for kind, count in (("month", 12), ("quarter", 4), ("semester", 2), ("year", 2)):
        choices += reversed(last_n(period_containing(kind, today), count))
    return choices


def first_day_before(period: Period) -> date:
    return period.end - timedelta(days=1)


TOPIC_MAX = 300


def set_training_topics(unit: Unit, topics: Mapping[str, str]) -> bool:
    """Store the unit's development suggestions (an empty text goes back to the default); one audit row when
    anything changed. Returns whether it did. The caller commits."""
    from .audit import changed_fields, record_audit
    from .errors import DomainError

    unknown = set(topics) - set(STAFF_UNSUR)
    if unknown:
        raise DomainError(f"unknown unsur {', '.join(sorted(unknown))}")
    old = training_topics(unit)
    rows = {row.unsur: row for row in db.session.scalars(select(TrainingTopic).where(TrainingTopic.unit_id == unit.id))}
    for code, text in topics.items():
        text = " ".join(text.split())
        if len(text) > TOPIC_MAX:
            raise DomainError(f"{code}: at most {TOPIC_MAX} characters")
        if not text or text == DEFAULT_TRAINING_TOPICS[code]:
            if code in rows:
                db.session.delete(rows[code])
        elif code in rows:
            rows[code].topic, rows[code].updated_at = text, now()
        else:
            db.session.add(TrainingTopic(unit_id=unit.id, unsur=code, topic=text, updated_at=now()))
    db.session.flush()
    before, after = changed_fields(old, training_topics(unit))
    if not after:
        return False
    record_audit(
        "training_topics.update", entity="unit", entity_id=unit.id, unit_id=unit.id, before=before, after=after
    )
    return True
