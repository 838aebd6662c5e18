"""The register: complaints, tickets, internal and external reviews, extensions."""

from flask import current_app, flash, redirect, request, url_for
from flask_admin import expose
from flask_admin.contrib.sqla.filters import BooleanEqualFilter
from flask_admin.form import Select2Field
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.validators import DataRequired, ValidationError

from models import (
    Category,
    Channel,
    Complaint,
    Division,
    Extension,
    ExternalReview,
    InternalReview,
    Ticket,
    db,
    utcnow,
)
from rules.vocabulary import (
    CLASSIFICATIONS,
    COMPLAINT_CLOSED_STATUSES,
    COMPLAINT_KINDS,
    COMPLAINT_STATUSES,
    COORDINATOR,
    EXTERNAL_BODIES,
    EXTERNAL_REVIEW_STATUSES,
    INTERNAL_REVIEWER,
    REVIEW_CLOSED_STATUSES,
    REVIEW_OUTCOMES,
    REVIEW_STATUSES,
    TICKET_CLOSED_STATUSES,
    TICKET_SEVERITIES,
    TICKET_STATUSES,
)
from services import access, confidentiality, steps
from services.localtime import local_text

from ..context import (
    case_timezone,
    complaint_timezone,
    current_actor,
    ticket_timezone,
    visibility,
)
from . import privacy
from .attachments import CaseDocuments
from .base import ScopedModelView, show_due, show_person
from .corrections import ClockStartCorrection
from .extension_requests import ComplaintExtensionRequests
from .filters import (
    AssignedToMeFilter,
    ChoiceFilter,
    DueTodayFilter,
    DueWithinBusinessDaysFilter,
    ExtensionRequestAwaitingMeFilter,
    InMyDivisionFilter,
    LocalDayFilter,
    OpenFilter,
    OverdueFilter,
    WaitingFilter,
)
from .loaders import ComplaintLoader, anyone, clients, staff
from .notes import CaseNotes
from .options import division_options, lookup_options, lookup_query
from .related import ComplaintRelatedRecords, RelatedRecords
from .workflow import ComplaintSteps, ReviewSteps, TicketSteps

CHOOSE_SEVERITY = "Choose the severity: it sets the ticket's response and resolution targets."


def show_consent(view, context, model, name):
    """The online form's consent answer; a blank would read as "no" to a coordinator."""
    answer = getattr(model, name)
    if answer is None:
        return "Not asked (not lodged online, or lodged anonymously)"
    return "Yes" if answer else "No"


def choices(mapping):
    return list(mapping.items())


def officers_division_timezone() -> str | None:
    """The zone of the signed-in officer's division: a record they open most likely runs
    on it (None: an officer of no division)."""
    me = getattr(current_user, "participant", None)
    division = me.division if me is not None else None
    return complaint_timezone(division) if division is not None else None


def show_complaint_reference(view, context, model, name):
    complaint = model.complaint
    return complaint.reference if complaint is not None else ""


class CaseView(ScopedModelView):
    """A case with clocks: details page with its due dates, never deleted by hand."""

    can_delete = False
    can_view_details = True
    can_export = True
    details_template = "admin/case_details.html"

    def details_context(self, model):
        """What `admin/_due_dates.html` can use besides `model` and `admin_view`."""
        return {
            "case_timezone": self.timezone_for(model),
            "local_time": lambda instant: self.local_text(instant, model),
            # Whom admin/_history.html may name: no confidential complainant hidden from me.
            "history_person_visible": visibility().person_visible_on(model),
        }

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs.update(self.details_context(kwargs["model"]))
        return super().render(template, **kwargs)


