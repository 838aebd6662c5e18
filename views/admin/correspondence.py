"""Letters and reminders on the screens: the templates administrators edit (with a preview),
and the outbox, read-only, with a bulk "send again" for failed messages, and for a
recipient with no email address the letter to print (PDF) and mark as sent by post."""

from zoneinfo import ZoneInfo

from flask import Response, current_app, flash, redirect, request
from flask_admin import expose
from flask_admin.actions import action
from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_admin.form import SecureForm
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import and_
from wtforms import TextAreaField
from wtforms.validators import DataRequired, ValidationError

from models import OutboundMessage, db, kinds, utcnow
from rules import correspondence as rules
from rules.confidentiality import MASK
from services import access, confidentiality, correspondence
from services.correspondence import printing

from ..context import case_timezone, current_actor, visibility
from .base import ReadOnlyModelView, ScopedModelView
from .fields import EXPIRED_FORM
from .filters import YES, ChoiceFilter, LocalDayFilter


def plain_text(text) -> Markup:
    return Markup('<pre class="mail-body">{}</pre>').format(text or "")


NO_CASE = "There is no complaint or ticket with the reference {reference} that you may open."


class MailTemplateView(ScopedModelView):
    """Administrators word the letters; a template that cannot be filled in is not saved."""

    record_noun = "letter template"
    can_create = False
    can_delete = False
    can_view_details = True
    column_list = ("name", "subject", "updated_at")
    column_details_list = ("name", "key", "subject", "body", "updated_at")
    column_labels = {"name": "Letter", "updated_at": "Last changed", "key": "Key"}
    column_default_sort = [("id", False)]
    form_columns = ("subject", "body")
    form_overrides = {"body": TextAreaField}
    form_args = {
        "subject": {"validators": [DataRequired()]},
        "body": {"validators": [DataRequired()]},
    }
    form_widget_args = {"body": {"rows": 22, "class": "form-control mail-template-body"}}
    edit_template = "admin/mail_template_edit.html"
    details_template = "admin/letter_details.html"
    column_formatters = {"body": lambda view, context, model, name: plain_text(model.body)}

    def on_model_change(self, form, model, is_created):
        try:
            rules.validate(model.key, model.subject, model.body)
        except rules.TemplateRefused as error:
            raise ValidationError(f"The template was not saved. {error}") from error

    def update_model(self, form, model):
        if "_preview" in request.form:
            self._template_args["preview"] = self.preview_of(form, model)
            return False
        return super().update_model(form, model)

    def preview_of(self, form, model) -> dict:
        """The posted wording filled in, for a chosen case or the sample; nothing saved."""
        reference = (request.form.get("preview_reference") or "").strip()
        result = {
            "reference": reference,
            "case": None,
            "error": None,
            "rendered": None,
            "note": None,
        }
        case, hidden = None, False
        if reference:
            case = access.case_by_reference(db.session, current_actor(), reference)
            if case is None:
                result["error"] = NO_CASE.format(reference=reference)
                return result
            complaint = kinds.kind_of(case).complaint_of(case)
            refusal = rules.written_about(model.key, kinds.kind_of(case) is kinds.TICKET)
            if refusal is not None:
                result["error"] = refusal
                return result
            if complaint is case:
                hidden = not visibility().shows_complainant(case)
            result["case"] = case.reference
            result["note"] = self.preview_note(model.key, case)
        try:
            result["rendered"] = correspondence.preview(
                db.session,
                model.key,
                form.subject.data or "",
                form.body.data or "",
                case,
                hide_complainant=hidden,
            )
        except rules.TemplateRefused as error:
            result["error"] = str(error)
        return result

    @staticmethod
    def preview_note(key, case) -> str | None:
        """What the preview of a real case borrows from the sample, or leaves blank."""
        if key in (rules.DUE_REMINDER, rules.DUE_PASSED):
            return "The officer, the step and its due date are the sample's."
        if key == rules.REVIEW_OUTCOME and not any(
            review.completed_at is not None for review in getattr(case, "internal_reviews", ())
        ):
            return (
                f"{case.reference} has no completed internal review: the review's result, "
                "findings and dates are the sample's."
            )
        if key == rules.OUTCOME and case.finalised_at is None:
            return (
                f"{case.reference} has not been finalised: its outcome and review dates are "
                "blank until it is."
            )
        return None

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if model is not None and getattr(model, "key", None) in rules.VARIABLES:
            kwargs.setdefault("variables", rules.VARIABLES[model.key])
        return super().render(template, **kwargs)


# --- the outbox -------------------------------------------------------------------------


