"""A complaint manager asks for an extension from the complaint's page; its decision maker or
a coordinator of its division sees the request (on the page, and counted on the home page)
and approves or declines it. The same rules hold for a direct save of a request.

The clock is stopped at Tuesday 10 March 2026, 10:00 in Brisbane; the complaint was received
on Monday 2 March, so its standard resolution is due at 5 pm on Monday 30 March.
"""

import html as html_lib
import re
from datetime import datetime, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import insert, select, update
from sqlalchemy.exc import IntegrityError

from models import Complaint, Extension, ExtensionRequest, db
from rules.errors import RuleViolation
from services import extension_requests
from tests.conftest import csrf_token
from tests.test_dashboard import home_counts, rows_shown
from tests.test_workflow_screens import history_of

BRISBANE = ZoneInfo("Australia/Brisbane")
DUE_NOW = datetime(2026, 3, 30, 17, 0, tzinfo=BRISBANE)
APRIL_30 = datetime(2026, 4, 30, 17, 0, tzinfo=BRISBANE)


@pytest.fixture
def case(app, make, time_machine):
    # Before anyone signs in: a session from "the future" is refused.
    time_machine.move_to(datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc), tick=False)
    division = make.division("Customer Services", calendar_code="AU-QLD")
    make.user("coord", "coordinator", division=division)
    manager = make.user("marsh", "complaint_manager", level="AO5").participant
    decider = make.user("deakin", "decision_maker", level="AO7").participant
    complaint = make.complaint(
        division=division,
        received_at=datetime(2026, 3, 2, 9, 0, tzinfo=BRISBANE),
        classification="complex",
        manager=manager,
        decision_maker=decider,
    )
    assert complaint.resolution_due_at == DUE_NOW
    return complaint


def details(client, complaint):
    response = client.get(f"/admin/complaint/details/?id={complaint.id}")
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def ask(client, complaint, proposed_due, reason="Independent advice sought"):
    url = f"/admin/complaint/extension-request/?id={complaint.id}"
    page = client.get(url)
    token = csrf_token(page.get_data(as_text=True)) if page.status_code == 200 else "none"
    response = client.post(
        url,
        data={"csrf_token": token, "proposed_due_at": proposed_due, "reason": reason},
        follow_redirects=True,
    )
    return response.status_code, html_lib.unescape(response.get_data(as_text=True))


def decide(client, complaint, decision, note=""):
    page = client.get(f"/admin/complaint/details/?id={complaint.id}").get_data(as_text=True)
    if 'name="csrf_token"' not in page:
        # Not offered the decision: post anyway, with the session's token from the edit form.
        page = client.get(f"/admin/complaint/edit/?id={complaint.id}").get_data(as_text=True)
    request = db.session.scalars(
        select(ExtensionRequest).where(ExtensionRequest.complaint_id == complaint.id)
    ).all()[-1]
    response = client.post(
        f"/admin/complaint/extension-request/decide/?id={complaint.id}",
        data={
            "csrf_token": csrf_token(page),
            "request_id": str(request.id),
            "row_version": str(request.version),
            "decision": decision,
            "note": note,
        },
        follow_redirects=True,
    )
    assert response.status_code == 200
    return html_lib.unescape(response.get_data(as_text=True))


def requests_of(complaint):
    db.session.expire_all()
    return db.session.scalars(
        select(ExtensionRequest).where(ExtensionRequest.complaint_id == complaint.id)
    ).all()


def awaiting(client):
    """The home page's count of requests awaiting my decision, and the rows its link shows."""
    count, url = home_counts(client, "Complaints")["extensions:awaiting"]
    return count, rows_shown(client, url)


def test_the_manager_asks_and_the_decision_maker_approves_from_the_complaints_page(case, auth):
    auth.login("marsh")
    page = details(auth.client, case)
    assert "This complaint needs an extension" in page
    assert "Ask for an extension…" in page
    status, page = ask(auth.client, case, "30/04/2026 17:00")
    assert status == 200
    assert "Asked for an extension of CTS-2026-000001 to 30/04/2026 17:00" in page
    assert "Waiting for a decision" in page
    assert "Ask for an extension…" not in page  # one request at a time
    assert 'name="decision"' not in page  # the manager does not decide it
    auth.logout()

    auth.login("deakin")
    assert awaiting(auth.client) == (1, 1)
    page = details(auth.client, case)
    assert "Independent advice sought" in page and "30/04/2026 17:00" in page
    assert 'value="approved"' in page and 'value="declined"' in page
    page = decide(auth.client, case, "approved")
    assert "Approved: the resolution due of CTS-2026-000001 is now 30/04/2026 17:00." in page
    assert awaiting(auth.client) == (0, 0)
    auth.logout()

    complaint = db.session.get(Complaint, case.id)
    assert complaint.resolution_due_at == APRIL_30
    extension = db.session.execute(select(Extension)).scalar_one()
    assert extension.approved_by.family_name == "Deakin"
    assert extension.new_due_at == APRIL_30
    assert extension.reason == "Independent advice sought"
    (request,) = requests_of(case)
    assert (request.decision, request.decided_by.family_name) == ("approved", "Deakin")
    assert request.extension_id == extension.id
    actions = [entry.action for entry in history_of(complaint)]
    assert "extension_requested" in actions and "extension_approved" in actions

    auth.login("marsh")
    page = details(auth.client, case)
    assert "Approved" in page and "by A. Deakin" in page
    assert "New resolution due: 30/04/2026 17:00" in page
    assert "A. Deakin approved the extension A. Marsh asked for" in page  # the history


