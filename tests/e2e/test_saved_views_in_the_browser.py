"""A coordinator in a browser: the home page's queues, choosing a list's columns, saving
the list as a view shared with the division, and the view on the home page with its count;
axe-core finds nothing serious on the home page or the Saved views page."""

from datetime import datetime, timezone

import pytest

from tests.e2e.conftest import PASSWORD, off_site

pytestmark = pytest.mark.e2e


@pytest.fixture(scope="module")
def complaints(live_server):
    from models import Complaint, Division, Participant, db

    with live_server.app.app_context():
        division = db.session.execute(db.select(Division).filter_by(code="CS")).scalar_one()
        for n in range(3):
            db.session.add(
                Complaint(
                    summary=f"Queue case {n}",
                    division=division,
                    received_at=datetime(2026, 3, 2, n, 0, tzinfo=timezone.utc),
                    complainant=Participant(
                        kind="complainant", given_name="Sam", family_name=f"Queue{n}"
                    ),
                )
            )
        db.session.commit()


def serious_violations(page, *selectors):
    """axe-core's serious or critical findings in the page's own parts (the theme's
    navigation bar is checked on its own)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context={"include": [[selector] for selector in selectors]})
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


def test_a_coordinator_saves_a_shared_view_and_finds_it_on_the_home_page(
    page, live_server, complaints
):
    page.goto(live_server.url + "/login")
    page.get_by_label("Username").fill("coord")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    assert page.locator("[data-queue-group=coordinator]").count() == 1
    assert serious_violations(page, "[data-queues]", "[data-panel]") == []

    page.goto(f"{live_server.url}/admin/complaint/?flt0_state_is=open")
    page.locator("#grid-columns summary").click()
    for name in ("category", "classification", "division", "manager", "decision_maker"):
        page.locator(f"#column-{name}").uncheck()
    page.get_by_role("button", name="Show these columns").click()
    page.wait_for_url("**columns=**")
    assert page.locator("th.column-header.col-manager").count() == 0
    assert page.locator("th.column-header.col-reference").count() == 1

    page.locator("#save-view summary").click()
    page.get_by_label("Name", exact=True).fill("Open, short")
    page.get_by_label("Share with my division").check()
    page.get_by_role("button", name="Save view").click()
    page.locator(".alert-success").first.wait_for()
    assert "for your division" in page.locator(".alert-success").first.inner_text()

    page.goto(f"{live_server.url}/admin/")
    card = page.locator("[data-queue-group=saved]")
    assert card.get_by_role("link", name="Open, short").count() == 1
    assert card.locator("[data-count^='saved:']").inner_text() == "3"
    assert serious_violations(page, "[data-queues]") == []
    card.get_by_role("link", name="Open, short").click()
    page.wait_for_url("**columns=**")
    assert page.locator("th.column-header.col-manager").count() == 0
    assert serious_violations(page, ".grid-views") == []

    page.goto(f"{live_server.url}/admin/saved-views/")
    assert serious_violations(page, "h1", "table") == []
    assert off_site(page.requested) == []
