"""Lodgement by a member of the public: the complaint, its complainant and its files, or nothing.

The complaint goes through the ORM session like any other, so the flush hooks give it its
reference number, compute its due dates and write its history. Files are written under the
attachment folder before the commit and removed again if anything fails, so a failure leaves
neither a record nor a file behind.
"""

import hashlib
import os
import secrets
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path

from sqlalchemy import select
from sqlalchemy.exc import IntegrityError

from models import Attachment, Channel, Complaint, Division, OutboundMessage, Participant, utcnow
from rules import correspondence as letters
from rules.attachments import FileKind, describe_size, safe_filename
from rules.errors import RuleViolation
from rules.vocabulary import UNITS

from . import history, storage
from .clocks import Clocks

ONLINE_FORM = "online_form"


class IntakeUnavailable(RuleViolation):
    """Online lodgement cannot take submissions: the intake division is not set up."""


@dataclass(slots=True)
class Submission:
    kind: str
    summary: str
    description: str
    outcome_sought: str | None = None
    human_rights: bool = False
    anonymous: bool = False
    given_name: str | None = None
    family_name: str | None = None
    email: str | None = None
    phone: str | None = None
    address: str | None = None
    # May their personal details be used? None when anonymous (nothing to use).
    consent: bool | None = None
    # The token the form was sent with (a new one each time the form is opened): the same
    # form sent twice lodges once.
    token: str | None = None

    @property
    def key(self) -> str | None:
        return hashlib.sha256(self.token.encode()).hexdigest() if self.token else None


@dataclass(slots=True)
class SentFile:
    filename: str
    data: bytes
    kind: FileKind
    sha256: str = field(init=False)

    def __post_init__(self):
        self.sha256 = hashlib.sha256(self.data).hexdigest()


@dataclass(frozen=True, slots=True)
class Promise:
    """What the confirmation page tells the complainant, in the division's local time."""

    reference: str
    kind: str
    anonymous: bool
    registration_due: datetime | None
    registration_target: str | None  # "2 business days"
    acknowledgement_due: datetime | None
    acknowledgement_target: str | None
    # Until a coordinator classifies it, a complaint is timed as formal, standard.
    resolution_due: datetime | None
    division_name: str
    # Where the registration email is queued to, if it is: the confirmation page says so.
    email: str | None = None


def intake_division(session, code: str | None) -> Division:
    """The division whose coordinators triage what the public lodges online."""
    division = None
    if code:
        division = session.scalar(select(Division).where(Division.code == code))
    if division is None:
        raise IntakeUnavailable(
            f"The intake division {code or '(none set)'} does not exist: set "
            "PUBLIC_INTAKE_DIVISION to the code of the division that triages online lodgements."
        )
    return division


def lodge(
    session,
    submission: Submission,
    files: list[SentFile],
    folder: Path,
    division_code: str | None,
    now: datetime | None = None,
) -> Complaint:
    """Save the submission as a new, unregistered complaint with its files; all or nothing.
    A submission whose token was lodged already (the form sent again) returns the complaint
    lodged the first time, and saves nothing."""
    now = now or utcnow()
    key = submission.key
    if key is not None and (first := lodged_before(session, key)) is not None:
        return first
    division = intake_division(session, division_code)
    channel = session.scalar(select(Channel).where(Channel.code == ONLINE_FORM))
    complainant = None
    if not submission.anonymous:
        complainant = Participant(
            kind="complainant",
            given_name=submission.given_name or None,
            family_name=submission.family_name or None,
            email=submission.email or None,
            phone=submission.phone or None,
            address=submission.address or None,
        )
    is_complaint = submission.kind == "complaint"
    complaint = Complaint(
        kind=submission.kind,
        status="received",
        summary=submission.summary,
        description=submission.description,
        outcome_sought=submission.outcome_sought or None,
        human_rights=bool(is_complaint and submission.human_rights),
        # docs/domain.md, "Confidentiality": "personal details are not to be used" is the
        # confidentiality request.
        confidential=submission.consent is False and not submission.anonymous,
        personal_details_consent=None if submission.anonymous else submission.consent,
        channel=channel,
        division=division,
        complainant=complainant,
        received_at=now,
        lodgement_key=key,
    )
    written: list[Path] = []
    try:
        session.add(complaint)
        if files:
            folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        for sent in files:
            stored_name = secrets.token_hex(16)
            path = folder / stored_name
            write_new(path, sent.data)
            written.append(path)
            complaint.attachments.append(
                Attachment(
                    original_filename=safe_filename(sent.filename),
                    content_type=sent.kind.content_type,
                    size=len(sent.data),
                    sha256=sent.sha256,
                    stored_name=stored_name,
                    uploaded_at=now,
                )
            )
        history.note(session, complaint, "lodged", _lodged_summary(submission, files))
        session.commit()
    except BaseException as error:
        session.rollback()
        for path in written:
            path.unlink(missing_ok=True)
        if key is not None and isinstance(error, IntegrityError):
            # The same form sent twice at once: the other request saved it first.
            first = lodged_before(session, key)
            if first is not None:
                return first
        raise
    return complaint


