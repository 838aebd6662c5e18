"""An internal reviewer signs in and finds only the reviews assigned to them."""

import re
from datetime import datetime, timezone

import pytest

from tests.e2e.conftest import PASSWORD, off_site

pytestmark = pytest.mark.e2e

REQUESTED = datetime(2026, 4, 1, 1, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def reviews(live_server):
    """Two complaints of Customer Services under review: one by Riley, one by someone else."""
    from models import (
        Capacity,
        ClassificationLevel,
        Complaint,
        Division,
        InternalReview,
        Participant,
        User,
        db,
    )

    with live_server.app.app_context():
        division = db.session.execute(db.select(Division).filter_by(code="CS")).scalar_one()
        ao8 = db.session.execute(db.select(ClassificationLevel).filter_by(code="AO8")).scalar_one()
        riley = Participant(
            kind="staff", given_name="Riley", family_name="Reviewer", division=division, level=ao8
        )
        other = Participant(
            kind="staff", given_name="Jo", family_name="Other", division=division, level=ao8
        )
        account = User(username="reviewer", participant=riley, active=True)
        account.set_password(PASSWORD)
        account.capacities = [
            db.session.execute(
                db.select(Capacity).filter_by(code="internal_reviewer")
            ).scalar_one()
        ]
        references = {}
        for name, reviewer in (("mine", riley), ("theirs", other)):
            complaint = Complaint(
                summary=f"Review {name}",
                division=division,
                received_at=REQUESTED,
                complainant=Participant(kind="complainant", given_name="Sam", family_name=name),
            )
            db.session.add(complaint)
            db.session.flush()
            db.session.add(
                InternalReview(complaint=complaint, reviewer=reviewer, requested_at=REQUESTED)
            )
            references[name] = complaint.reference
        db.session.add(account)
        db.session.commit()
        return references


def test_a_reviewer_sees_only_the_reviews_assigned_to_them(page, live_server, reviews):
    page.goto(live_server.url + "/admin/internal_review/")
    assert "/login?next=" in page.url
    page.get_by_label("Username").fill("reviewer")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    # The list opens on the reviews assigned to me, and says so.
    page.wait_for_url(re.compile(r"/admin/internal_review/\?flt0_assigned_to_me_is=1$"))
    assert page.locator("#filter_form, .filters").first.is_visible()

    cells = page.locator("table.model-list td.col-complaint")
    assert cells.count() == 1
    assert cells.first.inner_text().strip() == reviews["mine"]
    assert reviews["theirs"] not in page.content()

    # The menu offers the screens the reviewer may list, and no others.
    assert page.locator("nav a[href='/admin/internal_review/']").count() == 1
    assert page.locator("nav a[href='/admin/complaint/']").count() == 1
    for hidden in ("/admin/ticket/", "/admin/user/", "/admin/extension/", "/admin/participant/"):
        assert page.locator(f"nav a[href='{hidden}']").count() == 0, hidden
    # The complaints list shows the complaint under my review, to read: no register button.
    response = page.goto(live_server.url + "/admin/complaint/")
    assert response.status == 200
    assert reviews["mine"] in page.content() and reviews["theirs"] not in page.content()
    assert page.locator("a[href*='/admin/complaint/new/']").count() == 0

    assert off_site(page.requested) == []
