"""The history: every create, update, delete and transition, who and when, old and new values.

Append-only: PostgreSQL refuses to change or remove an entry; each case's details page
shows its history, newest first.
"""

import html as html_lib
import json
from datetime import datetime, timezone

import pytest
from sqlalchemy import select, text
from sqlalchemy.exc import DBAPIError

from models import Capacity, Channel, Complaint, Extension, HistoryEntry, db
from rules.custody import ASSIGNMENT
from services import custody, history
from tests.admin_forms import form_values
from tests.conftest import csrf_token


def entries_of(record_type, record_id=None, action=None):
    query = select(HistoryEntry).where(HistoryEntry.record_type == record_type)
    if record_id is not None:
        query = query.where(HistoryEntry.record_id == record_id)
    if action is not None:
        query = query.where(HistoryEntry.action == action)
    return db.session.scalars(query.order_by(HistoryEntry.id)).all()


def changes_of(entry) -> dict:
    return json.loads(entry.changes) if entry.changes else {}


def browser_form(html: str) -> dict:
    # A browser drops the newline WTForms writes at the start of a textarea.
    return {name: "" if value == "\r\n" else value for name, value in form_values(html).items()}


def edit(client, url, **values):
    data = browser_form(client.get(url).get_data(as_text=True))
    data.update(values)
    return client.post(url, data=data)


# Create, update, delete ---------------------------------------------------------------


def test_registering_a_complaint_records_who_registered_it_and_its_values(app, make, auth, client):
    division = make.division()
    coordinator = make.user("coord", "coordinator", division=division)  # registers in their own
    auth.login("coord")
    page = client.get("/admin/complaint/new/").get_data(as_text=True)
    data = browser_form(page)
    data.update(division=str(division.id), summary="Kept waiting at the counter")
    assert client.post("/admin/complaint/new/", data=data).status_code == 302
    complaint = db.session.scalars(select(Complaint)).one()
    [created] = entries_of("Complaint", complaint.id, "create")
    assert created.user_id == coordinator.id
    assert created.summary == f"Complaint {complaint.reference} created"
    assert changes_of(created)["summary"] == [None, "Kept waiting at the counter"]


def test_an_edit_records_the_old_and_new_values_and_the_signed_in_user(app, make, auth, client):
    coordinator = make.user("coord", "coordinator")
    complaint = make.complaint(summary="As registered")
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    assert edit(client, url, summary="As clarified").status_code == 302
    [updated] = entries_of("Complaint", complaint.id, "update")
    assert updated.user_id == coordinator.id
    assert updated.summary == "Changed summary"
    assert changes_of(updated) == {"summary": ["As registered", "As clarified"]}


def test_a_change_made_after_a_commit_still_records_the_old_value(make):
    complaint = make.complaint(summary="As registered")
    officer = make.staff("Marsh")
    db.session.commit()  # everything loaded is expired now
    complaint.summary = "Changed by a command"
    custody.permit(db.session, complaint, ASSIGNMENT)  # as the assign step does
    complaint.manager = officer
    db.session.commit()
    [updated] = entries_of("Complaint", complaint.id, "update")
    assert updated.user_id is None  # no request: the system
    changes = changes_of(updated)
    assert changes["summary"] == ["As registered", "Changed by a command"]
    assert changes["manager_id"] == [None, officer.id]
    other = make.staff("Okafor")
    db.session.commit()
    custody.permit(db.session, complaint, ASSIGNMENT)
    complaint.manager = other
    db.session.commit()
    latest = entries_of("Complaint", complaint.id, "update")[-1]
    assert changes_of(latest)["manager_id"] == [officer.id, other.id]


def test_deleting_a_record_records_what_it_held_and_who_deleted_it(app, make, auth, client):
    administrator = make.user("boss", "administrator")
    channel = Channel(code="carrier_pigeon", name="Carrier pigeon", active=True, sort_order=99)
    db.session.add(channel)
    db.session.commit()
    channel_id = channel.id
    auth.login("boss")
    token = csrf_token(client.get("/admin/channel/").get_data(as_text=True))
    client.post("/admin/channel/delete/", data={"id": str(channel_id), "csrf_token": token})
    db.session.expire_all()
    assert db.session.get(Channel, channel_id) is None
    [deleted] = entries_of("Channel", channel_id, "delete")
    assert deleted.user_id == administrator.id
    assert deleted.summary == "Channel Carrier pigeon deleted"
    assert changes_of(deleted)["name"] == ["Carrier pigeon", None]


