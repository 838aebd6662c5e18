"""Sending the outbox, exactly once with several senders.

A sender claims a few queued messages in a short transaction (PostgreSQL: SELECT ... FOR
UPDATE SKIP LOCKED, then marks them `sending`; SQLite: a conditional UPDATE per message,
checked by its row count), sends them, then marks each `sent` in its own transaction. A
message is only ever claimed by one sender at a time.

A claim is a lease: before each message it sends, a sender renews its claim on the ones it
still holds. A sender that dies (killed, its server lost) stops renewing, and once its
claim is older than MAIL_SENDING_TIMEOUT_MINUTES the next run of any sender takes its
messages over by itself: the ones it never tried are sent once, and the one it may have
handed to the mail server just before dying goes again with the same Message-ID, so that
a duplicate can be recognised (its outbox entry says so).
"""

import hashlib
import os
import smtplib
import socket
import ssl
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from email.message import EmailMessage
from email.utils import format_datetime, formataddr, parseaddr
from pathlib import Path

from sqlalchemy import and_, case, func, or_, select, update

from models import OutboundMessage, Participant, kinds, utcnow
from rules import correspondence

from .letters import config
from .outbox import case_type_of, recipient_words, record_on_case, record_on_client
from .recipients import recipient_refusal, usable_address

# How many messages a sender claims at a time: small, so that several senders share.
CLAIM_BATCH = 10


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
    # Where the documents sent with a reply are kept (services/intake.attachment_folder).
    attachment_folder: Path | None = None

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
            attachment_folder=_attachment_folder(),
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


def _attachment_folder() -> Path | None:
    from flask import current_app, has_app_context

    from ..intake import attachment_folder

    return attachment_folder(current_app) if has_app_context() else None


class DocumentMissing(Exception):
    """A document to go with a message is no longer in the attachment folder."""


def subject_with_reference(message: OutboundMessage) -> str:
    """The subject, carrying the case's reference however the template was worded."""
    case = message.case
    reference = kinds.reference_of(case) if kinds.find_kind(case) is not None else ""
    return correspondence.with_reference(message.subject, reference)


def attach_documents(email: EmailMessage, message: OutboundMessage, folder: Path | None):
    """The message's documents, by their original names and recognised types."""
    for document in message.attachments:
        path = (folder / document.stored_name) if folder is not None else None
        if path is None or not path.is_file():
            raise DocumentMissing(
                f"The document {document.original_filename} is missing from the attachment "
                "folder: the message was not sent."
            )
        maintype, _, subtype = (document.content_type or "").partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        email.add_attachment(
            path.read_bytes(),
            maintype=maintype,
            subtype=subtype,
            filename=document.original_filename,
        )


def message_id(message: OutboundMessage, sender: str | None) -> str:
    """The same Message-ID for the same outbox row, whichever sender sends it, however often."""
    domain = parseaddr(sender or "")[1].rpartition("@")[2] or "complaints-portal.invalid"
    seed = f"{message.dedupe_key}|{message.created_at.isoformat() if message.created_at else ''}"
    digest = hashlib.sha256(seed.encode()).hexdigest()[:16]
    return f"<outbox.{message.id}.{digest}@{domain}>"


def email_for(
    message: OutboundMessage, address: str, settings: MailSettings, body: str | None = None
) -> EmailMessage:
    email = EmailMessage()
    email["From"] = settings.sender
    email["To"] = formataddr((" ".join((message.recipient_name or "").split()), address))
    email["Subject"] = subject_with_reference(message)
    email["Date"] = format_datetime(utcnow())
    email["Message-ID"] = message_id(message, settings.sender)
    if message.in_reply_to:
        email["In-Reply-To"] = " ".join(message.in_reply_to.split())
    if message.references_header:
        email["References"] = " ".join(message.references_header.split())
    if message.recipient_role not in correspondence.CORRESPONDENTS:
        email["Auto-Submitted"] = "auto-generated"
    email.set_content(message.body if body is None else body)
    if message.body_html:
        email.add_alternative(message.body_html, subtype="html")
    if message.attachments:
        attach_documents(email, message, settings.attachment_folder)
    for made in message.files:
        maintype, _, subtype = (made.content_type or "").partition("/")
        if not maintype or not subtype:
            maintype, subtype = "application", "octet-stream"
        email.add_attachment(
            made.content, maintype=maintype, subtype=subtype, filename=made.filename
        )
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
    taken_over: int = 0
    requeued: int = 0
    errors: list = field(default_factory=list)


