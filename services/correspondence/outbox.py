"""The outbox, and the letters every save queues in it.

Whatever door changes a complaint (a form, a workflow step, the public lodgement form, a
command), the flush runs `after_flush`: a complaint created (or registered), acknowledged
or finalised queues its letter to the complainant, rendered there and then from its
template. Each letter has a dedupe key, unique in the outbox, so the same letter is never
queued twice. A complainant with no email address gets an outbox row marked "no address",
and the case's history says so.
"""

import json
import logging
from contextlib import contextmanager
from datetime import datetime, timedelta

from sqlalchemy import inspect, select

from models import (
    CaseNote,
    Complaint,
    HistoryEntry,
    InternalReview,
    OutboundMessage,
    Participant,
    Representative,
    User,
    changes_of,
    kinds,
    utcnow,
)
from rules import correspondence

from .. import history
from .letters import (
    _by_id,
    _name,
    complaint_values,
    config,
    render_letter,
    review_values,
    ticket_recipient,
    ticket_values,
)
from .recipients import complaint_of, recipient_refusal, usable_address

# The mail's log keeps one name, whichever part of it writes.
log = logging.getLogger(__package__)


# --- the outbox -------------------------------------------------------------------------


def _insert_ignoring_duplicates(
    connection, values: dict, table=None, unique: tuple[str, ...] = ("dedupe_key",)
) -> int | None:
    """Insert a row (an outbox message unless another table is named); None when its
    unique key (`unique`: the dedupe key) is already there (nothing raised)."""
    table = OutboundMessage.__table__ if table is None else table
    dialect = connection.dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = (
            insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=list(unique))
            .returning(table.c.id)
        )
        return connection.execute(statement).scalar_one_or_none()
    found = connection.execute(
        select(table.c.id).where(*(table.c[name] == values[name] for name in unique))
    ).first()
    if found is not None:
        return None
    return connection.execute(table.insert().values(**values)).inserted_primary_key[0]


def record_on_case(connection, case_type: str, case_id: int, summary: str, changes=None):
    connection.execute(
        HistoryEntry.__table__.insert(),
        [
            {
                "at": utcnow(),
                "user_id": history.current_user_id(),
                "record_type": kinds.by_name(case_type).record_type,
                "record_id": case_id,
                "action": "correspondence",
                "summary": summary,
                "changes": json.dumps(changes) if changes else None,
            }
        ],
    )


def record_on_client(connection, client_id: int, summary: str, changes=None):
    """What happened to mail about no case (a client's service report), on the client's
    own history."""
    connection.execute(
        HistoryEntry.__table__.insert(),
        [
            {
                "at": utcnow(),
                "user_id": history.current_user_id(),
                "record_type": Participant.__name__,
                "record_id": client_id,
                "action": "correspondence",
                "summary": summary,
                "changes": json.dumps(changes) if changes else None,
            }
        ],
    )


def case_type_of(case) -> str:
    return kinds.kind_of(case).name


def case_links(case) -> dict:
    return kinds.kind_of(case).links(case)


def recipient_words(role: str, name: str | None, address: str | None, case) -> str:
    """How the history names a recipient: never a confidential complainant's address."""
    if role == correspondence.COMPLAINANT:
        complaint = complaint_of(case)
        if address and complaint is not None and not complaint.confidential:
            return f"the complainant at {address}"
        return "the complainant"
    if role in correspondence.CORRESPONDENTS:
        # A ticket's contact may be a confidential complainant elsewhere: no name, no address.
        return f"the {correspondence.ROLES[role]}"
    return (
        f"{name}, {correspondence.ROLES.get(role, role)}"
        if name
        else f"the {correspondence.ROLES[role]}"
    )


