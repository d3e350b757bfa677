"""Per-employee (and per-unit) indicators with their explanations (spec §2.2–§2.4).

Each result is a frozen dataclass that carries how it was computed — inputs, formula, parameters, result — and
has ``to_dict()`` giving JSON-safe values, so the app can store a run and render "how was my score computed"
without recomputing. A missing source (``None``) gives status ``not_available`` and no value, never zero.

Per-employee ``ikm`` and ``ikp`` always use equal weights (1/9 and 1/3): the spec defines their interval on the
per-response score 25 × mean of the answers, and with equal weights the index is exactly the mean of that score.
The unit's weight convention applies to its SKM report (:func:`scoring.skm.skm_summary`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal

from scoring._exact import jsonable, round_half_up, round_ratio
from scoring.appraisal import (
    PREDIKAT_MATRIX,
    Predikat,
    Rating,
    average_capaian,
    capaian,
    distribution_check,
    suggest_hasil_kerja,
    suggest_perilaku,
)
from scoring.errors import InvalidParameter, InvalidRating, InvalidStatistics
from scoring.inputs import AppraisalTarget, BehaviourRatings, ComplaintStats, SatisfactionStats, ServiceTimeStats
from scoring.parameters import DEFAULT_PARAMETERS, ON_TIME_RULES, ScoringParameters
from scoring.skm import UNSUR, SkmSummary, skm_summary
from scoring.stats import Interval, shrink, t_interval

__all__ = [
    "AppraisalIndicator",
    "ComplaintIndicators",
    "EmployeeIndicators",
    "Explanation",
    "Indicator",
    "IndicatorStatus",
    "SatisfactionIndicator",
    "ServiceTimeIndicators",
    "UnitIkmIndicator",
    "complaint_indicators",
    "distribution_indicator",
    "employee_indicators",
    "hasil_kerja_indicator",
    "ikm_indicator",
    "ikp_indicator",
    "perilaku_indicator",
    "predikat_indicator",
    "satisfaction_indicator",
    "service_time_indicators",
    "unit_ikm_indicator",
]


class IndicatorStatus(StrEnum):
    """Whether an indicator can be shown (spec §2.2, §6)."""

    #: Computed and publishable.
    OK = "ok"
    #: Source present but too few responses to publish ("data belum cukup").
    INSUFFICIENT_DATA = "insufficient_data"
    #: No source, or nothing to compute from: show "not available", never zero.
    NOT_AVAILABLE = "not_available"


@dataclass(frozen=True, slots=True)
class Explanation:
    """How an indicator was computed: spec section, formula name and text, inputs, parameters, notes."""

    spec: str
    formula: str
    expression: str
    inputs: Mapping[str, object] = field(hash=False)
    parameters: Mapping[str, object] = field(hash=False)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values (Decimal and Fraction become strings).

        >>> Explanation("§2.3", "ratio", "a / b", {"a": Decimal("1.5")}, {}).to_dict()["inputs"]
        {'a': '1.5'}
        """
        return {
            "spec": self.spec,
            "formula": self.formula,
            "expression": self.expression,
            "inputs": jsonable(self.inputs),
            "parameters": jsonable(self.parameters),
            "notes": list(self.notes),
        }


def _explain(
    spec: str,
    formula: str,
    expression: str,
    inputs: Mapping[str, object],
    parameters: Mapping[str, object],
    notes: list[str],
) -> Explanation:
    return Explanation(
        spec, formula, expression, MappingProxyType(dict(inputs)), MappingProxyType(dict(parameters)), tuple(notes)
    )


