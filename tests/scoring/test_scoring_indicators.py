"""Per-employee indicators and their explanations (spec §2.2–§2.4, §6)."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import (
    IKP_UNSUR,
    UNSUR,
    ComplaintStats,
    IndicatorStatus,
    InvalidParameter,
    InvalidStatistics,
    SatisfactionStats,
    ScoringParameters,
    ServiceTimeStats,
    complaint_indicators,
    ikm_indicator,
    ikm_unrounded,
    ikp_indicator,
    round_half_up,
    satisfaction_indicator,
    service_time_indicators,
    t_interval,
)


def response(default: int, **answers: int) -> dict[str, int]:
    return {code: answers.get(code, default) for code in UNSUR}


# An employee whose own work (U3, U6, U7) is rated 4 but fees, facilities etc. are rated 1.
STAFF_GOOD = response(1, U3=4, U6=4, U7=4)
UNIT = SatisfactionStats.from_responses([response(3)] * 60 + [response(4)] * 20 + [STAFF_GOOD] * 20)


def test_ikp_uses_only_u3_u6_u7_with_weights_of_one_third() -> None:
    mine = SatisfactionStats.from_responses([STAFF_GOOD] * 40)
    assert ikp_indicator(mine, UNIT).raw == Decimal("100.00")
    assert ikm_indicator(mine, UNIT).raw == Decimal("50.00")  # 25 × (3·4 + 6·1)/9
    explanation = ikp_indicator(mine, UNIT).to_dict()["explanation"]
    assert explanation["parameters"]["weights"] == {"U3": "1/3", "U6": "1/3", "U7": "1/3"}
    assert set(explanation["inputs"]["counts"]) == {"U3", "U6", "U7"}


def test_ikp_weights_stay_one_third_whatever_the_unit_report_convention() -> None:
    mine = SatisfactionStats.from_responses([STAFF_GOOD] * 40)
    legacy = ScoringParameters(weight_convention="0.111")
    assert ikp_indicator(mine, UNIT, legacy).raw == Decimal("100.00")
    assert ikm_indicator(SatisfactionStats.from_responses([response(4)] * 30), None, legacy).raw == Decimal("100.00")


def test_published_ikp_with_interval_and_shrunk_estimate() -> None:
    answered = [response(3)] * 20 + [response(4)] * 10 + [response(2, U3=2, U6=3, U7=2)] * 5
    mine = SatisfactionStats.from_responses(answered)
    result = ikp_indicator(mine, UNIT)
    assert result.status is IndicatorStatus.OK and result.published
    assert result.n == 35
    raw = Fraction(25, 3) * Fraction(20 * 9 + 10 * 12 + 5 * 7, 35)
    unit = Fraction(25, 3) * Fraction(60 * 9 + 20 * 12 + 20 * 12, 100)
    assert result.raw == round_half_up(raw)
    assert result.unit_figure == round_half_up(unit) == Decimal("85.00")
    assert result.shrunk == round_half_up((35 * raw + 20 * unit) / 55)
    scores = [Fraction(25, 3) * sum(r[c] for c in ("U3", "U6", "U7")) for r in answered]
    expected_interval = t_interval(35, sum(scores), sum(s * s for s in scores))
    assert result.interval == expected_interval
    assert result.interval is not None and result.interval.low < result.raw < result.interval.high


def test_below_the_threshold_the_figure_is_computed_but_not_published() -> None:
    mine = SatisfactionStats.from_responses([response(2)] * 5)
    result = ikp_indicator(mine, UNIT)
    assert result.status is IndicatorStatus.INSUFFICIENT_DATA and not result.published
    assert result.raw == Decimal("50.00")
    assert result.shrunk == round_half_up((5 * Fraction(50) + 20 * Fraction(85)) / 25) == Decimal("78.00")
    assert any("Data belum cukup: 5 valid responses, 30 needed" in note for note in result.explanation.notes)


def test_the_threshold_and_k_are_parameters() -> None:
    mine = SatisfactionStats.from_responses([response(2)] * 5)
    result = ikp_indicator(mine, UNIT, ScoringParameters(publication_threshold=5, shrinkage_k=0))
    assert result.published
    assert result.shrunk == result.raw == Decimal("50.00")
    assert result.to_dict()["explanation"]["parameters"]["shrinkage_k"] == 0


def test_exactly_at_the_threshold_is_published() -> None:
    assert ikp_indicator(SatisfactionStats.from_responses([response(3)] * 30), UNIT).published
    assert not ikp_indicator(SatisfactionStats.from_responses([response(3)] * 29), UNIT).published


def test_a_missing_survey_source_is_not_available_never_zero() -> None:
    result = ikp_indicator(None, UNIT)
    assert result.status is IndicatorStatus.NOT_AVAILABLE
    assert (result.raw, result.shrunk, result.interval) == (None, None, None)
    assert result.to_dict()["raw"] is None


def test_an_employee_without_responses_has_no_values() -> None:
    result = ikm_indicator(SatisfactionStats.from_responses([]), UNIT)
    assert result.status is IndicatorStatus.INSUFFICIENT_DATA
    assert (result.raw, result.shrunk, result.interval) == (None, None, None)
    assert result.unit_figure is not None


def test_one_response_has_no_interval() -> None:
    result = ikm_indicator(SatisfactionStats.from_responses([response(4)]), UNIT)
    assert result.interval is None and result.raw == Decimal("100.00")
    assert any("at least 2 responses" in note for note in result.explanation.notes)


def test_without_a_unit_figure_there_is_no_shrunk_estimate() -> None:
    result = ikm_indicator(SatisfactionStats.from_responses([response(4)] * 30), None)
    assert result.raw == Decimal("100.00") and result.shrunk is None and result.unit_figure is None


def test_ikp_unsur_of_stats_and_parameters_must_agree() -> None:
    other = SatisfactionStats.from_responses([response(4)] * 3, ikp_unsur=("U3", "U7"))
    with pytest.raises(InvalidStatistics, match="summed over U3, U7"):
        ikp_indicator(other, UNIT)
    assert ikp_indicator(other, None, ScoringParameters(ikp_unsur=("U3", "U7"))).raw == Decimal("100.00")
    with pytest.raises(InvalidParameter):
        satisfaction_indicator("ikx", other)  # type: ignore[arg-type]


def test_the_explanation_is_json_safe_and_complete() -> None:
    mine = SatisfactionStats.from_responses([response(3)] * 31)
    data = ikm_indicator(mine, UNIT).to_dict()
    assert json.loads(json.dumps(data)) == data
    assert data["raw"] == "75.00" and data["published"] is True
    explanation = data["explanation"]
    assert explanation["spec"] == "§2.2"
    assert explanation["formula"] == "ikm_shrunk_t_interval"
    assert explanation["inputs"]["n"] == 31
    assert explanation["inputs"]["raw_sum"] == 31 * 27
    assert explanation["inputs"]["counts"]["U1"] == [0, 0, 31, 0]
    assert explanation["parameters"]["publication_threshold"] == 30
    assert explanation["parameters"]["confidence"] == "0.95"


responses = st.lists(st.fixed_dictionaries({code: st.integers(1, 4) for code in UNSUR}), min_size=1, max_size=40)


@given(responses, responses, st.integers(0, 60))
def test_shrunk_figure_lies_between_raw_and_unit_and_interval_holds_the_raw_value(
    mine: list[dict[str, int]], others: list[dict[str, int]], k: int
) -> None:
    own = SatisfactionStats.from_responses(mine)
    unit = SatisfactionStats.from_responses(mine + others)
    for code in ("ikm", "ikp"):
        result = satisfaction_indicator(code, own, unit, ScoringParameters(shrinkage_k=k))  # type: ignore[arg-type]
        assert result.raw is not None and result.shrunk is not None and result.unit_figure is not None
        assert min(result.raw, result.unit_figure) <= result.shrunk <= max(result.raw, result.unit_figure)
        assert Decimal(25) <= result.raw <= Decimal(100)
        if result.interval is not None:
            assert result.interval.mean == result.raw
            assert result.interval.low <= result.raw <= result.interval.high


SERVICE = ServiceTimeStats(
    tickets_issued=50,
    tickets_finished=44,
    tickets_no_show=5,
    tickets_returned=3,
    tickets_on_time=33,
    wait_n=49,
    wait_p50_seconds=420,
    wait_p90_seconds=1230,
    service_n=44,
    service_p50_seconds=510,
    service_p90_seconds=1445,
    working_days=5,
    working_day_rule="finished_ticket",
)


def test_service_time_indicators() -> None:
    result = service_time_indicators(SERVICE)
    assert result.wait_median_minutes.value == Decimal("7.00")
    assert result.wait_p90_minutes.value == Decimal("20.50")
    assert result.service_median_minutes.value == Decimal("8.50")
    assert result.service_p90_minutes.value == Decimal("24.08")
    assert result.on_time_rate.value == Decimal("75.00")
    assert result.tickets_per_working_day.value == Decimal("8.80")
    assert result.no_show_rate.value == Decimal("10.00")
    assert result.error_rate.value == Decimal("6.82")
    assert result.wait_median_minutes.n == 49 and result.on_time_rate.n == 44


def test_tickets_per_working_day_says_which_rule_counted_the_days() -> None:
    explanation = service_time_indicators(SERVICE).tickets_per_working_day.explanation
    assert explanation.parameters["working_day_rule"] == "finished_ticket"
    assert any("at least one finished ticket" in note for note in explanation.notes)
    rostered = ServiceTimeStats(**{**SERVICE.to_dict(), "working_day_rule": "sign_in_or_roster"})  # type: ignore[arg-type]
    notes = service_time_indicators(rostered).tickets_per_working_day.explanation.notes
    assert any("signed in to a counter or rostered" in note for note in notes)


def test_missing_tickets_are_not_available_never_zero() -> None:
    result = service_time_indicators(None).to_dict()
    assert {entry["status"] for entry in result.values()} == {"not_available"}
    assert {entry["value"] for entry in result.values()} == {None}


def test_rates_without_a_denominator_are_not_available() -> None:
    idle = ServiceTimeStats(3, 0, 3, 0, 0, 0, None, None, 0, None, None, 2, "sign_in_or_roster")
    result = service_time_indicators(idle)
    assert result.no_show_rate.value == Decimal("100.00")
    assert result.tickets_per_working_day.value == Decimal("0.00")  # a real zero: rostered days, nothing finished
    for indicator in (result.on_time_rate, result.error_rate, result.wait_median_minutes, result.service_p90_minutes):
        assert indicator.status is IndicatorStatus.NOT_AVAILABLE and indicator.value is None


def test_complaint_indicators() -> None:
    result = complaint_indicators(ComplaintStats(7, 6, 4, 13 * 3600 + 1800))
    assert result.first_response_median_hours.value == Decimal("13.50")
    assert result.answered_within_3_working_days_rate.value == Decimal("57.14")
    assert result.answered_within_3_working_days_rate.n == 7


def test_missing_complaints_are_not_available() -> None:
    for stats in (None, ComplaintStats(0, 0, 0, None)):
        result = complaint_indicators(stats)
        assert result.first_response_median_hours.status is IndicatorStatus.NOT_AVAILABLE
        assert result.answered_within_3_working_days_rate.value is None


def test_unanswered_complaints_count_as_late() -> None:
    result = complaint_indicators(ComplaintStats(4, 0, 0, None))
    assert result.answered_within_3_working_days_rate.value == Decimal("0.00")
    assert result.first_response_median_hours.status is IndicatorStatus.NOT_AVAILABLE


def test_every_indicator_group_is_json_safe_with_its_parameters() -> None:
    mine = SatisfactionStats.from_responses([response(3)] * 30)
    parameters = ScoringParameters(shrinkage_k=10)
    ikp = ikp_indicator(mine, UNIT, parameters).to_dict()
    service = service_time_indicators(SERVICE, parameters).to_dict()
    complaints = complaint_indicators(None).to_dict()
    for data in (ikp, service, complaints):
        assert json.loads(json.dumps(data)) == data
    assert ikp["published"] is True and ikp["explanation"]["parameters"]["shrinkage_k"] == 10
    assert service["on_time_rate"]["value"] == "75.00"
    assert complaints["first_response_median_hours"]["status"] == "not_available"


@given(responses, st.sampled_from([IKP_UNSUR, ("U3", "U7"), ("U1",), UNSUR]))
def test_the_index_equals_the_nrr_formula_with_equal_weights(
    answers: list[dict[str, int]], ikp_unsur: tuple[str, ...]
) -> None:
    """ikm and ikp are computed as the mean per-response score; that must be 25 × Σ (1/m)·NRRᵢ (spec §1.3, §2.2)."""
    stats = SatisfactionStats.from_responses(answers, ikp_unsur=ikp_unsur)
    parameters = ScoringParameters(ikp_unsur=ikp_unsur)
    for code, unsur in (("ikm", UNSUR), ("ikp", ikp_unsur)):
        result = satisfaction_indicator(code, stats, stats, parameters)  # type: ignore[arg-type]
        expected = ikm_unrounded({u: stats.counts[u] for u in unsur}, {u: Fraction(1, len(unsur)) for u in unsur})
        assert result.explanation.inputs["value_exact"] == expected
        assert result.raw == round_half_up(expected) and result.unit_figure == result.raw
