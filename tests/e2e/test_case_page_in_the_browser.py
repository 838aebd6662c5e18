"""A complainant follows their case on its own page, in the browser.

They lodge a complaint, receive the registration email on the local SMTP server (sent by
what `flask mail send-due` runs), open the personal link in it, and, while the complaint
waits on them, add a document with the keyboard only: the clock resumes and the officer is
told. The officer's reply, emailed, shows on the page. Once the complaint is finalised,
they ask for an internal review from the page inside the window; for a second complaint,
whose link they get back through the lost-link form, after it: a late request the page
says a coordinator decides. axe-core finds no serious or critical problem on any of these
pages, and the page works with JavaScript off.
"""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from tests.e2e.conftest import _people, off_site, serving
from tests.e2e.test_lodge_in_the_browser import focused, serious_violations, tab_to
from tests.e2e.test_lodgement_email import SENDER, lodge, send_due, words

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
LINK = re.compile(r"(http://127\.0\.0\.1:\d+/case/[A-Za-z0-9_-]+)")


@pytest.fixture
def live_server(database, mailbox, tmp_path):
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
        # Links in letters are built on the configured address, never on the request.
        app.config["PORTAL_URL"] = url
        yield SimpleNamespace(url=url, app=app)


def last_link(mailbox, address) -> str:
    messages = mailbox.to(address)
    assert messages, "nothing was emailed"
    found = LINK.search(messages[-1].get_content())
    assert found, [m["Subject"] for m in messages]
    return found.group(1)


def staff(name):
    from models import Participant, db

    return db.session.scalar(db.select(Participant).filter_by(family_name=name))


def server_side(live_server, work):
    """Do what the officers do, in the portal's own workflow, on the live database."""
    from models import db

    with live_server.app.app_context():
        try:
            return work(db)
        finally:
            db.session.remove()


def officer_actor():
    from rules.vocabulary import ADMINISTRATOR
    from rules.workflow import Actor

    return Actor(user_id=None, capacities=frozenset({ADMINISTRATOR}), name="the officer")


def under_investigation_waiting(live_server, reference):
    def work(db):
        from models import Complaint, utcnow
        from rules.custody import ASSIGNMENT
        from services import custody, steps

        complaint = db.session.scalar(db.select(Complaint).filter_by(reference=reference))
        custody.permit(db.session, complaint, ASSIGNMENT)
        complaint.manager = staff("Marsh")
        complaint.decision_maker = staff("Deakin")
        complaint.status = "investigation"
        db.session.commit()
        steps.COMPLAINT_STEPS.take("wait_on_complainant", complaint, {}, officer_actor(), utcnow())
        db.session.commit()

    server_side(live_server, work)


def reply_from_the_officer(live_server, reference, body):
    def work(db):
        from models import Complaint, User
        from services.correspondence import replies

        complaint = db.session.scalar(db.select(Complaint).filter_by(reference=reference))
        author = db.session.scalar(db.select(User).filter_by(username="coord"))
        replies.queue_reply(db.session, complaint, author, "About your receipt", body)
        db.session.commit()

    server_side(live_server, work)


def finalise(live_server, reference):
    def work(db):
        from models import Complaint, utcnow
        from services import steps

        complaint = db.session.scalar(db.select(Complaint).filter_by(reference=reference))
        complaint.status = "response_drafted"
        db.session.commit()
        steps.COMPLAINT_STEPS.take("decide", complaint, {}, officer_actor(), utcnow())
        steps.COMPLAINT_STEPS.take(
            "finalise",
            complaint,
            {"outcome": "not_upheld", "outcome_reason": "The wait was within our standard."},
            officer_actor(),
            utcnow(),
        )
        db.session.commit()
        return complaint.review_request_due_at

    return server_side(live_server, work)


def state_of(live_server, reference):
    def work(db):
        from models import Complaint

        complaint = db.session.scalar(db.select(Complaint).filter_by(reference=reference))
        return SimpleNamespace(
            status=complaint.status,
            paused=complaint.paused_since is not None,
            reviews=[(r.status, r.due_at is not None) for r in complaint.internal_reviews],
            documents=[a.original_filename for a in complaint.attachments],
        )

    return server_side(live_server, work)


