"""The public API: re-exported, documented with the spec section and a doctest, frozen results (STYLE.md)."""

from __future__ import annotations

import dataclasses
import inspect
import json
from typing import Any

import pytest

import scoring


def test_all_lists_existing_names_without_duplicates() -> None:
    assert len(scoring.__all__) == len(set(scoring.__all__))
    missing = [name for name in scoring.__all__ if not hasattr(scoring, name)]
    assert missing == []


_FUNCTIONS = [name for name in scoring.__all__ if inspect.isfunction(getattr(scoring, name))]
_CLASSES = [
    name
    for name in scoring.__all__
    if inspect.isclass(getattr(scoring, name)) and dataclasses.is_dataclass(getattr(scoring, name))
]


def test_there_are_public_functions_and_dataclasses() -> None:
    assert {"ikm", "grade", "parse_period", "capaian", "t_critical"} <= set(_FUNCTIONS)
    assert {"SatisfactionStats", "Period", "ScoringParameters", "SatisfactionIndicator"} <= set(_CLASSES)


@pytest.mark.parametrize("name", _FUNCTIONS)
def test_public_function_has_summary_spec_section_and_example(name: str) -> None:
    doc = inspect.getdoc(getattr(scoring, name)) or ""
    summary = doc.splitlines()[0] if doc else ""
    assert summary.endswith("."), f"{name}: one-line summary"
    assert "spec §" in doc, f"{name}: cites the spec section"
    assert ">>>" in doc, f"{name}: has a doctest"


@pytest.mark.parametrize("name", _FUNCTIONS)
def test_public_function_is_fully_annotated(name: str) -> None:
    signature = inspect.signature(getattr(scoring, name))
    assert signature.return_annotation is not inspect.Signature.empty
    assert all(p.annotation is not inspect.Parameter.empty for p in signature.parameters.values())


@pytest.mark.parametrize("name", _CLASSES)
def test_public_dataclass_is_frozen_with_slots(name: str) -> None:
    cls = getattr(scoring, name)
    assert cls.__dataclass_params__.frozen
    assert "__slots__" in cls.__dict__


def test_every_error_is_a_scoring_error_and_a_value_error() -> None:
    for name in (
        "InvalidAnswer",
        "InvalidWeights",
        "InvalidTarget",
        "InvalidPeriod",
        "InvalidRating",
        "InvalidStatistics",
        "InvalidParameter",
    ):
        error = getattr(scoring, name)
        assert issubclass(error, scoring.ScoringError)
    assert issubclass(scoring.ScoringError, ValueError)


def test_to_dict_results_survive_json() -> None:
    stats = scoring.SatisfactionStats.from_responses([{u: 3 for u in scoring.UNSUR}] * 3)
    results: list[Any] = [
        scoring.ikm_indicator(stats, stats),
        scoring.service_time_indicators(None),
        scoring.skm_summary(stats.counts, population=50),
        scoring.distribution_check("Istimewa", {"Sangat Baik": 1, "Baik": 1}),
        scoring.parse_period("2026-Q4"),
        scoring.DEFAULT_PARAMETERS,
    ]
    for result in results:
        data = result.to_dict()
        assert json.loads(json.dumps(data)) == data
