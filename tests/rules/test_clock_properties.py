"""The clock against a slow reference that is obviously right.

The reference walks minute by minute (business minutes and hours) or day by day
(business days) in the calendar's local time, asking the holidays package directly, over
random starts in 2024-2027 (daylight-saving changes included), random amounts and random
calendars: lunch breaks, split shifts, windows to midnight, whole-day opening, closures,
worked holidays and pauses.
"""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import holidays
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rules.clock import BusinessCalendar, CalendarSpec, Closure, Unit

MINUTE = timedelta(minutes=1)
WALK_LIMIT = 120 * 24 * 60  # minutes; amounts here need far fewer

PLACES = {
    "Australia/Melbourne": ("AU", "VIC"),
    "Australia/Brisbane": ("AU", "QLD"),
    "America/New_York": ("US", "NY"),
}
WEEK = range(5)
SHAPES = {
    "standard": {day: [("08:30", "17:30")] for day in WEEK},
    "lunch break": {day: [("08:30", "12:30"), ("13:30", "17:00")] for day in WEEK},
    "split shift and Saturday": {
        **{day: [("07:00", "11:00"), ("15:00", "21:00")] for day in WEEK},
        5: [("09:00", "12:00")],
    },
    "evenings to midnight": {day: [("18:00", "00:00")] for day in range(1, 6)},
    "around the clock": {day: [("00:00", "00:00")] for day in range(7)},
}
# Dates where things happen: DST changes, Christmas and New Year, Easter, state holidays.
SPECIAL_DAYS = [
    date(2024, 4, 7),
    date(2024, 10, 6),
    date(2025, 4, 6),
    date(2025, 10, 5),
    date(2026, 4, 5),
    date(2026, 10, 4),
    date(2027, 4, 4),
    date(2027, 10, 3),
    date(2024, 3, 10),
    date(2024, 11, 3),
    date(2025, 3, 9),
    date(2025, 11, 2),
    date(2024, 12, 24),
    date(2025, 12, 24),
    date(2026, 12, 24),
    date(2027, 12, 24),
    date(2025, 4, 17),
    date(2026, 4, 2),
    date(2025, 8, 12),
    date(2025, 11, 3),
    date(2026, 9, 24),
    date(2026, 4, 24),
]


def _minute_of_day(text: str, *, end: bool = False) -> int:
    hours, minutes = map(int, text.split(":"))
    value = hours * 60 + minutes
    return 1440 if end and value == 0 else value


class Reference:
    """A calendar answered by brute force, sharing nothing with rules.clock."""

    def __init__(self, zone, shape, closures, worked):
        self.tz = ZoneInfo(zone)
        self.country, self.subdivision = PLACES[zone]
        self.shape, self.closures, self.worked = shape, closures, worked
        self._open_minutes: dict[date, frozenset[int]] = {}

    def open_minutes(self, day: date) -> frozenset[int]:
        if day not in self._open_minutes:
            self._open_minutes[day] = self._count_open_minutes(day)
        return self._open_minutes[day]

    def _count_open_minutes(self, day: date) -> frozenset[int]:
        windows = self.shape.get(day.weekday(), [])
        statutory = holidays.country_holidays(
            self.country, subdiv=self.subdivision, years=day.year
        )
        if not windows or (day in statutory and day not in self.worked):
            return frozenset()
        minutes = set()
        for opens, closes in windows:
            minutes |= set(range(_minute_of_day(opens), _minute_of_day(closes, end=True)))
        for closure in self.closures:
            if closure.starts_on <= day <= closure.ends_on:
                closed_from = (
                    0
                    if closure.from_time is None
                    else _minute_of_day(f"{closure.from_time:%H:%M}")
                )
                closed_until = (
                    1440
                    if closure.until_time is None
                    else _minute_of_day(f"{closure.until_time:%H:%M}", end=True)
                )
                minutes -= set(range(closed_from, closed_until))
        return frozenset(minutes)

    def is_open(self, instant: datetime) -> bool:
        local = instant.astimezone(self.tz)
        return local.hour * 60 + local.minute in self.open_minutes(local.date())

    def closing(self, day: date) -> datetime | None:
        minutes = self.open_minutes(day)
        if not minutes:
            return None
        wall = datetime.combine(day, time()) + timedelta(minutes=max(minutes) + 1)
        return wall.replace(tzinfo=self.tz).astimezone(UTC)

    def walk(self, start: datetime, minutes: int, counts) -> datetime:
        """The end of the `minutes`-th minute from `start` for which `counts` holds."""
        instant = start
        if minutes == 0:
            while not counts(instant):
                instant += MINUTE
            return instant
        counted = 0
        for _ in range(WALK_LIMIT):
            if counts(instant):
                counted += 1
                if counted == minutes:
                    return instant + MINUTE
            instant += MINUTE
        raise AssertionError("reference walked too far")

    def business_minutes_due(self, start, minutes, pauses=()):
        def counts(instant):
            return self.is_open(instant) and not any(a <= instant < b for a, b in pauses)

        return self.walk(start, minutes, counts)

    def business_days_due(self, start: datetime, days: int) -> datetime:
        day = start.astimezone(self.tz).date()
        closing = self.closing(day)
        if closing is None or start >= closing:
            day, closing = self.next_business_day(day)
        for _ in range(days):
            day, closing = self.next_business_day(day)
        return closing

    def next_business_day(self, day: date) -> tuple[date, datetime]:
        for _ in range(400):
            day += timedelta(days=1)
            if (closing := self.closing(day)) is not None:
                return day, closing
        raise AssertionError("no business day within 400 days")

    def open_minutes_between(self, start, end) -> int:
        count, instant = 0, start
        while instant < end:
            count += self.is_open(instant)
            instant += MINUTE
        return count


