"""The clock, rule by rule (docs/domain.md, "Calendars and due dates").

Expected instants are written in local time, as a coordinator would read them off a wall
calendar, and compared as instants.
"""

import itertools
import time as timer
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from rules.clock import (
    BusinessCalendar,
    CalendarError,
    CalendarSpec,
    Closure,
    HolidayEntry,
    SkippedDay,
    Unit,
    UnreachableDueDate,
    local_text,
    parse_unit,
    validate_spec,
)

MELBOURNE = ZoneInfo("Australia/Melbourne")
BRISBANE = ZoneInfo("Australia/Brisbane")
WEEKDAYS = range(5)


def weekdays(*windows):
    """The same opening windows Monday to Friday, from "HH:MM" pairs."""
    parsed = [(time.fromisoformat(opens), time.fromisoformat(closes)) for opens, closes in windows]
    return {day: parsed for day in WEEKDAYS}


def vic_spec(**changes):
    fields = dict(
        code="AU-VIC",
        name="Victoria",
        timezone="Australia/Melbourne",
        windows=weekdays(("08:30", "17:30")),
        holiday_country="AU",
        holiday_subdivision="VIC",
    )
    fields.update(changes)
    return CalendarSpec(**fields)


def qld_spec(**changes):
    fields = dict(
        code="AU-QLD",
        name="Queensland",
        timezone="Australia/Brisbane",
        windows=weekdays(("08:30", "17:00")),
        holiday_country="AU",
        holiday_subdivision="QLD",
    )
    fields.update(changes)
    return CalendarSpec(**fields)


VIC = BusinessCalendar(vic_spec())
QLD = BusinessCalendar(qld_spec())


def mel(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=MELBOURNE)


def bne(year, month, day, hour=0, minute=0):
    return datetime(year, month, day, hour, minute, tzinfo=BRISBANE)


# --- business days: day 0 ---------------------------------------------------------------


def test_received_before_closing_on_a_business_day_makes_that_day_day_zero():
    assert VIC.due(mel(2025, 10, 7, 10), 1, Unit.BUSINESS_DAYS) == mel(2025, 10, 8, 17, 30)


def test_received_before_opening_on_a_business_day_makes_that_day_day_zero():
    assert VIC.due(mel(2025, 10, 7, 7), 0, Unit.BUSINESS_DAYS) == mel(2025, 10, 7, 17, 30)


def test_received_exactly_at_closing_time_starts_next_business_day():
    assert VIC.due(mel(2025, 10, 7, 17, 30), 0, Unit.BUSINESS_DAYS) == mel(2025, 10, 8, 17, 30)


def test_received_one_minute_before_closing_counts_that_day():
    assert VIC.due(mel(2025, 10, 7, 17, 29), 0, Unit.BUSINESS_DAYS) == mel(2025, 10, 7, 17, 30)


def test_received_after_closing_starts_next_business_day():
    # Friday evening: day 0 is Monday, over the weekend (and the DST change).
    assert VIC.due(mel(2025, 10, 3, 18), 0, Unit.BUSINESS_DAYS) == mel(2025, 10, 6, 17, 30)


def test_received_on_a_weekend_starts_next_business_day():
    assert VIC.due(mel(2025, 10, 4, 11), 1, Unit.BUSINESS_DAYS) == mel(2025, 10, 7, 17, 30)


def test_received_on_a_public_holiday_starts_next_business_day():
    # Melbourne Cup Day, Tuesday 4 November 2025.
    assert VIC.due(mel(2025, 11, 4, 10), 0, Unit.BUSINESS_DAYS) == mel(2025, 11, 5, 17, 30)


def test_zero_business_days_is_closing_time_of_day_zero():
    assert VIC.due(mel(2025, 10, 7, 16, 59), 0, Unit.BUSINESS_DAYS) == mel(2025, 10, 7, 17, 30)


def test_business_days_count_only_business_days_after_day_zero():
    # Wednesday 10:00 + 5 business days: Thu, Fri, Mon, Tue, Wed.
    assert VIC.due(mel(2025, 10, 8, 10), 5, Unit.BUSINESS_DAYS) == mel(2025, 10, 15, 17, 30)


def test_business_days_due_is_returned_in_utc():
    due = VIC.due(mel(2025, 10, 8, 10), 1, "business-days")
    assert due.utcoffset() == timedelta(0)
    assert due == datetime(2025, 10, 9, 6, 30, tzinfo=UTC)


# --- business hours and minutes ---------------------------------------------------------


def test_the_victorian_example_over_the_start_of_daylight_saving():
    # Friday 16:00 AEST: 1.5 h on Friday, 4.5 h from Monday 08:30 AEDT.
    due = VIC.due(mel(2025, 10, 3, 16), 6, Unit.BUSINESS_HOURS)
    assert due == datetime.fromisoformat("2025-10-06T13:00:00+11:00")


def test_business_hours_ending_exactly_at_closing_time_are_due_at_closing_time():
    due = VIC.due(mel(2025, 10, 7, 8, 30), 9, Unit.BUSINESS_HOURS)
    assert due == mel(2025, 10, 7, 17, 30)


def test_zero_business_hours_received_when_open_is_due_on_receipt():
    assert VIC.due(mel(2025, 10, 7, 10, 15), 0, Unit.BUSINESS_HOURS) == mel(2025, 10, 7, 10, 15)


