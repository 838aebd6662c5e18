"""Letters and reminders on the screens: the templates administrators edit (with a preview),
and the outbox, read-only, with a bulk "send again" for failed messages."""

from flask import flash, request
from flask_admin.actions import action
from markupsafe import Markup
from sqlalchemy import select
from wtforms import TextAreaField
from wtforms.validators import DataRequired, ValidationError

from models import OutboundMessage, db, kinds
from rules import correspondence as rules
from rules.confidentiality import MASK
from services import access, confidentiality, correspondence

from ..context import case_timezone, current_actor, visibility
from .base import ReadOnlyModelView, ScopedModelView
from .filters import ChoiceFilter, LocalDayFilter


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
            case = find_case(reference)
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


def find_case(reference: str):
    """A complaint or ticket by reference, among those the user may open."""
    for kind in kinds.KINDS:
        if kind.reference_variant is None:
            continue  # a review goes by its complaint's reference
        model, screen = kind.model, kind.name
        condition = access.rows(current_actor(), screen, "view")
        case = db.session.scalar(select(model).where(model.reference == reference, condition))
        if case is not None:
            return case
    return None


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
    }
    column_sortable_list = ("created_at", "status", "sent_at", "attempts")
    column_default_sort = [("created_at", True), ("id", True)]
    column_searchable_list = ("subject", "recipient_address", "recipient_name")
    # A confidential complainant's address or name does not find their letters.
    identity_search_columns = ("recipient_address", "recipient_name")
    column_filters = [
        ChoiceFilter(OutboundMessage.status, "Status", list(rules.STATUSES.items())),
        ChoiceFilter(OutboundMessage.template_key, "Letter", list(rules.TEMPLATE_NOUNS.items())),
        LocalDayFilter(OutboundMessage.created_at, "Queued", "on"),
        LocalDayFilter(OutboundMessage.created_at, "Queued", "from"),
        LocalDayFilter(OutboundMessage.created_at, "Queued", "before"),
    ]
    column_select_related_list = (OutboundMessage.complaint, OutboundMessage.ticket)
    action_permissions = {"retry": "retry"}

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
