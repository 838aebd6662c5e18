"""The clock: business calendars and due dates (docs/domain.md, "Calendars and due dates").

A calendar is a time zone, opening windows per weekday, the public holidays of a country
and subdivision (the `holidays` package), administrators' closures and statutory holidays
the office works. From it this module answers "when is this due?", "how much business
time passed?" and "why?", for business days, business hours or minutes, calendar days and
calendar hours, with paused clocks.

How it stays fast: each calendar turns a year at a time (lazily) into sorted arrays of
UTC timestamps: business days with their closing instants, and every effective opening
interval with the running total of business seconds at its end. A due date is then one
or two binary searches, whatever the amount. Positions on that running total never change
when more years are added, so they can be compared across calls.

Pure Python: no Flask, no database. Instants in are aware datetimes; instants out are UTC.
"""

from __future__ import annotations

import enum
import operator
import threading
from bisect import bisect_left, bisect_right
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from functools import lru_cache
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays as holidays_package

__all__ = [
    "BusinessCalendar",
    "CalendarError",
    "CalendarSpec",
    "Closure",
    "Explanation",
    "HORIZON_YEARS",
    "HolidayEntry",
    "SkippedDay",
    "Unit",
    "UnreachableDueDate",
    "duration_text",
    "local_text",
    "parse_unit",
    "validate_spec",
]

# How far past the clock start a due date is looked for before giving up.
HORIZON_YEARS = 10
DAY_SECONDS = 86400
WEEKDAY_NAMES = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
# The last year a timeline may reach: datetime stops at 9999.
_LAST_YEAR = 9998


class Unit(enum.StrEnum):
    BUSINESS_DAYS = "business-days"
    BUSINESS_HOURS = "business-hours"
    BUSINESS_MINUTES = "business-minutes"
    CALENDAR_DAYS = "calendar-days"
    CALENDAR_HOURS = "calendar-hours"

    @property
    def label(self) -> str:
        """The unit in words, e.g. "business days"."""
        return self.value.replace("-", " ")

    @property
    def is_business(self) -> bool:
        return self in _BUSINESS_UNITS


_BUSINESS_UNITS = frozenset({Unit.BUSINESS_DAYS, Unit.BUSINESS_HOURS, Unit.BUSINESS_MINUTES})
_UNIT_SECONDS = {Unit.BUSINESS_HOURS: 3600, Unit.BUSINESS_MINUTES: 60}


def parse_unit(text: str | Unit) -> Unit:
    """The unit named by `text` ("business-days", "Business days", "BUSINESS_DAYS"...)."""
    if isinstance(text, Unit):
        return text
    key = str(text).strip().lower().replace("_", "-").replace(" ", "-")
    try:
        return Unit(key)
    except ValueError:
        valid = ", ".join(unit.value for unit in Unit)
        raise ValueError(f"Unknown unit {text!r}: the valid units are {valid}.") from None


@dataclass(frozen=True)
class Closure:
    """A closure administrators add, in the calendar's local time.

    The hours apply on each day from `starts_on` to `ends_on` inclusive: `from_time`
    None means from the start of the day, `until_time` None (or 00:00) to its end.
    """

    name: str
    starts_on: date
    ends_on: date
    from_time: time | None = None
    until_time: time | None = None


@dataclass(frozen=True)
class CalendarSpec:
    """A calendar as administrators describe it.

    `windows` maps a weekday (0 = Monday .. 6 = Sunday) to its opening windows, several
    a day allowed. A window ending at 00:00 runs to midnight, so (00:00, 00:00) is the
    whole day.
    """

    code: str
    name: str
    timezone: str
    windows: Mapping[int, Sequence[tuple[time, time]]]
    holiday_country: str | None = None
    holiday_subdivision: str | None = None
    closures: Sequence[Closure] = ()
    worked_holidays: frozenset[date] = frozenset()


class CalendarError(ValueError):
    """The calendar cannot be used; the message says why, for an administrator."""


class UnreachableDueDate(CalendarError):
    """No business time to count within HORIZON_YEARS of the clock start."""


@dataclass(frozen=True)
class HolidayEntry:
    day: date
    name: str
    source: str  # "statutory", "closure" or "worked" (a statutory holiday the office works)


@dataclass(frozen=True)
class SkippedDay:
    day: date
    reason: str  # "Saturday", "Christmas Day (public holiday)", "Shutdown (closure)"


@dataclass(frozen=True)
class StartEvent:
    """The step that starts a clock, in the words its explanation uses."""

    done: str  # "Received": the line that opens the explanation
    noun: str  # "receipt": "Clock started on receipt", "30 calendar days after receipt"


RECEIPT = StartEvent("Received", "receipt")


