"""A support agent opens the service-level report, reads its chart and table, and
downloads it as a workbook whose numbers are the page's."""

import re
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import openpyxl
import pytest

from tests.e2e.conftest import PASSWORD, off_site
from tests.e2e.test_csp import watched  # noqa: F401 - the tab that records CSP violations

pytestmark = pytest.mark.e2e

BRISBANE = ZoneInfo("Australia/Brisbane")
SEVERITY_2 = "2: a function or some users affected"


def last_month() -> date:
    today = datetime.now(BRISBANE).date()
    return (today.replace(day=1) - timedelta(days=1)).replace(day=1)


@pytest.fixture(scope="module")
def desk(live_server):
    """Last month: three severity-2 tickets resolved, two in time and one a minute late."""
    from models import Calendar, Capacity, Participant, Ticket, User, db

    with live_server.app.app_context():
        calendar = db.session.execute(db.select(Calendar).filter_by(code="AU-QLD")).scalar_one()
        client = Participant(
            kind="client_organisation", organisation_name="Acme Training", calendar=calendar
        )
        agent = User(
            username="agent",
            participant=Participant(kind="staff", given_name="Ari", family_name="Agent"),
            active=True,
        )
        agent.set_password(PASSWORD)
        agent.capacities = [
            db.session.execute(db.select(Capacity).filter_by(code="support_agent")).scalar_one()
        ]
        db.session.add_all([client, agent])
        start = last_month()
        reported = datetime(start.year, start.month, 2, 9, 0, tzinfo=BRISBANE)
        for late in (False, False, True):
            ticket = Ticket(
                severity="2",
                summary="Reports will not open",
                client=client,
                reported_at=reported,
                status="resolved",
            )
            db.session.add(ticket)
            db.session.flush()
            ticket.first_response_at = ticket.first_response_due_at
            ticket.resolved_at = ticket.resolution_due_at + timedelta(minutes=1 if late else 0)
            db.session.flush()
        db.session.commit()
        return start


def test_an_agent_downloads_the_service_level_report_it_reads(
    watched,  # noqa: F811 - the fixture imported above
    live_server,
    desk,
    tmp_path,
):
    page = watched
    page.goto(live_server.url + "/admin/reports/service-levels/")
    assert "/login?next=" in page.url
    page.get_by_label("Username").fill("agent")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(re.compile(r"/admin/reports/service-levels/$"))

    # Pick last month in the period picker and show it.
    label = desk.strftime("%B %Y")
    page.get_by_role("combobox", name="Period", exact=True).select_option(label=label)
    page.get_by_role("button", name="Show").click()
    page.wait_for_url(re.compile(rf"period={desk:%Y-%m}"))
    assert page.get_by_role("heading", name=f"Service levels, {label}").is_visible()

    chart = page.get_by_role("img", name=re.compile(f"Tickets meeting their targets, {label}"))
    assert chart.is_visible()
    assert "Resolution met 66.7%" in chart.locator("desc").text_content()
    row = page.locator("table.report-table tbody tr", has_text=label).filter(has_text=SEVERITY_2)
    cells = [c.strip() for c in row.locator("th, td").all_inner_texts()]
    assert cells == [label, SEVERITY_2, "3", "3", "0", "100.0", "2", "1", "66.7", "95", "No"]

    with page.expect_download() as download_info:
        page.get_by_role("link", name="XLSX").click()
    download = download_info.value
    assert download.suggested_filename == f"service-level-report-{desk:%Y-%m}.xlsx"
    saved = tmp_path / download.suggested_filename
    download.save_as(saved)
    sheet = openpyxl.load_workbook(saved).active
    rows = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert rows[0][:3] == ["Period", "Severity", "Resolved"]
    found = next(r for r in rows if r[0] == label and r[1] == SEVERITY_2)
    assert found[2:] == [3, 3, 0, 100, 2, 1, 66.7, 95, "No"]

    assert off_site(page.requested) == []
    assert page.violations == []
