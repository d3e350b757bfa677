"""The unit's comment inbox and its moderation (spec §5, §7), and the population N an admin enters per period.

The inbox reads one page of a unit's answers with the filtering, ordering and limit done in SQL (newest first, a
page at a time by id), so a unit with a million answers costs the same as one with ten. Comments are masked (NIK,
phone, e-mail) for every reader but the unit's own admin (:func:`sees_personal_data`). Status changes go through
:mod:`.flags` (audited, reversible); a final run is never rewritten, :func:`changed_since_run` says when a stored run
is older than such a change ("berubah sejak perhitungan terakhir").
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from sqlalchemy import Select, func, select
from sqlalchemy.orm import selectinload

from feedback_app.services.sufficient_statistics import period_window
from scoring import Period, ScoringError, krejcie_morgan, parse_period

from ..clock import now
from ..extensions import db
from ..i18n import lazy_gettext as _l
from ..identifiers import mask_personal_data
from ..models import UNSUR_CODES, PeriodPopulation, ScoreRun, SurveyResponse, Unit, User
from .audit import changed_fields, record_audit
from .errors import DomainError

#: Answers per inbox page.
PAGE_SIZE = 25
#: What the inbox shows: answers with a comment (the default), the flagged ones awaiting a decision, the excluded
#: ones, or every answer.
VIEWS = ("komentar", "ditandai", "dikecualikan", "semua")
#: The response's own 9-unsur score, 25 × Σ answers ÷ 9, graded like an IKM (spec §1.3): the sums of its nine
#: answers that fall in each mutu band (sum 23 → 63.89 D, 24 → 66.67 C, 27 → 75.00 C, 28 → 77.78 B, 31 → 86.11 B,
#: 32 → 88.89 A).
SCORE_BANDS: dict[str, tuple[int, int]] = {"A": (32, 36), "B": (28, 31), "C": (24, 27), "D": (9, 23)}
POPULATION_MAXIMUM = 100_000_000


class ModerationError(DomainError):
    """An inbox request that cannot be answered; ``message`` says why in the user's language."""

    def __init__(self, message: object) -> None:
        super().__init__(str(message))
        self.message = message


@dataclass(frozen=True)
class InboxFilter:
    """What the reader chose; None means "any"."""

    unit_id: int
    period: Period | None = None
    counter_id: int | None = None
    employee_id: int | None = None
    service_type_id: int | None = None
    score: str | None = None  # a key of SCORE_BANDS
    view: str = "komentar"


@dataclass(frozen=True)
class InboxRow:
    """One answer as the inbox shows it (the comment already masked where the reader may not see it)."""

    response: SurveyResponse
    comment: str | None
    score: float  # 25 × mean of the nine answers


@dataclass(frozen=True)
class InboxPage:
    rows: list[InboxRow]
    next_before: int | None  # the id to continue below, None on the last page
    flagged_waiting: int  # flagged answers of the unit awaiting a decision (whatever the filter)


def sees_personal_data(user: User, unit: Unit) -> bool:
    """Only the unit's own admin reads comments unmasked (spec §5); heads, admins of a parent unit and the
    every-unit admin read them masked."""
    return bool(user.has_role("admin") and user.unit_id == unit.id)


def parse_inbox_period(text: str) -> Period | None:
    text = (text or "").strip()
    if not text:
        return None
    try:
        return parse_period(text[:12])
    except ScoringError:
        raise ModerationError(
            _l("Periode %(value)s tidak dikenali: tulis 2026-10, 2026-Q3, 2026-S2 atau 2026.", value=text[:12])
        ) from None


def _answer_sum() -> Any:
    columns = [getattr(SurveyResponse, code) for code in UNSUR_CODES]
    total = columns[0]
    for column in columns[1:]:
        total = total + column
    return total


def _filtered(unit: Unit, chosen: InboxFilter) -> Select[Any]:
    query = select(SurveyResponse).where(SurveyResponse.unit_id == unit.id)
    if chosen.period is not None:
        window = period_window(unit, chosen.period)
        query = query.where(SurveyResponse.counted_at >= window.start, SurveyResponse.counted_at < window.end)
    if chosen.counter_id is not None:
        query = query.where(SurveyResponse.counter_id == chosen.counter_id)
    if chosen.employee_id is not None:
        query = query.where(SurveyResponse.employee_id == chosen.employee_id)
    if chosen.service_type_id is not None:
        query = query.where(SurveyResponse.service_type_id == chosen.service_type_id)
    if chosen.score is not None:
        low, high = SCORE_BANDS[chosen.score]
        query = query.where(_answer_sum().between(low, high))
    if chosen.view == "komentar":
        query = query.where(SurveyResponse.comment.is_not(None))
    elif chosen.view == "ditandai":
        query = query.where(SurveyResponse.status == "flagged")
    elif chosen.view == "dikecualikan":
        query = query.where(SurveyResponse.status == "excluded")
    return query


def inbox_page(unit: Unit, chosen: InboxFilter, *, reader: User, before: int | None = None) -> InboxPage:
    """One page of the unit's answers matching ``chosen``, newest first, below id ``before`` (two queries)."""
    query = _filtered(unit, chosen)
    if before is not None:
        query = query.where(SurveyResponse.id < before)
    found = list(
        db.session.scalars(
            query.options(
                selectinload(SurveyResponse.counter),
                selectinload(SurveyResponse.employee),
            )
            .order_by(SurveyResponse.id.desc())
            .limit(PAGE_SIZE + 1)
        )
    )
    more = len(found) > PAGE_SIZE
    found = found[:PAGE_SIZE]
    unmasked = sees_personal_data(reader, unit)
    rows = [
        InboxRow(
            response=response,
            comment=None
            if response.comment is None
            else (response.comment if unmasked else mask_personal_data(response.comment)),
            score=round(25 * sum(response.answers.values()) / 9, 2),
        )
        for response in found
    ]
    waiting = db.session.scalar(
        select(func.count())
        .select_from(SurveyResponse)
        .where(SurveyResponse.unit_id == unit.id, SurveyResponse.status == "flagged")
    )
    return InboxPage(rows=rows, next_before=found[-1].id if more and found else None, flagged_waiting=int(waiting or 0))


