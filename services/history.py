"""The history of every record: which fields changed, old and new values, who and when.

Append-only: a flush writes one `HistoryEntry` per record created, changed or deleted, and
one per note (`note(session, obj, action, summary)`: a workflow transition, a clock paused).
Nothing in the application updates or deletes an entry; on PostgreSQL a trigger refuses it
(models/cases.py).

Old values are reliable: a value set on an expired object (after a commit) carries no old
value in SQLAlchemy's history, so before the flush such a record's stored row is read
once and supplies the old values. (`active_history` would load them at each set instead,
and that load can autoflush half-made changes.) Many-to-many collections (a complaint's
subjects and involved staff, an account's capacities) are recorded as the lists of names
before and after.
"""

import functools
import json
from datetime import date, datetime, time
from decimal import Decimal
from zoneinfo import ZoneInfo

from sqlalchemy import inspect, or_, select
from sqlalchemy.orm import MANYTOONE, joinedload, object_session
from sqlalchemy.orm.attributes import NO_VALUE

from models import (
    HistoryEntry,
    Participant,
    User,
    UTCDateTime,
    changes_of,
    db,
    kinds,
    utcnow,
)
from rules import vocabulary

from . import case_contents, localtime

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
    "ApiToken",
    "MailTemplate",
    "Improvement",
    "RetentionRule",
    "ContactRestriction",
    "Representative",
)
IGNORED_FIELDS = {
    "version",
    # Kept copies of a category's and a division's names (services/sort_names.py).
    "category_name",
    "division_name",
    "updated_at",
    "password_hash",
    "secret_hash",
    "lodgement_key",
    "session_generation",
    "totp_secret",
    "totp_last_step",
}

# The record in the team's words, where the class name is not already them.
RECORD_NOUNS = {
    "InternalReview": "Internal review",
    "ExternalReview": "External review",
    "ClassificationLevel": "Classification level",
    "OpeningWindow": "Opening window",
    "WorkedHoliday": "Worked holiday",
    "SlaTarget": "SLA target",
    "PauseStatus": "Pause status",
    "ReferralTarget": "Referral target",
    "User": "Account",
    "ApiToken": "API token",
    "MailTemplate": "Letter template",
    "RetentionRule": "Retention rule",
    "ContactRestriction": "Restriction of contact",
}


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


def audited(obj) -> bool:
    return type(obj).__name__ in AUDITED_TYPES


# --- what changed -----------------------------------------------------------------------


def plain(value):
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal):
        return str(value)
    if hasattr(value, "__table__"):
        return str(value)
    return value


def name_of(item) -> str:
    """A related record in a list of names: a person's name, a capacity's name."""
    display_name = getattr(item, "display_name", None)
    return display_name if display_name is not None else str(item)


def _many_to_many(obj):
    return [rel for rel in inspect(obj).mapper.relationships if rel.secondary is not None]


def collection_changes(obj, *, new: bool = False, deleted: bool = False) -> dict:
    """Many-to-many collections changed in this flush, as sorted lists of names."""
    state = inspect(obj)
    changes = {}
    for rel in _many_to_many(obj):
        if deleted:
            items = state.dict.get(rel.key) or []
            if items:
                changes[rel.key] = [sorted(name_of(i) for i in items), []]
            continue
        hist = changes_of(obj, rel.key)
        if not hist.has_changes():
            continue
        kept = list(hist.unchanged or ())
        before = sorted(name_of(i) for i in kept + list(hist.deleted or ()))
        after = sorted(name_of(i) for i in kept + list(hist.added or ()))
        if new:
            before = []
        if before != after:
            changes[rel.key] = [before, after]
    return changes


def _empty(value) -> bool:
    # A blank text box saves "" where the row held NULL: nothing changed for a person.
    return value is None or value == ""


