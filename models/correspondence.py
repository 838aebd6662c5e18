"""Letters and reminders: the templates administrators edit, and the outbox they go through."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    LargeBinary,
    String,
    Table,
    Text,
    UniqueConstraint,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, Versioned, db, utcnow


class MailTemplate(Versioned, db.Model):
    """The wording of one kind of letter or reminder (rules.correspondence names the keys)."""

    __tablename__ = "mail_template"
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __str__(self):
        return self.name or self.key


# The documents of the case sent with a message (a staff reply's attachments).
outbound_attachment = Table(
    "outbound_attachment",
    db.Model.metadata,
    Column(
        "outbound_message_id",
        ForeignKey("outbound_message.id", ondelete="CASCADE"),
        primary_key=True,
    ),
    Column("attachment_id", ForeignKey("attachment.id", ondelete="CASCADE"), primary_key=True),
)


class CannedParagraph(Versioned, db.Model):
    """A paragraph administrators keep for staff to start a reply from."""

    __tablename__ = "canned_paragraph"
    id: Mapped[int] = mapped_column(primary_key=True)
    title: Mapped[str] = mapped_column(String(120), unique=True)
    body: Mapped[str] = mapped_column(Text)
    # complaint, ticket or internal_review (models/kinds.py names); None: any case.
    case_kind: Mapped[str | None] = mapped_column(String(30))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __str__(self):
        return self.title


class OutboundMessage(db.Model):
    """One email in the outbox: rendered when queued, sent once by `flask mail send-due`.

    `dedupe_key` is unique: the same letter (or the same reminder of the same due instant
    to the same officer) is never queued twice, whichever door or server queues it.
    """

    __tablename__ = "outbound_message"
    __table_args__ = (Index("ix_outbound_message_status_next", "status", "next_attempt_at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    template_key: Mapped[str] = mapped_column(String(40), index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    recipient_address: Mapped[str | None] = mapped_column(String(200))
    recipient_name: Mapped[str | None] = mapped_column(String(200))
    # complainant, complaint_manager, decision_maker, internal_reviewer, support_agent, ...
    recipient_role: Mapped[str] = mapped_column(String(30))
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    participant = relationship("Participant")
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    user = relationship("User", foreign_keys=[user_id])

    subject: Mapped[str] = mapped_column(String(300))
    body: Mapped[str] = mapped_column(Text)
    # The same message as HTML, sent beside the plain text (None: plain text only).
    body_html: Mapped[str | None] = mapped_column(Text)

    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    complaint = relationship("Complaint")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), index=True)
    ticket = relationship("Ticket")
    internal_review_id: Mapped[int | None] = mapped_column(ForeignKey("internal_review.id"))
    internal_review = relationship("InternalReview")

    # queued, sending, sent, failed, no_address, withheld (rules.correspondence.STATUSES)
    status: Mapped[str] = mapped_column(String(20), default="queued")
    attempts: Mapped[int] = mapped_column(Integer, default=0)
    next_attempt_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    claimed_by: Mapped[str | None] = mapped_column(String(120))
    claimed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_error: Mapped[str | None] = mapped_column(Text)

    # Threading: the message this one answers (its Message-ID) and the thread so far.
    in_reply_to: Mapped[str | None] = mapped_column(String(1000))
    references_header: Mapped[str | None] = mapped_column(Text)
    # A reply written by staff on the case (None: a letter from a template).
    author_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    author = relationship("User", foreign_keys=[author_id])
    # Printed and sent by post (a recipient with no email address), by whom and when.
    posted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    posted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    posted_by = relationship("User", foreign_keys=[posted_by_id])
    attachments = relationship("Attachment", secondary=outbound_attachment)
    # Files made for the message itself (a client's service report as a PDF).
    files = relationship(
        "OutboundFile",
        order_by="OutboundFile.id",
        cascade="all, delete-orphan",
        passive_deletes=True,
    )
    # A client's monthly service report: a message about no case.
    client_report_delivery_id: Mapped[int | None] = mapped_column(
        ForeignKey("client_report_delivery.id"), index=True
    )
    client_report_delivery = relationship("ClientReportDelivery")

    @property
    def case(self):
        """The case it is about: the review, the ticket or the complaint."""
        return self.internal_review or self.ticket or self.complaint

    def __str__(self):
        return self.subject or f"Message {self.id}"


class OutboundFile(db.Model):
    """A file made for one outbox message and sent with it (not a document of a case)."""

    __tablename__ = "outbound_file"
    id: Mapped[int] = mapped_column(primary_key=True)
    outbound_message_id: Mapped[int] = mapped_column(
        ForeignKey("outbound_message.id", ondelete="CASCADE"), index=True
    )
    filename: Mapped[str] = mapped_column(String(255))
    content_type: Mapped[str] = mapped_column(String(120))
    content: Mapped[bytes] = mapped_column(LargeBinary)

    def __str__(self):
        return self.filename


class ClientReportDelivery(db.Model):
    """A client organisation's service report for one month, queued once: the unique
    (client, period) pair is what makes a second run, or two at once, mail nothing more."""

    __tablename__ = "client_report_delivery"
    __table_args__ = (
        UniqueConstraint("client_id", "period", name="uq_client_report_delivery_client_period"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    client_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    client = relationship("Participant")
    # The period's key: 2026-11.
    period: Mapped[str] = mapped_column(String(10))
    queued_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # How many nominated contacts it was queued to.
    contacts: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self):
        return f"Service report {self.period}"
