"""How it went, end to end: a decision maker finalises a complaint in the browser; `flask
mail send-due` sends the survey invitation to a real SMTP server on localhost; the
complainant opens the link from the email with JavaScript switched off, answers with the
keyboard only (axe-core finds nothing serious or critical on the form, its error state or
the thanks page), and the coordinator sees the answer counted in the satisfaction report.
A second answer through the same link is thanked and not counted twice."""

import re
from datetime import timedelta
from types import SimpleNamespace

import pytest

from tests.e2e.conftest import PASSWORD, _people, serving
from tests.e2e.test_lodge_in_the_browser import focused, serious_violations

pytestmark = pytest.mark.e2e

SENDER = "Customer Complaints <complaints@example.gov.au>"


@pytest.fixture
def live_server(database, mailbox):
    """The portal on the test's database, writing to the local SMTP server, its own
    address set as PORTAL_URL (where the survey links point)."""
    from app import create_app
    from models import db
    from seed import reference

    app = create_app(
        {
            "DATABASE_URL": database,
            "SECRET_KEY": "browser-tests-only",
            "RATELIMIT_ENABLED": False,
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
        app.config["PORTAL_URL"] = url
        yield SimpleNamespace(url=url, app=app)


@pytest.fixture
def decided(live_server):
    """A complaint of Customer Services, decided and waiting to be finalised by Dana Deakin
    (who signs in as "deakin"); Sam Nguyen is its complainant."""
    from models import Capacity, Complaint, Division, Participant, User, db, utcnow

    with live_server.app.app_context():

        def person(given_name):
            return db.session.execute(
                db.select(Participant).filter_by(given_name=given_name)
            ).scalar_one()

        dana = person("Dana")
        account = User(username="deakin", participant=dana, active=True)
        account.set_password(PASSWORD)
        account.capacities = [
            db.session.execute(db.select(Capacity).filter_by(code="decision_maker")).scalar_one()
        ]
        complaint = Complaint(
            summary="Waited two hours at the counter",
            division=db.session.execute(db.select(Division).filter_by(code="CS")).scalar_one(),
            classification="standard",
            received_at=utcnow() - timedelta(days=10),
            complainant=person("Sam"),
            manager=person("Morgan"),
            decision_maker=dana,
            status="decided",
        )
        db.session.add_all([account, complaint])
        db.session.commit()
        found = SimpleNamespace(id=complaint.id, reference=complaint.reference)
        db.session.remove()
        return found


def sign_in(page, live_server, username):
    page.goto(live_server.url + "/login")
    page.get_by_label("Username").fill(username)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/"))


def send_due(live_server) -> str:
    result = live_server.app.test_cli_runner().invoke(args=["mail", "send-due"])
    assert result.exit_code == 0, result.output
    return result.output


def press_tab_to(page, selector, limit=40):
    """Press Tab until the element has the focus, as a keyboard user moves through a page."""
    for _ in range(limit):
        if page.evaluate("s => document.activeElement === document.querySelector(s)", selector):
            return
        page.keyboard.press("Tab")
    raise AssertionError(f"{selector} cannot be reached with the Tab key (at #{focused(page)})")


def answer_with_the_keyboard(page, satisfaction, in_time, fair, comment=None):
    """Choose each radio with the keyboard: Tab to the group, arrow to the option, Space."""
    for group, value in (
        ("satisfaction", satisfaction),
        ("handled_in_time", in_time),
        ("fair", fair),
    ):
        press_tab_to(page, f"input[name={group}]")
        for _ in range(10):
            if page.evaluate("() => document.activeElement.value") == value:
                page.keyboard.press("Space")
                break
            page.keyboard.press("ArrowDown")
        checked = page.evaluate(
            "g => (document.querySelector(`input[name=${g}]:checked`) || {}).value", group
        )
        assert checked == value, (group, checked)
    if comment:
        press_tab_to(page, "#comment")
        page.keyboard.type(comment)
    press_tab_to(page, "button[type=submit]")
    page.keyboard.press("Enter")


def test_a_finalised_complaint_is_surveyed_by_email_and_counted_in_the_report(
    browser, page, live_server, decided, mailbox
):
    # The decision maker finalises the complaint on its page.
    sign_in(page, live_server, "deakin")
    page.goto(f"{live_server.url}/admin/complaint/details/?id={decided.id}")
    page.get_by_role("link", name="Finalise").first.click()
    page.get_by_label("Outcome", exact=True).select_option(label="Partly upheld")
    page.get_by_label("Reasons for the outcome").fill("The wait was too long; the fee was right.")
    page.locator("form button[type=submit]").first.click()
    page.wait_for_selector("text=It is now Finalised.")

    assert "Sent: " in send_due(live_server)
    (invitation,) = [
        m for m in mailbox.to("sam.nguyen@example.com") if m["Subject"].startswith("How did")
    ]
    assert decided.reference in invitation["Subject"]
    link = re.search(
        re.escape(live_server.url) + r"/survey/[A-Za-z0-9_-]+", invitation.get_content()
    )
    assert link, invitation.get_content()

    # The complainant opens the link with JavaScript switched off and answers by keyboard.
    context = browser.new_context(java_script_enabled=False, locale="en-AU")
    context.set_default_timeout(10_000)
    survey = context.new_page()
    try:
        survey.goto(link.group(0))
        assert "How did we go?" in survey.inner_text("h1")
        assert decided.reference in survey.inner_text("main")
        assert serious_violations_without_script(browser, link.group(0)) == []
        # Sent with nothing chosen: each question is named, nothing kept.
        survey.locator("button[type=submit]").click()
        survey.wait_for_selector("#error-summary")
        assert "Choose how satisfied you are" in survey.inner_text("#error-summary")
        answer_with_the_keyboard(survey, "4", "yes", "yes", "Clear letters, slow start.")
        survey.wait_for_url(re.compile(r"/thanks$"))
        assert "Thank you for your answers" in survey.inner_text("h1")
        # The same link again: thanked, and not counted twice.
        survey.goto(link.group(0))
        assert "We already have your answers" in survey.inner_text("main")
        thanks = link.group(0) + "/thanks"
    finally:
        context.close()
    assert axe_on(browser, thanks) == []

    # The coordinator sees it counted in the satisfaction report.
    page.context.clear_cookies()
    sign_in(page, live_server, "coord")
    page.goto(live_server.url + "/admin/reports/satisfaction/?by=division")
    row = page.locator(
        "table.report-table tbody tr", has=page.locator("th", has_text="Customer Services")
    )
    cells = [cell.strip() for cell in row.locator("td").all_inner_texts()]
    assert cells[:4] == ["1", "1", "100.0", "4.0"], cells
    assert page.locator("svg.report-chart").count() == 1


def axe_on(browser, url):
    context = browser.new_context(locale="en-AU")
    try:
        tab = context.new_page()
        tab.goto(url)
        return serious_violations(tab)
    finally:
        context.close()


def serious_violations_without_script(browser, url):
    """axe-core needs script to run: the same page opened in a tab that runs it, the form,
    its error state and its thanks checked with the keyboard."""
    context = browser.new_context(locale="en-AU")
    context.set_default_timeout(10_000)
    tab = context.new_page()
    try:
        tab.goto(url)
        found = serious_violations(tab)
        tab.locator("button[type=submit]").click()
        tab.wait_for_selector("#error-summary")
        found += serious_violations(tab)
        return found
    finally:
        context.close()
