"""How much the demo holds, and each case's life planned as (status, instant) events."""

from dataclasses import dataclass, field
from datetime import datetime, timedelta

from models import (
    Division,
    Participant,
)

TARGET_COMPLAINTS = 490
TARGET_TICKETS = 296
MINIMUM_PER_STATUS = 3
# Whatever the day the demo is loaded, some open work is due soon and some is overdue by
# at least this much: a reminder, an "overdue" filter and a "due soon" queue always show it.
LIVE_MARGIN = timedelta(hours=1)
HISTORY_DAYS = 548
BATCH_SIZE = 100


def widened(ages: tuple, attempt: int) -> tuple:
    """Ages to try: wider after each hundred misses (a long weekend leaves no fresh cases)."""
    low, high = ages
    return low, max(high, 1) * (1 + attempt // 100)


def status_at(events, now):
    """The status of a case at `now`: its last event at or before it."""
    current = events[0]
    for event in events:
        if event[1] <= now:
            current = event
    return current[0]


def last_time(events, status, now):
    times = [at for name, at in events if name == status and at <= now]
    return times[-1] if times else None


# ---------------------------------------------------------------- plans


@dataclass
class ComplaintPlan:
    kind: str
    division: Division
    received_at: datetime
    channel: str
    category: str
    summary: str
    description: str
    outcome_sought: str | None = None
    classification: str | None = None
    complainant: Participant | None = None
    human_rights: bool = False
    confidential: bool = False
    referral: str | None = None
    subjects: list = field(default_factory=list)
    involved: list = field(default_factory=list)
    manager: Participant | None = None
    decision_maker: Participant | None = None
    outcome: str | None = None
    outcome_reason: str | None = None
    events: list = field(default_factory=list)
    # (instant, {field: value}): what the register shows changes as the case moves on.
    changes: list = field(default_factory=list)
    extension: dict | None = None
    review: dict | None = None
    external: dict | None = None
    ticket_key: int | None = None

    def change(self, at: datetime, **values) -> None:
        self.changes.append((at, values))

    def fields_at(self, now: datetime) -> dict:
        fields = {}
        for at, values in sorted(self.changes, key=lambda change: change[0]):
            if at <= now:
                fields.update(values)
        return fields


@dataclass
class TicketPlan:
    key: int
    severity: str
    client: Participant
    contact: Participant | None
    reported_at: datetime
    channel: str
    summary: str
    description: str
    agent: Participant | None = None
    events: list = field(default_factory=list)
