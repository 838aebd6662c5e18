"""A few notifications for the demo logins, as the portal would have made them: the due
dates approaching or passed (one run of the scheduler at the demo's `now`), and the
newest assignment of each demo officer's open cases."""

from sqlalchemy import select

from models import Complaint, InternalReview, Ticket, User, kinds
from rules import notifications as rules
from services import notifications

from .people import DEMO_LOGINS

# The demo login, the case column naming them, and the part it gives.
ASSIGNED_BY_LOGIN = {
    "manager": (Complaint, "manager_id", "complaint manager", rules.ASSIGNED),
    "decider": (Complaint, "decision_maker_id", "decision maker", rules.ASSIGNED),
    "agent": (Ticket, "agent_id", "support agent", rules.ASSIGNED),
    "reviewer": (InternalReview, "reviewer_id", "internal reviewer", rules.REVIEW),
}


def load_notifications(session, now) -> int:
    """Notifications for the demo users; returns how many were made."""
    made = notifications.run(session, now=now).told
    for username, (model, column, role, event) in ASSIGNED_BY_LOGIN.items():
        if username not in DEMO_LOGINS:
            continue
        user = session.scalar(select(User).where(User.username == username))
        if user is None or user.participant_id is None:
            continue
        kind = kinds.kind_of(model)
        cases = session.scalars(
            select(model)
            .where(
                getattr(model, column) == user.participant_id,
                model.status.not_in(kind.closed_statuses),
            )
            .order_by(model.id.desc())
            .limit(2)
        ).all()
        for case in cases:
            reference = kinds.reference_of(case)
            title = (
                f"An internal review of {reference} is assigned to you"
                if event == rules.REVIEW
                else f"Assigned to you as {role}: {reference}"
            )
            made += notifications.notify(
                session,
                user=user,
                event=event,
                case=case,
                title=title,
                dedupe_key=f"{event}:{kind.name}:{case.id}:{column}:demo:{user.id}",
                now=now,
            )
    session.commit()
    return made
