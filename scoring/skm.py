"""SKM maths: answers, NRR, IKM, mutu and sample adequacy (spec §1.1, §1.3, §1.4).

Everything is computed exactly with :class:`~fractions.Fraction` from unrounded NRR; only the final IKM is rounded,
half up to two decimals, and the mutu is read from that rounded value.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from fractions import Fraction
from types import MappingProxyType
from typing import Any, Literal

from scoring._exact import ExactNumber, jsonable, round_half_up, to_fraction, to_int
from scoring.errors import InvalidAnswer, InvalidParameter, InvalidStatistics, InvalidWeights

__all__ = [
    "ANSWER_VALUES",
    "GRADE_BANDS",
    "IKP_UNSUR",
    "NRR_PLACES",
    "ROUNDING_RULES",
    "UNSUR",
    "UNSUR_NAMES",
    "AnswerCounts",
    "Grade",
    "SampleAdequacy",
    "SkmSummary",
    "WeightConvention",
    "check_answer",
    "check_counts",
    "grade",
    "ikm",
    "ikm_unrounded",
    "krejcie_morgan",
    "nrr",
    "resolve_weights",
    "response_score",
    "rounded_nrr",
    "sample_adequacy",
    "skm_summary",
    "tally",
]

#: The nine unsur codes of PermenPANRB 14/2017, in regulation order (spec §1.1). Store answers by code.
UNSUR: tuple[str, ...] = ("U1", "U2", "U3", "U4", "U5", "U6", "U7", "U8", "U9")

#: Indonesian name of each unsur (spec §1.1).
UNSUR_NAMES: Mapping[str, str] = MappingProxyType(
    {
        "U1": "Persyaratan",
        "U2": "Sistem, Mekanisme, dan Prosedur",
        "U3": "Waktu Penyelesaian",
        "U4": "Biaya/Tarif",
        "U5": "Produk Spesifikasi Jenis Pelayanan",
        "U6": "Kompetensi Pelaksana",
        "U7": "Perilaku Pelaksana",
        "U8": "Sarana dan Prasarana",
        "U9": "Penanganan Pengaduan, Saran dan Masukan",
    }
)

#: The staff-attributable unsur behind the ikp (spec §2.2): waktu, kompetensi, perilaku.
IKP_UNSUR: tuple[str, ...] = ("U3", "U6", "U7")

#: The valid answers (spec §1.1).
ANSWER_VALUES: tuple[int, ...] = (1, 2, 3, 4)

#: Decimals shown for an NRR in reports; the IKM itself always uses two.
NRR_PLACES = 3

#: Counts of the answers 1, 2, 3 and 4 (in that order) for one unsur.
AnswerCounts = tuple[int, int, int, int]

#: ``"exact"`` (wᵢ = 1/9), ``"0.111"`` (the printed legacy weight) or a mapping of unsur code to exact weights
#: summing to 1 (spec §1.3).
WeightConvention = Literal["exact", "0.111"] | Mapping[str, ExactNumber]

_LEGACY_WEIGHT = Fraction(111, 1000)

#: Named rounding rules for units that must match how they published before (spec §1.3): ``exact`` weights the
#: unrounded NRR (the default); ``nrr2`` and ``nrr3`` round each NRR half up to 2 or 3 decimals first.
ROUNDING_RULES: Mapping[str, int | None] = MappingProxyType({"exact": None, "nrr2": 2, "nrr3": 3})


def check_answer(value: object, unsur: str = "") -> int:
    """Return ``value`` if it is a valid SKM answer (an integer 1–4), else raise InvalidAnswer (spec §1.1).

    >>> check_answer(4, "U7")
    4
    >>> check_answer(5, "U3")
    Traceback (most recent call last):
    ...
    scoring.errors.InvalidAnswer: The answer for U3 must be a whole number from 1 to 4; got 5.
    """
    where = f" for {unsur}" if unsur else ""
    if isinstance(value, bool) or not isinstance(value, int) or value not in ANSWER_VALUES:
        raise InvalidAnswer(f"The answer{where} must be a whole number from 1 to 4; got {value!r}.")
    return value


def _check_unsur(code: object) -> str:
    if code not in UNSUR:
        raise InvalidStatistics(f"Unknown unsur code {code!r}; use U1 to U9.")
    return str(code)


def check_counts(counts: Sequence[int], unsur: str = "") -> AnswerCounts:
    """Validate the counts of answers 1/2/3/4 for one unsur and return them as a 4-tuple (spec §1.3).

    >>> check_counts([0, 4, 70, 46], "U1")
    (0, 4, 70, 46)
    """
    where = f" for {unsur}" if unsur else ""
    if isinstance(counts, (str, bytes, Mapping)) or not isinstance(counts, Sequence) or len(counts) != 4:
        raise InvalidStatistics(
            f"Answer counts{where} must be four whole numbers (how many answered 1, 2, 3 and 4); got {counts!r}."
        )
    a, b, c, d = (to_int(x, f"An answer count{where}", error=InvalidStatistics) for x in counts)
    return (a, b, c, d)


def tally(responses: Iterable[Mapping[str, int]]) -> dict[str, AnswerCounts]:
    """Count answers per unsur from whole responses, each answering all nine unsur (spec §1.1, §1.3).

    Meant for small samples and tests; production figures come from SQL as sufficient statistics (spec §6).

    >>> tally([{u: 4 for u in UNSUR}, {u: 3 for u in UNSUR}])["U7"]
    (0, 0, 1, 1)
    """
    counts = {code: [0, 0, 0, 0] for code in UNSUR}
    for response in responses:
        answers = _check_response(response)
        for code, answer in answers.items():
            counts[code][answer - 1] += 1
    return {code: (c[0], c[1], c[2], c[3]) for code, c in counts.items()}


def _check_response(response: Mapping[str, int]) -> dict[str, int]:
    if not isinstance(response, Mapping):
        raise InvalidAnswer(f"A response must map unsur codes to answers; got {type(response).__name__}.")
    unknown = sorted(str(k) for k in response if k not in UNSUR)
    if unknown:
        raise InvalidAnswer(f"Unknown unsur code(s) {', '.join(unknown)}; use U1 to U9.")
    missing = [code for code in UNSUR if code not in response]
    if missing:
        raise InvalidAnswer(f"A response must answer all nine unsur; {', '.join(missing)} missing.")
    return {code: check_answer(response[code], code) for code in UNSUR}


def response_score(response: Mapping[str, int], unsur: Sequence[str] = UNSUR) -> Fraction:
    """The per-response score on the 25–100 scale: 25 × the mean of the answers to ``unsur`` (spec §2.2).

    >>> response_score({"U1": 4, "U2": 4, "U3": 3, "U4": 4, "U5": 4, "U6": 4, "U7": 2, "U8": 4, "U9": 4}, IKP_UNSUR)
    Fraction(75, 1)
    """
    answers = _check_response(response)
    if not unsur:
        raise InvalidParameter("A score needs at least one unsur.")
    return Fraction(25 * sum(answers[_check_unsur(code)] for code in unsur), len(unsur))


def nrr(counts: Sequence[int]) -> Fraction:
    """NRR (nilai rata-rata) of one unsur: sum of the answers ÷ number of valid responses, exact (spec §1.3).

    >>> nrr((0, 4, 70, 46))
    Fraction(67, 20)
    """
    a, b, c, d = check_counts(counts)
    total = a + b + c + d
    if total == 0:
        raise InvalidStatistics("An NRR needs at least one valid response; these counts are all zero.")
    return Fraction(a + 2 * b + 3 * c + 4 * d, total)


def _check_rounding(rounding: str) -> int | None:
    if rounding not in ROUNDING_RULES:
        raise InvalidParameter(f"Unknown rounding rule {rounding!r}; use one of {', '.join(ROUNDING_RULES)}.")
    return ROUNDING_RULES[rounding]


def rounded_nrr(counts: Sequence[int], rounding: str = "exact") -> Fraction:
    """The NRR of one unsur as a rounding rule weights it: exact, or rounded half up to 2 or 3 decimals (spec §1.3).

    >>> rounded_nrr((0, 4, 70, 46)), rounded_nrr((1, 6, 72, 41), "nrr2"), rounded_nrr((1, 6, 72, 41), "nrr3")
    (Fraction(67, 20), Fraction(82, 25), Fraction(131, 40))
    """
    places = _check_rounding(rounding)
    exact = nrr(counts)
    return exact if places is None else Fraction(round_half_up(exact, places))


def resolve_weights(weight_convention: WeightConvention = "exact") -> Mapping[str, Fraction]:
    """The exact weight of each unsur under a weight convention (spec §1.3).

    ``"exact"`` gives 1/9 each, ``"0.111"`` the printed legacy weight 111/1000 each (summing to 0.999), and a
    mapping gives custom exact weights, which must be non-negative and sum to exactly 1.

    >>> resolve_weights("exact")["U4"], resolve_weights({"U3": "1/3", "U6": "1/3", "U7": "1/3"})["U7"]
    (Fraction(1, 9), Fraction(1, 3))
    """
    if isinstance(weight_convention, str):
        if weight_convention == "exact":
            return MappingProxyType({code: Fraction(1, 9) for code in UNSUR})
        if weight_convention == "0.111":
            return MappingProxyType({code: _LEGACY_WEIGHT for code in UNSUR})
        raise InvalidWeights(
            f"Unknown weight convention {weight_convention!r}; use 'exact', '0.111' or custom weights per unsur."
        )
    if not isinstance(weight_convention, Mapping) or not weight_convention:
        raise InvalidWeights("Custom weights must map unsur codes (U1 to U9) to numbers that sum to 1.")
    weights: dict[str, Fraction] = {}
    for code, raw in weight_convention.items():
        if code not in UNSUR:
            raise InvalidWeights(f"Unknown unsur code {code!r} in the weights; use U1 to U9.")
        weight = to_fraction(raw, f"The weight of {code}", InvalidWeights)
        if weight < 0:
            raise InvalidWeights(f"The weight of {code} must not be negative; got {raw}.")
        weights[code] = weight
    total = sum(weights.values(), Fraction(0))
    if total != 1:
        raise InvalidWeights(f"Custom weights must sum to exactly 1; these sum to {total} ({float(total):.6g}).")
    return MappingProxyType({code: weights[code] for code in UNSUR if code in weights})


def _checked_counts(counts_by_unsur: Mapping[str, Sequence[int]]) -> dict[str, AnswerCounts]:
    if not isinstance(counts_by_unsur, Mapping):
        raise InvalidStatistics("Answer counts must map unsur codes (U1 to U9) to four counts each.")
    checked = {_check_unsur(code): check_counts(c, str(code)) for code, c in counts_by_unsur.items()}
    totals = {code: sum(c) for code, c in checked.items()}
    if len(set(totals.values())) > 1:
        listed = ", ".join(f"{code} {total}" for code, total in totals.items())
        raise InvalidStatistics(
            f"Every unsur must have the same number of answers, because a valid response answers all nine; "
            f"got {listed}."
        )
    return checked


def ikm_unrounded(
    counts_by_unsur: Mapping[str, Sequence[int]],
    weight_convention: WeightConvention = "exact",
    rounding: str = "exact",
) -> Fraction:
    """The exact IKM, 25 × Σ wᵢ·NRRᵢ, before rounding; ``rounding`` names how each NRR is taken (spec §1.3).

    >>> ikm_unrounded({u: (0, 0, 1, 1) for u in UNSUR})
    Fraction(175, 2)
    >>> ikm_unrounded({u: (0, 1, 1, 1) for u in UNSUR}, rounding="nrr2")
    Fraction(75, 1)
    """
    _check_rounding(rounding)
    weights = resolve_weights(weight_convention)
    counts = _checked_counts(counts_by_unsur)
    used = [code for code, weight in weights.items() if weight]
    missing = [code for code in used if code not in counts]
    if missing:
        raise InvalidStatistics(f"Answer counts for {', '.join(missing)} are missing.")
    if sum(counts[used[0]]) == 0:
        raise InvalidStatistics("An IKM needs at least one valid response; the counts are all zero.")
    return 25 * sum((weights[code] * rounded_nrr(counts[code], rounding) for code in used), Fraction(0))


def ikm(
    counts_by_unsur: Mapping[str, Sequence[int]],
    weight_convention: WeightConvention = "exact",
    rounding: str = "exact",
) -> Decimal:
    """The IKM on the 25–100 scale, rounded half up to 2 decimals (spec §1.3).

    ``counts_by_unsur`` maps each unsur code to the counts of answers 1/2/3/4; ``rounding`` is one of
    :data:`ROUNDING_RULES` (``nrr2``/``nrr3`` round each NRR before weighting, as legacy reports did).

    >>> all_four = {u: (0, 0, 0, 10) for u in UNSUR}
    >>> ikm(all_four), ikm(all_four, "0.111"), ikm(all_four, "0.111", "nrr2")
    (Decimal('100.00'), Decimal('99.90'), Decimal('99.90'))
    """
    return round_half_up(ikm_unrounded(counts_by_unsur, weight_convention, rounding), 2)


@dataclass(frozen=True, slots=True)
class Grade:
    """Mutu pelayanan and kinerja unit for an IKM value (spec §1.3)."""

    mutu: str
    kinerja: str

    def to_dict(self) -> dict[str, str]:
        """JSON-safe plain values.

        >>> Grade("B", "Baik").to_dict()
        {'mutu': 'B', 'kinerja': 'Baik'}
        """
        return {"mutu": self.mutu, "kinerja": self.kinerja}


#: Lowest rounded IKM of each band, best first (spec §1.3). Anything below 65.00 is D.
GRADE_BANDS: tuple[tuple[Decimal, Grade], ...] = (
    (Decimal("88.31"), Grade("A", "Sangat Baik")),
    (Decimal("76.61"), Grade("B", "Baik")),
    (Decimal("65.00"), Grade("C", "Kurang Baik")),
    (Decimal("0.00"), Grade("D", "Tidak Baik")),
)


def grade(ikm_value: ExactNumber) -> Grade:
    """Mutu and kinerja for an IKM, read from the value rounded half up to 2 decimals (spec §1.3).

    >>> grade(Decimal("76.60")), grade(Decimal("76.61"))
    (Grade(mutu='C', kinerja='Kurang Baik'), Grade(mutu='B', kinerja='Baik'))
    """
    value = round_half_up(to_fraction(ikm_value, "The IKM"), 2)
    if not Decimal(0) <= value <= Decimal(100):
        raise InvalidParameter(f"An IKM must lie between 0.00 and 100.00; got {value}.")
    for lowest, band in GRADE_BANDS:
        if value >= lowest:
            return band
    raise AssertionError("unreachable: the last band starts at 0")  # pragma: no cover


_X2 = Fraction("3.841")
_P = Fraction(1, 2)
_D = Fraction(5, 100)


def krejcie_morgan(population: int) -> int:
    """Minimum sample size for a population, Krejcie & Morgan (X² = 3.841, P = 0.5, d = 0.05) (spec §1.4).

    S = X²·N·P(1−P) / (d²(N−1) + X²·P(1−P)), rounded half up to the nearest integer.

    >>> krejcie_morgan(100), krejcie_morgan(1000), krejcie_morgan(10_000), krejcie_morgan(1_000_000)
    (80, 278, 370, 384)
    """
    n = to_int(population, "The population", minimum=1)
    spread = _X2 * _P * (1 - _P)
    size = spread * n / (_D**2 * (n - 1) + spread)
    return int(round_half_up(size, 0))


@dataclass(frozen=True, slots=True)
class SampleAdequacy:
    """Population N, minimum sample S (Krejcie & Morgan), the sample taken and whether it is enough (spec §1.4)."""

    population: int
    minimum_sample: int
    sample: int
    adequate: bool

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values.

        >>> sample_adequacy(100, 80).to_dict()
        {'population': 100, 'minimum_sample': 80, 'sample': 80, 'adequate': True}
        """
        return {
            "population": self.population,
            "minimum_sample": self.minimum_sample,
            "sample": self.sample,
            "adequate": self.adequate,
        }


