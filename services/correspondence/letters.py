"""Letters and reminders: queued on save, sent once by `flask mail send-due`.

Queueing. Whatever door changes a complaint (a form, a workflow step, the public
lodgement form, a command), the flush runs `after_flush`: a complaint created (or
registered), acknowledged or finalised queues its letter to the complainant, rendered
there and then from its template. Each letter has a dedupe key, unique in the outbox, so
the same letter is never queued twice. A complainant with no email address gets an
outbox row marked "no address", and the case's history says so.

Reminders. `queue_reminders` (run by `flask mail send-due` first) queues a reminder to the
officer of each open due instant within the lead time, and another once it has passed,
each once per due instant and officer.

Who may receive. `recipient_refusal` is the one place that decides whether a message may
go to its recipient: a confidential complaint's correspondence goes to the complainant and
its assigned officers only. It is asked when a message is queued and again just before
it is sent.

Sending, exactly once with several senders. A sender claims a few queued messages in a
short transaction (PostgreSQL: SELECT ... FOR UPDATE SKIP LOCKED, then marks them
`sending`; SQLite: a conditional UPDATE per message, checked by its row count), sends
them, then marks each `sent` in its own transaction. A message is only ever claimed by
one sender. A sender that dies after the mail server accepted a message and before it
was marked sent leaves it `sending`: it is reported, and sent again only on request
(`--requeue-stuck`), with the same Message-ID so that a duplicate can be recognised.
"""

import hashlib
import json
import logging
import os
import re
import smtplib
import socket
import ssl
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr

from sqlalchemy import func, inspect, or_, select, update
from sqlalchemy.orm import object_session

import settings
from models import (
    Calendar,
    Complaint,
    Division,
    HistoryEntry,
    InternalReview,
    MailTemplate,
    OutboundMessage,
    Outcome,
    Participant,
    User,
    kinds,
    utcnow,
)
from rules import correspondence as rules
from rules.clock import Unit
from rules.errors import RuleViolation
from rules.vocabulary import (
    REVIEW_OUTCOMES,
)

from .. import history, intake, localtime

log = logging.getLogger(__name__)

# How many messages a sender claims at a time: small, so that several senders share.
CLAIM_BATCH = 10
SIMPLE_ADDRESS = re.compile(r"[^@\s<>]+@[^@\s<>]+\.[^@\s<>]+")
NO_NAME = "Sir or Madam"


def config(name, default=None):
    """A setting of the running application (settings.py's default outside one, or where
    it is set empty)."""
    if settings.DEFAULTS.get(name) is not None:
        default = settings.DEFAULTS[name]
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - flask is always installed with the app
        return default
    if has_app_context():
        value = current_app.config.get(name)
        return default if value in (None, "") else value
    return default


# --- what a letter says -----------------------------------------------------------------


def _name(person: Participant | None) -> str:
    return person.display_name if person is not None else ""


_by_id = kinds.related


def complainant_name(complaint: Complaint) -> str:
    person = _by_id(complaint, Participant, complaint.complainant_id)
    if person is None or not (person.given_name or person.family_name or person.organisation_name):
        return NO_NAME
    return person.display_name


def complaint_values(complaint: Complaint, *, hide_complainant: bool = False) -> dict:
    tz = localtime.case_timezone(complaint, localtime.settings_in_force())
    division = _by_id(complaint, Division, complaint.division_id)
    outcome = _by_id(complaint, Outcome, complaint.outcome_id)
    awaiting = intake.awaits_a_coordinator(complaint, utcnow())
    return {
        "reference": complaint.reference or "",
        "kind": complaint.kind or "complaint",
        "summary": complaint.summary or "",
        "received_on": rules.day_in_words(complaint.received_at, tz),
        "division": division.name if division is not None else "",
        "sender_name": config("MAIL_SENDER_NAME"),
        "complainant_name": history.MASK if hide_complainant else complainant_name(complaint),
        "manager_name": _name(_by_id(complaint, Participant, complaint.manager_id)),
        "decision_maker_name": _name(_by_id(complaint, Participant, complaint.decision_maker_id)),
        # Until a coordinator takes it up, the dates the lodgement confirmation promised.
        "registration_due": rules.instant_in_words(
            complaint.registration_due_at if awaiting else None, tz
        ),
        "acknowledgement_due": rules.instant_in_words(
            intake.promised_acknowledgement_due(object_session(complaint), complaint)
            if awaiting
            else complaint.acknowledgement_due_at,
            tz,
        ),
        "resolution_due": rules.instant_in_words(complaint.resolution_due_at, tz),
        "outcome": outcome.name if outcome is not None else "",
        "outcome_reason": complaint.outcome_reason or "",
        "finalised_on": rules.day_in_words(complaint.finalised_at, tz),
        "review_request_due": rules.day_in_words(complaint.review_request_due_at, tz),
        "human_rights": bool(complaint.human_rights),
        "human_rights_commissioner_from": rules.day_in_words(
            complaint.human_rights_commissioner_from, tz
        ),
    }


