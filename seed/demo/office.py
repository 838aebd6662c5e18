"""Office hours for the demo's timestamps, and the latest start that makes work due soon or
overdue, both on the clock engine that computes due dates.
"""

import random
from datetime import date, datetime, time, timedelta, timezone

from models import Calendar
from rules.clock import Unit
from services import clocks

from .plans import LIVE_MARGIN

BUSINESS_DAYS = Unit.BUSINESS_DAYS
BUSINESS_MINUTES = Unit.BUSINESS_MINUTES

# ---------------------------------------------------------------- office hours


class Office:
    """Working days and hours of a calendar, for plausible timestamps, answered by the same
    clock engine that computes due dates (services/clocks/, rules/clock.py), so a demo
    step "two business days later" skips the holidays and closures a due date skips."""

    def __init__(self, calendar: Calendar):
        self.engine = clocks.business_calendar(calendar)
        self.zone = self.engine.tz

    def is_working_day(self, day: date) -> bool:
        return self.engine.is_business_day(day)

    def local(self, instant: datetime) -> datetime:
        return instant.astimezone(self.zone)

    def instant(self, day: date, at: time) -> datetime:
        return datetime.combine(day, at, self.zone).astimezone(timezone.utc)

    def minutes(self, at: time) -> int:
        return at.hour * 60 + at.minute

    def at_minute(self, day: date, minute: int) -> datetime:
        return self.instant(day, time(minute // 60, minute % 60))

    def hours(self, day: date) -> tuple[int, int]:
        """Opening and closing minute of `day` in local time, or of the next business day
        when `day` is not one."""
        opening = self.engine.next_opening(self.instant(day, time(0)))
        closing = self.engine.due(opening, 0, BUSINESS_DAYS)
        return self.minutes(self.local(opening).time()), self.minutes(self.local(closing).time())

    def closing(self, instant: datetime) -> datetime:
        """Closing time of the business day `instant` falls in (a due date of 0 business days)."""
        return self.engine.due(instant, 0, BUSINESS_DAYS)

    def during_hours(self, rng: random.Random, after: datetime, working_days: int) -> datetime:
        """A moment inside office hours, `working_days` after `after` (0: later that day,
        or the next business day when less than a quarter of an hour is left)."""
        closing = self.local(
            self.engine.due(after + timedelta(minutes=15), working_days, BUSINESS_DAYS)
        )
        day = closing.date()
        opens, _ = self.hours(day)
        earliest = opens + 10
        latest = self.minutes(closing.time()) - 10
        local = self.local(after)
        if local.date() == day:
            earliest = max(earliest, self.minutes(local.time()) + 5)
        return self.at_minute(day, rng.randint(earliest, latest))

    def after_business_minutes(self, start: datetime, amount: int) -> datetime:
        """`amount` minutes of opening hours after `start`: the due-date arithmetic itself."""
        return max(self.engine.due(start, amount, BUSINESS_MINUTES), start)

    def business_minutes_per_day(self, day: date) -> int:
        opens, closes = self.hours(day)
        return closes - opens


def live_start(target, now: datetime, overdue: bool) -> datetime | None:
    """The latest start, in opening hours of the target's calendar, whose due instant lies
    more than LIVE_MARGIN before `now` (overdue) or the earliest due more than LIVE_MARGIN
    after it (due soon); None when none is found within a year."""
    engine, step = target.calendar, timedelta(minutes=30)
    start = now.replace(second=0, microsecond=0) - step
    soon = None
    while start > now - timedelta(days=366):
        if engine.is_open(start):
            due = engine.due(start, target.amount, target.unit)
            if overdue and due < now - LIVE_MARGIN:
                return start
            if not overdue:
                if due <= now + LIVE_MARGIN:
                    return soon
                soon = start
        start -= step
    return None