@dataclass(frozen=True, slots=True)
class SatisfactionIndicator:
    """An employee's ikm or ikp for a period (spec §2.2).

    ``raw`` is the index of the employee's own responses, ``shrunk`` the estimate pulled toward ``unit_figure``
    (show it first, ``raw`` beside it), ``interval`` the t-interval on the per-response score. Values are rounded
    half up to 2 decimals. They are filled whenever n ≥ 1 so the run can be audited, but only ``published``
    indicators (n ≥ the publication threshold) may be shown; otherwise show "data belum cukup".
    """

    code: str
    status: IndicatorStatus
    n: int
    raw: Decimal | None
    shrunk: Decimal | None
    unit_figure: Decimal | None
    interval: Interval | None
    explanation: Explanation

    @property
    def published(self) -> bool:
        """Whether the figure may be shown: n reached the publication threshold (spec §2.2).

        >>> ikp_indicator(None).published
        False
        """
        return self.status is IndicatorStatus.OK

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, including the explanation.

        >>> ikm_indicator(None).to_dict()["status"]
        'not_available'
        """
        return {
            "code": self.code,
            "status": self.status.value,
            "published": self.published,
            "n": self.n,
            "raw": jsonable(self.raw),
            "shrunk": jsonable(self.shrunk),
            "unit_figure": jsonable(self.unit_figure),
            "interval": None if self.interval is None else self.interval.to_dict(),
            "explanation": self.explanation.to_dict(),
        }


def satisfaction_indicator(
    code: Literal["ikm", "ikp"],
    stats: SatisfactionStats | None,
    unit_stats: SatisfactionStats | None = None,
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
) -> SatisfactionIndicator:
    """ikm or ikp of one employee with n, 95% t-interval and shrunk estimate toward the unit (spec §2.2).

    ``unit_stats`` are the unit's statistics for the same period over all its valid responses.

    >>> mine = SatisfactionStats.from_responses([{u: 3 for u in UNSUR}] * 10)
    >>> unit = SatisfactionStats.from_responses([{u: 4 for u in UNSUR}] * 30 + [{u: 3 for u in UNSUR}] * 10)
    >>> i = satisfaction_indicator("ikp", mine, unit)
    >>> i.raw, i.unit_figure, i.shrunk, i.status.value
    (Decimal('75.00'), Decimal('93.75'), Decimal('87.50'), 'insufficient_data')
    """
    if code == "ikm":
        unsur: tuple[str, ...] = UNSUR
    elif code == "ikp":
        unsur = parameters.ikp_unsur
    else:
        raise InvalidParameter(f"Unknown satisfaction indicator {code!r}; use 'ikm' or 'ikp'.")
    for name, given in (("stats", stats), ("unit_stats", unit_stats)):
        if given is not None and not isinstance(given, SatisfactionStats):
            raise InvalidStatistics(f"{name} must be SatisfactionStats or None; got {type(given).__name__}.")
        if code == "ikp" and given is not None and given.ikp_unsur != unsur:
            raise InvalidStatistics(
                f"{name} were summed over {', '.join(given.ikp_unsur)} but the parameters define ikp over "
                f"{', '.join(unsur)}."
            )
    expression, params = _satisfaction_formula(code, unsur, parameters)
    if stats is None:
        explanation = _explain(
            "§2.2",
            f"{code}_shrunk_t_interval",
            expression,
            {"n": None},
            params,
            ["No survey data for this period: not available."],
        )
        return SatisfactionIndicator(code, IndicatorStatus.NOT_AVAILABLE, 0, None, None, None, None, explanation)

    n = stats.n
    counts = {u: stats.counts[u] for u in unsur}
    raw_sum, raw_sum_sq = _raw_sums(code, stats)
    notes: list[str] = []
    # With equal weights the index is the mean per-response score 25·Σr/(m·n): SatisfactionStats has checked that
    # every unsur has n answers and that Σr is what the counts imply, so this equals 25 × Σ (1/m)·NRRᵢ exactly.
    m = len(unsur)
    raw_exact = Fraction(25 * raw_sum, m * n) if n else None
    interval = t_interval(n, Fraction(25 * raw_sum, m), Fraction(625 * raw_sum_sq, m * m), parameters.confidence)
    if n < 2:
        notes.append("The interval needs at least 2 responses: not available.")
    unit_exact: Fraction | None = None
    if unit_stats is not None and unit_stats.n:
        unit_exact = Fraction(25 * _raw_sums(code, unit_stats)[0], m * unit_stats.n)
    else:
        notes.append("No unit figure for this period, so no shrunk estimate.")
    shrunk_exact: Fraction | None = None
    if raw_exact is not None and unit_exact is not None:
        shrunk_exact = shrink(raw_exact, n, unit_exact, parameters.shrinkage_k)
    if n >= parameters.publication_threshold:
        status = IndicatorStatus.OK
    else:
        status = IndicatorStatus.INSUFFICIENT_DATA
        notes.append(f"Data belum cukup: {n} valid responses, {parameters.publication_threshold} needed to publish.")
    inputs: dict[str, object] = {
        "n": n,
        "counts": counts,
        "raw_sum": raw_sum,
        "raw_sum_sq": raw_sum_sq,
        "unit_n": None if unit_stats is None else unit_stats.n,
        "unit_value_exact": unit_exact,
        "value_exact": raw_exact,
        "shrunk_exact": shrunk_exact,
    }
    return SatisfactionIndicator(
        code=code,
        status=status,
        n=n,
        raw=None if raw_exact is None else round_half_up(raw_exact),
        shrunk=None if shrunk_exact is None else round_half_up(shrunk_exact),
        unit_figure=None if unit_exact is None else round_half_up(unit_exact),
        interval=interval,
        explanation=_explain("§2.2", f"{code}_shrunk_t_interval", expression, inputs, params, notes),
    )


@lru_cache(maxsize=32)
def _satisfaction_formula(
    code: str, unsur: tuple[str, ...], parameters: ScoringParameters
) -> tuple[str, Mapping[str, object]]:
    """The expression and parameters of an ikm/ikp explanation: the same for every employee of a run (cached)."""
    weight = Fraction(1, len(unsur))
    items = " + ".join(unsur)
    expression = (
        f"{code} = 25 × Σ ({weight})·NRRᵢ over {', '.join(unsur)}; "
        f"interval: t-interval on the per-response score 25·({items})/{len(unsur)}; "
        f"shrunk = (n·{code} + k·unit {code})/(n + k)"
    )
    params = MappingProxyType(
        {
            "weights": MappingProxyType(dict.fromkeys(unsur, weight)),
            "shrinkage_k": parameters.shrinkage_k,
            "publication_threshold": parameters.publication_threshold,
            "confidence": parameters.confidence,
        }
    )
    return expression, params


def _raw_sums(code: str, stats: SatisfactionStats) -> tuple[int, int]:
    """Σr and Σr² of the per-response raw sums behind ``code`` (ikm: all nine unsur, ikp: the ikp unsur)."""
    if code == "ikm":
        return stats.ikm_raw_sum, stats.ikm_raw_sum_sq
    return stats.ikp_raw_sum, stats.ikp_raw_sum_sq


def ikm_indicator(
    stats: SatisfactionStats | None,
    unit_stats: SatisfactionStats | None = None,
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
) -> SatisfactionIndicator:
    """The employee's 9-unsur ikm (informative), see :func:`satisfaction_indicator` (spec §2.2).

    >>> ikm_indicator(SatisfactionStats.from_responses([{u: 4 for u in UNSUR}] * 30)).raw
    Decimal('100.00')
    """
    return satisfaction_indicator("ikm", stats, unit_stats, parameters)


def ikp_indicator(
    stats: SatisfactionStats | None,
    unit_stats: SatisfactionStats | None = None,
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
) -> SatisfactionIndicator:
    """The employee's ikp on U3, U6, U7 with weights 1/3, used in appraisal (spec §2.2).

    >>> ikp_indicator(SatisfactionStats.from_responses([{u: 4 for u in UNSUR}] * 30)).status.value
    'ok'
    """
    return satisfaction_indicator("ikp", stats, unit_stats, parameters)


@dataclass(frozen=True, slots=True)
class Indicator:
    """One service-time or complaint indicator: value (rounded half up to 2 decimals), unit, n and explanation."""

    code: str
    status: IndicatorStatus
    value: Decimal | None
    unit: str
    n: int
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, including the explanation.

        >>> service_time_indicators(None).on_time_rate.to_dict()["value"] is None
        True
        """
        return {
            "code": self.code,
            "status": self.status.value,
            "value": jsonable(self.value),
            "unit": self.unit,
            "n": self.n,
            "explanation": self.explanation.to_dict(),
        }


