"""Which due instants a case has, when each clock starts, and whether each was met.

Pure: facts and targets in, deadlines out. The calendar arithmetic is rules.clock's.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import datetime, timedelta
from types import MappingProxyType

from .clock import (
    RECEIPT,
    BusinessCalendar,
    Explanation,
    StartEvent,
    duration_text,
    local_text,
    parse_unit,
)
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
        unit = UNITS.get(self.unit, self.unit)
        if self.amount == 1:
            unit = unit.removesuffix("s")  # 1 business day, not 1 business days
        return f"{self.amount} {unit} on {self.calendar.spec.code}{level}"

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


# Made for each case saved or explained (a register's recompute uses `dues` instead): plain
# slotted classes, not frozen ones, since frozen dataclasses are several times slower to build.
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
    # How `due` was reached (COMPUTED, KEPT or EXTENDED; None without a due), and, when
    # asked for, the explanation of what the current rules give: the same computation.
    basis: str | None = None
    explanation: Explanation | None = None


# How a deadline's due instant was reached.
COMPUTED = "computed"  # the target's arithmetic from the clock start, pauses excluded
KEPT = "kept"  # met: the due it was met against, kept whatever changed since
EXTENDED = "extended"  # the latest extension's new due


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

# One clock of a case, as the tuple the functions below make (a recompute makes them by the
# hundred thousand; tuples cost a fraction of an object):
# (field, label, target, start, done_at, pauses, obligation, notes, extension)
Clock = tuple


def complaint_clocks(
    facts, targets: Mapping[str, Target], extension: ExtensionFacts | None, pauses: tuple
) -> list[Clock]:
    """The clocks of a complaint. `facts`: anything with ComplaintFacts' fact attributes."""
    kind = facts.kind or "complaint"
    received_at = facts.received_at
    clocks = [
        (
            "registration_due_at",
            "Entered in the register",
            targets.get(_REGISTRATION_KEYS.get(kind) or f"complaint.registration.{kind}"),
            received_at,
            facts.registered_at,
            (),
            True,
            (),
            None,
        )
    ]
    if kind != "complaint":
        return clocks
    classification = facts.classification or "standard"
    notes = ()
    if not facts.classification:
        notes = ("Not yet classified: timed as a formal, standard complaint until it is.",)
    elif classification == "complex" and extension is None:
        notes = (
            "A complex complaint needs an extension, with its reason, approved and told "
            "to the complainant.",
        )
    finalised_at = facts.finalised_at
    clocks += (
        (
            "acknowledgement_due_at",
            "Complainant acknowledged",
            targets.get("complaint.acknowledgement"),
            facts.registered_at,
            facts.acknowledged_at,
            (),
            True,
            (),
            None,
        ),
        (
            "resolution_due_at",
            "Resolved (response given)",
            targets.get(
                _RESOLUTION_KEYS.get(classification) or f"complaint.resolution.{classification}"
            ),
            received_at,
            finalised_at or (facts.closed_at if facts.status == "referred" else None),
            pauses,
            True,
            # An extension's own explanation replaces the notes.
            () if extension is not None else notes,
            extension,
        ),
        (
            "review_request_due_at",
            "Internal review may be asked for until",
            targets.get("complaint.review_request_window"),
            finalised_at,
            None,
            (),
            False,
            (),
            None,
        ),
    )
    if facts.human_rights:
        clocks.append(
            (
                "human_rights_commissioner_from",
                "May go to the Human Rights Commissioner from",
                targets.get("complaint.human_rights_commissioner"),
                received_at,
                None,
                (),
                False,
                (),
                None,
            )
        )
    return clocks


_REGISTRATION_KEYS = {
    kind: f"complaint.registration.{kind}" for kind in ("complaint", "compliment", "suggestion")
}
_RESOLUTION_KEYS = {
    name: f"complaint.resolution.{name}" for name in ("informal", "standard", "complex")
}


def ticket_clocks(
    facts, targets: Mapping[str, Target], extension: None = None, pauses: tuple = ()
) -> list[Clock]:
    """The clocks of a ticket. `facts`: anything with TicketFacts' fact attributes."""
    return [
        (
            "first_response_due_at",
            "First response",
            targets.get(f"ticket.first_response.{facts.severity}"),
            facts.reported_at,
            facts.first_response_at,
            pauses,
            True,
            (),
            None,
        ),
        (
            "resolution_due_at",
            "Resolution",
            targets.get(f"ticket.resolution.{facts.severity}"),
            facts.reported_at,
            facts.resolved_at,
            pauses,
            True,
            (),
            None,
        ),
    ]


