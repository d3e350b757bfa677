"""Per-employee (and per-unit) indicators with their explanations (spec §2.2–§2.4).

Each result is a frozen dataclass that carries how it was computed — inputs, formula, parameters, result — and
has ``to_dict()`` giving JSON-safe values, so the app can store a run and render "how was my score computed"
without recomputing. A missing source (``None``) gives status ``not_available`` and no value, never zero.

Per-employee ``ikm`` and ``ikp`` always use equal weights (1/9 and 1/3): the spec defines their interval on the
per-response score 25 × mean of the answers, and with equal weights the index is exactly the mean of that score.
The unit's weight convention applies to its SKM report (:func:`scoring.skm.skm_summary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal

from scoring._exact import jsonable, round_half_up
from scoring.errors import InvalidParameter, InvalidStatistics
from scoring.inputs import ComplaintStats, SatisfactionStats, ServiceTimeStats
from scoring.parameters import DEFAULT_PARAMETERS, ScoringParameters
from scoring.skm import UNSUR, ikm_unrounded
from scoring.stats import Interval, shrink, t_interval

__all__ = [
    "ComplaintIndicators",
    "EmployeeIndicators",
    "Explanation",
    "Indicator",
    "IndicatorStatus",
    "SatisfactionIndicator",
    "ServiceTimeIndicators",
    "complaint_indicators",
    "employee_indicators",
    "ikm_indicator",
    "ikp_indicator",
    "satisfaction_indicator",
    "service_time_indicators",
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
    weight = Fraction(1, len(unsur))
    weights = {u: weight for u in unsur}
    items = " + ".join(unsur)
    expression = (
        f"{code} = 25 × Σ ({weight})·NRRᵢ over {', '.join(unsur)}; "
        f"interval: t-interval on the per-response score 25·({items})/{len(unsur)}; "
        f"shrunk = (n·{code} + k·unit {code})/(n + k)"
    )
    params: dict[str, object] = {
        "weights": weights,
        "shrinkage_k": parameters.shrinkage_k,
        "publication_threshold": parameters.publication_threshold,
        "confidence": parameters.confidence,
    }
    if stats is None:
        explanation = _explain(
            "§2.2", f"{code}_shrunk_t_interval", expression, {"n": None}, params,
            ["No survey data for this period: not available."],
        )  # fmt: skip
        return SatisfactionIndicator(code, IndicatorStatus.NOT_AVAILABLE, 0, None, None, None, None, explanation)

    n = stats.n
    counts = {u: stats.counts[u] for u in unsur}
    raw_sum = stats.ikm_raw_sum if code == "ikm" else stats.ikp_raw_sum
    raw_sum_sq = stats.ikm_raw_sum_sq if code == "ikm" else stats.ikp_raw_sum_sq
    notes: list[str] = []
    raw_exact = ikm_unrounded(counts, weights) if n else None
    scale = Fraction(25, len(unsur))
    interval = t_interval(n, scale * raw_sum, scale * scale * raw_sum_sq, parameters.confidence)
    if n < 2:
        notes.append("The interval needs at least 2 responses: not available.")
    unit_exact: Fraction | None = None
    if unit_stats is not None and unit_stats.n:
        unit_exact = ikm_unrounded({u: unit_stats.counts[u] for u in unsur}, weights)
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


def _ratio(numerator: int | None, denominator: int, scale: int = 1) -> Fraction | None:
    """numerator × scale / denominator, or None when there is nothing to divide."""
    if numerator is None or denominator == 0:
        return None
    return Fraction(numerator * scale, denominator)


def _indicator(
    code: str,
    unit: str,
    spec: str,
    formula: str,
    expression: str,
    value: Fraction | None,
    n: int,
    inputs: Mapping[str, object],
    parameters: Mapping[str, object],
    missing_note: str,
    notes: tuple[str, ...] = (),
) -> Indicator:
    """An indicator with ``value`` rounded half up to 2 decimals, or not available when ``value`` is None."""
    if value is None:
        explanation = _explain(spec, formula, expression, inputs, parameters, [missing_note, *notes])
        return Indicator(code, IndicatorStatus.NOT_AVAILABLE, None, unit, n, explanation)
    explanation = _explain(spec, formula, expression, inputs, parameters, list(notes))
    return Indicator(code, IndicatorStatus.OK, round_half_up(value), unit, n, explanation)


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
    plans: dict[str, tuple[Fraction | None, int, dict[str, object], dict[str, object], str, tuple[str, ...]]] = {
        "wait_median_minutes": (
            _ratio(s.wait_p50_seconds, 60), s.wait_n, {"wait_n": s.wait_n, "wait_p50_seconds": s.wait_p50_seconds},
            {}, "No wait times recorded: not available.", (),
        ),
        "wait_p90_minutes": (
            _ratio(s.wait_p90_seconds, 60), s.wait_n, {"wait_n": s.wait_n, "wait_p90_seconds": s.wait_p90_seconds},
            {}, "No wait times recorded: not available.", (),
        ),
        "service_median_minutes": (
            _ratio(s.service_p50_seconds, 60), s.service_n,
            {"service_n": s.service_n, "service_p50_seconds": s.service_p50_seconds},
            {}, "No service times recorded: not available.", (),
        ),
        "service_p90_minutes": (
            _ratio(s.service_p90_seconds, 60), s.service_n,
            {"service_n": s.service_n, "service_p90_seconds": s.service_p90_seconds},
            {}, "No service times recorded: not available.", (),
        ),
        "on_time_rate": (
            _ratio(s.tickets_on_time, s.tickets_finished, 100), s.tickets_finished,
            {"tickets_on_time": s.tickets_on_time, "tickets_finished": s.tickets_finished},
            {"on_time_rule": parameters.on_time_rule, "target": "counter standard of the service type (minutes)"},
            "No finished tickets: not available.", (),
        ),
        "tickets_per_working_day": (
            _ratio(s.tickets_finished, s.working_days), s.working_days,
            {"tickets_finished": s.tickets_finished, "working_days": s.working_days},
            {"working_day_rule": s.working_day_rule}, "No working days: not available.",
            (f"Rule used: {rule_text}.",),
        ),
        "no_show_rate": (
            _ratio(s.tickets_no_show, s.tickets_issued, 100), s.tickets_issued,
            {"tickets_no_show": s.tickets_no_show, "tickets_issued": s.tickets_issued},
            {}, "No tickets issued: not available.", (),
        ),
        "error_rate": (
            _ratio(s.tickets_returned, s.tickets_finished, 100), s.tickets_finished,
            {"tickets_returned": s.tickets_returned, "tickets_finished": s.tickets_finished},
            {}, "No finished tickets: not available.", (),
        ),
    }  # fmt: skip
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
        median_code, "hours", "§2.4", "nearest_rank_median", median_expr,
        _ratio(stats.first_response_median_seconds, 3600), stats.answered,
        {"answered": stats.answered, "first_response_median_seconds": stats.first_response_median_seconds},
        {}, "No complaint has a first response yet: not available.",
    )  # fmt: skip
    share = _indicator(
        share_code, "percent", "§2.4", "answered_in_time_share", share_expr,
        _ratio(stats.answered_within_3_working_days, stats.complaints, 100), stats.complaints,
        {"answered_within_3_working_days": stats.answered_within_3_working_days, "complaints": stats.complaints},
        {"first_response_working_days": 3}, "No complaints: not available.",
    )  # fmt: skip
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
