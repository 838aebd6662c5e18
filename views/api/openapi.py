"""The OpenAPI 3.1 document at /api/v1/openapi.json.

Request schemas and parameters are built from the very field definitions the endpoints
validate with (views/api/resources.py), so the document and the validation cannot disagree.
Asked for with a valid token, it also lists the codes of the lookup lists (divisions,
channels, categories, outcomes, referral targets) as they are in the register now.
"""

from dataclasses import replace

from flask import jsonify
from flask_login import current_user
from sqlalchemy import select

from models import db
from rules.vocabulary import (
    CLASSIFICATIONS,
    COMPLAINT_KINDS,
    COMPLAINT_STATUSES,
    TICKET_SEVERITIES,
    TICKET_STATUSES,
)
from views.links import absolute_url

from . import bp
from .cases import COMPLAINTS, LOOKUPS, TICKETS, Resource
from .fields import Code, Field, Nested, object_schema
from .idempotency import HEADER as IDEMPOTENCY_HEADER
from .notes import NOTE_FIELDS
from .replies import REPLY, REPLY_FIELDS

PROBLEM = {"$ref": "#/components/schemas/Problem"}
PROBLEM_STATUSES = {
    "400": "The request could not be read: bad JSON, or a bad header (see detail).",
    "401": "No API token, or it is unknown, revoked, expired, or its account is switched off.",
    "403": "The token's account may not do this (the same permission table as the screens).",
    "404": "No such record open to the token's account (unknown, or outside its scope).",
    "409": "Not possible in the record's current status, or changed meanwhile (version).",
    "412": "If-Match names a version the record no longer has.",
    "413": "The body is too large.",
    "415": "The body is not JSON.",
    "422": "A field is missing or wrong (each one named in `errors`), or the rules refuse.",
    "503": "The database is busy or unavailable: retry (with the same Idempotency-Key).",
}


def nullable(schema: dict) -> dict:
    return {"anyOf": [schema, {"type": "null"}]}


STRING_OR_NULL = {"type": ["string", "null"]}
INSTANT_OR_NULL = {"type": ["string", "null"], "format": "date-time"}
PERSON = {
    "type": "object",
    "required": ["id", "name"],
    "properties": {"id": {"type": "integer"}, "name": {"type": "string"}},
}
DUE = {
    "type": "object",
    "required": ["name", "label", "due_at", "met_at", "state", "explanation"],
    "properties": {
        "name": {"type": "string", "description": "registration, acknowledgement, resolution…"},
        "label": {"type": "string"},
        "target": STRING_OR_NULL,
        "due_at": INSTANT_OR_NULL,
        "met_at": INSTANT_OR_NULL,
        "state": {
            "type": "string",
            "enum": [
                "met",
                "missed",
                "overdue",
                "at risk",
                "open",
                "paused",
                "overdue, paused",
                "stopped",
                "passed",
                "not started",
            ],
        },
        "explanation": {
            "type": "array",
            "items": {"type": "string"},
            "description": "How the due instant was worked out, in the calendar's local "
            'time, as the case\'s page shows it; its "Due …" line names due_at.',
        },
    },
}
STEP = {
    "type": "object",
    "required": ["step", "label", "inputs"],
    "properties": {
        "step": {"type": "string"},
        "label": {"type": "string"},
        "inputs": {"type": "array", "items": {"type": "string"}},
    },
}


def record_schema(properties: dict, required: list, full: bool) -> dict:
    properties = dict(properties)
    required = list(required)
    if full:
        properties["due"] = {"type": "array", "items": {"$ref": "#/components/schemas/DueDate"}}
        properties["steps"] = {
            "type": "array",
            "items": {"$ref": "#/components/schemas/Step"},
            "description": "The steps the token's account may take now.",
        }
        properties["message"] = {
            "type": "string",
            "description": "After a step: what was done.",
        }
        required += ["due", "steps"]
    return {"type": "object", "required": required, "properties": properties}


