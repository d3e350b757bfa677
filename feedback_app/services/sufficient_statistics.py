"""Sufficient statistics for the indicators, aggregated in SQL (spec §2.1–§2.4, §5, §6).

Each function takes a unit and a :class:`scoring.Period` (local dates), turns the period into UTC instants with
the unit's zone, and returns the frozen dataclasses of :mod:`scoring.inputs`. Counting, sums, distinct days and
exact nearest-rank percentiles all happen in the database with a fixed number of statements, however many
employees, tickets or responses there are; Python only turns a few aggregate rows per employee into dataclasses.
The formulas themselves live in :mod:`scoring`.

Durations are whole seconds: both instants are cut to the whole second before subtracting, on SQLite and
PostgreSQL alike (:func:`epoch_seconds`). Local days are counted with the unit's fixed UTC offset; Indonesian
zones (WIB, WITA, WIT) have no daylight saving time, so that is exact. Two pieces of SQL differ by dialect, each
giving the same numbers: :func:`epoch_seconds` and the per-key percentiles of :func:`_percentile_select`.
``bench/scoring/`` measures all of this over 10 million answers and tickets and checks it against DuckDB.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from fractions import Fraction
from typing import Any, Literal, overload

from sqlalchemy import (
    BigInteger,
    ColumnElement,
    CompoundSelect,
    Integer,
    Select,
    SQLColumnExpression,
    and_,
    case,
    cast,
    func,
    literal_column,
    or_,
    select,
    union_all,
)
from sqlalchemy.orm import InstrumentedAttribute

from scoring import (
    IKP_UNSUR,
    ON_TIME_RULE,
    ON_TIME_RULES,
    UNKNOWN_SERVICE,
    UNSUR,
    ComplaintStats,
    GroupStats,
    Period,
    SatisfactionStats,
    ServiceMixStats,
    ServiceTimeStats,
    answered_in_time,
)

from ..clock import now
from ..extensions import db
from ..models import (
    Complaint,
    Counter,
    CounterAssignment,
    Employee,
    Holiday,
    ServiceType,
    SurveyResponse,
    Ticket,
    Unit,
    UnitHoliday,
)
from .errors import DomainError

GroupBy = Literal["employee", "counter", "unit"]
GROUPINGS: tuple[GroupBy, ...] = ("employee", "counter", "unit")

_EPOCH = date(1970, 1, 1)
_SECONDS_PER_DAY = 86400
#: How far past a period's end holidays are read, so a complaint received on its last day still has its
#: 3-working-day deadline computed with the holidays that follow (spec §2.4).
_HOLIDAY_LOOKAHEAD = timedelta(days=45)
#: Codes of the measures ranked together in one percentile query.
_WAIT, _SERVICE = 1, 2
_BY_EMPLOYEE, _BY_UNIT = 1, 2


class StatisticsError(DomainError):
    """The statistics cannot be computed as asked (unknown grouping, a zone whose offset changes, ...)."""


@dataclass(frozen=True)
class PeriodWindow:
    """A period of local dates as UTC instants [start, end), with the unit zone's UTC offset in seconds."""

    start: datetime
    end: datetime
    offset_seconds: int


def period_window(unit: Unit, period: Period) -> PeriodWindow:
    """The UTC instants of local midnight at the period's start and end in the unit's zone (spec §5, §6)."""
    zone = unit.zone
    offsets = {
        datetime.combine(period.start + timedelta(days=d), time(), zone).utcoffset() for d in range(period.days + 1)
    }
    if len(offsets) != 1:
        raise StatisticsError(
            f"The time zone {unit.timezone} of {unit.name} changes its UTC offset during {period.id}; "
            f"per-day figures need a zone without daylight saving time (WIB, WITA and WIT have none)."
        )
    (offset,) = offsets
    assert offset is not None
    return PeriodWindow(
        start=datetime.combine(period.start, time(), zone),
        end=datetime.combine(period.end, time(), zone),
        offset_seconds=int(offset.total_seconds()),
    )


def epoch_seconds(instant: SQLColumnExpression[Any]) -> ColumnElement[int]:
    """Whole seconds since 1970-01-01 UTC of a stored UTC instant, the fraction cut off (spec §2.3).

    Dialect-specific SQL: SQLite keeps these instants as naive UTC text ``YYYY-MM-DD HH:MM:SS.ffffff``
    (``strftime('%s')`` drops the fraction); PostgreSQL stores ``timestamptz``. There ``date_part('epoch', …)``
    (a float8) is used rather than ``extract`` (a numeric, slower: docs/benchmarks.md, "Measured decisions"): the
    float's rounding error (< 2·10⁻⁷ s until 2106) is far below the microsecond steps of a timestamp, so the
    floor is the same whole second.
    """
    dialect = db.engine.dialect.name
    if dialect == "sqlite":
        return cast(func.strftime("%s", instant), Integer)
    if dialect == "postgresql":
        return cast(func.floor(func.date_part("epoch", instant)), BigInteger)
    raise StatisticsError(f"Statistics support SQLite and PostgreSQL, not {dialect}.")


