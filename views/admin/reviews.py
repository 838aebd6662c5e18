"""The internal and external review screens: reviews of a complaint's decision, in the
complaint's local time."""

from flask import redirect, request, url_for
from flask_admin import expose
from sqlalchemy.orm import joinedload

from models import Complaint, ExternalReview, InternalReview, kinds, utcnow
from rules.vocabulary import (
    EXTERNAL_BODIES,
    EXTERNAL_REVIEW_STATUSES,
    INTERNAL_REVIEWER,
    REVIEW_OUTCOMES,
    REVIEW_STATUSES,
)
from services import access

from ..context import current_actor
from .attachments import CaseDocuments
from .case_view import CaseView, ComplaintZone, choices, show_complaint_reference
from .corrections import ClockStartCorrection
from .filters import (
    AssignedToMeFilter,
    ChoiceFilter,
    DueWithinBusinessDaysFilter,
    InMyDivisionFilter,
    OpenFilter,
    OverdueFilter,
    WaitingFilter,
)
from .formatters import show_due, show_person
from .loaders import ComplaintLoader, staff
from .notes import CaseNotes
from .related import RelatedRecords
from .review_steps import ReviewSteps


class InternalReviewView(
    ComplaintZone,
    RelatedRecords,
    CaseNotes,
    CaseDocuments,
    ClockStartCorrection,
    ReviewSteps,
    CaseView,
):
    screen = "internal_review"
    record_noun = "internal review"
    closed_statuses = kinds.INTERNAL_REVIEW.closed_statuses

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
        OpenFilter(InternalReview.status, kinds.INTERNAL_REVIEW.closed_statuses),
        AssignedToMeFilter(InternalReview.reviewer_id),
        OverdueFilter(
            InternalReview.due_at, InternalReview.status, kinds.INTERNAL_REVIEW.closed_statuses
        ),
        DueWithinBusinessDaysFilter(
            InternalReview.due_at,
            InternalReview.status,
            kinds.INTERNAL_REVIEW.closed_statuses,
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


class ExternalReviewView(ComplaintZone, RelatedRecords, CaseView):
    screen = "external_review"
    record_noun = "external review"
    closed_statuses = frozenset({"closed"})
    details_template = "admin/record_details.html"

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