def queue(
    session,
    *,
    key: str,
    case,
    role: str,
    person: Participant | None,
    dedupe_key: str,
    values: dict,
    now: datetime | None = None,
    connection=None,
) -> str:
    """Queue one message to one person about one case; returns what happened:
    "queued", "duplicate" (already in the outbox), "no_address" or "withheld"."""
    now = now or utcnow()
    connection = connection if connection is not None else session.connection()
    case_type = case_type_of(case)
    noun = correspondence.TEMPLATE_NOUNS[key]
    person_id = person.id if person is not None else None
    refusal = recipient_refusal(case, role, person_id) if person is not None else None
    if refusal is not None:
        # Nothing about the case goes to someone who may not have it: not even a row.
        log.info("%s for %s %s withheld: %s", noun, case_type, case.id, refusal)
        return "withheld"
    address = usable_address(person)
    rendered, note = render_letter(session, key, values)
    # Every letter to a complainant or client: their personal link, and how to reach us.
    from ..case_links import footer

    body = rendered.body + footer(case, role, person is not None, rendered.body)
    user_id = None
    if person is not None and role != correspondence.COMPLAINANT:
        user_id = session.scalar(select(User.id).where(User.participant_id == person.id))
    row = {
        "dedupe_key": dedupe_key[:200],
        "template_key": key,
        "created_at": now,
        "recipient_address": address,
        "recipient_name": _name(person) or None,
        "recipient_role": role,
        "participant_id": person_id,
        "user_id": user_id,
        "subject": rendered.subject,
        "body": body,
        "status": correspondence.QUEUED if address else correspondence.NO_ADDRESS,
        "attempts": 0,
        "next_attempt_at": now if address else None,
        "last_error": note,
        **case_links(case),
    }
    if _insert_ignoring_duplicates(connection, row) is None:
        return "duplicate"
    if address:
        return "queued"
    who = recipient_words(role, row["recipient_name"], None, case)
    reason = (
        "has no email address (anonymous, or none recorded)"
        if person is None or not (person.email or "").strip()
        else "has no usable email address"
    )
    subject = "The complainant" if role == correspondence.COMPLAINANT else who
    summary = f"{noun} not sent: no address. {subject[0].upper()}{subject[1:]} {reason}."
    if role == correspondence.COMPLAINANT:
        # A complainant still gets the letter: printed from the outbox and sent by post.
        summary = f"{noun} to be printed and sent by post: the complainant {reason}."
    record_on_case(connection, case_type, case.id, summary)
    return "no_address"


def queue_to_complainant(
    session,
    *,
    key: str,
    complaint,
    dedupe_key: str,
    values: dict,
    now=None,
    connection=None,
    case=None,
) -> list[str]:
    """A letter to a complainant, where they asked it to go: to them, copied to their
    representatives; or addressed to a representative instead (docs/unreasonable-conduct.md,
    "Representatives"). Returns what happened to each copy."""
    case = case if case is not None else complaint
    representatives = []
    if "representatives" in inspect(complaint).dict:
        # Already read (or a case saved for the first time: none but those it was given).
        representatives = sorted(
            (r for r in complaint.representatives if r.ended_at is None and r.letters != "none"),
            key=lambda r: r.id or 0,
        )
    elif complaint.id is not None:
        with session.no_autoflush:
            representatives = session.scalars(
                select(Representative)
                .where(
                    Representative.complaint_id == complaint.id,
                    Representative.ended_at.is_(None),
                    Representative.letters != "none",
                )
                .order_by(Representative.id)
            ).all()
    addressed = [r for r in representatives if r.letters == "addressed"]
    outcomes = []
    if not addressed:
        outcomes.append(
            queue(
                session,
                key=key,
                case=case,
                role=correspondence.COMPLAINANT,
                person=_by_id(complaint, Participant, complaint.complainant_id),
                dedupe_key=dedupe_key,
                values=values,
                now=now,
                connection=connection,
            )
        )
    for representative in addressed or representatives:
        person = representative.participant
        outcomes.append(
            queue(
                session,
                key=key,
                case=case,
                role="representative",
                person=person,
                dedupe_key=f"{dedupe_key}:representative:{representative.id}"[:200],
                # Addressed to them, the letter greets them; a copy is the complainant's letter.
                values={**values, "complainant_name": _name(person)}
                if representative.letters == "addressed" and "complainant_name" in values
                else values,
                now=now,
                connection=connection,
            )
        )
    return outcomes