def _seconds_between(earlier: SQLColumnExpression[Any], later: SQLColumnExpression[Any]) -> ColumnElement[int]:
    return epoch_seconds(later) - epoch_seconds(earlier)


def _local_day(instant: SQLColumnExpression[Any], window: PeriodWindow) -> ColumnElement[int]:
    """The local date of an instant as a day number since 1970-01-01 (the offset is our own integer, inlined)."""
    return (epoch_seconds(instant) + literal_column(str(window.offset_seconds), Integer)) // _SECONDS_PER_DAY


def _day(number: int) -> date:
    return _EPOCH + timedelta(days=int(number))


def _count_if(condition: ColumnElement[bool]) -> ColumnElement[int]:
    """``count(*) FILTER (WHERE condition)``: faster than ``sum(CASE …)`` on PostgreSQL (docs/benchmarks.md,
    "Measured decisions"), and 0 rather than NULL for an empty group (SQLite has FILTER since 3.30)."""
    return func.count().filter(condition)


def _nearest_rank(
    values: Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]],
) -> dict[tuple[int, int | None], tuple[int, int, int]]:
    """n, p50 and p90 per (measure, key) of ``values`` (columns measure, key, seconds), in one statement."""
    return {
        (int(measure), key): (int(n), int(p50), int(p90))
        for _grouping, measure, key, n, p50, p90 in db.session.execute(_percentile_select(values))
    }


def _percentile_select(
    values: Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]], *, histogram: bool = False, grouping: int = 0
) -> Select[*tuple[Any, ...]]:
    """Columns grouping (the constant ``grouping``), measure, key, n, p50, p90 of ``values`` per (measure, key).

    Exact nearest rank (spec §2.3): the p-th percentile is the value at rank ⌈p·n⌉ of the sorted values, here in
    integers (n + 1) div 2 for the median and (9n + 9) div 10 for p90. Three ways to the same numbers:

    - ``histogram``, for a few keys with many values each (a whole unit's tickets): count each distinct second
      per key, then the smallest value whose running count reaches the rank (2·running ≥ n, 10·running ≥ 9n).
      Grouping millions of durations into a few thousand distinct seconds is far cheaper than sorting them.
    - PostgreSQL, per key: ``percentile_disc(p) WITHIN GROUP (ORDER BY seconds)``, which returns the first value
      whose position reaches ceil(p·n) — the nearest rank (for p = 0.5 and 0.9 the float product p·n never lands
      above a whole number it should equal) — and shares one sort between both percentiles of a key.
    - SQLite, per key: ``row_number()`` over each key's values in order, keeping the two wanted ranks.
    """
    v = values.subquery("durations")
    code = literal_column(str(grouping), Integer).label("grouping")
    if histogram:
        counted = (
            select(v.c.measure, v.c.key, v.c.seconds, func.count().label("c"))
            .group_by(v.c.measure, v.c.key, v.c.seconds)
            .subquery("histogram")
        )
        partition = (counted.c.measure, counted.c.key)
        running = select(
            counted.c.measure,
            counted.c.key,
            counted.c.seconds,
            func.sum(counted.c.c).over(partition_by=partition, order_by=counted.c.seconds).label("upto"),
            func.sum(counted.c.c).over(partition_by=partition).label("n"),
        ).subquery("running")
        return select(
            code,
            running.c.measure,
            running.c.key,
            running.c.n,
            func.min(case((running.c.upto * 2 >= running.c.n, running.c.seconds))),
            func.min(case((running.c.upto * 10 >= running.c.n * 9, running.c.seconds))),
        ).group_by(running.c.measure, running.c.key, running.c.n)
    if db.engine.dialect.name == "postgresql":
        return select(
            code,
            v.c.measure,
            v.c.key,
            func.count(),
            func.percentile_disc(0.5).within_group(v.c.seconds),
            func.percentile_disc(0.9).within_group(v.c.seconds),
        ).group_by(v.c.measure, v.c.key)
    partition = (v.c.measure, v.c.key)
    ranked = select(
        v.c.measure,
        v.c.key,
        v.c.seconds,
        func.row_number().over(partition_by=partition, order_by=v.c.seconds).label("r"),
        func.count().over(partition_by=partition).label("n"),
    ).subquery("ranked")
    median_rank, p90_rank = (ranked.c.n + 1) // 2, (ranked.c.n * 9 + 9) // 10
    return (
        select(
            code,
            ranked.c.measure,
            ranked.c.key,
            ranked.c.n,
            func.max(case((ranked.c.r == median_rank, ranked.c.seconds))),
            func.max(case((ranked.c.r == p90_rank, ranked.c.seconds))),
        )
        .where(or_(ranked.c.r == median_rank, ranked.c.r == p90_rank))
        .group_by(ranked.c.measure, ranked.c.key, ranked.c.n)
    )


