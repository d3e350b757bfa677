"""Score runs: SQL statistics, the pure scoring on top, one stored run per unit and period (spec §1–§3, §6).

A run keeps everything needed to audit it later: the period, the parameters, the code version, how many inputs
of each kind it saw, who asked and when, and one row per indicator per employee (plus the unit's own rows) with
the explanation :mod:`scoring` produced. Recomputing stores a new run that supersedes the old one; old runs are
never changed otherwise, so they stay readable.
"""

from __future__ import annotations

import functools
import json
import subprocess
import tomllib
from collections import Counter as Tally
from collections.abc import Callable, Mapping
from contextlib import ExitStack
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

from sqlalchemy import Text, bindparam, delete, or_, select, text, update

from scoring import (
    DEFAULT_PARAMETERS,
    AppraisalIndicator,
    AppraisalTarget,
    BehaviourRatings,
    ComplaintStats,
    Indicator,
    IndicatorStatus,
    Period,
    Rating,
    SatisfactionIndicator,
    SatisfactionStats,
    ScoringError,
    ScoringParameters,
    ServiceTimeStats,
    UnitIkmIndicator,
    complaint_indicators,
    distribution_indicator,
    hasil_kerja_indicator,
    ikm_indicator,
    ikp_indicator,
    parse_period,
    perilaku_indicator,
    predikat_indicator,
    service_time_indicators,
    unit_ikm_indicator,
)
from scoring.appraisal import BERAKHLAK

from ..clock import now
from ..extensions import db
from ..models import (
    BERAKHLAK_VALUES,
    BehaviourRating,
    Counter,
    Employee,
    EmployeeAssignment,
    EmployeeTarget,
    ScoreIndicator,
    ScoreRun,
    Unit,
    UnitScoringParameters,
)
from .errors import DomainError
from .partitions import history_kept_since
from .statistics import (
    complaint_stats,
    employee_and_unit_service_times,
    holidays_between,
    period_window,
    response_status_counts,
    satisfaction_stats,
)

#: The steps of a run, reported one by one to ``progress``.
SCORE_RUN_STEPS = ("statistics", "inputs", "scoring", "storing")
#: Indicator rows written per INSERT statement while a run is computed (PostgreSQL takes them all in one COPY).
INDICATOR_BATCH = 5000
#: PostgreSQL ``work_mem`` for a run's transaction (see :func:`_settle_transaction`).
RUN_WORK_MEM = "64MB"

#: The parameters a unit may set (spec §1.3, §2.2, §2.3, §3), with the spec's defaults.
PARAMETER_KEYS: tuple[str, ...] = tuple(key for key in DEFAULT_PARAMETERS.to_dict() if key != "version")

#: Stored rating codes (models.RATINGS) → scoring's ratings.
RATING_BY_CODE: Mapping[str, Rating] = {
    "di_bawah": Rating.DI_BAWAH,
    "sesuai": Rating.SESUAI,
    "di_atas": Rating.DI_ATAS,
}
#: Stored BerAKHLAK columns → the names scoring uses (the same order, spec §3).
BERAKHLAK_NAMES: Mapping[str, str] = dict(zip(BERAKHLAK_VALUES, BERAKHLAK, strict=True))

_ROOT = Path(__file__).resolve().parents[2]

AnyIndicator = SatisfactionIndicator | Indicator | AppraisalIndicator | UnitIkmIndicator

SCORE_RUN_LOCK_NAMESPACE = 5301  # pg_advisory_xact_lock(namespace, unit id): one score run per unit


class ScoreRunError(DomainError):
    """A score run or a unit's parameters cannot be computed or changed as asked."""


