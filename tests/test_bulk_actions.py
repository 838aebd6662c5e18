"""Bulk steps on the complaints grid: each complaint goes through the same rules, in its own
transaction; a refused one is named with its reason and the others go ahead."""

import re

import pytest

from models import Complaint, HistoryEntry, db
from tests.admin_forms import form_values
from tests.conftest import csrf_token
from tests.test_api import token_for
from tests.test_workflow_screens import Team, client_for, fresh, sign_in, text


@pytest.fixture
def team(make):
    return Team(make)


@pytest.fixture
def coordinator(app, team):
    return sign_in(app.test_client(), "coord")


def run_action(client, action, complaints, follow=True):
    """Tick the complaints on the grid and choose the action, as the grid's form does."""
    grid = client.get("/admin/complaint/").get_data(as_text=True)
    assert f"modelActions.execute('{action}')" in grid
    return client.post(
        "/admin/complaint/action/",
        data={
            "csrf_token": csrf_token(grid.split('id="action_form"')[1]),
            "action": action,
            "url": "/admin/complaint/",
            "rowid": [str(c.id) for c in complaints],
        },
        follow_redirects=follow,
    )


def bulk_assign_form(client, complaints):
    response = run_action(client, "assign", complaints, follow=False)
    assert response.status_code == 302
    page = client.get(response.headers["Location"])
    assert page.status_code == 200
    return response.headers["Location"], page.get_data(as_text=True)


def statuses(*complaints):
    db.session.expire_all()
    return [db.session.get(Complaint, c.id).status for c in complaints]


# -------------------------------------------------------------------------- acknowledge


def test_a_coordinator_acknowledges_several_complaints_at_once(coordinator, team):
    first, second = team.complaint("registered"), team.complaint("under_assessment")
    page = text(run_action(coordinator, "acknowledge", [first, second]))
    assert f"Acknowledge: done for 2 complaints ({first.reference}, {second.reference})." in page
    assert statuses(first, second) == ["acknowledged", "under_assessment"]
    for complaint in (first, second):
        assert fresh(Complaint, complaint.id).acknowledged_at is not None
        assert db.session.execute(
            db.select(HistoryEntry).filter_by(
                record_id=complaint.id, record_type="Complaint", action="acknowledge"
            )
        ).scalar_one()


def test_a_complaint_refused_in_a_bulk_acknowledgement_is_named_and_the_others_go_ahead(
    coordinator, team
):
    ready, too_early = team.complaint("registered"), team.complaint("received")
    page = text(run_action(coordinator, "acknowledge", [ready, too_early]))
    assert f"Acknowledge: done for 1 complaint ({ready.reference})." in page
    assert "Acknowledge: 1 complaint was refused and left unchanged" in page
    assert "each complaint is saved on its own: the others went ahead" in page
    assert (
        f"{too_early.reference}: A complaint can only be acknowledged once it is registered "
        "and before it is decided (it is Received)."
    ) in page
    assert statuses(ready, too_early) == ["acknowledged", "received"]


def test_a_bulk_acknowledgement_reads_each_complaint_as_it_is_now(coordinator, team):
    complaint = team.complaint("under_assessment")
    grid = coordinator.get("/admin/complaint/").get_data(as_text=True)
    # Someone else acknowledges it after the grid was opened.
    colleague = client_for(coordinator.application, "marsh")
    url = f"/admin/complaint/transition/acknowledge/?id={complaint.id}"
    token = csrf_token(colleague.get(url).get_data(as_text=True))
    colleague.post(url, data={"csrf_token": token, "row_version": str(complaint.version)})
    assert fresh(Complaint, complaint.id).acknowledged_at is not None
    page = text(
        coordinator.post(
            "/admin/complaint/action/",
            data={
                "csrf_token": csrf_token(grid.split('id="action_form"')[1]),
                "action": "acknowledge",
                "rowid": [str(complaint.id)],
            },
            follow_redirects=True,
        )
    )
    assert f"{complaint.reference}: This complaint has already been acknowledged." in page
    acknowledgements = db.session.execute(
        db.select(HistoryEntry).filter_by(record_id=complaint.id, action="acknowledge")
    ).all()
    assert len(acknowledgements) == 1


