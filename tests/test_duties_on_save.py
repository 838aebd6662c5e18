"""Separation of duties on every save (docs/domain.md, "Separation of duties"), through
the ORM and the forms.

Whatever the door, a complaint or internal review is judged by rules/duties.py when it is
new or when its people change; a refusal names the rule and the people, and nothing of
the change is saved.
"""

import html as html_lib
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select, update

from models import Complaint, InternalReview, Participant, ReferenceCounter, db
from rules.custody import ASSIGNMENT, PEOPLE
from rules.errors import RuleViolation
from services import custody
from tests.admin_forms import form_values

RULE_1 = (
    "The decision maker must rank above the complaint manager: "
    "J. Smith (AO6) does not rank above K. Lee (AO7)."
)


@pytest.fixture
def officers(make):
    """Four officers of rising rank, named the way refusals name them."""
    return {
        "chen": make.staff("Chen", level="AO5", given_name="Mei"),
        "smith": make.staff("Smith", level="AO6", given_name="Jane"),
        "lee": make.staff("Lee", level="AO7", given_name="Kim"),
        "raman": make.staff("Raman", level="SES1", given_name="Priya"),
    }


def refused_on_commit(match: str) -> str:
    with pytest.raises(RuleViolation) as refusal:
        db.session.commit()
    db.session.rollback()
    assert match in str(refusal.value)
    return str(refusal.value)


def reassigned(record):
    """The change as the assign step (or a coordinator's edit of the people) makes it.

    Any other door is refused before the duty rules are asked (services/custody.py, tested
    in tests/test_custody.py); here the rules themselves are judged on a direct save.
    """
    custody.permit(db.session, record, ASSIGNMENT)
    custody.permit(db.session, record, PEOPLE)
    return record


def stored(complaint_id: int) -> Complaint:
    db.session.expire_all()
    return db.session.get(Complaint, complaint_id)


def finalised_complaint(make, manager, decision_maker, **values):
    return make.complaint(
        manager=manager,
        decision_maker=decision_maker,
        status="finalised",
        finalised_at=datetime(2026, 4, 1, 6, 0, tzinfo=timezone.utc),
        **values,
    )


def review_of(complaint, **values):
    review = InternalReview(
        complaint=complaint,
        requested_at=datetime(2026, 4, 2, 0, 0, tzinfo=timezone.utc),
        **values,
    )
    db.session.add(review)
    return review


# Rule 1, through the ORM --------------------------------------------------------------


def test_a_decision_maker_who_does_not_rank_above_the_manager_is_refused_on_save(make, officers):
    complaint = make.complaint(manager=officers["lee"])
    reassigned(complaint)
    complaint.decision_maker = officers["smith"]
    complaint.summary = "Changed in the same save"
    refused_on_commit(RULE_1)
    saved = stored(complaint.id)
    assert saved.decision_maker_id is None
    assert saved.summary == "Counter staff were rude"


def test_the_complaint_manager_cannot_also_be_the_decision_maker(make, officers):
    complaint = make.complaint(manager=officers["lee"])
    reassigned(complaint)
    complaint.decision_maker = officers["lee"]
    refused_on_commit("The decision maker must not be the complaint manager: K. Lee is both.")
    assert stored(complaint.id).decision_maker_id is None


def test_a_decision_maker_set_by_id_is_judged_too(make, officers):
    complaint = make.complaint(manager=officers["lee"])
    reassigned(complaint)
    complaint.decision_maker_id = officers["smith"].id
    refused_on_commit(RULE_1)


def test_a_decision_maker_ranking_above_the_manager_is_saved(make, officers):
    complaint = make.complaint(manager=officers["smith"])
    reassigned(complaint)
    complaint.decision_maker = officers["lee"]
    db.session.commit()
    assert stored(complaint.id).decision_maker_id == officers["lee"].id


def test_a_new_complaint_breaking_a_rule_is_refused_and_takes_no_reference_number(make, officers):
    division = make.division()
    db.session.commit()
    make.complaint(
        division=division, manager=officers["lee"], decision_maker=officers["smith"], commit=False
    )
    refused_on_commit(RULE_1)
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    assert db.session.scalar(select(func.count()).select_from(ReferenceCounter)) == 0


def test_a_new_officer_added_in_the_refused_save_is_not_saved_either(make, officers):
    complaint = make.complaint(manager=officers["lee"])
    newcomer = Participant(kind="staff", given_name="Noel", family_name="Newcomer")
    reassigned(complaint)
    complaint.decision_maker = newcomer
    refused_on_commit("N. Newcomer's classification level is not recorded")
    assert db.session.scalars(select(Participant).filter_by(family_name="Newcomer")).all() == []


