"""Complaints and tickets through the API: lodge, read, list, and take workflow steps.

Each endpoint asks what the screens ask: the permission table for the action
(rules.permissions.allowed), the row scope for the record (services.access.rows: a
record out of scope is a 404, as on the screens), the workflow rules for a step
(services.steps, shared with the screens). Saves go through the ORM, so the flush hooks
give references and due dates, enforce separation of duties and write the history.
"""

from flask import request
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload, selectinload

from models import Complaint, Division, Participant, Ticket, db, utcnow
from rules import permissions
from rules.vocabulary import COORDINATOR
from services import access, steps
from views.links import absolute_url

from ..context import current_actor
from . import bp, idempotency
from .fields import error, parse_query
from .handling import (
    account_words,
    check_filter_range,
    ensure_in_scope,
    etag,
    flush,
    json_body,
    listing,
    lookup,
    overdue_condition,
    parsed,
    participant,
    require,
    scoped_one,
    staff_list,
)
from .problems import Problem, invalid
from .represent import complaint_json, ticket_json
from .resources import (
    COMPLAINT_FIELDS,
    COMPLAINT_FILTERS,
    COMPLAINTS,
    LOOKUPS,  # noqa: F401  (the OpenAPI document imports it from here)
    TICKET_FIELDS,
    TICKET_FILTERS,
    TICKETS,
    Resource,  # noqa: F401  (the notes and the OpenAPI document import it from here)
)
from .transitions import transition

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
        selectinload(Complaint.issues),
        selectinload(Complaint.improvements),
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
        query = query.where(overdue_condition(COMPLAINTS.kind, values["overdue"]))
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
        location = absolute_url("api.complaint", reference=record.reference)
        return (
            201,
            complaint_json(record, steps.actor_of(current_user)),
            {"Location": location, **etag(record)},
        )

    return idempotency.run(body, write)


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
        query = query.where(overdue_condition(TICKETS.kind, values["overdue"]))
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
        location = absolute_url("api.ticket", reference=record.reference)
        return (
            201,
            ticket_json(record, steps.actor_of(current_user)),
            {"Location": location, **etag(record)},
        )

    return idempotency.run(body, write)


@bp.post("/tickets/<reference>/transitions")
def ticket_transition(reference):
    return transition(TICKETS, reference)
