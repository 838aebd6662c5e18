"""A consistent backup of the register: the database and the attachment files together.

The database is copied first, as one consistent snapshot (SQLite's online backup API;
`pg_dump`, which reads one snapshot, for PostgreSQL), then the attachment folder. Files
are written before the row naming them is committed and never changed afterwards, so
every file a row in the snapshot names is already on disk when the folder is copied: a
backup never holds a row without its file (it may hold a file no row names yet, which
`flask attachments sweep` removes after a restore).

`restore` brings a backup back into an empty database and an empty attachment folder,
and checks that every attachment and raw email the restored rows name has its file.
"""

import json
import os
import shutil
import sqlite3
import subprocess
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from sqlalchemy import func, inspect, select
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.orm import Session

from models import Attachment, Complaint, HistoryEntry, InboundMessage

MANIFEST = "manifest.json"
SQLITE_FILE = "database.sqlite3"
POSTGRES_FILE = "database.pgdump"
FILES = "attachments"


class BackupError(Exception):
    """Why a backup or a restore could not be done, in plain words."""


@dataclass(frozen=True)
class Summary:
    folder: Path
    database: str
    complaints: int
    history_entries: int
    files: int
    bytes: int


def _backend(engine: Engine) -> str:
    name = engine.url.get_backend_name()
    if name not in ("sqlite", "postgresql"):
        raise BackupError(f"Backups are made of SQLite and PostgreSQL databases, not {name}.")
    return name


def _sqlite_path(engine: Engine) -> Path:
    database = engine.url.database
    if not database or database == ":memory:":
        raise BackupError("The database is held in memory: there is no file to back up.")
    return Path(database)


def _libpq(engine: Engine) -> tuple[str, dict]:
    """A connection address pg_dump understands, and its password kept out of the
    command line (where other users of the machine could read it)."""
    url = make_url(str(engine.url.render_as_string(hide_password=False)))
    env = {}
    if url.password:
        env["PGPASSWORD"] = url.password
    plain = url.set(drivername="postgresql", password=None)
    return plain.render_as_string(hide_password=False), env


def _run(command: list[str], env: dict, what: str) -> None:
    try:
        done = subprocess.run(
            command, env={**os.environ, **env}, capture_output=True, text=True, check=False
        )
    except FileNotFoundError:
        raise BackupError(
            f"{command[0]} is not installed: install PostgreSQL's client programs "
            "(Debian: postgresql-client) of the server's version."
        ) from None
    if done.returncode != 0:
        raise BackupError(f"{what} failed: {done.stderr.strip() or done.stdout.strip()}")


def _counts(reader) -> tuple[int, int]:
    """Complaints and history entries, through a session or a connection."""
    complaints = reader.scalar(select(func.count()).select_from(Complaint))
    history = reader.scalar(select(func.count()).select_from(HistoryEntry))
    return complaints, history


def _revision(engine: Engine) -> str | None:
    with engine.connect() as connection:
        if "alembic_version" not in inspect(connection).get_table_names():
            return None
        return connection.exec_driver_sql("SELECT version_num FROM alembic_version").scalar()


def take(engine: Engine, attachments: Path, into: Path, now: datetime) -> Summary:
    """Write a backup folder under `into`; returns its Summary."""
    backend = _backend(engine)
    into.mkdir(parents=True, exist_ok=True)
    folder = into / f"backup-{now:%Y%m%dT%H%M%S}Z"
    suffix = 1
    while folder.exists():
        suffix += 1
        folder = into / f"backup-{now:%Y%m%dT%H%M%S}Z-{suffix}"
    folder.mkdir()
    try:
        if backend == "sqlite":
            source = sqlite3.connect(_sqlite_path(engine))
            target = sqlite3.connect(folder / SQLITE_FILE)
            try:
                with target:
                    source.backup(target)  # one step: one consistent snapshot
            finally:
                target.close()
                source.close()
            snapshot = f"sqlite:///{folder / SQLITE_FILE}"
        else:
            # The counts and the dump read one snapshot: the transaction exports it and
            # pg_dump reads through it, so the manifest says exactly what the dump holds.
            address, env = _libpq(engine)
            with engine.connect().execution_options(
                isolation_level="REPEATABLE READ"
            ) as connection:
                exported = connection.exec_driver_sql("SELECT pg_export_snapshot()").scalar()
                complaints, history = _counts(connection)
                _run(
                    [
                        "pg_dump",
                        "--format=custom",
                        "--no-owner",
                        "--no-privileges",
                        f"--snapshot={exported}",
                        "--file",
                        str(folder / POSTGRES_FILE),
                        "--dbname",
                        address,
                    ],
                    env,
                    "pg_dump",
                )
                connection.rollback()
            snapshot = None
        # Files after the snapshot: every file its rows name is on disk by now.
        copied, size = _copy_files(attachments, folder / FILES)
        if snapshot:
            complaints, history = _snapshot_counts(snapshot)
        manifest = {
            "taken_at": now.isoformat(),
            "database": backend,
            "revision": _revision(engine),
            "complaints": complaints,
            "history_entries": history,
            "files": copied,
            "bytes": size,
        }
        (folder / MANIFEST).write_text(json.dumps(manifest, indent=2) + "\n")
    except BaseException:
        shutil.rmtree(folder, ignore_errors=True)  # never a half-made backup left to trust
        raise
    return Summary(folder, backend, complaints, history, copied, size)


