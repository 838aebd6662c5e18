""" "How it went": a finalised complaint or resolved ticket invites its complainant or client
to a one-page survey by a link of their own, once per case whichever door finished it; the
link's token is kept hashed, expires, and a link that does not work says nothing of the
case; one answer per case, even sent twice at once."""

import hashlib
import re
import threading
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from models import (
    Complaint,
    HistoryEntry,
    OutboundMessage,
    Outcome,
    Participant,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
    User,
    db,
    utcnow,
)
from rules import correspondence as rules
from seed import reference
from services import api_tokens, steps, surveys
from tests.conftest import csrf_token
from tests.scoped_world import CHEAP_HASH
from tests.test_workflow_screens import Team, client_for, fill, fresh

PORTAL = "https://complaints.example.gov.au"
SENDER = "Customer Complaints <complaints@example.gov.au>"
LINK = re.compile(re.escape(PORTAL) + r"/survey/([A-Za-z0-9_-]+)")


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    monkeypatch.setattr(
        User, "set_password", lambda user, password: setattr(user, "password_hash", CHEAP_HASH)
    )


@pytest.fixture
def mail_app(app, mailbox):
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        MAIL_FROM=SENDER,
        PORTAL_URL=PORTAL,
    )
    return app


@pytest.fixture
def team(make):
    return Team(make)


def invitations(**match):
    db.session.expire_all()
    return db.session.scalars(
        select(SurveyInvitation).filter_by(**match).order_by(SurveyInvitation.id)
    ).all()


def survey_letters(**match):
    db.session.expire_all()
    return db.session.scalars(
        select(OutboundMessage)
        .filter_by(template_key=rules.SURVEY_INVITATION, **match)
        .order_by(OutboundMessage.id)
    ).all()


def finalise(complaint, when=None):
    complaint.status = "finalised"
    complaint.outcome = db.session.scalar(select(Outcome).filter_by(code="upheld"))
    complaint.finalised_at = when or utcnow()
    db.session.commit()


def send_outbox(app):
    result = app.test_cli_runner().invoke(args=["mail", "send-due"])
    assert result.exit_code == 0, result.output


def link_in(mailbox, address="sam@example.com"):
    (message,) = [m for m in mailbox.to(address) if "How did we go" in m["Subject"]]
    found = LINK.search(message.get_content())
    assert found, message.get_content()
    return found.group(0), found.group(1)


def answer_page(client, url, **answers):
    page = client.get(url)
    assert page.status_code == 200
    data = {"csrf_token": csrf_token(page.get_data(as_text=True))}
    data.update(answers)
    return client.post(url, data=data)


GOOD = {"satisfaction": "4", "handled_in_time": "yes", "fair": "no", "comment": "Slow at first."}


# --- queued once per case, whichever door --------------------------------------------


def test_finalising_on_the_screen_invites_the_complainant_once(app, team):
    complaint = team.complaint("decided")
    decider = client_for(app, "deakin")
    fill(decider, "complaint", complaint, "finalise", outcome="partly_upheld")
    (invitation,) = invitations(complaint_id=complaint.id)
    assert invitation.case_kind == "complaint"
    assert invitation.sent_at is None and invitation.token_hash is None
    (letter,) = survey_letters(complaint_id=complaint.id)
    assert letter.recipient_address == "sam@example.com"
    assert letter.subject == f"How did we go with your complaint {complaint.reference}?"
    # The link is made when the email is sent: the outbox keeps only a placeholder.
    assert surveys.LINK_PLACEHOLDER in letter.body
    assert "/survey/" not in letter.body
    # Reopened and finalised again through the ORM (the API's and the import's path): the
    # complainant has been asked already.
    reopened = fresh(Complaint, complaint.id)
    reopened.status, reopened.finalised_at = "decided", None
    db.session.commit()
    finalise(fresh(Complaint, complaint.id), utcnow() + timedelta(seconds=5))
    assert len(invitations(complaint_id=complaint.id)) == 1
    assert len(survey_letters(complaint_id=complaint.id)) == 1


def test_a_ticket_resolved_through_the_api_and_one_resolved_by_a_step_each_invite_once(
    app, team, client
):
    acme = Participant(kind="client", organisation_name="Acme Training", email="desk@acme.test")
    pat = Participant(
        kind="contact", given_name="Pat", family_name="Morgan", email="pat@acme.test"
    )
    first = Ticket(severity="2", summary="Reports slow", client=acme, contact=pat)
    second = Ticket(severity="3a", summary="Typo in the manual", client=acme)
    for ticket in (first, second):
        ticket.reported_at = utcnow() - timedelta(minutes=5)
        db.session.add(ticket)
    db.session.commit()
    issued = api_tokens.issue(db.session, team.agent, "Surveys")
    db.session.commit()
    headers = {"Authorization": f"Bearer {issued.secret}"}
    for step, content in (("respond", "Looking now."), ("start_work", None), ("resolve", "Done.")):
        body = {"step": step, **({"content": content} if content else {})}
        response = client.post(
            f"/api/v1/tickets/{first.reference}/transitions", json=body, headers=headers
        )
        assert response.status_code == 200, response.get_data(as_text=True)
    actor = steps.actor_of(db.session.get(User, team.agent.id))
    for step, inputs in (("respond", {}), ("start_work", {}), ("resolve", {"content": "Fixed."})):
        steps.TICKET_STEPS.take(step, fresh(Ticket, second.id), inputs, actor, utcnow())
        db.session.commit()
    (to_contact,) = survey_letters(ticket_id=first.id)
    (to_client,) = survey_letters(ticket_id=second.id)
    assert to_contact.recipient_address == "pat@acme.test"
    assert to_client.recipient_address == "desk@acme.test"
    assert [i.case_kind for i in invitations()] == ["ticket", "ticket"]


