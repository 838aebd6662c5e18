"""A case's own page for its complainant or client: what it shows, and what they may do
from it (add information, withdraw, ask for an internal review).

What it shows is chosen here, never the staff timeline filtered: the letters sent to this
recipient, the notes staff marked shared, the recipient's own messages and documents, the
stored due instants in the case's local time. Never internal notes, other people's
messages or documents, or anyone's identity but the officer handling it.

Each action goes through the workflow's steps (services/steps.py) with the page's own
actor, so every rule runs as for any door; the caller commits nothing: each action here
commits, or rolls back and removes any file it wrote.
"""

import hashlib
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select

from models import (
    Attachment,
    CaseNote,
    Complaint,
    InboundMessage,
    InternalReview,
    LateReviewRequest,
    OutboundMessage,
    Participant,
    PauseStatus,
    Ticket,
    kinds,
    utcnow,
)
from rules import correspondence as letters
from rules import workflow
from rules.attachments import describe_size, safe_filename
from rules.errors import RuleViolation
from rules.vocabulary import ADMINISTRATOR, REVIEW_OUTCOMES

from . import case_links, conduct, history, localtime, notes, notifications, steps
from .correspondence import case_values, recipient_refusal
from .correspondence.recipients import division_coordinator_ids
from .intake import SentFile, write_new

# The page acting in the workflow: the complainant, through their case's page. Like a
# reply by email, it takes the steps the complainant's own actions bring (resume,
# withdraw, ask for a review); the page offers only those.
PAGE_ACTOR = workflow.Actor(
    user_id=None,
    capacities=frozenset({ADMINISTRATOR}),
    name="the complainant, on their case's page",
)
MESSAGE_LIMIT = 10_000
WORDS_LIMIT = 5_000
SHOWN_STATUSES = frozenset({letters.QUEUED, letters.SENDING, letters.SENT, letters.NO_ADDRESS})
OMBUDSMAN = (
    "Queensland Ombudsman: telephone 07 3005 7000 (toll free outside Brisbane 1800 068 908), "
    "email ombudsman@ombudsman.qld.gov.au"
)
HUMAN_RIGHTS_COMMISSION = (
    "Queensland Human Rights Commission: telephone 1300 130 670, www.qhrc.qld.gov.au"
)


# --- what the page shows ----------------------------------------------------------------

WHERE = {
    "received": "Received. A complaints coordinator will enter it in our register.",
    "registered": "Registered in our register.",
    "acknowledged": "Acknowledged: we are looking into it.",
    "under_assessment": "We are assessing it.",
    "investigation": "We are investigating it.",
    "awaiting_complainant": (
        "Waiting for information from you. The time we take is paused until it arrives."
    ),
    "response_drafted": "Our response is being prepared.",
    "decided": "Our response has been decided and is about to be sent.",
    "finalised": "Finished: we have given our response.",
    "internal_review": "Under internal review.",
    "external_review": "With an external review body.",
    "referred": "Referred to another process better suited to it.",
    "closed": "Closed.",
}
TICKET_WHERE = {
    "new": "Logged: an officer will respond.",
    "responded": "We have responded and will start work on it.",
    "in_progress": "We are working on it.",
    "waiting_on_client": (
        "Waiting for information from you. The time we take is paused until it arrives."
    ),
    "resolved": "Resolved.",
    "closed": "Closed.",
}


def _in_words(instant, zone) -> str:
    return letters.instant_in_words(instant, zone)


def _day(instant, zone) -> str:
    return letters.day_in_words(instant, zone)


def open_review(complaint) -> InternalReview | None:
    return steps.open_review(complaint)


def pending_late_request(session, complaint) -> LateReviewRequest | None:
    return session.scalar(
        select(LateReviewRequest)
        .where(LateReviewRequest.complaint_id == complaint.id)
        .order_by(LateReviewRequest.requested_at.desc(), LateReviewRequest.id.desc())
        .limit(1)
    )


