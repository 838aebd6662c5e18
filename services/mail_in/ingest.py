"""One email received becomes what it should: filed on the case it answers, a new case, a
message waiting for triage, ignored (automatic mail, a loop), or quarantined (malformed).

Called by `flask mail receive` (a mail server's pipe) and by the IMAP fetch, once per
message. All or nothing: the inbound message, the case, its files and the letters the
flush queues are committed together; files are written before the commit and removed if
anything fails. Idempotent by Message-ID: the unique constraint on
inbound_message.message_id decides, so two fetchers reading the same message at once
store it once (the loser rolls back and reports a duplicate).

A reply is filed on a case only when the sender is the person the case belongs to (the
complainant, the ticket's client contact). Anything else that claims a case waits in
triage, and the sender is sent nothing at all: a spoofed reference learns nothing.
"""

import gc
import hashlib
import itertools
import mimetypes
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, select
from sqlalchemy.exc import IntegrityError

from models import (
    Attachment,
    Channel,
    Complaint,
    InboundMessage,
    OutboundMessage,
    Participant,
    PauseStatus,
    Ticket,
    kinds,
    utcnow,
)
from rules import correspondence as letters
from rules import mail_in as rules
from rules import workflow
from rules.attachments import AttachmentRefused, check_file, safe_filename
from rules.errors import RuleViolation
from rules.inflation import InflationLimits
from rules.vocabulary import ADMINISTRATOR, TICKET_SEVERITIES

from .. import conduct, history, localtime, notifications, steps
from ..correspondence import case_values, recipient_refusal
from ..correspondence.recipients import division_coordinator_ids
from ..correspondence.sending import message_id as outbox_message_id
from ..intake import IntakeUnavailable, intake_division, write_new
from ..references import PREFIXES
from .mailboxes import Mailbox
from .parse import Malformed, parse

EMAIL_CHANNEL = "email"
# The service desk's least urgent severity: a person reads it and sets the right one.
NEW_TICKET_SEVERITY = list(TICKET_SEVERITIES)[-1]
# A change the portal makes because of a reply, as the workflow sees who made it.
REPLY_ACTOR = workflow.Actor(
    user_id=None, capacities=frozenset({ADMINISTRATOR}), name="the reply by email"
)
RESUME = "resume"


@dataclass(frozen=True)
class IngestSettings:
    """What ingesting needs from the settings (the doors read them from the config)."""

    folder: Path  # the attachment folder: parts, and the raw message for triage/quarantine
    max_bytes: int = 25_000_000  # MAIL_IN_MAX_BYTES
    max_parts: int = 100  # MAIL_IN_MAX_PARTS
    attachment_max_bytes: int = 10_000_000  # ATTACHMENT_MAX_BYTES, each part
    inflation: InflationLimits = field(default_factory=InflationLimits)
    intake_division: str | None = "CS"  # PUBLIC_INTAKE_DIVISION
    own_address: str | None = None  # MAIL_FROM: mail from it is a loop

    @classmethod
    def from_config(cls, config, folder: Path) -> "IngestSettings":
        from email.utils import parseaddr

        return cls(
            folder=folder,
            max_bytes=int(config.get("MAIL_IN_MAX_BYTES", 25_000_000)),
            max_parts=int(config.get("MAIL_IN_MAX_PARTS", 100)),
            attachment_max_bytes=int(config.get("ATTACHMENT_MAX_BYTES", 10_000_000)),
            inflation=InflationLimits(
                max_bytes=int(config.get("ATTACHMENT_MAX_INFLATED_BYTES", 100_000_000))
            ),
            intake_division=config.get("PUBLIC_INTAKE_DIVISION"),
            own_address=rules.normal_address(parseaddr(config.get("MAIL_FROM") or "")[1]),
        )

    @property
    def own_domains(self) -> tuple[str, ...]:
        domain = rules.domain_of(self.own_address)
        return (domain,) if domain else ()


