"""Mail received, on the screens: every message read from a mailbox or piped in, what
became of it, and triage (file it on a case, or dismiss it). Read-only otherwise; scoped
like the cases the messages are on (services/access.py `_inbox`)."""

from flask import abort, current_app, flash, redirect, request, send_file
from flask_admin import expose
from flask_admin.helpers import get_redirect_target
from markupsafe import Markup
from wtforms import BooleanField, StringField, TextAreaField
from wtforms.validators import DataRequired, Length

from models import InboundMessage, User, db, kinds
from rules import mail_in as rules
from rules.confidentiality import MASK
from rules.errors import RuleViolation
from services import access, confidentiality, storage
from services.intake import attachment_folder
from services.mail_in import ingest as mail_ingest
from services.mail_in import triage as mail_triage

from ..context import current_actor, visibility
from .base import ReadOnlyModelView
from .filters import ChoiceFilter, LocalDayFilter

HIDDEN_BODY = "Hidden: the complainant asked that their personal details not be used."


def hides_sender(message: InboundMessage) -> bool:
    """From a confidential complainant the user may not see, on their case or as a person
    known to be one."""
    case = message.case
    complaint = kinds.kind_of(case).complaint_of(case) if case is not None else None
    if complaint is not None and not visibility().shows_complainant(complaint):
        return True
    return message.participant_id is not None and (
        message.participant_id in visibility().hidden_person_ids()
    )


def show_case(view, context, model, name):
    case = model.case
    if case is None:
        return f"claims {model.claimed_reference}" if model.claimed_reference else ""
    if model.internal_review_id is not None:
        return f"{case.complaint.reference} (internal review)"
    return case.reference


def show_sender(view, context, model, name):
    if hides_sender(model):
        return MASK
    if model.from_name and model.from_address:
        return f"{model.from_name} <{model.from_address}>"
    return model.from_address or model.from_name or ""


def show_body(view, context, model, name):
    if hides_sender(model):
        return HIDDEN_BODY
    return Markup('<pre class="mail-body">{}</pre>').format(model.body_text or "")


def show_status(view, context, model, name):
    return rules.STATUSES.get(model.status, model.status)


def show_handled_by(view, context, model, name):
    return model.handled_by.username if model.handled_by is not None else ""