def review_clocks(
    facts, targets: Mapping[str, Target], extension: None = None, pauses: tuple = ()
) -> list[Clock]:
    """The clock of an internal review. `facts`: anything with ReviewFacts' attributes."""
    return [
        (
            "due_at",
            "Internal review resolved",
            targets.get("internal_review.resolution"),
            facts.requested_at,
            facts.completed_at,
            pauses,
            True,
            (),
            None,
        )
    ]


def _due(clock: Clock, recorded: Recorded) -> datetime | None:
    return _worked_out(clock, recorded)[0]


def _worked_out(
    clock: Clock, recorded: Recorded, explain: bool = False
) -> tuple[datetime | None, str | None, Explanation | None]:
    """A clock's due instant, how it was reached, and (`explain`) the explanation of the
    target's arithmetic. The one computation behind every stored and explained due."""
    field_name, _, target, start, done_at, pauses, _, _, extension = clock
    if done_at is not None and pauses:
        # A met step's clock stopped when it was met: later waits are not its business.
        pauses = tuple((a, min(b, done_at)) for a, b in pauses if a < done_at)
    worked = None
    if explain and target is not None and start is not None:
        worked = target.explain(start, pauses)
    if extension is not None:
        return extension.new_due_at, EXTENDED, worked
    if target is None or start is None:
        return None, None, None
    # A met deadline keeps the due instant it was met against, whatever changed since.
    if done_at is not None:
        kept = recorded.get(field_name)
        if kept is not None:
            return kept, KEPT, worked
    if worked is not None:
        return worked.due, COMPUTED, worked
    return target.calendar.due(start, target.amount, target.unit, pauses), COMPUTED, None


def _deadlines(clocks: list[Clock], recorded: Recorded, explain: bool = False) -> list[Deadline]:
    deadlines = []
    for clock in clocks:
        field_name, label, target, start, done_at, pauses, obligation, notes, extension = clock
        if target is None or start is None:
            pauses = ()
        due, basis, explanation = _worked_out(clock, recorded, explain)
        deadlines.append(
            Deadline(
                field_name,
                label,
                target,
                start,
                due,
                done_at,
                obligation,
                pauses,
                extension,
                notes,
                _STARTED_BY.get(label, RECEIPT),
                basis,
                explanation,
            )
        )
    return deadlines


# The step each clock runs from, by its label, where it is not receipt.
_STARTED_BY = {
    "Complainant acknowledged": REGISTRATION,
    "Internal review may be asked for until": RESPONSE,
    "First response": REPORT,
    "Resolution": REPORT,
    "Internal review resolved": REQUEST,
}


def dues(
    clocks: list[Clock], recorded: Recorded
) -> tuple[dict[str, datetime | None], datetime | None]:
    """Each clock's due instant by field, and the earliest obligation not yet met (what
    `next_due` gives while the case runs). The deadlines' dues without the deadlines."""
    found, earliest = {}, None
    for clock in clocks:
        due = found[clock[0]] = _due(clock, recorded)
        if due is not None and clock[6] and clock[4] is None:  # an obligation, not yet met
            if earliest is None or due < earliest:
                earliest = due
    return found, earliest


def complaint_deadlines(
    facts: ComplaintFacts,
    targets: Mapping[str, Target],
    recorded: Recorded = NOTHING_RECORDED,
    explain: bool = False,
) -> list[Deadline]:
    """`recorded`: the due instants stored so far; met ones are kept, not recomputed.
    `explain`: each deadline carries the explanation its due was computed with."""
    return _deadlines(
        complaint_clocks(facts, targets, facts.extension, tuple(facts.pauses)), recorded, explain
    )


def ticket_deadlines(
    facts: TicketFacts,
    targets: Mapping[str, Target],
    recorded: Recorded = NOTHING_RECORDED,
    explain: bool = False,
) -> list[Deadline]:
    return _deadlines(ticket_clocks(facts, targets, None, tuple(facts.pauses)), recorded, explain)


def review_deadlines(
    facts: ReviewFacts,
    targets: Mapping[str, Target],
    recorded: Recorded = NOTHING_RECORDED,
    explain: bool = False,
) -> list[Deadline]:
    return _deadlines(review_clocks(facts, targets, None, tuple(facts.pauses)), recorded, explain)


