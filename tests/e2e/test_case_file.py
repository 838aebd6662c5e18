"""The case file in a browser, at a laptop's 1366×768 and a phone's 390×844: the facts and
the timeline fit the screen (no sideways scrolling, long words and wide emails included),
the timeline is visible, and axe-core finds nothing serious."""

import re
from datetime import datetime, timezone

import pytest

from tests.e2e.conftest import PASSWORD, off_site

pytestmark = pytest.mark.e2e


def serious_violations_in(page, selector):
    """axe-core's serious or critical findings inside the element (the case file: the
    portal's navigation bar and tabs around it are the theme's, checked on their own)."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, context={"include": [[selector]]})
    return [
        f"{violation['id']} ({violation['impact']}): "
        + "; ".join(node["target"][0] for node in violation["nodes"])
        for violation in results.response["violations"]
        if violation["impact"] in ("serious", "critical")
    ]


RECEIVED = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # Monday 2 March, 10:00 Brisbane
WIDE_EMAIL = (
    '<table width="2800"><tr><td>A table the sender made 2,800 pixels wide</td></tr></table>'
    "<p>" + "unbroken" * 60 + "</p>"
)


@pytest.fixture(scope="module")
def case_file(live_server):
    """A complaint of the coordinator's division with every kind of timeline entry."""
    from models import Complaint, Division, InboundMessage, Participant, User, db
    from services import notes
    from tests.timeline_fixtures import fill

    with live_server.app.app_context():
        division = db.session.execute(db.select(Division).filter_by(code="CS")).scalar_one()
        complainant = db.session.execute(
            db.select(Participant).filter_by(family_name="Nguyen")
        ).scalar_one()
        coordinator = db.session.execute(db.select(User).filter_by(username="coord")).scalar_one()
        complaint = Complaint(
            kind="complaint",
            summary="The counter was closed when the sign said open " + "x" * 120,
            description="A long description. " * 40,
            division=division,
            received_at=RECEIVED,
            complainant=complainant,
        )
        db.session.add(complaint)
        db.session.commit()
        fill(complaint, 30, user=coordinator)
        db.session.add(
            InboundMessage(
                complaint=complaint,
                message_id="<wide@example.com>",
                mailbox="complaints",
                status="filed",
                received_at=datetime(2026, 3, 3, 0, 0, tzinfo=timezone.utc),
                from_address="sam.nguyen@example.com",
                subject="A wide email " + "y" * 150,
                body_html=WIDE_EMAIL,
            )
        )
        notes.add(
            db.session,
            complaint,
            coordinator,
            kind="note",
            summary="A note with a long link https://example.com/" + "z" * 200,
        )
        db.session.commit()
        return complaint.id


@pytest.mark.parametrize("width,height", [(1366, 768), (390, 844)])
def test_the_case_file_fits_the_screen_and_passes_axe(
    browser, live_server, case_file, width, height
):
    context = browser.new_context(
        locale="en-AU",
        timezone_id="Australia/Brisbane",
        viewport={"width": width, "height": height},
    )
    context.set_default_timeout(10_000)
    page = context.new_page()
    requested = []
    page.on("request", lambda request: requested.append(request.url))
    try:
        page.goto(live_server.url + f"/admin/complaint/details/?id={case_file}")
        page.get_by_label("Username").fill("coord")
        page.get_by_label("Password").fill(PASSWORD)
        page.get_by_role("button", name="Sign in").click()
        page.wait_for_url(re.compile(r"/admin/complaint/details/"))
        timeline = page.locator("section.case-timeline")
        timeline.scroll_into_view_if_needed()
        assert timeline.is_visible()
        assert page.locator("#facts-heading").is_visible()
        assert page.locator(".timeline-entry").count() > 30
        scroll_width, inner_width = page.evaluate(
            "[document.scrollingElement.scrollWidth, window.innerWidth]"
        )
        assert scroll_width <= inner_width, f"{scroll_width} px wide on a {inner_width} px screen"
        found = serious_violations_in(page, ".case-file")
        assert found == [], "\n".join(found)
        # The chips filter without a script: a link to the same page.
        page.get_by_role("link", name=re.compile(r"^Notes \d+")).click()
        page.wait_for_url(re.compile(r"timeline=notes"))
        assert page.locator(".timeline-entry").count() >= 7
        assert (
            page.locator(".timeline-entry:not(.timeline-note):not(.timeline-contact)").count() == 0
        )
        assert off_site(requested) == []
    finally:
        context.close()
