"""What every indicator carries: its status, its explanation, and the plain valued :class:`Indicator` (spec §2, §6).

An :class:`Explanation` records how a figure was computed (spec section, formula, inputs, parameters, notes) so a
stored run can say "how was my score computed" without recomputing. The service-time and complaint sections build
their figures with :func:`_indicator`; a missing source gives :data:`IndicatorStatus.NOT_AVAILABLE`, never zero.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from types import MappingProxyType
from typing import Any

from scoring._exact import jsonable, round_ratio

__all__ = [
    "Explanation",
    "Indicator",
    "IndicatorStatus",
]


class IndicatorStatus(StrEnum):
    """Whether an indicator can be shown (spec §2.2, §6)."""

    #: Computed and publishable.
    OK = "ok"
    #: Source present but too few responses to publish ("data belum cukup").
    INSUFFICIENT_DATA = "insufficient_data"
    #: No source, or nothing to compute from: show "not available", never zero.
    NOT_AVAILABLE = "not_available"


@dataclass(frozen=True, slots=True)
class Explanation:
    """How an indicator was computed: spec section, formula name and text, inputs, parameters, notes."""

    spec: str
    formula: str
    expression: str
    inputs: Mapping[str, object] = field(hash=False)
    parameters: Mapping[str, object] = field(hash=False)
    notes: tuple[str, ...] = ()

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values (Decimal and Fraction become strings).

        >>> Explanation("§2.3", "ratio", "a / b", {"a": Decimal("1.5")}, {}).to_dict()["inputs"]
        {'a': '1.5'}
        """
        return {
            "spec": self.spec,
            "formula": self.formula,
            "expression": self.expression,
            "inputs": jsonable(self.inputs),
            "parameters": jsonable(self.parameters),
            "notes": list(self.notes),
        }


def _explain(
    spec: str,
    formula: str,
    expression: str,
    inputs: Mapping[str, object],
    parameters: Mapping[str, object],
    notes: list[str],
) -> Explanation:
    return Explanation(
        spec, formula, expression, MappingProxyType(dict(inputs)), MappingProxyType(dict(parameters)), tuple(notes)
    )


@dataclass(frozen=True, slots=True)
class Indicator:
    """One service-time or complaint indicator: value (rounded half up to 2 decimals), unit, n and explanation."""

    code: str
    status: IndicatorStatus
    value: Decimal | None
    unit: str
    n: int
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, including the explanation.

        >>> from scoring.indicators import service_time_indicators
        >>> service_time_indicators(None).on_time_rate.to_dict()["value"] is None
        True
        """
        return {
            "code": self.code,
            "status": self.status.value,
            "value": jsonable(self.value),
            "unit": self.unit,
            "n": self.n,
            "explanation": self.explanation.to_dict(),
        }


def _ratio(numerator: int | None, denominator: int, scale: int = 1) -> Decimal | None:
    """numerator × scale / denominator rounded half up to 2 decimals, or None when there is nothing to divide."""
    if numerator is None or denominator == 0:
        return None
    return round_ratio(numerator * scale, denominator)


def _indicator(
    code: str,
    unit: str,
    spec: str,
    formula: str,
    expression: str,
    value: Decimal | None,
    n: int,
    inputs: Mapping[str, object],
    parameters: Mapping[str, object],
    missing_note: str,
    notes: tuple[str, ...] = (),
) -> Indicator:
    """An indicator with ``value`` (already rounded by :func:`_ratio`), or not available when ``value`` is None."""
    if value is None:
        explanation = _explain(spec, formula, expression, inputs, parameters, [missing_note, *notes])
        return Indicator(code, IndicatorStatus.NOT_AVAILABLE, None, unit, n, explanation)
    explanation = _explain(spec, formula, expression, inputs, parameters, list(notes))
    return Indicator(code, IndicatorStatus.OK, value, unit, n, explanation)


def _not_available(code: str, unit: str, spec: str, formula: str, expression: str, source: str) -> Indicator:
    note = f"No {source} for this period: not available."
    return _indicator(code, unit, spec, formula, expression, None, 0, {}, {}, note)