@functools.cache
def code_version() -> str:
    """The code a run was computed with: the short git commit, else the package version (computed once)."""
    try:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"],  # noqa: S607  (git from PATH, like a developer runs it)
            cwd=_ROOT,
            capture_output=True,
            text=True,
            timeout=5,
            check=True,
        ).stdout.strip()
    except (OSError, subprocess.SubprocessError):
        commit = ""
    if commit:
        return commit
    try:
        with (_ROOT / "pyproject.toml").open("rb") as handle:
            return f"v{tomllib.load(handle)['project']['version']}"
    except (OSError, KeyError, tomllib.TOMLDecodeError):
        return "unknown"


# --- Parameters --------------------------------------------------------------------------------------------------


def unit_parameters(unit: Unit) -> ScoringParameters:
    """The unit's scoring parameters: its stored choices over the spec's defaults."""
    row = db.session.get(UnitScoringParameters, unit.id)
    if row is None:
        return DEFAULT_PARAMETERS
    try:
        return ScoringParameters.from_dict(row.parameters)
    except ScoringError as error:
        raise ScoreRunError(f"The stored scoring parameters of {unit.slug} are invalid: {error}") from None


def _split(text: str) -> list[str]:
    return [part.strip() for part in text.split(",") if part.strip()]


def _from_text(key: str, text: str) -> object:
    """A parameter typed on the command line, e.g. ``shrinkage_k=10`` or ``ikp_unsur=U3,U6,U7``."""
    if key in ("shrinkage_k", "publication_threshold"):
        try:
            return int(text)
        except ValueError:
            raise ScoreRunError(f"{key} must be a whole number; got {text!r}.") from None
    if key == "ikp_unsur":
        return [code.upper() for code in _split(text)]
    if key == "capaian_thresholds":
        return _split(text)
    if key == "weight_convention" and "=" in text:
        weights = {}
        for part in _split(text):
            code, _, weight = part.partition("=")
            weights[code.strip().upper()] = weight.strip()
        return weights
    return text


def set_unit_parameters(unit: Unit, changes: Mapping[str, object]) -> ScoringParameters:
    """Change some of a unit's scoring parameters; an empty value (``""`` or None) goes back to the default.

    Values may be typed text (``"10"``, ``"U3,U6,U7"``, ``"110,90"``, ``"U1=1/2,U2=1/2"``) or plain values.
    The result is checked by :class:`scoring.ScoringParameters`; only the keys the unit has set are stored, so
    it follows the spec's defaults for everything else. The caller commits.
    """
    unknown = sorted(set(changes) - set(PARAMETER_KEYS))
    if unknown:
        raise ScoreRunError(
            f"Unknown scoring parameter(s): {', '.join(unknown)}. Known: {', '.join(sorted(PARAMETER_KEYS))}."
        )
    row = db.session.get(UnitScoringParameters, unit.id)
    stored = {k: v for k, v in (row.parameters if row else {}).items() if k != "version"}
    for key, value in changes.items():
        if value is None or value == "":
            stored.pop(key, None)
        else:
            stored[key] = _from_text(key, value.strip()) if isinstance(value, str) else value
    try:
        parameters = ScoringParameters.from_dict(stored)
    except ScoringError as error:
        raise ScoreRunError(f"Invalid scoring parameters for {unit.slug}: {error}") from None
    normal = parameters.to_dict()
    kept = {"version": normal["version"], **{key: normal[key] for key in sorted(stored)}}
    if row is None:
        db.session.add(UnitScoringParameters(unit_id=unit.id, parameters=kept, updated_at=now()))
    else:
        row.parameters = kept
        row.updated_at = now()
    db.session.flush()
    return parameters


def overridden_parameters(unit: Unit) -> frozenset[str]:
    """The parameter names the unit has set itself (the rest are the spec's defaults)."""
    row = db.session.get(UnitScoringParameters, unit.id)
    return frozenset(key for key in (row.parameters if row else {}) if key != "version")


# --- Runs --------------------------------------------------------------------------------------------------------


