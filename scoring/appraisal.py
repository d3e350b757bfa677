"""Appraisal support under PermenPANRB 6/2022 (SKP): capaian, suggested ratings, predikat, distribution (spec §3).

Nothing here decides an appraisal: the supervisor confirms or overrides every suggestion with a reason.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal

from scoring._exact import ExactNumber, key_problems, round_half_up, to_fraction, to_int
from scoring.errors import InvalidParameter, InvalidRating, InvalidStatistics, InvalidTarget

__all__ = [
    "BERAKHLAK",
    "CAPAIAN_CAP",
    "CAPAIAN_THRESHOLDS",
    "PREDIKAT_MATRIX",
    "DistributionCheck",
    "DistributionRule",
    "OrganisationPredikat",
    "Predikat",
    "Rating",
    "average_capaian",
    "capaian",
    "distribution_check",
    "parse_rating",
    "predikat",
    "suggest_hasil_kerja",
    "suggest_perilaku",
]

#: Default cap of each capaian and thresholds (Di Atas from, Sesuai from) of the average (spec §3).
CAPAIAN_CAP = Decimal(150)
CAPAIAN_THRESHOLDS: tuple[Decimal, Decimal] = (Decimal(110), Decimal(90))

#: The seven BerAKHLAK core values on which perilaku kerja is rated (spec §3).
BERAKHLAK: tuple[str, ...] = (
    "Berorientasi Pelayanan",
    "Akuntabel",
    "Kompeten",
    "Harmonis",
    "Loyal",
    "Adaptif",
    "Kolaboratif",
)


class Rating(StrEnum):
    """Rating hasil kerja or perilaku kerja (spec §3)."""

    DI_ATAS = "Di Atas Ekspektasi"
    SESUAI = "Sesuai Ekspektasi"
    DI_BAWAH = "Di Bawah Ekspektasi"


class Predikat(StrEnum):
    """Predikat kinerja of an employee (spec §3)."""

    SANGAT_BAIK = "Sangat Baik"
    BAIK = "Baik"
    BUTUH_PERBAIKAN = "Butuh Perbaikan"
    KURANG = "Kurang/Misconduct"
    SANGAT_KURANG = "Sangat Kurang"


class OrganisationPredikat(StrEnum):
    """Predikat kinerja of the organisation, which sets the distribution curve (spec §3)."""

    ISTIMEWA = "Istimewa"
    BAIK = "Baik"
    BUTUH_PERBAIKAN = "Butuh Perbaikan"
    KURANG = "Kurang"
    SANGAT_KURANG = "Sangat Kurang"


_RANK = {Rating.DI_BAWAH: 0, Rating.SESUAI: 1, Rating.DI_ATAS: 2}
_SHORT = {"Di Atas": Rating.DI_ATAS, "Sesuai": Rating.SESUAI, "Di Bawah": Rating.DI_BAWAH}

#: (hasil kerja, perilaku kerja) → predikat (spec §3).
PREDIKAT_MATRIX: Mapping[tuple[Rating, Rating], Predikat] = MappingProxyType(
    {
        (Rating.DI_ATAS, Rating.DI_BAWAH): Predikat.KURANG,
        (Rating.DI_ATAS, Rating.SESUAI): Predikat.BAIK,
        (Rating.DI_ATAS, Rating.DI_ATAS): Predikat.SANGAT_BAIK,
        (Rating.SESUAI, Rating.DI_BAWAH): Predikat.KURANG,
        (Rating.SESUAI, Rating.SESUAI): Predikat.BAIK,
        (Rating.SESUAI, Rating.DI_ATAS): Predikat.BAIK,
        (Rating.DI_BAWAH, Rating.DI_BAWAH): Predikat.SANGAT_KURANG,
        (Rating.DI_BAWAH, Rating.SESUAI): Predikat.BUTUH_PERBAIKAN,
        (Rating.DI_BAWAH, Rating.DI_ATAS): Predikat.BUTUH_PERBAIKAN,
    }
)


def parse_rating(value: Rating | str) -> Rating:
    """A Rating from its name: "Di Atas Ekspektasi" or the short "Di Atas" (spec §3).

    >>> parse_rating("Sesuai") is Rating.SESUAI
    True
    """
    if isinstance(value, Rating):
        return value
    if isinstance(value, str):
        if value in _SHORT:
            return _SHORT[value]
        try:
            return Rating(value)
        except ValueError:
            pass
    names = ", ".join(r.value for r in Rating)
    raise InvalidRating(f"{value!r} is not a rating; use {names}.")


def capaian(
    realisation: ExactNumber,
    target: ExactNumber,
    lower_is_better: bool = False,
    cap: ExactNumber = CAPAIAN_CAP,
) -> Decimal:
    """Capaian of one target in percent, capped, rounded half up to 2 decimals (spec §3).

    realisation ÷ target × 100; where lower is better (2 − realisation ÷ target) × 100, floored at 0.

    >>> capaian(45, 50), capaian(12, 10, lower_is_better=True), capaian(400, 100)
    (Decimal('90.00'), Decimal('80.00'), Decimal('150.00'))
    """
    goal = to_fraction(target, "The target", InvalidTarget)
    if goal == 0:
        raise InvalidTarget("A target of 0 cannot be scored (capaian divides by the target); set a target above 0.")
    if goal < 0:
        raise InvalidTarget(f"A target must be above 0; got {target}.")
    achieved = to_fraction(realisation, "The realisation")
    if achieved < 0:
        raise InvalidParameter(f"A realisation must not be negative; got {realisation}.")
    limit = to_fraction(cap, "The capaian cap")
    if limit <= 0:
        raise InvalidParameter(f"The capaian cap must be positive; got {cap}.")
    ratio = achieved / goal
    value = max((2 - ratio) * 100, Fraction(0)) if lower_is_better else ratio * 100
    return round_half_up(min(value, limit))


def average_capaian(capaians: Sequence[ExactNumber]) -> Decimal:
    """Mean of the capaian of the employee's targets, rounded half up to 2 decimals (spec §3).

    >>> average_capaian([Decimal("100.00"), Decimal("119.99")])
    Decimal('110.00')
    """
    values = [to_fraction(c, "A capaian") for c in capaians]
    if not values:
        raise InvalidTarget("No targets to average: the employee needs at least one target with a capaian.")
    return round_half_up(sum(values, Fraction(0)) / len(values))


def suggest_hasil_kerja(
    capaians: Sequence[ExactNumber],
    thresholds: tuple[ExactNumber, ExactNumber] = CAPAIAN_THRESHOLDS,
) -> Rating:
    """Suggested rating hasil kerja from the average capaian: ≥ 110 Di Atas, ≥ 90 Sesuai, else Di Bawah (spec §3).

    The average is rounded half up to 2 decimals first and compared with the thresholds (Di Atas from, Sesuai from).

    >>> suggest_hasil_kerja([Decimal("95.00"), Decimal("115.00")]), suggest_hasil_kerja([Decimal("89.99")])
    (<Rating.SESUAI: 'Sesuai Ekspektasi'>, <Rating.DI_BAWAH: 'Di Bawah Ekspektasi'>)
    """
    if len(thresholds) != 2:
        raise InvalidParameter("thresholds must be two numbers: (Di Atas from, Sesuai from).")
    upper = to_fraction(thresholds[0], "The Di Atas threshold")
    lower = to_fraction(thresholds[1], "The Sesuai threshold")
    if not upper > lower:
        raise InvalidParameter(f"The Di Atas threshold ({upper}) must be above the Sesuai threshold ({lower}).")
    average = Fraction(average_capaian(capaians))
    if average >= upper:
        return Rating.DI_ATAS
    if average >= lower:
        return Rating.SESUAI
    return Rating.DI_BAWAH


def suggest_perilaku(ratings: Mapping[str, Rating | str] | Sequence[Rating | str]) -> Rating:
    """Suggested overall rating perilaku kerja: the median of the seven BerAKHLAK ratings (spec §3).

    Pass a mapping of each core value in :data:`BERAKHLAK` to its rating, or the seven ratings in that order.

    >>> suggest_perilaku(["Di Atas", "Di Atas", "Sesuai", "Sesuai", "Di Bawah", "Di Atas", "Sesuai"])
    <Rating.SESUAI: 'Sesuai Ekspektasi'>
    """
    if isinstance(ratings, Mapping):
        detail = key_problems(ratings, BERAKHLAK)
        if detail:
            raise InvalidRating(f"Perilaku kerja needs a rating for each of the seven BerAKHLAK values ({detail}).")
        given = [ratings[value] for value in BERAKHLAK]
    elif isinstance(ratings, Sequence) and not isinstance(ratings, str):
        if len(ratings) != len(BERAKHLAK):
            raise InvalidRating(f"Perilaku kerja needs exactly seven BerAKHLAK ratings; got {len(ratings)}.")
        given = list(ratings)
    else:
        raise InvalidRating("Pass the seven BerAKHLAK ratings as a mapping or a sequence.")
    ordered = sorted((parse_rating(r) for r in given), key=_RANK.__getitem__)
    return ordered[len(ordered) // 2]


def predikat(hasil: Rating | str, perilaku: Rating | str) -> Predikat:
    """Predikat kinerja from rating hasil kerja (row) and rating perilaku kerja (column) (spec §3).

    >>> predikat("Di Atas Ekspektasi", "Sesuai Ekspektasi"), predikat(Rating.DI_BAWAH, Rating.DI_BAWAH)
    (<Predikat.BAIK: 'Baik'>, <Predikat.SANGAT_KURANG: 'Sangat Kurang'>)
    """
    return PREDIKAT_MATRIX[parse_rating(hasil), parse_rating(perilaku)]


Bound = Literal["at_most", "at_least", "at_least_one", "none"]


@dataclass(frozen=True, slots=True)
class DistributionRule:
    """One rule of the distribution curve and how the unit fared against it (spec §3).

    ``limit`` is a percentage for ``at_most``/``at_least`` and None for ``at_least_one``/``none``; ``count`` and
    ``share`` (percent, 2 decimals) are of employees whose predikat is in ``predikat``.
    """

    description: str
    predikat: tuple[Predikat, ...]
    bound: Bound
    limit: Decimal | None
    count: int
    share: Decimal
    passed: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values.

        >>> distribution_check("Istimewa", {"Sangat Baik": 7, "Baik": 3}).rules[0].to_dict()["share"]
        '70.00'
        """
        return {
            "description": self.description,
            "predikat": [p.value for p in self.predikat],
            "bound": self.bound,
            "limit": None if self.limit is None else str(self.limit),
            "count": self.count,
            "share": str(self.share),
            "passed": self.passed,
        }


