"""Scoring parameters: spec defaults and storage with a run (spec §1.3, §2.2, §2.3, §3)."""

from __future__ import annotations

import json
from decimal import Decimal
from fractions import Fraction
from typing import Any

import pytest

from scoring import DEFAULT_PARAMETERS, InvalidParameter, ScoringParameters


def test_defaults_are_the_spec_values() -> None:
    p = DEFAULT_PARAMETERS
    assert p.shrinkage_k == 20
    assert p.publication_threshold == 30
    assert p.confidence == Decimal("0.95")
    assert p.weight_convention == "exact"
    assert p.ikp_unsur == ("U3", "U6", "U7")
    assert p.capaian_thresholds == (Decimal(110), Decimal(90))
    assert p.capaian_cap == Decimal(150)
    assert p.on_time_rule == "finished_minus_issued_within_counter_standard"


def test_round_trip_through_json() -> None:
    for p in (
        DEFAULT_PARAMETERS,
        ScoringParameters(
            shrinkage_k=5,
            publication_threshold=12,
            confidence=Decimal("0.9"),
            capaian_thresholds=(Decimal("112.5"), Decimal(95)),
        ),
        ScoringParameters(weight_convention={"U3": "1/3", "U6": "1/3", "U7": Fraction(1, 3)}),
        ScoringParameters(weight_convention="0.111", ikp_unsur=["U6", "U7"]),  # type: ignore[arg-type]
        ScoringParameters(on_time_rule="service_within_counter_standard"),
    ):
        stored = json.loads(json.dumps(p.to_dict()))
        assert ScoringParameters.from_dict(stored) == p


def test_numbers_given_as_text_are_read_as_decimals() -> None:
    p = ScoringParameters(confidence="0.9", capaian_thresholds=("112.5", 95), capaian_cap="140")  # type: ignore[arg-type]
    assert (p.confidence, p.capaian_thresholds, p.capaian_cap) == (
        Decimal("0.9"),
        (Decimal("112.5"), Decimal(95)),
        Decimal(140),
    )


def test_stored_form_is_plain() -> None:
    stored = ScoringParameters(weight_convention={"U1": "0.5", "U2": "1/2"}).to_dict()
    assert stored["weight_convention"] == {"U1": "1/2", "U2": "1/2"}
    assert stored["version"] == 1
    assert ScoringParameters.from_dict({}) == DEFAULT_PARAMETERS


@pytest.mark.parametrize(
    "changes",
    [
        {"shrinkage_k": -1},
        {"shrinkage_k": 2.5},
        {"publication_threshold": 0},
        {"confidence": "1"},
        {"confidence": 0.95},
        {"weight_convention": {"U1": "0.5"}},
        {"weight_convention": "legacy"},
        {"ikp_unsur": ()},
        {"ikp_unsur": ("U3", "U11")},
        {"ikp_unsur": "U3"},
        {"on_time_rule": "started_minus_issued"},
        {"capaian_thresholds": (90, 110)},
        {"capaian_thresholds": (110,)},
        {"capaian_thresholds": ("1/3", 0)},
        {"capaian_cap": 0},
    ],
)
def test_invalid_parameters_are_rejected(changes: dict[str, Any]) -> None:
    with pytest.raises(InvalidParameter):
        ScoringParameters(**changes)


@pytest.mark.parametrize(
    ("data", "message"),
    [({"version": 2}, "version 2"), ({"k": 20}, "Unknown scoring parameter"), ([], "must be a mapping")],
)
def test_from_dict_refuses_what_it_cannot_read(data: Any, message: str) -> None:
    with pytest.raises(InvalidParameter, match=message):
        ScoringParameters.from_dict(data)
