"""No lost updates: two people on the same complaint, through the edit form and the steps.

Whoever saves second on an older version is refused with the name of the person who
changed it, keeps what they typed, and nothing of the first save is lost.
"""

import pytest
from sqlalchemy import update

from models import Complaint, HistoryEntry, User, db
from tests.admin_forms import form_values
from tests.test_workflow_screens import (
    Team,
    client_for,
    details,
    fresh,
    offered,
    outcome,
    press,
    text,
)


@pytest.fixture
def team(make):
    team = Team(make)
    make.user("colleague", "coordinator", division=team.division)
    return team


def edit_url(complaint):
    return f"/admin/complaint/edit/?id={complaint.id}"


def test_two_editors_save_the_same_complaint_and_the_second_is_refused_keeping_their_input(
    app, team
):
    complaint = team.complaint("registered", summary="As registered", description="Original")
    first, second = client_for(app, "colleague"), client_for(app, "coord")
    first_form = form_values(first.get(edit_url(complaint)).get_data(as_text=True))
    second_form = form_values(second.get(edit_url(complaint)).get_data(as_text=True))

    first_form.update(summary="Counter staff were rude twice", description="Second visit too")
    assert first.post(edit_url(complaint), data=first_form).status_code == 302

    second_form.update(outcome_sought="An apology in writing")
    response = second.post(edit_url(complaint), data=second_form)
    page = text(response)
    assert response.status_code == 200
    assert "Alex Colleague (colleague) changed this complaint at" in page
    assert "Your changes were not saved" in page
    assert "An apology in writing" in page  # their own input, shown again to copy over

    saved = fresh(Complaint, complaint.id)
    assert saved.summary == "Counter staff were rude twice"
    assert saved.description == "Second visit too"
    assert "apology" not in (saved.outcome_sought or "")
    editors = db.session.execute(
        db.select(User.username)
        .join(HistoryEntry, HistoryEntry.user_id == User.id)
        .where(HistoryEntry.record_type == "Complaint", HistoryEntry.record_id == complaint.id)
    ).scalars()
    assert set(editors) == {"colleague"}  # the refused save wrote nothing


def test_the_second_editor_can_save_once_they_reopen_the_complaint(app, team):
    complaint = team.complaint("registered", summary="As registered")
    first, second = client_for(app, "colleague"), client_for(app, "coord")
    stale = form_values(second.get(edit_url(complaint)).get_data(as_text=True))
    first_form = form_values(first.get(edit_url(complaint)).get_data(as_text=True))
    first_form["summary"] = "First change"
    first.post(edit_url(complaint), data=first_form)
    stale["outcome_sought"] = "An apology"
    assert second.post(edit_url(complaint), data=stale).status_code == 200

    reopened = form_values(second.get(edit_url(complaint)).get_data(as_text=True))
    reopened["outcome_sought"] = "An apology"
    assert second.post(edit_url(complaint), data=reopened).status_code == 302
    saved = fresh(Complaint, complaint.id)
    assert (saved.summary, saved.outcome_sought) == ("First change", "An apology")


def test_a_step_taken_while_the_edit_form_was_open_refuses_the_edit(app, team):
    complaint = team.complaint("registered", summary="As registered")
    editor, colleague = client_for(app, "coord"), client_for(app, "colleague")
    form = form_values(editor.get(edit_url(complaint)).get_data(as_text=True))
    press(colleague, "complaint", complaint, "acknowledge")

    form["summary"] = "Edited over the acknowledgement"
    page = text(editor.post(edit_url(complaint), data=form))
    assert "Alex Colleague (colleague) changed this complaint at" in page
    saved = fresh(Complaint, complaint.id)
    assert (saved.status, saved.summary) == ("acknowledged", "As registered")
    assert saved.acknowledged_at is not None


def test_an_edit_saved_while_a_step_form_was_open_refuses_the_step_keeping_its_input(app, team):
    complaint = team.complaint("decided", summary="As registered")
    decider, coordinator = client_for(app, "deakin"), client_for(app, "coord")
    url, _ = offered(details(decider, "complaint", complaint))["finalise"]
    step_form = form_values(decider.get(url).get_data(as_text=True))

    edit_form = form_values(coordinator.get(edit_url(complaint)).get_data(as_text=True))
    edit_form["summary"] = "Clarified by the coordinator"
    assert coordinator.post(edit_url(complaint), data=edit_form).status_code == 302

    step_form.update(outcome="declined", outcome_reason="Out of time under the policy.")
    response = decider.post(url, data=step_form)
    page = text(response)
    assert response.status_code == 200
    assert "Alex Coord (coord) changed this complaint at" in page
    assert "Out of time under the policy." in page
    saved = fresh(Complaint, complaint.id)
    assert (saved.status, saved.outcome_id, saved.summary) == (
        "decided",
        None,
        "Clarified by the coordinator",
    )


def test_two_people_pressing_the_same_button_take_the_step_once(app, team):
    complaint = team.complaint("received")
    first, second = client_for(app, "coord"), client_for(app, "colleague")
    first_button = offered(details(first, "complaint", complaint))["register"]
    second_button = offered(details(second, "complaint", complaint))["register"]
    assert "It is now Registered." in text(
        first.post(first_button[0], data=first_button[1], follow_redirects=True)
    )
    page = text(second.post(second_button[0], data=second_button[1], follow_redirects=True))
    assert "Alex Coord (coord) changed this complaint at" in page
    registrations = db.session.execute(
        db.select(HistoryEntry).filter_by(record_id=complaint.id, action="register")
    ).all()
    assert len(registrations) == 1


def test_a_step_racing_another_save_is_refused_by_the_row_version(app, team, monkeypatch):
    from services.steps import ComplaintStepper

    complaint = team.complaint("decided", summary="As registered")
    decider = client_for(app, "deakin")
    record_step = ComplaintStepper.record

    def someone_else_saves_meanwhile(stepper, name, model, *args):
        with db.engine.begin() as connection:
            connection.execute(
                update(Complaint)
                .where(Complaint.id == model.id)
                .values(summary="Theirs", version=Complaint.version + 1)
            )
        return record_step(stepper, name, model, *args)

    monkeypatch.setattr(ComplaintStepper, "record", someone_else_saves_meanwhile)
    url, _ = offered(details(decider, "complaint", complaint))["finalise"]
    data = form_values(decider.get(url).get_data(as_text=True))
    data["outcome"] = "upheld"
    page = text(decider.post(url, data=data))
    assert "Your changes were not saved" in page
    saved = fresh(Complaint, complaint.id)
    assert (saved.status, saved.summary, saved.outcome_id) == ("decided", "Theirs", None)
    assert outcome("upheld").id != saved.outcome_id
