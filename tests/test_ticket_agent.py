"""A ticket's support agent changes only through the Assign agent step (or its bulk form).

The step is offered on the ticket's details page while it is open: a support agent takes a
ticket nobody works ("Take it") or hands on one they work; a coordinator or administrator
assigns any open ticket. Only active support agents may be chosen. The step records who
assigned whom in the ticket's history. The edit form no longer shows the agent, and a
direct change (an import, a command) is refused; the API takes the step.
"""

import html as html_lib
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import select

from models import HistoryEntry, Participant, Ticket, User, db
from rules.errors import RuleViolation
from services import api_tokens
from tests.admin_forms import form_values
from tests.conftest import csrf_token
from tests.test_workflow_screens import client_for, fresh, text

NOW = datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc)  # Tuesday 10 March, 11:00 Melbourne


@pytest.fixture
def desk(make, time_machine):
    # Before anyone signs in: a session signed later than "now" is refused.
    time_machine.move_to(NOW, tick=False)
    people = {
        "tan": make.user("tan", "support_agent"),
        "lee": make.user("lee", "support_agent"),
        "coord": make.user("coord", "coordinator"),
        "marsh": make.user("marsh", "complaint_manager"),
    }
    return {name: user.participant_id for name, user in people.items()}


@pytest.fixture
def acme(app):
    client = Participant(kind="client_organisation", organisation_name="Acme Training")
    db.session.add(client)
    db.session.commit()
    return client


def ticket(acme, status="new", agent_id=None, summary="Reports time out"):
    record = Ticket(
        severity="2",
        summary=summary,
        client_id=acme.id,
        status=status,
        agent_id=agent_id,
        reported_at=datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc),
    )
    db.session.add(record)
    db.session.commit()
    return record


def buttons(client, record) -> list[tuple[str, dict | None]]:
    """The step buttons on the ticket's page, in order: (label, posted fields or None)."""
    page = client.get(f"/admin/ticket/details/?id={record.id}").get_data(as_text=True)
    found = []
    for match in re.finditer(
        r'<form method="POST" action="[^"]+" class="[^"]*workflow-step">(.*?)</form>'
        r'|<a class="[^"]*workflow-step" href="[^"]+">([^<]+)</a>',
        page,
        re.S,
    ):
        if match.group(1) is not None:
            inner = match.group(1)
            label = re.search(r"<button[^>]*>([^<]+)</button>", inner).group(1)
            found.append((label, dict(re.findall(r'name="([^"]+)" value="([^"]*)"', inner))))
        else:
            found.append((html_lib.unescape(match.group(2)), None))
    return found


def take_it(client, record):
    page = client.get(f"/admin/ticket/details/?id={record.id}").get_data(as_text=True)
    forms = re.findall(
        r'<form method="POST" action="([^"]+)" class="[^"]*workflow-step">(.*?)</form>', page, re.S
    )
    for url, inner in forms:
        if ">Take it<" in inner:
            fields = dict(re.findall(r'name="([^"]+)" value="([^"]*)"', inner))
            return client.post(html_lib.unescape(url), data=fields, follow_redirects=True)
    raise AssertionError("no Take it button")


def assign_form(client, record):
    url = f"/admin/ticket/transition/assign_agent/?id={record.id}"
    page = client.get(url)
    assert page.status_code == 200
    return url, page.get_data(as_text=True)


def assign(client, record, agent_id):
    url, page = assign_form(client, record)
    data = form_values(page)
    data["agent"] = str(agent_id)
    return text(client.post(url, data=data, follow_redirects=True))


def notes(record):
    db.session.expire_all()
    return db.session.scalars(
        select(HistoryEntry)
        .filter_by(record_type="Ticket", record_id=record.id, action="assign_agent")
        .order_by(HistoryEntry.id)
    ).all()


def agent_of(record):
    return fresh(Ticket, record.id).agent_id


# ----------------------------------------------------------------------- the step


