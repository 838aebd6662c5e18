"""A support agent logs a ticket in the browser in January: the form says its time is
Melbourne time (AEDT), the desk calendar's, and the ticket is timed from the 10:00 shown.

The browser runs in Brisbane (AEST, no daylight saving), the portal's own zone; the
service desk's calendar is Melbourne's, an hour ahead in January. Choosing a client on the
Brisbane calendar re-labels the time and converts it to the same instant there.
"""

import re
from datetime import datetime, timedelta, timezone

import pytest

from tests.e2e.conftest import PASSWORD, off_site
from tests.e2e.test_register_complaint import choose

pytestmark = pytest.mark.e2e

# Tuesday 12 January 2027, 10:00 in Melbourne (AEDT): 23:00 UTC the day before.
MELBOURNE_TEN = datetime(2027, 1, 11, 23, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def desk(live_server):
    """A support agent, a client with no calendar of its own and one on Brisbane's."""
    from models import Calendar, Capacity, Participant, User, db

    with live_server.app.app_context():
        queensland = db.session.execute(db.select(Calendar).filter_by(code="AU-QLD")).scalar_one()
        agent = Participant(kind="staff", given_name="Ash", family_name="Agent")
        db.session.add_all(
            [
                agent,
                Participant(kind="client_organisation", organisation_name="Acme Training"),
                Participant(
                    kind="client_organisation",
                    organisation_name="Sunshine Rail",
                    calendar=queensland,
                ),
            ]
        )
        user = User(username="agent", participant=agent, active=True)
        user.set_password(PASSWORD)
        user.capacities = [
            db.session.execute(db.select(Capacity).filter_by(code="support_agent")).scalar_one()
        ]
        db.session.add(user)
        db.session.commit()
    return live_server


def zone_shown(page):
    return (
        page.locator("#reported_at-zone-label").inner_text().strip(),
        page.input_value("#reported_at"),
        page.input_value("#reported_at-zone"),
    )


def test_a_ticket_created_in_january_at_ten_melbourne_time_is_timed_from_ten(
    page, desk, time_machine
):
    from playwright.sync_api import expect

    time_machine.move_to(MELBOURNE_TEN, tick=False)
    page.goto(desk.url + "/admin/ticket/new/")
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/ticket/new/$"))

    # Now, in the desk calendar's zone, and saying so: not the portal's (Brisbane) 09:00.
    assert zone_shown(page) == ("Melbourne time (AEDT)", "2027-01-12T10:00", "Australia/Melbourne")

    # A client on the Brisbane calendar: the same instant, written and labelled in its zone.
    choose(page, "client", "Sunshine Rail", words="sunsh")
    expect(page.locator("#reported_at-zone-label")).to_have_text("Brisbane time (AEST)")
    assert zone_shown(page) == ("Brisbane time (AEST)", "2027-01-12T09:00", "Australia/Brisbane")
    # And back to a client of no calendar: the desk's Melbourne time again.
    choose(page, "client", "Acme Training", words="acme")
    expect(page.locator("#reported_at-zone-label")).to_have_text("Melbourne time (AEDT)")
    assert zone_shown(page) == ("Melbourne time (AEDT)", "2027-01-12T10:00", "Australia/Melbourne")

    choose(page, "severity", "1: major outage")
    page.fill("#summary", "Portal down for every user")
    page.click("input[type=submit][value=Save]")
    flash = page.locator(".alert-success", has_text="Registered")
    flash.wait_for()
    reference = re.search(r"TKT-\d{4}-\d{6}", flash.inner_text()).group(0)

    from models import Ticket, db

    with desk.app.app_context():
        ticket = db.session.execute(db.select(Ticket).filter_by(reference=reference)).scalar_one()
        assert ticket.reported_at == MELBOURNE_TEN
        # Severity 1: first response within 30 business minutes of 10:00, so 10:30.
        assert ticket.first_response_due_at == MELBOURNE_TEN + timedelta(minutes=30)
        ticket_id = ticket.id

    # The grid and the ticket's page say the same, in Melbourne time, labelled.
    row = page.locator("table.model-list tr", has=page.locator("td.col-reference"))
    assert "12/01/2027 10:00 AEDT" in row.first.inner_text()
    page.goto(desk.url + f"/admin/ticket/details/?id={ticket_id}")
    reported = page.locator(".facts-grid .fact", has_text="Reported").first.inner_text()
    assert "12/01/2027 10:00 AEDT" in reported
    due = page.locator(
        "section[aria-labelledby=due-dates-heading] table tr", has_text="First response"
    )
    due_text = due.inner_text()
    assert "12/01/2027 10:30 AEDT" in due_text
    assert "12/01/2027 10:00" in due_text and "12/01/2027 09:00" not in due_text
    assert (
        "Times are Melbourne time"
        in page.locator("section", has=page.locator("#due-dates-heading")).inner_text()
    )

    assert off_site(page.requested) == []