def _ratio(numerator: int | None, denominator: int, scale: int = 1) -> Decimal | None:
    """numerator × scale / denominator rounded half up to 2 decimals, or None when there is nothing to divide."""
    if numerator is None or denominator == 0:
        return None
    return round_ratio(numerator * scale, denominator)


def _indicator(
    code: str,
    unit: str,
    spec: str,
    formula: str,
    expression: str,
    value: Decimal | None,
    n: int,
    inputs: Mapping[str, object],
    parameters: Mapping[str, object],
    missing_note: str,
    notes: tuple[str, ...] = (),
) -> Indicator:
    """An indicator with ``value`` (already rounded by :func:`_ratio`), or not available when ``value`` is None."""
    if value is None:
        explanation = _explain(spec, formula, expression, inputs, parameters, [missing_note, *notes])
        return Indicator(code, IndicatorStatus.NOT_AVAILABLE, None, unit, n, explanation)
    explanation = _explain(spec, formula, expression, inputs, parameters, list(notes))
    return Indicator(code, IndicatorStatus.OK, value, unit, n, explanation)


def _not_available(code: str, unit: str, spec: str, formula: str, expression: str, source: str) -> Indicator:
    note = f"No {source} for this period: not available."
    return _indicator(code, unit, spec, formula, expression, None, 0, {}, {}, note)


