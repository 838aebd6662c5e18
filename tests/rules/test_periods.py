"""Reporting periods: months, calendar quarters, financial years and their instants."""

from datetime import UTC, date, datetime
from zoneinfo import ZoneInfo

import pytest

from rules.periods import (
    FINANCIAL_YEAR,
    MONTH,
    QUARTER,
    Period,
    financial_year,
    last_n,
    local_midnight,
    month,
    parse,
    period_containing,
    previous,
    quarter,
    shift,
)


def test_a_month_runs_from_its_first_day_to_the_first_of_the_next():
    period = period_containing(MONTH, date(2026, 2, 14))
    assert period == Period(MONTH, date(2026, 2, 1), date(2026, 3, 1), "February 2026")
    assert period_containing(MONTH, date(2026, 12, 31)).end == date(2027, 1, 1)


@pytest.mark.parametrize(
    ("day", "start", "end", "label"),
    [
        (date(2026, 1, 1), date(2026, 1, 1), date(2026, 4, 1), "Jan\u2013Mar 2026"),
        (date(2026, 3, 31), date(2026, 1, 1), date(2026, 4, 1), "Jan\u2013Mar 2026"),
        (date(2026, 4, 1), date(2026, 4, 1), date(2026, 7, 1), "Apr\u2013Jun 2026"),
        (date(2026, 8, 15), date(2026, 7, 1), date(2026, 10, 1), "Jul\u2013Sep 2026"),
        (date(2026, 12, 31), date(2026, 10, 1), date(2027, 1, 1), "Oct\u2013Dec 2026"),
    ],
)
def test_quarters_are_calendar_quarters_labelled_by_their_months(day, start, end, label):
    assert period_containing(QUARTER, day) == Period(QUARTER, start, end, label)


@pytest.mark.parametrize(
    ("day", "start_year", "label"),
    [
        (date(2026, 6, 30), 2025, "2025\u201326"),
        (date(2026, 7, 1), 2026, "2026\u201327"),
        (date(2026, 1, 15), 2025, "2025\u201326"),
        (date(2026, 12, 31), 2026, "2026\u201327"),
        (date(1999, 7, 1), 1999, "1999\u201300"),
    ],
)
def test_the_financial_year_runs_from_1_july_to_30_june(day, start_year, label):
    period = period_containing(FINANCIAL_YEAR, day)
    assert period.start == date(start_year, 7, 1)
    assert period.end == date(start_year + 1, 7, 1)
    assert period.label == label
    assert period == financial_year(start_year)


def test_a_datetime_falls_in_the_period_of_its_own_date():
    assert period_containing(QUARTER, datetime(2026, 6, 30, 23, 59)) == quarter(2026, 2)


def test_previous_steps_back_whole_periods_across_year_ends():
    assert previous(quarter(2026, 1)) == quarter(2025, 4)
    assert previous(quarter(2026, 1), 5) == quarter(2024, 4)
    assert previous(month(2026, 1), 13) == month(2024, 12)
    assert previous(financial_year(2025), 2) == financial_year(2023)
    assert previous(quarter(2026, 3), 0) == quarter(2026, 3)
    assert shift(quarter(2026, 4), 1) == quarter(2027, 1)


def test_last_n_ends_with_the_period_today_is_in_oldest_first():
    quarters = last_n(QUARTER, 8, date(2026, 5, 20))
    assert [p.key for p in quarters] == [
        "2024-Q3",
        "2024-Q4",
        "2025-Q1",
        "2025-Q2",
        "2025-Q3",
        "2025-Q4",
        "2026-Q1",
        "2026-Q2",
    ]
    assert last_n(FINANCIAL_YEAR, 2, date(2026, 7, 1)) == [
        financial_year(2025),
        financial_year(2026),
    ]
    assert last_n(MONTH, 0, date(2026, 7, 1)) == []


def test_period_boundaries_are_local_midnight_in_brisbane_by_default():
    start, end = financial_year(2025).utc_bounds()
    assert start == datetime(2025, 6, 30, 14, 0, tzinfo=UTC)
    assert end == datetime(2026, 6, 30, 14, 0, tzinfo=UTC)


def test_period_boundaries_follow_daylight_saving_in_the_zone_asked_for():
    # Melbourne: standard time (+10) on 1 July, daylight time (+11) on 1 January.
    start, end = quarter(2026, 3).utc_bounds("Australia/Melbourne")
    assert start == datetime(2026, 6, 30, 14, 0, tzinfo=UTC)
    assert end == datetime(2026, 9, 30, 14, 0, tzinfo=UTC)
    start, _ = quarter(2026, 1).utc_bounds(ZoneInfo("Australia/Melbourne"))
    assert start == datetime(2025, 12, 31, 13, 0, tzinfo=UTC)
    assert local_midnight(date(2026, 1, 1), "UTC") == datetime(2026, 1, 1, tzinfo=UTC)


def test_an_instant_belongs_to_the_period_of_its_local_day():
    year = financial_year(2025)
    brisbane = ZoneInfo("Australia/Brisbane")
    last_minute = datetime(2026, 6, 30, 23, 59, tzinfo=brisbane)
    first_instant_after = datetime(2026, 7, 1, 0, 0, tzinfo=brisbane)
    assert year.contains_instant(last_minute)
    assert not year.contains_instant(first_instant_after)
    assert financial_year(2026).contains_instant(first_instant_after)
    assert year.contains(date(2026, 6, 30)) and not year.contains(date(2026, 7, 1))


@pytest.mark.parametrize(
    "period", [month(2026, 7), quarter(2026, 3), financial_year(2025), financial_year(1999)]
)
def test_a_key_names_its_period_and_parses_back(period):
    assert parse(period.key) == period


def test_keys_read_as_people_write_them():
    assert month(2026, 7).key == "2026-07"
    assert quarter(2026, 3).key == "2026-Q3"
    assert financial_year(2025).key == "FY2025-26"
    assert parse("fy2025-26") == financial_year(2025)
    assert parse(" 2026-q1 ") == quarter(2026, 1)


@pytest.mark.parametrize(
    "key",
    [
        "",
        "2026",
        "2026-13",
        "2026-Q5",
        "FY2025-27",
        "July 2026",
        "0001-01",
        "9999-12",
        "FY0000-01",
    ],
)
def test_a_key_that_names_no_period_is_refused_in_words(key):
    with pytest.raises(ValueError, match="does not name"):
        parse(key)


def test_an_unknown_kind_of_period_is_refused():
    with pytest.raises(ValueError, match="Unknown kind of period"):
        period_containing("week", date(2026, 1, 1))
    with pytest.raises(ValueError, match="quarter is numbered"):
        quarter(2026, 0)
