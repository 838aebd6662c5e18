"""The home page's queues follow the work whichever door it comes through: a complaint
lodged on the public form or by email waits to be registered; a reply by email waits for
its officer until they write on the case, through the screen or the API; a user with
several capacities sees each capacity's queues; and the home counts in a few statements.
"""

import re
from datetime import UTC, datetime, timedelta
from html import unescape

import pytest
from sqlalchemy import event, select

from models import Complaint, Division, db
from services import api_tokens
from tests.conftest import csrf_token
from tests.mail_in_world import COMPLAINTS, receive
from tests.mail_samples import plain_message
from tests.test_public_form import Lodger
from tests.test_workflow_screens import offered

# A Wednesday morning in Brisbane, inside office hours.
NOW = datetime(2026, 3, 3, 23, 0, tzinfo=UTC)
QUEUE = re.compile(
    r'<a href="([^"]+)">([^<]+)</a>\s*<span class="badge[^"]*" data-count="(queue:[^"]+)">'
    r"(\d+)</span>"
)
LISTED = re.compile(r'class="nav-link active">List(?:\s*\((\d+)\))?</a>')


@pytest.fixture
def fixed_now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def folder(app, tmp_path):
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    app.config["MAIL_FROM"] = "Customer Complaints <complaints@complaints.example.gov.au>"
    return folder


@pytest.fixture
def intake(app, make, folder):
    """Customer Services (CS): online lodgements and new mail come to its coordinators."""
    division = Division(code="CS", name="Customer Services", calendar=make.calendar())
    db.session.add(division)
    db.session.commit()
    return division


def queues(client):
    page = client.get("/admin/").get_data(as_text=True)
    return {key: (int(count), unescape(url)) for url, _, key, count in QUEUE.findall(page)}


def count_and_rows(client, key):
    """A queue's count on the home page, and the count of the grid it links to."""
    count, url = queues(client)[key]
    listed = LISTED.search(client.get(url).get_data(as_text=True))
    return count, int(listed.group(1) or 0)


def test_lodged_online_and_by_email_wait_to_be_registered_in_the_intake_division(
    app,
    make,
    auth,
    client,
    intake,
    folder,
    fixed_now,
):
    make.user("intake", "coordinator", division=intake)
    public = app.test_client()
    assert Lodger(public).send().status_code == 302
    created = receive(app, folder, plain_message(subject="The bins were not collected"))
    assert created.case is not None
    # Registered by a coordinator on the screen: not waiting to be registered.
    make.complaint(division=intake, status="registered")
    auth.login("intake")
    assert count_and_rows(client, "queue:coordinator:to_register") == (2, 2)

    complaint = db.session.scalars(select(Complaint).where(Complaint.status == "received")).first()
    url, fields = offered(
        client.get(f"/admin/complaint/details/?id={complaint.id}").get_data(as_text=True)
    )["register"]
    client.post(url, data=fields, follow_redirects=True)
    assert count_and_rows(client, "queue:coordinator:to_register") == (1, 1)


def test_another_divisions_coordinator_has_nothing_to_register(
    app, make, auth, client, intake, fixed_now
):
    other = make.division("Licensing")
    make.user("elsewhere", "coordinator", division=other)
    assert Lodger(app.test_client()).send().status_code == 302
    auth.login("elsewhere")
    assert count_and_rows(client, "queue:coordinator:to_register") == (0, 0)


@pytest.fixture
def managed(app, make, intake, folder):
    """A complaint the manager manages, with the complainant's address on it."""
    manager = make.user("manager", "complaint_manager", division=intake)
    complaint = make.complaint(division=intake, manager=manager.participant)
    return manager, complaint


def reply(app, folder, complaint, n):
    raw = plain_message(
        sender="sam@example.com",
        subject=f"Re: [{complaint.reference}] more details",
        message_id=f"<reply.{n}@example.com>",
    )
    result = receive(app, folder, raw, mailbox=COMPLAINTS)
    assert result.case is not None and result.case.id == complaint.id, result


