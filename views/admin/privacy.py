"""Confidential complainants: who may see a complainant's identity and contact details.

A complaint marked confidential ("personal details are not to be used") shows who made it
only to the coordinator of its division (and the coordinator named on it) and to the
officers assigned to it: its manager, its decision maker and the reviewer of its internal
review. Everyone else reads "Confidential complainant": administrators too, since
DOMAIN.md names no exception for them.

The person behind a confidential complaint is masked wherever the portal would name them
to someone who may not see them: the complaints grid, details and export, the search (their
name does not find the complaint), the participant screens and the pickers.
"""

from flask import g, has_request_context
from sqlalchemy import and_, or_, select

from models import Complaint, InternalReview, db
from rules.vocabulary import COORDINATOR

from . import scope
from .base import show_person

MASK = "Confidential complainant"


def may_see_complainant(
    *,
    confidential: bool,
    capacities,
    me: int | None,
    my_division_id: int | None,
    division_id: int | None,
    officer_ids,
) -> bool:
    """Pure: whether a user sees the complainant of one complaint.

    `officer_ids` are the participants the complaint names as its coordinator, manager and
    decision maker, and the reviewers of its internal reviews.
    """
    if not confidential:
        return True
    if COORDINATOR in capacities and my_division_id is not None:
        if my_division_id == division_id:
            return True
    return me is not None and me in set(officer_ids)


# The same decision as SQL, for searching and for the participant screens.


def _reviewed_by(me):
    return select(InternalReview.complaint_id).where(InternalReview.reviewer_id == me)


def identity_visible():
    """A condition on Complaint: its complainant may be shown to the signed-in user."""
    conditions = [Complaint.confidential.is_(False)]
    division = scope.my_division_id()
    if COORDINATOR in scope.capacity_codes() and division is not None:
        conditions.append(Complaint.division_id == division)
    me = scope.my_participant_id()
    if me is not None:
        # Null-safe: the condition is negated for `hidden_people`, and NOT NULL is NULL.
        conditions += [
            and_(column.is_not(None), column == me)
            for column in (
                Complaint.coordinator_id,
                Complaint.manager_id,
                Complaint.decision_maker_id,
            )
        ]
        conditions.append(Complaint.id.in_(_reviewed_by(me)))
    return or_(*conditions)


def hidden_people():
    """The participants the signed-in user may not see: complainants of confidential
    complaints whose identity is hidden from them."""
    return select(Complaint.complainant_id).where(
        Complaint.confidential.is_(True),
        Complaint.complainant_id.is_not(None),
        ~identity_visible(),
    )


def person_visible(participant_id_column):
    """A condition: the participant in this column may be named to the signed-in user."""
    return participant_id_column.not_in(hidden_people())


# Per request, for formatters: one query each, whatever the page size.


def _cached(key, load):
    if not has_request_context():
        return load()
    if key not in g:
        setattr(g, key, load())
    return getattr(g, key)


def _my_reviewed_complaints() -> frozenset:
    me = scope.my_participant_id()
    if me is None:
        return frozenset()
    return frozenset(db.session.execute(_reviewed_by(me)).scalars())


def hidden_person_ids() -> frozenset:
    return _cached(
        "_privacy_hidden_people",
        lambda: frozenset(db.session.execute(hidden_people()).scalars()),
    )


def shows_complainant(complaint) -> bool:
    """Whether the signed-in user sees this complaint's complainant."""
    if not complaint.confidential:
        return True
    me = scope.my_participant_id()
    officers = {complaint.coordinator_id, complaint.manager_id, complaint.decision_maker_id}
    if me is not None and me not in officers and complaint.id is not None:
        if complaint.id in _cached("_privacy_reviewed", _my_reviewed_complaints):
            officers.add(me)
    return may_see_complainant(
        confidential=True,
        capacities=scope.capacity_codes(),
        me=me,
        my_division_id=scope.my_division_id(),
        division_id=complaint.division_id,
        officer_ids=officers - {None},
    )


def shows_person(participant) -> bool:
    """Whether the signed-in user may see this participant's identity and contact details."""
    return participant is None or participant.id not in hidden_person_ids()


def person_visible_on(record):
    """For a record's page (a complaint, or a record of one): whether a participant may be
    named there. Its own complainant follows the complaint; anyone else, every complaint
    they made."""
    complaint = record if isinstance(record, Complaint) else getattr(record, "complaint", None)

    def visible(participant) -> bool:
        if participant is None:
            return True
        if complaint is not None and participant.id == complaint.complainant_id:
            return shows_complainant(complaint)
        return shows_person(participant)

    return visible


# Formatters for the screens.


def show_complainant(view, context, model, name):
    """The complaint's complainant, or the mask when it is hidden from the user."""
    if not shows_complainant(model):
        return MASK
    return show_person(view, context, model, name)


def show_identity(view, context, model, name):
    """A participant's name or contact detail, masked for a hidden confidential complainant."""
    if not shows_person(model):
        return MASK if name == "family_name" else ""
    value = getattr(model, name)
    return "" if value is None else value