@dataclass(frozen=True, slots=True)
class ServiceTimeIndicators:
    """Service-time indicators from ticket events (spec §2.3)."""

    wait_median_minutes: Indicator
    wait_p90_minutes: Indicator
    service_median_minutes: Indicator
    service_p90_minutes: Indicator
    on_time_rate: Indicator
    tickets_per_working_day: Indicator
    no_show_rate: Indicator
    error_rate: Indicator

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, one entry per indicator.

        >>> sorted(service_time_indicators(None).to_dict())[:3]
        ['error_rate', 'no_show_rate', 'on_time_rate']
        """
        return {name: getattr(self, name).to_dict() for name in self.__dataclass_fields__}


_WORKING_DAY_RULE_TEXT: dict[str, str] = {
    "sign_in_or_roster": "working days = local days signed in to a counter or rostered",
    "finished_ticket": "working days = local days with at least one finished ticket (no sign-in or roster known)",
}

_WAIT = "first called − issued"
_SERVICE = "finished − started (finished − called without started)"


def _percentile(name: str, measure: str) -> tuple[str, str, str]:
    return ("nearest_rank_percentile", f"{name} of ({measure}), exact nearest rank on whole seconds, ÷ 60", "minutes")


#: code → (formula name, expression, unit) of every service-time indicator (spec §2.3).
_SERVICE_TIME_FORMULAS: dict[str, tuple[str, str, str]] = {
    "wait_median_minutes": _percentile("median", _WAIT),
    "wait_p90_minutes": _percentile("90th percentile", _WAIT),
    "service_median_minutes": _percentile("median", _SERVICE),
    "service_p90_minutes": _percentile("90th percentile", _SERVICE),
    "on_time_rate": ("on_time_share", "100 × tickets_on_time / tickets_finished", "percent"),
    "tickets_per_working_day": ("per_working_day", "tickets_finished / working_days", "tickets per working day"),
    "no_show_rate": ("no_show_share", "100 × tickets_no_show / tickets_issued", "percent"),
    "error_rate": ("returned_share", "100 × tickets_returned / tickets_finished", "percent"),
}


def service_time_indicators(
    stats: ServiceTimeStats | None, parameters: ScoringParameters = DEFAULT_PARAMETERS
) -> ServiceTimeIndicators:
    """Median and p90 wait and service minutes, on-time, tickets per working day, no-show and error rates (spec §2.3).

    >>> s = ServiceTimeStats(40, 36, 4, 2, 30, 40, 300, 720, 36, 600, 1500, 4, "sign_in_or_roster")
    >>> r = service_time_indicators(s)
    >>> r.wait_median_minutes.value, r.on_time_rate.value, r.tickets_per_working_day.value, r.error_rate.value
    (Decimal('5.00'), Decimal('83.33'), Decimal('9.00'), Decimal('5.56'))
    """
    if stats is None:
        return ServiceTimeIndicators(
            **{
                code: _not_available(code, unit, "§2.3", formula, expression, "tickets")
                for code, (formula, expression, unit) in _SERVICE_TIME_FORMULAS.items()
            }
        )
    s = stats
    rule_text = _WORKING_DAY_RULE_TEXT[s.working_day_rule]
    # code → (value, n, inputs, parameters, note when not available, notes)
    plans: dict[str, tuple[Decimal | None, int, dict[str, object], dict[str, object], str, tuple[str, ...]]] = {
        "wait_median_minutes": (
            _ratio(s.wait_p50_seconds, 60),
            s.wait_n,
            {"wait_n": s.wait_n, "wait_p50_seconds": s.wait_p50_seconds},
            {},
            "No wait times recorded: not available.",
            (),
        ),
        "wait_p90_minutes": (
            _ratio(s.wait_p90_seconds, 60),
            s.wait_n,
            {"wait_n": s.wait_n, "wait_p90_seconds": s.wait_p90_seconds},
            {},
            "No wait times recorded: not available.",
            (),
        ),
        "service_median_minutes": (
            _ratio(s.service_p50_seconds, 60),
            s.service_n,
            {"service_n": s.service_n, "service_p50_seconds": s.service_p50_seconds},
            {},
            "No service times recorded: not available.",
            (),
        ),
        "service_p90_minutes": (
            _ratio(s.service_p90_seconds, 60),
            s.service_n,
            {"service_n": s.service_n, "service_p90_seconds": s.service_p90_seconds},
            {},
            "No service times recorded: not available.",
            (),
        ),
        "on_time_rate": (
            _ratio(s.tickets_on_time, s.tickets_finished, 100),
            s.tickets_finished,
            {"tickets_on_time": s.tickets_on_time, "tickets_finished": s.tickets_finished},
            {"on_time_rule": parameters.on_time_rule, "target": "counter standard of the service type (minutes)"},
            "No finished tickets: not available.",
            (f"On time: {ON_TIME_RULES[parameters.on_time_rule]}.",),
        ),
        "tickets_per_working_day": (
            _ratio(s.tickets_finished, s.working_days),
            s.working_days,
            {"tickets_finished": s.tickets_finished, "working_days": s.working_days},
            {"working_day_rule": s.working_day_rule},
            "No working days: not available.",
            (f"Rule used: {rule_text}.",),
        ),
        "no_show_rate": (
            _ratio(s.tickets_no_show, s.tickets_issued, 100),
            s.tickets_issued,
            {"tickets_no_show": s.tickets_no_show, "tickets_issued": s.tickets_issued},
            {},
            "No tickets issued: not available.",
            (),
        ),
        "error_rate": (
            _ratio(s.tickets_returned, s.tickets_finished, 100),
            s.tickets_finished,
            {"tickets_returned": s.tickets_returned, "tickets_finished": s.tickets_finished},
            {},
            "No finished tickets: not available.",
            (),
        ),
    }
    return ServiceTimeIndicators(
        **{
            code: _indicator(code, unit, "§2.3", formula, expression, *plans[code])
            for code, (formula, expression, unit) in _SERVICE_TIME_FORMULAS.items()
        }
    )


@dataclass(frozen=True, slots=True)
class ComplaintIndicators:
    """Complaint indicators under the SP4N-LAPOR time rules (spec §2.4)."""

    first_response_median_hours: Indicator
    answered_within_3_working_days_rate: Indicator

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, one entry per indicator.

        >>> complaint_indicators(None).to_dict()["first_response_median_hours"]["status"]
        'not_available'
        """
        return {name: getattr(self, name).to_dict() for name in self.__dataclass_fields__}