@dataclass(frozen=True)
class Ingested:
    """What became of one message: its status (rules/mail_in.py STATUSES), its Message-ID,
    the inbound row, the case it is on (if any), whether it had been received already,
    and the reason (why triage, ignored, quarantined; what was refused)."""

    status: str
    message_id: str
    inbound_id: int | None
    case: object | None = None
    duplicate: bool = False
    reason: str | None = None

    def __str__(self):
        if self.duplicate:
            return f"Already received: {self.message_id}."
        label = rules.STATUSES.get(self.status, self.status)
        where = f" {getattr(self.case, 'reference', None) or ''}" if self.case else ""
        text = f"{label}{where.rstrip()}: {self.message_id}"
        return text + (f". {self.reason}" if self.reason else ".")


def raw_message_id(raw: bytes) -> str:
    """The Message-ID a message without one is kept under: its content's hash."""
    return f"<sha256.{hashlib.sha256(raw).hexdigest()}@message-id.invalid>"


# Storing a message leaves reference cycles behind (the ORM's collections of the records it
# creates, parts of the parsed message). Those that live through a collection of the
# younger generations reach Python's oldest one, which it collects only rarely (when it
# has grown by a quarter), so a fetch of thousands of messages would keep growing until
# then. A full collection every so many messages keeps it flat, for about 40 ms (the
# heap of a loaded portal) every few seconds of ingesting: bench/mail_in_bench.py.
COLLECT_EVERY = 500
_ingested = itertools.count(1)


def _collect_now_and_then() -> None:
    if next(_ingested) % COLLECT_EVERY == 0:
        gc.collect()


def ingest(
    session,
    raw: bytes,
    mailbox: Mailbox,
    *,
    settings: IngestSettings,
    now: datetime | None = None,
) -> Ingested:
    """Store one message and act on it, all or nothing; see the module's docstring."""
    _collect_now_and_then()
    now = now or utcnow()
    work = _Work(session, raw, mailbox, settings, now)
    try:
        return work.attempt(work.run)
    except RuleViolation as violation:
        # A rule refused what the message would have become (an address the register
        # refuses, a step refused...): keep it for a person instead.
        reason = f"It could not be filed: {violation}"
        retry = _Work(session, raw, mailbox, settings, now)
        return retry.attempt(lambda: retry.triage_only(reason))


