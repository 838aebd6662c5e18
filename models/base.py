"""The column types every model shares; the SQLAlchemy handle and the declarative base are
made in extensions.py and imported from here by the models."""

from collections.abc import Callable, Sequence
from datetime import datetime, timezone

from sqlalchemy import DateTime, Integer, String, type_coerce
from sqlalchemy.orm import Mapped, declared_attr, mapped_column
from sqlalchemy.orm.attributes import PASSIVE_NO_INITIALIZE, History, get_history
from sqlalchemy.types import TypeDecorator, TypeEngine

from extensions import Base, db  # noqa: F401  (models import them from here)


def utcnow() -> datetime:
    return datetime.now(timezone.utc)


def changes_of(obj, name: str) -> History:
    """What this flush changes of one attribute: `inspect(obj).attrs[name].history`,
    without building the state of every attribute of the record first (the flush hooks ask
    a few attributes of each record, and an import flushes thousands of records)."""
    return get_history(obj, name, passive=PASSIVE_NO_INITIALIZE)


def pending_related(session, obj, relationship: str, foreign_key: str, model):
    """The related record as this flush would save it.

    A relationship set in this flush wins; else a foreign key set in this flush (loaded by
    id); else what is already there.
    """
    set_relationship = changes_of(obj, relationship)
    if set_relationship.has_changes():
        return set_relationship.added[0] if set_relationship.added else None
    set_key = changes_of(obj, foreign_key)
    if set_key.has_changes():
        key = set_key.added[0] if set_key.added else None
        return session.get(model, key) if key is not None else None
    return getattr(obj, relationship)


class UTCDateTime(TypeDecorator):
    """An instant: aware datetimes in, stored in UTC, aware UTC datetimes out.

    SQLite has no time zones, so the value is stored there as naive UTC.
    """

    impl = DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            raise ValueError("An instant must carry its time zone.")
        value = value.astimezone(timezone.utc)
        if dialect.name == "sqlite":
            return value.replace(tzinfo=None)
        return value

    def process_result_value(self, value, dialect):
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=timezone.utc)
        return value.astimezone(timezone.utc)


# Bulk statements over a register (recomputing due instants after a calendar change) read
# and write instants in the driver's own form, converted by one C call per value instead
# of SQLAlchemy's processing chain. Both give exactly what UTCDateTime reads and stores.


def raw_instant(column):
    """The column as the driver returns it: text on SQLite, an aware datetime on PostgreSQL."""
    return type_coerce(column, String) if column.type.__class__ is UTCDateTime else column


def instant_reader(dialect, positions: Sequence[int]) -> Callable[[Sequence], list]:
    """Turns a row of values, raw at `positions` (`raw_instant`), into a list where each
    non-null instant there is an aware UTC datetime."""
    if dialect.name == "sqlite":
        parse = datetime.fromisoformat

        def read(row):
            values = list(row)
            for i in positions:
                text = values[i]
                if text is not None:
                    # Stored as naive UTC text; parsing it with the offset beats .replace().
                    values[i] = parse(text + "+00:00")
            return values

        return read

    def read(row):
        # The driver's datetimes carry the connection's zone (a ZoneInfo, slow to compare
        # and hash): once in timezone.utc, each further use is cheap.
        values = list(row)
        for i in positions:
            instant = values[i]
            if instant is not None:
                values[i] = instant.astimezone(timezone.utc)
        return values

    return read


def instant_writer(dialect) -> tuple[TypeEngine, Callable[[datetime], object]]:
    """The bind type and the converter that store a non-null aware datetime as UTCDateTime
    does (on SQLite, SQLAlchemy's text form 'YYYY-MM-DD HH:MM:SS.ffffff' in UTC)."""
    if dialect.name == "sqlite":
        return String(), lambda value: value.astimezone(timezone.utc).isoformat(
            " ", "microseconds"
        )[:26]
    return DateTime(timezone=True), lambda value: value.astimezone(timezone.utc)


class Versioned:
    """A row version: an UPDATE that finds another version raises StaleDataError."""

    version: Mapped[int] = mapped_column(Integer, nullable=False, default=1)

    @declared_attr.directive
    def __mapper_args__(cls):
        return {"version_id_col": cls.__table__.c.version}
