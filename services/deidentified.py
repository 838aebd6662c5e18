"""The de-identified export of complaints, for analysis outside the division.

No names, contact details, addresses, references or free text: only what a complaint is
(kind, category, issues, classification, channel, division), when its steps happened (local
dates, not times), how long they took (calendar days), and how it ended (status, outcome,
reviews, improvements). AS/NZS 10002 asks an organisation to say how de-identified
complaint data may be disclosed (docs/records.md).
"""

from __future__ import annotations

from datetime import datetime
from zoneinfo import ZoneInfo

from sqlalchemy.orm import joinedload, selectinload

from models import Complaint
from rules.vocabulary import CLASSIFICATIONS, COMPLAINT_KINDS, COMPLAINT_STATUSES

HEADERS = (
    "Row",
    "Kind",
    "Category",
    "Issues raised",
    "Classification",
    "Channel",
    "Division",
    "Human-rights aspect",
    "Received (date)",
    "Acknowledged (date)",
    "Finalised (date)",
    "Closed (date)",
    "Days to acknowledge",
    "Days to finalise",
    "Status",
    "Outcome",
    "Internal review requested",
    "External review",
    "Revealed a systemic issue",
    "Improvements",
)

# Loaded with each batch of complaints, never one row at a time.
LOADS = (
    joinedload(Complaint.category),
    joinedload(Complaint.channel),
    joinedload(Complaint.division),
    joinedload(Complaint.outcome),
    selectinload(Complaint.issues),
    selectinload(Complaint.internal_reviews),
    selectinload(Complaint.external_reviews),
    selectinload(Complaint.improvements),
)


def _day(instant: datetime | None, zone: ZoneInfo):
    return instant.astimezone(zone).date() if instant is not None else None


def _days(start: datetime | None, end: datetime | None, zone: ZoneInfo) -> int | None:
    if start is None or end is None:
        return None
    return (_day(end, zone) - _day(start, zone)).days


def rows(complaints, time_zone: str):
    """One row per complaint, numbered from 1, dates in `time_zone`."""
    zone = ZoneInfo(time_zone)
    for number, c in enumerate(complaints, start=1):
        yield (
            number,
            COMPLAINT_KINDS.get(c.kind, c.kind),
            c.category.name if c.category is not None else "",
            "; ".join(category.name for category in c.issues),
            CLASSIFICATIONS.get(c.classification, c.classification or ""),
            c.channel.name if c.channel is not None else "",
            c.division.name if c.division is not None else "",
            bool(c.human_rights),
            _day(c.received_at, zone),
            _day(c.acknowledged_at, zone),
            _day(c.finalised_at, zone),
            _day(c.closed_at, zone),
            _days(c.received_at, c.acknowledged_at, zone),
            _days(c.received_at, c.finalised_at, zone),
            COMPLAINT_STATUSES.get(c.status, c.status),
            c.outcome.name if c.outcome is not None else "",
            bool(c.internal_reviews),
            bool(c.external_reviews),
            bool(c.systemic_issue),
            len(c.improvements),
        )