def _measure(code: int) -> ColumnElement[int]:
    return literal_column(str(code), Integer).label("measure")


# --- Satisfaction (spec §2.1, §2.2) ----------------------------------------------------------------------------


def satisfaction_stats(
    unit: Unit, period: Period, ikp_unsur: Sequence[str] = IKP_UNSUR
) -> tuple[dict[int, SatisfactionStats], SatisfactionStats]:
    """Answer counts per unsur and Σ/Σ² of raw sums per employee and for the whole unit, in one query (spec §2.2).

    Only ``valid`` responses count; the period is by ``counted_at`` (the ticket's finish, else the submission)
    (spec §2.1). The unit figures include responses attributed to the unit only (``ambiguous``/``none``) and
    paper questionnaires.
    """
    per_employee, unit_stats, _electronic = satisfaction_stats_by_channel(unit, period, ikp_unsur)
    return per_employee, unit_stats


def satisfaction_stats_by_channel(
    unit: Unit, period: Period, ikp_unsur: Sequence[str] = IKP_UNSUR
) -> tuple[dict[int, SatisfactionStats], SatisfactionStats, SatisfactionStats]:
    """As :func:`satisfaction_stats`, plus the unit's figures without paper questionnaires, in the same query.

    The unit's SKM counts paper sheets; an employee's figures never do, not even through the unit mean their
    shrunk estimate leans on (spec §2.2), so a score run shrinks towards the unit's electronic answers only.
    """
    window = period_window(unit, period)
    answers = {code: getattr(SurveyResponse, code.lower()) for code in UNSUR}
    ikm_raw = sum((answers[code] for code in UNSUR[1:]), answers[UNSUR[0]])
    ikp_codes = tuple(ikp_unsur)
    ikp_raw = sum((answers[code] for code in ikp_codes[1:]), answers[ikp_codes[0]])
    counts = [_count_if(answers[code] == value) for code in UNSUR for value in (1, 2, 3, 4)]
    paper = SurveyResponse.channel == "paper"
    stmt = (
        select(
            SurveyResponse.employee_id,
            paper,
            func.count(),
            *counts,
            func.sum(ikm_raw),
            func.sum(ikm_raw * ikm_raw),
            func.sum(ikp_raw),
            func.sum(ikp_raw * ikp_raw),
        )
        .where(
            SurveyResponse.unit_id == unit.id,
            SurveyResponse.status == "valid",
            SurveyResponse.counted_at >= window.start,
            SurveyResponse.counted_at < window.end,
        )
        .group_by(SurveyResponse.employee_id, paper)
    )
    width = 1 + 4 * len(UNSUR) + 4
    unit_totals = [0] * width
    electronic = [0] * width
    per_employee: dict[int, SatisfactionStats] = {}
    for employee_id, on_paper, *numbers in db.session.execute(stmt):
        values = [int(x or 0) for x in numbers]
        unit_totals = [a + b for a, b in zip(unit_totals, values)]
        if not on_paper:
            electronic = [a + b for a, b in zip(electronic, values)]
        if employee_id is not None:  # a paper sheet never names an employee (a database constraint)
            per_employee[employee_id] = _satisfaction(values, ikp_codes)
    return per_employee, _satisfaction(unit_totals, ikp_codes), _satisfaction(electronic, ikp_codes)


#: The respondent profile of spec §1.2 (and how the answers were collected), as a score run keeps it.
PROFILE_FIELDS = ("channel", "respondent_sex", "age_band", "education", "occupation", "service_type")
#: The key of an answer that left a profile field empty.
NOT_STATED = "-"


def respondent_profile(unit: Unit, period: Period) -> dict[str, dict[str, int]]:
    """How many valid responses of the period gave each value of each profile field, in one grouped query.

    Service types are named (as they are called when the run is computed); an empty field counts under
    :data:`NOT_STATED`. The SKM report's profile tables and its data-collection section read this (spec §1.2, §1.5).
    """
    window = period_window(unit, period)
    columns = (
        SurveyResponse.channel,
        SurveyResponse.respondent_sex,
        SurveyResponse.age_band,
        SurveyResponse.education,
        SurveyResponse.occupation,
        ServiceType.name,
    )
    stmt = (
        select(*columns, func.count())
        .select_from(SurveyResponse)
        .outerjoin(ServiceType, ServiceType.id == SurveyResponse.service_type_id)
        .where(
            SurveyResponse.unit_id == unit.id,
            SurveyResponse.status == "valid",
            SurveyResponse.counted_at >= window.start,
            SurveyResponse.counted_at < window.end,
        )
        .group_by(*columns)
    )
    profile: dict[str, dict[str, int]] = {name: {} for name in PROFILE_FIELDS}
    for *values, count in db.session.execute(stmt):
        for name, value in zip(PROFILE_FIELDS, values):
            key = NOT_STATED if value in (None, "") else str(value)
            profile[name][key] = profile[name].get(key, 0) + int(count)
    return {name: dict(sorted(tally.items())) for name, tally in profile.items()}