def test_a_complaint_out_of_the_users_sight_is_left_alone_by_a_bulk_action(app, team):
    mine = team.complaint("registered")
    not_mine = team.complaint("registered", manager=None, decision_maker=None)
    manager = client_for(app, "marsh")
    run_action(manager, "acknowledge", [mine, not_mine])
    assert statuses(not_mine) == ["registered"]
    assert fresh(Complaint, not_mine.id).acknowledged_at is None


def test_the_bulk_steps_are_offered_to_the_capacities_that_may_take_them(app, team):
    team.complaint("registered")
    manager_grid = client_for(app, "marsh").get("/admin/complaint/").get_data(as_text=True)
    assert "modelActions.execute('acknowledge')" in manager_grid
    assert "modelActions.execute('assign')" not in manager_grid
    coordinator_grid = client_for(app, "coord").get("/admin/complaint/").get_data(as_text=True)
    assert "modelActions.execute('assign')" in coordinator_grid


def test_a_manager_cannot_bulk_assign_by_posting_the_action(app, team):
    complaint = team.complaint("registered", manager=None, decision_maker=None)
    manager = client_for(app, "marsh")
    grid = manager.get("/admin/complaint/").get_data(as_text=True)
    manager.post(
        "/admin/complaint/action/",
        data={
            "csrf_token": csrf_token(grid.split('id="action_form"')[1]),
            "action": "assign",
            "rowid": [str(complaint.id)],
        },
    )
    assert fresh(Complaint, complaint.id).manager_id is None


# ------------------------------------------------------------------------------- assign


def test_a_coordinator_assigns_the_same_officers_to_several_complaints(coordinator, team):
    first = team.complaint("registered", manager=None, decision_maker=None)
    second = team.complaint("acknowledged", manager=None, decision_maker=None)
    url, page = bulk_assign_form(coordinator, [first, second])
    assert first.reference in page and second.reference in page
    decision_makers = page.split('name="decision_maker"')[1].split("</select>")[0]
    assert "Alex Deakin (AO8)" in decision_makers
    data = form_values(page)
    data.update(
        manager=str(team.manager.participant_id),
        decision_maker=str(team.decision_maker.participant_id),
    )
    result = text(coordinator.post(url, data=data, follow_redirects=True))
    assert (
        f"Assign officers: done for 2 complaints ({first.reference}, {second.reference})."
        in result
    )
    for complaint in (first, second):
        saved = fresh(Complaint, complaint.id)
        assert saved.status == "under_assessment"
        assert saved.manager_id == team.manager.participant_id
        assert saved.decision_maker_id == team.decision_maker.participant_id


def test_the_bulk_assign_form_offers_decision_makers_above_the_manager_chosen(coordinator, team):
    complaint = team.complaint("registered", manager=None, decision_maker=None)
    url, page = bulk_assign_form(coordinator, [complaint])
    data = form_values(page)
    data.update(manager=str(team.manager.participant_id), refresh="1")
    page = coordinator.post(url, data=data).get_data(as_text=True)
    decision_makers = page.split('name="decision_maker"')[1].split("</select>")[0]
    assert "Alex Deakin (AO8)" in decision_makers
    assert "Alex Jones (AO5)" not in decision_makers
    assert fresh(Complaint, complaint.id).manager_id is None


def test_a_bulk_assignment_breaking_separation_of_duties_is_refused_naming_rule_and_people(
    coordinator, team
):
    first = team.complaint("registered", manager=None, decision_maker=None)
    second = team.complaint("registered", manager=None, decision_maker=None)
    url, page = bulk_assign_form(coordinator, [first, second])
    data = form_values(page)
    # Posted by hand: the picker does not offer a decision maker ranking below the manager.
    data.update(
        manager=str(team.manager.participant_id),
        decision_maker=str(team.junior_decision_maker.participant_id),
    )
    result = text(coordinator.post(url, data=data, follow_redirects=True))
    assert "Assign officers: 2 complaints were refused and left unchanged." in result
    for complaint in (first, second):
        assert (
            f"{complaint.reference}: The decision maker must rank above the complaint "
            "manager: A. Jones (AO5) does not rank above A. Marsh (AO6)."
        ) in result
    assert "done for" not in result
    assert statuses(first, second) == ["registered", "registered"]
    assert fresh(Complaint, first.id).manager_id is None


