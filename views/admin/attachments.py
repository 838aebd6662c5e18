"""A case's documents on its details page: the files a complainant sent and those staff
added, their download, and the small form that adds one.

A download goes through the cases of this screen the user may view (services/access.py):
anything else is a 404, as for the case itself. The files of a confidential complainant's
complaint (and of its reviews) are withheld from whoever may not see who they are
(services/confidentiality.py), since what they hold may name them. Adding a document takes
the same content checks as the public form (services/documents.py).
"""

import os

from flask import abort, current_app, flash, redirect, request, send_file
from flask_admin import expose
from flask_admin.helpers import get_redirect_target
from sqlalchemy import select
from wtforms import FileField, StringField

from models import Attachment, db, kinds
from rules.attachments import AttachmentRefused, allowed_names, check_size, describe_size
from rules.errors import RuleViolation
from rules.inflation import InflationLimits
from services import access, documents, storage
from services.intake import attachment_folder

from ..context import current_actor, visibility
from .fields import EXPIRED_FORM


def complaint_of(case):
    """The complaint whose confidentiality the case's files follow (none for a ticket)."""
    kind = kinds.find_kind(case)
    return kind.complaint_of(case) if kind is not None else None


class CaseDocuments:
    """Mixed into the complaint, ticket and internal review screens."""

    def action_for(self, function_name, view_args):
        if function_name in ("add_document_view", "download_attachment"):
            return "view"
        return super().action_for(function_name, view_args)

    def _withheld(self, case) -> bool:
        complaint = complaint_of(case)
        return complaint is not None and not visibility().shows_complainant(complaint)

    def _case_column(self):
        return getattr(Attachment, f"{documents.CASE_RELATIONS[self.model]}_id")

    @expose("/attachment/<int:attachment_id>/")
    def download_attachment(self, attachment_id):
        # The view's own check has run: the user may view these cases. Now: this one?
        viewable = select(self.model.id).where(access.rows(current_actor(), self.screen, "view"))
        attachment = db.session.scalar(
            select(Attachment).where(
                Attachment.id == attachment_id, self._case_column().in_(viewable)
            )
        )
        if attachment is None:
            abort(404)
        case = getattr(attachment, documents.CASE_RELATIONS[self.model])
        if self._withheld(case):
            abort(404)
        path = attachment_folder(current_app) / attachment.stored_name
        if not path.is_file():
            current_app.logger.error(
                "Attachment %s of %s is missing from %s",
                attachment.id,
                getattr(case, "reference", case),
                path.parent,
            )
            abort(404)
        response = send_file(
            storage.readable(path),
            mimetype=attachment.content_type,
            as_attachment=True,
            download_name=attachment.original_filename,
            max_age=0,
            etag=False,
            conditional=False,
        )
        response.headers["X-Content-Type-Options"] = "nosniff"
        response.headers["Cache-Control"] = "private, no-store"
        return response

    def _document_form(self):
        fields = {
            "document": FileField(
                "Document",
                description=f"One file: {allowed_names()}, at most "
                f"{describe_size(current_app.config['ATTACHMENT_MAX_BYTES'])}.",
            ),
            "note": StringField(
                "What it is",
                description="e.g. Draft response, Receipt the complainant posted, Decision.",
                render_kw={"maxlength": documents.NOTE_LIMIT},
            ),
        }
        return type("DocumentForm", (self.form_base_class,), fields)

    @expose("/document/", methods=("GET", "POST"))
    def add_document_view(self):
        model = self.get_one(request.args.get("id"))
        details_url = self.get_url(".details_view", id=model.id, url=get_redirect_target())
        form = self._document_form()(request.form if request.method == "POST" else None)

        def page():
            return self.render(
                "admin/transition.html",
                step="Add a document",
                intro=f"{self.record_noun.capitalize()} {model}. The document is checked as "
                "the public form's attachments are, kept with the case, and noted in its "
                "history.",
                records=None,
                form=form,
                submit="Add the document",
                cancel_url=details_url,
                refresh=False,
            )

        if request.method != "POST":
            return page()
        if not form.validate():
            flash(
                EXPIRED_FORM if "csrf_token" in form.errors else "Check the form and try again.",
                "error",
            )
            return page()
        upload = request.files.get("document")
        if upload is None or not upload.filename:
            flash("Choose a file to add.", "error")
            return page()
        config = current_app.config
        max_bytes = config["ATTACHMENT_MAX_BYTES"]
        try:
            # Already received (spooled by Werkzeug): measured before it is read.
            size = upload.stream.seek(0, os.SEEK_END)
            upload.stream.seek(0)
            check_size(upload.filename, size, max_bytes)
            documents.add(
                db.session,
                model,
                current_actor(),
                upload.filename,
                upload.stream.read(max_bytes + 1),
                note=form.note.data,
                folder=attachment_folder(current_app),
                max_bytes=max_bytes,
                inflation=InflationLimits(max_bytes=config["ATTACHMENT_MAX_INFLATED_BYTES"]),
            )
        except (AttachmentRefused, RuleViolation) as refusal:
            db.session.rollback()
            flash(str(refusal), "error")
            return page()
        flash(f"Added {upload.filename} to {self.record_noun} {model}.", "success")
        return redirect(details_url)
