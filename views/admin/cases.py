"""The register: the complaints screen here; tickets, internal and external reviews and
extensions each in their own module (tickets, reviews, extensions), named here too."""

from flask import current_app
from flask_admin.contrib.sqla.filters import BooleanEqualFilter
from flask_login import current_user
from sqlalchemy import select
from sqlalchemy.orm import joinedload
from wtforms.validators import ValidationError

from models import Category, Channel, Complaint, Division, db, kinds, search_index, utcnow
from rules.vocabulary import (
    CLASSIFICATIONS,
    COMPLAINT_KINDS,
    COMPLAINT_STATUSES,
    COORDINATOR,
)
from services import access, confidentiality, sort_names, steps

from ..context import case_timezone, complaint_timezone, current_actor, visibility
from . import privacy
from .attachments import CaseDocuments
from .case_page_links import CasePageLinks
from .case_view import CaseView, choices
from .complaint_steps import ComplaintSteps
from .corrections import ClockStartCorrection
from .extension_requests import ComplaintExtensionRequests
from .extensions import ExtensionView  # noqa: F401  (the admin package imports it from here)
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
    awaiting_my_decision_filter,
    lodged_online_to_register_filter,
    reply_received_filter,
    unassigned_filter,
)
from .formatters import show_due, show_person
from .improvements import ComplaintImprovements, DeidentifiedExport
from .loaders import anyone, decision_makers, staff
from .new_complainant import NewComplainant
from .notes import CaseNotes
from .options import division_options, lookup_options, lookup_query
from .related import ComplaintRelatedRecords
from .reviews import (  # noqa: F401  (the admin package imports them from here)
    ExternalReviewView,
    InternalReviewView,
)
from .tickets import TicketView  # noqa: F401  (the admin package imports it from here)


def show_consent(view, context, model, name):
    """The online form's consent answer; a blank would read as "no" to a coordinator."""
    answer = getattr(model, name)
    if answer is None:
        return "Not asked (not lodged online, or lodged anonymously)"
    return "Yes" if answer else "No"


class ComplaintView(
    NewComplainant,
    CasePageLinks,
    DeidentifiedExport,
    ComplaintImprovements,
    ComplaintRelatedRecords,
    CaseNotes,
    CaseDocuments,
    ClockStartCorrection,
    ComplaintExtensionRequests,
    ComplaintSteps,
    CaseView,
):
    record_noun = "complaint"
    list_template = "admin/complaint_list.html"
    closed_statuses = kinds.COMPLAINT.closed_statuses
    # The new person's duplicate check serves the create form.
    endpoint_actions = {**ComplaintSteps.endpoint_actions, "people_like_view": "create"}

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
        "contact_officer",
        "subjects",
        "involved",
        "referral_target",
        "outcome",
        "outcome_reason",
        "change_made",
        "change_made_at",
        "issues",
        "systemic_issue",
        "root_cause",
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
        # Named when a restricted person's contact was sent to them (services/conduct.py).
        "contact_officer": "Contact officer (restricted contact)",
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
        "issues": "Issues raised",
        "systemic_issue": "Revealed a systemic issue",
        "root_cause": "Root cause",
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
        "contact_officer": show_person,
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
        # By the names kept on each complaint, which an index serves (services/sort_names.py).
        ("category", Complaint.category_name),
        "classification",
        "status",
        ("division", Complaint.division_name),
        "next_due_at",
    )
    column_default_sort = [("received_at", True), ("id", True)]

    def get_sortable_columns(self):
        # Flask-Admin names a sort by a column of the complaint itself after the column
        # (category_name); the grid shows it under the category and division columns.
        found = super().get_sortable_columns()
        for kept, shown, _, _ in sort_names.KEPT:
            if kept in found:
                found[shown] = found.pop(kept)
        return found

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
        OpenFilter(Complaint.status, kinds.COMPLAINT.closed_statuses),
        ChoiceFilter(Complaint.division_id, "Division", division_options(), coerce=int),
        ChoiceFilter(Complaint.category_id, "Category", lookup_options(Category), coerce=int),
        ChoiceFilter(Complaint.classification, "Classification", choices(CLASSIFICATIONS)),
        ChoiceFilter(Complaint.channel_id, "Channel", lookup_options(Channel), coerce=int),
        ChoiceFilter(Complaint.kind, "Kind", choices(COMPLAINT_KINDS)),
        BooleanEqualFilter(Complaint.human_rights, "Human rights"),
        AssignedToMeFilter(Complaint.manager_id, Complaint.decision_maker_id),
        OverdueFilter(Complaint.next_due_at, Complaint.status, kinds.COMPLAINT.closed_statuses),
        DueTodayFilter(Complaint.next_due_at, Complaint.status, kinds.COMPLAINT.closed_statuses),
        LocalDayFilter(Complaint.received_at, "Received", "from"),
        LocalDayFilter(Complaint.received_at, "Received", "before"),
        DueWithinBusinessDaysFilter(
            Complaint.next_due_at,
            Complaint.status,
            kinds.COMPLAINT.closed_statuses,
            "complaint",
            Complaint.paused_since,
        ),
        WaitingFilter(Complaint.status, "complaint"),
        InMyDivisionFilter(Complaint.division_id, "complaint"),
        ExtensionRequestAwaitingMeFilter(Complaint.id),
        AssignedToMeFilter(Complaint.manager_id, name="Managed by me"),
        awaiting_my_decision_filter(Complaint.decision_maker_id),
        lodged_online_to_register_filter(Complaint.channel_id),
        unassigned_filter(Complaint.manager_id, "complaint"),
        reply_received_filter(Complaint.id, "complaint"),
    ]
    one_record_options = (
        joinedload(Complaint.division).joinedload(Division.calendar),
        joinedload(Complaint.complainant),
        joinedload(Complaint.manager),
        joinedload(Complaint.decision_maker),
        joinedload(Complaint.coordinator),
        joinedload(Complaint.contact_officer),
    )
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
        "issues",
        "systemic_issue",
        "root_cause",
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
        "issues": {
            "query_factory": lookup_query(Category),
            "description": "Every issue the complaint raised, from the category list.",
        },
        "systemic_issue": {
            "description": "The complaint points to a problem beyond this one case, in how "
            "a service, policy or practice works (AS 10002:2022)."
        },
    }
    form_ajax_refs = {
        "complainant": anyone("complainant"),
        "coordinator": staff("coordinator"),
        "manager": staff("manager"),
        "decision_maker": decision_makers("decision_maker"),
        "subjects": staff("subjects"),
        "involved": staff("involved"),
    }
    form_widget_args = {
        "summary": {"placeholder": "One line the team will recognise"},
        "description": {"rows": 5},
        "outcome_sought": {"rows": 3},
        "root_cause": {
            "rows": 3,
            "placeholder": "Why it happened: the cause behind the issues raised",
        },
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

    def indexed_search(self, term, pattern, condition):
        # The searchable columns are the ones models/search_index.py indexes.
        if not search_index.usable(term):
            return None
        dialect = db.session.get_bind().dialect.name
        return Complaint.id.in_(
            search_index.complaints_matching(dialect, term, pattern, condition)
        )

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
        if is_created:
            # A caller not yet in the register becomes the complainant in the same save.
            self.attach_new_complainant(form, model)
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
            self.say_saved(
                f"Received {model.reference}: it waits for a coordinator to register it."
            )
        else:
            self.say_saved(f"Registered {model.reference}")
