"""A complaint manager, in a browser, cannot move the received instant of their own case."""

from datetime import datetime, timezone

import pytest

from tests.e2e.conftest import PASSWORD

pytestmark = pytest.mark.e2e

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


@pytest.fixture(scope="module")
def own_case(live_server):
    from models import Capacity, ClassificationLevel, Complaint, Division, Participant, User, db

    with live_server.app.app_context():
        division = db.session.execute(db.select(Division).filter_by(code="CS")).scalar_one()
        ao5 = db.session.execute(db.select(ClassificationLevel).filter_by(code="AO5")).scalar_one()
        manager = Participant(
            kind="staff", given_name="Mo", family_name="Timed", division=division, level=ao5
        )
        account = User(username="timed.manager", participant=manager, active=True)
        account.set_password(PASSWORD)
        account.capacities = [
            db.session.execute(
                db.select(Capacity).filter_by(code="complaint_manager")
            ).scalar_one()
        ]
        complaint = Complaint(
            summary="My own case",
            division=division,
            received_at=RECEIVED,
            manager=manager,
            complainant=Participant(kind="complainant", given_name="Sam", family_name="Timed"),
        )
        db.session.add_all([account, complaint])
        db.session.commit()
        return complaint.id


def test_a_manager_cannot_move_their_own_received_instant(page, live_server, own_case):
    page.goto(live_server.url + "/login")
    page.get_by_label("Username").fill("timed.manager")
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Sign in").click()
    page.goto(f"{live_server.url}/admin/complaint/edit/?id={own_case}")
    page.locator("#summary").wait_for()
    assert page.locator("#received_at").count() == 0
    assert page.locator("#decision_maker, #s2id_decision_maker").count() == 0
    page.fill("#summary", "My own case, edited")
    page.click("input[type=submit][value=Save]")
    page.locator(".alert-success").first.wait_for()
    page.goto(f"{live_server.url}/admin/complaint/details/?id={own_case}")
    assert "Correct received instant" not in page.content()
    response = page.goto(f"{live_server.url}/admin/complaint/correct-start/?id={own_case}")
    assert response.status == 403

    from models import Complaint, db

    with live_server.app.app_context():
        saved = db.session.get(Complaint, own_case)
        assert saved.summary == "My own case, edited"
        assert saved.received_at == RECEIVED