def review_window(complaint, now: datetime) -> str | None:
    """ "open" or "late" when an internal review may be asked for from the page; None."""
    if not isinstance(complaint, Complaint) or (complaint.kind or "complaint") != "complaint":
        return None
    if complaint.status not in ("finalised", "closed") or complaint.finalised_at is None:
        return None
    outcome = complaint.outcome.code if complaint.outcome is not None else None
    if outcome is None or outcome == "withdrawn":
        return None
    state = steps.complaint_state(complaint)
    if state.internal_review_open or state.internal_review_done:
        return None
    due = complaint.review_request_due_at
    return "late" if due is not None and now > due else "open"


def may_add_information(case) -> bool:
    if isinstance(case, Ticket):
        return case.status not in ("resolved", "closed")
    return case.status not in ("finalised", "closed", "referred", "external_review")


def may_withdraw(case) -> bool:
    return (
        isinstance(case, Complaint)
        and (case.kind or "complaint") == "complaint"
        and case.status in workflow.WITHDRAWABLE
    )


def _cases_of(case) -> list:
    """The case and, for a complaint, its internal reviews: one page shows them all."""
    if isinstance(case, Complaint):
        return [case, *case.internal_reviews]
    return [case]


def _case_condition(model, case):
    conditions = []
    for each in _cases_of(case):
        column = getattr(model, f"{kinds.kind_of(each).name}_id")
        conditions.append(column == each.id)
    from sqlalchemy import or_

    return or_(*conditions)


def shared_entries(session, case, participant: Participant, zone: str) -> tuple[list, set]:
    """The conversation as the recipient may see it, newest first, and the ids of the
    documents they may download."""
    entries, files = [], set()
    messages = session.scalars(
        select(OutboundMessage).where(
            _case_condition(OutboundMessage, case),
            OutboundMessage.participant_id == participant.id,
            OutboundMessage.recipient_role.in_(letters.CORRESPONDENTS),
            OutboundMessage.status.in_(SHOWN_STATUSES),
        )
    ).all()
    for message in messages:
        attached = [
            {"id": a.id, "name": a.original_filename, "size": describe_size(a.size)}
            for a in message.attachments
        ]
        files.update(a["id"] for a in attached)
        entries.append(
            {
                "at": message.sent_at or message.posted_at or message.created_at,
                "title": f"We wrote to you: {message.subject}",
                "text": (message.body or "").replace(case_links.MARKER, "(your personal link)"),
                "files": attached,
            }
        )
    for note in session.scalars(
        select(CaseNote).where(_case_condition(CaseNote, case), CaseNote.shared.is_(True))
    ).all():
        # Their own entries in their words; anything else staff chose to share.
        title = {
            "from_complainant": "You sent information",
            "withdrawal": "You withdrew it",
            "review_grounds": "You asked for an internal review",
        }.get(note.kind, "A note from us")
        entries.append({"at": note.recorded_at, "title": title, "text": note.summary, "files": []})
    inbound_files: dict[int, list] = {}
    for attachment in session.scalars(
        select(Attachment).where(
            _case_condition(Attachment, case), Attachment.uploaded_by_id.is_(None)
        )
    ).all():
        item = {
            "id": attachment.id,
            "name": attachment.original_filename,
            "size": describe_size(attachment.size),
        }
        if attachment.inbound_message_id is not None:
            inbound_files.setdefault(attachment.inbound_message_id, []).append(item)
            continue
        files.add(attachment.id)
        entries.append(
            {
                "at": attachment.uploaded_at,
                "title": "A document you sent",
                "text": attachment.note or "",
                "files": [item],
            }
        )
    for message in session.scalars(
        select(InboundMessage).where(
            _case_condition(InboundMessage, case),
            InboundMessage.participant_id == participant.id,
        )
    ).all():
        # Only mail from this very person: what someone else sent about it stays inside.
        attached = inbound_files.get(message.id, [])
        files.update(a["id"] for a in attached)
        entries.append(
            {
                "at": message.received_at,
                "title": f"You emailed us: {message.subject or '(no subject)'}",
                "text": message.body_text or "",
                "files": attached,
            }
        )
    for entry in entries:
        entry["when"] = _in_words(entry["at"], zone)
    entries.sort(key=lambda e: e["at"] or utcnow(), reverse=True)
    return entries, files