def test_a_support_agent_takes_a_ticket_nobody_works_and_the_history_says_who(app, desk, acme):
    record = ticket(acme)
    tan = client_for(app, "tan")
    labels = [label for label, _ in buttons(tan, record)]
    assert labels[:3] == [
        "Take it",
        "Assign agent…",
        "Respond…",
    ]  # Respond asks what the client was told
    page = text(take_it(tan, record))
    assert f"{record.reference}: Assign agent done. It is now New." in page
    saved = fresh(Ticket, record.id)
    assert saved.agent_id == desk["tan"] and saved.status == "new"
    (note,) = notes(record)
    assert note.summary == "Assign agent. Assigned support agent A. Tan"
    assert note.user.username == "tan"
    # Taken already: no Take it for the agent working it.
    assert "Take it" not in [label for label, _ in buttons(tan, saved)]


def test_the_picker_offers_active_support_agents_with_me_chosen(app, desk, acme):
    record = ticket(acme)
    _, page = assign_form(client_for(app, "tan"), record)
    picker = page.split('name="agent"')[1].split("</select>")[0]
    assert "Alex Tan" in picker and "Alex Lee" in picker
    assert "Alex Marsh" not in picker and "Alex Coord" not in picker
    assert f'<option selected value="{desk["tan"]}">' in picker


def test_a_support_agent_hands_the_ticket_they_work_to_another_agent(app, desk, acme):
    record = ticket(acme, status="in_progress", agent_id=desk["tan"])
    page = assign(client_for(app, "tan"), record, desk["lee"])
    assert "Assign agent done. It is now In progress." in page
    assert agent_of(record) == desk["lee"]
    (note,) = notes(record)
    assert note.summary == "Assign agent. Assigned support agent A. Lee (instead of A. Tan)"


def test_a_support_agent_cannot_move_a_ticket_another_agent_works(app, desk, acme):
    record = ticket(acme, status="in_progress", agent_id=desk["lee"])
    tan = client_for(app, "tan")
    assert not [label for label, _ in buttons(tan, record) if "Take it" in label]
    assert "Assign agent…" not in [label for label, _ in buttons(tan, record)]
    assert "Resolve…" in [label for label, _ in buttons(tan, record)]
    page = assign(tan, record, desk["tan"])
    assert (
        "This ticket is worked by A. Lee: only they, a coordinator or an administrator may "
        "assign it to someone else."
    ) in page
    assert agent_of(record) == desk["lee"]
    assert notes(record) == []


def test_a_coordinator_reassigns_any_open_ticket(app, desk, acme):
    record = ticket(acme, status="waiting_on_client", agent_id=desk["lee"])
    coordinator = client_for(app, "coord")
    # Not a support agent: nothing to take, the step asks whom.
    assert [label for label, _ in buttons(coordinator, record)][0] == "Assign agent…"
    page = assign(coordinator, record, desk["tan"])
    assert "Assign agent done. It is now Waiting on client." in page
    assert agent_of(record) == desk["tan"]
    assert notes(record)[0].user.username == "coord"


def test_only_an_active_support_agent_may_be_chosen(app, desk, acme):
    record = ticket(acme)
    coordinator = client_for(app, "coord")
    # Posted by hand: the picker does not offer them.
    page = assign(coordinator, record, desk["marsh"])
    assert "A. Marsh is not an active support agent" in page
    lee = db.session.scalars(select(User).filter_by(username="lee")).one()
    lee.active = False
    db.session.commit()
    assert "A. Lee is not an active support agent" in assign(coordinator, record, desk["lee"])
    assert "Choose from the list" in assign(coordinator, record, 999_999)
    assert agent_of(record) is None


def test_a_resolved_ticket_keeps_its_agent(app, desk, acme):
    record = ticket(acme, status="resolved", agent_id=desk["lee"])
    coordinator = client_for(app, "coord")
    assert [label for label, _ in buttons(coordinator, record)] == ["Close", "Reopen…"]
    page = assign(coordinator, record, desk["tan"])
    assert "A ticket can only be assigned while it is open (it is Resolved)." in page
    assert agent_of(record) == desk["lee"]


# ------------------------------------------------------------------ the other doors