def test_zero_business_hours_received_when_closed_is_due_at_the_next_opening():
    assert VIC.due(mel(2025, 10, 7, 18), 0, Unit.BUSINESS_HOURS) == mel(2025, 10, 8, 8, 30)


def test_business_hours_received_before_opening_start_at_opening():
    assert VIC.due(mel(2025, 10, 7, 6), 1, Unit.BUSINESS_HOURS) == mel(2025, 10, 7, 9, 30)


def test_business_hours_received_at_closing_time_start_next_business_day():
    assert VIC.due(mel(2025, 10, 7, 17, 30), 1, Unit.BUSINESS_HOURS) == mel(2025, 10, 8, 9, 30)


def test_business_hours_received_on_a_weekend_start_on_monday():
    assert VIC.due(mel(2025, 10, 11, 12), 2, Unit.BUSINESS_HOURS) == mel(2025, 10, 13, 10, 30)


def test_business_hours_received_on_a_holiday_start_next_business_day():
    # Melbourne Cup Day 2025 (Tuesday): the clock starts Wednesday 08:30.
    assert VIC.due(mel(2025, 11, 4, 9), 3, Unit.BUSINESS_HOURS) == mel(2025, 11, 5, 11, 30)


def test_business_hours_skip_a_public_holiday_in_the_middle():
    # Monday 3 Nov 16:30 + 2 h: 1 h on Monday, Cup Day skipped, 1 h on Wednesday.
    assert VIC.due(mel(2025, 11, 3, 16, 30), 2, Unit.BUSINESS_HOURS) == mel(2025, 11, 5, 9, 30)


def test_business_minutes_count_minutes_of_opening_hours():
    assert VIC.due(mel(2025, 10, 7, 17, 20), 25, Unit.BUSINESS_MINUTES) == mel(2025, 10, 8, 8, 45)


def test_a_large_amount_of_business_hours_is_counted_exactly():
    # 720 business hours = 80 business days of 9 h from Monday 6 Oct 2025 08:30.
    due = VIC.due(mel(2025, 10, 6, 8, 30), 720, Unit.BUSINESS_HOURS)
    assert due == VIC.due(mel(2025, 10, 6, 8, 30), 79, Unit.BUSINESS_DAYS)


LUNCH = BusinessCalendar(
    vic_spec(code="LUNCH", windows=weekdays(("08:30", "12:30"), ("13:30", "17:00")))
)
SPLIT = BusinessCalendar(
    vic_spec(code="SPLIT", windows=weekdays(("07:00", "11:00"), ("15:00", "21:00")))
)


def test_business_hours_skip_the_lunch_break():
    assert LUNCH.due(mel(2025, 10, 7, 12), 1, Unit.BUSINESS_HOURS) == mel(2025, 10, 7, 14)


def test_received_during_the_lunch_break_starts_after_lunch():
    assert LUNCH.due(mel(2025, 10, 7, 12, 45), 0, Unit.BUSINESS_HOURS) == mel(2025, 10, 7, 13, 30)
    assert LUNCH.due(mel(2025, 10, 7, 12, 45), 30, "business-minutes") == mel(2025, 10, 7, 14)


def test_an_amount_ending_when_the_morning_window_closes_is_due_then_not_after_lunch():
    assert LUNCH.due(mel(2025, 10, 7, 11, 30), 1, Unit.BUSINESS_HOURS) == mel(2025, 10, 7, 12, 30)


def test_business_hours_run_across_a_split_shift():
    # Tuesday 10:00 + 3 h: 1 h to 11:00, then 2 h from 15:00.
    assert SPLIT.due(mel(2025, 10, 7, 10), 3, Unit.BUSINESS_HOURS) == mel(2025, 10, 7, 17)
    # 10 h on a split-shift day runs from 07:00 to 21:00.
    assert SPLIT.due(mel(2025, 10, 7, 6), 10, Unit.BUSINESS_HOURS) == mel(2025, 10, 7, 21)


def test_closing_time_of_a_split_shift_day_is_the_end_of_its_last_window():
    assert SPLIT.due(mel(2025, 10, 7, 12), 0, Unit.BUSINESS_DAYS) == mel(2025, 10, 7, 21)


def test_a_window_ending_at_midnight_runs_to_the_end_of_the_day():
    late = BusinessCalendar(vic_spec(code="LATE", windows=weekdays(("18:00", "00:00"))))
    assert late.due(mel(2025, 10, 7, 12), 0, Unit.BUSINESS_DAYS) == mel(2025, 10, 8)
    assert late.due(mel(2025, 10, 7, 23), 2, Unit.BUSINESS_HOURS) == mel(2025, 10, 8, 19)


# --- daylight saving in Melbourne ------------------------------------------------------


def test_business_hours_over_the_end_of_daylight_saving_in_april_2026():
    # Thursday 2 April 16:30 AEDT + 3 h: 1 h Thursday; Good Friday, the weekend (DST ends
    # Sunday 5 April) and Easter Monday skipped; 2 h from Tuesday 08:30 AEST.
    due = VIC.due(mel(2026, 4, 2, 16, 30), 3, Unit.BUSINESS_HOURS)
    assert due == datetime.fromisoformat("2026-04-07T10:30:00+10:00")