class ComplaintView(
    ComplaintRelatedRecords,
    CaseNotes,
    CaseDocuments,
    ClockStartCorrection,
    ComplaintExtensionRequests,
    ComplaintSteps,
    CaseView,
):
    record_noun = "complaint"
    closed_statuses = COMPLAINT_CLOSED_STATUSES

    column_list = (
        "reference",
        "received_at",
        "complainant",
        "category",
        "classification",
        "status",
        "division",
        "manager",
        "decision_maker",
        "next_due_at",
    )
    column_details_list = (
        "reference",
        "kind",
        "status",
        "classification",
        "category",
        "channel",
        "division",
        "summary",
        "description",
        "outcome_sought",
        "human_rights",
        "confidential",
        "personal_details_consent",
        "complainant",
        "coordinator",
        "manager",
        "decision_maker",
        "subjects",
        "involved",
        "referral_target",
        "outcome",
        "outcome_reason",
        "change_made",
        "change_made_at",
        "received_at",
        "registered_at",
        "acknowledged_at",
        "decided_at",
        "finalised_at",
        "closed_at",
        "next_due_at",
    )
    column_export_list = (*column_list[:-1], "summary", "channel", "kind", "next_due_at")
    column_labels = {
        "received_at": "Received",
        "registered_at": "Registered",
        "acknowledged_at": "Acknowledged",
        "decided_at": "Decided",
        "finalised_at": "Finalised",
        "closed_at": "Closed",
        "next_due_at": "Next due",
        "decision_maker": "Decision maker",
        "outcome_sought": "Outcome sought",
        "outcome_reason": "Reasons for the outcome",
        "change_made": "Change made to policies, procedures or practices",
        "change_made_at": "Change made on",
        "human_rights": "Human-rights aspect",
        "confidential": "Personal details not to be used",
        "personal_details_consent": "Agreed online that personal details may be used",
        "referral_target": "Referred to",
        "subjects": "Staff complained about",
        "involved": "Staff involved before lodgement",
    }
    column_choices = {
        "status": choices(COMPLAINT_STATUSES),
        "classification": choices(CLASSIFICATIONS),
        "kind": choices(COMPLAINT_KINDS),
    }
    column_formatters = {
        "complainant": privacy.show_complainant,
        "manager": show_person,
        "decision_maker": show_person,
        "next_due_at": show_due,
        "personal_details_consent": show_consent,
    }
    column_formatters_export = {
        "complainant": privacy.show_complainant,
        "manager": show_person,
        "decision_maker": show_person,
    }
    column_sortable_list = (
        "reference",
        "received_at",
        ("category", "category.name"),
        "classification",
        "status",
        ("division", "division.name"),
        "next_due_at",
    )
    column_default_sort = [("received_at", True), ("id", True)]
    reference_column = "reference"
    column_searchable_list = (
        "reference",
        "complainant.given_name",
        "complainant.family_name",
        "complainant.organisation_name",
        "summary",
        "description",
    )
    # A confidential complainant's name finds the complaint only for those who may see it.
    identity_search_columns = (
        "complainant.given_name",
        "complainant.family_name",
        "complainant.organisation_name",
    )
    column_filters = [
        ChoiceFilter(Complaint.status, "Status", choices(COMPLAINT_STATUSES)),
        OpenFilter(Complaint.status, COMPLAINT_CLOSED_STATUSES),
        ChoiceFilter(Complaint.division_id, "Division", division_options(), coerce=int),
        ChoiceFilter(Complaint.category_id, "Category", lookup_options(Category), coerce=int),
        ChoiceFilter(Complaint.classification, "Classification", choices(CLASSIFICATIONS)),
        ChoiceFilter(Complaint.channel_id, "Channel", lookup_options(Channel), coerce=int),
        ChoiceFilter(Complaint.kind, "Kind", choices(COMPLAINT_KINDS)),
        BooleanEqualFilter(Complaint.human_rights, "Human rights"),
        AssignedToMeFilter(Complaint.manager_id, Complaint.decision_maker_id),
        OverdueFilter(Complaint.next_due_at, Complaint.status, COMPLAINT_CLOSED_STATUSES),
        DueTodayFilter(Complaint.next_due_at, Complaint.status, COMPLAINT_CLOSED_STATUSES),
        LocalDayFilter(Complaint.received_at, "Received", "from"),
        LocalDayFilter(Complaint.received_at, "Received", "before"),
        DueWithinBusinessDaysFilter(
            Complaint.next_due_at,
            Complaint.status,
            COMPLAINT_CLOSED_STATUSES,
            "complaint",
            Complaint.paused_since,
        ),
        WaitingFilter(Complaint.status, "complaint"),
        InMyDivisionFilter(Complaint.division_id, "complaint"),
        ExtensionRequestAwaitingMeFilter(Complaint.id),
    ]
    # Every column the grid shows comes in the one list query, whatever the page size.
    column_select_related_list = (
        Complaint.complainant,
        Complaint.category,
        Complaint.division,
        Complaint.manager,
        Complaint.decision_maker,
    )

    form_columns = (
        "kind",
        "channel",
        "division",
        "complainant",
        "summary",
        "description",
        "outcome_sought",
        "received_at",
        "human_rights",
        "confidential",
        "category",
        "classification",
        "coordinator",
        "manager",
        "decision_maker",
        "subjects",
        "involved",
        "change_made",
        "change_made_at",
        # Status, outcome and referral change only through the workflow's steps.
    )
    form_choices = {
        "kind": choices(COMPLAINT_KINDS),
        "classification": choices(CLASSIFICATIONS),
    }
    form_args = {
        "received_at": {"default": utcnow},
        "channel": {"query_factory": lookup_query(Channel)},
        "category": {"query_factory": lookup_query(Category)},
    }
    form_ajax_refs = {
        "complainant": anyone("complainant"),
        "coordinator": staff("coordinator"),
        "manager": staff("manager"),
        "decision_maker": staff("decision_maker"),
        "subjects": staff("subjects"),
        "involved": staff("involved"),
    }
    form_widget_args = {
        "summary": {"placeholder": "One line the team will recognise"},
        "description": {"rows": 5},
        "outcome_sought": {"rows": 3},
        "change_made": {
            "rows": 3,
            "placeholder": "The change to a policy, procedure or practice this complaint led to",
        },
    }

    def fill_new_form(self, form):
        # The coordinator registering it is the complaint's coordinator unless they say otherwise.
        if COORDINATOR in access.capacity_codes(current_actor()) and "coordinator" in form:
            form.coordinator.data = current_user.participant
        # A new complaint starts in the division of the officer registering it.
        me = getattr(current_user, "participant", None)
        if me is not None and me.division is not None and "division" in form:
            form.division.data = me.division

    # The division chooses the calendar, and so the zone, of the complaint's times.
    zone_source = "division"

    def zone_of_choice(self, division):
        return complaint_timezone(division) if division is not None else None

    def zone_source_record(self, value):
        return db.session.get(Division, int(value)) if value.isdigit() else None

    def new_case_timezone(self):
        """No division chosen: the zone of the division that takes in online lodgements."""
        code = current_app.config.get("PUBLIC_INTAKE_DIVISION")
        intake = (
            db.session.execute(select(Division).filter_by(code=code)).scalar_one_or_none()
            if code
            else None
        )
        return complaint_timezone(intake) if intake is not None else super().new_case_timezone()

    def identity_search_condition(self):
        return confidentiality.identity_visible(current_actor())

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        # Whoever may not see a confidential complainant may neither change nor unmask them.
        if obj is not None and not visibility().shows_complainant(obj):
            del form.complainant
            del form.confidential
        return form

    def timezone_for(self, model):
        return case_timezone(model)

    def on_model_change(self, form, model, is_created):
        # The annual publication counts a change by its date: both halves, or neither.
        if (model.change_made or "").strip() and model.change_made_at is None:
            raise ValidationError(
                "Change made on: say when the change to policies, procedures or practices "
                "was made."
            )
        if model.change_made_at is not None and not (model.change_made or "").strip():
            raise ValidationError(
                "Change made to policies, procedures or practices: say what was changed, or "
                "clear the date."
            )

        if is_created:
            # Saying "Registered" and being registered agree: a coordinator's new complaint
            # is registered on save, in the same transaction.
            steps.register_on_creation(model, steps.actor_of(current_user), utcnow())

    def after_model_change(self, form, model, is_created):
        if not is_created:
            return
        if model.status == "received":
            flash(
                f"Received {model.reference}: it waits for a coordinator to register it.",
                "success",
            )
        else:
            flash(f"Registered {model.reference}", "success")


