"""A complaint's systemic-issue findings and improvements, on its details page; and the
de-identified export of the complaints grid.

Whoever may edit the complaint may record, change or remove an improvement (what was
changed, who made it, when): the view's own check for "edit", then the complaint through
the scoped query (out of scope is a 404). The issues raised, the systemic-issue flag and
the root cause are fields of the complaint's edit form.
"""

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from wtforms import StringField, TextAreaField

from models import db, utcnow
from rules.errors import RuleViolation
from services import deidentified, improvements
from services.exports import FORMATS as EXPORT_FORMATS
from services.exports import export_response

from . import localtime
from .fields import EXPIRED_FORM, LocalDateTimeField, flash_form_errors


class ComplaintImprovements:
    """Mixed into the complaint screen."""

    def action_for(self, function_name, view_args):
        if function_name in ("improvement_view", "remove_improvement_view"):
            return "edit"
        return super().action_for(function_name, view_args)

    def details_context(self, model):
        context = super().details_context(model)
        may_edit = self.may_edit_improvements(model)
        back = get_redirect_target()
        context["improvements"] = {
            "lines": [
                {
                    "id": item.id,
                    "description": item.description,
                    "made_by": item.made_by,
                    "made_at": self.zoned_text(item.made_at, model),
                    "edit_url": self.get_url(
                        ".improvement_view", id=model.id, improvement=item.id, url=back
                    )
                    if may_edit
                    else None,
                    "remove_url": self.get_url(
                        ".remove_improvement_view", id=model.id, improvement=item.id, url=back
                    )
                    if may_edit
                    else None,
                }
                for item in model.improvements
            ],
            "add_url": self.get_url(".improvement_view", id=model.id, url=back)
            if may_edit
            else None,
            "csrf_token": self.form_base_class().csrf_token.current_token if may_edit else "",
            "issues": [category.name for category in model.issues],
            "systemic": model.systemic_issue,
            "root_cause": model.root_cause,
        }
        return context

    def may_edit_improvements(self, model) -> bool:
        return self.may("edit") and model.disposed_at is None

    def _improvement_form(self, timezone_name):
        fields = {
            "description": TextAreaField(
                "What was changed",
                description="The change to a policy, procedure or practice this complaint led to.",
                render_kw={"rows": 4},
            ),
            "made_by": StringField(
                "Who made it", description="The officer or business area that made the change."
            ),
            "made_at": LocalDateTimeField(
                "When it was made",
                description=f"Local time of the complaint's calendar ({timezone_name}), e.g. "
                "02/03/2026 09:00. The annual publication counts the change by this date.",
            ),
        }
        return type("ImprovementForm", (self.form_base_class,), fields)

    def _complaint_for_improvement(self):
        model = self.get_one(request.args.get("id"))
        if model.disposed_at is not None:
            flash(f"Complaint {model} was disposed of: nothing more is recorded on it.", "error")
            return model, None, True
        raw = request.args.get("improvement") or ""
        existing = improvements.of_complaint(
            db.session, model, int(raw) if raw.isdigit() else None
        )
        if raw and existing is None:
            flash("That improvement is not recorded on this complaint.", "error")
            return model, None, True
        return model, existing, False

    @expose("/improvement/", methods=("GET", "POST"))
    def improvement_view(self):
        model, existing, refused = self._complaint_for_improvement()
        details_url = self.get_url(".details_view", id=model.id, url=get_redirect_target())
        if refused:
            return redirect(details_url)
        timezone_name = self.timezone_for(model)
        form = self._improvement_form(timezone_name)(
            request.form if request.method == "POST" else None, obj=existing
        )
        form.made_at.display_timezone = timezone_name

        def page():
            return self.render(
                "admin/transition.html",
                step="Change an improvement" if existing else "Record an improvement",
                intro=f"Complaint {model}: a change to the department's policies, procedures "
                "or practices it led to.",
                records=None,
                form=form,
                submit="Save the improvement",
                cancel_url=details_url,
                refresh=False,
            )

        if request.method != "POST":
            return page()
        if not form.validate():
            db.session.rollback()
            flash_form_errors(form)
            return page()
        try:
            improvements.record(
                db.session,
                model,
                current_user,
                description=form.description.data,
                made_by=form.made_by.data,
                made_at=form.made_at.instant(timezone_name),
                improvement=existing,
            )
            db.session.commit()
        except localtime.NonexistentLocalTime as error:
            db.session.rollback()
            flash(f"{form.made_at.label.text}: {error}", "error")
            return page()
        except RuleViolation as refusal:
            db.session.rollback()
            for message in str(refusal).split("\n"):
                flash(message, "error")
            return page()
        flash(f"Improvement saved on complaint {model}.", "success")
        return redirect(details_url)

    @expose("/improvement/remove/", methods=("POST",))
    def remove_improvement_view(self):
        model, existing, refused = self._complaint_for_improvement()
        details_url = self.get_url(".details_view", id=model.id, url=get_redirect_target())
        form = self.form_base_class(request.form)
        if not refused and existing is None:
            flash("Choose the improvement to remove.", "error")
        elif not refused and not form.validate():
            flash(EXPIRED_FORM, "error")
        elif not refused:
            improvements.remove(db.session, existing)
            db.session.commit()
            flash(f"Improvement removed from complaint {model}.", "success")
        return redirect(details_url)


class DeidentifiedExport:
    """Mixed into the complaint screen: the grid's rows (its scope, filters and search) as
    the de-identified export, for whoever may export the grid."""

    def action_for(self, function_name, view_args):
        if function_name == "deidentified_export":
            return "export"
        return super().action_for(function_name, view_args)

    @expose("/export-deidentified/<export_format>/")
    def deidentified_export(self, export_format):
        if export_format not in EXPORT_FORMATS:
            abort(404)
        query = self.export_query().options(*deidentified.LOADS)
        zone = localtime.default_timezone()

        def body():
            session = db.session()
            yield from deidentified.rows(query.with_session(session), zone)

        return export_response(
            export_format,
            f"complaints-de-identified {localtime.local_text(utcnow()).replace('/', '-')}",
            deidentified.HEADERS,
            body(),
            sheet="De-identified complaints",
        )
