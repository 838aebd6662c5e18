"""What the API reads and writes for complaints and tickets: the fields of a body or a
query, each with the words the OpenAPI document shows, and the resource each endpoint
serves (its screen in the permission table, its model, its workflow steps)."""

from dataclasses import dataclass

from models import Category, Channel, Division, Outcome, ReferralTarget, kinds
from rules import workflow
from rules.vocabulary import (
    CLASSIFICATIONS,
    COMPLAINT_KINDS,
    COMPLAINT_STATUSES,
    EXTERNAL_BODIES,
    REVIEW_OUTCOMES,
    TICKET_SEVERITIES,
    TICKET_STATUSES,
)
from services import steps

from .fields import Boolean, Choice, Code, Email, Field, Ids, Instant, Integer, Nested, Text
from .represent import complaint_json, ticket_json

PER_PAGE = 20
MAX_PER_PAGE = 100
LONG_TEXT = 20_000

# ------------------------------------------------------------------------ the fields

COMPLAINANT_FIELDS = (
    Text("given_name", "Given name.", max_length=80),
    Text("family_name", "Family name (or give organisation_name).", max_length=80),
    Text("organisation_name", "Organisation, when an organisation complains.", max_length=200),
    Email("email", "Email address.", max_length=200),
    Text("phone", "Telephone number.", max_length=40),
    Text("address", "Postal address.", max_length=2000),
)

COMPLAINT_FIELDS = (
    Choice(
        "kind",
        "What was lodged; `complaint` when left out.",
        choices=COMPLAINT_KINDS,
        nullable=False,
    ),
    Code("division", "Code of the division that handles it.", required=True, lookup="division"),
    Text("summary", "One line the team will recognise.", required=True, max_length=200),
    Text("description", "What happened.", max_length=LONG_TEXT),
    Text("outcome_sought", "What the complainant wants to happen.", max_length=LONG_TEXT),
    Code("channel", "Code of the channel it came through.", lookup="channel"),
    Instant(
        "received_at",
        "When it was received, with offset; now when left out. Not in the future.",
        not_in_future=True,
    ),
    Boolean("human_rights", "Whether it has a human-rights aspect.", nullable=False),
    Boolean(
        "confidential",
        "The complainant asked that their personal details not be used.",
        nullable=False,
    ),
    Code("category", "Code of its category.", lookup="category"),
    Choice("classification", "Informal, formal standard, or complex.", choices=CLASSIFICATIONS),
    Nested(
        "complainant",
        "A new complainant (family_name or organisation_name needed); or give complainant_id.",
        fields=COMPLAINANT_FIELDS,
    ),
    Integer("complainant_id", "Id of a complainant already in the register."),
    Ids("subjects", "Ids of the staff members complained about."),
    Ids("involved", "Ids of the staff members involved in the matter before it was lodged."),
)

TICKET_FIELDS = (
    Choice(
        "severity", "Severity, which sets the targets.", required=True, choices=TICKET_SEVERITIES
    ),
    Integer("client_id", "Id of the client organisation reporting it.", required=True),
    Integer("contact_id", "Id of the person reporting it."),
    Integer(
        "agent_id",
        "Id of the support agent (a staff member) working it. Set when the ticket is "
        "reported; afterwards only the step assign_agent changes it.",
    ),
    Code("channel", "Code of the channel it came through.", lookup="channel"),
    Text("summary", "One line the desk will recognise.", required=True, max_length=200),
    Text("description", "The fault or the question.", max_length=LONG_TEXT),
    Instant(
        "reported_at",
        "When it was reported, with offset; now when left out. Not in the future.",
        not_in_future=True,
    ),
)

PAGING = (
    Integer("page", "Page number, from 1.", nullable=False, maximum=100_000),
    Integer(
        "per_page",
        f"Items per page: {PER_PAGE} unless given, {MAX_PER_PAGE} at most.",
        nullable=False,
        maximum=MAX_PER_PAGE,
    ),
)

COMPLAINT_FILTERS = (
    Choice(
        "status", "Only complaints in this status.", choices=COMPLAINT_STATUSES, nullable=False
    ),
    Code("division", "Only this division's complaints.", nullable=False, lookup="division"),
    Choice(
        "classification",
        "Only complaints of this classification.",
        choices=CLASSIFICATIONS,
        nullable=False,
    ),
    Choice("kind", "Only this kind.", choices=COMPLAINT_KINDS, nullable=False),
    Boolean(
        "human_rights",
        "true: only complaints with a human-rights aspect; false: only those without.",
        nullable=False,
    ),
    Boolean(
        "overdue",
        "true: only open ones past their next due instant; false: the others.",
        nullable=False,
    ),
    Instant("received_from", "Received at or after this instant.", nullable=False),
    Instant("received_to", "Received before this instant.", nullable=False),
    *PAGING,
)

