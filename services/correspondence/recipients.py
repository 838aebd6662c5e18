"""Who may receive a case's correspondence.

`recipient_refusal` is the one place that decides whether a message may go to its
recipient: a confidential complaint's correspondence goes to the complainant and its
assigned officers only. It is asked when a message is queued and again just before it is
sent.
"""

import re

from sqlalchemy import select
from sqlalchemy.orm import object_session

from models import (
    Capacity,
    ContactRestriction,
    OutboundMessage,
    Participant,
    Representative,
    User,
    kinds,
)
from rules import correspondence

# Who a ticket's mail goes to: the contact who reported it, else the client organisation.
CLIENT_ROLES = {"client_contact": "contact_id", "client": "client_id"}
SIMPLE_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")


def complaint_of(message_or_case):
    kind = kinds.find_kind(message_or_case)
    if kind is not None:
        return kind.complaint_of(message_or_case)
    if isinstance(message_or_case, OutboundMessage):
        if message_or_case.complaint is not None:
            return message_or_case.complaint
        if message_or_case.internal_review is not None:
            return message_or_case.internal_review.complaint
    return None


def holds_role(case, role: str, participant_id) -> bool:
    """Whether the participant is, now, the case's complainant, manager, reviewer, ..."""
    kind = kinds.find_kind(case)
    if participant_id is None or kind is None:
        return False
    if role == "staff":
        # Told by a notification (mentioned, on duty, a desk lead): while they may sign in.
        return _has_active_account(object_session(case), participant_id)
    if role in CLIENT_ROLES:
        # A ticket's client organisation, or the contact who reported it for them.
        column = CLIENT_ROLES[role]
        return hasattr(case, column) and getattr(case, column) == participant_id
    complaint = kind.complaint_of(case)
    if complaint is not case:
        # A ticket's agent, a review's reviewer; else the part held on the review's complaint.
        column = dict(kind.officer_roles).get(role)
        if column is not None:
            return getattr(case, column) == participant_id
        case = complaint
    if case is None:
        return False
    if role == "internal_reviewer":
        return any(review.reviewer_id == participant_id for review in case.internal_reviews)
    if role in RESTRICTION_ROLES:
        return _named_by_restriction(case, role, participant_id)
    if role == "coordinator" and case.coordinator_id is None:
        # Nobody coordinates it yet: the division's coordinators stand in.
        return participant_id in division_coordinator_ids(case)
    column = {
        correspondence.COMPLAINANT: "complainant_id",
        "complaint_manager": "manager_id",
        "decision_maker": "decision_maker_id",
        "coordinator": "coordinator_id",
    }.get(role)
    return column is not None and getattr(case, column) == participant_id


def _has_active_account(session, participant_id) -> bool:
    if session is None:
        return False
    return (
        session.scalar(
            select(User.id).where(User.participant_id == participant_id, User.active.is_(True))
        )
        is not None
    )


# Parts in a case held through a representation or a restriction of contact.
RESTRICTION_ROLES = frozenset({"representative", "contact_officer", "restriction_decider"})


def _named_by_restriction(complaint, role: str, participant_id) -> bool:
    session = object_session(complaint)
    if session is None or complaint.id is None:
        return False
    if role == "representative":
        found = select(Representative.id).where(
            Representative.complaint_id == complaint.id,
            Representative.participant_id == participant_id,
            Representative.ended_at.is_(None),
        )
        return session.scalar(found.limit(1)) is not None
    if role == "contact_officer" and complaint.contact_officer_id == participant_id:
        return True
    column = (
        ContactRestriction.contact_officer_id
        if role == "contact_officer"
        else ContactRestriction.decided_by_id
    )
    found = select(ContactRestriction.id).where(
        ContactRestriction.complaint_id == complaint.id, column == participant_id
    )
    return session.scalar(found.limit(1)) is not None


def division_coordinator_ids(complaint) -> set:
    """The people with an active coordinator account in the complaint's division."""
    session = object_session(complaint)
    if session is None or complaint.division_id is None:
        return set()
    return set(
        session.scalars(
            select(Participant.id)
            .join(User, User.participant_id == Participant.id)
            .join(User.capacities)
            .where(
                Participant.division_id == complaint.division_id,
                User.active.is_(True),
                Capacity.code == "coordinator",
            )
        )
    )


def recipient_refusal(case, role: str, participant_id) -> str | None:
    """Why this person may not receive this case's correspondence, or None if they may.

    The one place the rule is enforced: asked when a message is queued and before it is
    sent. A confidential complaint's correspondence goes only to its complainant and its
    assigned officers (manager, decision maker, internal reviewer); anyone else, and
    anyone who no longer holds the part they were written to in, is refused.
    """
    complaint = complaint_of(case)
    confidential = bool(complaint is not None and complaint.confidential)
    if not correspondence.may_receive(confidential=confidential, role=role):
        return (
            "The complaint is confidential: its correspondence goes only to the complainant "
            f"and the officers assigned to it, not to its {correspondence.ROLES.get(role, role)}."
        )
    if not holds_role(case, role, participant_id):
        return f"The recipient is no longer the case's {correspondence.ROLES.get(role, role)}."
    return None


def usable_address(person: Participant | None) -> str | None:
    address = (person.email or "").strip() if person is not None else ""
    return address if SIMPLE_ADDRESS.fullmatch(address) else None