class TicketView(
    RelatedRecords, CaseNotes, CaseDocuments, ClockStartCorrection, TicketSteps, CaseView
):
    shared_with = "the client"

    record_noun = "ticket"
    closed_statuses = TICKET_CLOSED_STATUSES

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
        OpenFilter(Ticket.status, TICKET_CLOSED_STATUSES),
        AssignedToMeFilter(Ticket.agent_id),
        OverdueFilter(Ticket.next_due_at, Ticket.status, TICKET_CLOSED_STATUSES),
        DueTodayFilter(Ticket.next_due_at, Ticket.status, TICKET_CLOSED_STATUSES),
        DueWithinBusinessDaysFilter(
            Ticket.next_due_at,
            Ticket.status,
            TICKET_CLOSED_STATUSES,
            "ticket",
            Ticket.paused_since,
        ),
        WaitingFilter(Ticket.status, "ticket", name="Waiting on the client"),
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
            flash(f"Registered {model.reference}", "success")


class InternalReviewView(
    RelatedRecords, CaseNotes, CaseDocuments, ClockStartCorrection, ReviewSteps, CaseView
):
    screen = "internal_review"
    record_noun = "internal review"
    closed_statuses = REVIEW_CLOSED_STATUSES

    column_list = ("complaint", "requested_at", "reviewer", "status", "due_at")
    column_details_list = (
        "complaint",
        "status",
        "requested_at",
        "reviewer",
        "late_reason",
        "outcome",
        "findings",
        "recorded_by",
        "completed_at",
        "due_at",
    )
    column_labels = {
        "requested_at": "Requested",
        "due_at": "Due",
        "completed_at": "Completed",
        "late_reason": "Reason a late request was accepted",
    }
    column_choices = {"status": choices(REVIEW_STATUSES), "outcome": choices(REVIEW_OUTCOMES)}
    column_formatters = {
        "complaint": show_complaint_reference,
        "reviewer": show_person,
        "due_at": show_due,
    }
    column_formatters_export = {"complaint": show_complaint_reference, "reviewer": show_person}
    column_sortable_list = ("requested_at", "status", "due_at")
    column_default_sort = [("requested_at", True), ("id", True)]
    column_searchable_list = ("complaint.reference", "findings")
    column_filters = [
        ChoiceFilter(InternalReview.status, "Status", choices(REVIEW_STATUSES)),
        OpenFilter(InternalReview.status, REVIEW_CLOSED_STATUSES),
        AssignedToMeFilter(InternalReview.reviewer_id),
        OverdueFilter(InternalReview.due_at, InternalReview.status, REVIEW_CLOSED_STATUSES),
        DueWithinBusinessDaysFilter(
            InternalReview.due_at,
            InternalReview.status,
            REVIEW_CLOSED_STATUSES,
            "internal_review",
            InternalReview.paused_since,
        ),
        WaitingFilter(InternalReview.status, "internal_review"),
        InMyDivisionFilter(InternalReview.complaint_id, "internal_review"),
    ]
    column_select_related_list = (InternalReview.complaint, InternalReview.reviewer)
    loader_options = (joinedload(InternalReview.complaint).joinedload(Complaint.division),)

    form_columns = (
        "complaint",
        "requested_at",
        "reviewer",
        "late_reason",
        # Status, outcome and findings change only through the workflow's steps.
    )
    form_args = {"requested_at": {"default": utcnow}}
    form_ajax_refs = {"complaint": ComplaintLoader("complaint"), "reviewer": staff("reviewer")}

    @expose("/")
    def index_view(self):
        # An internal reviewer's list opens on the reviews assigned to them.
        if not request.args and access.only_assigned_as(
            current_actor(), INTERNAL_REVIEWER, self.screen
        ):
            return redirect(url_for(".index_view", flt0_assigned_to_me_is=1))
        return super().index_view()

    def timezone_for(self, model):
        return case_timezone(model)

    # The complaint chooses the calendar, and so the zone, of the record's times.
    zone_source = "complaint"

    def zone_of_choice(self, complaint):
        return case_timezone(complaint) if complaint is not None else None

    def new_case_timezone(self):
        return officers_division_timezone() or super().new_case_timezone()


