"""Complaints and tickets through the API: lodge, read, list, and take workflow steps.

Each endpoint asks what the screens ask: the permission table for the action
(rules.permissions.allowed), the row scope for the record (services.access.rows: a
record out of scope is a 404, as on the screens), the workflow rules for a step
(services.steps, shared with the screens). Saves go through the ORM, so the flush hooks
give references and due dates, enforce separation of duties and write the history.
"""

import json
import re
from dataclasses import dataclass

from flask import request, url_for
from flask_login import current_user
from sqlalchemy import func, select
from sqlalchemy.orm import joinedload

from models import (
    Category,
    Channel,
    Complaint,
    Division,
    Outcome,
    Participant,
    ReferralTarget,
    Ticket,
    db,
    utcnow,
)
from rules import permissions
from rules import workflow as rules
from rules.errors import RuleViolation
from rules.vocabulary import (
    CLASSIFICATIONS,
    COMPLAINT_CLOSED_STATUSES,
    COMPLAINT_KINDS,
    COMPLAINT_STATUSES,
    COORDINATOR,
    EXTERNAL_BODIES,
    REVIEW_OUTCOMES,
    TICKET_CLOSED_STATUSES,
    TICKET_SEVERITIES,
    TICKET_STATUSES,
)
from services import access, confidentiality, steps

from ..context import current_actor
from . import bp, idempotency
from .fields import (
    Boolean,
    Choice,
    Code,
    Email,
    Field,
    Ids,
    Instant,
    Integer,
    Nested,
    Text,
    error,
    parse_object,
    parse_query,
)
from .problems import Problem, invalid
from .represent import complaint_json, ticket_json

MAX_BODY = 1_000_000
# What a reference number can look like (CTS-2026-000123): anything else is not one.
REFERENCE = re.compile(r"[A-Za-z0-9-]{1,40}")
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
            s: COMPLAINT_STATUSES[s] for s in COMPLAINT_STATUSES if s in rules.WORKING_STATUSES
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
    screen: str
    model: type
    noun: str
    plural: str
    stepper: steps.Stepper
    fields: tuple[Field, ...]
    filters: tuple[Field, ...]
    closed: frozenset
    represent: object
    endpoint: str

    @property
    def step_fields(self):
        return step_fields(self.stepper)


COMPLAINTS = Resource(
    "complaint",
    Complaint,
    "complaint",
    "complaints",
    steps.COMPLAINT_STEPS,
    COMPLAINT_FIELDS,
    COMPLAINT_FILTERS,
    COMPLAINT_CLOSED_STATUSES,
    complaint_json,
    "api.complaint",
)
TICKETS = Resource(
    "ticket",
    Ticket,
    "ticket",
    "tickets",
    steps.TICKET_STEPS,
    TICKET_FIELDS,
    TICKET_FILTERS,
    TICKET_CLOSED_STATUSES,
    ticket_json,
    "api.ticket",
)


# ------------------------------------------------------------------------ helpers


def account_words() -> str:
    codes = sorted(access.capacity_codes(current_actor()))
    held = ", ".join(code.replace("_", " ") for code in codes) or "no capacity"
    return f"Your account ({current_user.username}: {held})"


def require(resource: Resource, action: str, words: str) -> None:
    if not permissions.allowed(access.capacity_codes(current_actor()), resource.screen, action):
        raise Problem(403, f"{account_words()} may not {words}.")


def json_body() -> dict:
    if request.mimetype != "application/json" and not request.mimetype.endswith("+json"):
        raise Problem(
            415, "Send the body as JSON, with the header Content-Type: application/json."
        )
    if (request.content_length or 0) > MAX_BODY:
        raise Problem(413, f"The body is larger than {MAX_BODY} bytes.")
    raw = request.get_data(cache=True)
    if len(raw) > MAX_BODY:
        raise Problem(413, f"The body is larger than {MAX_BODY} bytes.")

    def refuse_constant(name):
        raise ValueError(f"{name} is not a JSON number")

    try:
        body = json.loads(raw.decode("utf-8"), parse_constant=refuse_constant)
    except UnicodeDecodeError:
        raise Problem(400, "The body is not UTF-8 text.") from None
    except (ValueError, RecursionError) as failure:
        raise Problem(400, f"The body is not valid JSON: {failure}.") from None
    if not isinstance(body, dict):
        raise invalid(
            [{"field": "(body)", "message": 'The body must be a JSON object: {"field": value}.'}]
        )
    return body