@dataclass(frozen=True)
class Explanation:
    """How a due instant was reached, to show a coordinator (see `lines`)."""

    start: datetime
    clock_start: datetime
    due: datetime
    amount: int
    unit: Unit
    skipped_days: list[SkippedDay]
    paused: list[tuple[datetime, datetime, timedelta]]
    # Why the clock started later than receipt, e.g. "received after closing time on
    # Friday 03/10/2025"; None when it started on receipt.
    clock_start_reason: str | None = None
    # Per pause in `paused`, why it did not move the due (None where it did): "before the
    # clock started", "the due had already passed: overdue by 2 h of business time when
    # paused", or "no business time in the pause".
    unmoved_reasons: tuple[str | None, ...] = ()

    def lines(
        self, tz: tzinfo | str, event: StartEvent = RECEIPT, due_label: str = "Due"
    ) -> list[str]:
        """The explanation as sentences in local time, checkable against a wall calendar.

        `event` names the step the clock runs from (receipt unless told otherwise);
        `due_label` opens the line with the due (another due may be the one in force)."""
        zone = ZoneInfo(tz) if isinstance(tz, str) else tz
        lines = [f"{event.done} {_local_text(self.start, zone)}."]
        if self.clock_start == self.start:
            lines.append(f"Clock started on {event.noun}, {_local_text(self.clock_start, zone)}.")
        else:
            why = self.clock_start_reason or "the next opening time"
            if why.startswith("received "):
                why = event.done.lower() + why.removeprefix("received")
            lines.append(f"Clock started {_local_text(self.clock_start, zone)} ({why}).")
        # Consecutive days skipped for the same reason (a weekend, a shutdown) share a line.
        runs: list[list] = []
        for skipped in self.skipped_days:
            phrase = _reason_phrase(skipped.reason)
            if runs and runs[-1][2] == phrase and (skipped.day - runs[-1][1]).days == 1:
                runs[-1][1] = skipped.day
            else:
                runs.append([skipped.day, skipped.day, phrase])
        for first, last, phrase in runs:
            day = f"{WEEKDAY_NAMES[first.weekday()]} {first:%d/%m/%Y}"
            if last != first:
                day += f" to {WEEKDAY_NAMES[last.weekday()]} {last:%d/%m/%Y}"
            lines.append(f"Skipped {day} ({phrase}).")
        reasons = self.unmoved_reasons or (None,) * len(self.paused)
        for (paused_from, paused_until, added), reason in zip(self.paused, reasons, strict=True):
            span = f"{_local_text(paused_from, zone)} to {_local_text(paused_until, zone)}"
            if added:
                kind = "business time" if self.unit.is_business else "elapsed time"
                moved = f"the due moved {_duration_text(added)} later ({kind} paused)"
            else:
                moved = f"no effect on the due ({reason or 'no counted time in the pause'})"
            lines.append(f"Paused from {span}: {moved}.")
        lines.append(f"{due_label} {_local_text(self.due, zone)}: {self._due_basis(zone, event)}.")
        start_offset = self.start.astimezone(zone).utcoffset()
        if start_offset != self.due.astimezone(zone).utcoffset():
            lines.append(
                f"Local clocks changed (daylight saving) between {event.noun} and the due; "
                "all times above are local."
            )
        return lines

    def _due_basis(self, zone: tzinfo, event: StartEvent = RECEIPT) -> str:
        total_paused = sum((added for _, _, added in self.paused), timedelta())
        plus = f", plus {_duration_text(total_paused)} paused" if total_paused else ""
        if self.unit is Unit.BUSINESS_DAYS:
            day_zero = self.clock_start.astimezone(zone).date()
            day_zero_text = f"{WEEKDAY_NAMES[day_zero.weekday()]} {day_zero:%d/%m/%Y}"
            if self.amount == 0:
                return f"closing time of day 0 ({day_zero_text}){plus}"
            counted = _plural(self.amount, "business day")
            return f"closing time {counted} after day 0 ({day_zero_text}){plus}"
        if self.unit in _UNIT_SECONDS:
            counted = _plural(self.amount, self.unit.label[:-1])
            return f"{counted} after the clock started{plus}"
        if self.unit is Unit.CALENDAR_DAYS:
            counted = _plural(self.amount, "calendar day")
            return f"{counted} after {event.noun}, same local time{plus}"
        return f"{_plural(self.amount, 'hour')} of elapsed time after {event.noun}{plus}"


# --- validation -------------------------------------------------------------------------


def validate_spec(spec: CalendarSpec) -> list[str]:
    """Problems with the calendar, in plain words; an empty list means it is usable."""
    problems: list[str] = []
    try:
        ZoneInfo(spec.timezone)
    except (ZoneInfoNotFoundError, ValueError, TypeError, OSError):
        problems.append(
            f"Time zone {spec.timezone!r} is not a known IANA time zone "
            "(for example 'Australia/Brisbane')."
        )
    problems.extend(_window_problems(spec.windows))
    problems.extend(_holiday_region(spec.holiday_country, spec.holiday_subdivision)[2])
    problems.extend(_closure_problems(spec.closures))
    return problems


