"""Periods: the five code forms, labels, neighbours and invalid codes (spec §5, §6)."""

from __future__ import annotations

from datetime import date, datetime

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scoring import PERIOD_KINDS, InvalidParameter, InvalidPeriod, Period, last_n, parse_period, period_containing


@pytest.mark.parametrize(
    ("code", "kind", "start", "end", "label"),
    [
        ("2026-10-01", "day", date(2026, 10, 1), date(2026, 10, 2), "1 Oktober 2026"),
        ("2026-07", "month", date(2026, 7, 1), date(2026, 8, 1), "Juli 2026"),
        ("2026-Q3", "quarter", date(2026, 7, 1), date(2026, 10, 1), "Triwulan III 2026"),
        ("2026-Q4", "quarter", date(2026, 10, 1), date(2027, 1, 1), "Triwulan IV 2026"),
        ("2026-S2", "semester", date(2026, 7, 1), date(2027, 1, 1), "Semester II 2026"),
        ("2026-S1", "semester", date(2026, 1, 1), date(2026, 7, 1), "Semester I 2026"),
        ("2026", "year", date(2026, 1, 1), date(2027, 1, 1), "Tahun 2026"),
    ],
)
def test_every_code_form_parses_to_a_half_open_interval(
    code: str, kind: str, start: date, end: date, label: str
) -> None:
    period = parse_period(code)
    assert (period.kind, period.start, period.end, period.label) == (kind, start, end, label)
    assert period.id == code
    assert start in period
    assert end not in period


def test_english_labels() -> None:
    assert parse_period("2026-Q1").label_en == "Quarter I 2026"
    assert parse_period("2026-S2").label_en == "Semester II 2026"
    assert parse_period("2026-08-17").label_en == "17 August 2026"


def test_day_and_month_labels_use_indonesian_month_names() -> None:
    assert parse_period("2026-08-17").label == "17 Agustus 2026"
    assert [parse_period(f"2026-{m:02d}").label.split()[0] for m in (1, 2, 3, 5, 12)] == [
        "Januari",
        "Februari",
        "Maret",
        "Mei",
        "Desember",
    ]


@pytest.mark.parametrize(
    ("code", "previous", "following"),
    [
        ("2026-01-01", "2025-12-31", "2026-01-02"),
        ("2025-12-31", "2025-12-30", "2026-01-01"),
        ("2028-02-28", "2028-02-27", "2028-02-29"),
        ("2026-01", "2025-12", "2026-02"),
        ("2025-12", "2025-11", "2026-01"),
        ("2026-Q1", "2025-Q4", "2026-Q2"),
        ("2025-Q4", "2025-Q3", "2026-Q1"),
        ("2026-S1", "2025-S2", "2026-S2"),
        ("2025-S2", "2025-S1", "2026-S1"),
        ("2026", "2025", "2027"),
    ],
)
def test_previous_and_next_cross_year_boundaries(code: str, previous: str, following: str) -> None:
    period = parse_period(code)
    assert period.previous().id == previous
    assert period.next().id == following


def test_days_in_a_period() -> None:
    assert parse_period("2028-02").days == 29
    assert parse_period("2027-02").days == 28
    assert parse_period("2026-Q3").days == 92
    assert parse_period("2028").days == 366


@pytest.mark.parametrize(
    ("code", "message"),
    [
        ("2026-13", "month must be from 01 to 12"),
        ("2026-00", "month must be from 01 to 12"),
        ("2026-Q5", "quarter must be Q1, Q2, Q3 or Q4"),
        ("2026-Q0", "quarter must be"),
        ("2026-S3", "semester must be S1 or S2"),
        ("2026-02-30", "February 2026 has no day 30"),
        ("2026-13-01", "month must be"),
        ("0000", "year must be from 0001"),
        ("9999", "year must be from 0001 to 9998"),
        ("26-10", "is not a period code"),
        ("2026/10", "is not a period code"),
        ("2026-q4", "is not a period code"),
        ("2026-10-1", "is not a period code"),
        (" 2026", "is not a period code"),
        ("", "is not a period code"),
        ("２０２６", "is not a period code"),
        ("2026-W40", "is not a period code"),
    ],
)
def test_invalid_codes_are_rejected_with_a_clear_message(code: str, message: str) -> None:
    with pytest.raises(InvalidPeriod, match=message):
        parse_period(code)


@pytest.mark.parametrize("value", [None, 2026, date(2026, 1, 1)])
def test_non_text_codes_are_rejected(value: object) -> None:
    with pytest.raises(InvalidPeriod, match="must be text"):
        parse_period(value)  # type: ignore[arg-type]


def test_the_constructor_only_accepts_real_period_boundaries() -> None:
    assert Period("quarter", date(2026, 4, 1), date(2026, 7, 1)) == parse_period("2026-Q2")
    with pytest.raises(InvalidPeriod, match="is not a quarter"):
        Period("quarter", date(2026, 5, 1), date(2026, 8, 1))
    with pytest.raises(InvalidPeriod, match="is not a month"):
        Period("month", date(2026, 5, 1), date(2026, 5, 31))
    with pytest.raises(InvalidPeriod, match="Unknown period kind"):
        Period("week", date(2026, 5, 4), date(2026, 5, 11))  # type: ignore[arg-type]


def test_period_containing_wants_a_local_date_not_a_datetime() -> None:
    assert period_containing("month", date(2026, 10, 31)).id == "2026-10"
    with pytest.raises(InvalidPeriod, match="local date"):
        period_containing("month", datetime(2026, 10, 31, 23, 30))
    with pytest.raises(InvalidPeriod, match="Unknown period kind"):
        period_containing("week", date(2026, 10, 31))
    assert datetime(2026, 10, 1, 8) not in parse_period("2026-10")


def test_last_n_gives_periods_for_a_trend_oldest_first() -> None:
    assert [p.id for p in last_n(parse_period("2026-Q1"), 5)] == ["2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4", "2026-Q1"]
    assert [p.id for p in last_n(parse_period("2026-02"), 3)] == ["2025-12", "2026-01", "2026-02"]
    assert last_n(parse_period("2026"), 1) == (parse_period("2026"),)
    with pytest.raises(InvalidParameter):
        last_n(parse_period("2026"), 0)


def test_there_is_nothing_before_the_first_or_after_the_last_supported_year() -> None:
    with pytest.raises(InvalidPeriod, match="no period before"):
        parse_period("0001-01-01").previous()
    with pytest.raises(InvalidPeriod, match="no period after"):
        parse_period("9998-S2").next()


def test_periods_are_hashable_values() -> None:
    assert {parse_period("2026-Q4"), period_containing("quarter", date(2026, 11, 5))} == {parse_period("2026-Q4")}
    assert parse_period("2026-10").to_dict() == {
        "id": "2026-10",
        "kind": "month",
        "start": "2026-10-01",
        "end": "2026-11-01",
        "label": "Oktober 2026",
        "label_en": "October 2026",
    }


kinds = st.sampled_from(PERIOD_KINDS)
days = st.dates(min_value=date(1900, 1, 1), max_value=date(2200, 12, 31))


@given(kinds, days)
def test_a_period_contains_its_day_and_round_trips_through_its_id(kind: str, day: date) -> None:
    period = period_containing(kind, day)
    assert day in period
    assert parse_period(period.id) == period
    assert period.kind == kind


@given(kinds, days)
def test_neighbours_tile_the_calendar(kind: str, day: date) -> None:
    period = period_containing(kind, day)
    assert period.next().start == period.end
    assert period.previous().end == period.start
    assert period.next().previous() == period
    assert period.previous().next() == period
