"""Appraisal support: capaian, suggested ratings, predikat matrix and distribution curve (spec §3)."""

from __future__ import annotations

from decimal import Decimal

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import (
    BERAKHLAK,
    InvalidParameter,
    InvalidRating,
    InvalidStatistics,
    InvalidTarget,
    Predikat,
    Rating,
    average_capaian,
    capaian,
    distribution_check,
    predikat,
    suggest_hasil_kerja,
    suggest_perilaku,
)

ATAS, SESUAI, BAWAH = Rating.DI_ATAS, Rating.SESUAI, Rating.DI_BAWAH


@pytest.mark.parametrize(
    ("realisation", "target", "lower_is_better", "expected"),
    [
        (45, 50, False, "90.00"),
        (100, 100, False, "100.00"),
        (2, 3, False, "66.67"),
        (Decimal("12.5"), 10, False, "125.00"),
        (149, 100, False, "149.00"),
        (151, 100, False, "150.00"),  # capped
        (400, 100, False, "150.00"),
        (0, 10, False, "0.00"),
        (8, 10, True, "120.00"),  # 8 minutes against a target of 10: better than target
        (12, 10, True, "80.00"),
        (20, 10, True, "0.00"),
        (25, 10, True, "0.00"),  # (2 − 2.5)·100 = −50, floored at 0
        (0, 10, True, "150.00"),  # 200 capped at 150
        (5, 10, True, "150.00"),
        (Decimal("5.1"), 10, True, "149.00"),
    ],
)
def test_capaian(realisation: object, target: object, lower_is_better: bool, expected: str) -> None:
    assert capaian(realisation, target, lower_is_better) == Decimal(expected)  # type: ignore[arg-type]


def test_capaian_cap_is_configurable() -> None:
    assert capaian(130, 100, cap=120) == Decimal("120.00")
    with pytest.raises(InvalidParameter):
        capaian(130, 100, cap=0)


@pytest.mark.parametrize("lower_is_better", [False, True])
def test_a_target_of_zero_is_rejected_with_a_clear_message(lower_is_better: bool) -> None:
    with pytest.raises(InvalidTarget, match="target of 0 cannot be scored"):
        capaian(5, 0, lower_is_better)


@pytest.mark.parametrize(
    ("realisation", "target", "error"),
    [(5, -10, InvalidTarget), (5, 10.0, InvalidTarget), (-1, 10, InvalidParameter), (1.5, 10, InvalidParameter)],
)
def test_capaian_rejects_negative_or_inexact_numbers(realisation: object, target: object, error: type) -> None:
    with pytest.raises(error):
        capaian(realisation, target)  # type: ignore[arg-type]


amounts = st.decimals(min_value=0, max_value=10_000, places=2)
targets = st.decimals(min_value=Decimal("0.01"), max_value=10_000, places=2)


@given(amounts, amounts, targets, st.booleans())
def test_capaian_is_bounded_and_monotone(a: Decimal, b: Decimal, target: Decimal, lower_is_better: bool) -> None:
    low, high = sorted((a, b))
    first, second = capaian(low, target, lower_is_better), capaian(high, target, lower_is_better)
    assert Decimal(0) <= first <= Decimal(150) and Decimal(0) <= second <= Decimal(150)
    assert (first >= second) if lower_is_better else (first <= second)


@pytest.mark.parametrize(
    ("capaians", "expected"),
    [
        (["110.00"], ATAS),
        (["100.00", "120.00"], ATAS),
        (["109.99", "110.00"], ATAS),  # average 109.995 rounds half up to 110.00
        (["109.99"], SESUAI),
        (["90.00"], SESUAI),
        (["89.99"], BAWAH),
        (["150.00", "0.00", "100.00"], BAWAH),  # 250/3 = 83.33
    ],
)
def test_suggested_hasil_kerja(capaians: list[str], expected: Rating) -> None:
    assert suggest_hasil_kerja([Decimal(c) for c in capaians]) == expected


def test_hasil_kerja_thresholds_are_configurable() -> None:
    assert suggest_hasil_kerja([Decimal(115)], thresholds=(120, 100)) == SESUAI
    assert suggest_hasil_kerja([Decimal(99)], thresholds=(120, 100)) == BAWAH
    with pytest.raises(InvalidParameter):
        suggest_hasil_kerja([Decimal(99)], thresholds=(90, 110))


def test_hasil_kerja_needs_at_least_one_target() -> None:
    with pytest.raises(InvalidTarget, match="at least one target"):
        suggest_hasil_kerja([])
    assert average_capaian(["100", "101", "101"]) == Decimal("100.67")


@pytest.mark.parametrize(
    ("ratings", "expected"),
    [
        ([ATAS] * 7, ATAS),
        ([ATAS] * 4 + [BAWAH] * 3, ATAS),
        ([ATAS] * 3 + [BAWAH] * 4, BAWAH),
        ([ATAS] * 3 + [SESUAI] + [BAWAH] * 3, SESUAI),
        ([BAWAH, ATAS, BAWAH, ATAS, SESUAI, SESUAI, ATAS], SESUAI),
        (["Di Atas", "Di Atas Ekspektasi", "Sesuai", "Di Atas", "Di Bawah", "Di Atas", "Sesuai"], ATAS),
    ],
)
def test_suggested_perilaku_is_the_median_of_seven(ratings: list[object], expected: Rating) -> None:
    assert suggest_perilaku(ratings) == expected  # type: ignore[arg-type]


