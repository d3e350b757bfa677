"""SKM: answers, NRR, IKM, mutu and Krejcie–Morgan (spec §1.1, §1.3, §1.4)."""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import (
    UNSUR,
    UNSUR_NAMES,
    Grade,
    InvalidAnswer,
    InvalidParameter,
    InvalidStatistics,
    InvalidWeights,
    ScoringParameters,
    check_answer,
    grade,
    ikm,
    ikm_unrounded,
    krejcie_morgan,
    nrr,
    resolve_weights,
    response_score,
    sample_adequacy,
    skm_summary,
    tally,
)

# spec §1.3 worked example: 120 responses, counts of answers 1/2/3/4 per unsur.
WORKED_EXAMPLE = {
    "U1": (0, 4, 70, 46),
    "U2": (1, 6, 72, 41),
    "U3": (2, 15, 68, 35),
    "U4": (0, 0, 10, 110),
    "U5": (0, 5, 75, 40),
    "U6": (0, 3, 66, 51),
    "U7": (0, 2, 60, 58),
    "U8": (1, 9, 71, 39),
    "U9": (3, 12, 70, 35),
}


def uniform(counts: tuple[int, int, int, int]) -> dict[str, tuple[int, int, int, int]]:
    return {code: counts for code in UNSUR}


responses = st.lists(st.fixed_dictionaries({code: st.integers(1, 4) for code in UNSUR}), min_size=1, max_size=40)


# --- the worked example and the extremes --------------------------------------------------------------------


def test_worked_example_ikm_is_83_91_grade_b_baik() -> None:
    assert ikm(WORKED_EXAMPLE) == Decimal("83.91")
    assert grade(ikm(WORKED_EXAMPLE)) == Grade("B", "Baik")


def test_worked_example_with_the_legacy_weight_is_83_83() -> None:
    assert ikm(WORKED_EXAMPLE, "0.111") == Decimal("83.83")
    assert grade(ikm(WORKED_EXAMPLE, "0.111")).mutu == "B"


def test_worked_example_is_computed_from_unrounded_nrr() -> None:
    assert nrr(WORKED_EXAMPLE["U1"]) == Fraction(402, 120)
    assert nrr(WORKED_EXAMPLE["U3"]) == Fraction(376, 120)
    assert ikm_unrounded(WORKED_EXAMPLE) == Fraction(25, 9) * sum(nrr(c) for c in WORKED_EXAMPLE.values())


def test_all_answers_4_give_100_or_99_90_with_the_legacy_weight() -> None:
    assert ikm(uniform((0, 0, 0, 7))) == Decimal("100.00")
    assert ikm(uniform((0, 0, 0, 7)), "0.111") == Decimal("99.90")
    assert grade(Decimal("99.90")).mutu == "A"


def test_all_answers_1_give_25_or_24_98_with_the_legacy_weight_and_grade_d() -> None:
    assert ikm(uniform((3, 0, 0, 0))) == Decimal("25.00")
    assert ikm_unrounded(uniform((3, 0, 0, 0)), "0.111") == Fraction("24.975")
    assert ikm(uniform((3, 0, 0, 0)), "0.111") == Decimal("24.98")
    assert grade(Decimal("24.98")) == Grade("D", "Tidak Baik")


def test_ikm_is_returned_with_exactly_two_decimals() -> None:
    assert str(ikm(uniform((0, 0, 1, 1)))) == "87.50"


# --- rounding and grading -------------------------------------------------------------------------------------


def test_half_up_rounding_88_305_becomes_88_31_and_grade_a() -> None:
    counts = uniform((0, 0, 2339, 2661))  # NRR 3.5322 for every unsur → IKM exactly 88.305
    assert ikm_unrounded(counts) == Fraction("88.305")
    assert ikm(counts) == Decimal("88.31")
    assert grade(ikm(counts)).mutu == "A"


def test_grade_is_read_from_the_rounded_value() -> None:
    counts = uniform((0, 0, 4679, 321))  # IKM exactly 76.605: below 76.61 unrounded, B once rounded
    assert ikm_unrounded(counts) == Fraction("76.605")
    assert ikm(counts) == Decimal("76.61")
    assert grade(ikm_unrounded(counts)).mutu == "B"
    assert grade(Decimal("88.305")).mutu == "A"
    assert grade("88.3049").mutu == "B"


