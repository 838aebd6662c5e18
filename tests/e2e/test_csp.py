"""The admin screens work under the Content-Security-Policy: nothing blocked, pickers alive."""

import re

import pytest

from tests.e2e.conftest import PASSWORD, off_site

pytestmark = pytest.mark.e2e

# Reports what the browser blocked; installed in every page before its own scripts run.
REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.reportViolation(
    `${event.violatedDirective} blocked ${event.blockedURI || "inline"} on ${location.pathname}`
  );
});
"""


@pytest.fixture
def watched(page):
    """The tab, with every CSP violation it reports, on any page, kept in `page.violations`."""
    page.violations = []
    page.expose_function("reportViolation", lambda text: page.violations.append(text))
    page.add_init_script(REPORT_VIOLATIONS)
    page.on(
        "console",
        lambda message: (
            page.violations.append(message.text)
            if "Content Security Policy" in message.text
            else None
        ),
    )
    return page


def open_picker(page, field, words):
    """Open a Select2 picker, type, and return the options it offers."""
    page.click(f"#s2id_{field} .select2-choice, #s2id_{field} .select2-choices")
    page.keyboard.type(words)
    results = page.locator(".select2-drop-active .select2-result-label")
    results.first.wait_for()
    return results


def choose(page, field, choice, words=None):
    if words:
        open_picker(page, field, words)
    else:
        page.click(f"#s2id_{field} .select2-choice, #s2id_{field} .select2-choices")
    page.click(f".select2-drop-active .select2-result-label:has-text('{choice}')")


def test_the_complaint_screens_run_under_the_policy_with_working_pickers(watched, live_server):
    page = watched
    page.goto(live_server.url + "/admin/complaint/")
    page.get_by_label("Username").fill("coord")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/complaint/$"))

    # The list: a date filter opens its date picker.
    page.click("a.dropdown-toggle:has-text('Filter')")
    page.click("a.filter:has-text('Received')")
    page.locator("input.filter-val[data-date-format]").first.click()
    page.locator(".daterangepicker .calendar-date").first.wait_for()
    page.keyboard.press("Escape")

    # The create form: an AJAX picker offers what was typed, and the complaint saves.
    response = page.goto(live_server.url + "/admin/complaint/new/")
    assert "default-src 'self'" in response.headers["content-security-policy"]
    offered = open_picker(page, "complainant", "nguy")
    assert any("Sam Nguyen" in option for option in offered.all_inner_texts())
    page.click(".select2-drop-active .select2-result-label:has-text('Sam Nguyen')")
    choose(page, "division", "Customer Services")
    page.fill("#summary", "Waited two hours at the counter")
    page.fill("#received_at", "2026-03-02T09:00")
    choose(page, "classification", "Formal, standard")
    choose(page, "manager", "Morgan Marsh", words="marsh")
    choose(page, "decision_maker", "Dana Deakin", words="deak")
    page.click("input[type=submit][value=Save]")
    page.locator(".alert-success", has_text="Registered").wait_for()

    # The edit form and the details page of the complaint just registered.
    edit = page.locator("a[href*='/admin/complaint/edit/']").first.get_attribute("href")
    page.goto(live_server.url + edit)
    offered = open_picker(page, "subjects", "deak")
    assert any("Dana Deakin" in option for option in offered.all_inner_texts())
    page.keyboard.press("Escape")
    details = page.url.replace("/edit/", "/details/")
    page.goto(details)
    page.get_by_text("Waited two hours at the counter").first.wait_for()

    assert page.violations == []
    assert off_site(page.requested) == []