def test_no_survey_when_surveys_are_off_or_the_complainant_has_no_email(app, make):
    app.config["SURVEY_ENABLED"] = False
    off = make.complaint(status="decided")
    finalise(off)
    app.config["SURVEY_ENABLED"] = True
    anonymous = make.complaint(status="decided")
    anonymous.complainant.email = None
    db.session.commit()
    finalise(anonymous)
    compliment = make.complaint(kind="compliment")
    compliment.finalised_at = utcnow()
    db.session.commit()
    assert invitations() == []
    assert survey_letters() == []


def test_a_confidential_complainant_is_asked_as_their_letters_go(app, make):
    complaint = make.complaint(status="decided", confidential=True)
    finalise(complaint)
    (letter,) = survey_letters(complaint_id=complaint.id)
    assert letter.recipient_role == "complainant"
    assert letter.recipient_address == "sam@example.com"


def test_an_old_finalisation_brought_in_asks_nobody(app, make):
    complaint = make.complaint(status="decided")
    finalise(complaint, utcnow() - timedelta(days=400))
    assert invitations() == []


# --- the link --------------------------------------------------------------------------


def test_the_email_carries_a_link_from_the_portal_address_kept_only_hashed(
    mail_app, make, mailbox
):
    complaint = make.complaint(status="decided")
    finalise(complaint)
    send_outbox(mail_app)
    url, token = link_in(mailbox)
    assert url.startswith(PORTAL + "/survey/")
    assert len(token) >= 40
    (invitation,) = invitations()
    assert invitation.token_hash == hashlib.sha256(token.encode()).hexdigest()
    assert invitation.sent_at is not None
    assert invitation.expires_at == invitation.sent_at + timedelta(days=30)
    # The token itself is nowhere in the database: not in the outbox, not in the history.
    (letter,) = survey_letters()
    assert token not in letter.body and letter.status == rules.SENT
    histories = db.session.scalars(select(HistoryEntry.summary)).all()
    assert not any(token in (summary or "") for summary in histories)


def test_without_a_portal_address_the_survey_email_fails_with_the_reason(mail_app, make):
    mail_app.config["PORTAL_URL"] = None
    finalise(make.complaint(status="decided"))
    send_outbox(mail_app)
    (letter,) = survey_letters()
    assert letter.status == rules.FAILED
    assert "PORTAL_URL" in letter.last_error
    assert invitations()[0].token_hash is None


def test_the_host_a_request_names_never_makes_the_link(mail_app, make, mailbox, client):
    # A staff member finalises through a request to an odd Host: the link is still the portal's.
    complaint = make.complaint(status="decided")
    with mail_app.test_request_context("/", base_url="http://evil.example"):
        finalise(complaint)
    send_outbox(mail_app)
    url, _ = link_in(mailbox)
    assert "evil.example" not in url and url.startswith(PORTAL)


@pytest.fixture
def sent_survey(mail_app, make, mailbox):
    complaint = make.complaint(status="decided")
    finalise(complaint)
    send_outbox(mail_app)
    url, token = link_in(mailbox)
    return complaint, url.removeprefix(PORTAL), token


def test_the_link_opens_a_one_page_survey_without_signing_in(sent_survey, client):
    complaint, path, _ = sent_survey
    page = client.get(path)
    assert page.status_code == 200
    html = page.get_data(as_text=True)
    assert complaint.reference in html
    assert "Sam" not in html and "sam@example.com" not in html
    for name in ("satisfaction", "handled_in_time", "fair", "comment", "csrf_token"):
        assert f'name="{name}"' in html
    # The link never leaves the site in a Referer header.
    assert page.headers["Referrer-Policy"] in ("no-referrer", "same-origin")
    assert "no-store" in page.headers["Cache-Control"]


