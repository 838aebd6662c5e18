"""A coordinator registers a complaint in the browser and finds it in the register."""

import re

import pytest

from tests.e2e.conftest import PASSWORD, off_site

pytestmark = pytest.mark.e2e


def choose(page, field, choice, words=None):
    """Open a Select2 picker, type (for AJAX pickers) and choose the matching entry."""
    page.click(f"#s2id_{field} .select2-choice, #s2id_{field} .select2-choices")
    if words:
        page.keyboard.type(words)
    page.click(f".select2-drop-active .select2-result-label:has-text('{choice}')")


def test_a_coordinator_registers_a_complaint_and_finds_it_in_the_grid(page, live_server):
    page.goto(live_server.url + "/admin/complaint/new/")
    assert "/login?next=" in page.url
    page.get_by_label("Username").fill("coord")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/complaint/new/$"))

    choose(page, "division", "Customer Services")
    choose(page, "complainant", "Sam Nguyen", words="nguy")
    page.fill("#summary", "Waited two hours at the counter")
    page.fill("#description", "Nobody explained the delay.")
    page.fill("#received_at", "2026-03-02T09:00")
    choose(page, "classification", "Formal, standard")
    choose(page, "manager", "Morgan Marsh", words="marsh")
    choose(page, "decision_maker", "Dana Deakin", words="deak")
    page.click("input[type=submit][value=Save]")

    flash = page.locator(".alert-success", has_text="Registered")
    flash.wait_for()
    reference = re.search(r"CTS-\d{4}-\d{6}", flash.inner_text()).group(0)

    page.fill("input[name=search]", reference)
    page.keyboard.press("Enter")
    page.wait_for_url(re.compile(r"search="))
    rows = page.locator("table.model-list td.col-reference")
    assert rows.count() == 1
    assert rows.first.inner_text().strip() == reference
    row = page.locator("table.model-list tr", has=page.locator("td.col-reference"))
    assert "02/03/2026 09:00" in row.inner_text()
    assert "Morgan Marsh" in row.inner_text()

    assert off_site(page.requested) == []