def parsed(fields, body) -> dict:
    values, errors = parse_object(fields, body)
    if errors:
        raise invalid(errors)
    return values


def flush() -> None:
    """Save what is pending: a rule refused on save (separation of duties) is a 422."""
    try:
        db.session.flush()
    except RuleViolation as refusal:
        db.session.rollback()
        raise Problem(422, str(refusal), title="Refused by the rules") from None


def scoped_one(resource: Resource, reference: str, action: str):
    """The record the caller may take the action on, or 404 (unknown or out of scope)."""
    record = None
    if REFERENCE.fullmatch(reference):
        record = db.session.execute(
            select(resource.model).where(
                resource.model.reference == reference,
                access.rows(current_actor(), resource.screen, action),
            )
        ).scalar_one_or_none()
    if record is None:
        raise Problem(
            404,
            f"There is no {resource.noun} {reference[:40]} open to you (it does not exist, or "
            "it is outside the records your account reaches).",
        )
    return record


def etag(record) -> dict:
    return {"ETag": f'"{record.version}"'}


def lookup(model_name: str, code: str | None, field_name: str, errors: list, active_only=True):
    """The lookup row with this code, or None with an error naming the field."""
    if code is None:
        return None
    model = LOOKUPS[model_name]
    row = db.session.execute(select(model).filter_by(code=code)).scalar_one_or_none()
    if row is not None and (not active_only or getattr(row, "active", True)):
        return row
    query = select(model.code)
    if hasattr(model, "active"):
        query = query.where(model.active.is_(True))
    codes = db.session.execute(query.order_by(model.code)).scalars().all()
    known = ", ".join(codes) or "(none yet)"
    words = "is no longer in use" if row is not None else "is not known"
    errors.append(error(field_name, f"“{code}” {words}: use one of {known}."))
    return None


def participant(
    record_id: int | None, field_name: str, errors: list, kinds: tuple, words: str
) -> Participant | None:
    """A participant the caller may see, of one of `kinds`, or None with an error."""
    if record_id is None:
        return None
    person = db.session.execute(
        select(Participant).where(
            Participant.id == record_id,
            access.rows(current_actor(), "participant", "view"),
            confidentiality.person_visible(current_actor(), Participant.id),
        )
    ).scalar_one_or_none()
    if person is None or person.kind not in kinds:
        errors.append(error(field_name, f"{record_id} is not {words} open to you."))
        return None
    return person


def staff_list(ids: list[int] | None, field_name: str, errors: list) -> list[Participant]:
    if not ids:
        return []
    found = (
        db.session.execute(
            select(Participant).where(Participant.id.in_(ids), Participant.kind == "staff")
        )
        .scalars()
        .all()
    )
    missing = sorted(set(ids) - {person.id for person in found})
    if missing:
        listed = ", ".join(str(i) for i in missing)
        errors.append(error(field_name, f"lists {listed}, which are not staff members."))
    return list(found)


