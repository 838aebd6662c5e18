"""The values the people being timed or checked must not move, held below every door.

A flush that changes a clock's start, an assignment, the people a complaint is about, an
officer's level or a level's rank on a saved record is refused (`RuleViolation`, nothing
saved) unless the change came through its path (rules/custody.py): the assign steps,
`correct_clock_start`, `regrade`, `rerank`, or an edit by a capacity allowed to make it
directly (`allow_direct_edits`). Each path leaves a permit on the session for that record
and kind of value; permits last until the transaction ends. A new record is never judged
here: creation sets the values, and the separation-of-duties hook judges its people.
"""

from sqlalchemy import inspect, select
from sqlalchemy.orm import joinedload

from models import ClassificationLevel, Complaint, InternalReview, Participant, changes_of, kinds
from rules import custody
from rules import duties as duty_rules
from rules.errors import RuleViolation

from . import access, duties, history

PERMITS = "custody_permits"


def _key(record, kind: str) -> tuple:
    return (type(record).__name__, inspect(record).identity, kind)


def permit(session, record, kind: str) -> None:
    """Let this transaction change `kind` of value on `record` (its path has checked it)."""
    session.info.setdefault(PERMITS, set()).add(_key(record, kind))


def forget(session, *args) -> None:
    """The transaction ended: its permits go with it."""
    session.info.pop(PERMITS, None)


def allow_direct_edits(session, record, actor) -> None:
    """Permit the kinds of value the actor may change in an edit form (people, for a
    coordinator); the others stay refused whatever the form posts."""
    capacities = access.capacity_codes(actor)
    for kind in custody.DIRECT_EDITORS:
        if custody.may_change_directly(capacities, kind):
            permit(session, record, kind)


# --- the flush -------------------------------------------------------------------------


def before_flush(session) -> None:
    permits = session.info.get(PERMITS, set())
    with session.no_autoflush:
        for obj in list(session.dirty):
            guarded = custody.GUARDED.get(type(obj).__name__)
            state = inspect(obj)
            if not guarded or state.key is None or obj in session.deleted:
                continue
            stored = None
            for field, kind in guarded:
                if (type(obj).__name__, state.identity, kind) in permits:
                    continue
                if not changes_of(obj, field).has_changes():
                    continue
                if stored is None:
                    stored = history.stored_row(session, obj)
                if _really_changed(state, field, stored):
                    raise RuleViolation(custody.refusal(type(obj).__name__, field, kind))


def _ids(items) -> set:
    return {getattr(item, "id", None) or id(item) for item in items if item is not None}


def _really_changed(state, field: str, stored: dict) -> bool:
    """Changed from what the database holds (a value set again unchanged is no change)."""
    attr = state.attrs[field]
    prop = state.mapper.attrs[field]
    current = attr.value
    if hasattr(prop, "direction"):
        if prop.uselist:
            found = attr.history
            return _ids(found.added) != _ids(found.deleted)
        local = next(iter(prop.local_columns))
        key = state.mapper.get_property_by_column(local).key
        return (current.id if current is not None else None) != stored.get(key) or (
            current is not None and current.id is None
        )
    return current != stored.get(field)


# --- correcting a clock's start --------------------------------------------------------


def correct_clock_start(session, record, instant, reason, actor, now) -> str:
    """Move the instant a case's clocks start from, for a coordinator or administrator,
    with a reason kept in the history (who, old, new, reason). No commit."""
    model_name = type(record).__name__
    word, label, noun = custody.CLOCK_START_WORDS[model_name]
    field = next(name for name, kind in custody.GUARDED[model_name] if kind == custody.CLOCK_START)
    old = getattr(record, field)
    problems = custody.correction_problems(
        access.capacity_codes(actor), word, reason, old, instant, now
    )
    if problems:
        raise RuleViolation("\n".join(problems))
    reason = reason.strip()
    permit(session, record, custody.CLOCK_START)
    setattr(record, field, instant)
    history.note(
        session,
        record,
        f"correct_{word}",
        f"{label} instant corrected. Reason: {reason}",
        {"reason": [None, reason]},
    )
    return f"{record}: the {word} instant was corrected and its due dates worked out again."


