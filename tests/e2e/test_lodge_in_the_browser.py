"""A member of the public lodges a complaint in the browser, with the keyboard only; axe-core
finds no serious or critical accessibility problem on the form, its error state or the
confirmation; a coordinator then finds the complaint in the register. And with JavaScript
switched off, the form works all the same."""

import re

import pytest

from tests.e2e.conftest import PASSWORD, off_site

pytestmark = pytest.mark.e2e

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
REFERENCE = re.compile(r"CTS-\d{4}-\d{6}")


@pytest.fixture
def attachment_folder(live_server, tmp_path):
    live_server.app.config["ATTACHMENT_FOLDER"] = str(tmp_path / "attachments")
    yield tmp_path / "attachments"
    live_server.app.config.pop("ATTACHMENT_FOLDER", None)


def serious_violations(page):
    """axe-core's findings on the page that are serious or critical."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page)
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def focused(page) -> str:
    return page.evaluate("document.activeElement ? document.activeElement.id : ''")


def tab_to(page, element_id, limit=60):
    """Press Tab until the element has the focus, as a keyboard user moves through a page."""
    for _ in range(limit):
        if focused(page) == element_id:
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"#{element_id} cannot be reached with the Tab key")


def type_into(page, element_id, text):
    tab_to(page, element_id)
    page.keyboard.type(text)


def test_a_member_of_the_public_lodges_a_complaint_with_the_keyboard_only(
    page, live_server, attachment_folder
):
    page.goto(live_server.url + "/login")
    page.get_by_role("link", name="Make a complaint, compliment or suggestion").click()
    page.wait_for_url(re.compile(r"/lodge/$"))
    assert serious_violations(page) == []

    # Sending it empty: the error summary takes the focus, each error links to its field.
    tab_to(page, "send")
    page.keyboard.press("Enter")
    page.wait_for_selector("#error-summary")
    assert page.title().startswith("Error:")
    assert focused(page) == "error-summary"
    assert serious_violations(page) == []
    page.keyboard.press("Tab")
    page.keyboard.press("Enter")  # the first error: what it is about
    assert focused(page) == "kind-0"

    page.keyboard.press("Space")  # a complaint
    assert page.is_checked("#kind-0")
    type_into(page, "summary", "Waited two hours at the counter")
    type_into(page, "description", "Nobody explained the delay, and the queue did not move.")
    type_into(page, "outcome_sought", "An explanation and an apology.")
    tab_to(page, "human_rights-0")
    page.keyboard.press("ArrowDown")  # No
    assert page.is_checked("#human_rights-1")
    type_into(page, "given_name", "Robin")
    type_into(page, "family_name", "Keyboard")
    type_into(page, "email", "robin.keyboard@example.com")
    tab_to(page, "consent-0")
    page.keyboard.press("Space")
    assert page.is_checked("#consent-0")
    # Choosing a file opens the system's dialog, outside the page: set it as the dialog would.
    page.set_input_files(
        "#attachments",
        files=[{"name": "receipt.pdf", "mimeType": "application/pdf", "buffer": PDF}],
    )
    tab_to(page, "attachments")
    page.keyboard.press("Tab")  # the hidden honeypot is skipped: next is Send
    assert focused(page) == "send"
    page.keyboard.press("Enter")

    page.wait_for_url(re.compile(r"/lodge/received$"))
    reference = REFERENCE.search(page.inner_text("#reference")).group(0)
    body = page.inner_text("main")
    assert re.search(r"acknowledge your complaint by \w+day \d{1,2} \w+ \d{4}", body)
    assert serious_violations(page) == []
    assert len(list(attachment_folder.iterdir())) == 1

    # A coordinator finds it in the register, with its file.
    page.goto(live_server.url + "/login")
    page.get_by_label("Username").fill("coord")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(live_server.url + "/admin/complaint/?search=" + reference)
    rows = page.locator("table.model-list td.col-reference")
    assert rows.count() == 1
    assert rows.first.inner_text().strip() == reference
    row = page.locator("table.model-list tr", has=page.locator("td.col-reference"))
    assert "Robin Keyboard" in row.inner_text()
    row.locator("a[title='View Record']").click()
    # The file is on the case's timeline, as a document the complainant sent.
    receipt = (
        page.locator("section[aria-labelledby=timeline-heading]")
        .locator("a", has_text="receipt.pdf")
        .first
    )
    assert receipt.is_visible()
    with page.expect_download() as download:
        receipt.click()
    assert download.value.suggested_filename == "receipt.pdf"

    assert off_site(page.requested) == []


def test_the_form_works_with_javascript_switched_off(browser, live_server, attachment_folder):
    context = browser.new_context(java_script_enabled=False, locale="en-AU")
    context.set_default_timeout(10_000)
    page = context.new_page()
    try:
        page.goto(live_server.url + "/lodge/")
        page.click("label[for=kind-1]")  # a compliment
        page.fill("#summary", "Helpful staff at the Cairns office")
        page.fill("#description", "Alex went out of their way to help me.")
        page.click("label[for=anonymous]")
        page.fill("#email", "left@example.com")  # anonymous, yet details given: refused
        page.click("button[type=submit]")
        page.wait_for_selector("#error-summary")
        assert "You chose to stay anonymous" in page.inner_text("#error-summary")
        assert page.input_value("#summary") == "Helpful staff at the Cairns office"
        page.fill("#email", "")
        page.click("button[type=submit]")
        page.wait_for_url(re.compile(r"/lodge/received$"))
        assert re.match(r"CMP-\d{4}-\d{6}", page.inner_text("#reference"))
        assert "Your compliment has been sent" in page.inner_text("h1")
    finally:
        context.close()