def complaint_indicators(stats: ComplaintStats | None) -> ComplaintIndicators:
    """Median first-response hours and the share answered within 3 working days (spec §2.4).

    >>> r = complaint_indicators(ComplaintStats(complaints=8, answered=6, answered_within_3_working_days=5,
    ...                                         first_response_median_seconds=5400))
    >>> r.first_response_median_hours.value, r.answered_within_3_working_days_rate.value
    (Decimal('1.50'), Decimal('62.50'))
    """
    median_expr = "median of (first response − received), exact nearest rank on whole seconds, ÷ 3600"
    share_expr = "100 × answered_within_3_working_days / complaints (unanswered complaints count as late)"
    median_code, share_code = "first_response_median_hours", "answered_within_3_working_days_rate"
    if stats is None:
        return ComplaintIndicators(
            _not_available(median_code, "hours", "§2.4", "nearest_rank_median", median_expr, "complaints"),
            _not_available(share_code, "percent", "§2.4", "answered_in_time_share", share_expr, "complaints"),
        )
    median = _indicator(
        median_code,
        "hours",
        "§2.4",
        "nearest_rank_median",
        median_expr,
        _ratio(stats.first_response_median_seconds, 3600),
        stats.answered,
        {"answered": stats.answered, "first_response_median_seconds": stats.first_response_median_seconds},
        {},
        "No complaint has a first response yet: not available.",
    )
    share = _indicator(
        share_code,
        "percent",
        "§2.4",
        "answered_in_time_share",
        share_expr,
        _ratio(stats.answered_within_3_working_days, stats.complaints, 100),
        stats.complaints,
        {"answered_within_3_working_days": stats.answered_within_3_working_days, "complaints": stats.complaints},
        {"first_response_working_days": 3},
        "No complaints: not available.",
    )
    return ComplaintIndicators(median, share)


@dataclass(frozen=True, slots=True)
class EmployeeIndicators:
    """All indicators of one employee (or unit) for one period, with the parameters used (spec §2.2–§2.4)."""

    ikm: SatisfactionIndicator
    ikp: SatisfactionIndicator
    service_times: ServiceTimeIndicators
    complaints: ComplaintIndicators
    parameters: ScoringParameters

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values to store with a score run.

        >>> sorted(employee_indicators(None, None, None, None).to_dict())
        ['complaints', 'ikm', 'ikp', 'parameters', 'service_times']
        """
        return {
            "ikm": self.ikm.to_dict(),
            "ikp": self.ikp.to_dict(),
            "service_times": self.service_times.to_dict(),
            "complaints": self.complaints.to_dict(),
            "parameters": self.parameters.to_dict(),
        }


def employee_indicators(
    satisfaction: SatisfactionStats | None,
    unit_satisfaction: SatisfactionStats | None,
    service_times: ServiceTimeStats | None,
    complaints: ComplaintStats | None,
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
) -> EmployeeIndicators:
    """Every indicator of one employee for one period; pass the unit's own stats to score the unit (spec §2.2–§2.4).

    >>> r = employee_indicators(None, None, None, None)
    >>> r.ikp.status.value, r.service_times.wait_median_minutes.value
    ('not_available', None)
    """
    return EmployeeIndicators(
        ikm=ikm_indicator(satisfaction, unit_satisfaction, parameters),
        ikp=ikp_indicator(satisfaction, unit_satisfaction, parameters),
        service_times=service_time_indicators(service_times, parameters),
        complaints=complaint_indicators(complaints),
        parameters=parameters,
    )


def complaints_about_service_indicator(complaints: int | None) -> Indicator:
    """An employee's complaint figure: how many complaints about their service were received (spec §2.4).

    Response and settlement times are the complaint desk's doing, so they are unit figures only.

    >>> complaints_about_service_indicator(2).value, complaints_about_service_indicator(None).status.value
    (Decimal('2'), 'not_available')
    """
    expression = "number of complaints received in the period that name this employee's service"
    value = None if complaints is None else Decimal(complaints)
    return _indicator(
        "complaints_received",
        "complaints",
        "§2.4",
        "count",
        expression,
        value,
        complaints or 0,
        {"complaints": complaints},
        {},
        "No complaints source for this period: not available.",
    )


def settlement_indicator(settled_seconds: Sequence[int] | None) -> Indicator:
    """A unit's median settlement hours (received → selesai) over the complaints settled so far (spec §2.4, §7).

    >>> settlement_indicator([3600, 7200, 90000]).value, settlement_indicator([]).status.value
    (Decimal('2.00'), 'not_available')
    """
    expression = "median of (selesai − received), exact nearest rank on whole seconds, ÷ 3600"
    ordered = sorted(int(seconds) for seconds in settled_seconds or ())
    median = ordered[(len(ordered) + 1) // 2 - 1] if ordered else None  # nearest rank, like the other medians
    return _indicator(
        "settlement_median_hours",
        "hours",
        "§2.4",
        "nearest_rank_median",
        expression,
        _ratio(median, 3600),
        len(ordered),
        {"settled": len(ordered), "settlement_median_seconds": median},
        {"settlement_working_days": 5},
        "No complaint has been settled: not available.",
    )


@dataclass(frozen=True, slots=True)
class UnitIkmIndicator:
    """A unit's official IKM for a period with its SKM summary, under the unit's weight convention (spec §1.3–§1.5).

    Unlike an employee's ikm this is the regulation's figure: it is shown whenever there is at least one valid
    response, with the Krejcie–Morgan sample check beside it when the number of service users is known.
    """

    code: str
    status: IndicatorStatus
    n: int
    value: Decimal | None
    summary: SkmSummary | None
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, including the SKM summary and the explanation.

        >>> unit_ikm_indicator(None).to_dict()["summary"] is None
        True
        """
        return {
            "code": self.code,
            "status": self.status.value,
            "n": self.n,
            "value": jsonable(self.value),
            "summary": None if self.summary is None else self.summary.to_dict(),
            "explanation": self.explanation.to_dict(),
        }


