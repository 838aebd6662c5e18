"""Divisions, classification levels, participants and login accounts."""

from datetime import datetime

from sqlalchemy import (
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    false,
    func,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from rules import passwords
from rules.vocabulary import CAPACITIES

from .base import UTCDateTime, Versioned, db, utcnow


class Division(Versioned, db.Model):
    __tablename__ = "division"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120), unique=True)
    calendar_id: Mapped[int] = mapped_column(ForeignKey("calendar.id"), index=True)
    calendar = relationship("Calendar")

    def __str__(self):
        return self.name


class ClassificationLevel(Versioned, db.Model):
    """An ordered staff rank (AO2 < AO5 < AO8 < SES1): seniority is compared on `rank`."""

    __tablename__ = "classification_level"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(20), unique=True)
    name: Mapped[str] = mapped_column(String(120))
    rank: Mapped[int] = mapped_column(Integer, unique=True)

    def __str__(self):
        return self.code


class Participant(Versioned, db.Model):
    """Anyone the register names: complainants, client organisations, staff, external bodies."""

    __tablename__ = "participant"
    id: Mapped[int] = mapped_column(primary_key=True)
    kind: Mapped[str] = mapped_column(String(30), index=True)
    given_name: Mapped[str | None] = mapped_column(String(80))
    family_name: Mapped[str | None] = mapped_column(String(80), index=True)
    organisation_name: Mapped[str | None] = mapped_column(String(200), index=True)
    email: Mapped[str | None] = mapped_column(String(200))
    phone: Mapped[str | None] = mapped_column(String(40))
    address: Mapped[str | None] = mapped_column(Text)
    position_title: Mapped[str | None] = mapped_column(String(120))
    division_id: Mapped[int | None] = mapped_column(ForeignKey("division.id"), index=True)
    division = relationship("Division")
    level_id: Mapped[int | None] = mapped_column(ForeignKey("classification_level.id"))
    # Joined: a staff member is shown with their level wherever named (`__str__`).
    level = relationship("ClassificationLevel", lazy="joined")
    # A client organisation's contract chooses the calendar its tickets run on.
    calendar_id: Mapped[int | None] = mapped_column(ForeignKey("calendar.id"))
    calendar = relationship("Calendar")
    # A reporting contact belongs to a client organisation.
    organisation_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    organisation = relationship("Participant", remote_side=[id])
    # A contact of a client organisation nominated to receive its monthly service report.
    receives_client_report: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=false()
    )

    @property
    def display_name(self) -> str:
        person = " ".join(p for p in (self.given_name, self.family_name) if p)
        if person and self.organisation_name:
            return f"{person} ({self.organisation_name})"
        return person or self.organisation_name or f"Participant {self.id}"

    @property
    def short_name(self) -> str:
        """J. Smith, the way a refusal names an officer."""
        if self.given_name and self.family_name:
            return f"{self.given_name[0]}. {self.family_name}"
        return self.display_name

    def __str__(self):
        if self.kind == "staff" and self.level is not None:
            return f"{self.display_name} ({self.level.code})"
        return self.display_name


# Mail in, the import and the public pages find a person by address whatever its case:
# without this index each lookup read every participant.
Index("ix_participant_email_lower", func.lower(Participant.__table__.c.email))


user_capacity = Table(
    "user_capacity",
    db.Model.metadata,
    Column("user_id", ForeignKey("user_account.id", ondelete="CASCADE"), primary_key=True),
    Column("capacity_id", ForeignKey("capacity.id", ondelete="CASCADE"), primary_key=True),
)


class Capacity(db.Model):
    """A capacity from docs/domain.md, "People and roles", a login can act in
    (administrator, coordinator, ...)."""

    __tablename__ = "capacity"
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(120))

    def __str__(self):
        return self.name or CAPACITIES.get(self.code, self.code)


class User(Versioned, db.Model):
    __tablename__ = "user_account"
    id: Mapped[int] = mapped_column(primary_key=True)
    username: Mapped[str] = mapped_column(String(80), unique=True)
    password_hash: Mapped[str] = mapped_column(String(256))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    participant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    participant = relationship("Participant")
    capacities = relationship("Capacity", secondary=user_capacity, lazy="selectin")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    last_login_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Raised to end every session of the account on every app server: a session cookie
    # carries the generation it was signed in under, and one from an earlier generation is
    # refused (services/sessions.py).
    session_generation: Mapped[int] = mapped_column(
        Integer, default=0, server_default="0", nullable=False
    )
    # A second factor (TOTP, rules/second_factor.py): the shared secret once enrolled, and
    # the last time step a code was accepted for, so that no code is used twice.
    totp_secret: Mapped[str | None] = mapped_column(String(64))
    totp_enrolled_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    totp_last_step: Mapped[int | None] = mapped_column(Integer)
    # An administrator may require a second factor of anyone (administrators always).
    second_factor_required: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default="0", nullable=False
    )
    recovery_codes = relationship(
        "RecoveryCode", cascade="all, delete-orphan", order_by="RecoveryCode.id"
    )

    # Flask-Login's interface.
    @property
    def is_active(self):
        return bool(self.active)

    @property
    def is_authenticated(self):
        return True

    @property
    def is_anonymous(self):
        return False

    def get_id(self):
        return str(self.id)

    def set_password(self, password: str) -> None:
        self.password_hash = passwords.hash_password(password)

    def check_password(self, password: str) -> bool:
        return passwords.verify(self.password_hash, password)

    @property
    def capacity_codes(self) -> frozenset[str]:
        return frozenset(c.code for c in self.capacities)

    def has_capacity(self, code: str) -> bool:
        return code in self.capacity_codes

    def __str__(self):
        if self.participant is not None:
            return f"{self.participant.display_name} ({self.username})"
        return self.username


class RecoveryCode(db.Model):
    """A one-time code that stands in for the second factor (a lost phone): shown once when
    made, kept only as its hash, used at most once."""

    __tablename__ = "recovery_code"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    code_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