def _satisfaction(values: list[int], ikp_unsur: tuple[str, ...]) -> SatisfactionStats:
    n, rest = values[0], values[1:]
    counts = {code: tuple(rest[4 * i : 4 * i + 4]) for i, code in enumerate(UNSUR)}
    ikm_sum, ikm_sq, ikp_sum, ikp_sq = rest[4 * len(UNSUR) :]
    return SatisfactionStats(n, counts, ikm_sum, ikm_sq, ikp_sum, ikp_sq, ikp_unsur)  # type: ignore[arg-type]


def response_status_counts(unit: Unit, period: Period) -> dict[str, int]:
    """How many of the unit's responses in the period have each status, for the audit trail of a run (spec §2.1)."""
    window = period_window(unit, period)
    stmt = (
        select(SurveyResponse.status, func.count())
        .where(
            SurveyResponse.unit_id == unit.id,
            SurveyResponse.counted_at >= window.start,
            SurveyResponse.counted_at < window.end,
        )
        .group_by(SurveyResponse.status)
    )
    return {status: int(count) for status, count in db.session.execute(stmt)}


# --- Service times (spec §2.3, §5) -----------------------------------------------------------------------------

#: Codes of the groupings in the statements that compute two at once (a score run needs employees and the unit).
_GROUP_CODES: dict[GroupBy, int] = {"employee": 1, "counter": 2, "unit": 3}


def _ticket_key(group_by: GroupBy) -> InstrumentedAttribute[Any]:
    return {"employee": Ticket.employee_id, "counter": Ticket.counter_id, "unit": Ticket.unit_id}[group_by]


def _assignment_key(group_by: GroupBy) -> InstrumentedAttribute[Any]:
    return {
        "employee": CounterAssignment.employee_id,
        "counter": CounterAssignment.counter_id,
        "unit": Counter.unit_id,
    }[group_by]


def _on_time_start(rule: str) -> SQLColumnExpression[Any]:
    """Where the duration a unit's on-time rule holds against the counter standard begins (spec §2.3).

    It ends at ``finished``. A ticket without the start its rule needs is measured from its issue, so missing
    events never make a ticket on time (:data:`scoring.ON_TIME_RULES`).
    """
    starts: dict[str, SQLColumnExpression[Any]] = {
        ON_TIME_RULE: Ticket.issued_at,
        "finished_minus_called_within_counter_standard": func.coalesce(Ticket.called_at, Ticket.issued_at),
        "service_within_counter_standard": func.coalesce(Ticket.started_at, Ticket.called_at, Ticket.issued_at),
    }
    if rule not in starts:  # every rule of scoring.ON_TIME_RULES has its start here (tested)
        raise StatisticsError(f"Unknown on-time rule {rule!r}; use one of {', '.join(ON_TIME_RULES)}.")
    return starts[rule]


@overload
def service_time_stats(
    unit: Unit, period: Period, group_by: Literal["unit"], on_time_rule: str = ON_TIME_RULE
) -> ServiceTimeStats | None: ...


@overload
def service_time_stats(
    unit: Unit, period: Period, group_by: Literal["employee", "counter"] = "employee", on_time_rule: str = ON_TIME_RULE
) -> dict[int, ServiceTimeStats]: ...


def service_time_stats(
    unit: Unit, period: Period, group_by: GroupBy = "employee", on_time_rule: str = ON_TIME_RULE
) -> dict[int, ServiceTimeStats] | ServiceTimeStats | None:
    """Ticket counts, exact p50/p90 wait and service seconds and working days, per group, in four queries (spec §2.3).

    ``group_by`` is ``"employee"`` (who served the ticket; tickets without one count for the unit only),
    ``"counter"`` or ``"unit"``; the first two give a dict keyed by id, the last the unit's statistics or ``None``
    when it has no tickets in the period (not available, never zero). Tickets are in the period by ``issued_at``.
    wait = first called − issued; service = finished − started (finished − called where no ``started``); on-time
    by ``on_time_rule`` (by default the spec's finished − issued ≤ the service type's counter standard, see
    :func:`_on_time_start`); a negative duration (clocks out of step) is left out rather than guessed. Working days
    (spec §5): local days with a sign-in or roster on the unit's counters before now, else (when none is known for
    that employee, counter or unit) local days on which its tickets of the period were finished.
    """
    if group_by not in GROUPINGS:
        raise StatisticsError(f"group_by must be one of {', '.join(GROUPINGS)}; got {group_by!r}.")
    if group_by == "unit":
        return _service_times(unit, period, None, on_time_rule)[1]
    return _service_times(unit, period, group_by, on_time_rule)[0]


