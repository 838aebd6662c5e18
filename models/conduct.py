"""Unreasonable complainant conduct: restrictions on a person's contact, the contacts made
through a restricted channel, and the representatives complainants act through."""

from datetime import date, datetime

from sqlalchemy import Date, ForeignKey, String, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, Versioned, db, utcnow


class ContactRestriction(Versioned, db.Model):
    """A restriction on how a person may contact the department: kept for good, lifted or
    expired, never deleted (rules/conduct.py)."""

    __tablename__ = "contact_restriction"
    id: Mapped[int] = mapped_column(primary_key=True)
    # The person restricted, and the complaint whose handling the conduct arose in.
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    participant = relationship("Participant", foreign_keys=[participant_id])
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    complaint = relationship("Complaint", foreign_keys=[complaint_id])
    # The division that decided it (the complaint's): coordinators see their division's.
    division_id: Mapped[int] = mapped_column(ForeignKey("division.id"), index=True)
    division = relationship("Division")

    conduct: Mapped[str] = mapped_column(Text)
    # Who they may contact; about what; through which channels; when; how.
    contact_officer_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    contact_officer = relationship("Participant", foreign_keys=[contact_officer_id])
    subject_matter: Mapped[str | None] = mapped_column(Text)
    channels: Mapped[str] = mapped_column(String(100))
    contact_times: Mapped[str | None] = mapped_column(Text)
    permitted_contact: Mapped[str | None] = mapped_column(Text)

    decided_by_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    decided_by = relationship("Participant", foreign_keys=[decided_by_id])
    effective_from: Mapped[datetime] = mapped_column(UTCDateTime)
    review_due_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    ends_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by = relationship("User", foreign_keys=[recorded_by_id])
    lifted_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    lifted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    lifted_by = relationship("User", foreign_keys=[lifted_by_id])
    lift_reason: Mapped[str | None] = mapped_column(Text)

    contacts = relationship(
        "RestrictedContact", back_populates="restriction", order_by="RestrictedContact.id"
    )

    def __str__(self):
        return f"Restriction {self.id}" if self.id else "New restriction"


class RestrictedContact(db.Model):
    """One contact through a restricted channel: recorded, and sent to the contact officer."""

    __tablename__ = "restricted_contact"
    id: Mapped[int] = mapped_column(primary_key=True)
    restriction_id: Mapped[int] = mapped_column(ForeignKey("contact_restriction.id"), index=True)
    restriction = relationship("ContactRestriction", back_populates="contacts")
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    complaint = relationship("Complaint")
    channel: Mapped[str] = mapped_column(String(20))
    received_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    summary: Mapped[str] = mapped_column(Text)

    def __str__(self):
        return self.summary


class Representative(Versioned, db.Model):
    """Someone a complainant acts through on one complaint, with their authority."""

    __tablename__ = "representative"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    complaint = relationship("Complaint", back_populates="representatives")
    participant_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    # Shown wherever the representative is: read with it.
    participant = relationship("Participant", lazy="joined")
    # advocate, family_member, member_of_parliament, lawyer, ... (rules/conduct.py)
    kind: Mapped[str] = mapped_column(String(30))
    # addressed, copied or none: where the complainant asked their letters to go.
    letters: Mapped[str] = mapped_column(String(20), default="copied")
    authority: Mapped[str] = mapped_column(Text)
    authority_date: Mapped[date | None] = mapped_column(Date)
    authority_notes: Mapped[str | None] = mapped_column(Text)
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self):
        return f"Representative {self.id}" if self.id else "New representative"
