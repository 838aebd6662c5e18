"""Saved views: a grid's filters, search, sort and columns kept under a name."""

from datetime import datetime

from sqlalchemy import ForeignKey, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow


class SavedView(db.Model):
    """One grid's URL arguments under a name, for its owner, or shared with a division.

    Only the arguments are kept, never rows or counts: whoever opens it sees the rows the
    grid shows them, within their own scope."""

    __tablename__ = "saved_view"
    __table_args__ = (UniqueConstraint("owner_id", "name", name="uq_saved_view_owner_name"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    owner_id: Mapped[int] = mapped_column(
        ForeignKey("user_account.id", ondelete="CASCADE"), index=True
    )
    owner = relationship("User")
    name: Mapped[str] = mapped_column(String(80))
    # The grid's screen endpoint ("complaint", "ticket", "internal_review", ...).
    screen: Mapped[str] = mapped_column(String(40))
    # The grid's URL arguments, as a query string (flt…, search, sort, desc, columns).
    query: Mapped[str] = mapped_column(Text, default="")
    # Shared with the staff of this division (None: the owner's alone).
    division_id: Mapped[int | None] = mapped_column(
        ForeignKey("division.id", ondelete="CASCADE"), index=True
    )
    division = relationship("Division")
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    def __str__(self):
        return self.name