def employee_and_unit_service_times(
    unit: Unit, period: Period, on_time_rule: str = ON_TIME_RULE
) -> tuple[dict[int, ServiceTimeStats], ServiceTimeStats | None]:
    """:func:`service_time_stats` per employee and for the unit at once, as a score run needs them (spec §2.3).

    Equal to ``(service_time_stats(unit, period, "employee"), service_time_stats(unit, period, "unit"))`` in four
    queries instead of eight: each of them reads the tickets (or the roster) once for both groupings, and the
    unit's ticket counts are the sums of the per-employee counts (tickets served by nobody recorded included).
    """
    return _service_times(unit, period, "employee", on_time_rule)


def _service_times(
    unit: Unit, period: Period, group_by: GroupBy | None, on_time_rule: str
) -> tuple[dict[int, ServiceTimeStats], ServiceTimeStats | None]:
    """Statistics per ``group_by`` ("employee" or "counter", or None for none) and for the whole unit, in four queries.

    1. ticket counts per group (the unit's are their sums); 2. p50/p90 per group and for the unit; 3. the days
    staffed per group and for the unit; 4. the days with a finished ticket, only for the groups (and the unit)
    without a staffed day, since only those use them (spec §5).
    """
    window = period_window(unit, period)
    in_period = and_(Ticket.unit_id == unit.id, Ticket.issued_at >= window.start, Ticket.issued_at < window.end)
    finished = and_(Ticket.outcome == "finished", Ticket.finished_at.is_not(None))
    groupings: tuple[GroupBy, ...] = ("unit",) if group_by is None else (group_by, "unit")
    key = _ticket_key(groupings[0])

    on_time = and_(
        finished,
        _seconds_between(_on_time_start(on_time_rule), Ticket.finished_at) <= ServiceType.counter_standard_minutes * 60,
    )
    counts_stmt = (
        select(
            key,
            func.count(),
            _count_if(finished),
            _count_if(Ticket.outcome == "no_show"),
            _count_if(and_(finished, Ticket.returned.is_(True))),
            _count_if(on_time),
        )
        .join(ServiceType, ServiceType.id == Ticket.service_type_id)
        .where(in_period)
        .group_by(key)
    )
    counts = {row[0]: [int(x or 0) for x in row[1:]] for row in db.session.execute(counts_stmt)}
    if counts and group_by is not None:
        counts_of: dict[GroupBy, dict[Any, list[int]]] = {
            group_by: counts,
            "unit": {unit.id: [sum(column) for column in zip(*counts.values())]},
        }
    else:
        counts_of = {"unit": counts}

    def durations(grouping: GroupBy) -> CompoundSelect[*tuple[Any, ...]]:
        group_key = _ticket_key(grouping).label("key")
        wait = _seconds_between(Ticket.issued_at, Ticket.called_at)
        begun = func.coalesce(Ticket.started_at, Ticket.called_at)
        service = _seconds_between(begun, Ticket.finished_at)
        return (
            select(_measure(_WAIT), group_key, wait.label("seconds"))
            .where(in_period, Ticket.called_at.is_not(None), wait >= 0)
            .union_all(
                select(_measure(_SERVICE), group_key, service.label("seconds")).where(
                    in_period, finished, begun.is_not(None), service >= 0
                )
            )
        )

    percentile_stmt = _union(
        [
            _percentile_select(durations(grouping), histogram=grouping == "unit", grouping=_GROUP_CODES[grouping])
            for grouping in groupings
        ]
    )
    percentiles = {
        (int(code), int(measure), key_value): (int(n), int(p50), int(p90))
        for code, measure, key_value, n, p50, p90 in db.session.execute(percentile_stmt)
    }

    staffed_until = min(window.end, now())
    staffed_here = and_(
        Counter.unit_id == unit.id,
        CounterAssignment.starts_at >= window.start,
        CounterAssignment.starts_at < staffed_until,
    )
    staffed_stmt = _union(
        [
            select(
                _group_code(grouping),
                _assignment_key(grouping),
                func.count(_local_day(CounterAssignment.starts_at, window).distinct()),
            )
            .select_from(CounterAssignment)
            .join(Counter, Counter.id == CounterAssignment.counter_id)
            .where(staffed_here)
            .group_by(_assignment_key(grouping))
            for grouping in groupings
        ]
    )
    staffed_days = {(int(code), k): int(days) for code, k, days in db.session.execute(staffed_stmt)}

    def unstaffed(grouping: GroupBy) -> ColumnElement[bool]:
        """Tickets of groups with no staffed day: only those count finished days (the same rule as above).

        NOT EXISTS rather than NOT IN: an anti-join whatever the size, where NOT IN falls back to a scan of the
        subquery per ticket once its result outgrows ``work_mem``.
        """
        staffed: Select[Any] = (
            select(literal_column("1"))
            .select_from(CounterAssignment)
            .join(Counter, Counter.id == CounterAssignment.counter_id)
            .where(staffed_here)
        )
        if grouping == "unit":  # not correlated: evaluated once, and the scan skipped when the unit was staffed
            return ~staffed.exists()
        return ~staffed.where(_assignment_key(grouping) == _ticket_key(grouping)).exists()

    finished_stmt = _union(
        [
            select(
                _group_code(grouping),
                _ticket_key(grouping),
                func.count(_local_day(Ticket.finished_at, window).distinct()),
            )
            .where(in_period, finished, unstaffed(grouping))
            .group_by(_ticket_key(grouping))
            for grouping in groupings
        ]
    )
    finished_days = {(int(code), k): int(days) for code, k, days in db.session.execute(finished_stmt)}

    result: dict[GroupBy, dict[Any, ServiceTimeStats]] = {}
    for grouping, groups in counts_of.items():
        code = _GROUP_CODES[grouping]
        built = result.setdefault(grouping, {})
        for group, (issued, done, no_show, returned, in_time) in groups.items():
            if group is None:  # tickets served by nobody recorded count for the unit only
                continue
            wait_n, wait_p50, wait_p90 = percentiles.get((code, _WAIT, group), (0, None, None))
            service_n, service_p50, service_p90 = percentiles.get((code, _SERVICE, group), (0, None, None))
            if staffed_days.get((code, group)):
                rule, days = "sign_in_or_roster", staffed_days[code, group]
            else:
                rule, days = "finished_ticket", finished_days.get((code, group), 0)
            built[group] = ServiceTimeStats(
                tickets_issued=issued,
                tickets_finished=done,
                tickets_no_show=no_show,
                tickets_returned=returned,
                tickets_on_time=in_time,
                wait_n=wait_n,
                wait_p50_seconds=wait_p50,
                wait_p90_seconds=wait_p90,
                service_n=service_n,
                service_p50_seconds=service_p50,
                service_p90_seconds=service_p90,
                working_days=days,
                working_day_rule=rule,  # type: ignore[arg-type]
            )
    return (result.get(group_by, {}) if group_by else {}), result.get("unit", {}).get(unit.id)