def test_business_days_over_the_start_of_daylight_saving_close_at_local_closing_time():
    due = VIC.due(mel(2025, 10, 3, 10), 1, Unit.BUSINESS_DAYS)
    assert due == datetime.fromisoformat("2025-10-06T17:30:00+11:00")


def test_calendar_hours_are_elapsed_time_over_the_start_of_daylight_saving():
    due = VIC.due(mel(2025, 10, 4, 12), 24, Unit.CALENDAR_HOURS)
    assert due == datetime.fromisoformat("2025-10-05T13:00:00+11:00")


def test_calendar_hours_are_elapsed_time_over_the_end_of_daylight_saving():
    due = VIC.due(mel(2026, 4, 4, 12), 24, Unit.CALENDAR_HOURS)
    assert due == datetime.fromisoformat("2026-04-05T11:00:00+10:00")


def test_calendar_days_keep_the_local_wall_clock_over_the_start_of_daylight_saving():
    start = mel(2025, 10, 4, 12)
    due = VIC.due(start, 1, Unit.CALENDAR_DAYS)
    assert due == datetime.fromisoformat("2025-10-05T12:00:00+11:00")
    assert due - start == timedelta(hours=23)


def test_calendar_days_keep_the_local_wall_clock_over_the_end_of_daylight_saving():
    start = mel(2026, 4, 4, 12)
    due = VIC.due(start, 1, Unit.CALENDAR_DAYS)
    assert due == datetime.fromisoformat("2026-04-05T12:00:00+10:00")
    assert due - start == timedelta(hours=25)


def test_calendar_days_landing_in_the_skipped_hour_resolve_to_the_hour_after():
    # 02:30 on Sunday 5 October 2025 does not exist in Melbourne: read as 03:30 AEDT.
    due = VIC.due(mel(2025, 10, 4, 2, 30), 1, Unit.CALENDAR_DAYS)
    assert due == datetime.fromisoformat("2025-10-05T03:30:00+11:00")


def test_calendar_days_landing_in_the_repeated_hour_take_its_first_occurrence():
    due = VIC.due(mel(2026, 4, 4, 2, 30), 1, Unit.CALENDAR_DAYS)
    assert due == datetime.fromisoformat("2026-04-05T02:30:00+11:00")


def test_zero_calendar_days_is_due_on_receipt():
    # The second 02:30 of Sunday 5 April 2026 (AEST) stays the second one.
    start = mel(2026, 4, 5, 2, 30).replace(fold=1)
    assert VIC.due(start, 0, Unit.CALENDAR_DAYS) == datetime(2026, 4, 4, 16, 30, tzinfo=UTC)


def test_business_hours_in_brisbane_have_no_daylight_saving():
    due = QLD.due(bne(2025, 10, 3, 16), 6, Unit.BUSINESS_HOURS)
    assert due == datetime.fromisoformat("2025-10-07T13:30:00+10:00")  # 6 Oct: King's Birthday


# --- state holidays (names as the holidays package gives them) -----------------------------

QLD_STATE_HOLIDAYS = [
    (date(2025, 5, 5), "Labor Day"),
    (date(2026, 5, 4), "Labor Day"),
    (date(2025, 8, 13), "The Royal Queensland Show"),
    (date(2026, 8, 12), "The Royal Queensland Show"),
    (date(2025, 10, 6), "King's Birthday"),
    (date(2026, 10, 5), "King's Birthday"),
]
VIC_STATE_HOLIDAYS = [
    (date(2025, 3, 10), "Labor Day"),
    (date(2026, 3, 9), "Labor Day"),
    (date(2025, 6, 9), "King's Birthday"),
    (date(2026, 6, 8), "King's Birthday"),
    (date(2025, 9, 26), "Friday before the AFL Grand Final"),
    (date(2026, 9, 25), "Friday before the AFL Grand Final"),
    # The holidays package gives Melbourne Cup Day to all of VIC, though by law it is a
    # Melbourne-metropolitan holiday; a regional office marks it worked and adds its own.
    (date(2025, 11, 4), "Melbourne Cup Day"),
    (date(2026, 11, 3), "Melbourne Cup Day"),
]


@pytest.mark.parametrize(("day", "name"), QLD_STATE_HOLIDAYS)
def test_queensland_state_holidays_are_days_off_in_queensland_only(day, name):
    assert not QLD.is_business_day(day)
    assert QLD.day_off_reason(day) == f"{name} (public holiday)"
    assert VIC.is_business_day(day)


@pytest.mark.parametrize(("day", "name"), VIC_STATE_HOLIDAYS)
def test_victorian_state_holidays_are_days_off_in_victoria_only(day, name):
    assert not VIC.is_business_day(day)
    assert VIC.day_off_reason(day) == f"{name} (public holiday)"
    assert QLD.is_business_day(day)


def test_the_show_holiday_moves_a_queensland_due_date():
    # Tuesday 12 August 2025 10:00 + 1 business day: Wednesday is the Ekka holiday.
    assert QLD.due(bne(2025, 8, 12, 10), 1, Unit.BUSINESS_DAYS) == bne(2025, 8, 14, 17)


def test_queensland_christmas_eve_evening_holiday_does_not_touch_office_hours():
    # The package lists "Christmas Eve (from 6pm)" only as a half-day category, after 17:00.
    assert QLD.is_business_day(date(2025, 12, 24))
    assert QLD.due(bne(2025, 12, 24, 9), 0, Unit.BUSINESS_DAYS) == bne(2025, 12, 24, 17)