@pytest.mark.parametrize(
    ("value", "mutu", "kinerja"),
    [
        ("24.98", "D", "Tidak Baik"),
        ("25.00", "D", "Tidak Baik"),
        ("64.99", "D", "Tidak Baik"),
        ("65.00", "C", "Kurang Baik"),
        ("76.60", "C", "Kurang Baik"),
        ("76.61", "B", "Baik"),
        ("88.30", "B", "Baik"),
        ("88.31", "A", "Sangat Baik"),
        ("100.00", "A", "Sangat Baik"),
    ],
)
def test_every_grade_boundary(value: str, mutu: str, kinerja: str) -> None:
    assert grade(Decimal(value)) == Grade(mutu, kinerja)


@pytest.mark.parametrize("value", [Decimal("100.01"), Decimal("-1"), 88.31, True, "A"])
def test_grade_rejects_values_that_are_not_an_exact_ikm(value: object) -> None:
    with pytest.raises(InvalidParameter):
        grade(value)  # type: ignore[arg-type]


# --- weights --------------------------------------------------------------------------------------------------


def test_custom_weights_summing_to_1_are_used() -> None:
    only_fees = {"U4": 1}
    assert ikm(WORKED_EXAMPLE, only_fees) == Decimal("97.92")  # 25 × 470/120
    thirds: dict[str, str | Fraction] = {"U3": "1/3", "U6": Fraction(1, 3), "U7": "1/3"}
    expected = Fraction(25, 3) * (nrr(WORKED_EXAMPLE["U3"]) + nrr(WORKED_EXAMPLE["U6"]) + nrr(WORKED_EXAMPLE["U7"]))
    assert ikm_unrounded(WORKED_EXAMPLE, thirds) == expected


@pytest.mark.parametrize(
    ("weights", "message"),
    [
        ({code: Fraction(1, 10) for code in UNSUR}, "sum to exactly 1"),
        ({code: Decimal("0.111") for code in UNSUR}, "sum to exactly 1"),
        ({"U1": Decimal("0.6"), "U2": Decimal("0.5")}, "sum to exactly 1"),
        ({"U1": 2, "U2": -1}, "must not be negative"),
        ({"U1": 0.5, "U2": 0.5}, "float"),
        ({"U10": 1}, "Unknown unsur"),
        ({}, "must map"),
        ("0,111", "Unknown weight convention"),
    ],
)
def test_invalid_weights_are_rejected_with_a_clear_message(weights: object, message: str) -> None:
    with pytest.raises(InvalidWeights, match=message):
        ikm(WORKED_EXAMPLE, weights)  # type: ignore[arg-type]


def test_the_legacy_weights_are_0_111_each() -> None:
    assert set(resolve_weights("0.111").values()) == {Fraction(111, 1000)}
    assert sum(resolve_weights("exact").values()) == 1


# --- answers and counts ---------------------------------------------------------------------------------------


@pytest.mark.parametrize("answer", [0, 5, -1, "3", 3.0, True, None])
def test_answers_outside_1_to_4_are_rejected(answer: object) -> None:
    with pytest.raises(InvalidAnswer, match="from 1 to 4"):
        check_answer(answer, "U2")


def test_a_response_with_an_invalid_or_missing_answer_is_rejected() -> None:
    good = {code: 3 for code in UNSUR}
    with pytest.raises(InvalidAnswer, match="U5"):
        tally([good, {**good, "U5": 5}])
    incomplete = {code: 3 for code in UNSUR if code != "U9"}
    with pytest.raises(InvalidAnswer, match="U9 missing"):
        tally([incomplete])
    with pytest.raises(InvalidAnswer, match="U10"):
        tally([{**good, "U10": 3}])


