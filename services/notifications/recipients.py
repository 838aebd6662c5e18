"""Whom a notification about a case goes to: its officer, the coordinator of its division
or the desk leads, the support agents on duty."""

from sqlalchemy import select

from models import Capacity, Complaint, NotificationPreference, Participant, User, kinds
from rules.vocabulary import COORDINATOR, SUPPORT_AGENT

from ..correspondence.letters import config
from ..correspondence.recipients import division_coordinator_ids
from .core import accounts_of


def _coordinator_accounts(session) -> list[User]:
    return list(
        session.scalars(
            select(User)
            .join(User.capacities)
            .where(User.active.is_(True), Capacity.code == COORDINATOR)
            .order_by(User.id)
        )
    )


def desk_leads(session) -> list[tuple[str, User]]:
    """The service desk's leads (NOTIFY_DESK_LEADS), else every coordinator."""
    names = [
        name.strip().lower() for name in str(config("NOTIFY_DESK_LEADS", "") or "").split(",")
    ]
    names = [name for name in names if name]
    with session.no_autoflush:
        if names:
            leads = [
                user
                for user in session.scalars(select(User).order_by(User.id))
                if user.active and user.username.lower() in names
            ]
        else:
            leads = _coordinator_accounts(session)
    return [("staff", user) for user in leads]


def division_coordinators(session, complaint: Complaint) -> list[tuple[str, User]]:
    with session.no_autoflush:
        ids = sorted(division_coordinator_ids(complaint))
    return [("coordinator", user) for user in accounts_of(session, ids)]


def _complaint_coordinators(session, complaint: Complaint) -> list[tuple[str, User]]:
    """The complaint's own coordinator, else each coordinator of its division."""
    if complaint.coordinator_id is not None:
        found = accounts_of(session, [complaint.coordinator_id])
        if found:
            return [("coordinator", user) for user in found]
    return division_coordinators(session, complaint)


def officers(session, case) -> list[tuple[str, User]]:
    """Who answers for the case: the complaint manager (none yet: the complaint's
    coordinator, else each coordinator of its division, an online lodgement too); the
    ticket's support agent (none: the desk leads); the review's reviewer (none: the
    coordinators of its complaint's division)."""
    kind = kinds.kind_of(case)
    if kind is kinds.COMPLAINT:
        if case.manager_id is not None:
            found = accounts_of(session, [case.manager_id])
            if found:
                return [("complaint_manager", user) for user in found]
        return _complaint_coordinators(session, case)
    if kind is kinds.TICKET:
        if case.agent_id is not None:
            found = accounts_of(session, [case.agent_id])
            if found:
                return [("support_agent", user) for user in found]
        return desk_leads(session)
    if case.reviewer_id is not None:
        found = accounts_of(session, [case.reviewer_id])
        if found:
            return [("internal_reviewer", user) for user in found]
    complaint = kind.complaint_of(case)
    return _complaint_coordinators(session, complaint) if complaint is not None else []


def supervisors(session, case) -> list[tuple[str, User]]:
    """Whom an escalation goes to above the officer: the coordinator of the case's division
    (the complaint's own, else each coordinator there); a ticket's: the desk leads."""
    kind = kinds.kind_of(case)
    if kind is kinds.TICKET:
        return desk_leads(session)
    complaint = kind.complaint_of(case)
    return _complaint_coordinators(session, complaint) if complaint is not None else []


def agents_on_duty(session) -> list[tuple[str, User]]:
    """Every active support agent who has not said they are off duty."""
    with session.no_autoflush:
        off = set(
            session.scalars(
                select(NotificationPreference.user_id).where(
                    NotificationPreference.on_duty.is_(False)
                )
            )
        )
        agents = session.scalars(
            select(User)
            .join(User.capacities)
            .where(User.active.is_(True), Capacity.code == SUPPORT_AGENT)
            .order_by(User.id)
        )
        return [("staff", user) for user in agents if user.id not in off]


def person_name(session, participant_id) -> str:
    person = session.get(Participant, participant_id) if participant_id else None
    return person.display_name if person is not None else "nobody"
