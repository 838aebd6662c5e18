"""Nobody being timed or checked moves what times or checks them, through any door.

A clock's start (received, reported, requested) is set at creation and corrected only by a
coordinator or administrator, with a reason, in the history; the officers change only
through the assign steps; the people a complaint is about only by a coordinator or
administrator; a rank only by an administrator, with a reason, and the officer's open
cases it breaks are listed. Each through the admin edit form and through a direct save
(standing in for an import or a command), and the inline-edit endpoint.
"""

import html as html_lib
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models import (
    ClassificationLevel,
    Complaint,
    HistoryEntry,
    InternalReview,
    Participant,
    Ticket,
    User,
    db,
)
from rules.errors import RuleViolation
from services import custody
from tests.admin_forms import confirmation, form_values, press

RECEIVED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)  # 19:00 Monday in Brisbane
NOW = datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc)  # Tuesday 10 March, 10:00 Brisbane


@pytest.fixture
def now(time_machine):
    # Before anyone signs in: a session signed later than "now" is refused.
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def case(make, now):
    """A complaint managed by `marsh` (AO5) and decided by `deakin` (AO7)."""
    manager = make.user("marsh", "complaint_manager", level="AO5")
    decider = make.user("deakin", "decision_maker", level="AO7")
    make.user("coord", "coordinator")
    make.user("boss", "administrator")
    complaint = make.complaint(
        manager=manager.participant,
        decision_maker=decider.participant,
        status="registered",
        received_at=RECEIVED,
    )
    return complaint


def fresh(model, record_id):
    db.session.expire_all()
    return db.session.get(model, record_id)


def page_text(response) -> str:
    return html_lib.unescape(response.get_data(as_text=True))


def posted_edit(client, url, **values):
    page = client.get(url)
    assert page.status_code == 200
    data = form_values(page.get_data(as_text=True))
    data.update(values)
    return page.get_data(as_text=True), client.post(url, data=data)


def refused_on_commit(match: str):
    with pytest.raises(RuleViolation) as refusal:
        db.session.commit()
    db.session.rollback()
    assert match in str(refusal.value)


def entries(record, action):
    return db.session.scalars(
        select(HistoryEntry).where(
            HistoryEntry.record_type == type(record).__name__,
            HistoryEntry.record_id == record.id,
            HistoryEntry.action == action,
        )
    ).all()


# The received instant ----------------------------------------------------------------


def test_the_complaint_manager_cannot_move_the_received_instant_in_the_edit_form(
    case, auth, client
):
    auth.login("marsh")
    url = f"/admin/complaint/edit/?id={case.id}"
    form, response = posted_edit(
        client, url, received_at="2026-03-09T09:00", summary="Edited by the manager"
    )
    assert 'name="received_at"' not in form
    assert response.status_code == 302
    saved = fresh(Complaint, case.id)
    assert saved.summary == "Edited by the manager"
    assert saved.received_at == RECEIVED


def test_a_direct_save_of_the_received_instant_is_refused_and_nothing_is_saved(case):
    complaint = fresh(Complaint, case.id)
    complaint.received_at = datetime(2026, 3, 9, 0, 0, tzinfo=timezone.utc)
    complaint.summary = "Changed in the same save"
    refused_on_commit("The received instant starts the complaint's clocks")
    saved = fresh(Complaint, case.id)
    assert saved.received_at == RECEIVED
    assert saved.summary == "Counter staff were rude"


def test_the_inline_edit_endpoint_does_not_move_the_received_instant(case, auth, client):
    auth.login("marsh")
    page = client.get(f"/admin/complaint/edit/?id={case.id}").get_data(as_text=True)
    token = form_values(page)["csrf_token"]
    response = client.post(
        "/admin/complaint/ajax/update/",
        data={
            "list_form_pk": str(case.id),
            "received_at": "2026-03-09T09:00",
            "csrf_token": token,
        },
    )
    assert response.status_code != 200
    assert fresh(Complaint, case.id).received_at == RECEIVED