def test_an_unrelated_edit_does_not_judge_again_a_complaint_saved_before_the_rules(make, officers):
    complaint = make.complaint(manager=officers["smith"], decision_maker=officers["lee"])
    # As an older release might have left it: straight to the table, past the flush hooks.
    db.session.execute(
        update(Complaint)
        .where(Complaint.id == complaint.id)
        .values(decision_maker_id=officers["chen"].id)
    )
    db.session.commit()
    complaint = stored(complaint.id)
    complaint.summary = "Typo corrected"
    db.session.commit()
    assert stored(complaint.id).summary == "Typo corrected"
    # Its people changing is judged, though.
    reassigned(complaint)
    complaint.manager = officers["lee"]
    refused_on_commit("The decision maker must rank above the complaint manager")


# Rule 2, through the ORM --------------------------------------------------------------


def test_an_internal_reviewer_who_managed_the_complaint_is_refused(make, officers):
    complaint = finalised_complaint(make, officers["smith"], officers["lee"])
    review_of(complaint, reviewer=officers["smith"])
    refused_on_commit(
        "The internal reviewer must not be the complaint manager of the complaint: "
        "J. Smith is its complaint manager."
    )
    assert db.session.scalars(select(InternalReview)).all() == []


def test_an_internal_reviewer_who_decided_the_complaint_is_refused(make, officers):
    complaint = finalised_complaint(make, officers["smith"], officers["lee"])
    review = review_of(complaint)
    db.session.commit()
    reassigned(review)
    review.reviewer = officers["lee"]
    refused_on_commit(
        "The internal reviewer must not be the decision maker of the complaint: "
        "K. Lee is its decision maker."
    )
    db.session.expire_all()
    assert db.session.get(InternalReview, review.id).reviewer_id is None


def test_an_internal_reviewer_ranking_below_the_decision_maker_is_refused(make, officers):
    complaint = finalised_complaint(make, officers["chen"], officers["lee"])
    review_of(complaint, reviewer=officers["smith"])
    refused_on_commit(
        "The internal reviewer must rank equal to or above the decision maker: "
        "J. Smith (AO6) ranks below K. Lee (AO7)."
    )


def test_an_internal_reviewer_ranking_above_the_decision_maker_is_saved(make, officers):
    complaint = finalised_complaint(make, officers["smith"], officers["lee"])
    review = review_of(complaint, reviewer=officers["raman"])
    db.session.commit()
    assert review.id is not None


def test_making_an_open_reviews_reviewer_the_decision_maker_is_refused(make, officers):
    complaint = finalised_complaint(make, officers["chen"], officers["smith"])
    review_of(complaint, reviewer=officers["raman"])
    db.session.commit()
    reassigned(complaint)
    complaint.decision_maker = officers["raman"]
    refused_on_commit(
        "The internal reviewer must not be the decision maker of the complaint: "
        "P. Raman is its decision maker."
    )
    assert stored(complaint.id).decision_maker_id == officers["smith"].id


# Rule 3, through the ORM --------------------------------------------------------------


def test_a_subject_of_the_complaint_cannot_manage_it(make, officers):
    complaint = make.complaint(subjects=[officers["smith"]])
    reassigned(complaint)
    complaint.manager = officers["smith"]
    refused_on_commit(
        "Nobody the complaint is about may handle it: J. Smith is a subject of the "
        "complaint and cannot be its complaint manager."
    )
    assert stored(complaint.id).manager_id is None


def test_adding_the_decision_maker_to_the_subjects_is_refused(make, officers):
    complaint = make.complaint(manager=officers["smith"], decision_maker=officers["lee"])
    reassigned(complaint)
    complaint.subjects.append(officers["lee"])
    refused_on_commit(
        "Nobody the complaint is about may handle it: K. Lee is a subject of the "
        "complaint and cannot be its decision maker."
    )
    assert stored(complaint.id).subjects == []


def test_someone_involved_before_lodgement_cannot_decide_it(make, officers):
    complaint = make.complaint(manager=officers["smith"], involved=[officers["lee"]], commit=False)
    reassigned(complaint)
    complaint.decision_maker = officers["lee"]
    refused_on_commit(
        "Nobody involved in the matter before it was lodged may handle it: K. Lee was "
        "involved before it was lodged and cannot be its decision maker."
    )