@dataclass
class Page:
    case: object
    noun: str
    reference: str
    summary: str
    received: str
    where: str
    next_steps: list[str] = field(default_factory=list)
    outcome: str | None = None
    outcome_reason: str | None = None
    contact_officer: str | None = None
    entries: list = field(default_factory=list)
    files: set = field(default_factory=set)
    may_add: bool = False
    may_withdraw: bool = False
    review: str | None = None  # "open", "late" or None
    review_due: str = ""
    late_request: LateReviewRequest | None = None
    late_decided: str = ""
    external: list[str] = field(default_factory=list)
    zone: str = ""


def page(session, opened: case_links.Opened, now: datetime | None = None) -> Page:
    now = now or utcnow()
    case = opened.case
    zone = localtime.case_timezone(case, localtime.settings_in_force())
    entries, files = shared_entries(session, case, opened.participant, zone)
    if isinstance(case, Ticket):
        built = Page(
            case=case,
            noun="ticket",
            reference=case.reference,
            summary=case.summary,
            received=_in_words(case.reported_at, zone),
            where=TICKET_WHERE.get(case.status, case.status),
            contact_officer=case.agent.display_name if case.agent is not None else None,
            entries=entries,
            files=files,
            may_add=may_add_information(case),
            zone=zone,
        )
        if case.first_response_at is None and case.first_response_due_at:
            built.next_steps.append(
                f"We will respond by {_in_words(case.first_response_due_at, zone)}."
            )
        if case.status not in ("resolved", "closed") and case.resolution_due_at:
            built.next_steps.append(
                f"We aim to resolve it by {_in_words(case.resolution_due_at, zone)}."
            )
        return built
    complaint = case
    noun = complaint.kind or "complaint"
    outcome = complaint.outcome
    built = Page(
        case=complaint,
        noun=noun,
        reference=complaint.reference,
        summary=complaint.summary,
        received=_in_words(complaint.received_at, zone),
        where=WHERE.get(complaint.status, complaint.status),
        outcome=outcome.name if outcome is not None else None,
        outcome_reason=complaint.outcome_reason if outcome is not None else None,
        contact_officer=(
            complaint.manager.display_name if complaint.manager is not None else None
        ),
        entries=entries,
        files=files,
        may_add=may_add_information(complaint),
        may_withdraw=may_withdraw(complaint),
        review=review_window(complaint, now),
        review_due=_day(complaint.review_request_due_at, zone),
        late_request=pending_late_request(session, complaint),
        zone=zone,
    )
    if outcome is not None and outcome.code == "withdrawn":
        built.where = "Withdrawn at your request."
    built.next_steps = _next_steps(complaint, zone, now)
    late = built.late_request
    if late is not None:
        if late.status == "pending":
            built.review = None
            built.late_decided = (
                f"You asked for an internal review on {_day(late.requested_at, zone)}, after "
                "the 20 business days for asking had passed. A complaints coordinator will "
                "decide whether to accept it, and you will see their answer here."
            )
        elif late.status == "declined":
            built.review = None
            built.late_decided = (
                f"Your late request for an internal review was declined on "
                f"{_day(late.decided_at, zone)}. Reasons: {late.decision_reason}"
            )
    built.external = _external(complaint, zone, now)
    return built