def _window_problems(windows: Mapping[int, Sequence[tuple[time, time]]]) -> list[str]:
    problems: list[str] = []
    has_hours = False
    for weekday, day_windows in windows.items():
        if not isinstance(weekday, int) or not 0 <= weekday <= 6:
            problems.append(
                f"Opening hours are given for weekday {weekday!r}; weekdays are numbered "
                "0 (Monday) to 6 (Sunday)."
            )
            continue
        day = WEEKDAY_NAMES[weekday]
        usable = []
        for window in day_windows:
            if not _is_time_pair(window):
                problems.append(f"{day}: {window!r} is not an opening window (two times).")
                continue
            opens, closes = _day_seconds(window[0]), _end_seconds(window[1])
            if closes <= opens:
                problems.append(
                    f"{day}: the opening window {_hhmm(window[0])} to {_hhmm(window[1])} "
                    "does not end after it starts."
                )
                continue
            usable.append((opens, closes, window))
        usable.sort(key=lambda item: item[:2])
        for earlier, later in zip(usable, usable[1:], strict=False):
            if later[0] < earlier[1]:
                problems.append(
                    f"{day}: the opening windows {_hhmm(earlier[2][0])} to "
                    f"{_hhmm(earlier[2][1])} and {_hhmm(later[2][0])} to "
                    f"{_hhmm(later[2][1])} overlap."
                )
        has_hours = has_hours or bool(usable)
    if not has_hours:
        problems.append("The calendar has no opening hours on any day of the week.")
    return problems


def _closure_problems(closures: Sequence[Closure]) -> list[str]:
    problems = []
    for closure in closures:
        if closure.ends_on < closure.starts_on:
            problems.append(
                f"Closure {closure.name!r} ends on {closure.ends_on:%d/%m/%Y}, before it "
                f"starts on {closure.starts_on:%d/%m/%Y}."
            )
        opens, closes = _closure_seconds(closure)
        if closes <= opens:
            problems.append(
                f"Closure {closure.name!r}: the closed hours {_hhmm(closure.from_time)} to "
                f"{_hhmm(closure.until_time)} do not end after they start."
            )
    return problems


@lru_cache(maxsize=1)
def _supported_countries() -> dict[str, list[str]]:
    return holidays_package.list_supported_countries()


def _holiday_region(
    country: str | None, subdivision: str | None
) -> tuple[str | None, str | None, list[str]]:
    """The holidays package's codes for a country and subdivision, and any problems."""
    if not country:
        if subdivision:
            return None, None, [f"Holiday subdivision {subdivision!r} is given without a country."]
        return None, None, []
    supported = _supported_countries()
    code = country.strip().upper()
    if code not in supported:
        return (
            None,
            None,
            [
                f"Holiday country {country!r} is not known to the holidays package "
                "(use a two-letter code such as 'AU')."
            ],
        )
    if not subdivision:
        return code, None, []
    by_upper = {known.upper(): known for known in supported[code]}
    known_subdivision = by_upper.get(subdivision.strip().upper())
    if known_subdivision is None:
        listed = ", ".join(supported[code][:20]) or "none"
        more = ", ..." if len(supported[code]) > 20 else ""
        return (
            code,
            None,
            [
                f"Holiday subdivision {subdivision!r} is not a subdivision of {code} "
                f"(known: {listed}{more})."
            ],
        )
    return code, known_subdivision, []


@lru_cache(maxsize=1024)
def _statutory_holidays(country: str, subdivision: str | None, year: int) -> dict[date, str]:
    """Public holidays (observed and substitute days included) of one year, built once."""
    return dict(holidays_package.country_holidays(country, subdiv=subdivision, years=year))


# --- the calendar -----------------------------------------------------------------------


class _YearPlan:
    """One local year of a calendar: its business days and their UTC opening intervals."""

    __slots__ = (
        "year",
        "lo_ts",
        "hi_ts",
        "business_ordinals",
        "bd_ord",
        "bd_close",
        "iv_start",
        "iv_end",
        "cum_end",
        "total",
        "bd_close_dt",
    )

    def __init__(self, year: int, lo_ts: float, hi_ts: float, days: list) -> None:
        self.year, self.lo_ts, self.hi_ts = year, lo_ts, hi_ts
        self.bd_ord = [ordinal for ordinal, _ in days]
        self.business_ordinals = frozenset(self.bd_ord)
        self.bd_close = [intervals[-1][1] for _, intervals in days]
        self.bd_close_dt = [datetime.fromtimestamp(ts, UTC) for ts in self.bd_close]
        self.iv_start, self.iv_end, self.cum_end = [], [], []
        running = 0.0
        for _, intervals in days:
            for opens, closes in intervals:
                self.iv_start.append(opens)
                self.iv_end.append(closes)
                running += closes - opens
                self.cum_end.append(running)
        self.total = running


