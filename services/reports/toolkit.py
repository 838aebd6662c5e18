"""What every report is built from: the period checks and the SQL they share (counts of
rows meeting a condition, periods bucketed by their UTC bounds, the business days between
two instants counted by the database), the table a report becomes, and breakdowns by code.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from zoneinfo import ZoneInfo

from sqlalchemy import (
    ARRAY,
    Column,
    ColumnElement,
    DateTime,
    Index,
    Integer,
    MetaData,
    Table,
    and_,
    bindparam,
    case,
    cast,
    func,
    literal_column,
    select,
    text,
)
from sqlalchemy.exc import SQLAlchemyError

from models import (
    UTCDateTime,
)
from rules.clock import BusinessCalendar, Unit
from rules.periods import Period, local_midnight

NOT_RECORDED = "Not recorded"
Scope = ColumnElement[bool] | None
Zone = str | tzinfo


@dataclass(frozen=True, slots=True)
class TableData:
    """A report as a table: column headings and rows of plain values, for screen or file."""

    headers: tuple[str, ...]
    rows: tuple[tuple, ...]


@dataclass(frozen=True, slots=True)
class Count:
    """One line of a breakdown: what (a code, or None for not recorded), its name, how many."""

    key: str | None
    label: str
    count: int


# --- shared SQL -------------------------------------------------------------------------


def count_if(condition) -> ColumnElement[int]:
    """How many rows meet a condition: a filtered aggregate every database runs."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def as_flag(condition) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def within(column, bounds: tuple[datetime, datetime]) -> ColumnElement[bool]:
    start, end = bounds
    return and_(column >= start, column < end)


def scoped(query, scope: Scope):
    return query if scope is None else query.where(scope)


def percentage(part: int, whole: int) -> float | None:
    return None if not whole else 100.0 * part / whole


def ordered_periods(periods: Period | Sequence[Period]) -> tuple[Period, ...]:
    if isinstance(periods, Period):
        return (periods,)
    ordered = tuple(sorted(periods, key=lambda p: p.start))
    if not ordered:
        raise ValueError("A report needs at least one period.")
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.start < earlier.end:
            raise ValueError(f"Periods {earlier} and {later} overlap: report them separately.")
    return ordered


def period_bucket(column, bounds: Sequence[tuple[datetime, datetime]]) -> ColumnElement[int]:
    """The index of the period an instant falls in, or NULL when in none of them.

    One period: 0, for the queries select only the rows within it.
    """
    if len(bounds) == 1:
        return literal_column("0")
    return case(*[(within(column, b), index) for index, b in enumerate(bounds)], else_=None)


def breakdown(found: dict, listed: Sequence[tuple[str, str]], names: dict) -> tuple[Count, ...]:
    """Every listed line (zero or not), then any other key found, then not recorded."""
    lines = [Count(code, name, int(found.get(code, 0))) for code, name in listed]
    listed_codes = {code for code, _ in listed}
    for code in sorted(k for k in found if k is not None and k not in listed_codes):
        lines.append(Count(code, names.get(code, code), int(found[code])))
    if found.get(None):
        lines.append(Count(None, NOT_RECORDED, int(found[None])))
    return tuple(lines)


def lookup_breakdown(session, model, counts: dict) -> tuple[Count, ...]:
    lookups = session.execute(
        select(model.code, model.name, model.active).order_by(model.sort_order, model.name)
    ).all()
    listed = [(code, name) for code, name, active in lookups if active or counts.get(code)]
    return breakdown(counts, listed, {code: name for code, name, _ in lookups})


# --- business days in SQL ---------------------------------------------------------------