class ExternalReviewView(RelatedRecords, CaseView):
    screen = "external_review"
    record_noun = "external review"
    closed_statuses = frozenset({"closed"})
    details_template = "admin/model/details.html"

    column_list = ("complaint", "body", "their_reference", "status", "notified_at", "closed_at")
    column_labels = {
        "body": "External body",
        "their_reference": "Their reference",
        "notified_at": "Notified",
        "closed_at": "Closed",
    }
    column_choices = {
        "body": choices(EXTERNAL_BODIES),
        "status": choices(EXTERNAL_REVIEW_STATUSES),
    }
    column_formatters = {"complaint": show_complaint_reference}
    column_formatters_export = {"complaint": show_complaint_reference}
    column_default_sort = [("notified_at", True), ("id", True)]
    column_searchable_list = ("complaint.reference", "their_reference")
    column_filters = [
        ChoiceFilter(ExternalReview.body, "External body", choices(EXTERNAL_BODIES)),
        ChoiceFilter(ExternalReview.status, "Status", choices(EXTERNAL_REVIEW_STATUSES)),
    ]
    column_select_related_list = (ExternalReview.complaint,)
    loader_options = (joinedload(ExternalReview.complaint).joinedload(Complaint.division),)

    form_columns = (
        "complaint",
        "body",
        "their_reference",
        "status",
        "notified_at",
        "outcome",
        "closed_at",
    )
    form_choices = {"body": choices(EXTERNAL_BODIES), "status": choices(EXTERNAL_REVIEW_STATUSES)}
    form_args = {"notified_at": {"default": utcnow}}
    form_ajax_refs = {"complaint": ComplaintLoader("complaint")}

    def timezone_for(self, model):
        return case_timezone(model)

    # The complaint chooses the calendar, and so the zone, of the record's times.
    zone_source = "complaint"

    def zone_of_choice(self, complaint):
        return case_timezone(complaint) if complaint is not None else None

    def new_case_timezone(self):
        return officers_division_timezone() or super().new_case_timezone()


