"""Reporting periods: months, calendar quarters and financial years (1 July to 30 June).

A period is a span of local days, its end exclusive. Reports count what happened between
local midnight at its start and local midnight at its end, in a time zone the caller
names (Australia/Brisbane unless told otherwise): `Period.utc_bounds` gives those two
instants in UTC, ready to compare with the instants the database stores.

Pure Python: no Flask, no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, tzinfo
from zoneinfo import ZoneInfo

__all__ = [
    "DEFAULT_TIME_ZONE",
    "FINANCIAL_YEAR",
    "KINDS",
    "MONTH",
    "QUARTER",
    "Period",
    "financial_year",
    "last_n",
    "local_midnight",
    "month",
    "parse",
    "period_containing",
    "previous",
    "quarter",
    "shift",
]

DEFAULT_TIME_ZONE = "Australia/Brisbane"

MONTH = "month"
QUARTER = "quarter"
FINANCIAL_YEAR = "financial_year"
KINDS = {MONTH: "Month", QUARTER: "Quarter", FINANCIAL_YEAR: "Financial year"}

# How many months each kind spans, and the month (1-12) its periods may start in.
_MONTHS = {MONTH: 1, QUARTER: 3, FINANCIAL_YEAR: 12}
_FIRST_MONTH = {MONTH: 1, QUARTER: 1, FINANCIAL_YEAR: 7}
_MONTH_ABBREVIATIONS = "Jan Feb Mar Apr May Jun Jul Aug Sep Oct Nov Dec".split()
_MONTH_NAMES = (
    "January February March April May June July August September October November December"
).split()
_EN_DASH = "\u2013"
# The years a report may be asked for: wide enough for any register, narrow enough that
# the periods before and after one (a report compares several) are still dates.
FIRST_YEAR, LAST_YEAR = 1900, 2200


@dataclass(frozen=True, slots=True)
class Period:
    """A reporting period: local days from `start` up to, not including, `end`."""

    kind: str
    start: date
    end: date
    label: str

    @property
    def key(self) -> str:
        """A short stable name for links and file names: 2026-07, 2026-Q3, FY2025-26."""
        if self.kind == MONTH:
            return f"{self.start:%Y-%m}"
        if self.kind == QUARTER:
            return f"{self.start.year}-Q{(self.start.month - 1) // 3 + 1}"
        return f"FY{self.start.year}-{(self.start.year + 1) % 100:02d}"

    def contains(self, day: date) -> bool:
        return self.start <= day < self.end

    def utc_bounds(self, tz: str | tzinfo = DEFAULT_TIME_ZONE) -> tuple[datetime, datetime]:
        """Local midnight at the start and at the end, as UTC instants."""
        return local_midnight(self.start, tz), local_midnight(self.end, tz)

    def contains_instant(self, instant: datetime, tz: str | tzinfo = DEFAULT_TIME_ZONE) -> bool:
        start, end = self.utc_bounds(tz)
        return start <= instant < end

    def __str__(self) -> str:
        return self.label


def local_midnight(day: date, tz: str | tzinfo = DEFAULT_TIME_ZONE) -> datetime:
    """The first instant of `day` in a time zone, in UTC."""
    zone = ZoneInfo(tz) if isinstance(tz, str) else tz
    return datetime(day.year, day.month, day.day, tzinfo=zone).astimezone(UTC)


def _check_kind(kind: str) -> None:
    if kind not in KINDS:
        raise ValueError(f"Unknown kind of period {kind!r}: choose one of {', '.join(KINDS)}.")


def _add_months(year: int, month_number: int, months: int) -> tuple[int, int]:
    index = year * 12 + (month_number - 1) + months
    return index // 12, index % 12 + 1


def _label(kind: str, start: date, end: date) -> str:
    if kind == MONTH:
        return f"{_MONTH_NAMES[start.month - 1]} {start.year}"
    if kind == QUARTER:
        last = _MONTH_ABBREVIATIONS[(start.month + 1) % 12]
        return f"{_MONTH_ABBREVIATIONS[start.month - 1]}{_EN_DASH}{last} {start.year}"
    return f"{start.year}{_EN_DASH}{end.year % 100:02d}"


def _period(kind: str, year: int, first_month: int) -> Period:
    start = date(year, first_month, 1)
    end_year, end_month = _add_months(year, first_month, _MONTHS[kind])
    end = date(end_year, end_month, 1)
    return Period(kind, start, end, _label(kind, start, end))


def month(year: int, month_number: int) -> Period:
    return _period(MONTH, year, month_number)


def quarter(year: int, number: int) -> Period:
    """Calendar quarter 1 (January to March) to 4 (October to December) of a year."""
    if not 1 <= number <= 4:
        raise ValueError(f"A quarter is numbered 1 to 4, not {number}.")
    return _period(QUARTER, year, 3 * number - 2)


def financial_year(start_year: int) -> Period:
    """The financial year from 1 July of `start_year` to 30 June of the next year."""
    return _period(FINANCIAL_YEAR, start_year, 7)


def period_containing(kind: str, day: date | datetime) -> Period:
    """The month, quarter or financial year `day` falls in (a datetime: its own date)."""
    _check_kind(kind)
    if isinstance(day, datetime):
        day = day.date()
    months_in = (day.month - _FIRST_MONTH[kind]) % _MONTHS[kind]
    year, first_month = _add_months(day.year, day.month, -months_in)
    return _period(kind, year, first_month)


def shift(period: Period, n: int) -> Period:
    """The period `n` periods of the same kind after this one (before it when negative)."""
    _check_kind(period.kind)
    year, first_month = _add_months(
        period.start.year, period.start.month, n * _MONTHS[period.kind]
    )
    return _period(period.kind, year, first_month)


def previous(period: Period, n: int = 1) -> Period:
    """The period `n` periods of the same kind before this one."""
    return shift(period, -n)


def last_n(kind: str, n: int, today: date | datetime) -> list[Period]:
    """The `n` periods of a kind up to and including the one `today` is in, oldest first."""
    if n < 0:
        raise ValueError("The number of periods cannot be negative.")
    current = period_containing(kind, today)
    return [shift(current, offset) for offset in range(1 - n, 1)]


_KEY_PATTERNS = (
    (re.compile(r"^(\d{4})-(\d{2})$"), lambda m: month(int(m[1]), int(m[2]))),
    (re.compile(r"^(\d{4})-Q([1-4])$", re.I), lambda m: quarter(int(m[1]), int(m[2]))),
    (re.compile(r"^FY(\d{4})-(\d{2})$", re.I), lambda m: financial_year(int(m[1]))),
)


def parse(key: str) -> Period:
    """The period a key names (2026-07, 2026-Q3, FY2025-26): the reverse of `Period.key`."""
    text = (key or "").strip()
    for pattern, build in _KEY_PATTERNS:
        found = pattern.match(text)
        if found is None:
            continue
        if not FIRST_YEAR <= int(found[1]) <= LAST_YEAR:
            raise ValueError(
                f"{key!r} does not name a period the portal reports on: "
                f"choose a year from {FIRST_YEAR} to {LAST_YEAR}."
            )
        try:
            period = build(found)
        except ValueError as error:
            raise ValueError(f"{key!r} does not name a period: {error}") from None
        if period.kind == FINANCIAL_YEAR and (period.start.year + 1) % 100 != int(found[2]):
            raise ValueError(f"{key!r} does not name a financial year: the years do not follow.")
        return period
    raise ValueError(
        f"{key!r} does not name a period: write a month as 2026-07, a quarter as 2026-Q3 "
        "or a financial year as FY2025-26."
    )
