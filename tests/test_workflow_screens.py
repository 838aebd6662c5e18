"""Workflow steps through the screens: the buttons a case's details page offers, the small
forms of the steps that need inputs, and the refusals, each with its reason."""

import html as html_lib
import re
from datetime import datetime, timedelta, timezone

import pytest

from models import (
    Complaint,
    ExternalReview,
    HistoryEntry,
    InternalReview,
    Outcome,
    Participant,
    ReferralTarget,
    Ticket,
    db,
    utcnow,
)
from services import notes
from tests.admin_forms import form_values
from tests.conftest import csrf_token, login

LONG_AGO = datetime(2025, 6, 2, 0, 0, tzinfo=timezone.utc)


# ----------------------------------------------------------------------------- helpers


def sign_in(client, username):
    assert login(client, username).status_code == 302
    return client


def text(response) -> str:
    """The page as a person reads it: entities decoded (O&#39;Connor is O'Connor)."""
    return html_lib.unescape(response.get_data(as_text=True))


def details(client, screen, record):
    response = client.get(f"/admin/{screen}/details/?id={record.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def offered(page: str) -> dict:
    """The step buttons on a details page: name -> (url, hidden fields or None for a link)."""
    steps = {}
    for url, inner in re.findall(
        r'<form method="POST" action="([^"]+)" class="[^"]*workflow-step">(.*?)</form>',
        page,
        re.S,
    ):
        url = html_lib.unescape(url)
        fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', inner))
        steps[re.search(r"/transition/([^/]+)/", url).group(1)] = (url, fields)
    for url in re.findall(r'<a class="[^"]*workflow-step" href="([^"]+)"', page):
        url = html_lib.unescape(url)
        steps[re.search(r"/transition/([^/]+)/", url).group(1)] = (url, None)
    return steps


def press(client, screen, record, name, follow=True):
    """Press a step's button on the record's details page, as a browser would."""
    url, fields = offered(details(client, screen, record))[name]
    assert fields is not None, f"{name} opens a form"
    return client.post(url, data=fields, follow_redirects=follow)


def fill(client, screen, record, name, follow=True, **values):
    """Open a step's form from the details page, fill it in and send it."""
    url, fields = offered(details(client, screen, record))[name]
    assert fields is None, f"{name} is a plain button"
    page = client.get(url)
    assert page.status_code == 200
    data = form_values(page.get_data(as_text=True))
    data.update({key: str(value) for key, value in values.items()})
    return client.post(url, data=data, follow_redirects=follow)


FIRST_STEP = {"complaint": "register", "ticket": "respond", "internal_review": "start"}


def post_step(client, screen, record, name, **values):
    """A step posted by hand (not offered on the page), with a valid token and version."""
    # The step's own page: a step the table does not grant this account is a 403 (walked in
    # tests/test_permissions_walk.py), so the token comes from the step being posted.
    form_page = client.get(f"/admin/{screen}/transition/{name}/?id={record.id}")
    if form_page.status_code != 200:  # an unknown step: any step page carries a token
        form_page = client.get(f"/admin/{screen}/transition/{FIRST_STEP[screen]}/?id={record.id}")
    data = {
        "csrf_token": csrf_token(form_page.get_data(as_text=True)),
        "row_version": str(record.version),
        **values,
    }
    return client.post(
        f"/admin/{screen}/transition/{name}/?id={record.id}", data=data, follow_redirects=True
    )


def fresh(model, record_id):
    db.session.expire_all()
    return db.session.get(model, record_id)


def outcome(code):
    return db.session.execute(db.select(Outcome).filter_by(code=code)).scalar_one()


def history_of(record):
    return (
        db.session.execute(
            db.select(HistoryEntry)
            .filter_by(record_type=type(record).__name__, record_id=record.id)
            .order_by(HistoryEntry.id)
        )
        .scalars()
        .all()
    )


class Team:
    """A division's complaint team: a coordinator, managers, decision makers, a reviewer."""

    def __init__(self, make):
        self.make = make
        self.division = make.division("Customer Services")
        self.coordinator = make.user("coord", "coordinator", division=self.division)
        self.manager = make.user("marsh", "complaint_manager", level="AO6")
        self.decision_maker = make.user("deakin", "decision_maker", level="AO8")
        self.junior_decision_maker = make.user("jones", "decision_maker", level="AO5")
        self.reviewer = make.user("raman", "internal_reviewer", level="SES1")
        self.agent = make.user("tan", "support_agent")

    def complaint(self, status="received", **values):
        values.setdefault("manager", self.manager.participant)
        values.setdefault("decision_maker", self.decision_maker.participant)
        return self.make.complaint(division=self.division, status=status, **values)


@pytest.fixture
def team(make):
    return Team(make)


@pytest.fixture
def coordinator(app, team):
    return sign_in(app.test_client(), "coord")


def client_for(app, username):
    return sign_in(app.test_client(), username)


# ------------------------------------------------------------------------- the buttons


def test_the_details_page_shows_the_status_and_the_steps_open_to_the_coordinator(
    coordinator, team
):
    complaint = team.complaint("received")
    page = details(coordinator, "complaint", complaint)
    assert 'class="badge badge-info workflow-status">Received<' in page
    assert set(offered(page)) == {"register", "refer", "withdraw"}
    assert offered(page)["register"][1]["row_version"] == str(complaint.version)
    assert offered(page)["refer"][1] is None  # refer asks where to: a form


def test_an_officer_sees_only_the_steps_of_their_part_in_the_complaint(app, team):
    complaint = team.complaint("response_drafted")
    manager = client_for(app, "marsh")
    decider = client_for(app, "deakin")
    assert set(offered(details(manager, "complaint", complaint))) == {
        "acknowledge",
        "wait_on_complainant",
    }
    assert set(offered(details(decider, "complaint", complaint))) == {"decide"}


def test_no_button_is_shown_when_no_step_is_open_to_the_user(app, team):
    complaint = team.complaint("received")
    page = details(client_for(app, "marsh"), "complaint", complaint)
    assert "No step of this complaint is open to you now." in page
    assert offered(page) == {}


# --------------------------------------------------------------- steps that are allowed


def test_a_coordinator_registers_and_acknowledges_a_complaint_with_its_buttons(coordinator, team):
    complaint = team.complaint("received")
    page = text(press(coordinator, "complaint", complaint, "register"))
    assert f"{complaint.reference}: Register done. It is now Registered." in page
    registered = fresh(Complaint, complaint.id)
    assert registered.status == "registered"
    assert registered.registered_at is not None
    page = text(press(coordinator, "complaint", registered, "acknowledge"))
    assert "It is now Acknowledged." in page
    acknowledged = fresh(Complaint, complaint.id)
    assert acknowledged.acknowledged_at is not None
    entries = [(e.action, e.summary, e.user_id) for e in history_of(acknowledged)]
    assert ("register", "Register: Received → Registered", team.coordinator.id) in entries
    assert ("acknowledge", "Acknowledge: Registered → Acknowledged", team.coordinator.id) in (
        entries
    )


def test_the_assign_form_offers_only_decision_makers_ranking_above_the_manager(coordinator, team):
    complaint = team.complaint("acknowledged")
    url, _ = offered(details(coordinator, "complaint", complaint))["assign"]
    page = coordinator.get(url).get_data(as_text=True)
    decision_makers = page.split('name="decision_maker"')[1].split("</select>")[0]
    assert "Alex Deakin (AO8)" in decision_makers
    assert "Alex Jones (AO5)" not in decision_makers
    managers = page.split('name="manager"')[1].split("</select>")[0]
    assert f'<option selected value="{team.manager.participant_id}">' in managers


def test_choosing_another_manager_offers_the_decision_makers_above_them(coordinator, team):
    junior = team.make.user("lee", "complaint_manager", level="AO4")
    complaint = team.complaint("acknowledged")
    url, _ = offered(details(coordinator, "complaint", complaint))["assign"]
    data = form_values(coordinator.get(url).get_data(as_text=True))
    data.update(manager=str(junior.participant_id), refresh="1")
    page = coordinator.post(url, data=data).get_data(as_text=True)
    decision_makers = page.split('name="decision_maker"')[1].split("</select>")[0]
    assert "Alex Jones (AO5)" in decision_makers
    assert fresh(Complaint, complaint.id).manager_id == team.manager.participant_id


def test_a_coordinator_assigns_the_manager_and_decision_maker(coordinator, team):
    other_manager = team.make.user("lee", "complaint_manager", level="AO4")
    complaint = team.complaint("acknowledged", manager=None, decision_maker=None)
    response = fill(
        coordinator,
        "complaint",
        complaint,
        "assign",
        manager=other_manager.participant_id,
        decision_maker=team.junior_decision_maker.participant_id,
    )
    assert "It is now Under assessment." in text(response)
    assigned = fresh(Complaint, complaint.id)
    assert assigned.manager_id == other_manager.participant_id
    assert assigned.decision_maker_id == team.junior_decision_maker.participant_id
    (entry,) = [e for e in history_of(assigned) if e.action == "assign"]
    assert "Assigned complaint manager A. Lee and decision maker A. Jones" in entry.summary


def test_a_complaint_is_investigated_drafted_decided_and_finalised_through_the_screens(app, team):
    complaint = team.complaint("under_assessment")
    manager, decider = client_for(app, "marsh"), client_for(app, "deakin")
    assert "It is now Investigation." in text(
        press(manager, "complaint", complaint, "start_investigation")
    )
    complaint = fresh(Complaint, complaint.id)
    draft = "Dear Ms Citizen,\nWe have spoken to the counter staff."
    assert "It is now Response drafted." in text(
        fill(manager, "complaint", complaint, "submit_draft", content=draft)
    )
    complaint = fresh(Complaint, complaint.id)
    assert complaint.drafted_by_id == team.manager.id
    # The decision maker reads the draft beside the buttons that decide on it.
    page = details(decider, "complaint", complaint)
    assert "Draft response" in page and "We have spoken to the counter staff." in page
    assert "It is now Decided." in text(
        fill(decider, "complaint", complaint, "decide", content="Partly upheld: rude, not late.")
    )
    complaint = fresh(Complaint, complaint.id)
    assert complaint.decided_by_id == team.decision_maker.id
    filed = {entry["kind"]: entry for entry in notes.entries_of(complaint)}
    assert filed["draft"]["summary"].replace("\r\n", "\n") == draft
    assert filed["draft"]["by"] == str(team.manager) and not filed["draft"]["shared"]
    assert filed["decision"]["summary"] == "Partly upheld: rude, not late."
    response = fill(decider, "complaint", complaint, "finalise", outcome="partly_upheld")
    assert "It is now Finalised." in text(response)
    finalised = fresh(Complaint, complaint.id)
    assert finalised.outcome.code == "partly_upheld"
    assert finalised.finalised_at is not None
    assert finalised.review_request_due_at is not None  # the flush hook's clock


def test_finalising_as_declined_records_the_reasons(app, team):
    complaint = team.complaint("decided")
    decider = client_for(app, "deakin")
    fill(
        decider,
        "complaint",
        complaint,
        "finalise",
        outcome="declined",
        outcome_reason="Already decided by the tribunal.",
    )
    finalised = fresh(Complaint, complaint.id)
    assert finalised.outcome == outcome("declined")
    assert finalised.outcome_reason == "Already decided by the tribunal."


def test_a_manager_waits_on_the_complainant_and_resumes_where_it_was(app, team):
    complaint = team.complaint("investigation")
    manager = client_for(app, "marsh")
    assert "It is now Waiting on complainant." in text(
        press(manager, "complaint", complaint, "wait_on_complainant")
    )
    waiting = fresh(Complaint, complaint.id)
    assert waiting.paused_since is not None  # the clock hook paused it
    page = details(manager, "complaint", waiting)
    assert offered(page)["resume"][1] is not None  # the status to go back to is known
    assert "It is now Investigation." in text(press(manager, "complaint", waiting, "resume"))
    resumed = fresh(Complaint, complaint.id)
    assert resumed.status == "investigation"
    assert resumed.paused_since is None


def test_resuming_a_complaint_whose_wait_was_not_recorded_asks_where_it_goes_back_to(
    coordinator, team
):
    complaint = team.complaint("awaiting_complainant")
    assert offered(details(coordinator, "complaint", complaint))["resume"][1] is None
    response = fill(coordinator, "complaint", complaint, "resume", resume_to="under_assessment")
    assert "It is now Under assessment." in text(response)


def test_a_coordinator_refers_a_complaint_to_another_process(coordinator, team):
    complaint = team.complaint("registered")
    target = db.session.execute(
        db.select(ReferralTarget).filter_by(code="privacy_breach")
    ).scalar_one()
    response = fill(coordinator, "complaint", complaint, "refer", referral_target=target.id)
    assert "It is now Referred to another process." in text(response)
    referred = fresh(Complaint, complaint.id)
    assert referred.referral_target_id == target.id
    assert referred.closed_at is not None


def test_a_coordinator_reopens_a_closed_complaint_with_a_reason(coordinator, team):
    complaint = team.complaint(
        "closed", outcome=outcome("upheld"), finalised_at=LONG_AGO, closed_at=LONG_AGO
    )
    response = fill(
        coordinator, "complaint", complaint, "reopen", reason="New evidence from the complainant"
    )
    assert "It is now Under assessment." in text(response)
    reopened = fresh(Complaint, complaint.id)
    assert reopened.outcome_id is None and reopened.closed_at is None
    (entry,) = [e for e in history_of(reopened) if e.action == "reopen"]
    assert "Reason: New evidence from the complainant" in entry.summary


def test_a_coordinator_closes_a_finalised_complaint(coordinator, team):
    complaint = team.complaint("finalised", outcome=outcome("upheld"), finalised_at=utcnow())
    assert "It is now Closed." in text(press(coordinator, "complaint", complaint, "close"))
    assert fresh(Complaint, complaint.id).closed_at is not None


def test_a_coordinator_sends_a_finalised_complaint_to_the_ombudsman(coordinator, team):
    complaint = team.complaint("finalised", outcome=outcome("upheld"), finalised_at=utcnow())
    response = fill(
        coordinator, "complaint", complaint, "request_external_review", body="ombudsman"
    )
    assert "It is now External review." in text(response)
    (review,) = db.session.execute(db.select(ExternalReview)).scalars().all()
    assert (review.complaint_id, review.body, review.status) == (complaint.id, "ombudsman", "open")


def test_a_coordinator_starts_the_assessment_of_an_acknowledged_complaint(coordinator, team):
    complaint = team.complaint("acknowledged")
    page = text(press(coordinator, "complaint", complaint, "start_assessment"))
    assert "It is now Under assessment." in page


# ------------------------------------------------------------------ internal reviews


def test_a_request_for_internal_review_in_time_opens_the_review(coordinator, team):
    complaint = team.complaint("finalised", outcome=outcome("not_upheld"), finalised_at=utcnow())
    assert fresh(Complaint, complaint.id).review_request_due_at > utcnow()
    before = utcnow()
    page = text(coordinator.get(f"/admin/complaint/details/?id={complaint.id}"))
    assert "Request internal review" in page and "Internal review requested" not in page
    response = press(coordinator, "complaint", complaint, "request_internal_review")
    assert "Request internal review done. It is now Internal review." in text(response)
    (review,) = db.session.execute(db.select(InternalReview)).scalars().all()
    assert review.complaint_id == complaint.id
    assert review.status == "requested"
    assert before <= review.requested_at <= utcnow()
    assert review.late_reason is None
    assert review.due_at is not None


def test_a_late_request_for_internal_review_without_a_reason_is_refused(coordinator, team):
    complaint = team.complaint("finalised", outcome=outcome("not_upheld"), finalised_at=LONG_AGO)
    assert fresh(Complaint, complaint.id).review_request_due_at < utcnow()
    url, fields = offered(details(coordinator, "complaint", complaint))["request_internal_review"]
    assert fields is None  # late: the form asks for the reason
    response = fill(coordinator, "complaint", complaint, "request_internal_review", late_reason="")
    page = text(response)
    assert "a late request needs the reason it is accepted" in page
    assert 'name="late_reason"' in page  # the form again
    assert fresh(Complaint, complaint.id).status == "finalised"
    assert db.session.execute(db.select(InternalReview)).first() is None


def test_a_late_request_for_internal_review_with_a_reason_keeps_the_reason(coordinator, team):
    complaint = team.complaint("finalised", outcome=outcome("not_upheld"), finalised_at=LONG_AGO)
    fill(
        coordinator,
        "complaint",
        complaint,
        "request_internal_review",
        late_reason="The complainant was in hospital.",
    )
    assert fresh(Complaint, complaint.id).status == "internal_review"
    (review,) = db.session.execute(db.select(InternalReview)).scalars().all()
    assert review.late_reason == "The complainant was in hospital."


def requested_review(team, **values):
    complaint = team.complaint(
        "internal_review",
        outcome=outcome("not_upheld"),
        finalised_at=utcnow() - timedelta(days=3),
        decided_at=utcnow() - timedelta(days=3),
        decided_by=team.decision_maker,
    )
    review = InternalReview(complaint=complaint, requested_at=utcnow(), **values)
    db.session.add(review)
    db.session.commit()
    return complaint, review


def test_the_reviewer_picker_offers_only_officers_clear_of_the_complaint(coordinator, team):
    team.make.user("low", "internal_reviewer", level="AO6")
    complaint, review = requested_review(team)
    url, _ = offered(details(coordinator, "internal_review", review))["assign_reviewer"]
    page = coordinator.get(url).get_data(as_text=True)
    reviewers = page.split('name="reviewer"')[1].split("</select>")[0]
    assert "Alex Raman (SES1)" in reviewers
    assert "Alex Low (AO6)" not in reviewers


def test_a_coordinator_assigns_the_reviewer_and_the_reviewer_starts(app, coordinator, team):
    complaint, review = requested_review(team)
    fill(
        coordinator,
        "internal_review",
        review,
        "assign_reviewer",
        reviewer=team.reviewer.participant_id,
    )
    review = fresh(InternalReview, review.id)
    assert review.reviewer_id == team.reviewer.participant_id
    reviewer = client_for(app, "raman")
    assert "It is now In progress." in text(press(reviewer, "internal_review", review, "start"))


def test_the_reviewer_records_a_changed_decision_and_the_complaint_takes_it(app, team):
    complaint, review = requested_review(
        team, reviewer=team.reviewer.participant, status="in_progress"
    )
    reviewer = client_for(app, "raman")
    response = fill(
        reviewer,
        "internal_review",
        review,
        "complete",
        outcome="decision_changed",
        findings="The officer did not consider the second letter.",
        complaint_outcome="upheld",
    )
    assert "It is now Completed." in text(response)
    review = fresh(InternalReview, review.id)
    assert review.outcome == "decision_changed"
    assert review.recorded_by_id == team.reviewer.id
    assert review.completed_at is not None
    complaint = db.session.get(Complaint, complaint.id)
    assert complaint.outcome.code == "upheld"
    assert complaint.status == "finalised"
    assert "record_review_outcome" in [e.action for e in history_of(complaint)]


def test_a_changed_decision_without_the_new_outcome_is_refused(app, team):
    complaint, review = requested_review(
        team, reviewer=team.reviewer.participant, status="in_progress"
    )
    reviewer = client_for(app, "raman")
    response = fill(
        reviewer,
        "internal_review",
        review,
        "complete",
        outcome="decision_changed",
        findings="Wrong outcome.",
    )
    page = text(response)
    assert "A changed decision needs the complaint's new outcome." in page
    assert "Wrong outcome." in page  # the input is kept
    assert fresh(InternalReview, review.id).status == "in_progress"


def test_withdrawing_a_review_needs_a_reason(coordinator, team):
    complaint, review = requested_review(team)
    page = text(fill(coordinator, "internal_review", review, "withdraw", reason=""))
    assert "Withdrawing needs a reason." in page
    assert fresh(InternalReview, review.id).status == "requested"
    fill(coordinator, "internal_review", review, "withdraw", reason="The complainant withdrew.")
    assert fresh(InternalReview, review.id).status == "withdrawn"


# ----------------------------------------------------------------------------- tickets


def test_a_support_agent_works_a_ticket_from_new_to_closed(app, team):
    client_org = Participant(kind="client_organisation", organisation_name="Acme Training")
    ticket = Ticket(
        severity="2", summary="Reports time out", client=client_org, reported_at=utcnow()
    )
    db.session.add(ticket)
    db.session.commit()
    agent = client_for(app, "tan")
    said = {"respond": "Looking at it now.", "resolve": "The report index was rebuilt."}
    for step, status in [
        ("respond", "Responded"),
        ("start_work", "In progress"),
        ("wait_on_client", "Waiting on client"),
        ("resume", "In progress"),
        ("resolve", "Resolved"),
    ]:
        ticket = fresh(Ticket, ticket.id)
        if step in said:
            response = fill(agent, "ticket", ticket, step, content=said[step])
        else:
            response = press(agent, "ticket", ticket, step)
        assert f"It is now {status}." in text(response)
    filed = {e["kind"]: e for e in notes.entries_of(fresh(Ticket, ticket.id))}
    assert filed["response"]["summary"] == "Looking at it now." and filed["response"]["shared"]
    assert filed["resolution"]["summary"] == "The report index was rebuilt."
    ticket = fresh(Ticket, ticket.id)
    assert ticket.first_response_at is not None and ticket.resolved_at is not None
    page = text(fill(agent, "ticket", ticket, "reopen", reason=""))
    assert "Reopening needs a reason." in page
    fill(agent, "ticket", ticket, "reopen", reason="The fix did not hold.")
    ticket = fresh(Ticket, ticket.id)
    assert ticket.status == "in_progress" and ticket.resolved_at is None
    fill(agent, "ticket", ticket, "resolve", content="Rebuilt again, with the nightly job.")
    press(agent, "ticket", fresh(Ticket, ticket.id), "close")
    assert fresh(Ticket, ticket.id).status == "closed"


# ------------------------------------------------------------------ steps that are refused


def test_a_step_from_the_wrong_status_is_refused_with_the_reason(coordinator, team):
    complaint = team.complaint("registered")
    page = text(post_step(coordinator, "complaint", complaint, "close"))
    assert "A complaint can only be closed once it is finalised, reviewed or referred" in page
    assert "(it is Registered)" in page
    assert fresh(Complaint, complaint.id).status == "registered"


def test_a_step_by_the_wrong_person_is_refused_with_the_reason(app, team):
    # A decision maker by capacity, but this complaint's manager, not its decision maker.
    both = team.make.user("both", "complaint_manager", "decision_maker", level="AO6")
    complaint = team.complaint("response_drafted", manager=both.participant)
    page = text(post_step(client_for(app, "both"), "complaint", complaint, "decide"))
    assert "Only the decision maker of this complaint, or an administrator, may decide it." in (
        page
    )
    assert fresh(Complaint, complaint.id).status == "response_drafted"


def test_the_officer_who_drafted_the_response_cannot_decide_it(app, team):
    both = team.make.user("both", "decision_maker", "complaint_manager", level="AO8")
    complaint = team.complaint(
        "response_drafted", decision_maker=both.participant, drafted_by=both
    )
    page = text(post_step(client_for(app, "both"), "complaint", complaint, "decide"))
    assert "Nobody approves their own work: A. Both drafted the response" in page
    assert fresh(Complaint, complaint.id).status == "response_drafted"


def test_a_step_missing_its_input_is_refused_with_the_input_kept(app, team):
    complaint = team.complaint("decided")
    decider = client_for(app, "deakin")
    response = fill(
        decider,
        "complaint",
        complaint,
        "finalise",
        follow=False,
        outcome="withdrawn",
        outcome_reason="",
    )
    page = text(response)
    assert response.status_code == 200
    assert "Finalising with the outcome Withdrawn needs its reasons recorded." in page
    assert '<option selected value="withdrawn">' in page
    assert fresh(Complaint, complaint.id).status == "decided"


def test_assigning_a_decision_maker_who_does_not_outrank_the_manager_is_refused(coordinator, team):
    complaint = team.complaint("acknowledged", manager=None, decision_maker=None)
    page = text(
        fill(
            coordinator,
            "complaint",
            complaint,
            "assign",
            manager=team.manager.participant_id,
            decision_maker=team.junior_decision_maker.participant_id,
        )
    )
    assert (
        "The decision maker must rank above the complaint manager: "
        "A. Jones (AO5) does not rank above A. Marsh (AO6)."
    ) in page
    assert fresh(Complaint, complaint.id).manager_id is None


def test_an_unknown_step_is_refused(coordinator, team):
    complaint = team.complaint("received")
    page = text(post_step(coordinator, "complaint", complaint, "teleport"))
    assert "There is no step called “teleport” for a complaint." in page


def test_a_step_on_a_complaint_out_of_the_users_sight_is_not_found(app, team):
    other = team.complaint("response_drafted", manager=None, decision_maker=None)
    decider = client_for(app, "deakin")
    response = decider.post(f"/admin/complaint/transition/decide/?id={other.id}", data={})
    assert response.status_code == 404


def test_a_step_without_the_forms_token_is_refused(coordinator, team):
    complaint = team.complaint("received")
    response = coordinator.post(
        f"/admin/complaint/transition/register/?id={complaint.id}",
        data={"row_version": str(complaint.version)},
        follow_redirects=True,
    )
    assert "This form has expired or was not sent from the portal." in text(response)
    assert fresh(Complaint, complaint.id).status == "received"


def test_a_step_posted_on_an_older_version_is_refused_with_the_conflict_message(coordinator, team):
    complaint = team.complaint("received")
    url, fields = offered(details(coordinator, "complaint", complaint))["register"]
    complaint.summary = "Changed by someone else"
    db.session.commit()
    page = text(coordinator.post(url, data=fields, follow_redirects=True))
    assert "This complaint was changed at" in page
    assert "Your changes were not saved" in page
    assert fresh(Complaint, complaint.id).status == "received"


# ------------------------------------------------------------- edit forms and the steps


def test_the_edit_forms_no_longer_offer_the_status(coordinator, team):
    complaint = team.complaint("registered")
    page = coordinator.get(f"/admin/complaint/edit/?id={complaint.id}").get_data(as_text=True)
    assert 'name="status"' not in page and 'name="outcome"' not in page
    data = form_values(page)
    data.update(status="closed", summary="Clarified")
    assert coordinator.post(
        f"/admin/complaint/edit/?id={complaint.id}", data=data
    ).status_code == (302)
    saved = fresh(Complaint, complaint.id)
    assert (saved.summary, saved.status) == ("Clarified", "registered")
    new_review = coordinator.get("/admin/internal_review/new/").get_data(as_text=True)
    assert 'name="status"' not in new_review and 'name="findings"' not in new_review
    new_ticket = coordinator.get("/admin/ticket/new/").get_data(as_text=True)
    assert 'name="status"' not in new_ticket and 'name="resolved_at"' not in new_ticket


def test_a_review_outcome_recorded_on_the_complaint_completes_its_review(app, team):
    team.make.user("boss", "administrator")
    complaint, review = requested_review(
        team, reviewer=team.reviewer.participant, status="in_progress"
    )
    response = fill(
        client_for(app, "boss"),
        "complaint",
        complaint,
        "record_review_outcome",
        review_outcome="referred_back",
        findings="The decision did not address the second issue.",
    )
    assert "It is now Response drafted." in text(response)
    complaint = fresh(Complaint, complaint.id)
    assert (complaint.decided_at, complaint.outcome_id) == (None, None)
    review = db.session.get(InternalReview, review.id)
    assert (review.status, review.outcome) == ("completed", "referred_back")
    assert review.findings == "The decision did not address the second issue."


def test_a_review_outcome_is_refused_while_the_review_has_not_started(app, team):
    team.make.user("boss", "administrator")
    complaint, review = requested_review(team, reviewer=team.reviewer.participant)
    page = text(
        fill(
            client_for(app, "boss"),
            "complaint",
            complaint,
            "record_review_outcome",
            review_outcome="original_confirmed",
            findings="Sound.",
        )
    )
    assert "An internal review can only be completed while it is in progress" in page
    assert "(it is Requested)" in page
    assert fresh(Complaint, complaint.id).status == "internal_review"
    assert db.session.get(InternalReview, review.id).status == "requested"
