"""The admin home: my work and my division's, each count equal to the rows its link shows.

The clock is stopped at Friday 27 November 2026, 3 pm in Brisbane, so "due within 2
business days" reaches over the weekend: to 5 pm on Tuesday 1 December in Queensland
and 5.30 pm (Melbourne time) in Victoria, far more than 48 hours away.
"""

import html as html_lib
import re
from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import update

from models import Complaint, InternalReview, Participant, Ticket, db
from services import dashboard

BRISBANE = ZoneInfo("Australia/Brisbane")
MELBOURNE = ZoneInfo("Australia/Melbourne")
NOW = datetime(2026, 11, 27, 15, 0, tzinfo=BRISBANE)
QLD_CUTOFF = datetime(2026, 12, 1, 17, 0, tzinfo=BRISBANE)
VIC_CUTOFF = datetime(2026, 12, 1, 17, 30, tzinfo=MELBOURNE)
MINUTE = timedelta(minutes=1)


@pytest.fixture
def stopped_clock(time_machine):
    time_machine.move_to(NOW, tick=False)


def set_case(model, row, *, due, status=None, paused=False):
    """Put a case's next due instant and status where the test needs them."""
    due_column = "due_at" if model is InternalReview else "next_due_at"
    values = {due_column: due}
    if status is not None:
        values["status"] = status
    if paused:
        values["paused_since"] = NOW - timedelta(days=1)
    db.session.execute(update(model).where(model.id == row.id).values(**values))
    db.session.commit()


COUNT = re.compile(
    r'<a href="([^"]+)">([^<]+)</a>\s*<span class="badge[^"]*" data-count="([^"]+)">(\d+)</span>'
)


def home_counts(client, panel):
    """{count key: (count, link)} of one panel of the home page."""
    page = client.get("/admin/").get_data(as_text=True)
    start = page.index(f'data-panel="{panel}"')
    end = page.find("data-panel=", start + 1)
    section = page[start : end if end > 0 else len(page)]
    return {
        key: (int(count), html_lib.unescape(url)) for url, _, key, count in COUNT.findall(section)
    }


def rows_shown(client, url):
    """How many rows a grid page shows (its first column's cells)."""
    response = client.get(url)
    assert response.status_code == 200, url
    page = response.get_data(as_text=True)
    first = re.search(r'<th class="column-header col-([\w-]+)">', page).group(1)
    return page.count(f'<td class="col-{first}">')


def division_with_calendar(make, name, code):
    return make.division(name, calendar_code=code)


@pytest.fixture
def office(app, make, stopped_clock):
    """Division A (Queensland) with the administrator's cases, division B (Victoria)."""
    a = division_with_calendar(make, "Customer Services", "AU-QLD")
    b = division_with_calendar(make, "Licensing", "AU-VIC")
    boss = make.user("boss", "administrator", division=a).participant
    coordinator = make.user("coord", "coordinator", division=a).participant
    cases = {}

    def complaint(name, division, **values):
        cases[name] = make.complaint(division=division, **values)
        return cases[name]

    # Mine (the administrator manages them), in division A.
    set_case(Complaint, complaint("mine soon", a, manager=boss), due=NOW + 30 * MINUTE)
    set_case(Complaint, complaint("mine overdue", a, manager=boss), due=NOW - timedelta(hours=1))
    set_case(
        Complaint,
        complaint("mine waiting", a, manager=boss),
        due=NOW + timedelta(hours=1),
        status="awaiting_complainant",
        paused=True,
    )
    set_case(Complaint, complaint("mine later", a, manager=boss), due=NOW + timedelta(days=30))
    # Others' in division A: one just inside the two business days, one just outside.
    set_case(Complaint, complaint("monday", a), due=datetime(2026, 11, 30, 9, 0, tzinfo=BRISBANE))
    set_case(Complaint, complaint("edge", a), due=QLD_CUTOFF - MINUTE)
    set_case(Complaint, complaint("past edge", a), due=QLD_CUTOFF + MINUTE)
    set_case(Complaint, complaint("overdue", a), due=NOW - timedelta(days=2))
    set_case(Complaint, complaint("closed", a), due=NOW - timedelta(days=2), status="closed")
    # Division B runs on the Victorian calendar: its two business days end half an hour
    # earlier (5.30 pm in Melbourne is 4.30 pm in Brisbane).
    set_case(Complaint, complaint("vic inside", b), due=VIC_CUTOFF - MINUTE)
    set_case(Complaint, complaint("vic outside", b), due=VIC_CUTOFF + MINUTE)
    set_case(
        Complaint,
        complaint("vic waiting", b),
        due=NOW + timedelta(hours=2),
        status="awaiting_complainant",
        paused=True,
    )
    return {"a": a, "b": b, "boss": boss, "coordinator": coordinator, "cases": cases}


