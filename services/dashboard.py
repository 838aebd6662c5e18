"""The work lists of the admin home, as SQL conditions the grid filters share.

The home page counts with these conditions and each count links to a grid filtered by
the same ones, so a count always equals the rows its link shows.

- Due within N business days: open, not waiting on the complainant or client, with the
  next due instant from now up to N business days from now, counted in the case's own
  calendar (docs/domain.md, "Calendars and due dates": the close of the Nth business day
  after today, today counting as day 0 only before its closing time). A complaint runs on
  its division's calendar, an internal review on its complaint's, a ticket on its
  client's (or the service desk's default calendar).
- Waiting on the complainant (or client): in one of the case type's pause statuses.
- Lodged online, to register: a complaint sent through the public form or by email (no
  officer took it in), still in "received".
- Unassigned: an open complaint past registration with no complaint manager; an open
  ticket with no agent.
- Reply received, unanswered: mail from the complainant or client filed on the case (by
  the mail reader, or from triage) after which no officer has written on the case: no
  reply queued and no note or contact logged since it was filed.
- Awaiting my decision: a drafted response on a complaint the officer decides.
- First response due: an open ticket the service desk has not yet answered.
"""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, exists, false, func, select

from models import (
    CaseNote,
    Channel,
    Complaint,
    InboundMessage,
    InternalReview,
    OutboundMessage,
    PauseStatus,
    Ticket,
    kinds,
)
from rules import mail_in
from rules.clock import Unit

from .clocks import Clocks

CASE_MODELS = {kind.name: kind.model for kind in kinds.KINDS}


def calendar_of(case_type: str, session) -> ColumnElement[int]:
    """The calendar id a case of this type runs on, as a correlated SQL expression."""
    try:
        kind = kinds.by_name(case_type)
    except KeyError:
        raise ValueError(f"unknown case type {case_type!r}") from None
    own = kind.calendar_id_query()
    if kind.no_calendar is None:
        # A ticket's client without a calendar of its own: the service desk's.
        return func.coalesce(own, Clocks.of(session).default_ticket_calendar_id())
    return own


def business_days_ahead(session, now: datetime, days: int) -> dict[int, datetime]:
    """Per calendar: the instant `days` business days from `now`."""
    clocks = Clocks.of(session)
    return {
        calendar_id: clocks.engine(calendar_id).due(now, days, Unit.BUSINESS_DAYS)
        for calendar_id in clocks.calendar_ids()
    }


def due_within_business_days(
    session, case_type: str, due_column, paused_column, now: datetime, days: int = 2
) -> ColumnElement[bool]:
    """Not yet overdue, not paused, and due by `days` business days from now in its calendar."""
    cutoffs = business_days_ahead(session, now, days)
    if not cutoffs:
        return false()
    cutoff = case(
        *[(calendar_of(case_type, session) == cid, at) for cid, at in cutoffs.items()],
        else_=None,
    )
    return and_(
        due_column >= now,
        # Cheap bounds first: the index on the due column narrows the rows to weigh.
        due_column <= max(cutoffs.values()),
        due_column <= cutoff,
        paused_column.is_(None),
    )


def waiting(case_type: str, status_column) -> ColumnElement[bool]:
    """In a status whose time waits on the complainant or client (PauseStatus)."""
    return status_column.in_(select(PauseStatus.status).where(PauseStatus.case_type == case_type))


def in_division(case_type: str, division_id: int | None) -> ColumnElement[bool]:
    """Cases of a division: complaints of it, and internal reviews of its complaints."""
    if division_id is None:
        return false()
    if case_type == "complaint":
        return Complaint.division_id == division_id
    if case_type == "internal_review":
        # Correlated, so that inside a count's CASE it is one key lookup per review,
        # not a list of every complaint of the division read for each.
        return exists().where(
            Complaint.id == InternalReview.complaint_id, Complaint.division_id == division_id
        )
    return false()


# The channels through which a complaint arrives without an officer taking it in.
ONLINE_CHANNELS = ("online_form", "email")


def lodged_online_to_register() -> ColumnElement[bool]:
    """Complaints lodged through the public form or by email, waiting to be registered."""
    online = select(Channel.id).where(Channel.code.in_(ONLINE_CHANNELS))
    return and_(Complaint.status == "received", Complaint.channel_id.in_(online))


def unassigned(case_type: str) -> ColumnElement[bool]:
    """Open cases nobody works yet: a registered complaint without a complaint manager (a
    compliment or suggestion needs none), a ticket without an agent."""
    kind = kinds.by_name(case_type)
    still_open = kind.model.status.notin_(kind.closed_statuses)
    if case_type == "complaint":
        return and_(
            still_open,
            Complaint.status != "received",
            Complaint.kind == "complaint",
            Complaint.manager_id.is_(None),
        )
    if case_type == "ticket":
        return and_(still_open, Ticket.agent_id.is_(None))
    if case_type == "internal_review":
        return and_(still_open, InternalReview.reviewer_id.is_(None))
    raise ValueError(f"unknown case type {case_type!r}")


def reply_unanswered(case_type: str) -> ColumnElement[bool]:
    """Cases with mail filed on them that no officer has answered or noted since."""
    model = kinds.by_name(case_type).model
    key = f"{case_type}_id"
    message = InboundMessage
    # Mail filed from triage reaches the officer when it is filed, not when it arrived.
    filed_at = func.coalesce(message.handled_at, message.received_at)
    replied = exists().where(
        getattr(OutboundMessage, key) == getattr(message, key),
        OutboundMessage.author_id.is_not(None),
        OutboundMessage.created_at >= filed_at,
    )
    noted = exists().where(
        getattr(CaseNote, key) == getattr(message, key),
        CaseNote.user_id.is_not(None),
        CaseNote.recorded_at >= filed_at,
    )
    return exists().where(
        getattr(message, key) == model.id,
        message.status == mail_in.FILED,
        ~replied,
        ~noted,
    )


def awaiting_decision_by(participant_id: int | None) -> ColumnElement[bool]:
    """Complaints with a drafted response waiting for this decision maker."""
    if participant_id is None:
        return false()
    return and_(
        Complaint.decision_maker_id == participant_id, Complaint.status == "response_drafted"
    )


def awaiting_first_response() -> ColumnElement[bool]:
    """Open tickets the service desk has not yet answered."""
    return and_(
        Ticket.status.notin_(kinds.TICKET.closed_statuses), Ticket.first_response_at.is_(None)
    )
