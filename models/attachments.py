"""Files on a case: sent by a complainant with a submission, or added by staff to a
complaint, a ticket or an internal review. The bytes are kept outside the web root."""

from datetime import datetime

from sqlalchemy import CheckConstraint, ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow


class Attachment(db.Model):
    """One file of a case: the bytes live in ATTACHMENT_FOLDER as `stored_name`."""

    __tablename__ = "attachment"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN complaint_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN internal_review_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="one_case",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    complaint = relationship("Complaint", back_populates="attachments")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), index=True
    )
    ticket = relationship("Ticket")
    internal_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("internal_review.id", ondelete="CASCADE"), index=True
    )
    internal_review = relationship("InternalReview")
    # Staff who added it; None: sent by the complainant with a submission.
    uploaded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    uploaded_by = relationship("User")
    # What the document is, in the officer's words ("Draft response", "Receipt").
    note: Mapped[str | None] = mapped_column(String(200))
    # As the sender named it, for display and download only; never used as a path.
    original_filename: Mapped[str] = mapped_column(String(255))
    # The type the content was recognised as, not the one the browser claimed.
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # A random name of our own: nothing the sender typed reaches the file system.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Came in with this email (an attachment or an inline image of the message).
    inbound_message_id: Mapped[int | None] = mapped_column(
        ForeignKey("inbound_message.id", ondelete="SET NULL"), index=True
    )
    inbound_message = relationship("InboundMessage")

    def __str__(self):
        return self.original_filename
