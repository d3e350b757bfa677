"""Sufficient statistics: how data enters scoring, and the consistency checks that catch SQL bugs (spec §6)."""

from __future__ import annotations

import dataclasses
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import UNSUR, ComplaintStats, InvalidStatistics, SatisfactionStats, ServiceTimeStats

ALL_FOUR = {code: 4 for code in UNSUR}
ALL_THREE = {code: 3 for code in UNSUR}
MIXED = {**ALL_THREE, "U3": 1, "U6": 2, "U7": 4}


def test_from_responses_sums_the_raw_per_response_scores() -> None:
    stats = SatisfactionStats.from_responses([ALL_FOUR, MIXED])
    assert stats.n == 2
    assert stats.counts["U3"] == (1, 0, 0, 1)
    assert stats.counts["U1"] == (0, 0, 1, 1)
    assert (stats.ikm_raw_sum, stats.ikm_raw_sum_sq) == (36 + 25, 36**2 + 25**2)
    assert (stats.ikp_raw_sum, stats.ikp_raw_sum_sq) == (12 + 7, 12**2 + 7**2)
    assert stats.ikp_unsur == ("U3", "U6", "U7")


def test_from_count_rows_fills_absent_pairs_with_zero_and_matches_from_responses() -> None:
    rows = [(code, 4, 1) for code in UNSUR if code != "U7"] + [("U7", 4, 2)]
    rows += [(code, 3, 1) for code in UNSUR if code not in ("U3", "U6", "U7")] + [("U3", 1, 1), ("U6", 2, 1)]
    built = SatisfactionStats.from_count_rows(2, rows, 61, 1921, 19, 193)
    assert built == SatisfactionStats.from_responses([ALL_FOUR, MIXED])
    assert built.counts["U7"] == (0, 0, 0, 2)


@pytest.mark.parametrize(
    ("rows", "message"),
    [
        ([("U1", 4, 1), ("U1", 4, 1)], "twice"),
        ([("U0", 4, 1)], "Unknown unsur"),
        ([("U1", 5, 1)], "answers are 1 to 4"),
        ([("U1", 4.0, 1)], "answers are 1 to 4"),
        ([("U1", 4, -1)], "at least 0"),
    ],
)
def test_from_count_rows_rejects_bad_rows(rows: list[tuple[str, int, int]], message: str) -> None:
    with pytest.raises(InvalidStatistics, match=message):
        SatisfactionStats.from_count_rows(1, rows, 36, 1296, 12, 144)


def _stats(**changes: Any) -> SatisfactionStats:
    base = SatisfactionStats.from_responses([ALL_FOUR, MIXED, ALL_THREE])
    values = {f.name: getattr(base, f.name) for f in dataclasses.fields(base)}
    values["counts"] = dict(base.counts)
    values.update(changes)
    return SatisfactionStats(**values)


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"n": 4}, "add up to 3, but n = 4"),
        ({"counts": {code: (0, 0, 1, 2) for code in UNSUR[:8]}}, "missing U9"),
        ({"counts": {**{code: (0, 0, 1, 2) for code in UNSUR}, "U10": (0, 0, 0, 3)}}, "unknown U10"),
        ({"ikm_raw_sum": 89}, "ikm_raw_sum = 89"),
        ({"ikp_raw_sum": 27}, "ikp_raw_sum = 27"),
        ({"ikm_raw_sum_sq": 2000}, "impossible"),  # below (Σr)²/n
        ({"ikp_raw_sum_sq": 400}, "impossible"),  # above what answers of 1–4 allow
        ({"n": True}, "whole number"),
        ({"ikp_unsur": ("U3", "U3")}, "distinct"),
        ({"ikp_unsur": ("U3", "U6", "U7", "U8")}, "ikp_raw_sum"),
    ],
)
def test_inconsistent_satisfaction_stats_are_rejected(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidStatistics, match=message):
        _stats(**changes)


def test_empty_satisfaction_stats_are_allowed_but_must_be_all_zero() -> None:
    empty = SatisfactionStats.from_responses([])
    assert empty.n == 0 and empty.counts["U5"] == (0, 0, 0, 0)
    with pytest.raises(InvalidStatistics, match="n = 0"):
        SatisfactionStats(0, empty.counts, 0, 0, 0, 1)


def test_satisfaction_stats_are_immutable_and_hashable() -> None:
    stats = SatisfactionStats.from_responses([ALL_FOUR])
    with pytest.raises(dataclasses.FrozenInstanceError):
        stats.n = 2  # type: ignore[misc]
    with pytest.raises(TypeError):
        stats.counts["U1"] = (0, 0, 0, 0)  # type: ignore[index]
    assert hash(stats) == hash(SatisfactionStats.from_responses([ALL_FOUR]))


@given(st.lists(st.fixed_dictionaries({code: st.integers(1, 4) for code in UNSUR}), max_size=50))
def test_statistics_of_real_responses_always_pass_the_checks(responses: list[dict[str, int]]) -> None:
    stats = SatisfactionStats.from_responses(responses)
    rows = [(code, answer + 1, count) for code, c in stats.counts.items() for answer, count in enumerate(c) if count]
    rebuilt = SatisfactionStats.from_count_rows(
        stats.n, rows, stats.ikm_raw_sum, stats.ikm_raw_sum_sq, stats.ikp_raw_sum, stats.ikp_raw_sum_sq
    )
    assert rebuilt == stats


SERVICE = dict(
    tickets_issued=40,
    tickets_finished=36,
    tickets_no_show=4,
    tickets_returned=2,
    tickets_on_time=30,
    wait_n=40,
    wait_p50_seconds=300,
    wait_p90_seconds=720,
    service_n=36,
    service_p50_seconds=600,
    service_p90_seconds=1500,
    working_days=4,
    working_day_rule="sign_in_or_roster",
)


def test_service_time_stats_accept_consistent_counts() -> None:
    stats = ServiceTimeStats(**SERVICE)  # type: ignore[arg-type]
    assert stats.to_dict()["working_day_rule"] == "sign_in_or_roster"


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"tickets_no_show": 5}, "exceed tickets_issued"),
        ({"tickets_on_time": 37}, "tickets_on_time"),
        ({"tickets_returned": 37}, "tickets_returned"),
        ({"service_n": 37}, "service_n"),
        ({"wait_n": 41}, "wait_n"),
        ({"wait_p50_seconds": 800}, "must not exceed wait_p90_seconds"),
        ({"wait_p90_seconds": None}, "are needed"),
        ({"service_n": 0}, "must be None"),
        ({"wait_p50_seconds": -1}, "at least 0"),
        ({"working_day_rule": "finished_tickets"}, "working_day_rule"),
        ({"working_days": 0, "working_day_rule": "finished_ticket"}, "finished_ticket rule"),
        ({"tickets_issued": 40.0}, "whole number"),
    ],
)
def test_inconsistent_service_time_stats_are_rejected(changes: dict[str, Any], message: str) -> None:
    with pytest.raises(InvalidStatistics, match=message):
        ServiceTimeStats(**{**SERVICE, **changes})  # type: ignore[arg-type]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        ((3, 4, 0, 60), "answered \\(4\\) must not exceed complaints"),
        ((5, 3, 4, 60), "must not exceed answered"),
        ((5, 3, 2, None), "is needed"),
        ((5, 0, 0, 60), "must be None"),
        ((5, 1, 1, -60), "at least 0"),
    ],
)
def test_inconsistent_complaint_stats_are_rejected(args: tuple[Any, ...], message: str) -> None:
    with pytest.raises(InvalidStatistics, match=message):
        ComplaintStats(*args)
