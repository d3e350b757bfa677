"""The appraisal desk (spec §3, §7): who a supervisor appraises, the evidence of a score run, SKP targets, the
BerAKHLAK form, suggested and confirmed ratings, the predikat and the unit's distribution curve.

Every write here leaves exactly one audit row. The figures come from stored score runs, read by index; nothing
here aggregates raw answers or tickets. The few functions that read runs (``_current_run``, ``_run_rows``) are
kept small and apart so they can follow the score runs wherever they move.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from sqlalchemy import func, or_, select, true
from sqlalchemy.orm import joinedload
from sqlalchemy.orm.exc import StaleDataError

from scoring import (
    AppraisalTarget,
    DistributionCheck,
    Period,
    Predikat,
    Rating,
    ScoringError,
    ScoringParameters,
    average_capaian,
    capaian,
    distribution_check,
    parse_period,
    predikat,
    suggest_hasil_kerja,
    suggest_perilaku,
)

from ..access import scope_unit_ids
from ..clock import now
from ..extensions import db
from ..models import (
    BERAKHLAK_VALUES,
    PREDIKAT_CODES,
    RATINGS,
    TARGET_ASPECTS,
    TARGET_INDICATOR_CODES,
    Appeal,
    Appraisal,
    AuditEvent,
    BehaviourRating,
    Employee,
    EmployeeAssignment,
    EmployeeTarget,
    ScoreIndicator,
    ScoreRun,
    Unit,
    User,
)
from . import teams
from .appeals import open_appeals_of
from .appraisal_inputs import BERAKHLAK_NAMES, RATING_BY_CODE, _decimal
from .audit import record_audit
from .errors import DomainError
from .peer_feedback import PeerResult, evidence_for, evidence_note
from .score_runs import current_run, unit_parameters

#: Stored predikat codes ↔ scoring's predikat.
PREDIKAT_BY_CODE: Mapping[str, Predikat] = dict(zip(PREDIKAT_CODES, Predikat, strict=True))
CODE_BY_PREDIKAT: Mapping[Predikat, str] = {value: key for key, value in PREDIKAT_BY_CODE.items()}
CODE_BY_RATING: Mapping[Rating, str] = {value: key for key, value in RATING_BY_CODE.items()}
#: The indicators the team list shows per member.
TEAM_CODES = ("ikp", "on_time_rate", "tickets_per_working_day")
#: The employee indicators the evidence page shows, in this order.
EVIDENCE_CODES = (
    "ikp",
    "ikm",
    "wait_median_minutes",
    "wait_p90_minutes",
    "service_median_minutes",
    "service_p90_minutes",
    "on_time_rate",
    "tickets_per_working_day",
    "no_show_rate",
    "error_rate",
)
REASON_MAX = 2000
FEEDBACK_MAX = 4000


class AppraisalError(DomainError):
    """An appraisal-desk write was refused; ``code`` names why (the view words it in the user's language)."""

    def __init__(self, code: str, **details: Any) -> None:
        self.code = code
        self.details = details
        super().__init__(code if not details else f"{code}: {details}")


# --- Reading score runs (re-point these when the runs move) ------------------------------------------------------


def _current_run(unit: Unit, period_id: str) -> ScoreRun | None:
    """The unit's newest run of the period that nothing has superseded (it may be provisional)."""
    return current_run(unit, period_id)  # services/score_runs/reading.py


def _run_rows(run_ids: Iterable[int], employee_ids: Iterable[int] | None, codes: Iterable[str]) -> list[ScoreIndicator]:
    """Indicator rows of some runs for some employees (None: the unit's own rows) and codes, in one query."""
    query = select(ScoreIndicator).where(ScoreIndicator.run_id.in_(sorted(set(run_ids))))
    query = query.where(ScoreIndicator.code.in_(sorted(set(codes))))
    if employee_ids is None:
        query = query.where(ScoreIndicator.employee_id.is_(None))
    else:
        query = query.where(ScoreIndicator.employee_id.in_(sorted(set(employee_ids))))
    return list(db.session.scalars(query))


def _run_parameters(run: ScoreRun | None, unit: Unit) -> ScoringParameters:
    if run is not None:
        try:
            return ScoringParameters.from_dict(run.parameters)
        except ScoringError:
            pass
    return unit_parameters(unit)


# --- Who appraises whom ------------------------------------------------------------------------------------------


def period_or_none(text: str | None) -> Period | None:
    """A month, triwulan, semester or year period from its code; None when the text is not one."""
    if not text:
        return None
    try:
        period = parse_period(text.strip().upper())
    except ScoringError:
        return None
    return None if period.kind == "day" else period


def last_day(period: Period) -> date:
    """The period's last local day: team membership is read on it (spec §7)."""
    return period.end - timedelta(days=1)


def _valid_on(day: date) -> Any:
    return (EmployeeAssignment.valid_from <= day) & or_(
        EmployeeAssignment.valid_until.is_(None), EmployeeAssignment.valid_until > day
    )


def assignment_on(employee_id: int, day: date) -> EmployeeAssignment | None:
    """The employee's assignment valid on ``day`` (the latest started, should two overlap)."""
    employee = db.session.get(Employee, employee_id)
    return None if employee is None else teams.assignment_on(employee, day)


def team_assignments(user: User, day: date) -> list[EmployeeAssignment]:
    """The assignments valid on ``day`` of everyone this user may see at the desk, by name.

    A supervisor sees the employees whose assignment names them as supervisor (acting Plt/Plh included: such an
    assignment names the acting supervisor); HR and admins see their unit's employees (every unit without one).
    """
    query = (
        select(EmployeeAssignment)
        .join(Employee, Employee.id == EmployeeAssignment.employee_id)
        .options(joinedload(EmployeeAssignment.unit), joinedload(EmployeeAssignment.employee))
        .where(_valid_on(day))
        .order_by(Employee.name, Employee.id)
    )
    conditions = []
    if user.has_role("supervisor") and user.employee_id is not None:
        conditions.append(EmployeeAssignment.supervisor_id == user.employee_id)
    if user.has_role("hr", "admin"):
        scope = scope_unit_ids(user)
        conditions.append(EmployeeAssignment.unit_id.in_(sorted(scope)) if scope is not None else true())
    if not conditions:
        return []
    rows = list(db.session.scalars(query.where(or_(*conditions))).unique())
    seen: set[int] = set()
    unique = []
    for row in rows:  # the latest-starting assignment of each employee comes first
        if row.employee_id not in seen:
            seen.add(row.employee_id)
            unique.append(row)
    return unique


def may_read(user: User, assignment: EmployeeAssignment) -> bool:
    """HR and admins whose scope holds the employee's unit (it and the units below it), and the employee's own
    supervisor, may read the evidence."""
    if may_appraise(user, assignment):
        return True
    if not user.has_role("hr", "admin"):
        return False
    scope = scope_unit_ids(user)
    return scope is None or assignment.unit_id in scope


def may_appraise(user: User, assignment: EmployeeAssignment) -> bool:
    """Only the supervisor the assignment names (definitive or acting) appraises."""
    return user.has_role("supervisor") and user.employee_id is not None and assignment.supervisor_id == user.employee_id


# --- The team list -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    """One stored indicator as pages show it."""

    code: str
    status: str
    value: Decimal | None
    raw: str | None
    n: int | None
    explanation: Mapping[str, Any]
    indicator_id: int | None = None  # the stored row, whose explained page is the bukti dukung (services/exports)

    @property
    def published(self) -> bool:
        return self.status == "ok"


def _figure(row: ScoreIndicator) -> Figure:
    raw = row.explanation.get("raw")
    return Figure(
        row.code, row.status, row.value, raw if isinstance(raw, str) else None, row.n, row.explanation, row.id
    )


@dataclass(frozen=True)
class TeamMember:
    assignment: EmployeeAssignment
    run: ScoreRun | None
    figures: Mapping[str, Figure]
    appraisal: Appraisal | None

    @property
    def employee(self) -> Employee:
        return self.assignment.employee

    @property
    def thin(self) -> bool:
        """Too little data: the headline satisfaction figure is not published (or there is no run)."""
        ikp = self.figures.get("ikp")
        return ikp is None or not ikp.published


@dataclass(frozen=True)
class UnitDistribution:
    """The unit's confirmed predikat for the period against the curve of its organisational predikat."""

    unit: Unit
    counts: Mapping[str, int]
    organisational_predikat: str | None
    check: DistributionCheck | None

    @property
    def total(self) -> int:
        return sum(self.counts.values())


@dataclass(frozen=True)
class Desk:
    period: Period
    members: list[TeamMember]
    distributions: list[UnitDistribution] = field(default_factory=list)


def read_desk(user: User, period: Period) -> Desk:
    """The team list for a period with each member's headline figures and appraisal, and each unit's distribution.

    A fixed number of queries whatever the team size: assignments, runs, indicator rows, appraisals, confirmed
    counts, plus the parameters of each unit shown (one for a supervisor's team).
    """
    assignments = team_assignments(user, last_day(period))
    units = {a.unit_id: a.unit for a in assignments}
    runs: dict[int, ScoreRun] = {}
    if units:
        for run in db.session.scalars(
            select(ScoreRun)
            .where(
                ScoreRun.unit_id.in_(sorted(units)),
                ScoreRun.period_id == period.id,
                ScoreRun.superseded_by_id.is_(None),
            )
            .order_by(ScoreRun.id)
        ):
            runs[run.unit_id] = run  # the newest wins
    employee_ids = [a.employee_id for a in assignments]
    figures: dict[tuple[int, int], dict[str, Figure]] = {}
    if runs and employee_ids:
        for row in _run_rows([r.id for r in runs.values()], employee_ids, TEAM_CODES):
            figures.setdefault((row.run_id, row.employee_id or 0), {})[row.code] = _figure(row)
    appraisals = {}
    if employee_ids:
        appraisals = {
            a.employee_id: a
            for a in db.session.scalars(
                select(Appraisal).where(Appraisal.employee_id.in_(employee_ids), Appraisal.period_id == period.id)
            )
        }
    members = []
    for assignment in assignments:
        member_run = runs.get(assignment.unit_id)
        mine = figures.get((member_run.id, assignment.employee_id), {}) if member_run else {}
        members.append(TeamMember(assignment, member_run, mine, appraisals.get(assignment.employee_id)))
    distributions = [unit_distribution(unit, period, runs.get(unit.id)) for unit in units.values()]
    return Desk(period, members, sorted(distributions, key=lambda d: d.unit.name))


def unit_distribution(unit: Unit, period: Period, run: ScoreRun | None = None) -> UnitDistribution:
    """Counts of the unit's **confirmed** predikat for the period, checked against the curve (spec §3)."""
    counts = {code: 0 for code in PREDIKAT_CODES}
    for code, number in db.session.execute(
        select(Appraisal.predikat, func.count())
        .where(Appraisal.unit_id == unit.id, Appraisal.period_id == period.id, Appraisal.status == "confirmed")
        .group_by(Appraisal.predikat)
    ):
        if code is not None:
            counts[code] = number
    organisation = _run_parameters(run, unit).organisational_predikat
    check = None
    if organisation and sum(counts.values()):
        check = distribution_check(organisation, {PREDIKAT_BY_CODE[c]: n for c, n in counts.items()})
    return UnitDistribution(unit, counts, organisation, check)


# --- The evidence page -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetLine:
    """A target with the realisation used for its capaian (from the run where its indicator is measured)."""

    target: EmployeeTarget
    realisation: Decimal | None
    from_run: bool
    capaian: Decimal | None


@dataclass(frozen=True)
class Suggestion:
    hasil: Rating | None
    average_capaian: Decimal | None
    lines: list[TargetLine]
    perilaku: Rating | None


@dataclass(frozen=True)
class Evidence:
    assignment: EmployeeAssignment
    period: Period
    run: ScoreRun | None
    figures: Mapping[str, Figure]
    unit_figures: Mapping[str, Figure]
    complaints: int | None
    u7_counts: list[int] | None  # answers 1-4 to U7 (perilaku pelaksana) in the run
    targets: list[EmployeeTarget]
    rating: BehaviourRating | None
    appraisal: Appraisal | None
    suggestion: Suggestion
    parameters: ScoringParameters
    # Colleagues' 360° feedback of the period (issue 16): evidence beside the form, never part of the suggestion.
    peer: PeerResult | None = None
    open_appeals: list[Appeal] = field(default_factory=list)  # issue 12: the employee's undecided appeals

    @property
    def u7_n(self) -> int | None:
        return None if self.u7_counts is None else sum(self.u7_counts)

    @property
    def shown(self) -> dict[str, Any]:
        """The evidence this page shows, as the appraisal's explanation records it."""
        return {
            "score_run_id": None if self.run is None else self.run.id,
            "citizens_u7_n": self.u7_n,
            "peer_feedback": evidence_note(self.peer),
        }

    @property
    def employee(self) -> Employee:
        return self.assignment.employee

    @property
    def unit(self) -> Unit:
        return self.assignment.unit

    @property
    def newer_run(self) -> bool:
        """A run newer than the one the appraisal was based on exists (spec §7)."""
        if self.appraisal is None or self.run is None:
            return False
        return self.appraisal.score_run_id != self.run.id


def _fill_value(code: str, figures: Mapping[str, Figure]) -> Decimal | None:
    """The realisation a run gives a target's indicator code, if the run measured it."""
    if code == "tickets_finished":
        figure = figures.get("on_time_rate")
        if figure is None:
            return None
        finished = figure.explanation.get("explanation", {}).get("inputs", {}).get("tickets_finished")
        return Decimal(finished) if isinstance(finished, int) else None
    figure = figures.get(code)
    if figure is None or figure.value is None or figure.status == "not_available":
        return None
    return Decimal(figure.value)


def suggest(
    targets: list[EmployeeTarget],
    figures: Mapping[str, Figure],
    parameters: ScoringParameters,
    berakhlak: Mapping[str, str] | None,
) -> Suggestion:
    """Suggested ratings hasil kerja (capaian of the targets) and perilaku kerja (median of the seven) (spec §3)."""
    lines = []
    scored = []
    for target in targets:
        filled = _fill_value(target.indicator_code, figures) if target.indicator_code else None
        realisation = filled if filled is not None else target.realisation
        value = None
        if realisation is not None:
            value = capaian(realisation, target.target, target.lower_is_better, parameters.capaian_cap)
            scored.append(value)
        lines.append(TargetLine(target, realisation, filled is not None, value))
    hasil = suggest_hasil_kerja(scored, parameters.capaian_thresholds) if scored else None
    average = average_capaian(scored) if scored else None
    perilaku = None
    if berakhlak and all(berakhlak.get(column) in RATINGS for column in BERAKHLAK_VALUES):
        perilaku = suggest_perilaku({BERAKHLAK_NAMES[c]: RATING_BY_CODE[berakhlak[c]] for c in BERAKHLAK_VALUES})
    return Suggestion(hasil, average, lines, perilaku)


def _berakhlak_of(rating: BehaviourRating | None) -> dict[str, str] | None:
    return None if rating is None else {column: getattr(rating, column) for column in BERAKHLAK_VALUES}


def read_evidence(assignment: EmployeeAssignment, period: Period) -> Evidence:
    """Everything the evidence page shows, in a fixed number of queries whatever the data."""
    unit = assignment.unit
    employee_id = assignment.employee_id
    run = _current_run(unit, period.id)
    figures: dict[str, Figure] = {}
    unit_figures: dict[str, Figure] = {}
    complaint_count = None
    u7 = None
    if run is not None:
        codes = (*EVIDENCE_CODES, "answered_within_3_working_days_rate")
        for row in _run_rows([run.id], [employee_id], codes):
            figures[row.code] = _figure(row)
        for row in _run_rows([run.id], None, EVIDENCE_CODES):
            unit_figures[row.code] = _figure(row)
        complaints = figures.pop("answered_within_3_working_days_rate", None)
        if complaints is not None:
            complaint_count = complaints.explanation.get("explanation", {}).get("inputs", {}).get("complaints")
        ikp = figures.get("ikp")
        if ikp is not None:
            counts = ikp.explanation.get("explanation", {}).get("inputs", {}).get("counts", {})
            u7 = counts.get("U7") if isinstance(counts, dict) else None
    targets = list(
        db.session.scalars(
            select(EmployeeTarget)
            .where(EmployeeTarget.employee_id == employee_id, EmployeeTarget.period_id == period.id)
            .order_by(EmployeeTarget.work_plan, EmployeeTarget.name)
        )
    )
    rating = db.session.scalar(
        select(BehaviourRating).where(
            BehaviourRating.employee_id == employee_id, BehaviourRating.period_id == period.id
        )
    )
    appraisal = db.session.scalar(
        select(Appraisal).where(Appraisal.employee_id == employee_id, Appraisal.period_id == period.id)
    )
    parameters = _run_parameters(run, unit)
    suggestion = suggest(targets, figures, parameters, _berakhlak_of(rating))
    return Evidence(
        assignment,
        period,
        run,
        figures,
        unit_figures,
        complaint_count if isinstance(complaint_count, int) else None,
        u7 if isinstance(u7, list) else None,
        targets,
        rating,
        appraisal,
        suggestion,
        parameters,
        evidence_for(employee_id, period.id),
        open_appeals_of(employee_id),
    )


# --- Writing: targets --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class TargetInput:
    """One target as typed in the editor (text, checked here)."""

    work_plan: str
    name: str
    aspect: str
    target: str
    measure_unit: str
    realisation: str
    lower_is_better: bool
    indicator_code: str


def _refuse_if_confirmed(employee_id: int, period: Period) -> None:
    status = db.session.scalar(
        select(Appraisal.status).where(Appraisal.employee_id == employee_id, Appraisal.period_id == period.id)
    )
    if status == "confirmed":
        raise AppraisalError("already_confirmed")


def _target_values(given: TargetInput) -> dict[str, Any]:
    name, work_plan, measure = given.name.strip(), given.work_plan.strip(), given.measure_unit.strip()
    if not name or len(name) > 200:
        raise AppraisalError("target_name")
    if not work_plan or len(work_plan) > 300:
        raise AppraisalError("target_work_plan")
    if len(measure) > 40:
        raise AppraisalError("target_measure")
    if given.aspect not in TARGET_ASPECTS:
        raise AppraisalError("unknown_value", field="aspect")
    code = given.indicator_code.strip() or None
    if code is not None and code not in TARGET_INDICATOR_CODES:
        raise AppraisalError("unknown_value", field="indicator_code")
    try:
        target = _decimal(given.target.strip(), "target")
        realisation = _decimal(given.realisation.strip(), "realisation") if given.realisation.strip() else None
    except ValueError:
        raise AppraisalError("not_a_number") from None
    if target == 0:
        raise AppraisalError("target_zero")
    if target < 0 or (realisation is not None and realisation < 0):
        raise AppraisalError("negative")
    try:
        AppraisalTarget(name, target, realisation, given.lower_is_better)
    except ScoringError:
        raise AppraisalError("not_a_number") from None
    return {
        "work_plan": work_plan,
        "name": name,
        "aspect": given.aspect,
        "target": target,
        "measure_unit": measure or None,
        "realisation": realisation,
        "lower_is_better": given.lower_is_better,
        "indicator_code": code,
    }


def _plain(value: Any) -> Any:
    return str(value) if isinstance(value, Decimal) else value


def save_target(assignment: EmployeeAssignment, period: Period, given: TargetInput) -> EmployeeTarget:
    """Add a target, or change the one with the same indikator name; one audit row. The caller commits."""
    _refuse_if_confirmed(assignment.employee_id, period)
    values = _target_values(given)
    target = db.session.scalar(
        select(EmployeeTarget).where(
            EmployeeTarget.employee_id == assignment.employee_id,
            EmployeeTarget.period_id == period.id,
            EmployeeTarget.name == values["name"],
        )
    )
    if target is None:
        target = EmployeeTarget(employee_id=assignment.employee_id, period_id=period.id, **values)
        db.session.add(target)
        db.session.flush()
        before, action = None, "target.create"
        after = {key: _plain(value) for key, value in values.items()}
    else:
        changed = {key: value for key, value in values.items() if getattr(target, key) != value}
        if not changed:
            raise AppraisalError("unchanged")
        before = {key: _plain(getattr(target, key)) for key in changed}
        after = {key: _plain(value) for key, value in changed.items()}
        for key, value in changed.items():
            setattr(target, key, value)
        db.session.flush()
        action = "target.update"
    record_audit(
        action,
        entity="employee_target",
        entity_id=target.id,
        unit_id=assignment.unit_id,
        before=before,
        after={"employee_id": assignment.employee_id, "period_id": period.id, **after},
    )
    return target


def delete_target(assignment: EmployeeAssignment, period: Period, target_id: int) -> None:
    """Remove one of the employee's targets of the period; one audit row. The caller commits."""
    _refuse_if_confirmed(assignment.employee_id, period)
    target = db.session.get(EmployeeTarget, target_id)
    if target is None or target.employee_id != assignment.employee_id or target.period_id != period.id:
        raise AppraisalError("unknown_target")
    before = {
        "employee_id": target.employee_id,
        "period_id": target.period_id,
        "name": target.name,
        "target": _plain(target.target),
        "realisation": _plain(target.realisation),
    }
    db.session.delete(target)
    db.session.flush()
    record_audit(
        "target.delete", entity="employee_target", entity_id=target_id, unit_id=assignment.unit_id, before=before
    )


# --- Writing: the appraisal --------------------------------------------------------------------------------------


@dataclass(frozen=True)
class AppraisalInput:
    """The appraisal form as submitted: codes are checked here, not trusted."""

    version: int | None  # None: the form was read before any appraisal existed
    run_id: int | None  # the run whose evidence the form showed
    berakhlak: Mapping[str, str]  # column → di_bawah/sesuai/di_atas ("" = not rated yet)
    feedback: str
    hasil: str  # "" = not decided yet
    hasil_reason: str
    perilaku: str
    perilaku_reason: str
    confirm: bool


def _rating_code(value: str, field_name: str) -> str | None:
    value = value.strip()
    if not value:
        return None
    if value not in RATINGS:
        raise AppraisalError("unknown_value", field=field_name)
    return value


def _reason(text: str, confirmed: str | None, suggested: Rating | None, side: str) -> str | None:
    reason = text.strip() or None
    if reason is not None and len(reason) > REASON_MAX:
        raise AppraisalError("reason_too_long", side=side)
    overriding = confirmed is not None and (suggested is None or RATING_BY_CODE[confirmed] is not suggested)
    if overriding and reason is None:
        raise AppraisalError("reason_required", side=side)
    return reason


APPRAISAL_FIELDS = (
    "score_run_id",
    "suggested_hasil",
    "confirmed_hasil",
    "hasil_reason",
    "average_capaian",
    "suggested_perilaku",
    "confirmed_perilaku",
    "perilaku_reason",
    "predikat",
    "status",
    "evidence_shown",
)


def save_appraisal(
    assignment: EmployeeAssignment, period: Period, appraiser: Employee, given: AppraisalInput
) -> Appraisal:
    """Save the BerAKHLAK ratings and the appraisal as a draft, or confirm it (spec §3); one audit row.

    Refused with nothing changed: a stale form (someone saved since it was read), an unknown value, a missing
    override reason, an incomplete BerAKHLAK form, a confirmation without both ratings, an appraisal already
    confirmed. The caller commits.
    """
    employee_id = assignment.employee_id
    appraisal = db.session.scalar(
        select(Appraisal).where(Appraisal.employee_id == employee_id, Appraisal.period_id == period.id)
    )
    if appraisal is not None and appraisal.status == "confirmed":
        raise AppraisalError("already_confirmed")
    if (appraisal.version if appraisal is not None else None) != given.version:
        raise AppraisalError("stale")
    run = _current_run(assignment.unit, period.id)
    if given.run_id != (run.id if run is not None else None):
        raise AppraisalError("stale_run")  # a run was computed while the form was open: read the new evidence
    values = {column: (given.berakhlak.get(column) or "").strip() for column in BERAKHLAK_VALUES}
    for column, value in values.items():
        if value and value not in RATINGS:
            raise AppraisalError("unknown_value", field=column)
    rated = [column for column, value in values.items() if value]
    if rated and len(rated) < len(BERAKHLAK_VALUES):
        raise AppraisalError("berakhlak_incomplete")
    feedback = given.feedback.strip() or None
    if feedback is not None and len(feedback) > FEEDBACK_MAX:
        raise AppraisalError("feedback_too_long")
    hasil = _rating_code(given.hasil, "hasil")
    perilaku = _rating_code(given.perilaku, "perilaku")
    if not rated and hasil is None and perilaku is None and feedback is None:
        raise AppraisalError("empty")

    evidence = read_evidence(assignment, period)
    suggestion = suggest(evidence.targets, evidence.figures, evidence.parameters, values if rated else None)
    hasil_reason = _reason(given.hasil_reason, hasil, suggestion.hasil, "hasil")
    perilaku_reason = _reason(given.perilaku_reason, perilaku, suggestion.perilaku, "perilaku")
    if given.confirm and (hasil is None or perilaku is None):
        raise AppraisalError("confirm_needs_both")
    if given.confirm and not rated:
        raise AppraisalError("berakhlak_incomplete")
    result = None
    if hasil is not None and perilaku is not None:
        result = CODE_BY_PREDIKAT[predikat(RATING_BY_CODE[hasil], RATING_BY_CODE[perilaku])]

    rating = evidence.rating
    if rated:
        rating_values = {
            **values,
            "overall": perilaku,
            "override_reason": perilaku_reason
            if perilaku and RATING_BY_CODE[perilaku] is not suggestion.perilaku
            else None,
            "feedback": feedback,
            "supervisor_id": appraiser.id,
        }
        if rating is None:
            db.session.add(BehaviourRating(employee_id=employee_id, period_id=period.id, **rating_values))
        else:
            for key, rating_value in rating_values.items():
                setattr(rating, key, rating_value)

    at = now()
    new = {
        "score_run_id": None if run is None else run.id,
        "suggested_hasil": None if suggestion.hasil is None else CODE_BY_RATING[suggestion.hasil],
        "confirmed_hasil": hasil,
        "hasil_reason": hasil_reason,
        "average_capaian": suggestion.average_capaian,
        "suggested_perilaku": None if suggestion.perilaku is None else CODE_BY_RATING[suggestion.perilaku],
        "confirmed_perilaku": perilaku,
        "perilaku_reason": perilaku_reason,
        "predikat": result,
        "status": "confirmed" if given.confirm else "draft",
        "evidence_shown": evidence.shown,
    }
    if appraisal is None:
        appraisal = Appraisal(
            employee_id=employee_id,
            unit_id=assignment.unit_id,
            period_id=period.id,
            appraiser_id=appraiser.id,
            created_at=at,
            updated_at=at,
            confirmed_at=at if given.confirm else None,
            version=1,
            **new,
        )
        db.session.add(appraisal)
        before = None
        after = {key: _plain(value) for key, value in new.items()}
    else:
        before = {
            key: _plain(getattr(appraisal, key)) for key in APPRAISAL_FIELDS if getattr(appraisal, key) != new[key]
        }
        after = {key: _plain(new[key]) for key in before}
        for key, new_value in new.items():
            setattr(appraisal, key, new_value)
        appraisal.appraiser_id = appraiser.id
        appraisal.updated_at = at
        appraisal.version = appraisal.version + 1
        appraisal.confirmed_at = at if given.confirm else None
    try:
        db.session.flush()
    except StaleDataError:
        raise AppraisalError("stale") from None
    if rated:
        after["berakhlak"] = values
    reasons = "; ".join(r for r in (hasil_reason, perilaku_reason) if r) or None
    record_audit(
        "appraisal.confirm" if given.confirm else "appraisal.save_draft",
        entity="appraisal",
        entity_id=appraisal.id,
        unit_id=assignment.unit_id,
        before=before,
        after={"employee_id": employee_id, "period_id": period.id, "version": appraisal.version, **after},
        reason=reasons,
    )
    return appraisal


def appraisal_history(appraisal: Appraisal | None, limit: int = 50) -> list[AuditEvent]:
    """The audit rows of one appraisal, oldest first (by index on entity and id, with a limit)."""
    if appraisal is None:
        return []
    rows = db.session.scalars(
        select(AuditEvent)
        .where(AuditEvent.entity == "appraisal", AuditEvent.entity_id == str(appraisal.id))
        .order_by(AuditEvent.id.desc())
        .limit(limit)
    )
    return list(reversed(list(rows)))
