"""Reporting periods: one parser for day, month, quarter, semester and year codes (spec §5, §6).

A period is a half-open interval of *local* dates ``[start, end)`` in the unit's time zone; the web layer turns
it into UTC instants with the unit's zone. Codes: ``2026-10-01`` (day), ``2026-10`` (month), ``2026-Q4``
(quarter, Triwulan IV = Oct–Dec), ``2026-S2`` (semester, Semester II = Jul–Dec) and ``2026`` (year).
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Literal

from scoring._exact import to_int
from scoring.errors import InvalidParameter, InvalidPeriod

__all__ = [
    "MAX_YEAR",
    "MIN_YEAR",
    "PERIOD_KINDS",
    "Period",
    "PeriodKind",
    "last_n",
    "parse_period",
    "period_containing",
]

PeriodKind = Literal["day", "month", "quarter", "semester", "year"]

#: The period kinds, shortest first.
PERIOD_KINDS: tuple[PeriodKind, ...] = ("day", "month", "quarter", "semester", "year")

#: Supported years. The upper limit keeps every period's exclusive end representable as a ``date``.
MIN_YEAR = 1
MAX_YEAR = 9998

_MONTHS_PER_KIND: dict[str, int] = {"month": 1, "quarter": 3, "semester": 6, "year": 12}
_MONTH_NAMES_ID = (
    "Januari",
    "Februari",
    "Maret",
    "April",
    "Mei",
    "Juni",
    "Juli",
    "Agustus",
    "September",
    "Oktober",
    "November",
    "Desember",
)
_MONTH_NAMES_EN = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)
_ROMAN = ("I", "II", "III", "IV")
_FORMS = "2026-10-01 (day), 2026-10 (month), 2026-Q4 (quarter), 2026-S2 (semester) or 2026 (year)"

_DAY_RE = re.compile(r"([0-9]{4})-([0-9]{2})-([0-9]{2})")
_MONTH_RE = re.compile(r"([0-9]{4})-([0-9]{2})")
_QUARTER_RE = re.compile(r"([0-9]{4})-Q([0-9]+)")
_SEMESTER_RE = re.compile(r"([0-9]{4})-S([0-9]+)")
_YEAR_RE = re.compile(r"([0-9]{4})")


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: local dates ``start`` (inclusive) to ``end`` (exclusive) of one ``kind`` (spec §5).

    Build one with :func:`parse_period` or :func:`period_containing`; the constructor only accepts boundaries
    that are exactly those of a period of that kind.

    >>> p = parse_period("2026-Q3")
    >>> p.start, p.end, p.label, p.id
    (datetime.date(2026, 7, 1), datetime.date(2026, 10, 1), 'Triwulan III 2026', '2026-Q3')
    """

    kind: PeriodKind
    start: date
    end: date

    def __post_init__(self) -> None:
        if self.kind not in PERIOD_KINDS:
            raise InvalidPeriod(f"Unknown period kind {self.kind!r}; use one of {', '.join(PERIOD_KINDS)}.")
        for name in ("start", "end"):
            value = getattr(self, name)
            if not isinstance(value, date) or isinstance(value, datetime):
                raise InvalidPeriod(f"Period {name} must be a local date (not a datetime); got {value!r}.")
        expected = _period_of(self.kind, self.start)
        if expected != (self.start, self.end):
            raise InvalidPeriod(
                f"{self.start.isoformat()} to {self.end.isoformat()} is not a {self.kind}; "
                f"a {self.kind} starting there would run from {expected[0].isoformat()} to {expected[1].isoformat()}."
            )

    @property
    def id(self) -> str:
        """The period code, the same form :func:`parse_period` reads (spec §5).

        >>> period_containing("semester", date(2026, 10, 1)).id
        '2026-S2'
        """
        year = f"{self.start.year:04d}"
        if self.kind == "day":
            return self.start.isoformat()
        if self.kind == "month":
            return f"{year}-{self.start.month:02d}"
        if self.kind == "quarter":
            return f"{year}-Q{(self.start.month - 1) // 3 + 1}"
        if self.kind == "semester":
            return f"{year}-S{(self.start.month - 1) // 6 + 1}"
        return year

    @property
    def label(self) -> str:
        """The Indonesian name used in reports, e.g. "Triwulan III 2026" (spec §5).

        >>> [parse_period(c).label for c in ("2026-10-01", "2026-07", "2026-Q3", "2026-S2", "2026")]
        ['1 Oktober 2026', 'Juli 2026', 'Triwulan III 2026', 'Semester II 2026', 'Tahun 2026']
        """
        return self._label(_MONTH_NAMES_ID, "Triwulan", "Semester", "Tahun")

    @property
    def label_en(self) -> str:
        """The English name shown when the user switches language, e.g. "Quarter III 2026" (spec §5).

        >>> parse_period("2026-Q3").label_en, parse_period("2026-07").label_en
        ('Quarter III 2026', 'July 2026')
        """
        return self._label(_MONTH_NAMES_EN, "Quarter", "Semester", "Year")

    def _label(self, months: tuple[str, ...], quarter: str, semester: str, year: str) -> str:
        y = self.start.year
        if self.kind == "day":
            return f"{self.start.day} {months[self.start.month - 1]} {y}"
        if self.kind == "month":
            return f"{months[self.start.month - 1]} {y}"
        if self.kind == "quarter":
            return f"{quarter} {_ROMAN[(self.start.month - 1) // 3]} {y}"
        if self.kind == "semester":
            return f"{semester} {_ROMAN[(self.start.month - 1) // 6]} {y}"
        return f"{year} {y}"

    @property
    def days(self) -> int:
        """Number of calendar days in the period.

        >>> parse_period("2028-02").days, parse_period("2026-S1").days
        (29, 181)
        """
        return (self.end - self.start).days

    def __contains__(self, day: object) -> bool:
        """Whether a local date lies in ``[start, end)``.

        >>> date(2026, 9, 30) in parse_period("2026-Q3"), date(2026, 10, 1) in parse_period("2026-Q3")
        (True, False)
        """
        if isinstance(day, datetime) or not isinstance(day, date):
            return False
        return self.start <= day < self.end

    def previous(self) -> Period:
        """The period of the same kind just before this one (spec §5).

        >>> parse_period("2026-Q1").previous().id, parse_period("2026-01").previous().id
        ('2025-Q4', '2025-12')
        """
        if self.start == date(MIN_YEAR, 1, 1):
            raise InvalidPeriod(f"There is no period before {self.id}; years start at {MIN_YEAR:04d}.")
        return period_containing(self.kind, self.start - timedelta(days=1))

    def next(self) -> Period:
        """The period of the same kind just after this one (spec §5).

        >>> parse_period("2026-S2").next().id, parse_period("2026-12-31").next().id
        ('2027-S1', '2027-01-01')
        """
        if self.end.year > MAX_YEAR:
            raise InvalidPeriod(f"There is no period after {self.id}; years end at {MAX_YEAR}.")
        return period_containing(self.kind, self.end)

    def to_dict(self) -> dict[str, str]:
        """JSON-safe plain values: id, kind, start, end (exclusive) and both labels.

        >>> parse_period("2026-10").to_dict()["end"]
        '2026-11-01'
        """
        return {
            "id": self.id,
            "kind": self.kind,
            "start": self.start.isoformat(),
            "end": self.end.isoformat(),
            "label": self.label,
            "label_en": self.label_en,
        }