def hides_recipient(message) -> bool:
    """A letter to a confidential complainant the user may not see: on this complaint, or
    a person who is one on any other (as the people screens hide them), even when written
    to as a ticket's client contact."""
    if message.recipient_role not in rules.CORRESPONDENTS:
        return False
    if (
        message.recipient_role == rules.COMPLAINANT
        and message.complaint is not None
        and not visibility().shows_complainant(message.complaint)
    ):
        return True
    return message.participant_id is not None and (
        message.participant_id in visibility().hidden_person_ids()
    )


def show_case(view, context, model, name):
    case = model.ticket if model.ticket_id is not None else model.complaint
    delivery = model.client_report_delivery
    if case is None and delivery is not None:
        # About no case: a client organisation's service report for a month.
        client = delivery.client
        if client is None or client.id in visibility().hidden_person_ids():
            return f"Service report {delivery.period}"
        name = client.organisation_name or client.display_name
        return f"Service report {delivery.period}: {name}"
    if case is None:
        return ""
    if model.internal_review_id is not None:
        return f"{case.reference} (internal review)"
    return case.reference


def show_recipient(view, context, model, name):
    if hides_recipient(model):
        return MASK
    role = rules.ROLES.get(model.recipient_role, model.recipient_role)
    who = model.recipient_name or ""
    address = f" <{model.recipient_address}>" if model.recipient_address else " (no address)"
    return f"{who}{address}, {role}" if who else f"{role}{address}"


def show_subject(view, context, model, name):
    if hides_recipient(model):
        return f"{rules.TEMPLATE_NOUNS.get(model.template_key, 'Letter')} ({MASK})"
    return model.subject


def show_body(view, context, model, name):
    if hides_recipient(model):
        return "Hidden: the complainant asked that their personal details not be used."
    return plain_text(model.body)


def show_message_id(view, context, model, name):
    return correspondence.message_id(model, correspondence.config("MAIL_FROM"))


SENT_BY_POST = "Sent by post"


def show_status(view, context, model, name):
    """A letter to post reads "Sent by post" once an officer has marked it posted."""
    if model.status == rules.NO_ADDRESS and model.posted_at is not None:
        return SENT_BY_POST
    return rules.STATUSES.get(model.status, model.status)


def show_user(view, context, model, name):
    user = getattr(model, name)
    if user is None:
        return ""
    person = user.participant
    return person.display_name if person is not None else user.username


class ToPrintAndPostFilter(BaseSQLAFilter):
    """Letters to someone with no email address that nobody has marked as posted yet."""

    def __init__(self, name="To print and post"):
        super().__init__(OutboundMessage.status, name, options=YES)

    def apply(self, query, value, alias=None):
        return query.filter(
            and_(OutboundMessage.status == rules.NO_ADDRESS, OutboundMessage.posted_at.is_(None))
        )

    def operation(self):
        return "is"


class PostedForm(SecureForm):
    """Mark as sent by post: nothing but the CSRF token."""


# Said when the user may not see the complainant the letter is written to.
CONFIDENTIAL_LETTER = (
    "This letter is to a confidential complainant whose details you may not see: only the "
    "coordinator of the complaint's division and the officers assigned to it may print it "
    "or mark it posted."
)
NOT_TO_POST = (
    "Only a letter to someone with no email address is printed and posted: this one is {status}."
)