def field_changes(obj, *, new: bool = False, stored: dict | None = None) -> dict:
    """{field: [old, new]} for this flush; `stored`: the row as read before the flush."""
    state = inspect(obj)
    changes = {}
    for attr in state.mapper.column_attrs:
        if attr.key in IGNORED_FIELDS:
            continue
        if new:
            value = getattr(obj, attr.key)
            if not _empty(value) and attr.key != "id":
                changes[attr.key] = [None, plain(value)]
            continue
        hist = changes_of(obj, attr.key)
        if hist.has_changes():
            old = hist.deleted[0] if hist.deleted else NO_VALUE
            if old is NO_VALUE:
                old = (stored or {}).get(attr.key)
            new_value = hist.added[0] if hist.added else None
            if old != new_value and not (_empty(old) and _empty(new_value)):
                changes[attr.key] = [plain(old), plain(new_value)]
    changes.update(collection_changes(obj, new=new))
    return changes


def deleted_values(obj, *, load: bool = False) -> dict:
    """What a deleted record held: {field: [old, None]} (load: read expired values first)."""
    state = inspect(obj)
    values = {}
    for attr in state.mapper.column_attrs:
        value = getattr(obj, attr.key) if load else state.dict.get(attr.key)
        if attr.key not in IGNORED_FIELDS and not _empty(value):
            values[attr.key] = [plain(value), None]
    values.update(collection_changes(obj, deleted=True))
    return values


def record_name(obj) -> str:
    """ "Complaint CTS-2026-000001", "Internal review of CTS-2026-000001"."""
    noun = RECORD_NOUNS.get(type(obj).__name__, type(obj).__name__)
    text = str(obj)
    if text.lower().startswith(noun.lower()):
        return text
    return f"{noun} {text}"


def label(field: str) -> str:
    """A field in the team's words: "decision_maker_id" -> "Decision maker"."""
    if field in FIELD_LABELS:
        return FIELD_LABELS[field]
    base = field[:-3] if field.endswith("_id") else field
    if base in FIELD_LABELS:
        return FIELD_LABELS[base]
    return base.replace("_", " ").capitalize()


def _update_summary(changes: dict) -> str:
    return "Changed " + ", ".join(label(field).lower() for field in sorted(changes))


# --- notes ------------------------------------------------------------------------------


def pending_notes(session) -> list:
    """Notes a flush wants in the history besides field changes (e.g. why dues moved)."""
    return session.info.setdefault("history_notes", [])


def note(session, obj, action: str, summary: str, changes: dict | None = None) -> None:
    """Record a transition or event on `obj` at the next flush, with the fields it changed.

    The note's entry carries the object's field changes in that flush (the first note for an
    object does; later ones carry only their own `changes`), instead of a plain "update".
    """
    pending_notes(session).append((obj, action, summary, changes))


# --- the flush --------------------------------------------------------------------------


def stored_row(session, obj) -> dict:
    """The record's row as the database holds it before this flush: {field: value}."""
    mapper = inspect(obj).mapper
    attrs = [attr for attr in mapper.column_attrs if attr.key not in IGNORED_FIELDS]
    row = session.execute(
        select(*(attr.columns[0] for attr in attrs)).where(
            *(
                column == value
                for column, value in zip(mapper.primary_key, inspect(obj).identity, strict=True)
            )
        )
    ).one_or_none()
    return {} if row is None else {attr.key: value for attr, value in zip(attrs, row, strict=True)}


def _old_values_unknown(obj) -> bool:
    """A column set while expired, or a reference set while its key column is expired."""
    state = inspect(obj)
    if any(
        state.committed_state.get(attr.key, None) is NO_VALUE for attr in state.mapper.column_attrs
    ):
        return True
    for rel in state.mapper.relationships:
        if rel.direction is MANYTOONE and changes_of(obj, rel.key).has_changes():
            keys = {
                state.mapper.get_property_by_column(column).key for column in rel.local_columns
            }
            if keys & state.unloaded:
                return True
    return False


def before_flush(session) -> None:
    """Read what the flush is about to overwrite or delete, while the rows are still there.

    A changed record that was expired (committed, then changed) has no old values in
    memory: its stored row gives them. A deleted record is described as it stands.
    """
    stored = session.info.setdefault("history_stored", {})
    snapshots = session.info.setdefault("history_deleted", {})
    with session.no_autoflush:
        for obj in session.dirty:
            if audited(obj) and id(obj) not in stored and _old_values_unknown(obj):
                stored[id(obj)] = stored_row(session, obj)
        for obj in session.deleted:
            if audited(obj) and id(obj) not in snapshots:
                for rel in _many_to_many(obj):
                    getattr(obj, rel.key)
                snapshots[id(obj)] = (record_name(obj), deleted_values(obj, load=True))