def portal_link(case_type: str, case_id) -> str:
    base = str(config("PORTAL_URL", "") or "").rstrip("/")
    if not base:
        try:
            from flask import has_request_context, request

            if has_request_context():
                base = request.url_root.rstrip("/")
        except ImportError:  # pragma: no cover
            pass
    return base + kinds.by_name(case_type).page_of(case_id)


def case_values(case) -> dict:
    """The common values of any case: complaint, ticket or internal review."""
    case_type = kinds.kind_of(case).name
    if case_type == "complaint":
        values = complaint_values(case)
    elif case_type == "ticket":
        tz = localtime.case_timezone(case, localtime.settings_in_force())
        values = {
            "reference": case.reference or "",
            "kind": "ticket",
            "summary": case.summary or "",
            "received_on": rules.day_in_words(case.reported_at, tz),
            "division": _name(_by_id(case, Participant, case.client_id)),
            "sender_name": config("MAIL_SENDER_NAME"),
        }
    else:
        complaint = case.complaint
        values = complaint_values(complaint)
        values["kind"] = "internal review"
        values["received_on"] = rules.day_in_words(
            case.requested_at, localtime.case_timezone(case, localtime.settings_in_force())
        )
    values["portal_link"] = portal_link(case_type, case.id)
    return values


def template_for(session, key: str) -> tuple[str, str]:
    """(subject, body) as administrators left it, or the wording the portal ships with."""
    with session.no_autoflush:
        row = session.execute(
            select(MailTemplate.subject, MailTemplate.body).where(MailTemplate.key == key)
        ).first()
    return (row.subject, row.body) if row is not None else rules.DEFAULT_TEMPLATES[key]


def render_letter(session, key: str, values: dict) -> tuple[rules.Rendered, str | None]:
    """The message, and a note when the edited template failed and the default was used."""
    wanted = {name: values.get(name, "") for name in rules.VARIABLES[key]}
    subject, body = template_for(session, key)
    try:
        return rules.render(key, subject, body, wanted), None
    except rules.TemplateRefused as error:
        subject, body = rules.DEFAULT_TEMPLATES[key]
        note = f"The edited template could not be used ({error}); the default wording was."
        return rules.render(key, subject, body, wanted), note


# --- who may receive --------------------------------------------------------------------


def complaint_of(message_or_case):
    kind = kinds.find_kind(message_or_case)
    if kind is not None:
        return kind.complaint_of(message_or_case)
    if isinstance(message_or_case, OutboundMessage):
        if message_or_case.complaint is not None:
            return message_or_case.complaint
        if message_or_case.internal_review is not None:
            return message_or_case.internal_review.complaint
    return None


def holds_role(case, role: str, participant_id) -> bool:
    """Whether the participant is, now, the case's complainant, manager, reviewer, ..."""
    kind = kinds.find_kind(case)
    if participant_id is None or kind is None:
        return False
    complaint = kind.complaint_of(case)
    if complaint is not case:
        # A ticket's agent, a review's reviewer; else the part held on the review's complaint.
        column = dict(kind.officer_roles).get(role)
        if column is not None:
            return getattr(case, column) == participant_id
        case = complaint
    if case is None:
        return False
    if role == "internal_reviewer":
        return any(review.reviewer_id == participant_id for review in case.internal_reviews)
    column = {
        rules.COMPLAINANT: "complainant_id",
        "complaint_manager": "manager_id",
        "decision_maker": "decision_maker_id",
        "coordinator": "coordinator_id",
    }.get(role)
    return column is not None and getattr(case, column) == participant_id