def test_a_coordinator_corrects_the_received_instant_with_a_reason_kept_in_the_history(
    case, auth, client
):
    due_before = fresh(Complaint, case.id).resolution_due_at
    auth.login("coord")
    details = page_text(client.get(f"/admin/complaint/details/?id={case.id}"))
    assert "Correct received instant" in details
    url = f"/admin/complaint/correct-start/?id={case.id}"
    _, response = posted_edit(
        client, url, instant="2026-03-04T09:00", reason="Letter was date-stamped a day late"
    )
    assert response.status_code == 302
    saved = fresh(Complaint, case.id)
    assert saved.received_at == datetime(2026, 3, 3, 23, 0, tzinfo=timezone.utc)
    assert saved.resolution_due_at != due_before
    (entry,) = entries(saved, "correct_received")
    assert entry.user.username == "coord"
    changes = json.loads(entry.changes)
    assert changes["reason"] == [None, "Letter was date-stamped a day late"]
    assert changes["received_at"][0].startswith("2026-03-02T09:00")
    assert changes["received_at"][1].startswith("2026-03-03T23:00")
    assert "Reason: Letter was date-stamped a day late" in entry.summary
    history = page_text(client.get(f"/admin/complaint/details/?id={case.id}"))
    history = history[history.index('id="timeline-heading"') :]
    assert "Received instant corrected. Reason: Letter was date-stamped a day late" in history


def test_a_correction_without_a_reason_is_refused_with_the_input_kept(case, auth, client):
    auth.login("coord")
    url = f"/admin/complaint/correct-start/?id={case.id}"
    _, response = posted_edit(client, url, instant="2026-03-03T09:00", reason="  ")
    assert response.status_code == 200
    shown = page_text(response)
    assert "Reason: say why the instant is corrected" in shown
    assert 'value="2026-03-03T09:00"' in shown
    assert fresh(Complaint, case.id).received_at == RECEIVED


def test_a_correction_into_the_future_or_unreadable_is_refused(case, auth, client):
    auth.login("coord")
    url = f"/admin/complaint/correct-start/?id={case.id}"
    _, response = posted_edit(client, url, instant="2026-03-12T09:00", reason="Typo")
    assert "it is in the future. Enter when it happened." in page_text(response)
    _, response = posted_edit(client, url, instant="next tuesday", reason="Typo")
    assert response.status_code == 200
    assert "Enter a date and time as dd/mm/yyyy hh:mm" in page_text(response)
    assert fresh(Complaint, case.id).received_at == RECEIVED


def test_the_complaint_manager_may_not_open_the_correction(case, auth, client):
    auth.login("marsh")
    details = page_text(client.get(f"/admin/complaint/details/?id={case.id}"))
    assert "Correct received instant" not in details
    assert client.get(f"/admin/complaint/correct-start/?id={case.id}").status_code == 403


def test_the_correction_path_itself_refuses_a_complaint_manager(case):
    account = db.session.scalars(select(User).filter_by(username="marsh")).one()
    complaint = fresh(Complaint, case.id)
    with pytest.raises(RuleViolation, match="Only a coordinator or an administrator"):
        custody.correct_clock_start(
            db.session, complaint, RECEIVED.replace(day=3), "Because", account, NOW
        )
    db.session.rollback()
    assert fresh(Complaint, case.id).received_at == RECEIVED


# The reported and requested instants -------------------------------------------------


@pytest.fixture
def ticket(make, now):
    make.user("agent", "support_agent")
    client_org = Participant(kind="client", organisation_name="Acme Pty Ltd")
    ticket = Ticket(
        severity="2",
        summary="Reports run slowly",
        client=client_org,
        reported_at=datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc),
    )
    db.session.add(ticket)
    db.session.commit()
    return ticket


def test_the_agent_cannot_move_the_reported_instant_in_the_edit_form(ticket, auth, client):
    auth.login("agent")
    url = f"/admin/ticket/edit/?id={ticket.id}"
    form, response = posted_edit(client, url, reported_at="2026-03-10T09:30")
    assert 'name="reported_at"' not in form
    assert response.status_code == 302
    assert fresh(Ticket, ticket.id).reported_at == datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc)


