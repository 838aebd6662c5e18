"""Values that are wrong whatever door they come through: an address that is not one, a
target that times nothing, a review closed before it began. Pure: values in, the problem in
the user's words out (None when there is none)."""

import re
from datetime import datetime, timezone

# name@example.com: no spaces, one @, a dotted domain whose labels are not empty.
EMAIL_ADDRESS = re.compile(r"[^@\s]+@[^@\s.]+(\.[^@\s.]+)*\.[^@\s.]{2,}")


def is_email_address(text: str) -> bool:
    return EMAIL_ADDRESS.fullmatch(text.strip()) is not None


def email_problem(text: str | None) -> str | None:
    """An email address that cannot be written to; blank is no address, not a wrong one."""
    if text is None or not text.strip() or is_email_address(text):
        return None
    return f"“{text.strip()}” is not an email address: enter it like name@example.com."


def client_report_contact_problem(organisation_kind: str | None) -> str | None:
    """Only a contact of a client organisation receives its monthly service report."""
    if organisation_kind == "client_organisation":
        return None
    return (
        "Only a contact of a client organisation can receive its service report: choose the "
        "client organisation in “Belongs to organisation”, or untick “Receives the client's "
        "service report”."
    )


def sla_amount_problem(amount: int | None, target: str) -> str | None:
    """A target times something: 0 or less would make every case it times due at once."""
    if amount is None:
        return f"Give the SLA target “{target}” an amount of 1 or more."
    if amount < 1:
        return (
            f"The SLA target “{target}” needs an amount of 1 or more: {amount} would make every "
            "case it times due the moment its clock starts."
        )
    return None


def review_closed_problem(notified_at: datetime | None, closed_at: datetime | None) -> str | None:
    """An external review closes on or after the day the external body was notified."""
    if notified_at is None or closed_at is None or closed_at >= notified_at:
        return None
    return (
        "An external review cannot be closed before the external body was notified of it: "
        "make the closing date the notification date or later."
    )


def happened_problem(words: str, instant: datetime | None, now: datetime) -> str | None:
    """An instant that records when something happened cannot lie ahead of now."""
    if instant is None:
        return None
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    if instant <= now:
        return None
    return f"The {words} is in the future: enter when it happened."
