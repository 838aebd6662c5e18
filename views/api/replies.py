"""A reply to the complainant or the client through the API: the same service, rules and
refusals as the case page's reply form (services/correspondence/replies.py).

POST /api/v1/{complaints|tickets}/{reference}/replies queues it in the outbox; a reply
refused (nobody to write to, an empty body, a subject too long, a document not of the
case) is a 422 problem saying why, with nothing saved.
"""

from models import db
from rules.errors import RuleViolation
from services.correspondence import replies

from ..context import case_timezone, current_actor
from . import bp, idempotency
from .cases import COMPLAINTS, TICKETS, Resource, json_body, parsed, require, scoped_one
from .fields import Text
from .problems import Problem
from .represent import iso

REPLY_FIELDS = (
    Text(
        "subject",
        "The subject; the case's reference is added when it does not carry it. Left out: "
        '"Re: <their last message\'s subject>", or "Your complaint CTS-…".',
        max_length=replies.SUBJECT_LIMIT,
    ),
    Text("body", "The reply, plain text.", required=True, max_length=replies.BODY_LIMIT),
)

REPLY = {
    "type": "object",
    "required": ["id", "subject", "status", "recipient_role", "queued_at"],
    "properties": {
        "id": {"type": "integer"},
        "subject": {"type": "string"},
        "status": {"type": "string", "description": "queued, or no_address: to print and post"},
        "recipient_role": {"type": "string"},
        "in_reply_to": {"type": ["string", "null"]},
        "queued_at": {"type": "string", "format": "date-time"},
    },
}


def add_reply(resource: Resource, reference: str):
    require(resource, "edit", f"write to the {resource.plural}' correspondents")
    body = json_body()
    values = parsed(REPLY_FIELDS, body)
    record = scoped_one(resource, reference, "view")
    if not replies.may_reply(db.session, current_actor(), record):
        raise Problem(403, f"Your account may not reply on {resource.noun} {reference}.")

    def write():
        subject = values.get("subject") or replies.default_subject(db.session, record)
        try:
            message = replies.queue_reply(
                db.session, record, current_actor(), subject, values.get("body") or ""
            )
            db.session.flush()
        except RuleViolation as refused:
            db.session.rollback()
            raise Problem(
                422,
                str(refused).replace("\n", " ") + " Nothing was saved.",
                title="Refused by the rules",
            ) from None
        return (
            201,
            {
                "id": message.id,
                "subject": message.subject,
                "status": message.status,
                "recipient_role": message.recipient_role,
                "in_reply_to": message.in_reply_to,
                "queued_at": iso(message.created_at, case_timezone(record)),
            },
            {},
        )

    return idempotency.run(body, write)


@bp.post("/complaints/<reference>/replies")
def add_complaint_reply(reference):
    return add_reply(COMPLAINTS, reference)


@bp.post("/tickets/<reference>/replies")
def add_ticket_reply(reference):
    return add_reply(TICKETS, reference)