def test_a_reply_by_email_waits_until_its_officer_notes_it_on_the_screen(
    app,
    make,
    auth,
    client,
    managed,
    folder,
    time_machine,
):
    time_machine.move_to(NOW, tick=True)
    manager, complaint = managed
    auth.login("manager")
    assert count_and_rows(client, "queue:complaint_manager:replies") == (0, 0)
    reply(app, folder, complaint, 1)
    assert count_and_rows(client, "queue:complaint_manager:replies") == (1, 1)

    form = client.get(f"/admin/complaint/note/?id={complaint.id}").get_data(as_text=True)
    response = client.post(
        f"/admin/complaint/note/?id={complaint.id}",
        data={"csrf_token": csrf_token(form), "kind": "note", "summary": "Read it."},
        follow_redirects=True,
    )
    assert "Added to the case file" in response.get_data(as_text=True)
    assert count_and_rows(client, "queue:complaint_manager:replies") == (0, 0)

    # A later reply waits again, until a note comes through the API.
    time_machine.shift(60)
    reply(app, folder, complaint, 2)
    assert count_and_rows(client, "queue:complaint_manager:replies") == (1, 1)
    time_machine.shift(60)
    issued = api_tokens.issue(db.session, manager, "Tests")
    db.session.commit()
    answer = client.post(
        f"/api/v1/complaints/{complaint.reference}/notes",
        json={
            "kind": "phone",
            "summary": "Rang the complainant back.",
            "happened_at": (NOW + timedelta(minutes=2)).isoformat(),
            "with_whom": "Sam Citizen",
        },
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    assert answer.status_code == 201, answer.get_json()
    assert count_and_rows(client, "queue:complaint_manager:replies") == (0, 0)


def test_a_reply_on_a_complaint_of_another_manager_is_not_in_my_queue(
    app,
    make,
    auth,
    client,
    managed,
    folder,
    fixed_now,
):
    _, complaint = managed
    make.user("colleague", "complaint_manager", division=complaint.division)
    reply(app, folder, complaint, 1)
    auth.login("colleague")
    assert count_and_rows(client, "queue:complaint_manager:replies") == (0, 0)


def test_a_user_with_several_capacities_sees_each_capacitys_queues_in_few_statements(
    app, make, auth, client, intake, fixed_now
):
    make.user("busy", "coordinator", "complaint_manager", "decision_maker", division=intake)
    make.complaint(division=intake)
    auth.login("busy")
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    # The first page after a change of calendars or targets reads them; this process
    # keeps them for the pages after it, while the configuration's stamp is unchanged.
    queues(client)
    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        found = queues(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    groups = {key.split(":")[1] for key in found}
    assert groups == {"coordinator", "complaint_manager", "decision_maker"}
    # The statements that count the queues and the overview's cards (others on the page,
    # the navigation bar's, are not the home page's).
    counting = [s for s in statements if s.lower().startswith("select count(case")]
    # One count per grid the page shows (complaints, tickets, internal reviews) for the
    # queues and the overview together, not one per line.
    assert len(counting) <= 3, len(counting)
    # The whole page: the user, the counts, the calendars' stamp, saved views, the bell.
    assert len(statements) <= 10, [s[:70] for s in statements]
    for key, (count, url) in found.items():
        listed = LISTED.search(client.get(url).get_data(as_text=True))
        assert int(listed.group(1) or 0) == count, key


def test_the_home_page_counts_open_complaints_through_the_index_of_open_ones(
    app, make, auth, client, intake, fixed_now
):
    """On PostgreSQL, the counts of a grid share the "open" condition outside their OR, so
    the partial index of open complaints serves them (models/search_index.py), not a read
    of every closed case of a large register."""
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the partial index of open complaints is PostgreSQL's")
    make.user("busy", "coordinator", "complaint_manager", "decision_maker", division=intake)
    make.complaint(division=intake)
    auth.login("busy")
    queues(client)
    statements = []

    def seen(conn, cursor, statement, parameters, context, executemany):
        statements.append((statement, parameters))

    event.listen(db.engine, "before_cursor_execute", seen)
    try:
        queues(client)
    finally:
        event.remove(db.engine, "before_cursor_execute", seen)
    counting = [
        (s, p) for s, p in statements if s.startswith("SELECT count(CASE WHEN (complaint.")
    ]
    assert len(counting) == 1, [s[:80] for s, _ in statements]
    statement, parameters = counting[0]
    with db.engine.connect() as connection:
        connection.exec_driver_sql("SET enable_seqscan = off")
        plan = "\n".join(
            row[0] for row in connection.exec_driver_sql("EXPLAIN " + statement, parameters)
        )
    assert "ix_complaint_open" in plan, plan
