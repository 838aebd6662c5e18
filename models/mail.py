"""Mail that comes in: every message read from a mailbox or piped in by a mail server, with
what became of it (filed on a case, a new case, triage, ignored, or quarantined)."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow


class InboundMessage(db.Model):
    """One email received. `message_id` is unique: the same message read twice, by two
    fetchers at once or from two mailboxes, is stored once."""

    __tablename__ = "inbound_message"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN complaint_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN internal_review_id IS NULL THEN 0 ELSE 1 END) <= 1",
            name="at_most_one_case",
        ),
        Index("ix_inbound_message_status_received", "status", "received_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # As the sender wrote it, or <sha256.HEX@message-id.invalid> when it had none.
    message_id: Mapped[str] = mapped_column(String(500), unique=True)
    # The configured mailbox it was read from ("complaints", "helpdesk"), or "pipe".
    mailbox: Mapped[str] = mapped_column(String(60))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    # The sender's Date header, when it parsed.
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    from_address: Mapped[str | None] = mapped_column(String(320), index=True)
    from_name: Mapped[str | None] = mapped_column(String(200))
    to_address: Mapped[str | None] = mapped_column(String(320))
    subject: Mapped[str | None] = mapped_column(String(500))
    in_reply_to: Mapped[str | None] = mapped_column(String(1000))
    references_header: Mapped[str | None] = mapped_column(Text)
    # The text the officer reads; the HTML part only after sanitising.
    body_text: Mapped[str | None] = mapped_column(Text)
    body_html: Mapped[str | None] = mapped_column(Text)
    size: Mapped[int] = mapped_column(Integer, default=0)
    sha256: Mapped[str | None] = mapped_column(String(64))
    # rules/mail_in.py STATUSES: filed, created, triage, ignored, quarantined, dismissed.
    status: Mapped[str] = mapped_column(String(20), index=True)
    # Why it is in triage, ignored or quarantined, in an administrator's words.
    reason: Mapped[str | None] = mapped_column(Text)
    # The case reference the message claims (subject or headers), kept for triage.
    claimed_reference: Mapped[str | None] = mapped_column(String(40))
    complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint.id", ondelete="SET NULL"), index=True
    )
    complaint = relationship("Complaint")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="SET NULL"), index=True
    )
    ticket = relationship("Ticket")
    internal_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("internal_review.id", ondelete="SET NULL"), index=True
    )
    internal_review = relationship("InternalReview")
    # The register's person the sender was matched to, if any.
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    participant = relationship("Participant")
    # The whole message as received, kept under the attachment folder (random name) for
    # triage and quarantine; None once it has been filed and its parts stored.
    raw_stored_name: Mapped[str | None] = mapped_column(String(64), unique=True)
    # Shared with the complainant or client: they wrote it.
    shared: Mapped[bool] = mapped_column(Boolean, default=True)
    # Who filed a triaged message on a case, or dismissed it, and when.
    handled_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    handled_by = relationship("User")
    handled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    @property
    def case(self):
        return self.complaint or self.ticket or self.internal_review

    def __str__(self):
        return self.subject or f"Message {self.id}"
