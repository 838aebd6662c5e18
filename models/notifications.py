"""Notifications to staff, each person's choices, and the escalation rules administrators
keep."""

from datetime import datetime

from sqlalchemy import Boolean, ForeignKey, Index, Integer, String, Text, true
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, Versioned, db, utcnow


class Notification(db.Model):
    """One thing a person is told in the portal (and, by their choice, by email).

    `dedupe_key` is unique: the same event (a due instant and rule, an assignment, a
    mention) is told to the same person once, whichever server or run notices it.
    """

    __tablename__ = "notification"
    __table_args__ = (
        Index("ix_notification_user_read", "user_id", "read_at"),
        Index("ix_notification_case", "case_type", "case_id"),
    )
    id: Mapped[int] = mapped_column(primary_key=True)
    dedupe_key: Mapped[str] = mapped_column(String(200), unique=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    user = relationship("User")
    # rules.notifications.EVENTS
    event: Mapped[str] = mapped_column(String(30))
    case_type: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int] = mapped_column(Integer)
    title: Mapped[str] = mapped_column(String(300))
    rule_id: Mapped[int | None] = mapped_column(
        ForeignKey("escalation_rule.id", ondelete="SET NULL")
    )
    rule = relationship("EscalationRule")
    emailed: Mapped[bool] = mapped_column(Boolean, default=False)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    read_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self):
        return self.title


class NotificationPreference(db.Model):
    """A person's choices: which events also come by email, and whether they are on duty
    (a support agent off duty is not alerted of severity 1 tickets)."""

    __tablename__ = "notification_preference"
    user_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True
    )
    # Comma-separated event codes emailed; None: the defaults.
    email_events: Mapped[str | None] = mapped_column(Text)
    on_duty: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())


class EscalationRule(Versioned, db.Model):
    """When a due instant of a kind is N business hours away (or has passed), tell the
    case's officer and/or the coordinator of its division (tickets: the desk leads)."""

    __tablename__ = "escalation_rule"
    id: Mapped[int] = mapped_column(primary_key=True)
    name: Mapped[str] = mapped_column(String(120))
    # rules.notifications.DUE_KINDS
    due_kind: Mapped[str] = mapped_column(String(40))
    # before / passed
    moment: Mapped[str] = mapped_column(String(10), default="before")
    business_hours: Mapped[int] = mapped_column(Integer, default=8)
    # officer / supervisor / both
    audience: Mapped[str] = mapped_column(String(20), default="officer")
    # Quiet outside the calendar's business hours unless this is set.
    outside_hours: Mapped[bool] = mapped_column(Boolean, default=False)
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self):
        return self.name or f"Escalation rule {self.id}"
