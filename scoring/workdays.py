"""Working days for the SP4N-LAPOR complaint deadlines: Monday–Friday less the admin's holidays (spec §2.4)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import date, datetime, timedelta

from scoring._exact import to_int
from scoring.errors import InvalidParameter

__all__ = [
    "FIRST_RESPONSE_WORKING_DAYS",
    "add_working_days",
    "answered_in_time",
    "first_response_due",
    "is_working_day",
]

#: A complaint's first response is due within this many working days (spec §2.4).
FIRST_RESPONSE_WORKING_DAYS = 3


def _local_date(value: object, what: str) -> date:
    if isinstance(value, datetime) or not isinstance(value, date):
        raise InvalidParameter(f"{what} must be a local date (datetime.date) in the unit's zone; got {value!r}.")
    return value


def is_working_day(day: date, holidays: Collection[date] = ()) -> bool:
    """Whether a local date is Monday–Friday and not in the holiday list (spec §2.4).

    >>> is_working_day(date(2026, 8, 17), {date(2026, 8, 17)}), is_working_day(date(2026, 8, 18))
    (False, True)
    """
    local = _local_date(day, "The day")
    return local.weekday() < 5 and local not in holidays


def add_working_days(day: date, n: int, holidays: Collection[date] = ()) -> date:
    """The local date ``n`` working days after ``day`` (``day`` itself when n = 0) (spec §2.4).

    >>> add_working_days(date(2026, 10, 2), 3)  # a Friday
    datetime.date(2026, 10, 7)
    """
    current = _local_date(day, "The day")
    remaining = to_int(n, "The number of working days", minimum=0)
    off = frozenset(holidays)
    while remaining:
        current += timedelta(days=1)
        if current.weekday() < 5 and current not in off:
            remaining -= 1
    return current


def first_response_due(received: date, holidays: Collection[date] = ()) -> date:
    """Last local date on which a first response is on time: 3 working days after receipt (spec §2.4).

    >>> first_response_due(date(2026, 10, 3))  # received on a Saturday
    datetime.date(2026, 10, 7)
    """
    return add_working_days(received, FIRST_RESPONSE_WORKING_DAYS, holidays)


def answered_in_time(received: date, answered: date, holidays: Collection[date] = ()) -> bool:
    """Whether a first response on local date ``answered`` is within 3 working days of ``received`` (spec §2.4).

    >>> answered_in_time(date(2026, 10, 2), date(2026, 10, 7)), answered_in_time(date(2026, 10, 2), date(2026, 10, 8))
    (True, False)
    """
    if _local_date(answered, "The answer date") < _local_date(received, "The received date"):
        raise InvalidParameter("A complaint cannot be answered before it was received.")
    return answered <= first_response_due(received, holidays)