def test_a_direct_save_of_the_reported_instant_is_refused(ticket):
    saved = fresh(Ticket, ticket.id)
    saved.reported_at = datetime(2026, 3, 9, 23, 30, tzinfo=timezone.utc)
    refused_on_commit("The reported instant starts the ticket's clocks")


def test_a_coordinator_corrects_the_reported_instant(ticket, make, auth, client):
    make.user("coord", "coordinator")
    auth.login("coord")
    url = f"/admin/ticket/correct-start/?id={ticket.id}"
    _, response = posted_edit(client, url, instant="2026-03-10T09:30", reason="Phoned at 9:30")
    assert response.status_code == 302
    # Melbourne daylight saving (AEDT, UTC+11): 09:30 local is 22:30 UTC the day before.
    saved = fresh(Ticket, ticket.id)
    assert saved.reported_at == datetime(2026, 3, 9, 22, 30, tzinfo=timezone.utc)
    (entry,) = entries(saved, "correct_reported")
    assert json.loads(entry.changes)["reason"] == [None, "Phoned at 9:30"]


@pytest.fixture
def review(case, make):
    reviewer = make.user("raman", "internal_reviewer", level="SES1")
    complaint = fresh(Complaint, case.id)
    complaint.status = "internal_review"
    review = InternalReview(
        complaint=complaint,
        status="in_progress",
        requested_at=datetime(2026, 3, 4, 0, 0, tzinfo=timezone.utc),
        reviewer=reviewer.participant,
    )
    db.session.add(review)
    db.session.commit()
    return review


def test_the_reviewer_cannot_move_the_requested_instant_or_themselves(review, make, auth, client):
    other = make.staff("Okafor", level="SES1")
    auth.login("raman")
    url = f"/admin/internal_review/edit/?id={review.id}"
    form, response = posted_edit(
        client, url, requested_at="2026-03-09T09:00", reviewer=str(other.id)
    )
    assert 'name="requested_at"' not in form
    assert 'name="reviewer"' not in form
    assert response.status_code == 302
    saved = fresh(InternalReview, review.id)
    assert saved.requested_at == datetime(2026, 3, 4, 0, 0, tzinfo=timezone.utc)
    assert saved.reviewer.family_name == "Raman"


def test_a_direct_save_of_the_requested_instant_or_the_reviewer_is_refused(review, make):
    saved = fresh(InternalReview, review.id)
    saved.requested_at = datetime(2026, 3, 9, 0, 0, tzinfo=timezone.utc)
    refused_on_commit("The requested instant starts the internal review's clocks")
    other = make.staff("Okafor", level="SES1")
    db.session.commit()
    saved = fresh(InternalReview, review.id)
    saved.reviewer = other
    refused_on_commit("The internal reviewer changes only through the Assign reviewer step")


# Assignments -------------------------------------------------------------------------


def test_the_complaint_manager_cannot_change_their_decision_maker_in_the_edit_form(
    case, make, auth, client
):
    friend = make.staff("Friend", level="AO6")
    auth.login("marsh")
    url = f"/admin/complaint/edit/?id={case.id}"
    form, response = posted_edit(client, url, decision_maker=str(friend.id), manager="")
    assert 'name="decision_maker"' not in form
    assert 'name="manager"' not in form
    assert response.status_code == 302
    saved = fresh(Complaint, case.id)
    assert saved.decision_maker.family_name == "Deakin"
    assert saved.manager.family_name == "Marsh"


def test_a_coordinators_edit_form_does_not_assign_either(case, make, auth, client):
    friend = make.staff("Friend", level="AO6")
    auth.login("coord")
    form, _ = posted_edit(
        client, f"/admin/complaint/edit/?id={case.id}", decision_maker=str(friend.id)
    )
    assert 'name="decision_maker"' not in form
    assert fresh(Complaint, case.id).decision_maker.family_name == "Deakin"