def after_flush(session) -> None:
    rows = []
    # A command acting for an account (an import's --as) names it in session.info.
    user_id = session.info.get("acting_user_id") or current_user_id()
    at = utcnow()
    notes = pending_notes(session)
    session.info["history_notes"] = []
    snapshots = session.info.pop("history_deleted", {})
    stored = session.info.pop("history_stored", {})
    explicit = {id(obj) for obj, *_ in notes}

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
        if audited(obj):
            add(obj, "create", f"{record_name(obj)} created", field_changes(obj, new=True))
    for obj in session.dirty:
        if audited(obj) and id(obj) not in explicit:
            changes = field_changes(obj, stored=stored.get(id(obj)))
            if changes:
                add(obj, "update", _update_summary(changes), changes)
    for obj in session.deleted:
        if audited(obj):
            name, values = snapshots.get(id(obj)) or (
                f"{RECORD_NOUNS.get(type(obj).__name__, type(obj).__name__)} {obj.id}",
                deleted_values(obj),
            )
            add(obj, "delete", f"{name} deleted", values)
    merged = set()
    # Asked once: each asking builds the set afresh (one note per record of an import).
    new, deleted = session.new, session.deleted
    for obj, action, summary, changes in notes:
        recorded = {}
        if id(obj) not in merged and obj not in new and obj not in deleted:
            recorded = field_changes(obj, stored=stored.get(id(obj)))
            merged.add(id(obj))
        recorded.update(changes or {})
        add(obj, action, summary, recorded)
    if rows:
        session.connection().execute(HistoryEntry.__table__.insert(), rows)


def before_commit(session) -> None:
    """Notes on a record that has nothing to flush are written at commit all the same."""
    if session.info.get("history_notes") and not (session.new or session.dirty or session.deleted):
        after_flush(session)


def after_rollback(session) -> None:
    """A rolled-back change leaves no notes behind for the next flush."""
    for key in ("history_notes", "history_stored", "history_deleted"):
        session.info.pop(key, None)


# --- shown to people --------------------------------------------------------------------

FIELD_LABELS = {
    "received_at": "Received",
    "registered_at": "Registered",
    "acknowledged_at": "Acknowledged",
    "decided_at": "Decided",
    "finalised_at": "Finalised",
    "closed_at": "Closed",
    "paused_since": "Clock paused since",
    "registration_due_at": "Registration due",
    "acknowledgement_due_at": "Acknowledgement due",
    "resolution_due_at": "Resolution due",
    "review_request_due_at": "Internal review may be asked for until",
    "human_rights_commissioner_from": "May go to the Human Rights Commissioner from",
    "next_due_at": "Next due",
    "created_at": "Created",
    "manager": "Complaint manager",
    "decision_maker": "Decision maker",
    "outcome_sought": "Outcome sought",
    "outcome_reason": "Reasons for the outcome",
    "human_rights": "Human-rights aspect",
    "confidential": "Personal details not to be used",
    "referral_target": "Referred to",
    "subjects": "Staff complained about",
    "involved": "Staff involved before lodgement",
    "drafted_by": "Response drafted by (account)",
    "decided_by": "Decision recorded by (account)",
    "reported_at": "Reported",
    "first_response_at": "First response",
    "resolved_at": "Resolved",
    "first_response_due_at": "First response due",
    "requested_at": "Requested",
    "completed_at": "Completed",
    "due_at": "Due",
    "late_reason": "Reason a late request was accepted",
    "recorded_by": "Outcome recorded by (account)",
    "new_due_at": "New resolution due",
    "approved_by": "Approved by",
    "approved_at": "Approved",
    "complainant_told_at": "Complainant told",
    "body": "External body",
    "their_reference": "Their reference",
    "notified_at": "Notified",
    "participant": "Person",
    "last_login_at": "Last signed in",
    "level": "Classification level",
    "issues": "Issues raised",
    "systemic_issue": "Revealed a systemic issue",
    "root_cause": "Root cause",
    "made_by": "Made by",
    "made_at": "Made on",
    "recorded_at": "Recorded",
    "disposed_at": "Disposed of",
}

