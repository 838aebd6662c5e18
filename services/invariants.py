"""Values checked on every save, whatever the door (admin form, inline edit, API, import,
command, demo loader): a flush that would store a wrong one raises `RuleViolation` and the
caller rolls back, so nothing is half-saved. A record is judged when it is new or when one
of the values checked changes, so an old record is never refused for an unrelated edit."""

from sqlalchemy import inspect

from models import (
    Complaint,
    ExternalReview,
    InternalReview,
    Participant,
    SlaTarget,
    Ticket,
    utcnow,
)
from rules import values
from rules.errors import RuleViolation

# Instants that record when something happened, in the user's words: none may lie ahead
# of now, whichever door or script saves it (the forms and the API say so first, with the
# instant in the case's own zone).
HAPPENED = {
    Complaint: {"received_at": "time it was received"},
    Ticket: {"reported_at": "time it was reported"},
    InternalReview: {"requested_at": "time the review was requested"},
    ExternalReview: {
        "notified_at": "time the external body was notified",
        "closed_at": "time the external review closed",
    },
}


def before_flush(session) -> None:
    now = utcnow()
    for obj in list(session.new) + list(session.dirty):
        problem = _happened_problem(obj, now)
        if problem is None and isinstance(obj, Participant) and _changed(obj, "email"):
            problem = values.email_problem(obj.email)
        elif problem is None and isinstance(obj, SlaTarget) and _changed(obj, "amount"):
            problem = values.sla_amount_problem(obj.amount, obj.name or obj.key)
        elif (
            problem is None
            and isinstance(obj, ExternalReview)
            and _changed(obj, "notified_at", "closed_at")
        ):
            problem = values.review_closed_problem(obj.notified_at, obj.closed_at)
        if problem:
            raise RuleViolation(problem)


def _happened_problem(obj, now) -> str | None:
    for name, words in HAPPENED.get(type(obj), {}).items():
        if _changed(obj, name):
            problem = values.happened_problem(words, getattr(obj, name), now)
            if problem:
                return problem
    return None


def _changed(obj, *names) -> bool:
    state = inspect(obj)
    if state.key is None:
        return True
    return any(state.attrs[name].history.has_changes() for name in names)