def current_run(unit: Unit, period_id: str) -> ScoreRun | None:
    """The unit's latest run for a period that no newer run has superseded."""
    return db.session.scalar(
        select(ScoreRun)
        .where(ScoreRun.unit_id == unit.id, ScoreRun.period_id == period_id, ScoreRun.superseded_by_id.is_(None))
        .order_by(ScoreRun.id.desc())
        .limit(1)
    )


def run_history(unit: Unit, period_id: str) -> list[ScoreRun]:
    """Every run of the unit for a period, newest first; superseded runs stay readable for audit."""
    return list(
        db.session.scalars(
            select(ScoreRun)
            .where(ScoreRun.unit_id == unit.id, ScoreRun.period_id == period_id)
            .order_by(ScoreRun.id.desc())
        )
    )


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
    return {
        row.employee_id: BehaviourRatings(
            {BERAKHLAK_NAMES[column]: RATING_BY_CODE[getattr(row, column)] for column in BERAKHLAK_VALUES},
            overall=None if row.overall is None else RATING_BY_CODE[row.overall],
            override_reason=row.override_reason,
        )
        for row in rows
        if row.employee_id in employee_ids
    }


#: The columns of an indicator row, in the order :class:`_IndicatorRows` writes them.
INDICATOR_COLUMNS = ("run_id", "employee_id", "code", "status", "value", "n", "explanation")

#: An indicator row without its run and employee: code, status, value, n and the explanation as JSON text.
IndicatorRow = tuple[str, str, Decimal | None, int, str]


def _row(indicator: AnyIndicator) -> IndicatorRow:
    """What is stored of an indicator; the explanation is serialised here, once, whatever the row is written with."""
    value: Decimal | None
    if isinstance(indicator, SatisfactionIndicator):
        value = indicator.shrunk  # the headline figure: shrunk toward the unit (spec §2.2)
    else:
        value = indicator.value
    explanation = json.dumps(indicator.to_dict(), ensure_ascii=False, separators=(",", ":"))
    return indicator.code, indicator.status.value, value, indicator.n, explanation


def _group(indicators: Any) -> list[Any]:
    return [getattr(indicators, name) for name in indicators.__dataclass_fields__]


def compute_score_run(
    unit: Unit, period: Period, created_by: str, progress: Callable[[str], None] | None = None
) -> ScoreRun:
    """Compute and store one score run of a unit for a period, superseding its current run (spec §1–§3, §6).

    Statistics come from SQL in a fixed number of queries (only ``valid`` responses count, spec §2.1); the
    formulas are :mod:`scoring`'s. Employees considered: those assigned to the unit during the period plus anyone
    with attributed responses, tickets or complaints there. A period that has not ended yet in the unit's zone is
    stored as provisional. ``progress`` is called with each name of :data:`SCORE_RUN_STEPS` as it completes.
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
    parameters = unit_parameters(unit)

    satisfaction, unit_satisfaction = satisfaction_stats(unit, period, parameters.ikp_unsur)
    statuses = response_status_counts(unit, period)
    service, unit_service = employee_and_unit_service_times(unit, period, parameters.on_time_rule)
    complaints, unit_complaints = complaint_stats(unit, period)
    step(SCORE_RUN_STEPS[0])

    assigned = _employees_of(unit, period)
    employee_ids = assigned | set(satisfaction) | set(service) | set(complaints)
    targets = _targets(unit, period, employee_ids, assigned)
    ratings = _ratings(unit, period, employee_ids, assigned)
    holidays = holidays_between(period.start, period.end)
    step(SCORE_RUN_STEPS[1])

    run = ScoreRun(
        unit_id=unit.id,
        period_id=period.id,
        period_start=period.start,
        period_end=period.end,
        provisional=period.end > today,
        parameters=parameters.to_dict(),
        code_version=code_version(),
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
        },
        created_by=created_by,
        created_at=now(),
    )
    db.session.add(run)
    db.session.flush()

    # With no valid response in the unit the survey is a missing source (not available); otherwise an employee
    # nobody answered about has n = 0, which scoring shows as "data belum cukup" (spec §2.2, §6).
    surveyed = unit_satisfaction if unit_satisfaction.n else None
    nobody = SatisfactionStats.from_responses([], parameters.ikp_unsur) if surveyed else None
    predikat_counts: Tally[str] = Tally()
    inputs = _EmployeeInputs(
        parameters, satisfaction, nobody, surveyed, service, complaints, targets, ratings, _missing_rows(parameters)
    )
    try:
        with _IndicatorRows(run.id) as rows:
            for employee_id in sorted(employee_ids):
                employee_rows, predikat = _employee_rows(inputs, employee_id)
                rows.add_rows(employee_id, employee_rows)
                if predikat:
                    predikat_counts[predikat] += 1
            population = unit_service.tickets_finished if unit_service and unit_service.tickets_finished else None
            rows.add_all(
                None,
                [
                    unit_ikm_indicator(surveyed, parameters, population),
                    ikp_indicator(surveyed, surveyed, parameters),
                    *_group(service_time_indicators(unit_service, parameters)),
                    *_group(complaint_indicators(unit_complaints)),
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


@dataclass(frozen=True)
class _EmployeeInputs:
    """Everything a run scores its employees from: the statistics per employee and the unit's, read once."""

    parameters: ScoringParameters
    satisfaction: Mapping[int, SatisfactionStats]
    nobody: SatisfactionStats | None  # the statistics of an employee nobody answered about
    surveyed: SatisfactionStats | None  # the unit's, or None when the unit has no valid answer at all
    service: Mapping[int, ServiceTimeStats]
    complaints: Mapping[int, ComplaintStats]
    targets: Mapping[int, list[AppraisalTarget]]
    ratings: Mapping[int, BehaviourRatings]
    missing_rows: Mapping[str, list[IndicatorRow]]


def _missing_rows(parameters: ScoringParameters) -> dict[str, list[IndicatorRow]]:
    """What scoring makes of a missing source (no targets, no ratings, no complaints): the same for everyone, so
    computed once, as the rows it becomes."""
    hasil, perilaku = hasil_kerja_indicator(None, parameters), perilaku_indicator(None)
    return {
        "appraisal": [_row(hasil), _row(perilaku), _row(predikat_indicator(hasil, perilaku))],
        "complaints": [_row(indicator) for indicator in _group(complaint_indicators(None))],
    }


def _employee_rows(inputs: _EmployeeInputs, employee_id: int) -> tuple[list[IndicatorRow], str | None]:
    """One employee's indicator rows (spec §2.2–§3) and their suggested predikat, if they have one.

    Scored in this process. Forked worker processes were tried on the benchmark's 50,000 employees: on the
    2-CPU machine they saved about 3 s of a 21 s scoring phase (its two CPUs do not double the throughput), too
    little for forking in the middle of a run's transaction.
    """
    parameters = inputs.parameters
    mine = inputs.satisfaction.get(employee_id, inputs.nobody)
    indicators: list[AnyIndicator] = [
        ikm_indicator(mine, inputs.surveyed, parameters),
        ikp_indicator(mine, inputs.surveyed, parameters),
        *_group(service_time_indicators(inputs.service.get(employee_id), parameters)),
    ]
    complaints = inputs.complaints.get(employee_id)
    if complaints is not None:
        indicators += _group(complaint_indicators(complaints))
    rows = [_row(indicator) for indicator in indicators]
    if complaints is None:
        rows += inputs.missing_rows["complaints"]
    if employee_id not in inputs.targets and employee_id not in inputs.ratings:
        return rows + inputs.missing_rows["appraisal"], None  # a predikat needs both ratings: not available
    hasil = hasil_kerja_indicator(inputs.targets.get(employee_id), parameters)
    perilaku = perilaku_indicator(inputs.ratings.get(employee_id))
    suggested = predikat_indicator(hasil, perilaku)
    rows += [_row(hasil), _row(perilaku), _row(suggested)]
    return rows, suggested.result if suggested.status is IndicatorStatus.OK else None


