"""The names the complaints grid sorts by, kept on each complaint: its category's and its
division's. Sorting a million complaints by a joined name read and sorted every one of
them (seconds); the kept names are read in order from an index.

A flush that saves a complaint sets them from its category and division, whichever door
saved it; a flush that renames a category or a division writes the new name onto its
complaints in one statement.
"""

from sqlalchemy import update

from models import Category, Complaint, Division, changes_of, pending_related

# The kept name, the relationship it follows, its foreign key, the named model.
KEPT = (
    ("category_name", "category", "category_id", Category),
    ("division_name", "division", "division_id", Division),
)


def before_flush(session) -> None:
    with session.no_autoflush:
        for objects, new in ((session.new, True), (session.dirty, False)):
            for obj in objects:
                if isinstance(obj, Complaint):
                    _keep_names(session, obj, new)
        for obj in session.dirty:
            for name, _, key, model in KEPT:
                if isinstance(obj, model) and changes_of(obj, "name").has_changes():
                    table = Complaint.__table__
                    session.connection().execute(
                        update(table).where(table.c[key] == obj.id).values({name: obj.name})
                    )


def _keep_names(session, complaint, new: bool) -> None:
    for name, relation, key, model in KEPT:
        chosen = (
            changes_of(complaint, relation).has_changes()
            or changes_of(complaint, key).has_changes()
        )
        if new or chosen:
            related = pending_related(session, complaint, relation, key, model)
            wanted = related.name if related is not None else None
            if getattr(complaint, name) != wanted:
                setattr(complaint, name, wanted)
