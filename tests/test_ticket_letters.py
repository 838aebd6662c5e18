"""Service-desk clients get mail: a new ticket is acknowledged with its severity's targets,
and what the respond and resolve steps say to the client goes to them as written, once,
whichever door takes the step (the case page, the API, the services the bulk action uses)."""

from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select

from models import OutboundMessage, Participant, Ticket, User, db
from rules import correspondence as rules
from services import api_tokens, localtime, steps
from tests.test_workflow_screens import Team, client_for, fresh, post_step

SENDER = "Service Desk <desk@example.gov.au>"
# Tuesday 3 March 2026, 10:00 in Brisbane.
NOW = datetime(2026, 3, 3, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def team(make, time_machine):
    time_machine.move_to(NOW, tick=False)
    return Team(make)


def new_ticket(contact=True, **values) -> Ticket:
    acme = Participant(kind="client", organisation_name="Acme Training", email="desk@acme.test")
    pat = Participant(
        kind="contact", given_name="Pat", family_name="Morgan", email="pat@acme.test"
    )
    ticket = Ticket(
        severity=values.pop("severity", "2"),
        summary=values.pop("summary", "Reports run slowly"),
        client=acme,
        contact=pat if contact else None,
        reported_at=values.pop("reported_at", NOW - timedelta(minutes=5)),
        **values,
    )
    db.session.add(ticket)
    db.session.commit()
    return ticket


def letters(ticket, key=None) -> list[OutboundMessage]:
    db.session.expire_all()
    rows = db.session.scalars(
        select(OutboundMessage).filter_by(ticket_id=ticket.id).order_by(OutboundMessage.id)
    ).all()
    return [row for row in rows if key is None or row.template_key == key]


def bearer(user) -> dict:
    issued = api_tokens.issue(db.session, user, "Letters")
    db.session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def test_a_new_ticket_is_acknowledged_to_its_contact_with_the_severitys_targets(app, team):
    ticket = new_ticket()
    (letter,) = letters(ticket)
    ticket = fresh(Ticket, ticket.id)
    zone = localtime.case_timezone(ticket, localtime.settings_in_force())
    assert letter.template_key == rules.TICKET_ACKNOWLEDGED
    assert (letter.recipient_role, letter.recipient_address) == ("client_contact", "pat@acme.test")
    assert letter.status == rules.QUEUED
    assert letter.subject == f"We have logged your ticket {ticket.reference}: Reports run slowly"
    assert "Dear Pat Morgan," in letter.body
    assert "severity 2" in letter.body
    first = rules.instant_in_words(ticket.first_response_due_at, zone)
    resolved = rules.instant_in_words(ticket.resolution_due_at, zone)
    assert first and f"An officer will respond to you by {first}." in letter.body
    assert resolved and f"We aim to resolve it by {resolved}." in letter.body


def test_without_a_contact_the_client_organisation_is_written_to(app, team):
    ticket = new_ticket(contact=False)
    (letter,) = letters(ticket)
    assert (letter.recipient_role, letter.recipient_address) == ("client", "desk@acme.test")
    assert "Dear Acme Training," in letter.body


def test_a_ticket_reported_long_before_it_was_entered_is_not_acknowledged(app, team):
    ticket = new_ticket(reported_at=NOW - timedelta(days=30))
    assert letters(ticket) == []


def test_the_response_through_the_case_page_goes_to_the_client_as_written_once(app, team):
    ticket = new_ticket()
    agent = client_for(app, "tan")
    said = "We have found the slow report and are fixing its index."
    response = post_step(agent, "ticket", fresh(Ticket, ticket.id), "respond", content=said)
    assert response.status_code == 200
    (letter,) = letters(ticket, rules.TICKET_RESPONSE)
    assert said in letter.body
    assert letter.subject == f"Your ticket {ticket.reference}: Reports run slowly"
    assert letter.recipient_address == "pat@acme.test"
    # Later saves of the ticket queue nothing more.
    ticket = fresh(Ticket, ticket.id)
    ticket.summary = "Reports run slowly on Mondays"
    db.session.commit()
    assert len(letters(ticket, rules.TICKET_RESPONSE)) == 1
    assert len(letters(ticket, rules.TICKET_ACKNOWLEDGED)) == 1


def test_the_response_and_resolution_through_the_api_are_sent_as_written(app, team, client):
    ticket = new_ticket()
    headers = bearer(team.agent)
    url = f"/api/v1/tickets/{ticket.reference}/transitions"
    for step, content in (
        ("respond", "We are looking at it now."),
        ("start_work", None),
        ("resolve", "The index is rebuilt; reports take two seconds again."),
    ):
        body = {"step": step, **({"content": content} if content else {})}
        response = client.post(url, json=body, headers=headers)
        assert response.status_code == 200, response.get_data(as_text=True)
    (response_letter,) = letters(ticket, rules.TICKET_RESPONSE)
    (resolution,) = letters(ticket, rules.TICKET_RESOLUTION)
    assert "We are looking at it now." in response_letter.body
    assert "The index is rebuilt; reports take two seconds again." in resolution.body
    assert resolution.subject.startswith(f"Your ticket {ticket.reference} is resolved")


def test_a_reopened_ticket_resolved_again_gets_a_second_resolution_letter(app, team):
    ticket = new_ticket()
    agent = db.session.scalar(select(User).filter_by(username="tan"))
    actor = steps.actor_of(agent)
    for step, inputs in (
        ("respond", {}),
        ("start_work", {}),
        ("resolve", {"content": "Fixed the index."}),
        ("reopen", {"reason": "Slow again on Monday."}),
        ("resolve", {"content": "Fixed the index and the cache."}),
    ):
        steps.TICKET_STEPS.take(step, fresh(Ticket, ticket.id), inputs, actor, NOW)
        db.session.commit()
    first, second = letters(ticket, rules.TICKET_RESOLUTION)
    assert "Fixed the index." in first.body
    assert "Fixed the index and the cache." in second.body
    # A respond step that said nothing to the client sends no letter.
    assert letters(ticket, rules.TICKET_RESPONSE) == []


@pytest.fixture
def mail_app(app, mailbox):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port, MAIL_FROM=SENDER)
    return app


def test_the_acknowledgement_arrives_as_a_letter_to_a_person_with_the_reference(
    mail_app, team, runner, mailbox
):
    ticket = new_ticket()
    result = runner.invoke(args=["mail", "send-due", "--no-reminders"])
    assert result.exit_code == 0, result.output
    (message,) = mailbox.to("pat@acme.test")
    assert ticket.reference in message["Subject"]
    assert message["Auto-Submitted"] is None
    assert message["To"] == "Pat Morgan <pat@acme.test>"
    assert letters(ticket)[0].status == rules.SENT


def test_mail_preview_fills_a_ticket_letter_with_the_tickets_values(app, team, runner):
    ticket = new_ticket()
    result = runner.invoke(args=["mail", "preview", rules.TICKET_ACKNOWLEDGED, ticket.reference])
    assert result.exit_code == 0, result.output
    assert f"Subject: We have logged your ticket {ticket.reference}" in result.output
    assert "Dear Pat Morgan," in result.output
    complaint = team.complaint("registered", registered_at=NOW)
    result = runner.invoke(args=["mail", "preview", rules.TICKET_RESPONSE, complaint.reference])
    assert result.exit_code != 0
    assert "is written about tickets only" in result.output