def test_a_direct_save_of_an_officer_is_refused_naming_the_assign_step(case, make):
    friend = make.staff("Friend", level="AO8")
    db.session.commit()
    complaint = fresh(Complaint, case.id)
    complaint.decision_maker = friend
    refused_on_commit("change only through the Assign officers step")
    complaint = fresh(Complaint, case.id)
    complaint.manager_id = friend.id
    refused_on_commit("change only through the Assign officers step")
    assert fresh(Complaint, case.id).manager.family_name == "Marsh"


def test_setting_the_same_officer_again_is_no_change(case):
    complaint = fresh(Complaint, case.id)
    complaint.manager = complaint.manager
    complaint.summary = "Only the summary"
    db.session.commit()
    assert fresh(Complaint, case.id).summary == "Only the summary"


# Who the complaint is about ----------------------------------------------------------


def test_the_complaint_manager_cannot_edit_who_the_complaint_is_about(case, make, auth, client):
    someone = make.staff("Scapegoat", level="AO3")
    auth.login("marsh")
    url = f"/admin/complaint/edit/?id={case.id}"
    form, response = posted_edit(
        client, url, subjects=str(someone.id), involved=str(someone.id), coordinator=""
    )
    assert 'name="subjects"' not in form
    assert 'name="involved"' not in form
    assert 'name="coordinator"' not in form
    assert response.status_code == 302
    saved = fresh(Complaint, case.id)
    assert saved.subjects == [] and saved.involved == []


def test_a_direct_save_of_the_people_is_refused(case, make):
    someone = make.staff("Scapegoat", level="AO3")
    db.session.commit()
    complaint = fresh(Complaint, case.id)
    complaint.subjects.append(someone)
    refused_on_commit("Only a coordinator or an administrator may change who a complaint")
    assert fresh(Complaint, case.id).subjects == []


def test_a_coordinator_edits_who_the_complaint_is_about(case, make, auth, client):
    someone = make.staff("Scapegoat", level="AO3")
    db.session.commit()
    auth.login("coord")
    _, response = posted_edit(
        client, f"/admin/complaint/edit/?id={case.id}", subjects=str(someone.id)
    )
    assert response.status_code == 302
    assert [p.family_name for p in fresh(Complaint, case.id).subjects] == ["Scapegoat"]


# Ranks --------------------------------------------------------------------------------


def level(code):
    return db.session.scalars(select(ClassificationLevel).filter_by(code=code)).one()


def test_a_coordinator_cannot_re_grade_an_officer(case, auth, client):
    manager = fresh(Complaint, case.id).manager
    ses2 = level("SES1")
    auth.login("coord")
    url = f"/admin/participant/edit/?id={manager.id}"
    form, response = posted_edit(client, url, level=str(ses2.id))
    assert 'name="level"' not in form
    assert response.status_code == 302
    assert fresh(Participant, manager.id).level.code == "AO5"
    assert client.get(f"/admin/participant/change-level/?id={manager.id}").status_code == 403


def test_a_direct_save_of_a_level_is_refused(case):
    manager = fresh(Complaint, case.id).manager
    manager.level = level("AO7")
    refused_on_commit("An officer's classification level changes only by an administrator")
    assert fresh(Participant, manager.id).level.code == "AO5"


def test_an_administrator_re_grades_with_a_reason_and_sees_the_cases_it_breaks(case, auth, client):
    manager = fresh(Complaint, case.id).manager
    auth.login("boss")
    details = page_text(client.get(f"/admin/participant/details/?id={manager.id}"))
    assert "Change classification level" in details
    url = f"/admin/participant/change-level/?id={manager.id}"
    _, response = posted_edit(
        client, url, level=str(level("AO8").id), reason="Promoted after merit selection"
    )
    assert response.status_code == 302
    shown = page_text(client.get(response.headers["Location"]))
    assert "is now AO8" in shown
    assert f"{case.reference}: The decision maker must rank above the complaint manager" in shown
    saved = fresh(Participant, manager.id)
    assert saved.level.code == "AO8"
    (entry,) = entries(saved, "change_level")
    assert entry.user.username == "boss"
    assert json.loads(entry.changes)["reason"] == [None, "Promoted after merit selection"]