def test_expired_guessed_and_tampered_links_all_get_the_same_plain_page(
    sent_survey, client, time_machine
):
    _, path, token = sent_survey
    tampered = path[:-1] + ("A" if path[-1] != "A" else "B")
    guessed = "/survey/" + "x" * 43
    pages = []
    for url in (tampered, guessed, "/survey/short", "/survey/" + "é" * 30):
        response = client.get(url)
        assert response.status_code == 404
        pages.append(response.get_data(as_text=True))
    time_machine.move_to(utcnow() + timedelta(days=31), tick=False)
    expired = client.get(path)
    assert expired.status_code == 404
    pages.append(expired.get_data(as_text=True))
    assert len(set(pages)) == 1
    assert "This survey link does not work" in pages[0]
    # Nothing saved from an answer sent to a link that does not work.
    assert client.post(path, data=GOOD).status_code == 404
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_switching_surveys_off_closes_the_links(sent_survey, client, app):
    _, path, _ = sent_survey
    app.config["SURVEY_ENABLED"] = False
    assert client.get(path).status_code == 404


# --- the answers -----------------------------------------------------------------------


def test_an_answer_is_kept_once_and_a_second_is_answered_politely(sent_survey, client):
    complaint, path, _ = sent_survey
    response = answer_page(client, path, **GOOD)
    assert response.status_code == 303
    thanks = client.get(response.headers["Location"])
    assert "We have your answers" in thanks.get_data(as_text=True)
    again = client.post(path, data={"csrf_token": "whatever", **GOOD})
    assert again.status_code == 200
    assert "We already have your answers" in again.get_data(as_text=True)
    (answer,) = db.session.scalars(select(SurveyResponse)).all()
    assert (answer.satisfaction, answer.handled_in_time, answer.fair) == (4, True, False)
    assert answer.comment == "Slow at first."
    history = db.session.scalars(
        select(HistoryEntry.summary).filter_by(record_type="Complaint", record_id=complaint.id)
    ).all()
    assert any("Satisfaction survey answered: 4 of 5" in entry for entry in history)


def test_two_answers_sent_at_once_store_one(sent_survey):
    _, _, token = sent_survey
    # Both forms were opened, and both checked the invitation unanswered, before either saved.
    first = surveys.invitation_for(db.session, token)
    second = surveys.invitation_for(db.session, token)
    assert not first.answered and not second.answered
    assert surveys.answer(db.session, first, surveys.Answers(5, True, True, None)) is True
    assert surveys.answer(db.session, second, surveys.Answers(1, False, False, "x")) is False
    (kept,) = db.session.scalars(select(SurveyResponse)).all()
    assert kept.satisfaction == 5


def test_two_answers_sent_at_the_same_moment_from_two_connections_store_one(sent_survey, app):
    _, _, token = sent_survey
    db.session.remove()
    ready = threading.Barrier(2)
    results = []

    def send(score):
        with app.app_context():
            opened = surveys.invitation_for(db.session, token)
            ready.wait(timeout=10)
            results.append(
                surveys.answer(db.session, opened, surveys.Answers(score, True, True, None))
            )
            db.session.remove()

    threads = [threading.Thread(target=send, args=(score,)) for score in (2, 5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert sorted(results) == [False, True]
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 1


def test_missing_answers_are_named_and_nothing_is_kept(sent_survey, client):
    _, path, _ = sent_survey
    response = answer_page(client, path, comment="Only a comment")
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "Choose how satisfied you are, from 1 to 5." in html
    assert "Say whether the process was fair." in html
    assert "Only a comment" in html
    out_of_range = answer_page(client, path, **{**GOOD, "satisfaction": "9"})
    assert out_of_range.status_code == 400
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_an_answer_without_its_form_token_is_not_kept(sent_survey, client):
    _, path, _ = sent_survey
    client.get(path)
    response = client.post(path, data=GOOD)
    assert response.status_code == 400
    assert "your answers were not sent" in response.get_data(as_text=True)
    assert db.session.scalar(select(func.count(SurveyResponse.id))) == 0


def test_answers_are_limited_per_address(database, tmp_path):
    limited = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database,
            "SECRET_KEY": "tests-only",
            "RATELIMIT_ENABLED": True,
            "SURVEY_LIMIT": "2 per hour",
        }
    )
    with limited.app_context():
        reference.load()
        client = limited.test_client()
        here = {"REMOTE_ADDR": "203.0.113.5"}
        for _ in range(2):
            assert client.post("/survey/" + "x" * 43, environ_base=here).status_code == 404
        refused = client.post("/survey/" + "x" * 43, environ_base=here)
        assert refused.status_code == 429
        assert "Please wait before sending again" in refused.get_data(as_text=True)
        assert int(refused.headers["Retry-After"]) > 0
        # Reading is not limited; another address may still send.
        assert client.get("/survey/" + "x" * 43, environ_base=here).status_code == 404
        other = client.post("/survey/" + "x" * 43, environ_base={"REMOTE_ADDR": "198.51.100.7"})
        assert other.status_code == 404
        db.session.remove()
        db.engine.dispose()


def test_closing_a_case_never_waits_on_its_survey(app, make):
    complaint = make.complaint(status="decided")
    finalise(complaint)
    closed = fresh(Complaint, complaint.id)
    closed.status, closed.closed_at = "closed", utcnow()
    db.session.commit()
    assert fresh(Complaint, complaint.id).status == "closed"
    assert invitations()[0].response is None
