"""The service-mix–adjusted ikp: an employee compared with the unit on the service types they served (issue 15).

A counter that handles the hard cases (akta kematian, surat pindah, complaints) collects lower answers whatever
its staff do. The adjusted index removes that: each answer is compared with the unit's mean for its service type,
so an employee is measured against what the unit achieves on the same mix of work. In raw-sum units r (the
per-response sum of the ikp unsur), with the unit's mean μ and its mean μₛ on service type s, the offset of s is
oₛ = μₛ − μ, and an employee with weight wₛ of answers on s (Σ wₛ = n) and Σr = R has

    adjusted mean = (R − Σ wₛ·oₛ) / n,

shrunk toward μ like the raw ikp (spec §2.2). The unit's own adjusted mean is μ (Σ Wₛ·oₛ = 0), so shrinking
toward the unit figure is unchanged. An answer whose service type is not known is split over the counter's mix of
ticket service types that day, so weights are exact fractions; with no mix known it forms its own type
``unknown``. The interval is the t-interval on the adjusted per-response scores, whose Σx² follows exactly from
the per-type sums: Σ(r − oₛ)² = Σr² − 2 Σ oₛ·Rₛ + Σ wₛ·oₛ².
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from types import MappingProxyType

from scoring._exact import round_half_up, to_fraction
from scoring.errors import InvalidStatistics
from scoring.indicators.explanation import IndicatorStatus, _explain
from scoring.indicators.satisfaction import SatisfactionIndicator
from scoring.inputs import SatisfactionStats
from scoring.parameters import DEFAULT_PARAMETERS, ScoringParameters
from scoring.stats import shrink, t_interval

__all__ = ["SERVICE_TYPE_SOURCES", "UNKNOWN_SERVICE", "ServiceMixStats", "ikp_adjusted_indicator"]

#: Where an answer's service type came from, in the order they are tried (issue 15).
SERVICE_TYPE_SOURCES = ("ticket", "respondent", "counter_mix", "unknown")
#: The service-type key of answers whose type is not known at all (no ticket, no choice, no tickets that day).
UNKNOWN_SERVICE = "unknown"


@dataclass(frozen=True, slots=True)
class ServiceMixStats:
    """Per service type, the weight of answers and their Σr (ikp raw sums) of one employee or the unit (spec §6).

    - ``strata``: service-type key → (weight, Σr). A weight is a whole count of answers, or a fraction where an
      answer without a known type was split over the counter's mix of ticket service types that day.
    - ``sources``: how many answers took their type from each of :data:`SERVICE_TYPE_SOURCES`.

    >>> m = ServiceMixStats({"ktp": (2, 18), "akta": (Fraction(1, 2), 4)}, {"ticket": 2, "counter_mix": 1})
    >>> m.n, m.raw_sum
    (Fraction(5, 2), Fraction(22, 1))
    """

    strata: Mapping[str, tuple[Fraction, Fraction]] = field(hash=False)
    sources: Mapping[str, int] = field(hash=False, default_factory=dict)

    def __post_init__(self) -> None:
        if not isinstance(self.strata, Mapping):
            raise InvalidStatistics("strata must map service-type keys to (weight, Σr).")
        strata: dict[str, tuple[Fraction, Fraction]] = {}
        for key in sorted(self.strata, key=str):
            pair = self.strata[key]
            if not isinstance(pair, (tuple, list)) or len(pair) != 2:
                raise InvalidStatistics(f"The service type {key!r} needs (weight, Σr); got {pair!r}.")
            weight = to_fraction(pair[0], f"The weight of {key!r}", InvalidStatistics)
            total = to_fraction(pair[1], f"Σr of {key!r}", InvalidStatistics)
            if weight < 0 or total < 0 or (weight == 0 and total != 0):
                raise InvalidStatistics(f"The service type {key!r} has weight {weight} and Σr {total}.")
            if weight:
                strata[str(key)] = (weight, total)
        sources = {str(k): int(v) for k, v in dict(self.sources).items()}
        unknown = sorted(set(sources) - set(SERVICE_TYPE_SOURCES))
        if unknown or any(v < 0 for v in sources.values()):
            raise InvalidStatistics(f"sources must count answers by {', '.join(SERVICE_TYPE_SOURCES)}.")
        object.__setattr__(self, "strata", MappingProxyType(strata))
        object.__setattr__(self, "sources", MappingProxyType(sources))

    @property
    def n(self) -> Fraction:
        """The total weight: the number of answers."""
        return sum((w for w, _ in self.strata.values()), Fraction(0))

    @property
    def raw_sum(self) -> Fraction:
        """Σr over all the answers."""
        return sum((r for _, r in self.strata.values()), Fraction(0))


def _offsets(unit_mix: ServiceMixStats) -> dict[str, Fraction]:
    """oₛ = μₛ − μ per service type of the unit, in raw-sum units."""
    overall = unit_mix.raw_sum / unit_mix.n
    return {key: total / weight - overall for key, (weight, total) in unit_mix.strata.items()}


def ikp_adjusted_indicator(
    stats: SatisfactionStats | None,
    mix: ServiceMixStats | None,
    unit_stats: SatisfactionStats | None,
    unit_mix: ServiceMixStats | None,
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
) -> SatisfactionIndicator:
    """The employee's ikp adjusted for the service types they served, with interval and shrinkage (spec §2.2, issue 15).

    ``stats``/``mix`` are the employee's, ``unit_stats``/``unit_mix`` the unit's over all its valid responses of
    the period; each mix must add up to its statistics (the same answers, split by service type).

    >>> from scoring.skm import UNSUR
    >>> four, two = {u: 4 for u in UNSUR}, {u: 2 for u in UNSUR}
    >>> unit = SatisfactionStats.from_responses([four] * 20 + [two] * 20)
    >>> unit_mix = ServiceMixStats({"ktp": (20, 240), "akta": (20, 120)})
    >>> mine = SatisfactionStats.from_responses([two] * 10)  # all on akta, the unit's hard service, at its mean
    >>> i = ikp_adjusted_indicator(mine, ServiceMixStats({"akta": (10, 60)}), unit, unit_mix)
    >>> i.raw, i.unit_figure, i.shrunk  # at the unit's level once the mix is taken into account
    (Decimal('75.00'), Decimal('75.00'), Decimal('75.00'))
    """
    code = "ikp_adjusted"
    unsur = parameters.ikp_unsur
    m = len(unsur)
    expression = (
        "ikp_adjusted = 25/m × (Σr − Σ wₛ·oₛ)/n with oₛ = unit mean on service type s − unit mean (raw sums r "
        f"of {', '.join(unsur)}, m = {m}); interval: t-interval on the adjusted per-response scores; "
        "shrunk = (n·ikp_adjusted + k·unit ikp)/(n + k)"
    )
    params: dict[str, object] = {
        "shrinkage_k": parameters.shrinkage_k,
        "publication_threshold": parameters.publication_threshold,
        "confidence": parameters.confidence,
        "service_type_order": list(SERVICE_TYPE_SOURCES),
    }
    for name, given in (("stats", stats), ("unit_stats", unit_stats)):
        if given is not None and (not isinstance(given, SatisfactionStats) or given.ikp_unsur != unsur):
            raise InvalidStatistics(f"{name} must be SatisfactionStats over {', '.join(unsur)} or None.")
    if stats is None or mix is None or unit_stats is None or unit_mix is None or not unit_stats.n:
        explanation = _explain(
            "§2.2, issue 15", "ikp_service_mix_adjusted", expression, {"n": None}, params,
            ["No survey data or no service mix for this period: not available."],
        )  # fmt: skip
        return SatisfactionIndicator(code, IndicatorStatus.NOT_AVAILABLE, 0, None, None, None, None, explanation)
    for label, given_stats, given_mix in (("employee", stats, mix), ("unit", unit_stats, unit_mix)):
        if given_mix.n != given_stats.n or given_mix.raw_sum != given_stats.ikp_raw_sum:
            raise InvalidStatistics(
                f"The {label}'s service mix has weight {given_mix.n} and Σr {given_mix.raw_sum}, but its statistics "
                f"have n = {given_stats.n} and Σr = {given_stats.ikp_raw_sum}; both must count the same answers."
            )
    foreign = sorted(set(mix.strata) - set(unit_mix.strata))
    if foreign:
        raise InvalidStatistics(f"The employee served service types the unit has no answers on: {', '.join(foreign)}.")
    n = stats.n
    offsets = _offsets(unit_mix)
    shift = sum((w * offsets[key] for key, (w, _) in mix.strata.items()), Fraction(0))
    notes: list[str] = []
    raw_exact: Fraction | None = None
    interval = None
    if n:
        raw_total = stats.ikp_raw_sum - shift
        raw_squares = (
            stats.ikp_raw_sum_sq
            - 2 * sum((offsets[key] * total for key, (_, total) in mix.strata.items()), Fraction(0))
            + sum((w * offsets[key] ** 2 for key, (w, _) in mix.strata.items()), Fraction(0))
        )
        scale = Fraction(25, m)
        raw_exact = scale * raw_total / n
        interval = t_interval(n, scale * raw_total, scale * scale * raw_squares, parameters.confidence)
    if n < 2:
        notes.append("The interval needs at least 2 responses: not available.")
    unit_exact = Fraction(25 * unit_stats.ikp_raw_sum, m * unit_stats.n)
    shrunk_exact = None if raw_exact is None else shrink(raw_exact, n, unit_exact, parameters.shrinkage_k)
    if n >= parameters.publication_threshold:
        status = IndicatorStatus.OK
    else:
        status = IndicatorStatus.INSUFFICIENT_DATA
        notes.append(f"Data belum cukup: {n} valid responses, {parameters.publication_threshold} needed to publish.")
    unit_means = {key: Fraction(25, m) * total / weight for key, (weight, total) in unit_mix.strata.items()}
    inputs: dict[str, object] = {
        "n": n,
        "raw_sum": stats.ikp_raw_sum,
        "raw_sum_sq": stats.ikp_raw_sum_sq,
        "service_mix": {key: {"weight": w, "raw_sum": r} for key, (w, r) in mix.strata.items()},
        "service_type_sources": dict(mix.sources),
        "unit_n": unit_stats.n,
        "unit_mean_by_service_type": unit_means,
        "mix_shift": Fraction(25, m) * shift / n if n else None,
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
        unit_figure=round_half_up(unit_exact),
        interval=interval,
        explanation=_explain("§2.2, issue 15", "ikp_service_mix_adjusted", expression, inputs, params, notes),
    )