def unit_ikm_indicator(
    stats: SatisfactionStats | None,
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
    population: int | None = None,
) -> UnitIkmIndicator:
    """The unit's IKM, mutu and sample adequacy from all its valid responses (spec §1.3–§1.5, §2.1).

    ``population`` is the number of service users in the period (e.g. finished tickets), if known.

    >>> stats = SatisfactionStats.from_responses([{u: 4 for u in UNSUR}] * 3 + [{u: 3 for u in UNSUR}])
    >>> i = unit_ikm_indicator(stats, ScoringParameters(weight_convention="0.111"), population=10)
    >>> i.value, i.summary.grade.mutu, i.summary.sample.adequate, i.status.value
    (Decimal('93.66'), 'A', False, 'ok')
    >>> unit_ikm_indicator(SatisfactionStats.from_responses([])).status.value
    'not_available'
    """
    weights = parameters.weight_convention
    params: dict[str, object] = {"weight_convention": weights if isinstance(weights, str) else "custom"}
    expression = "IKM = 25 × Σ wᵢ·NRRᵢ, NRRᵢ = Σ answers to unsur i ÷ n; rounded half up to 2 decimals"
    if stats is None or stats.n == 0:
        explanation = _explain(
            "§1.3",
            "skm_ikm",
            expression,
            {"n": 0 if stats is None else stats.n},
            params,
            ["No valid survey responses for this period: not available."],
        )
        return UnitIkmIndicator("ikm", IndicatorStatus.NOT_AVAILABLE, 0, None, None, explanation)
    summary = skm_summary(stats.counts, weights, population)
    params["weights"] = summary.weights
    notes = [f"Mutu {summary.grade.mutu} ({summary.grade.kinerja})."]
    if summary.sample is None:
        notes.append("The number of service users is not known, so the sample size is not checked.")
    elif not summary.sample.adequate:
        notes.append(
            f"Sample below the Krejcie–Morgan minimum: {summary.sample.sample} of {summary.sample.minimum_sample} "
            f"responses for {summary.sample.population} service users."
        )
    inputs: dict[str, object] = {"n": stats.n, "counts": stats.counts, "population": population}
    explanation = _explain("§1.3", "skm_ikm", expression, inputs, params, notes)
    return UnitIkmIndicator("ikm", IndicatorStatus.OK, stats.n, summary.ikm, summary, explanation)


