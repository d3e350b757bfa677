"""Sufficient statistics: the only way data enters :mod:`scoring` (spec §6).

The web layer aggregates in SQL and fills these frozen dataclasses with exact integers; scoring never sees rows.
A missing source (no survey, no tickets, no complaints) is passed as ``None`` and becomes an indicator whose
status is "not available", never a zero. Each class checks that its numbers are consistent and raises
:class:`~scoring.errors.InvalidStatistics` naming the field that is wrong, so an aggregation bug is caught early.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from types import MappingProxyType
from typing import Any, Literal

from scoring._exact import jsonable, key_problems, to_fraction, to_int
from scoring.appraisal import BERAKHLAK, Rating, parse_rating
from scoring.errors import InvalidRating, InvalidStatistics, InvalidTarget
from scoring.skm import ANSWER_VALUES, IKP_UNSUR, UNSUR, AnswerCounts, check_counts, tally

__all__ = [
    "WORKING_DAY_RULES",
    "AppraisalTarget",
    "BehaviourRatings",
    "ComplaintStats",
    "SatisfactionStats",
    "ServiceTimeStats",
    "WorkingDayRule",
]

#: How working days were counted (spec §5): days signed in to a counter or rostered, or, where neither is known,
#: days with at least one finished ticket.
WorkingDayRule = Literal["sign_in_or_roster", "finished_ticket"]
WORKING_DAY_RULES: tuple[WorkingDayRule, ...] = ("sign_in_or_roster", "finished_ticket")


def _count(value: object, name: str) -> int:
    return to_int(value, name, minimum=0, error=InvalidStatistics)


def _check_sums(n: int, total: int, total_sq: int, items: int, label: str) -> None:
    """Check Σr and Σr² of per-response raw sums r, each between ``items`` and 4·``items``."""
    low, high = items, 4 * items
    if n == 0:
        if total or total_sq:
            raise InvalidStatistics(f"With n = 0 the {label} sums must be 0; got {total} and {total_sq}.")
        return
    # (r − low)(high − r) ≥ 0 for every response gives Σr² ≤ (low + high)·Σr − low·high·n;
    # Cauchy–Schwarz gives n·Σr² ≥ (Σr)².
    if n * total_sq < total * total or total_sq > (low + high) * total - low * high * n:
        raise InvalidStatistics(
            f"{label}_raw_sum_sq = {total_sq} is impossible for n = {n} responses whose raw sums "
            f"({low} to {high} each) add up to {total}."
        )


def _check_ikp_unsur(ikp_unsur: object) -> tuple[str, ...]:
    codes = tuple(ikp_unsur) if isinstance(ikp_unsur, Sequence) and not isinstance(ikp_unsur, str) else ()
    if not codes or len(set(codes)) != len(codes) or any(code not in UNSUR for code in codes):
        raise InvalidStatistics(f"ikp_unsur must be distinct unsur codes from U1 to U9; got {ikp_unsur!r}.")
    return tuple(str(code) for code in codes)


@dataclass(frozen=True, slots=True)
class SatisfactionStats:
    """Survey sufficient statistics of one employee or one unit for one period (spec §2.2, §6).

    Only ``valid`` responses count (spec §2.1).

    - ``n``: number of valid responses.
    - ``counts``: for each unsur code U1…U9 (all nine), the counts of answers 1, 2, 3 and 4; each sums to ``n``.
    - ``ikm_raw_sum`` / ``ikm_raw_sum_sq``: Σr and Σr² over responses of r = the sum of the response's nine
      answers (9–36). The per-response ikm score is 25·r/9.
    - ``ikp_raw_sum`` / ``ikp_raw_sum_sq``: the same for r = the sum of the answers to ``ikp_unsur``
      (U3 + U6 + U7, 3–12). The per-response ikp score is 25·r/3.

    ``ikm_raw_sum`` and ``ikp_raw_sum`` are implied by ``counts`` too; they must agree, which catches an SQL query
    that counted a different set of responses.

    >>> s = SatisfactionStats.from_responses([{u: 4 for u in UNSUR}, {u: 3 for u in UNSUR}])
    >>> s.n, s.counts["U1"], s.ikm_raw_sum, s.ikm_raw_sum_sq, s.ikp_raw_sum, s.ikp_raw_sum_sq
    (2, (0, 0, 1, 1), 63, 2025, 21, 225)
    """

    n: int
    counts: Mapping[str, AnswerCounts] = field(hash=False)
    ikm_raw_sum: int
    ikm_raw_sum_sq: int
    ikp_raw_sum: int
    ikp_raw_sum_sq: int
    ikp_unsur: tuple[str, ...] = IKP_UNSUR

    def __post_init__(self) -> None:
        n = _count(self.n, "n")
        if not isinstance(self.counts, Mapping):
            raise InvalidStatistics("counts must map each unsur code U1 to U9 to four answer counts.")
        given = self.counts
        if len(given) != len(UNSUR) or any(code not in given for code in UNSUR):
            problems = key_problems(given, UNSUR)
            raise InvalidStatistics(f"counts must have exactly the unsur U1 to U9 ({problems}).")
        counts: dict[str, AnswerCounts] = {}
        answer_sums: dict[str, int] = {}  # Σ answers per unsur: 1·c₁ + 2·c₂ + 3·c₃ + 4·c₄
        for code in UNSUR:
            c = given[code]
            # The SQL path hands over tuples of four non-negative ints (50,000 employees a run): checked inline.
            if not (type(c) is tuple and len(c) == 4 and all(type(x) is int and x >= 0 for x in c)):
                c = check_counts(c, code)
            if c[0] + c[1] + c[2] + c[3] != n:
                raise InvalidStatistics(f"The counts for {code} add up to {sum(c)}, but n = {n} responses.")
            counts[code] = c
            answer_sums[code] = n + c[1] + 2 * c[2] + 3 * c[3]
        ikp_unsur = _check_ikp_unsur(self.ikp_unsur)
        object.__setattr__(self, "counts", MappingProxyType(counts))
        object.__setattr__(self, "ikp_unsur", ikp_unsur)
        for label, unsur in (("ikm", UNSUR), ("ikp", ikp_unsur)):
            total = _count(getattr(self, f"{label}_raw_sum"), f"{label}_raw_sum")
            total_sq = _count(getattr(self, f"{label}_raw_sum_sq"), f"{label}_raw_sum_sq")
            implied = sum(answer_sums[code] for code in unsur)
            if total != implied:
                raise InvalidStatistics(
                    f"{label}_raw_sum = {total}, but the answer counts of {', '.join(unsur)} add up to {implied}; "
                    f"both must come from the same valid responses."
                )
            _check_sums(n, total, total_sq, len(unsur), label)

    @classmethod
    def from_count_rows(
        cls,
        n: int,
        rows: Iterable[tuple[str, int, int]],
        ikm_raw_sum: int,
        ikm_raw_sum_sq: int,
        ikp_raw_sum: int,
        ikp_raw_sum_sq: int,
        ikp_unsur: Sequence[str] = IKP_UNSUR,
    ) -> SatisfactionStats:
        """Build from SQL ``GROUP BY unsur, answer`` rows ``(unsur, answer, count)``; absent pairs count 0 (spec §6).

        >>> rows = [("U1", 4, 2)] + [(u, 4, 2) for u in UNSUR[1:]]
        >>> SatisfactionStats.from_count_rows(2, rows, 72, 2592, 24, 288).counts["U9"]
        (0, 0, 0, 2)
        """
        table = {code: [0, 0, 0, 0] for code in UNSUR}
        seen: set[tuple[str, int]] = set()
        for unsur, answer, count in rows:
            if unsur not in UNSUR:
                raise InvalidStatistics(f"Unknown unsur code {unsur!r} in the count rows; use U1 to U9.")
            if isinstance(answer, bool) or not isinstance(answer, int) or answer not in ANSWER_VALUES:
                raise InvalidStatistics(f"The count rows have answer {answer!r} for {unsur}; answers are 1 to 4.")
            if (unsur, answer) in seen:
                raise InvalidStatistics(f"The count rows list {unsur} answer {answer} twice.")
            seen.add((unsur, answer))
            table[unsur][answer - 1] = _count(count, f"The count of {unsur} answer {answer}")
        return cls(
            n=n,
            counts={code: (c[0], c[1], c[2], c[3]) for code, c in table.items()},
            ikm_raw_sum=ikm_raw_sum,
            ikm_raw_sum_sq=ikm_raw_sum_sq,
            ikp_raw_sum=ikp_raw_sum,
            ikp_raw_sum_sq=ikp_raw_sum_sq,
            ikp_unsur=tuple(ikp_unsur),
        )

    @classmethod
    def from_responses(
        cls, responses: Iterable[Mapping[str, int]], ikp_unsur: Sequence[str] = IKP_UNSUR
    ) -> SatisfactionStats:
        """Build from whole responses (mappings of unsur code to answer); for tests and small samples (spec §6).

        >>> SatisfactionStats.from_responses([]).n
        0
        """
        unsur = _check_ikp_unsur(ikp_unsur)
        answered = list(responses)
        counts = tally(answered)
        ikm_raw = [sum(r[code] for code in UNSUR) for r in answered]
        ikp_raw = [sum(r[code] for code in unsur) for r in answered]
        return cls(
            n=len(answered),
            counts=counts,
            ikm_raw_sum=sum(ikm_raw),
            ikm_raw_sum_sq=sum(r * r for r in ikm_raw),
            ikp_raw_sum=sum(ikp_raw),
            ikp_raw_sum_sq=sum(r * r for r in ikp_raw),
            ikp_unsur=unsur,
        )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values, e.g. to store with a score run.

        >>> SatisfactionStats.from_responses([{u: 4 for u in UNSUR}]).to_dict()["counts"]["U3"]
        [0, 0, 0, 1]
        """
        return {
            "n": self.n,
            "counts": jsonable(self.counts),
            "ikm_raw_sum": self.ikm_raw_sum,
            "ikm_raw_sum_sq": self.ikm_raw_sum_sq,
            "ikp_raw_sum": self.ikp_raw_sum,
            "ikp_raw_sum_sq": self.ikp_raw_sum_sq,
            "ikp_unsur": list(self.ikp_unsur),
        }


