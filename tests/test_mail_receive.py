"""`flask mail receive`: one message on standard input, as a mail server pipes it; one line
out; exit 0 whenever it was stored (also a duplicate or quarantined), 75 only when not."""

import os
import subprocess
import sys
from pathlib import Path

from sqlalchemy import func, select

from models import Complaint, InboundMessage, db
from tests import mail_in_world
from tests.mail_samples import plain_message

fixed_now = mail_in_world.fixed_now
folder = mail_in_world.folder
intake = mail_in_world.intake

ROOT = Path(__file__).resolve().parent.parent


def test_a_piped_message_becomes_a_complaint_and_the_command_says_so(
    app, runner, intake, folder, fixed_now
):
    result = runner.invoke(args=["mail", "receive"], input=plain_message())
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Became a new case CTS-")
    assert "<first.1@example.org>" in result.output
    with app.app_context():
        row = db.session.scalar(select(InboundMessage))
        assert (row.mailbox, row.status) == ("pipe", "created")


def test_the_same_message_piped_twice_exits_zero_and_says_it_was_received_already(
    app, runner, intake, folder, fixed_now
):
    runner.invoke(args=["mail", "receive"], input=plain_message())
    again = runner.invoke(args=["mail", "receive"], input=plain_message())
    assert again.exit_code == 0
    assert again.output.strip() == "Already received: <first.1@example.org>."
    with app.app_context():
        assert db.session.scalar(select(func.count(Complaint.id))) == 1


def test_garbage_is_quarantined_and_the_mail_server_is_still_told_it_was_taken(
    app, runner, intake, folder, fixed_now
):
    app.config["MAIL_IN_MAX_BYTES"] = 100
    result = runner.invoke(args=["mail", "receive"], input=plain_message())
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Quarantined: <sha256.")


def test_a_named_mailbox_decides_what_new_mail_becomes(app, runner, make, folder, fixed_now):
    app.config["MAIL_IN_MAILBOXES"] = [
        {"name": "complaints", "creates": "complaint"},
        {"name": "helpdesk", "creates": "ticket"},
    ]
    with app.app_context():
        mail_in_world.client_with_contact(make, domain="example.org")
    result = runner.invoke(
        args=["mail", "receive", "--mailbox", "helpdesk"], input=plain_message()
    )
    assert result.exit_code == 0, result.output
    assert result.output.startswith("Became a new case TKT-")


def test_an_unknown_mailbox_stores_nothing_and_asks_the_server_to_try_again(
    app, runner, intake, folder
):
    app.config["MAIL_IN_MAILBOXES"] = '[{"name": "complaints", "creates": "complaint"}]'
    result = runner.invoke(args=["mail", "receive", "--mailbox", "sales"], input=plain_message())
    assert result.exit_code == 75
    assert "There is no mailbox called sales in MAIL_IN_MAILBOXES (complaints)." in result.output
    with app.app_context():
        assert db.session.scalar(select(func.count(InboundMessage.id))) == 0


def test_bad_mailbox_settings_are_refused_in_words(app, runner, intake, folder):
    app.config["MAIL_IN_MAILBOXES"] = '[{"name": "complaints", "creates": "letters"}]'
    result = runner.invoke(args=["mail", "receive"], input=plain_message())
    assert result.exit_code == 75
    assert 'MAIL_IN_MAILBOXES: mailbox 1 creates \'letters\'; write "complaint" or "ticket".' in (
        result.output
    )


def test_a_mail_server_pipes_a_message_into_the_real_command(app, database, intake, folder):
    environment = {
        **os.environ,
        "DATABASE_URL": database,
        "ATTACHMENT_FOLDER": str(folder),
        "PUBLIC_INTAKE_DIVISION": "CS",
        "MAIL_FROM": "complaints@complaints.example.gov.au",
        "SECRET_KEY": "tests-only",
    }
    environment.pop("PORTAL_TEST_NOW", None)
    done = subprocess.run(
        [sys.executable, "-m", "flask", "--app", "app", "mail", "receive"],
        input=plain_message(message_id="<piped.1@example.org>"),
        capture_output=True,
        cwd=ROOT,
        env=environment,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr.decode()
    assert done.stdout.decode().startswith("Became a new case CTS-")
    with app.app_context():
        row = db.session.scalar(
            select(InboundMessage).where(InboundMessage.message_id == "<piped.1@example.org>")
        )
        assert row.status == "created" and row.complaint.division.code == "CS"
