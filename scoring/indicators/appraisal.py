"""Appraisal suggestions of a score run: hasil kerja, perilaku kerja, predikat and the distribution curve (spec §3).

Nothing here decides an appraisal: each result is a suggestion the supervisor confirms or overrides with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any

from scoring._exact import jsonable
from scoring.appraisal import (
    PREDIKAT_MATRIX,
    Predikat,
    Rating,
    average_capaian,
    capaian,
    distribution_check,
    suggest_hasil_kerja,
    suggest_perilaku,
)
from scoring.errors import InvalidRating, InvalidStatistics
from scoring.indicators.explanation import Explanation, IndicatorStatus, _explain
from scoring.inputs import AppraisalTarget, BehaviourRatings
from scoring.parameters import DEFAULT_PARAMETERS, ScoringParameters

__all__ = [
    "AppraisalIndicator",
    "distribution_indicator",
    "hasil_kerja_indicator",
    "perilaku_indicator",
    "predikat_indicator",
]


@dataclass(frozen=True, slots=True)
class AppraisalIndicator:
    """A suggested rating hasil or perilaku kerja, a predikat, or the distribution check, explained (spec §3).

    ``result`` is the rating or predikat name (for the distribution check "passed" or "failed"); ``confirmed``
    the supervisor's own rating where one is recorded; ``value`` the average capaian for hasil kerja; ``detail``
    the structured working (capaian per target, the curve's rules). Nothing here decides an appraisal.
    """

    code: str
    status: IndicatorStatus
    result: str | None
    confirmed: str | None
    value: Decimal | None
    n: int
    detail: Mapping[str, object] = field(hash=False)
    explanation: Explanation

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, including the explanation.

        >>> hasil_kerja_indicator(None).to_dict()["status"]
        'not_available'
        """
        return {
            "code": self.code,
            "status": self.status.value,
            "result": self.result,
            "confirmed": self.confirmed,
            "value": jsonable(self.value),
            "n": self.n,
            "detail": jsonable(self.detail),
            "explanation": self.explanation.to_dict(),
        }


_SUGGESTION_NOTE = "A suggestion: the supervisor confirms or overrides it with a reason, and both are kept."


def _appraisal_missing(
    code: str,
    spec: str,
    formula: str,
    expression: str,
    note: str,
    parameters: Mapping[str, object] | None = None,
    n: int = 0,
) -> AppraisalIndicator:
    explanation = _explain(spec, formula, expression, {}, parameters or {}, [note])
    return AppraisalIndicator(
        code, IndicatorStatus.NOT_AVAILABLE, None, None, None, n, MappingProxyType({}), explanation
    )


def hasil_kerja_indicator(
    targets: Sequence[AppraisalTarget] | None,
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
) -> AppraisalIndicator:
    """Suggested rating hasil kerja from the capaian of the employee's realised SKP targets (spec §3).

    Targets without a realisation are listed but not scored; ``None`` (no targets entered) is not available.

    >>> i = hasil_kerja_indicator([AppraisalTarget("Berkas", Decimal(100), Decimal(120)),
    ...                            AppraisalTarget("Menit tunggu", Decimal(15), Decimal(12), lower_is_better=True),
    ...                            AppraisalTarget("Sosialisasi", Decimal(4), None)])
    >>> i.value, i.result, i.n, [t["capaian"] for t in i.detail["targets"]]
    (Decimal('120.00'), 'Di Atas Ekspektasi', 2, [Decimal('120.00'), Decimal('120.00'), None])
    """
    upper, lower = parameters.capaian_thresholds
    cap = parameters.capaian_cap
    params: dict[str, object] = {
        "capaian_thresholds": {"di_atas_from": upper, "sesuai_from": lower},
        "capaian_cap": cap,
    }
    expression = (
        "capaian = realisation ÷ target × 100 (lower is better: (2 − realisation ÷ target) × 100, floored at 0), "
        f"each capped at {cap}; average ≥ {upper} → Di Atas, ≥ {lower} → Sesuai, else Di Bawah"
    )
    if not targets:
        return _appraisal_missing(
            "hasil_kerja", "§3", "capaian_average", expression, "No SKP targets for this period: not available.", params
        )
    rows: list[dict[str, object]] = []
    scored: list[Decimal] = []
    for target in targets:
        if not isinstance(target, AppraisalTarget):
            raise InvalidStatistics(f"targets must be AppraisalTarget values; got {type(target).__name__}.")
        value = None
        if target.realisation is not None:
            value = capaian(target.realisation, target.target, target.lower_is_better, cap)
            scored.append(value)
        rows.append({**target.to_dict(), "capaian": value})
    detail = MappingProxyType({"targets": rows})
    if not scored:
        explanation = _explain(
            "§3",
            "capaian_average",
            expression,
            {"targets": len(rows)},
            params,
            ["No target has a realisation yet: not available."],
        )
        return AppraisalIndicator(
            "hasil_kerja", IndicatorStatus.NOT_AVAILABLE, None, None, None, 0, detail, explanation
        )
    average = average_capaian(scored)
    rating = suggest_hasil_kerja(scored, (upper, lower))
    notes = [_SUGGESTION_NOTE]
    if len(scored) < len(rows):
        notes.append(f"{len(rows) - len(scored)} target(s) without a realisation are not scored yet.")
    inputs = {"capaian": scored, "average_capaian": average}
    explanation = _explain("§3", "capaian_average", expression, inputs, params, notes)
    return AppraisalIndicator(
        "hasil_kerja", IndicatorStatus.OK, rating.value, None, average, len(scored), detail, explanation
    )


def perilaku_indicator(ratings: BehaviourRatings | None) -> AppraisalIndicator:
    """Suggested rating perilaku kerja: the median of the seven BerAKHLAK ratings, beside the supervisor's (spec §3).

    ``result`` is the suggested median; ``confirmed`` the supervisor's overall rating when recorded.

    >>> from scoring.appraisal import BERAKHLAK
    >>> i = perilaku_indicator(BehaviourRatings(dict(zip(BERAKHLAK, ["Di Atas"] * 3 + ["Sesuai"] * 4))))
    >>> i.result, i.confirmed, i.status.value
    ('Sesuai Ekspektasi', None, 'ok')
    """
    expression = "suggested = median of the seven BerAKHLAK ratings (Di Bawah < Sesuai < Di Atas)"
    if ratings is None:
        return _appraisal_missing(
            "perilaku", "§3", "berakhlak_median", expression, "No supervisor rating for this period: not available."
        )
    if not isinstance(ratings, BehaviourRatings):
        raise InvalidStatistics(f"ratings must be BehaviourRatings or None; got {type(ratings).__name__}.")
    suggested = suggest_perilaku(ratings.ratings)
    notes = [_SUGGESTION_NOTE]
    if ratings.overall is None:
        notes.append("The supervisor has not given an overall rating yet.")
    elif ratings.overall is suggested:
        notes.append("The supervisor confirmed the suggested rating.")
    else:
        reason = ratings.override_reason or "no reason recorded"
        notes.append(f"The supervisor overrode the suggestion with {ratings.overall.value}: {reason}.")
    explanation = _explain("§3", "berakhlak_median", expression, ratings.to_dict(), {}, notes)
    detail = MappingProxyType({"suggested": suggested.value})
    confirmed = None if ratings.overall is None else ratings.overall.value
    return AppraisalIndicator(
        "perilaku", IndicatorStatus.OK, suggested.value, confirmed, None, len(ratings.ratings), detail, explanation
    )


def predikat_indicator(hasil_kerja: AppraisalIndicator, perilaku: AppraisalIndicator) -> AppraisalIndicator:
    """Suggested predikat kinerja from rating hasil kerja and perilaku kerja, when both exist (spec §3).

    Each side uses the supervisor's confirmed rating where recorded, else the suggestion.

    >>> from scoring.appraisal import BERAKHLAK
    >>> hasil = hasil_kerja_indicator([AppraisalTarget("Berkas", Decimal(100), Decimal(95))])
    >>> perilaku = perilaku_indicator(BehaviourRatings(dict.fromkeys(BERAKHLAK, "Sesuai"), overall="Di Atas"))
    >>> predikat_indicator(hasil, perilaku).result
    'Baik'
    >>> predikat_indicator(hasil, perilaku_indicator(None)).status.value
    'not_available'
    """
    expression = "predikat = matrix[rating hasil kerja][rating perilaku kerja] (PermenPANRB 6/2022)"
    missing = [side.code for side in (hasil_kerja, perilaku) if side.status is not IndicatorStatus.OK]
    if missing:
        return _appraisal_missing(
            "predikat",
            "§3",
            "predikat_matrix",
            expression,
            f"No {' and no '.join(missing)} rating for this period: not available.",
        )
    # Both sides are OK here, so each has a result (its suggested rating).
    hasil = Rating(hasil_kerja.confirmed or str(hasil_kerja.result))
    behaviour = Rating(perilaku.confirmed or str(perilaku.result))
    value = PREDIKAT_MATRIX[hasil, behaviour]
    inputs = {
        "hasil_kerja": hasil.value,
        "hasil_kerja_source": "supervisor" if hasil_kerja.confirmed else "suggested",
        "perilaku": behaviour.value,
        "perilaku_source": "supervisor" if perilaku.confirmed else "suggested",
    }
    explanation = _explain("§3", "predikat_matrix", expression, inputs, {}, [_SUGGESTION_NOTE])
    return AppraisalIndicator(
        "predikat", IndicatorStatus.OK, value.value, None, None, 1, MappingProxyType({}), explanation
    )


def distribution_indicator(
    counts_by_predikat: Mapping[str, int],
    parameters: ScoringParameters = DEFAULT_PARAMETERS,
) -> AppraisalIndicator:
    """A unit's employee predikat against the distribution curve of its organisational predikat (spec §3).

    Not available until the unit's ``organisational_predikat`` parameter is set or no employee has a predikat.

    >>> p = ScoringParameters(organisational_predikat="Baik")
    >>> i = distribution_indicator({"Baik": 8, "Sangat Baik": 2}, p)
    >>> i.result, i.n, i.explanation.notes
    ('failed', 10, ('Fails: at most 70% Baik; at least one Butuh Perbaikan and/or Kurang/Misconduct.',))
    """
    counts: dict[str, int] = {}
    for name, count in counts_by_predikat.items():
        try:
            key = Predikat(name).value
        except ValueError:
            names = ", ".join(p.value for p in Predikat)
            raise InvalidRating(f"{name!r} is not a predikat kinerja; use {names}.") from None
        if count:
            counts[key] = counts.get(key, 0) + count
    total = sum(counts.values())
    organisation = parameters.organisational_predikat
    expression = "share of employees per predikat against the curve of the organisation's predikat"
    params: dict[str, object] = {"organisational_predikat": organisation}
    if not total:
        return _appraisal_missing(
            "predikat_distribution",
            "§3",
            "distribution_curve",
            expression,
            "No employee has a predikat for this period: not available.",
            params,
        )
    if organisation is None:
        explanation = _explain(
            "§3",
            "distribution_curve",
            expression,
            {"counts": counts},
            params,
            ["Set the unit's organisational_predikat to check the distribution curve."],
        )
        return AppraisalIndicator(
            "predikat_distribution",
            IndicatorStatus.NOT_AVAILABLE,
            None,
            None,
            None,
            total,
            MappingProxyType({"counts": counts}),
            explanation,
        )
    check = distribution_check(organisation, counts)
    notes = ["Every rule holds."] if check.passed else [f"Fails: {'; '.join(r.description for r in check.failures)}."]
    explanation = _explain("§3", "distribution_curve", expression, {"counts": counts}, params, notes)
    return AppraisalIndicator(
        "predikat_distribution",
        IndicatorStatus.OK,
        "passed" if check.passed else "failed",
        None,
        None,
        total,
        MappingProxyType(check.to_dict()),
        explanation,
    )
