"""The service-desk tickets report: per period and severity, tickets resolved and how
many met their first-response and resolution targets; for the period under way, a forecast
per severity and the open tickets overdue or at risk."""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from functools import lru_cache

from sqlalchemy import (
    and_,
    bindparam,
    cast,
    func,
    literal_column,
    null,
    or_,
    select,
    union_all,
)
from sqlalchemy.sql.expression import CompoundSelect

from models import (
    Participant,
    SlaTarget,
    Ticket,
    UTCDateTime,
    kinds,
    utcnow,
)
from rules import deadlines
from rules.periods import DEFAULT_TIME_ZONE, Period
from rules.vocabulary import TICKET_SEVERITIES

from ..clocks import Clocks
from .toolkit import (
    Scope,
    TableData,
    Zone,
    as_flag,
    count_if,
    ordered_periods,
    percentage,
    period_bucket,
    scoped,
)


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
        return percentage(
            self.first_response_met, self.first_response_met + self.first_response_missed
        )

    @property
    def resolution_percent(self) -> float | None:
        return percentage(self.resolution_met, self.resolution_met + self.resolution_missed)

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
    periods = ordered_periods(periods)
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
        counted = scoped(
            select(
                literal_column("0"),
                Ticket.severity,
                func.count(),
                *[count_if(measure) for measure in measures],
                no_percent,
            ).where(*in_periods),
            scope,
        ).group_by(Ticket.severity)
    else:
        names = ("first_met", "first_missed", "resolution_met", "resolution_missed")
        flags = scoped(
            select(
                period_bucket(resolved, bounds).label("bucket"),
                Ticket.severity.label("severity"),
                *[as_flag(m).label(n) for m, n in zip(measures, names, strict=True)],
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
    return and_(Ticket.resolved_at.is_(None), Ticket.status.not_in(kinds.TICKET.closed_statuses))


def _forecasts(session, period, end, rows, severities, now, scope):
    open_counts = {
        severity: (int(due), int(overdue))
        for severity, due, overdue in session.execute(
            scoped(
                select(
                    Ticket.severity,
                    func.count(),
                    count_if(and_(Ticket.resolution_due_at < now, Ticket.paused_since.is_(None))),
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
            scoped(
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
            deadline = deadlines.Deadline(
                due_column.key, label, target, row.reported_at, row.due_at
            )
            state = deadlines.deadline_state(deadline, now)
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