class _Work:
    """One attempt at ingesting a message, with the files it wrote (removed on failure)."""

    def __init__(self, session, raw, mailbox, settings, now):
        self.session = session
        self.raw = raw
        self.mailbox = mailbox
        self.settings = settings
        self.now = now
        self.written: list[Path] = []
        self.message_id = raw_message_id(raw)
        self.parsed = None
        self.inbound = None
        self.refused: list[str] = []
        self.resumed = False

    # --- all or nothing --------------------------------------------------------------

    def attempt(self, run) -> Ingested:
        """Run, then commit; undo everything on any failure. A Message-ID stored by
        someone else meanwhile (the unique constraint) is a duplicate, not a failure."""
        try:
            result = run()
            self.session.commit()
        except IntegrityError:
            self.undo()
            duplicate = self.duplicate()
            if duplicate is None:
                raise
            return duplicate
        except BaseException:
            self.undo()
            raise
        return result

    def undo(self):
        self.session.rollback()
        for path in self.written:
            path.unlink(missing_ok=True)
        self.written = []

    def duplicate(self) -> Ingested | None:
        """The answer for a message already received (None: it was not)."""
        found = self.session.execute(
            select(InboundMessage.id, InboundMessage.status).where(
                InboundMessage.message_id == self.message_id
            )
        ).first()
        if found is None:
            return None
        return Ingested(found.status, self.message_id, found.id, None, True)

    def write(self, data: bytes) -> str:
        self.settings.folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        stored_name = secrets.token_hex(16)
        path = self.settings.folder / stored_name
        write_new(path, data)
        self.written.append(path)
        return stored_name

    # --- the message -----------------------------------------------------------------

    def read(self) -> None:
        """Parse the message (Malformed when it cannot be) and take its own Message-ID."""
        self.parsed = parse(
            self.raw,
            max_bytes=self.settings.max_bytes,
            max_parts=self.settings.max_parts,
            own_domains=self.settings.own_domains,
        )
        given = (self.parsed.message_id or "").strip()
        if given and len(given) <= 500:
            self.message_id = given

    def run(self) -> Ingested:
        try:
            self.read()
        except Malformed as malformed:
            return self.quarantine(str(malformed) or "The message could not be read.")
        parsed = self.parsed
        duplicate = self.duplicate()
        if duplicate is not None:
            return duplicate
        if parsed.automatic:
            return self.ignore(f"Automatic mail: {parsed.automatic}.")
        sender = rules.normal_address(parsed.from_address)
        if self.settings.own_address and sender == self.settings.own_address:
            return self.ignore("Sent from the portal's own address (MAIL_FROM): a mail loop.")
        if rules.outbox_id(parsed.message_id or "") is not None:
            return self.ignore("It carries one of the portal's own Message-IDs: a mail loop.")
        case, claimed = self.case_it_answers()
        if claimed is not None:
            if case is None:
                return self.triage(
                    f"It claims {claimed}, which is not a case in the register.", claimed
                )
            belongs, who = belongs_to(case, sender)
            if not belongs:
                return self.triage(rules.not_theirs(claimed, sender, who), claimed)
            return self.file(case)
        if not sender:
            return self.triage("It has no sender address to answer or match.")
        if self.mailbox.creates == "ticket":
            return self.new_ticket(sender)
        return self.new_complaint(sender)

    def record(self, status: str, reason: str | None = None, **values) -> InboundMessage:
        parsed = self.parsed
        row = InboundMessage(
            message_id=self.message_id,
            mailbox=self.mailbox.name[:60],
            received_at=self.now,
            size=len(self.raw),
            sha256=hashlib.sha256(self.raw).hexdigest(),
            status=status,
            reason=reason,
            **values,
        )
        if parsed is not None:
            row.sent_at = parsed.sent_at
            row.from_address = (parsed.from_address or None) and parsed.from_address[:320]
            row.from_name = (parsed.from_name or None) and parsed.from_name[:200]
            row.to_address = ", ".join(parsed.to_addresses)[:320] or None
            row.subject = (parsed.subject or None) and parsed.subject[:500]
            row.in_reply_to = " ".join(parsed.in_reply_to)[:1000] or None
            row.references_header = " ".join(parsed.references) or None
            row.body_text = parsed.text
            row.body_html = parsed.html
        self.session.add(row)
        # The unique Message-ID is claimed first: a second fetcher stops here.
        self.session.flush()
        self.inbound = row
        return row

    def quarantine(self, reason: str) -> Ingested:
        row = self.record(rules.QUARANTINED, reason, raw_stored_name=self.write(self.raw))
        return Ingested(rules.QUARANTINED, self.message_id, row.id, reason=reason)

    def ignore(self, reason: str) -> Ingested:
        row = self.record(rules.IGNORED, reason)
        return Ingested(rules.IGNORED, self.message_id, row.id, reason=reason)

    def triage(self, reason: str, claimed: str | None = None) -> Ingested:
        row = self.record(
            rules.TRIAGE,
            reason,
            claimed_reference=claimed,
            raw_stored_name=self.write(self.raw),
            participant_id=self.known_person_id(),
        )
        return Ingested(rules.TRIAGE, self.message_id, row.id, reason=reason)

    def triage_only(self, reason: str) -> Ingested:
        """The fallback when filing failed: parse again, and keep it for triage."""
        try:
            self.read()
        except Malformed as malformed:
            return self.quarantine(str(malformed))
        claimed = rules.claimed_reference(self.parsed.subject, PREFIXES.values())
        return self.triage(reason, claimed)

    def known_person_id(self) -> int | None:
        sender = rules.normal_address(self.parsed.from_address if self.parsed else None)
        if not sender:
            return None
        return self.session.scalar(
            select(Participant.id)
            .where(func.lower(Participant.email) == sender, Participant.kind != "staff")
            .order_by(Participant.id)
            .limit(1)
        )

    # --- threading -------------------------------------------------------------------

    def case_it_answers(self):
        """(case, reference claimed): by our Message-ID in In-Reply-To or References
        (verified against the outbox row), else by a reference in the subject."""
        parsed = self.parsed
        for answered in rules.thread_ids(parsed.in_reply_to, parsed.references):
            ours = rules.outbox_id(answered)
            if ours is None:
                continue
            row = self.session.get(OutboundMessage, ours[0])
            if row is None:
                continue
            expected = rules.outbox_id(outbox_message_id(row, None))
            if expected is None or not secrets.compare_digest(expected[1], ours[1]):
                continue  # a forged or stale id: it threads nothing
            case = row.internal_review or row.ticket or row.complaint
            if case is not None:
                return case, kinds.reference_of(case) or None
        claimed = rules.claimed_reference(parsed.subject, PREFIXES.values())
        if claimed is None:
            return None, None
        return kinds.case_by_reference(self.session, claimed), claimed

    # --- filing on a case ------------------------------------------------------------

    def file(self, case) -> Ingested:
        row = self.record(rules.FILED, None, participant_id=self.known_person_id())
        link(row, case)
        self.store_parts(case)
        self.resume(case)
        sender = rules.normal_address(self.parsed.from_address)
        if conduct.email_caught(self.session, case, sender, self.now, row.id):
            # Restricted contact: the contact officer is told, with a warning, instead.
            self.note_on_case(case)
            row.reason = self.refusals()
            return Ingested(rules.FILED, self.message_id, row.id, case, reason=row.reason)
        told = self.tell_officer(case)
        self.note_on_case(case, extra="" if told else " Nobody is assigned to be told.")
        row.reason = self.refusals()
        return Ingested(rules.FILED, self.message_id, row.id, case, reason=row.reason)

    def resume(self, case) -> None:
        kind = kinds.kind_of(case)
        waits = self.session.scalar(
            select(PauseStatus.resume_on_reply).where(
                PauseStatus.case_type == kind.name, PauseStatus.status == case.status
            )
        )
        if not waits:
            return
        try:
            steps.STEPPERS[kind.name].take(RESUME, case, {}, REPLY_ACTOR, self.now)
        except steps.StepRefused as refused:
            self.refused.append(f"The clock was not resumed: {refused}")
            return
        self.resumed = True

    def tell_officer(self, case, *, filed_by: int | None = None) -> bool:
        """Queue `reply_received` to the officer who answers for the case (the complaint's
        manager or coordinator, the ticket's agent, the reviewer; a review with nobody
        assigned: its complaint's officers); nobody assigned to the complaint: each
        coordinator of its division. `filed_by` (the person filing it from triage) is not
        told: when they answer for the case, nobody is."""
        kind = kinds.kind_of(case)
        candidates = kind.officers(case)
        complaint = kind.complaint_of(case)
        if complaint is not None and complaint is not case:
            candidates += kinds.COMPLAINT.officers(complaint)
        if self.tell(case, candidates, first_only=True, filed_by=filed_by):
            return True
        if complaint is None or complaint.coordinator_id is not None:
            return False
        # Nobody assigned: the division's coordinators, each of them.
        coordinators = [
            ("coordinator", self.session.get(Participant, person_id))
            for person_id in sorted(division_coordinator_ids(complaint))
        ]
        return self.tell(case, coordinators, first_only=False, filed_by=filed_by)

    def tell(self, case, candidates, *, first_only: bool, filed_by: int | None = None) -> bool:
        tz = localtime.case_timezone(case, localtime.settings_in_force())
        told = False
        for role, person in candidates:
            if person is None or recipient_refusal(case, role, person.id) is not None:
                continue
            if filed_by is not None and person.id == filed_by:
                if first_only:
                    return True  # the officer filed it: they know
                continue
            values = {
                **case_values(case),
                "officer_name": person.display_name,
                "officer_role": letters.ROLES.get(role, role),
                "message_subject": self.inbound.subject or rules.NO_SUBJECT,
                "received_at": letters.instant_in_words(self.now, tz),
                "clock_resumed": self.resumed,
            }
            outcome = notifications.reply_arrived(
                self.session,
                case,
                role,
                person,
                title=f"A reply arrived on {kinds.reference_of(case)}: "
                f"{self.inbound.subject or rules.NO_SUBJECT}",
                values=values,
                outbox_key=f"{letters.REPLY_RECEIVED}:{self.inbound.id}:{person.id}",
                key=str(self.inbound.id),
                now=self.now,
            )
            if outcome in ("queued", "duplicate", "no_address"):
                told = True
                if first_only:
                    break
        return told

    def note_on_case(self, case, *, extra: str = "", created: bool = False) -> None:
        complaint = kinds.kind_of(case).complaint_of(case)
        hide = bool(complaint is not None and complaint.confidential)
        who = rules.sender_words(
            self.parsed.from_name, self.parsed.from_address, hide_address=hide
        )
        subject = self.parsed.subject or rules.NO_SUBJECT
        summary = f"Email from {who} received: {subject}"
        if created:
            label = kinds.kind_of(case).label.lower()
            summary = f"Email from {who} received and became this {label}: {subject}"
        summary += "."
        if self.resumed:
            summary += " The case was waiting on this reply: its clock resumed."
        refusals = self.refusals()
        if refusals:
            summary += f" {refusals}"
        history.note(self.session, case, "email_received", summary + extra)

    def refusals(self) -> str | None:
        return " ".join(self.refused) or None

    def store_parts(self, case) -> None:
        """Each attachment and inline image through the public form's checks; the ones
        refused are named in the message's reason and the case's history."""
        relation = kinds.kind_of(case).name
        for number, part in enumerate(self.parsed.parts, start=1):
            name = part_name(part, number)
            try:
                kind = check_file(
                    name, part.data, self.settings.attachment_max_bytes, self.settings.inflation
                )
            except AttachmentRefused as refused:
                self.refused.append(f"Not kept: {refused}")
                continue
            attachment = Attachment(
                original_filename=safe_filename(name),
                content_type=kind.content_type,
                size=len(part.data),
                sha256=hashlib.sha256(part.data).hexdigest(),
                stored_name=self.write(part.data),
                uploaded_at=self.now,
                inbound_message=self.inbound,
                note=("Inline image of the email" if part.inline else "Attached to the email"),
            )
            setattr(attachment, relation, case)
            self.session.add(attachment)

    # --- new cases -------------------------------------------------------------------

    def new_complaint(self, sender: str) -> Ingested:
        try:
            division = intake_division(self.session, self.settings.intake_division)
        except IntakeUnavailable as unavailable:
            return self.triage(f"No complaint was created: {unavailable}")
        parsed = self.parsed
        complainant = self.session.scalar(
            select(Participant)
            .where(Participant.kind == "complainant", func.lower(Participant.email) == sender)
            .order_by(Participant.id)
            .limit(1)
        )
        if complainant is None:
            given, family = rules.split_name(parsed.from_name)
            complainant = Participant(
                kind="complainant",
                given_name=given,
                family_name=family,
                email=parsed.from_address,
            )
        complaint = Complaint(
            kind="complaint",
            status="received",
            summary=rules.summary_from_subject(parsed.subject),
            description=(parsed.text or "").strip() or None,
            channel=self.session.scalar(select(Channel).where(Channel.code == EMAIL_CHANNEL)),
            division=division,
            complainant=complainant,
            received_at=self.now,
        )
        return self.created(complaint, complainant)

    def new_ticket(self, sender: str) -> Ingested:
        client, contact = client_of(self.session, sender)
        if client is None:
            domain = rules.domain_of(sender) or sender
            return self.triage(f"No client organisation has the domain {domain}.")
        parsed = self.parsed
        ticket = Ticket(
            severity=NEW_TICKET_SEVERITY,
            status="new",
            summary=rules.summary_from_subject(parsed.subject),
            description=(parsed.text or "").strip() or None,
            client=client,
            contact=contact,
            channel=self.session.scalar(select(Channel).where(Channel.code == EMAIL_CHANNEL)),
            reported_at=self.now,
        )
        return self.created(ticket, contact)

    def created(self, case, person) -> Ingested:
        # The Message-ID first: a second fetcher stops before it takes a reference number.
        row = self.record(rules.CREATED, None)
        self.session.add(case)
        row.participant = person
        link(row, case)
        self.store_parts(case)
        self.note_on_case(case, created=True)
        self.session.flush()
        row.reason = self.refusals()
        return Ingested(rules.CREATED, self.message_id, row.id, case, reason=row.reason)


