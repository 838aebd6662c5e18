"""The JSON API: tokens, every endpoint, every refusal, idempotent retries.

Each test runs on SQLite and, when TEST_DATABASE_URL is set, on PostgreSQL; the race of
two identical requests runs on PostgreSQL only (SQLite writes one at a time anyway).
"""

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from models import (
    ApiToken,
    Channel,
    Complaint,
    HistoryEntry,
    IdempotencyKey,
    Outcome,
    Participant,
    ReferralTarget,
    Ticket,
    User,
    db,
    utcnow,
)
from services import api_tokens
from tests.conftest import csrf_token
from tests.scoped_world import CHEAP_HASH

PROBLEM = "application/problem+json"


# ----------------------------------------------------------------------------- helpers


def token_for(user, name="Tests", **kwargs) -> dict:
    issued = api_tokens.issue(db.session, user, name, **kwargs)
    db.session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def count(model) -> int:
    db.session.expire_all()
    return db.session.execute(select(func.count()).select_from(model)).scalar_one()


def problem(response, status):
    assert response.status_code == status, response.get_data(as_text=True)
    assert response.mimetype == PROBLEM
    body = response.get_json()
    assert body["status"] == status and body["detail"]
    return body


def fields_named(body) -> set:
    return {e["field"] for e in body.get("errors", [])}


@pytest.fixture
def team(app, make, monkeypatch):
    """A coordinator of the home division, officers to assign, and a division elsewhere."""
    # One cheap password hash for every account: these tests sign in rarely.
    monkeypatch.setattr(
        User, "set_password", lambda user, password: setattr(user, "password_hash", CHEAP_HASH)
    )

    class Team:
        coordinator = make.user("coord", "coordinator", level="AO6")
        manager = make.user("manny", "complaint_manager", level="AO4")
        decider = make.user("deakin", "decision_maker", level="AO7")
        agent = make.user("agnes", "support_agent")
        admin = make.user("root", "administrator")
        elsewhere = make.division("Elsewhere")
        division = make.home_division().code

    return Team


def lodge(client, headers, **values):
    body = {"division": values.pop("division"), "summary": "Rude at the counter"}
    body.update(values)
    return client.post("/api/v1/complaints", json=body, headers=headers)


def step(client, headers, reference, name, **inputs):
    return client.post(
        f"/api/v1/complaints/{reference}/transitions",
        json={"step": name, **inputs},
        headers=headers,
    )


# ----------------------------------------------------------------------------- tokens


def test_a_call_without_a_token_is_refused_with_what_to_send(client, team):
    body = problem(client.get("/api/v1/complaints"), 401)
    assert "Authorization: Bearer" in body["detail"]


def test_the_session_cookie_does_not_authenticate_the_api(client, auth, team):
    assert auth.login("coord").status_code == 302
    assert client.get("/admin/complaint/").status_code == 200
    problem(client.get("/api/v1/complaints"), 401)
    problem(lodge(client, {}, division=team.division), 401)
    assert count(Complaint) == 0


def test_a_token_that_no_longer_works_is_refused_and_changes_nothing(client, team):
    def issued(user=team.coordinator):
        made = api_tokens.issue(db.session, user, "Form")
        db.session.commit()
        return made

    unknown = issued().secret[:-4] + "abcd"
    revoked = issued()
    api_tokens.revoke(db.session, revoked.token, team.admin)
    expired = issued()
    expired.token.expires_at = utcnow() - timedelta(minutes=1)
    switched_off = issued(team.admin)
    team.admin.active = False
    db.session.commit()
    for secret, words in (
        (unknown, "not known"),
        (revoked.secret, "revoked"),
        (expired.secret, "expired"),
        (switched_off.secret, "switched off"),
    ):
        headers = {"Authorization": f"Bearer {secret}"}
        body = problem(lodge(client, headers, division=team.division), 401)
        assert words in body["detail"]
        problem(client.get("/api/v1/complaints", headers=headers), 401)
        problem(step(client, headers, "CTS-2026-000001", "register"), 401)
    assert count(Complaint) == 0


def test_a_token_is_kept_as_a_hash_and_its_use_is_noted(client, team):
    issued = api_tokens.issue(db.session, team.coordinator, "Form")
    db.session.commit()
    stored = db.session.get(ApiToken, issued.token.id)
    assert issued.secret.startswith(stored.prefix) and len(stored.prefix) == 12
    assert stored.secret_hash != issued.secret and issued.secret not in stored.secret_hash
    assert stored.last_used_at is None
    response = client.get(
        "/api/v1/complaints", headers={"Authorization": f"Bearer {issued.secret}"}
    )
    assert response.status_code == 200
    assert "Set-Cookie" not in response.headers
    db.session.expire_all()
    assert db.session.get(ApiToken, issued.token.id).last_used_at is not None


