"""What a letter says: the values of a case that its templates are filled in with, the
template as administrators left it, and the settings mail is written with."""

from sqlalchemy.orm import object_session

import settings
from models import (
    Complaint,
    Division,
    InternalReview,
    Outcome,
    Participant,
    kinds,
    utcnow,
)
from rules import correspondence
from rules.vocabulary import REVIEW_OUTCOMES

from .. import history, intake, localtime
from ..clocks import Clocks

NO_NAME = "Sir or Madam"


def config(name, default=None):
    """A setting of the running application (settings.py's default outside one, or where
    it is set empty)."""
    if settings.DEFAULTS.get(name) is not None:
        default = settings.DEFAULTS[name]
    try:
        from flask import current_app, has_app_context
    except ImportError:  # pragma: no cover - flask is always installed with the app
        return default
    if has_app_context():
        value = current_app.config.get(name)
        return default if value in (None, "") else value
    return default


# --- what a letter says -----------------------------------------------------------------


def _name(person: Participant | None) -> str:
    return person.display_name if person is not None else ""


_by_id = kinds.related


def complainant_name(complaint: Complaint) -> str:
    person = _by_id(complaint, Participant, complaint.complainant_id)
    if person is None or not (person.given_name or person.family_name or person.organisation_name):
        return NO_NAME
    return person.display_name


def complaint_values(complaint: Complaint, *, hide_complainant: bool = False) -> dict:
    tz = localtime.case_timezone(complaint, localtime.settings_in_force())
    division = _by_id(complaint, Division, complaint.division_id)
    outcome = _by_id(complaint, Outcome, complaint.outcome_id)
    awaiting = intake.awaits_a_coordinator(complaint, utcnow())
    return {
        "reference": complaint.reference or "",
        "kind": complaint.kind or "complaint",
        "summary": complaint.summary or "",
        "received_on": correspondence.day_in_words(complaint.received_at, tz),
        "division": division.name if division is not None else "",
        "sender_name": config("MAIL_SENDER_NAME"),
        "complainant_name": history.MASK if hide_complainant else complainant_name(complaint),
        "manager_name": _name(_by_id(complaint, Participant, complaint.manager_id)),
        "decision_maker_name": _name(_by_id(complaint, Participant, complaint.decision_maker_id)),
        # Until a coordinator takes it up, the dates the lodgement confirmation promised.
        "registration_due": correspondence.instant_in_words(
            complaint.registration_due_at if awaiting else None, tz
        ),
        "acknowledgement_due": correspondence.instant_in_words(
            intake.promised_acknowledgement_due(object_session(complaint), complaint)
            if awaiting
            else complaint.acknowledgement_due_at,
            tz,
        ),
        "resolution_due": correspondence.instant_in_words(complaint.resolution_due_at, tz),
        "outcome": outcome.name if outcome is not None else "",
        "outcome_reason": complaint.outcome_reason or "",
        "finalised_on": correspondence.day_in_words(complaint.finalised_at, tz),
        "review_request_due": correspondence.day_in_words(complaint.review_request_due_at, tz),
        "human_rights": bool(complaint.human_rights),
        "human_rights_commissioner_from": correspondence.day_in_words(
            complaint.human_rights_commissioner_from, tz
        ),
    }


def portal_address() -> str:
    """PORTAL_URL without its trailing slash (empty when unset): every absolute link the
    portal hands out starts with it, never with the Host header a request names (its
    sender chooses that)."""
    return str(config("PORTAL_URL", "") or "").strip().rstrip("/")


def portal_link(case_type: str, case_id) -> str:
    """The case's page on the portal's address (the path alone without PORTAL_URL)."""
    return portal_address() + kinds.by_name(case_type).page_of(case_id)


