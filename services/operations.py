"""What an operator asks of a running portal: is it ready, and how is the work going.

Readiness: each check by name, passed or failed with a reason in words, never a secret
(no database address, no password, no exception text: that goes to the log). The counts
for the metrics: the outbox backlog and the overdue open cases by kind.
"""

import logging
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import cache
from pathlib import Path

from alembic.migration import MigrationContext
from alembic.script import ScriptDirectory
from sqlalchemy import func, select, text
from sqlalchemy.engine import Engine
from sqlalchemy.exc import SQLAlchemyError

from models import OutboundMessage, kinds

log = logging.getLogger(__name__)

# The outbox statuses that still need someone's attention, in the order they are reported.
BACKLOG_STATUSES = ("queued", "sending", "failed")
# Every kind of record a case is kept as: a complaint's kinds (compliment, suggestion...)
# each counted apart, then the other kinds of case.
CASE_KINDS = tuple(variant for kind in kinds.KINDS for variant in kind.variants)


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str


def database_check(engine: Engine) -> Check:
    try:
        with engine.connect() as connection:
            connection.execute(text("SELECT 1"))
    except SQLAlchemyError as error:
        log.warning("readiness: the database cannot be reached: %s", error)
        return Check("database", False, f"cannot be reached ({type(error).__name__})")
    return Check("database", True, "answers")


@cache
def migration_heads(migrations_directory: str) -> frozenset[str]:
    """The newest revisions the code knows (read once: probes come every few seconds)."""
    return frozenset(ScriptDirectory(migrations_directory).get_heads())


def migrations_check(engine: Engine, migrations_directory: str) -> Check:
    """The database's schema revision is the newest the code knows."""
    expected = migration_heads(migrations_directory)
    try:
        with engine.connect() as connection:
            current = set(MigrationContext.configure(connection).get_current_heads())
    except SQLAlchemyError as error:
        log.warning("readiness: the schema revision cannot be read: %s", error)
        return Check("migrations", False, "not checked: the database cannot be reached")
    if current == expected:
        return Check("migrations", True, f"at head ({', '.join(sorted(expected))})")
    found = ", ".join(sorted(current)) or "none"
    return Check(
        "migrations",
        False,
        f"the database is at {found}, the code expects {', '.join(sorted(expected))}: "
        "run `flask --app app db upgrade`",
    )


def folder_check(name: str, folder: Path) -> Check:
    """The folder exists (or can be made) and a file can be written to it and removed;
    for object storage, an object can be written and removed."""
    if not isinstance(folder, Path):
        probe = folder / f".ready-{uuid.uuid4().hex}"
        try:
            probe.write_bytes(b"ok")
            probe.unlink(missing_ok=True)
        except OSError as error:
            log.warning("readiness: %s storage %s is not writable: %s", name, folder, error)
            return Check(name, False, "object storage not writable (see the log)")
        return Check(name, True, "writable (object storage)")
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.NamedTemporaryFile(dir=folder, prefix=".ready-", delete=True) as probe:
            probe.write(b"ok")
            probe.flush()
    except OSError as error:
        log.warning("readiness: %s folder %s is not writable: %s", name, folder, error)
        return Check(name, False, f"not writable ({error.strerror or type(error).__name__})")
    return Check(name, True, "writable")


def readiness(engine: Engine, migrations_directory: str, attachment_folder: Path) -> list[Check]:
    return [
        database_check(engine),
        migrations_check(engine, migrations_directory),
        folder_check("attachments", attachment_folder),
    ]


def outbox_backlog(session, stuck_after_minutes: int, now: datetime) -> dict[str, int]:
    """Messages queued, sending and failed; and of those sending, the ones stuck."""
    counts = dict.fromkeys(BACKLOG_STATUSES, 0)
    rows = session.execute(
        select(OutboundMessage.status, func.count())
        .where(OutboundMessage.status.in_(BACKLOG_STATUSES))
        .group_by(OutboundMessage.status)
    )
    counts.update({status: count for status, count in rows})
    counts["stuck"] = session.execute(
        select(func.count()).where(
            OutboundMessage.status == "sending",
            OutboundMessage.claimed_at < now - timedelta(minutes=stuck_after_minutes),
        )
    ).scalar_one()
    return counts


def overdue_cases(session, now: datetime) -> dict[str, int]:
    """Open cases whose next due instant has passed, by kind (as the grids' Overdue filter)."""
    counts = dict.fromkeys(CASE_KINDS, 0)
    for kind in kinds.KINDS:
        model = kind.model
        overdue = (kind.overdue_condition(now),)
        if kind.variants != (kind.name,):
            # The one record keeps several kinds (complaints, compliments...): each apart.
            rows = session.execute(
                select(model.kind, func.count()).where(*overdue).group_by(model.kind)
            )
            counts.update({variant: count for variant, count in rows})
        else:
            counts[kind.name] = session.execute(
                select(func.count()).select_from(model).where(*overdue)
            ).scalar_one()
    return counts
