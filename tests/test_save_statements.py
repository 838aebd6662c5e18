"""Saving a complaint through the admin form runs a bounded number of SQL statements
(bench/README.md, "HTTP load"): registering one, and editing one, at most 15 each, with
every rule on (scope, separation of duties, reference, due dates, history, letters)."""

from sqlalchemy import func, select

from models import Complaint, HistoryEntry, OutboundMessage, db
from tests.admin_forms import form_values
from tests.statements import statements_run

MOST = 15


def form(client, url, **values):
    data = form_values(client.get(url).get_data(as_text=True))
    data.update(values)
    return data


def test_registering_a_complaint_on_the_form(make, auth, client):
    division = make.division()
    make.user("coord", "coordinator", division=division)
    auth.login("coord")
    url = "/admin/complaint/new/"
    common = {"division": str(division.id), "description": "Waited an hour at the counter"}
    # The first save after a change of calendars reads them once for the process.
    assert client.post(url, data=form(client, url, summary="First", **common)).status_code == 302
    data = form(client, url, summary="Second", **common)
    db.session.close()
    with statements_run() as seen:
        response = client.post(url, data=data)
    assert response.status_code == 302
    assert len(seen) <= MOST, [s for s, _ in seen]
    saved = db.session.scalar(select(Complaint).where(Complaint.summary == "Second"))
    assert saved.reference and saved.acknowledgement_due_at is not None
    assert db.session.scalar(
        select(func.count()).select_from(HistoryEntry).where(HistoryEntry.record_id == saved.id)
    )
    assert db.session.scalar(
        select(func.count())
        .select_from(OutboundMessage)
        .where(OutboundMessage.complaint_id == saved.id)
    )


def test_editing_a_complaint_on_the_form(make, auth, client):
    make.user("coord", "coordinator")
    manager = make.user("marsh", "complaint_manager")
    complaint = make.complaint(manager=manager.participant)
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    assert client.post(url, data=form(client, url, summary="Once")).status_code == 302
    data = form(client, url, summary="Twice")
    db.session.close()
    with statements_run() as seen:
        response = client.post(url, data=data)
    assert response.status_code == 302
    assert len(seen) <= MOST, [s for s, _ in seen]
    assert db.session.get(Complaint, complaint.id).summary == "Twice"