def complaint_properties() -> dict:
    return {
        "reference": {"type": "string"},
        "kind": {"type": "string", "enum": list(COMPLAINT_KINDS)},
        "status": {"type": "string", "enum": list(COMPLAINT_STATUSES)},
        "status_label": {"type": "string"},
        "classification": {"type": ["string", "null"], "enum": [*CLASSIFICATIONS, None]},
        "classification_label": STRING_OR_NULL,
        "category": STRING_OR_NULL,
        "channel": STRING_OR_NULL,
        "division": {
            "type": "object",
            "required": ["code", "name"],
            "properties": {"code": {"type": "string"}, "name": {"type": "string"}},
        },
        "summary": {"type": "string"},
        "description": STRING_OR_NULL,
        "outcome_sought": STRING_OR_NULL,
        "human_rights": {"type": "boolean"},
        "confidential": {"type": "boolean"},
        "complainant": nullable(
            {
                "type": "object",
                "required": ["id", "name", "masked"],
                "description": "Masked (name only, `Confidential complainant`) when the "
                "complainant asked for confidentiality and the account may not see them.",
                "properties": {
                    "id": {"type": ["integer", "null"]},
                    "name": {"type": "string"},
                    "email": STRING_OR_NULL,
                    "phone": STRING_OR_NULL,
                    "masked": {"type": "boolean"},
                },
            }
        ),
        "coordinator": nullable({"$ref": "#/components/schemas/Person"}),
        "manager": nullable({"$ref": "#/components/schemas/Person"}),
        "decision_maker": nullable({"$ref": "#/components/schemas/Person"}),
        "outcome": STRING_OR_NULL,
        "outcome_reason": STRING_OR_NULL,
        "referral_target": STRING_OR_NULL,
        "change_made": {
            "type": ["string", "null"],
            "description": "The change to the department's policies, procedures or practices "
            "the complaint led to: further action in the annual publication.",
        },
        "change_made_at": INSTANT_OR_NULL,
        "issues": {
            "type": "array",
            "items": {"type": "string"},
            "description": "The codes of the categories of every issue the complaint raised.",
        },
        "systemic_issue": {"type": "boolean"},
        "root_cause": STRING_OR_NULL,
        "improvements": {
            "type": "array",
            "description": "The changes to policies, procedures or practices the complaint "
            "led to (further action in the annual publication, by the date made).",
            "items": {
                "type": "object",
                "properties": {
                    "description": {"type": "string"},
                    "made_by": {"type": "string"},
                    "made_at": {"type": "string", "format": "date-time"},
                },
            },
        },
        "disposed_at": INSTANT_OR_NULL,
        "received_at": {"type": "string", "format": "date-time"},
        **{
            name: INSTANT_OR_NULL
            for name in (
                "registered_at",
                "acknowledged_at",
                "decided_at",
                "finalised_at",
                "closed_at",
                "next_due_at",
            )
        },
        "overdue": {"type": "boolean"},
        "time_zone": {"type": "string", "description": "The case calendar's IANA time zone."},
        "version": {"type": "integer", "description": "Send it back as If-Match or `version`."},
        "url": {"type": "string"},
    }


def ticket_properties() -> dict:
    return {
        "reference": {"type": "string"},
        "severity": {"type": "string", "enum": list(TICKET_SEVERITIES)},
        "status": {"type": "string", "enum": list(TICKET_STATUSES)},
        "status_label": {"type": "string"},
        "summary": {"type": "string"},
        "description": STRING_OR_NULL,
        "client": nullable({"$ref": "#/components/schemas/Person"}),
        "contact": nullable({"$ref": "#/components/schemas/Person"}),
        "agent": nullable({"$ref": "#/components/schemas/Person"}),
        "channel": STRING_OR_NULL,
        "reported_at": {"type": "string", "format": "date-time"},
        **{
            name: INSTANT_OR_NULL
            for name in ("first_response_at", "resolved_at", "closed_at", "next_due_at")
        },
        "overdue": {"type": "boolean"},
        "time_zone": {"type": "string"},
        "version": {"type": "integer"},
        "url": {"type": "string"},
    }


