"""The tunable choices of a score run, with the spec defaults, storable as JSON with the run (spec §1.3, §2, §3)."""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from fractions import Fraction
from types import MappingProxyType
from typing import Any

from scoring._exact import to_fraction, to_int
from scoring.appraisal import OrganisationPredikat
from scoring.errors import InvalidParameter, ScoringError
from scoring.skm import IKP_UNSUR, ROUNDING_RULES, UNSUR, WeightConvention, resolve_weights
from scoring.stats import DEFAULT_CONFIDENCE

__all__ = [
    "DEFAULT_PARAMETERS",
    "HEADLINE_ESTIMATES",
    "ON_TIME_RULE",
    "ON_TIME_RULES",
    "PARAMETERS_VERSION",
    "ScoringParameters",
]

#: The satisfaction figures a run may put first on pages and in exports (issue 15): the shrunk ikp, or the shrunk
#: ikp adjusted for the service types the employee served. The default is what docs/fairness.md found ranks
#: employees closest to their true service quality.
HEADLINE_ESTIMATES: Mapping[str, str] = MappingProxyType(
    {
        "ikp": "ikp shrunk toward the unit (spec §2.2)",
        "ikp_adjusted": "ikp adjusted for the service mix, shrunk toward the unit (issue 15)",
    }
)

#: The spec's on-time rule (spec §2.3): the whole visit, finished − issued, within the service type's counter
#: standard. The default.
ON_TIME_RULE = "finished_minus_issued_within_counter_standard"

#: Every on-time rule a unit may choose → what it measures against the service type's counter standard. A unit
#: whose counter standard covers only the time at the desk (not the queue) picks one of the last two; a finished
#: ticket without the start that rule needs is measured from its issue, so missing events never make it on time.
ON_TIME_RULES: Mapping[str, str] = MappingProxyType(
    {
        ON_TIME_RULE: "finished − issued (the whole visit, queue included) ≤ counter standard",
        "finished_minus_called_within_counter_standard": (
            "finished − first called (at the counter, from the call) ≤ counter standard; from issued if never called"
        ),
        "service_within_counter_standard": (
            "finished − started (finished − called without started) ≤ counter standard; from issued if neither"
        ),
    }
)

#: Version of the :meth:`ScoringParameters.to_dict` layout.
PARAMETERS_VERSION = 1


def _decimal(value: object, what: str) -> Decimal:
    exact = to_fraction(value, what)
    if isinstance(value, Decimal):
        return value
    if isinstance(value, int):
        return Decimal(value)
    try:
        number = Decimal(str(value).strip())
    except InvalidOperation:
        number = None
    if number is None or Fraction(number) != exact:
        raise InvalidParameter(f"{what} must be a decimal number such as 110 or 92.5; got {value!r}.")
    return number


