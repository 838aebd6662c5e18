"""A reply written by staff on a case, to its complainant or its client, through the outbox.

Whoever may act on the case writes it (its officers, its division's coordinators,
administrators, a reviewer on their review: the rows they may edit, services/access.py),
and never to a confidential complainant hidden from them. The reply answers the latest
message that person sent on the case (In-Reply-To, References), always carries the
case's reference in its subject, and may carry documents of the case. It is queued like
every letter: sent by `flask mail send-due`, or printed and posted when there is no email
address. Every door (the case page, the API) calls `queue_reply`; nothing is saved when
it refuses.
"""

import secrets
from collections.abc import Iterable
from datetime import datetime

from sqlalchemy import func, or_, select

from models import Attachment, InboundMessage, OutboundMessage, Participant, User, kinds, utcnow
from rules import correspondence
from rules.errors import RuleViolation

from .. import access, history
from ..confidentiality import Confidentiality
from .letters import NO_NAME, _by_id, case_values, render_letter, ticket_recipient
from .recipients import recipient_refusal, usable_address

SUBJECT_LIMIT = 300
BODY_LIMIT = 20_000
# References kept in a reply's References header: the thread's first and its latest.
REFERENCES_KEPT = 20


def recipient_of(case) -> tuple[str, Participant | None]:
    """Whom a reply on the case goes to: (role, person)."""
    kind = kinds.kind_of(case)
    if kind is kinds.TICKET:
        return ticket_recipient(case)
    complaint = kind.complaint_of(case)
    if complaint is None:
        return correspondence.COMPLAINANT, None
    return correspondence.COMPLAINANT, _by_id(complaint, Participant, complaint.complainant_id)


def recipient_noun(case) -> str:
    """ "the complainant" or "the client", as the button and the history say it."""
    return "the client" if kinds.kind_of(case) is kinds.TICKET else "the complainant"


def may_reply(session, actor, case) -> bool:
    """Whether the officer may write to the case's complainant or client: they may act on
    (edit) the case, and see who its complainant is."""
    kind = kinds.find_kind(case)
    if kind is None or case.id is None or actor is None:
        return False
    if not access.may(session, actor, kind.name, "edit", case):
        return False
    complaint = kind.complaint_of(case)
    return complaint is None or Confidentiality(actor, session).shows_complainant(complaint)


def latest_message_from(session, case, person: Participant | None) -> InboundMessage | None:
    """The latest message filed on this case from the person a reply goes to."""
    if person is None or case.id is None:
        return None
    column = getattr(InboundMessage, f"{kinds.kind_of(case).name}_id")
    sender = [InboundMessage.participant_id == person.id]
    address = (person.email or "").strip().lower()
    if address:
        sender.append(func.lower(InboundMessage.from_address) == address)
    return session.scalar(
        select(InboundMessage)
        .where(column == case.id, or_(*sender))
        .order_by(InboundMessage.received_at.desc(), InboundMessage.id.desc())
        .limit(1)
    )


def _angled(message_id: str) -> str:
    message_id = message_id.strip()
    return message_id if message_id.startswith("<") else f"<{message_id.strip('<>')}>"


def thread_of(message: InboundMessage | None) -> tuple[str | None, str | None]:
    """(In-Reply-To, References) of a reply to this message: its id, and the thread so far
    with its id at the end, capped at the thread's first and latest ids."""
    if message is None or not (message.message_id or "").strip():
        return None, None
    own = _angled(message.message_id)
    ids = [part for part in (message.references_header or "").split() if part.startswith("<")]
    if not ids and message.in_reply_to:
        ids = [_angled(message.in_reply_to.split()[0])]
    ids = [i for i in ids if i != own] + [own]
    if len(ids) > REFERENCES_KEPT:
        ids = ids[:1] + ids[-(REFERENCES_KEPT - 1) :]
    return own[:1000], " ".join(ids)


def default_subject(session, case) -> str:
    """ "Re: <their last message's subject>", else "Your complaint CTS-…", with the
    reference."""
    reference = kinds.reference_of(case)
    _, person = recipient_of(case)
    last = latest_message_from(session, case, person)
    if last is not None and (last.subject or "").strip():
        subject = " ".join(last.subject.split())
        if not subject.lower().startswith("re:"):
            subject = f"Re: {subject}"
        return correspondence.with_reference(subject, reference)
    kind = kinds.kind_of(case)
    if kind is kinds.TICKET:
        noun = "ticket"
    elif kind is kinds.INTERNAL_REVIEW:
        noun = "internal review request"
    else:
        noun = kind.complaint_of(case).kind or "complaint"
    return f"Your {noun} {reference}".strip()


