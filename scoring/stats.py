"""Small-sample statistics in pure Python: Student-t critical values, t-intervals and shrinkage (spec §2.2).

The t quantile is found by bisection on the two-sided tail probability, which is the regularized incomplete beta
function I_x(ν/2, 1/2) with x = ν/(ν + t²), evaluated with Lentz's continued fraction. For very large degrees of
freedom (ν > 100 000) the Cornish–Fisher expansion around the normal quantile is used instead; both agree with
printed tables to every printed digit.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from decimal import Context, Decimal
from fractions import Fraction
from functools import lru_cache
from statistics import NormalDist
from typing import Any

from scoring._exact import ExactNumber, round_half_up, round_ratio, to_fraction, to_int
from scoring.errors import InvalidParameter, InvalidStatistics

__all__ = ["DEFAULT_CONFIDENCE", "Interval", "shrink", "t_critical", "t_interval"]

#: Two-sided confidence level of the intervals (spec §2.2).
DEFAULT_CONFIDENCE = Decimal("0.95")

_LARGE_DF = 100_000
_TINY = 1e-300
#: 40 significant digits for the interval's square root and bounds, before they are rounded to a few places.
_PRECISE = Context(prec=40)


def _beta_continued_fraction(a: float, b: float, x: float) -> float:
    """Continued fraction of the incomplete beta function (modified Lentz)."""
    qab, qap, qam = a + b, a + 1.0, a - 1.0
    c = 1.0
    d = 1.0 - qab * x / qap
    d = 1.0 / (d if abs(d) >= _TINY else _TINY)
    h = d
    for m in range(1, 100_000):
        m2 = 2 * m
        for aa in (
            m * (b - m) * x / ((qam + m2) * (a + m2)),
            -(a + m) * (qab + m) * x / ((a + m2) * (qap + m2)),
        ):
            d = 1.0 + aa * d
            d = 1.0 / (d if abs(d) >= _TINY else _TINY)
            c = 1.0 + aa / c
            c = c if abs(c) >= _TINY else _TINY
            h *= d * c
        if abs(d * c - 1.0) < 1e-16:
            return h
    raise ArithmeticError("incomplete beta continued fraction did not converge")  # pragma: no cover


def _regularized_beta(a: float, b: float, x: float, one_minus_x: float) -> float:
    """I_x(a, b), given both x and 1 − x to avoid cancellation near 1."""
    if x <= 0.0:
        return 0.0
    if one_minus_x <= 0.0:
        return 1.0
    log_front = math.lgamma(a + b) - math.lgamma(a) - math.lgamma(b) + a * math.log(x) + b * math.log(one_minus_x)
    if x < (a + 1.0) / (a + b + 2.0):
        return math.exp(log_front) * _beta_continued_fraction(a, b, x) / a
    return 1.0 - math.exp(log_front) * _beta_continued_fraction(b, a, one_minus_x) / b


def _two_sided_tail(t: float, df: int) -> float:
    """P(|T| > t) for Student's t with ``df`` degrees of freedom."""
    t2 = t * t
    return _regularized_beta(df / 2.0, 0.5, df / (df + t2), t2 / (df + t2))


def _cornish_fisher(df: int, p: float) -> float:
    z = NormalDist().inv_cdf(p)
    v = float(df)
    return (
        z
        + (z**3 + z) / (4 * v)
        + (5 * z**5 + 16 * z**3 + 3 * z) / (96 * v**2)
        + (3 * z**7 + 19 * z**5 + 17 * z**3 - 15 * z) / (384 * v**3)
        + (79 * z**9 + 776 * z**7 + 1482 * z**5 - 1920 * z**3 - 945 * z) / (92160 * v**4)
    )


@lru_cache(maxsize=4096)
def _t_quantile(df: int, alpha: Fraction) -> float:
    target = float(alpha)
    if df > _LARGE_DF:
        return _cornish_fisher(df, 1.0 - target / 2.0)
    low, high = 0.0, 1.0
    while _two_sided_tail(high, df) > target:
        low, high = high, high * 2.0
    while True:
        middle = (low + high) / 2.0
        if middle in (low, high):
            return high
        if _two_sided_tail(middle, df) > target:
            low = middle
        else:
            high = middle


@lru_cache(maxsize=64)
def _confidence(confidence: ExactNumber) -> Fraction:
    """The confidence level as a Fraction, checked (cached: every interval of a run has the same level)."""
    level = to_fraction(confidence, "The confidence level")
    if not 0 < level < 1:
        raise InvalidParameter(f"The confidence level must lie strictly between 0 and 1; got {confidence}.")
    return level


