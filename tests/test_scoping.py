"""Which rows each officer reaches: their division, their cases, the union of their
capacities, and never a record outside them, however it is asked for."""

import csv
import io
from datetime import datetime, timezone

from models import Complaint, Extension, ExternalReview, InternalReview, Participant, Ticket, db
from tests.admin_forms import form_values
from tests.conftest import csrf_token

REQUESTED = datetime(2026, 4, 1, 1, 0, tzinfo=timezone.utc)


def review(complaint, reviewer):
    row = InternalReview(complaint=complaint, reviewer=reviewer, requested_at=REQUESTED)
    db.session.add(row)
    db.session.commit()
    return row


def extension(complaint, approver):
    row = Extension(
        complaint=complaint,
        new_due_at=datetime(2026, 6, 1, 7, 0, tzinfo=timezone.utc),
        reason="Witnesses on leave",
        approved_by=approver,
    )
    db.session.add(row)
    db.session.commit()
    return row


def two_divisions(make):
    return make.division("Customer Services"), make.division("Licensing")


def exported(client, url):
    response = client.get(url)
    assert response.status_code == 200
    return list(csv.reader(io.StringIO(response.get_data(as_text=True))))


def test_a_coordinator_reaches_the_complaints_of_their_own_division_only(app, make, auth, client):
    mine, other = two_divisions(make)
    make.user("coord", "coordinator", division=mine)
    ours = make.complaint(division=mine)
    theirs = make.complaint(division=other)
    auth.login("coord")
    grid = client.get("/admin/complaint/").get_data(as_text=True)
    assert ours.reference in grid and theirs.reference not in grid
    for page in ("details", "edit"):
        assert client.get(f"/admin/complaint/{page}/?id={ours.id}").status_code == 200
        assert client.get(f"/admin/complaint/{page}/?id={theirs.id}").status_code == 404
    rows = exported(client, "/admin/complaint/export/csv/")
    assert [row[0] for row in rows[1:]] == [ours.reference]


def test_records_hanging_off_a_complaint_follow_its_scope(app, make, auth, client):
    mine, other = two_divisions(make)
    coordinator = make.user("coord", "coordinator", division=mine)
    ours = make.complaint(division=mine)
    theirs = make.complaint(division=other)
    approver = coordinator.participant
    our_extension, their_extension = extension(ours, approver), extension(theirs, approver)
    reviewer = make.staff(level="AO8")
    our_review, their_review = review(ours, reviewer), review(theirs, reviewer)
    db.session.add_all(
        [
            ExternalReview(complaint=ours, body="ombudsman", notified_at=REQUESTED),
            ExternalReview(complaint=theirs, body="ombudsman", notified_at=REQUESTED),
        ]
    )
    db.session.commit()
    auth.login("coord")
    for url in ("/admin/extension/", "/admin/internal_review/", "/admin/external_review/"):
        html = client.get(url).get_data(as_text=True)
        assert ours.reference in html and theirs.reference not in html, url
    assert client.get(f"/admin/extension/edit/?id={our_extension.id}").status_code == 200
    assert client.get(f"/admin/extension/edit/?id={their_extension.id}").status_code == 404
    assert client.get(f"/admin/internal_review/details/?id={our_review.id}").status_code == 200
    assert client.get(f"/admin/internal_review/details/?id={their_review.id}").status_code == 404


def test_managers_and_decision_makers_reach_the_complaints_they_manage_or_decide(
    app, make, auth, client
):
    manager = make.user("manager", "complaint_manager", level="AO4")
    decider = make.user("decider", "decision_maker", level="AO6")
    managed = make.complaint(manager=manager.participant, summary="Managed")
    decided = make.complaint(decision_maker=decider.participant, summary="Decided")
    neither = make.complaint(summary="Somebody else's")
    for username, reached in (("manager", managed), ("decider", decided)):
        auth.login(username)
        grid = client.get("/admin/complaint/").get_data(as_text=True)
        others = {managed.reference, decided.reference, neither.reference} - {reached.reference}
        assert reached.reference in grid
        assert not any(reference in grid for reference in others)
        assert client.get(f"/admin/complaint/edit/?id={reached.id}").status_code == 200
        assert client.get(f"/admin/complaint/edit/?id={neither.id}").status_code == 404
        # Not their screen: registering, and the extensions list (they may only read one).
        assert client.get("/admin/complaint/new/").status_code == 403
        assert client.get("/admin/extension/").status_code == 403
        auth.logout()


def test_an_internal_reviewer_reads_the_complaints_under_their_review_and_cannot_edit_them(
    app, make, auth, client
):
    reviewer = make.user("reviewer", "internal_reviewer", level="AO8")
    under_review = make.complaint(summary="Under my review")
    other = make.complaint(summary="Reviewed by someone else")
    mine = review(under_review, reviewer.participant)
    review(other, make.staff(level="AO8"))
    auth.login("reviewer")
    assert client.get(f"/admin/complaint/details/?id={under_review.id}").status_code == 200
    assert client.get(f"/admin/complaint/details/?id={other.id}").status_code == 404
    assert client.get(f"/admin/complaint/edit/?id={under_review.id}").status_code == 403
    assert client.get(f"/admin/internal_review/edit/?id={mine.id}").status_code == 200
    grid = client.get("/admin/complaint/").get_data(as_text=True)
    assert under_review.reference in grid and other.reference not in grid