@dataclass(frozen=True, slots=True)
class AppraisalIndicator:
    """A suggested rating hasil or perilaku kerja, a predikat, or the distribution check, explained (spec §3).

    ``result`` is the rating or predikat name (for the distribution check "passed" or "failed"); ``confirmed``
    the supervisor's own rating where one is recorded; ``value`` the average capaian for hasil kerja; ``detail``
    the structured working (capaian per target, the curve's rules). Nothing here decides an appraisal.
    """

    code: str
    status: IndicatorStatus
    result: str | None
    confirmed: str | None
    value: Decimal | None
    n: int
    detail: Mapping[str, object] = field(hash=False)
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, including the explanation.

        >>> hasil_kerja_indicator(None).to_dict()["status"]
        'not_available'
        """
        return {
            "code": self.code,
            "status": self.status.value,
            "result": self.result,
            "confirmed": self.confirmed,
            "value": jsonable(self.value),
            "n": self.n,
            "detail": jsonable(self.detail),
            "explanation": self.explanation.to_dict(),
        }


_SUGGESTION_NOTE = "A suggestion: the supervisor confirms or overrides it with a reason, and both are kept."


def _appraisal_missing(
    code: str,
    spec: str,
    formula: str,
    expression: str,
    note: str,
    parameters: Mapping[str, object] | None = None,
    n: int = 0,
) -> AppraisalIndicator:
    explanation = _explain(spec, formula, expression, {}, parameters or {}, [note])
    return AppraisalIndicator(
        code, IndicatorStatus.NOT_AVAILABLE, None, None, None, n, MappingProxyType({}), explanation
    )


def hasil_kerja_indicator(
    targets: Sequence[AppraisalTarget] | None,
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
) -> AppraisalIndicator:
    """Suggested rating hasil kerja from the capaian of the employee's realised SKP targets (spec §3).

    Targets without a realisation are listed but not scored; ``None`` (no targets entered) is not available.

    >>> i = hasil_kerja_indicator([AppraisalTarget("Berkas", Decimal(100), Decimal(120)),
    ...                            AppraisalTarget("Menit tunggu", Decimal(15), Decimal(12), lower_is_better=True),
    ...                            AppraisalTarget("Sosialisasi", Decimal(4), None)])
    >>> i.value, i.result, i.n, [t["capaian"] for t in i.detail["targets"]]
    (Decimal('120.00'), 'Di Atas Ekspektasi', 2, [Decimal('120.00'), Decimal('120.00'), None])
    """
    upper, lower = parameters.capaian_thresholds
    cap = parameters.capaian_cap
    params: dict[str, object] = {
        "capaian_thresholds": {"di_atas_from": upper, "sesuai_from": lower},
        "capaian_cap": cap,
    }
    expression = (
        "capaian = realisation ÷ target × 100 (lower is better: (2 − realisation ÷ target) × 100, floored at 0), "
        f"each capped at {cap}; average ≥ {upper} → Di Atas, ≥ {lower} → Sesuai, else Di Bawah"
    )
    if not targets:
        return _appraisal_missing(
            "hasil_kerja", "§3", "capaian_average", expression, "No SKP targets for this period: not available.", params
        )
    rows: list[dict[str, object]] = []
    scored: list[Decimal] = []
    for target in targets:
        if not isinstance(target, AppraisalTarget):
            raise InvalidStatistics(f"targets must be AppraisalTarget values; got {type(target).__name__}.")
        value = None
        if target.realisation is not None:
            value = capaian(target.realisation, target.target, target.lower_is_better, cap)
            scored.append(value)
        rows.append({**target.to_dict(), "capaian": value})
    detail = MappingProxyType({"targets": rows})
    if not scored:
        explanation = _explain(
            "§3",
            "capaian_average",
            expression,
            {"targets": len(rows)},
            params,
            ["No target has a realisation yet: not available."],
        )
        return AppraisalIndicator(
            "hasil_kerja", IndicatorStatus.NOT_AVAILABLE, None, None, None, 0, detail, explanation
        )
    average = average_capaian(scored)
    rating = suggest_hasil_kerja(scored, (upper, lower))
    notes = [_SUGGESTION_NOTE]
    if len(scored) < len(rows):
        notes.append(f"{len(rows) - len(scored)} target(s) without a realisation are not scored yet.")
    inputs = {"capaian": scored, "average_capaian": average}
    explanation = _explain("§3", "capaian_average", expression, inputs, params, notes)
    return AppraisalIndicator(
        "hasil_kerja", IndicatorStatus.OK, rating.value, None, average, len(scored), detail, explanation
    )


def perilaku_indicator(ratings: BehaviourRatings | None) -> AppraisalIndicator:
    """Suggested rating perilaku kerja: the median of the seven BerAKHLAK ratings, beside the supervisor's (spec §3).

    ``result`` is the suggested median; ``confirmed`` the supervisor's overall rating when recorded.

    >>> from scoring.appraisal import BERAKHLAK
    >>> i = perilaku_indicator(BehaviourRatings(dict(zip(BERAKHLAK, ["Di Atas"] * 3 + ["Sesuai"] * 4))))
    >>> i.result, i.confirmed, i.status.value
    ('Sesuai Ekspektasi', None, 'ok')
    """
    expression = "suggested = median of the seven BerAKHLAK ratings (Di Bawah < Sesuai < Di Atas)"
    if ratings is None:
        return _appraisal_missing(
            "perilaku", "§3", "berakhlak_median", expression, "No supervisor rating for this period: not available."
        )
    if not isinstance(ratings, BehaviourRatings):
        raise InvalidStatistics(f"ratings must be BehaviourRatings or None; got {type(ratings).__name__}.")
    suggested = suggest_perilaku(ratings.ratings)
    notes = [_SUGGESTION_NOTE]
    if ratings.overall is None:
        notes.append("The supervisor has not given an overall rating yet.")
    elif ratings.overall is suggested:
        notes.append("The supervisor confirmed the suggested rating.")
    else:
        reason = ratings.override_reason or "no reason recorded"
        notes.append(f"The supervisor overrode the suggestion with {ratings.overall.value}: {reason}.")
    explanation = _explain("§3", "berakhlak_median", expression, ratings.to_dict(), {}, notes)
    detail = MappingProxyType({"suggested": suggested.value})
    confirmed = None if ratings.overall is None else ratings.overall.value
    return AppraisalIndicator(
        "perilaku", IndicatorStatus.OK, suggested.value, confirmed, None, len(ratings.ratings), detail, explanation
    )


def predikat_indicator(hasil_kerja: AppraisalIndicator, perilaku: AppraisalIndicator) -> AppraisalIndicator:
    """Suggested predikat kinerja from rating hasil kerja and perilaku kerja, when both exist (spec §3).

    Each side uses the supervisor's confirmed rating where recorded, else the suggestion.

    >>> from scoring.appraisal import BERAKHLAK
    >>> hasil = hasil_kerja_indicator([AppraisalTarget("Berkas", Decimal(100), Decimal(95))])
    >>> perilaku = perilaku_indicator(BehaviourRatings(dict.fromkeys(BERAKHLAK, "Sesuai"), overall="Di Atas"))
    >>> predikat_indicator(hasil, perilaku).result
    'Baik'
    >>> predikat_indicator(hasil, perilaku_indicator(None)).status.value
    'not_available'
    """
    expression = "predikat = matrix[rating hasil kerja][rating perilaku kerja] (PermenPANRB 6/2022)"
    missing = [side.code for side in (hasil_kerja, perilaku) if side.status is not IndicatorStatus.OK]
    if missing:
        return _appraisal_missing(
            "predikat",
            "§3",
            "predikat_matrix",
            expression,
            f"No {' and no '.join(missing)} rating for this period: not available.",
        )
    hasil = Rating(hasil_kerja.confirmed or hasil_kerja.result)
    behaviour = Rating(perilaku.confirmed or perilaku.result)
    value = PREDIKAT_MATRIX[hasil, behaviour]
    inputs = {
        "hasil_kerja": hasil.value,
        "hasil_kerja_source": "supervisor" if hasil_kerja.confirmed else "suggested",
        "perilaku": behaviour.value,
        "perilaku_source": "supervisor" if perilaku.confirmed else "suggested",
    }
    explanation = _explain("§3", "predikat_matrix", expression, inputs, {}, [_SUGGESTION_NOTE])
    return AppraisalIndicator(
        "predikat", IndicatorStatus.OK, value.value, None, None, 1, MappingProxyType({}), explanation
    )


def distribution_indicator(
    counts_by_predikat: Mapping[str, int],
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
) -> AppraisalIndicator:
    """A unit's employee predikat against the distribution curve of its organisational predikat (spec §3).

    Not available until the unit's ``organisational_predikat`` parameter is set or no employee has a predikat.

    >>> p = ScoringParameters(organisational_predikat="Baik")
    >>> i = distribution_indicator({"Baik": 8, "Sangat Baik": 2}, p)
    >>> i.result, i.n, i.explanation.notes
    ('failed', 10, ('Fails: at most 70% Baik; at least one Butuh Perbaikan and/or Kurang/Misconduct.',))
    """
    counts: dict[str, int] = {}
    for name, count in counts_by_predikat.items():
        try:
            key = Predikat(name).value
        except ValueError:
            names = ", ".join(p.value for p in Predikat)
            raise InvalidRating(f"{name!r} is not a predikat kinerja; use {names}.") from None
        if count:
            counts[key] = counts.get(key, 0) + count
    total = sum(counts.values())
    organisation = parameters.organisational_predikat
    expression = "share of employees per predikat against the curve of the organisation's predikat"
    params: dict[str, object] = {"organisational_predikat": organisation}
    if not total:
        return _appraisal_missing(
            "predikat_distribution",
            "§3",
            "distribution_curve",
            expression,
            "No employee has a predikat for this period: not available.",
            params,
        )
    if organisation is None:
        explanation = _explain(
            "§3",
            "distribution_curve",
            expression,
            {"counts": counts},
            params,
            ["Set the unit's organisational_predikat to check the distribution curve."],
        )
        return AppraisalIndicator(
            "predikat_distribution",
            IndicatorStatus.NOT_AVAILABLE,
            None,
            None,
            None,
            total,
            MappingProxyType({"counts": counts}),
            explanation,
        )
    check = distribution_check(organisation, counts)
    notes = ["Every rule holds."] if check.passed else [f"Fails: {'; '.join(r.description for r in check.failures)}."]
    explanation = _explain("§3", "distribution_curve", expression, {"counts": counts}, params, notes)
    return AppraisalIndicator(
        "predikat_distribution",
        IndicatorStatus.OK,
        "passed" if check.passed else "failed",
        None,
        None,
        total,
        MappingProxyType(check.to_dict()),
        explanation,
    )
