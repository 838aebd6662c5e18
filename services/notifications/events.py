"""The events every save tells people of, whatever the door (a form, a workflow step, a
bulk action, the API, an import of new cases, email in): run after each flush.

- a case assigned to someone (complaint manager, decision maker, support agent): they are
  told; an internal review assigned to its reviewer: they are told;
- a complaint reaching the decision step (a draft response submitted): its decision maker;
- a document added to a case by staff (not an email's attachment: the reply tells of
  it): the case's officer;
- @username in a new case note: that person, if they may open the case;
- a new severity 1 ticket (or one raised to 1): every support agent on duty, at once.

Nobody is told of what they did themselves. Cases brought in from the past (an import of
the old register, the demo data) tell nobody.
"""

from contextlib import contextmanager

from sqlalchemy import func, inspect, select

from models import Attachment, CaseNote, User, changes_of, kinds
from rules import notifications as rules

from .. import history
from ..correspondence.outbox import PAST_CASES
from .core import accounts_of, notify
from .recipients import agents_on_duty, officers

HELD_BACK = "notifications_held_back"

# Per kind of case: (column, the part it gives, the event it is).
ASSIGNMENTS = {
    "complaint": (
        ("manager_id", "complaint_manager", rules.ASSIGNED),
        ("decision_maker_id", "decision_maker", rules.ASSIGNED),
    ),
    "ticket": (("agent_id", "support_agent", rules.ASSIGNED),),
    "internal_review": (("reviewer_id", "internal_reviewer", rules.REVIEW),),
}
ROLE_WORDS = {
    "complaint_manager": "complaint manager",
    "decision_maker": "decision maker",
    "support_agent": "support agent",
    "internal_reviewer": "internal reviewer",
}
DECISION_STATUS = "response_drafted"


@contextmanager
def held_back(session):
    """Saves in this block tell nobody (the demo data: a past that never happened)."""
    session.info[HELD_BACK] = True
    try:
        yield
    finally:
        session.info.pop(HELD_BACK, None)


def _acting_user_id(session):
    return session.info.get("acting_user_id") or history.current_user_id()


def _changed_to(state, column: str):
    """(changed, new value) of a key column, whether the column or its relationship was
    set."""
    column_history = changes_of(state.obj(), column)
    relation = column.removesuffix("_id")
    relation_history = (
        changes_of(state.obj(), relation) if relation in state.mapper.relationships else None
    )
    changed = column_history.has_changes() or (
        relation_history is not None and relation_history.has_changes()
    )
    if not changed:
        return False, None
    old = None
    if column_history.deleted:
        old = column_history.deleted[0]
    elif relation_history is not None and relation_history.deleted:
        old_record = relation_history.deleted[0]
        old = old_record.id if old_record is not None else None
    new = getattr(state.obj(), column)
    return new is not None and new != old, new


def _status_became(state, status: str) -> bool:
    added = changes_of(state.obj(), "status").added
    return bool(added) and added[0] == status


def _reference(case) -> str:
    kind = kinds.kind_of(case)
    reference = kinds.reference_of(case)
    if kind is kinds.INTERNAL_REVIEW:
        return f"the internal review of {reference}"
    return reference or kind.label.lower()


