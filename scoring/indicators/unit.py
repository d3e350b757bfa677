"""A unit's official IKM for a period with its SKM summary and sample check (spec §1.3–§1.5)."""

from __future__ import annotations

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from scoring._exact import jsonable
from scoring.indicators.explanation import Explanation, IndicatorStatus, _explain
from scoring.inputs import SatisfactionStats
from scoring.parameters import DEFAULT_PARAMETERS, ScoringParameters
from scoring.skm import SkmSummary, skm_summary

__all__ = [
    "UnitIkmIndicator",
    "unit_ikm_indicator",
]


@dataclass(frozen=True, slots=True)
class UnitIkmIndicator:
    """A unit's official IKM for a period with its SKM summary, under the unit's weight convention (spec §1.3–§1.5).

    Unlike an employee's ikm this is the regulation's figure: it is shown whenever there is at least one valid
    response, with the Krejcie–Morgan sample check beside it when the number of service users is known.
    """

    code: str
    status: IndicatorStatus
    n: int
    value: Decimal | None
    summary: SkmSummary | None
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, including the SKM summary and the explanation.

        >>> unit_ikm_indicator(None).to_dict()["summary"] is None
        True
        """
        return {
            "code": self.code,
            "status": self.status.value,
            "n": self.n,
            "value": jsonable(self.value),
            "summary": None if self.summary is None else self.summary.to_dict(),
            "explanation": self.explanation.to_dict(),
        }


def unit_ikm_indicator(
    stats: SatisfactionStats | None,
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
    population: int | None = None,
) -> UnitIkmIndicator:
    """The unit's IKM, mutu and sample adequacy from all its valid responses (spec §1.3–§1.5, §2.1).

    ``population`` is the number of service users in the period (e.g. finished tickets), if known.

    >>> from scoring.skm import UNSUR
    >>> stats = SatisfactionStats.from_responses([{u: 4 for u in UNSUR}] * 3 + [{u: 3 for u in UNSUR}])
    >>> i = unit_ikm_indicator(stats, ScoringParameters(weight_convention="0.111"), population=10)
    >>> i.value, i.summary.grade.mutu, i.summary.sample.adequate, i.status.value
    (Decimal('93.66'), 'A', False, 'ok')
    >>> unit_ikm_indicator(SatisfactionStats.from_responses([])).status.value
    'not_available'
    """
    weights = parameters.weight_convention
    params: dict[str, object] = {
        "weight_convention": weights if isinstance(weights, str) else "custom",
        "skm_rounding": parameters.skm_rounding,
    }
    expression = "IKM = 25 × Σ wᵢ·NRRᵢ, NRRᵢ = Σ answers to unsur i ÷ n; rounded half up to 2 decimals"
    if parameters.skm_rounding != "exact":
        expression += f"; each NRRᵢ first rounded half up to {parameters.skm_rounding[-1]} decimals"
    if stats is None or stats.n == 0:
        explanation = _explain(
            "§1.3",
            "skm_ikm",
            expression,
            {"n": 0 if stats is None else stats.n},
            params,
            ["No valid survey responses for this period: not available."],
        )
        return UnitIkmIndicator("ikm", IndicatorStatus.NOT_AVAILABLE, 0, None, None, explanation)
    summary = skm_summary(stats.counts, weights, population, parameters.skm_rounding)
    params["weights"] = summary.weights
    notes = [f"Mutu {summary.grade.mutu} ({summary.grade.kinerja})."]
    if summary.sample is None:
        notes.append("The number of service users is not known, so the sample size is not checked.")
    elif not summary.sample.adequate:
        notes.append(
            f"Sample below the Krejcie–Morgan minimum: {summary.sample.sample} of {summary.sample.minimum_sample} "
            f"responses for {summary.sample.population} service users."
        )
    inputs: dict[str, object] = {"n": stats.n, "counts": stats.counts, "population": population}
    explanation = _explain("§1.3", "skm_ikm", expression, inputs, params, notes)
    return UnitIkmIndicator("ikm", IndicatorStatus.OK, stats.n, summary.ikm, summary, explanation)
