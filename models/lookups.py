"""Lookup lists administrators maintain: channels, categories, outcomes, referral targets."""

from sqlalchemy import Boolean, Integer, String
from sqlalchemy.orm import Mapped, mapped_column

from .base import Versioned, db


class Lookup(Versioned):
    id: Mapped[int] = mapped_column(primary_key=True)
    code: Mapped[str] = mapped_column(String(40), unique=True)
    name: Mapped[str] = mapped_column(String(160))
    active: Mapped[bool] = mapped_column(Boolean, default=True)
    sort_order: Mapped[int] = mapped_column(Integer, default=0)

    def __str__(self):
        return self.name


class Channel(Lookup, db.Model):
    __tablename__ = "channel"


class Category(Lookup, db.Model):
    __tablename__ = "category"


class Outcome(Lookup, db.Model):
    """How a finalised complaint ended: upheld, partly upheld, not upheld, ..."""

    __tablename__ = "outcome"
    # Declined to investigate and withdrawn need reasons recorded.
    requires_reason: Mapped[bool] = mapped_column(Boolean, default=False)


class ReferralTarget(Lookup, db.Model):
    """Another process a submission is referred to: privacy breach, misconduct, ..."""

    __tablename__ = "referral_target"