def _next_steps(complaint, zone, now) -> list[str]:
    status = complaint.status
    said = []
    if status == "received" and complaint.registration_due_at:
        said.append(
            "A complaints coordinator will enter it in our register by "
            f"{_in_words(complaint.registration_due_at, zone)}."
        )
    if (
        (complaint.kind or "complaint") == "complaint"
        and complaint.acknowledged_at is None
        and complaint.acknowledgement_due_at
        and status in ("registered", "under_assessment", "investigation")
    ):
        said.append(
            f"We will acknowledge it by {_in_words(complaint.acknowledgement_due_at, zone)}."
        )
    if status == "awaiting_complainant":
        said.append(
            "Send us the information we asked for with “Add information” below: our clock "
            "restarts when it arrives."
        )
    if status in workflow.WORKING_STATUSES | {"decided", "received"} and (
        complaint.resolution_due_at
    ):
        said.append(
            f"We aim to give you our response by {_in_words(complaint.resolution_due_at, zone)}."
        )
    if status == "internal_review":
        review = open_review(complaint)
        if review is not None and review.due_at:
            said.append(
                f"We aim to tell you the result of the review by {_in_words(review.due_at, zone)}."
            )
    window = review_window(complaint, now)
    if window == "open" and complaint.review_request_due_at:
        said.append(
            "If you are not satisfied with our response, you may ask for an internal review "
            f"until {_in_words(complaint.review_request_due_at, zone)}."
        )
    elif window == "late":
        said.append(
            "The 20 business days for asking for an internal review ended on "
            f"{_day(complaint.review_request_due_at, zone)}. You may still ask: a complaints "
            "coordinator decides whether to accept a late request."
        )
    return said


def _external(complaint, zone, now) -> list[str]:
    """Where the procedure allows, how to go to the external bodies, with the dates."""
    if (complaint.kind or "complaint") != "complaint" or complaint.status == "referred":
        return []
    if complaint.outcome is not None and complaint.outcome.code == "withdrawn":
        return []
    said = []
    if complaint.human_rights and complaint.human_rights_commissioner_from:
        start = complaint.human_rights_commissioner_from
        when = (
            "since" if now >= start else "from"
        ) + f" {_day(start, zone)} (45 business days after you made your complaint)"
        said.append(
            "Because your complaint involves your human rights, you may complain to the "
            f"Queensland Human Rights Commissioner {when} if you have not had an adequate "
            f"response. {HUMAN_RIGHTS_COMMISSION}."
        )
    state = steps.complaint_state(complaint)
    if state.internal_review_done:
        done = max(
            (r.completed_at for r in complaint.internal_reviews if r.status == "completed"),
            default=None,
        )
        on = f" on {_day(done, zone)}" if done is not None else ""
        said.append(
            f"Our internal review was completed{on}: if you remain dissatisfied, you may now "
            f"ask the Queensland Ombudsman for an external review. {OMBUDSMAN}."
        )
    elif complaint.finalised_at is not None:
        said.append(
            "Once our internal review is complete, if you remain dissatisfied, you may ask "
            f"the Queensland Ombudsman for an external review. {OMBUDSMAN}."
        )
    return said


def may_download(built: Page, attachment_id: int) -> bool:
    return attachment_id in built.files


# --- what the recipient may do ---------------------------------------------------------


def _clean(text: str | None, limit: int, what: str) -> str:
    text = (text or "").strip()
    if not text:
        raise RuleViolation(f"Write {what}.")
    if len(text) > limit:
        raise RuleViolation(f"Keep {what} under {limit:,} characters.")
    return text


def _target(case):
    """Where information from the page is filed: an open internal review, else the case."""
    if isinstance(case, Complaint):
        review = open_review(case)
        if review is not None:
            return review
    return case


def _resume(session, case, now) -> bool | str:
    """Resume the case's clock if it waits on the complainant or client (the workflow's
    resume step, as a reply by email does): True, False (not waiting), or why not."""
    kind = kinds.kind_of(case)
    waits = session.scalar(
        select(PauseStatus.resume_on_reply).where(
            PauseStatus.case_type == kind.name, PauseStatus.status == case.status
        )
    )
    if not waits:
        return False
    try:
        steps.STEPPERS[kind.name].take("resume", case, {}, PAGE_ACTOR, now)
    except steps.StepRefused as refused:
        # What they sent is kept all the same; the officer resumes the clock by hand.
        return f"The clock was not resumed: {refused}"
    return True


def tell_officer(session, case, subject: str, now: datetime, resumed: bool, key: str) -> bool:
    """Tell whoever answers for the case, as when a reply arrives by email: its officer,
    else the division's coordinators."""
    kind = kinds.kind_of(case)
    candidates = list(kind.officers(case))
    complaint = kind.complaint_of(case)
    if complaint is not None and complaint is not case:
        candidates += kinds.COMPLAINT.officers(complaint)
    told = _tell(session, case, candidates, subject, now, resumed, key, first_only=True)
    if told or complaint is None or complaint.coordinator_id is not None:
        return told
    coordinators = [
        ("coordinator", session.get(Participant, person_id))
        for person_id in sorted(division_coordinator_ids(complaint))
    ]
    return _tell(session, case, coordinators, subject, now, resumed, key, first_only=False)