class _Timeline:
    """Contiguous years of a calendar as sorted arrays; replaced whole, never mutated.

    A position is the count of business seconds since an arbitrary origin; `cum_end[i]`
    is the position at the end of interval i. Positions stay the same when years are
    added on either side, so callers may keep them across growth.
    """

    __slots__ = (
        "lo_year",
        "hi_year",
        "lo_ts",
        "hi_ts",
        "pos_lo",
        "bd_ord",
        "bd_close",
        "bd_close_dt",
        "iv_start",
        "iv_end",
        "cum_end",
    )

    def __init__(self, plans: list[_YearPlan] | None = None, pos_lo: float = 0.0) -> None:
        self.bd_ord, self.bd_close, self.bd_close_dt = [], [], []
        self.iv_start, self.iv_end, self.cum_end = [], [], []
        self.pos_lo = pos_lo
        if not plans:
            self.lo_year = self.hi_year = None
            self.lo_ts, self.hi_ts = float("inf"), float("-inf")
            return
        self.lo_year, self.hi_year = plans[0].year, plans[-1].year
        self.lo_ts, self.hi_ts = plans[0].lo_ts, plans[-1].hi_ts
        offset = pos_lo
        for plan in plans:
            self.bd_ord += plan.bd_ord
            self.bd_close += plan.bd_close
            self.bd_close_dt += plan.bd_close_dt
            self.iv_start += plan.iv_start
            self.iv_end += plan.iv_end
            self.cum_end += [offset + cum for cum in plan.cum_end]
            offset += plan.total

    def position(self, ts: float) -> float:
        """Business seconds counted before instant `ts` (lo_ts <= ts <= hi_ts)."""
        j = bisect_right(self.iv_start, ts) - 1
        if j < 0:
            return self.pos_lo
        closes = self.iv_end[j]
        if ts >= closes:
            return self.cum_end[j]
        return self.cum_end[j] - (closes - ts)

    def instant_at(self, position: float) -> float | None:
        """The earliest instant at which `position` is reached, or None past the end.

        A position reached exactly at a closing time gives that closing time, not the
        next opening.
        """
        k = bisect_left(self.cum_end, position)
        if k == len(self.cum_end):
            return None
        return self.iv_end[k] - (self.cum_end[k] - position)


@dataclass(frozen=True)
class _Plan:
    clock_start_ts: float
    due_ts: float
    paused: list[tuple[datetime, datetime, float]]