def test_the_reviewers_list_opens_on_the_reviews_assigned_to_them(app, make, auth, client):
    make.user("reviewer", "internal_reviewer", level="AO8")
    auth.login("reviewer")
    response = client.get("/admin/internal_review/")
    assert response.status_code == 302
    assert response.headers["Location"] == "/admin/internal_review/?flt0_assigned_to_me_is=1"
    assert client.get(response.headers["Location"]).status_code == 200
    # Any other list URL, e.g. with the filter removed and another chosen, is left alone.
    assert client.get("/admin/internal_review/?flt0_state_is=open").status_code == 200


def test_a_coordinator_who_also_reviews_opens_on_their_whole_division(app, make, auth, client):
    make.user("both", "coordinator", "internal_reviewer", level="AO8")
    auth.login("both")
    assert client.get("/admin/internal_review/").status_code == 200


def test_several_capacities_reach_the_union_of_their_scopes(app, make, auth, client):
    mine, other = two_divisions(make)
    officer = make.user("both", "coordinator", "complaint_manager", division=mine)
    ours = make.complaint(division=mine)
    managed_elsewhere = make.complaint(division=other, manager=officer.participant)
    unrelated = make.complaint(division=other)
    auth.login("both")
    grid = client.get("/admin/complaint/").get_data(as_text=True)
    assert ours.reference in grid and managed_elsewhere.reference in grid
    assert unrelated.reference not in grid
    assert client.get(f"/admin/complaint/edit/?id={managed_elsewhere.id}").status_code == 200


def test_a_capacity_that_may_only_read_lends_no_rows_to_an_edit(app, make, auth, client):
    mine, other = two_divisions(make)
    officer = make.user("both", "coordinator", "internal_reviewer", division=mine, level="AO8")
    ours = make.complaint(division=mine)
    reviewed_elsewhere = make.complaint(division=other)
    review(reviewed_elsewhere, officer.participant)
    auth.login("both")
    assert client.get(f"/admin/complaint/details/?id={reviewed_elsewhere.id}").status_code == 200
    assert client.get(f"/admin/complaint/edit/?id={reviewed_elsewhere.id}").status_code == 404
    assert client.get(f"/admin/complaint/edit/?id={ours.id}").status_code == 200
    # The export is a coordinator's: their division's complaints, not the reviewed one.
    rows = exported(client, "/admin/complaint/export/csv/")
    assert [row[0] for row in rows[1:]] == [ours.reference]


def test_an_officer_without_a_division_reaches_no_division(app, make, auth, client):
    person = make.staff(division=None)
    make.user("drifter", "coordinator", participant=person)
    complaint = make.complaint()
    auth.login("drifter")
    assert complaint.reference not in client.get("/admin/complaint/").get_data(as_text=True)
    assert client.get(f"/admin/complaint/details/?id={complaint.id}").status_code == 404


def test_a_coordinator_cannot_register_a_complaint_in_another_division(app, make, auth, client):
    mine, other = two_divisions(make)
    make.user("coord", "coordinator", division=mine)
    auth.login("coord")
    data = form_values(client.get("/admin/complaint/new/").get_data(as_text=True))
    data.update(division=str(other.id), summary="Not ours to register")
    response = client.post("/admin/complaint/new/", data=data)
    assert response.status_code == 200
    assert "among the records open to you" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Complaint)).first() is None


def test_a_coordinator_cannot_move_a_complaint_out_of_their_division(app, make, auth, client):
    mine, other = two_divisions(make)
    make.user("coord", "coordinator", division=mine)
    complaint = make.complaint(division=mine)
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    data = form_values(client.get(url).get_data(as_text=True))
    data["division"] = str(other.id)
    html = client.post(url, data=data).get_data(as_text=True)
    assert "among the records open to you" in html
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).division_id == mine.id


def test_a_complaint_outside_the_scope_posted_in_a_form_is_refused(app, make, auth, client):
    mine, other = two_divisions(make)
    coordinator = make.user("coord", "coordinator", division=mine)
    theirs = make.complaint(division=other)
    auth.login("coord")
    data = form_values(client.get("/admin/extension/new/").get_data(as_text=True))
    data.update(
        complaint=str(theirs.id),
        new_due_at="01/06/2026 17:00",
        reason="Slipping it in",
        approved_by=str(coordinator.participant_id),
        approved_at="01/04/2026 09:00",
    )
    html = client.post("/admin/extension/new/", data=data).get_data(as_text=True)
    assert "Choose from the list" in html
    assert db.session.execute(db.select(Extension)).first() is None


