"""Business calendars, their opening windows, closures, worked holidays, and SLA targets."""

from datetime import date, time

from sqlalchemy import (
    Boolean,
    CheckConstraint,
    Date,
    ForeignKey,
    Integer,
    Numeric,
    String,
    Time,
    UniqueConstraint,
    true,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rules.vocabulary import WEEKDAYS

from .base import Versioned, db


class Calendar(Versioned, db.Model):
    __tablename__ = "calendar"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    timezone: Mapped[str] = mapped_column(String(64))
    holiday_country: Mapped[str | None] = mapped_column(String(8))
    holiday_subdivision: Mapped[str | None] = mapped_column(String(16))
    windows = relationship(
        "OpeningWindow",
        back_populates="calendar",
        cascade="all, delete-orphan",
        order_by="(OpeningWindow.weekday, OpeningWindow.opens_at)",
    )
    closures = relationship(
        "Closure",
        back_populates="calendar",
        cascade="all, delete-orphan",
        order_by="Closure.starts_on",
    )
    worked_holidays = relationship(
        "WorkedHoliday",
        back_populates="calendar",
        cascade="all, delete-orphan",
        order_by="WorkedHoliday.day",
    )

    def __str__(self):
        return f"{self.code}: {self.name}"


class OpeningWindow(db.Model):
    """Opening hours on one weekday; a day may have several (a lunch break, a split shift)."""

    __tablename__ = "opening_window"
    __table_args__ = (CheckConstraint("weekday BETWEEN 0 AND 6", name="weekday_range"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("calendar.id", ondelete="CASCADE"), index=True
    )
    calendar = relationship("Calendar", back_populates="windows")
    weekday: Mapped[int] = mapped_column(Integer)  # 0 = Monday
    opens_at: Mapped[time] = mapped_column(Time)
    closes_at: Mapped[time] = mapped_column(Time)

    def __str__(self):
        return f"{WEEKDAYS[self.weekday]} {self.opens_at:%H:%M}-{self.closes_at:%H:%M}"


class Closure(db.Model):
    """Days administrators close the office (a shutdown), whole days or part of each day."""

    __tablename__ = "closure"
    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("calendar.id", ondelete="CASCADE"), index=True
    )
    calendar = relationship("Calendar", back_populates="closures")
    name: Mapped[str] = mapped_column(String(120))
    starts_on: Mapped[date] = mapped_column(Date)
    ends_on: Mapped[date] = mapped_column(Date)
    from_time: Mapped[time | None] = mapped_column(Time)
    until_time: Mapped[time | None] = mapped_column(Time)

    def __str__(self):
        days = f"{self.starts_on:%d/%m/%Y}" if self.starts_on else ""
        if self.ends_on and self.ends_on != self.starts_on:
            days += f" to {self.ends_on:%d/%m/%Y}"
        hours = ""
        if self.from_time or self.until_time:
            start = f"{self.from_time:%H:%M}" if self.from_time else "opening"
            end = f"{self.until_time:%H:%M}" if self.until_time else "closing"
            hours = f", {start} to {end}"
        return f"{self.name} ({days}{hours})"


class WorkedHoliday(db.Model):
    """A statutory holiday this calendar's office works (the Show holiday outside Brisbane)."""

    __tablename__ = "worked_holiday"
    __table_args__ = (UniqueConstraint("calendar_id", "day", name="uq_worked_holiday_day"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    calendar_id: Mapped[int] = mapped_column(
        ForeignKey("calendar.id", ondelete="CASCADE"), index=True
    )
    calendar = relationship("Calendar", back_populates="worked_holidays")
    day: Mapped[date] = mapped_column(Date)
    note: Mapped[str | None] = mapped_column(String(200))

    def __str__(self):
        note = f" ({self.note})" if self.note else ""
        return f"{self.day:%d/%m/%Y}{note}"


class SlaTarget(Versioned, db.Model):
    """A timeframe as data: what it applies to, an amount, a unit, a calendar, a service level."""

    __tablename__ = "sla_target"
    __table_args__ = (CheckConstraint("amount >= 0", name="amount_not_negative"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    key: Mapped[str] = mapped_column(String(60), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    amount: Mapped[int] = mapped_column(Integer)
    unit: Mapped[str] = mapped_column(String(20))
    # None: the calendar of the case's division or client.
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendar.id"))
    calendar = relationship("Calendar")
    service_level_percent: Mapped[float | None] = mapped_column(Numeric(5, 2))
    active: Mapped[bool] = mapped_column(Boolean, default=True)

    def __str__(self):
        return self.name


class PauseStatus(db.Model):
    """A status whose time waits on the complainant or client: the clock does not run in it."""

    __tablename__ = "pause_status"
    __table_args__ = (UniqueConstraint("case_type", "status", name="uq_pause_status"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(30))
    status: Mapped[str] = mapped_column(String(30))
    # A reply by email from the person the case waits on resumes its clock.
    resume_on_reply: Mapped[bool] = mapped_column(Boolean, default=True, server_default=true())

    def __str__(self):
        return f"{self.case_type}: {self.status}"


class ConfigurationStamp(db.Model):
    """One row whose stamp changes with every saved change to the calendars, SLA targets or
    pause statuses (services/clocks/engines.py): each app process keeps what it loaded of
    them while the stamp it reads is the one it loaded them under."""

    __tablename__ = "configuration_stamp"
    id: Mapped[int] = mapped_column(Integer, primary_key=True)
    stamp: Mapped[str] = mapped_column(String(32))
