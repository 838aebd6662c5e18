"""What a coordinator does with a message waiting for triage: file it on a case (its
attachments stored there, through the same checks) or dismiss it with a reason.

All or nothing, like ingesting: the parts' files are written before the commit and removed
if it fails; the raw message is removed only once the filing is committed.
"""

from datetime import datetime

from models import InboundMessage, User, kinds, utcnow
from rules import mail_in as rules
from rules.errors import RuleViolation

from .. import history
from .ingest import IngestSettings, _Work, link
from .mailboxes import Mailbox
from .parse import Malformed, parse

REASON_LIMIT = 500


def _waiting(message: InboundMessage) -> None:
    if message.status not in rules.OPEN_STATUSES:
        label = rules.STATUSES.get(message.status, message.status).lower()
        raise RuleViolation(
            f"Only a message waiting for triage can be filed or dismissed; this one is {label}."
        )


def file_on_case(
    session,
    message: InboundMessage,
    case,
    user: User | None,
    *,
    settings: IngestSettings,
    resume: bool = False,
    now: datetime | None = None,
) -> str:
    """File a triaged message on the case: its parts stored on the case, an entry in the
    case's history, the message marked filed by the user, and the case's officer told (as
    for a reply by email; not when the user is that officer). With `resume` (the user says
    it is the answer the case waits on) a case waiting on a reply resumes its clock, as a
    reply from the case's own person does. Returns what was done, in words; RuleViolation
    (nothing saved) when it cannot be."""
    _waiting(message)
    now = now or utcnow()
    raw_path = settings.folder / message.raw_stored_name if message.raw_stored_name else None
    work = _Work(session, b"", Mailbox(message.mailbox, "complaint"), settings, now)
    if raw_path is not None and raw_path.exists():
        work.raw = raw_path.read_bytes()
        try:
            work.parsed = parse(
                work.raw,
                max_bytes=max(settings.max_bytes, len(work.raw)),
                max_parts=settings.max_parts,
                own_domains=settings.own_domains,
            )
        except Malformed as malformed:
            raise RuleViolation(f"The message cannot be read again: {malformed}.") from None
    work.inbound = message
    try:
        link(message, case)
        if work.parsed is not None:
            work.store_parts(case)
        if resume:
            work.resume(case)
        filer = user.participant_id if user is not None else None
        told = work.tell_officer(case, filed_by=filer)
        who = user.username if user is not None else "a coordinator"
        subject = message.subject or rules.NO_SUBJECT
        sender = rules.sender_words(
            message.from_name,
            message.from_address,
            hide_address=bool(
                (complaint := kinds.kind_of(case).complaint_of(case)) is not None
                and complaint.confidential
            ),
        )
        summary = f"Email from {sender} filed on the case from triage by {who}: {subject}."
        if work.resumed:
            summary += " The case was waiting on this reply: its clock resumed."
        if not told:
            summary += " Nobody is assigned to be told."
        if work.refused:
            summary += " " + " ".join(work.refused)
        history.note(session, case, "email_received", summary)
        message.status = rules.FILED
        message.handled_by = user
        message.handled_at = now
        message.reason = " ".join(part for part in (message.reason, *work.refused) if part) or None
        message.raw_stored_name = None
        session.commit()
    except BaseException:
        work.undo()
        raise
    if raw_path is not None:
        raw_path.unlink(missing_ok=True)
    reference = getattr(case, "reference", None) or str(case)
    kept = len([p for p in (work.parsed.parts if work.parsed else ()) if p]) - len(work.refused)
    words = f"Filed on {reference}"
    if kept:
        words += f" with {kept} attachment{'s' if kept != 1 else ''}"
    if work.resumed:
        words += "; its clock resumed"
    elif resume and not any(r.startswith("The clock") for r in work.refused):
        words += "; the case was not waiting on a reply, so there was no clock to resume"
    if work.refused:
        words += "; " + " ".join(work.refused)
    return words + "."


def dismiss(session, message: InboundMessage, user: User | None, reason: str, *, now=None) -> None:
    """Take a message out of triage, saying why; its raw copy stays for the record."""
    _waiting(message)
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleViolation("Say why the message is dismissed (for example: spam).")
    if len(reason) > REASON_LIMIT:
        raise RuleViolation(f"The reason may be at most {REASON_LIMIT} characters.")
    who = user.username if user is not None else "a coordinator"
    message.status = rules.DISMISSED
    message.handled_by = user
    message.handled_at = now or utcnow()
    message.reason = f"{message.reason or ''} Dismissed by {who}: {reason}".strip()
    try:
        session.commit()
    except BaseException:
        session.rollback()
        raise
