"""'How it went': the satisfaction survey a complainant or client is invited to once their
complaint is finalised or their ticket resolved, and their answers."""

from datetime import datetime

from sqlalchemy import Boolean, CheckConstraint, ForeignKey, Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow


class SurveyInvitation(db.Model):
    """One invitation per case, whichever door finalised or resolved it (the unique case
    columns). The link's token is kept only as its SHA-256 hash, made when the email is
    sent; the link works until `expires_at`."""

    __tablename__ = "survey_invitation"
    __table_args__ = (
        CheckConstraint(
            "(complaint_id IS NULL) <> (ticket_id IS NULL)",
            name="one_case",
        ),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    # complaint or ticket (models/kinds.py names)
    case_kind: Mapped[str] = mapped_column(String(20))
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), unique=True)
    complaint = relationship("Complaint")
    ticket_id: Mapped[int | None] = mapped_column(ForeignKey("ticket.id"), unique=True)
    ticket = relationship("Ticket")
    token_hash: Mapped[str | None] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    sent_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    response = relationship("SurveyResponse", back_populates="invitation", uselist=False)

    @property
    def case(self):
        return self.complaint or self.ticket


class SurveyResponse(db.Model):
    """The answers to one invitation: at most one (the unique invitation), however often
    or however quickly the form is sent."""

    __tablename__ = "survey_response"
    __table_args__ = (CheckConstraint("satisfaction BETWEEN 1 AND 5", name="satisfaction"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    invitation_id: Mapped[int] = mapped_column(
        ForeignKey("survey_invitation.id", ondelete="CASCADE"), unique=True
    )
    invitation = relationship("SurveyInvitation", back_populates="response")
    satisfaction: Mapped[int] = mapped_column(Integer)
    handled_in_time: Mapped[bool] = mapped_column(Boolean)
    fair: Mapped[bool] = mapped_column(Boolean)
    comment: Mapped[str | None] = mapped_column(Text)
    answered_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
