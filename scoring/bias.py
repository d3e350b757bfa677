"""The bias audit: the staff-attributable index by group of employees, counter and service type (issue 15).

Published field studies found customer ratings lower for women and minority employees at equal performance. The
audit shows, per unit and period, the ikp of each group with a confidence interval and compares each group with
the other shown groups of its dimension pooled. Answers cluster within employees (a group of five employees is
five draws of service quality, however many answers they collected), so the uncertainty is the cluster-robust
(sandwich) variance of the group's mean with each employee as a cluster, t with m − 1 degrees of freedom:

    mean = ΣS / N,   var = m/(m − 1) · Σₑ (Sₑ − nₑ·mean)² / N²

for m employees with nₑ answers of score sum Sₑ (N = Σ nₑ). A gap's variance is the sum of both sides' with
Welch–Satterthwaite degrees of freedom. A gap is flagged when its p-value stays below 1 − confidence after a Holm
correction over every comparison of the audit. A group is shown only with at least
:data:`MIN_GROUP_EMPLOYEES` employees and the publication threshold of answers, so no one person is exposed; a
hidden group's figures are not kept.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Sequence
from dataclasses import dataclass, field
from decimal import Context, Decimal
from fractions import Fraction
from typing import Any

from scoring._exact import jsonable, round_half_up, to_int
from scoring.errors import InvalidStatistics
from scoring.indicators.explanation import Indicator, IndicatorStatus, _explain
from scoring.parameters import DEFAULT_PARAMETERS, ScoringParameters
from scoring.stats import _critical, _two_sided_tail

__all__ = [
    "AUDIT_DIMENSIONS",
    "MIN_GROUP_EMPLOYEES",
    "BiasAudit",
    "GroupComparison",
    "GroupFigure",
    "GroupStats",
    "bias_audit",
    "bias_audit_indicator",
    "holm_adjust",
]

#: The dimensions an audit groups by, in the order pages show them.
AUDIT_DIMENSIONS = ("sex", "employment_type", "counter", "service_type")
#: The fewest employees a group must have to be shown (issue 15).
MIN_GROUP_EMPLOYEES = 5
_PRECISE = Context(prec=40)


@dataclass(frozen=True, slots=True)
class GroupStats:
    """One group's sufficient statistics: per employee, (answers, Σ per-response ikp raw sums r) (spec §6).

    >>> GroupStats("sex", "2", ((10, 100), (5, 45))).n
    15
    """

    dimension: str
    group: str
    members: tuple[tuple[int, int], ...] = field(hash=False)

    def __post_init__(self) -> None:
        if self.dimension not in AUDIT_DIMENSIONS:
            raise InvalidStatistics(f"Unknown audit dimension {self.dimension!r}; use {', '.join(AUDIT_DIMENSIONS)}.")
        members = []
        for pair in self.members:
            n = to_int(pair[0], "The answers of a group member", error=InvalidStatistics)
            total = to_int(pair[1], "Σr of a group member", error=InvalidStatistics)
            if n:
                members.append((n, total))
        object.__setattr__(self, "members", tuple(sorted(members)))

    @property
    def n(self) -> int:
        """Answers in the group."""
        return sum(n for n, _ in self.members)


@dataclass(frozen=True, slots=True)
class GroupFigure:
    """A group's ikp with its interval, or only why it is not shown."""

    dimension: str
    group: str
    shown: bool
    employees: int | None = None
    n: int | None = None
    mean: Decimal | None = None
    low: Decimal | None = None
    high: Decimal | None = None


@dataclass(frozen=True, slots=True)
class GroupComparison:
    """A group against the other shown groups of its dimension pooled: gap, interval, p before and after Holm."""

    dimension: str
    group: str
    gap: Decimal
    low: Decimal
    high: Decimal
    p_value: Decimal
    p_holm: Decimal
    flagged: bool