# ----------------------------------------------------------------------------- lodging


def test_a_coordinator_lodges_a_complaint_with_a_new_complainant(client, team, time_machine):
    # Monday 2 March 2026, 10:30 in Brisbane.
    time_machine.move_to(datetime(2026, 3, 2, 0, 30, tzinfo=timezone.utc), tick=False)
    headers = token_for(team.coordinator)
    response = lodge(
        client,
        headers,
        division=team.division,
        channel="email",
        received_at="2026-03-02T09:00:00+10:00",
        classification="standard",
        complainant={"given_name": "Pat", "family_name": "Nguyen", "email": "pat@example.com"},
        human_rights=True,
    )
    assert response.status_code == 201, response.get_json()
    body = response.get_json()
    assert body["reference"].startswith("CTS-2026-")
    assert response.headers["Location"].endswith(f"/api/v1/complaints/{body['reference']}")
    assert response.headers["ETag"] == '"1"'
    # A coordinator's complaint is registered as it is lodged: no second call.
    assert body["status"] == "registered" and body["channel"] == "email"
    assert body["registered_at"] == "2026-03-02T10:30:00+10:00"
    assert body["received_at"] == "2026-03-02T09:00:00+10:00"
    assert body["complainant"]["name"] == "Pat Nguyen"
    assert body["coordinator"]["name"] == "Alex Coord"
    due = {row["name"]: row for row in body["due"]}
    # Two business days from a Monday morning in Brisbane: Wednesday at closing time.
    assert due["registration"]["due_at"] == "2026-03-04T17:00:00+10:00"
    assert "register" not in {s["step"] for s in body["steps"]}
    labels = {s["step"]: s["label"] for s in body["steps"]}
    assert labels["refer"] == "Refer to another process"
    assert {"acknowledge", "refer"} <= {s["step"] for s in body["steps"]}
    complaint = db.session.execute(select(Complaint)).scalar_one()
    assert complaint.human_rights and complaint.complainant.email == "pat@example.com"
    entries = db.session.scalars(
        select(HistoryEntry)
        .filter_by(record_type="Complaint", record_id=complaint.id)
        .order_by(HistoryEntry.id)
    ).all()
    assert "register" in [entry.action for entry in entries]
    assert {entry.user_id for entry in entries} == {team.coordinator.id}


def test_a_complaint_lodged_through_the_api_is_written_to_as_one_from_the_form(client, team):
    """One registration email at lodging, none more on registering; acknowledging writes."""
    from models import OutboundMessage

    headers = token_for(team.admin)
    complainant = {"given_name": "Pat", "family_name": "Nguyen", "email": "pat@example.com"}
    response = lodge(client, headers, division=team.division, complainant=complainant)
    reference = response.get_json()["reference"]
    # Lodged by someone other than a coordinator: received, and registered by a coordinator.
    assert response.get_json()["status"] == "received"
    headers = token_for(team.coordinator)
    assert step(client, headers, reference, "register").status_code == 200
    assert step(client, headers, reference, "acknowledge").status_code == 200
    db.session.expire_all()
    letters = db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert [(m.template_key, m.recipient_address, m.status) for m in letters] == [
        ("complaint_registered", "pat@example.com", "queued"),
        ("complaint_acknowledged", "pat@example.com", "queued"),
    ]
    # Written when it was lodged, before a coordinator took it up: received, not registered.
    assert letters[0].subject == f"We have received your complaint: {reference}"
    assert "Dear Pat Nguyen," in letters[0].body


BAD_FIELDS = (
    ({"summary": ""}, "summary", "may not be blank"),
    ({"summary": "x" * 201}, "summary", "at most 200"),
    ({"summary": 12}, "summary", "must be a string"),
    ({"kind": "grievance"}, "kind", "use one of complaint, compliment, suggestion"),
    ({"received_at": "2026-03-02T09:00:00"}, "received_at", "no time zone offset"),
    ({"received_at": "yesterday"}, "received_at", "ISO 8601"),
    ({"received_at": "2099-01-01T00:00:00Z"}, "received_at", "in the future"),
    ({"human_rights": "yes"}, "human_rights", "true or false"),
    ({"complainant": {"email": "nope"}}, "complainant.email", "not an email address"),
    ({"complainant": {"nickname": "P"}}, "complainant.nickname", "not a field here"),
    ({"subjects": [1, 1]}, "subjects", "twice"),
    ({"complainant_id": 2**40}, "complainant_id", "between 1 and"),
    ({"priority": "high"}, "priority", "not a field here"),
    ({"summary": "a\x00b"}, "summary", "NUL"),
)


