"""The domain's words: kinds, statuses, capacities, units and SLA steps.

Plain constants shared by models (for their constraints and choices), rules and views.
"""

# Capacities a login account can hold (docs/domain.md, "People and roles").
ADMINISTRATOR = "administrator"
COORDINATOR = "coordinator"
COMPLAINT_MANAGER = "complaint_manager"
DECISION_MAKER = "decision_maker"
INTERNAL_REVIEWER = "internal_reviewer"
SUPPORT_AGENT = "support_agent"
CAPACITIES = {
    ADMINISTRATOR: "Administrator",
    COORDINATOR: "Divisional Complaint Coordinator",
    COMPLAINT_MANAGER: "Complaint manager",
    DECISION_MAKER: "Decision maker",
    INTERNAL_REVIEWER: "Internal reviewer",
    SUPPORT_AGENT: "Support agent",
}

PARTICIPANT_KINDS = {
    "complainant": "Complainant (member of the public)",
    "client_organisation": "Client organisation",
    "staff": "Staff member",
    "external_body": "External body",
    "representative": "Representative of a complainant (advocate, lawyer, member of Parliament)",
}

COMPLAINT_KINDS = {
    "complaint": "Complaint",
    "compliment": "Compliment",
    "suggestion": "Suggestion",
}

CLASSIFICATIONS = {
    "informal": "Informal (resolved at point of service)",
    "standard": "Formal, standard",
    "complex": "Formal, complex",
}

COMPLAINT_STATUSES = {
    "received": "Received",
    "registered": "Registered",
    "acknowledged": "Acknowledged",
    "under_assessment": "Under assessment",
    "investigation": "Investigation",
    "awaiting_complainant": "Waiting on complainant",
    "response_drafted": "Response drafted",
    "decided": "Decided",
    "finalised": "Finalised",
    "internal_review": "Internal review",
    "external_review": "External review",
    "referred": "Referred to another process",
    "closed": "Closed",
}
# A complaint in one of these is no longer worked: its clocks stop.
COMPLAINT_CLOSED_STATUSES = frozenset({"finalised", "referred", "closed"})

TICKET_SEVERITIES = {
    "1": "1: major outage, service unusable",
    "2": "2: a function or some users affected",
    "3a": "3a: documentation or nuisance bug",
    "3b": "3b: a user's question",
}
TICKET_STATUSES = {
    "new": "New",
    "responded": "Responded",
    "in_progress": "In progress",
    "waiting_on_client": "Waiting on client",
    "resolved": "Resolved",
    "closed": "Closed",
}
TICKET_CLOSED_STATUSES = frozenset({"resolved", "closed"})

REVIEW_STATUSES = {
    "requested": "Requested",
    "in_progress": "In progress",
    "awaiting_complainant": "Waiting on complainant",
    "completed": "Completed",
    "withdrawn": "Withdrawn",
}
REVIEW_CLOSED_STATUSES = frozenset({"completed", "withdrawn"})
REVIEW_OUTCOMES = {
    "original_confirmed": "Original decision confirmed",
    "decision_changed": "Decision changed",
    "referred_back": "Referred back for fresh decision",
}

EXTERNAL_BODIES = {
    "ombudsman": "Queensland Ombudsman",
    "human_rights_commissioner": "Human Rights Commissioner",
}
EXTERNAL_REVIEW_STATUSES = {
    "open": "Open",
    "closed": "Closed",
}

# Case types that carry clocks.
CASE_TYPES = {
    "complaint": "Complaint",
    "ticket": "Service-desk ticket",
    "internal_review": "Internal review",
}

UNITS = {
    "business-days": "business days",
    "business-hours": "business hours",
    "business-minutes": "business minutes",
    "calendar-days": "calendar days",
    "calendar-hours": "calendar hours",
}

# What an SLA target applies to: the step it times and, where it matters, the
# classification, kind or severity it is for.  Administrators set the amounts.
SLA_KEYS = {
    "complaint.registration.complaint": "Complaint entered in the register (from receipt)",
    "complaint.registration.compliment": "Compliment entered in the register (from receipt)",
    "complaint.registration.suggestion": "Suggestion entered in the register (from receipt)",
    "complaint.acknowledgement": "Complainant acknowledged (from registration)",
    "complaint.resolution.informal": "Informal complaint resolved (from receipt)",
    "complaint.resolution.standard": "Formal standard complaint resolved (from receipt)",
    "complaint.resolution.complex": (
        "Formal complex complaint resolved (from receipt, before extension)"
    ),
    "complaint.review_request_window": "Internal review may be asked for (from the response)",
    "complaint.human_rights_commissioner": (
        "Human-rights complaint may go to the Commissioner (from receipt)"
    ),
    "internal_review.resolution": "Internal review resolved (from the request)",
    "ticket.first_response.1": "Severity 1 first response",
    "ticket.resolution.1": "Severity 1 resolution",
    "ticket.first_response.2": "Severity 2 first response",
    "ticket.resolution.2": "Severity 2 resolution",
    "ticket.first_response.3a": "Severity 3a first response",
    "ticket.resolution.3a": "Severity 3a correction",
    "ticket.first_response.3b": "Severity 3b first response",
    "ticket.resolution.3b": "Severity 3b supporting documents",
}

WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
