"""Which rows an officer may reach, screen by screen, from rules.permissions.

The permission table says which scope each capacity has on a screen ("all", "division",
"assigned", "none"); this module turns a scope into a SQL condition on the screen's model:

- "division": the complaints of the officer's own division, and the records hanging off
  them (internal and external reviews, extensions);
- "assigned": for a complaint manager or decision maker, the complaints they manage or
  decide; for an internal reviewer, the reviews assigned to them and the complaints under
  their review; in both cases the records hanging off those complaints, and the people
  those complaints name.

A user holding several capacities reaches the union of what each capacity that grants the
action reaches, so a capacity that may only read never lends its rows to an edit.

Every door asks the same questions here, handing in the acting officer (the signed-in
account, an API token's account, the officer running a command; None for nobody).
"""

from sqlalchemy import and_, exists, false, inspect, or_, select, true
from sqlalchemy.sql.elements import True_

from models import (
    Complaint,
    ContactRestriction,
    Division,
    Extension,
    ExternalReview,
    InboundMessage,
    InternalReview,
    OutboundMessage,
    Participant,
    Representative,
    Ticket,
    kinds,
)
from models.cases import complaint_involved, complaint_subject
from rules import permissions
from rules.vocabulary import INTERNAL_REVIEWER


def capacity_codes(actor) -> frozenset:
    """The capacities the officer holds (none for nobody, or an account not signed in)."""
    if not getattr(actor, "is_authenticated", False):
        return frozenset()
    return actor.capacity_codes


def participant_id(actor):
    """The officer's own person record, if the account has one."""
    return getattr(actor, "participant_id", None)


def division_id(actor):
    """The division the officer works in, if known."""
    person = getattr(actor, "participant", None)
    return person.division_id if person is not None else None


def is_everything(condition) -> bool:
    """Whether a condition from `rows` lets every row through (no filter needed)."""
    return isinstance(condition, True_)


# One rule per screen whose rows can be narrower than "all":
# (actor, capacity, scope) -> condition.


def complaints_in(actor, capacity: str, scope_name: str):
    """The complaints the officer reaches through a capacity in a scope."""
    if scope_name == "all":
        return true()
    if scope_name == "division":
        division = division_id(actor)
        return Complaint.division_id == division if division is not None else false()
    me = participant_id(actor)
    if scope_name != "assigned" or me is None:
        return false()
    if capacity == INTERNAL_REVIEWER:
        return Complaint.id.in_(
            select(InternalReview.complaint_id).where(InternalReview.reviewer_id == me)
        )
    # The contact officer of a restricted person's contact reaches it like an assigned officer.
    return or_(
        Complaint.manager_id == me,
        Complaint.decision_maker_id == me,
        Complaint.contact_officer_id == me,
    )


def _complaint_ids(actor, capacity, scope_name):
    return select(Complaint.id).where(complaints_in(actor, capacity, scope_name))


def _hanging_off(complaint_id_column):
    """Records of a complaint (extensions, external reviews) follow the complaint."""

    def rule(actor, capacity, scope_name):
        if scope_name == "all":
            return true()
        return complaint_id_column.in_(_complaint_ids(actor, capacity, scope_name))

    return rule


def _internal_reviews(actor, capacity, scope_name):
    if scope_name == "assigned" and capacity == INTERNAL_REVIEWER:
        me = participant_id(actor)
        return InternalReview.reviewer_id == me if me is not None else false()
    return _hanging_off(InternalReview.complaint_id)(actor, capacity, scope_name)


def _participants(actor, capacity, scope_name):
    """The people the reachable complaints name, and the officer themselves."""
    if scope_name == "all":
        return true()
    reachable = complaints_in(actor, capacity, scope_name)
    named = exists().where(
        reachable,
        or_(
            Complaint.complainant_id == Participant.id,
            Complaint.coordinator_id == Participant.id,
            Complaint.manager_id == Participant.id,
            Complaint.decision_maker_id == Participant.id,
        ),
    )
    conditions = [named]
    for link in (complaint_subject, complaint_involved):
        conditions.append(
            Participant.id.in_(
                select(link.c.participant_id).where(
                    link.c.complaint_id.in_(_complaint_ids(actor, capacity, scope_name))
                )
            )
        )
    me = participant_id(actor)
    if me is not None:
        conditions.append(Participant.id == me)
    return or_(*conditions)


