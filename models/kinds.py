"""The kinds of case the portal works, and what each is made of: one entry per kind.

A complaint (which also covers compliments and suggestions, the same record with another
`kind`), a service-desk ticket and an internal review each run on clocks, close in some of
their statuses, have a page in the portal and officers who answer for them. Everything the
portal knows per kind of case is written here once, so a new kind of case is one entry.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from functools import cache

from sqlalchemy import and_, select
from sqlalchemy.orm import object_session

from rules import deadlines
from rules.vocabulary import (
    CASE_TYPES,
    COMPLAINT_CLOSED_STATUSES,
    COMPLAINT_KINDS,
    COMPLAINT_STATUSES,
    REVIEW_CLOSED_STATUSES,
    REVIEW_STATUSES,
    TICKET_CLOSED_STATUSES,
    TICKET_STATUSES,
)

from .cases import Complaint, InternalReview, Ticket
from .org import Participant


def related(record, model, key):
    """A related record by its key column: right even when only the id was set."""
    if key is None:
        return None
    session = object_session(record)
    return session.get(model, key) if session is not None else None


@dataclass(frozen=True)
class CaseKind:
    """One kind of case.

    name: the case type the portal stores and speaks of ("complaint", "ticket",
        "internal_review"); also the admin screen's name.
    model: the record it is kept in; record_type is its name in the history.
    label: how the portal names the kind.
    variants: the kinds of record the one model keeps (complaint, compliment, suggestion).
    statuses, closed_statuses: its status vocabulary, and the statuses its clocks stop in.
    due_fields: the due instants its clocks set.
    next_due_field: the column with the soonest of them still to come (what Overdue and
        Due soon read).
    clock_inputs: the fields whose change restarts the clocks they feed, met or not.
    fact_fields: the columns the clocks read when recomputing in bulk.
    clocks: the rule that times it (a function of rules/deadlines.py).
    page: its details page in the portal, with `{id}`.
    opened_field: when it started (its reference number's year is counted from it);
        opened_missing says what is wrong when it is not set.
    reference_variant: whether it gets a reference number of its own: a function of the
        case giving the variant its prefix is chosen by, or None for none.
    calendar_holder: the record whose calendar it runs on (a relationship and its key);
        calendar_parent: or the case it follows instead (a review follows its complaint);
        no_calendar: what is wrong when neither gives one (None: the service desk's).
    officer_roles: who answers for it, in order of preference: (role, participant column).
    complaint_path: how to reach the complaint whose confidentiality it follows (None:
        the case is the complaint, or follows none).
    extended: whether an approved extension moves its resolution due instant.
    linked_columns: further columns of a message or file that point at its complaint.
    """

    name: str
    model: type
    label: str
    variants: tuple[str, ...]
    statuses: Mapping[str, str]
    closed_statuses: frozenset
    due_fields: tuple[str, ...]
    next_due_field: str
    clock_inputs: tuple[str, ...]
    fact_fields: tuple[str, ...]
    clocks: Callable
    page: str
    opened_field: str
    opened_missing: str
    reference_variant: Callable | None
    calendar_holder: tuple[str, str] | None
    calendar_parent: str | None
    no_calendar: str | None
    officer_roles: tuple[tuple[str, str], ...]
    complaint_path: str | None
    extended: bool = False
    linked_columns: tuple[str, ...] = ()

    @property
    def record_type(self) -> str:
        return self.model.__name__

    @property
    def holder_model(self):
        """The model of the record carrying the case's calendar (None: it follows another
        case's)."""
        if self.calendar_holder is None:
            return None
        return getattr(self.model, self.calendar_holder[0]).property.mapper.class_

    @property
    def next_due_column(self):
        return getattr(self.model, self.next_due_field)

    def page_of(self, case_id) -> str:
        return self.page.format(id=case_id)

    def is_closed(self, status) -> bool:
        return status in self.closed_statuses

    def is_overdue(self, case, now) -> bool:
        """Open, and its next due instant has passed (what every door calls overdue)."""
        due = getattr(case, self.next_due_field)
        return due is not None and due < now and not self.is_closed(case.status)

    def overdue_condition(self, now):
        """`is_overdue` as a condition on the kind's table, for counts and filters."""
        due = self.next_due_column
        return and_(due.is_not(None), due < now, self.model.status.not_in(self.closed_statuses))

    def officers(self, case) -> list[tuple[str, Participant | None]]:
        """Who answers for the case, in order of preference: (role, person)."""
        return [
            (role, related(case, Participant, getattr(case, column)))
            for role, column in self.officer_roles
        ]

    def complaint_of(self, case):
        """The complaint whose confidentiality the case follows: itself, a review's
        complaint, or None for a ticket."""
        if self.model is Complaint:
            return case
        return getattr(case, self.complaint_path) if self.complaint_path else None

    def links(self, case) -> dict:
        """The columns a message or a file about the case points at it with."""
        return {
            f"{self.name}_id": case.id,
            **{column: getattr(case, column) for column in self.linked_columns},
        }

    def calendar_id_query(self):
        """The calendar id the case runs on, as a correlated SQL expression (NULL for a
        case that runs on the service desk's calendar)."""
        if self.calendar_parent is not None:
            parent = by_name(self.calendar_parent)
            holder_model, key = parent.holder_model, parent.calendar_holder[1]
            return (
                select(holder_model.calendar_id)
                .join(parent.model, getattr(parent.model, key) == holder_model.id)
                .where(parent.model.id == getattr(self.model, f"{parent.name}_id"))
                .scalar_subquery()
            )
        holder_model, key = self.holder_model, self.calendar_holder[1]
        return (
            select(holder_model.calendar_id)
            .where(holder_model.id == getattr(self.model, key))
            .scalar_subquery()
        )


COMPLAINT = CaseKind(
    name="complaint",
    model=Complaint,
    label=CASE_TYPES["complaint"],
    variants=tuple(COMPLAINT_KINDS),
    statuses=COMPLAINT_STATUSES,
    closed_statuses=COMPLAINT_CLOSED_STATUSES,
    due_fields=(
        "registration_due_at",
        "acknowledgement_due_at",
        "resolution_due_at",
        "review_request_due_at",
        "human_rights_commissioner_from",
    ),
    next_due_field="next_due_at",
    clock_inputs=(
        "kind",
        "classification",
        "received_at",
        "registered_at",
        "acknowledged_at",
        "finalised_at",
        "division_id",
        "human_rights",
    ),
    fact_fields=(
        "id",
        "kind",
        "classification",
        "status",
        "received_at",
        "registered_at",
        "acknowledged_at",
        "finalised_at",
        "closed_at",
        "human_rights",
        "paused_since",
        "next_due_at",
    ),
    clocks=deadlines.complaint_clocks,
    page="/admin/complaint/details/?id={id}",
    opened_field="received_at",
    opened_missing="A complaint needs the instant it was received.",
    reference_variant=lambda complaint: complaint.kind or "complaint",
    calendar_holder=("division", "division_id"),
    calendar_parent=None,
    no_calendar="A complaint must belong to a division.",
    officer_roles=(("complaint_manager", "manager_id"), ("coordinator", "coordinator_id")),
    complaint_path=None,
    extended=True,
)

TICKET = CaseKind(
    name="ticket",
    model=Ticket,
    label=CASE_TYPES["ticket"],
    variants=("ticket",),
    statuses=TICKET_STATUSES,
    closed_statuses=TICKET_CLOSED_STATUSES,
    due_fields=("first_response_due_at", "resolution_due_at"),
    next_due_field="next_due_at",
    clock_inputs=("severity", "reported_at", "first_response_at", "resolved_at", "client_id"),
    fact_fields=(
        "id",
        "severity",
        "status",
        "reported_at",
        "first_response_at",
        "resolved_at",
        "paused_since",
        "next_due_at",
    ),
    clocks=deadlines.ticket_clocks,
    page="/admin/ticket/details/?id={id}",
    opened_field="reported_at",
    opened_missing="A ticket needs the instant it was reported.",
    reference_variant=lambda ticket: "ticket",
    calendar_holder=("client", "client_id"),
    calendar_parent=None,
    no_calendar=None,
    officer_roles=(("support_agent", "agent_id"),),
    complaint_path=None,
)

INTERNAL_REVIEW = CaseKind(
    name="internal_review",
    model=InternalReview,
    label=CASE_TYPES["internal_review"],
    variants=("internal_review",),
    statuses=REVIEW_STATUSES,
    closed_statuses=REVIEW_CLOSED_STATUSES,
    due_fields=("due_at",),
    next_due_field="due_at",
    clock_inputs=("requested_at", "completed_at", "complaint_id"),
    fact_fields=("id", "status", "requested_at", "completed_at", "paused_since"),
    clocks=deadlines.review_clocks,
    page="/admin/internal_review/details/?id={id}",
    opened_field="requested_at",
    opened_missing="An internal review needs the instant it was requested.",
    reference_variant=None,
    calendar_holder=None,
    calendar_parent="complaint",
    no_calendar="An internal review must be of a complaint.",
    officer_roles=(("internal_reviewer", "reviewer_id"),),
    complaint_path="complaint",
    linked_columns=("complaint_id",),
)

# In the order the portal lists them.
KINDS: tuple[CaseKind, ...] = (COMPLAINT, TICKET, INTERNAL_REVIEW)
_BY_NAME = {kind.name: kind for kind in KINDS}
_BY_MODEL = {kind.model: kind for kind in KINDS}
MODELS = tuple(_BY_MODEL)


def by_name(name: str) -> CaseKind:
    """The kind of case of this case type (KeyError for anything else)."""
    return _BY_NAME[name]


@cache
def _kind_of_model(model: type) -> CaseKind | None:
    return next((kind for kind in KINDS if issubclass(model, kind.model)), None)


def find_kind(case_or_model) -> CaseKind | None:
    """The kind of a case (or of a case model), or None for any other record."""
    model = case_or_model if isinstance(case_or_model, type) else type(case_or_model)
    return _BY_MODEL.get(model) or _kind_of_model(model)


def kind_of(case_or_model) -> CaseKind:
    """The kind of a case, or of a case model (KeyError for any other record)."""
    found = find_kind(case_or_model)
    if found is None:
        raise KeyError(f"{case_or_model!r} is not a case")
    return found


def complaint_of(record):
    """The complaint a record is, or is of (a review, a ticket raised from one, an
    extension...); None when it is of none."""
    complaint = record if isinstance(record, Complaint) else getattr(record, "complaint", None)
    return complaint if isinstance(complaint, Complaint) else None


def reference_of(case) -> str:
    """The reference a case goes by: its own, or (a review) its complaint's."""
    kind = kind_of(case)
    if kind.reference_variant is None:
        complaint = kind.complaint_of(case)
        return (complaint.reference if complaint is not None else None) or ""
    return case.reference or ""


def case_by_reference(session, reference: str, condition=None):
    """The complaint or ticket with this reference (a review goes by its complaint's), or
    None; `condition(kind)`, when given, narrows each kind's rows (an officer's scope)."""
    for kind in KINDS:
        if kind.reference_variant is None:
            continue
        query = select(kind.model).where(kind.model.reference == reference)
        if condition is not None:
            query = query.where(condition(kind))
        case = session.scalar(query)
        if case is not None:
            return case
    return None
