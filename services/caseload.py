"""Each officer's open caseload, shown beside their name wherever an officer is chosen.

A complaint counts for its complaint manager and its decision maker while it is open (not
finalised, referred or closed); a ticket for its support agent while it is open; an
internal review for its reviewer while it is open. One query per kind of case, for every
officer offered at once.
"""

from collections import Counter
from collections.abc import Iterable

from sqlalchemy import func, select

from models import Complaint, InternalReview, Ticket, db, kinds
from rules.workflow import OPEN_REVIEW


def _count(column, condition, ids: set[int]) -> Counter:
    rows = db.session.execute(
        select(column, func.count()).where(column.in_(ids), condition).group_by(column)
    ).all()
    return Counter({person_id: number for person_id, number in rows})


def open_caseloads(person_ids: Iterable[int | None]) -> Counter:
    """Participant id -> the open cases they manage, decide, review or work."""
    ids = {person_id for person_id in person_ids if person_id is not None}
    if not ids:
        return Counter()
    open_complaint = Complaint.status.not_in(kinds.COMPLAINT.closed_statuses)
    counts = _count(Complaint.manager_id, open_complaint, ids)
    counts += _count(Complaint.decision_maker_id, open_complaint, ids)
    counts += _count(Ticket.agent_id, Ticket.status.not_in(kinds.TICKET.closed_statuses), ids)
    counts += _count(InternalReview.reviewer_id, InternalReview.status.in_(OPEN_REVIEW), ids)
    return counts


def with_caseload(name: str, number: int) -> str:
    """ "Alex Marsh (AO6) · 3 open": the name as chosen, and how busy they are."""
    return f"{name} · {number} open"