def test_only_the_complaint_about_the_decision_maker_is_refused_in_a_bulk_assignment(
    coordinator, team
):
    clear = team.complaint("registered", manager=None, decision_maker=None)
    about_them = team.complaint(
        "registered",
        manager=None,
        decision_maker=None,
        subjects=[team.decision_maker.participant],
    )
    url, page = bulk_assign_form(coordinator, [clear, about_them])
    data = form_values(page)
    data.update(
        manager=str(team.manager.participant_id),
        decision_maker=str(team.decision_maker.participant_id),
    )
    result = text(coordinator.post(url, data=data, follow_redirects=True))
    assert f"Assign officers: done for 1 complaint ({clear.reference})." in result
    assert (
        f"{about_them.reference}: Nobody the complaint is about may handle it: A. Deakin is a "
        "subject of the complaint and cannot be its decision maker."
    ) in result
    assert statuses(clear, about_them) == ["under_assessment", "registered"]
    assert fresh(Complaint, about_them.id).decision_maker_id is None


def test_a_complaint_changed_after_the_bulk_form_was_opened_is_refused(coordinator, team):
    first = team.complaint("registered", manager=None, decision_maker=None)
    changed = team.complaint("registered", manager=None, decision_maker=None)
    url, page = bulk_assign_form(coordinator, [first, changed])
    changed.summary = "Clarified by a colleague"
    db.session.commit()
    data = form_values(page)
    data.update(
        manager=str(team.manager.participant_id),
        decision_maker=str(team.decision_maker.participant_id),
    )
    result = text(coordinator.post(url, data=data, follow_redirects=True))
    assert f"Assign officers: done for 1 complaint ({first.reference})." in result
    assert re.search(
        rf"{changed.reference}: This complaint was changed at .*, after you opened it\. "
        "Your changes were not saved",
        result,
    )
    saved = fresh(Complaint, changed.id)
    assert (saved.status, saved.manager_id, saved.summary) == (
        "registered",
        None,
        "Clarified by a colleague",
    )


def test_a_bulk_assignment_needs_a_manager(coordinator, team):
    complaint = team.complaint("registered", manager=None, decision_maker=None)
    url, page = bulk_assign_form(coordinator, [complaint])
    result = text(coordinator.post(url, data=form_values(page)))
    assert "Assigning needs a complaint manager." in result
    assert statuses(complaint) == ["registered"]


# ------------------------------------------------- register, wait, close, set category


def bulk_form(client, action, complaints):
    response = run_action(client, action, complaints, follow=False)
    assert response.status_code == 302
    location = response.headers["Location"]
    return location, client.get(location).get_data(as_text=True)


def history_actions(complaint):
    return [
        entry.action
        for entry in db.session.execute(
            db.select(HistoryEntry).filter_by(record_type="Complaint", record_id=complaint.id)
        ).scalars()
    ]


def test_a_coordinator_registers_received_complaints_in_bulk_and_the_registered_are_refused(
    coordinator, team
):
    first, second = team.complaint("received"), team.complaint("received")
    already = team.complaint("registered")
    page = text(run_action(coordinator, "register", [first, already, second]))
    assert f"Register: done for 2 complaints ({first.reference}, {second.reference})." in page
    assert "Register: 1 complaint was refused and left unchanged" in page
    assert (
        f"{already.reference}: A complaint can only be registered when it has just been "
        "received (it is Registered)."
    ) in page
    assert statuses(first, second, already) == ["registered", "registered", "registered"]
    assert fresh(Complaint, first.id).registered_at is not None
    assert "register" in history_actions(first)
    assert "register" not in history_actions(already)