# --- changing an officer's level -------------------------------------------------------


def regrade(session, person: Participant, level, reason, actor) -> list[str]:
    """Give an officer a new classification level, for an administrator, with a reason
    kept in the history. The change is made (a grade is a fact the department decides);
    it returns the officer's open cases whose separation of duties it now breaks, each with
    its reasons, for the administrator to reassign. No commit."""
    problems = custody.regrade_problems(access.capacity_codes(actor), reason, person.level, level)
    if problems:
        raise RuleViolation("\n".join(problems))
    reason = reason.strip()
    permit(session, person, custody.RANK)
    person.level = level
    history.note(
        session,
        person,
        "change_level",
        f"Classification level changed to {level.code}. Reason: {reason}",
        {"reason": [None, reason]},
    )
    return broken_cases(session, person)


# --- changing a classification level's rank ---------------------------------------------


def rerank(session, level: ClassificationLevel, rank, reason, actor) -> list[str]:
    """Give a classification level a new rank, for an administrator, with a reason kept in
    the history: every officer on it becomes more or less senior. The change is made, as
    `regrade` makes an officer's; it returns the open cases whose separation of duties it
    now breaks (`broken_by_rank`, which the screen's preview calls too). No commit."""
    problems = custody.rerank_problems(access.capacity_codes(actor), reason, level.rank, rank)
    if problems:
        raise RuleViolation("\n".join(problems))
    reason = reason.strip()
    old = level.rank
    permit(session, level, custody.RANK)
    broken = broken_by_rank(session, level, rank)
    history.note(
        session,
        level,
        "change_rank",
        f"Rank of {level.code} changed from {old} to {rank}. Reason: {reason}",
        {"reason": [None, reason]},
    )
    return broken


def broken_by_rank(session, level: ClassificationLevel, rank) -> list[str]:
    """Set the level's rank in the session (not flushed) and list the open cases of the
    officers on it that the duty rules then refuse. A preview rolls the session back."""
    level.rank = rank
    with session.no_autoflush:
        officers = session.scalars(
            select(Participant.id).where(Participant.level_id == level.id)
        ).all()
    return _broken_cases(session, officers)


def broken_cases(session, person: Participant) -> list[str]:
    """The open complaints and internal reviews of `person` the duty rules now refuse."""
    return _broken_cases(session, [person.id])


def _broken_cases(session, person_ids) -> list[str]:
    broken = []
    if not person_ids:
        return broken
    with session.no_autoflush:
        complaints = session.scalars(
            select(Complaint)
            .where(
                Complaint.manager_id.in_(person_ids) | Complaint.decision_maker_id.in_(person_ids),
                Complaint.status.not_in(kinds.COMPLAINT.closed_statuses),
            )
            .order_by(Complaint.id)
        ).all()
        for complaint in complaints:
            found = duty_rules.check_complaint(duties.assignment_of(session, complaint))
            if found:
                broken.append(f"{complaint.reference}: {' '.join(found)}")
        reviews = session.scalars(
            select(InternalReview)
            .join(InternalReview.complaint)
            .where(
                InternalReview.status.not_in(kinds.INTERNAL_REVIEW.closed_statuses),
                InternalReview.reviewer_id.in_(person_ids)
                | Complaint.manager_id.in_(person_ids)
                | Complaint.decision_maker_id.in_(person_ids),
            )
            .options(joinedload(InternalReview.complaint))
            .order_by(InternalReview.id)
        ).all()
        for review in reviews:
            found = duty_rules.check_review(duties.review_assignment_of(session, review))
            if found:
                broken.append(
                    f"Internal review of {review.complaint.reference}: {' '.join(found)}"
                )
    return broken