def test_boxing_day_on_a_saturday_is_observed_on_the_monday():
    assert VIC.day_off_reason(date(2026, 12, 28)) == "Boxing Day (observed) (public holiday)"
    # Thursday 24 Dec 2026 after closing: Christmas Friday, weekend, observed Monday.
    assert VIC.due(mel(2026, 12, 24, 18), 0, Unit.BUSINESS_DAYS) == mel(2026, 12, 29, 17, 30)


def test_christmas_and_boxing_day_on_a_weekend_are_observed_monday_and_tuesday():
    assert not QLD.is_business_day(date(2027, 12, 27))
    assert not QLD.is_business_day(date(2027, 12, 28))
    assert QLD.due(bne(2027, 12, 24, 10), 1, Unit.BUSINESS_DAYS) == bne(2027, 12, 29, 17)


def test_anzac_day_on_a_saturday_has_no_substitute_day():
    assert VIC.is_business_day(date(2026, 4, 27))
    assert QLD.is_business_day(date(2026, 4, 27))


# --- worked holidays and closures ---------------------------------------------------------


def test_a_worked_holiday_is_a_business_day():
    cup_worked = BusinessCalendar(vic_spec(worked_holidays=frozenset({date(2025, 11, 4)})))
    assert cup_worked.is_business_day(date(2025, 11, 4))
    assert cup_worked.day_off_reason(date(2025, 11, 4)) is None
    assert cup_worked.due(mel(2025, 11, 3, 10), 1, Unit.BUSINESS_DAYS) == mel(2025, 11, 4, 17, 30)


SHUTDOWN = Closure("Christmas shutdown", date(2025, 12, 29), date(2026, 1, 2))
EARLY_CLOSE = Closure(
    "Christmas Eve early close", date(2025, 12, 24), date(2025, 12, 24), time(12)
)
CLOSED_CAL = BusinessCalendar(vic_spec(closures=(SHUTDOWN, EARLY_CLOSE)))


def test_a_whole_day_closure_is_not_a_business_day():
    assert not CLOSED_CAL.is_business_day(date(2025, 12, 30))
    assert CLOSED_CAL.day_off_reason(date(2025, 12, 30)) == "Christmas shutdown (closure)"
    # Tuesday 23 Dec + 1 business day: 24th (closes at 12:00)...
    assert CLOSED_CAL.due(mel(2025, 12, 23, 10), 1, Unit.BUSINESS_DAYS) == mel(2025, 12, 24, 12)
    # ... + 2: holidays, weekend and the shutdown skipped, to Monday 5 January.
    assert CLOSED_CAL.due(mel(2025, 12, 23, 10), 2, Unit.BUSINESS_DAYS) == mel(2026, 1, 5, 17, 30)


def test_a_part_day_closure_moves_that_days_closing_time_earlier():
    assert CLOSED_CAL.is_business_day(date(2025, 12, 24))
    assert CLOSED_CAL.due(mel(2025, 12, 24, 11), 0, Unit.BUSINESS_DAYS) == mel(2025, 12, 24, 12)


def test_received_after_an_early_close_starts_the_next_business_day():
    due = CLOSED_CAL.due(mel(2025, 12, 24, 12, 30), 0, Unit.BUSINESS_DAYS)
    assert due == mel(2026, 1, 5, 17, 30)


def test_business_hours_stop_at_an_early_close():
    due = CLOSED_CAL.due(mel(2025, 12, 24, 11), 2, Unit.BUSINESS_HOURS)
    assert due == mel(2026, 1, 5, 9, 30)


def test_a_closure_in_the_middle_of_the_day_is_skipped_by_business_hours():
    meeting = Closure(
        "All-staff meeting", date(2025, 10, 7), date(2025, 10, 7), time(10), time(11)
    )
    calendar = BusinessCalendar(vic_spec(closures=(meeting,)))
    assert calendar.due(mel(2025, 10, 7, 9, 30), 1, Unit.BUSINESS_HOURS) == mel(
        2025, 10, 7, 11, 30
    )
    assert not calendar.is_open(mel(2025, 10, 7, 10, 30))


def test_a_part_day_closure_over_several_days_applies_on_each_day():
    training = Closure("Training", date(2025, 10, 7), date(2025, 10, 9), None, time(10, 30))
    calendar = BusinessCalendar(vic_spec(closures=(training,)))
    for day in (7, 8, 9):
        assert calendar.next_opening(mel(2025, 10, day, 8)) == mel(2025, 10, day, 10, 30)
    assert calendar.next_opening(mel(2025, 10, 10, 8)) == mel(2025, 10, 10, 8, 30)


def test_part_day_closures_covering_a_whole_day_make_it_a_day_off():
    morning = Closure("Stocktake", date(2025, 10, 7), date(2025, 10, 7), None, time(13))
    afternoon = Closure("Move", date(2025, 10, 7), date(2025, 10, 7), time(12))
    calendar = BusinessCalendar(vic_spec(closures=(morning, afternoon)))
    assert not calendar.is_business_day(date(2025, 10, 7))
    assert calendar.day_off_reason(date(2025, 10, 7)) == "Stocktake and Move (closure)"


# --- pauses ----------------------------------------------------------------------------