def test_waiting_on_the_complainant_in_bulk_stops_the_clock_of_those_being_worked(
    coordinator, team
):
    working = team.complaint("investigation")
    decided = team.complaint("decided")
    page = text(run_action(coordinator, "wait_on_complainant", [working, decided]))
    assert f"Wait on complainant: done for 1 complaint ({working.reference})." in page
    assert (
        f"{decided.reference}: A complaint can only be put on hold while it is being worked "
        "on (it is Decided)."
    ) in page
    assert statuses(working, decided) == ["awaiting_complainant", "decided"]
    assert fresh(Complaint, working.id).paused_since is not None


def test_a_manager_puts_only_their_own_complaints_on_hold_in_bulk(app, team):
    mine = team.complaint("investigation")
    grid = client_for(app, "marsh").get("/admin/complaint/").get_data(as_text=True)
    assert "modelActions.execute('wait_on_complainant')" in grid
    assert "modelActions.execute('close')" not in grid
    assert "modelActions.execute('register')" not in grid
    page = text(run_action(client_for(app, "marsh"), "wait_on_complainant", [mine]))
    assert f"Wait on complainant: done for 1 complaint ({mine.reference})." in page


def test_closing_in_bulk_closes_the_finalised_and_names_the_open_ones_refused(coordinator, team):
    finalised = team.complaint("finalised")
    referred = team.complaint("referred")
    still_open = team.complaint("investigation")
    page = text(run_action(coordinator, "close", [finalised, still_open, referred]))
    assert f"Close: done for 2 complaints ({finalised.reference}, {referred.reference})." in page
    assert "Close: 1 complaint was refused and left unchanged" in page
    assert f"{still_open.reference}: " in page
    assert statuses(finalised, still_open, referred) == ["closed", "investigation", "closed"]
    assert fresh(Complaint, finalised.id).closed_at is not None


def test_a_manager_cannot_close_in_bulk_by_posting_the_action(app, team):
    finalised = team.complaint("finalised")
    manager = client_for(app, "marsh")
    grid = manager.get("/admin/complaint/").get_data(as_text=True)
    response = manager.post(
        "/admin/complaint/action/",
        data={
            "csrf_token": csrf_token(grid.split('id="action_form"')[1]),
            "action": "close",
            "rowid": [str(finalised.id)],
        },
    )
    assert response.status_code in (302, 403)
    assert statuses(finalised) == ["finalised"]


def test_setting_the_category_in_bulk_refuses_decided_complaints_and_records_the_rest(
    coordinator, team
):
    from models import Category

    fees = db.session.execute(db.select(Category).filter_by(code="fees")).scalar_one()
    first, second = team.complaint("registered"), team.complaint("investigation")
    decided = team.complaint("decided")
    url, page = bulk_form(coordinator, "set_category", [first, decided, second])
    assert "Set category" in page and decided.reference in page
    data = form_values(page)
    data.update(category=str(fees.id))
    result = text(coordinator.post(url, data=data, follow_redirects=True))
    assert (
        f"Set category: done for 2 complaints ({first.reference}, {second.reference})." in result
    )
    assert (
        f"{decided.reference}: A complaint can only be given a category before it is decided "
        "(it is Decided)."
    ) in result
    db.session.expire_all()
    assert fresh(Complaint, first.id).category_id == fees.id
    assert fresh(Complaint, second.id).category_id == fees.id
    assert fresh(Complaint, decided.id).category_id != fees.id
    entry = db.session.execute(
        db.select(HistoryEntry).filter_by(record_id=first.id, action="set_category")
    ).scalar_one()
    assert f"Category: {fees.name}" in entry.summary


def test_setting_the_category_in_bulk_needs_a_category_and_keeps_the_form(coordinator, team):
    complaint = team.complaint("registered")
    url, page = bulk_form(coordinator, "set_category", [complaint])
    result = text(coordinator.post(url, data=form_values(page)))
    assert "Setting the category needs a category." in result
    assert complaint.reference in result


def test_a_retired_category_is_refused_in_bulk(coordinator, team):
    from models import Category

    retired = db.session.execute(db.select(Category).filter_by(code="fees")).scalar_one()
    complaint = team.complaint("registered")
    url, page = bulk_form(coordinator, "set_category", [complaint])
    retired.active = False
    db.session.commit()
    data = form_values(page)
    data.update(category=str(retired.id))
    result = text(coordinator.post(url, data=data))
    assert "Choose from the list: that choice is not available here." in result
    assert fresh(Complaint, complaint.id).category_id != retired.id


