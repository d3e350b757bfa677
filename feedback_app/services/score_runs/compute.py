"""Computing a score run: SQL statistics, the pure scoring on top, one stored run per unit and period (spec §1–§3)."""

from __future__ import annotations

from collections import Counter as Tally
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from typing import Any

from sqlalchemy import delete, or_, select, text, update

from scoring import (
    AppraisalTarget,
    BehaviourRatings,
    ComplaintStats,
    IndicatorStatus,
    Period,
    SatisfactionStats,
    ScoringError,
    ScoringParameters,
    ServiceMixStats,
    ServiceTimeStats,
    bias_audit,
    bias_audit_indicator,
    complaint_indicators,
    complaints_about_service_indicator,
    distribution_indicator,
    hasil_kerja_indicator,
    ikm_indicator,
    ikp_adjusted_indicator,
    ikp_indicator,
    perilaku_indicator,
    predikat_indicator,
    service_time_indicators,
    settlement_indicator,
    unit_ikm_indicator,
)

from ...clock import now
from ...extensions import db
from ...models import (
    BehaviourRating,
    Complaint,
    Counter,
    EmployeeAssignment,
    EmployeeTarget,
    ScoreIndicator,
    ScoreRun,
    Unit,
)
from ...version import code_version
from ..appraisal_inputs import behaviour_ratings
from ..moderation import run_population
from ..sufficient_statistics import (
    complaint_stats,
    employee_and_unit_service_times,
    fairness_stats,
    holidays_between,
    period_window,
    respondent_profile,
    response_status_counts,
    satisfaction_stats_by_channel,
)
from .digest import input_digest
from .errors import ScoreRunError
from .parameters import unit_parameters
from .rows import AnyIndicator, IndicatorRow, IndicatorRows, indicator_row

#: The steps of a run, reported one by one to ``progress``.
SCORE_RUN_STEPS = ("statistics", "inputs", "scoring", "storing")
#: PostgreSQL ``work_mem`` for a run's transaction (see :func:`_settle_transaction`).
RUN_WORK_MEM = "64MB"
SCORE_RUN_LOCK_NAMESPACE = 5301  # pg_advisory_xact_lock(namespace, unit id): one score run per unit


def _employees_of(unit: Unit, period: Period) -> set[int]:
    """Employees with an assignment to the unit overlapping the period (local dates, [valid_from, valid_until))."""
    return set(
        db.session.scalars(
            select(EmployeeAssignment.employee_id)
            .where(
                EmployeeAssignment.unit_id == unit.id,
                EmployeeAssignment.valid_from < period.end,
                or_(EmployeeAssignment.valid_until.is_(None), EmployeeAssignment.valid_until > period.start),
            )
            .distinct()
        )
    )


def _of_employees(column: Any, unit: Unit, employee_ids: set[int], assigned: set[int]) -> Any:
    """``column IN employee_ids`` without a bind parameter per employee (a unit may have tens of thousands): the
    unit's staff as a subquery, plus the few others its statistics name; callers keep only ``employee_ids``."""
    staff = select(EmployeeAssignment.employee_id).where(EmployeeAssignment.unit_id == unit.id)
    return or_(column.in_(staff), column.in_(sorted(employee_ids - assigned)))


def _targets(
    unit: Unit, period: Period, employee_ids: set[int], assigned: set[int]
) -> dict[int, list[AppraisalTarget]]:
    targets: dict[int, list[AppraisalTarget]] = {}
    if not employee_ids:
        return targets
    rows = db.session.scalars(
        select(EmployeeTarget)
        .where(
            EmployeeTarget.period_id == period.id,
            _of_employees(EmployeeTarget.employee_id, unit, employee_ids, assigned),
        )
        .order_by(EmployeeTarget.employee_id, EmployeeTarget.name)
    )
    for row in rows:
        if row.employee_id in employee_ids:
            targets.setdefault(row.employee_id, []).append(
                AppraisalTarget(row.name, row.target, row.realisation, bool(row.lower_is_better))
            )
    return targets


def _ratings(unit: Unit, period: Period, employee_ids: set[int], assigned: set[int]) -> dict[int, BehaviourRatings]:
    if not employee_ids:
        return {}
    rows = db.session.scalars(
        select(BehaviourRating).where(
            BehaviourRating.period_id == period.id,
            _of_employees(BehaviourRating.employee_id, unit, employee_ids, assigned),
        )
    )
    return {row.employee_id: behaviour_ratings(row) for row in rows if row.employee_id in employee_ids}


