"""A member of the public lodges a complaint in the browser and receives the registration
email from a real SMTP server on localhost (aiosmtpd), sent by the code `flask mail
send-due` runs from cron; the email carries the reference and the dates the confirmation
page promised; a coordinator finds the case in the grid and its history records the email.
Lodged anonymously, nothing is sent, and the outbox and the history say why.

Runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL too.
"""

import re
from types import SimpleNamespace

import pytest

from tests.e2e.conftest import PASSWORD, _people, off_site, serving

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REFERENCE = re.compile(r"CTS-\d{4}-\d{6}")
DAY = r"(\w+day \d{1,2} \w+ \d{4})"
SENDER = "Customer Complaints <complaints@example.gov.au>"


@pytest.fixture
def live_server(database, mailbox, tmp_path):
    """The portal served from a thread on the test's database, writing to the local SMTP
    server; what a browser test of a whole run from the public to the register needs."""
    from app import create_app
    from models import db
    from seed import reference

    app = create_app(
        {
            "DATABASE_URL": database,
            "SECRET_KEY": "browser-tests-only",
            "RATELIMIT_ENABLED": False,
            "ATTACHMENT_FOLDER": str(tmp_path / "attachments"),
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": mailbox.port,
            "MAIL_FROM": SENDER,
        }
    )
    with app.app_context():
        reference.load()
        _people()
        db.session.remove()
    with serving(app) as url:
        yield SimpleNamespace(url=url, app=app)


def send_due(live_server) -> str:
    """What cron runs: `flask mail send-due`, on the live server's database."""
    result = live_server.app.test_cli_runner().invoke(args=["mail", "send-due"])
    assert result.exit_code == 0, result.output
    return result.output


def words(text: str) -> str:
    return " ".join(text.split())


def lodge(page, live_server, *, anonymous=False):
    page.goto(live_server.url + "/lodge/")
    page.click("label[for=kind-0]")  # a complaint
    page.fill("#summary", "Waited two hours at the counter")
    page.fill("#description", "Nobody explained the delay, and the queue did not move.")
    page.fill("#outcome_sought", "An explanation and an apology.")
    page.click("label[for=human_rights-1]")  # no
    if anonymous:
        page.click("label[for=anonymous]")
    else:
        page.fill("#given_name", "Robin")
        page.fill("#family_name", "Mailer")
        page.fill("#email", "robin.mailer@example.com")
        page.click("label[for=consent-0]")  # my details may be used
        page.set_input_files(
            "#attachments",
            files=[{"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PDF}],
        )
    page.get_by_role("button", name="Send").click()
    page.wait_for_url(re.compile(r"/lodge/received$"))
    return REFERENCE.search(page.inner_text("#reference")).group(0), words(page.inner_text("main"))


def sign_in_as_coordinator(page, live_server):
    page.goto(live_server.url + "/login")
    page.get_by_label("Username").fill("coord")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/"))


def open_from_the_grid(page, live_server, reference):
    """Search the complaints grid for the reference; open its one row's details."""
    page.goto(live_server.url + "/admin/complaint/?search=" + reference)
    rows = page.locator("table.model-list tr", has=page.locator("td.col-reference"))
    assert rows.count() == 1
    assert rows.first.locator("td.col-reference").inner_text().strip() == reference
    grid_row = rows.first.inner_text()
    rows.first.locator("a[title='View Record']").click()
    return grid_row, words(page.inner_text("section[aria-labelledby=timeline-heading]"))


def test_a_lodged_complaint_is_emailed_to_its_complainant_and_found_by_the_coordinator(
    page, live_server, mailbox
):
    reference, confirmation = lodge(page, live_server)
    registration = re.search(r"in our register within [^,]+, by " + DAY, confirmation).group(1)
    acknowledgement = re.search(r"acknowledge your complaint by " + DAY, confirmation).group(1)
    response = re.search(r"give you our response by " + DAY, confirmation).group(1)
    assert "We are emailing your reference number and the dates below to " in confirmation
    assert "to robin.mailer@example.com." in confirmation
    assert mailbox.received == []  # queued, not yet sent: cron sends it

    assert "Sent: 1;" in send_due(live_server)
    (message,) = mailbox.to("robin.mailer@example.com")
    assert message["To"] == "Robin Mailer <robin.mailer@example.com>"
    assert message["From"] == SENDER
    assert message["Subject"] == f"We have received your complaint: {reference}"
    letter = words(message.get_content())
    assert "Dear Robin Mailer," in letter
    assert f"the reference number {reference}" in letter
    # The dates the confirmation page promised, in the same words.
    assert re.search(f"enter it in our register by [^.]*{registration}", letter), letter
    assert re.search(f"will acknowledge it by [^.]*{acknowledgement}", letter), letter
    assert re.search(f"our response by [^.]*{response}", letter), letter
    # The attached receipt stays in the portal.
    assert not message.is_multipart()
    assert b"receipt.pdf" not in message.as_bytes() and PDF not in message.as_bytes()
    assert "Sent: 0;" in send_due(live_server)  # exactly once
    assert len(mailbox.received) == 1

    sign_in_as_coordinator(page, live_server)
    grid_row, history = open_from_the_grid(page, live_server, reference)
    assert "Robin Mailer" in grid_row
    assert (
        "Registration email sent to the complainant at robin.mailer@example.com: "
        f"We have received your complaint: {reference}" in history
    )
    assert off_site(page.requested) == []


def test_an_anonymous_lodgement_is_emailed_to_nobody_and_the_outbox_says_why(
    page, live_server, mailbox
):
    reference, confirmation = lodge(page, live_server, anonymous=True)
    assert "You stayed anonymous, so we cannot acknowledge your complaint" in confirmation

    assert "Sent: 0;" in send_due(live_server)
    assert mailbox.received == []

    sign_in_as_coordinator(page, live_server)
    page.goto(live_server.url + "/admin/outboundmessage/?search=" + reference)
    rows = page.locator("table.model-list tbody tr")
    assert rows.count() == 1
    assert "To post: no email address" in rows.first.inner_text()
    _, history = open_from_the_grid(page, live_server, reference)
    assert (
        "Registration email to be printed and sent by post: the complainant has no email "
        "address (anonymous, or none recorded)." in history
    )