def test_the_set_category_step_is_refused_and_taken_the_same_through_the_api(app, team):
    """One machine: through the API a decided complaint is refused, an open one categorised."""
    decided, open_one = team.complaint("decided"), team.complaint("registered")
    headers = token_for(team.coordinator)
    client = app.test_client()
    refused = client.post(
        f"/api/v1/complaints/{decided.reference}/transitions",
        json={"step": "set_category", "category": "fees"},
        headers=headers,
    )
    assert refused.status_code == 409
    assert "only be given a category before it is decided" in refused.get_json()["detail"]
    unknown = client.post(
        f"/api/v1/complaints/{open_one.reference}/transitions",
        json={"step": "set_category", "category": "no-such-thing"},
        headers=headers,
    )
    assert unknown.status_code == 422
    taken = client.post(
        f"/api/v1/complaints/{open_one.reference}/transitions",
        json={"step": "set_category", "category": "fees"},
        headers=headers,
    )
    assert taken.status_code == 200, taken.get_json()
    assert fresh(Complaint, open_one.id).category.code == "fees"


# ---------------------------------------------------------------- pickers with caseload


def test_the_assign_pickers_show_each_officers_open_caseload(coordinator, team):
    team.complaint("investigation")
    team.complaint("finalised")
    complaint = team.complaint("registered", manager=None, decision_maker=None)
    url, page = bulk_assign_form(coordinator, [complaint])
    managers = page.split('name="manager"')[1].split("</select>")[0]
    assert "Alex Marsh (AO6) · 1 open" in managers
    decision_makers = page.split('name="decision_maker"')[1].split("</select>")[0]
    assert "Alex Deakin (AO8) · 1 open" in decision_makers


def test_the_decision_makers_endpoint_narrows_to_those_above_the_manager(coordinator, team):
    complaint = team.complaint("registered", manager=None, decision_maker=None)
    answer = coordinator.get(
        f"/admin/complaint/decision-makers/?manager={team.manager.participant_id}"
        f"&id={complaint.id}"
    ).get_json()
    labels = [choice["label"] for choice in answer["choices"]]
    assert any(label.startswith("Alex Deakin (AO8)") for label in labels)
    assert not any(label.startswith("Alex Jones (AO5)") for label in labels)
    assert answer["choices"][0] == {"id": "", "label": "(assign one later)"}


def test_the_decision_makers_endpoint_leaves_out_a_subject_of_the_complaint(coordinator, team):
    about_them = team.complaint(
        "registered", manager=None, decision_maker=None, subjects=[team.decision_maker.participant]
    )
    answer = coordinator.get(
        f"/admin/complaint/decision-makers/?manager={team.manager.participant_id}"
        f"&id={about_them.id}"
    ).get_json()
    assert str(team.decision_maker.participant_id) not in [c["id"] for c in answer["choices"]]


def test_the_decision_makers_endpoint_is_the_coordinators(app, team):
    manager = client_for(app, "marsh")
    response = manager.get(
        f"/admin/complaint/decision-makers/?manager={team.manager.participant_id}"
    )
    assert response.status_code == 403


def test_a_refused_decision_maker_stays_chosen_on_the_assign_form(coordinator, team):
    complaint = team.complaint("registered", manager=None, decision_maker=None)
    url = f"/admin/complaint/transition/assign/?id={complaint.id}"
    page = coordinator.get(url).get_data(as_text=True)
    data = form_values(page)
    data.update(
        manager=str(team.manager.participant_id),
        decision_maker=str(team.junior_decision_maker.participant_id),
    )
    result = coordinator.post(url, data=data).get_data(as_text=True)
    assert "does not rank above" in text_of(result)
    decision_makers = result.split('name="decision_maker"')[1].split("</select>")[0]
    assert re.search(
        rf'<option selected value="{team.junior_decision_maker.participant_id}"'
        rf'|<option value="{team.junior_decision_maker.participant_id}" selected',
        decision_makers,
    )
    assert fresh(Complaint, complaint.id).manager_id is None


