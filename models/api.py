"""The JSON API's own records: the tokens that authenticate it, and the idempotency keys
that make a retried write safe."""

from datetime import datetime

from sqlalchemy import ForeignKey, Integer, String, Text, UniqueConstraint
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, db, utcnow


class ApiToken(db.Model):
    """A secret an administrator issues to an account for one integration.

    Only the SHA-256 of the secret is kept: the secret is shown once, when it is issued.
    The token acts as its account, with that account's capacities and scope; it stops
    working when revoked, when it expires, or when the account is switched off.
    """

    __tablename__ = "api_token"
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id"), index=True)
    user = relationship("User", foreign_keys=[user_id])
    # What it is for: "Online complaint form", "Smart Service call centre".
    name: Mapped[str] = mapped_column(String(120))
    # The start of the secret, shown in lists so a token can be recognised.
    prefix: Mapped[str] = mapped_column(String(16), index=True)
    secret_hash: Mapped[str] = mapped_column(String(64), unique=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    created_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    created_by = relationship("User", foreign_keys=[created_by_id])
    expires_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_used_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    revoked_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    revoked_by = relationship("User", foreign_keys=[revoked_by_id])

    def __str__(self):
        return f"{self.name} ({self.prefix}…)"


class IdempotencyKey(db.Model):
    """A write made with an `Idempotency-Key`: a retry with the same key gets this answer.

    Unique per account and key, so two identical requests racing each other save once: the
    second waits on the first's row and then replays its answer.
    """

    __tablename__ = "idempotency_key"
    __table_args__ = (UniqueConstraint("user_id", "key", name="uq_idempotency_key_user_key"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    user_id: Mapped[int] = mapped_column(ForeignKey("user_account.id", ondelete="CASCADE"))
    key: Mapped[str] = mapped_column(String(255))
    method: Mapped[str] = mapped_column(String(10))
    path: Mapped[str] = mapped_column(String(400))
    # SHA-256 of the method, path and the JSON body in canonical form.
    request_hash: Mapped[str] = mapped_column(String(64))
    status_code: Mapped[int] = mapped_column(Integer)
    response_body: Mapped[str] = mapped_column(Text)
    location: Mapped[str | None] = mapped_column(String(400))
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
