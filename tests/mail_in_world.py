"""Fixtures and helpers for the tests of mail coming in: an intake division, the attachment
folder, the two mailboxes, a fixed instant, and `receive` (one message through `ingest`).

Import them in a test module: `from tests.mail_in_world import folder, intake, ...`.
"""

from datetime import UTC, datetime

import pytest
from sqlalchemy import select

from models import (
    Attachment,
    Division,
    HistoryEntry,
    InboundMessage,
    OutboundMessage,
    Participant,
    Ticket,
    db,
)
from services.correspondence.sending import message_id as outbox_message_id
from services.mail_in import ingest as mail_ingest
from services.mail_in.mailboxes import Mailbox

# A Wednesday morning in Brisbane, inside office hours.
NOW = datetime(2026, 3, 3, 23, 0, tzinfo=UTC)
PORTAL_ADDRESS = "complaints@complaints.example.gov.au"
COMPLAINTS = Mailbox(name="complaints", creates="complaint")
HELPDESK = Mailbox(name="helpdesk", creates="ticket")


@pytest.fixture
def fixed_now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def folder(app, tmp_path):
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    app.config["MAIL_FROM"] = f"Customer Complaints <{PORTAL_ADDRESS}>"
    app.config["PORTAL_URL"] = "https://complaints.example.gov.au"
    return folder


@pytest.fixture
def intake(app, make, folder):
    """Customer Services (CS), the intake division new complaints by email go to."""
    with app.app_context():
        division = Division(code="CS", name="Customer Services", calendar=make.calendar())
        db.session.add(division)
        db.session.commit()
        return division.id


def settings(app, folder, **overrides) -> mail_ingest.IngestSettings:
    made = mail_ingest.IngestSettings.from_config(app.config, folder)
    if overrides:
        values = {name: getattr(made, name) for name in made.__dataclass_fields__}
        made = mail_ingest.IngestSettings(**{**values, **overrides})
    return made


def receive(app, folder, raw: bytes, mailbox=COMPLAINTS, **overrides):
    """One message through `ingest`, as the pipe and the fetcher call it."""
    made = settings(app, folder, **overrides)
    return mail_ingest.ingest(db.session, raw, mailbox, settings=made)


def our_message_id(message: OutboundMessage) -> str:
    return outbox_message_id(message, PORTAL_ADDRESS)


def letters_to(address: str) -> list[OutboundMessage]:
    return list(
        db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.recipient_address == address)
        )
    )


def history_of(case) -> list[HistoryEntry]:
    return list(
        db.session.scalars(
            select(HistoryEntry)
            .where(
                HistoryEntry.record_type == type(case).__name__,
                HistoryEntry.record_id == case.id,
            )
            .order_by(HistoryEntry.id)
        )
    )


def inbound(message_id: str) -> InboundMessage | None:
    return db.session.scalar(select(InboundMessage).where(InboundMessage.message_id == message_id))


def files_in(folder) -> list:
    return sorted(folder.iterdir()) if folder.exists() else []


def attachments_of(case) -> list[Attachment]:
    column = {"Complaint": Attachment.complaint_id, "Ticket": Attachment.ticket_id}[
        type(case).__name__
    ]
    return list(db.session.scalars(select(Attachment).where(column == case.id)))


def client_with_contact(make, domain="acme.example", contact_address=None):
    """A client organisation at `domain` and one contact of it."""
    client = Participant(
        kind="client_organisation",
        organisation_name="Acme Pty Ltd",
        email=f"accounts@{domain}",
    )
    db.session.add(client)
    db.session.flush()
    contact = Participant(
        kind="complainant",
        given_name="Robin",
        family_name="Contact",
        email=contact_address or f"robin@{domain}",
        organisation_id=client.id,
    )
    db.session.add(contact)
    db.session.commit()
    return client, contact


def ticket_for(client, contact, **values) -> Ticket:
    ticket = Ticket(
        severity=values.pop("severity", "2"),
        status=values.pop("status", "new"),
        summary=values.pop("summary", "The portal is slow"),
        client=client,
        contact=contact,
        reported_at=values.pop("reported_at", datetime(2026, 3, 2, 0, 0, tzinfo=UTC)),
        **values,
    )
    db.session.add(ticket)
    db.session.commit()
    return ticket