def test_the_edit_form_neither_shows_nor_takes_the_agent(app, desk, acme):
    record = ticket(acme, agent_id=desk["lee"])
    coordinator = client_for(app, "coord")
    url = f"/admin/ticket/edit/?id={record.id}"
    page = coordinator.get(url).get_data(as_text=True)
    assert 'name="agent"' not in page
    data = form_values(page)
    data.update(agent=str(desk["tan"]), summary="Reports time out after 30 s")
    assert coordinator.post(url, data=data).status_code == 302
    saved = fresh(Ticket, record.id)
    assert saved.summary == "Reports time out after 30 s"
    assert saved.agent_id == desk["lee"]


def test_a_new_ticket_may_name_its_agent_in_the_form(app, desk, acme):
    coordinator = client_for(app, "coord")
    page = coordinator.get("/admin/ticket/new/").get_data(as_text=True)
    assert 'name="agent"' in page


def test_a_direct_change_of_the_agent_is_refused_naming_the_step(desk, acme):
    record = ticket(acme, agent_id=desk["lee"])
    saved = fresh(Ticket, record.id)
    saved.agent_id = desk["tan"]
    saved.summary = "Changed in the same save"
    with pytest.raises(RuleViolation) as refusal:
        db.session.commit()
    db.session.rollback()
    assert "A ticket's support agent changes only through the Assign agent step" in str(
        refusal.value
    )
    saved = fresh(Ticket, record.id)
    assert saved.agent_id == desk["lee"] and saved.summary == "Reports time out"
    saved.agent = None
    with pytest.raises(RuleViolation):
        db.session.commit()
    db.session.rollback()
    assert agent_of(record) == desk["lee"]


def test_a_ticket_is_created_with_its_agent_directly(desk, acme):
    record = ticket(acme, agent_id=desk["tan"])
    assert agent_of(record) == desk["tan"]


def api_headers(username):
    user = db.session.scalars(select(User).filter_by(username=username)).one()
    issued = api_tokens.issue(db.session, user, "Tests")
    db.session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def test_the_api_assigns_the_agent_through_the_step(client, desk, acme):
    record = ticket(acme)
    headers = api_headers("tan")
    url = f"/api/v1/tickets/{record.reference}/transitions"
    read = client.get(f"/api/v1/tickets/{record.reference}", headers=headers).get_json()
    assert {"step": "assign_agent", "label": "Assign agent", "inputs": ["agent"]} in read["steps"]
    refused = client.post(
        url, json={"step": "assign_agent", "agent": desk["marsh"]}, headers=headers
    )
    assert refused.status_code == 422
    assert [e["field"] for e in refused.get_json()["errors"]] == ["agent"]
    assert "A. Marsh is not an active support agent" in refused.get_json()["detail"]
    unknown = client.post(url, json={"step": "assign_agent", "agent": 999_999}, headers=headers)
    assert unknown.status_code == 422
    assert "agent 999999 is not a staff member." in unknown.get_json()["detail"]
    response = client.post(
        url, json={"step": "assign_agent", "agent": desk["tan"]}, headers=headers
    )
    assert response.status_code == 200, response.get_json()
    assert response.get_json()["agent"]["id"] == desk["tan"]
    assert agent_of(record) == desk["tan"]
    (note,) = notes(record)
    assert note.user.username == "tan"
    # Now worked by tan: lee may not take it over.
    taken = client.post(
        url, json={"step": "assign_agent", "agent": desk["lee"]}, headers=api_headers("lee")
    )
    assert taken.status_code == 422
    assert "This ticket is worked by A. Tan" in taken.get_json()["detail"]
    assert agent_of(record) == desk["tan"]


# ---------------------------------------------------------------------- in bulk


def run_bulk_assign(client, records, agent_id):
    grid = client.get("/admin/ticket/").get_data(as_text=True)
    assert "modelActions.execute('assign_agent')" in grid
    response = client.post(
        "/admin/ticket/action/",
        data={
            "csrf_token": csrf_token(grid.split('id="action_form"')[1]),
            "action": "assign_agent",
            "url": "/admin/ticket/",
            "rowid": [str(r.id) for r in records],
        },
    )
    assert response.status_code == 302
    url = response.headers["Location"]
    page = client.get(url).get_data(as_text=True)
    for record in records:
        assert record.reference in page
    data = form_values(page)
    data["agent"] = str(agent_id)
    return text(client.post(url, data=data, follow_redirects=True))