def t_critical(df: int, confidence: ExactNumber = DEFAULT_CONFIDENCE) -> float:
    """Two-sided Student-t critical value for ``df`` ≥ 1 degrees of freedom, 95% by default (spec §2.2).

    >>> [round(t_critical(df), 3) for df in (1, 2, 10, 30, 100)]
    [12.706, 4.303, 2.228, 2.042, 1.984]
    """
    degrees = to_int(df, "The degrees of freedom", minimum=1)
    return _critical(degrees, _confidence(confidence))


@lru_cache(maxsize=4096)
def _critical(df: int, level: Fraction) -> float:
    return _t_quantile(df, 1 - level)


@dataclass(frozen=True, slots=True)
class Interval:
    """A two-sided t-interval for a mean, with what it was computed from (spec §2.2).

    ``mean``, ``low``, ``high`` and ``standard_error`` are rounded half up to the requested places; ``t`` is the
    critical value used, with ``df = n − 1``.
    """

    n: int
    df: int
    confidence: Decimal
    t: float
    mean: Decimal
    standard_error: Decimal
    low: Decimal
    high: Decimal

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values (Decimals become strings, t is rounded to 6 decimals).

        >>> t_interval(3, 6, 14).to_dict()["high"]
        '4.48'
        """
        return {
            "n": self.n,
            "df": self.df,
            "confidence": str(self.confidence),
            "t": round(self.t, 6),
            "mean": str(self.mean),
            "standard_error": str(self.standard_error),
            "low": str(self.low),
            "high": str(self.high),
        }


def t_interval(
    n: int,
    total: ExactNumber,
    total_of_squares: ExactNumber,
    confidence: ExactNumber = DEFAULT_CONFIDENCE,
    places: int = 2,
) -> Interval | None:
    """t-interval for the mean from n, Σx and Σx²; ``None`` when n < 2 (no interval is available) (spec §2.2).

    >>> i = t_interval(3, 6, 14)  # the values 1, 2, 3
    >>> i.mean, i.low, i.high
    (Decimal('2.00'), Decimal('-0.48'), Decimal('4.48'))
    >>> t_interval(1, 4, 16) is None
    True
    """
    count = to_int(n, "The number of values", minimum=0, error=InvalidStatistics)
    level = _confidence(confidence)
    sum_x = total if type(total) is Fraction else to_fraction(total, "Σx", InvalidStatistics)
    sum_x2 = (
        total_of_squares
        if type(total_of_squares) is Fraction
        else to_fraction(total_of_squares, "Σx²", InvalidStatistics)
    )
    if count == 0:
        if sum_x or sum_x2:
            raise InvalidStatistics("With n = 0 the sums Σx and Σx² must be 0.")
        return None
    # In integers (a run computes two intervals per employee): with Σx = a/b and Σx² = c/d,
    # Σ(x − mean)² = (c·b²·n − a²·d) / (d·b²·n) and the variance of the mean is that ÷ (n − 1)·n.
    a, b, c, d = sum_x.numerator, sum_x.denominator, sum_x2.numerator, sum_x2.denominator
    spread = c * b * b * count - a * a * d
    if spread < 0:
        raise InvalidStatistics(
            f"Σx² = {sum_x2} is smaller than (Σx)²/n = {sum_x * sum_x / count}; the sums do not come from "
            f"the same {count} values."
        )
    if count < 2:
        return None
    t = _critical(count - 1, level)
    context = _PRECISE
    standard_error = context.divide(spread, d * b * b * count * count * (count - 1)).sqrt(context)
    half_width = context.multiply(Decimal(repr(t)), standard_error)
    exact_mean = context.divide(a, b * count)
    low, high = context.subtract(exact_mean, half_width), context.add(exact_mean, half_width)
    return Interval(
        n=count,
        df=count - 1,
        confidence=_as_decimal(level),
        t=t,
        mean=round_ratio(a, b * count, places),
        standard_error=round_half_up(standard_error, places),
        low=round_half_up(low, places),
        high=round_half_up(high, places),
    )


@lru_cache(maxsize=64)
def _as_decimal(level: Fraction) -> Decimal:
    return Decimal(str(level.numerator)) / Decimal(str(level.denominator))


def shrink(mean: ExactNumber, n: int, unit_mean: ExactNumber, k: ExactNumber = 20) -> Fraction:
    """Shrunk estimate (n·mean + k·unit_mean)/(n + k), pulling small samples toward the unit figure (spec §2.2).

    >>> shrink(60, 5, 85)
    Fraction(80, 1)
    """
    count = to_int(n, "n", minimum=0)
    weight = to_fraction(k, "The shrinkage constant k")
    if weight < 0:
        raise InvalidParameter(f"The shrinkage constant k must not be negative; got {k}.")
    if count + weight == 0:
        raise InvalidParameter("Shrinkage needs n + k > 0; with no responses and k = 0 there is nothing to average.")
    return (count * to_fraction(mean, "The mean") + weight * to_fraction(unit_mean, "The unit mean")) / (count + weight)