# --- letters, on every save -------------------------------------------------------------


def _newly_set(state, name: str) -> bool:
    hist = changes_of(state.obj(), name)
    if not hist.added or hist.added[0] is None:
        return False
    return not hist.deleted or hist.deleted[0] is None


def _instant_key(instant: datetime | None) -> str:
    return instant.strftime("%Y%m%dT%H%M%S") if instant is not None else "-"


# Set while cases that lived elsewhere are brought in (an import of the old register).
PAST_CASES = "correspondence_past_cases"


@contextmanager
def bringing_in_past_cases(session):
    """Cases created in this block were received when they say, not now: a case received
    long ago is history, not news, even before it is registered."""
    session.info[PAST_CASES] = True
    try:
        yield
    finally:
        session.info.pop(PAST_CASES, None)


def letters_for(
    complaint: Complaint, is_new: bool, now: datetime, past_cases: bool = False
) -> list[tuple]:
    """The letters this flush owes the complainant: (key, dedupe key, when it happened)."""
    state = inspect(complaint)
    letters = []
    if is_new or _newly_set(state, "registered_at"):
        event = complaint.registered_at
        if event is None and is_new:
            event = complaint.received_at if past_cases else now
        letters.append(
            (
                correspondence.REGISTERED,
                f"{correspondence.REGISTERED}:complaint:{complaint.id}",
                event,
            )
        )
    if _newly_set(state, "acknowledged_at"):
        letters.append(
            (
                correspondence.ACKNOWLEDGED,
                f"{correspondence.ACKNOWLEDGED}:complaint:{complaint.id}",
                complaint.acknowledged_at,
            )
        )
    if (complaint.kind or "complaint") == "complaint" and _newly_set(state, "finalised_at"):
        # Reopened and finalised again: a new outcome, a new letter.
        key = (
            f"{correspondence.OUTCOME}:complaint:{complaint.id}:"
            f"{_instant_key(complaint.finalised_at)}"
        )
        letters.append((correspondence.OUTCOME, key, complaint.finalised_at))
    return letters


def review_letters_for(review: InternalReview, is_new: bool, now: datetime) -> list[tuple]:
    """A new internal review request: the complainant is told it is registered; a completed
    review: they are told its result and the external review open to them."""
    letters = []
    if is_new:
        letters.append(
            (
                correspondence.REVIEW_REQUESTED,
                f"{correspondence.REVIEW_REQUESTED}:internal_review:{review.id}",
                review.requested_at or now,
            )
        )
    if review.status == "completed" and _newly_set(inspect(review), "completed_at"):
        letters.append(
            (
                correspondence.REVIEW_OUTCOME,
                f"{correspondence.REVIEW_OUTCOME}:internal_review:{review.id}",
                review.completed_at,
            )
        )
    return letters


# What a ticket's step said to the client (services/steps.py files it as a shared note):
# the note's kind -> the letter that carries it.
TICKET_STEP_LETTERS = {
    "response": correspondence.TICKET_RESPONSE,
    "resolution": correspondence.TICKET_RESOLUTION,
}