def _tell(session, case, candidates, subject, now, resumed, key, *, first_only) -> bool:
    zone = localtime.case_timezone(case, localtime.settings_in_force())
    told = False
    for role, person in candidates:
        if person is None or recipient_refusal(case, role, person.id) is not None:
            continue
        values = {
            **case_values(case),
            "officer_name": person.display_name,
            "officer_role": letters.ROLES.get(role, role),
            "message_subject": subject,
            "received_at": letters.instant_in_words(now, zone),
            "clock_resumed": resumed,
        }
        # In the portal, and by the reply-received email when the officer keeps it.
        outcome = notifications.reply_arrived(
            session,
            case,
            role,
            person,
            title=f"{kinds.reference_of(case)}: {subject}",
            values=values,
            outbox_key=f"{letters.REPLY_RECEIVED}:{key}:{person.id}",
            key=key,
            now=now,
        )
        if outcome in ("queued", "duplicate", "no_address"):
            told = True
            if first_only:
                break
    return told


def add_information(
    session,
    opened: case_links.Opened,
    message: str,
    files: list[SentFile],
    folder: Path,
    now: datetime | None = None,
) -> dict:
    """File what the recipient sent from the page on the case (a shared entry and their
    documents), resume a clock waiting on them, tell the officer. All or nothing."""
    now = now or utcnow()
    case = opened.case
    if not may_add_information(case):
        raise RuleViolation("This case is finished: information can no longer be added here.")
    text = (message or "").strip()
    if len(text) > MESSAGE_LIMIT:
        raise RuleViolation(f"Keep your message under {MESSAGE_LIMIT:,} characters.")
    if not text and not files:
        raise RuleViolation("Write a message or choose a file to send.")
    target = _target(case)
    written: list[Path] = []
    try:
        summary = text or "Documents sent from the case page."
        if files:
            summary += "\n\nDocuments: " + ", ".join(safe_filename(f.filename) for f in files)
        note = notes.add(
            session, target, None, kind="from_complainant", summary=summary, shared=True
        )
        if files:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for sent in files:
            stored_name = secrets.token_hex(16)
            path = folder / stored_name
            write_new(path, sent.data)
            written.append(path)
            attachment = Attachment(
                original_filename=safe_filename(sent.filename),
                content_type=sent.kind.content_type,
                size=len(sent.data),
                sha256=hashlib.sha256(sent.data).hexdigest(),
                stored_name=stored_name,
                uploaded_at=now,
                note="Sent from the case page",
            )
            setattr(attachment, kinds.kind_of(target).name, target)
            session.add(attachment)
        resuming = _resume(session, target, now)
        resumed = resuming is True
        session.flush()
        # A person whose online contact is restricted: to the contact officer, warned.
        told = conduct.online_caught(
            session,
            target,
            "Information was added on the case's page",
            now,
            f"restricted_contact:case_page:{note.id}",
        ) or tell_officer(
            session,
            target,
            "Information added on the case's page",
            now,
            resumed,
            f"case_page:{note.id}",
        )
        words = "Information added by the complainant on the case's page"
        if files:
            words += f", with {len(files)} document{'s' if len(files) != 1 else ''}"
        words += "."
        if resumed:
            words += " The case was waiting on it: its clock resumed."
        elif resuming:
            words += f" {resuming}"
        if not told:
            words += " Nobody is assigned to be told."
        history.note(session, target, "case_page_information", words)
        opened.link.last_used_at = now
        session.commit()
    except BaseException:
        session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        raise
    return {"resumed": resumed, "told": told}


