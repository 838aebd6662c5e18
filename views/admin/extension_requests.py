"""Extension requests on a complaint's page: its manager asks for more time (proposed due
and reason); its decision maker or a coordinator approves or declines, and the manager
reads the outcome there.

The rules and the extension an approval creates are services/extension_requests.py's (the
same for every door): this module turns a request into its inputs and the answer into a
message.
"""

from flask import flash, redirect, request
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from sqlalchemy.exc import IntegrityError
from wtforms import HiddenField, TextAreaField

from models import ExtensionRequest, db, utcnow
from rules.errors import RuleViolation
from services import access, extension_requests
from services.localtime import NonexistentLocalTime, local_text

from ..context import case_timezone
from .fields import EXPIRED_FORM, LocalDateTimeField

DECISION_LABELS = {None: "Waiting for a decision", "approved": "Approved", "declined": "Declined"}


class AskForExtensionForm(SecureForm):
    proposed_due_at = LocalDateTimeField(
        "Proposed new resolution due",
        description="Local time of the case's calendar, as dd/mm/yyyy hh:mm, e.g. "
        "30/04/2026 17:00. An extension falls due at closing time of a business day: "
        "another time is moved there when it is approved.",
    )
    reason = TextAreaField("Reason", render_kw={"rows": 3})


class DecideExtensionForm(SecureForm):
    request_id = HiddenField()
    row_version = HiddenField()
    decision = HiddenField()
    note = TextAreaField("Note")


def _me():
    return getattr(current_user, "participant", None)


