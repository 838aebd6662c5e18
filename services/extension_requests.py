"""Extension requests checked on every save, whatever the door (the complaint's page, a
command, a direct session save): a complaint manager asks for more time; the decision maker
or a coordinator approves or declines.

- Only the complaint's manager asks, while the complaint is open, one request at a time,
  with a reason and a proposed due later than the resolution due in force.
- Only an officer who may approve an extension (rules/extensions.py) decides; a decline
  says why; a decided request is not decided again, and what was asked is not rewritten.
- Approving records the extension: the flush adds an `Extension`, which the extension
  hook then judges like one typed on the Extension screen (moved to closing time of a
  business day, saying so; never approved by the manager).

Each request and decision is noted in the complaint's history.
"""

from datetime import datetime

from sqlalchemy import and_, exists, false, inspect, or_, select

from models import Complaint, Extension, ExtensionRequest, Participant, changes_of, kinds, utcnow
from rules import extensions
from rules.correspondence import instant_in_words
from rules.errors import RuleViolation
from rules.vocabulary import COORDINATOR

from . import history, localtime
from .extensions import _due_it_extends, _is_coordinator

# What was asked: fixed once the request is made.
ASKED = ("complaint_id", "requested_by_id", "proposed_due_at", "reason")
ASKED_RELATIONSHIPS = ("complaint", "requested_by")
# What a decision sets: set once.
DECIDED = ("decision", "decided_by_id", "decided_at", "decision_note", "extension_id")
DECIDED_RELATIONSHIPS = ("decided_by", "extension")

REWRITE = (
    "An extension request stands as it was asked: its complaint, requester, proposed due "
    "and reason are not changed afterwards. To ask for something else, ask again."
)


# --- the doors call these -----------------------------------------------------------------


def ask(
    session,
    complaint: Complaint,
    requester: Participant | None,
    proposed_due_at: datetime | None,
    reason: str | None,
    now: datetime,
) -> ExtensionRequest:
    """Record a request (flushed: RuleViolation with every refusal, nothing saved)."""
    request = ExtensionRequest(
        complaint=complaint,
        requested_by=requester,
        requested_at=now,
        proposed_due_at=proposed_due_at,
        reason=(reason or "").strip(),
    )
    session.add(request)
    session.flush()
    return request


def decide(
    session,
    request: ExtensionRequest,
    decider: Participant | None,
    decision: str,
    note: str | None,
    now: datetime,
) -> ExtensionRequest:
    """Approve or decline a pending request (flushed; an approval creates the extension)."""
    request.decision = decision
    request.decided_by = decider
    request.decided_at = now
    request.decision_note = (note or "").strip() or None
    session.flush()
    return request


def pending_of(session, complaint: Complaint) -> ExtensionRequest | None:
    return session.scalars(
        select(ExtensionRequest)
        .where(ExtensionRequest.complaint_id == complaint.id, ExtensionRequest.decision.is_(None))
        .order_by(ExtensionRequest.id)
        .limit(1)
    ).first()


def may_ask(complaint: Complaint, person: Participant | None) -> bool:
    return person is not None and complaint.manager_id == person.id


def may_decide(session, complaint: Complaint, person: Participant | None, capacities=None) -> bool:
    """`capacities`: those of the person's own signed-in account, when the caller has
    them (then nothing is asked of the database)."""
    if person is None or person.id == complaint.manager_id:
        return False
    if person.id == complaint.decision_maker_id:
        return True
    if capacities is not None:
        return COORDINATOR in capacities
    return _is_coordinator(session, person)


def awaiting_decision_of(person_id: int | None, coordinator_of_division: int | None):
    """Complaints with a request waiting for this officer's decision, as a SQL condition:
    they decide it (or coordinate the complaint's division) and do not manage it."""
    if person_id is None:
        return false()
    deciders = Complaint.decision_maker_id == person_id
    if coordinator_of_division is not None:
        deciders = or_(deciders, Complaint.division_id == coordinator_of_division)
    return and_(
        exists().where(
            ExtensionRequest.complaint_id == Complaint.id, ExtensionRequest.decision.is_(None)
        ),
        deciders,
        or_(Complaint.manager_id.is_(None), Complaint.manager_id != person_id),
    )


# --- the flush ----------------------------------------------------------------------------


def before_flush(session) -> None:
    for obj in list(session.new) + list(session.dirty):
        if not isinstance(obj, ExtensionRequest) or obj in session.deleted:
            continue
        with session.no_autoflush:
            if inspect(obj).key is None:
                _judge_new(session, obj)
            else:
                _judge_change(session, obj)


def _complaint_of(session, request: ExtensionRequest) -> Complaint:
    complaint = request.complaint or (
        session.get(Complaint, request.complaint_id) if request.complaint_id else None
    )
    if complaint is None:
        raise RuleViolation("An extension request needs the complaint it asks more time for.")
    return complaint


def _person(session, relationship, column_value) -> Participant | None:
    if relationship is not None:
        return relationship
    return session.get(Participant, column_value) if column_value else None


def _closed_status(complaint: Complaint) -> str | None:
    if kinds.COMPLAINT.is_closed(complaint.status):
        return kinds.COMPLAINT.statuses.get(complaint.status, complaint.status)
    return None


def _timezone(complaint: Complaint) -> str:
    return localtime.case_timezone(complaint, localtime.settings_in_force())


