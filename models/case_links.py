"""A complainant's or client's own page of their case: the personal links to it, the
requests for a fresh link, and the late requests for an internal review made from it."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Index, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow


class CaseLink(db.Model):
    """One personal link: the hash of a random token (the token itself is only ever in the
    letter it was sent in), tied to one case and one recipient."""

    __tablename__ = "case_link"
    __table_args__ = (
        CheckConstraint(
            "(CASE WHEN complaint_id IS NULL THEN 0 ELSE 1 END)"
            " + (CASE WHEN ticket_id IS NULL THEN 0 ELSE 1 END) = 1",
            name="case_link_one_case",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    token_hash: Mapped[str] = mapped_column(String(64), unique=True)
    complaint_id: Mapped[int | None] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    complaint = relationship("Complaint")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), index=True
    )
    ticket = relationship("Ticket")
    # Whom it was sent to: the complainant, the ticket's contact or client organisation.
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    participant = relationship("Participant")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_by = relationship("User")

    @property
    def case(self):
        return self.complaint or self.ticket

    def __str__(self):
        return f"Case link {self.id}"


class CaseLinkRequest(db.Model):
    """Someone asked for a fresh link with a reference and an email address (kept hashed):
    counted per reference and per address per day, whichever app server answered."""

    __tablename__ = "case_link_request"
    __table_args__ = (
        Index("ix_case_link_request_reference_at", "reference", "requested_at"),
        Index("ix_case_link_request_email_at", "email_hash", "requested_at"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(40))
    email_hash: Mapped[str] = mapped_column(String(64))
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # Whether a link was sent (never shown to the person asking).
    sent: Mapped[bool] = mapped_column(Boolean, default=False)


class LateReviewRequest(db.Model):
    """A complainant asked for an internal review after the window had closed: waiting for
    the coordinator to accept it (the internal review is then created) or decline it."""

    __tablename__ = "late_review_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    complaint = relationship("Complaint")
    grounds: Mapped[str] = mapped_column(Text)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    # pending, accepted, declined
    status: Mapped[str] = mapped_column(String(20), default="pending", index=True)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by = relationship("User")
    decision_reason: Mapped[str | None] = mapped_column(Text)
    internal_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("internal_review.id", ondelete="SET NULL")
    )
    internal_review = relationship("InternalReview")

    def __str__(self):
        return f"Late review request {self.id}"
