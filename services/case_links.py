"""Personal links to a case's own page, and the lost-link form's fresh links.

A link is a random token; only its SHA-256 hash is kept (`case_link.token_hash`), tied to
one case (a complaint, or a ticket) and one recipient (the complainant, the ticket's
contact or client organisation). The token itself exists only in the email it is sent in:
a letter is queued with a marker where the link goes (the outbox keeps that), and the
sender replaces the marker with a link made there and then (`personalise`). A link opens
the page until CASE_LINK_DAYS_AFTER_CLOSE days after the case is finalised or closed,
unless a coordinator revokes the case's links, or the recipient is no longer the case's.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import func, select, update

from models import (
    CaseLink,
    CaseLinkRequest,
    Complaint,
    InternalReview,
    OutboundMessage,
    Participant,
    Ticket,
    kinds,
    utcnow,
)
from rules import correspondence
from rules.values import is_email_address

from . import history, localtime
from .correspondence.letters import NO_NAME, case_values, config, portal_address

# Where the personal link goes in a letter queued in the outbox; the sender swaps it.
MARKER = "[your personal link to this case's page is added when the email is sent]"
# The page's path under PORTAL_URL.
PATH = "/case/"
TOKEN_BYTES = 32
# Ticket statuses after which its links start to run out.
TICKET_ENDED = frozenset({"resolved", "closed"})
COMPLAINT_ENDED = frozenset({"finalised", "closed", "referred"})


def hash_token(token: str) -> str:
    return hashlib.sha256((token or "").encode()).hexdigest()


def page_case(case):
    """The case whose page a message about `case` links to: a complaint (itself, or a
    review's), or a ticket; None for anything else."""
    if isinstance(case, InternalReview):
        return case.complaint
    if isinstance(case, (Complaint, Ticket)):
        return case
    return None


def recipient_of(case) -> Participant | None:
    """Whom the case's page belongs to: the complainant; a ticket's contact, else its
    client organisation."""
    if isinstance(case, Complaint):
        return case.complainant
    if isinstance(case, Ticket):
        return case.contact or case.client
    return None


def holds(case, participant_id) -> bool:
    if participant_id is None:
        return False
    if isinstance(case, Complaint):
        return case.complainant_id == participant_id
    if isinstance(case, Ticket):
        return participant_id in (case.contact_id, case.client_id)
    return False


def ended_at(case) -> datetime | None:
    """When the case was finalised or closed (its links' clock starts), None while open."""
    if isinstance(case, Complaint):
        if case.status not in COMPLAINT_ENDED:
            return None
        instants = [i for i in (case.finalised_at, case.closed_at) if i is not None]
    else:
        if case.status not in TICKET_ENDED:
            return None
        instants = [i for i in (case.resolved_at, case.closed_at) if i is not None]
    return max(instants) if instants else None


def expires_at(case, days: float | None = None) -> datetime | None:
    ended = ended_at(case)
    if ended is None:
        return None
    days = float(config("CASE_LINK_DAYS_AFTER_CLOSE") if days is None else days)
    return ended + timedelta(days=days)


def url_of(token: str) -> str:
    return f"{portal_address()}{PATH}{token}"


def mint(session, case, participant: Participant, now: datetime | None = None) -> str:
    """A new link to the case's page for the participant: the token (kept nowhere)."""
    case = page_case(case)
    if case is None or participant is None:
        raise ValueError("A personal link belongs to a complaint or a ticket, and a person.")
    token = secrets.token_urlsafe(TOKEN_BYTES)
    link = CaseLink(
        token_hash=hash_token(token),
        participant_id=participant.id,
        created_at=now or utcnow(),
    )
    if isinstance(case, Complaint):
        link.complaint_id = case.id
    else:
        link.ticket_id = case.id
    session.add(link)
    session.flush()
    return token


@dataclass(frozen=True)
class Opened:
    link: CaseLink
    case: object
    participant: Participant


def open_link(session, token: str | None, now: datetime | None = None) -> Opened | None:
    """The case a token opens, or None however it fails (unknown, tampered, revoked,
    expired, the recipient no longer the case's): the page says the same for each."""
    if not token or len(token) > 100:
        return None
    now = now or utcnow()
    link = session.scalar(select(CaseLink).where(CaseLink.token_hash == hash_token(token)))
    if link is None or link.revoked_at is not None:
        return None
    case = link.case
    if case is None or not holds(case, link.participant_id):
        return None
    expiry = expires_at(case)
    if expiry is not None and now >= expiry:
        return None
    return Opened(link, case, link.participant)


def links_of(session, case) -> list[CaseLink]:
    column = CaseLink.complaint_id if isinstance(case, Complaint) else CaseLink.ticket_id
    return list(
        session.scalars(select(CaseLink).where(column == case.id).order_by(CaseLink.id)).all()
    )


def revoke(session, case, user, now: datetime | None = None, reason: str = "") -> int:
    """Revoke every live link to the case's page (no commit); the history says who and
    why. Returns how many were revoked."""
    now = now or utcnow()
    column = CaseLink.complaint_id if isinstance(case, Complaint) else CaseLink.ticket_id
    count = session.execute(
        update(CaseLink)
        .where(column == case.id, CaseLink.revoked_at.is_(None))
        .values(revoked_at=now, revoked_by_id=user.id if user is not None else None)
    ).rowcount
    words = f"Personal links to the case's page revoked ({count})"
    reason = " ".join((reason or "").split())
    history.note(session, case, "case_links_revoked", words + (f": {reason}." if reason else "."))
    return count


# --- in letters ---------------------------------------------------------------------------


def contact_lines() -> list[str]:
    phone = str(config("DEPARTMENT_PHONE") or "").strip()
    email = str(config("DEPARTMENT_EMAIL") or "").strip()
    lines = []
    if phone:
        lines.append(f"Phone: {phone}")
    if email:
        lines.append(f"Email: {email}")
    return lines


def footer(case, role: str, has_person: bool, body: str) -> str:
    """What every letter to a complainant or client ends with: the personal link (when
    there is someone to link, and the body has not placed it) and how to reach us."""
    parts = []
    if (
        has_person
        and role in correspondence.CORRESPONDENTS
        and page_case(case) is not None
        and MARKER not in body
    ):
        kind = "ticket" if isinstance(page_case(case), Ticket) else "case"
        parts.append(
            f"See where your {kind} is up to, add information or documents, and more, on its "
            f"own page (a personal link: please do not share it):\n{MARKER}"
        )
    lines = contact_lines()
    if lines and not all(line.split(": ", 1)[1] in body for line in lines):
        parts.append("To contact us:\n" + "\n".join(lines))
    return ("\n\n" + "\n\n".join(parts) + "\n") if parts else ""


def personalise(
    session, message: OutboundMessage, now: datetime | None = None, body: str | None = None
) -> str:
    """The body as it is sent (`body`: as another step left it, else the outbox's): the
    marker replaced by a new personal link for this message's recipient (the token is in
    the email, its hash in case_link)."""
    if body is None:
        body = message.body or ""
    if MARKER not in body:
        return body
    case = page_case(message.case)
    person = session.get(Participant, message.participant_id) if message.participant_id else None
    if case is None or person is None or not holds(case, person.id):
        return body.replace(MARKER, printed_words())
    return body.replace(MARKER, url_of(mint(session, case, person, now)))


def printed_words() -> str:
    """What a letter carries instead of a personal link (on paper: nothing to click)."""
    return (
        f"ask for a link at {portal_address()}{PATH}lost with your reference number and the email "
        "address you gave us"
    )


def printed(body: str) -> str:
    """A letter's body on paper: no link to click, how to get one instead."""
    return (body or "").replace(MARKER, printed_words())


# --- the lost-link form ------------------------------------------------------------------


def normal_reference(reference: str | None) -> str:
    return "".join((reference or "").split()).upper()[:40]


def normal_email(email: str | None) -> str:
    return (email or "").strip().lower()[:200]


def day_start(now: datetime) -> datetime:
    """Midnight today in the portal's time zone, the day requests are counted in."""
    zone = localtime.zone(config("DISPLAY_TIMEZONE"))
    local = now.astimezone(zone)
    return local.replace(hour=0, minute=0, second=0, microsecond=0)


def _case_for(session, reference: str, email: str):
    """The complaint or ticket with this reference whose recipient has this address."""
    case = kinds.case_by_reference(session, reference)
    case = page_case(case) if case is not None else None
    if case is None or not is_email_address(email):
        return None, None
    person = recipient_of(case)
    if person is None or normal_email(person.email) != email:
        return None, None
    return case, person


def request_link(session, reference: str, email: str, now: datetime | None = None) -> bool:
    """Someone asks for a fresh link: when the reference and the email address it was
    lodged with match, and neither has been asked for more than CASE_LINK_REQUESTS_PER_DAY
    times today, a link is queued in the outbox. The answer on screen is the same either
    way; this returns whether one was queued (for the tests and the log). Commits."""
    now = now or utcnow()
    reference, email = normal_reference(reference), normal_email(email)
    email_hash = hash_token(email)
    since = day_start(now)
    per_day = int(config("CASE_LINK_REQUESTS_PER_DAY"))
    by_reference = session.scalar(
        select(func.count())
        .select_from(CaseLinkRequest)
        .where(CaseLinkRequest.reference == reference, CaseLinkRequest.requested_at >= since)
    )
    by_email = session.scalar(
        select(func.count())
        .select_from(CaseLinkRequest)
        .where(CaseLinkRequest.email_hash == email_hash, CaseLinkRequest.requested_at >= since)
    )
    request = CaseLinkRequest(reference=reference, email_hash=email_hash, requested_at=now)
    session.add(request)
    sent = False
    try:
        if by_reference < per_day and by_email < per_day:
            case, person = _case_for(session, reference, email)
            if case is not None:
                session.flush()
                sent = _queue_link(
                    session, case, person, f"{correspondence.CASE_LINK}:{request.id}", now
                )
        request.sent = sent
        session.commit()
    except BaseException:
        session.rollback()
        raise
    return sent


def send_fresh(session, case, user, now: datetime | None = None) -> str | None:
    """A coordinator emails the recipient a fresh link (after revoking the old ones, or
    when they phone for it); no commit. None when sent, else why not."""
    import secrets as _secrets

    now = now or utcnow()
    case = page_case(case)
    person = recipient_of(case) if case is not None else None
    if person is None:
        return "Nobody to send a link to: the case has no complainant or client recorded."
    if not is_email_address(normal_email(person.email)):
        return "No email address is recorded for them: tell them how to reach us instead."
    dedupe = f"{correspondence.CASE_LINK}:staff:{case.id}:{_secrets.token_hex(8)}"
    if not _queue_link(session, case, person, dedupe, now, by=user):
        return "The link could not be queued: they may not receive this case's mail."
    return None


def _queue_link(session, case, person, dedupe_key: str, now: datetime, by=None) -> bool:
    from .correspondence.outbox import queue

    role = (
        correspondence.COMPLAINANT
        if isinstance(case, Complaint)
        else ("client_contact" if person.id == case.contact_id else "client")
    )
    values = {
        **case_values(case),
        "recipient_name": person.display_name or NO_NAME,
        "case_link": MARKER,
    }
    outcome = queue(
        session,
        key=correspondence.CASE_LINK,
        case=case,
        role=role,
        person=person,
        dedupe_key=dedupe_key,
        values=values,
        now=now,
    )
    if outcome == "queued":
        words = "A fresh link to the case's page was queued to be emailed"
        words += f" by {by.username}." if by is not None else ", as they asked on the page."
        history.note(session, case, "case_link_requested", words)
    return outcome == "queued"