def _group_code(grouping: GroupBy) -> ColumnElement[int]:
    return literal_column(str(_GROUP_CODES[grouping]), Integer).label("grouping")


def _union(selects: list[Select[*tuple[Any, ...]]]) -> Select[*tuple[Any, ...]] | CompoundSelect[*tuple[Any, ...]]:
    return selects[0] if len(selects) == 1 else union_all(*selects)


# --- Complaints (spec §2.4) ------------------------------------------------------------------------------------


def holidays_between(start: date, end: date, unit_id: int | None = None) -> frozenset[date]:
    """The admin's holidays in [start, end) (spec §2.4): the national list, and with ``unit_id`` that unit's
    regional holidays (hari libur daerah) too, in one query."""
    national = select(Holiday.day).where(Holiday.day >= start, Holiday.day < end)
    if unit_id is None:
        return frozenset(db.session.scalars(national))
    regional = select(UnitHoliday.day).where(
        UnitHoliday.unit_id == unit_id, UnitHoliday.day >= start, UnitHoliday.day < end
    )
    return frozenset(db.session.scalars(union_all(national, regional)))


def complaint_stats(unit: Unit, period: Period) -> tuple[dict[int, ComplaintStats], ComplaintStats | None]:
    """Complaints received in the period per employee and for the unit, in three queries (spec §2.4).

    "Answered within 3 working days" compares local dates with :func:`scoring.answered_in_time` (Monday–Friday
    less the admin's holidays), from counts per (received day, answered day) aggregated in SQL. The unit's
    statistics are ``None`` when it received no complaint in the period, and so is an employee's.
    """
    window = period_window(unit, period)
    in_period = and_(
        Complaint.unit_id == unit.id, Complaint.received_at >= window.start, Complaint.received_at < window.end
    )
    delay = _seconds_between(Complaint.received_at, Complaint.first_response_at)
    has_answer = and_(Complaint.first_response_at.is_not(None), delay >= 0)  # an answer "before" receipt is ignored
    days = (
        select(
            Complaint.employee_id.label("employee_id"),
            _local_day(Complaint.received_at, window).label("received_day"),
            case((has_answer, _local_day(Complaint.first_response_at, window))).label("answered_day"),
        )
        .where(in_period)
        .subquery("complaint_days")
    )
    grouped = select(days.c.employee_id, days.c.received_day, days.c.answered_day, func.count()).group_by(
        days.c.employee_id, days.c.received_day, days.c.answered_day
    )
    day_rows = [(e, int(r), None if a is None else int(a), int(c)) for e, r, a, c in db.session.execute(grouped)]

    answered = and_(in_period, has_answer)
    durations = (
        select(_measure(_BY_EMPLOYEE), Complaint.employee_id.label("key"), delay.label("seconds"))
        .where(answered)
        .union_all(select(_measure(_BY_UNIT), Complaint.unit_id.label("key"), delay.label("seconds")).where(answered))
    )
    medians = _nearest_rank(durations)
    holidays = holidays_between(period.start, period.end + _HOLIDAY_LOOKAHEAD, unit.id)

    totals: dict[Any, list[int]] = {}
    for employee_id, received_day, answered_day, count in day_rows:
        in_time = 0
        if answered_day is not None:
            received, reply = _day(received_day), _day(answered_day)
            in_time = count if answered_in_time(received, reply, holidays) else 0
        for group in (("employee", employee_id), ("unit", unit.id)):
            sums = totals.setdefault(group, [0, 0, 0])
            sums[0] += count
            sums[1] += 0 if answered_day is None else count
            sums[2] += in_time

    def build(group: tuple[str, Any], measure: int) -> ComplaintStats:
        complaints, answered_n, within = totals[group]
        median = medians.get((measure, group[1]))
        return ComplaintStats(complaints, answered_n, within, None if median is None else median[1])

    per_employee = {
        employee_id: build(("employee", employee_id), _BY_EMPLOYEE)
        for kind, employee_id in totals
        if kind == "employee" and employee_id is not None
    }
    unit_stats = build(("unit", unit.id), _BY_UNIT) if ("unit", unit.id) in totals else None
    return per_employee, unit_stats


