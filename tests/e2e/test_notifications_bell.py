"""The bell in a browser: its count is the list's unread count, a notification opens its
case, "Mark all as read" empties the count, and axe-core finds nothing serious on the list
or in the navigation bar the bell sits in."""

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.conftest import PASSWORD, off_site
from tests.e2e.test_case_file import serious_violations_in

pytestmark = pytest.mark.e2e

RECEIVED = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # Monday 2 March, 10:00 Brisbane


@pytest.fixture(scope="module")
def lodged(live_server):
    """Two complaints of the coordinator's division nobody manages yet, told to its
    coordinator by the scheduler as their registration falls due."""
    from models import Complaint, Division, Participant, db
    from services import notifications

    with live_server.app.app_context():
        division = db.session.execute(db.select(Division).filter_by(code="CS")).scalar_one()
        complainant = db.session.execute(
            db.select(Participant).filter_by(family_name="Nguyen")
        ).scalar_one()
        made = []
        for summary in ("The counter was closed", "The form lost my answers"):
            complaint = Complaint(
                kind="complaint",
                summary=summary,
                division=division,
                received_at=RECEIVED,
                complainant=complainant,
            )
            db.session.add(complaint)
            db.session.commit()
            made.append(complaint)
        due = made[0].registration_due_at
        notifications.run(db.session, now=due - timedelta(hours=1))
        return [(c.id, c.reference) for c in made]


def test_the_bell_counts_the_list_opens_a_case_and_marks_all_read(browser, live_server, lodged):
    context = browser.new_context(locale="en-AU", timezone_id="Australia/Brisbane")
    context.set_default_timeout(10_000)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(live_server.url + "/admin/")
        page.get_by_label("Username").fill("coord")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/admin/"))
        bell = page.get_by_role("link", name=re.compile(r"^Notifications: \d+ unread$"))
        count = int(bell.locator(".notification-count").inner_text())
        assert count == len(lodged)
        bell.click()
        page.wait_for_url(re.compile(r"/admin/notifications/"))
        assert page.locator(".notification-unread").count() == count
        assert serious_violations_in(page, ".notifications-page") == []
        assert serious_violations_in(page, ".notification-bell") == []
        first_id, first_reference = lodged[0]
        page.get_by_role("link", name=re.compile(f"{first_reference}")).first.click()
        page.wait_for_url(re.compile(r"/admin/complaint/details/"))
        assert f"id={first_id}" in page.url or first_reference in page.content()
        assert page.locator(".notification-count").inner_text() == str(count - 1)
        page.goto(live_server.url + "/admin/notifications/")
        page.get_by_role("button", name="Mark all as read").click()
        page.wait_for_url(re.compile(r"/admin/notifications/"))
        assert page.locator(".notification-count").inner_text() == "0"
        assert page.locator(".notification-unread").count() == 0
        assert off_site(requested) == []
    finally:
        context.close()