@dataclass(frozen=True, slots=True)
class BiasAudit:
    """The groups and comparisons of one unit and period, with the rule that flagged gaps."""

    groups: tuple[GroupFigure, ...]
    comparisons: tuple[GroupComparison, ...]
    confidence: Decimal
    min_employees: int
    min_answers: int

    @property
    def flagged(self) -> tuple[GroupComparison, ...]:
        """The comparisons whose gap is larger than its uncertainty after the Holm correction."""
        return tuple(c for c in self.comparisons if c.flagged)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, as a run stores them.

        >>> bias_audit([]).to_dict()["comparisons"]
        []
        """
        return {
            "groups": [jsonable(dataclasses.asdict(g)) for g in self.groups],
            "comparisons": [jsonable(dataclasses.asdict(c)) for c in self.comparisons],
            "confidence": str(self.confidence),
            "min_employees": self.min_employees,
            "min_answers": self.min_answers,
            "method": (
                "cluster-robust t-interval per group (employees as clusters, df = m − 1); gap against the other "
                "shown groups pooled, Welch–Satterthwaite df; Holm correction over all comparisons"
            ),
        }


@dataclass(frozen=True, slots=True)
class _Moments:
    employees: int
    n: int
    mean: Fraction  # in index points (25·r/m)
    variance: Fraction  # of the mean
    df: int


def _moments(members: Sequence[tuple[int, int]], scale: Fraction) -> _Moments:
    n = sum(count for count, _ in members)
    total = sum(s for _, s in members) * scale
    mean = total / n
    m = len(members)
    spread = sum((s * scale - count * mean) ** 2 for count, s in members)
    return _Moments(m, n, mean, Fraction(m, m - 1) * spread / (n * n), m - 1)


def _sqrt(value: Fraction) -> Decimal:
    return _PRECISE.divide(Decimal(value.numerator), Decimal(value.denominator)).sqrt(_PRECISE)


def holm_adjust(p_values: Sequence[float]) -> list[float]:
    """Holm's step-down adjusted p-values, in the order given (spec §2.2 bias audit, issue 15).

    >>> holm_adjust([0.01, 0.04, 0.03])
    [0.03, 0.06, 0.06]
    """
    order = sorted(range(len(p_values)), key=lambda i: p_values[i])
    adjusted = [0.0] * len(p_values)
    running = 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return [round(p, 12) for p in adjusted]


def bias_audit(groups: Sequence[GroupStats], parameters: ScoringParameters = DEFAULT_PARAMETERS) -> BiasAudit:
    """Each group's ikp with its interval and each gap flagged after a Holm correction (spec §2.2, issue 15).

    >>> men = GroupStats("sex", "1", tuple((30, 330 + i) for i in range(6)))  # about 92 points each
    >>> women = GroupStats("sex", "2", tuple((30, 270 + i) for i in range(6)))  # about 75 points each
    >>> audit = bias_audit([men, women])
    >>> [(c.group, str(c.gap), c.flagged) for c in audit.comparisons]
    [('1', '16.67', True)]
    """
    scale = Fraction(25, len(parameters.ikp_unsur))
    level = parameters.confidence
    alpha = float(1 - Fraction(level))
    threshold = parameters.publication_threshold
    figures: list[GroupFigure] = []
    shown: dict[str, list[GroupStats]] = {}
    seen: set[tuple[str, str]] = set()
    for stats in sorted(groups, key=lambda g: (AUDIT_DIMENSIONS.index(g.dimension), g.group)):
        if (stats.dimension, stats.group) in seen:
            raise InvalidStatistics(f"The group {stats.group!r} of {stats.dimension} is given twice.")
        seen.add((stats.dimension, stats.group))
        if len(stats.members) < MIN_GROUP_EMPLOYEES or stats.n < threshold:
            figures.append(GroupFigure(stats.dimension, stats.group, False))
            continue
        moments = _moments(stats.members, scale)
        half = _PRECISE.multiply(Decimal(repr(_critical(moments.df, Fraction(level)))), _sqrt(moments.variance))
        centre = _PRECISE.divide(Decimal(moments.mean.numerator), Decimal(moments.mean.denominator))
        figures.append(
            GroupFigure(
                stats.dimension,
                stats.group,
                True,
                moments.employees,
                moments.n,
                round_half_up(moments.mean),
                round_half_up(centre - half),
                round_half_up(centre + half),
            )
        )
        shown.setdefault(stats.dimension, []).append(stats)
    raw: list[tuple[str, str, Fraction, Fraction, float, Decimal]] = []
    for dimension, members in shown.items():
        if len(members) < 2:
            continue
        # With two groups one comparison says it all; with more, each against the others pooled.
        for stats in members[:1] if len(members) == 2 else members:
            rest = [pair for other in members if other is not stats for pair in other.members]
            mine, others = _moments(stats.members, scale), _moments(rest, scale)
            gap = mine.mean - others.mean
            variance = mine.variance + others.variance
            if variance == 0:
                p = 0.0 if gap else 1.0
                df = max(1, min(mine.df, others.df))
            else:
                df_real = float(variance) ** 2 / (
                    float(mine.variance) ** 2 / mine.df + float(others.variance) ** 2 / others.df
                )
                df = max(1, math.floor(df_real))
                t = abs(float(gap)) / math.sqrt(float(variance))
                p = _two_sided_tail(t, df)
            half = _PRECISE.multiply(Decimal(repr(_critical(df, Fraction(level)))), _sqrt(variance))
            raw.append((dimension, stats.group, gap, variance, p, half))
    adjusted = holm_adjust([p for *_, p, _ in raw])
    comparisons = []
    for (dimension, group, gap, _variance, p, half), p_holm in zip(raw, adjusted):
        centre = _PRECISE.divide(Decimal(gap.numerator), Decimal(gap.denominator))
        comparisons.append(
            GroupComparison(
                dimension,
                group,
                round_half_up(gap),
                round_half_up(centre - half),
                round_half_up(centre + half),
                round_half_up(Decimal(repr(p)), 4),
                round_half_up(Decimal(repr(p_holm)), 4),
                p_holm < alpha,
            )
        )
    return BiasAudit(tuple(figures), tuple(comparisons), level, MIN_GROUP_EMPLOYEES, threshold)


def bias_audit_indicator(audit: BiasAudit | None) -> Indicator:
    """The audit as a unit indicator of a run: value = flagged gaps, n = comparisons (spec §2.2, issue 15).

    ``ok`` when at least one comparison could be made, ``insufficient_data`` when no dimension has two groups
    large enough to show, ``not_available`` without survey data (``None``).

    >>> bias_audit_indicator(None).status.value, bias_audit_indicator(bias_audit([])).status.value
    ('not_available', 'insufficient_data')
    """
    expression = (
        f"ikp per group (groups of ≥ {MIN_GROUP_EMPLOYEES} employees and the publication threshold of answers); "
        "a gap is flagged when its Holm-adjusted p-value < 1 − confidence"
    )
    if audit is None:
        explanation = _explain("§2.2, issue 15", "bias_audit", expression, {}, {}, ["No survey data: not available."])
        return Indicator("bias_audit", IndicatorStatus.NOT_AVAILABLE, None, "gaps", 0, explanation)
    stored = audit.to_dict()
    parameters = {k: stored.pop(k) for k in ("confidence", "min_employees", "min_answers", "method")}
    notes = [] if audit.comparisons else ["No dimension has two groups large enough to show: nothing to compare."]
    status = IndicatorStatus.OK if audit.comparisons else IndicatorStatus.INSUFFICIENT_DATA
    explanation = _explain("§2.2, issue 15", "bias_audit", expression, stored, parameters, notes)
    return Indicator("bias_audit", status, Decimal(len(audit.flagged)), "gaps", len(audit.comparisons), explanation)