# Local times where rules change: openings, closings, breaks, midnight.
EDGE_TIMES = [
    time(h, m)
    for h, m in [
        (0, 0),
        (7, 0),
        (8, 30),
        (9, 0),
        (11, 0),
        (12, 0),
        (12, 30),
        (13, 30),
        (15, 0),
        (17, 0),
        (17, 30),
        (18, 0),
        (21, 0),
        (23, 59),
    ]
]


def half_hours(low, high):
    """Whole minutes, often a multiple of 30 so that instants meet window edges."""
    multiples = st.integers(-(-low // 30), high // 30).map(lambda k: k * 30)
    return st.one_of(st.integers(low, high), multiples)


@st.composite
def starts(draw, zone):
    """A minute-aligned instant in 2024-2027: anywhere, near a day where something
    happens, or at a local time where the rules change."""
    kind = draw(st.sampled_from(["anywhere", "special day", "edge time"]))
    if kind == "special day":
        base = datetime.combine(draw(st.sampled_from(SPECIAL_DAYS)), time(), tzinfo=UTC)
        return base + timedelta(minutes=draw(st.integers(-3 * 1440, 3 * 1440)))
    if kind == "edge time":
        day = draw(
            st.one_of(
                st.sampled_from(SPECIAL_DAYS), st.dates(date(2024, 1, 1), date(2027, 12, 10))
            )
        )
        day += timedelta(days=draw(st.integers(-2, 2)))
        wall = datetime.combine(day, draw(st.sampled_from(EDGE_TIMES)))
        return wall.replace(tzinfo=ZoneInfo(zone)).astimezone(UTC)
    return datetime(2024, 1, 1, tzinfo=UTC) + timedelta(
        minutes=draw(st.integers(0, 4 * 365 * 1440 - 20 * 1440))
    )


@st.composite
def clocks(draw):
    """A start, a calendar and its reference, with closures and worked holidays near it."""
    zone = draw(st.sampled_from(sorted(PLACES)))
    start = draw(starts(zone))
    shape = SHAPES[draw(st.sampled_from(sorted(SHAPES)))]
    first_day = start.date()
    closures = []
    for number in range(draw(st.integers(0, 2))):
        starts_on = first_day + timedelta(days=draw(st.integers(-1, 8)))
        ends_on = starts_on + timedelta(days=draw(st.integers(0, 3)))
        hours = draw(st.sampled_from([None, (None, "10:00"), ("12:00", None), ("10:00", "14:30")]))
        from_time = until_time = None
        if hours:
            from_time = time.fromisoformat(hours[0]) if hours[0] else None
            until_time = time.fromisoformat(hours[1]) if hours[1] else None
        closures.append(Closure(f"Closure {number}", starts_on, ends_on, from_time, until_time))
    country, subdivision = PLACES[zone]
    nearby = [
        day
        for year in (first_day.year, first_day.year + 1)
        for day in holidays.country_holidays(country, subdiv=subdivision, years=year)
        if first_day - timedelta(days=3) <= day <= first_day + timedelta(days=30)
    ]
    worked = frozenset(draw(st.sets(st.sampled_from(nearby))) if nearby else ())
    spec = CalendarSpec(
        code="PROP",
        name="Property calendar",
        timezone=zone,
        windows={
            day: [(time.fromisoformat(a), time.fromisoformat(b)) for a, b in windows]
            for day, windows in shape.items()
        },
        holiday_country=country,
        holiday_subdivision=subdivision,
        closures=tuple(closures),
        worked_holidays=worked,
    )
    return start, BusinessCalendar(spec), Reference(zone, shape, closures, worked)


@st.composite
def pause_lists(draw, start):
    pauses = []
    for _ in range(draw(st.integers(0, 3))):
        begins = start + timedelta(minutes=draw(half_hours(-600, 4 * 1440)))
        pauses.append((begins, begins + timedelta(minutes=draw(half_hours(0, 2 * 1440)))))
    return pauses


FAST = settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])


@FAST
@given(clocks(), half_hours(0, 1500))
def test_business_minutes_match_a_minute_by_minute_walk(clock, minutes):
    start, calendar, reference = clock
    assert calendar.due(start, minutes, Unit.BUSINESS_MINUTES) == reference.business_minutes_due(
        start, minutes
    )


