"""The service-mix–adjusted ikp is exact, explained and removes the mix (issue 15)."""

from __future__ import annotations

from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import (
    IKP_UNSUR,
    UNSUR,
    InvalidStatistics,
    SatisfactionStats,
    ServiceMixStats,
    ikp_adjusted_indicator,
    ikp_indicator,
)

Answer = tuple[int, int, int, str]
answers = st.lists(
    st.tuples(st.integers(1, 4), st.integers(1, 4), st.integers(1, 4), st.sampled_from(["ktp", "akta", "kk"])),
    min_size=1,
    max_size=40,
)


def stats(rows: list[Answer]) -> SatisfactionStats:
    return SatisfactionStats.from_responses(
        [{**dict.fromkeys(UNSUR, 3), "U3": a, "U6": b, "U7": c} for a, b, c, _ in rows]
    )


def mix(rows: list[Answer]) -> ServiceMixStats:
    strata: dict[str, list[int]] = {}
    for a, b, c, kind in rows:
        cell = strata.setdefault(kind, [0, 0])
        cell[0] += 1
        cell[1] += a + b + c
    return ServiceMixStats({k: (w, r) for k, (w, r) in strata.items()})


@given(answers, answers)
def test_the_employees_weighted_adjusted_means_add_up_to_the_unit_mean_exactly(mine: list, theirs: list) -> None:
    unit = mine + theirs
    adjusted = [
        ikp_adjusted_indicator(stats(part), mix(part), stats(unit), mix(unit)).explanation.inputs["value_exact"]
        for part in (mine, theirs)
    ]
    unit_figure = ikp_indicator(stats(unit), stats(unit)).explanation.inputs["value_exact"]
    assert isinstance(adjusted[0], Fraction)
    assert (len(mine) * adjusted[0] + len(theirs) * adjusted[1]) / len(unit) == unit_figure


@given(answers)
def test_with_one_service_type_the_adjusted_ikp_is_the_ikp(rows: list) -> None:
    rows = [(a, b, c, "ktp") for a, b, c, _ in rows]
    plain = ikp_indicator(stats(rows), stats(rows + rows))
    adjusted = ikp_adjusted_indicator(stats(rows), mix(rows), stats(rows + rows), mix(rows + rows))
    assert (adjusted.raw, adjusted.shrunk, adjusted.interval) == (plain.raw, plain.shrunk, plain.interval)


@given(answers, answers)
def test_the_result_does_not_depend_on_the_order_of_answers(mine: list, theirs: list) -> None:
    unit = mine + theirs
    one = ikp_adjusted_indicator(stats(mine), mix(mine), stats(unit), mix(unit))
    other = ikp_adjusted_indicator(stats(mine[::-1]), mix(mine[::-1]), stats(unit[::-1]), mix(unit[::-1]))
    assert one.to_dict() == other.to_dict()


def test_an_employee_on_the_hard_cases_is_not_punished_for_them() -> None:
    easy, hard = [(4, 4, 4, "ktp")] * 20, [(2, 2, 2, "akta")] * 20
    mine = [(2, 2, 2, "akta")] * 10 + [(3, 3, 3, "akta")] * 5  # above the unit's level on akta
    unit = easy + hard + mine
    plain = ikp_indicator(stats(mine), stats(unit))
    adjusted = ikp_adjusted_indicator(stats(mine), mix(mine), stats(unit), mix(unit))
    assert plain.raw < plain.unit_figure < adjusted.raw
    explanation = adjusted.to_dict()["explanation"]
    assert explanation["formula"] == "ikp_service_mix_adjusted"
    assert set(explanation["inputs"]["unit_mean_by_service_type"]) == {"akta", "ktp"}


def test_a_split_answer_has_exact_fractional_weights_and_a_mix_must_match_its_statistics() -> None:
    rows = [(3, 3, 3, "ktp"), (4, 4, 4, "akta")]
    # the second answer had no known type and was split half and half over the counter's mix
    split = ServiceMixStats({"ktp": (Fraction(3, 2), Fraction(15)), "akta": (Fraction(1, 2), Fraction(6))})
    assert ikp_adjusted_indicator(stats(rows), split, stats(rows), split).raw is not None
    with pytest.raises(InvalidStatistics, match="same answers"):
        ikp_adjusted_indicator(stats(rows), mix(rows[:1]), stats(rows), mix(rows))
    assert ikp_adjusted_indicator(None, None, stats(rows), mix(rows)).status.value == "not_available"
    assert IKP_UNSUR == ("U3", "U6", "U7")
