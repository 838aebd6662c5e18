"""Separation of duties on save: every door that saves a complaint or an internal review
(admin form, bulk action, import, command) flushes the session, and the flush asks
`rules.duties` whether the people on it may do what they are assigned to.

A record is judged when it is new, or when one of the fields the rules read changes on it:
an unrelated edit (a typo in a summary) never re-judges a record saved under older rules
or older classification levels. A refusal raises `RuleViolation` out of the flush; the
caller rolls back, so nothing is half-saved.
"""

from sqlalchemy import inspect

from models import (
    Complaint,
    InternalReview,
    Participant,
    User,
    changes_of,
    kinds,
    pending_related,
)
from rules import duties as rules

# (relationship, foreign key) pairs whose change makes the rules judge the record again.
COMPLAINT_PEOPLE = (
    ("manager", "manager_id"),
    ("decision_maker", "decision_maker_id"),
    ("drafted_by", "drafted_by_id"),
    ("decided_by", "decided_by_id"),
)
COMPLAINT_COLLECTIONS = ("subjects", "involved")
REVIEW_PEOPLE = (
    ("reviewer", "reviewer_id"),
    ("recorded_by", "recorded_by_id"),
    ("complaint", "complaint_id"),
)


def before_flush(session) -> None:
    """Judge the complaints and internal reviews this flush would save."""
    complaints, reviews = [], []
    for obj in list(session.new) + list(session.dirty):
        kind = kinds.find_kind(obj)
        if kind is kinds.COMPLAINT and _complaint_needs_judging(obj):
            complaints.append(obj)
        elif kind is kinds.INTERNAL_REVIEW and _review_needs_judging(obj):
            reviews.append(obj)
    if not complaints and not reviews:
        return
    with session.no_autoflush:
        for complaint in complaints:
            assignment = assignment_of(session, complaint)
            rules.enforce_complaint(assignment)
            # The complaint's people changed: its open reviews must still be clear of them.
            for review in complaint.internal_reviews:
                if review not in reviews and not kinds.INTERNAL_REVIEW.is_closed(review.status):
                    rules.enforce_review(review_assignment_of(session, review, assignment))
        for review in reviews:
            rules.enforce_review(review_assignment_of(session, review))


# --- what changed ---------------------------------------------------------------------


def _is_new(obj) -> bool:
    return inspect(obj).key is None


def _changed(obj, names) -> bool:
    return any(changes_of(obj, name).has_changes() for name in names)


def _complaint_needs_judging(complaint) -> bool:
    if _is_new(complaint):
        return True
    names = [name for pair in COMPLAINT_PEOPLE for name in pair] + list(COMPLAINT_COLLECTIONS)
    return _changed(complaint, names)


def _review_needs_judging(review) -> bool:
    if _is_new(review):
        return True
    return _changed(review, [name for pair in REVIEW_PEOPLE for name in pair])


# --- the people, as they would be saved -------------------------------------------------


def _identity(participant: Participant) -> int:
    # A participant added in the same flush has no id yet: any number unique to it will do.
    return participant.id if participant.id is not None else -id(participant)


def officer(participant: Participant | None) -> rules.Officer | None:
    if participant is None:
        return None
    level = participant.level
    return rules.Officer(
        id=_identity(participant),
        name=participant.short_name,
        level_code=level.code if level is not None else None,
        rank=level.rank if level is not None else None,
    )


def _account(user: User | None) -> tuple[int | None, str | None]:
    if user is None:
        return None, None
    identity = user.id if user.id is not None else -id(user)
    name = user.participant.short_name if user.participant is not None else user.username
    return identity, name


def assignment_of(session, complaint: Complaint) -> rules.Assignment:
    """The complaint's people, as this flush would save them."""
    drafted_by, drafted_name = _account(
        pending_related(session, complaint, "drafted_by", "drafted_by_id", User)
    )
    decided_by, decided_name = _account(
        pending_related(session, complaint, "decided_by", "decided_by_id", User)
    )
    return rules.Assignment(
        manager=officer(pending_related(session, complaint, "manager", "manager_id", Participant)),
        decision_maker=officer(
            pending_related(session, complaint, "decision_maker", "decision_maker_id", Participant)
        ),
        subjects=frozenset(_identity(p) for p in complaint.subjects),
        involved=frozenset(_identity(p) for p in complaint.involved),
        drafted_by_user=drafted_by,
        decided_by_user=decided_by,
        drafted_by_name=drafted_name,
        decided_by_name=decided_name,
    )


def review_assignment_of(
    session, review: InternalReview, complaint_assignment: rules.Assignment | None = None
) -> rules.ReviewAssignment:
    """The review's reviewer and recorder, beside the people of the complaint under review."""
    if complaint_assignment is None:
        complaint = pending_related(session, review, "complaint", "complaint_id", Complaint)
        complaint_assignment = (
            assignment_of(session, complaint)
            if complaint is not None
            else rules.Assignment(manager=None, decision_maker=None)
        )
    recorded_by, recorded_name = _account(
        pending_related(session, review, "recorded_by", "recorded_by_id", User)
    )
    return rules.ReviewAssignment(
        reviewer=officer(pending_related(session, review, "reviewer", "reviewer_id", Participant)),
        complaint=complaint_assignment,
        recorded_by_user=recorded_by,
        recorded_by_name=recorded_name,
    )
