"""Values wrong whatever the door: an email address that is not one, an SLA target of 0,
an external review closed before it was notified. Each is refused on the screen with the
input kept, and on every other save (API, import, command) by the flush itself."""

from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from models import Complaint, ExternalReview, Participant, SlaTarget, Ticket, db
from rules.errors import RuleViolation
from services import api_tokens
from tests.admin_forms import form_values
from tests.conftest import csrf_token

NOTIFIED = datetime(2026, 3, 2, 9, 0, tzinfo=timezone.utc)


def post_form(client, url, changes):
    """Open an admin form, change some fields, and post it as a browser would."""
    html = client.get(url).get_data(as_text=True)
    data = form_values(html)
    data["csrf_token"] = csrf_token(html)
    data.update(changes)
    return client.post(url, data=data, follow_redirects=True).get_data(as_text=True)


def fresh(model, id):
    db.session.expire_all()
    return db.session.get(model, id)


# --- email addresses -------------------------------------------------------------------


def test_a_participant_email_that_is_not_an_address_is_refused_on_the_form(client, auth, make):
    make.user("admin", "administrator")
    auth.login("admin")
    before = db.session.scalar(select(func.count()).select_from(Participant))
    html = post_form(
        client,
        "/admin/participant/new/",
        {"kind": "complainant", "family_name": "Citizen", "email": "not-an-email"},
    )
    assert "is not an email address: enter it like name@example.com" in html
    assert 'value="not-an-email"' in html
    db.session.expire_all()
    assert db.session.scalar(select(func.count()).select_from(Participant)) == before


def test_editing_a_participant_to_a_wrong_email_keeps_the_old_one(client, auth, make):
    make.user("admin", "administrator")
    person = make.complainant()
    db.session.commit()
    auth.login("admin")
    html = post_form(
        client, f"/admin/participant/edit/?id={person.id}", {"email": "sam at example.com"}
    )
    assert "is not an email address" in html
    assert fresh(Participant, person.id).email == "sam@example.com"


