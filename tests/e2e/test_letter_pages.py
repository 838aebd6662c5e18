"""Letter pages wrap: the outbox list and a message's page, and a letter template's page,
edit form and preview, at 1366×768 with a long letter, are never wider than the window.
A letter to a complainant with no email address downloads as a PDF and is marked as sent
by post, under the Content-Security-Policy (no inline style or script needed).
"""

import re

import pytest

from tests.e2e.conftest import PASSWORD, off_site

pytestmark = pytest.mark.e2e

WIDTH, HEIGHT = 1366, 768
# One word longer than any screen, and a subject of many words: what made pages 2,800 px wide.
LONG_WORD = "https://example.com/" + "averylongpathsegment" * 80
# A subject fits its column (300 characters) but may still be one word.
LONG_SUBJECT = "Complaint " + "averylongpathsegment" * 14
LONG_BODY = (
    "Dear Ms Okafor,\n\n"
    + ("We have read everything you sent us and spoken to the officers involved. " * 25)
    + "\n\nThe page you asked about: "
    + LONG_WORD
    + "\n\nYours sincerely,\nCustomer Complaints\n"
)


def fits(page) -> tuple[int, int]:
    """The document's scrolling width and the window's width."""
    return page.evaluate("() => [document.scrollingElement.scrollWidth, window.innerWidth]")


def assert_fits(page, what: str):
    scroll_width, window_width = fits(page)
    assert scroll_width <= window_width, (
        f"{what}: {scroll_width}px wide in a {window_width}px window"
    )


@pytest.fixture(scope="module")
def letter(live_server):
    """A complaint from someone with no email address, its registration letter made long,
    and an administrator who words the letters."""
    from models import (
        Capacity,
        Complaint,
        Division,
        OutboundMessage,
        Participant,
        User,
        db,
        utcnow,
    )

    app = live_server.app
    with app.app_context():
        division = db.session.execute(db.select(Division).filter_by(code="CS")).scalar_one()
        person = Participant(
            kind="complainant",
            given_name="Ada",
            family_name="Okafor",
            address="Unit 4, 18 Brunswick Street\nFORTITUDE VALLEY QLD 4006",
        )
        complaint = Complaint(
            kind="complaint",
            summary="The counter closed early",
            division=division,
            received_at=utcnow(),
            complainant=person,
        )
        db.session.add(complaint)
        db.session.commit()
        message = db.session.execute(
            db.select(OutboundMessage).filter_by(complaint_id=complaint.id)
        ).scalar_one()
        message.subject = LONG_SUBJECT
        message.body = LONG_BODY
        admin = User(username="admin", active=True)
        admin.set_password(PASSWORD)
        admin.capacities = [
            db.session.execute(db.select(Capacity).filter_by(code="administrator")).scalar_one()
        ]
        db.session.add(admin)
        db.session.commit()
        return {"id": message.id, "reference": complaint.reference}


def sign_in(page, live_server, username):
    page.set_viewport_size({"width": WIDTH, "height": HEIGHT})
    page.goto(live_server.url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/"))


def test_the_outbox_wraps_a_long_letter_and_its_pdf_downloads(page, live_server, letter):
    sign_in(page, live_server, "coord")
    page.goto(live_server.url + "/admin/outboundmessage/")
    assert "To post: no email address" in page.locator("table.model-list").inner_text()
    assert_fits(page, "the outbox")

    page.get_by_role("link", name="To print and post").first.click()
    rows = page.locator("table.model-list tbody tr")
    assert rows.count() == 1 and letter["reference"] in rows.first.inner_text()

    page.goto(live_server.url + f"/admin/outboundmessage/details/?id={letter['id']}")
    assert_fits(page, "a message's page")
    with page.expect_download() as download:
        page.get_by_role("link", name="Print letter (PDF)").click()
    pdf = download.value
    assert pdf.suggested_filename == f"{letter['reference']}-letter-{letter['id']}.pdf"
    with open(pdf.path(), "rb") as file:
        assert file.read(5) == b"%PDF-"

    page.get_by_role("button", name="Mark as sent by post").click()
    assert "Marked as sent by post" in page.locator(".alert").first.inner_text()
    assert page.get_by_role("button", name="Mark as sent by post").count() == 0
    page.goto(live_server.url + "/admin/outboundmessage/")
    assert "Sent by post" in page.locator("table.model-list").inner_text()
    assert off_site(page.requested) == []


def test_a_letter_templates_pages_and_preview_wrap_a_long_letter(page, live_server, letter):
    from models import MailTemplate, db

    with live_server.app.app_context():
        template_id = db.session.execute(
            db.select(MailTemplate.id).filter_by(key="complaint_registered")
        ).scalar_one()
    sign_in(page, live_server, "admin")
    page.goto(live_server.url + "/admin/mailtemplate/")
    assert_fits(page, "the letter templates")

    page.goto(live_server.url + f"/admin/mailtemplate/edit/?id={template_id}")
    page.locator("#subject").fill("{{ reference }} " + LONG_SUBJECT)
    page.locator("#body").fill("Dear {{ complainant_name }},\n\n" + LONG_BODY)
    assert_fits(page, "a letter template's edit page")
    page.locator("#preview_reference").fill(letter["reference"])
    page.get_by_role("button", name="Preview").click()
    preview = page.locator(".mail-preview")
    assert letter["reference"] in preview.inner_text()
    assert "averylongpathsegment" in preview.inner_text()
    assert_fits(page, "a letter template's preview")

    page.get_by_role("button", name="Save", exact=True).click()
    page.wait_for_url(re.compile(r"/admin/mailtemplate/(\?.*)?$"))
    assert "averylongpathsegment" in page.locator("table.model-list").inner_text()
    assert_fits(page, "the letter templates, one with a long subject")
    page.goto(live_server.url + f"/admin/mailtemplate/details/?id={template_id}")
    assert "averylongpathsegment" in page.locator("table").last.inner_text()
    assert_fits(page, "a letter template's page")
    assert off_site(page.requested) == []
