"""Complaints and tickets as the API shows them: codes rather than ids for lookups, people
by id and name (a confidential complainant masked as on the screens), instants in ISO 8601
with the offset of the case's calendar, and each due instant with its state."""

from models import Complaint, Ticket, kinds, utcnow
from rules.confidentiality import MASK
from rules.vocabulary import (
    CLASSIFICATIONS,
    COMPLAINT_STATUSES,
    TICKET_STATUSES,
)
from services import clocks, localtime, steps
from views.links import absolute_url

from ..context import case_timezone, visibility

COMPLAINT_INSTANTS = (
    "received_at",
    "registered_at",
    "acknowledged_at",
    "decided_at",
    "finalised_at",
    "closed_at",
    "next_due_at",
)
TICKET_INSTANTS = (
    "reported_at",
    "first_response_at",
    "resolved_at",
    "closed_at",
    "next_due_at",
)


def iso(instant, timezone_name: str) -> str | None:
    if instant is None:
        return None
    return instant.astimezone(localtime.zone(timezone_name)).isoformat()


def person(participant) -> dict | None:
    if participant is None:
        return None
    return {"id": participant.id, "name": participant.display_name}


def code_of(row) -> str | None:
    return row.code if row is not None else None


def complainant(complaint: Complaint) -> dict | None:
    if complaint.complainant is None:
        return None
    if not visibility().shows_complainant(complaint):
        return {"id": None, "name": MASK, "masked": True}
    who = complaint.complainant
    return {
        "id": who.id,
        "name": who.display_name,
        "email": who.email,
        "phone": who.phone,
        "masked": False,
    }


def due_dates(case, timezone_name: str) -> list[dict]:
    """Each due instant of the case: what it is for, when, when met, its state, and the
    explanation the case's page shows (the same rows)."""
    return [
        {
            "name": row["deadline"].field.removesuffix("_at").removesuffix("_due"),
            "label": row["deadline"].label,
            "target": row["deadline"].target.describe() if row["deadline"].target else None,
            "due_at": iso(row["due"], timezone_name),
            "met_at": iso(row["deadline"].done_at, timezone_name),
            "state": row["state"],
            "explanation": row["lines"],
        }
        for row in clocks.due_dates(case, utcnow())
    ]


def overdue(case) -> bool:
    return kinds.kind_of(case).is_overdue(case, utcnow())


def complaint_json(complaint: Complaint, actor=None, full: bool = True) -> dict:
    tz = case_timezone(complaint)
    body = {
        "reference": complaint.reference,
        "kind": complaint.kind,
        "status": complaint.status,
        "status_label": COMPLAINT_STATUSES.get(complaint.status, complaint.status),
        "classification": complaint.classification,
        "classification_label": CLASSIFICATIONS.get(complaint.classification),
        "category": code_of(complaint.category),
        "channel": code_of(complaint.channel),
        "division": {"code": complaint.division.code, "name": complaint.division.name},
        "summary": complaint.summary,
        "description": complaint.description,
        "outcome_sought": complaint.outcome_sought,
        "human_rights": bool(complaint.human_rights),
        "confidential": bool(complaint.confidential),
        "complainant": complainant(complaint),
        "coordinator": person(complaint.coordinator),
        "manager": person(complaint.manager),
        "decision_maker": person(complaint.decision_maker),
        "outcome": code_of(complaint.outcome),
        "outcome_reason": complaint.outcome_reason,
        "referral_target": code_of(complaint.referral_target),
        "change_made": complaint.change_made,
        "change_made_at": iso(complaint.change_made_at, tz),
        "issues": [category.code for category in complaint.issues],
        "systemic_issue": bool(complaint.systemic_issue),
        "root_cause": complaint.root_cause,
        "improvements": [
            {
                "description": improvement.description,
                "made_by": improvement.made_by,
                "made_at": iso(improvement.made_at, tz),
            }
            for improvement in complaint.improvements
        ],
        "disposed_at": iso(complaint.disposed_at, tz),
        **{name: iso(getattr(complaint, name), tz) for name in COMPLAINT_INSTANTS},
        "overdue": overdue(complaint),
        "time_zone": tz,
        "version": complaint.version,
        "url": absolute_url("api.complaint", reference=complaint.reference),
    }
    if full:
        body["due"] = due_dates(complaint, tz)
        body["steps"] = available_steps(steps.COMPLAINT_STEPS, complaint, actor)
    return body


def ticket_json(ticket: Ticket, actor=None, full: bool = True) -> dict:
    tz = case_timezone(ticket)
    body = {
        "reference": ticket.reference,
        "severity": ticket.severity,
        "status": ticket.status,
        "status_label": TICKET_STATUSES.get(ticket.status, ticket.status),
        "summary": ticket.summary,
        "description": ticket.description,
        "client": person(ticket.client),
        "contact": person(ticket.contact),
        "agent": person(ticket.agent),
        "channel": code_of(ticket.channel),
        **{name: iso(getattr(ticket, name), tz) for name in TICKET_INSTANTS},
        "overdue": overdue(ticket),
        "time_zone": tz,
        "version": ticket.version,
        "url": absolute_url("api.ticket", reference=ticket.reference),
    }
    if full:
        body["due"] = due_dates(ticket, tz)
        body["steps"] = available_steps(steps.TICKET_STEPS, ticket, actor)
    return body


def available_steps(stepper: steps.Stepper, model, actor) -> list[dict]:
    """The steps the caller may take now, each with the inputs it reads."""
    if actor is None:
        return []
    return [
        {"step": t.name, "label": t.label, "inputs": list(stepper.step_keys(t.name))}
        for t in stepper.machine.available(stepper.state(model), actor)
    ]
