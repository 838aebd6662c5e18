"""A request killed between writing its files and saving leaves files no row names;
`flask attachments sweep` removes them, and only them: never a file a row names, never one
young enough to belong to a save under way."""

import os
from datetime import timedelta

from models import Attachment, db, utcnow
from services.intake import attachment_folder


def written(folder, name, minutes_ago, data=b"some bytes"):
    """A file as a save writes it, last modified `minutes_ago` before the suite's now."""
    path = folder / name
    path.write_bytes(data)
    when = (utcnow() - timedelta(minutes=minutes_ago)).timestamp()
    os.utime(path, (when, when))
    return path


def test_sweep_removes_only_old_files_no_record_names(app, make, runner, tmp_path):
    app.config["ATTACHMENT_FOLDER"] = str(tmp_path / "files")
    folder = attachment_folder(app)
    folder.mkdir()
    complaint = make.complaint()
    named = written(folder, "a" * 32, minutes_ago=600)
    db.session.add(
        Attachment(
            complaint=complaint,
            original_filename="letter.pdf",
            content_type="application/pdf",
            size=10,
            sha256="0" * 64,
            stored_name=named.name,
            uploaded_at=utcnow(),
        )
    )
    db.session.commit()
    left_behind = written(folder, "b" * 32, minutes_ago=600, data=b"x" * 2_000)
    being_saved = written(folder, "c" * 32, minutes_ago=5)

    listed = runner.invoke(args=["attachments", "sweep", "--dry-run"])
    assert listed.exit_code == 0, listed.output
    assert left_behind.name in listed.output and "Would remove 1 files" in listed.output
    assert named.name not in listed.output and being_saved.name not in listed.output
    assert left_behind.exists()

    swept = runner.invoke(args=["attachments", "sweep"])
    assert swept.exit_code == 0, swept.output
    assert "Removed 1 files no record names (2 KB)" in swept.output
    assert not left_behind.exists()
    assert named.exists() and being_saved.exists()

    # With a shorter grace period the young file goes too; the named one never does.
    swept = runner.invoke(args=["attachments", "sweep", "--older-than-minutes", "5"])
    assert "Removed 1 files" in swept.output
    assert not being_saved.exists() and named.exists()


def test_sweep_keeps_a_received_emails_raw_copy_and_refuses_a_tiny_grace(app, runner, tmp_path):
    from models import InboundMessage

    app.config["ATTACHMENT_FOLDER"] = str(tmp_path / "files")
    folder = attachment_folder(app)
    folder.mkdir()
    raw = written(folder, "d" * 32, minutes_ago=600)
    with app.app_context():
        db.session.add(
            InboundMessage(
                message_id="<kept@example.org>",
                mailbox="complaints",
                received_at=utcnow(),
                size=10,
                sha256="1" * 64,
                status="triage",
                raw_stored_name=raw.name,
            )
        )
        db.session.commit()
    assert "Removed 0 files" in runner.invoke(args=["attachments", "sweep"]).output
    assert raw.exists()
    refused = runner.invoke(args=["attachments", "sweep", "--older-than-minutes", "1"])
    assert refused.exit_code == 2 and "1 is not in the range x>=5" in refused.output


def test_sweep_of_a_folder_not_made_yet_removes_nothing(app, runner, tmp_path):
    app.config["ATTACHMENT_FOLDER"] = str(tmp_path / "never-made")
    result = runner.invoke(args=["attachments", "sweep"])
    assert result.exit_code == 0 and "Removed 0 files" in result.output
