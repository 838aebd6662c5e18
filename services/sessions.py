"""Sessions that can be ended.

A session is a signed cookie; what makes it revocable is the account's
`session_generation`, kept in the database that every app server reads. Signing in writes
the generation into the cookie; a cookie of an earlier generation is refused on its next
request, on whichever server it arrives. Signing out, a new password, switching the account
off and an administrator's "sign out everywhere" raise the generation, so a cookie copied
before any of them opens nothing afterwards.

Idle and absolute timeouts are kept in the cookie too (when it was signed in, when it was
last used), and checked on each request against SESSION_IDLE_MINUTES and
SESSION_MAX_HOURS.
"""

from sqlalchemy import update

from models import User, changes_of

# Why a session was refused, in the words the sign-in page shows.
ENDED = "You were signed out (your account was signed out everywhere, or its password changed)."
IDLE = "You were signed out after {minutes} minutes without activity. Please sign in again."
TOO_LONG = "You were signed out after {hours} hours signed in. Please sign in again."


def end_every_session(session, user_id: int) -> None:
    """Every session of the account, on every app server, ends at its next request.

    A plain UPDATE: it is not a change to the account's history, nor a new version of the
    account that an administrator's open form would then refuse to save."""
    session.execute(
        update(User)
        .where(User.id == user_id)
        .values(session_generation=User.session_generation + 1),
        execution_options={"synchronize_session": False},
    )


def before_flush(session) -> None:
    """A new password or an account switched off ends its sessions, whatever door did it
    (the account form, `flask users set-password`, `flask users deactivate`)."""
    for obj in session.dirty:
        if not isinstance(obj, User):
            continue
        password = changes_of(obj, "password_hash")
        active = changes_of(obj, "active")
        switched_off = active.has_changes() and not obj.active
        if password.has_changes() and password.deleted or switched_off:
            obj.session_generation = (obj.session_generation or 0) + 1


def refusal(cookie: dict, user: User, now: float, idle_minutes: int, max_hours: int):
    """Why the cookie's session no longer signs `user` in, or None while it does."""
    if cookie.get("generation") != (user.session_generation or 0):
        return ENDED
    signed_in_at = cookie.get("signed_in_at")
    seen_at = cookie.get("seen_at")
    if not isinstance(signed_in_at, (int, float)) or not isinstance(seen_at, (int, float)):
        return ENDED
    if max_hours and now - signed_in_at > max_hours * 3600:
        return TOO_LONG.format(hours=max_hours)
    if idle_minutes and now - seen_at > idle_minutes * 60:
        return IDLE.format(minutes=idle_minutes)
    return None