def test_an_approved_request_for_a_sunday_is_moved_to_closing_time_and_says_so(case, auth):
    auth.login("marsh")
    ask(auth.client, case, "26/04/2026 12:00")  # a Sunday
    auth.logout()
    auth.login("coord")
    page = decide(auth.client, case, "approved")
    assert (
        "26/04/2026 12:00 is not closing time of a business day of CTS-2026-000001's calendar: "
        "the new resolution due was moved to 27/04/2026 17:00." in page
    )
    monday = datetime(2026, 4, 27, 17, 0, tzinfo=BRISBANE)
    assert db.session.get(Complaint, case.id).resolution_due_at == monday
    assert "extension_moved" in [entry.action for entry in history_of(case)]


def test_a_coordinator_of_the_division_declines_with_a_note_the_manager_reads(case, auth):
    auth.login("marsh")
    ask(auth.client, case, "30/04/2026 17:00")
    auth.logout()

    auth.login("coord")
    assert awaiting(auth.client) == (1, 1)
    page = decide(auth.client, case, "declined")
    assert "Say why the extension is declined: the complaint manager reads it." in page
    assert requests_of(case)[0].decision is None
    page = decide(auth.client, case, "declined", note="Finish by the due date")
    assert "Declined the extension request of CTS-2026-000001." in page
    assert awaiting(auth.client) == (0, 0)
    auth.logout()

    (request,) = requests_of(case)
    assert (request.decision, request.decided_by.family_name) == ("declined", "Coord")
    assert request.decision_note == "Finish by the due date"
    assert db.session.execute(select(Extension)).first() is None
    assert db.session.get(Complaint, case.id).resolution_due_at == DUE_NOW
    assert "extension_declined" in [entry.action for entry in history_of(case)]
    auth.login("marsh")
    page = details(auth.client, case)
    assert "Declined" in page and "Note: Finish by the due date" in page
    assert "Ask for an extension…" in page  # may ask again


def test_a_request_that_does_not_give_more_time_is_refused_and_nothing_is_saved(case, auth):
    auth.login("marsh")
    status, page = ask(auth.client, case, "20/03/2026 17:00")
    assert status == 200
    assert (
        "must be later than the one it extends, 5:00 pm on Monday 30 March 2026 "
        "(Brisbane time), not 5:00 pm on Friday 20 March 2026" in page
    )
    assert "Independent advice sought" in page  # the input is kept
    status, page = ask(auth.client, case, "30/04/2026", reason="")
    assert "Enter a date and time as dd/mm/yyyy hh:mm" in page
    status, page = ask(auth.client, case, "30/04/2026 17:00", reason="  ")
    assert "Say why the complaint needs more time" in page
    assert requests_of(case) == []


def test_a_second_request_while_one_waits_is_refused(case, auth):
    auth.login("marsh")
    ask(auth.client, case, "30/04/2026 17:00")
    status, page = ask(auth.client, case, "15/05/2026 17:00")
    assert (
        "CTS-2026-000001 already has an extension request waiting for a decision: wait for "
        "it to be approved or declined before asking again." in page
    )
    assert len(requests_of(case)) == 1


def test_a_request_on_a_closed_complaint_is_refused(case, auth):
    db.session.execute(update(Complaint).where(Complaint.id == case.id).values(status="closed"))
    db.session.commit()
    auth.login("marsh")
    page = details(auth.client, case)
    assert "Ask for an extension…" not in page
    assert (
        "CTS-2026-000001 is closed: an extension is asked for only while the complaint is open."
        in page
    )
    status, page = ask(auth.client, case, "30/04/2026 17:00")
    assert (
        "CTS-2026-000001 is closed: an extension is asked for only while the complaint is open."
        in page
    )
    assert requests_of(case) == []