class ExtensionView(RelatedRecords, CaseView):
    record_noun = "extension"
    instants_ahead = frozenset({"new_due_at"})
    details_template = "admin/related_details.html"

    column_list = ("complaint", "new_due_at", "reason", "approved_by", "approved_at")
    column_details_list = (*column_list, "complainant_told_at")
    column_labels = {
        "new_due_at": "New resolution due",
        "approved_by": "Approved by",
        "approved_at": "Approved",
        "complainant_told_at": "Complainant told",
    }
    column_formatters = {"complaint": show_complaint_reference, "approved_by": show_person}
    column_formatters_export = {
        "complaint": show_complaint_reference,
        "approved_by": show_person,
    }
    column_default_sort = [("approved_at", True), ("id", True)]
    column_searchable_list = ("complaint.reference", "reason")
    column_select_related_list = (Extension.complaint, Extension.approved_by)
    loader_options = (joinedload(Extension.complaint).joinedload(Complaint.division),)

    form_columns = (
        "complaint",
        "new_due_at",
        "reason",
        "approved_by",
        "approved_at",
        "complainant_told_at",
    )
    form_ajax_refs = {
        "complaint": ComplaintLoader("complaint"),
        "approved_by": staff("approved_by"),
    }
    form_widget_args = {"reason": {"rows": 3}}

    def timezone_for(self, model):
        return case_timezone(model)

    # The complaint chooses the calendar, and so the zone, of the record's times.
    zone_source = "complaint"

    def zone_of_choice(self, complaint):
        return case_timezone(complaint) if complaint is not None else None

    def new_case_timezone(self):
        return officers_division_timezone() or super().new_case_timezone()

    def after_model_change(self, form, model, is_created):
        moved_from = getattr(model, "moved_from", None)
        if moved_from is not None:
            zone = case_timezone(model)
            flash(
                f"{local_text(moved_from, zone)} is not closing time of a business day of "
                f"{model.complaint.reference}'s calendar: the new resolution due was moved to "
                f"{local_text(model.new_due_at, zone)}.",
                "warning",
            )
