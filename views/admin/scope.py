"""Which rows the signed-in user may see: the hooks a later permissions issue fills in.

For now: administrators and coordinators see every case; other officers see the
complaints they manage or decide, and the records hanging off those complaints;
an internal reviewer also sees the reviews assigned to them.
"""

from flask_login import current_user
from sqlalchemy import false, or_, select

from models import Complaint, InternalReview
from rules.vocabulary import ADMINISTRATOR, COORDINATOR


def capacity_codes() -> frozenset:
    if not getattr(current_user, "is_authenticated", False):
        return frozenset()
    return current_user.capacity_codes


def may_use(capacities) -> bool:
    """Administrators use every screen; others the screens of the capacities they hold."""
    codes = capacity_codes()
    return ADMINISTRATOR in codes or bool(codes & frozenset(capacities))


def sees_every_case() -> bool:
    return bool(capacity_codes() & {ADMINISTRATOR, COORDINATOR})


def my_participant_id():
    return getattr(current_user, "participant_id", None)


def my_complaint_ids():
    participant_id = my_participant_id()
    return select(Complaint.id).where(
        or_(
            Complaint.manager_id == participant_id,
            Complaint.decision_maker_id == participant_id,
        )
    )


def complaints(query):
    if sees_every_case():
        return query
    participant_id = my_participant_id()
    if participant_id is None:
        return query.filter(false())
    return query.filter(
        or_(
            Complaint.manager_id == participant_id,
            Complaint.decision_maker_id == participant_id,
        )
    )


def through_complaint(query, complaint_id_column):
    """Records of a complaint (extensions, external reviews) follow the complaint's scope."""
    if sees_every_case():
        return query
    if my_participant_id() is None:
        return query.filter(false())
    return query.filter(complaint_id_column.in_(my_complaint_ids()))


def internal_reviews(query):
    if sees_every_case():
        return query
    participant_id = my_participant_id()
    if participant_id is None:
        return query.filter(false())
    return query.filter(
        or_(
            InternalReview.reviewer_id == participant_id,
            InternalReview.complaint_id.in_(my_complaint_ids()),
        )
    )
