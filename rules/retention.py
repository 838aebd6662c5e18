"""How long a case is kept after it closes, and when it may be disposed of.

The periods are data (`RetentionRule`, changed by administrators); the defaults below are
what a new installation starts with (docs/records.md says where they come from and what
an administrator must check). Pure Python: no Flask, no database.
"""

from datetime import datetime

# Kinds of case a retention rule is kept for: a complaint record's kind, and tickets.
CASE_KINDS = {
    "complaint": "Complaints",
    "compliment": "Compliments",
    "suggestion": "Suggestions",
    "ticket": "Service-desk tickets",
}

# kind -> (years after closing, record class, disposal authority): the defaults. The
# authority (the schedule's disposal authorisation number) is left for an administrator to
# enter once checked against the current schedule: nothing is disposed of without one.
DEFAULT_RULES = {
    "complaint": (
        7,
        "GRDS, complaints management: customer complaints (check the class and its period "
        "against the current schedule)",
        None,
    ),
    "compliment": (
        2,
        "GRDS, complaints management: compliments and feedback (check the class and its "
        "period against the current schedule)",
        None,
    ),
    "suggestion": (
        2,
        "GRDS, complaints management: compliments and feedback (check the class and its "
        "period against the current schedule)",
        None,
    ),
    "ticket": (
        7,
        "Core business schedule: client service requests (check the class and its period "
        "against the department's schedule)",
        None,
    ),
}

REMOVED = "(removed on disposal)"


def years_later(instant: datetime, years: int) -> datetime:
    """The same instant `years` later (29 February becomes 28 February)."""
    try:
        return instant.replace(year=instant.year + years)
    except ValueError:
        return instant.replace(year=instant.year + years, day=28)


def kept_until(closed_at: datetime | None, years: int) -> datetime | None:
    """When the retention period of a case closed at `closed_at` ends (None: still open)."""
    return None if closed_at is None else years_later(closed_at, years)


def closed_before(now: datetime, years: int) -> datetime:
    """Cases closed before this instant are past a retention period of `years` at `now`."""
    return years_later(now, -years)


def disposal_problem(
    *, reference: str, closed_at, disposed_at, years: int | None, authority: str, now
) -> str | None:
    """Why the case may not be disposed of now, in words; None when it may."""
    if disposed_at is not None:
        return f"{reference} was already disposed of."
    if years is None:
        return f"{reference}: no retention rule is kept for its kind of case."
    if closed_at is None:
        return f"{reference} is not closed: a case is kept until it closes, then {years} years."
    until = kept_until(closed_at, years)
    if until > now:
        return (
            f"{reference} is kept until {until:%d %B %Y} ({years} years after it closed): "
            "it may not be disposed of before then."
        )
    if not (authority or "").strip():
        return (
            f"{reference}: the retention rule names no disposal authority: an administrator "
            "enters the schedule's disposal authorisation on Configuration, Retention rules."
        )
    return None