def test_the_api_refuses_a_complainant_email_that_is_not_an_address(client, make):
    coordinator = make.user("coord", "coordinator")
    issued = api_tokens.issue(db.session, coordinator, "Tests")
    db.session.commit()
    response = client.post(
        "/api/v1/complaints",
        json={
            "division": make.home_division().code,
            "summary": "Rude at the counter",
            "complainant": {"family_name": "Citizen", "email": "not-an-email"},
        },
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    assert response.status_code == 422
    assert "not an email address" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0


def test_any_save_of_a_wrong_email_is_refused_and_nothing_is_saved(app, make):
    person = make.complainant()
    db.session.commit()
    person.email = "not-an-email"
    with pytest.raises(RuleViolation, match="not an email address"):
        db.session.flush()
    db.session.rollback()
    assert fresh(Participant, person.id).email == "sam@example.com"


def test_a_person_without_an_email_address_is_saved(app, make):
    person = make.complainant()
    person.email = None
    db.session.commit()
    assert fresh(Participant, person.id).email is None


# --- SLA targets -----------------------------------------------------------------------


def target(key="complaint.acknowledgement"):
    return db.session.execute(select(SlaTarget).filter_by(key=key)).scalar_one()


@pytest.mark.parametrize("amount", ["0", "-3"])
def test_an_sla_target_of_zero_or_less_is_refused_on_the_form(client, auth, make, amount):
    make.user("admin", "administrator")
    complaint = make.complaint(classification="standard")
    due = complaint.acknowledgement_due_at
    auth.login("admin")
    html = post_form(client, f"/admin/sla_target/edit/?id={target().id}", {"amount": amount})
    assert "needs an amount of 1 or more" in html
    assert fresh(SlaTarget, target().id).amount == 5
    assert fresh(Complaint, complaint.id).acknowledgement_due_at == due


def test_any_save_of_an_sla_target_of_zero_is_refused(app, make):
    acknowledgement = target()
    acknowledgement.amount = 0
    with pytest.raises(RuleViolation, match="every case it times due"):
        db.session.flush()
    db.session.rollback()
    assert target().amount == 5
    db.session.add(SlaTarget(key="walk.zero", name="Zero", amount=0, unit="calendar-days"))
    with pytest.raises(RuleViolation, match="1 or more"):
        db.session.commit()
    db.session.rollback()


# --- external reviews ------------------------------------------------------------------


def external_review(make):
    review = ExternalReview(complaint=make.complaint(), body="ombudsman", notified_at=NOTIFIED)
    db.session.add(review)
    db.session.commit()
    return review


def test_an_external_review_closed_before_it_was_notified_is_refused_on_the_form(
    client, auth, make
):
    make.user("admin", "administrator")
    review = external_review(make)
    auth.login("admin")
    html = post_form(
        client,
        f"/admin/external_review/edit/?id={review.id}",
        {"status": "closed", "closed_at": "01/03/2026 09:00", "outcome": "Declined"},
    )
    assert "cannot be closed before the external body was notified" in html
    saved = fresh(ExternalReview, review.id)
    assert saved.closed_at is None and saved.status == "open"


def test_an_external_review_closed_on_or_after_its_notification_is_saved(app, make):
    review = external_review(make)
    review.closed_at = NOTIFIED
    review.status = "closed"
    db.session.commit()
    assert fresh(ExternalReview, review.id).closed_at == NOTIFIED


def test_any_save_of_an_external_review_closed_before_it_was_notified_is_refused(app, make):
    review = external_review(make)
    review.closed_at = datetime(2026, 3, 1, 9, 0, tzinfo=timezone.utc)
    with pytest.raises(RuleViolation, match="before the external body was notified"):
        db.session.commit()
    db.session.rollback()
    assert fresh(ExternalReview, review.id).closed_at is None


# --- instants that record when something happened ----------------------------------------

NOW = datetime(2026, 5, 4, 0, 0, tzinfo=timezone.utc)  # Monday 4 May, 10:00 in Brisbane
TOMORROW = datetime(2026, 5, 5, 0, 0, tzinfo=timezone.utc)


def test_any_save_of_a_receipt_or_report_in_the_future_is_refused(app, make, time_machine):
    time_machine.move_to(NOW, tick=False)
    with pytest.raises(RuleViolation, match="time it was received is in the future"):
        make.complaint(received_at=TOMORROW)
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
    ticket = Ticket(
        severity="3",
        summary="Booking system down",
        client=Participant(kind="client", organisation_name="Acme Pty Ltd"),
        reported_at=TOMORROW,
    )
    db.session.add(ticket)
    with pytest.raises(RuleViolation, match="time it was reported is in the future"):
        db.session.flush()
    db.session.rollback()
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0


def test_a_receipt_moved_into_the_future_is_refused_and_an_unrelated_edit_is_not(
    app, make, time_machine
):
    complaint = make.complaint(received_at=datetime(2026, 5, 1, 0, 0, tzinfo=timezone.utc))
    time_machine.move_to(NOW, tick=False)
    complaint.received_at = TOMORROW
    with pytest.raises(RuleViolation, match="enter when it happened"):
        db.session.commit()
    db.session.rollback()
    assert fresh(Complaint, complaint.id).received_at < NOW
    # Travel back before the receipt: an edit of another field is not judged by it.
    time_machine.move_to(datetime(2026, 4, 1, tzinfo=timezone.utc), tick=False)
    complaint = fresh(Complaint, complaint.id)
    complaint.summary = "Counter staff were rude twice"
    db.session.commit()
    assert fresh(Complaint, complaint.id).summary == "Counter staff were rude twice"


def test_the_api_refuses_a_report_in_the_future_and_saves_nothing(client, make, time_machine):
    time_machine.move_to(NOW, tick=False)
    agent = make.user("desk", "support_agent")
    token = api_tokens.issue(db.session, agent, "Tests").secret
    db.session.commit()
    response = client.post(
        "/api/v1/tickets",
        json={
            "summary": "Booking system down",
            "severity": "3",
            "reported_at": TOMORROW.isoformat(),
        },
        headers={"Authorization": f"Bearer {token}"},
    )
    assert response.status_code == 422, response.get_json()
    assert "in the future" in str(response.get_json())
    assert db.session.scalar(select(func.count()).select_from(Ticket)) == 0