def list_schema(item: str) -> dict:
    return {
        "type": "object",
        "required": ["items", "total", "page", "per_page", "next", "previous"],
        "properties": {
            "items": {"type": "array", "items": {"$ref": f"#/components/schemas/{item}"}},
            "total": {"type": "integer", "description": "How many match, on every page."},
            "page": {"type": "integer"},
            "per_page": {"type": "integer"},
            "next": {**STRING_OR_NULL, "description": "The next page's address, or null."},
            "previous": STRING_OR_NULL,
        },
    }


def problem_schema() -> dict:
    return {
        "type": "object",
        "required": ["type", "title", "status", "detail"],
        "properties": {
            "type": {"type": "string"},
            "title": {"type": "string"},
            "status": {"type": "integer"},
            "detail": {"type": "string", "description": "What went wrong, in plain words."},
            "errors": {
                "type": "array",
                "description": "One per field refused.",
                "items": {
                    "type": "object",
                    "required": ["field", "message"],
                    "properties": {"field": {"type": "string"}, "message": {"type": "string"}},
                },
            },
        },
    }


# ------------------------------------------------------------------------ live codes


def with_codes(fields, codes: dict) -> tuple[Field, ...]:
    out = []
    for field in fields:
        if isinstance(field, Code) and field.lookup in codes:
            field = replace(field, codes=codes[field.lookup])
        elif isinstance(field, Nested):
            field = replace(field, fields=with_codes(field.fields, codes))
        out.append(field)
    return tuple(out)


def live_codes() -> dict:
    if not current_user.is_authenticated:
        return {}
    codes = {}
    for name, model in LOOKUPS.items():
        query = select(model.code).order_by(model.code)
        if hasattr(model, "active"):
            query = query.where(model.active.is_(True))
        found = db.session.execute(query).scalars().all()
        if found:
            codes[name] = found
    return codes


# ------------------------------------------------------------------------ operations


def responses(ok_status: str, ok_description: str, ok_schema: dict, codes, headers=None) -> dict:
    ok = {"description": ok_description, "content": {"application/json": {"schema": ok_schema}}}
    if headers:
        ok["headers"] = headers
    answer = {ok_status: ok}
    for code in codes:
        answer[code] = {"$ref": f"#/components/responses/Problem{code}"}
    return answer


def parameter(field: Field, where: str = "query") -> dict:
    schema = field.json_type()
    return {
        "name": field.name,
        "in": where,
        "required": field.required,
        "description": field.description,
        "schema": schema,
    }


REFERENCE = {
    "name": "reference",
    "in": "path",
    "required": True,
    "description": "The reference number, e.g. CTS-2026-000123.",
    "schema": {"type": "string", "minLength": 1, "maxLength": 40, "pattern": "^[A-Za-z0-9-]+$"},
}
IDEMPOTENCY = {
    "name": IDEMPOTENCY_HEADER,
    "in": "header",
    "required": False,
    "description": "A key of your choice (a UUID) for this write: a retry with the same key "
    "and body gets the first answer (marked Idempotent-Replayed: true) and saves nothing "
    "again. Kept 24 hours; the same key with another body is refused (422).",
    "schema": {"type": "string", "minLength": 1, "maxLength": 255, "pattern": "^[!-~]+$"},
}
IF_MATCH = {
    "name": "If-Match",
    "in": "header",
    "required": False,
    "description": "The ETag (version) of the record as you read it: refused with 412 if "
    "it changed since.",
    "schema": {"type": "string", "maxLength": 20, "pattern": '^(W/)?"?[0-9]{1,10}"?$'},
}
ETAG = {"ETag": {"description": "The record's version.", "schema": {"type": "string"}}}
CREATED_HEADERS = {
    **ETAG,
    "Location": {"description": "The new record's address.", "schema": {"type": "string"}},
}