@FAST
@given(clocks(), st.integers(0, 24))
def test_business_hours_match_a_minute_by_minute_walk(clock, hours):
    start, calendar, reference = clock
    assert calendar.due(start, hours, Unit.BUSINESS_HOURS) == reference.business_minutes_due(
        start, hours * 60
    )


@settings(max_examples=150, deadline=None)
@given(clocks(), st.integers(0, 15))
def test_business_days_match_a_day_by_day_walk(clock, days):
    start, calendar, reference = clock
    assert calendar.due(start, days, Unit.BUSINESS_DAYS) == reference.business_days_due(
        start, days
    )


@FAST
@given(st.data(), clocks(), half_hours(1, 900))
def test_paused_business_minutes_match_a_walk_that_skips_paused_minutes(data, clock, minutes):
    start, calendar, reference = clock
    pauses = data.draw(pause_lists(start))
    due = calendar.due(start, minutes, Unit.BUSINESS_MINUTES, pauses)
    assert due == reference.business_minutes_due(start, minutes, pauses)
    assert calendar.explain(start, minutes, Unit.BUSINESS_MINUTES, pauses).due == due


@FAST
@given(st.data(), clocks(), st.integers(0, 6))
def test_paused_business_days_move_by_the_paused_business_time(data, clock, days):
    start, calendar, reference = clock
    pauses = data.draw(pause_lists(start))
    unpaused = reference.business_days_due(start, days)
    length = reference.open_minutes_between(start, unpaused)
    due = calendar.due(start, days, Unit.BUSINESS_DAYS, pauses)
    assert due == reference.business_minutes_due(start, length, pauses)


@FAST
@given(st.data(), clocks(), st.integers(0, 72))
def test_paused_calendar_hours_move_by_the_elapsed_paused_time(data, clock, hours):
    start, calendar, _ = clock
    pauses = data.draw(pause_lists(start))
    due = calendar.due(start, hours, Unit.CALENDAR_HOURS, pauses)
    if hours == 0:
        assert due == start
        return
    walked = start
    counted = 0
    while counted < hours * 60:
        if not any(a <= walked < b for a, b in pauses):
            counted += 1
        walked += MINUTE
    assert due == walked


@settings(max_examples=100, deadline=None)
@given(clocks(), st.integers(0, 400))
def test_calendar_days_keep_the_local_wall_clock(clock, days):
    start, calendar, reference = clock
    due = calendar.due(start, days, Unit.CALENDAR_DAYS)
    local_start, local_due = start.astimezone(reference.tz), due.astimezone(reference.tz)
    assert local_due.date() == local_start.date() + timedelta(days=days)
    wall = datetime.combine(local_due.date(), local_start.time())
    if (
        wall.replace(tzinfo=reference.tz)
        .astimezone(UTC)
        .astimezone(reference.tz)
        .replace(tzinfo=None)
        == wall
    ):  # the wall time exists that day
        assert local_due.time() == local_start.time()


@settings(max_examples=100, deadline=None)
@given(clocks(), st.sampled_from(list(Unit)), st.integers(0, 300), st.integers(0, 300))
def test_due_is_never_before_the_start_and_grows_with_the_amount(clock, unit, a, b):
    start, calendar, _ = clock
    smaller, larger = sorted((a, b))
    due_smaller = calendar.due(start, smaller, unit)
    assert due_smaller >= start
    assert calendar.due(start, larger, unit) >= due_smaller


@settings(max_examples=100, deadline=None)
@given(clocks(), st.integers(0, 2000))
def test_the_business_time_to_a_business_hours_due_is_the_amount(clock, hours):
    start, calendar, _ = clock
    opened = calendar.next_opening(start)
    assert calendar.is_open(opened)
    due = calendar.due(opened, hours, Unit.BUSINESS_HOURS)
    assert calendar.business_time_between(opened, due) == timedelta(hours=hours)


@FAST
@given(clocks(), st.integers(0, 3 * 1440))
def test_business_time_between_matches_counting_open_minutes(clock, span):
    start, calendar, reference = clock
    end = start + timedelta(minutes=span)
    expected = reference.open_minutes_between(start, end)
    assert calendar.business_time_between(start, end) == timedelta(minutes=expected)


@settings(max_examples=150, deadline=None)
@given(clocks(), st.integers(0, 30))
def test_business_days_between_undoes_a_business_days_due(clock, days):
    start, calendar, _ = clock
    due = calendar.due(start, days, Unit.BUSINESS_DAYS)
    assert calendar.business_days_between(start, due) == days


@settings(max_examples=150, deadline=None)
@given(clocks())
def test_a_day_is_a_business_day_exactly_when_the_reference_has_open_minutes(clock):
    start, calendar, reference = clock
    for offset in range(10):
        day = start.date() + timedelta(days=offset)
        assert calendar.is_business_day(day) == bool(reference.open_minutes(day))
        assert (calendar.day_off_reason(day) is None) == bool(reference.open_minutes(day))