def text_of(html):
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html))


def test_the_officer_pickers_of_the_complaint_form_show_the_open_caseload(coordinator, team):
    team.complaint("investigation")
    team.complaint("closed")
    found = coordinator.get("/admin/complaint/ajax/lookup/?name=manager&query=marsh").get_json()
    assert [label for _, label in found] == ["Alex Marsh (AO6) · 1 open"]


def test_the_complaint_forms_decision_maker_picker_narrows_to_those_above_the_manager(
    coordinator, team
):
    url = "/admin/complaint/ajax/lookup/?name=decision_maker&query=alex"
    everyone = [label for _, label in coordinator.get(url).get_json()]
    assert any(label.startswith("Alex Jones (AO5)") for label in everyone)
    narrowed = [
        label
        for _, label in coordinator.get(f"{url}&manager={team.manager.participant_id}").get_json()
    ]
    assert any(label.startswith("Alex Deakin (AO8)") for label in narrowed)
    assert not any(label.startswith("Alex Jones (AO5)") for label in narrowed)
    assert not any(label.startswith("Alex Marsh (AO6)") for label in narrowed)


# ---------------------------------------------------------------------- internal reviews


def review_of(team, status="requested", reviewer=None, **values):
    from models import InternalReview

    complaint = team.complaint("internal_review", **values)
    review = InternalReview(
        complaint=complaint, status=status, reviewer=reviewer, requested_at=complaint.received_at
    )
    db.session.add(review)
    db.session.commit()
    return review


def test_a_coordinator_assigns_a_reviewer_to_several_reviews_and_the_conflicted_is_refused(
    coordinator, team
):
    from models import InternalReview

    clear = review_of(team)
    their_own = review_of(team, manager=team.reviewer.participant, decision_maker=None)
    grid = coordinator.get("/admin/internal_review/").get_data(as_text=True)
    assert "modelActions.execute('assign_reviewer')" in grid
    response = coordinator.post(
        "/admin/internal_review/action/",
        data={
            "csrf_token": csrf_token(grid.split('id="action_form"')[1]),
            "action": "assign_reviewer",
            "url": "/admin/internal_review/",
            "rowid": [str(clear.id), str(their_own.id)],
        },
    )
    url = response.headers["Location"]
    page = coordinator.get(url).get_data(as_text=True)
    assert f"Internal review of {clear.complaint.reference}" in page
    data = form_values(page)
    data["reviewer"] = str(team.reviewer.participant_id)
    result = text(coordinator.post(url, data=data, follow_redirects=True))
    assert (
        f"Assign reviewer: done for 1 internal review "
        f"(Internal review of {clear.complaint.reference})."
    ) in result
    assert f"Internal review of {their_own.complaint.reference}: " in result
    db.session.expire_all()
    assert db.session.get(InternalReview, clear.id).reviewer_id == team.reviewer.participant_id
    assert db.session.get(InternalReview, their_own.id).reviewer_id is None


def test_a_reviewer_starts_their_requested_reviews_in_bulk_and_one_under_way_is_refused(app, team):
    from models import InternalReview

    requested = review_of(team, reviewer=team.reviewer.participant)
    under_way = review_of(team, "in_progress", reviewer=team.reviewer.participant)
    reviewer = client_for(app, "raman")
    grid = reviewer.get("/admin/internal_review/", follow_redirects=True).get_data(as_text=True)
    assert "modelActions.execute('assign_reviewer')" not in grid
    result = text(
        reviewer.post(
            "/admin/internal_review/action/",
            data={
                "csrf_token": csrf_token(grid.split('id="action_form"')[1]),
                "action": "start",
                "url": "/admin/internal_review/",
                "rowid": [str(requested.id), str(under_way.id)],
            },
            follow_redirects=True,
        )
    )
    assert "Start review: done for 1 internal review" in result
    assert f"Internal review of {under_way.complaint.reference}: " in result
    db.session.expire_all()
    assert db.session.get(InternalReview, requested.id).status == "in_progress"