def recipient_refusal(case, role: str, participant_id) -> str | None:
    """Why this person may not receive this case's correspondence, or None if they may.

    The one place the rule is enforced: asked when a message is queued and before it is
    sent. A confidential complaint's correspondence goes only to its complainant and its
    assigned officers (manager, decision maker, internal reviewer); anyone else, and
    anyone who no longer holds the part they were written to in, is refused.
    """
    complaint = complaint_of(case)
    confidential = bool(complaint is not None and complaint.confidential)
    if not rules.may_receive(confidential=confidential, role=role):
        return (
            "The complaint is confidential: its correspondence goes only to the complainant "
            f"and the officers assigned to it, not to its {rules.ROLES.get(role, role)}."
        )
    if not holds_role(case, role, participant_id):
        return f"The recipient is no longer the case's {rules.ROLES.get(role, role)}."
    return None


def usable_address(person: Participant | None) -> str | None:
    address = (person.email or "").strip() if person is not None else ""
    return address if SIMPLE_ADDRESS.fullmatch(address) else None


# --- the outbox -------------------------------------------------------------------------


def _insert_ignoring_duplicates(connection, values: dict) -> int | None:
    """Insert an outbox row; None when its dedupe key is already there (nothing raised)."""
    table = OutboundMessage.__table__
    dialect = connection.dialect.name
    if dialect in ("postgresql", "sqlite"):
        if dialect == "postgresql":
            from sqlalchemy.dialects.postgresql import insert
        else:
            from sqlalchemy.dialects.sqlite import insert
        statement = (
            insert(table)
            .values(**values)
            .on_conflict_do_nothing(index_elements=["dedupe_key"])
            .returning(table.c.id)
        )
        return connection.execute(statement).scalar_one_or_none()
    found = connection.execute(
        select(table.c.id).where(table.c.dedupe_key == values["dedupe_key"])
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


def case_type_of(case) -> str:
    return kinds.kind_of(case).name


def case_links(case) -> dict:
    return kinds.kind_of(case).links(case)


def recipient_words(role: str, name: str | None, address: str | None, case) -> str:
    """How the history names a recipient: never a confidential complainant's address."""
    if role == rules.COMPLAINANT:
        complaint = complaint_of(case)
        if address and complaint is not None and not complaint.confidential:
            return f"the complainant at {address}"
        return "the complainant"
    return f"{name}, {rules.ROLES.get(role, role)}" if name else f"the {rules.ROLES[role]}"


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
    noun = rules.TEMPLATE_NOUNS[key]
    person_id = person.id if person is not None else None
    refusal = recipient_refusal(case, role, person_id) if person is not None else None
    if refusal is not None:
        # Nothing about the case goes to someone who may not have it: not even a row.
        log.info("%s for %s %s withheld: %s", noun, case_type, case.id, refusal)
        return "withheld"
    address = usable_address(person)
    rendered, note = render_letter(session, key, values)
    user_id = None
    if person is not None and role != rules.COMPLAINANT:
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
        "body": rendered.body,
        "status": rules.QUEUED if address else rules.NO_ADDRESS,
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
    subject = "The complainant" if role == rules.COMPLAINANT else who
    record_on_case(
        connection,
        case_type,
        case.id,
        f"{noun} not sent: no address. {subject[0].upper()}{subject[1:]} {reason}.",
    )
    return "no_address"


# --- letters, on every save -------------------------------------------------------------


def _newly_set(state, name: str) -> bool:
    hist = state.attrs[name].history
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
        letters.append((rules.REGISTERED, f"{rules.REGISTERED}:complaint:{complaint.id}", event))
    if _newly_set(state, "acknowledged_at"):
        letters.append(
            (
                rules.ACKNOWLEDGED,
                f"{rules.ACKNOWLEDGED}:complaint:{complaint.id}",
                complaint.acknowledged_at,
            )
        )
    if (complaint.kind or "complaint") == "complaint" and _newly_set(state, "finalised_at"):
        # Reopened and finalised again: a new outcome, a new letter.
        key = f"{rules.OUTCOME}:complaint:{complaint.id}:{_instant_key(complaint.finalised_at)}"
        letters.append((rules.OUTCOME, key, complaint.finalised_at))
    return letters


def review_letters_for(review: InternalReview, is_new: bool, now: datetime) -> list[tuple]:
    """A new internal review request: the complainant is told it is registered; a completed
    review: they are told its result and the external review open to them."""
    letters = []
    if is_new:
        letters.append(
            (
                rules.REVIEW_REQUESTED,
                f"{rules.REVIEW_REQUESTED}:internal_review:{review.id}",
                review.requested_at or now,
            )
        )
    if review.status == "completed" and _newly_set(inspect(review), "completed_at"):
        letters.append(
            (
                rules.REVIEW_OUTCOME,
                f"{rules.REVIEW_OUTCOME}:internal_review:{review.id}",
                review.completed_at,
            )
        )
    return letters


def review_values(review: InternalReview) -> dict:
    complaint = _by_id(review, Complaint, review.complaint_id)
    tz = localtime.case_timezone(complaint, localtime.settings_in_force())
    return {
        **complaint_values(complaint),
        "requested_on": rules.day_in_words(review.requested_at, tz),
        "review_due": rules.instant_in_words(review.due_at, tz),
        "review_outcome": REVIEW_OUTCOMES.get(review.outcome or "", review.outcome or ""),
        "review_findings": review.findings or "",
        "reviewed_on": rules.day_in_words(review.completed_at, tz),
        "referred_back": review.outcome == "referred_back",
    }


def after_flush(session) -> None:
    """Queue the letters owed by the complaints this flush created or moved on."""
    new = set(map(id, session.new))
    saved = [
        (kind, obj)
        for kind, obj in ((kinds.find_kind(o), o) for o in list(session.new) + list(session.dirty))
        if kind is not None and obj.id is not None and obj not in session.deleted
    ]
    complaints = [obj for kind, obj in saved if kind is kinds.COMPLAINT]
    reviews = [obj for kind, obj in saved if kind is kinds.INTERNAL_REVIEW and obj.complaint_id]
    if not complaints and not reviews:
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
                queue(
                    session,
                    key=key,
                    case=complaint,
                    role=rules.COMPLAINANT,
                    person=_by_id(complaint, Participant, complaint.complainant_id),
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
                queue(
                    session,
                    key=key,
                    case=review,
                    role=rules.COMPLAINANT,
                    person=_by_id(complaint, Participant, complaint.complainant_id),
                    dedupe_key=dedupe_key,
                    values=review_values(review),
                    now=now,
                    connection=connection,
                )


# --- reminders --------------------------------------------------------------------------

# (kind of case, due field, done field, label): the obligations officers are reminded of.
REMINDED_DUES = (
    (kinds.COMPLAINT, "registration_due_at", "registered_at", "Entered in the register"),
    (kinds.COMPLAINT, "acknowledgement_due_at", "acknowledged_at", "Complainant acknowledged"),
    (kinds.COMPLAINT, "resolution_due_at", "finalised_at", "Resolved (response given)"),
    (kinds.TICKET, "first_response_due_at", "first_response_at", "First response"),
    (kinds.TICKET, "resolution_due_at", "resolved_at", "Resolution"),
    (kinds.INTERNAL_REVIEW, "due_at", "completed_at", "Internal review resolved"),
)


def officers_of(case) -> list[tuple[str, Participant | None]]:
    """Who is reminded of a case's dues, in order of preference: (role, person)."""
    return kinds.kind_of(case).officers(case)


@dataclass
class ReminderReport:
    queued: int = 0
    no_address: int = 0
    nobody: int = 0  # no officer who may receive it


def _reminder_horizon(session, clocks, now: datetime, lead: timedelta) -> datetime:
    """The latest due instant that can be within the lead time on any calendar."""
    horizon = now
    for calendar_id in session.scalars(select(Calendar.id)):
        try:
            engine = clocks.engine(calendar_id)
        except RuleViolation:
            continue
        minutes = int(lead.total_seconds() // 60)
        reach = engine.due(now, minutes, Unit.BUSINESS_MINUTES) if minutes else now
        horizon = max(horizon, engine.next_opening(reach))
    return horizon


def queue_reminders(session, now: datetime | None = None) -> ReminderReport:
    """Queue reminders of open dues within the lead time, and of dues just passed."""
    from ..clocks import Clocks

    now = now or utcnow()
    report = ReminderReport()
    lead = timedelta(hours=float(config("REMINDER_LEAD_BUSINESS_HOURS")))
    passed_since = now - timedelta(days=float(config("REMINDER_PASSED_WITHIN_DAYS")))
    clocks = Clocks(session)
    horizon = _reminder_horizon(session, clocks, now, lead) if lead else now
    for kind, due_field, done_field, label in REMINDED_DUES:
        model, case_type = kind.model, kind.name
        due_column = getattr(model, due_field)
        cases = session.scalars(
            select(model).where(
                due_column.is_not(None),
                due_column >= passed_since,
                due_column <= horizon,
                getattr(model, done_field).is_(None),
                model.status.not_in(kind.closed_statuses),
                model.paused_since.is_(None),
            )
        ).all()
        for case in cases:
            due = getattr(case, due_field)
            if due <= now:
                key, time_left = rules.DUE_PASSED, ""
            else:
                try:
                    engine = clocks.engine(clocks.calendar_id_of(case))
                except RuleViolation:
                    continue
                left = engine.business_time_between(now, due)
                if left > lead:
                    continue
                key, time_left = rules.DUE_REMINDER, rules.business_time_in_words(left)
            _remind(session, report, case, case_type, key, due_field, label, due, time_left)
    session.commit()
    return report


def _remind(session, report, case, case_type, key, due_field, label, due, time_left):
    tz = localtime.case_timezone(case, localtime.settings_in_force())
    for role, person in officers_of(case):
        if person is None:
            continue
        if recipient_refusal(case, role, person.id) is not None:
            continue
        values = {
            **case_values(case),
            "officer_name": person.display_name,
            "officer_role": rules.ROLES[role],
            "due_label": label,
            "due_at": rules.instant_in_words(due, tz),
            "time_left": time_left,
        }
        dedupe_key = f"{key}:{case_type}:{case.id}:{due_field}:{_instant_key(due)}:{person.id}"
        outcome = queue(
            session,
            key=key,
            case=case,
            role=role,
            person=person,
            dedupe_key=dedupe_key,
            values=values,
        )
        if outcome == "queued":
            report.queued += 1
        elif outcome == "no_address":
            report.no_address += 1
        return
    report.nobody += 1


# --- sending ----------------------------------------------------------------------------


@dataclass(frozen=True)
class MailSettings:
    server: str | None
    port: int
    username: str | None
    password: str | None
    use_tls: bool
    use_ssl: bool
    sender: str | None
    timeout: float
    max_attempts: int
    retry_minutes: float
    sending_timeout: timedelta

    @classmethod
    def from_config(cls) -> "MailSettings":
        def flag(name):
            value = config(name, False)
            return value if isinstance(value, bool) else str(value).lower() in ("1", "true", "yes")

        return cls(
            server=config("MAIL_SERVER") or None,
            port=int(config("MAIL_PORT")),
            username=config("MAIL_USERNAME") or None,
            password=config("MAIL_PASSWORD") or None,
            use_tls=flag("MAIL_USE_TLS"),
            use_ssl=flag("MAIL_USE_SSL"),
            sender=config("MAIL_FROM") or None,
            timeout=float(config("MAIL_TIMEOUT_SECONDS")),
            max_attempts=max(1, int(config("MAIL_MAX_ATTEMPTS"))),
            retry_minutes=float(config("MAIL_RETRY_MINUTES")),
            sending_timeout=timedelta(minutes=float(config("MAIL_SENDING_TIMEOUT_MINUTES"))),
        )

    def problem(self) -> str | None:
        """What stops mail being sent, in the words of the settings to change."""
        if not self.server:
            return "Mail is not configured: set MAIL_SERVER (and MAIL_FROM)."
        if not self.sender or "@" not in parseaddr(self.sender)[1]:
            return "Mail is not configured: set MAIL_FROM to the address letters come from."
        if self.use_tls and self.use_ssl:
            return "Set MAIL_USE_TLS or MAIL_USE_SSL, not both."
        return None


def message_id(message: OutboundMessage, sender: str | None) -> str:
    """The same Message-ID for the same outbox row, whichever sender sends it, however often."""
    domain = parseaddr(sender or "")[1].rpartition("@")[2] or "complaints-portal.invalid"
    seed = f"{message.dedupe_key}|{message.created_at.isoformat() if message.created_at else ''}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:16]
    return f"<outbox.{message.id}.{digest}@{domain}>"


def email_for(message: OutboundMessage, address: str, settings: MailSettings) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = formataddr((" ".join((message.recipient_name or "").split()), address))
    email["Subject"] = " ".join(message.subject.split())
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message_id(message, settings.sender)
    if message.recipient_role != rules.COMPLAINANT:
        email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body)
    return email


class Postman:
    """One SMTP connection for a run, opened when the first message goes."""

    def __init__(self, settings: MailSettings):
        self.settings = settings
        self.smtp = None

    def _connect(self):
        s = self.settings
        if s.use_ssl:
            smtp = smtplib.SMTP_SSL(
                s.server, s.port, timeout=s.timeout, context=ssl.create_default_context()
            )
        else:
            smtp = smtplib.SMTP(s.server, s.port, timeout=s.timeout)
            if s.use_tls:
                smtp.starttls(context=ssl.create_default_context())
        if s.username:
            smtp.login(s.username, s.password or "")
        return smtp

    def send(self, email: EmailMessage) -> None:
        if self.smtp is None:
            self.smtp = self._connect()
        try:
            self.smtp.send_message(email)
        except (smtplib.SMTPServerDisconnected, OSError):
            self.close()
            raise

    def close(self):
        if self.smtp is not None:
            try:
                self.smtp.quit()
            except (smtplib.SMTPException, OSError):
                pass
            self.smtp = None


def permanent(error: Exception) -> bool:
    """A refusal the mail server will give again (5xx for this message): no retry."""
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in error.recipients.values()]
        return bool(codes) and all(code >= 500 for code in codes)
    if isinstance(error, smtplib.SMTPAuthenticationError):
        return False  # the settings are wrong, not the message
    if isinstance(error, smtplib.SMTPResponseException):
        return error.smtp_code >= 500
    return False


def server_down(error: Exception) -> bool:
    """A failure of the connection or the account, not of one message: stop the run."""
    return isinstance(
        error,
        smtplib.SMTPServerDisconnected
        | smtplib.SMTPConnectError
        | smtplib.SMTPAuthenticationError
        | smtplib.SMTPHeloError
        | smtplib.SMTPNotSupportedError
        | OSError,
    )


def _decoded(text) -> str:
    return text.decode(errors="replace") if isinstance(text, bytes) else str(text)


def error_text(error: Exception) -> str:
    if isinstance(error, smtplib.SMTPRecipientsRefused):
        parts = [
            f"{address}: {code} {_decoded(text)}"
            for address, (code, text) in error.recipients.items()
        ]
        return "The mail server refused the recipient: " + "; ".join(parts)
    if isinstance(error, smtplib.SMTPResponseException):
        return f"The mail server answered {error.smtp_code}: {_decoded(error.smtp_error)}"
    if isinstance(error, socket.timeout | TimeoutError):
        return "The mail server did not answer in time."
    if isinstance(error, OSError):
        return f"The mail server could not be reached: {error}"
    return f"{type(error).__name__}: {error}"


def default_worker() -> str:
    return f"{socket.gethostname()}:{os.getpid()}"


@dataclass
class SendReport:
    sent: int = 0
    retrying: int = 0
    failed: int = 0
    withheld: int = 0
    no_address: int = 0
    stuck: int = 0
    requeued: int = 0
    errors: list = field(default_factory=list)


def claim(session, worker: str, limit: int, now: datetime) -> list[int]:
    """Take up to `limit` queued messages for this sender alone; committed at once."""
    table = OutboundMessage.__table__
    ready = select(table.c.id).where(
        table.c.status == rules.QUEUED,
        or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
    )
    ready = ready.order_by(table.c.next_attempt_at, table.c.id).limit(limit)
    taken = {
        "status": rules.SENDING,
        "claimed_by": worker,
        "claimed_at": now,
        "attempts": table.c.attempts + 1,
    }
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(ready.with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(table).where(table.c.id.in_(ids)).values(**taken))
    else:
        ids = []
        for candidate in list(session.scalars(ready)):
            result = session.execute(
                update(table)
                .where(table.c.id == candidate, table.c.status == rules.QUEUED)
                .values(**taken)
            )
            if result.rowcount == 1:
                ids.append(candidate)
    session.commit()
    return ids


def _finish(session, message_id_, worker, values) -> bool:
    """Move a claimed message on, if it is still this sender's; False if it was not."""
    table = OutboundMessage.__table__
    result = session.execute(
        update(table)
        .where(
            table.c.id == message_id_,
            table.c.status == rules.SENDING,
            table.c.claimed_by == worker,
        )
        .values(**values)
    )
    return result.rowcount == 1


def _case_of(message: OutboundMessage):
    if message.internal_review_id is not None:
        return message.internal_review
    if message.ticket_id is not None:
        return message.ticket
    return message.complaint


def stuck_messages(session, settings: MailSettings, now: datetime):
    table = OutboundMessage.__table__
    return select(table.c.id).where(
        table.c.status == rules.SENDING, table.c.claimed_at < now - settings.sending_timeout
    )


def requeue_stuck(session, settings: MailSettings, now: datetime | None = None) -> int:
    """Put messages left `sending` by a sender that stopped back in the queue.

    The mail server may have accepted them before the sender stopped: the recipient can
    then get one twice, with the same Message-ID.
    """
    now = now or utcnow()
    table = OutboundMessage.__table__
    result = session.execute(
        update(table)
        .where(table.c.id.in_(stuck_messages(session, settings, now)))
        .values(
            status=rules.QUEUED,
            next_attempt_at=now,
            last_error="Its sender stopped while sending it: queued again by request "
            "(the recipient may get it twice, with the same Message-ID).",
        )
    )
    session.commit()
    return result.rowcount


def send_due(
    session,
    settings: MailSettings | None = None,
    *,
    worker: str | None = None,
    limit: int | None = None,
    now: datetime | None = None,
    postman: Postman | None = None,
) -> SendReport:
    """Send the queued messages that are due, at most `limit`; each exactly once."""
    settings = settings or MailSettings.from_config()
    worker = worker or default_worker()
    report = SendReport()
    clock = (lambda: now) if now is not None else utcnow
    report.stuck = session.scalar(
        select(func.count()).select_from(stuck_messages(session, settings, clock()).subquery())
    )
    postman = postman or Postman(settings)
    handled = 0
    try:
        while limit is None or handled < limit:
            batch = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - handled)
            ids = claim(session, worker, batch, clock())
            if not ids:
                break
            handled += len(ids)
            messages = session.scalars(
                select(OutboundMessage).where(OutboundMessage.id.in_(ids))
            ).all()
            down = None
            for message in sorted(messages, key=lambda m: m.id):
                if down is not None:
                    _failed(session, message, worker, down, settings, clock(), report)
                    continue
                down = _send_one(session, postman, message, worker, settings, clock, report)
            session.expire_all()
            if down is not None:
                report.errors.append(error_text(down))
                break
    finally:
        postman.close()
    return report


