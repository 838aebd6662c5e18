"""The extensions screen: a complaint's due date moved, who approved it, and when the
complainant was told."""

from flask import flash
from sqlalchemy.orm import joinedload

from models import Complaint, Extension
from services.localtime import local_text

from ..context import case_timezone
from .case_view import CaseView, ComplaintZone, show_complaint_reference
from .formatters import show_person
from .loaders import ComplaintLoader, staff
from .related import RelatedRecords


class ExtensionView(ComplaintZone, RelatedRecords, CaseView):
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