def test_suggested_perilaku_from_named_core_values() -> None:
    ratings = dict.fromkeys(BERAKHLAK, SESUAI) | {"Berorientasi Pelayanan": ATAS, "Loyal": ATAS, "Adaptif": ATAS}
    assert suggest_perilaku(ratings) == SESUAI
    with pytest.raises(InvalidRating, match="missing Kolaboratif"):
        suggest_perilaku({k: v for k, v in ratings.items() if k != "Kolaboratif"})
    with pytest.raises(InvalidRating, match="unknown Jujur"):
        suggest_perilaku(ratings | {"Jujur": SESUAI})


@pytest.mark.parametrize("ratings", [[SESUAI] * 6, [SESUAI] * 8, ["Baik"] + [SESUAI] * 6, "Sesuai"])
def test_suggested_perilaku_rejects_anything_but_seven_ratings(ratings: object) -> None:
    with pytest.raises(InvalidRating):
        suggest_perilaku(ratings)  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("hasil", "perilaku", "expected"),
    [
        (ATAS, BAWAH, "Kurang/Misconduct"),
        (ATAS, SESUAI, "Baik"),
        (ATAS, ATAS, "Sangat Baik"),
        (SESUAI, BAWAH, "Kurang/Misconduct"),
        (SESUAI, SESUAI, "Baik"),
        (SESUAI, ATAS, "Baik"),
        (BAWAH, BAWAH, "Sangat Kurang"),
        (BAWAH, SESUAI, "Butuh Perbaikan"),
        (BAWAH, ATAS, "Butuh Perbaikan"),
    ],
)
def test_every_cell_of_the_predikat_matrix(hasil: Rating, perilaku: Rating, expected: str) -> None:
    assert predikat(hasil, perilaku) == Predikat(expected)
    assert predikat(hasil.value, perilaku.value).value == expected


def test_predikat_rejects_unknown_ratings() -> None:
    with pytest.raises(InvalidRating, match="is not a rating"):
        predikat("Baik", "Sesuai")


SB, B, BP, K, SK = "Sangat Baik", "Baik", "Butuh Perbaikan", "Kurang/Misconduct", "Sangat Kurang"


@pytest.mark.parametrize(
    ("organisation", "counts", "failed"),
    [
        ("Istimewa", {SB: 7, B: 3}, []),
        ("Istimewa", {SB: 71, B: 29}, ["at most 70% Sangat Baik"]),
        ("Baik", {SB: 2, B: 7, BP: 1}, []),
        ("Baik", {SB: 2, B: 7, K: 1}, []),
        ("Baik", {SB: 3, B: 7}, ["at least one Butuh Perbaikan and/or Kurang/Misconduct"]),
        ("Baik", {B: 8, BP: 2}, ["at most 70% Baik"]),
        ("Butuh Perbaikan", {BP: 6, B: 3, SB: 1}, []),
        ("Butuh Perbaikan", {BP: 5, B: 3, SB: 2}, ["at least 60% Butuh Perbaikan", "at most 10% Sangat Baik"]),
        ("Kurang", {K: 6, BP: 1, B: 2, SB: 1}, []),
        ("Kurang", {K: 6, B: 4}, ["at least 10% Butuh Perbaikan"]),
        ("Kurang", {K: 5, BP: 3, SB: 2}, ["at least 60% Kurang/Misconduct", "at most 10% Sangat Baik"]),
        ("Sangat Kurang", {SK: 6, K: 1, B: 3}, []),
        ("Sangat Kurang", {SK: 6, BP: 1, B: 3}, []),
        (
            "Sangat Kurang",
            {SK: 6, B: 3, SB: 1},
            ["at least 10% Kurang/Misconduct and/or Butuh Perbaikan", "no Sangat Baik"],
        ),
        ("Sangat Kurang", {SK: 59, K: 41}, ["at least 60% Sangat Kurang"]),
    ],
)
def test_distribution_check(organisation: str, counts: dict[str, int], failed: list[str]) -> None:
    check = distribution_check(organisation, counts)
    assert [rule.description for rule in check.failures] == failed
    assert check.passed is (not failed)
    assert check.total == sum(counts.values())


def test_distribution_check_reports_the_share_of_each_rule() -> None:
    rule = distribution_check("Butuh Perbaikan", {BP: 2, B: 1}).rules[0]
    assert (rule.count, rule.share, rule.limit, rule.passed) == (2, Decimal("66.67"), Decimal(60), True)


@pytest.mark.parametrize(
    ("organisation", "counts", "error"),
    [
        ("Luar Biasa", {B: 1}, InvalidRating),
        ("Baik", {"Kurang": 1}, InvalidRating),
        ("Baik", {}, InvalidStatistics),
        ("Baik", {B: -1, SB: 2}, InvalidStatistics),
    ],
)
def test_distribution_check_rejects_bad_input(organisation: str, counts: dict[str, int], error: type) -> None:
    with pytest.raises(error):
        distribution_check(organisation, counts)
