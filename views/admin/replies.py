"""A reply to the complainant or the client, written on the case's page.

Hidden from the menu: the case page links to it (templates/admin/_reply_link.html, through
the `reply_url` and `reply_label` globals, shown only to those who may reply). The case is
found among those the user may view (else 404); writing needs what
services/correspondence/replies.py `may_reply` says (else 403). A canned paragraph is
appended without JavaScript ("Insert paragraph" re-renders the form); static/reply_form.js
inserts it at the cursor instead when scripts run. Nothing is saved until "Queue the
reply", and then only when the reply, its documents and any new upload all pass.
"""

import os

from flask import abort, current_app, flash, redirect, request, url_for
from flask_admin import BaseView, expose
from flask_admin.form import SecureForm
from flask_login import current_user
from sqlalchemy import or_, select
from wtforms import (
    BooleanField,
    FileField,
    SelectField,
    SelectMultipleField,
    StringField,
    TextAreaField,
    widgets,
)

from models import Attachment, CannedParagraph, db, kinds
from rules.attachments import AttachmentRefused, allowed_names, check_size, describe_size
from rules.errors import RuleViolation
from rules.inflation import InflationLimits
from services import access, confidentiality
from services import documents as case_documents
from services.correspondence import replies
from services.intake import attachment_folder

from ..context import current_actor
from .fields import EXPIRED_FORM


class CheckboxesField(SelectMultipleField):
    """Several choices as a list of checkboxes (works without JavaScript)."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def pre_validate(self, form):
        # A document not of this case is the service's to refuse, in words.
        pass


def paragraphs_for(case) -> list[CannedParagraph]:
    """The active canned paragraphs offered on this kind of case."""
    kind = kinds.kind_of(case).name
    return db.session.scalars(
        select(CannedParagraph)
        .where(
            CannedParagraph.active.is_(True),
            or_(CannedParagraph.case_kind.is_(None), CannedParagraph.case_kind == kind),
        )
        .order_by(CannedParagraph.title)
    ).all()


def case_reachable(case_type: str, case_id: int):
    """The case, among those the user may view; None otherwise."""
    kind = next((k for k in kinds.KINDS if k.name == case_type), None)
    if kind is None:
        return None
    condition = access.rows(current_actor(), kind.name, "view")
    return db.session.scalar(select(kind.model).where(kind.model.id == case_id, condition))


def reply_url(model):
    """The reply form's address for this case, or None when the user may not reply."""
    kind = kinds.find_kind(model)
    if kind is None or not getattr(current_user, "is_authenticated", False):
        return None
    if not replies.may_reply(db.session, current_actor(), model):
        return None
    return url_for("replies.reply_view", case_type=kind.name, case_id=model.id)


def reply_label(model) -> str:
    return (
        "Reply to the client…"
        if kinds.find_kind(model) is kinds.TICKET
        else ("Reply to the complainant…")
    )


class ReplyForm(SecureForm):
    subject = StringField(
        "Subject",
        description="The case's reference is added when the subject does not carry it.",
        render_kw={"maxlength": replies.SUBJECT_LIMIT},
    )
    body = TextAreaField("Reply", render_kw={"rows": 14, "class": "form-control reply-body"})
    paragraph = SelectField("Canned paragraph", choices=[], validate_choice=False)
    documents = CheckboxesField("Documents of the case to send with it", choices=[])
    upload = FileField("Add a new document")
    upload_note = StringField(
        "What the new document is", render_kw={"maxlength": case_documents.NOTE_LIMIT}
    )
    send_upload = BooleanField("Send the new document with the reply", default=True)