def test_a_pause_in_opening_hours_moves_the_due_by_the_paused_business_time():
    pauses = [(mel(2025, 10, 7, 10), mel(2025, 10, 7, 11))]
    assert VIC.due(mel(2025, 10, 7, 9), 4, Unit.BUSINESS_HOURS, pauses) == mel(2025, 10, 7, 14)


def test_overlapping_pauses_count_once():
    pauses = [
        (mel(2025, 10, 7, 10), mel(2025, 10, 7, 11)),
        (mel(2025, 10, 7, 10, 30), mel(2025, 10, 7, 11, 30)),
    ]
    due = VIC.due(mel(2025, 10, 7, 9), 4, Unit.BUSINESS_HOURS, pauses)
    assert due == mel(2025, 10, 7, 14, 30)


def test_a_pause_over_a_weekend_counts_only_business_time():
    # Friday 15:00 + 4 h; paused Friday 16:00 to Monday 09:30 (2.5 h of business time).
    pauses = [(mel(2025, 10, 10, 16), mel(2025, 10, 13, 9, 30))]
    due = VIC.due(mel(2025, 10, 10, 15), 4, Unit.BUSINESS_HOURS, pauses)
    assert due == mel(2025, 10, 13, 12, 30)


def test_a_later_pause_taken_in_by_the_moved_due_also_counts():
    # 09:00 + 4 h is 13:00; pause 10-12 moves it to 15:00, which takes in 13:30-14:00.
    pauses = [
        (mel(2025, 10, 7, 13, 30), mel(2025, 10, 7, 14)),
        (mel(2025, 10, 7, 10), mel(2025, 10, 7, 12)),
    ]
    due = VIC.due(mel(2025, 10, 7, 9), 4, Unit.BUSINESS_HOURS, pauses)
    assert due == mel(2025, 10, 7, 15, 30)


def test_an_amount_that_runs_out_just_as_a_pause_begins_is_due_then():
    pauses = [(mel(2025, 10, 7, 13), mel(2025, 10, 7, 15))]
    assert VIC.due(mel(2025, 10, 7, 9), 4, Unit.BUSINESS_HOURS, pauses) == mel(2025, 10, 7, 13)


def test_zero_business_hours_are_due_at_the_clock_start_even_when_paused():
    pauses = [(mel(2025, 10, 7, 8), mel(2025, 10, 7, 12))]
    assert VIC.due(mel(2025, 10, 7, 7), 0, Unit.BUSINESS_HOURS, pauses) == mel(2025, 10, 7, 8, 30)


def test_a_pause_after_the_due_does_not_move_it():
    pauses = [(mel(2025, 10, 8, 10), mel(2025, 10, 8, 11))]
    assert VIC.due(mel(2025, 10, 7, 9), 4, Unit.BUSINESS_HOURS, pauses) == mel(2025, 10, 7, 13)


def test_a_pause_before_the_clock_start_does_not_move_the_due():
    pauses = [(mel(2025, 10, 7, 18), mel(2025, 10, 8, 8))]
    due = VIC.due(mel(2025, 10, 7, 18), 1, Unit.BUSINESS_HOURS, pauses)
    assert due == mel(2025, 10, 8, 9, 30)


def test_a_pause_moves_a_business_days_due_by_the_paused_business_time():
    # One whole business day paused moves a business-days due by one business day.
    pauses = [(mel(2025, 10, 8, 8, 30), mel(2025, 10, 8, 17, 30))]
    assert VIC.due(mel(2025, 10, 7, 10), 2, Unit.BUSINESS_DAYS, pauses) == mel(
        2025, 10, 10, 17, 30
    )
    # Two hours paused move it two business hours past closing time.
    pauses = [(mel(2025, 10, 8, 9), mel(2025, 10, 8, 11))]
    assert VIC.due(mel(2025, 10, 7, 10), 2, Unit.BUSINESS_DAYS, pauses) == mel(
        2025, 10, 10, 10, 30
    )


def test_calendar_hours_move_by_the_elapsed_paused_time():
    pauses = [(mel(2025, 10, 4, 20), mel(2025, 10, 4, 23))]
    due = VIC.due(mel(2025, 10, 4, 12), 24, Unit.CALENDAR_HOURS, pauses)
    assert due == datetime.fromisoformat("2025-10-05T16:00:00+11:00")


def test_calendar_days_move_by_the_elapsed_paused_time():
    # Tuesday 12:00 + 3 days is Friday 12:00; the 21 h paused after receipt move it on.
    pauses = [(mel(2025, 10, 7, 9), mel(2025, 10, 8, 9))]
    assert VIC.due(mel(2025, 10, 7, 12), 3, Unit.CALENDAR_DAYS, pauses) == mel(2025, 10, 11, 9)


def test_a_pause_ending_before_it_starts_is_refused():
    with pytest.raises(ValueError, match="pause"):
        VIC.due(
            mel(2025, 10, 7, 9),
            1,
            Unit.BUSINESS_HOURS,
            [(mel(2025, 10, 7, 11), mel(2025, 10, 7, 10))],
        )


def test_a_naive_pause_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        VIC.due(
            mel(2025, 10, 7, 9),
            1,
            "business-hours",
            [(datetime(2025, 10, 7, 10), mel(2025, 10, 7, 11))],
        )


# --- validation --------------------------------------------------------------------------


def test_a_valid_calendar_has_no_problems():
    assert validate_spec(vic_spec()) == []
    assert validate_spec(qld_spec()) == []