def _send_one(session, postman, message, worker, settings, clock, report):
    """Send one claimed message; returns the error if the server itself is failing."""
    case = _case_of(message)
    refusal = (
        recipient_refusal(case, message.recipient_role, message.participant_id)
        if case is not None
        else "The case it was about no longer exists."
    )
    person = session.get(Participant, message.participant_id) if message.participant_id else None
    address = usable_address(person) if person is not None else message.recipient_address
    noun = rules.TEMPLATE_NOUNS.get(message.template_key, "Message")
    case_type = case_type_of(case) if case is not None else None
    if refusal is not None:
        if _finish(session, message.id, worker, {"status": rules.WITHHELD, "last_error": refusal}):
            if case is not None:
                record_on_case(
                    session.connection(), case_type, case.id, f"{noun} withheld: {refusal}"
                )
            report.withheld += 1
        session.commit()
        return None
    if address is None:
        values = {"status": rules.NO_ADDRESS, "last_error": "The recipient has no email address."}
        if _finish(session, message.id, worker, values):
            report.no_address += 1
        session.commit()
        return None
    try:
        postman.send(email_for(message, address, settings))
    except (smtplib.SMTPException, OSError) as error:
        _failed(session, message, worker, error, settings, clock(), report)
        return error if server_down(error) else None
    sent_at = clock()
    done = _finish(
        session,
        message.id,
        worker,
        {"status": rules.SENT, "sent_at": sent_at, "recipient_address": address},
    )
    if done:
        who = recipient_words(message.recipient_role, message.recipient_name, address, case)
        record_on_case(
            session.connection(),
            case_type,
            case.id,
            f"{noun} sent to {who}: {message.subject}",
            {"message": [None, message.id]},
        )
        report.sent += 1
    session.commit()
    return None