def sample_adequacy(population: int, n: int) -> SampleAdequacy:
    """Compare the number of valid responses ``n`` with the Krejcie–Morgan minimum for ``population`` (spec §1.4).

    >>> sample_adequacy(1000, 250).adequate
    False
    """
    sample = to_int(n, "The number of responses", minimum=0)
    minimum = krejcie_morgan(population)
    return SampleAdequacy(population, minimum, sample, sample >= minimum)


@dataclass(frozen=True, slots=True)
class SkmSummary:
    """A unit's SKM result for a period: n, NRR per unsur, IKM, mutu and sample adequacy (spec §1.3–§1.5).

    ``nrr`` is rounded to :data:`NRR_PLACES` decimals for display, ``unsur_index`` is 25 × NRR per unsur (two
    decimals); ``weakest`` and ``strongest`` list the unsur with the lowest and highest exact NRR (ties included).
    """

    n: int
    weight_convention: str
    weights: Mapping[str, Fraction] = field(hash=False)
    rounding: str
    nrr: Mapping[str, Decimal] = field(hash=False)
    unsur_index: Mapping[str, Decimal] = field(hash=False)
    ikm: Decimal
    grade: Grade
    weakest: tuple[str, ...]
    strongest: tuple[str, ...]
    sample: SampleAdequacy | None

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values (Decimal and Fraction become strings).

        >>> skm_summary({u: (0, 0, 1, 1) for u in UNSUR}).to_dict()["ikm"]
        '87.50'
        """
        return {
            "n": self.n,
            "weight_convention": self.weight_convention,
            "weights": jsonable(self.weights),
            "rounding": self.rounding,
            "nrr": jsonable(self.nrr),
            "unsur_index": jsonable(self.unsur_index),
            "ikm": jsonable(self.ikm),
            "grade": self.grade.to_dict(),
            "weakest": list(self.weakest),
            "strongest": list(self.strongest),
            "sample": None if self.sample is None else self.sample.to_dict(),
        }


def skm_summary(
    counts_by_unsur: Mapping[str, Sequence[int]],
    weight_convention: WeightConvention = "exact",
    population: int | None = None,
    rounding: str = "exact",
) -> SkmSummary:
    """Everything the SKM report needs for one unit and period, from the answer counts (spec §1.3–§1.5).

    With a legacy ``rounding`` rule the NRR shown are the rounded ones the IKM was weighted from.

    >>> s = skm_summary({u: (0, 0, 1, 1) if u != "U4" else (0, 0, 0, 2) for u in UNSUR}, population=100)
    >>> s.ikm, s.grade.mutu, s.strongest, s.sample.adequate
    (Decimal('88.89'), 'A', ('U4',), False)
    """
    weights = resolve_weights(weight_convention)
    value = ikm_unrounded(counts_by_unsur, weight_convention, rounding)
    counts = _checked_counts(counts_by_unsur)
    used = [code for code in weights if weights[code]]
    exact_nrr = {code: nrr(counts[code]) for code in used}
    low, high = min(exact_nrr.values()), max(exact_nrr.values())
    rounded = round_half_up(value, 2)
    n = sum(counts[used[0]])
    return SkmSummary(
        n=n,
        weight_convention=weight_convention if isinstance(weight_convention, str) else "custom",
        weights=weights,
        rounding=rounding,
        nrr=MappingProxyType(
            {code: round_half_up(rounded_nrr(counts[code], rounding), NRR_PLACES) for code in exact_nrr}
        ),
        unsur_index=MappingProxyType({code: round_half_up(25 * v, 2) for code, v in exact_nrr.items()}),
        ikm=rounded,
        grade=grade(rounded),
        weakest=tuple(code for code, v in exact_nrr.items() if v == low),
        strongest=tuple(code for code, v in exact_nrr.items() if v == high),
        sample=None if population is None else sample_adequacy(population, n),
    )