def test_the_complaint_picker_offers_only_the_complaints_in_scope(app, make, auth, client):
    mine, other = two_divisions(make)
    make.user("coord", "coordinator", division=mine)
    make.user("agent", "support_agent")
    ours = make.complaint(division=mine)
    make.complaint(division=other)
    auth.login("coord")
    found = client.get("/admin/ticket/ajax/lookup/?name=complaint&query=CTS").get_json()
    assert [label for _, label in found] == [ours.reference]
    auth.logout()
    auth.login("agent")
    assert client.get("/admin/ticket/ajax/lookup/?name=complaint&query=CTS").get_json() == []


def test_editing_a_ticket_keeps_a_linked_complaint_its_editor_cannot_see(app, make, auth, client):
    agent = make.user("agent", "support_agent")
    feedback = make.complaint(summary="Client feedback")
    client_org = Participant(kind="client_organisation", organisation_name="Acme Training")
    ticket = Ticket(
        severity="3b",
        summary="How do I export?",
        client=client_org,
        agent=agent.participant,
        complaint=feedback,
        reported_at=REQUESTED,
    )
    db.session.add(ticket)
    db.session.commit()
    auth.login("agent")
    url = f"/admin/ticket/edit/?id={ticket.id}"
    data = form_values(client.get(url).get_data(as_text=True))
    data["summary"] = "How do I export a report?"
    assert client.post(url, data=data).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Ticket, ticket.id)
    assert saved.summary == "How do I export a report?"
    assert saved.complaint_id == feedback.id


def test_a_bulk_action_on_a_complaint_outside_the_scope_is_not_found(app, make, auth, client):
    mine, other = two_divisions(make)
    make.user("coord", "coordinator", division=mine)
    theirs = make.complaint(division=other, status="registered")
    auth.login("coord")
    token = csrf_token(client.get("/admin/complaint/new/").get_data(as_text=True))
    response = client.post(
        "/admin/complaint/action/",
        data={"action": "acknowledge", "rowid": [str(theirs.id)], "csrf_token": token},
    )
    assert response.status_code == 404
    db.session.expire_all()
    assert db.session.get(Complaint, theirs.id).status == "registered"


def test_people_named_on_my_complaints_are_open_to_me_and_no_one_else(app, make, auth, client):
    manager = make.user("manager", "complaint_manager", level="AO4")
    mine = make.complaint(manager=manager.participant, complainant=make.complainant("Nguyen"))
    other = make.complaint(complainant=make.complainant("Okafor"))
    auth.login("manager")
    assert client.get(f"/admin/participant/details/?id={mine.complainant_id}").status_code == 200
    assert client.get(f"/admin/participant/details/?id={other.complainant_id}").status_code == 404
    assert client.get("/admin/participant/").status_code == 403
    found = client.get("/admin/complaint/ajax/lookup/?name=complainant&query=sam").get_json()
    assert [label for _, label in found] == ["Sam Nguyen"]


def test_the_home_page_counts_only_the_rows_in_scope(app, make, auth, client):
    mine, other = two_divisions(make)
    make.user("coord", "coordinator", division=mine)
    make.complaint(division=mine)
    make.complaint(division=other)
    make.complaint(division=other)
    auth.login("coord")
    html = client.get("/admin/").get_data(as_text=True)
    assert 'data-count="all:open">1<' in html


def test_a_reviewer_finds_their_open_reviews_on_the_home_page(app, make, auth, client):
    reviewer = make.user("reviewer", "internal_reviewer", level="AO8")
    review(make.complaint(), reviewer.participant)
    review(make.complaint(), make.staff(level="AO8"))
    auth.login("reviewer")
    html = client.get("/admin/").get_data(as_text=True)
    assert "Internal reviews" in html
    assert 'data-count="mine:open">1<' in html
    assert "Complaints" in html  # the complaints under their review, to read


def test_a_workflow_step_page_follows_the_table_and_the_steps_own_scope(app, make, auth, client):
    mine, other = two_divisions(make)
    decider = make.user("decider", "decision_maker", level="AO6")
    decided = make.complaint(division=mine, decision_maker=decider.participant)
    auth.login("decider")
    # Drafting the response is the complaint manager's step, not the decision maker's.
    assert (
        client.get(f"/admin/complaint/transition/submit_draft/?id={decided.id}").status_code == 403
    )
    assert client.get(f"/admin/complaint/transition/decide/?id={decided.id}").status_code != 403
    auth.logout()
    # A coordinator who also reviews reads a complaint of another division under their
    # review, but may not assign it: the assign step reaches their own division only.
    officer = make.user("both", "coordinator", "internal_reviewer", division=mine, level="AO8")
    reviewed_elsewhere = make.complaint(division=other, status="registered")
    review(reviewed_elsewhere, officer.participant)
    auth.login("both")
    assert client.get(f"/admin/complaint/details/?id={reviewed_elsewhere.id}").status_code == 200
    url = f"/admin/complaint/transition/assign/?id={reviewed_elsewhere.id}"
    assert client.get(url).status_code == 404
