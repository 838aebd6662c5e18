"""A client organisation's service report: how the service desk met its commitments to
that client in a period (the monthly report its nominated contacts are mailed, and the
page staff read).

- **Service levels**: the service-level report (services/reports/tickets.py) narrowed to
  the client's tickets: per severity, the tickets resolved in the period, how many were
  responded to and resolved in time (at or before the due instant), and the share against
  the severity's service level. The client's figures are the desk's, restricted.
- **Lodged**: tickets the client reported in the period.
- **Open tickets**: those open at the end of the period (or now, for a period under way):
  reported before it, not resolved or closed by then. Each with the day it was lodged and
  its next due instant as it stood then: the first response while none had been made, else
  the resolution; overdue when that instant had passed.
- **Satisfaction**: the "How it went" surveys about the tickets resolved in the period:
  sent, answered, and the mean score (1 to 5) of the answers.

Instants are shown in the client's calendar's time zone (the service desk's when the
client has none); the period is read in the portal's time zone, as every report is.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import and_, func, or_, select

from models import Participant, Ticket, kinds, utcnow
from rules.periods import DEFAULT_TIME_ZONE, Period
from rules.vocabulary import TICKET_SEVERITIES

from ..localtime import settings_in_force, ticket_timezone
from .satisfaction import satisfaction_of
from .tickets import ServiceLevelRow, service_levels
from .toolkit import Scope, TableData, Zone

CLIENT_KIND = "client_organisation"


@dataclass(frozen=True, slots=True)
class OpenTicket:
    """A ticket open at the end of the period, with its next due instant as it stood then."""

    id: int
    reference: str
    severity: str
    summary: str
    status: str
    reported_at: datetime
    next_due_label: str | None  # "First response" or "Resolution"; None: no target
    next_due_at: datetime | None
    overdue: bool

    @property
    def severity_label(self) -> str:
        return TICKET_SEVERITIES.get(self.severity, self.severity)


@dataclass(frozen=True, slots=True)
class ClientReport:
    client_id: int
    client_name: str
    period: Period
    # The instant the open tickets are counted at: the end of the period, or now.
    as_at: datetime
    period_end: datetime
    # The client's calendar's time zone, for the instants shown.
    zone: str
    rows: tuple[ServiceLevelRow, ...]
    lodged: int
    open_tickets: tuple[OpenTicket, ...]
    # The tickets resolved in the period (what satisfaction is asked about).
    resolved_ticket_ids: tuple[int, ...]

    @property
    def resolved(self) -> int:
        return sum(row.closed for row in self.rows)

    @property
    def complete(self) -> bool:
        """Whether the period had ended when the report was made."""
        return self.as_at >= self.period_end

    def as_table(self) -> TableData:
        return TableData(
            (
                "Severity",
                "Resolved",
                "Responded in time",
                "Responded late",
                "Responded in time %",
                "Resolved in time",
                "Resolved late",
                "Resolved in time %",
                "Service level %",
                "Service level met",
            ),
            tuple(
                (
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

    def open_table(self) -> TableData:
        return TableData(
            ("Ticket", "Severity", "Summary", "Lodged", "Next due", "Due", "Overdue"),
            tuple(
                (
                    t.reference,
                    t.severity_label,
                    t.summary,
                    t.reported_at,
                    t.next_due_label,
                    t.next_due_at,
                    t.overdue,
                )
                for t in self.open_tickets
            ),
        )


def client_name(client: Participant) -> str:
    return client.organisation_name or client.display_name


def client_organisations(session) -> list[Participant]:
    """Every client organisation, by name (the picker's list)."""
    return list(
        session.scalars(
            select(Participant)
            .where(Participant.kind == CLIENT_KIND)
            .order_by(func.lower(func.coalesce(Participant.organisation_name, "")), Participant.id)
        )
    )


def client_report(
    session,
    client: Participant,
    period: Period,
    *,
    now: datetime | None = None,
    scope: Scope = None,
    tz: Zone = DEFAULT_TIME_ZONE,
) -> ClientReport:
    """The client's service report for the period (see the module's docstring); `scope`
    narrows the tickets counted to those a screen's user may see."""
    now = now or utcnow()
    start, end = period.utc_bounds(tz)
    as_at = min(now, end)
    mine = Ticket.client_id == client.id
    narrowed = mine if scope is None else and_(mine, scope)
    # Counted as once the period is over: no forecast for a period under way.
    levels = service_levels(session, period, now=max(now, end), scope=narrowed, tz=tz)
    lodged = session.scalar(
        select(func.count()).where(narrowed, Ticket.reported_at >= start, Ticket.reported_at < end)
    )
    resolved_ids = tuple(
        session.scalars(
            select(Ticket.id)
            .where(narrowed, Ticket.resolved_at >= start, Ticket.resolved_at < end)
            .order_by(Ticket.id)
        )
    )
    return ClientReport(
        client_id=client.id,
        client_name=client_name(client),
        period=period,
        as_at=as_at,
        period_end=end,
        zone=ticket_timezone(client, settings_in_force(), session=session),
        rows=levels.rows,
        lodged=int(lodged or 0),
        open_tickets=_open_tickets(session, narrowed, as_at),
        resolved_ticket_ids=resolved_ids,
    )


def open_at(as_at: datetime):
    """Tickets open at an instant: reported before it, neither resolved nor closed by it."""
    closed = kinds.TICKET.closed_statuses
    return and_(
        Ticket.reported_at < as_at,
        or_(Ticket.resolved_at.is_(None), Ticket.resolved_at >= as_at),
        or_(Ticket.closed_at.is_(None), Ticket.closed_at >= as_at),
        # Closed now without a recorded instant (an old import): closed then too.
        or_(
            Ticket.status.not_in(closed),
            Ticket.resolved_at >= as_at,
            Ticket.closed_at >= as_at,
        ),
    )


def _open_tickets(session, condition, as_at: datetime) -> tuple[OpenTicket, ...]:
    found = []
    for row in session.execute(
        select(
            Ticket.id,
            Ticket.reference,
            Ticket.severity,
            Ticket.summary,
            Ticket.status,
            Ticket.reported_at,
            Ticket.first_response_at,
            Ticket.first_response_due_at,
            Ticket.resolution_due_at,
        )
        .where(condition, open_at(as_at))
        .order_by(Ticket.reported_at, Ticket.id)
    ):
        awaiting_response = row.first_response_at is None or row.first_response_at >= as_at
        if awaiting_response and row.first_response_due_at is not None:
            label, due = "First response", row.first_response_due_at
        elif row.resolution_due_at is not None:
            label, due = "Resolution", row.resolution_due_at
        else:
            label, due = None, None
        found.append(
            OpenTicket(
                row.id,
                row.reference,
                row.severity,
                row.summary,
                row.status,
                row.reported_at,
                label,
                due,
                due is not None and due < as_at,
            )
        )
    return tuple(found)


def client_satisfaction(session, report: ClientReport) -> dict:
    """Satisfaction with the client's tickets resolved in the period: the "How it went"
    surveys about them, {"sent", "answered", "mean"} (services.reports.satisfaction)."""
    return satisfaction_of(session, ticket_ids=list(report.resolved_ticket_ids))