def case_values(case) -> dict:
    """The common values of any case: complaint, ticket or internal review."""
    case_type = kinds.kind_of(case).name
    if case_type == "complaint":
        values = complaint_values(case)
    elif case_type == "ticket":
        tz = localtime.case_timezone(case, localtime.settings_in_force())
        values = {
            "reference": case.reference or "",
            "kind": "ticket",
            "summary": case.summary or "",
            "received_on": correspondence.day_in_words(case.reported_at, tz),
            "division": _name(_by_id(case, Participant, case.client_id)),
            "sender_name": config("MAIL_SENDER_NAME"),
        }
    else:
        complaint = case.complaint
        values = complaint_values(complaint)
        values["kind"] = "internal review"
        values["received_on"] = correspondence.day_in_words(
            case.requested_at, localtime.case_timezone(case, localtime.settings_in_force())
        )
    values["portal_link"] = portal_link(case_type, case.id)
    return values


def review_values(review: InternalReview) -> dict:
    complaint = _by_id(review, Complaint, review.complaint_id)
    tz = localtime.case_timezone(complaint, localtime.settings_in_force())
    return {
        **complaint_values(complaint),
        "requested_on": correspondence.day_in_words(review.requested_at, tz),
        "review_due": correspondence.instant_in_words(review.due_at, tz),
        "review_outcome": REVIEW_OUTCOMES.get(review.outcome or "", review.outcome or ""),
        "review_findings": review.findings or "",
        "reviewed_on": correspondence.day_in_words(review.completed_at, tz),
        "referred_back": review.outcome == "referred_back",
    }


def template_for(session, key: str) -> tuple[str, str]:
    """(subject, body) as administrators left it, or the wording the portal ships with. The
    templates are kept with the configuration's stamp (services/clocks): saving one gives
    the configuration a new stamp, so every process reads them again."""
    saved = Clocks.of(session).template(key)
    return saved if saved is not None else correspondence.DEFAULT_TEMPLATES[key]


def render_letter(session, key: str, values: dict) -> tuple[correspondence.Rendered, str | None]:
    """The message, and a note when the edited template failed and the default was used."""
    wanted = {name: values.get(name, "") for name in correspondence.VARIABLES[key]}
    subject, body = template_for(session, key)
    try:
        return correspondence.render(key, subject, body, wanted), None
    except correspondence.TemplateRefused as error:
        subject, body = correspondence.DEFAULT_TEMPLATES[key]
        note = f"The edited template could not be used ({error}); the default wording was."
        return correspondence.render(key, subject, body, wanted), note


# --- the service desk's letters ---------------------------------------------------------


def ticket_recipient(ticket) -> tuple[str, Participant | None]:
    """Whom a ticket's mail goes to: the contact who reported it, else the client
    organisation itself (role, person)."""
    contact = _by_id(ticket, Participant, ticket.contact_id)
    if contact is not None:
        return "client_contact", contact
    return "client", _by_id(ticket, Participant, ticket.client_id)


def ticket_values(ticket, content: str = "") -> dict:
    """A ticket's values, its due instants in words in its calendar's local time."""
    tz = localtime.case_timezone(ticket, localtime.settings_in_force())
    client = _by_id(ticket, Participant, ticket.client_id)
    _, recipient = ticket_recipient(ticket)
    return {
        "reference": ticket.reference or "",
        "kind": "ticket",
        "summary": ticket.summary or "",
        "received_on": correspondence.day_in_words(ticket.reported_at, tz),
        "division": _name(client),
        "sender_name": config("MAIL_SENDER_NAME"),
        "client_name": _name(recipient) or NO_NAME,
        "organisation_name": _name(client),
        "severity": ticket.severity or "",
        "first_response_due": correspondence.instant_in_words(
            ticket.first_response_due_at if ticket.first_response_at is None else None, tz
        ),
        "resolution_due": correspondence.instant_in_words(ticket.resolution_due_at, tz),
        "agent_name": _name(_by_id(ticket, Participant, ticket.agent_id)),
        "content": content,
    }
