"""What a complaint teaches (the issues it raised, systemic or not, the changes it led to)
and how long cases are kept (retention rules, and the record of each disposal)."""

from datetime import datetime

from sqlalchemy import Column, ForeignKey, Integer, String, Table, Text
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, Versioned, db, utcnow

# The issues a complaint raised, from the category list: several per complaint.
complaint_issue = Table(
    "complaint_issue",
    db.Model.metadata,
    Column("complaint_id", ForeignKey("complaint.id", ondelete="CASCADE"), primary_key=True),
    Column("category_id", ForeignKey("category.id"), primary_key=True, index=True),
)


class Improvement(Versioned, db.Model):
    """A change to the department's policies, procedures or practices a complaint led to:
    what was changed, who made it, and when."""

    __tablename__ = "improvement"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    complaint = relationship("Complaint", back_populates="improvements")
    description: Mapped[str] = mapped_column(Text)
    # The officer or business area that made the change, in the team's words.
    made_by: Mapped[str] = mapped_column(String(200))
    made_at: Mapped[datetime] = mapped_column(UTCDateTime, index=True)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by = relationship("User")
    recorded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self):
        return f"Improvement {self.id}" if self.id else "New improvement"


class RetentionRule(Versioned, db.Model):
    """How long one kind of case is kept after it closes, and the disposal authority that
    allows it to be destroyed then (docs/records.md)."""

    __tablename__ = "retention_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    # A kind of case: complaint, compliment, suggestion (a complaint record's kind), ticket.
    case_kind: Mapped[str] = mapped_column(String(20), unique=True)
    years: Mapped[int] = mapped_column(Integer)
    # The schedule's record class, and its disposal authorisation, as disposal cites them.
    record_class: Mapped[str] = mapped_column(String(300))
    # None until an administrator enters it: nothing of the kind is disposed of before.
    authority: Mapped[str | None] = mapped_column(String(300))

    def __str__(self):
        return f"Retention of {self.case_kind}"


class DisposalRecord(db.Model):
    """What was disposed of, when, by whom and under which authority: kept for good."""

    __tablename__ = "disposal_record"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    reference: Mapped[str] = mapped_column(String(24))
    case_kind: Mapped[str] = mapped_column(String(20))
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    disposed_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    disposed_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    disposed_by = relationship("User")
    retention_years: Mapped[int] = mapped_column(Integer)
    record_class: Mapped[str] = mapped_column(String(300))
    authority: Mapped[str] = mapped_column(String(300))
    # What was removed, in words (counts of files, messages, notes...): never the content.
    removed: Mapped[str] = mapped_column(Text)

    def __str__(self):
        return f"Disposal of {self.reference}"