def test_a_calendar_without_opening_hours_is_refused():
    assert validate_spec(vic_spec(windows={})) == [
        "The calendar has no opening hours on any day of the week."
    ]


def test_a_window_that_does_not_end_after_it_starts_is_refused():
    problems = validate_spec(vic_spec(windows={0: [(time(17), time(8, 30))]}))
    assert "Monday: the opening window 17:00 to 08:30 does not end after it starts." in problems


def test_overlapping_windows_on_a_day_are_refused():
    problems = validate_spec(
        vic_spec(windows={2: [(time(8, 30), time(12, 30)), (time(12), time(17))]})
    )
    assert problems == [
        "Wednesday: the opening windows 08:30 to 12:30 and 12:00 to 17:00 overlap."
    ]


def test_touching_windows_are_not_overlapping():
    assert (
        validate_spec(vic_spec(windows={2: [(time(8, 30), time(12)), (time(12), time(17))]})) == []
    )


def test_an_unknown_time_zone_is_refused():
    problems = validate_spec(vic_spec(timezone="Australia/Gotham"))
    assert problems == [
        "Time zone 'Australia/Gotham' is not a known IANA time zone "
        "(for example 'Australia/Brisbane')."
    ]


def test_an_unknown_holiday_country_is_refused():
    problems = validate_spec(vic_spec(holiday_country="XX", holiday_subdivision=None))
    assert problems == [
        "Holiday country 'XX' is not known to the holidays package "
        "(use a two-letter code such as 'AU')."
    ]


def test_an_unknown_holiday_subdivision_is_refused_with_the_known_ones():
    (problem,) = validate_spec(vic_spec(holiday_subdivision="VICTORIA-NORTH"))
    assert problem.startswith("Holiday subdivision 'VICTORIA-NORTH' is not a subdivision of AU")
    assert "QLD" in problem and "VIC" in problem


def test_a_subdivision_without_a_country_is_refused():
    problems = validate_spec(vic_spec(holiday_country=None))
    assert problems == ["Holiday subdivision 'VIC' is given without a country."]


def test_holiday_codes_are_accepted_in_any_case():
    calendar = BusinessCalendar(vic_spec(holiday_country="au", holiday_subdivision="vic"))
    assert not calendar.is_business_day(date(2025, 11, 4))


def test_a_closure_ending_before_it_starts_is_refused():
    backwards = Closure("Shutdown", date(2026, 1, 2), date(2025, 12, 29))
    problems = validate_spec(vic_spec(closures=(backwards,)))
    assert problems == ["Closure 'Shutdown' ends on 29/12/2025, before it starts on 02/01/2026."]


def test_an_invalid_calendar_cannot_be_built_and_every_problem_is_named():
    spec = vic_spec(timezone="Nowhere/Special", windows={0: [(time(17), time(9))]})
    with pytest.raises(CalendarError) as raised:
        BusinessCalendar(spec)
    message = str(raised.value)
    assert "Nowhere/Special" in message
    assert "Monday: the opening window 17:00 to 09:00" in message
    assert "no opening hours" in message


# --- bounded search ------------------------------------------------------------------------


def test_a_calendar_closed_for_years_reports_an_unreachable_due_date_quickly():
    sundays_only = vic_spec(
        code="SUNDAYS",
        windows={6: [(time(10), time(12))]},
        closures=(Closure("Renovation", date(2020, 1, 1), date(2060, 12, 31)),),
    )
    calendar = BusinessCalendar(sundays_only)
    began = timer.perf_counter()
    for unit in (Unit.BUSINESS_DAYS, Unit.BUSINESS_HOURS):
        with pytest.raises(UnreachableDueDate, match="No due date within 10 years"):
            calendar.due(mel(2025, 10, 7, 9), 1, unit)
    with pytest.raises(UnreachableDueDate):
        calendar.next_opening(mel(2025, 10, 7, 9))
    assert timer.perf_counter() - began < 5


def test_an_amount_beyond_the_horizon_is_unreachable():
    with pytest.raises(UnreachableDueDate):
        VIC.due(mel(2025, 10, 7, 9), 5000, Unit.BUSINESS_DAYS)


def test_an_unreachable_due_date_is_a_calendar_error():
    assert issubclass(UnreachableDueDate, CalendarError)
    assert issubclass(CalendarError, ValueError)


# --- holiday lists and explanations ---------------------------------------------------------


def test_the_holiday_list_names_statutory_worked_and_closure_days_in_date_order():
    calendar = BusinessCalendar(
        vic_spec(closures=(SHUTDOWN,), worked_holidays=frozenset({date(2025, 11, 4)}))
    )
    entries = calendar.holidays(2025)
    assert entries == sorted(entries, key=lambda entry: entry.day)
    assert HolidayEntry(date(2025, 11, 4), "Melbourne Cup Day", "worked") in entries
    assert HolidayEntry(date(2025, 12, 25), "Christmas Day", "statutory") in entries
    assert HolidayEntry(date(2025, 12, 29), "Christmas shutdown", "closure") in entries
    assert HolidayEntry(date(2026, 1, 2), "Christmas shutdown", "closure") not in entries
    assert HolidayEntry(date(2026, 1, 2), "Christmas shutdown", "closure") in calendar.holidays(
        2026
    )