# --- plain helpers --------------------------------------------------------------------


def link(row: InboundMessage, case) -> None:
    """Point the message at its case as the model says: one of the three case columns."""
    kind = kinds.kind_of(case)
    setattr(row, kind.name, case)


def belongs_to(case, sender: str | None) -> tuple[bool, str]:
    """Whether the sender is the person the case belongs to, and who that is in words."""
    kind = kinds.kind_of(case)
    if kind is kinds.TICKET:
        addresses = [p.email for p in (case.contact, case.client) if p is not None]
        who = "client contact"
    else:
        complaint = kind.complaint_of(case)
        person = complaint.complainant if complaint is not None else None
        addresses = [person.email] if person is not None else []
        who = "complainant"
    return any(rules.same_address(sender, address) for address in addresses), who


def _like_domain(domain: str) -> str:
    escaped = domain.replace("\\", "\\\\").replace("%", "\\%").replace("_", "\\_")
    return f"%@{escaped}"


def client_of(session, sender: str) -> tuple[Participant | None, Participant | None]:
    """(client organisation, contact) for a sender: a contact with this address, else the
    organisation whose own address, or one of whose contacts' addresses, has its domain."""
    contact = session.scalar(
        select(Participant)
        .where(func.lower(Participant.email) == sender, Participant.organisation_id.is_not(None))
        .order_by(Participant.id)
        .limit(1)
    )
    if contact is not None:
        client = session.get(Participant, contact.organisation_id)
        if client is not None and client.kind == "client_organisation":
            return client, contact
    domain = rules.domain_of(sender)
    if not domain:
        return None, None
    pattern = _like_domain(domain)
    by_own = select(Participant.id).where(
        Participant.kind == "client_organisation",
        func.lower(Participant.email).like(pattern, escape="\\"),
    )
    by_contacts = select(Participant.organisation_id).where(
        Participant.organisation_id.is_not(None),
        func.lower(Participant.email).like(pattern, escape="\\"),
    )
    for query in (by_own, by_contacts):
        found = sorted({key for key in session.scalars(query) if key is not None})
        for key in found:
            client = session.get(Participant, key)
            if client is not None and client.kind == "client_organisation":
                return client, None
    return None, None


def part_name(part, number: int) -> str:
    """A part's file name, or one made from its type (an inline image has none)."""
    if part.filename and part.filename.strip():
        return part.filename
    extension = mimetypes.guess_extension(part.content_type or "") or ".bin"
    if extension == ".jpe":
        extension = ".jpg"
    return f"part-{number}{extension}"