def next_due(deadlines: Sequence[Deadline], *, paused: bool, closed: bool) -> datetime | None:
    """The earliest obligation not yet met; none while the clock waits or the case is over."""
    if paused or closed:
        return None
    open_dues = [d.due for d in deadlines if d.obligation and d.due and d.done_at is None]
    return min(open_dues, default=None)


def deadline_state(
    deadline: Deadline, now: datetime, *, paused_since: datetime | None = None, closed=False
) -> str:
    """met, missed, overdue, at risk, open, paused ("overdue, paused" when it had already
    passed as the clock paused: waiting does not move a due that has passed), stopped,
    passed, or not started."""
    if deadline.due is None:
        return "not started"
    if deadline.done_at is not None:
        return "met" if deadline.done_at <= deadline.due else "missed"
    if not deadline.obligation:
        return "passed" if now > deadline.due else "open"
    if closed:
        return "stopped"
    if paused_since is not None:
        return "overdue, paused" if paused_since > deadline.due else "paused"
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


def overdue_when_paused(deadline: Deadline, paused_since: datetime | None) -> timedelta | None:
    """How far past its due an open obligation already was when the clock paused (business
    time on its target's calendar for business units, elapsed time otherwise), or None."""
    due = deadline.due
    if paused_since is None or due is None or not deadline.obligation:
        return None
    if deadline.done_at is not None or paused_since <= due:
        return None
    if deadline.target is None:
        return paused_since - due
    return deadline.target.calendar.overdue_by(due, paused_since, deadline.target.unit)


def explain(
    deadline: Deadline,
    recorded_due: datetime | None,
    zone,
    *,
    closed: bool = False,
    paused_since: datetime | None = None,
) -> list[str]:
    """Why a deadline's recorded due instant is what it is, as sentences in local time.

    `deadline` comes from `_deadlines(..., explain=True)`, the computation that stores due
    instants on save; `recorded_due` is the one stored. Whenever there is a recorded due,
    exactly one line starts "Due <that instant>:", and says why it is that instant, even
    when today's rules would give another (a met step keeps its due, a closed case is no
    longer recomputed)."""
    target, worked = deadline.target, deadline.explanation
    event = deadline.started_by
    lines: list[str] = []
    if recorded_due is None:
        if deadline.due is not None:
            lines.append(
                f"No due instant is recorded for this step: "
                f"{_not_recomputed(closed)}; today's rules would make it due "
                f"{local_text(deadline.due, zone)}."
            )
        lines.extend(deadline.notes)
        if target is None and deadline.start is not None:
            lines.append("No SLA target is set for this step: an administrator can add one.")
        return lines
    due_text = local_text(recorded_due, zone)
    if deadline.due != recorded_due:
        # Stored before a change the case was not recomputed for.
        if worked is not None:
            lines += worked.lines(zone, event, due_label="Under today's rules it would be due")
        lines.append(
            f"Due {due_text}: as recorded when it was last worked out; {_not_recomputed(closed)}."
        )
    elif deadline.basis == EXTENDED:
        if worked is not None:
            lines += worked.lines(zone, event, due_label="Before the extension it was due")
        ext = deadline.extension
        lines.append(
            f"Due {due_text}: extended by {ext.approved_by} on "
            f"{local_text(ext.approved_at, zone)}: {ext.reason}"
        )
    elif deadline.basis == KEPT and (worked is None or worked.due != recorded_due):
        done = local_text(deadline.done_at, zone)
        lines.append(f"{event.done} {local_text(deadline.start, zone)}.")
        lines.append(
            f"Due {due_text}: the due in force when this step was met ({done}), kept since: "
            "a met step keeps the due it was met against."
        )
        if worked is not None:
            lines.append(
                f"The SLA target or its calendar has changed since: today's target "
                f"({target.describe()}) would make it due {local_text(worked.due, zone)}."
            )
    elif worked is not None:
        lines += worked.lines(zone, event)
    else:
        lines.append(f"Due {due_text}.")
    lines.extend(deadline.notes)
    late = overdue_when_paused(replace(deadline, due=recorded_due), paused_since)
    if late is not None:
        business = target is not None and parse_unit(target.unit).is_business
        by = f"{duration_text(late)}{' of business time' if business else ''}"
        lines.append(
            f"Was already overdue by {by} when paused on {local_text(paused_since, zone)}: "
            "waiting does not move a due that has passed."
        )
    return lines


def _not_recomputed(closed: bool) -> str:
    if closed:
        return "the case is closed, so its due instants are no longer recomputed"
    return "the SLA target or its calendar has changed since"