def test_every_field_is_validated_with_a_message_naming_it(client, team):
    headers = token_for(team.coordinator)
    people = count(Participant)
    for values, field, words in BAD_FIELDS:
        body = problem(lodge(client, headers, division=team.division, **values), 422)
        assert field in fields_named(body), (values, body)
        assert words in body["detail"], (values, body)
    assert count(Complaint) == 0 and count(Participant) == people


UNKNOWN_REFERENCES = (
    ({"division": "NOPE"}, "division"),
    ({"channel": "carrier-pigeon"}, "channel"),
    ({"category": "nothing"}, "category"),
    ({"complainant_id": 99999}, "complainant_id"),
    ({"subjects": [99999]}, "subjects"),
)


def test_an_unknown_reference_is_refused_by_name_and_changes_nothing(client, team):
    headers = token_for(team.coordinator)
    people = count(Participant)
    for values, field in UNKNOWN_REFERENCES:
        body = problem(lodge(client, headers, **{"division": team.division, **values}), 422)
        assert fields_named(body) == {field}, (values, body)
    assert count(Complaint) == 0 and count(Participant) == people


def test_a_retired_channel_is_refused_with_the_ones_in_use(client, team):
    channel = db.session.execute(select(Channel).filter_by(code="email")).scalar_one()
    channel.active = False
    db.session.commit()
    body = problem(
        lodge(client, token_for(team.coordinator), division=team.division, channel="email"), 422
    )
    assert "no longer in use" in body["detail"] and "telephone" in body["detail"]


def test_the_body_must_be_a_json_object(client, team):
    headers = token_for(team.coordinator)
    problem(
        client.post(
            "/api/v1/complaints",
            data="{not json",
            headers={**headers, "Content-Type": "application/json"},
        ),
        400,
    )
    problem(client.post("/api/v1/complaints", data="summary=x", headers=headers), 415)
    body = problem(client.post("/api/v1/complaints", json=[1, 2], headers=headers), 422)
    assert "JSON object" in body["detail"]
    problem(
        client.post(
            "/api/v1/complaints",
            data="NaN",
            headers={**headers, "Content-Type": "application/json"},
        ),
        400,
    )
    assert count(Complaint) == 0


def test_a_coordinator_cannot_lodge_for_another_division(client, team):
    body = problem(lodge(client, token_for(team.coordinator), division=team.elsewhere.code), 422)
    assert fields_named(body) == {"division"}
    assert count(Complaint) == 0
    # The reference number it would have taken is given back with the rollback.
    response = lodge(client, token_for(team.coordinator), division=team.division)
    assert response.get_json()["reference"].endswith("-000001")


def test_who_may_not_lodge_is_refused_with_their_capacities(client, team):
    body = problem(lodge(client, token_for(team.manager), division=team.division), 403)
    assert "manny" in body["detail"] and "complaint manager" in body["detail"]
    problem(lodge(client, token_for(team.agent), division=team.division), 403)
    assert count(Complaint) == 0


# ----------------------------------------------------------------------------- reading


def test_the_steps_of_a_finalised_complaint_are_named_by_verbs(client, team, make):
    upheld = db.session.scalar(select(Outcome).filter_by(code="upheld"))
    complaint = make.complaint(
        status="finalised",
        outcome=upheld,
        finalised_at=datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc),
    )
    headers = token_for(team.coordinator)
    body = client.get(f"/api/v1/complaints/{complaint.reference}", headers=headers).get_json()
    labels = {s["step"]: s["label"] for s in body["steps"]}
    assert labels["request_internal_review"] == "Request internal review"
    assert labels["request_external_review"] == "Request external review"


def test_reading_a_complaint_follows_the_row_scope_of_the_screens(client, team, make):
    mine = make.complaint(manager=team.manager.participant)
    not_mine = make.complaint()
    headers = token_for(team.manager)
    response = client.get(f"/api/v1/complaints/{mine.reference}", headers=headers)
    assert response.status_code == 200 and response.headers["ETag"] == '"1"'
    assert response.get_json()["manager"]["id"] == team.manager.participant_id
    body = problem(client.get(f"/api/v1/complaints/{not_mine.reference}", headers=headers), 404)
    assert not_mine.reference in body["detail"]
    problem(client.get("/api/v1/complaints/CTS-1999-000001", headers=headers), 404)
    listed = client.get("/api/v1/complaints", headers=headers).get_json()
    assert [item["reference"] for item in listed["items"]] == [mine.reference]
    problem(client.get(f"/api/v1/complaints/{mine.reference}", headers=token_for(team.agent)), 403)


def test_a_confidential_complainant_is_masked_as_on_the_screens(client, team, make):
    complaint = make.complaint(confidential=True)
    shown = client.get(
        f"/api/v1/complaints/{complaint.reference}", headers=token_for(team.coordinator)
    ).get_json()
    assert shown["complainant"]["name"] == "Sam Citizen"
    masked = client.get(
        f"/api/v1/complaints/{complaint.reference}", headers=token_for(team.admin)
    ).get_json()
    assert masked["complainant"] == {
        "id": None,
        "name": "Confidential complainant",
        "masked": True,
    }
    listed = client.get("/api/v1/complaints", headers=token_for(team.admin)).get_json()
    assert listed["items"][0]["complainant"]["masked"] is True
    assert "Citizen" not in str(listed)


def test_the_list_filters_and_pages_with_links(client, team, make):
    march = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)
    for day in range(5):
        make.complaint(received_at=march + timedelta(days=day), classification="standard")
    make.complaint(received_at=march, classification="informal", division=team.elsewhere)
    headers = token_for(team.admin)
    page = client.get("/api/v1/complaints?per_page=2", headers=headers).get_json()
    assert page["total"] == 6 and len(page["items"]) == 2 and page["previous"] is None
    second = client.get(page["next"], headers=headers).get_json()
    assert second["page"] == 2 and second["previous"] and second["next"]
    assert {i["reference"] for i in page["items"]}.isdisjoint(
        {i["reference"] for i in second["items"]}
    )
    query = (
        f"/api/v1/complaints?division={team.division}&classification=standard"
        "&received_from=2026-03-03T00:00:00Z&received_to=2026-03-05T00:00:00Z"
    )
    found = client.get(query, headers=headers).get_json()
    assert found["total"] == 2 and found["next"] is None
    assert (
        client.get("/api/v1/complaints?status=received", headers=headers).get_json()["total"] == 6
    )
    overdue = client.get("/api/v1/complaints?overdue=true", headers=headers).get_json()
    assert overdue["total"] == 6 and all(item["overdue"] for item in overdue["items"])
    assert client.get("/api/v1/complaints?overdue=false", headers=headers).get_json()["total"] == 0


def test_the_list_filters_on_the_human_rights_aspect(client, team, make):
    with_aspect = make.complaint(human_rights=True, summary="Refused an interpreter")
    without = make.complaint(summary="Late letter")
    headers = token_for(team.admin)
    yes = client.get("/api/v1/complaints?human_rights=true", headers=headers).get_json()
    assert [item["reference"] for item in yes["items"]] == [with_aspect.reference]
    assert yes["items"][0]["human_rights"] is True
    no = client.get("/api/v1/complaints?human_rights=false", headers=headers).get_json()
    assert [item["reference"] for item in no["items"]] == [without.reference]
    # The change a complaint led to is part of its record.
    assert yes["items"][0]["change_made"] is None and yes["items"][0]["change_made_at"] is None
    without.change_made = "Letters now name the officer."
    without.change_made_at = datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc)
    db.session.commit()
    shown = client.get(f"/api/v1/complaints/{without.reference}", headers=headers).get_json()
    assert shown["change_made"] == "Letters now name the officer."
    assert shown["change_made_at"].startswith("2026-03-10T09:00")


BAD_LIST_PARAMETERS = (
    ("per_page=500", "per_page"),
    ("human_rights=maybe", "human_rights"),
    ("page=0", "page"),
    ("status=lost", "status"),
    ("overdue=maybe", "overdue"),
    ("received_from=March", "received_from"),
    ("stauts=received", "stauts"),
    ("status=received&status=closed", "status"),
    ("division=NOPE", "division"),
    ("received_from=2026-03-05T00:00:00Z&received_to=2026-03-01T00:00:00Z", "received_to"),
)


def test_a_bad_list_parameter_is_refused_by_name(client, team):
    headers = token_for(team.admin)
    for query, field in BAD_LIST_PARAMETERS:
        body = problem(client.get(f"/api/v1/complaints?{query}", headers=headers), 422)
        assert field in fields_named(body), (query, body)


# ----------------------------------------------------------------------------- steps


def test_steps_are_taken_with_the_rules_of_the_screens(client, team, make):
    complaint = make.complaint()
    headers = token_for(team.coordinator)
    response = step(client, headers, complaint.reference, "register")
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["status"] == "registered" and "Register done" in body["message"]
    assert response.headers["ETag"] == '"2"'
    # Not from this status: a conflict, with the rules' words.
    body = problem(step(client, headers, complaint.reference, "register"), 409)
    assert "can only be registered" in body["detail"]
    response = step(
        client,
        headers,
        complaint.reference,
        "assign",
        manager=team.manager.participant_id,
        decision_maker=team.decider.participant_id,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["status"] == "under_assessment"
    entries = db.session.execute(
        select(HistoryEntry.action, HistoryEntry.user_id).filter_by(record_id=complaint.id)
    ).all()
    assert ("register", team.coordinator.id) in entries and (
        "assign",
        team.coordinator.id,
    ) in entries


def test_separation_of_duties_refuses_an_assignment_through_the_api(client, team, make):
    complaint = make.complaint(status="registered")
    junior = make.user("junior", "decision_maker", level="AO3")
    body = problem(
        step(
            client,
            token_for(team.coordinator),
            complaint.reference,
            "assign",
            manager=team.manager.participant_id,
            decision_maker=junior.participant_id,
        ),
        422,
    )
    assert "must rank above the complaint manager" in body["detail"]
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).manager_id is None


def test_a_step_the_table_does_not_grant_is_forbidden(client, team, make):
    complaint = make.complaint(manager=team.manager.participant)
    body = problem(step(client, token_for(team.manager), complaint.reference, "register"), 403)
    assert "register" in body["detail"]


def test_a_step_out_of_scope_is_not_found(client, team, make):
    complaint = make.complaint(division=team.elsewhere)
    problem(step(client, token_for(team.coordinator), complaint.reference, "register"), 404)


BAD_STEPS = (
    ("reopen", {}, "reason", "needs a reason"),
    ("refer", {}, "referral_target", "needs the process it is referred to"),
    ("refer", {"referral_target": "astrology"}, "referral_target", "is not known"),
    ("register", {"reason": "x"}, "reason", "not an input of the step register"),
    ("fly", {}, "step", "use one of register"),
    ("assign", {"manager": 99999}, "manager", "not a staff member"),
)


def test_a_step_missing_or_wrong_input_is_refused_by_name(client, team, make):
    headers = token_for(team.coordinator)
    received = make.complaint()
    finalised = make.complaint(status="finalised", finalised_at=utcnow())
    for name, inputs, field, words in BAD_STEPS:
        complaint = finalised if name == "reopen" else received
        body = problem(step(client, headers, complaint.reference, name, **inputs), 422)
        assert field in fields_named(body), (name, body)
        assert words in body["detail"], (name, body)
    db.session.expire_all()
    assert db.session.get(Complaint, received.id).status == "received"
    assert db.session.get(Complaint, finalised.id).status == "finalised"


def test_refer_takes_the_referral_target_by_code(client, team, make):
    complaint = make.complaint()
    code = db.session.execute(select(ReferralTarget.code)).scalars().first()
    response = step(
        client, token_for(team.coordinator), complaint.reference, "refer", referral_target=code
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["referral_target"] == code


def test_a_stale_version_is_refused_and_nothing_is_saved(client, team, make):
    complaint = make.complaint()
    headers = token_for(team.coordinator)
    body = problem(
        client.post(
            f"/api/v1/complaints/{complaint.reference}/transitions",
            json={"step": "register"},
            headers={**headers, "If-Match": '"7"'},
        ),
        412,
    )
    assert "version 1, not 7" in body["detail"]
    problem(step(client, headers, complaint.reference, "register", version=3), 409)
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).status == "received"
    response = client.post(
        f"/api/v1/complaints/{complaint.reference}/transitions",
        json={"step": "register"},
        headers={**headers, "If-Match": '"1"'},
    )
    assert response.status_code == 200
    problem(
        client.post(
            f"/api/v1/complaints/{complaint.reference}/transitions",
            json={"step": "acknowledge"},
            headers={**headers, "If-Match": "yesterday"},
        ),
        400,
    )


# ----------------------------------------------------------------------------- idempotency


def test_a_retried_lodgement_registers_one_complaint(client, team):
    headers = {**token_for(team.coordinator), "Idempotency-Key": "5c0d0f3e-retry"}
    first = lodge(client, headers, division=team.division)
    again = lodge(client, headers, division=team.division)
    assert first.status_code == again.status_code == 201
    assert again.headers["Idempotent-Replayed"] == "true"
    assert "Idempotent-Replayed" not in first.headers
    assert again.get_json() == first.get_json()
    assert again.headers["Location"] == first.headers["Location"]
    assert count(Complaint) == 1


def test_the_same_key_with_another_body_is_refused(client, team):
    headers = {**token_for(team.coordinator), "Idempotency-Key": "k-1"}
    assert lodge(client, headers, division=team.division).status_code == 201
    body = problem(lodge(client, headers, division=team.division, summary="Other"), 422)
    assert fields_named(body) == {"Idempotency-Key"}
    assert count(Complaint) == 1


def test_keys_belong_to_their_account_and_last_a_day(client, team):
    coordinator = {**token_for(team.coordinator), "Idempotency-Key": "shared"}
    admin = {**token_for(team.admin), "Idempotency-Key": "shared"}
    assert lodge(client, coordinator, division=team.division).status_code == 201
    assert lodge(client, admin, division=team.division).status_code == 201
    assert count(Complaint) == 2
    for row in db.session.execute(select(IdempotencyKey)).scalars():
        row.created_at = utcnow() - timedelta(hours=25)
    db.session.commit()
    response = lodge(client, coordinator, division=team.division)
    assert response.status_code == 201 and "Idempotent-Replayed" not in response.headers
    assert count(Complaint) == 3
    # The stale keys are forgotten as new ones are written.
    assert count(IdempotencyKey) == 2


def test_a_refused_request_leaves_its_key_free(client, team):
    headers = {**token_for(team.coordinator), "Idempotency-Key": "fix-and-retry"}
    problem(lodge(client, headers, division="NOPE"), 422)
    assert count(IdempotencyKey) == 0
    assert lodge(client, headers, division=team.division).status_code == 201


def test_a_retried_step_replays_its_answer_instead_of_a_conflict(client, team, make):
    complaint = make.complaint()
    headers = {**token_for(team.coordinator), "Idempotency-Key": "register-once"}
    first = step(client, headers, complaint.reference, "register")
    again = step(client, headers, complaint.reference, "register")
    assert first.status_code == again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    registrations = db.session.execute(
        select(HistoryEntry).filter_by(record_id=complaint.id, action="register")
    ).all()
    assert len(registrations) == 1


def test_a_malformed_key_is_refused(client, team):
    headers = {**token_for(team.coordinator), "Idempotency-Key": "x" * 256}
    body = problem(lodge(client, headers, division=team.division), 400)
    assert fields_named(body) == {"Idempotency-Key"}
    assert count(Complaint) == 0


def test_two_identical_requests_at_once_register_one_complaint(app, team, monkeypatch):
    if not app.config["SQLALCHEMY_DATABASE_URI"].startswith("postgresql"):
        pytest.skip("PostgreSQL only: SQLite takes one writer at a time")
    from views.api import cases

    headers = {**token_for(team.coordinator), "Idempotency-Key": "double-click"}
    division = team.division
    original_flush = cases.flush
    entered = threading.Event()

    def slow_flush():
        original_flush()
        entered.set()
        time.sleep(0.5)  # the other request arrives while this one is still saving

    monkeypatch.setattr(cases, "flush", slow_flush)
    answers = []

    def send():
        client = app.test_client()
        answers.append(lodge(client, headers, division=division))

    first = threading.Thread(target=send)
    first.start()
    assert entered.wait(10)
    second = threading.Thread(target=send)
    second.start()
    first.join(20)
    second.join(20)
    assert [a.status_code for a in answers] == [201, 201]
    assert answers[0].get_json()["reference"] == answers[1].get_json()["reference"]
    assert sorted(a.headers.get("Idempotent-Replayed", "") for a in answers) == ["", "true"]
    assert count(Complaint) == 1


# ----------------------------------------------------------------------------- tickets


def client_organisation(name="Acme Pty Ltd"):
    client = Participant(kind="client_organisation", organisation_name=name)
    db.session.add(client)
    db.session.commit()
    return client


def test_a_support_agent_reports_reads_lists_and_responds_to_a_ticket(client, team):
    acme = client_organisation()
    headers = token_for(team.agent)
    response = client.post(
        "/api/v1/tickets",
        json={
            "severity": "1",
            "client_id": acme.id,
            "summary": "Portal down",
            "reported_at": "2026-03-02T10:00:00+11:00",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.get_json()
    ticket = response.get_json()
    assert ticket["reference"].startswith("TKT-2026-")
    due = {row["name"]: row["due_at"] for row in ticket["due"]}
    # Thirty business minutes on Melbourne time.
    assert due["first_response"] == "2026-03-02T10:30:00+11:00"
    read = client.get(f"/api/v1/tickets/{ticket['reference']}", headers=headers)
    assert read.status_code == 200
    listed = client.get("/api/v1/tickets?severity=1&status=new", headers=headers).get_json()
    assert listed["total"] == 1
    response = client.post(
        f"/api/v1/tickets/{ticket['reference']}/transitions",
        json={"step": "respond"},
        headers=headers,
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["first_response_at"] is not None
    problem(client.get("/api/v1/tickets", headers=token_for(team.manager)), 403)


def test_a_ticket_needs_a_client_organisation(client, team, make):
    headers = token_for(team.agent)
    person = make.complainant()
    body = problem(
        client.post(
            "/api/v1/tickets",
            json={"severity": "2", "client_id": person.id, "summary": "Help"},
            headers=headers,
        ),
        422,
    )
    assert fields_named(body) == {"client_id"}
    body = problem(
        client.post("/api/v1/tickets", json={"severity": "9", "summary": "x"}, headers=headers),
        422,
    )
    assert fields_named(body) == {"severity", "client_id"}
    assert count(Ticket) == 0


# ----------------------------------------------------------------------------- addresses


def test_unknown_addresses_and_methods_answer_in_problem_json(client, team):
    headers = token_for(team.admin)
    problem(client.get("/api/v1/nowhere", headers=headers), 404)
    problem(client.get("/api/v1/complaints/CTS%00-1", headers=headers), 404)
    problem(client.get("/api/v1/complaints/" + "9" * 300, headers=headers), 404)
    body = problem(client.delete("/api/v1/complaints", headers=headers), 405)
    assert "GET" in body["detail"]
    assert client.get("/admin/nowhere").mimetype == "text/html"


# ----------------------------------------------------------------------------- the admin screen


def test_an_administrator_issues_a_token_once_and_revokes_it(client, auth, team):
    auth.login("root")
    form = client.get("/admin/api_token/new/").get_data(as_text=True)
    response = client.post(
        "/admin/api_token/new/",
        data={
            "csrf_token": csrf_token(form),
            "user": str(team.coordinator.id),
            "name": "Online complaint form",
            "expires_at": "",
        },
    )
    assert response.status_code == 200
    assert response.headers["Cache-Control"] == "no-store"
    page = response.get_data(as_text=True)
    secret = page.split('class="api-token-secret">')[1].split("<")[0]
    assert secret.startswith("cpt_") and "not shown again" in page
    token = db.session.execute(select(ApiToken)).scalar_one()
    assert token.created_by_id == team.admin.id and token.user_id == team.coordinator.id
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    listing = client.get("/admin/api_token/").get_data(as_text=True)
    assert token.prefix in listing and secret not in listing
    details = client.get(f"/admin/api_token/details/?id={token.id}").get_data(as_text=True)
    assert secret not in details
    response = client.post(
        "/admin/api_token/action/",
        data={"action": "revoke", "rowid": [str(token.id)], "csrf_token": csrf_token(listing)},
    )
    assert response.status_code == 302
    problem(client.get("/api/v1/complaints", headers=headers), 401)
    db.session.expire_all()
    assert db.session.get(ApiToken, token.id).revoked_by_id == team.admin.id


def test_only_administrators_reach_the_token_screen(client, auth, team):
    auth.login("coord")
    assert client.get("/admin/api_token/").status_code == 403
    assert client.post("/admin/api_token/new/", data={"name": "x"}).status_code == 403


def test_tokens_from_the_command_line(app, runner, team, client):
    result = runner.invoke(args=["users", "token", "create", "coord", "--name", "Call centre"])
    assert result.exit_code == 0, result.output
    secret = result.output.strip().splitlines()[-1]
    headers = {"Authorization": f"Bearer {secret}"}
    assert client.get("/api/v1/complaints", headers=headers).status_code == 200
    listed = runner.invoke(args=["users", "token", "list"])
    assert secret[:12] in listed.output and "active" in listed.output
    result = runner.invoke(args=["users", "token", "revoke", secret[:12]])
    assert result.exit_code == 0, result.output
    problem(client.get("/api/v1/complaints", headers=headers), 401)
    result = runner.invoke(args=["users", "token", "create", "nobody-here", "--name", "x"])
    assert result.exit_code == 2
    assert count(ApiToken) == 1
    assert db.session.execute(select(User).filter_by(username="coord")).scalar_one().active


# ----------------------------------------------------------------------------- busy mornings

BUSY_WRITERS = 16
BUSY_CREATES = 30


@pytest.mark.parametrize("database", ["sqlite"], indirect=True)
def test_sixteen_writers_at_once_on_sqlite_are_all_registered(app, client, team):
    """The embedded default takes a busy morning: 16 API clients lodging at once, none
    refused (write-ahead logging and a busy wait, app.sqlite_pragmas)."""
    from sqlalchemy import text

    assert db.session.execute(text("PRAGMA journal_mode")).scalar() == "wal"
    assert db.session.execute(text("PRAGMA busy_timeout")).scalar() == 30_000
    headers = token_for(team.coordinator)
    start = threading.Barrier(BUSY_WRITERS)
    statuses: list[int] = []

    def writer(number: int) -> None:
        own = app.test_client()
        try:
            start.wait(timeout=30)
        except threading.BrokenBarrierError:
            return
        for n in range(BUSY_CREATES):
            response = lodge(own, headers, division=team.division, summary=f"Busy {number}.{n}")
            statuses.append(response.status_code)

    threads = [threading.Thread(target=writer, args=(n,)) for n in range(BUSY_WRITERS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=300)
    assert sorted(set(statuses)) == [201], f"{statuses.count(503)} refused as busy"
    assert len(statuses) == BUSY_WRITERS * BUSY_CREATES
    assert count(Complaint) == BUSY_WRITERS * BUSY_CREATES


def test_links_are_built_on_the_portal_address_never_on_the_host_a_caller_names(
    app, client, team, make
):
    for _ in range(3):
        make.complaint()
    headers = {**token_for(team.admin), "Host": "attacker.example"}
    created = lodge(client, headers, division=team.division)
    assert created.status_code == 201
    page = client.get("/api/v1/complaints?per_page=1", headers=headers).get_json()
    spec = client.get("/api/v1/openapi.json", headers=headers).get_data(as_text=True)
    handed_out = [created.headers["Location"], created.get_json()["url"], page["next"], spec]
    assert not any("attacker.example" in text for text in handed_out)
    # Without PORTAL_URL they are paths, resolved against the address the client used.
    assert created.headers["Location"].startswith("/api/v1/complaints/")
    assert page["next"].startswith("/api/v1/complaints?")

    app.config["PORTAL_URL"] = "https://complaints.example.gov.au/"
    created = lodge(client, headers, division=team.division)
    page = client.get("/api/v1/complaints?per_page=1", headers=headers).get_json()
    assert created.headers["Location"].startswith(
        "https://complaints.example.gov.au/api/v1/complaints/"
    )
    assert created.get_json()["url"] == created.headers["Location"]
    assert page["next"].startswith("https://complaints.example.gov.au/api/v1/complaints?")
    assert client.get(page["next"], headers=headers).status_code == 200


def test_lodging_a_complaint_costs_at_most_twenty_statements(client, team, time_machine):
    """The token, its account, the rules, the complaint, its history and letter, and the
    answer, without reading again what the save has just written (a new case's lists)."""
    from tests.statements import statements_run

    time_machine.move_to(datetime(2026, 3, 2, 0, 30, tzinfo=timezone.utc), tick=False)
    headers = token_for(team.coordinator)
    details = {"given_name": "Pat", "family_name": "Nguyen", "email": "pat@example.com"}
    first = lodge(client, headers, division=team.division, complainant=details)
    assert first.status_code == 201, first.get_json()
    db.session.close()
    with statements_run() as seen:
        response = lodge(client, headers, division=team.division, complainant=details)
    assert response.status_code == 201, response.get_json()
    assert response.get_json()["reference"] != first.get_json()["reference"]
    assert len(seen) <= 20, [s[:60] for s, _ in seen]
