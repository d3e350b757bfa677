"""t critical values, t-intervals and shrinkage (spec §2.2)."""

from __future__ import annotations

import math
import statistics
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import InvalidParameter, InvalidStatistics, round_half_up, shrink, t_critical, t_interval

# Two-sided 95% critical values from a printed Student-t table.
T_TABLE = [
    (1, 12.706),
    (2, 4.303),
    (3, 3.182),
    (4, 2.776),
    (5, 2.571),
    (6, 2.447),
    (10, 2.228),
    (15, 2.131),
    (20, 2.086),
    (29, 2.045),
    (30, 2.042),
    (40, 2.021),
    (60, 2.000),
    (100, 1.984),
    (120, 1.980),
    (1000, 1.962),
]


@pytest.mark.parametrize(("df", "expected"), T_TABLE)
def test_t_critical_matches_the_table(df: int, expected: float) -> None:
    assert round(t_critical(df), 3) == expected


@pytest.mark.parametrize("df", [10**5, 10**6, 10**9, 10**15])
def test_t_critical_for_large_df_is_the_normal_1_960(df: int) -> None:
    assert abs(t_critical(df) - 1.960) < 0.001
    assert t_critical(df) > statistics.NormalDist().inv_cdf(0.975)


def test_t_critical_is_smooth_where_the_method_changes() -> None:
    before, after = t_critical(100_000), t_critical(100_001)
    assert 0 < before - after < 1e-8


@given(st.integers(1, 3000))
def test_t_critical_decreases_with_df(df: int) -> None:
    assert t_critical(df) > t_critical(df + 1) > 1.959


def test_other_confidence_levels() -> None:
    assert round(t_critical(10, Decimal("0.99")), 3) == 3.169
    assert round(t_critical(10, "0.90"), 3) == 1.812
    assert round(t_critical(1, Fraction(9, 10)), 3) == 6.314


@pytest.mark.parametrize(
    ("df", "confidence"), [(0, "0.95"), (-3, "0.95"), (2.0, "0.95"), (True, "0.95"), (5, "1"), (5, "0"), (5, 0.95)]
)
def test_t_critical_rejects_invalid_arguments(df: object, confidence: object) -> None:
    with pytest.raises(InvalidParameter):
        t_critical(df, confidence)  # type: ignore[arg-type]


def test_t_interval_of_1_2_3() -> None:
    interval = t_interval(3, 6, 14)
    assert interval is not None
    assert (interval.n, interval.df, interval.mean) == (3, 2, Decimal("2.00"))
    half_width = 4.302652729749464 / math.sqrt(3)
    assert interval.low == Decimal("-0.48") and abs(float(interval.low) - (2 - half_width)) < 0.005
    assert interval.high == Decimal("4.48")
    assert interval.standard_error == Decimal("0.58")
    assert interval.confidence == Decimal("0.95")


def test_t_interval_is_not_available_below_two_values() -> None:
    assert t_interval(1, 80, 6400) is None
    assert t_interval(0, 0, 0) is None


def test_t_interval_with_no_spread_is_a_point() -> None:
    interval = t_interval(5, 400, 32000)
    assert interval is not None
    assert interval.low == interval.mean == interval.high == Decimal("80.00")


@pytest.mark.parametrize(("n", "total", "squares"), [(3, 6, 11), (0, 1, 1), (-1, 0, 0), (2, 1.5, 3)])
def test_t_interval_rejects_sums_that_cannot_come_from_n_values(n: int, total: object, squares: object) -> None:
    with pytest.raises(InvalidStatistics):
        t_interval(n, total, squares)  # type: ignore[arg-type]


values = st.lists(st.integers(25, 100), min_size=2, max_size=60)


@given(values)
def test_the_interval_contains_the_mean(xs: list[int]) -> None:
    interval = t_interval(len(xs), sum(xs), sum(x * x for x in xs))
    assert interval is not None
    assert interval.low <= interval.mean <= interval.high
    assert interval.mean == round_half_up(Fraction(sum(xs), len(xs)))
    if len(set(xs)) > 1:
        expected = t_critical(len(xs) - 1) * statistics.stdev(xs) / math.sqrt(len(xs))
        assert abs(float(interval.high - interval.low) / 2 - expected) <= 0.011


def test_shrink_pulls_small_samples_toward_the_unit() -> None:
    assert shrink(60, 5, 85) == 80
    assert shrink(60, 5, 85, k=0) == 60
    assert shrink(60, 0, 85) == 85
    assert shrink(Fraction(200, 3), 30, Decimal("90"), k=20) == Fraction(30 * Fraction(200, 3) + 20 * 90, 50)


@pytest.mark.parametrize(("n", "k"), [(5, -1), (0, 0), (-1, 20)])
def test_shrink_rejects_invalid_arguments(n: int, k: int) -> None:
    with pytest.raises(InvalidParameter):
        shrink(70, n, 80, k)


exact = st.fractions(min_value=25, max_value=100, max_denominator=1000)


@given(exact, st.integers(0, 500), exact, st.integers(0, 100))
def test_shrunk_value_lies_between_the_raw_value_and_the_unit_figure(
    mean: Fraction, n: int, unit: Fraction, k: int
) -> None:
    if n + k == 0:
        return
    shrunk = shrink(mean, n, unit, k)
    assert min(mean, unit) <= shrunk <= max(mean, unit)
