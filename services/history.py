"""The history of every record: which fields changed, old and new values, who and when."""

import json
from datetime import date, datetime, time
from decimal import Decimal

from sqlalchemy import inspect
from sqlalchemy.orm.attributes import NO_VALUE

from models import HistoryEntry, utcnow

AUDITED_TYPES = (
    "Complaint",
    "Ticket",
    "InternalReview",
    "ExternalReview",
    "Extension",
    "Participant",
    "User",
    "Division",
    "ClassificationLevel",
    "Calendar",
    "OpeningWindow",
    "Closure",
    "WorkedHoliday",
    "SlaTarget",
    "PauseStatus",
    "Channel",
    "Category",
    "Outcome",
    "ReferralTarget",
)
IGNORED_FIELDS = {"version", "updated_at", "password_hash"}


def current_user_id():
    """The signed-in account, when the change comes through a request."""
    try:
        from flask import has_request_context
        from flask_login import current_user
    except ImportError:  # pragma: no cover - flask is always installed with the app
        return None
    if has_request_context() and getattr(current_user, "is_authenticated", False):
        return current_user.id
    return None


def plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "__table__"):
        return str(value)
    return value


def field_changes(obj, *, new: bool = False) -> dict:
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        if attr.key in IGNORED_FIELDS:
            continue
        hist = state.attrs[attr.key].history
        if new:
            value = getattr(obj, attr.key)
            if value is not None and attr.key != "id":
                changes[attr.key] = [None, plain(value)]
        elif hist.has_changes():
            old = hist.deleted[0] if hist.deleted else None
            new_value = hist.added[0] if hist.added else None
            if old is NO_VALUE:
                old = None
            if old != new_value:
                changes[attr.key] = [plain(old), plain(new_value)]
    return changes


def pending_notes(session) -> list:
    """Notes a flush wants in the history besides field changes (e.g. why dues moved)."""
    return session.info.setdefault("history_notes", [])


def note(session, obj, action: str, summary: str, changes: dict | None = None) -> None:
    pending_notes(session).append((obj, action, summary, changes))


def after_flush(session):
    rows = []
    user_id = current_user_id()
    at = utcnow()
    explicit = {id(obj) for obj, *_ in pending_notes(session)}

    def add(obj, action, summary, changes):
        rows.append(
            {
                "at": at,
                "user_id": user_id,
                "record_type": type(obj).__name__,
                "record_id": obj.id,
                "action": action,
                "summary": summary,
                "changes": json.dumps(changes, default=str) if changes else None,
            }
        )

    for obj in session.new:
        if type(obj).__name__ in AUDITED_TYPES:
            add(obj, "create", f"{type(obj).__name__} {obj} created", field_changes(obj, new=True))
    for obj in session.dirty:
        if type(obj).__name__ in AUDITED_TYPES and id(obj) not in explicit:
            changes = field_changes(obj)
            if changes:
                add(obj, "update", "Changed " + ", ".join(sorted(changes)), changes)
    for obj in session.deleted:
        if type(obj).__name__ in AUDITED_TYPES:
            add(obj, "delete", f"{type(obj).__name__} {obj} deleted", None)
    for obj, action, summary, changes in pending_notes(session):
        merged = field_changes(obj) if obj not in session.new else {}
        merged.update(changes or {})
        add(obj, action, summary, merged)
    session.info["history_notes"] = []
    if rows:
        session.connection().execute(HistoryEntry.__table__.insert(), rows)