CHOICES = {
    **{(kind.record_type, "status"): kind.statuses for kind in kinds.KINDS},
    ("Complaint", "kind"): vocabulary.COMPLAINT_KINDS,
    ("Complaint", "classification"): vocabulary.CLASSIFICATIONS,
    ("Ticket", "severity"): vocabulary.TICKET_SEVERITIES,
    ("InternalReview", "outcome"): vocabulary.REVIEW_OUTCOMES,
    ("ExternalReview", "body"): vocabulary.EXTERNAL_BODIES,
    ("ExternalReview", "status"): vocabulary.EXTERNAL_REVIEW_STATUSES,
    ("Participant", "kind"): vocabulary.PARTICIPANT_KINDS,
}
NOTHING = "(none)"
# A confidential complainant, to whoever may not see who they are (the screens' words).
MASK = "Confidential complainant"


@functools.cache
def _model_named(record_type: str):
    """The mapper of the model of that name (looked up once per process: the history
    names a model in every entry, and the models are all mapped at import)."""
    for mapper in db.Model.registry.mappers:
        if mapper.class_.__name__ == record_type:
            return mapper
    return None


@functools.cache
def _model_of_table(table):
    for mapper in db.Model.registry.mappers:
        if mapper.local_table is table:
            return mapper.class_
    return None


class _Reader:
    """Stored values as people read them, for one page (related names looked up once)."""

    def __init__(self, session, timezone_name: str, hidden=lambda record: False):
        self.session = session
        self.tz = ZoneInfo(timezone_name)
        self.hidden = hidden
        self._names: dict[tuple, str] = {}

    def value(self, record_type: str, field: str, value) -> str:
        if isinstance(value, list):
            return ", ".join(str(v) for v in value) if value else NOTHING
        if value is None or value == "":
            return NOTHING
        choices = CHOICES.get((record_type, field))
        if choices is not None:
            return choices.get(value, str(value))
        mapper = _model_named(record_type)
        column = mapper.columns.get(field) if mapper is not None else None
        if column is None:
            return str(value)
        if isinstance(value, bool):
            return "Yes" if value else "No"
        if column.foreign_keys and field != "id":
            target = _model_of_table(next(iter(column.foreign_keys)).column.table)
            return self._name(target, value) if target is not None else str(value)
        if isinstance(column.type, UTCDateTime):
            return self._instant(value)
        python_type = _python_type(column)
        if python_type is date and isinstance(value, str):
            try:
                return date.fromisoformat(value).strftime("%d/%m/%Y")
            except ValueError:
                return value
        if python_type is time and isinstance(value, str):
            return value[:5]
        return str(value)

    def _instant(self, value) -> str:
        try:
            instant = datetime.fromisoformat(value) if isinstance(value, str) else value
        except ValueError:
            return str(value)
        if instant.tzinfo is None:
            instant = instant.replace(tzinfo=ZoneInfo("UTC"))
        return localtime.zoned_text(instant, self.tz.key)

    def read_named(self, entries) -> set:
        """Read at once every record the entries' changes name by key, one statement per
        kind of record (instead of one per record as each is shown); returns the
        participants named. `entries`: (record type, stored changes) pairs."""
        wanted: dict[type, set] = {}
        for record_type, text in entries:
            mapper = _model_named(record_type)
            if mapper is None or not text:
                continue
            try:
                stored = json.loads(text)
            except ValueError:
                continue
            if not isinstance(stored, dict):
                continue
            for field, pair in stored.items():
                column = mapper.columns.get(field)
                if column is None or not column.foreign_keys or field == "id":
                    continue
                target = _model_of_table(next(iter(column.foreign_keys)).column.table)
                values = pair if isinstance(pair, list) and len(pair) == 2 else [pair]
                keys = {v for v in values if isinstance(v, int) and not isinstance(v, bool)}
                if target is not None and keys:
                    wanted.setdefault(target, set()).update(keys)
        for model, keys in wanted.items():
            missing = [
                key
                for key in keys
                if self.session.identity_map.get(self.session.identity_key(model, key)) is None
            ]
            if missing:
                self.session.scalars(select(model).where(model.id.in_(missing))).all()
        return wanted.get(Participant, set())

    def _name(self, model, key) -> str:
        if (model, key) not in self._names:
            record = self.session.get(model, key)
            if record is None:
                self._names[model, key] = f"(record {key}, since deleted)"
            elif self.hidden(record):
                self._names[model, key] = MASK
            else:
                self._names[model, key] = name_of(record)
        return self._names[model, key]

    def changes(self, record_type: str, text: str | None) -> list[dict]:
        if not text:
            return []
        try:
            stored = json.loads(text)
        except ValueError:
            return [{"label": "Changes", "old": "", "new": text}]
        rows = []
        for field, pair in stored.items():
            old, new = pair if isinstance(pair, list) and len(pair) == 2 else (None, pair)
            rows.append(
                {
                    "label": label(field),
                    "old": self.value(record_type, field, old),
                    "new": self.value(record_type, field, new),
                }
            )
        return rows


