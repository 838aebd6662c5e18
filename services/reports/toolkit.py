"""Reports: service levels, complaint timeliness, outcomes and reviews, trends, and the
annual publication (DOMAIN.md, "Monitoring and reporting" and "Service-desk tickets").

Every function takes a session, the period or periods (rules.periods), an optional scope
and the time zone the periods are read in, and returns plain frozen dataclasses whose
rows are ready for a table (`as_table()`) and a chart. The scope is a where-clause on
`Complaint` (complaint reports) or `Ticket` (the service-level report) that the caller
builds, so that a screen can limit a report to the rows its user may see.

All counting and grouping is done by the database: conditional sums (`sum(case(...))`),
`count`, `group_by`, and periods bucketed by a `case` over their UTC bounds; business
days to finalise are counted against the calendar's business-day closing instants and
grouped by their number. Python only merges and labels the few grouped rows that come
back, and reads the timeliness percentiles off those counts. The same SQL runs on SQLite
and PostgreSQL (but for how the closing instants are searched); each report reads the
register once per measure, through the indexes on the instants it counts by, so it
stays fast on a register of a million complaints.

What the figures count, in words:

- An instant is in a period when it falls between local midnight at the period's start
  and local midnight at its end (Australia/Brisbane unless the caller says otherwise).
- Complaint reports count submissions of kind "complaint" only, not compliments or
  suggestions.
- A due instant is met when the step was done at or before it (`done_at <= due_at`, the
  comparison rules.deadlines makes). A step with no due instant (no SLA target for it)
  is neither met nor missed and is left out of its percentage.
"""

from __future__ import annotations

import math
import secrets
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, timedelta, tzinfo
from decimal import Decimal
from functools import lru_cache
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
    literal,
    literal_column,
    null,
    or_,
    select,
    text,
    union_all,
)
from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.orm import selectinload
from sqlalchemy.sql.expression import CompoundSelect

from models import (
    Calendar,
    Category,
    Channel,
    Complaint,
    Division,
    Extension,
    ExternalReview,
    InternalReview,
    Outcome,
    Participant,
    ReferralTarget,
    SlaTarget,
    Ticket,
    UTCDateTime,
    utcnow,
)
from rules import deadlines as deadline_rules
from rules import periods as period_rules
from rules.clock import BusinessCalendar, Unit
from rules.periods import DEFAULT_TIME_ZONE, Period
from rules.vocabulary import (
    CLASSIFICATIONS,
    EXTERNAL_BODIES,
    REVIEW_OUTCOMES,
    TICKET_CLOSED_STATUSES,
    TICKET_SEVERITIES,
)

from ..clocks import Clocks, business_calendar

__all__ = [
    "AnnualPublication",
    "AtRiskTicket",
    "Count",
    "DIMENSIONS",
    "OutcomesReport",
    "ServiceLevelForecast",
    "ServiceLevelReport",
    "ServiceLevelRow",
    "TableData",
    "TimelinessReport",
    "TimelinessRow",
    "TrendReport",
    "TrendRow",
    "annual_publication",
    "business_day_closes",
    "complaint_timeliness",
    "complaint_trends",
    "outcomes_and_reviews",
    "service_levels",
]

NOT_RECORDED = "Not recorded"
# What the timeliness report can be grouped by.
DIMENSIONS = {
    "classification": "Classification",
    "division": "Division",
    "category": "Category",
    "channel": "Channel",
}

Scope = ColumnElement[bool] | None
Zone = str | tzinfo


@dataclass(frozen=True, slots=True)
class TableData:
    """A report as a table: column headings and rows of plain values, for screen or file."""

    headers: tuple[str, ...]
    rows: tuple[tuple, ...]


# --- shared SQL -------------------------------------------------------------------------


def _count_if(condition) -> ColumnElement[int]:
    """How many rows meet a condition: a filtered aggregate every database runs."""
    return func.coalesce(func.sum(case((condition, 1), else_=0)), 0)


def _flag(condition) -> ColumnElement[int]:
    return case((condition, 1), else_=0)


def _within(column, bounds: tuple[datetime, datetime]) -> ColumnElement[bool]:
    start, end = bounds
    return and_(column >= start, column < end)


def _scoped(query, scope: Scope):
    return query if scope is None else query.where(scope)


def _percent(part: int, whole: int) -> float | None:
    return None if not whole else 100.0 * part / whole


def _periods(periods: Period | Sequence[Period]) -> tuple[Period, ...]:
    if isinstance(periods, Period):
        return (periods,)
    ordered = tuple(sorted(periods, key=lambda p: p.start))
    if not ordered:
        raise ValueError("A report needs at least one period.")
    for earlier, later in zip(ordered, ordered[1:], strict=False):
        if later.start < earlier.end:
            raise ValueError(f"Periods {earlier} and {later} overlap: report them separately.")
    return ordered


def _bucket(column, bounds: Sequence[tuple[datetime, datetime]]) -> ColumnElement[int]:
    """The index of the period an instant falls in, or NULL when in none of them.

    One period: 0, for the queries select only the rows within it.
    """
    if len(bounds) == 1:
        return literal_column("0")
    return case(*[(_within(column, b), index) for index, b in enumerate(bounds)], else_=None)


# --- service levels ---------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ServiceLevelRow:
    """One severity in one period: tickets resolved in it, and how many met each target."""

    period: Period
    severity: str
    closed: int
    first_response_met: int
    first_response_missed: int
    resolution_met: int
    resolution_missed: int
    first_response_target_percent: Decimal | None
    resolution_target_percent: Decimal | None

    @property
    def severity_label(self) -> str:
        return TICKET_SEVERITIES.get(self.severity, self.severity)

    @property
    def first_response_percent(self) -> float | None:
        return _percent(
            self.first_response_met, self.first_response_met + self.first_response_missed
        )

    @property
    def resolution_percent(self) -> float | None:
        return _percent(self.resolution_met, self.resolution_met + self.resolution_missed)

    @property
    def meets_target(self) -> bool | None:
        """Resolution met at least the service level; None without a target or tickets."""
        timed = self.resolution_met + self.resolution_missed
        if self.resolution_target_percent is None or not timed:
            return None
        return Decimal(self.resolution_met * 100) >= self.resolution_target_percent * timed