def _failed(session, message, worker, error, settings, now, report):
    attempts = message.attempts
    text = error_text(error) if isinstance(error, Exception) else str(error)
    if permanent(error) or attempts >= settings.max_attempts:
        values = {"status": rules.FAILED, "last_error": text}
        report.failed += 1
    else:
        wait = timedelta(minutes=settings.retry_minutes * 2 ** max(0, attempts - 1))
        values = {"status": rules.QUEUED, "last_error": text, "next_attempt_at": now + wait}
        report.retrying += 1
    _finish(session, message.id, worker, values)
    session.commit()


def retry(session, ids) -> int:
    """Queue failed messages again, with a fresh count of attempts."""
    table = OutboundMessage.__table__
    result = session.execute(
        update(table)
        .where(table.c.id.in_(list(ids)), table.c.status == rules.FAILED)
        .values(status=rules.QUEUED, attempts=0, next_attempt_at=utcnow())
    )
    return result.rowcount


# --- preview ----------------------------------------------------------------------------


def _reminder_values(case) -> dict:
    """A reminder as the case's own officer would get it, of its next open due instant."""
    values = {}
    officer = next(((r, p) for r, p in officers_of(case) if p is not None), None)
    if officer is not None:
        values["officer_name"] = officer[1].display_name
        values["officer_role"] = rules.ROLES[officer[0]]
    tz = localtime.case_timezone(case, localtime.settings_in_force())
    dues = [
        (getattr(case, due_field), label)
        for kind, due_field, done_field, label in REMINDED_DUES
        if kind is kinds.kind_of(case)
        and getattr(case, due_field) is not None
        and getattr(case, done_field) is None
    ]
    if dues:
        due, label = min(dues, key=lambda d: d[0])
        values.update(due_label=label, due_at=rules.instant_in_words(due, tz), time_left="")
        now = utcnow()
        if due > now:
            from ..clocks import Clocks

            clocks = Clocks(object_session(case))
            try:
                engine = clocks.engine(clocks.calendar_id_of(case))
            except RuleViolation:
                return values
            left = engine.business_time_between(now, due)
            values["time_left"] = rules.business_time_in_words(left)
    return values


def preview(session, key: str, subject: str, body: str, case=None, hide_complainant=False):
    """The template filled in with a case's values, or the sample's when none is given."""
    values = dict(rules.SAMPLE)
    values["sender_name"] = config("MAIL_SENDER_NAME")
    if case is not None:
        values.update(case_values(case))
        is_complaint = kinds.find_kind(case) is kinds.COMPLAINT
        if key in (rules.REVIEW_REQUESTED, rules.REVIEW_OUTCOME) and is_complaint:
            # The complaint's latest internal review, if it has one.
            review = max(case.internal_reviews, key=lambda r: r.id, default=None)
            if review is not None:
                values.update(review_values(review))
        if is_complaint and hide_complainant:
            values["complainant_name"] = history.MASK
        if key in (rules.DUE_REMINDER, rules.DUE_PASSED):
            values.update(_reminder_values(case))
    wanted = {name: values.get(name, "") for name in rules.VARIABLES[key]}
    return rules.render(key, subject, body, wanted)