class BusinessCalendar:
    """A usable calendar: due dates, business time and explanations (see module doc)."""

    def __init__(self, spec: CalendarSpec) -> None:
        problems = validate_spec(spec)
        if problems:
            raise CalendarError(f"Calendar {spec.code!r} cannot be used: " + " ".join(problems))
        self.spec = spec
        self.tz = ZoneInfo(spec.timezone)
        self._country, self._subdivision, _ = _holiday_region(
            spec.holiday_country, spec.holiday_subdivision
        )
        self._windows = tuple(
            _merged_local_windows(spec.windows.get(weekday, ())) for weekday in range(7)
        )
        self._closures = tuple((closure, *_closure_seconds(closure)) for closure in spec.closures)
        self._worked = frozenset(spec.worked_holidays)
        self._plans: dict[int, _YearPlan] = {}
        self._timeline = _Timeline()
        self._lock = threading.Lock()

    def __repr__(self) -> str:
        return f"<BusinessCalendar {self.spec.code} {self.spec.timezone}>"

    # --- due dates ----------------------------------------------------------------------

    def due(
        self,
        start: datetime,
        amount: int,
        unit: Unit | str,
        pauses: Sequence[tuple[datetime, datetime]] = (),
    ) -> datetime:
        """The due instant (UTC) of `amount` `unit`s from `start`, paused clocks excluded."""
        ts = _timestamp(start, "start")
        amount = _checked_amount(amount)
        unit = unit if unit.__class__ is Unit else parse_unit(unit)
        if pauses:
            return _utc(self._plan(start, ts, amount, unit, pauses).due_ts)
        if unit is Unit.BUSINESS_DAYS:
            timeline = self._timeline
            if not timeline.lo_ts <= ts < timeline.hi_ts:
                timeline = self._covering(ts)
            index = bisect_right(timeline.bd_close, ts) + amount
            while index >= len(timeline.bd_close):
                timeline = self._grow_forward(timeline, ts)
            return timeline.bd_close_dt[index]
        seconds = _UNIT_SECONDS.get(unit)
        if seconds is not None:
            if amount == 0:
                return _utc(self._next_opening_ts(ts))
            timeline = self._timeline
            if not timeline.lo_ts <= ts < timeline.hi_ts:
                timeline = self._covering(ts)
            target = timeline.position(ts) + amount * seconds
            while (due_ts := timeline.instant_at(target)) is None:
                timeline = self._grow_forward(timeline, ts)
            return _utc(due_ts)
        return _utc(self._calendar_due_ts(start, ts, amount, unit))

    def explain(
        self,
        start: datetime,
        amount: int,
        unit: Unit | str,
        pauses: Sequence[tuple[datetime, datetime]] = (),
    ) -> Explanation:
        """The due instant with how it was reached: clock start, days skipped, pauses.

        Its due is `due`'s own answer for the same arguments, so an explanation never
        describes an instant other than the one `due` gives (and a save stores)."""
        ts = _timestamp(start, "start")
        amount = _checked_amount(amount)
        unit = parse_unit(unit)
        due = self.due(start, amount, unit, pauses)
        plan = self._plan(start, ts, amount, unit, pauses)
        skipped: list[SkippedDay] = []
        reason = None
        if unit.is_business:
            first = start.astimezone(self.tz).date()
            last = due.astimezone(self.tz).date()
            day = first
            while day <= last:
                why = None if self.is_business_day(day) else self.day_off_reason(day)
                if why:
                    skipped.append(SkippedDay(day, why))
                day += timedelta(days=1)
            if plan.clock_start_ts != ts:
                reason = self._late_start_reason(start)
        return Explanation(
            start=start.astimezone(UTC),
            clock_start=_utc(plan.clock_start_ts),
            due=due,
            amount=amount,
            unit=unit,
            skipped_days=skipped,
            paused=[(a, b, timedelta(seconds=added)) for a, b, added in plan.paused],
            clock_start_reason=reason,
            unmoved_reasons=tuple(
                None if added else self._unmoved_reason(a, b, plan.clock_start_ts, due, unit)
                for a, b, added in plan.paused
            ),
        )

    def overdue_by(self, due: datetime, instant: datetime, unit: Unit | str) -> timedelta:
        """How far past `due` an instant is: business time for business units, elapsed
        time otherwise (zero when it is not past)."""
        if parse_unit(unit).is_business:
            return self.business_time_between(due, instant)
        return max(instant - due, timedelta())

    def _unmoved_reason(self, paused_from, paused_until, clock_start_ts, due, unit) -> str:
        """Why a pause added no counted time to a due."""
        if paused_until.timestamp() <= clock_start_ts:
            return "before the clock started"
        if paused_from >= due:
            late = self.overdue_by(due, paused_from, unit)
            kind = " of business time" if unit.is_business else ""
            by = f": overdue by {_duration_text(late)}{kind} when paused" if late else ""
            return f"the due had already passed{by}"
        return "no business time in the pause" if unit.is_business else "no time in the pause"

    # --- business time ------------------------------------------------------------------

    def business_time_between(self, a: datetime, b: datetime) -> timedelta:
        """Opening time of business days between two instants (zero if b is not after a)."""
        ts_a, ts_b = _timestamp(a, "a"), _timestamp(b, "b")
        if ts_b <= ts_a:
            return timedelta()
        position_a = self._covering(ts_a).position(ts_a)
        position_b = self._covering(ts_b).position(ts_b)
        return timedelta(seconds=position_b - position_a)

    def business_days_between(self, a: datetime, b: datetime) -> int:
        """Whole business days from a's day 0 to b's business day ("took N business days").

        b's business day is the one by whose closing time b happened (a b after closing
        or on a day off belongs to the next business day), so a case finished at `b`
        met a target of N business days from `a` exactly when this is at most N.
        """
        return self.business_days_between_timestamps(_timestamp(a, "a"), _timestamp(b, "b"))

    def business_days_between_timestamps(self, ts_a: float, ts_b: float) -> int:
        """business_days_between for POSIX timestamps (seconds), as a report reads them."""
        if ts_b <= ts_a:
            return 0
        self._covering(ts_a)
        timeline = self._covering(ts_b)
        day_zero = bisect_right(timeline.bd_close, ts_a)
        return max(0, bisect_left(timeline.bd_close, ts_b) - day_zero)

    def is_business_day(self, d: date) -> bool:
        return d.toordinal() in self._year_plan(d.year).business_ordinals

    def is_open(self, instant: datetime) -> bool:
        ts = _timestamp(instant, "instant")
        timeline = self._covering(ts)
        j = bisect_right(timeline.iv_start, ts) - 1
        return j >= 0 and ts < timeline.iv_end[j]

    def next_opening(self, instant: datetime) -> datetime:
        """The instant itself (in UTC) if open, else the next opening."""
        ts = _timestamp(instant, "instant")
        opening = self._next_opening_ts(ts)
        return instant.astimezone(UTC) if opening == ts else _utc(opening)

    def day_off_reason(self, d: date) -> str | None:
        """Why `d` is not a business day ("Saturday", "Christmas Day (public holiday)",
        "Shutdown (closure)"), or None if it is one."""
        return self._local_day(d)[1]

    def holidays(self, year: int) -> list[HolidayEntry]:
        """Statutory holidays (observed days included), closures and worked holidays."""
        entries = []
        if self._country:
            for day, name in _statutory_holidays(self._country, self._subdivision, year).items():
                source = "worked" if day in self._worked else "statutory"
                entries.append(HolidayEntry(day, name, source))
        first, last = date(year, 1, 1), date(year, 12, 31)
        for closure in self.spec.closures:
            day = max(closure.starts_on, first)
            while day <= min(closure.ends_on, last):
                entries.append(HolidayEntry(day, closure.name, "closure"))
                day += timedelta(days=1)
        order = {"statutory": 0, "worked": 0, "closure": 1}
        entries.sort(key=lambda entry: (entry.day, order[entry.source]))
        return entries

    # --- internals ----------------------------------------------------------------------

    def _plan(
        self,
        start: datetime,
        ts: float,
        amount: int,
        unit: Unit,
        pauses: Sequence[tuple[datetime, datetime]],
    ) -> _Plan:
        """The general computation: clock start, due and each pause's effect."""
        spans = _merged_spans(pauses)
        if not unit.is_business:
            due_ts = self._calendar_due_ts(start, ts, amount, unit)
            clipped = [(max(a, ts), b) for _, _, a, b in spans if b > ts]
            final = due_ts if amount == 0 else _walk(ts, due_ts - ts, clipped)
            return _Plan(ts, final, _pause_effects(spans, ts, final, lambda x: x))

        clock_start = self._next_opening_ts(ts)
        timeline = self._covering(ts)
        origin = timeline.position(ts)
        if unit is Unit.BUSINESS_DAYS:
            index = bisect_right(timeline.bd_close, ts) + amount
            while index >= len(timeline.bd_close):
                timeline = self._grow_forward(timeline, ts)
            length = timeline.position(timeline.bd_close[index]) - origin
        else:
            length = amount * _UNIT_SECONDS[unit]
        if amount == 0 and unit is not Unit.BUSINESS_DAYS:
            final_position = origin
        else:
            horizon_end = self._horizon_end_ts(ts)
            position_spans = []
            for _, _, a, b in spans:
                a, b = max(a, clock_start), min(b, horizon_end)
                if b <= a:
                    continue
                timeline = self._covering_until(timeline, b, ts)
                position_spans.append((timeline.position(a), timeline.position(b)))
            final_position = _walk(origin, length, position_spans)
        if final_position == origin:
            due_ts = clock_start
        else:
            while (due_ts := timeline.instant_at(final_position)) is None:
                timeline = self._grow_forward(timeline, ts)
        effects = _pause_effects(spans, clock_start, due_ts, timeline.position)
        return _Plan(clock_start, due_ts, effects)

    def _calendar_due_ts(self, start: datetime, ts: float, amount: int, unit: Unit) -> float:
        try:
            if unit is Unit.CALENDAR_HOURS:
                return ts + amount * 3600
            if amount == 0:
                return ts
            wall = start.astimezone(self.tz).replace(tzinfo=None) + timedelta(days=amount)
            # A wall time that does not exist or happens twice resolves with fold=0.
            return wall.replace(tzinfo=self.tz, fold=0).timestamp()
        except OverflowError:
            raise UnreachableDueDate(
                f"{amount} {unit.label} is past the end of the calendar."
            ) from None

    def _next_opening_ts(self, ts: float) -> float:
        timeline = self._covering(ts)
        while (k := bisect_right(timeline.iv_end, ts)) == len(timeline.iv_end):
            timeline = self._grow_forward(timeline, ts)
        opens = timeline.iv_start[k]
        return opens if opens > ts else ts

    def _late_start_reason(self, start: datetime) -> str:
        local = start.astimezone(self.tz)
        day = local.date()
        day_text = f"{WEEKDAY_NAMES[day.weekday()]} {day:%d/%m/%Y}"
        why_off = self.day_off_reason(day)
        if why_off or not self.is_business_day(day):
            return f"received on {day_text}, not a business day: {_reason_phrase(why_off or '')}"
        intervals = self._day_intervals_ts(day)
        ts = start.timestamp()
        if ts >= intervals[-1][1]:
            return f"received after closing time on {day_text}"
        if ts < intervals[0][0]:
            return f"received before opening time on {day_text}"
        return f"received during a break in opening hours on {day_text}"

    def _local_day(self, d: date) -> tuple[tuple[tuple[float, float], ...], str | None]:
        """A day's effective opening windows (local seconds of day) and, if none, why."""
        windows = self._windows[d.weekday()]
        if not windows:
            return (), WEEKDAY_NAMES[d.weekday()]
        if self._country and d not in self._worked:
            name = _statutory_holidays(self._country, self._subdivision, d.year).get(d)
            if name:
                return (), f"{name} (public holiday)"
        closing = [item for item in self._closures if item[0].starts_on <= d <= item[0].ends_on]
        if closing:
            windows = _subtract(windows, [(opens, closes) for _, opens, closes in closing])
            if not windows:
                names = dict.fromkeys(closure.name for closure, _, _ in closing)
                return (), f"{' and '.join(names)} (closure)"
        return windows, None

    def _day_intervals_ts(self, d: date) -> list[tuple[float, float]]:
        """A day's effective opening intervals as UTC timestamps, in order."""
        intervals: list[tuple[float, float]] = []
        midnight = datetime(d.year, d.month, d.day, tzinfo=self.tz)
        floor = float("-inf")
        for opens, closes in self._local_day(d)[0]:
            # Wall-clock arithmetic: 08:30 local on the day, DST included (fold=0).
            opens_ts = max((midnight + timedelta(seconds=opens)).timestamp(), floor)
            closes_ts = (midnight + timedelta(seconds=closes)).timestamp()
            if closes_ts > opens_ts:
                intervals.append((opens_ts, closes_ts))
                floor = closes_ts
        return intervals

    def _year_plan(self, year: int) -> _YearPlan:
        plan = self._plans.get(year)
        if plan is None:
            days = []
            floor = float("-inf")
            day, one_day = date(year, 1, 1), timedelta(days=1)
            while day.year == year:
                # Clamped so that days never overlap, even around odd DST transitions.
                intervals = [
                    (max(opens, floor), closes)
                    for opens, closes in self._day_intervals_ts(day)
                    if closes > floor
                ]
                if intervals:
                    days.append((day.toordinal(), intervals))
                    floor = intervals[-1][1]
                day += one_day
            plan = _YearPlan(
                year,
                datetime(year, 1, 1, tzinfo=self.tz).timestamp(),
                datetime(year + 1, 1, 1, tzinfo=self.tz).timestamp(),
                days,
            )
            self._plans[year] = plan
        return plan

    def _covering(self, ts: float) -> _Timeline:
        """The timeline, grown if needed so that it covers instant `ts`."""
        timeline = self._timeline
        if timeline.lo_ts <= ts < timeline.hi_ts:
            return timeline
        year = self._local_year(ts)
        return self._grow(year, year)

    def _covering_until(self, timeline: _Timeline, ts: float, origin_ts: float) -> _Timeline:
        while ts > timeline.hi_ts:
            timeline = self._grow_forward(timeline, origin_ts)
        return timeline

    def _grow_forward(self, timeline: _Timeline, origin_ts: float) -> _Timeline:
        """One more year after `timeline`, unless that passes the horizon of `origin_ts`."""
        if timeline.hi_year >= min(self._local_year(origin_ts) + HORIZON_YEARS, _LAST_YEAR):
            origin = datetime.fromtimestamp(origin_ts, self.tz)
            raise UnreachableDueDate(
                f"No due date within {HORIZON_YEARS} years of "
                f"{_local_text(origin, self.tz)}: calendar {self.spec.code!r} has no business "
                "time left to count (check its opening hours, holidays and closures)."
            )
        return self._grow(timeline.hi_year + 1, timeline.hi_year + 1)

    def _grow(self, lo_year: int, hi_year: int) -> _Timeline:
        if not 1 < lo_year <= hi_year <= _LAST_YEAR:
            raise ValueError(f"Dates in {lo_year} to {hi_year} are outside the calendar's range.")
        with self._lock:
            current = self._timeline
            if current.lo_year is None:
                grown = _Timeline([self._year_plan(y) for y in range(lo_year, hi_year + 1)])
            else:
                before = [self._year_plan(y) for y in range(lo_year, current.lo_year)]
                after = [self._year_plan(y) for y in range(current.hi_year + 1, hi_year + 1)]
                if not before and not after:
                    return current
                plans = [self._year_plan(y) for y in range(current.lo_year, current.hi_year + 1)]
                pos_lo = current.pos_lo - sum(plan.total for plan in before)
                grown = _Timeline(before + plans + after, pos_lo)
            self._timeline = grown
            return grown

    def _local_year(self, ts: float) -> int:
        try:
            return datetime.fromtimestamp(ts, self.tz).year
        except (OverflowError, OSError, ValueError):
            raise ValueError(
                "That instant is outside the range of dates a calendar handles."
            ) from None

    def _horizon_end_ts(self, origin_ts: float) -> float:
        last = min(self._local_year(origin_ts) + HORIZON_YEARS, _LAST_YEAR)
        return datetime(last + 1, 1, 1, tzinfo=self.tz).timestamp()