def _python_type(column):
    try:
        return column.type.python_type
    except NotImplementedError:
        return None


def _records_of(record) -> dict[str, set]:
    """The record, and for a complaint its extensions, reviews and improvements: record
    type -> ids."""
    session = object_session(record)
    records = {type(record).__name__: {record.id}}
    if kinds.find_kind(record) is kinds.COMPLAINT:
        loaded = inspect(record).dict
        if all(name in loaded for name in case_contents.LISTED.values()):
            # Loaded already: no statement to ask.
            for model, name in case_contents.LISTED.items():
                ids = {related.id for related in loaded[name]}
                if ids:
                    records.setdefault(model.__name__, set()).update(ids)
            return records
        # One statement for the four kinds of related record, and whether the complaint
        # has any of the others its page lists (most have none): services/case_contents.
        found = case_contents.read(session, record)
        for record_type, ids in found.ids.items():
            records.setdefault(record_type, set()).update(ids)
    return records


def _confidential_complainant(record):
    """Who the record's complaint keeps confidential, if anyone (a participant id)."""
    complaint = kinds.complaint_of(record)
    if complaint is not None and complaint.confidential:
        return complaint.complainant_id
    return None


def explain_history(record, limit: int = 500, person_visible=None) -> list[dict]:
    """The record's history, newest first, as the details page shows it.

    person_visible(participant) -> bool says whom the reader may see named; without it, the
    complainant of a confidential complaint is masked for everyone.
    """
    session = object_session(record)
    if session is None or getattr(record, "id", None) is None:
        return []
    if person_visible is None:
        confidential = _confidential_complainant(record)

        def hidden(related):
            return isinstance(related, Participant) and related.id == confidential

    else:

        def hidden(related):
            return isinstance(related, Participant) and not person_visible(related)

    records = _records_of(record)
    entries = session.scalars(
        select(HistoryEntry)
        .where(
            or_(
                *(
                    (HistoryEntry.record_type == record_type) & HistoryEntry.record_id.in_(ids)
                    for record_type, ids in records.items()
                )
            )
        )
        .options(joinedload(HistoryEntry.user).joinedload(User.participant))
        .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
        .limit(limit)
    ).all()
    reader = _Reader(
        session, localtime.case_timezone(record, localtime.settings_in_force()), hidden
    )
    own_type = type(record).__name__
    return [
        {
            "when": reader._instant(entry.at),
            "who": str(entry.user) if entry.user is not None else "The system",
            "record": (
                ""
                if entry.record_type == own_type
                else RECORD_NOUNS.get(entry.record_type, entry.record_type)
            ),
            "action": entry.action,
            "summary": entry.summary,
            "changes": reader.changes(entry.record_type, entry.changes),
        }
        for entry in entries
    ]