TAKEN_OVER = (
    "Its sender stopped while it held it; taken over by another. If that sender had handed "
    "it to the mail server, the recipient may get it twice, with the same Message-ID."
)


def _claimable(table, now: datetime, lease: timedelta):
    """Queued and due, or held by a sender whose lease lapsed (it stopped)."""
    lapsed = and_(table.c.status == correspondence.SENDING, table.c.claimed_at < now - lease)
    due = and_(
        table.c.status == correspondence.QUEUED,
        or_(table.c.next_attempt_at.is_(None), table.c.next_attempt_at <= now),
    )
    return or_(due, lapsed)


def claim(
    session, worker: str, limit: int, now: datetime, lease: timedelta = timedelta(minutes=5)
) -> list[int]:
    """Take up to `limit` messages for this sender alone (queued and due, or held by a
    sender that stopped: see the module's docstring); committed at once."""
    table = OutboundMessage.__table__
    claimable = _claimable(table, now, lease)
    ready = select(table.c.id).where(claimable)
    ready = ready.order_by(table.c.next_attempt_at, table.c.id).limit(limit)
    taken = {
        "status": correspondence.SENDING,
        "claimed_by": worker,
        "claimed_at": now,
        "attempts": table.c.attempts + 1,
        "last_error": case(
            (table.c.status == correspondence.SENDING, TAKEN_OVER), else_=table.c.last_error
        ),
    }
    if session.get_bind().dialect.name == "postgresql":
        ids = list(session.scalars(ready.with_for_update(skip_locked=True)))
        if ids:
            session.execute(update(table).where(table.c.id.in_(ids)).values(**taken))
    else:
        ids = []
        for candidate in list(session.scalars(ready)):
            result = session.execute(
                update(table).where(table.c.id == candidate, claimable).values(**taken)
            )
            if result.rowcount == 1:
                ids.append(candidate)
    session.commit()
    return ids


def renew(session, worker: str, ids, now: datetime) -> None:
    """This sender is alive: its claim on the messages it still holds starts again."""
    table = OutboundMessage.__table__
    session.execute(
        update(table)
        .where(
            table.c.id.in_(list(ids)),
            table.c.status == correspondence.SENDING,
            table.c.claimed_by == worker,
        )
        .values(claimed_at=now)
    )
    session.commit()


def _finish(session, message_id_, worker, values) -> bool:
    """Move a claimed message on, if it is still this sender's; False if it was not."""
    table = OutboundMessage.__table__
    result = session.execute(
        update(table)
        .where(
            table.c.id == message_id_,
            table.c.status == correspondence.SENDING,
            table.c.claimed_by == worker,
        )
        .values(**values)
    )
    return result.rowcount == 1


