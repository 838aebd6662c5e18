"""What was done and said on a case: internal notes and the contact log."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow


class CaseNote(db.Model):
    """One entry of a case's file: a note, or a contact (a phone call, a meeting, a letter by
    post, a conversation in person) with when it happened and with whom.

    Never edited in place: a correction is a new entry that points at the one it corrects.
    """

    __tablename__ = "case_note"
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
    complaint = relationship("Complaint")
    ticket_id: Mapped[int | None] = mapped_column(
        ForeignKey("ticket.id", ondelete="CASCADE"), index=True
    )
    ticket = relationship("Ticket")
    internal_review_id: Mapped[int | None] = mapped_column(
        ForeignKey("internal_review.id", ondelete="CASCADE"), index=True
    )
    internal_review = relationship("InternalReview")
    # rules/notes.py KINDS: note, phone, meeting, post, in_person.
    kind: Mapped[str] = mapped_column(String(20))
    # A contact: when it happened (a note is as of when it was recorded).
    happened_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    with_whom: Mapped[str | None] = mapped_column(String(200))
    summary: Mapped[str] = mapped_column(Text)
    # Shared with the complainant or client (the default is internal to the department).
    shared: Mapped[bool] = mapped_column(Boolean, default=False)
    corrects_id: Mapped[int | None] = mapped_column(
        ForeignKey("case_note.id", ondelete="SET NULL")
    )
    corrects = relationship("CaseNote", remote_side=[id])
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    user = relationship("User")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)

    @property
    def case(self):
        return self.complaint or self.ticket or self.internal_review

    def __str__(self):
        return f"Note {self.id}"