def _check_year(year: int, text: str) -> None:
    if not MIN_YEAR <= year <= MAX_YEAR:
        raise InvalidPeriod(f"{text!r} is not a valid period: the year must be from {MIN_YEAR:04d} to {MAX_YEAR}.")


def _add_months(start: date, months: int) -> date:
    index = start.year * 12 + (start.month - 1) + months
    return date(index // 12, index % 12 + 1, 1)


def _period_of(kind: str, day: date) -> tuple[date, date]:
    """Start and exclusive end of the period of ``kind`` containing ``day``."""
    if not MIN_YEAR <= day.year <= MAX_YEAR:
        raise InvalidPeriod(f"{day.isoformat()} is outside the supported years {MIN_YEAR:04d}–{MAX_YEAR}.")
    if kind == "day":
        return day, day + timedelta(days=1)
    months = _MONTHS_PER_KIND[kind]
    start = date(day.year, (day.month - 1) // months * months + 1, 1)
    return start, _add_months(start, months)


def period_containing(kind: str, day: date) -> Period:
    """The period of ``kind`` that contains the local date ``day`` (spec §5).

    Pass a local date in the unit's time zone, never a datetime (convert the UTC instant first).

    >>> period_containing("quarter", date(2026, 8, 17)).label
    'Triwulan III 2026'
    """
    if kind not in PERIOD_KINDS:
        raise InvalidPeriod(f"Unknown period kind {kind!r}; use one of {', '.join(PERIOD_KINDS)}.")
    if isinstance(day, datetime) or not isinstance(day, date):
        raise InvalidPeriod(
            f"Pass a local date (datetime.date), not {type(day).__name__}; convert times to the unit's zone first."
        )
    start, end = _period_of(kind, day)
    return Period(kind, start, end)


def parse_period(text: str) -> Period:
    """Parse a period code: ``2026-10-01``, ``2026-10``, ``2026-Q4``, ``2026-S2`` or ``2026`` (spec §5, §6).

    >>> parse_period("2026-S2")
    Period(kind='semester', start=datetime.date(2026, 7, 1), end=datetime.date(2027, 1, 1))
    >>> parse_period("2026-13")
    Traceback (most recent call last):
    ...
    scoring.errors.InvalidPeriod: '2026-13' is not a valid period: the month must be from 01 to 12.
    """
    if not isinstance(text, str):
        raise InvalidPeriod(f"A period code must be text such as {_FORMS}; got {text!r}.")
    if match := _DAY_RE.fullmatch(text):
        year, month, day = (int(g) for g in match.groups())
        _check_year(year, text)
        if not 1 <= month <= 12:
            raise InvalidPeriod(f"{text!r} is not a valid period: the month must be from 01 to 12.")
        try:
            local = date(year, month, day)
        except ValueError:
            raise InvalidPeriod(
                f"{text!r} is not a valid period: {_MONTH_NAMES_EN[month - 1]} {year} has no day {day}."
            ) from None
        return period_containing("day", local)
    if match := _MONTH_RE.fullmatch(text):
        year, month = (int(g) for g in match.groups())
        _check_year(year, text)
        if not 1 <= month <= 12:
            raise InvalidPeriod(f"{text!r} is not a valid period: the month must be from 01 to 12.")
        return period_containing("month", date(year, month, 1))
    if match := _QUARTER_RE.fullmatch(text):
        year, quarter = (int(g) for g in match.groups())
        _check_year(year, text)
        if not 1 <= quarter <= 4:
            raise InvalidPeriod(f"{text!r} is not a valid period: the quarter must be Q1, Q2, Q3 or Q4.")
        return period_containing("quarter", date(year, 3 * quarter - 2, 1))
    if match := _SEMESTER_RE.fullmatch(text):
        year, semester = (int(g) for g in match.groups())
        _check_year(year, text)
        if semester not in (1, 2):
            raise InvalidPeriod(f"{text!r} is not a valid period: the semester must be S1 or S2.")
        return period_containing("semester", date(year, 6 * semester - 5, 1))
    if match := _YEAR_RE.fullmatch(text):
        year = int(match.group(1))
        _check_year(year, text)
        return period_containing("year", date(year, 1, 1))
    raise InvalidPeriod(f"{text!r} is not a period code. Use {_FORMS}.")


def last_n(period: Period, n: int) -> tuple[Period, ...]:
    """The ``n`` periods of the same kind ending with ``period``, oldest first, for trends (spec §1.5, §5).

    >>> [p.id for p in last_n(parse_period("2026-Q2"), 4)]
    ['2025-Q3', '2025-Q4', '2026-Q1', '2026-Q2']
    """
    count = to_int(n, "The number of periods", minimum=1, error=InvalidParameter)
    periods = [period]
    for _ in range(count - 1):
        periods.append(periods[-1].previous())
    return tuple(reversed(periods))