def lodged_before(session, key: str) -> Complaint | None:
    """The complaint lodged with this submission key, if the form was sent before."""
    return session.scalar(select(Complaint).where(Complaint.lodgement_key == key))


def write_new(path: Path, data: bytes) -> None:
    if not isinstance(path, Path):
        path.write_new(data)  # object storage
        return
    # O_EXCL: a name that exists (it never should) is an error, not an overwrite.
    descriptor = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(descriptor, "wb") as handle:
            handle.write(data)
            handle.flush()
            os.fsync(handle.fileno())
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def _lodged_summary(submission: Submission, files: list[SentFile]) -> str:
    who = "anonymously" if submission.anonymous else "by a member of the public"
    text = f"Lodged online {who}"
    if files:
        names = ", ".join(
            f"{safe_filename(f.filename)} ({describe_size(len(f.data))})" for f in files
        )
        text += f", with {len(files)} attachment{'s' if len(files) != 1 else ''}: {names}"
    return text + "."


def attachment_folder(app):
    """Where attachment files are kept (services/storage.py): ATTACHMENT_FOLDER, or
    `attachments` in the instance folder (never under static/), or the S3 bucket."""
    return storage.attachment_store(app.config, app.instance_path)


def awaits_a_coordinator(complaint: Complaint, now: datetime) -> bool:
    """Lodged by the public (or an integration) and not yet taken up by a coordinator, with
    its registration still ahead: the dates the lodgement confirmation promised still hold."""
    return (
        complaint.registered_at is None
        and complaint.coordinator_id is None
        and complaint.registration_due_at is not None
        and complaint.registration_due_at > now
    )


def promised_acknowledgement_due(session, complaint: Complaint, clocks=None) -> datetime | None:
    """When the complainant is told their complaint will be acknowledged by.

    A complaint lodged online waits for a coordinator to register it; until then its
    acknowledgement is not yet timed, so the date promised is the acknowledgement target
    counted from the last instant registration is due: the latest it can fall. The
    confirmation page and the registration email both promise this one.
    """
    if complaint.complainant_id is None or (complaint.kind or "complaint") != "complaint":
        return None  # nobody to acknowledge, or nothing that is acknowledged
    if complaint.acknowledgement_due_at is not None or complaint.registered_at is not None:
        return complaint.acknowledgement_due_at
    if session is None:
        return None
    if complaint.registration_due_at is None:
        return None
    clocks = clocks or Clocks.of(session)
    try:
        targets = clocks.targets(clocks.calendar_id_of(complaint))
    except RuleViolation:
        return None
    acknowledgement = targets.get("complaint.acknowledgement")
    return acknowledgement.due(complaint.registration_due_at) if acknowledgement else None


def promise(session, complaint: Complaint) -> Promise:
    """When the complaint will be registered, acknowledged and answered, from its own due
    dates (see promised_acknowledgement_due)."""
    clocks = Clocks.of(session)
    calendar_id = clocks.calendar_id_of(complaint)
    engine = clocks.engine(calendar_id)
    targets = clocks.targets(calendar_id)
    registration = targets.get(f"complaint.registration.{complaint.kind}")
    acknowledgement = targets.get("complaint.acknowledgement")
    acknowledgement_due = promised_acknowledgement_due(session, complaint, clocks)

    def local(instant):
        return instant.astimezone(engine.tz) if instant is not None else None

    def amount(target):
        if target is None:
            return None
        unit = UNITS.get(target.unit, target.unit)
        return f"{target.amount} {unit.removesuffix('s') if target.amount == 1 else unit}"

    return Promise(
        reference=complaint.reference,
        kind=complaint.kind,
        anonymous=complaint.complainant_id is None,
        registration_due=local(complaint.registration_due_at),
        registration_target=amount(registration),
        acknowledgement_due=local(acknowledgement_due),
        acknowledgement_target=amount(acknowledgement) if acknowledgement_due else None,
        resolution_due=local(complaint.resolution_due_at),
        division_name=complaint.division.name,
        email=session.scalar(
            select(OutboundMessage.recipient_address).where(
                OutboundMessage.complaint_id == complaint.id,
                OutboundMessage.template_key == letters.REGISTERED,
                OutboundMessage.status == letters.QUEUED,
            )
        ),
    )


def date_in_words(instant: datetime | None) -> str:
    """Wednesday 2 December 2026, for a local instant."""
    if instant is None:
        return ""
    return f"{instant:%A} {instant.day} {instant:%B %Y}"
