""" "How it went": the satisfaction survey a complainant or client is invited to once their
complaint is finalised or their ticket resolved.

- On every flush (`after_flush`, beside the other letters): a complaint finalised or a
  ticket resolved, through whatever door, gets one invitation, and its email is queued in
  the outbox. The invitation's case columns are unique, so a case is invited once, however
  often it is finalised again or however many doors save it at once.
- When the outbox sends the email (`link_for_sending`): a fresh random token is made, only
  its SHA-256 hash is kept, and the link (from PORTAL_URL, never a request's Host) goes in
  the email as it leaves; the outbox row keeps a placeholder. The link works for
  SURVEY_VALID_DAYS days from then.
- The public page (`invitation_for`, `answer`): a token that is unknown, expired, or from
  before surveys were switched off finds nothing, and says nothing more. One answer per
  invitation: a unique constraint, so a form sent twice at once stores one row.

A survey is optional: nothing waits on it, and no step asks for it.
"""

from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import (
    Complaint,
    Participant,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
    changes_of,
    kinds,
    utcnow,
)
from rules import correspondence

from .correspondence.letters import (
    NO_NAME,
    case_values,
    config,
    portal_address,
    ticket_recipient,
)
from .correspondence.outbox import queue, record_on_case
from .correspondence.recipients import recipient_refusal, usable_address

# What the outbox row says where the link goes: the link itself exists only in the email.
LINK_PLACEHOLDER = "[The survey link is made when this email is sent]"
SURVEY_PATH = "/survey/"


class SurveyLinkUnavailable(Exception):
    """The link cannot be made (no portal address, surveys off, the invitation gone)."""


def enabled() -> bool:
    value = config("SURVEY_ENABLED", True)
    if isinstance(value, str):
        return value.strip().lower() in ("1", "true", "yes", "on")
    return bool(value)


def valid_days() -> float:
    return float(config("SURVEY_VALID_DAYS", 30))


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


# --- invitations, on every save ---------------------------------------------------------


def _newly_set(obj, name: str) -> bool:
    hist = changes_of(obj, name)
    if not hist.added or hist.added[0] is None:
        return False
    return not hist.deleted or hist.deleted[0] is None


def _finished(session) -> list[tuple]:
    """The cases this flush finished: (kind, case, when)."""
    found = []
    for obj in list(session.new) + list(session.dirty):
        if obj in session.deleted or getattr(obj, "id", None) is None:
            continue
        if isinstance(obj, Complaint):
            if (obj.kind or "complaint") == "complaint" and _newly_set(obj, "finalised_at"):
                found.append((kinds.COMPLAINT, obj, obj.finalised_at))
        elif isinstance(obj, Ticket) and _newly_set(obj, "resolved_at"):
            found.append((kinds.TICKET, obj, obj.resolved_at))
    return found


def recipient_of(case) -> tuple[str, Participant | None]:
    """Whom a case's survey goes to, as its letters do: (role, person)."""
    if isinstance(case, Ticket):
        return ticket_recipient(case)
    return correspondence.COMPLAINANT, kinds.related(case, Participant, case.complainant_id)


def _insert_invitation(connection, values: dict) -> int | None:
    """The new invitation's id; None when the case has one already (nothing raised)."""
    table = SurveyInvitation.__table__
    column = "complaint_id" if values.get("complaint_id") is not None else "ticket_id"
    dialect = connection.dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = (
            insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=[column])
            .returning(table.c.id)
        )
        return connection.execute(statement).scalar_one_or_none()
    found = connection.execute(select(table.c.id).where(table.c[column] == values[column])).first()
    if found is not None:
        return None
    return connection.execute(table.insert().values(**values)).inserted_primary_key[0]


def after_flush(session) -> None:
    """Invite the complainant or client of each case this flush finished, once per case."""
    finished = _finished(session)
    if not finished or not enabled():
        return
    now = utcnow()
    oldest = now - timedelta(days=float(config("MAIL_LETTER_MAX_AGE_DAYS")))
    connection = session.connection()
    with session.no_autoflush:
        for kind, case, finished_at in finished:
            # Finished long before it was entered (an import, the demo): nobody is asked.
            if finished_at is None or finished_at < oldest:
                continue
            role, person = recipient_of(case)
            # Only by email: the link is the survey. No address, or may not receive: no survey.
            if person is None or usable_address(person) is None:
                continue
            if recipient_refusal(case, role, person.id) is not None:
                continue
            invitation_id = _insert_invitation(
                connection,
                {
                    "case_kind": kind.name,
                    "complaint_id": case.id if kind is kinds.COMPLAINT else None,
                    "ticket_id": case.id if kind is kinds.TICKET else None,
                    "created_at": now,
                },
            )
            if invitation_id is None:
                continue
            values = case_values(case)
            values.update(
                recipient_name=(person.display_name or "").strip() or NO_NAME,
                survey_link=LINK_PLACEHOLDER,
                survey_valid_days=f"{valid_days():g}",
            )
            queue(
                session,
                key=correspondence.SURVEY_INVITATION,
                case=case,
                role=role,
                person=person,
                dedupe_key=f"{correspondence.SURVEY_INVITATION}:{kind.name}:{case.id}",
                values=values,
                now=now,
                connection=connection,
            )