@dataclass(frozen=True, slots=True)
class ServiceLevelForecast:
    """Whether a severity's service level can still be met in the period under way.

    The tickets the period will count are taken to be those resolved so far plus the open
    ones due to be resolved before it ends (`expected`). The target allows
    floor(expected x (100 - target%) / 100) misses; the misses so far and the open
    tickets already overdue (certain misses) use some of them; what is left is how many
    more misses the target can absorb. Negative: the target is out of reach by that many,
    even if every other ticket is resolved in time.
    """

    period: Period
    severity: str
    target_percent: Decimal | None
    closed: int
    missed: int
    open_due: int
    overdue: int

    @property
    def severity_label(self) -> str:
        return TICKET_SEVERITIES.get(self.severity, self.severity)

    @property
    def expected(self) -> int:
        return self.closed + self.open_due

    @property
    def misses_allowed(self) -> int | None:
        if self.target_percent is None:
            return None
        return math.floor(Decimal(self.expected) * (100 - self.target_percent) / 100)

    @property
    def misses_absorbable(self) -> int | None:
        allowed = self.misses_allowed
        return None if allowed is None else allowed - self.missed - self.overdue

    @property
    def target_reachable(self) -> bool | None:
        absorbable = self.misses_absorbable
        return None if absorbable is None else absorbable >= 0


@dataclass(frozen=True, slots=True)
class AtRiskTicket:
    """An open ticket with a deadline falling due in the period (its first response, or its
    resolution), overdue or at risk."""

    id: int
    reference: str
    severity: str
    summary: str
    reported_at: datetime
    resolution_due_at: datetime
    state: str  # "overdue" or "at risk", as rules.deadlines.deadline_state says
    deadline: str = "Resolution"  # or "First response"
    due_at: datetime | None = None  # that deadline's instant


@dataclass(frozen=True, slots=True)
class ServiceLevelReport:
    periods: tuple[Period, ...]
    rows: tuple[ServiceLevelRow, ...]
    # The period under way at `now`, if it is one of those asked for, with its forecast.
    current: Period | None
    forecasts: tuple[ServiceLevelForecast, ...]
    at_risk: tuple[AtRiskTicket, ...]

    def row(self, period: Period, severity: str) -> ServiceLevelRow:
        return next(r for r in self.rows if r.period == period and r.severity == severity)

    def forecast(self, severity: str) -> ServiceLevelForecast:
        return next(f for f in self.forecasts if f.severity == severity)

    def as_table(self) -> TableData:
        return TableData(
            (
                "Period",
                "Severity",
                "Resolved",
                "First response met",
                "First response missed",
                "First response met %",
                "Resolution met",
                "Resolution missed",
                "Resolution met %",
                "Target %",
                "Target met",
            ),
            tuple(
                (
                    r.period.label,
                    r.severity_label,
                    r.closed,
                    r.first_response_met,
                    r.first_response_missed,
                    r.first_response_percent,
                    r.resolution_met,
                    r.resolution_missed,
                    r.resolution_percent,
                    r.resolution_target_percent,
                    r.meets_target,
                )
                for r in self.rows
            ),
        )


def service_levels(
    session,
    periods: Period | Sequence[Period],
    *,
    now: datetime | None = None,
    scope: Scope = None,
    tz: Zone = DEFAULT_TIME_ZONE,
) -> ServiceLevelReport:
    """Per period and severity: tickets resolved, met and missed on first response and on
    resolution, against the severity's service level (SlaTarget.service_level_percent of
    `ticket.resolution.<severity>`, and of `ticket.first_response.<severity>` if set).

    A ticket counts in the period its resolution (`resolved_at`) falls in. First response
    is met when `first_response_at <= first_response_due_at`; a ticket resolved without
    a recorded first response missed it. Resolution is met when
    `resolved_at <= resolution_due_at`.

    For the period under way at `now` (if asked for) there is a forecast per severity
    (ServiceLevelForecast), and the open tickets due in it that are overdue or at risk:
    not resolved, not waiting on the client, with at most a quarter of their business
    time left (rules.deadlines.AT_RISK_SHARE, the notion the case screens use).
    """
    periods = _periods(periods)
    now = now or utcnow()
    bounds = [p.utc_bounds(tz) for p in periods]
    parameters = {}
    for index, (start, end) in enumerate(bounds):
        parameters[f"start_{index}"], parameters[f"end_{index}"] = start, end
    found, targets = {}, {}
    for bucket, severity, *counts, percent in session.execute(
        _service_level_statement(len(periods), scope), parameters
    ):
        if bucket == -1:  # a service-level target: severity holds its key
            targets[severity] = Decimal(percent)
        elif bucket is not None:  # None: resolved between two of the periods
            found[(bucket, severity)] = tuple(int(v or 0) for v in counts)
    severities = list(TICKET_SEVERITIES) + sorted(
        {severity for _, severity in found} - set(TICKET_SEVERITIES)
    )
    rows = tuple(
        ServiceLevelRow(
            period,
            severity,
            *found.get((index, severity), (0, 0, 0, 0, 0)),
            first_response_target_percent=targets.get(f"ticket.first_response.{severity}"),
            resolution_target_percent=targets.get(f"ticket.resolution.{severity}"),
        )
        for index, period in enumerate(periods)
        for severity in severities
    )
    current = next(
        (p for p, (start, end) in zip(periods, bounds, strict=True) if start <= now < end), None
    )
    forecasts, at_risk = (), ()
    if current is not None:
        end = current.utc_bounds(tz)[1]
        forecasts = _forecasts(session, current, end, rows, severities, now, scope)
        at_risk = _at_risk_tickets(session, end, now, scope)
    return ServiceLevelReport(periods, rows, current, forecasts, at_risk)


def _service_level_statement(periods: int, scope: Scope) -> CompoundSelect:
    """Tickets resolved, met and missed, per period and severity, for `periods` consecutive
    periods bounded by the parameters start_0, end_0, start_1...; followed, in the same
    round trip, by the ticket service-level targets (bucket -1, the key for severity,
    the percentage last). Without a scope the statement is built once and kept."""
    if scope is None:
        return _unscoped_service_level_statement(periods)
    return _build_service_level_statement(periods, scope)