# --- Service mix and the bias audit (issue 15) -----------------------------------------------------------------


@dataclass(frozen=True)
class FairnessStats:
    """What the service-mix adjustment and the bias audit read of a unit's period (issue 15).

    ``mix`` per employee and ``unit_mix`` for the unit (all valid answers, unit-only ones included);
    ``audit_groups`` the :class:`scoring.GroupStats` of every dimension, employees as members.
    """

    mix: dict[int, ServiceMixStats]
    unit_mix: ServiceMixStats
    audit_groups: list[GroupStats]


def _ikp_raw(ikp_unsur: Sequence[str]) -> ColumnElement[int]:
    answers = [getattr(SurveyResponse, code.lower()) for code in ikp_unsur]
    return sum(answers[1:], answers[0])


def employee_sex(nip: str | None) -> str:
    """The sex digit of a NIP or Nomor Induk PPPK (position 15 in both shapes, spec §5): "1", "2" or "unknown"."""
    if nip and len(nip) == 18 and nip[14] in "12":
        return nip[14]
    return "unknown"


def fairness_stats(unit: Unit, period: Period, ikp_unsur: Sequence[str] = IKP_UNSUR) -> FairnessStats:
    """Answers and Σr per employee by service type and counter, in four grouped queries (issue 15).

    An answer's service type is its ticket's, else the respondent's choice, else it is split over the counter's
    mix of ticket service types on the answer's local day (exact fractions), else it is ``unknown``. Only
    ``valid`` electronic answers count, by ``counted_at`` like every satisfaction figure (spec §2.1): paper sheets
    name no employee and never move an employee's figure, so they stay out of the unit means compared with too.
    """
    window = period_window(unit, period)
    ikp_raw = _ikp_raw(ikp_unsur)
    chosen = func.coalesce(Ticket.service_type_id, SurveyResponse.service_type_id)
    source = case((Ticket.service_type_id.is_not(None), "ticket"), else_="respondent")
    valid = (
        SurveyResponse.unit_id == unit.id,
        SurveyResponse.status == "valid",
        SurveyResponse.channel != "paper",
        SurveyResponse.counted_at >= window.start,
        SurveyResponse.counted_at < window.end,
    )
    joined = select().select_from(SurveyResponse).outerjoin(Ticket, Ticket.id == SurveyResponse.ticket_id)
    typed = db.session.execute(
        joined.add_columns(SurveyResponse.employee_id, chosen, source, func.count(), func.sum(ikp_raw))
        .where(*valid, chosen.is_not(None))
        .group_by(SurveyResponse.employee_id, chosen, source)
    ).all()
    day = _local_day(SurveyResponse.submitted_at, window)
    untyped = db.session.execute(
        joined.add_columns(SurveyResponse.employee_id, SurveyResponse.counter_id, day, func.count(), func.sum(ikp_raw))
        .where(*valid, chosen.is_(None))
        .group_by(SurveyResponse.employee_id, SurveyResponse.counter_id, day)
    ).all()
    mixes: dict[tuple[int, int], dict[int, int]] = {}
    if untyped:
        ticket_day = _local_day(Ticket.issued_at, window)
        counters = sorted({row[1] for row in untyped})
        for counter_id, number, service_type_id, count in db.session.execute(
            select(Ticket.counter_id, ticket_day, Ticket.service_type_id, func.count())
            .where(
                Ticket.unit_id == unit.id,
                Ticket.counter_id.in_(counters),
                Ticket.issued_at >= window.start - timedelta(days=1),
                Ticket.issued_at < window.end + timedelta(days=1),
            )
            .group_by(Ticket.counter_id, ticket_day, Ticket.service_type_id)
        ):
            mixes.setdefault((counter_id, int(number)), {})[service_type_id] = int(count)
    by_counter = db.session.execute(
        select(SurveyResponse.counter_id, SurveyResponse.employee_id, func.count(), func.sum(ikp_raw))
        .where(*valid, SurveyResponse.employee_id.is_not(None))
        .group_by(SurveyResponse.counter_id, SurveyResponse.employee_id)
    ).all()

    strata: dict[int | None, dict[str, list[Fraction]]] = {}
    sources: dict[int | None, dict[str, int]] = {}
    by_service: dict[str, dict[int, list[int]]] = {}

    def add(employee_id: int | None, key: str, weight: Fraction, total: Fraction, how: str, answers: int) -> None:
        for owner in {employee_id, None} if employee_id is not None else {None}:
            cell = strata.setdefault(owner, {}).setdefault(key, [Fraction(0), Fraction(0)])
            cell[0] += weight
            cell[1] += total
            if how:
                tally = sources.setdefault(owner, {})
                tally[how] = tally.get(how, 0) + answers

    for employee_id, service_type_id, how, count, total in typed:
        add(employee_id, str(service_type_id), Fraction(count), Fraction(int(total)), how, int(count))
        if employee_id is not None:
            by_service.setdefault(str(service_type_id), {}).setdefault(employee_id, [0, 0])
            member = by_service[str(service_type_id)][employee_id]
            member[0] += int(count)
            member[1] += int(total)
    for employee_id, counter_id, number, count, total in untyped:
        mix = mixes.get((counter_id, int(number)))
        if employee_id is not None:
            member = by_service.setdefault(UNKNOWN_SERVICE, {}).setdefault(employee_id, [0, 0])
            member[0] += int(count)
            member[1] += int(total)
        if not mix:
            add(employee_id, UNKNOWN_SERVICE, Fraction(count), Fraction(int(total)), "unknown", int(count))
            continue
        tickets = sum(mix.values())
        for position, (service_type_id, share) in enumerate(sorted(mix.items())):
            weight = Fraction(int(count) * share, tickets)
            how = "counter_mix" if position == 0 else ""  # counted once per answer
            add(employee_id, str(service_type_id), weight, weight * int(total) / int(count), how, int(count))

    def freeze(owner: int | None) -> ServiceMixStats:
        cells = strata.get(owner, {})
        return ServiceMixStats({k: (w, r) for k, (w, r) in cells.items()}, sources.get(owner, {}))

    employee_ids = sorted(owner for owner in strata if owner is not None)
    people = {
        row.id: row
        for row in db.session.execute(
            select(Employee.id, Employee.nip, Employee.employment_type).where(
                Employee.id.in_(
                    select(SurveyResponse.employee_id).where(*valid, SurveyResponse.employee_id.is_not(None))
                )
            )
        )
    }
    groups: dict[tuple[str, str], list[tuple[int, int]]] = {}
    totals: dict[int, list[int]] = {}
    for answered_counter, employee_id, count, total in by_counter:
        if employee_id is None:  # excluded by the query; the check is for the type checker
            continue
        groups.setdefault(("counter", str(answered_counter)), []).append((int(count), int(total)))
        mine = totals.setdefault(employee_id, [0, 0])
        mine[0] += int(count)
        mine[1] += int(total)
    for employee_id, (count, total) in sorted(totals.items()):
        person = people.get(employee_id)
        groups.setdefault(("sex", employee_sex(person.nip if person else None)), []).append((count, total))
        kind = person.employment_type if person else "unknown"
        groups.setdefault(("employment_type", kind), []).append((count, total))
    for key, members in by_service.items():
        groups[("service_type", key)] = [(n, r) for n, r in members.values()]
    audit_groups = [GroupStats(dimension, group, tuple(members)) for (dimension, group), members in groups.items()]
    return FairnessStats({e: freeze(e) for e in employee_ids}, freeze(None), audit_groups)