def _group(indicators: Any) -> list[Any]:
    return [getattr(indicators, name) for name in indicators.__dataclass_fields__]


def compute_score_run(
    unit: Unit,
    period: Period,
    created_by: str,
    progress: Callable[[str], None] | None = None,
    parameters: ScoringParameters | None = None,
) -> ScoreRun:
    """Compute and store one score run of a unit for a period, superseding its current run (spec §1–§3, §6).

    Statistics come from SQL in a fixed number of queries (only ``valid`` responses count, spec §2.1); the
    formulas are :mod:`scoring`'s. Employees considered: those assigned to the unit during the period plus anyone
    with attributed responses, tickets or complaints there. A period that has not ended yet in the unit's zone is
    stored as provisional. ``progress`` is called with each name of :data:`SCORE_RUN_STEPS` as it completes.
    ``parameters`` default to the unit's own; verifying a run passes the ones it stored. The run stores the digest
    of everything it read (:func:`.digest.input_digest`).
    The caller commits; the new run and the superseding happen in that one transaction.
    """
    created_by = created_by.strip()
    if not created_by or len(created_by) > 80:
        raise ScoreRunError("created_by must name who asked for the run in 1 to 80 characters.")
    today = now().astimezone(unit.zone).date()
    if period.start > today:
        raise ScoreRunError(f"{period.id} ({period.label}) has not started yet for {unit.slug}; nothing to compute.")
    step = progress or (lambda _name: None)
    # One run per unit at a time. On PostgreSQL an advisory lock of its own, so survey answers and ticket batches
    # for the unit go on during a long run (a lock on the unit's row would hold them up); SQLite locks the file.
    if db.session.get_bind().dialect.name == "postgresql":
        db.session.execute(
            text("SELECT pg_advisory_xact_lock(:namespace, :unit_id)"),
            {"namespace": SCORE_RUN_LOCK_NAMESPACE, "unit_id": unit.id},
        )
    _settle_transaction()
    if parameters is None:
        parameters = unit_parameters(unit)

    satisfaction, unit_satisfaction, electronic = satisfaction_stats_by_channel(unit, period, parameters.ikp_unsur)
    statuses = response_status_counts(unit, period)
    profile = respondent_profile(unit, period)
    service, unit_service = employee_and_unit_service_times(unit, period, parameters.on_time_rule)
    complaints, unit_complaints = complaint_stats(unit, period)
    fairness = fairness_stats(unit, period, parameters.ikp_unsur)
    step(SCORE_RUN_STEPS[0])

    assigned = _employees_of(unit, period)
    employee_ids = assigned | set(satisfaction) | set(service) | set(complaints)
    targets = _targets(unit, period, employee_ids, assigned)
    ratings = _ratings(unit, period, employee_ids, assigned)
    holidays = holidays_between(period.start, period.end, unit.id)
    population, population_source = run_population(
        unit.id, period.id, unit_service.tickets_finished if unit_service else None
    )
    settled = settlement_seconds(unit, period) if unit_complaints is not None else None
    step(SCORE_RUN_STEPS[1])
    version = code_version()
    digest = input_digest(
        {
            "period": period.id,
            "satisfaction": satisfaction,
            "unit_satisfaction": unit_satisfaction,
            "statuses": statuses,
            "service": service,
            "unit_service": unit_service,
            "complaints": complaints,
            "unit_complaints": unit_complaints,
            "service_mix": fairness.mix,
            "unit_service_mix": fairness.unit_mix,
            "audit_groups": fairness.audit_groups,
            "employees": employee_ids,
            "targets": targets,
            "ratings": ratings,
            "holidays": holidays,
            "settled": settled,
        },
        parameters.to_dict(),
        version,
    )

    run = ScoreRun(
        unit_id=unit.id,
        period_id=period.id,
        period_start=period.start,
        period_end=period.end,
        provisional=period.end > today,
        parameters=parameters.to_dict(),
        code_version=version,
        input_digest=digest,
        input_counts={
            "responses_by_status": dict(sorted(statuses.items())),
            "responses_valid": unit_satisfaction.n,
            "responses_attributed": sum(stats.n for stats in satisfaction.values()),
            "tickets": 0 if unit_service is None else unit_service.tickets_issued,
            "tickets_finished": 0 if unit_service is None else unit_service.tickets_finished,
            "complaints": 0 if unit_complaints is None else unit_complaints.complaints,
            "targets": sum(len(t) for t in targets.values()),
            "ratings": len(ratings),
            "holidays": len(holidays),
            "employees": len(employee_ids),
            # Krejcie–Morgan's N (spec §7): the admin's figure for the period where one was entered, else the
            # unit's finished tickets where it has tickets; otherwise unknown.
            "population": population,
            "population_source": population_source,
            # The respondent profile and the channels, for the SKM report (spec §1.2, §1.5).
            "respondent_profile": profile,
            "responses_paper": profile["channel"].get("paper", 0),
        },
        created_by=created_by,
        created_at=now(),
    )
    db.session.add(run)
    db.session.flush()

    # With no valid response in the unit the survey is a missing source (not available); otherwise an employee
    # nobody answered about has n = 0, which scoring shows as "data belum cukup" (spec §2.2, §6).
    # Employees are scored against the unit's electronic answers only: paper sheets count in the unit's SKM and
    # never in an employee's figure, not even through the unit mean of the shrunk estimate (issue 14 item 4).
    surveyed = unit_satisfaction if unit_satisfaction.n else None
    reference = electronic if electronic.n else None
    nobody = SatisfactionStats.from_responses([], parameters.ikp_unsur) if reference else None
    predikat_counts: Tally[str] = Tally()
    inputs = _EmployeeInputs(
        parameters,
        satisfaction,
        nobody,
        reference,
        service,
        complaints if unit_complaints is not None else None,
        targets,
        ratings,
        _missing_rows(parameters),
        fairness.mix,
        fairness.unit_mix if surveyed else None,
    )
    try:
        with IndicatorRows(run.id) as rows:
            for employee_id in sorted(employee_ids):
                employee_rows, predikat = _employee_rows(inputs, employee_id)
                rows.add_rows(employee_id, employee_rows)
                if predikat:
                    predikat_counts[predikat] += 1
            rows.add_all(
                None,
                [
                    unit_ikm_indicator(surveyed, parameters, population),
                    ikp_indicator(surveyed, surveyed, parameters),
                    bias_audit_indicator(bias_audit(fairness.audit_groups, parameters) if surveyed else None),
                    *_group(service_time_indicators(unit_service, parameters)),
                    *_group(complaint_indicators(unit_complaints)),
                    settlement_indicator(settled),
                    distribution_indicator(predikat_counts, parameters),
                ],
            )
    except ScoringError as error:
        # Nothing of this run may stay behind in the caller's transaction.
        db.session.execute(delete(ScoreIndicator).where(ScoreIndicator.run_id == run.id))
        db.session.delete(run)
        db.session.flush()
        raise ScoreRunError(f"The score run of {unit.slug} for {period.id} cannot be computed: {error}") from None
    step(SCORE_RUN_STEPS[2])
    _name_decided_appeals(run, unit, period)

    db.session.execute(
        update(ScoreRun)
        .where(
            ScoreRun.unit_id == unit.id,
            ScoreRun.period_id == period.id,
            ScoreRun.superseded_by_id.is_(None),
            ScoreRun.id != run.id,
        )
        .values(superseded_by_id=run.id)
        .execution_options(synchronize_session="fetch")
    )
    step(SCORE_RUN_STEPS[3])
    return run


