"""Files sent with a public form (the lodgement form, a case's own page), read and checked
the same way for both: how many, how large, what they really are."""

import os

from flask import current_app, request

from rules.attachments import AttachmentRefused, check_file, check_size
from rules.inflation import InflationLimits
from services.intake import SentFile


def stripped(value):
    """A form field's filter: surrounding spaces dropped."""
    return value.strip() if isinstance(value, str) else value


def read_uploads(field_name: str) -> tuple[list[SentFile], list[str]]:
    """The files chosen in the field, checked: (the files, the refusals in words)."""
    uploads = [f for f in request.files.getlist(field_name) if f and f.filename]
    config = current_app.config
    max_files, max_bytes = config["ATTACHMENT_MAX_FILES"], config["ATTACHMENT_MAX_BYTES"]
    inflation = InflationLimits(max_bytes=config["ATTACHMENT_MAX_INFLATED_BYTES"])
    if len(uploads) > max_files:
        return [], [
            f"You chose {len(uploads)} files; attach at most {max_files}. "
            "Put several pages in one PDF if you need to."
        ]
    files, refusals = [], []
    for upload in uploads:
        try:
            # The upload is already received (spooled by Werkzeug): measure before reading.
            size = upload.stream.seek(0, os.SEEK_END)
            upload.stream.seek(0)
            check_size(upload.filename, size, max_bytes)
            data = upload.stream.read(max_bytes + 1)
            kind = check_file(upload.filename, data, max_bytes, inflation)
        except AttachmentRefused as refusal:
            refusals.append(str(refusal))
            continue
        files.append(SentFile(upload.filename, data, kind))
    return files, refusals