def test_a_record_deleted_after_a_commit_is_recorded_with_its_values(make):
    complaint = make.complaint()
    # A coordinator approves it: the authority the procedure gives (with the decision maker).
    approver = make.user("director", "coordinator", level="SES1").participant
    extension = Extension(
        complaint=complaint,
        new_due_at=datetime(2026, 5, 1, 7, 0, tzinfo=timezone.utc),
        reason="Witnesses on leave",
        approved_by=approver,
    )
    db.session.add(extension)
    db.session.commit()
    extension_id = extension.id
    db.session.delete(extension)
    db.session.commit()
    [deleted] = entries_of("Extension", extension_id, "delete")
    assert changes_of(deleted)["reason"] == ["Witnesses on leave", None]
    assert changes_of(deleted)["complaint_id"] == [complaint.id, None]


# Many-to-many -------------------------------------------------------------------------


def test_changing_the_staff_complained_about_records_the_names_before_and_after(
    app, make, auth, client
):
    coordinator = make.user("coord", "coordinator")
    first = make.staff("Chen", given_name="Mei")
    second = make.staff("Walker", given_name="Aroha")
    complaint = make.complaint(subjects=[first])
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    assert edit(client, url, subjects=f"{first.id},{second.id}").status_code == 302
    [updated] = entries_of("Complaint", complaint.id, "update")
    assert updated.user_id == coordinator.id
    assert changes_of(updated) == {"subjects": [["Mei Chen"], ["Aroha Walker", "Mei Chen"]]}
    assert updated.summary == "Changed staff complained about"


def test_changing_an_accounts_capacities_records_their_names(make):
    account = make.user("lee", "complaint_manager")
    decision_maker = db.session.scalars(select(Capacity).filter_by(code="decision_maker")).one()
    account.capacities.append(decision_maker)
    db.session.commit()
    updated = entries_of("User", account.id, "update")[-1]
    assert changes_of(updated)["capacities"] == [
        ["Complaint manager"],
        ["Complaint manager", "Decision maker"],
    ]


def test_a_new_complaint_records_the_staff_it_is_about(make):
    officer = make.staff("Chen", given_name="Mei")
    complaint = make.complaint(subjects=[officer])
    [created] = entries_of("Complaint", complaint.id, "create")
    assert changes_of(created)["subjects"] == [[], ["Mei Chen"]]


# Notes: transitions and clock events --------------------------------------------------


def test_a_transition_note_carries_the_fields_it_changed_instead_of_a_plain_update(make):
    complaint = make.complaint()
    complaint.status = "registered"
    history.note(db.session, complaint, "register", "Registered in the complaints register.")
    db.session.commit()
    actions = [entry.action for entry in entries_of("Complaint", complaint.id)]
    assert actions == ["create", "register"]
    [registered] = entries_of("Complaint", complaint.id, "register")
    assert registered.summary == "Registered in the complaints register."
    assert changes_of(registered)["status"] == ["received", "registered"]


def test_a_note_on_a_record_with_nothing_else_to_save_is_written_at_commit(make):
    complaint = make.complaint()
    history.note(db.session, complaint, "reminder", "Complainant phoned for an update.")
    db.session.commit()
    [entry] = entries_of("Complaint", complaint.id, "reminder")
    assert entry.summary == "Complainant phoned for an update."


def test_a_note_in_a_rolled_back_change_is_not_written_later(make):
    complaint = make.complaint()
    complaint.status = "registered"
    history.note(db.session, complaint, "register", "Registered.")
    db.session.rollback()
    complaint.summary = "Another change"
    db.session.commit()
    assert entries_of("Complaint", complaint.id, "register") == []


# Append-only --------------------------------------------------------------------------


def on_postgresql_only():
    if db.engine.dialect.name != "postgresql":
        pytest.skip("the append-only trigger is PostgreSQL's; SQLite has none")