def _build_service_level_statement(periods: int, scope: Scope) -> CompoundSelect:
    bounds = [
        (bindparam(f"start_{i}", type_=UTCDateTime), bindparam(f"end_{i}", type_=UTCDateTime))
        for i in range(periods)
    ]
    first_due, first_at = Ticket.first_response_due_at, Ticket.first_response_at
    resolution_due, resolved = Ticket.resolution_due_at, Ticket.resolved_at
    measures = (
        and_(first_due.is_not(None), first_at <= first_due),
        and_(first_due.is_not(None), or_(first_at.is_(None), first_at > first_due)),
        and_(resolution_due.is_not(None), resolved <= resolution_due),
        and_(resolution_due.is_not(None), resolved > resolution_due),
    )
    in_periods = (resolved >= bounds[0][0], resolved < bounds[-1][1])
    no_percent = cast(null(), SlaTarget.service_level_percent.type)
    if periods == 1:
        # One period: one grouped pass over the tickets resolved in it.
        counted = _scoped(
            select(
                literal_column("0"),
                Ticket.severity,
                func.count(),
                *[_count_if(measure) for measure in measures],
                no_percent,
            ).where(*in_periods),
            scope,
        ).group_by(Ticket.severity)
    else:
        names = ("first_met", "first_missed", "resolution_met", "resolution_missed")
        flags = _scoped(
            select(
                _bucket(resolved, bounds).label("bucket"),
                Ticket.severity.label("severity"),
                *[_flag(m).label(n) for m, n in zip(measures, names, strict=True)],
            ).where(*in_periods),
            scope,
        ).subquery()
        # Grouped outside: PostgreSQL cannot match a GROUP BY to a select-list expression
        # with bound parameters (the period bounds). The tickets resolved between two of
        # the periods (bucket NULL) are left out by the caller, not by a WHERE here: the
        # database would work out every ticket's bucket once more.
        counted = select(
            flags.c.bucket,
            flags.c.severity,
            func.count(),
            *[func.sum(flags.c[n]) for n in names],
            no_percent,
        ).group_by(flags.c.bucket, flags.c.severity)
    targets = select(
        literal_column("-1"),
        SlaTarget.key,
        *[null()] * 5,
        SlaTarget.service_level_percent,
    ).where(
        SlaTarget.active,
        or_(
            SlaTarget.key.startswith("ticket.first_response.", autoescape=True),
            SlaTarget.key.startswith("ticket.resolution.", autoescape=True),
        ),
        SlaTarget.service_level_percent.is_not(None),
    )
    return union_all(counted, targets)


@lru_cache(maxsize=16)
def _unscoped_service_level_statement(periods: int) -> CompoundSelect:
    return _build_service_level_statement(periods, None)


def _open_ticket():
    return and_(Ticket.resolved_at.is_(None), Ticket.status.not_in(TICKET_CLOSED_STATUSES))


def _forecasts(session, period, end, rows, severities, now, scope):
    open_counts = {
        severity: (int(due), int(overdue))
        for severity, due, overdue in session.execute(
            _scoped(
                select(
                    Ticket.severity,
                    func.count(),
                    _count_if(and_(Ticket.resolution_due_at < now, Ticket.paused_since.is_(None))),
                ).where(_open_ticket(), Ticket.resolution_due_at < end),
                scope,
            ).group_by(Ticket.severity)
        )
    }
    by_severity = {r.severity: r for r in rows if r.period == period}
    return tuple(
        ServiceLevelForecast(
            period,
            severity,
            by_severity[severity].resolution_target_percent,
            closed=by_severity[severity].closed,
            missed=by_severity[severity].resolution_missed,
            open_due=open_counts.get(severity, (0, 0))[0],
            overdue=open_counts.get(severity, (0, 0))[1],
        )
        for severity in severities
    )


# The deadlines of an open ticket the at-risk list watches: (label, due column, target key,
# the condition under which it is still outstanding).
def _watched_deadlines():
    return (
        (
            "First response",
            Ticket.first_response_due_at,
            "ticket.first_response",
            # Not yet responded to: the respond step records the first response.
            and_(Ticket.first_response_at.is_(None), Ticket.status == "new"),
        ),
        ("Resolution", Ticket.resolution_due_at, "ticket.resolution", _open_ticket()),
    )


def _at_risk_tickets(session, end, now, scope) -> tuple[AtRiskTicket, ...]:
    """Open tickets with a first response or a resolution due before the period ends,
    overdue or at risk.

    The database picks the candidates (outstanding, not paused, due before the end); the
    share of business time left is the calendar's arithmetic, worked in Python for those.
    """
    clocks = None
    found = []
    for label, due_column, target_prefix, outstanding in _watched_deadlines():
        candidates = session.execute(
            _scoped(
                select(
                    Ticket.id,
                    Ticket.reference,
                    Ticket.severity,
                    Ticket.summary,
                    Ticket.reported_at,
                    Ticket.resolution_due_at,
                    due_column.label("due_at"),
                    Participant.calendar_id,
                )
                .outerjoin(Participant, Participant.id == Ticket.client_id)
                .where(outstanding, Ticket.paused_since.is_(None), due_column < end),
                scope,
            ).order_by(due_column, Ticket.id)
        ).all()
        if candidates and clocks is None:
            clocks = Clocks(session)
        for row in candidates:
            calendar_id = row.calendar_id or clocks.default_ticket_calendar_id()
            target = clocks.targets(calendar_id).get(f"{target_prefix}.{row.severity}")
            deadline = deadline_rules.Deadline(
                due_column.key, label, target, row.reported_at, row.due_at
            )
            state = deadline_rules.deadline_state(deadline, now)
            if state in ("overdue", "at risk"):
                found.append(
                    AtRiskTicket(
                        row.id,
                        row.reference,
                        row.severity,
                        row.summary,
                        row.reported_at,
                        row.resolution_due_at,
                        state,
                        label,
                        row.due_at,
                    )
                )
    # Soonest due first; a ticket late on both shows its first response first.
    return tuple(sorted(found, key=lambda t: (t.due_at, t.id)))


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
    start = period_rules.local_midnight(first, engine.tz)
    stop = period_rules.local_midnight(last + timedelta(days=1), engine.tz)
    closes = []
    close = engine.due(start, 0, Unit.BUSINESS_DAYS)
    while close < stop:
        closes.append(close)
        # From a closing instant, day 0 is the next business day: its close follows.
        close = engine.due(close, 0, Unit.BUSINESS_DAYS)
    return closes


