"""`flask backup` takes a consistent copy of the database and the attachment files while
the portal is in use, and `flask restore` brings it back into an empty database: every
case acknowledged before the backup is there, with its history and its files."""

import hashlib
import os
import threading
import time

import pytest
from sqlalchemy import func, select

from models import Attachment, Complaint, Division, HistoryEntry, db
from rules.attachments import check_file
from services import intake
from tests.conftest import _app_on, scratch_postgres_database

PNG = b"\x89PNG\r\n\x1a\n" + bytes(64)


@pytest.fixture
def files(app, tmp_path):
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def intake_division(app, make, files):
    with app.app_context():
        db.session.add(Division(code="CS", name="Customer Services", calendar=make.calendar()))
        db.session.commit()


@pytest.fixture
def empty_database(database, tmp_path):
    """A new, empty database of the same kind as the test's."""
    if database.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'restored.sqlite3'}"
        return
    with scratch_postgres_database(f"portal_restore_test_{os.getpid()}") as url:
        yield url


def lodge(app, files, number):
    submission = intake.Submission(
        kind="complaint",
        summary=f"Counter closed, visit {number}",
        description="Nobody there.",
        token=f"{number:032d}",
    )
    name, content = f"photo{number}.png", PNG + number.to_bytes(4, "big")
    photo = intake.SentFile(name, content, check_file(name, content, 10**6))
    with app.app_context():
        return intake.lodge(db.session, submission, [photo], files, "CS").id


def test_a_backup_taken_under_write_load_restores_every_acknowledged_case(
    app, intake_division, files, tmp_path, empty_database
):
    acknowledged: list[int] = []
    stop = threading.Event()
    failures = []

    def writer(first):
        number = first
        while not stop.is_set():
            try:
                acknowledged.append(lodge(app, files, number))
            except Exception as error:  # noqa: BLE001 - reported below
                failures.append(error)
                return
            number += 3

    writers = [threading.Thread(target=writer, args=(i,)) for i in range(3)]
    for thread in writers:
        thread.start()
    try:
        while len(acknowledged) < 6 and not failures:
            time.sleep(0.05)
        before = set(acknowledged)
        result = app.test_cli_runner().invoke(args=["backup", "--to", str(tmp_path / "backups")])
        while len(acknowledged) < len(before) + 3 and not failures:
            time.sleep(0.05)  # and writing goes on after it
    finally:
        stop.set()
        for thread in writers:
            thread.join()
    assert not failures, failures
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Backed up ")
    (backup,) = (tmp_path / "backups").iterdir()

    with app.app_context():
        history_of = {
            case_id: db.session.scalar(
                select(func.count())
                .select_from(HistoryEntry)
                .filter_by(record_type="Complaint", record_id=case_id)
            )
            for case_id in before
        }

    restored_files = tmp_path / "restored-files"
    target = _app_on(empty_database, ATTACHMENT_FOLDER=str(restored_files))
    with target.app_context():  # the command runs in the app whose context is current
        result = target.test_cli_runner().invoke(args=["restore", str(backup)])
        assert result.exit_code == 0, result.output
        assert result.output.startswith("Restored ")
        restored = set(db.session.scalars(select(Complaint.id)))
        assert before <= restored
        for case_id in before:
            entries = db.session.scalar(
                select(func.count())
                .select_from(HistoryEntry)
                .filter_by(record_type="Complaint", record_id=case_id)
            )
            assert entries == history_of[case_id] > 0
        attachments = db.session.scalars(select(Attachment)).all()
        assert {a.complaint_id for a in attachments} == restored
        for attachment in attachments:
            content = (restored_files / attachment.stored_name).read_bytes()
            assert hashlib.sha256(content).hexdigest() == attachment.sha256
        db.session.remove()
        db.engine.dispose()


def test_a_restore_refuses_a_database_in_use_and_a_folder_that_is_not_a_backup(
    app, intake_division, files, tmp_path
):
    lodge(app, files, 1)
    runner = app.test_cli_runner()
    taken = runner.invoke(args=["backup", "--to", str(tmp_path / "backups")])
    assert taken.exit_code == 0, taken.output
    assert "1 complaints" in taken.output and "1 files" in taken.output
    (backup,) = (tmp_path / "backups").iterdir()

    refused = runner.invoke(args=["restore", str(backup)])
    assert refused.exit_code == 1
    assert "Not restored: The database is not empty" in refused.output
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1

    not_a_backup = tmp_path / "holiday-photos"
    not_a_backup.mkdir()
    refused = runner.invoke(args=["restore", str(not_a_backup)])
    assert refused.exit_code == 1 and "is not a backup" in refused.output