def stuck_messages(session, settings: MailSettings, now: datetime):
    table = OutboundMessage.__table__
    return select(table.c.id).where(
        table.c.status == correspondence.SENDING,
        table.c.claimed_at < now - settings.sending_timeout,
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
            status=correspondence.QUEUED,
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
    postman = postman or Postman(settings)
    handled = 0
    try:
        while limit is None or handled < limit:
            batch = CLAIM_BATCH if limit is None else min(CLAIM_BATCH, limit - handled)
            ids = claim(session, worker, batch, clock(), settings.sending_timeout)
            if not ids:
                break
            handled += len(ids)
            messages = session.scalars(
                select(OutboundMessage).where(OutboundMessage.id.in_(ids))
            ).all()
            report.taken_over += sum(1 for m in messages if m.last_error == TAKEN_OVER)
            down = None
            holding = sorted(messages, key=lambda m: m.id)
            for number, message in enumerate(holding):
                if down is not None:
                    _failed(session, message, worker, down, settings, clock(), report)
                    continue
                if number:
                    renew(session, worker, (m.id for m in holding[number:]), clock())
                down = _send_one(session, postman, message, worker, settings, clock, report)
            session.expire_all()
            if down is not None:
                report.errors.append(error_text(down))
                break
    finally:
        postman.close()
    # Held by a sender that stopped and not taken over in this run (it stopped early, or
    # reached its limit): the next run takes them over.
    report.stuck = session.scalar(
        select(func.count()).select_from(stuck_messages(session, settings, clock()).subquery())
    )
    return report


def _refusal(session, message, case) -> str | None:
    """Why the message may not go to its recipient now, or None if it may."""
    if case is not None:
        return recipient_refusal(case, message.recipient_role, message.participant_id)
    if message.client_report_delivery_id is not None:
        # About no case: a client's service report goes to its nominated contacts.
        from .client_reports import report_contact_refusal

        return report_contact_refusal(session, message)
    return "The case it was about no longer exists."


def _record(session, message, case, summary, changes=None) -> None:
    """The message's fate on its case's history, or (a client report) on the client's."""
    if case is not None:
        record_on_case(session.connection(), case_type_of(case), case.id, summary, changes)
    elif message.client_report_delivery is not None:
        record_on_client(
            session.connection(), message.client_report_delivery.client_id, summary, changes
        )


def _send_one(session, postman, message, worker, settings, clock, report):
    """Send one claimed message; returns the error if the server itself is failing."""
    case = message.case
    refusal = _refusal(session, message, case)
    person = session.get(Participant, message.participant_id) if message.participant_id else None
    address = usable_address(person) if person is not None else message.recipient_address
    noun = correspondence.TEMPLATE_NOUNS.get(message.template_key, "Message")
    if refusal is not None:
        if _finish(
            session, message.id, worker, {"status": correspondence.WITHHELD, "last_error": refusal}
        ):
            _record(session, message, case, f"{noun} withheld: {refusal}")
            report.withheld += 1
        session.commit()
        return None
    if address is None and message.template_key == correspondence.SURVEY_INVITATION:
        # The survey is its link: it cannot go by post.
        values = {
            "status": correspondence.FAILED,
            "last_error": "The recipient no longer has an email address: a survey goes by "
            "email only.",
        }
        if _finish(session, message.id, worker, values):
            report.failed += 1
        session.commit()
        return None
    if address is None:
        values = {
            "status": correspondence.NO_ADDRESS,
            "last_error": "The recipient has no email address.",
        }
        if _finish(session, message.id, worker, values):
            report.no_address += 1
        session.commit()
        return None
    from ..case_links import personalise

    if message.template_key == correspondence.SURVEY_INVITATION:
        # The survey link exists only in the email: made now, its hash kept.
        from .. import surveys

        try:
            body = surveys.link_for_sending(session, message, clock())
            # Like every letter to them, it carries the personal link to the case's page.
            body = personalise(session, message, clock(), body)
        except surveys.SurveyLinkUnavailable as error:
            values = {"status": correspondence.FAILED, "last_error": str(error)}
            if _finish(session, message.id, worker, values):
                report.failed += 1
            session.commit()
            return None
    else:
        # A personal link made for this email only (its hash kept, committed with "sent").
        body = personalise(session, message, clock())
    try:
        email = email_for(message, address, settings, body)
    except DocumentMissing as error:
        # Sending again will not bring the document back: failed, for an officer to see.
        values = {"status": correspondence.FAILED, "last_error": str(error)}
        if _finish(session, message.id, worker, values):
            report.failed += 1
        session.commit()
        return None
    try:
        postman.send(email)
    except (smtplib.SMTPException, OSError) as error:
        _failed(session, message, worker, error, settings, clock(), report)
        return error if server_down(error) else None
    sent_at = clock()
    done = _finish(
        session,
        message.id,
        worker,
        {"status": correspondence.SENT, "sent_at": sent_at, "recipient_address": address},
    )
    if done and message.template_key == correspondence.SURVEY_INVITATION:
        from .. import surveys

        surveys.mark_sent(session, message, sent_at)
    if done:
        who = recipient_words(message.recipient_role, message.recipient_name, address, case)
        _record(
            session,
            message,
            case,
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
        values = {"status": correspondence.FAILED, "last_error": text}
        report.failed += 1
    else:
        wait = timedelta(minutes=settings.retry_minutes * 2 ** max(0, attempts - 1))
        values = {
            "status": correspondence.QUEUED,
            "last_error": text,
            "next_attempt_at": now + wait,
        }
        report.retrying += 1
    _finish(session, message.id, worker, values)
    session.commit()


def retry(session, ids) -> int:
    """Queue failed messages again, with a fresh count of attempts."""
    table = OutboundMessage.__table__
    result = session.execute(
        update(table)
        .where(table.c.id.in_(list(ids)), table.c.status == correspondence.FAILED)
        .values(status=correspondence.QUEUED, attempts=0, next_attempt_at=utcnow())
    )
    return result.rowcount