# --- helpers ----------------------------------------------------------------------------


def _timestamp(instant: datetime, what: str) -> float:
    if not isinstance(instant, datetime):
        raise TypeError(f"{what} must be a datetime, not {type(instant).__name__}.")
    if instant.tzinfo is None or instant.utcoffset() is None:
        raise ValueError(f"{what} must be timezone-aware (a naive datetime's zone is unknown).")
    return instant.timestamp()


def _checked_amount(amount: int) -> int:
    if amount.__class__ is not int:
        amount = operator.index(amount)
    if amount < 0:
        raise ValueError(f"The amount must not be negative (got {amount}).")
    return amount


def _utc(ts: float) -> datetime:
    try:
        return datetime.fromtimestamp(ts, UTC)
    except (OverflowError, OSError, ValueError):
        raise UnreachableDueDate("The due date is past the end of the calendar.") from None


def _merged_spans(
    pauses: Sequence[tuple[datetime, datetime]],
) -> list[tuple[datetime, datetime, float, float]]:
    """Pauses sorted and merged where they overlap or touch, so none counts twice."""
    spans = []
    for pause in pauses:
        paused_from, paused_until = pause
        a, b = _timestamp(paused_from, "pause start"), _timestamp(paused_until, "pause end")
        if b < a:
            raise ValueError("A pause cannot end before it starts.")
        if b > a:
            spans.append((a, b, paused_from, paused_until))
    spans.sort(key=lambda span: span[0])
    merged: list[list] = []
    for a, b, paused_from, paused_until in spans:
        if merged and a <= merged[-1][3]:
            if b > merged[-1][3]:
                merged[-1][1], merged[-1][3] = paused_until, b
        else:
            merged.append([paused_from, paused_until, a, b])
    return [
        (paused_from.astimezone(UTC), paused_until.astimezone(UTC), a, b)
        for paused_from, paused_until, a, b in merged
    ]


