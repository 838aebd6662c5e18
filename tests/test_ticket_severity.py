"""A ticket's severity is chosen by the agent: nothing is chosen for them, on any door."""

from sqlalchemy import func, select

from models import Participant, Ticket, db
from services import api_tokens
from tests.admin_forms import form_values


def tickets() -> int:
    db.session.expire_all()
    return db.session.scalar(select(func.count()).select_from(Ticket))


def acme():
    organisation = Participant(kind="client_organisation", organisation_name="Acme Training")
    db.session.add(organisation)
    db.session.commit()
    return organisation


def new_ticket_form(browser, **values):
    data = form_values(browser.get("/admin/ticket/new/").get_data(as_text=True))
    data.update(values)
    return data


def test_the_new_ticket_form_chooses_no_severity(client, auth, make):
    make.user("desk", "support_agent")
    auth.login("desk")
    data = new_ticket_form(client)
    assert data.get("severity") == "__None"
    html = client.get("/admin/ticket/new/").get_data(as_text=True)
    assert "Choose the severity" in html


def test_a_ticket_saved_without_a_severity_is_refused_with_the_input_kept(client, auth, make):
    make.user("desk", "support_agent")
    organisation = acme()
    auth.login("desk")
    data = new_ticket_form(
        client,
        client=str(organisation.id),
        summary="Reports page times out",
        reported_at="02/03/2026 09:00",
    )
    html = client.post("/admin/ticket/new/", data=data, follow_redirects=True).get_data(
        as_text=True
    )
    assert "Choose the severity: it sets the ticket&#39;s response and resolution" in html
    assert "Reports page times out" in html
    assert tickets() == 0


def test_a_ticket_with_the_severity_chosen_is_saved_with_it(client, auth, make):
    make.user("desk", "support_agent")
    organisation = acme()
    auth.login("desk")
    data = new_ticket_form(
        client,
        severity="3b",
        client=str(organisation.id),
        summary="How do I export a report?",
        reported_at="02/03/2026 09:00",
    )
    client.post("/admin/ticket/new/", data=data)
    assert db.session.execute(select(Ticket.severity)).scalar_one() == "3b"


def test_the_api_takes_no_ticket_without_a_severity(client, make):
    agent = make.user("desk", "support_agent")
    organisation = acme()
    issued = api_tokens.issue(db.session, agent, "Tests")
    db.session.commit()
    headers = {"Authorization": f"Bearer {issued.secret}"}
    for severity in ({}, {"severity": None}, {"severity": ""}):
        body = {"client_id": organisation.id, "summary": "Portal down", **severity}
        response = client.post("/api/v1/tickets", json=body, headers=headers)
        assert response.status_code == 422, (severity, response.get_json())
        assert "severity" in {e["field"] for e in response.get_json()["errors"]}
    assert tickets() == 0