def page_links(endpoint, page, per_page, total) -> dict:
    args = {k: v for k, v in request.args.items() if k not in ("page", "per_page")}
    last = max(1, -(-total // per_page))

    def link(number):
        return url_for(endpoint, **args, page=number, per_page=per_page, _external=True)

    return {
        "next": link(page + 1) if page < last else None,
        "previous": link(page - 1) if 1 < page <= last else None,
    }


def listing(resource: Resource, query, values) -> dict:
    page = values.get("page", 1)
    per_page = values.get("per_page", PER_PAGE)
    total = db.session.execute(select(func.count()).select_from(query.subquery())).scalar_one()
    order = resource.model.received_at if resource.model is Complaint else Ticket.reported_at
    rows = (
        db.session.execute(
            query.order_by(order.desc(), resource.model.id.desc())
            .limit(per_page)
            .offset((page - 1) * per_page)
        )
        .unique()
        .scalars()
        .all()
    )
    return {
        "items": [resource.represent(row, full=False) for row in rows],
        "total": total,
        "page": page,
        "per_page": per_page,
        **page_links(f"api.{resource.plural}", page, per_page, total),
    }


def overdue_condition(model, closed, wanted: bool):
    now = utcnow()
    is_overdue = (
        (model.next_due_at.is_not(None))
        & (model.next_due_at < now)
        & (model.status.not_in(closed))
    )
    return is_overdue if wanted else ~is_overdue


def check_filter_range(values, start, end):
    if start in values and end in values and values[start] >= values[end]:
        raise invalid([error(end, f"must be later than {start}.")])


# ------------------------------------------------------------------------ complaints


@bp.get("/complaints")
def complaints():
    require(COMPLAINTS, "list", "list complaints")
    values, errors = parse_query(COMPLAINT_FILTERS, request.args)
    if errors:
        raise invalid(errors)
    check_filter_range(values, "received_from", "received_to")
    query = select(Complaint).where(access.rows(current_actor(), "complaint", "list"))
    query = query.options(
        joinedload(Complaint.division),
        joinedload(Complaint.category),
        joinedload(Complaint.channel),
        joinedload(Complaint.complainant),
        joinedload(Complaint.coordinator),
        joinedload(Complaint.manager),
        joinedload(Complaint.decision_maker),
        joinedload(Complaint.outcome),
        joinedload(Complaint.referral_target),
    )
    for name in ("status", "classification", "kind", "human_rights"):
        if name in values:
            query = query.where(getattr(Complaint, name) == values[name])
    if "division" in values:
        division_id = db.session.execute(
            select(Division.id).filter_by(code=values["division"])
        ).scalar_one_or_none()
        if division_id is None:
            lookup("division", values["division"], "division", errors := [])
            raise invalid(errors)
        query = query.where(Complaint.division_id == division_id)
    if "overdue" in values:
        query = query.where(
            overdue_condition(Complaint, COMPLAINT_CLOSED_STATUSES, values["overdue"])
        )
    if "received_from" in values:
        query = query.where(Complaint.received_at >= values["received_from"])
    if "received_to" in values:
        query = query.where(Complaint.received_at < values["received_to"])
    return listing(COMPLAINTS, query, values)


@bp.get("/complaints/<reference>")
def complaint(reference):
    require(COMPLAINTS, "view", "read complaints")
    record = scoped_one(COMPLAINTS, reference, "view")
    return complaint_json(record, steps.actor_of(current_user)), 200, etag(record)


@bp.post("/complaints")
def lodge_complaint():
    require(COMPLAINTS, "create", "lodge complaints")
    body = json_body()
    values = parsed(COMPLAINT_FIELDS, body)
    if values.get("complainant") and not permissions.allowed(
        access.capacity_codes(current_actor()), "participant", "create"
    ):
        raise Problem(
            403,
            f"{account_words()} may not add people to the register: give complainant_id of "
            "a complainant already there.",
        )

    def write():
        errors = []
        division = lookup("division", values["division"], "division", errors, active_only=False)
        channel = lookup("channel", values.get("channel"), "channel", errors)
        category = lookup("category", values.get("category"), "category", errors)
        complainant = None
        if values.get("complainant") and values.get("complainant_id") is not None:
            errors.append(
                error("complainant_id", "cannot be given with complainant: give one of them.")
            )
        elif values.get("complainant"):
            details = values["complainant"]
            if not details.get("family_name") and not details.get("organisation_name"):
                errors.append(error("complainant", "needs a family_name or an organisation_name."))
            complainant = Participant(kind="complainant", **details)
        else:
            complainant = participant(
                values.get("complainant_id"),
                "complainant_id",
                errors,
                ("complainant", "client_organisation"),
                "a complainant",
            )
        subjects = staff_list(values.get("subjects"), "subjects", errors)
        involved = staff_list(values.get("involved"), "involved", errors)
        if errors:
            raise invalid(errors)
        record = Complaint(
            kind=values.get("kind") or "complaint",
            status="received",
            division=division,
            summary=values["summary"],
            description=values.get("description"),
            outcome_sought=values.get("outcome_sought"),
            channel=channel,
            category=category,
            classification=values.get("classification"),
            received_at=values.get("received_at") or utcnow(),
            human_rights=bool(values.get("human_rights", False)),
            confidential=bool(values.get("confidential", False)),
            complainant=complainant,
            subjects=subjects,
            involved=involved,
        )
        if COORDINATOR in access.capacity_codes(current_actor()):
            # The coordinator lodging it coordinates it and registers it, as on the screens.
            record.coordinator = current_user.participant
        db.session.add(record)
        steps.register_on_creation(record, steps.actor_of(current_user), utcnow())
        flush()
        ensure_in_scope(COMPLAINTS, record, "division", f"division {division.code}")
        location = url_for("api.complaint", reference=record.reference, _external=True)
        return (
            201,
            complaint_json(record, steps.actor_of(current_user)),
            {"Location": location, **etag(record)},
        )

    return idempotency.run(body, write)


def ensure_in_scope(resource: Resource, record, field_name: str, words: str) -> None:
    condition = access.rows(current_actor(), resource.screen, "create")
    found = db.session.execute(
        select(resource.model.id).where(resource.model.id == record.id, condition)
    ).first()
    if found is None:
        raise invalid(
            [
                error(
                    field_name,
                    f"puts the {resource.noun} outside the records open to you ({words}): "
                    "you may lodge only within them. Nothing was saved.",
                )
            ]
        )


@bp.post("/complaints/<reference>/transitions")
def complaint_transition(reference):
    return transition(COMPLAINTS, reference)


# ------------------------------------------------------------------------ tickets


@bp.get("/tickets")
def tickets():
    require(TICKETS, "list", "list tickets")
    values, errors = parse_query(TICKET_FILTERS, request.args)
    if errors:
        raise invalid(errors)
    check_filter_range(values, "reported_from", "reported_to")
    query = select(Ticket).where(access.rows(current_actor(), "ticket", "list"))
    query = query.options(
        joinedload(Ticket.client),
        joinedload(Ticket.contact),
        joinedload(Ticket.agent),
        joinedload(Ticket.channel),
    )
    for name in ("status", "severity"):
        if name in values:
            query = query.where(getattr(Ticket, name) == values[name])
    if "overdue" in values:
        query = query.where(overdue_condition(Ticket, TICKET_CLOSED_STATUSES, values["overdue"]))
    if "reported_from" in values:
        query = query.where(Ticket.reported_at >= values["reported_from"])
    if "reported_to" in values:
        query = query.where(Ticket.reported_at < values["reported_to"])
    return listing(TICKETS, query, values)


@bp.get("/tickets/<reference>")
def ticket(reference):
    require(TICKETS, "view", "read tickets")
    record = scoped_one(TICKETS, reference, "view")
    return ticket_json(record, steps.actor_of(current_user)), 200, etag(record)


@bp.post("/tickets")
def report_ticket():
    require(TICKETS, "create", "register tickets")
    body = json_body()
    values = parsed(TICKET_FIELDS, body)

    def write():
        errors = []
        client = participant(
            values["client_id"],
            "client_id",
            errors,
            ("client_organisation",),
            "a client organisation",
        )
        contact = participant(
            values.get("contact_id"),
            "contact_id",
            errors,
            ("complainant", "client_organisation", "staff"),
            "a person",
        )
        agent = participant(
            values.get("agent_id"), "agent_id", errors, ("staff",), "a staff member"
        )
        channel = lookup("channel", values.get("channel"), "channel", errors)
        if errors:
            raise invalid(errors)
        record = Ticket(
            severity=values["severity"],
            status="new",
            summary=values["summary"],
            description=values.get("description"),
            client=client,
            contact=contact,
            agent=agent,
            channel=channel,
            reported_at=values.get("reported_at") or utcnow(),
        )
        db.session.add(record)
        flush()
        ensure_in_scope(TICKETS, record, "client_id", "the service desk")
        location = url_for("api.ticket", reference=record.reference, _external=True)
        return (
            201,
            ticket_json(record, steps.actor_of(current_user)),
            {"Location": location, **etag(record)},
        )

    return idempotency.run(body, write)


@bp.post("/tickets/<reference>/transitions")
def ticket_transition(reference):
    return transition(TICKETS, reference)


# ------------------------------------------------------------------------ steps


def if_match() -> int | None:
    """The version If-Match names ("3", W/"3" or 3); None when not sent or "*"."""
    header = request.headers.get("If-Match")
    if header is None or header.strip() == "*":
        return None
    match = re.fullmatch(r'\s*(?:W/)?"?(\d{1,10})"?\s*', header)
    if match is None:
        raise Problem(
            400,
            'If-Match must be the ETag of the record you read, e.g. If-Match: "3".',
            errors=[{"field": "If-Match", "message": "If-Match is not a version."}],
            title="Invalid request",
        )
    return int(match.group(1))


def refuse_stale(resource: Resource, record, sent_header, sent_body) -> None:
    for sent, status in ((sent_header, 412), (sent_body, 409)):
        if sent is not None and sent != record.version:
            raise Problem(
                status,
                f"This {resource.noun} is at version {record.version}, not {sent}: it was "
                f"changed after you read it. Nothing was saved: read it again, then repeat "
                "the step if it still applies.",
                headers=etag(record),
                title="Changed since you read it",
            )


def step_inputs(resource: Resource, step: str, values: dict, record) -> dict:
    """The step's inputs as the rules read them; lookups and people resolved."""
    inputs, errors = {}, []
    for key in resource.stepper.step_keys(step):
        if key in values:
            inputs[key] = values[key]
    try:
        if step == "assign":
            inputs["manager"] = steps.officer(
                steps.staff_member(
                    inputs.get("manager"),
                    f"manager {inputs.get('manager')} is not a staff member.",
                )
            )
            if "decision_maker" in values:
                chosen = steps.staff_member(
                    values["decision_maker"],
                    f"decision_maker {values['decision_maker']} is not a staff member.",
                )
            else:
                chosen = record.decision_maker
            inputs["decision_maker"] = steps.officer(chosen)
        if step == "assign_agent":
            inputs["agent"] = steps.support_agent(
                inputs.get("agent"), f"agent {inputs.get('agent')} is not a staff member."
            )
    except RuleViolation as refusal:
        name = str(refusal).split(" ", 1)[0]
        errors.append({"field": name, "message": str(refusal)})
    if "outcome" in inputs:
        try:
            inputs.update(steps.outcome_inputs(inputs["outcome"]))
        except RuleViolation:
            lookup("outcome", inputs["outcome"], "outcome", errors)
    if inputs.get("referral_target") is not None:
        try:
            inputs["referral_target"] = steps.referral_target_id(inputs["referral_target"])
        except RuleViolation:
            lookup("referral_target", inputs["referral_target"], "referral_target", errors)
    if errors:
        raise invalid(errors)
    return inputs


def refusal(resource: Resource, step, state, actor, inputs, now, problems) -> Problem:
    """403 when the step is not this caller's to take, 409 when not from this status,
    422 when an input is missing or wrong; each message from the rules, naming its field."""
    machine = resource.stepper.machine
    transition = machine.transition(step)
    detail = " ".join(problems)
    if not machine.may_take(transition, state, actor):
        return Problem(403, detail)
    kind = getattr(state, "kind", None)
    if state.status not in transition.sources or (
        transition.kinds is not None and kind not in transition.kinds
    ):
        return Problem(409, detail, title="Not possible now")
    ask = rules.Ask(transition, state, actor, inputs, now)
    fielded = {}
    for name in transition.requires:
        requirement = machine.requirements[name]
        if requirement.inputs:
            for message in requirement.test(ask):
                fielded.setdefault(message, requirement.inputs[0])
    return invalid(
        [{"field": fielded.get(message, "step"), "message": message} for message in problems],
        detail,
    )


def transition(resource: Resource, reference: str):
    body = json_body()
    fields = resource.step_fields
    values = parsed(fields, body)
    step = values["step"]
    require(resource, step, f"take the step “{step}” on {resource.plural}")
    record = scoped_one(resource, reference, step)
    reads = resource.stepper.step_keys(step)
    extra = [name for name in body if name not in ("step", "version", *reads)]
    if extra:
        takes = ", ".join(reads) if reads else "no inputs"
        raise invalid(
            [
                error(name, f"is not an input of the step {step}: it takes {takes}.")
                for name in extra
            ]
        )
    sent_header = if_match()

    def write():
        refuse_stale(resource, record, sent_header, values.get("version"))
        actor, now = steps.actor_of(current_user), utcnow()
        inputs = step_inputs(resource, step, values, record)
        state = resource.stepper.state(record)
        problems = resource.stepper.problems(step, record, inputs, actor, now, state)
        if problems:
            raise refusal(resource, step, state, actor, inputs, now, problems)
        try:
            message = resource.stepper.take(step, record, inputs, actor, now, state=state)
        except RuleViolation as refused:
            raise Problem(422, str(refused), title="Refused by the rules") from None
        flush()
        body = resource.represent(record, actor)
        body["message"] = message
        return 200, body, etag(record)

    return idempotency.run(body, write)