# --- the link, made as the email leaves -------------------------------------------------


def _invitation_of_message(session, message) -> SurveyInvitation | None:
    if message.complaint_id is not None:
        condition = SurveyInvitation.complaint_id == message.complaint_id
    elif message.ticket_id is not None:
        condition = SurveyInvitation.ticket_id == message.ticket_id
    else:
        return None
    return session.scalar(select(SurveyInvitation).where(condition))


def link_for_sending(session, message, now: datetime) -> str:
    """The email body with a fresh survey link in place of the placeholder.

    Keeps only the new token's hash (a link sent before, by an attempt that failed, stops
    working) and commits it before the email goes, so the link works as soon as it
    arrives. Raises SurveyLinkUnavailable when no link can be made.
    """
    if not enabled():
        raise SurveyLinkUnavailable("Surveys are switched off (SURVEY_ENABLED).")
    base = portal_address()
    if not base:
        raise SurveyLinkUnavailable(
            "The portal's address is not set (PORTAL_URL): a survey link needs it."
        )
    invitation = _invitation_of_message(session, message)
    if invitation is None:
        raise SurveyLinkUnavailable("The case's survey invitation no longer exists.")
    token = secrets.token_urlsafe(32)
    invitation.token_hash = token_hash(token)
    invitation.expires_at = now + timedelta(days=valid_days())
    session.commit()
    link = f"{base}{SURVEY_PATH}{token}"
    body = message.body or ""
    if LINK_PLACEHOLDER in body:
        return body.replace(LINK_PLACEHOLDER, link)
    # An edited template left the link out: it goes at the end, or the email is no survey.
    return f"{body.rstrip()}\n\n{link}\n"


def mark_sent(session, message, sent_at: datetime) -> None:
    invitation = _invitation_of_message(session, message)
    if invitation is not None and invitation.sent_at is None:
        invitation.sent_at = sent_at
        # The link's days run from the email that carried it.
        invitation.expires_at = sent_at + timedelta(days=valid_days())


# --- the public page --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OpenSurvey:
    """What the survey page may show about the case: its kind and reference only."""

    invitation_id: int
    kind_noun: str
    reference: str
    answered: bool


def _well_formed(token: str) -> bool:
    return 20 <= len(token) <= 100 and all(c.isalnum() or c in "-_" for c in token)


def invitation_for(session, token: str, now: datetime | None = None) -> OpenSurvey | None:
    """The survey a link opens, or None: unknown, tampered with, expired, or surveys off."""
    if not enabled() or not _well_formed(token or ""):
        return None
    now = now or utcnow()
    invitation = session.scalar(
        select(SurveyInvitation).where(SurveyInvitation.token_hash == token_hash(token))
    )
    if invitation is None or invitation.expires_at is None or invitation.expires_at <= now:
        return None
    case = invitation.case
    if case is None:
        return None
    answered = session.scalar(
        select(SurveyResponse.id).where(SurveyResponse.invitation_id == invitation.id)
    )
    return OpenSurvey(
        invitation.id,
        "service-desk ticket" if invitation.ticket_id is not None else "complaint",
        case.reference or "",
        answered is not None,
    )


@dataclass(frozen=True, slots=True)
class Answers:
    satisfaction: int
    handled_in_time: bool
    fair: bool
    comment: str | None


def answer(session, survey: OpenSurvey, answers: Answers, now: datetime | None = None) -> bool:
    """Keep the answers; False when the invitation was answered already (nothing saved).

    The unique invitation on survey_response decides between two forms sent at once: the
    second insert fails, is rolled back, and is told it was answered already.
    """
    if not 1 <= answers.satisfaction <= 5:
        raise ValueError("Satisfaction is a score from 1 to 5.")
    now = now or utcnow()
    invitation = session.get(SurveyInvitation, survey.invitation_id)
    response = SurveyResponse(
        invitation_id=survey.invitation_id,
        satisfaction=answers.satisfaction,
        handled_in_time=answers.handled_in_time,
        fair=answers.fair,
        comment=(answers.comment or "").strip() or None,
        answered_at=now,
    )
    try:
        session.add(response)
        session.flush()
        kind = kinds.COMPLAINT if invitation.complaint_id is not None else kinds.TICKET
        summary = (
            f"Satisfaction survey answered: {answers.satisfaction} of 5; handled in time: "
            f"{'yes' if answers.handled_in_time else 'no'}; fair: "
            f"{'yes' if answers.fair else 'no'}."
        )
        if response.comment:
            summary += f" Comment: {response.comment}"
        record_on_case(session.connection(), kind.name, invitation.case.id, summary)
        session.commit()
    except IntegrityError:
        session.rollback()
        return False
    return True