class ReplyView(BaseView):
    """The reply form of a case."""

    def is_visible(self):
        return False

    def is_accessible(self):
        return current_user.is_authenticated

    def inaccessible_callback(self, name, **kwargs):
        return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))

    def create_blueprint(self, admin):
        blueprint = super().create_blueprint(admin)
        blueprint.add_app_template_global(reply_url, "reply_url")
        blueprint.add_app_template_global(reply_label, "reply_label")
        return blueprint

    @expose("/")
    def index(self):
        # Replies are written from a case's page.
        abort(404)

    @expose("/<case_type>/<int:case_id>/", methods=("GET", "POST"))
    def reply_view(self, case_type, case_id):
        case = case_reachable(case_type, case_id)
        if case is None:
            abort(404)
        if not replies.may_reply(db.session, current_actor(), case):
            abort(403)
        kind = kinds.kind_of(case)
        details_url = kind.page_of(case.id)
        paragraphs = paragraphs_for(case)
        files = db.session.scalars(
            select(Attachment)
            .where(getattr(Attachment, f"{kind.name}_id") == case.id)
            .order_by(Attachment.uploaded_at.desc(), Attachment.id.desc())
        ).all()
        form = ReplyForm(request.form if request.method == "POST" else None)
        form.paragraph.choices = [("", "Choose a paragraph…")] + [
            (str(p.id), p.title) for p in paragraphs
        ]
        form.documents.choices = [
            (str(f.id), f"{f.original_filename} ({describe_size(f.size)})") for f in files
        ]
        form.upload.description = (
            f"Optional. One file: {allowed_names()}, at most "
            f"{describe_size(current_app.config['ATTACHMENT_MAX_BYTES'])}. It is kept with "
            "the case, checked as every document is."
        )
        _, person = replies.recipient_of(case)
        noun = replies.recipient_noun(case)
        # Someone who asked elsewhere that their details not be used is not named here.
        seen = confidentiality.Confidentiality(current_actor(), db.session)
        shown = seen.person_visible_on(case)(person) and seen.shows_person(person)
        if request.method != "POST":
            form.subject.data = replies.default_subject(db.session, case)

        def page():
            return self.render(
                "admin/reply_form.html",
                case=case,
                form=form,
                noun=noun,
                recipient=person if shown else None,
                address=replies.usable_address(person) if shown else None,
                address_hidden=not shown and bool(replies.usable_address(person)),
                paragraphs=paragraphs,
                cancel_url=details_url,
            )

        if request.method != "POST":
            return page()
        if not form.validate():
            flash(
                EXPIRED_FORM if "csrf_token" in form.errors else "Check the form and try again.",
                "error",
            )
            return page()
        if "insert" in request.form:
            chosen = next((p for p in paragraphs if str(p.id) == form.paragraph.data), None)
            if chosen is None:
                flash("Choose a paragraph to insert.", "error")
            else:
                text = (form.body.data or "").rstrip()
                form.body.data = f"{text}\n\n{chosen.body}" if text else chosen.body
                form.paragraph.data = ""
            return page()
        return self.queue(case, form, page, details_url, noun)

    def queue(self, case, form, page, details_url, noun):
        chosen_ids = list(form.documents.data or [])
        upload = request.files.get("upload")
        has_upload = upload is not None and bool(upload.filename)
        # Judge the reply before anything is kept, so a refused reply stores no document.
        problems = replies.reply_problems(
            db.session, case, form.subject.data, form.body.data, chosen_ids
        )
        if problems:
            db.session.rollback()
            for message in problems:
                flash(message, "error")
            return page()
        config = current_app.config
        max_bytes = config["ATTACHMENT_MAX_BYTES"]
        added = None
        if has_upload:
            try:
                size = upload.stream.seek(0, os.SEEK_END)
                upload.stream.seek(0)
                check_size(upload.filename, size, max_bytes)
                added = case_documents.add(
                    db.session,
                    case,
                    current_actor(),
                    upload.filename,
                    upload.stream.read(max_bytes + 1),
                    note=form.upload_note.data,
                    folder=attachment_folder(current_app),
                    max_bytes=max_bytes,
                    inflation=InflationLimits(max_bytes=config["ATTACHMENT_MAX_INFLATED_BYTES"]),
                )
            except (AttachmentRefused, RuleViolation) as refusal:
                db.session.rollback()
                flash(f"The new document: {refusal}", "error")
                return page()
            if form.send_upload.data:
                chosen_ids.append(str(added.id))
        try:
            message = replies.queue_reply(
                db.session,
                case,
                current_actor(),
                form.subject.data,
                form.body.data,
                chosen_ids,
            )
            db.session.commit()
        except RuleViolation as refusal:
            db.session.rollback()
            for text in str(refusal).split("\n"):
                flash(text, "error")
            if added is not None:
                flash(f"{added.original_filename} was kept with the case.", "info")
            return page()
        if message.recipient_address:
            flash(f"Reply queued to {noun}: {message.subject}", "success")
        else:
            flash(
                f"{noun.capitalize()} has no email address: the reply is kept as a letter to "
                "print and post.",
                "warning",
            )
        return redirect(details_url)