def test_the_holiday_list_includes_observed_days():
    assert HolidayEntry(date(2026, 12, 28), "Boxing Day (observed)", "statutory") in VIC.holidays(
        2026
    )


def test_a_calendar_without_a_holiday_country_has_no_statutory_holidays():
    calendar = BusinessCalendar(vic_spec(holiday_country=None, holiday_subdivision=None))
    assert calendar.holidays(2025) == []
    assert calendar.is_business_day(date(2025, 12, 25))


def test_the_explanation_names_the_clock_start_the_days_skipped_and_the_due():
    explanation = VIC.explain(mel(2025, 10, 3, 18), 6, Unit.BUSINESS_HOURS)
    assert explanation.start == mel(2025, 10, 3, 18)
    assert explanation.clock_start == mel(2025, 10, 6, 8, 30)
    assert explanation.due == VIC.due(mel(2025, 10, 3, 18), 6, Unit.BUSINESS_HOURS)
    assert explanation.skipped_days == [
        SkippedDay(date(2025, 10, 4), "Saturday"),
        SkippedDay(date(2025, 10, 5), "Sunday"),
    ]
    lines = explanation.lines(MELBOURNE)
    assert lines[0] == "Received Friday 03/10/2025 18:00."
    assert lines[1] == (
        "Clock started Monday 06/10/2025 08:30 (received after closing time on Friday 03/10/2025)."
    )
    assert "Skipped Saturday 04/10/2025 to Sunday 05/10/2025 (weekend)." in lines
    assert "Due Monday 06/10/2025 14:30: 6 business hours after the clock started." in lines


def test_the_explanation_names_holidays_and_pauses():
    pauses = [(mel(2025, 11, 3, 10), mel(2025, 11, 3, 11, 30))]
    explanation = VIC.explain(mel(2025, 10, 31, 16), 2, Unit.BUSINESS_DAYS, pauses)
    assert (
        SkippedDay(date(2025, 11, 4), "Melbourne Cup Day (public holiday)")
        in explanation.skipped_days
    )
    assert explanation.paused == [
        (mel(2025, 11, 3, 10), mel(2025, 11, 3, 11, 30), timedelta(hours=1, minutes=30))
    ]
    assert explanation.due == mel(2025, 11, 6, 10)
    lines = explanation.lines("Australia/Melbourne")
    assert "Skipped Tuesday 04/11/2025 (Melbourne Cup Day, public holiday)." in lines
    assert (
        "Paused from Monday 03/11/2025 10:00 to Monday 03/11/2025 11:30: "
        "the due moved 1 h 30 min later (business time paused)."
    ) in lines


def test_the_explanation_says_why_a_clock_started_late():
    on_holiday = VIC.explain(mel(2025, 11, 4, 10), 1, Unit.BUSINESS_DAYS)
    assert on_holiday.clock_start_reason == (
        "received on Tuesday 04/11/2025, not a business day: Melbourne Cup Day, public holiday"
    )
    early = VIC.explain(mel(2025, 11, 5, 7), 1, Unit.BUSINESS_HOURS)
    assert early.clock_start_reason == "received before opening time on Wednesday 05/11/2025"
    at_lunch = LUNCH.explain(mel(2025, 11, 5, 13), 1, Unit.BUSINESS_HOURS)
    assert (
        at_lunch.clock_start_reason
        == "received during a break in opening hours on Wednesday 05/11/2025"
    )
    on_time = VIC.explain(mel(2025, 11, 5, 10), 1, Unit.BUSINESS_HOURS)
    assert on_time.clock_start == on_time.start and on_time.clock_start_reason is None


def test_an_explanation_of_calendar_days_skips_nothing_and_notes_daylight_saving():
    explanation = VIC.explain(mel(2025, 10, 4, 12), 1, "calendar-days")
    assert explanation.skipped_days == [] and explanation.clock_start == explanation.start
    lines = explanation.lines(MELBOURNE)
    assert "Due Sunday 05/10/2025 12:00: 1 calendar day after receipt, same local time." in lines
    assert any("daylight saving" in line for line in lines)


# --- other questions, and refused input ----------------------------------------------------


def test_business_time_between_counts_only_opening_hours():
    assert VIC.business_time_between(mel(2025, 10, 3, 16), mel(2025, 10, 6, 10)) == timedelta(
        hours=3
    )
    assert VIC.business_time_between(mel(2025, 10, 6, 10), mel(2025, 10, 3, 16)) == timedelta(0)


def test_business_days_between_counts_from_day_zero_to_the_business_day_of_the_second():
    assert VIC.business_days_between(mel(2025, 10, 3, 16), mel(2025, 10, 6, 10)) == 1
    # Finished exactly at Monday's closing time: 1; after it: Tuesday, 2.
    assert VIC.business_days_between(mel(2025, 10, 3, 16), mel(2025, 10, 6, 17, 30)) == 1
    assert VIC.business_days_between(mel(2025, 10, 3, 16), mel(2025, 10, 6, 18)) == 2
    assert VIC.business_days_between(mel(2025, 10, 3, 18), mel(2025, 10, 6, 10)) == 0
    assert VIC.business_days_between(mel(2025, 10, 31, 10), mel(2025, 11, 5, 10)) == 2
    assert VIC.business_days_between(mel(2025, 10, 4, 10), mel(2025, 10, 5, 10)) == 0


