"""Notifications to staff: the events, the due instants escalation rules watch, when a rule
fires, who a mention names, and the keys that make each notification once only.

Pure Python: no Flask, no database.
"""

import re
from dataclasses import dataclass
from datetime import datetime, timedelta

# The events a person is told of, in the order the preferences page lists them.
ASSIGNED = "assigned"
REPLY = "reply"
DOCUMENT = "document"
DUE_SOON = "due_soon"
DUE_PASSED = "due_passed"
DECISION = "decision"
REVIEW = "review"
MENTION = "mention"
ESCALATION = "escalation"
SEVERITY_ONE = "severity_one"
EVENTS = {
    ASSIGNED: "A case is assigned to you",
    REPLY: "A reply arrived on your case (an email filed on it)",
    DOCUMENT: "A document was added to your case",
    DUE_SOON: "A due date of your case is approaching",
    DUE_PASSED: "A due date of your case has passed",
    DECISION: "Your decision is awaited (a draft response is submitted to you)",
    REVIEW: "An internal review is assigned to you",
    MENTION: "Someone mentioned you (@username) in a case note",
    ESCALATION: "An escalation rule tells you of a case's due date",
    SEVERITY_ONE: "A severity 1 ticket is logged (support agents on duty)",
}
# Emailed unless the person says otherwise: what the portal emailed before (replies and
# due dates), and what cannot wait (escalations, a severity 1 outage).
EMAILED_BY_DEFAULT = frozenset({REPLY, DUE_SOON, DUE_PASSED, ESCALATION, SEVERITY_ONE})

# The due instants officers are told of: code -> (case type, due field, done field, label).
DUE_KINDS = {
    "complaint.registration": (
        "complaint",
        "registration_due_at",
        "registered_at",
        "Complaint entered in the register",
    ),
    "complaint.acknowledgement": (
        "complaint",
        "acknowledgement_due_at",
        "acknowledged_at",
        "Complainant acknowledged",
    ),
    "complaint.resolution": (
        "complaint",
        "resolution_due_at",
        "finalised_at",
        "Complaint resolved (response given)",
    ),
    "ticket.first_response": (
        "ticket",
        "first_response_due_at",
        "first_response_at",
        "First response",
    ),
    "ticket.resolution": ("ticket", "resolution_due_at", "resolved_at", "Ticket resolved"),
    "internal_review.resolution": (
        "internal_review",
        "due_at",
        "completed_at",
        "Internal review resolved",
    ),
}
DUE_KIND_NAMES = {code: spec[3] for code, spec in DUE_KINDS.items()}

# When a rule fires, and whom it tells.
BEFORE = "before"
PASSED = "passed"
MOMENTS = {
    BEFORE: "Before the due instant (N business hours ahead)",
    PASSED: "Once it has passed (N business hours after; 0: at once)",
}
OFFICER = "officer"
SUPERVISOR = "supervisor"
BOTH = "both"
AUDIENCES = {
    OFFICER: "The case's officer (nobody assigned: the division's coordinators)",
    SUPERVISOR: "The coordinator of its division (tickets: the desk leads)",
    BOTH: "The officer, and the coordinator or desk leads",
}
MAX_RULE_HOURS = 2000

# @username: letters, digits and . _ - as usernames are made; not inside an email address.
MENTION_PATTERN = re.compile(r"(?<![\w.@])@([A-Za-z0-9][A-Za-z0-9._-]*[A-Za-z0-9]|[A-Za-z0-9])")


def mentioned_usernames(text: str | None) -> list[str]:
    """The usernames a note mentions, lower case, each once, in order."""
    seen = []
    for match in MENTION_PATTERN.finditer(text or ""):
        name = match.group(1).lower()
        if name not in seen:
            seen.append(name)
    return seen


def rule_problem(moment: str | None, hours, due_kind: str | None, audience: str | None):
    """What is wrong with an escalation rule, in the administrator's words; None if fine."""
    if due_kind not in DUE_KINDS:
        return "Choose which due date the rule watches."
    if moment not in MOMENTS:
        return "Choose whether the rule tells before the due instant or once it has passed."
    if audience not in AUDIENCES:
        return "Choose whom the rule tells."
    if hours is None:
        return "Say how many business hours (0 or more)."
    if not isinstance(hours, int) or hours < 0 or hours > MAX_RULE_HOURS:
        return f"Business hours: a whole number from 0 to {MAX_RULE_HOURS}."
    if moment == BEFORE and hours == 0:
        return (
            "A rule before the due instant needs at least 1 business hour; "
            "to tell when it passes, choose 'Once it has passed'."
        )
    return None


@dataclass(frozen=True)
class Timing:
    """Where a case's due instant stands at `now`, on its calendar."""

    due: datetime
    now: datetime
    left: timedelta  # business time from now to the due (zero once passed)
    over: timedelta  # business time since the due passed (zero before)
    open_now: bool  # the calendar is in its business hours at `now`


def fires(moment: str, hours: int, timing: Timing, *, outside_hours: bool) -> bool:
    """Whether a rule tells of this due instant now. Quiet outside the calendar's business
    hours unless the rule says otherwise: it tells at the next opening instead."""
    if not outside_hours and not timing.open_now:
        return False
    if moment == BEFORE:
        return timing.due > timing.now and timing.left <= timedelta(hours=hours)
    if timing.due > timing.now:
        return False
    return timing.over >= timedelta(hours=hours)


def instant_key(instant: datetime | None) -> str:
    return instant.strftime("%Y%m%dT%H%M%S") if instant is not None else "-"


def due_key(prefix: str, case_type: str, case_id: int, due_kind: str, due, user_id: int) -> str:
    """One notification per case, due instant, rule (or built-in event) and person."""
    return f"{prefix}:{case_type}:{case_id}:{due_kind}:{instant_key(due)}:{user_id}"