def _percentiles(n: int, p50: int | None, p90: int | None, label: str) -> None:
    if n == 0:
        if p50 is not None or p90 is not None:
            raise InvalidStatistics(f"{label}_n is 0, so {label}_p50_seconds and {label}_p90_seconds must be None.")
        return
    if p50 is None or p90 is None:
        raise InvalidStatistics(f"{label}_n is {n}, so {label}_p50_seconds and {label}_p90_seconds are needed.")
    low = _count(p50, f"{label}_p50_seconds")
    high = _count(p90, f"{label}_p90_seconds")
    if low > high:
        raise InvalidStatistics(f"{label}_p50_seconds ({low}) must not exceed {label}_p90_seconds ({high}).")


@dataclass(frozen=True, slots=True)
class ServiceTimeStats:
    """Ticket sufficient statistics of one employee or unit for one period (spec §2.3, §5, §6).

    - ``tickets_issued``: tickets in scope (issued in the period and attributed to this employee or unit).
    - ``tickets_finished`` / ``tickets_no_show``: of those, how many ended ``finished`` / ``no_show``.
    - ``tickets_returned``: finished tickets that also have a ``returned`` event (for the error rate).
    - ``tickets_on_time``: finished tickets with finished − issued ≤ the service type's counter standard.
    - ``wait_n``, ``wait_p50_seconds``, ``wait_p90_seconds``: wait = first called − issued; exact nearest-rank
      percentiles in whole seconds from SQL, over ``wait_n`` tickets (``None`` when ``wait_n`` is 0).
    - ``service_n``, ``service_p50_seconds``, ``service_p90_seconds``: service = finished − started (finished −
      called where no ``started``), the same way.
    - ``working_days`` and ``working_day_rule``: how many working days, and which rule of spec §5 counted them.

    >>> ServiceTimeStats(40, 36, 4, 2, 30, 40, 300, 720, 36, 600, 1500, 4, "sign_in_or_roster").tickets_finished
    36
    """

    tickets_issued: int
    tickets_finished: int
    tickets_no_show: int
    tickets_returned: int
    tickets_on_time: int
    wait_n: int
    wait_p50_seconds: int | None
    wait_p90_seconds: int | None
    service_n: int
    service_p50_seconds: int | None
    service_p90_seconds: int | None
    working_days: int
    working_day_rule: WorkingDayRule

    def __post_init__(self) -> None:
        issued = _count(self.tickets_issued, "tickets_issued")
        finished = _count(self.tickets_finished, "tickets_finished")
        no_show = _count(self.tickets_no_show, "tickets_no_show")
        returned = _count(self.tickets_returned, "tickets_returned")
        on_time = _count(self.tickets_on_time, "tickets_on_time")
        wait_n = _count(self.wait_n, "wait_n")
        service_n = _count(self.service_n, "service_n")
        days = _count(self.working_days, "working_days")
        if finished + no_show > issued:
            raise InvalidStatistics(
                f"tickets_finished ({finished}) + tickets_no_show ({no_show}) exceed tickets_issued ({issued})."
            )
        for name, value in (("tickets_returned", returned), ("tickets_on_time", on_time), ("service_n", service_n)):
            if value > finished:
                raise InvalidStatistics(f"{name} ({value}) must not exceed tickets_finished ({finished}).")
        if wait_n > issued:
            raise InvalidStatistics(f"wait_n ({wait_n}) must not exceed tickets_issued ({issued}).")
        _percentiles(wait_n, self.wait_p50_seconds, self.wait_p90_seconds, "wait")
        _percentiles(service_n, self.service_p50_seconds, self.service_p90_seconds, "service")
        if self.working_day_rule not in WORKING_DAY_RULES:
            raise InvalidStatistics(
                f"working_day_rule must be one of {', '.join(WORKING_DAY_RULES)}; got {self.working_day_rule!r}."
            )
        if self.working_day_rule == "finished_ticket" and finished and not days:
            raise InvalidStatistics(
                "working_days is 0 although tickets were finished; under the finished_ticket rule every day with a "
                "finished ticket is a working day."
            )

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values.

        >>> ServiceTimeStats(0, 0, 0, 0, 0, 0, None, None, 0, None, None, 0, "finished_ticket").to_dict()["wait_n"]
        0
        """
        return {
            "tickets_issued": self.tickets_issued,
            "tickets_finished": self.tickets_finished,
            "tickets_no_show": self.tickets_no_show,
            "tickets_returned": self.tickets_returned,
            "tickets_on_time": self.tickets_on_time,
            "wait_n": self.wait_n,
            "wait_p50_seconds": self.wait_p50_seconds,
            "wait_p90_seconds": self.wait_p90_seconds,
            "service_n": self.service_n,
            "service_p50_seconds": self.service_p50_seconds,
            "service_p90_seconds": self.service_p90_seconds,
            "working_days": self.working_days,
            "working_day_rule": self.working_day_rule,
        }


@dataclass(frozen=True, slots=True)
class ComplaintStats:
    """Complaint sufficient statistics of one employee or unit for one period (spec §2.4, §6).

    - ``complaints``: complaints received in the period.
    - ``answered``: of those, how many have a first response.
    - ``answered_within_3_working_days``: first response within 3 working days (SP4N-LAPOR; see
      :func:`scoring.workdays.first_response_due`).
    - ``first_response_median_seconds``: exact nearest-rank median of (first response − received) in whole
      seconds over the answered complaints; ``None`` when none is answered.

    >>> ComplaintStats(5, 4, 3, 7200).answered_within_3_working_days
    3
    """

    complaints: int
    answered: int
    answered_within_3_working_days: int
    first_response_median_seconds: int | None

    def __post_init__(self) -> None:
        complaints = _count(self.complaints, "complaints")
        answered = _count(self.answered, "answered")
        within = _count(self.answered_within_3_working_days, "answered_within_3_working_days")
        if answered > complaints:
            raise InvalidStatistics(f"answered ({answered}) must not exceed complaints ({complaints}).")
        if within > answered:
            raise InvalidStatistics(f"answered_within_3_working_days ({within}) must not exceed answered ({answered}).")
        if answered and self.first_response_median_seconds is None:
            raise InvalidStatistics("first_response_median_seconds is needed when some complaints are answered.")
        if not answered and self.first_response_median_seconds is not None:
            raise InvalidStatistics("first_response_median_seconds must be None when no complaint is answered.")
        if self.first_response_median_seconds is not None:
            _count(self.first_response_median_seconds, "first_response_median_seconds")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values.

        >>> ComplaintStats(0, 0, 0, None).to_dict()
        {'complaints': 0, 'answered': 0, 'answered_within_3_working_days': 0, 'first_response_median_seconds': None}
        """
        return {
            "complaints": self.complaints,
            "answered": self.answered,
            "answered_within_3_working_days": self.answered_within_3_working_days,
            "first_response_median_seconds": self.first_response_median_seconds,
        }