@contextmanager
def _business_days_sql(
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


def _percentile(counts: Sequence[tuple[int, int]], percent: int) -> float:
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


# --- complaint timeliness ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TimelinessRow:
    """Timeliness of one group (a division, a category...) or of all, in one period.

    received: complaints received in the period. acknowledged: complaints acknowledged in
    it; acknowledged_timed of them had an acknowledgement due instant, and
    acknowledged_on_time were acknowledged by it. finalised: complaints finalised (the
    response given) in the period; finalised_timed had a resolution due instant (with
    any extension), finalised_in_time met it; extended had an extension approved.
    Median and 90th percentile business days from receipt to finalisation, on the
    division's calendar, over the complaints finalised in the period.
    """

    key: object
    label: str
    received: int = 0
    acknowledged: int = 0
    acknowledged_timed: int = 0
    acknowledged_on_time: int = 0
    finalised: int = 0
    finalised_timed: int = 0
    finalised_in_time: int = 0
    extended: int = 0
    median_business_days: float | None = None
    p90_business_days: float | None = None

    @property
    def acknowledged_on_time_percent(self) -> float | None:
        return _percent(self.acknowledged_on_time, self.acknowledged_timed)

    @property
    def finalised_in_time_percent(self) -> float | None:
        return _percent(self.finalised_in_time, self.finalised_timed)


@dataclass(frozen=True, slots=True)
class TimelinessReport:
    period: Period
    by: str
    rows: tuple[TimelinessRow, ...]
    total: TimelinessRow

    def row(self, label: str) -> TimelinessRow:
        return next(r for r in self.rows if r.label == label)

    def as_table(self) -> TableData:
        return TableData(
            (
                DIMENSIONS[self.by],
                "Received",
                "Acknowledged",
                "Acknowledged on time %",
                "Finalised",
                "Finalised within timeframe %",
                "Median business days to finalise",
                "90th percentile business days to finalise",
                "Extended",
            ),
            tuple(
                (
                    r.label,
                    r.received,
                    r.acknowledged,
                    r.acknowledged_on_time_percent,
                    r.finalised,
                    r.finalised_in_time_percent,
                    r.median_business_days,
                    r.p90_business_days,
                    r.extended,
                )
                for r in (*self.rows, self.total)
            ),
        )


def _dimension(by: str):
    """The group key, and the lookup table its labels are read from (None: a code)."""
    if by == "classification":
        return Complaint.classification, None
    lookups = {
        "division": (Complaint.division_id, Division),
        "category": (Complaint.category_id, Category),
        "channel": (Complaint.channel_id, Channel),
    }
    if by not in lookups:
        raise ValueError(
            f"Timeliness cannot be grouped by {by!r}: choose one of {', '.join(DIMENSIONS)}."
        )
    return lookups[by]


def complaint_timeliness(
    session,
    period: Period,
    by: str = "division",
    *,
    scope: Scope = None,
    tz: Zone = DEFAULT_TIME_ZONE,
) -> TimelinessReport:
    """Acknowledged on time %, finalised within timeframe %, median and 90th percentile
    business days to finalise, and extensions, per classification, division, category or
    channel (`by`), with a total row, for one period (a quarter, usually).

    Each measure counts the complaints that completed its step in the period (see
    TimelinessRow). Business days to finalise are BusinessCalendar.business_days_between
    on the division's calendar, time spent waiting on the complainant included, counted
    by the database for the complaints finalised in the period (_business_days_sql) and
    grouped by their number: nothing new is stored, and a few hundred rows come back
    however many complaints the period holds. Percentiles interpolate linearly between
    the two nearest values, as PostgreSQL's percentile_cont does, the same way on every
    database.
    """
    key, lookup = _dimension(by)
    bounds = period.utc_bounds(tz)
    received = _within(Complaint.received_at, bounds)
    acknowledged = _within(Complaint.acknowledged_at, bounds)
    finalised = _within(Complaint.finalised_at, bounds)
    extended = select(Extension.id).where(Extension.complaint_id == Complaint.id).exists()
    measures = (
        received,
        acknowledged,
        and_(acknowledged, Complaint.acknowledgement_due_at.is_not(None)),
        and_(acknowledged, Complaint.acknowledged_at <= Complaint.acknowledgement_due_at),
        finalised,
        and_(finalised, Complaint.resolution_due_at.is_not(None)),
        and_(finalised, Complaint.finalised_at <= Complaint.resolution_due_at),
        and_(finalised, extended),
    )
    complaints = [Complaint.kind == "complaint"] + ([scope] if scope is not None else [])
    counted = select(
        *[_count_if(m) for m in measures],
        # Where the business-day counting below must start from.
        func.min(case((finalised, Complaint.received_at))),
    ).where(*complaints, or_(received, acknowledged, finalised))
    grouped = session.execute(counted.add_columns(key).group_by(key)).all()
    # The groups' names in a second look-up of a few rows: joined to the register, the
    # lookup table would be probed once per complaint counted.
    keys = {row[-1] for row in grouped} - {None}
    names = (
        dict(session.execute(select(lookup.id, lookup.name).where(lookup.id.in_(keys))).all())
        if lookup is not None and keys
        else {}
    )
    groups = {}
    first_received = None
    for *values, first, group_key in grouped:
        groups[group_key] = dict(zip(_COUNT_FIELDS, map(int, values), strict=True))
        groups[group_key]["label"] = _label(by, group_key, names.get(group_key))
        if first is not None and (first_received is None or first < first_received):
            first_received = first
    # The groups share out the complaints: the total is their sum, not another pass.
    total = {name: sum(g[name] for g in groups.values()) for name in _COUNT_FIELDS}
    total["label"] = "All"

    # Business days to finalise, per complaint finalised in the period, on its division's
    # calendar, counted by the database and grouped by their number: Python ranks a few
    # hundred (group, days, how many) rows, however many complaints the period holds.
    if first_received is not None:
        histograms = _days_to_finalise(
            session, key, [*complaints, finalised], first_received, bounds[1]
        )
        everyone: dict[int, int] = {}
        for counts in histograms.values():
            for days, n in counts.items():
                everyone[days] = everyone.get(days, 0) + n
        for entry, counts in (
            *((groups.get(k), v) for k, v in histograms.items()),
            (total, everyone),
        ):
            if entry is not None and counts:
                ordered = sorted(counts.items())
                entry["median_business_days"] = _percentile(ordered, 50)
                entry["p90_business_days"] = _percentile(ordered, 90)

    rows = sorted(
        (TimelinessRow(group_key, **values) for group_key, values in groups.items()),
        key=lambda row: _order(by, row),
    )
    return TimelinessReport(period, by, tuple(rows), TimelinessRow(None, **total))


def _days_to_finalise(
    session, key, cohort, first: datetime, last: datetime
) -> dict[object, dict[int, int]]:
    """Per group: how many complaints of the cohort took each number of business days
    from receipt to finalisation, on their division's calendar. `first` and `last` bound
    the instants: the earliest receipt, and the end of the period."""
    calendars = {
        calendar.id: business_calendar(calendar)
        for calendar in session.scalars(
            select(Calendar)
            .where(Calendar.id.in_(select(Division.calendar_id)))
            .options(
                selectinload(Calendar.windows),
                selectinload(Calendar.closures),
                selectinload(Calendar.worked_holidays),
            )
        )
    }
    # A day either side: a local day can begin before or end after the UTC instant's day.
    with _business_days_sql(
        session, calendars, first.date() - timedelta(days=1), last.date() + timedelta(days=1)
    ) as business_days:
        each = (
            select(
                key.label("key"),
                business_days(
                    Division.calendar_id, Complaint.received_at, Complaint.finalised_at
                ).label("days"),
            )
            .select_from(Complaint)
            .join(Division, Division.id == Complaint.division_id)
            .where(*cohort)
            .subquery()
        )
        # Grouped outside: PostgreSQL matches no GROUP BY to an expression with parameters.
        found = session.execute(
            select(each.c.key, each.c.days, func.count()).group_by(each.c.key, each.c.days)
        ).all()
    histograms: dict = {}
    for group_key, days, n in found:
        counts = histograms.setdefault(group_key, {})
        # b before a: no business days, as the engine says.
        days = max(int(days), 0)
        counts[days] = counts.get(days, 0) + int(n)
    return histograms


_COUNT_FIELDS = (
    "received",
    "acknowledged",
    "acknowledged_timed",
    "acknowledged_on_time",
    "finalised",
    "finalised_timed",
    "finalised_in_time",
    "extended",
)


def _label(by: str, key, label) -> str:
    if key is None:
        return NOT_RECORDED
    if by == "classification":
        return CLASSIFICATIONS.get(key, key)
    return label or NOT_RECORDED


def _order(by: str, row) -> tuple:
    if row.key is None:
        return (1, 0, "")
    if by == "classification" and row.key in CLASSIFICATIONS:
        return (0, list(CLASSIFICATIONS).index(row.key), "")
    return (0, len(CLASSIFICATIONS), row.label.casefold())


# --- outcomes and reviews ---------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Count:
    """One line of a breakdown: what (a code, or None for not recorded), its name, how many."""

    key: str | None
    label: str
    count: int


@dataclass(frozen=True, slots=True)
class OutcomesReport:
    """Outcomes, internal and external reviews and referrals, in one period.

    outcomes: complaints finalised in the period, by outcome. internal_reviews_requested:
    requests made in the period; review_outcomes: reviews completed in it, by what the
    review found ("decision_changed" is the outcome changed on review).
    external_reviews: complaints notified to an external body in the period, by body.
    referrals: complaints referred to another process in the period (the instant it was
    referred, or closed afterwards, is recorded as `closed_at`), by where to.
    """

    period: Period
    outcomes: tuple[Count, ...]
    internal_reviews_requested: int
    review_outcomes: tuple[Count, ...]
    external_reviews: tuple[Count, ...]
    referrals: tuple[Count, ...]

    @property
    def finalised(self) -> int:
        return sum(c.count for c in self.outcomes)

    @property
    def internal_reviews_completed(self) -> int:
        return sum(c.count for c in self.review_outcomes)

    @property
    def outcome_changed_on_review(self) -> int:
        return next((c.count for c in self.review_outcomes if c.key == "decision_changed"), 0)

    @property
    def external_reviews_total(self) -> int:
        return sum(c.count for c in self.external_reviews)

    @property
    def referrals_total(self) -> int:
        return sum(c.count for c in self.referrals)

    def as_table(self) -> TableData:
        rows = [("Outcome", c.label, c.count) for c in self.outcomes]
        rows.append(("Internal review", "Requested", self.internal_reviews_requested))
        rows += [("Internal review completed", c.label, c.count) for c in self.review_outcomes]
        rows += [("External review", c.label, c.count) for c in self.external_reviews]
        rows += [("Referred to", c.label, c.count) for c in self.referrals]
        return TableData(("Measure", "What", "Complaints"), tuple(rows))


def _breakdown(found: dict, listed: Sequence[tuple[str, str]], names: dict) -> tuple[Count, ...]:
    """Every listed line (zero or not), then any other key found, then not recorded."""
    lines = [Count(code, name, int(found.get(code, 0))) for code, name in listed]
    listed_codes = {code for code, _ in listed}
    for code in sorted(k for k in found if k is not None and k not in listed_codes):
        lines.append(Count(code, names.get(code, code), int(found[code])))
    if found.get(None):
        lines.append(Count(None, NOT_RECORDED, int(found[None])))
    return tuple(lines)


def _lookup_breakdown(session, model, counts: dict) -> tuple[Count, ...]:
    lookups = session.execute(
        select(model.code, model.name, model.active).order_by(model.sort_order, model.name)
    ).all()
    listed = [(code, name) for code, name, active in lookups if active or counts.get(code)]
    return _breakdown(counts, listed, {code: name for code, name, _ in lookups})


def outcomes_and_reviews(
    session, period: Period, *, scope: Scope = None, tz: Zone = DEFAULT_TIME_ZONE
) -> OutcomesReport:
    """Outcomes, internal reviews requested and completed (outcome changed on review),
    external reviews by body, and referrals to other processes by target, in a period."""
    bounds = period.utc_bounds(tz)
    complaints = [Complaint.kind == "complaint"] + ([scope] if scope is not None else [])

    outcome_counts = dict(
        session.execute(
            select(Outcome.code, func.count(Complaint.id))
            .select_from(Complaint)
            .outerjoin(Outcome, Outcome.id == Complaint.outcome_id)
            .where(*complaints, _within(Complaint.finalised_at, bounds))
            .group_by(Outcome.code)
        ).all()
    )
    requested = session.scalar(
        select(func.count(InternalReview.id))
        .join(Complaint, Complaint.id == InternalReview.complaint_id)
        .where(*complaints, _within(InternalReview.requested_at, bounds))
    )
    review_counts = dict(
        session.execute(
            select(InternalReview.outcome, func.count(InternalReview.id))
            .join(Complaint, Complaint.id == InternalReview.complaint_id)
            .where(*complaints, _within(InternalReview.completed_at, bounds))
            .group_by(InternalReview.outcome)
        ).all()
    )
    external_counts = dict(
        session.execute(
            select(ExternalReview.body, func.count(ExternalReview.id))
            .join(Complaint, Complaint.id == ExternalReview.complaint_id)
            .where(*complaints, _within(ExternalReview.notified_at, bounds))
            .group_by(ExternalReview.body)
        ).all()
    )
    referral_counts = dict(
        session.execute(
            select(ReferralTarget.code, func.count(Complaint.id))
            .join(ReferralTarget, ReferralTarget.id == Complaint.referral_target_id)
            .where(*complaints, _within(Complaint.closed_at, bounds))
            .group_by(ReferralTarget.code)
        ).all()
    )
    return OutcomesReport(
        period,
        outcomes=_lookup_breakdown(session, Outcome, outcome_counts),
        internal_reviews_requested=int(requested or 0),
        review_outcomes=_breakdown(review_counts, list(REVIEW_OUTCOMES.items()), REVIEW_OUTCOMES),
        external_reviews=_breakdown(
            external_counts, list(EXTERNAL_BODIES.items()), EXTERNAL_BODIES
        ),
        referrals=_lookup_breakdown(session, ReferralTarget, referral_counts),
    )


# --- trends and systemic issues ---------------------------------------------------------


@dataclass(frozen=True, slots=True)
class TrendRow:
    """Complaints received per period for one category or division, oldest period first."""

    key: int | None
    label: str
    counts: tuple[int, ...]

    @property
    def total(self) -> int:
        return sum(self.counts)

    @property
    def change(self) -> int:
        """Last period against the one before it."""
        return self.counts[-1] - self.counts[-2] if len(self.counts) > 1 else 0

    @property
    def change_percent(self) -> float | None:
        """None when the period before had none: a rise from nothing has no percentage."""
        if len(self.counts) < 2 or not self.counts[-2]:
            return None
        return 100.0 * self.change / self.counts[-2]


@dataclass(frozen=True, slots=True)
class TrendReport:
    periods: tuple[Period, ...]
    totals: tuple[int, ...]
    by_category: tuple[TrendRow, ...]
    by_division: tuple[TrendRow, ...]
    # The largest rises between the last two periods, largest first: rises only.
    rises_by_category: tuple[TrendRow, ...]
    rises_by_division: tuple[TrendRow, ...]

    def as_table(self) -> TableData:
        labels = tuple(p.label for p in self.periods)
        rows = [("Category", r.label, *r.counts, r.change) for r in self.by_category]
        rows += [("Division", r.label, *r.counts, r.change) for r in self.by_division]
        rows.append(("All", "All complaints", *self.totals, _change(self.totals)))
        return TableData(("By", "Name", *labels, "Change"), tuple(rows))


def _change(counts: Sequence[int]) -> int:
    return counts[-1] - counts[-2] if len(counts) > 1 else 0


def complaint_trends(
    session,
    periods: Sequence[Period] | None = None,
    *,
    today: date | None = None,
    scope: Scope = None,
    tz: Zone = DEFAULT_TIME_ZONE,
    rises: int = 3,
) -> TrendReport:
    """Complaints received per period by category and by division, with the largest rises.

    periods: consecutive periods, oldest first; by default the last eight complete
    quarters before `today` (the quarter under way is left out: a part quarter against a
    whole one would show every line falling). The rises are the `rises` lines with the
    largest increase from the second-last period to the last, by number (ties: by name).
    """
    if periods is None:
        today = today or utcnow().astimezone(_zone(tz)).date()
        current = period_rules.period_containing(period_rules.QUARTER, today)
        periods = period_rules.last_n(
            period_rules.QUARTER, 8, period_rules.previous(current).start
        )
    periods = _periods(periods)
    bounds = [p.utc_bounds(tz) for p in periods]
    totals = [0] * len(periods)
    # One pass over the complaints, grouped by period, category and division; the two
    # breakdowns are summed from it here (a few hundred rows at most).
    buckets = _scoped(
        select(
            _bucket(Complaint.received_at, bounds).label("bucket"),
            Complaint.category_id.label("category"),
            Complaint.division_id.label("division"),
        ).where(
            Complaint.kind == "complaint",
            Complaint.received_at >= bounds[0][0],
            Complaint.received_at < bounds[-1][1],
        ),
        scope,
    ).subquery()
    # The complaints received between two of the periods (bucket NULL) are left out here,
    # not by a WHERE: the database would work out every complaint's bucket once more.
    counted = [
        row
        for row in session.execute(
            select(
                buckets.c.bucket, buckets.c.category, buckets.c.division, func.count()
            ).group_by(buckets.c.bucket, buckets.c.category, buckets.c.division)
        )
        if row[0] is not None
    ]
    by = {}
    for name, model, position in (("category", Category, 1), ("division", Division, 2)):
        keys = {row[position] for row in counted} - {None}
        names = dict(
            session.execute(select(model.id, model.name).where(model.id.in_(keys))).all()
            if keys
            else ()
        )
        lines: dict = {}
        for row in counted:
            bucket, key, count = row[0], row[position], int(row[3])
            entry = lines.setdefault(key, [names.get(key) or NOT_RECORDED, [0] * len(periods)])
            entry[1][bucket] += count
            if name == "category":
                totals[bucket] += count
        rows = sorted(
            (TrendRow(key, label, tuple(counts)) for key, (label, counts) in lines.items()),
            key=lambda r: (r.key is None, r.label.casefold()),
        )
        by[name] = tuple(rows)
    return TrendReport(
        periods,
        tuple(totals),
        by["category"],
        by["division"],
        _largest_rises(by["category"], rises),
        _largest_rises(by["division"], rises),
    )


def _largest_rises(rows: Sequence[TrendRow], how_many: int) -> tuple[TrendRow, ...]:
    risen = sorted((r for r in rows if r.change > 0), key=lambda r: (-r.change, r.label))
    return tuple(risen[:how_many])


# --- the annual publication -------------------------------------------------------------

# What the publication reports under: the Acts and sections, as the page and files name them.
PUBLIC_SECTOR_ACT = "Public Sector Act 2022 (Qld) s 264"
HUMAN_RIGHTS_ACT = "Human Rights Act 2019 (Qld) s 97"
BREAKDOWN = "Breakdown (not a figure of the Act)"
# Where a complaint stood at the cut-off, beside its outcome code (codes are lower case).
REFERRED = "(referred)"
CLOSED_WITHOUT_OUTCOME = "(closed)"
STILL_OPEN = "(open)"


@dataclass(frozen=True, slots=True)
class AnnualPublication:
    """A financial year's customer complaint figures as the Public Sector Act 2022 s 264
    and the Human Rights Act 2019 s 97 ask a department to publish them.

    Every figure counts the complaints received in the year (kind "complaint", received
    from local midnight on 1 July to local midnight on 1 July next), by what had happened
    to them by the cut-off `as_at` (None: everything recorded). A complaint counts in the
    year it was received, never in the year its review or change happened.

    further_action: an internal review was requested, an external review notified, or a
    change to the department's policies, procedures or practices recorded
    (`Complaint.change_made_at`), before the cut-off. no_further_action: the others
    finalised or closed before the cut-off (withdrawn, declined and referred included).
    still_open: the others, neither yet. received = further + no further + still open.
    """

    period: Period
    as_at: datetime | None
    time_zone: str
    received: int
    further_action: int
    no_further_action: int
    still_open: int
    internal_review: int
    external_review: int
    change_made: int
    withdrawn: int
    declined: int
    referred: int
    human_rights_received: int
    human_rights_outcomes: tuple[Count, ...]
    human_rights_commissioner: int

    @property
    def span(self) -> str:
        """The year in words: 1 July 2025 to 30 June 2026."""
        last = self.period.end - timedelta(days=1)
        return f"{self.period.start.day} {self.period.start:%B %Y} to {last.day} {last:%B %Y}"

    @property
    def as_at_text(self) -> str:
        """The cut-off in local time, e.g. 1 August 2026 09:00 (Australia/Brisbane)."""
        if self.as_at is None:
            return ""
        local = self.as_at.astimezone(_zone(self.time_zone))
        return f"{local.day} {local:%B %Y} {local:%H:%M} ({self.time_zone})"

    @property
    def heading(self) -> str:
        cut_off = f"as at {self.as_at_text}" if self.as_at else "everything recorded so far"
        return f"Customer complaints, financial year {self.period.label} ({self.span}), {cut_off}"

    def definitions(self) -> dict[str, str]:
        """How each figure is counted, in the words the page and the files print."""
        cut = "by the cut-off" if self.as_at is not None else "so far"
        received = (
            f"Complaints about the department's services or staff (not compliments or "
            f"suggestions) received from {self.span}, {self.time_zone} time"
        )
        return {
            "received": received + ".",
            "further": (
                f"Of those received: an internal review was requested, an external review "
                f"(Ombudsman, Human Rights Commissioner) was notified, or a change to the "
                f"department's policies, procedures or practices was recorded, {cut}, "
                "whenever in or after the year it happened."
            ),
            "no_further": (
                f"Of those received: finalised or closed {cut} (withdrawn, declined and "
                "referred included) with none of those further actions."
            ),
            "open": f"Of those received: neither finalised nor closed {cut}, nor taken further.",
            "internal": "Of those taken further: an internal review was requested.",
            "external": "Of those taken further: an external review was notified.",
            "change": (
                "Of those taken further: a change to policies, procedures or practices was "
                "recorded on the complaint."
            ),
            "withdrawn": "Of those with no further action: withdrawn by the complainant.",
            "declined": "Of those with no further action: declined to investigate, with reasons.",
            "referred": "Of those with no further action: referred to another process.",
            "hr_received": received.replace("Complaints", "Of those, complaints", 1)
            + ", recorded with a human-rights aspect.",
            "hr_outcome": f"Human-rights complaints received in the year, by outcome {cut}.",
            "hr_commissioner": (
                f"Human-rights complaints received in the year taken to the Human Rights "
                f"Commissioner {cut}."
            ),
        }

    def as_table(self) -> TableData:
        words = self.definitions()
        rows = [
            (PUBLIC_SECTOR_ACT, "Customer complaints received", self.received, words["received"]),
            (
                PUBLIC_SECTOR_ACT,
                "Resulting in further action",
                self.further_action,
                words["further"],
            ),
            (
                PUBLIC_SECTOR_ACT,
                "Resulting in no further action",
                self.no_further_action,
                words["no_further"],
            ),
            (BREAKDOWN, "Still open, not yet counted either way", self.still_open, words["open"]),
            (
                BREAKDOWN,
                "Further action: internal review",
                self.internal_review,
                words["internal"],
            ),
            (
                BREAKDOWN,
                "Further action: external review",
                self.external_review,
                words["external"],
            ),
            (
                BREAKDOWN,
                "Further action: change to policies, procedures or practices",
                self.change_made,
                words["change"],
            ),
            (BREAKDOWN, "Not taken further: withdrawn", self.withdrawn, words["withdrawn"]),
            (BREAKDOWN, "Not taken further: declined", self.declined, words["declined"]),
            (BREAKDOWN, "Not taken further: referred", self.referred, words["referred"]),
            (
                HUMAN_RIGHTS_ACT,
                "Human-rights complaints received",
                self.human_rights_received,
                words["hr_received"],
            ),
        ]
        rows += [
            (HUMAN_RIGHTS_ACT, f"Outcome: {c.label}", c.count, words["hr_outcome"])
            for c in self.human_rights_outcomes
        ]
        rows.append(
            (
                HUMAN_RIGHTS_ACT,
                "Taken to the Human Rights Commissioner",
                self.human_rights_commissioner,
                words["hr_commissioner"],
            )
        )
        return TableData(
            ("Reported under", self.heading, "Number", "How it is counted"), tuple(rows)
        )


def annual_publication(
    session,
    year: Period,
    *,
    as_at: datetime | None = None,
    scope: Scope = None,
    tz: Zone = DEFAULT_TIME_ZONE,
) -> AnnualPublication:
    """The Act's three figures (received, further action, no further action), their
    breakdown and the human-rights complaints and their outcomes, for a financial year
    (rules.periods.financial_year) or any period given, as at a cut-off instant."""
    start, end = year.utc_bounds(tz)
    if as_at is not None:
        end = min(end, as_at)

    def by_cut_off(column) -> ColumnElement[bool]:
        done = column.is_not(None)
        return done if as_at is None else and_(done, column < as_at)

    internal = (
        select(InternalReview.id)
        .where(
            InternalReview.complaint_id == Complaint.id, by_cut_off(InternalReview.requested_at)
        )
        .exists()
    )
    external = select(ExternalReview.id).where(
        ExternalReview.complaint_id == Complaint.id, by_cut_off(ExternalReview.notified_at)
    )
    commissioner = external.where(ExternalReview.body == "human_rights_commissioner").exists()
    state = case(
        (and_(by_cut_off(Complaint.finalised_at), Outcome.code.is_not(None)), Outcome.code),
        (
            and_(Complaint.referral_target_id.is_not(None), by_cut_off(Complaint.closed_at)),
            literal(REFERRED),
        ),
        (
            or_(by_cut_off(Complaint.finalised_at), by_cut_off(Complaint.closed_at)),
            literal(CLOSED_WITHOUT_OUTCOME),
        ),
        else_=literal(STILL_OPEN),
    )
    # One row per complaint received (through the received_at index), its standing worked
    # out by the database; then grouped there: a few dozen rows come back.
    standing = _scoped(
        select(
            state.label("state"),
            _flag(internal).label("internal"),
            _flag(external.exists()).label("external"),
            _flag(commissioner).label("commissioner"),
            _flag(by_cut_off(Complaint.change_made_at)).label("changed"),
            _flag(Complaint.human_rights.is_(True)).label("human_rights"),
        )
        .select_from(Complaint)
        .outerjoin(Outcome, Outcome.id == Complaint.outcome_id)
        .where(Complaint.kind == "complaint", Complaint.received_at >= start)
        .where(Complaint.received_at < end),
        scope,
    ).subquery()
    columns = [standing.c[name] for name in standing.c.keys()]
    grouped = session.execute(select(*columns, func.count()).group_by(*columns)).all()

    figures = dict.fromkeys(
        ("received", "further", "no_further", "open", "internal", "external", "change"), 0
    )
    not_further: dict = {}
    human_rights = {"received": 0, "commissioner": 0}
    hr_states: dict = {}
    for state_code, reviewed, notified, hrc, changed, hr, count in grouped:
        count = int(count)
        further = bool(reviewed or notified or changed)
        figures["received"] += count
        figures["internal"] += count if reviewed else 0
        figures["external"] += count if notified else 0
        figures["change"] += count if changed else 0
        if further:
            figures["further"] += count
        elif state_code == STILL_OPEN:
            figures["open"] += count
        else:
            figures["no_further"] += count
            not_further[state_code] = not_further.get(state_code, 0) + count
        if hr:
            human_rights["received"] += count
            human_rights["commissioner"] += count if hrc else 0
            hr_states[state_code] = hr_states.get(state_code, 0) + count

    return AnnualPublication(
        year,
        as_at=as_at,
        time_zone=str(getattr(_zone(tz), "key", tz)),
        received=figures["received"],
        further_action=figures["further"],
        no_further_action=figures["no_further"],
        still_open=figures["open"],
        internal_review=figures["internal"],
        external_review=figures["external"],
        change_made=figures["change"],
        withdrawn=not_further.get("withdrawn", 0),
        declined=not_further.get("declined", 0),
        referred=not_further.get(REFERRED, 0),
        human_rights_received=human_rights["received"],
        human_rights_outcomes=_human_rights_outcomes(session, hr_states),
        human_rights_commissioner=human_rights["commissioner"],
    )


def _human_rights_outcomes(session, states: dict) -> tuple[Count, ...]:
    """Every active outcome (zero or not), then referred, closed without one, still open."""
    outcomes = {k: v for k, v in states.items() if not k.startswith("(")}
    lines = list(_lookup_breakdown(session, Outcome, outcomes))
    for key, label in (
        (REFERRED, "Referred to another process"),
        (CLOSED_WITHOUT_OUTCOME, "Closed without an outcome recorded"),
        (STILL_OPEN, "Not yet finalised"),
    ):
        if key != CLOSED_WITHOUT_OUTCOME or states.get(key):
            lines.append(Count(key, label, int(states.get(key, 0))))
    return tuple(lines)


def _zone(tz: Zone) -> tzinfo:
    return ZoneInfo(tz) if isinstance(tz, str) else tz