class ComplaintExtensionRequests:
    """Mix into the complaint view: the request panel on details, and its two endpoints."""

    def extension_request_panel(self, model) -> dict | None:
        me = _me()
        session = db.session
        zone = case_timezone(model)
        requests = list(model.extension_requests)
        is_manager = extension_requests.may_ask(model, me)
        if not (requests or is_manager):
            return None
        may_decide = extension_requests.may_decide(
            session, model, me, capacities=access.capacity_codes(current_user)
        )
        rows = []
        for item in reversed(requests):
            extension = item.extension
            rows.append(
                {
                    "id": item.id,
                    "requested_by": item.requested_by.short_name if item.requested_by else "",
                    "requested_at": local_text(item.requested_at, zone),
                    "proposed_due": local_text(item.proposed_due_at, zone),
                    "reason": item.reason,
                    "decision": item.decision,
                    "outcome": DECISION_LABELS.get(item.decision, item.decision),
                    "decided_by": item.decided_by.short_name if item.decided_by else "",
                    "decided_at": local_text(item.decided_at, zone),
                    "note": item.decision_note or "",
                    "new_due": local_text(extension.new_due_at, zone) if extension else "",
                }
            )
        pending = next((item for item in requests if item.decision is None), None)
        refusals = (
            extension_requests.asking_problems(session, model, me, requests=requests)
            if is_manager
            else []
        )
        form = DecideExtensionForm()
        return {
            "rows": rows,
            "needs_extension": model.classification == "complex" and not model.extensions,
            "is_manager": is_manager,
            "ask_url": self.get_url(".ask_extension_view", id=model.id, url=get_redirect_target())
            if is_manager and not refusals
            else None,
            "refusals": refusals,
            "decide": {
                "url": self.get_url(".decide_extension_view", id=model.id),
                "request_id": pending.id,
                "version": pending.version,
                "csrf_token": form.csrf_token.current_token,
            }
            if pending is not None and may_decide
            else None,
        }

    def details_context(self, model):
        context = super().details_context(model)
        context["extension_requests"] = self.extension_request_panel(model)
        return context

    @expose("/extension-request/", methods=("GET", "POST"))
    def ask_extension_view(self):
        model = self.get_one(request.args.get("id"))
        details = self.get_url(".details_view", id=model.id, url=get_redirect_target())
        me = _me()
        # Refused before the form is shown: not the manager, closed, or one already waiting.
        refusals = extension_requests.asking_problems(db.session, model, me)
        if refusals:
            for message in refusals:
                flash(message, "error")
            return redirect(details)
        form = AskForExtensionForm(request.form if request.method == "POST" else None)
        zone = case_timezone(model)
        form.proposed_due_at.display_timezone = zone

        def page():
            return self.render(
                "admin/transition.html",
                step="Ask for an extension",
                intro=f"Complaint {model}: resolution due "
                f"{local_text(model.resolution_due_at, zone) or 'not set'}. The decision "
                "maker or a coordinator of the division approves or declines the request.",
                records=None,
                form=form,
                submit="Ask for the extension",
                cancel_url=details,
                refresh=False,
            )

        if request.method == "GET":
            return page()
        if not form.validate():
            if "csrf_token" in form.errors:
                flash(EXPIRED_FORM, "error")
            for key, errors in form.errors.items():
                if key != "csrf_token":
                    flash(f"{form[key].label.text}: {' '.join(errors)}", "error")
            return page()
        try:
            proposed = form.proposed_due_at.instant(zone)
            extension_requests.ask(db.session, model, me, proposed, form.reason.data, utcnow())
            # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
            db.session.commit()
        except NonexistentLocalTime as error:
            db.session.rollback()
            flash(f"{form.proposed_due_at.label.text}: {error}", "error")
            return page()
        except RuleViolation as refusal:
            db.session.rollback()
            for message in str(refusal).split("\n"):
                flash(message, "error")
            return page()
        except IntegrityError:
            # Another request was saved meanwhile (a second tab, a double click).
            db.session.rollback()
            for message in extension_requests.asking_problems(db.session, model, me) or [
                "This extension request could not be saved: open the complaint again."
            ]:
                flash(message, "error")
            return redirect(details)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model)
            return page()
        flash(
            f"Asked for an extension of {model.reference} to {local_text(proposed, zone)}: "
            "its decision maker or a coordinator will approve or decline it.",
            "success",
        )
        return redirect(details)

    @expose("/extension-request/decide/", methods=("POST",))
    def decide_extension_view(self):
        model = self.get_one(request.args.get("id"))
        details = self.get_url(".details_view", id=model.id)
        form = DecideExtensionForm(request.form)
        if not form.validate():
            flash(EXPIRED_FORM, "error")
            return redirect(details)
        pending = db.session.get(ExtensionRequest, _int(form.request_id.data))
        if pending is None or pending.complaint_id != model.id:
            flash("That extension request is not one of this complaint's.", "error")
            return redirect(details)
        if str(form.row_version.data or "") != str(pending.version):
            flash(
                "Someone else decided this extension request after you opened the page: "
                "nothing was changed. Read its outcome below.",
                "error",
            )
            return redirect(details)
        decision = form.decision.data
        try:
            extension_requests.decide(
                db.session, pending, _me(), decision, form.note.data, utcnow()
            )
            extension = pending.extension
            moved_from = getattr(extension, "moved_from", None) if extension else None
            # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
            db.session.commit()
        except RuleViolation as refusal:
            db.session.rollback()
            for message in str(refusal).split("\n"):
                flash(message, "error")
            return redirect(details)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model)
            return redirect(details)
        zone = case_timezone(model)
        if decision == "approved":
            flash(
                f"Approved: the resolution due of {model.reference} is now "
                f"{local_text(extension.new_due_at, zone)}.",
                "success",
            )
            if moved_from is not None:
                flash(
                    f"{local_text(moved_from, zone)} is not closing time of a business day of "
                    f"{model.reference}'s calendar: the new resolution due was moved to "
                    f"{local_text(extension.new_due_at, zone)}.",
                    "warning",
                )
        else:
            flash(f"Declined the extension request of {model.reference}.", "success")
        return redirect(details)


def _int(value):
    try:
        return int(value)
    except (TypeError, ValueError):
        return None