def documents_of(session, case, attachment_ids: Iterable) -> tuple[list[Attachment], list[str]]:
    """The chosen documents of this case, and what is wrong with the choice."""
    wanted, problems = [], []
    for value in attachment_ids or ():
        try:
            wanted.append(int(value))
        except (TypeError, ValueError):
            problems.append("Choose the documents from the case's list.")
            return [], problems
    if not wanted:
        return [], []
    column = getattr(Attachment, f"{kinds.kind_of(case).name}_id")
    found = session.scalars(
        select(Attachment).where(Attachment.id.in_(wanted), column == case.id)
    ).all()
    if len(found) != len(set(wanted)):
        problems.append(
            "A document chosen is not one of this case's: only the case's own documents "
            "can go with a reply."
        )
    return sorted(found, key=lambda a: a.id), problems


def reply_problems(session, case, subject: str, body: str, attachment_ids=()) -> list[str]:
    """Everything wrong with a reply, in the order of the form's fields."""
    problems = []
    role, person = recipient_of(case)
    if person is None:
        problems.append(
            f"There is nobody to reply to: {recipient_noun(case)} is not recorded on this case."
        )
    else:
        refusal = recipient_refusal(case, role, person.id)
        if refusal is not None:
            problems.append(f"The reply may not go to {recipient_noun(case)}: {refusal}")
    full_subject = correspondence.with_reference(subject, kinds.reference_of(case))
    if not (subject or "").strip():
        problems.append("Write a subject.")
    elif len(full_subject) > SUBJECT_LIMIT:
        problems.append(
            f"The subject is {len(full_subject):,} characters long with the reference: "
            f"at most {SUBJECT_LIMIT} fit."
        )
    if not (body or "").strip():
        problems.append("Write the reply: the body is empty.")
    elif len(body) > BODY_LIMIT:
        problems.append(
            f"The reply is {len(body):,} characters long: at most {BODY_LIMIT:,} fit. "
            "Send a longer text as a document."
        )
    problems += documents_of(session, case, attachment_ids)[1]
    return problems


def queue_reply(
    session,
    case,
    author: User,
    subject: str,
    body: str,
    attachment_ids: Iterable = (),
    *,
    now: datetime | None = None,
) -> OutboundMessage:
    """Queue the reply (not committed: the caller commits); RuleViolation with every
    problem, in the writer's words, and nothing added otherwise."""
    problems = reply_problems(session, case, subject, body, attachment_ids)
    if problems:
        raise RuleViolation("\n".join(problems))
    now = now or utcnow()
    kind = kinds.kind_of(case)
    role, person = recipient_of(case)
    documents, _ = documents_of(session, case, attachment_ids)
    subject = correspondence.with_reference(subject, kinds.reference_of(case))
    body = body.replace("\r\n", "\n").strip("\n")
    author_person = author.participant if author is not None else None
    values = {
        **case_values(case),
        "recipient_name": person.display_name if person.display_name else NO_NAME,
        "reply_subject": subject,
        "reply_body": body,
        "author_name": (
            author_person.display_name if author_person is not None else str(author or "")
        ),
    }
    rendered, note = render_letter(session, correspondence.STAFF_REPLY, values)
    from ..case_links import footer

    body = rendered.body + footer(case, role, True, rendered.body)
    in_reply_to, references = thread_of(latest_message_from(session, case, person))
    address = usable_address(person)
    message = OutboundMessage(
        dedupe_key=f"{correspondence.STAFF_REPLY}:{kind.name}:{case.id}:{secrets.token_hex(8)}",
        template_key=correspondence.STAFF_REPLY,
        created_at=now,
        recipient_address=address,
        recipient_name=person.display_name or None,
        recipient_role=role,
        participant_id=person.id,
        # The subject as written (with the reference): a template cannot drop it.
        subject=correspondence.with_reference(rendered.subject, kinds.reference_of(case))[
            :SUBJECT_LIMIT
        ],
        body=body,
        status=correspondence.QUEUED if address else correspondence.NO_ADDRESS,
        attempts=0,
        next_attempt_at=now if address else None,
        last_error=note,
        in_reply_to=in_reply_to,
        references_header=references,
        author_id=author.id if author is not None else None,
        **kind.links(case),
    )
    message.attachments = documents
    session.add(message)
    noun = recipient_noun(case)
    if address:
        summary = f"Reply queued to {noun}: {subject}"
    else:
        summary = f"Reply to {noun} to be printed and posted (no email address): {subject}"
    if documents:
        summary += ". With " + ", ".join(d.original_filename for d in documents)
    history.note(session, case, "reply_queued", summary)
    return message