def test_a_coordinator_assigns_several_tickets_and_the_refused_are_named(app, desk, acme):
    first = ticket(acme)
    second = ticket(acme, status="in_progress", agent_id=desk["lee"])
    resolved = ticket(acme, status="resolved", agent_id=desk["lee"])
    page = run_bulk_assign(client_for(app, "coord"), [first, second, resolved], desk["tan"])
    assert f"Assign agent: done for 2 tickets ({first.reference}, {second.reference})." in page
    assert "Assign agent: 1 ticket was refused and left unchanged" in page
    assert (
        f"{resolved.reference}: A ticket can only be assigned while it is open (it is Resolved)."
    ) in page
    assert [agent_of(r) for r in (first, second, resolved)] == [
        desk["tan"],
        desk["tan"],
        desk["lee"],
    ]
    assert len(notes(first)) == len(notes(second)) == 1 and notes(resolved) == []


def test_a_support_agent_bulk_takes_tickets_but_not_another_agents(app, desk, acme):
    free = ticket(acme)
    theirs = ticket(acme, agent_id=desk["lee"])
    page = run_bulk_assign(client_for(app, "tan"), [free, theirs], desk["tan"])
    assert f"Assign agent: done for 1 ticket ({free.reference})." in page
    assert f"{theirs.reference}: This ticket is worked by A. Lee" in page
    assert [agent_of(free), agent_of(theirs)] == [desk["tan"], desk["lee"]]


def test_the_bulk_assign_is_not_offered_to_whoever_may_not_assign(app, desk, acme, make):
    ticket(acme)
    make.user("boss", "administrator")
    assert "modelActions.execute('assign_agent')" in (
        client_for(app, "boss").get("/admin/ticket/").get_data(as_text=True)
    )
    # A complaint manager does not reach the service desk at all.
    assert client_for(app, "marsh").get("/admin/ticket/").status_code == 403


def run_ticket_action(client, action, records):
    grid = client.get("/admin/ticket/").get_data(as_text=True)
    assert f"modelActions.execute('{action}')" in grid
    return text(
        client.post(
            "/admin/ticket/action/",
            data={
                "csrf_token": csrf_token(grid.split('id="action_form"')[1]),
                "action": action,
                "url": "/admin/ticket/",
                "rowid": [str(r.id) for r in records],
            },
            follow_redirects=True,
        )
    )


def test_closing_tickets_in_bulk_closes_the_resolved_and_names_the_others(app, desk, acme):
    resolved = ticket(acme, status="resolved", agent_id=desk["tan"])
    working = ticket(acme, status="in_progress", agent_id=desk["tan"])
    page = run_ticket_action(client_for(app, "tan"), "close", [resolved, working])
    assert f"Close: done for 1 ticket ({resolved.reference})." in page
    assert (
        f"{working.reference}: A ticket can only be closed once it is resolved "
        "(it is In progress)."
    ) in page
    assert [fresh(Ticket, r.id).status for r in (resolved, working)] == ["closed", "in_progress"]


def test_waiting_on_the_client_in_bulk_pauses_the_tickets_in_progress(app, desk, acme):
    working = ticket(acme, status="in_progress", agent_id=desk["tan"])
    new = ticket(acme)
    page = run_ticket_action(client_for(app, "coord"), "wait_on_client", [working, new])
    assert f"Wait on client: done for 1 ticket ({working.reference})." in page
    assert f"{new.reference}: A ticket can only be put on hold while it is in progress" in page
    assert fresh(Ticket, working.id).status == "waiting_on_client"
    assert fresh(Ticket, new.id).status == "new"


def test_the_agent_picker_shows_each_agents_open_tickets(app, desk, acme):
    ticket(acme, status="in_progress", agent_id=desk["lee"])
    ticket(acme, status="closed", agent_id=desk["lee"])
    record = ticket(acme)
    page = (
        client_for(app, "coord")
        .get(f"/admin/ticket/transition/assign_agent/?id={record.id}")
        .get_data(as_text=True)
    )
    agents = page.split('name="agent"')[1].split("</select>")[0]
    assert "Alex Lee (AO5) · 1 open" in agents
    assert "Alex Tan (AO5) · 0 open" in agents