def resource_paths(resource: Resource, codes: dict, item: str) -> dict:
    noun, plural = resource.noun, resource.plural
    fields = with_codes(resource.fields, codes)
    filters = with_codes(resource.filters, codes)
    step_fields = with_codes(resource.step_fields, codes)
    tag = plural.capitalize()
    return {
        f"/{plural}": {
            "get": {
                "operationId": f"list_{plural}",
                "tags": [tag],
                "summary": f"List the {plural} open to the token's account",
                "description": "Newest first; filters combine (and). Paged: `next` and "
                "`previous` give the neighbouring pages' addresses, `total` the count.",
                "parameters": [parameter(field) for field in filters],
                "responses": responses(
                    "200",
                    f"A page of {plural}.",
                    {"$ref": f"#/components/schemas/{item}List"},
                    ("400", "401", "403", "422", "503"),
                ),
            },
            "post": {
                "operationId": f"create_{noun}",
                "tags": [tag],
                "summary": f"Lodge a {noun}",
                "description": "Given its reference number and due dates, as through the "
                "screens: a coordinator's complaint is registered at once; anyone else's "
                "stays Received until a coordinator registers it.",
                "parameters": [IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": object_schema(fields)}},
                },
                "responses": responses(
                    "201",
                    f"The {noun}, with its reference number.",
                    {"$ref": f"#/components/schemas/{item}"},
                    ("400", "401", "403", "409", "413", "415", "422", "503"),
                    CREATED_HEADERS,
                ),
            },
        },
        f"/{plural}/{{reference}}": {
            "get": {
                "operationId": f"get_{noun}",
                "tags": [tag],
                "summary": f"Read a {noun}: its details, due instants and the steps open",
                "parameters": [REFERENCE],
                "responses": responses(
                    "200",
                    f"The {noun}.",
                    {"$ref": f"#/components/schemas/{item}"},
                    ("401", "403", "404", "503"),
                    ETAG,
                ),
            },
        },
        f"/{plural}/{{reference}}/transitions": {
            "post": {
                "operationId": f"step_{noun}",
                "tags": [tag],
                "summary": f"Take a workflow step on a {noun}",
                "description": "The same steps, rules and refusals as the buttons on the "
                "screens. Send only the inputs the step reads (see `steps` of the record).",
                "parameters": [REFERENCE, IDEMPOTENCY, IF_MATCH],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": object_schema(step_fields)}},
                },
                "responses": responses(
                    "200",
                    f"The {noun} after the step.",
                    {"$ref": f"#/components/schemas/{item}"},
                    ("400", "401", "403", "404", "409", "412", "413", "415", "422", "503"),
                    ETAG,
                ),
            },
        },
    }


NOTE = {
    "type": "object",
    "required": [
        "id",
        "kind",
        "happened_at",
        "with_whom",
        "summary",
        "shared",
        "corrects",
        "corrected_by",
        "recorded_by",
        "recorded_at",
    ],
    "properties": {
        "id": {"type": "integer"},
        "kind": {"type": "string"},
        "happened_at": INSTANT_OR_NULL,
        "with_whom": STRING_OR_NULL,
        "summary": {"type": "string"},
        "shared": {"type": "boolean"},
        "corrects": {"type": ["integer", "null"]},
        "corrected_by": {"type": "array", "items": {"type": "integer"}},
        "recorded_by": {"type": "string"},
        "recorded_at": {"type": "string", "format": "date-time"},
    },
}


def reply_paths(resource: Resource) -> dict:
    noun, plural = resource.noun, resource.plural
    return {
        f"/{plural}/{{reference}}/replies": {
            "post": {
                "operationId": f"add_{noun}_reply",
                "tags": [plural.capitalize()],
                "summary": f"Reply to the {noun}'s "
                + ("client" if noun == "ticket" else "complainant")
                + " through the outbox",
                "description": "Threaded on their latest message on the case; sent by "
                "`flask mail send-due`, or kept as a letter to print and post when there is "
                "no email address (`status` no_address).",
                "parameters": [REFERENCE, IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": object_schema(REPLY_FIELDS)}},
                },
                "responses": responses(
                    "201",
                    "The reply as queued.",
                    {"$ref": "#/components/schemas/Reply"},
                    ("400", "401", "403", "404", "409", "413", "415", "422", "503"),
                ),
            },
        },
    }


