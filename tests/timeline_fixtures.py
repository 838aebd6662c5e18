"""Cases with a timeline to read: notes, documents, messages in and out, history."""

import json
import secrets
from datetime import datetime, timedelta, timezone

from models import (
    Attachment,
    CaseNote,
    HistoryEntry,
    InboundMessage,
    OutboundMessage,
    db,
)

# Monday 2 March 2026, 10:00 in Brisbane: the first entry of every filled case.
START = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)
SOURCES = ("note", "document", "message_in", "message_out", "history")


def fill(complaint, count: int, user=None, start: datetime = START) -> None:
    """`count` entries on the complaint's timeline, a minute apart, the five sources in
    turn, saved through the ORM session (the flush hooks judge each)."""
    with db.session.no_autoflush:
        records = [entry(complaint, n, start + timedelta(minutes=n), user) for n in range(count)]
    db.session.add_all(records)
    db.session.commit()


def entry(complaint, n: int, at: datetime, user):
    """The n-th filled entry: a note, a document, an email in, a letter out, a history entry."""
    source = SOURCES[n % len(SOURCES)]
    if source == "note":
        return CaseNote(
            complaint=complaint,
            kind="note",
            summary=f"Note number {n}",
            user=user,
            recorded_at=at,
            shared=False,
        )
    if source == "document":
        return Attachment(
            complaint=complaint,
            original_filename=f"document-{n}.pdf",
            content_type="application/pdf",
            size=1000 + n,
            sha256="0" * 64,
            stored_name=secrets.token_hex(16),
            uploaded_at=at,
            uploaded_by=user,
            note=f"Document number {n}",
        )
    if source == "message_in":
        return InboundMessage(
            complaint=complaint,
            message_id=f"<in-{complaint.id}-{n}@example.com>",
            mailbox="complaints",
            received_at=at,
            from_address="sam@example.com",
            from_name="Sam Citizen",
            subject=f"Email number {n}",
            body_text=f"Email body {n}",
            status="filed",
        )
    if source == "message_out":
        return OutboundMessage(
            complaint=complaint,
            dedupe_key=f"timeline-{complaint.id}-{n}",
            template_key="acknowledgement",
            recipient_role="complainant",
            recipient_name="Sam Citizen",
            recipient_address="sam@example.com",
            subject=f"Letter number {n}",
            body=f"Letter body {n}",
            status="sent",
            created_at=at,
            sent_at=at,
            author=user,
        )
    return HistoryEntry(
        at=at,
        user=user,
        record_type="Complaint",
        record_id=complaint.id,
        action="update",
        summary=f"History number {n}",
        changes=json.dumps({"summary": [f"Before {n}", f"After {n}"]}),
    )
