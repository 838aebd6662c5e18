"""An extension of a complaint's resolution due, as the procedure allows one: it gives more
time (later than the due it extends), it falls due at closing time of a business day of the
case's calendar, and it is approved by an officer with the authority to (the decision maker
of the case or a coordinator), never by the complaint manager it gives more time to.

Pure: plain values in, the refusals in a coordinator's words out. No Flask, no models.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from .clock import BusinessCalendar, Unit
from .correspondence import instant_in_words

ONE_TICK = timedelta(microseconds=1)


def at_closing_time(calendar: BusinessCalendar, instant: datetime) -> datetime:
    """Closing time of the business day `instant` falls on; after closing, or on a day off,
    closing time of the next business day (never earlier than asked for)."""
    # Business days with an amount of 0: closing time of day 0, the day itself when it is a
    # business day and the instant is strictly before closing (a tick back keeps a closing
    # time where it is).
    return calendar.due(instant - ONE_TICK, 0, Unit.BUSINESS_DAYS)


@dataclass(frozen=True, slots=True)
class Approval:
    """Who approved an extension, and the officers of the case it extends."""

    approver_id: int | None
    approver_name: str
    approver_is_coordinator: bool
    manager_id: int | None
    decision_maker_id: int | None


def approval_problems(reference: str, approval: Approval) -> list[str]:
    if approval.approver_id is None:
        return ["An extension needs the officer who approved it."]
    name = approval.approver_name
    if approval.approver_id == approval.manager_id:
        return [
            f"{name} manages {reference}: an extension is approved by its decision maker or a "
            "coordinator, not by the complaint manager it gives more time to. Ask one of them "
            "to approve it."
        ]
    if approval.approver_id == approval.decision_maker_id or approval.approver_is_coordinator:
        return []
    return [
        f"{name} may not approve an extension of {reference}: only its decision maker or a "
        "coordinator may."
    ]


def due_problems(
    reference: str, new_due: datetime | None, extends_due: datetime | None, timezone: str
) -> list[str]:
    if new_due is None:
        return ["An extension needs the new resolution due."]
    if extends_due is not None and new_due <= extends_due:
        return [
            f"An extension gives more time: the new resolution due of {reference} must be "
            f"later than the one it extends, {instant_in_words(extends_due, timezone)}, not "
            f"{instant_in_words(new_due, timezone)}."
        ]
    return []
