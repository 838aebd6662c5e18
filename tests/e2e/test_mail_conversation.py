"""A whole conversation by email, through real parts: a member of the public writes to the
complaints mailbox (a private dovecot), `flask mail fetch` makes the complaint; the
coordinator finds the email on the case's timeline and replies from the case in the
browser; `flask mail send-due` sends the reply to a real SMTP server (aiosmtpd); the
complainant answers it from their mail program, and the next fetch files the answer on the
case's timeline and resumes the clock that was waiting on them.
"""

import json
import re
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid
from types import SimpleNamespace

import pytest

from models import utcnow
from tests.e2e.conftest import PASSWORD, _people, serving
from tests.imap_server import imap_server  # noqa: F401  (a fixture)

pytestmark = pytest.mark.e2e

SENDER = "Customer Complaints <complaints@example.gov.au>"
PUBLIC = "robin.writer@example.com"


@pytest.fixture
def live_server(database, mailbox, imap_server, tmp_path):  # noqa: F811
    """The portal served from a thread, reading one IMAP mailbox and sending through the
    local SMTP server."""
    from app import create_app
    from models import db
    from seed import reference

    account = imap_server.account("complaints")
    imap_server.append(account, b"From: setup@example.com\r\n\r\nThe mailbox exists.\r\n")
    client = imap_server.connect(account)
    client.select("INBOX")
    client.store("1:*", "+FLAGS", "(\\Seen)")
    client.logout()
    app = create_app(
        {
            "DATABASE_URL": database,
            "SECRET_KEY": "browser-tests-only",
            "RATELIMIT_ENABLED": False,
            "ATTACHMENT_FOLDER": str(tmp_path / "attachments"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": mailbox.port,
            "MAIL_FROM": SENDER,
            "PUBLIC_INTAKE_DIVISION": "CS",
            "MAIL_IN_MAILBOXES": json.dumps(
                [
                    {
                        "name": "complaints",
                        "creates": "complaint",
                        "host": imap_server.host,
                        "port": imap_server.port,
                        "use_ssl": False,
                        "use_starttls": False,
                        "username": account.username,
                        "password": account.password,
                    }
                ]
            ),
        }
    )
    with app.app_context():
        reference.load()
        _people()
        db.session.remove()
    with serving(app) as url:
        yield SimpleNamespace(url=url, app=app, imap=imap_server, account=account)


def flask(live_server, *args) -> str:
    result = live_server.app.test_cli_runner().invoke(args=list(args))
    assert result.exit_code == 0, result.output
    return result.output


def email_from_the_public(subject, body, **headers) -> bytes:
    message = EmailMessage()
    message["From"] = f"Robin Writer <{PUBLIC}>"
    message["To"] = "complaints@example.gov.au"
    message["Subject"] = subject
    message["Date"] = format_datetime(utcnow())
    message["Message-ID"] = make_msgid(domain="example.com")
    for name, value in headers.items():
        message[name.replace("_", "-")] = value
    message.set_content(body)
    return message.as_bytes()


def words(text: str) -> str:
    return " ".join(text.split())


def test_an_email_becomes_a_case_the_officer_replies_and_the_answer_resumes_its_clock(
    page, live_server, mailbox
):
    from models import Complaint, Participant, User, db
    from services import steps

    # 1. The public writes in; the fetch makes a complaint of it.
    live_server.imap.append(
        live_server.account,
        email_from_the_public(
            "Bins not collected for three weeks",
            "The bins in Wattle Street have not been collected since the start of the month.",
        ),
    )
    assert "new cases 1" in flask(live_server, "mail", "fetch")
    with live_server.app.app_context():
        complaint = db.session.scalar(db.select(Complaint))
        reference = complaint.reference
        assert complaint.complainant.email == PUBLIC
        # The coordinator registers it and puts it on hold, waiting on the complainant.
        coordinator = db.session.scalar(db.select(User).filter_by(username="coord"))
        actor = steps.actor_of(coordinator)
        steps.COMPLAINT_STEPS.take("register", complaint, {}, actor, utcnow())
        db.session.commit()
        steps.COMPLAINT_STEPS.take("wait_on_complainant", complaint, {}, actor, utcnow())
        db.session.commit()
        assert complaint.status == "awaiting_complainant"
        complaint_id = complaint.id
        assert db.session.scalar(db.select(Participant).filter_by(email=PUBLIC)) is not None
        db.session.remove()
    flask(live_server, "mail", "send-due")  # the registration email
    mailbox.received.clear()

    # 2. The coordinator reads the email on the case's timeline and replies from the case.
    page.goto(live_server.url + "/login")
    page.get_by_label("Username").fill("coord")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/"))
    page.goto(live_server.url + f"/admin/complaint/details/?id={complaint_id}")
    timeline = words(page.inner_text("section[aria-labelledby=timeline-heading]"))
    assert "Bins not collected for three weeks" in timeline
    assert "have not been collected since the start of the month" in timeline
    page.locator("a.reply-link").click()
    page.fill("#body", "Could you tell us which days the bins were put out? Reply to this email.")
    page.get_by_role("button", name="Queue the reply").click()
    page.wait_for_url(re.compile(r"/admin/complaint/details/"))

    # 3. Cron sends it; it threads and carries the reference.
    assert "Sent: 1;" in flask(live_server, "mail", "send-due")
    (reply,) = mailbox.to(PUBLIC)
    assert reference in reply["Subject"]
    assert "which days the bins were put out" in reply.get_content()

    # 4. The complainant answers from their mail program; the next fetch files it.
    live_server.imap.append(
        live_server.account,
        email_from_the_public(
            "Re: " + reply["Subject"],
            "They were out every Monday night.",
            In_Reply_To=reply["Message-ID"],
            References=reply["Message-ID"],
        ),
    )
    assert "filed on cases 1" in flask(live_server, "mail", "fetch")

    page.reload()
    timeline = words(page.inner_text("section[aria-labelledby=timeline-heading]"))
    assert "They were out every Monday night." in timeline
    assert "Could you tell us which days the bins were put out?" in timeline
    with live_server.app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        assert complaint.status == "registered" and complaint.paused_since is None
        db.session.remove()