def test_a_complainant_follows_their_complaint_on_its_own_page(
    page, live_server, mailbox, time_machine
):
    reference, confirmation = lodge(page, live_server)
    assert "07 3000 0000" in confirmation and "complaints@example.gov.au" in confirmation
    assert "Sent: 1;" in send_due(live_server)
    registration = mailbox.to("robin.mailer@example.com")[-1].get_content()
    assert "To contact us:" in registration and "Phone: 07 3000 0000" in registration
    link = last_link(mailbox, "robin.mailer@example.com")

    page.goto(link)
    shown = words(page.inner_text("main"))
    assert reference in shown and "Waited two hours at the counter" in shown
    assert "A complaints coordinator will enter it in our register by" in shown
    assert serious_violations(page) == []

    # The officer asks for a receipt: the complaint waits on the complainant.
    under_investigation_waiting(live_server, reference)
    page.reload()
    assert "Waiting for information from you" in page.inner_text("#case-status")
    assert state_of(live_server, reference).paused

    # With the keyboard only: the message, the file, and Send.
    tab_to(page, "add-message")
    page.keyboard.type("Here is the receipt you asked for.")
    page.set_input_files(
        "#add-attachments",
        files=[{"name": "receipt-2.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    tab_to(page, "send-information")
    assert focused(page) == "send-information"
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"done=added"))
    shown = words(page.inner_text("main"))
    assert "Thank you: we have received your information" in shown
    assert "Here is the receipt you asked for." in shown and "receipt-2.pdf" in shown
    state = state_of(live_server, reference)
    assert state.status == "investigation" and not state.paused
    assert "receipt-2.pdf" in state.documents
    assert serious_violations(page) == []

    # The officer's reply, emailed, is on the page too.
    reply_from_the_officer(
        live_server, reference, "Thank you for the receipt. We call you Friday."
    )
    send_due(live_server)
    reply = mailbox.to("robin.mailer@example.com")[-1]
    assert "Thank you for the receipt." in reply.get_content()
    page.reload()
    assert "Thank you for the receipt. We call you Friday." in words(page.inner_text("main"))

    # Finalised: the outcome, and an internal review asked for inside the window.
    window_ends = finalise(live_server, reference)
    send_due(live_server)
    page.goto(last_link(mailbox, "robin.mailer@example.com"))
    shown = words(page.inner_text("main"))
    assert "Not upheld" in shown and "The wait was within our standard." in shown
    assert "you may ask for an internal review until" in shown
    assert "Queensland Ombudsman" in shown
    assert serious_violations(page) == []
    tab_to(page, "review-grounds")
    page.keyboard.type("You did not look at the queue records.")
    tab_to(page, "ask-review")
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"done=review"))
    shown = words(page.inner_text("main"))
    assert "Your request for an internal review is registered" in shown
    assert "We aim to tell you the result of the review by" in shown
    assert state_of(live_server, reference).reviews == [("requested", True)]
    assert window_ends is not None

    # A second complaint, finalised; its link found again through the lost-link form, and
    # the review asked for after the window.
    second, _ = lodge(page, live_server)
    send_due(live_server)
    under_investigation_waiting(live_server, second)
    window_ends = finalise(live_server, second)
    page.goto(live_server.url + "/case/lost")
    assert serious_violations(page) == []
    page.fill("#reference", second)
    page.fill("#email", "robin.mailer@example.com")
    page.get_by_role("button", name="Email me a new link").click()
    assert "Check your email" in page.inner_text("h1")
    assert serious_violations(page) == []
    send_due(live_server)
    fresh_link = last_link(mailbox, "robin.mailer@example.com")
    assert fresh_link != link

    time_machine.move_to(window_ends + timedelta(days=3), tick=True)
    page.goto(fresh_link)
    shown = words(page.inner_text("main"))
    assert "The 20 business days for asking for an internal review ended on" in shown
    page.fill("#review-grounds", "I was overseas when your letter came.")
    page.get_by_role("button", name="Send my late request").click()
    page.wait_for_url(re.compile(r"done=late"))
    shown = words(page.inner_text("main"))
    assert "a complaints coordinator will decide whether to accept it" in shown
    assert "Send my late request" not in shown
    assert state_of(live_server, second).reviews == []
    assert serious_violations(page) == []
    assert off_site(page.requested) == []


def test_a_bad_link_and_the_withdrawal_pages_pass_axe_and_work_without_javascript(
    browser, page, live_server, mailbox
):
    page.goto(live_server.url + "/case/not-a-real-link")
    assert "This link does not open a page" in page.inner_text("h1")
    assert serious_violations(page) == []

    reference, _ = lodge(page, live_server)
    send_due(live_server)
    link = last_link(mailbox, "robin.mailer@example.com")
    # The confirmation asked before withdrawing, and its error state.
    page.goto(link + "/withdraw")
    assert serious_violations(page) == []
    page.get_by_role("button", name="Yes, withdraw my complaint").click()
    assert "There is a problem" in page.inner_text("main")
    assert serious_violations(page) == []
    # The page's own error state: nothing written, no file chosen.
    page.goto(link)
    page.click("#send-information")
    assert "There is a problem" in page.inner_text("main")
    assert serious_violations(page) == []
    context = browser.new_context(java_script_enabled=False, locale="en-AU")
    context.set_default_timeout(10_000)
    quiet = context.new_page()
    try:
        quiet.goto(link)
        quiet.fill("#add-message", "One more thing: it was a Tuesday.")
        quiet.click("#send-information")
        quiet.wait_for_url(re.compile(r"done=added"))
        assert "One more thing: it was a Tuesday." in quiet.inner_text("main")
        quiet.click("#withdraw")
        assert "Withdraw your complaint" in quiet.inner_text("h1")
        quiet.click("text=Yes, withdraw my complaint")
        assert "There is a problem" in quiet.inner_text("main")  # their words are needed
        quiet.fill("#words", "Sorted out at the counter.")
        quiet.click("text=Yes, withdraw my complaint")
        quiet.wait_for_url(re.compile(r"done=withdrawn"))
        shown = words(quiet.inner_text("main"))
        assert "Withdrawn at your request." in shown and "Sorted out at the counter." in shown
        assert quiet.locator("main form").count() == 0
    finally:
        context.close()
    assert state_of(live_server, reference).status == "closed"
    page.goto(link)
    assert serious_violations(page) == []
    page.goto(link + "/withdraw")  # nothing left to withdraw: back to the page
    assert "Your complaint" in page.inner_text("h1")