@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE history_entry SET summary = 'rewritten'",
        "DELETE FROM history_entry",
    ],
)
def test_postgresql_refuses_to_change_or_remove_a_history_entry(make, statement):
    on_postgresql_only()
    make.complaint()
    before = [(e.id, e.summary) for e in db.session.scalars(select(HistoryEntry))]
    assert before
    with pytest.raises(DBAPIError, match="append-only"):
        db.session.execute(text(statement))
    db.session.rollback()
    db.session.expire_all()
    assert [(e.id, e.summary) for e in db.session.scalars(select(HistoryEntry))] == before


def test_postgresql_still_takes_new_history_entries(make):
    on_postgresql_only()
    complaint = make.complaint()
    complaint.summary = "Changed"
    db.session.commit()
    assert [e.action for e in entries_of("Complaint", complaint.id)] == ["create", "update"]


# The history on the details page ------------------------------------------------------


def test_the_details_page_shows_the_complaints_history_newest_first(app, make, auth, client):
    make.user("coord", "coordinator")
    manager = make.staff("Chen", level="AO5", given_name="Mei")
    decider = make.staff("Lee", level="AO7", given_name="Kim")
    complaint = make.complaint(summary="As registered", manager=manager, classification="standard")
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    response = edit(client, url, summary="As clarified")
    assert response.status_code == 302
    complaint = db.session.get(Complaint, complaint.id)
    custody.permit(db.session, complaint, ASSIGNMENT)  # as the assign step does
    complaint.decision_maker = decider
    complaint.status = "registered"
    history.note(db.session, complaint, "register", "Registered in the complaints register.")
    db.session.commit()
    extension = Extension(
        complaint=complaint,
        new_due_at=datetime(2026, 5, 1, 7, 0, tzinfo=timezone.utc),
        reason="Witnesses on leave",
        approved_by=decider,
    )
    db.session.add(extension)
    db.session.commit()
    page = client.get(f"/admin/complaint/details/?id={complaint.id}")
    assert page.status_code == 200
    shown = html_lib.unescape(page.get_data(as_text=True))
    tab = shown[shown.index('id="timeline-heading"') :]
    assert "Alex Coord (coord)" in tab
    assert "Summary</strong>: As registered → As clarified" in tab
    assert "Decision maker</strong>: (none) → Kim Lee" in tab
    assert "Registered in the complaints register." in tab
    assert "Status</strong>: Received → Registered" in tab
    # Instants in the division's calendar time (Brisbane), not UTC.
    assert "New resolution due</strong>: (none) → 01/05/2026 17:00" in tab
    assert "Extension" in tab and "Witnesses on leave" in tab
    created = tab.index(f"Complaint {complaint.reference} created")
    changed = tab.index("As registered → As clarified")
    registered = tab.index("Registered in the complaints register.")
    extended = tab.index("Witnesses on leave")
    assert extended < registered < changed < created


def test_the_history_on_the_details_page_is_escaped(app, make, auth, client):
    make.user("coord", "coordinator")
    complaint = make.complaint(summary="As registered")
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    assert edit(client, url, summary="<script>alert(1)</script>").status_code == 302
    page = client.get(f"/admin/complaint/details/?id={complaint.id}").get_data(as_text=True)
    tab = page[page.index('id="timeline-heading"') :]
    assert "<script>alert(1)</script>" not in tab
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in tab


def test_the_history_names_a_confidential_complainant_only_to_whom_the_screen_allows(make):
    complaint = make.complaint(confidential=True, complainant=make.complainant("Papadopoulos"))

    def complainant_shown(entries):
        [created] = [e for e in entries if e["action"] == "create"]
        return {c["label"]: c["new"] for c in created["changes"]}["Complainant"]

    # Without word from the screen, nobody reads who made a confidential complaint.
    assert complainant_shown(history.explain_history(complaint)) == history.MASK
    shown = history.explain_history(complaint, person_visible=lambda person: True)
    assert complainant_shown(shown) == "Sam Papadopoulos"
    hidden = history.explain_history(complaint, person_visible=lambda person: False)
    assert complainant_shown(hidden) == history.MASK