@dataclass(frozen=True, slots=True)
class DistributionCheck:
    """The distribution curve check of one unit for its organisational predikat (spec §3)."""

    organisational_predikat: OrganisationPredikat
    total: int
    counts: Mapping[Predikat, int] = field(hash=False)
    rules: tuple[DistributionRule, ...]

    @property
    def passed(self) -> bool:
        """Whether every rule holds.

        >>> distribution_check("Baik", {"Baik": 8, "Sangat Baik": 2}).passed
        False
        """
        return all(rule.passed for rule in self.rules)

    @property
    def failures(self) -> tuple[DistributionRule, ...]:
        """The rules that do not hold.

        >>> [r.description for r in distribution_check("Baik", {"Baik": 8, "Sangat Baik": 2}).failures]
        ['at most 70% Baik', 'at least one Butuh Perbaikan and/or Kurang/Misconduct']
        """
        return tuple(rule for rule in self.rules if not rule.passed)

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values.

        >>> distribution_check("Istimewa", {"Sangat Baik": 7, "Baik": 3}).to_dict()["passed"]
        True
        """
        return {
            "organisational_predikat": self.organisational_predikat.value,
            "total": self.total,
            "counts": {p.value: c for p, c in self.counts.items()},
            "passed": self.passed,
            "rules": [rule.to_dict() for rule in self.rules],
            "failures": [rule.description for rule in self.failures],
        }


_P = Predikat
#: The curve of spec §3: organisational predikat → (bound, limit in percent, predikat counted).
_CURVE: Mapping[OrganisationPredikat, tuple[tuple[Bound, int | None, tuple[Predikat, ...]], ...]] = {
    OrganisationPredikat.ISTIMEWA: (("at_most", 70, (_P.SANGAT_BAIK,)),),
    OrganisationPredikat.BAIK: (
        ("at_most", 70, (_P.BAIK,)),
        ("at_least_one", None, (_P.BUTUH_PERBAIKAN, _P.KURANG)),
    ),
    OrganisationPredikat.BUTUH_PERBAIKAN: (
        ("at_least", 60, (_P.BUTUH_PERBAIKAN,)),
        ("at_most", 10, (_P.SANGAT_BAIK,)),
    ),
    OrganisationPredikat.KURANG: (
        ("at_least", 60, (_P.KURANG,)),
        ("at_least", 10, (_P.BUTUH_PERBAIKAN,)),
        ("at_most", 10, (_P.SANGAT_BAIK,)),
    ),
    OrganisationPredikat.SANGAT_KURANG: (
        ("at_least", 60, (_P.SANGAT_KURANG,)),
        ("at_least", 10, (_P.KURANG, _P.BUTUH_PERBAIKAN)),
        ("none", None, (_P.SANGAT_BAIK,)),
    ),
}


def _describe(bound: Bound, limit: int | None, counted: tuple[Predikat, ...]) -> str:
    names = " and/or ".join(p.value for p in counted)
    if bound == "at_least_one":
        return f"at least one {names}"
    if bound == "none":
        return f"no {names}"
    return f"{bound.replace('_', ' ')} {limit}% {names}"


def distribution_check(
    organisational_predikat: OrganisationPredikat | str,
    counts_by_predikat: Mapping[Predikat | str, int],
) -> DistributionCheck:
    """Check a unit's predikat counts against the curve for its organisational predikat (spec §3).

    >>> check = distribution_check("Butuh Perbaikan", {"Butuh Perbaikan": 5, "Baik": 3, "Sangat Baik": 2})
    >>> check.passed, [r.description for r in check.failures]
    (False, ['at least 60% Butuh Perbaikan', 'at most 10% Sangat Baik'])
    """
    try:
        organisation = OrganisationPredikat(organisational_predikat)
    except ValueError:
        names = ", ".join(p.value for p in OrganisationPredikat)
        raise InvalidRating(f"{organisational_predikat!r} is not an organisational predikat; use {names}.") from None
    if not isinstance(counts_by_predikat, Mapping):
        raise InvalidStatistics("counts_by_predikat must map each predikat to a number of employees.")
    counts = dict.fromkeys(Predikat, 0)
    for key, value in counts_by_predikat.items():
        try:
            name = Predikat(key)
        except ValueError:
            names = ", ".join(p.value for p in Predikat)
            raise InvalidRating(f"{key!r} is not a predikat kinerja; use {names}.") from None
        counts[name] += to_int(value, f"The number of employees with {name.value}", error=InvalidStatistics)
    total = sum(counts.values())
    if total == 0:
        raise InvalidStatistics("The distribution check needs at least one employee with a predikat.")
    rules = []
    for bound, limit, counted in _CURVE[organisation]:
        count = sum(counts[p] for p in counted)
        share = Fraction(count * 100, total)
        if bound == "at_most":
            passed = share <= limit  # type: ignore[operator]
        elif bound == "at_least":
            passed = share >= limit  # type: ignore[operator]
        elif bound == "at_least_one":
            passed = count >= 1
        else:
            passed = count == 0
        rules.append(
            DistributionRule(
                description=_describe(bound, limit, counted),
                predikat=counted,
                bound=bound,
                limit=None if limit is None else Decimal(limit),
                count=count,
                share=round_half_up(share),
                passed=passed,
            )
        )
    return DistributionCheck(organisation, total, MappingProxyType(counts), tuple(rules))
