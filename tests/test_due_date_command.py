"""`flask due-date CALENDAR START AMOUNT UNIT`."""

import pytest


def test_due_date_answers_in_local_time_across_daylight_saving(runner):
    result = runner.invoke(args=["due-date", "AU-VIC", "2025-10-03T16:00", "6", "business-hours"])
    assert result.exit_code == 0, result.output
    assert result.output.strip() == "2025-10-06T13:00:00+11:00"


def test_due_date_takes_a_start_with_an_offset(runner):
    # 06:00 UTC is 16:00 in Brisbane: day 0 is that Monday, two business days later.
    result = runner.invoke(
        args=["due-date", "AU-QLD", "2026-03-02T06:00:00+00:00", "2", "business-days"]
    )
    assert result.output.strip() == "2026-03-04T17:00:00+10:00"


def test_due_date_counts_calendar_days_on_the_local_wall_clock(runner):
    result = runner.invoke(args=["due-date", "AU-VIC", "2026-04-03T10:00", "3", "calendar-days"])
    # Daylight saving ends on Sunday 5 April 2026: same wall-clock time, new offset.
    assert result.output.strip() == "2026-04-06T10:00:00+10:00"


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["AU-XX", "2026-03-02T09:00", "2", "business-days"], "no calendar 'AU-XX'"),
        (["AU-QLD", "2nd of March", "2", "business-days"], "not an ISO 8601 instant"),
        (["AU-QLD", "2026-03-02T09:00", "-1", "business-days"], "whole number of zero or more"),
        (["AU-QLD", "2026-03-02T09:00", "two", "business-days"], "whole number of zero or more"),
        (["AU-QLD", "2026-03-02T09:00", "2", "fortnights"], "business-days"),
        (["AU-VIC", "2025-10-05T02:30", "2", "business-days"], "does not exist"),
    ],
)
def test_due_date_refuses_bad_arguments_in_one_line_with_status_2(runner, args, message):
    result = runner.invoke(args=["due-date", *args])
    assert result.exit_code == 2
    assert message in result.output
    assert len(result.output.strip().splitlines()) == 1
