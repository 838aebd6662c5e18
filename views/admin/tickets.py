"""The tickets screen: the register of service requests, with their response and
resolution targets set by severity."""

from flask_admin.form import Select2Field
from wtforms.validators import DataRequired

from models import Channel, Ticket, kinds, utcnow
from rules.vocabulary import TICKET_SEVERITIES, TICKET_STATUSES

from ..context import case_timezone, ticket_timezone
from .attachments import CaseDocuments
from .case_page_links import CasePageLinks
from .case_view import CaseView, choices
from .corrections import ClockStartCorrection
from .filters import (
    AssignedToMeFilter,
    ChoiceFilter,
    DueTodayFilter,
    DueWithinBusinessDaysFilter,
    OpenFilter,
    OverdueFilter,
    WaitingFilter,
    first_response_due_filter,
    reply_received_filter,
    unassigned_filter,
)
from .formatters import show_due, show_person
from .loaders import ComplaintLoader, anyone, clients, staff
from .notes import CaseNotes
from .options import lookup_query
from .related import RelatedRecords
from .ticket_steps import TicketSteps

CHOOSE_SEVERITY = "Choose the severity: it sets the ticket's response and resolution targets."


class TicketView(
    CasePageLinks,
    RelatedRecords,
    CaseNotes,
    CaseDocuments,
    ClockStartCorrection,
    TicketSteps,
    CaseView,
):
    shared_with = "the client"

    record_noun = "ticket"
    closed_statuses = kinds.TICKET.closed_statuses

    column_list = (
        "reference",
        "reported_at",
        "client",
        "severity",
        "status",
        "agent",
        "next_due_at",
    )
    column_details_list = (
        "reference",
        "severity",
        "status",
        "summary",
        "description",
        "client",
        "contact",
        "agent",
        "channel",
        "complaint",
        "reported_at",
        "first_response_at",
        "resolved_at",
        "closed_at",
        "next_due_at",
    )
    column_export_list = (*column_list, "summary")
    column_labels = {
        "reported_at": "Reported",
        "first_response_at": "First response",
        "resolved_at": "Resolved",
        "closed_at": "Closed",
        "next_due_at": "Next due",
        "complaint": "Feedback complaint",
    }
    column_choices = {
        "severity": choices(TICKET_SEVERITIES),
        "status": choices(TICKET_STATUSES),
    }
    column_formatters = {
        "client": show_person,
        "agent": show_person,
        "contact": show_person,
        "next_due_at": show_due,
    }
    column_formatters_export = {"client": show_person, "agent": show_person}
    column_sortable_list = ("reference", "reported_at", "severity", "status", "next_due_at")
    column_default_sort = [("reported_at", True), ("id", True)]
    reference_column = "reference"
    column_searchable_list = (
        "reference",
        "summary",
        "description",
        "client.organisation_name",
        "client.family_name",
    )
    column_filters = [
        ChoiceFilter(Ticket.severity, "Severity", choices(TICKET_SEVERITIES)),
        ChoiceFilter(Ticket.status, "Status", choices(TICKET_STATUSES)),
        OpenFilter(Ticket.status, kinds.TICKET.closed_statuses),
        AssignedToMeFilter(Ticket.agent_id),
        OverdueFilter(Ticket.next_due_at, Ticket.status, kinds.TICKET.closed_statuses),
        DueTodayFilter(Ticket.next_due_at, Ticket.status, kinds.TICKET.closed_statuses),
        DueWithinBusinessDaysFilter(
            Ticket.next_due_at,
            Ticket.status,
            kinds.TICKET.closed_statuses,
            "ticket",
            Ticket.paused_since,
        ),
        WaitingFilter(Ticket.status, "ticket", name="Waiting on the client"),
        unassigned_filter(Ticket.agent_id, "ticket"),
        first_response_due_filter(Ticket.first_response_at),
        reply_received_filter(Ticket.id, "ticket"),
    ]
    column_select_related_list = (Ticket.client, Ticket.agent)

    form_columns = (
        "severity",
        "client",
        "contact",
        "channel",
        "summary",
        "description",
        "reported_at",
        "agent",
        "complaint",
        # Status and the times it records change only through the workflow's steps.
    )
    # No severity is chosen for the agent: a default of 1 (major outage) timed every
    # ticket left at it as an outage.
    form_overrides = {"severity": Select2Field}
    form_args = {
        "severity": {
            "choices": choices(TICKET_SEVERITIES),
            "allow_blank": True,
            "blank_text": "Choose the severity",
            "validators": [DataRequired(CHOOSE_SEVERITY)],
        },
        "reported_at": {"default": utcnow},
        "channel": {"query_factory": lookup_query(Channel)},
    }
    form_ajax_refs = {
        "client": clients("client"),
        "contact": anyone("contact"),
        "agent": staff("agent"),
        "complaint": ComplaintLoader("complaint"),
    }

    def timezone_for(self, model):
        return case_timezone(model)

    # The client chooses the calendar: its own, else the service desk's.
    zone_source = "client"

    def zone_of_choice(self, client):
        return ticket_timezone(client) if client is not None else None

    def new_case_timezone(self):
        """No client chosen yet: the service desk's calendar, as a ticket of no calendar."""
        return ticket_timezone(None)

    def after_model_change(self, form, model, is_created):
        if is_created:
            self.say_saved(f"Registered {model.reference}")