def _snapshot_counts(url: str) -> tuple[int, int]:
    from sqlalchemy import create_engine

    engine = create_engine(url)
    try:
        with Session(engine) as session:
            return _counts(session)
    finally:
        engine.dispose()


def _copy_files(source: Path, target: Path) -> tuple[int, int]:
    target.mkdir(parents=True, exist_ok=True)
    count = size = 0
    if not source.is_dir():
        return 0, 0
    for path in sorted(source.iterdir(), key=lambda p: p.name):
        if isinstance(path, Path) and isinstance(target, Path):
            if path.is_file():
                shutil.copy2(path, target / path.name)
                count += 1
                size += path.stat().st_size
            continue
        # Object storage on either side (services/storage.py): copied by its bytes.
        data = path.read_bytes()
        (target / path.name).write_bytes(data)
        count += 1
        size += len(data)
    return count, size


def read_manifest(folder: Path) -> dict:
    try:
        return json.loads((folder / MANIFEST).read_text())
    except FileNotFoundError:
        raise BackupError(f"{folder} is not a backup: it has no {MANIFEST}.") from None
    except ValueError:
        raise BackupError(f"{folder / MANIFEST} is damaged: it is not JSON.") from None


def restore(engine: Engine, backup: Path, attachments: Path) -> Summary:
    """Bring `backup` back into the (empty) database and (empty) attachment folder."""
    manifest = read_manifest(backup)
    backend = _backend(engine)
    if manifest.get("database") != backend:
        raise BackupError(
            f"This backup is of a {manifest.get('database')} database; the portal is "
            f"configured for {backend}."
        )
    with engine.connect() as connection:
        tables = inspect(connection).get_table_names()
    if tables:
        raise BackupError(
            f"The database is not empty ({len(tables)} tables): restore only into a new, "
            "empty database, so that nothing in it is overwritten."
        )
    if attachments.exists() and next(iter(attachments.iterdir()), None) is not None:
        raise BackupError(
            f"The attachment folder {attachments} is not empty: restore into an empty one."
        )
    if backend == "sqlite":
        engine.dispose()
        source = sqlite3.connect(backup / SQLITE_FILE)
        target = sqlite3.connect(_sqlite_path(engine))
        try:
            with target:
                source.backup(target)
        finally:
            target.close()
            source.close()
    else:
        address, env = _libpq(engine)
        _run(
            [
                "pg_restore",
                "--no-owner",
                "--no-privileges",
                "--exit-on-error",
                "--single-transaction",
                "--dbname",
                address,
                str(backup / POSTGRES_FILE),
            ],
            env,
            "pg_restore",
        )
    copied, size = _copy_files(backup / FILES, attachments)
    with Session(engine) as session:
        missing = _missing_files(session, attachments)
        complaints, history = _counts(session)
    if missing:
        raise BackupError(
            f"Restored, but {len(missing)} files the records name are not in the backup: "
            + ", ".join(sorted(missing)[:10])
        )
    return Summary(attachments, backend, complaints, history, copied, size)


def _missing_files(session, folder: Path) -> set[str]:
    named = set(session.scalars(select(Attachment.stored_name)))
    named |= {n for n in session.scalars(select(InboundMessage.raw_stored_name)) if n}
    return {name for name in named if not (folder / name).is_file()}
