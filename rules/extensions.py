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


# --- a complaint manager's request for an extension, and the decision on it ------------

DECISIONS = {"approved": "approved", "declined": "declined"}


@dataclass(frozen=True, slots=True)
class Asking:
    """Who asks for an extension of a complaint, and where the complaint stands."""

    requester_id: int | None
    requester_name: str
    manager_id: int | None
    closed_status: str | None  # the status in words when the complaint is closed
    pending: bool  # another request of the complaint waits for a decision


def request_problems(reference: str, asking: Asking, reason: str | None) -> list[str]:
    """Why a request for an extension may not be made (the due is judged by due_problems)."""
    if asking.requester_id is None or asking.requester_id != asking.manager_id:
        who = asking.requester_name or "Nobody"
        return [
            f"{who} does not manage {reference}: only its complaint manager asks for an "
            "extension of it."
        ]
    problems = []
    if asking.closed_status is not None:
        problems.append(
            f"{reference} is {asking.closed_status.lower()}: an extension is asked for only "
            "while the complaint is open."
        )
    if asking.pending:
        problems.append(
            f"{reference} already has an extension request waiting for a decision: wait for "
            "it to be approved or declined before asking again."
        )
    if not (reason or "").strip():
        problems.append("Say why the complaint needs more time: the approver reads it.")
    return problems


def decision_problems(
    reference: str,
    approval: Approval,
    decision: str | None,
    note: str | None,
    closed_status: str | None,
) -> list[str]:
    """Why this decision on a pending request may not be recorded."""
    if decision not in DECISIONS:
        return ["Choose whether the extension request is approved or declined."]
    if approval.approver_id is None:
        return ["A decision on an extension request needs the officer who made it."]
    name = approval.approver_name
    if approval.approver_id == approval.manager_id:
        return [
            f"{name} manages {reference}: an extension request is decided by its decision "
            "maker or a coordinator, not by the complaint manager who asked for more time."
        ]
    if approval.approver_id != approval.decision_maker_id and not approval.approver_is_coordinator:
        return [
            f"{name} may not decide an extension request of {reference}: only its decision "
            "maker or a coordinator may."
        ]
    if decision == "declined" and not (note or "").strip():
        return ["Say why the extension is declined: the complaint manager reads it."]
    if decision == "approved" and closed_status is not None:
        return [
            f"{reference} is {closed_status.lower()}: an extension is approved only while the "
            "complaint is open. Decline the request instead."
        ]
    return []


def already_decided(decision: str, decided_by: str, when: str) -> str:
    return (
        f"This extension request was already {DECISIONS.get(decision, decision)} by "
        f"{decided_by} on {when}: a decision stands. If more time is still needed, the "
        "complaint manager asks again."
    )