def test_answers_are_stored_by_code_not_by_position() -> None:
    reordered = dict(reversed(list(WORKED_EXAMPLE.items())))
    assert ikm(reordered) == ikm(WORKED_EXAMPLE)
    assert UNSUR_NAMES["U8"] == "Sarana dan Prasarana"
    assert UNSUR_NAMES["U9"] == "Penanganan Pengaduan, Saran dan Masukan"


@pytest.mark.parametrize(
    ("counts", "message"),
    [
        ({**WORKED_EXAMPLE, "U2": (1, 6, 72, 40)}, "same number of answers"),
        ({code: c for code, c in WORKED_EXAMPLE.items() if code != "U4"}, "U4 are missing"),
        ({**WORKED_EXAMPLE, "U1": (0, 4, 70)}, "four whole numbers"),
        ({**WORKED_EXAMPLE, "U1": (-1, 5, 70, 46)}, "at least 0"),
        (uniform((0, 0, 0, 0)), "at least one valid response"),
    ],
)
def test_inconsistent_counts_are_rejected(counts: Mapping[str, tuple[int, ...]], message: str) -> None:
    with pytest.raises(InvalidStatistics, match=message):
        ikm(counts)  # type: ignore[arg-type]


# --- Krejcie & Morgan (spec §1.4) ----------------------------------------------------------------------------

# Krejcie, R. V. & Morgan, D. W. (1970), "Determining sample size for research activities", Educational and
# Psychological Measurement 30, 607–610, Table 1. Every value below is also what the formula gives when rounded
# to the nearest integer (checked in the test).
KREJCIE_MORGAN_TABLE = [
    (10, 10),
    (15, 14),
    (20, 19),
    (30, 28),
    (50, 44),
    (75, 63),
    (100, 80),
    (150, 108),
    (200, 132),
    (300, 169),
    (500, 217),
    (1000, 278),
    (2000, 322),
    (3000, 341),
    (5000, 357),
    (10000, 370),
    (20000, 377),
    (50000, 381),
    (1000000, 384),
]


@pytest.mark.parametrize(("population", "sample"), KREJCIE_MORGAN_TABLE)
def test_krejcie_morgan_matches_the_published_table(population: int, sample: int) -> None:
    assert krejcie_morgan(population) == sample
    exact = 3.841 * population * 0.25 / (0.05**2 * (population - 1) + 3.841 * 0.25)
    assert abs(exact - sample) < 0.5


def test_krejcie_morgan_for_100000_follows_the_formula_not_the_table() -> None:
    # The 1970 table prints 384 for N = 100 000, but the formula gives 382.63 → 383; the spec fixes the formula.
    assert krejcie_morgan(100_000) == 383


def test_krejcie_morgan_of_a_population_of_one_is_one() -> None:
    assert krejcie_morgan(1) == 1


@pytest.mark.parametrize("population", [0, -5, 10.0, True])
def test_krejcie_morgan_rejects_invalid_populations(population: object) -> None:
    with pytest.raises(InvalidParameter):
        krejcie_morgan(population)  # type: ignore[arg-type]


def test_sample_adequacy_reports_population_minimum_and_verdict() -> None:
    assert sample_adequacy(1000, 278).adequate
    result = sample_adequacy(1000, 277)
    assert (result.population, result.minimum_sample, result.sample, result.adequate) == (1000, 278, 277, False)


# --- the unit report ------------------------------------------------------------------------------------------


def test_skm_summary_of_the_worked_example() -> None:
    summary = skm_summary(WORKED_EXAMPLE, population=1000)
    assert summary.n == 120
    assert summary.ikm == Decimal("83.91")
    assert summary.grade == Grade("B", "Baik")
    assert summary.nrr["U1"] == Decimal("3.350")
    assert summary.nrr["U3"] == Decimal("3.133")
    assert summary.unsur_index["U4"] == Decimal("97.92")
    assert summary.weakest == ("U3",)
    assert summary.strongest == ("U4",)
    assert summary.sample is not None and not summary.sample.adequate
    assert summary.to_dict()["weights"]["U1"] == "1/9"


def test_skm_summary_uses_the_report_weight_convention() -> None:
    assert skm_summary(WORKED_EXAMPLE, "0.111").ikm == Decimal("83.83")
    assert skm_summary(WORKED_EXAMPLE, {"U4": 1}).weight_convention == "custom"