def _exact_decimal(value: object, what: str) -> Decimal:
    exact = to_fraction(value, what, InvalidTarget)
    number = value if isinstance(value, Decimal) else Decimal(exact.numerator) / Decimal(exact.denominator)
    if to_fraction(number, what, InvalidTarget) != exact:
        raise InvalidTarget(f"{what} must be a decimal number such as 120 or 92.5; got {value!r}.")
    return number


@dataclass(frozen=True, slots=True)
class AppraisalTarget:
    """One SKP target of an employee for a period and its realisation so far (spec §3, §6).

    ``realisation`` is ``None`` while nothing has been reported; such a target is listed but not scored.
    A target of 0 or below is refused here, with the message the import shows.

    >>> AppraisalTarget("Berkas KTP-el selesai", Decimal(120), Decimal(132)).to_dict()["target"]
    '120'
    >>> AppraisalTarget("Berkas", Decimal(0), None)
    Traceback (most recent call last):
    ...
    scoring.errors.InvalidTarget: The target of 'Berkas' must be above 0 (capaian divides by the target); got 0.
    """

    name: str
    target: Decimal
    realisation: Decimal | None
    lower_is_better: bool = False

    def __post_init__(self) -> None:
        if not isinstance(self.name, str) or not self.name.strip():
            raise InvalidTarget("A target needs a name.")
        target = _exact_decimal(self.target, f"The target of {self.name!r}")
        if target <= 0:
            raise InvalidTarget(
                f"The target of {self.name!r} must be above 0 (capaian divides by the target); got {self.target}."
            )
        object.__setattr__(self, "target", target)
        if self.realisation is not None:
            realisation = _exact_decimal(self.realisation, f"The realisation of {self.name!r}")
            if realisation < 0:
                raise InvalidTarget(f"The realisation of {self.name!r} must not be negative; got {realisation}.")
            object.__setattr__(self, "realisation", realisation)
        if not isinstance(self.lower_is_better, bool):
            raise InvalidTarget(f"lower_is_better of {self.name!r} must be True or False.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values.

        >>> AppraisalTarget("Waktu tunggu", Decimal(15), None, lower_is_better=True).to_dict()["realisation"] is None
        True
        """
        return {
            "name": self.name,
            "target": jsonable(self.target),
            "realisation": jsonable(self.realisation),
            "lower_is_better": self.lower_is_better,
        }


@dataclass(frozen=True, slots=True)
class BehaviourRatings:
    """A supervisor's ratings of one employee on the seven BerAKHLAK values for a period (spec §3, §6).

    - ``ratings``: each value of :data:`~scoring.appraisal.BERAKHLAK` → its rating (names or short names).
    - ``overall``: the supervisor's own overall rating perilaku kerja, when recorded (confirming or overriding
      the suggested median); ``override_reason`` says why it differs.

    >>> b = BehaviourRatings(dict(zip(BERAKHLAK, ["Sesuai"] * 6 + ["Di Atas"])), overall="Di Atas",
    ...                      override_reason="Memimpin pelayanan keliling")
    >>> b.ratings["Kolaboratif"].value, b.overall.value
    ('Di Atas Ekspektasi', 'Di Atas Ekspektasi')
    """

    ratings: Mapping[str, Rating] = field(hash=False)
    overall: Rating | None = None
    override_reason: str | None = None

    def __post_init__(self) -> None:
        if not isinstance(self.ratings, Mapping):
            raise InvalidRating("ratings must map each of the seven BerAKHLAK values to a rating.")
        problems = key_problems(self.ratings, BERAKHLAK)
        if problems:
            raise InvalidRating(f"Perilaku kerja needs a rating for each of the seven BerAKHLAK values ({problems}).")
        ratings = {value: parse_rating(self.ratings[value]) for value in BERAKHLAK}
        object.__setattr__(self, "ratings", MappingProxyType(ratings))
        if self.overall is not None:
            object.__setattr__(self, "overall", parse_rating(self.overall))
        if self.override_reason is not None and not isinstance(self.override_reason, str):
            raise InvalidRating("override_reason must be text.")

    def to_dict(self) -> dict[str, Any]:
        """JSON-safe plain values.

        >>> BehaviourRatings(dict.fromkeys(BERAKHLAK, "Sesuai")).to_dict()["ratings"]["Loyal"]
        'Sesuai Ekspektasi'
        """
        return {
            "ratings": {value: rating.value for value, rating in self.ratings.items()},
            "overall": None if self.overall is None else self.overall.value,
            "override_reason": self.override_reason,
        }