def after_flush(session) -> None:
    if session.info.get(HELD_BACK) or session.info.get(PAST_CASES):
        return
    pending = []
    new = set(map(id, session.new))
    for obj in list(session.new) + list(session.dirty):
        kind = kinds.find_kind(obj)
        if kind is None or obj.id is None or obj in session.deleted:
            continue
        if kind.is_closed(obj.status):
            continue
        state = inspect(obj)
        for column, role, event in ASSIGNMENTS[kind.name]:
            changed, person_id = _changed_to(state, column)
            if changed:
                pending.append(("assigned", obj, column, role, event, person_id))
        if (
            kind is kinds.COMPLAINT
            and _status_became(state, DECISION_STATUS)
            and obj.decision_maker_id is not None
        ):
            pending.append(("decision", obj, obj.decision_maker_id))
        if kind is kinds.TICKET and obj.severity == "1":
            if id(obj) in new or changes_of(obj, "severity").has_changes():
                pending.append(("severity_one", obj))
    for obj in session.new:
        if not isinstance(obj, (Attachment, CaseNote)) or obj in session.deleted:
            continue
        if obj.id is None:
            continue
        if isinstance(obj, Attachment) and obj.uploaded_by_id is not None:
            case = obj.complaint or obj.ticket or obj.internal_review
            if case is not None and id(case) not in new and obj.inbound_message_id is None:
                pending.append(("document", obj, case))
        elif isinstance(obj, CaseNote) and rules.mentioned_usernames(obj.summary):
            case = obj.complaint or obj.ticket or obj.internal_review
            if case is not None:
                pending.append(("mention", obj, case))
    if not pending:
        return
    actor = _acting_user_id(session)
    connection = session.connection()
    with session.no_autoflush:
        for item in pending:
            _tell(session, connection, actor, item)


def _tell(session, connection, actor, item) -> None:
    what = item[0]
    stamp = rules.instant_key(_now())
    if what == "assigned":
        _, case, column, role, event, person_id = item
        reference = _reference(case)
        for user in accounts_of(session, [person_id]):
            if user.id == actor:
                continue
            title = (
                f"An internal review of {kinds.reference_of(case)} is assigned to you"
                if event == rules.REVIEW
                else f"Assigned to you as {ROLE_WORDS[role]}: {reference}"
            )
            notify(
                session,
                user=user,
                event=event,
                case=case,
                role=role,
                title=title,
                dedupe_key=f"{event}:{kinds.kind_of(case).name}:{case.id}:{column}:"
                f"{stamp}:{user.id}",
                connection=connection,
            )
    elif what == "decision":
        _, complaint, person_id = item
        for user in accounts_of(session, [person_id]):
            if user.id == actor:
                continue
            notify(
                session,
                user=user,
                event=rules.DECISION,
                case=complaint,
                role="decision_maker",
                title=f"Your decision is awaited: a draft response on {complaint.reference}",
                dedupe_key=f"decision:complaint:{complaint.id}:{stamp}:{user.id}",
                connection=connection,
            )
    elif what == "severity_one":
        _, ticket = item
        for role, user in agents_on_duty(session):
            if user.id == actor:
                continue
            notify(
                session,
                user=user,
                event=rules.SEVERITY_ONE,
                case=ticket,
                role=role if ticket.agent_id != user.participant_id else "support_agent",
                title=f"Severity 1 ticket {ticket.reference}: {ticket.summary}",
                dedupe_key=f"severity_one:ticket:{ticket.id}:{user.id}",
                connection=connection,
            )
    elif what == "document":
        _, attachment, case = item
        for role, user in officers(session, case):
            if user.id == actor or user.id == attachment.uploaded_by_id:
                continue
            notify(
                session,
                user=user,
                event=rules.DOCUMENT,
                case=case,
                role=role,
                title=f"A document was added to {_reference(case)}: "
                f"{attachment.note or attachment.original_filename}",
                dedupe_key=f"document:{attachment.id}:{user.id}",
                connection=connection,
            )
    elif what == "mention":
        _, note, case = item
        names = rules.mentioned_usernames(note.summary)
        mentioned = session.scalars(
            select(User).where(func.lower(User.username).in_(names), User.active.is_(True))
        ).all()
        author = note.user_id or actor
        for user in sorted(mentioned, key=lambda u: u.id):
            if user.id == author:
                continue
            by = session.get(User, author).username if author else "someone"
            notify(
                session,
                user=user,
                event=rules.MENTION,
                case=case,
                title=f"{by} mentioned you in a note on {_reference(case)}",
                dedupe_key=f"mention:{note.id}:{user.id}",
                connection=connection,
            )


def _now():
    from models import utcnow

    return utcnow()