def note_paths(resource: Resource) -> dict:
    noun, plural = resource.noun, resource.plural
    tag = plural.capitalize()
    return {
        f"/{plural}/{{reference}}/notes": {
            "get": {
                "operationId": f"list_{noun}_notes",
                "tags": [tag],
                "summary": f"Read a {noun}'s notes and contacts, newest first",
                "parameters": [REFERENCE],
                "responses": responses(
                    "200",
                    "The entries.",
                    {"$ref": "#/components/schemas/NoteList"},
                    ("401", "403", "404", "503"),
                ),
            },
            "post": {
                "operationId": f"add_{noun}_note",
                "tags": [tag],
                "summary": f"Add a note or contact to a {noun}'s file",
                "description": "Entries are never edited: a correction is a new entry "
                "naming the one it corrects in `corrects`. A contact needs `happened_at` "
                "and `with_whom`.",
                "parameters": [REFERENCE, IDEMPOTENCY],
                "requestBody": {
                    "required": True,
                    "content": {"application/json": {"schema": object_schema(NOTE_FIELDS)}},
                },
                "responses": responses(
                    "201",
                    "The entry as recorded.",
                    {"$ref": "#/components/schemas/Note"},
                    ("400", "401", "403", "404", "409", "413", "415", "422", "503"),
                ),
            },
        },
    }


def document() -> dict:
    codes = live_codes()
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "Complaints portal API",
            "version": "1.0.0",
            "description": "Lodge and read complaints and service-desk tickets, and take "
            "their workflow steps. Authenticate with `Authorization: Bearer <token>` (an "
            "administrator issues tokens); the token acts as its account, with the same "
            "permissions and scope as on the screens. Errors are application/problem+json. "
            "Instants are ISO 8601 with an offset, in the case calendar's local time.",
        },
        "servers": [{"url": absolute_url("api.openapi").rsplit("/", 1)[0]}],
        "security": [{"bearer": []}],
        "paths": {
            **resource_paths(COMPLAINTS, codes, "Complaint"),
            **resource_paths(TICKETS, codes, "Ticket"),
            **note_paths(COMPLAINTS),
            **note_paths(TICKETS),
            **reply_paths(COMPLAINTS),
            **reply_paths(TICKETS),
            "/openapi.json": {
                "get": {
                    "operationId": "openapi",
                    "tags": ["Document"],
                    "summary": "This document",
                    "security": [{}, {"bearer": []}],
                    "responses": {
                        "200": {
                            "description": "The OpenAPI document.",
                            "content": {"application/json": {"schema": {"type": "object"}}},
                        }
                    },
                }
            },
        },
        "components": {
            "securitySchemes": {
                "bearer": {
                    "type": "http",
                    "scheme": "bearer",
                    "description": "An API token (cpt_…) an administrator issued.",
                }
            },
            "schemas": {
                "Complaint": record_schema(
                    complaint_properties(),
                    list(complaint_properties()),
                    True,
                ),
                "ComplaintItem": record_schema(
                    complaint_properties(), list(complaint_properties()), False
                ),
                "ComplaintList": list_schema("ComplaintItem"),
                "Ticket": record_schema(ticket_properties(), list(ticket_properties()), True),
                "TicketItem": record_schema(ticket_properties(), list(ticket_properties()), False),
                "TicketList": list_schema("TicketItem"),
                "Note": NOTE,
                "Reply": REPLY,
                "NoteList": {
                    "type": "object",
                    "required": ["items"],
                    "properties": {
                        "items": {"type": "array", "items": {"$ref": "#/components/schemas/Note"}}
                    },
                },
                "Person": PERSON,
                "DueDate": DUE,
                "Step": STEP,
                "Problem": problem_schema(),
            },
            "responses": {
                f"Problem{code}": {
                    "description": words,
                    "content": {"application/problem+json": {"schema": PROBLEM}},
                }
                for code, words in PROBLEM_STATUSES.items()
            },
        },
    }


@bp.get("/openapi.json")
def openapi():
    return jsonify(document())