def test_a_re_grade_without_a_reason_is_refused_and_nothing_changes(case, auth, client):
    manager = fresh(Complaint, case.id).manager
    auth.login("boss")
    url = f"/admin/participant/change-level/?id={manager.id}"
    _, response = posted_edit(client, url, level=str(level("AO8").id), reason="")
    assert response.status_code == 200
    assert "Reason: say why the level changes" in page_text(response)
    assert fresh(Participant, manager.id).level.code == "AO5"


# A classification level's rank ---------------------------------------------------------


def test_a_rank_change_lists_the_cases_it_breaks_and_waits_for_a_reason(case, auth, client):
    ao5 = level("AO5")
    auth.login("boss")
    url = f"/admin/classification_level/edit/?id={ao5.id}"
    _, response = posted_edit(client, url, rank="20")

    shown = confirmation(response)
    text = html_lib.unescape(shown["page"])
    assert "AO5 goes from rank 5 to rank 20" in text
    assert "breaks the separation of duties on 1 open case" in text
    assert f"{case.reference}: The decision maker must rank above the complaint manager" in text
    assert fresh(ClassificationLevel, ao5.id).rank == 5

    without_reason = press(client, shown, "_retiming_confirmed", "1")
    assert "Reason: say why the rank changes" in page_text(without_reason)
    assert fresh(ClassificationLevel, ao5.id).rank == 5

    done = client.post(
        shown["action"],
        data={
            **dict(shown["fields"]),
            "_rank_reason": "Classification review 2026",
            "_retiming_confirmed": "1",
        },
        follow_redirects=True,
    )
    text = page_text(done)
    assert "AO5 now has rank 20" in text
    assert f"reassign them: {case.reference}: The decision maker must rank above" in text
    saved = fresh(ClassificationLevel, ao5.id)
    assert saved.rank == 20
    (entry,) = entries(saved, "change_rank")
    assert entry.user.username == "boss"
    assert json.loads(entry.changes)["reason"] == [None, "Classification review 2026"]
    assert "changed from 5 to 20" in entry.summary


def test_a_rank_change_that_breaks_nothing_still_asks_why(case, auth, client):
    ao2 = level("AO2")
    auth.login("boss")
    _, response = posted_edit(client, f"/admin/classification_level/edit/?id={ao2.id}", rank="1")
    shown = confirmation(response)
    assert "No open case's separation of duties is broken by it." in html_lib.unescape(
        shown["page"]
    )
    done = client.post(
        shown["action"],
        data={**dict(shown["fields"]), "_rank_reason": "Renumbered", "_retiming_confirmed": "1"},
        follow_redirects=True,
    )
    assert "AO2 now has rank 1" in page_text(done)
    assert fresh(ClassificationLevel, ao2.id).rank == 1


def test_renaming_a_level_saves_without_asking(case, auth, client):
    ao5 = level("AO5")
    auth.login("boss")
    _, response = posted_edit(
        client, f"/admin/classification_level/edit/?id={ao5.id}", name="Admin Officer 5"
    )
    assert response.status_code == 302
    saved = fresh(ClassificationLevel, ao5.id)
    assert (saved.name, saved.rank) == ("Admin Officer 5", 5)


def test_a_direct_save_of_a_rank_is_refused(case):
    ao5 = level("AO5")
    ao5.rank = 20
    refused_on_commit("A classification level's rank changes only by an administrator")
    assert fresh(ClassificationLevel, ao5.id).rank == 5


def test_the_rank_path_lists_what_it_breaks_and_refuses_a_coordinator(case):
    boss = db.session.scalars(select(User).filter_by(username="boss")).one()
    coord = db.session.scalars(select(User).filter_by(username="coord")).one()
    ao5 = level("AO5")
    with pytest.raises(RuleViolation, match="Only an administrator may change"):
        custody.rerank(db.session, ao5, 20, "Because", coord)
    db.session.rollback()
    broken = custody.rerank(db.session, level("AO5"), 20, "Because", boss)
    db.session.commit()
    assert [line.split(":")[0] for line in broken] == [case.reference]
    assert fresh(ClassificationLevel, ao5.id).rank == 20