class OutboundMessageView(ReadOnlyModelView):
    """Every letter and reminder, queued or sent, scoped like the cases they are about."""

    record_noun = "message"
    can_export = False
    column_list = (
        "created_at",
        "case",
        "template_key",
        "recipient",
        "subject",
        "status",
        "attempts",
        "sent_at",
        "last_error",
    )
    column_details_list = (
        "case",
        "template_key",
        "recipient",
        "subject",
        "body",
        "status",
        "attempts",
        "created_at",
        "next_attempt_at",
        "claimed_by",
        "claimed_at",
        "sent_at",
        "last_error",
        "message_id",
        "posted_at",
        "posted_by",
    )
    column_labels = {
        "created_at": "Queued",
        "template_key": "Letter",
        "attempts": "Tries",
        "sent_at": "Sent",
        "last_error": "Problem",
        "next_attempt_at": "Next try",
        "claimed_by": "Sender",
        "claimed_at": "Sending since",
        "message_id": "Message-ID",
        "posted_at": "Sent by post",
        "posted_by": "Posted by",
    }
    column_choices = {
        "template_key": list(rules.TEMPLATE_NOUNS.items()),
        "status": list(rules.STATUSES.items()),
    }
    column_formatters = {
        "case": show_case,
        "recipient": show_recipient,
        "subject": show_subject,
        "body": show_body,
        "message_id": show_message_id,
        "status": show_status,
        "posted_by": show_user,
    }
    column_sortable_list = ("created_at", "status", "sent_at", "attempts")
    column_default_sort = [("created_at", True), ("id", True)]
    column_searchable_list = ("subject", "recipient_address", "recipient_name")
    # A confidential complainant's address or name does not find their letters.
    identity_search_columns = ("recipient_address", "recipient_name")
    column_filters = [
        ToPrintAndPostFilter(),
        ChoiceFilter(OutboundMessage.status, "Status", list(rules.STATUSES.items())),
        ChoiceFilter(OutboundMessage.template_key, "Letter", list(rules.TEMPLATE_NOUNS.items())),
        LocalDayFilter(OutboundMessage.created_at, "Queued", "on"),
        LocalDayFilter(OutboundMessage.created_at, "Queued", "from"),
        LocalDayFilter(OutboundMessage.created_at, "Queued", "before"),
    ]
    column_select_related_list = (OutboundMessage.complaint, OutboundMessage.ticket)
    action_permissions = {"retry": "retry"}
    # Whoever may read the letter may print it and record that it was posted.
    endpoint_actions = {"print_letter": "view", "mark_posted": "view"}
    details_template = "admin/outbox_details.html"
    list_template = "admin/outbox_list.html"

    def identity_search_condition(self):
        return confidentiality.person_visible(current_actor(), OutboundMessage.participant_id)

    def timezone_for(self, model):
        case = model.ticket if model.ticket_id is not None else model.complaint
        return case_timezone(case) if case is not None else super().timezone_for(model)

    @action(
        "retry",
        "Send again",
        "Queue the selected failed messages to be sent again?",
    )
    def action_retry(self, ids):
        allowed = self.get_query().filter(OutboundMessage.id.in_([int(i) for i in ids]))
        chosen = [message.id for message in allowed]
        count = correspondence.retry(db.session, chosen)
        # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
        db.session.commit()
        left = len(chosen) - count
        message = f"{count} failed message{'s' if count != 1 else ''} queued to be sent again."
        if left:
            message += f" {left} that had not failed were left as they were."
        flash(message, "success" if count else "warning")

    # --- letters by post ----------------------------------------------------------------

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if template == self.details_template and model is not None:
            kwargs["posting"] = self.posting_of(model)
        return super().render(template, **kwargs)

    def posting_of(self, model) -> dict | None:
        """What the details page offers for a letter to post, or None."""
        if model.status != rules.NO_ADDRESS:
            return None
        hidden = hides_recipient(model)
        return {
            "hidden": hidden,
            "posted": model.posted_at is not None,
            "no_postal_address": not hidden and not printing.recipient_address(model),
            "form": PostedForm(),
        }

    def refusal(self, model) -> str | None:
        if model.status != rules.NO_ADDRESS:
            status = rules.STATUSES.get(model.status, model.status).lower()
            return NOT_TO_POST.format(status=status)
        if hides_recipient(model):
            return CONFIDENTIAL_LETTER
        return None

    @expose("/print/<int:id>")
    def print_letter(self, id):
        """The letter as an A4 PDF, dated today in the case's time zone."""
        model = self.get_one(id)
        refused = self.refusal(model)
        if refused is not None:
            flash(refused, "error")
            return redirect(get_redirect_target() or self.get_url(".details_view", id=model.id))
        zone = ZoneInfo(self.timezone_for(model))
        letter = printing.letter_pdf(
            model,
            on=utcnow().astimezone(zone).date(),
            letterhead=printing.Letterhead.of(current_app.config),
        )
        reference = printing.case_reference(model) or "letter"
        return Response(
            letter,
            mimetype="application/pdf",
            headers={
                "Content-Disposition": f'attachment; filename="{reference}-letter-{model.id}.pdf"',
                "Cache-Control": "no-store",
            },
        )

    @expose("/posted/<int:id>", methods=["POST"])
    def mark_posted(self, id):
        """Record that the letter was printed and posted (once), on the case's history."""
        model = self.get_one(id)
        # Back where the button was: the message's page, or the case's (?url=, same site only).
        details = get_redirect_target() or self.get_url(".details_view", id=model.id)
        if not PostedForm(request.form).validate():
            flash(EXPIRED_FORM, "error")
            return redirect(details)
        refused = self.refusal(model)
        if refused is not None:
            flash(refused, "error")
            return redirect(details)
        try:
            printing.mark_posted(db.session, model, current_user.id, utcnow())
        except printing.PostingRefused as error:
            db.session.rollback()
            flash(str(error), "warning")
            return redirect(details)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model)
            return redirect(details)
        flash("Marked as sent by post; the case's history says so.", "success")
        return redirect(details)