@dataclass(frozen=True, slots=True)
class ScoringParameters:
    """Every tunable choice of a score run, defaulting to the spec (spec §1.3, §2.2, §2.3, §3).

    - ``shrinkage_k``: k in (n·mean + k·unit_mean)/(n + k) (spec §2.2).
    - ``publication_threshold``: minimum valid responses before ikm/ikp are published (spec §2.2).
    - ``confidence``: two-sided level of the t-interval (spec §2.2).
    - ``weight_convention``: weights of the unit's SKM report: "exact", "0.111" or custom weights (spec §1.3).
      Per-employee ikm and ikp always use equal weights, see :mod:`scoring.indicators.satisfaction`.
    - ``skm_rounding``: how the unit's SKM report takes each NRR before weighting, one of
      :data:`scoring.skm.ROUNDING_RULES`: ``exact`` (the spec), or ``nrr2``/``nrr3`` for units that must match
      how they published before (spec §1.3). Only the unit's IKM uses it, never an employee's figure.
    - ``ikp_unsur``: the staff-attributable unsur (spec §2.2).
    - ``on_time_rule``: which duration must stay within the service type's counter standard, one of
      :data:`ON_TIME_RULES` (spec §2.3 by default); recorded so a run says which rule it used.
    - ``capaian_thresholds``: (Di Atas from, Sesuai from) for the average capaian (spec §3).
    - ``capaian_cap``: the cap of each capaian (spec §3).
    - ``organisational_predikat``: the organisation's own predikat (e.g. "Baik"), which chooses the distribution
      curve the unit's employee predikat are checked against (spec §3); ``None`` until someone sets it.
    - ``headline_estimate``: which satisfaction figure pages and exports show first, one of
      :data:`HEADLINE_ESTIMATES` (issue 15; the default is the one docs/fairness.md found ranks closest to the truth).

    >>> ScoringParameters().shrinkage_k, ScoringParameters(publication_threshold=10).publication_threshold
    (20, 10)
    """

    shrinkage_k: int = 20
    publication_threshold: int = 30
    confidence: Decimal = DEFAULT_CONFIDENCE
    weight_convention: WeightConvention = field(default="exact", hash=False)
    skm_rounding: str = "exact"
    ikp_unsur: tuple[str, ...] = IKP_UNSUR
    on_time_rule: str = ON_TIME_RULE
    capaian_thresholds: tuple[Decimal, Decimal] = (Decimal(110), Decimal(90))
    capaian_cap: Decimal = Decimal(150)
    organisational_predikat: str | None = None
    headline_estimate: str = "ikp_adjusted"

    def __post_init__(self) -> None:
        to_int(self.shrinkage_k, "shrinkage_k", minimum=0)
        to_int(self.publication_threshold, "publication_threshold", minimum=1)
        confidence = _decimal(self.confidence, "confidence")
        if not 0 < confidence < 1:
            raise InvalidParameter(f"confidence must lie strictly between 0 and 1; got {confidence}.")
        object.__setattr__(self, "confidence", confidence)
        try:
            weights = resolve_weights(self.weight_convention)
        except ScoringError as error:
            raise InvalidParameter(f"weight_convention: {error}") from None
        if not isinstance(self.weight_convention, str):
            object.__setattr__(self, "weight_convention", weights)
        if self.skm_rounding not in ROUNDING_RULES:
            rules = ", ".join(ROUNDING_RULES)
            raise InvalidParameter(f"skm_rounding must be one of {rules}; got {self.skm_rounding!r}.")
        codes = self.ikp_unsur
        if (
            isinstance(codes, str)
            or not isinstance(codes, Sequence)
            or not codes
            or len(set(codes)) != len(codes)
            or any(code not in UNSUR for code in codes)
        ):
            raise InvalidParameter(f"ikp_unsur must be distinct unsur codes from U1 to U9; got {codes!r}.")
        object.__setattr__(self, "ikp_unsur", tuple(codes))
        if self.on_time_rule not in ON_TIME_RULES:
            rules = ", ".join(ON_TIME_RULES)
            raise InvalidParameter(f"on_time_rule must be one of {rules}; got {self.on_time_rule!r}.")
        thresholds = self.capaian_thresholds
        if isinstance(thresholds, str) or not isinstance(thresholds, Sequence) or len(thresholds) != 2:
            raise InvalidParameter("capaian_thresholds must be two numbers: (Di Atas from, Sesuai from).")
        upper = _decimal(thresholds[0], "The Di Atas threshold")
        lower = _decimal(thresholds[1], "The Sesuai threshold")
        if not upper > lower >= 0:
            raise InvalidParameter(f"capaian_thresholds must satisfy Di Atas > Sesuai ≥ 0; got ({upper}, {lower}).")
        object.__setattr__(self, "capaian_thresholds", (upper, lower))
        cap = _decimal(self.capaian_cap, "capaian_cap")
        if cap <= 0:
            raise InvalidParameter(f"capaian_cap must be positive; got {cap}.")
        object.__setattr__(self, "capaian_cap", cap)
        if self.organisational_predikat is not None:
            try:
                organisation = OrganisationPredikat(self.organisational_predikat)
            except ValueError:
                names = ", ".join(p.value for p in OrganisationPredikat)
                raise InvalidParameter(
                    f"organisational_predikat must be one of {names}; got {self.organisational_predikat!r}."
                ) from None
            object.__setattr__(self, "organisational_predikat", organisation.value)
        if self.headline_estimate not in HEADLINE_ESTIMATES:
            names = ", ".join(HEADLINE_ESTIMATES)
            raise InvalidParameter(f"headline_estimate must be one of {names}; got {self.headline_estimate!r}.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values to store with a score run; :meth:`from_dict` reads them back.

        >>> ScoringParameters().to_dict()["capaian_thresholds"]
        ['110', '90']
        """
        weights = self.weight_convention
        return {
            "version": PARAMETERS_VERSION,
            "shrinkage_k": self.shrinkage_k,
            "publication_threshold": self.publication_threshold,
            "confidence": str(self.confidence),
            "weight_convention": weights if isinstance(weights, str) else {k: str(v) for k, v in weights.items()},
            "skm_rounding": self.skm_rounding,
            "ikp_unsur": list(self.ikp_unsur),
            "on_time_rule": self.on_time_rule,
            "capaian_thresholds": [str(t) for t in self.capaian_thresholds],
            "capaian_cap": str(self.capaian_cap),
            "organisational_predikat": self.organisational_predikat,
            "headline_estimate": self.headline_estimate,
        }

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> ScoringParameters:
        """Read parameters stored by :meth:`to_dict`; absent keys take the defaults, unknown keys are refused.

        >>> p = ScoringParameters(shrinkage_k=10, weight_convention={"U1": "1/2", "U2": "1/2"})
        >>> ScoringParameters.from_dict(p.to_dict()) == p
        True
        """
        if not isinstance(data, Mapping):
            raise InvalidParameter("Stored parameters must be a mapping.")
        values = dict(data)
        version = values.pop("version", PARAMETERS_VERSION)
        if version != PARAMETERS_VERSION:
            raise InvalidParameter(f"Stored parameters have version {version!r}; this code reads {PARAMETERS_VERSION}.")
        known = {
            "shrinkage_k",
            "publication_threshold",
            "confidence",
            "weight_convention",
            "skm_rounding",
            "ikp_unsur",
            "on_time_rule",
            "capaian_thresholds",
            "capaian_cap",
            "organisational_predikat",
            "headline_estimate",
        }
        unknown = sorted(set(values) - known)
        if unknown:
            raise InvalidParameter(f"Unknown scoring parameter(s): {', '.join(unknown)}.")
        if "ikp_unsur" in values and isinstance(values["ikp_unsur"], list):
            values["ikp_unsur"] = tuple(values["ikp_unsur"])
        if "capaian_thresholds" in values and isinstance(values["capaian_thresholds"], list):
            values["capaian_thresholds"] = tuple(values["capaian_thresholds"])
        if isinstance(values.get("weight_convention"), Mapping):
            values["weight_convention"] = MappingProxyType(dict(values["weight_convention"]))
        return cls(**values)


#: The spec defaults.
DEFAULT_PARAMETERS = ScoringParameters()