def _walk(origin: float, length: float, pauses: list[tuple[float, float]]) -> float:
    """Where `length` of running time from `origin` ends when the clock stops in `pauses`.

    Positions are business seconds (or plain timestamps for calendar units); `pauses`
    are sorted, non-overlapping position spans.
    """
    remaining, position = length, origin
    for a, b in pauses:
        if b <= position:
            continue
        if a > position:
            if remaining <= a - position:
                break
            remaining -= a - position
        position = b
    return position + remaining


def _pause_effects(spans, clock_start_ts, due_ts, to_position):
    """Each merged pause with the counted time it added between clock start and due."""
    effects = []
    for paused_from, paused_until, a, b in spans:
        lo, hi = max(a, clock_start_ts), min(b, due_ts)
        added = to_position(hi) - to_position(lo) if hi > lo else 0.0
        effects.append((paused_from, paused_until, added))
    return effects


def _is_time_pair(window) -> bool:
    try:
        opens, closes = window
    except (TypeError, ValueError):
        return False
    return isinstance(opens, time) and isinstance(closes, time)


def _day_seconds(t: time) -> float:
    return t.hour * 3600 + t.minute * 60 + t.second + t.microsecond / 1_000_000


def _end_seconds(t: time) -> float:
    """Seconds of day for an end time; 00:00 as an end means midnight at the day's end."""
    seconds = _day_seconds(t)
    return DAY_SECONDS if seconds == 0 else seconds