@pytest.mark.parametrize("who", ["deakin", "coord"])
def test_only_the_complaints_manager_may_ask(case, auth, who):
    auth.login(who)
    assert "Ask for an extension…" not in details(auth.client, case)
    status, page = ask(auth.client, case, "30/04/2026 17:00")
    assert re.search(
        r"\w\. \w+ does not manage CTS-2026-000001: only its complaint manager asks for an "
        r"extension of it\.",
        page,
    )
    assert requests_of(case) == []


def test_the_manager_cannot_approve_their_own_request(case, auth):
    auth.login("marsh")
    ask(auth.client, case, "30/04/2026 17:00")
    page = decide(auth.client, case, "approved")
    assert (
        "A. Marsh manages CTS-2026-000001: an extension request is decided by its decision "
        "maker or a coordinator, not by the complaint manager who asked for more time." in page
    )
    assert requests_of(case)[0].decision is None
    assert db.session.execute(select(Extension)).first() is None


# --- the other door: a direct save of the session ---------------------------------------


def test_a_direct_save_obeys_the_same_rules(case):
    manager, decider = case.manager, case.decision_maker
    now = datetime(2026, 3, 10, 10, 0, tzinfo=BRISBANE)
    with pytest.raises(RuleViolation, match="A. Deakin does not manage CTS-2026-000001"):
        extension_requests.ask(db.session, case, decider, APRIL_30, "More time", now)
    db.session.rollback()
    with pytest.raises(RuleViolation, match="must be later than the one it extends"):
        extension_requests.ask(db.session, case, manager, DUE_NOW, "More time", now)
    db.session.rollback()

    request = ExtensionRequest(
        complaint=case, requested_by=manager, proposed_due_at=APRIL_30, reason="More time"
    )
    db.session.add(request)
    db.session.commit()
    db.session.add(
        ExtensionRequest(
            complaint=case, requested_by=manager, proposed_due_at=APRIL_30, reason="Again"
        )
    )
    with pytest.raises(RuleViolation, match="already has an extension request waiting"):
        db.session.commit()
    db.session.rollback()

    # The manager cannot decide it, whatever the door.
    request.decision, request.decided_by = "approved", manager
    with pytest.raises(RuleViolation, match="A. Marsh manages CTS-2026-000001"):
        db.session.commit()
    db.session.rollback()

    # Approved by the decision maker: the extension is recorded and moves the due.
    request.decision, request.decided_by = "approved", decider
    db.session.commit()
    assert case.resolution_due_at == APRIL_30
    assert request.extension.approved_by is decider

    # Decided once: not decided again, and what was asked is not rewritten.
    request.decision, request.decision_note = "declined", "Changed my mind"
    with pytest.raises(RuleViolation, match="already approved by A. Deakin"):
        db.session.commit()
    db.session.rollback()
    request.proposed_due_at = datetime(2026, 5, 29, 17, 0, tzinfo=BRISBANE)
    with pytest.raises(RuleViolation, match="stands as it was asked"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(ExtensionRequest, request.id).decision == "approved"
    assert len(db.session.execute(select(Extension)).all()) == 1


def test_a_direct_save_on_a_closed_complaint_is_refused(case):
    db.session.execute(update(Complaint).where(Complaint.id == case.id).values(status="closed"))
    db.session.commit()
    db.session.refresh(case)
    db.session.add(
        ExtensionRequest(
            complaint=case, requested_by=case.manager, proposed_due_at=APRIL_30, reason="More"
        )
    )
    with pytest.raises(RuleViolation, match="CTS-2026-000001 is closed"):
        db.session.commit()
    db.session.rollback()
    assert db.session.execute(select(ExtensionRequest)).first() is None


def test_the_database_keeps_one_pending_request_per_complaint_even_behind_the_hooks(case):
    row = {
        "complaint_id": case.id,
        "requested_by_id": case.manager_id,
        "requested_at": datetime(2026, 3, 10, 10, 0, tzinfo=BRISBANE),
        "proposed_due_at": APRIL_30,
        "reason": "More time",
        "version": 1,
    }
    db.session.execute(insert(ExtensionRequest).values(**row))
    db.session.commit()
    # A statement, not an ORM save: no flush hook stops it, the unique index does.
    with pytest.raises(IntegrityError):
        db.session.execute(insert(ExtensionRequest).values(**row))
        db.session.commit()
    db.session.rollback()
    # A decided request does not count.
    db.session.execute(update(ExtensionRequest).values(decision="declined"))
    db.session.execute(insert(ExtensionRequest).values(**row))
    db.session.commit()
    assert len(requests_of(case)) == 2
