"""Values checked on every save, whatever the door (admin form, inline edit, API, import,
command, demo loader): a flush that would store a wrong one raises `RuleViolation` and the
caller rolls back, so nothing is half-saved. A record is judged when it is new or when one
of the values checked changes, so an old record is never refused for an unrelated edit."""

from sqlalchemy import inspect

from models import ExternalReview, Participant, SlaTarget
from rules import values
from rules.errors import RuleViolation


def before_flush(session) -> None:
    for obj in list(session.new) + list(session.dirty):
        problem = None
        if isinstance(obj, Participant) and _changed(obj, "email"):
            problem = values.email_problem(obj.email)
        elif isinstance(obj, SlaTarget) and _changed(obj, "amount"):
            problem = values.sla_amount_problem(obj.amount, obj.name or obj.key)
        elif isinstance(obj, ExternalReview) and _changed(obj, "notified_at", "closed_at"):
            problem = values.review_closed_problem(obj.notified_at, obj.closed_at)
        if problem:
            raise RuleViolation(problem)


def _changed(obj, *names) -> bool:
    state = inspect(obj)
    if state.key is None:
        return True
    return any(state.attrs[name].history.has_changes() for name in names)
