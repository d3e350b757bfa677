"""Working days and the 3-working-day first-response rule for complaints (spec §2.4)."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from scoring import (
    InvalidParameter,
    add_working_days,
    answered_in_time,
    first_response_due,
    is_working_day,
)

INDEPENDENCE_DAY = date(2026, 8, 17)  # a Monday


def test_weekends_and_listed_holidays_are_not_working_days() -> None:
    assert is_working_day(date(2026, 8, 14))  # Friday
    assert not is_working_day(date(2026, 8, 15))  # Saturday
    assert not is_working_day(date(2026, 8, 16))  # Sunday
    assert is_working_day(INDEPENDENCE_DAY)
    assert not is_working_day(INDEPENDENCE_DAY, {INDEPENDENCE_DAY})


def test_adding_working_days_skips_weekends_and_holidays() -> None:
    assert add_working_days(date(2026, 8, 13), 0) == date(2026, 8, 13)
    assert add_working_days(date(2026, 8, 13), 1) == date(2026, 8, 14)
    assert add_working_days(date(2026, 8, 14), 1) == date(2026, 8, 17)
    assert add_working_days(date(2026, 8, 14), 1, [INDEPENDENCE_DAY]) == date(2026, 8, 18)


def test_first_response_is_due_three_working_days_after_receipt() -> None:
    assert first_response_due(date(2026, 8, 12)) == date(2026, 8, 17)  # Wednesday → Monday
    assert first_response_due(date(2026, 8, 12), {INDEPENDENCE_DAY}) == date(2026, 8, 18)
    assert first_response_due(date(2026, 8, 15)) == date(2026, 8, 19)  # received on a Saturday


def test_answered_in_time() -> None:
    assert answered_in_time(date(2026, 8, 12), date(2026, 8, 12))
    assert answered_in_time(date(2026, 8, 12), date(2026, 8, 18), {INDEPENDENCE_DAY})
    assert not answered_in_time(date(2026, 8, 12), date(2026, 8, 18))
    with pytest.raises(InvalidParameter, match="before it was received"):
        answered_in_time(date(2026, 8, 12), date(2026, 8, 11))


@pytest.mark.parametrize("value", [datetime(2026, 8, 12, 9), "2026-08-12", None])
def test_days_must_be_local_dates(value: object) -> None:
    with pytest.raises(InvalidParameter, match="local date"):
        is_working_day(value)  # type: ignore[arg-type]
    with pytest.raises(InvalidParameter):
        add_working_days(date(2026, 8, 12), -1)