@contextmanager
def business_day_closes(
    session, calendars: dict[int, BusinessCalendar], first: date, last: date
) -> Iterator[Table]:
    """A temporary table of every business day's closing instant, numbered, per calendar.

    Columns: calendar_id, ordinal (1, 2, ... per calendar, in order) and closes_at (UTC),
    for the business days from `first` to `last` (local dates) in each calendar. The
    number of business days from instant a to instant b on a calendar is then

        ordinal of the last close before b  -  ordinal of the last close at or before a

    which is exactly BusinessCalendar.business_days_between(a, b): day 0 is a's day if a
    is before its closing time, and b counts on the business day by whose close it came.
    A few thousand rows cover years; an index on (calendar_id, closes_at) makes each
    lookup one index probe, so a query finds the business days of many cases at once.
    The table lives in the session's connection and is dropped on leaving.
    """
    name = f"report_closes_{secrets.token_hex(6)}"
    table = Table(
        name,
        MetaData(),
        Column("calendar_id", Integer, nullable=False),
        Column("ordinal", Integer, nullable=False),
        Column("closes_at", UTCDateTime, nullable=False),
        Index(f"{name}_at", "calendar_id", "closes_at", "ordinal"),
        prefixes=["TEMPORARY"],
    )
    rows = [
        {"calendar_id": calendar_id, "ordinal": ordinal, "closes_at": close}
        for calendar_id, engine in calendars.items()
        for ordinal, close in enumerate(_closing_instants(engine, first, last), start=1)
    ]
    connection = session.connection()
    table.create(connection)
    left_cleanly = False
    try:
        if rows:
            connection.execute(table.insert(), rows)
        if connection.dialect.name == "postgresql":
            connection.execute(text(f"ANALYZE {name}"))
        yield table
        left_cleanly = True
    finally:
        try:
            table.drop(connection)
        except SQLAlchemyError:
            # A failed PostgreSQL transaction refuses the drop; its rollback drops the
            # table anyway. Only an error of our own is hidden, never the one under way.
            if left_cleanly:
                raise


def _closing_instants(engine: BusinessCalendar, first: date, last: date) -> list[datetime]:
    """The closing instant of every business day from `first` to `last` (local dates)."""
    start = local_midnight(first, engine.tz)
    stop = local_midnight(last + timedelta(days=1), engine.tz)
    closes = []
    close = engine.due(start, 0, Unit.BUSINESS_DAYS)
    while close < stop:
        closes.append(close)
        # From a closing instant, day 0 is the next business day: its close follows.
        close = engine.due(close, 0, Unit.BUSINESS_DAYS)
    return closes


@contextmanager
def business_days_sql(
    session, calendars: dict[int, BusinessCalendar], first: date, last: date
) -> Iterator[Callable[..., ColumnElement[int]]]:
    """A builder of `days(calendar_id, a, b)`: the business days from instant a to instant
    b on a calendar, counted by the database, for instants from `first` to `last`.

    The count is the number of business days whose closing instant falls strictly
    between a and b: exactly BusinessCalendar.business_days_between(a, b) when b is
    after a (it can come out negative otherwise, where the engine says 0). On
    PostgreSQL each calendar's closing instants go with the statement as one sorted array
    and width_bucket finds, by bisection, how many are at or before an instant (the
    closes before b: those at or before b less a microsecond, the precision of its
    instants). Elsewhere they go in a temporary table (business_day_closes), one index
    probe per instant.
    """
    if session.connection().dialect.name == "postgresql":
        arrays = {
            calendar_id: cast(
                bindparam(None, _closing_instants(engine, first, last), type_=_INSTANTS),
                _INSTANTS,
            )
            for calendar_id, engine in calendars.items()
        }

        def closes(calendar_id):
            if len(arrays) == 1:
                return next(iter(arrays.values()))
            return case(arrays, value=calendar_id)

        def days(calendar_id, a, b):
            thresholds = closes(calendar_id)
            return func.width_bucket(
                b - literal_column("interval '1 microsecond'"), thresholds, type_=Integer
            ) - func.width_bucket(a, thresholds, type_=Integer)

        yield days
        return

    with business_day_closes(session, calendars, first, last) as table:

        def last_close(calendar_id, condition):
            return func.coalesce(
                select(table.c.ordinal)
                .where(table.c.calendar_id == calendar_id, condition)
                .order_by(table.c.closes_at.desc())
                .limit(1)
                .scalar_subquery(),
                0,
            )

        def days(calendar_id, a, b):
            return last_close(calendar_id, table.c.closes_at < b) - last_close(
                calendar_id, table.c.closes_at <= a
            )

        yield days


_INSTANTS = ARRAY(DateTime(timezone=True))


def percentile(counts: Sequence[tuple[int, int]], percent: int) -> float:
    """The percentile of values given as (value, how many) in ascending order, interpolated
    linearly between the two nearest as PostgreSQL's percentile_cont does."""
    position = (sum(n for _, n in counts) - 1) * percent / 100
    low = math.floor(position)
    at_low = at_high = None
    seen = 0
    for value, n in counts:
        seen += n
        if at_low is None and low < seen:
            at_low = value
        if low + 1 < seen:
            at_high = value
            break
    if at_high is None:  # low is the last position
        at_high = at_low
    return float(at_low + (at_high - at_low) * (position - low))


def as_tzinfo(tz: Zone) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz
