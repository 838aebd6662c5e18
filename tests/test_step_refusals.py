"""A refused step carries the kind of its refusal from services/steps.py, whatever the door:
not the officer's to take, not from this status, or an input missing or wrong (naming the
input). The API answers 403/409/422 from that kind (tests/test_api.py); the screens show
the same messages."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models import Complaint, db
from services import steps
from tests.admin_forms import form_values

STEPPER = steps.ComplaintStepper()
NOW = datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc)  # after every case the tests make


@pytest.fixture
def people(make):
    return {
        "coordinator": make.user("coord", "coordinator", level="AO6"),
        "manager": make.user("marsh", "complaint_manager", level="AO5"),
    }


def refusal(model, name, user, **inputs) -> steps.StepRefused:
    with pytest.raises(steps.StepRefused) as refused:
        STEPPER.take(name, model, inputs, steps.actor_of(user), NOW)
    db.session.rollback()
    return refused.value


def test_each_kind_of_refusal_is_told_apart(make, people):
    received = make.complaint()
    finalised = make.complaint(status="finalised", finalised_at=received.received_at)

    not_yours = refusal(received, "register", people["manager"])
    assert not_yours.kind == steps.NOT_YOURS

    not_now = refusal(finalised, "register", people["coordinator"])
    assert not_now.kind == steps.NOT_NOW
    assert any("can only be registered" in problem for problem in not_now.problems)

    bad_input = refusal(finalised, "reopen", people["coordinator"])
    assert bad_input.kind == steps.BAD_INPUT
    assert [bad_input.field_of(problem) for problem in bad_input.problems] == ["reason"]
    assert db.session.scalar(select(Complaint.status).filter_by(id=finalised.id)) == "finalised"


def test_the_screen_shows_the_words_the_service_refuses_with(make, people, auth, client):
    finalised = make.complaint(status="finalised", finalised_at=make.complaint().received_at)
    expected = refusal(finalised, "reopen", people["coordinator"]).problems
    auth.login("coord")
    url = f"/admin/complaint/transition/reopen/?id={finalised.id}"
    form = client.get(url)
    assert form.status_code == 200
    data = form_values(form.get_data(as_text=True))
    data["reason"] = ""
    html = client.post(url, data=data, follow_redirects=True).get_data(as_text=True)
    assert expected and all(problem in html for problem in expected)
    assert db.session.scalar(select(Complaint.status).filter_by(id=finalised.id)) == "finalised"