def test_two_business_days_end_at_the_close_of_the_second_business_day_of_each_calendar(
    office, make
):
    ahead = dashboard.business_days_ahead(db.session, NOW, 2)
    assert ahead[make.calendar("AU-QLD").id] == QLD_CUTOFF
    assert ahead[make.calendar("AU-VIC").id] == VIC_CUTOFF
    assert VIC_CUTOFF - NOW > timedelta(hours=48)


def test_an_administrator_sees_their_own_and_their_division_work(office, auth, client):
    auth.login("boss")
    counts = home_counts(client, "Complaints")
    found = {key: count for key, (count, _) in counts.items()}
    assert found == {
        "mine:open": 4,
        "mine:due": 1,
        "mine:overdue": 1,
        "mine:waiting": 1,
        # Division A: the four mine, monday, edge, past edge, overdue (closed is not open).
        "division:open": 8,
        "division:due": 3,  # mine soon, monday, edge
        "division:overdue": 2,
        "division:waiting": 1,
        # Every division: A's eight and B's three.
        "all:open": 11,
    }


def test_each_home_count_equals_the_rows_its_link_shows(office, auth, client):
    auth.login("boss")
    counts = home_counts(client, "Complaints")
    assert counts
    for key, (count, url) in counts.items():
        assert rows_shown(client, url) == count, (key, url)


def test_a_coordinator_counts_only_their_division(office, auth, client):
    auth.login("coord")
    counts = home_counts(client, "Complaints")
    found = {key: count for key, (count, _) in counts.items()}
    assert found["mine:open"] == 0
    assert found["division:due"] == 3
    assert found["division:waiting"] == 1
    assert found["all:open"] == 8
    for key, (count, url) in counts.items():
        assert rows_shown(client, url) == count, (key, url)


def test_the_victorian_calendar_ends_its_two_business_days_earlier(office, make, auth, client):
    make.user("vic", "coordinator", division=office["b"])
    auth.login("vic")
    counts = home_counts(client, "Complaints")
    count, url = counts["division:due"]
    assert count == 1
    page = client.get(url).get_data(as_text=True)
    assert office["cases"]["vic inside"].reference in page
    assert office["cases"]["vic outside"].reference not in page
    assert counts["division:waiting"][0] == 1


def test_a_complaint_manager_has_no_division_section(office, make, auth, client):
    manager = make.user("manager", "complaint_manager", division=office["a"])
    make.complaint(division=office["a"], manager=manager.participant)
    auth.login("manager")
    counts = home_counts(client, "Complaints")
    assert counts["mine:open"][0] == 1
    assert not any(key.startswith("division:") for key in counts)


def test_tickets_and_reviews_count_my_work_in_their_calendars(office, make, auth, client):
    boss = office["boss"]
    client_org = Participant(kind="client_organisation", organisation_name="Acme Training")
    db.session.add(client_org)
    db.session.commit()
    tickets = []
    for _ in range(3):
        ticket = Ticket(
            severity="2", summary="Portal down", client=client_org, agent=boss, reported_at=NOW
        )
        db.session.add(ticket)
        db.session.commit()
        tickets.append(ticket)
    # The service desk runs on Victorian time by default.
    set_case(Ticket, tickets[0], due=VIC_CUTOFF - MINUTE)
    set_case(Ticket, tickets[1], due=QLD_CUTOFF - MINUTE)
    set_case(Ticket, tickets[2], due=NOW + MINUTE, status="waiting_on_client", paused=True)
    review = InternalReview(
        complaint=office["cases"]["overdue"], reviewer=make.staff(level="AO8"), requested_at=NOW
    )
    db.session.add(review)
    db.session.commit()
    set_case(InternalReview, review, due=NOW + timedelta(hours=3))

    auth.login("boss")
    ticket_counts = home_counts(client, "Service-desk tickets")
    assert ticket_counts["mine:open"][0] == 3
    assert ticket_counts["mine:due"][0] == 1
    assert ticket_counts["mine:waiting"][0] == 1
    assert "Waiting on the client" in client.get("/admin/").get_data(as_text=True)
    review_counts = home_counts(client, "Internal reviews")
    assert review_counts["mine:open"][0] == 0
    assert review_counts["division:due"][0] == 1
    for counts in (ticket_counts, review_counts):
        for key, (count, url) in counts.items():
            assert rows_shown(client, url) == count, (key, url)
