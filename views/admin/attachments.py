"""A complaint's attachments on its details page, and their download, for whoever may view it.

A download goes through the complaints the user may view (services/access.py): anything
else is a 404, as for the complaint itself. The files of a confidential complainant are
withheld from whoever may not see who they are (services/confidentiality.py), since what they
sent may name them.
"""

from flask import abort, current_app, send_file, url_for
from flask_admin import expose
from sqlalchemy import select

from models import Attachment, Complaint, db
from rules.attachments import describe_size
from services import access
from services.intake import attachment_folder

from ..context import current_actor, visibility


class ComplaintAttachments:
    """Mixed into the complaints screen: the list on the details page and the download."""

    def details_context(self, model):
        context = super().details_context(model)
        withheld = not visibility().shows_complainant(model)
        context["attachments"] = {
            "withheld": withheld,
            "files": [
                {
                    "name": attachment.original_filename,
                    "size": describe_size(attachment.size),
                    "content_type": attachment.content_type,
                    "uploaded": self.zoned_text(attachment.uploaded_at, model),
                    "sha256": attachment.sha256,
                    "url": url_for(".download_attachment", attachment_id=attachment.id),
                }
                for attachment in model.attachments
            ],
        }
        return context

    @expose("/attachment/<int:attachment_id>/")
    def download_attachment(self, attachment_id):
        # The view's own check has run: the user may view complaints. Now: this one?
        viewable = select(Complaint.id).where(access.rows(current_actor(), self.screen, "view"))
        attachment = db.session.scalar(
            select(Attachment).where(
                Attachment.id == attachment_id, Attachment.complaint_id.in_(viewable)
            )
        )
        if attachment is None or not visibility().shows_complainant(attachment.complaint):
            abort(404)
        path = attachment_folder(current_app) / attachment.stored_name
        if not path.is_file():
            current_app.logger.error(
                "Attachment %s of %s is missing from %s",
                attachment.id,
                attachment.complaint.reference,
                path.parent,
            )
            abort(404)
        response = send_file(
            path,
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