def settlement_seconds(unit: Unit, period: Period) -> list[int]:
    """Whole seconds from receipt to ``selesai`` of the unit's complaints received in the period and settled.

    Read as a list: a unit settles tens of complaints a period, not millions (the median is taken in scoring).
    """
    window = period_window(unit, period)
    rows = db.session.execute(
        select(Complaint.received_at, Complaint.settled_at).where(
            Complaint.unit_id == unit.id,
            Complaint.received_at >= window.start,
            Complaint.received_at < window.end,
            Complaint.settled_at.is_not(None),
        )
    )
    return [
        int((settled - received).total_seconds())
        for received, settled in rows
        if settled is not None and settled >= received
    ]


def _name_decided_appeals(run: ScoreRun, unit: Unit, period: Period) -> None:
    """Name the decided appeals of the period in the explanations they concern (spec §7): an accepted shift appeal
    on the employee's ikm/ikp (its answers already count for the unit only), an indicator appeal on that indicator."""
    from ..appeals import appeal_notes, name_appeals_in_run
    from ..sufficient_statistics import period_window

    window = period_window(unit, period)
    name_appeals_in_run(run, appeal_notes(unit, window.start, window.end, period.id))


@dataclass(frozen=True)
class _EmployeeInputs:
    """Everything a run scores its employees from: the statistics per employee and the unit's, read once."""

    parameters: ScoringParameters
    satisfaction: Mapping[int, SatisfactionStats]
    nobody: SatisfactionStats | None  # the statistics of an employee nobody answered about
    surveyed: SatisfactionStats | None  # the unit's electronic answers, or None when it has none at all
    service: Mapping[int, ServiceTimeStats]
    complaints: Mapping[int, ComplaintStats] | None  # None: the unit received no complaint in the period
    targets: Mapping[int, list[AppraisalTarget]]
    ratings: Mapping[int, BehaviourRatings]
    missing_rows: Mapping[str, list[IndicatorRow]]
    mix: Mapping[int, ServiceMixStats]  # per employee, by service type (issue 15)
    unit_mix: ServiceMixStats | None  # the unit's, or None when the unit has no valid answer at all


