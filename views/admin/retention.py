"""Keeping and disposing of records: the retention rules (Configuration), the cases past
their retention with the disposal action, and the disposal records (Audit).

Thin: which cases are past retention and what disposal removes is services/disposal.py;
only administrators reach these screens (rules.permissions: "retentionrule",
"disposalrecord" and its "dispose" action).
"""

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.form import SecureForm
from flask_login import current_user
from wtforms.validators import ValidationError

from models import Complaint, Division, Ticket, db, utcnow
from rules import permissions
from rules.errors import RuleViolation
from rules.retention import CASE_KINDS
from services import access, disposal
from services.exports import FORMATS, export_response
from services.intake import attachment_folder

from ..context import current_actor
from . import localtime
from .base import ReadOnlyModelView
from .configuration import AdministrationView
from .fields import EXPIRED_FORM


class RetentionRuleView(AdministrationView):
    record_noun = "retention rule"
    can_create = False
    can_delete = False
    column_list = ("case_kind", "years", "record_class", "authority")
    column_labels = {
        "case_kind": "Kind of case",
        "years": "Kept for (years after it closed)",
        "record_class": "Record class (schedule)",
        "authority": "Disposal authority (authorisation number)",
    }
    column_choices = {"case_kind": list(CASE_KINDS.items())}
    column_default_sort = [("case_kind", False)]
    form_columns = ("years", "record_class", "authority")
    form_args = {
        "authority": {
            "description": "The schedule's disposal authorisation that allows this kind of "
            "case to be destroyed once kept long enough. Nothing is disposed of without one."
        }
    }

    def on_model_change(self, form, model, is_created):
        if model.years is None or not 1 <= model.years <= 150:
            raise ValidationError("Kept for: a whole number of years, from 1 to 150.")


def show_disposer(view, context, model, name):
    return model.disposed_by.username if model.disposed_by is not None else "(the system)"


class DisposalRecordView(ReadOnlyModelView):
    record_noun = "disposal record"
    column_list = (
        "disposed_at",
        "reference",
        "case_kind",
        "closed_at",
        "retention_years",
        "authority",
        "disposed_by",
    )
    column_details_list = (*column_list, "case_type", "case_id", "record_class", "removed")
    column_labels = {
        "disposed_at": "Disposed of",
        "case_kind": "Kind of case",
        "closed_at": "Closed",
        "retention_years": "Kept for (years)",
        "authority": "Under authority",
        "record_class": "Record class",
        "disposed_by": "By",
        "removed": "What was removed",
    }
    column_choices = {"case_kind": list(CASE_KINDS.items())}
    column_formatters = {
        "disposed_by": lambda v, c, m, n: m.disposed_by.username if m.disposed_by else ""
    }
    column_default_sort = [("disposed_at", True), ("id", True)]
    column_searchable_list = ("reference",)


class PastRetentionView(BaseView):
    """The cases whose retention period has ended, each with its disposal action."""

    def may(self, action: str) -> bool:
        return permissions.allowed(
            access.capacity_codes(current_actor()), "disposalrecord", action
        )

    def is_accessible(self):
        return current_user.is_authenticated and self.may("dispose")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)

    def rows(self):
        now = utcnow()
        found = disposal.past_retention(db.session, now)
        divisions = dict(db.session.execute(db.select(Division.id, Division.name)).all())
        zone = localtime.default_timezone()
        return [
            {
                "row": row,
                "kind": CASE_KINDS.get(row.case_kind, row.case_kind),
                "division": divisions.get(row.division_id, ""),
                "closed": localtime.local_text(row.closed_at, zone),
                "kept_until": localtime.local_text(row.kept_until, zone),
                "url": url_for(f"{row.case_type}.details_view", id=row.case_id),
            }
            for row in found
        ]

    @expose("/")
    def index(self):
        rules = disposal.rules_by_kind(db.session)
        return self.render(
            "admin/past_retention.html",
            lines=self.rows(),
            rules=[(CASE_KINDS.get(k, k), r) for k, r in sorted(rules.items())],
            csrf_token=SecureForm().csrf_token.current_token,
            downloads=[
                (fmt.upper(), self.get_url(".export", export_format=fmt)) for fmt in FORMATS
            ],
            zone=localtime.default_timezone(),
        )

    @expose("/export/<export_format>/")
    def export(self, export_format):
        if export_format not in FORMATS:
            abort(404)
        headers = ("Case", "Kind of case", "Division", "Closed", "Kept for (years)", "Kept until")
        rows = [
            (
                line["row"].reference,
                line["kind"],
                line["division"],
                line["closed"],
                line["row"].years,
                line["kept_until"],
            )
            for line in self.rows()
        ]
        return export_response(
            export_format, "past-retention", headers, rows, sheet="Past retention"
        )

    @expose("/dispose/", methods=("POST",))
    def dispose(self):
        back = self.get_url(".index")
        form = SecureForm(request.form)
        if not form.validate():
            flash(EXPIRED_FORM, "error")
            return redirect(back)
        model = {"complaint": Complaint, "ticket": Ticket}.get(request.form.get("case_type", ""))
        raw = request.form.get("case_id", "")
        case = db.session.get(model, int(raw)) if model is not None and raw.isdigit() else None
        if case is None:
            flash("Choose a case from the list to dispose of.", "error")
            return redirect(back)
        if request.form.get("confirm") != case.reference:
            flash(
                f"Nothing was disposed of: type the reference {case.reference} to confirm "
                "that its personal content is to be removed for good.",
                "error",
            )
            return redirect(back)
        try:
            record = disposal.dispose(
                db.session, case, current_user, utcnow(), attachment_folder(current_app)
            )
            db.session.commit()
        except RuleViolation as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            return redirect(back)
        flash(
            f"Disposed of {record.reference} under {record.authority}: its personal content "
            "is removed; its figures stay in the reports.",
            "success",
        )
        return redirect(back)
