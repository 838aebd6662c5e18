"""Documents staff add to a complaint, a ticket or an internal review: the same content
checks as the public form's attachments (rules/attachments.py: kind by content, size, zip
bombs), kept outside the web root under a random name, and noted in the case's history.

All or nothing: the file is written before the commit and removed again if anything fails.
"""

import hashlib
import secrets
from pathlib import Path

from models import Attachment, User, kinds, utcnow
from rules.attachments import check_file, describe_size, safe_filename
from rules.errors import RuleViolation
from rules.inflation import InflationLimits

from . import history
from .intake import write_new

# The attachment relationship each kind of case is filed under.
CASE_RELATIONS = {kind.model: kind.name for kind in kinds.KINDS}
NOTE_LIMIT = 200


def add(
    session,
    case,
    user: User | None,
    filename: str,
    data: bytes,
    *,
    note: str | None,
    folder: Path,
    max_bytes: int,
    inflation: InflationLimits,
) -> Attachment:
    """Check, store and commit the document on the case; AttachmentRefused or
    RuleViolation (nothing saved, no file left) otherwise."""
    relation = CASE_RELATIONS.get(type(case))
    if relation is None:
        raise RuleViolation("Documents are kept on complaints, tickets and internal reviews.")
    note = (note or "").strip()
    if len(note) > NOTE_LIMIT:
        raise RuleViolation(f"What the document is: at most {NOTE_LIMIT} characters.")
    kind = check_file(filename, data, max_bytes, inflation)
    name = safe_filename(filename)
    stored_name = secrets.token_hex(16)
    path = folder / stored_name
    attachment = Attachment(
        original_filename=name,
        content_type=kind.content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        stored_name=stored_name,
        uploaded_at=utcnow(),
        uploaded_by=user,
        note=note or None,
    )
    setattr(attachment, relation, case)
    written = False
    try:
        folder.mkdir(parents=True, exist_ok=True, mode=0o700)
        write_new(path, data)
        written = True
        session.add(attachment)
        summary = f"Document added: {name} ({describe_size(len(data))})"
        history.note(session, case, "document_added", summary + (f", {note}." if note else "."))
        session.commit()
    except BaseException:
        session.rollback()
        if written:
            path.unlink(missing_ok=True)
        raise
    return attachment