def _tickets(actor, capacity, scope_name):
    if scope_name == "all":
        return true()
    me = participant_id(actor)
    if scope_name == "assigned" and me is not None:
        return Ticket.agent_id == me
    return false()


def _outbox(actor, capacity, scope_name):
    """Letters and reminders follow the complaint (or the ticket) they are about."""
    if scope_name == "all":
        return true()
    conditions = [OutboundMessage.complaint_id.in_(_complaint_ids(actor, capacity, scope_name))]
    ticket_scope = permissions.grant(capacity, "ticket").scope
    if ticket_scope == "all":
        conditions.append(OutboundMessage.ticket_id.is_not(None))
        # A client's service report is the service desk's mail.
        conditions.append(OutboundMessage.client_report_delivery_id.is_not(None))
    elif ticket_scope != "none":
        tickets = select(Ticket.id).where(_tickets(actor, capacity, ticket_scope))
        conditions.append(OutboundMessage.ticket_id.in_(tickets))
    return or_(*conditions)


def _inbox(actor, capacity, scope_name):
    """Mail received follows its case; a message on no case follows the complaint it
    claims, and otherwise waits for the coordinators of the intake division."""
    if scope_name == "all":
        return true()
    complaints = _complaint_ids(actor, capacity, scope_name)
    reviews = select(InternalReview.id).where(InternalReview.complaint_id.in_(complaints))
    conditions = [
        InboundMessage.complaint_id.in_(complaints),
        InboundMessage.internal_review_id.in_(reviews),
    ]
    ticket_scope = permissions.grant(capacity, "ticket").scope
    if ticket_scope == "all":
        conditions.append(InboundMessage.ticket_id.is_not(None))
    elif ticket_scope != "none":
        tickets = select(Ticket.id).where(_tickets(actor, capacity, ticket_scope))
        conditions.append(InboundMessage.ticket_id.in_(tickets))
    on_no_case = and_(
        InboundMessage.complaint_id.is_(None),
        InboundMessage.ticket_id.is_(None),
        InboundMessage.internal_review_id.is_(None),
    )
    claimed = select(Complaint.reference).where(complaints_in(actor, capacity, scope_name))
    conditions.append(and_(on_no_case, InboundMessage.claimed_reference.in_(claimed)))
    division = division_id(actor)
    if scope_name == "division" and division is not None:
        from .correspondence.letters import config

        intake = config("PUBLIC_INTAKE_DIVISION")
        claims_a_complaint = exists().where(
            Complaint.reference == InboundMessage.claimed_reference
        )
        mine = select(Division.code).where(Division.id == division).scalar_subquery()
        conditions.append(and_(on_no_case, ~claims_a_complaint, mine == (intake or "")))
    return or_(*conditions)


def _restrictions(actor, capacity, scope_name):
    """The register of restrictions of contact: those decided in the officer's division."""
    if scope_name == "all":
        return true()
    division = division_id(actor)
    if scope_name == "division" and division is not None:
        return ContactRestriction.division_id == division
    return false()


ROW_RULES = {
    "complaint": complaints_in,
    "internal_review": _internal_reviews,
    "external_review": _hanging_off(ExternalReview.complaint_id),
    "extension": _hanging_off(Extension.complaint_id),
    "participant": _participants,
    "ticket": _tickets,
    # Reports count the cases of the report's own scope (rules.permissions.REPORT_GRANTS).
    permissions.SERVICE_LEVEL_REPORT: _tickets,
    permissions.CLIENT_REPORT: _tickets,
    **{report: complaints_in for report in permissions.COMPLAINT_REPORTS},
    "outboundmessage": _outbox,
    "inboundmessage": _inbox,
    "contactrestriction": _restrictions,
    "representative": _hanging_off(Representative.complaint_id),
}