def asking_problems(
    session,
    complaint: Complaint,
    requester: Participant | None,
    reason: str | None = "-",
    besides: ExtensionRequest | None = None,
    *,
    requests: list[ExtensionRequest] | None = None,
) -> list[str]:
    """Why `requester` may not ask for an extension of the complaint now (the due aside);
    `besides` is the request being judged, not counted as another one pending; `requests`:
    the complaint's requests as the caller has just read them (a page showing them), else
    the database is asked whether one is pending."""
    others_pending = any(
        isinstance(other, ExtensionRequest)
        and other is not besides
        and other.decision is None
        and (other.complaint is complaint or other.complaint_id == complaint.id)
        for other in session.new
    )
    if requests is not None:
        others_pending = others_pending or any(
            other is not besides and other.decision is None for other in requests
        )
    elif complaint.id is not None and not others_pending:
        others_pending = pending_of(session, complaint) is not None
    return extensions.request_problems(
        complaint.reference or "this complaint",
        extensions.Asking(
            requester_id=requester.id if requester is not None else None,
            requester_name=requester.short_name if requester is not None else "",
            manager_id=complaint.manager_id
            or (complaint.manager.id if complaint.manager is not None else None),
            closed_status=_closed_status(complaint),
            pending=others_pending,
        ),
        reason,
    )


def _judge_new(session, request: ExtensionRequest) -> None:
    complaint = _complaint_of(session, request)
    reference = complaint.reference or "this complaint"
    requester = _person(session, request.requested_by, request.requested_by_id)
    problems = asking_problems(session, complaint, requester, request.reason, besides=request)
    problems += extensions.due_problems(
        reference,
        request.proposed_due_at,
        _due_it_extends(complaint, None),
        _timezone(complaint),
    )
    if problems:
        raise RuleViolation("\n".join(problems))
    if request.requested_at is None:
        request.requested_at = utcnow()
    history.note(
        session,
        complaint,
        "extension_requested",
        f"{requester.short_name} asked for an extension of the resolution due to "
        f"{instant_in_words(request.proposed_due_at, _timezone(complaint))}: {request.reason}",
    )
    if request.decision is not None or request.decided_by is not None:
        _judge_decision(session, request, complaint)


def _changed(request: ExtensionRequest, names) -> bool:
    return any(changes_of(request, name).has_changes() for name in names)


def _judge_change(session, request: ExtensionRequest) -> None:
    asked = _changed(request, ASKED + ASKED_RELATIONSHIPS)
    decided = _changed(request, DECIDED + DECIDED_RELATIONSHIPS)
    if not (asked or decided):
        return
    stored = (
        session.execute(
            select(
                ExtensionRequest.decision,
                ExtensionRequest.decided_by_id,
                ExtensionRequest.decided_at,
                ExtensionRequest.complaint_id,
            ).where(ExtensionRequest.id == request.id)
        )
        .one()
        ._mapping
    )
    if asked:
        raise RuleViolation(REWRITE)
    complaint = session.get(Complaint, stored["complaint_id"])
    if stored["decision"] is not None:
        decider = session.get(Participant, stored["decided_by_id"])
        raise RuleViolation(
            extensions.already_decided(
                stored["decision"],
                decider.short_name if decider is not None else "someone",
                instant_in_words(stored["decided_at"], _timezone(complaint)),
            )
        )
    _judge_decision(session, request, complaint)


def _judge_decision(session, request: ExtensionRequest, complaint: Complaint) -> None:
    reference = complaint.reference or "this complaint"
    decider = _person(session, request.decided_by, request.decided_by_id)
    problems = extensions.decision_problems(
        reference,
        extensions.Approval(
            approver_id=decider.id if decider is not None else None,
            approver_name=decider.short_name if decider is not None else "",
            approver_is_coordinator=decider is not None and _is_coordinator(session, decider),
            manager_id=complaint.manager_id,
            decision_maker_id=complaint.decision_maker_id,
        ),
        request.decision,
        request.decision_note,
        _closed_status(complaint),
    )
    if request.decision == "approved" and (
        request.extension is not None or request.extension_id is not None
    ):
        problems.append(
            "An approved extension request creates its own extension when it is approved: "
            "it is not linked to another one."
        )
    if problems:
        raise RuleViolation("\n".join(problems))
    if request.decided_at is None:
        request.decided_at = utcnow()
    timezone = _timezone(complaint)
    requester = _person(session, request.requested_by, request.requested_by_id)
    asked_by = requester.short_name if requester is not None else "the complaint manager"
    if request.decision == "approved":
        # The extension screen's own path: the extension hook (run after this one) moves
        # the due to closing time of a business day, and judges the approver and the due.
        request.extension = Extension(
            complaint=complaint,
            new_due_at=request.proposed_due_at,
            reason=request.reason,
            approved_by=decider,
            approved_at=request.decided_at,
        )
        summary = (
            f"{decider.short_name} approved the extension {asked_by} asked for: resolution "
            f"due {instant_in_words(request.proposed_due_at, timezone)}."
        )
    else:
        summary = (
            f"{decider.short_name} declined the extension {asked_by} asked for (to "
            f"{instant_in_words(request.proposed_due_at, timezone)})."
        )
    if request.decision_note:
        summary += f" Note: {request.decision_note}"
    history.note(session, complaint, f"extension_{request.decision}", summary)
