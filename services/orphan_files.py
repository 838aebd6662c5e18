"""Files in the attachment folder that no row names: what a request killed between writing
its files and committing leaves behind (the files are written first, so that a committed
row always has its file).

A file is an orphan only when no attachment and no received message names it and it is
older than a grace period, so that a lodgement or an email being saved right now (files
written, commit not yet done) is never touched.
"""

from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from sqlalchemy import select

from models import Attachment, InboundMessage, utcnow

# Names looked up in the database at a time.
CHUNK = 500
DEFAULT_GRACE = timedelta(hours=1)


@dataclass(frozen=True)
class Orphan:
    path: Path
    size: int
    modified: datetime


def _old_enough(folder: Path, before: datetime) -> Iterator[Orphan]:
    if not folder.is_dir():
        return
    for path in folder.iterdir():
        try:
            stat = path.stat()
        except FileNotFoundError:
            continue  # removed meanwhile
        if isinstance(path, Path) and not path.is_file():
            continue  # a folder (object storage holds only files)
        modified = datetime.fromtimestamp(stat.st_mtime).astimezone()
        if modified < before:
            yield Orphan(path, stat.st_size, modified)


def _named(session, names: list[str]) -> set[str]:
    attachments = session.scalars(
        select(Attachment.stored_name).where(Attachment.stored_name.in_(names))
    )
    raw = session.scalars(
        select(InboundMessage.raw_stored_name).where(InboundMessage.raw_stored_name.in_(names))
    )
    return set(attachments) | set(raw)


def orphans(
    session, folder: Path, grace: timedelta = DEFAULT_GRACE, now: datetime | None = None
) -> list[Orphan]:
    """The files of the folder older than `grace` that no row names, oldest first."""
    before = (now or utcnow()) - grace
    found: list[Orphan] = []
    batch: list[Orphan] = []

    def check():
        named = _named(session, [o.path.name for o in batch])
        found.extend(o for o in batch if o.path.name not in named)
        batch.clear()

    for candidate in _old_enough(folder, before):
        batch.append(candidate)
        if len(batch) >= CHUNK:
            check()
    if batch:
        check()
    return sorted(found, key=lambda o: (o.modified, o.path.name))


def sweep(session, folder: Path, grace: timedelta = DEFAULT_GRACE, now=None) -> list[Orphan]:
    """Remove the orphans; each is checked again just before it goes, so that a file named
    by a row committed meanwhile stays. Returns what was removed."""
    removed = []
    for orphan in orphans(session, folder, grace, now):
        session.rollback()  # a fresh look at what is committed
        if _named(session, [orphan.path.name]):
            continue
        orphan.path.unlink(missing_ok=True)
        removed.append(orphan)
    session.rollback()
    return removed
