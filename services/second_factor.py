"""The second factor's state: enrolling, checking a code (once only, on any server),
recovery codes, and an administrator's reset. The codes themselves: rules/second_factor."""

from sqlalchemy import delete, func, or_, select, update

from models import RecoveryCode, User, utcnow
from rules import second_factor as rules

from . import sessions


def enrol(session, user: User, secret: str, step: int) -> list[str]:
    """Keep the secret the person's app showed a good code for; return new recovery codes
    (shown once: only their hashes are kept)."""
    user.totp_secret = secret
    user.totp_enrolled_at = utcnow()
    user.totp_last_step = step
    return new_recovery_codes(session, user)


def new_recovery_codes(session, user: User) -> list[str]:
    """Replace the account's recovery codes; the old ones stop working."""
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    codes = rules.new_recovery_codes()
    for code in codes:
        session.add(RecoveryCode(user_id=user.id, code_hash=rules.recovery_hash(code)))
    return codes


def recovery_codes_left(session, user_id: int) -> int:
    return session.scalar(
        select(func.count())
        .select_from(RecoveryCode)
        .where(RecoveryCode.user_id == user_id, RecoveryCode.used_at.is_(None))
    )


def accept(session, user: User, code: str, now: float) -> str | None:
    """Check a code from the person's app, or a recovery code. Each is used once, also when
    two servers are sent the same code at the same moment (a conditional UPDATE: only one
    of them changes the row). Returns "code" or "recovery", or None when refused."""
    if not user.totp_secret:
        return None
    step = rules.accepted_step(user.totp_secret, code, now, user.totp_last_step)
    if step is not None:
        taken = session.execute(
            update(User)
            .where(
                User.id == user.id,
                or_(User.totp_last_step.is_(None), User.totp_last_step < step),
            )
            .values(totp_last_step=step),
            execution_options={"synchronize_session": False},
        )
        return "code" if taken.rowcount == 1 else None
    if rules.looks_like_recovery_code(code):
        used = session.execute(
            update(RecoveryCode)
            .where(
                RecoveryCode.user_id == user.id,
                RecoveryCode.code_hash == rules.recovery_hash(code),
                RecoveryCode.used_at.is_(None),
            )
            .values(used_at=utcnow()),
            execution_options={"synchronize_session": False},
        )
        return "recovery" if used.rowcount == 1 else None
    return None


def turn_off(session, user: User) -> None:
    """No second factor any more (the person's own choice where allowed, or an
    administrator's reset for a lost phone): the secret and recovery codes go, and every
    session of the account ends."""
    user.totp_secret = None
    user.totp_enrolled_at = None
    user.totp_last_step = None
    session.execute(delete(RecoveryCode).where(RecoveryCode.user_id == user.id))
    session.flush()
    sessions.end_every_session(session, user.id)


def required_of(user: User, setting: str) -> bool:
    return rules.required(user.capacity_codes, user.second_factor_required, setting)
