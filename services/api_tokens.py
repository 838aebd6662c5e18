"""API tokens: issued to an account, kept only as a hash, revoked rather than deleted.

A token reads `cpt_` followed by 43 random URL-safe characters (256 bits). Its SHA-256 is
stored and looked up; the first characters (`prefix`) are kept in clear so that a token
can be recognised in lists and logs without revealing it. The secret itself is shown once,
when it is issued, and never again.
"""

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select, update
from sqlalchemy.orm import joinedload

from models import ApiToken, User, utcnow
from rules.errors import RuleViolation

TOKEN_MARK = "cpt_"
PREFIX_LENGTH = 12  # "cpt_" and the first 8 random characters
# Writing last_used_at on every call would make every read a write: once a minute is enough.
LAST_USED_RESOLUTION = timedelta(minutes=1)


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode("utf-8", "surrogatepass")).hexdigest()


@dataclass(frozen=True)
class Issued:
    token: ApiToken
    secret: str  # shown once


def issue(
    session, user: User, name: str, created_by: User | None = None, expires_at=None
) -> Issued:
    """A new token for `user` (not committed): the secret is in the answer, nowhere else."""
    name = (name or "").strip()
    if not name:
        raise RuleViolation("A token needs a name saying what it is for.")
    if len(name) > 120:
        raise RuleViolation("A token's name has at most 120 characters.")
    if not user.active:
        raise RuleViolation(
            f"The account {user.username} is switched off: it cannot be issued a token."
        )
    check_expiry(expires_at)
    token = ApiToken(
        user=user, name=name, created_at=utcnow(), created_by=created_by, expires_at=expires_at
    )
    secret = mint(token)
    session.add(token)
    return Issued(token, secret)


def check_expiry(expires_at: datetime | None, now: datetime | None = None) -> None:
    """An expiry looks forward: RuleViolation when it has already passed (None: never)."""
    if expires_at is not None and expires_at <= (now or utcnow()):
        raise RuleViolation(
            "A token's expiry must be in the future: choose a later date and time, or leave "
            "it empty for a token that never expires."
        )


def mint(token: ApiToken) -> str:
    """Give the token a new secret: its prefix and hash are kept, the secret returned."""
    secret = TOKEN_MARK + secrets.token_urlsafe(32)
    token.prefix = secret[:PREFIX_LENGTH]
    token.secret_hash = hash_secret(secret)
    return secret


def revoke(session, token: ApiToken, revoked_by: User | None = None) -> bool:
    """Stop the token working (not committed); False when it was already revoked."""
    if token.revoked_at is not None:
        return False
    token.revoked_at = utcnow()
    token.revoked_by = revoked_by
    return True


def state_of(token: ApiToken, now: datetime | None = None) -> str:
    """active, revoked, expired, or account switched off."""
    now = now or utcnow()
    if token.revoked_at is not None:
        return "revoked"
    if token.expires_at is not None and token.expires_at <= now:
        return "expired"
    if token.user is None or not token.user.active:
        return "account switched off"
    return "active"


def find(session, secret: str) -> tuple[ApiToken | None, str | None]:
    """The token with this secret and its state (`state_of`), or (None, None) if unknown."""
    if not secret or len(secret) > 200:
        return None, None
    token = (
        session.execute(
            select(ApiToken)
            .where(ApiToken.secret_hash == hash_secret(secret))
            # Its user, their person and capacities, in the same statement.
            .options(
                joinedload(ApiToken.user).joinedload(User.participant),
                joinedload(ApiToken.user).joinedload(User.capacities),
            )
        )
        .unique()
        .scalar_one_or_none()
    )
    if token is None:
        return None, None
    return token, state_of(token)


def mark_used(session, token: ApiToken) -> None:
    """Note the token's use: a plain UPDATE (no history entry), at most once a minute."""
    now = utcnow()
    if token.last_used_at is not None and now - token.last_used_at < LAST_USED_RESOLUTION:
        return
    session.execute(
        update(ApiToken).where(ApiToken.id == token.id).values(last_used_at=now),
        execution_options={"synchronize_session": False},
    )
    session.commit()
