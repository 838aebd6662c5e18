"""Files a complainant sends with a submission, kept outside the web root."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow


class Attachment(db.Model):
    """One file sent with a complaint: the bytes live in ATTACHMENT_FOLDER as `stored_name`."""

    __tablename__ = "attachment"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    complaint = relationship("Complaint", back_populates="attachments")
    # As the sender named it, for display and download only; never used as a path.
    original_filename: Mapped[str] = mapped_column(String(255))
    # The type the content was recognised as, not the one the browser claimed.
    content_type: Mapped[str] = mapped_column(String(120))
    size: Mapped[int] = mapped_column(Integer)
    sha256: Mapped[str] = mapped_column(String(64))
    # A random name of our own: nothing the sender typed reaches the file system.
    stored_name: Mapped[str] = mapped_column(String(64), unique=True)
    uploaded_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    def __str__(self):
        return self.original_filename