class _IndicatorRows:
    """A run's indicator rows, written while they are computed, so a run of tens of thousands of employees never
    holds all its rows (and their explanations) in memory at once. Used as a context manager around the scoring.

    PostgreSQL gets them through one ``COPY … FROM STDIN`` in the run's transaction, open while the employees are
    scored, so the server stores rows as they come (``bench/scoring.py``: writing the 750,000 rows of a
    50,000-employee run took about 26 s as multi-row INSERTs and takes about 7 s this way). The COPY runs inside a
    savepoint: if anything fails midway, the COPY is abandoned and the savepoint rolled back, so the caller's
    transaction stays usable. Elsewhere a Core executemany per :data:`INDICATOR_BATCH` rows, with the explanation
    bound as the JSON text already made.
    """

    def __init__(self, run_id: int) -> None:
        self.run_id = run_id
        self.pending: list[tuple[int, int | None, str, str, Decimal | None, int, str]] = []
        self.use_copy = db.session.get_bind().dialect.name == "postgresql"
        self._copy: Any = None
        self._open = ExitStack()

    def __enter__(self) -> _IndicatorRows:
        if self.use_copy:
            savepoint = db.session.begin_nested()
            self._open.callback(lambda: savepoint.commit() if savepoint.is_active else None)
            self._open.push(lambda kind, error, trace: savepoint.rollback() if error is not None else None)
            cursor = self._open.enter_context(db.session.connection().connection.driver_connection.cursor())
            columns = ", ".join(INDICATOR_COLUMNS)
            self._copy = self._open.enter_context(cursor.copy(f"COPY score_indicators ({columns}) FROM STDIN"))
        return self

    def __exit__(self, kind: type[BaseException] | None, error: BaseException | None, trace: Any) -> None:
        if error is None and not self.use_copy:
            self.flush()
        self._open.__exit__(kind, error, trace)

    def add_all(self, employee_id: int | None, indicators: list[AnyIndicator]) -> None:
        self.add_rows(employee_id, [_row(indicator) for indicator in indicators])

    def add_rows(self, employee_id: int | None, rows: list[IndicatorRow]) -> None:
        """Rows made by :func:`_row`, possibly once for many employees, stored under ``employee_id``."""
        run_id = self.run_id
        if self._copy is not None:
            write = self._copy.write_row
            for row in rows:
                write((run_id, employee_id, *row))
            return
        self.pending.extend((run_id, employee_id, *row) for row in rows)
        if len(self.pending) >= INDICATOR_BATCH:
            self.flush()

    def flush(self) -> None:
        """Write the pending rows (the INSERT path), one statement for all of them."""
        if self.pending:
            db.session.execute(_INSERT_INDICATOR, [dict(zip(INDICATOR_COLUMNS, row)) for row in self.pending])
            self.pending = []


#: The INSERT of :class:`_IndicatorRows` where COPY is not available: the explanation arrives as JSON text.
_INSERT_INDICATOR = ScoreIndicator.__table__.insert().values(explanation=bindparam("explanation", type_=Text))


def _settle_transaction() -> None:
    """More memory for sorting and hashing, for this transaction only (PostgreSQL).

    With the default 4 MB of ``work_mem`` the per-employee aggregation of a year's answers spills to disk: 7.3 s
    instead of 3.5 s over 10 million answers for 50,000 employees, measured by ``bench/scoring.py``. The setting
    ends with the caller's commit or rollback.
    """
    if db.engine.dialect.name == "postgresql":
        db.session.execute(text("SELECT set_config('work_mem', :size, true)"), {"size": RUN_WORK_MEM})


# --- Reading a run -----------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class EmployeeFigure:
    """One employee's headline figure of a run, as the CLI and pages list it."""

    employee_id: int
    name: str
    nip: str | None
    value: Decimal | None
    raw: str | None
    n: int | None
    status: str

    @property
    def published(self) -> bool:
        return self.status == IndicatorStatus.OK.value