def inbox_response(unit: Unit, response_id: int, *, reader: User) -> InboxRow | None:
    """One answer of the unit for its detail page, masked as :func:`inbox_page` would."""
    response = db.session.get(SurveyResponse, response_id)
    if response is None or response.unit_id != unit.id:
        return None
    comment = response.comment
    if comment is not None and not sees_personal_data(reader, unit):
        comment = mask_personal_data(comment)
    return InboxRow(response=response, comment=comment, score=round(25 * sum(response.answers.values()) / 9, 2))


def response_history(response: SurveyResponse) -> list[Any]:
    """The audited decisions on one answer, oldest first (flag, release, exclude)."""
    from ..models import AuditEvent

    return list(
        db.session.scalars(
            select(AuditEvent)
            .where(AuditEvent.entity == "response", AuditEvent.entity_id == str(response.id))
            .order_by(AuditEvent.id)
        )
    )


# --- "berubah sejak perhitungan terakhir" (spec §7) ------------------------------------------------------------------


def changed_since_run(run: ScoreRun) -> datetime | None:
    """The latest status change of an answer in the run's period made after the run was computed, if any.

    A final run is never rewritten: such a change takes effect in the next run of the period.
    """
    unit = run.unit
    window = period_window(unit, parse_period(run.period_id))
    return db.session.scalar(
        select(func.max(SurveyResponse.status_changed_at)).where(
            SurveyResponse.unit_id == run.unit_id,
            SurveyResponse.status_changed_at > run.created_at,
            SurveyResponse.counted_at >= window.start,
            SurveyResponse.counted_at < window.end,
        )
    )


def runs_changed_since(runs: list[ScoreRun]) -> set[int]:
    """The ids of ``runs`` that :func:`changed_since_run` finds out of date (one query per run; pages show few)."""
    return {run.id for run in runs if changed_since_run(run) is not None}


# --- population N (spec §1.4, §7) ------------------------------------------------------------------------------------


@dataclass(frozen=True)
class PopulationEntry:
    period_id: str
    population: int
    minimum_sample: int
    entered_by: str
    entered_at: datetime


def entered_population(unit_id: int, period_id: str) -> int | None:
    """The population N the admin entered for the period, if any (the next run uses it)."""
    return db.session.scalar(
        select(PeriodPopulation.population).where(
            PeriodPopulation.unit_id == unit_id, PeriodPopulation.period_id == period_id
        )
    )


def population_entries(unit: Unit) -> list[PopulationEntry]:
    """Every population the unit's admin entered, newest period first."""
    rows = db.session.scalars(
        select(PeriodPopulation).where(PeriodPopulation.unit_id == unit.id).order_by(PeriodPopulation.period_id.desc())
    )
    return [
        PopulationEntry(row.period_id, row.population, krejcie_morgan(row.population), row.entered_by, row.entered_at)
        for row in rows
    ]


def set_population(unit: Unit, period_text: str, population: int | None, *, by: str) -> Period:
    """Enter (or with None clear) the number of service users of a period; audited ``unit.set_population``.

    Used by the next run of that period as Krejcie–Morgan's N instead of the finished tickets (spec §7); a stored
    run keeps the N it was computed with. The caller commits.
    """
    period = parse_inbox_period(period_text)
    if period is None:
        raise ModerationError(_l("Pilih periodenya."))
    if population is not None and not 1 <= population <= POPULATION_MAXIMUM:
        raise ModerationError(
            _l("Jumlah pengguna layanan harus antara 1 dan %(high)s.", high=f"{POPULATION_MAXIMUM:,}".replace(",", "."))
        )
    row = db.session.scalar(
        select(PeriodPopulation)
        .where(PeriodPopulation.unit_id == unit.id, PeriodPopulation.period_id == period.id)
        .with_for_update()
    )
    before_value = None if row is None else row.population
    if before_value == population:
        return period
    before, after = changed_fields({"population": before_value}, {"population": population})
    record_audit(
        "unit.set_population",
        entity="period_population",
        entity_id=f"{unit.id}:{period.id}",
        unit_id=unit.id,
        before={"period": period.id, **before},
        after={"period": period.id, **after},
    )
    if population is None:
        if row is not None:
            db.session.delete(row)
    elif row is None:
        db.session.add(
            PeriodPopulation(
                unit_id=unit.id, period_id=period.id, population=population, entered_by=by, entered_at=now()
            )
        )
    else:
        row.population = population
        row.entered_by = by
        row.entered_at = now()
    db.session.flush()
    return period


def run_population(unit_id: int, period_id: str, tickets_finished: int | None) -> tuple[int | None, str | None]:
    """Krejcie–Morgan's N for a run and where it came from: the admin's entry for the period, else the unit's
    finished tickets, else unknown (spec §7)."""
    entered = entered_population(unit_id, period_id)
    if entered is not None:
        return entered, "admin_entered"
    if tickets_finished:
        return tickets_finished, "tickets_finished"
    return None, None
