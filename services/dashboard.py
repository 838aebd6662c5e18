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
"""

from datetime import datetime

from sqlalchemy import ColumnElement, and_, case, false, func, select

from models import Calendar, Complaint, InternalReview, PauseStatus, kinds
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
    ids = session.scalars(select(Calendar.id)).all()
    return {
        calendar_id: clocks.engine(calendar_id).due(now, days, Unit.BUSINESS_DAYS)
        for calendar_id in ids
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
        return InternalReview.complaint_id.in_(
            select(Complaint.id).where(Complaint.division_id == division_id)
        )
    return false()