def test_open_means_inside_opening_hours_with_closing_time_excluded():
    assert VIC.is_open(mel(2025, 10, 7, 8, 30))
    assert not VIC.is_open(mel(2025, 10, 7, 17, 30))
    assert not VIC.is_open(mel(2025, 10, 4, 12))


def test_the_next_opening_is_the_instant_itself_when_open():
    assert VIC.next_opening(mel(2025, 10, 7, 9)) == mel(2025, 10, 7, 9)
    assert VIC.next_opening(mel(2025, 10, 7, 9)).utcoffset() == timedelta(0)
    assert VIC.next_opening(mel(2025, 10, 3, 17, 30)) == mel(2025, 10, 6, 8, 30)


def test_a_working_day_has_no_day_off_reason_and_a_weekend_names_its_day():
    assert VIC.day_off_reason(date(2025, 10, 7)) is None
    assert VIC.day_off_reason(date(2025, 10, 4)) == "Saturday"
    assert VIC.day_off_reason(date(2025, 12, 25)) == "Christmas Day (public holiday)"


def test_a_naive_start_is_refused():
    with pytest.raises(ValueError, match="timezone-aware"):
        VIC.due(datetime(2025, 10, 7, 9), 1, Unit.BUSINESS_DAYS)


def test_a_negative_amount_is_refused():
    with pytest.raises(ValueError, match="negative"):
        VIC.due(mel(2025, 10, 7, 9), -1, Unit.BUSINESS_HOURS)


def test_units_are_read_from_their_names_and_unknown_units_are_refused_with_the_list():
    assert parse_unit("business-days") is Unit.BUSINESS_DAYS
    assert parse_unit("Business hours") is Unit.BUSINESS_HOURS
    assert parse_unit("CALENDAR_DAYS") is Unit.CALENDAR_DAYS
    with pytest.raises(ValueError, match="business-days, business-hours, business-minutes"):
        parse_unit("fortnights")
    with pytest.raises(ValueError, match="fortnights"):
        VIC.due(mel(2025, 10, 7, 9), 1, "fortnights")


def test_a_start_in_any_time_zone_is_the_same_instant():
    in_utc = mel(2025, 10, 3, 16).astimezone(UTC)
    assert VIC.due(in_utc, 6, Unit.BUSINESS_HOURS) == VIC.due(
        mel(2025, 10, 3, 16), 6, "business-hours"
    )


def test_dates_before_and_after_the_first_ones_asked_about_are_counted_the_same_way():
    calendar = BusinessCalendar(vic_spec())
    later = calendar.due(mel(2027, 3, 1, 9), 3, Unit.BUSINESS_HOURS)
    earlier = calendar.due(mel(2024, 3, 1, 16), 2, Unit.BUSINESS_HOURS)
    assert later == mel(2027, 3, 1, 12)
    assert earlier == mel(2024, 3, 4, 9)
    assert calendar.business_time_between(mel(2024, 3, 1, 16), mel(2027, 3, 1, 12)) == (
        VIC.business_time_between(mel(2024, 3, 1, 16), mel(2027, 3, 1, 12))
    )


def test_an_explanation_says_why_a_pause_did_not_move_the_due():
    # Due Tuesday 07/10/2025 13:00 (4 business hours from 09:00).
    start = mel(2025, 10, 7, 9)
    after_the_due = VIC.explain(
        start, 4, Unit.BUSINESS_HOURS, [(mel(2025, 10, 8, 10), mel(2025, 10, 8, 11))]
    )
    assert after_the_due.due == mel(2025, 10, 7, 13)
    # 13:00 to 17:30 on Tuesday and 08:30 to 10:00 on Wednesday: 6 h past the due.
    assert (
        "Paused from Wednesday 08/10/2025 10:00 to Wednesday 08/10/2025 11:00: no effect on "
        "the due (the due had already passed: overdue by 6 h of business time when paused)."
    ) in after_the_due.lines(MELBOURNE)
    before_the_start = VIC.explain(
        mel(2025, 10, 7, 18), 1, Unit.BUSINESS_HOURS, [(mel(2025, 10, 7, 18), mel(2025, 10, 8, 8))]
    )
    assert any(
        line.endswith("no effect on the due (before the clock started).")
        for line in before_the_start.lines(MELBOURNE)
    )
    over_a_weekend = VIC.explain(
        mel(2025, 10, 10, 9), 2, Unit.BUSINESS_DAYS, [(mel(2025, 10, 11, 9), mel(2025, 10, 12, 9))]
    )
    assert any(
        line.endswith("no effect on the due (no business time in the pause).")
        for line in over_a_weekend.lines(MELBOURNE)
    )


def test_an_explanations_due_is_the_due_for_the_same_clock():
    pauses = [(mel(2025, 11, 3, 10), mel(2025, 11, 3, 11, 30))]
    for start, amount, unit in itertools.product(
        (mel(2025, 10, 3, 18), mel(2025, 10, 31, 16), mel(2025, 12, 24, 12)),
        (0, 1, 6, 30),
        tuple(Unit),
    ):
        for paused in ((), pauses):
            explained = VIC.explain(start, amount, unit, paused)
            assert explained.due == VIC.due(start, amount, unit, paused)
            assert f"Due {local_text(explained.due, MELBOURNE)}:" in " ".join(
                explained.lines(MELBOURNE)
            )
