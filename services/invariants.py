"""Values checked on every save, whatever the door (admin form, inline edit, API, import,
command, demo loader): a flush that would store a wrong one raises `RuleViolation` and the
caller rolls back, so nothing is half-saved. A record is judged when it is new or when one
of the values checked changes, so an old record is never refused for an unrelated edit."""

from sqlalchemy import inspect

from models import (
    Complaint,
    ExternalReview,
    Improvement,
    InternalReview,
    Participant,
    RetentionRule,
    SlaTarget,
    Ticket,
    changes_of,
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
    Improvement: {"made_at": "date the change was made"},
}


def before_flush(session) -> None:
    now = utcnow()
    for obj in list(session.new) + list(session.dirty):
        problem = _happened_problem(obj, now)
        if problem is None and isinstance(obj, Participant) and _changed(obj, "email"):
            problem = values.email_problem(obj.email)
        if (
            problem is None
            and isinstance(obj, Participant)
            and obj.receives_client_report
            and _changed(obj, "receives_client_report", "organisation_id", "organisation")
        ):
            problem = values.client_report_contact_problem(_organisation_kind(session, obj))
        elif problem is None and isinstance(obj, SlaTarget) and _changed(obj, "amount"):
            problem = values.sla_amount_problem(obj.amount, obj.name or obj.key)
        elif (
            problem is None
            and isinstance(obj, ExternalReview)
            and _changed(obj, "notified_at", "closed_at")
        ):
            problem = values.review_closed_problem(obj.notified_at, obj.closed_at)
        elif problem is None and isinstance(obj, Improvement):
            problem = _improvement_problem(obj) or _disposed_problem_of_improvement(obj)
        elif problem is None and isinstance(obj, Complaint | Ticket):
            problem = _disposed_problem(obj)
        elif problem is None and isinstance(obj, RetentionRule):
            problem = _retention_problem(obj)
        if problem:
            raise RuleViolation(problem)


def _improvement_problem(improvement) -> str | None:
    """An improvement says what changed, who made it and when (the publication counts it
    by that date)."""
    if not (improvement.description or "").strip():
        return "Improvement: say what was changed in the policies, procedures or practices."
    if not (improvement.made_by or "").strip():
        return "Improvement: say who made the change (an officer or a business area)."
    if improvement.made_at is None:
        return "Improvement: say when the change was made."
    return None


# What a disposal removed: once a case is disposed of, no door puts any of it back.
DISPOSED_FIELDS = {
    Complaint: (
        "summary",
        "description",
        "outcome_sought",
        "outcome_reason",
        "root_cause",
        "change_made",
        "complainant_id",
    ),
    Ticket: ("summary", "description", "contact_id"),
}


def _was_disposed(obj) -> bool:
    """Disposed of before this flush (the disposal's own flush sets `disposed_at`)."""
    history = changes_of(obj, "disposed_at")
    if not history.has_changes():
        return obj.disposed_at is not None  # as stored (read now if it was expired)
    return bool(history.deleted) and history.deleted[0] is not None


def _disposed_problem(case) -> str | None:
    if inspect(case).key is None or not _changed(case, *DISPOSED_FIELDS[type(case)]):
        return None
    if _was_disposed(case):
        return (
            f"{case.reference} was disposed of: its personal content was removed for good "
            "and nothing of it can be recorded again."
        )
    return None


def _disposed_problem_of_improvement(improvement) -> str | None:
    complaint = improvement.complaint
    if (
        complaint is not None
        and complaint.disposed_at is not None
        and _changed(improvement, "description", "made_by", "made_at")
    ):
        if inspect(improvement).key is None or _was_disposed(complaint):
            return f"{complaint.reference} was disposed of: nothing more is recorded on it."
    return None


def _retention_problem(rule) -> str | None:
    if rule.years is None or not 1 <= rule.years <= 150:
        return (
            f"Retention of {rule.case_kind}: keep it for a whole number of years, from 1 to 150."
        )
    if not (rule.record_class or "").strip():
        return f"Retention of {rule.case_kind}: name the schedule's record class."
    return None


def _organisation_kind(session, person) -> str | None:
    """The kind of the organisation the person belongs to (None: none)."""
    organisation = person.organisation
    if organisation is None and person.organisation_id is not None:
        organisation = session.get(Participant, person.organisation_id)
    return organisation.kind if organisation is not None else None


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
    return any(changes_of(obj, name).has_changes() for name in names)