def rows(actor, screen: str, action: str | None = None):
    """The rows of a screen the officer may take the action on (None: any action).

    The union over the capacities held whose grant includes the action; a screen without a
    rule of its own knows only "all" (anything narrower reaches nothing: fail closed).
    """
    conditions = []
    for capacity in sorted(capacity_codes(actor)):
        grant = permissions.grant(capacity, screen)
        if grant.scope == "none" or (action is not None and action not in grant.actions):
            continue
        if grant.scope == "all":
            return true()
        rule = ROW_RULES.get(screen)
        conditions.append(rule(actor, capacity, grant.scope) if rule else false())
    if not conditions:
        return false()
    return or_(*conditions)


def _complaint_reached(actor, capacity: str, scope_name: str, complaint) -> bool | None:
    """`complaints_in` decided on a loaded complaint (None: only the database knows)."""
    if scope_name == "all":
        return True
    if scope_name == "division":
        division = division_id(actor)
        return division is not None and complaint.division_id == division
    me = participant_id(actor)
    if scope_name != "assigned" or me is None:
        return False
    if capacity == INTERNAL_REVIEWER:
        reviews = inspect(complaint).dict.get("internal_reviews")
        if reviews is None:
            return None
        return any(review.reviewer_id == me for review in reviews)
    return me in (complaint.manager_id, complaint.decision_maker_id, complaint.contact_officer_id)


def _as_stored(record) -> bool:
    """Whether the loaded record is what the database holds (no change waiting in it)."""
    state = inspect(record)
    return state.persistent and not state.modified


def reaches(actor, screen: str, action: str, record, *, via=None) -> bool | None:
    """`rows` asked of one loaded record without a query where the loaded values decide:
    True or False, or None when only the database can say (the caller asks it then).

    Complaints and tickets are decided from their own columns; a person is reached when
    they are named on `via`, a complaint the officer reaches (else the database decides:
    another complaint may name them)."""
    if record is None or not _as_stored(record):
        return None
    me = participant_id(actor)
    undecided = False
    for capacity in sorted(capacity_codes(actor)):
        grant = permissions.grant(capacity, screen)
        if grant.scope == "none" or (action is not None and action not in grant.actions):
            continue
        if grant.scope == "all":
            return True
        if screen == "complaint" and isinstance(record, Complaint):
            found = _complaint_reached(actor, capacity, grant.scope, record)
        elif screen == "ticket" and isinstance(record, Ticket):
            found = grant.scope == "assigned" and me is not None and record.agent_id == me
        elif screen == "participant" and isinstance(record, Participant):
            found = None
            if me is not None and record.id == me:
                return True
            if isinstance(via, Complaint) and _as_stored(via):
                named = (
                    via.complainant_id,
                    via.coordinator_id,
                    via.manager_id,
                    via.decision_maker_id,
                )
                if record.id in named and _complaint_reached(actor, capacity, grant.scope, via):
                    return True
        else:
            return None
        if found is None:
            undecided = True
        elif found:
            return True
    return None if undecided or screen == "participant" else False


def may(session, actor, screen: str, action: str, record, *, via=None) -> bool:
    """Whether the officer may take the action on this record: from the loaded record where
    it decides (`reaches`), else one statement asking `rows` of it."""
    known = reaches(actor, screen, action, record, via=via)
    if known is not None:
        return known
    model = type(record)
    condition = rows(actor, screen, action)
    found = session.scalar(select(model.id).where(model.id == record.id, condition).limit(1))
    return found is not None


def only_assigned_as(actor, capacity: str, screen: str) -> bool:
    """Whether the officer reaches the screen only through this capacity's assigned rows."""
    codes = capacity_codes(actor)
    if capacity not in codes or permissions.grant(capacity, screen).scope != "assigned":
        return False
    return permissions.scope(codes - {capacity}, screen) == "none"


def case_by_reference(session, actor, reference: str):
    """A complaint or ticket by reference, among those the officer may open (None else)."""
    return kinds.case_by_reference(session, reference, lambda kind: rows(actor, kind.name, "view"))