def ticket_letters_for(ticket, is_new: bool, filed: list, now: datetime):
    """The letters this flush owes a ticket's client: (key, dedupe key, when, content).

    A new ticket is acknowledged; the respond and resolve steps' content goes out as
    written, whichever door took the step (its note is filed in the same flush)."""
    letters = []
    if is_new:
        letters.append(
            (
                correspondence.TICKET_ACKNOWLEDGED,
                f"{correspondence.TICKET_ACKNOWLEDGED}:ticket:{ticket.id}",
                # Reported long before it was entered (an import, the demo): history.
                ticket.reported_at or now,
                "",
            )
        )
    for note in filed:
        key = TICKET_STEP_LETTERS[note.kind]
        # A ticket is responded to once; resolved again after a reopening: a new letter.
        dedupe_key = (
            f"{key}:ticket:{ticket.id}"
            if key == correspondence.TICKET_RESPONSE
            else f"{key}:ticket:{ticket.id}:note:{note.id}"
        )
        letters.append((key, dedupe_key, note.recorded_at or now, note.summary))
    return letters


def _ticket_step_notes(session) -> dict:
    """The shared response and resolution notes this flush filed, by their ticket."""
    filed = {}
    for obj in session.new:
        if (
            isinstance(obj, CaseNote)
            and obj.kind in TICKET_STEP_LETTERS
            and obj.shared
            and obj.id is not None
            and obj.ticket is not None
        ):
            filed.setdefault(obj.ticket, []).append(obj)
    return filed


def after_flush(session) -> None:
    """Queue the letters owed by the cases this flush created or moved on."""
    new = set(map(id, session.new))
    saved = [
        (kind, obj)
        for kind, obj in ((kinds.find_kind(o), o) for o in list(session.new) + list(session.dirty))
        if kind is not None and obj.id is not None and obj not in session.deleted
    ]
    complaints = [obj for kind, obj in saved if kind is kinds.COMPLAINT]
    reviews = [obj for kind, obj in saved if kind is kinds.INTERNAL_REVIEW and obj.complaint_id]
    step_notes = _ticket_step_notes(session)
    tickets = [obj for kind, obj in saved if kind is kinds.TICKET and id(obj) in new]
    tickets += [ticket for ticket in step_notes if ticket not in tickets]
    if not complaints and not reviews and not tickets:
        return
    now = utcnow()
    oldest = now - timedelta(days=float(config("MAIL_LETTER_MAX_AGE_DAYS")))
    connection = session.connection()
    with session.no_autoflush:
        for complaint in complaints:
            for key, dedupe_key, event_at in letters_for(
                complaint, id(complaint) in new, now, bool(session.info.get(PAST_CASES))
            ):
                # An event recorded long after it happened (an import, the demo) is history,
                # not news: nobody is written to about it.
                if event_at is None or event_at < oldest:
                    continue
                if (
                    key == correspondence.REGISTERED
                    and id(complaint) in new
                    and complaint.contact_officer_id is not None
                ):
                    # A contact through a restricted channel: the contact officer answers it
                    # as the restriction says (services/conduct.py), not the automatic letter.
                    continue
                queue_to_complainant(
                    session,
                    key=key,
                    complaint=complaint,
                    dedupe_key=dedupe_key,
                    values=complaint_values(complaint),
                    now=now,
                    connection=connection,
                )
        for review in reviews:
            for key, dedupe_key, event_at in review_letters_for(review, id(review) in new, now):
                if event_at is None or event_at < oldest:
                    continue
                complaint = _by_id(review, Complaint, review.complaint_id)
                queue_to_complainant(
                    session,
                    key=key,
                    complaint=complaint,
                    case=review,
                    dedupe_key=dedupe_key,
                    values=review_values(review),
                    now=now,
                    connection=connection,
                )
        for ticket in tickets:
            if ticket.id is None or ticket in session.deleted:
                continue
            role, person = ticket_recipient(ticket)
            for key, dedupe_key, event_at, content in ticket_letters_for(
                ticket,
                id(ticket) in new,
                step_notes.get(ticket, []),
                now,
            ):
                if event_at is None or event_at < oldest:
                    continue
                queue(
                    session,
                    key=key,
                    case=ticket,
                    role=role,
                    person=person,
                    dedupe_key=dedupe_key,
                    values=ticket_values(ticket, content),
                    now=now,
                    connection=connection,
                )
