"""An employee's ikm and ikp with t-interval and shrinkage toward the unit figure (spec §2.2).

Per-employee ``ikm`` and ``ikp`` always use equal weights (1/9 and 1/3): the spec defines their interval on the
per-response score 25 × mean of the answers, and with equal weights the index is exactly the mean of that score.
The unit's weight convention applies to its SKM report (:func:`scoring.skm.skm_summary`).
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass
from decimal import Decimal
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType
from typing import Any, Literal

from scoring._exact import jsonable, round_half_up
from scoring.errors import InvalidParameter, InvalidStatistics
from scoring.indicators.explanation import Explanation, IndicatorStatus, _explain
from scoring.inputs import SatisfactionStats
from scoring.parameters import DEFAULT_PARAMETERS, ScoringParameters
from scoring.skm import UNSUR
from scoring.stats import Interval, shrink, t_interval

__all__ = [
    "SatisfactionIndicator",
    "ikm_indicator",
    "ikp_indicator",
    "satisfaction_indicator",
]


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