def test_a_subject_of_the_complaint_cannot_review_it(make, officers):
    complaint = finalised_complaint(
        make, officers["chen"], officers["smith"], subjects=[officers["raman"]]
    )
    review_of(complaint, reviewer=officers["raman"])
    refused_on_commit(
        "Nobody the complaint is about may handle it: P. Raman is a subject of the "
        "complaint and cannot be its internal reviewer."
    )


# Rule 4, through the ORM (no form offers these fields: the workflow records them) -----


def test_the_account_that_drafted_the_response_cannot_record_the_decision(make, officers):
    manager = make.user("lee", "complaint_manager", "decision_maker", participant=officers["lee"])
    complaint = make.complaint(manager=officers["smith"], decision_maker=officers["lee"])
    complaint.drafted_by = manager
    db.session.commit()
    complaint.decided_by = manager
    refused_on_commit(
        "Nobody approves their own work: K. Lee drafted the response, so cannot also "
        "record the decision on it."
    )
    assert stored(complaint.id).decided_by_id is None


def test_the_account_that_decided_cannot_record_the_review_outcome(make, officers):
    decider = make.user("lee", "decision_maker", "internal_reviewer", participant=officers["lee"])
    complaint = finalised_complaint(make, officers["smith"], officers["lee"])
    complaint.decided_by = decider
    review = review_of(complaint, reviewer=officers["raman"])
    db.session.commit()
    review.recorded_by = decider
    review.outcome = "original_confirmed"
    refused_on_commit(
        "Nobody approves their own work: K. Lee decided the complaint, so cannot also "
        "record the outcome of its internal review."
    )
    db.session.expire_all()
    assert db.session.get(InternalReview, review.id).outcome is None


# Through the admin edit forms ---------------------------------------------------------


def edit_form(client, url, **values):
    page = client.get(url)
    assert page.status_code == 200
    data = form_values(page.get_data(as_text=True))
    data.update(values)
    return data


def shown_again_with(response, message):
    assert response.status_code == 200
    assert message in html_lib.unescape(response.get_data(as_text=True))


def test_the_complaint_form_refuses_a_subject_as_manager(make, officers, auth, client):
    make.user("coord", "coordinator")
    complaint = make.complaint(manager=officers["smith"])
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    data = edit_form(client, url, subjects=f"{officers['chen'].id},{officers['smith'].id}")
    shown_again_with(
        client.post(url, data=data),
        "Nobody the complaint is about may handle it: J. Smith is a subject of the "
        "complaint and cannot be its complaint manager.",
    )
    assert stored(complaint.id).subjects == []


def test_the_registration_form_refuses_a_new_complaint_breaking_a_rule(
    make, officers, auth, client
):
    division = make.division()
    make.user("coord", "coordinator", division=division)
    auth.login("coord")
    data = edit_form(
        client,
        "/admin/complaint/new/",
        division=str(division.id),
        summary="Registered with the wrong people",
        manager=str(officers["lee"].id),
        decision_maker=str(officers["smith"].id),
    )
    shown_again_with(client.post("/admin/complaint/new/", data=data), RULE_1)
    assert db.session.scalars(select(Complaint)).all() == []


# The officers change through the assign steps (refusals tested in
# tests/test_workflow_screens.py); the edit forms change the people a complaint is about.


def test_the_complaint_form_refuses_adding_the_decision_maker_to_those_involved(
    make, officers, auth, client
):
    make.user("coord", "coordinator")
    complaint = make.complaint(manager=officers["smith"], decision_maker=officers["lee"])
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    data = edit_form(client, url, involved=str(officers["lee"].id), summary="Edited with it")
    shown_again_with(
        client.post(url, data=data),
        "Nobody involved in the matter before it was lodged may handle it: K. Lee was "
        "involved before it was lodged and cannot be its decision maker.",
    )
    saved = stored(complaint.id)
    assert saved.involved == []
    assert saved.summary == "Counter staff were rude"


def test_the_complaint_form_saves_people_who_keep_the_rules(make, officers, auth, client):
    make.user("coord", "coordinator")
    complaint = make.complaint(manager=officers["smith"], decision_maker=officers["lee"])
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    data = edit_form(client, url, subjects=str(officers["chen"].id))
    assert client.post(url, data=data).status_code == 302
    saved = stored(complaint.id)
    assert [p.id for p in saved.subjects] == [officers["chen"].id]