# --- properties -----------------------------------------------------------------------------------------------


@given(responses)
def test_ikm_lies_within_its_bounds(answered: list[dict[str, int]]) -> None:
    counts = tally(answered)
    assert Decimal("25.00") <= ikm(counts) <= Decimal("100.00")
    assert Decimal("24.98") <= ikm(counts, "0.111") <= Decimal("99.90")


@given(responses, st.randoms(use_true_random=False))
def test_ikm_does_not_depend_on_the_order_of_answers(answered: list[dict[str, int]], rng: object) -> None:
    shuffled = list(answered)
    rng.shuffle(shuffled)  # type: ignore[attr-defined]
    counts = tally(answered)
    codes = list(UNSUR)
    rng.shuffle(codes)  # type: ignore[attr-defined]
    assert ikm_unrounded(tally(shuffled)) == ikm_unrounded(counts)
    assert ikm({code: counts[code] for code in codes}) == ikm(counts)


@given(responses, st.data())
def test_ikm_rises_when_one_answer_improves(answered: list[dict[str, int]], data: st.DataObject) -> None:
    index = data.draw(st.integers(0, len(answered) - 1))
    improvable = [code for code in UNSUR if answered[index][code] < 4]
    if not improvable:
        return
    code = data.draw(st.sampled_from(improvable))
    better = [dict(r) for r in answered]
    better[index][code] += 1
    assert ikm_unrounded(tally(better)) > ikm_unrounded(tally(answered))
    assert ikm(tally(better)) >= ikm(tally(answered))


@given(responses)
def test_ikm_with_exact_weights_is_the_mean_per_response_score(answered: list[dict[str, int]]) -> None:
    mean_score = sum((response_score(r) for r in answered), Fraction(0)) / len(answered)
    assert ikm_unrounded(tally(answered)) == mean_score


# --- legacy rounding rules (spec §1.3; issue 14 item 3) ------------------------------------------------------------


@pytest.mark.parametrize(
    ("rounding", "weights", "expected"),
    [
        ("exact", "exact", "83.91"),
        ("exact", "0.111", "83.83"),
        ("nrr2", "exact", "83.92"),
        ("nrr2", "0.111", "83.83"),
        ("nrr3", "exact", "83.91"),
        ("nrr3", "0.111", "83.83"),
    ],
)
def test_the_rounding_rules_give_the_worked_examples_figures(rounding, weights, expected):
    assert ikm(WORKED_EXAMPLE, weights, rounding) == Decimal(expected)
    summary = skm_summary(WORKED_EXAMPLE, weights, rounding=rounding)
    assert summary.ikm == Decimal(expected) and summary.rounding == rounding
    assert summary.grade.mutu == "B"


def test_nrr2_weights_the_nrr_as_printed_with_two_decimals():
    from scoring import rounded_nrr

    # U2: 393 / 120 = 3.275 exactly; half up to 2 decimals is 3.28, to 3 decimals stays 3.275.
    assert rounded_nrr(WORKED_EXAMPLE["U2"], "nrr2") == Fraction("3.28")
    assert rounded_nrr(WORKED_EXAMPLE["U2"], "nrr3") == Fraction("3.275")
    summary = skm_summary(WORKED_EXAMPLE, rounding="nrr2")
    assert summary.nrr["U2"] == Decimal("3.280")
    manual = 25 * sum(Fraction(str(summary.nrr[code])) for code in UNSUR) / 9
    assert summary.ikm == Decimal(str(round(manual * 100) / 100)).quantize(Decimal("0.01"))


def test_an_unknown_rounding_rule_is_refused_with_the_known_ones_named():
    with pytest.raises(InvalidParameter, match="exact, nrr2, nrr3"):
        ikm(WORKED_EXAMPLE, "exact", "nrr4")
    with pytest.raises(InvalidParameter, match="skm_rounding"):
        ScoringParameters(skm_rounding="bulat")
    assert ScoringParameters.from_dict(ScoringParameters(skm_rounding="nrr3").to_dict()).skm_rounding == "nrr3"