def withdraw(session, opened: case_links.Opened, words: str, now: datetime | None = None):
    """The complainant withdraws their complaint: the workflow's withdraw step, with their
    words as the reasons, and their words on the file."""
    now = now or utcnow()
    complaint = opened.case
    if not may_withdraw(complaint):
        raise RuleViolation("This complaint can no longer be withdrawn here.")
    words = _clean(words, WORDS_LIMIT, "why you are withdrawing it, in a few words")
    try:
        steps.COMPLAINT_STEPS.take("withdraw", complaint, {"reason": words}, PAGE_ACTOR, now)
        notes.add(session, complaint, None, kind="withdrawal", summary=words, shared=True)
        session.flush()
        tell_officer(
            session,
            complaint,
            "The complainant withdrew the complaint",
            now,
            False,
            f"withdrawal:{complaint.id}",
        )
        opened.link.last_used_at = now
        session.commit()
    except BaseException:
        session.rollback()
        raise


def request_review(
    session, opened: case_links.Opened, grounds: str, now: datetime | None = None
) -> str:
    """The complainant asks for an internal review: inside the window, registered there and
    then through the workflow (with its own clock); after it, a late request waiting for a
    coordinator. Returns "registered" or "late"."""
    now = now or utcnow()
    complaint = opened.case
    window = review_window(complaint, now) if isinstance(complaint, Complaint) else None
    pending = pending_late_request(session, complaint) if window else None
    if window is None or (pending is not None and pending.status in ("pending", "declined")):
        raise RuleViolation("An internal review cannot be asked for here now.")
    grounds = _clean(grounds, WORDS_LIMIT, "why you ask for a review")
    try:
        if window == "open":
            steps.COMPLAINT_STEPS.take("request_internal_review", complaint, {}, PAGE_ACTOR, now)
            session.flush()
            review = open_review(complaint)
            notes.add(session, review, None, kind="review_grounds", summary=grounds, shared=True)
            session.flush()
            tell_officer(
                session,
                review,
                "An internal review was asked for on the case's page",
                now,
                False,
                f"review:{review.id}",
            )
            result = "registered"
        else:
            late = LateReviewRequest(
                complaint=complaint, grounds=grounds, requested_at=now, status="pending"
            )
            session.add(late)
            notes.add(
                session, complaint, None, kind="review_grounds", summary=grounds, shared=True
            )
            history.note(
                session,
                complaint,
                "late_review_requested",
                "The complainant asked for an internal review on the case's page after the "
                "window had closed: waiting for a coordinator to accept or decline it.",
            )
            session.flush()
            tell_officer(
                session,
                complaint,
                "A late internal review request is waiting for a decision",
                now,
                False,
                f"late_review:{late.id}",
            )
            result = "late"
        opened.link.last_used_at = now
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return result


def decide_late_request(
    session, request: LateReviewRequest, user, accept: bool, reason: str, now=None
) -> str:
    """A coordinator accepts a late review request (the internal review is created through
    the workflow, its late reason recorded) or declines it with reasons. Commits."""
    now = now or utcnow()
    if request.status != "pending":
        raise RuleViolation("This late request has already been decided.")
    reason = " ".join((reason or "").split())
    if not reason:
        raise RuleViolation(
            "Give the reason the late request is accepted."
            if accept
            else "Give the reasons the late request is declined: the complainant sees them."
        )
    complaint = request.complaint
    try:
        if accept:
            steps.COMPLAINT_STEPS.take(
                "request_internal_review",
                complaint,
                {"late_reason": reason},
                steps.actor_of(user),
                now,
            )
            session.flush()
            request.internal_review = open_review(complaint)
            request.status = "accepted"
            words = f"Late internal review request accepted: {reason}"
        else:
            request.status = "declined"
            words = f"Late internal review request declined: {reason}"
            history.note(session, complaint, "late_review_declined", words)
        request.decided_at = now
        request.decided_by = user
        request.decision_reason = reason
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return words


def late_requests(session, condition=None) -> list[LateReviewRequest]:
    query = select(LateReviewRequest).order_by(LateReviewRequest.requested_at)
    if condition is not None:
        query = query.where(condition)
    return list(session.scalars(query).all())


REVIEW_OUTCOME_WORDS = REVIEW_OUTCOMES
