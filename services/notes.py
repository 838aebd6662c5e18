"""A case's notes and contact log, whatever the door: the case page, the API, a script.

Every save is judged in the flush (rules/notes.py): a new entry must say what it must, a
recorded one is never changed or deleted (a correction is a new entry pointing at it). The
case page and the API read the entries through `entries_of`.
"""

from datetime import datetime

from sqlalchemy import delete, inspect, select
from sqlalchemy.orm import joinedload

from models import CaseNote, User, kinds, utcnow
from rules import notes
from rules.errors import RuleViolation

from . import localtime

# The case column each kind of case is filed under.
CASE_COLUMNS = {kind.model: f"{kind.name}_id" for kind in kinds.KINDS}


def case_key(note: CaseNote) -> tuple[str, int | None]:
    for column in CASE_COLUMNS.values():
        value = getattr(note, column)
        if value is None:
            relation = getattr(note, column.removesuffix("_id"))
            value = relation.id if relation is not None else None
        if value is not None:
            return column, value
    return "", None


def add(
    session,
    case,
    user: User | None,
    *,
    kind: str,
    summary: str,
    happened_at: datetime | None = None,
    with_whom: str | None = None,
    shared: bool = False,
    corrects: CaseNote | None = None,
) -> CaseNote:
    """A new entry on the case, judged before it is added (and again in the flush)."""
    column = CASE_COLUMNS.get(type(case))
    if column is None:
        raise RuleViolation("Notes are kept on complaints, tickets and internal reviews.")
    note = CaseNote(
        kind=kind,
        summary=(summary or "").strip(),
        happened_at=happened_at if kind in notes.CONTACTS else None,
        with_whom=((with_whom or "").strip() or None) if kind in notes.CONTACTS else None,
        shared=bool(shared),
        corrects=corrects,
        user=user,
        recorded_at=utcnow(),
    )
    setattr(note, column.removesuffix("_id"), case)
    _judge(note)
    session.add(note)
    return note


def before_flush(session) -> None:
    gone = {}
    for obj in session.deleted:
        column = CASE_COLUMNS.get(type(obj))
        if column is not None and obj.id is not None:
            gone.setdefault(column, []).append(obj.id)
    for obj in session.deleted:
        if isinstance(obj, CaseNote) and case_key(obj) not in {
            (column, case_id) for column, ids in gone.items() for case_id in ids
        }:
            raise RuleViolation(notes.NEVER_DELETED)
    # A case deleted (an administrator's) takes its file with it, on every database.
    for column, ids in gone.items():
        session.execute(delete(CaseNote).where(getattr(CaseNote, column).in_(ids)))
    for obj in session.dirty:
        if isinstance(obj, CaseNote) and session.is_modified(obj, include_collections=False):
            raise RuleViolation(notes.NEVER_EDITED)
    for obj in session.new:
        if isinstance(obj, CaseNote):
            _judge(obj)


def _judge(note: CaseNote) -> None:
    same = True
    if note.corrects is not None:
        same = case_key(note.corrects) == case_key(note)
    found = notes.problems(
        note.kind,
        note.summary,
        note.happened_at,
        note.with_whom,
        utcnow(),
        same_case_as_corrected=same,
    )
    if not case_key(note)[0]:
        found.append("A note belongs to a complaint, a ticket or an internal review.")
    if found:
        raise RuleViolation("\n".join(found))


def entry_of_case(session, case, entry_id: int | None) -> CaseNote | None:
    """The entry with this id in the case's own file (None: no such entry there)."""
    column = CASE_COLUMNS.get(type(case))
    if entry_id is None or column is None:
        return None
    return session.scalar(
        select(CaseNote).where(CaseNote.id == entry_id, getattr(CaseNote, column) == case.id)
    )


def entries_of(case) -> list[dict]:
    """The case's entries, newest first, as the case page and the API show them."""
    session = inspect(case).session
    column = CASE_COLUMNS.get(type(case))
    if session is None or column is None or case.id is None:
        return []
    case_notes = session.scalars(
        select(CaseNote)
        .where(getattr(CaseNote, column) == case.id)
        .options(joinedload(CaseNote.user).joinedload(User.participant))
        .order_by(CaseNote.recorded_at.desc(), CaseNote.id.desc())
    ).all()
    zone = localtime.case_timezone(case, localtime.settings_in_force())
    corrected_by: dict[int, list[int]] = {}
    for note in case_notes:
        if note.corrects_id is not None:
            corrected_by.setdefault(note.corrects_id, []).append(note.id)
    return [entry(note, zone, corrected_by.get(note.id, [])) for note in case_notes]


def entry(note: CaseNote, zone: str, corrected_by=()) -> dict:
    """One entry as the case page and the API show it, in the case's zone."""
    return {
        "id": note.id,
        "kind": note.kind,
        "kind_label": notes.ALL_KINDS.get(note.kind, note.kind),
        "contact": note.kind in notes.CONTACTS,
        "happened_at": note.happened_at,
        "happened": localtime.zoned_text(note.happened_at, zone),
        "with_whom": note.with_whom or "",
        "summary": note.summary,
        "shared": note.shared,
        "corrects_id": note.corrects_id,
        "corrected_by": sorted(corrected_by),
        "by": str(note.user) if note.user is not None else "The system",
        "recorded_at": note.recorded_at,
        "recorded": localtime.zoned_text(note.recorded_at, zone),
    }