def _missing_rows(parameters: ScoringParameters) -> dict[str, list[IndicatorRow]]:
    """What scoring makes of a missing source (no targets, no ratings, no complaints): the same for everyone, so
    computed once, as the rows it becomes."""
    hasil, perilaku = hasil_kerja_indicator(None, parameters), perilaku_indicator(None)
    return {
        "appraisal": [
            indicator_row(hasil),
            indicator_row(perilaku),
            indicator_row(predikat_indicator(hasil, perilaku)),
        ],
        "complaints": [indicator_row(complaints_about_service_indicator(None))],
    }


#: The service mix of an employee nobody answered about.
_NO_MIX = ServiceMixStats({})


def _employee_rows(inputs: _EmployeeInputs, employee_id: int) -> tuple[list[IndicatorRow], str | None]:
    """One employee's indicator rows (spec §2.2–§3) and their suggested predikat, if they have one.

    Scored in this process: forked workers gain too little to fork in the middle of a run's transaction (see
    "Measured decisions" in docs/benchmarks.md).
    """
    parameters = inputs.parameters
    mine = inputs.satisfaction.get(employee_id, inputs.nobody)
    indicators: list[AnyIndicator] = [
        ikm_indicator(mine, inputs.surveyed, parameters),
        ikp_indicator(mine, inputs.surveyed, parameters),
        ikp_adjusted_indicator(
            mine, inputs.mix.get(employee_id, _NO_MIX), inputs.surveyed, inputs.unit_mix, parameters
        ),
        *_group(service_time_indicators(inputs.service.get(employee_id), parameters)),
    ]
    # An employee's complaint figure is the number about their service; response and settlement times are the
    # desk's doing, so they are unit figures only (spec §2.4).
    if inputs.complaints is not None:
        about = inputs.complaints.get(employee_id)
        indicators.append(complaints_about_service_indicator(0 if about is None else about.complaints))
    rows = [indicator_row(indicator) for indicator in indicators]
    if inputs.complaints is None:
        rows += inputs.missing_rows["complaints"]
    if employee_id not in inputs.targets and employee_id not in inputs.ratings:
        return rows + inputs.missing_rows["appraisal"], None  # a predikat needs both ratings: not available
    hasil = hasil_kerja_indicator(inputs.targets.get(employee_id), parameters)
    perilaku = perilaku_indicator(inputs.ratings.get(employee_id))
    suggested = predikat_indicator(hasil, perilaku)
    rows += [indicator_row(hasil), indicator_row(perilaku), indicator_row(suggested)]
    return rows, suggested.result if suggested.status is IndicatorStatus.OK else None


def _settle_transaction() -> None:
    """More memory for sorting and hashing, for this transaction only (PostgreSQL).

    With the default 4 MB of ``work_mem`` the per-employee aggregation of a year's answers spills to disk (see
    "Measured decisions" in docs/benchmarks.md). The setting ends with the caller's commit or rollback.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT set_config('work_mem', :size, true)"), {"size": RUN_WORK_MEM})


def units_to_score() -> list[Unit]:
    """Every unit that serves citizens (has at least one counter), by slug."""
    return list(
        db.session.scalars(
            select(Unit).where(select(Counter.id).where(Counter.unit_id == Unit.id).exists()).order_by(Unit.slug)
        )
    )
