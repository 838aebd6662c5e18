"""A case's notes and contact log through the API: read them, add one.

The same entries, rules and refusals as the case page (services/notes.py judges each in
the flush): a contact says when and with whom, nothing is edited, a correction points at
the entry it corrects.
"""

from models import db
from rules import notes as rules
from rules.errors import RuleViolation
from services import notes

from ..context import case_timezone, current_actor
from . import bp, idempotency
from .cases import COMPLAINTS, TICKETS, Resource, json_body, parsed, require, scoped_one
from .fields import Boolean, Choice, Instant, Integer, Text, error
from .problems import Problem, invalid
from .represent import iso

NOTE_FIELDS = (
    Choice(
        "kind",
        "What the entry records: an internal note, or a contact (phone, meeting, post, "
        "in_person).",
        choices=rules.KINDS,
        required=True,
    ),
    Text(
        "summary",
        "What was said or done.",
        required=True,
        max_length=rules.SUMMARY_LIMIT,
    ),
    Instant("happened_at", "A contact: when it happened (not in the future)."),
    Text("with_whom", "A contact: the person or people spoken to.", max_length=200),
    Boolean("shared", "Shared with the complainant or client; internal when left out."),
    Integer("corrects", "The id of the entry of this case that this one corrects.", minimum=1),
)


def note_json(entry: dict, timezone_name: str) -> dict:
    return {
        "id": entry["id"],
        "kind": entry["kind"],
        "happened_at": iso(entry["happened_at"], timezone_name),
        "with_whom": entry["with_whom"] or None,
        "summary": entry["summary"],
        "shared": entry["shared"],
        "corrects": entry["corrects_id"],
        "corrected_by": entry["corrected_by"],
        "recorded_by": entry["by"],
        "recorded_at": iso(entry["recorded_at"], timezone_name),
    }


def list_notes(resource: Resource, reference: str):
    require(resource, "view", f"read {resource.plural}")
    record = scoped_one(resource, reference, "view")
    zone = case_timezone(record)
    return {"items": [note_json(entry, zone) for entry in notes.entries_of(record)]}


def add_note(resource: Resource, reference: str):
    require(resource, "view", f"read {resource.plural}")
    body = json_body()
    values = parsed(NOTE_FIELDS, body)
    record = scoped_one(resource, reference, "view")

    def write():
        corrected = None
        if values.get("corrects") is not None:
            corrected = notes.entry_of_case(db.session, record, values["corrects"])
            if corrected is None:
                raise invalid(
                    [error("corrects", f"is not an entry of {resource.noun} {reference}.")]
                )
        try:
            note = notes.add(
                db.session,
                record,
                current_actor(),
                kind=values["kind"],
                summary=values["summary"],
                happened_at=values.get("happened_at"),
                with_whom=values.get("with_whom"),
                shared=bool(values.get("shared")),
                corrects=corrected,
            )
            db.session.flush()
        except RuleViolation as refused:
            db.session.rollback()
            raise Problem(
                422, str(refused).replace("\n", " "), title="Refused by the rules"
            ) from None
        zone = case_timezone(record)
        return 201, note_json(notes.entry(note, zone), zone), {}

    return idempotency.run(body, write)


@bp.get("/complaints/<reference>/notes")
def complaint_notes(reference):
    return list_notes(COMPLAINTS, reference)


@bp.post("/complaints/<reference>/notes")
def add_complaint_note(reference):
    return add_note(COMPLAINTS, reference)


@bp.get("/tickets/<reference>/notes")
def ticket_notes(reference):
    return list_notes(TICKETS, reference)


@bp.post("/tickets/<reference>/notes")
def add_ticket_note(reference):
    return add_note(TICKETS, reference)