class InboundMessageView(ReadOnlyModelView):
    """Every email received; coordinators triage what no case could be found for."""

    record_noun = "message received"
    can_export = False
    details_template = "admin/inbound_details.html"
    endpoint_actions = {"file_view": "file", "dismiss_view": "dismiss", "raw_view": "raw"}
    column_list = ("received_at", "mailbox", "sender", "subject", "status", "case", "reason")
    column_details_list = (
        "received_at",
        "mailbox",
        "sender",
        "to_address",
        "subject",
        "sent_at",
        "status",
        "case",
        "reason",
        "body_text",
        "size",
        "message_id",
        "handled_by",
        "handled_at",
    )
    column_labels = {
        "received_at": "Received",
        "sender": "From",
        "to_address": "To",
        "sent_at": "Sent (their clock)",
        "body_text": "Text",
        "message_id": "Message-ID",
        "reason": "Why",
        "handled_by": "Handled by",
        "handled_at": "Handled",
    }
    column_formatters = {
        "case": show_case,
        "sender": show_sender,
        "body_text": show_body,
        "status": show_status,
        "handled_by": show_handled_by,
    }
    column_sortable_list = ("received_at", "status", "mailbox")
    column_default_sort = [("received_at", True), ("id", True)]
    column_searchable_list = ("subject", "from_address", "from_name")
    # A confidential complainant's address or name does not find their mail.
    identity_search_columns = ("from_address", "from_name")
    column_filters = [
        ChoiceFilter(InboundMessage.status, "Status", list(rules.STATUSES.items())),
        LocalDayFilter(InboundMessage.received_at, "Received", "on"),
        LocalDayFilter(InboundMessage.received_at, "Received", "from"),
        LocalDayFilter(InboundMessage.received_at, "Received", "before"),
    ]

    column_select_related_list = (
        InboundMessage.complaint,
        InboundMessage.ticket,
        InboundMessage.internal_review,
    )

    def identity_search_condition(self):
        return confidentiality.person_visible(current_actor(), InboundMessage.participant_id)

    # --- triage ------------------------------------------------------------------------

    def _message(self) -> InboundMessage:
        message = self.get_one(request.args.get("id"))
        if message is None:
            abort(404)
        return message

    def _form(self, fields: dict):
        return type("TriageForm", (self.form_base_class,), fields)

    def _settings(self) -> mail_ingest.IngestSettings:
        return mail_ingest.IngestSettings.from_config(
            current_app.config, attachment_folder(current_app)
        )

    def render(self, template, **kwargs):
        model = kwargs.get("model")
        if isinstance(model, InboundMessage):
            kwargs.setdefault("in_triage", model.status in rules.OPEN_STATUSES)
            kwargs.setdefault("raw_kept", bool(model.raw_stored_name))
        return super().render(template, **kwargs)

    @expose("/file/", methods=("GET", "POST"))
    def file_view(self):
        message = self._message()
        details_url = self.get_url(".details_view", id=message.id, url=get_redirect_target())
        form = self._form(
            {
                "reference": StringField(
                    "Case reference",
                    validators=[DataRequired("Write the reference of the case, e.g. CTS-…")],
                    description="The complaint or ticket it belongs to, e.g. CTS-2026-000123.",
                    default=message.claimed_reference,
                ),
                "resume": BooleanField(
                    "It answers what the case is waiting on: resume its clock",
                    description="For a case paused waiting on the complainant or client, "
                    "as a reply from their own address would.",
                ),
            }
        )(request.form if request.method == "POST" else None)

        def page():
            return self.render(
                "admin/transition.html",
                step="File on a case",
                intro=f"“{message}”. Its attachments are checked and kept on the case, "
                "the case's history notes it and its officer is told. Nothing is sent to "
                "the sender.",
                records=None,
                form=form,
                submit="File it",
                cancel_url=details_url,
                refresh=False,
            )

        if request.method != "POST":
            return page()
        if not form.validate():
            flash("Check the form and try again.", "error")
            return page()
        reference = " ".join(form.reference.data.split()).upper()
        case = access.case_by_reference(db.session, current_actor(), reference)
        if case is None:
            flash(
                f"There is no complaint or ticket with the reference {reference} that you "
                "may open.",
                "error",
            )
            return page()
        user = db.session.get(User, current_actor().id)
        try:
            done = mail_triage.file_on_case(
                db.session,
                message,
                case,
                user,
                settings=self._settings(),
                resume=bool(form.resume.data),
            )
        except RuleViolation as refusal:
            db.session.rollback()
            flash(f"Not filed. {refusal}", "error")
            return page()
        flash(done, "success")
        return redirect(details_url)

    @expose("/dismiss/", methods=("GET", "POST"))
    def dismiss_view(self):
        message = self._message()
        details_url = self.get_url(".details_view", id=message.id, url=get_redirect_target())
        form = self._form(
            {
                "reason": TextAreaField(
                    "Why it is dismissed",
                    validators=[
                        DataRequired("Say why the message is dismissed (for example: spam)."),
                        Length(max=mail_triage.REASON_LIMIT),
                    ],
                )
            }
        )(request.form if request.method == "POST" else None)

        def page():
            return self.render(
                "admin/transition.html",
                step="Dismiss",
                intro=f"“{message}”. It stays in the list of mail received, marked dismissed "
                "with your reason; nothing is sent to the sender.",
                records=None,
                form=form,
                submit="Dismiss it",
                cancel_url=details_url,
                refresh=False,
            )

        if request.method != "POST":
            return page()
        if not form.validate():
            flash("Check the form and try again.", "error")
            return page()
        user = db.session.get(User, current_actor().id)
        try:
            mail_triage.dismiss(db.session, message, user, form.reason.data)
        except RuleViolation as refusal:
            db.session.rollback()
            flash(f"Not dismissed. {refusal}", "error")
            return page()
        flash(f"Dismissed: {message}.", "success")
        return redirect(details_url)

    @expose("/raw/")
    def raw_view(self):
        """The message as received (administrators only: a quarantined one may be harmful)."""
        message = self._message()
        if not message.raw_stored_name:
            abort(404)
        path = attachment_folder(current_app) / message.raw_stored_name
        if not path.is_file():
            abort(404)
        return send_file(
            storage.readable(path),
            mimetype="application/octet-stream",
            as_attachment=True,
            download_name=f"message-{message.id}.eml",
            max_age=0,
            etag=False,
            conditional=False,
        )
