"""Which due instants a case has, when each clock starts, and whether each was met.

Pure: facts and targets in, deadlines out. The calendar arithmetic is rules.clock's.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from types import MappingProxyType

from .clock import RECEIPT, BusinessCalendar, Explanation, StartEvent
from .vocabulary import UNITS

# The share of a clock's business time left under which an open deadline is at risk.
AT_RISK_SHARE = 0.25

Span = tuple[datetime, datetime]

# The steps clocks run from, other than receipt, as the explanations name them.
REGISTRATION = StartEvent("Registered", "registration")
RESPONSE = StartEvent("Response given", "the response")
REPORT = StartEvent("Reported", "reporting")
REQUEST = StartEvent("Review requested", "the request")


@dataclass(frozen=True, slots=True)
class Target:
    """An SLA target with its calendar resolved for the case at hand."""

    key: str
    name: str
    amount: int
    unit: str
    calendar: BusinessCalendar
    service_level_percent: float | None = None

    def describe(self) -> str:
        level = (
            f", {self.service_level_percent:g}% service level"
            if self.service_level_percent
            else ""
        )
        return (
            f"{self.amount} {UNITS.get(self.unit, self.unit)} on {self.calendar.spec.code}{level}"
        )

    def due(self, start: datetime, pauses: Sequence[Span] = ()) -> datetime:
        return self.calendar.due(start, self.amount, self.unit, pauses)

    def explain(self, start: datetime, pauses: Sequence[Span] = ()) -> Explanation:
        return self.calendar.explain(start, self.amount, self.unit, pauses=pauses)


@dataclass(frozen=True, slots=True)
class ExtensionFacts:
    new_due_at: datetime
    reason: str
    approved_by: str
    approved_at: datetime


# Made by the thousand when a calendar change recomputes a register: plain slotted
# classes, not frozen ones, since frozen dataclasses are several times slower to build.
@dataclass(slots=True)
class Deadline:
    field: str  # the column it is stored in
    label: str
    target: Target | None
    start: datetime | None
    due: datetime | None
    done_at: datetime | None = None
    # Obligations count for "next due" and overdue; windows (review request, the
    # Commissioner) are dates the complainant is told, not work the department owes.
    obligation: bool = True
    pauses: tuple[Span, ...] = ()
    extension: ExtensionFacts | None = None
    notes: tuple[str, ...] = ()
    started_by: StartEvent = RECEIPT


@dataclass(slots=True)
class ComplaintFacts:
    kind: str
    classification: str | None
    status: str
    received_at: datetime
    registered_at: datetime | None = None
    acknowledged_at: datetime | None = None
    finalised_at: datetime | None = None
    closed_at: datetime | None = None
    human_rights: bool = False
    extension: ExtensionFacts | None = None
    pauses: tuple[Span, ...] = field(default_factory=tuple)


@dataclass(slots=True)
class TicketFacts:
    severity: str
    status: str
    reported_at: datetime
    first_response_at: datetime | None = None
    resolved_at: datetime | None = None
    pauses: tuple[Span, ...] = field(default_factory=tuple)


@dataclass(slots=True)
class ReviewFacts:
    status: str
    requested_at: datetime
    completed_at: datetime | None = None
    pauses: tuple[Span, ...] = field(default_factory=tuple)


Recorded = Mapping[str, datetime | None]
NOTHING_RECORDED: Recorded = MappingProxyType({})


def _deadline(
    recorded: Recorded, field_name, label, target, start, done_at=None, pauses=(), **extra
) -> Deadline:
    if target is None or start is None:
        return Deadline(field_name, label, target, start, None, done_at, **extra)
    # A met deadline keeps the due instant it was met against, whatever changed since.
    kept = recorded.get(field_name) if done_at is not None else None
    due = kept or target.due(start, pauses)
    return Deadline(field_name, label, target, start, due, done_at, pauses=tuple(pauses), **extra)


def complaint_deadlines(
    facts: ComplaintFacts, targets: Mapping[str, Target], recorded: Recorded = NOTHING_RECORDED
) -> list[Deadline]:
    """`recorded`: the due instants stored so far; met ones are kept, not recomputed."""
    deadlines = [
        _deadline(
            recorded,
            "registration_due_at",
            "Entered in the register",
            targets.get(f"complaint.registration.{facts.kind}"),
            facts.received_at,
            facts.registered_at,
        )
    ]
    if facts.kind != "complaint":
        return deadlines
    deadlines.append(
        _deadline(
            recorded,
            "acknowledgement_due_at",
            "Complainant acknowledged",
            targets.get("complaint.acknowledgement"),
            facts.registered_at,
            facts.acknowledged_at,
            started_by=REGISTRATION,
        )
    )
    classification = facts.classification or "standard"
    notes = []
    if not facts.classification:
        notes.append("Not yet classified: timed as a formal, standard complaint until it is.")
    if classification == "complex" and facts.extension is None:
        notes.append(
            "A complex complaint needs an extension, with its reason, approved and told "
            "to the complainant."
        )
    resolution = _deadline(
        recorded,
        "resolution_due_at",
        "Resolved (response given)",
        targets.get(f"complaint.resolution.{classification}"),
        facts.received_at,
        facts.finalised_at or (facts.closed_at if facts.status == "referred" else None),
        facts.pauses,
        notes=tuple(notes),
    )
    if facts.extension is not None:
        resolution = Deadline(
            resolution.field,
            resolution.label,
            resolution.target,
            resolution.start,
            facts.extension.new_due_at,
            resolution.done_at,
            pauses=resolution.pauses,
            extension=facts.extension,
        )
    deadlines.append(resolution)
    deadlines.append(
        _deadline(
            recorded,
            "review_request_due_at",
            "Internal review may be asked for until",
            targets.get("complaint.review_request_window"),
            facts.finalised_at,
            obligation=False,
            started_by=RESPONSE,
        )
    )
    if facts.human_rights:
        deadlines.append(
            _deadline(
                recorded,
                "human_rights_commissioner_from",
                "May go to the Human Rights Commissioner from",
                targets.get("complaint.human_rights_commissioner"),
                facts.received_at,
                obligation=False,
            )
        )
    return deadlines


def ticket_deadlines(
    facts: TicketFacts, targets: Mapping[str, Target], recorded: Recorded = NOTHING_RECORDED
) -> list[Deadline]:
    return [
        _deadline(
            recorded,
            "first_response_due_at",
            "First response",
            targets.get(f"ticket.first_response.{facts.severity}"),
            facts.reported_at,
            facts.first_response_at,
            facts.pauses,
            started_by=REPORT,
        ),
        _deadline(
            recorded,
            "resolution_due_at",
            "Resolution",
            targets.get(f"ticket.resolution.{facts.severity}"),
            facts.reported_at,
            facts.resolved_at,
            facts.pauses,
            started_by=REPORT,
        ),
    ]


def review_deadlines(
    facts: ReviewFacts, targets: Mapping[str, Target], recorded: Recorded = NOTHING_RECORDED
) -> list[Deadline]:
    return [
        _deadline(
            recorded,
            "due_at",
            "Internal review resolved",
            targets.get("internal_review.resolution"),
            facts.requested_at,
            facts.completed_at,
            facts.pauses,
            started_by=REQUEST,
        )
    ]


def next_due(deadlines: Sequence[Deadline], *, paused: bool, closed: bool) -> datetime | None:
    """The earliest obligation not yet met; none while the clock waits or the case is over."""
    if paused or closed:
        return None
    open_dues = [d.due for d in deadlines if d.obligation and d.due and d.done_at is None]
    return min(open_dues, default=None)


def deadline_state(
    deadline: Deadline, now: datetime, *, paused_since: datetime | None = None, closed=False
) -> str:
    """met, missed, overdue, at risk, open, paused, stopped, or not started."""
    if deadline.due is None:
        return "not started"
    if deadline.done_at is not None:
        return "met" if deadline.done_at <= deadline.due else "missed"
    if not deadline.obligation:
        return "passed" if now > deadline.due else "open"
    if closed:
        return "stopped"
    if paused_since is not None:
        return "paused"
    if now > deadline.due:
        return "overdue"
    if deadline.target is not None and deadline.start is not None:
        if deadline.target.unit.startswith("calendar"):
            whole, left = deadline.due - deadline.start, deadline.due - now
        else:
            calendar = deadline.target.calendar
            whole = calendar.business_time_between(deadline.start, deadline.due)
            left = calendar.business_time_between(now, deadline.due)
        if whole > timedelta(0) and left <= whole * AT_RISK_SHARE:
            return "at risk"
    return "open"