@dataclass(frozen=True)
class RunReport:
    """A run's unit rows by code and one indicator per employee, read in two queries."""

    run: ScoreRun
    unit_rows: dict[str, ScoreIndicator]
    employees: list[EmployeeFigure]


def run_report(run: ScoreRun, employee_code: str = "ikp") -> RunReport:
    """The unit's figures of a run and each employee's ``employee_code`` indicator (default ikp), by name."""
    unit_rows = {
        row.code: row
        for row in db.session.scalars(
            select(ScoreIndicator).where(ScoreIndicator.run_id == run.id, ScoreIndicator.employee_id.is_(None))
        )
    }
    rows = db.session.execute(
        select(ScoreIndicator, Employee.name, Employee.nip)
        .join(Employee, Employee.id == ScoreIndicator.employee_id)
        .where(ScoreIndicator.run_id == run.id, ScoreIndicator.code == employee_code)
        .order_by(Employee.name, Employee.id)
    )
    employees = [
        EmployeeFigure(row.employee_id, name, nip, row.value, _raw(row.explanation), row.n, row.status)
        for row, name, nip in rows
    ]
    return RunReport(run, unit_rows, employees)


def _raw(explanation: Mapping[str, Any]) -> str | None:
    raw = explanation.get("raw")
    return raw if isinstance(raw, str) else None


def indicator_rows(run: ScoreRun) -> list[ScoreIndicator]:
    """Every indicator row of a run, in a stable order (unit rows first, then by employee and code)."""
    return list(
        db.session.scalars(
            select(ScoreIndicator)
            .where(ScoreIndicator.run_id == run.id)
            .order_by(ScoreIndicator.employee_id.is_not(None), ScoreIndicator.employee_id, ScoreIndicator.code)
        )
    )


#: The inputs :func:`verify_score_run` counts again, as ``input_counts`` of a run names them.
VERIFIED_INPUTS = ("responses_by_status", "tickets", "tickets_finished")


@dataclass(frozen=True)
class RunVerification:
    """What became of a run's inputs since it was computed."""

    status: str  # inputs_unchanged | inputs_changed | inputs_past_retention
    kept_since: datetime  # the oldest instant the retention period still keeps
    differences: Mapping[str, tuple[object, object]]  # input -> (count stored with the run, count now)


def verify_score_run(run: ScoreRun, retention_years: int) -> RunVerification:
    """Count a run's answers and tickets again and compare them with the counts the run stored (spec §6 audit).

    A run whose period starts before the retention boundary cannot be checked: those answers and tickets have been
    dropped (``flask db retention``), while the run, its indicators and their explanations are kept as computed.
    """
    unit = run.unit
    period = parse_period(run.period_id)
    kept_since = history_kept_since(retention_years)
    if period_window(unit, period).start < kept_since:
        return RunVerification("inputs_past_retention", kept_since, {})
    _employees, unit_service = employee_and_unit_service_times(
        unit, period, run.parameters.get("on_time_rule", DEFAULT_PARAMETERS.on_time_rule)
    )
    counted = {
        "responses_by_status": dict(sorted(response_status_counts(unit, period).items())),
        "tickets": 0 if unit_service is None else unit_service.tickets_issued,
        "tickets_finished": 0 if unit_service is None else unit_service.tickets_finished,
    }
    differences = {
        name: (run.input_counts.get(name), counted[name])
        for name in VERIFIED_INPUTS
        if run.input_counts.get(name) != counted[name]
    }
    return RunVerification("inputs_changed" if differences else "inputs_unchanged", kept_since, differences)


def units_to_score() -> list[Unit]:
    """Every unit that serves citizens (has at least one counter), by slug."""
    return list(
        db.session.scalars(
            select(Unit).where(select(Counter.id).where(Counter.unit_id == Unit.id).exists()).order_by(Unit.slug)
        )
    )