TICKET_FILTERS = (
    Choice("status", "Only tickets in this status.", choices=TICKET_STATUSES, nullable=False),
    Choice("severity", "Only this severity.", choices=TICKET_SEVERITIES, nullable=False),
    Boolean(
        "overdue",
        "true: only open ones past their next due instant; false: the others.",
        nullable=False,
    ),
    Instant("reported_from", "Reported at or after this instant.", nullable=False),
    Instant("reported_to", "Reported before this instant.", nullable=False),
    *PAGING,
)

# The inputs steps read, by the rules' names: which steps need which is in `steps` of a
# record, and in the description of each.
STEP_INPUTS = {
    "manager": Integer("manager", "assign: id of the complaint manager (a staff member)."),
    "decision_maker": Integer(
        "decision_maker",
        "assign: id of the decision maker; null for none yet; left out keeps the current one.",
    ),
    "outcome": Code(
        "outcome",
        "finalise, record_review_outcome (a changed decision): code of the outcome.",
        lookup="outcome",
    ),
    "outcome_reason": Text(
        "outcome_reason",
        "finalise, record_review_outcome: reasons, needed for outcomes that require them.",
        max_length=LONG_TEXT,
    ),
    "referral_target": Code(
        "referral_target",
        "refer: code of the process it is referred to.",
        lookup="referral_target",
    ),
    "category": Code(
        "category", "set_category: code of the category it is given.", lookup="category"
    ),
    "late_reason": Text(
        "late_reason",
        "request_internal_review after its window closed: why the late request is accepted.",
        max_length=LONG_TEXT,
    ),
    "reason": Text("reason", "reopen: the reason.", max_length=LONG_TEXT),
    "agent": Integer(
        "agent",
        "assign_agent: id of the support agent (a staff member whose active account holds "
        "the support-agent capacity).",
    ),
    "resume_to": Choice(
        "resume_to",
        "resume: the status it goes back to (the one it waited from).",
        choices={
            s: COMPLAINT_STATUSES[s] for s in COMPLAINT_STATUSES if s in workflow.WORKING_STATUSES
        },
    ),
    "review_outcome": Choice(
        "review_outcome", "record_review_outcome: the review's outcome.", choices=REVIEW_OUTCOMES
    ),
    "findings": Text(
        "findings", "record_review_outcome: the review's findings.", max_length=LONG_TEXT
    ),
    "body": Choice("body", "request_external_review: the external body.", choices=EXTERNAL_BODIES),
    "content": Text(
        "content",
        "submit_draft, decide, respond, resolve: what was written (the draft, the decision "
        "and its reasons, what the client was told); kept in the case file.",
        max_length=LONG_TEXT,
    ),
}
VERSION = Integer(
    "version",
    "The version of the record you read (or send If-Match): refused if it changed since.",
)


def step_fields(stepper: steps.Stepper) -> tuple[Field, ...]:
    machine = stepper.machine
    keys = dict.fromkeys(key for name in machine.transitions for key in stepper.step_keys(name))
    return (
        Choice(
            "step",
            "The step to take: see `steps` of the record for those open to you now.",
            required=True,
            choices={name: t.label for name, t in machine.transitions.items()},
        ),
        VERSION,
        *(STEP_INPUTS[key] for key in keys),
    )


LOOKUPS = {
    "division": Division,
    "channel": Channel,
    "category": Category,
    "outcome": Outcome,
    "referral_target": ReferralTarget,
}


# ------------------------------------------------------------------------ resources


@dataclass(frozen=True)
class Resource:
    kind: kinds.CaseKind
    noun: str
    plural: str
    stepper: steps.Stepper
    fields: tuple[Field, ...]
    filters: tuple[Field, ...]
    represent: object
    endpoint: str

    @property
    def screen(self) -> str:
        return self.kind.name

    @property
    def model(self) -> type:
        return self.kind.model

    @property
    def step_fields(self):
        return step_fields(self.stepper)


COMPLAINTS = Resource(
    kinds.COMPLAINT,
    "complaint",
    "complaints",
    steps.COMPLAINT_STEPS,
    COMPLAINT_FIELDS,
    COMPLAINT_FILTERS,
    complaint_json,
    "api.complaint",
)
TICKETS = Resource(
    kinds.TICKET,
    "ticket",
    "tickets",
    steps.TICKET_STEPS,
    TICKET_FIELDS,
    TICKET_FILTERS,
    ticket_json,
    "api.ticket",
)