def _closure_seconds(closure: Closure) -> tuple[float, float]:
    opens = 0.0 if closure.from_time is None else _day_seconds(closure.from_time)
    closes = DAY_SECONDS if closure.until_time is None else _end_seconds(closure.until_time)
    return opens, closes


def _merged_local_windows(windows) -> tuple[tuple[float, float], ...]:
    """A weekday's windows in seconds of day, sorted, touching windows joined."""
    merged: list[list[float]] = []
    for opens, closes in sorted((_day_seconds(a), _end_seconds(b)) for a, b in windows):
        if merged and opens <= merged[-1][1]:
            merged[-1][1] = max(merged[-1][1], closes)
        else:
            merged.append([opens, closes])
    return tuple((opens, closes) for opens, closes in merged)


def _subtract(windows, cuts) -> tuple[tuple[float, float], ...]:
    pieces = list(windows)
    for cut_from, cut_until in cuts:
        remaining = []
        for opens, closes in pieces:
            if cut_until <= opens or cut_from >= closes:
                remaining.append((opens, closes))
                continue
            if opens < cut_from:
                remaining.append((opens, cut_from))
            if cut_until < closes:
                remaining.append((cut_until, closes))
        pieces = remaining
    return tuple(pieces)


def _hhmm(t: time | None) -> str:
    return "--:--" if t is None else f"{t:%H:%M}"


def local_text(instant: datetime, zone: tzinfo) -> str:
    """An instant as the explanations write it: "Monday 02/03/2026 09:00", local time."""
    return _local_text(instant, zone)


def duration_text(span: timedelta) -> str:
    """A duration as the explanations write it: "17 h 30 min"."""
    return _duration_text(span)


def _local_text(instant: datetime, zone: tzinfo) -> str:
    local = instant.astimezone(zone)
    return f"{WEEKDAY_NAMES[local.weekday()]} {local:%d/%m/%Y %H:%M}"


def _reason_phrase(reason: str) -> str:
    """A day-off reason as a phrase: "weekend", "Christmas Day, public holiday"."""
    if reason in ("Saturday", "Sunday"):
        return "weekend"
    if reason in WEEKDAY_NAMES:
        return "not a working day"
    for suffix in ("public holiday", "closure"):
        if reason.endswith(f" ({suffix})"):
            return f"{reason[: -len(suffix) - 3]}, {suffix}"
    return reason or "no opening hours"


def _duration_text(span: timedelta) -> str:
    seconds = round(span.total_seconds())
    hours, rest = divmod(seconds, 3600)
    minutes, seconds = divmod(rest, 60)
    parts = [f"{hours} h"] if hours else []
    if minutes or (not hours and not seconds):
        parts.append(f"{minutes} min")
    if seconds:
        parts.append(f"{seconds} s")
    return " ".join(parts)


def _plural(count: int, noun: str) -> str:
    return f"{count} {noun}" if count == 1 else f"{count} {noun}s"
