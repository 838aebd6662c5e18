"""A case's notes and contact log: added from the case page (and the API), shown newest
first, never edited or deleted (a correction points at the entry it corrects), through any
door."""

import html as html_lib
import re
from datetime import datetime, timezone

import pytest
from sqlalchemy import delete, func, select

from models import (
    CaseNote,
    Complaint,
    InternalReview,
    OutboundMessage,
    Participant,
    Ticket,
    User,
    db,
)
from rules.errors import RuleViolation
from services import api_tokens, notes
from tests.admin_forms import form_values

RECEIVED = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)  # Monday 2 March, 10:00 Brisbane
NOW = datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc)  # Tuesday 10 March, 10:00 Brisbane


@pytest.fixture
def now(time_machine):
    # Before anyone signs in: a session signed later than "now" is refused.
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def case(make, now):
    manager = make.user("marsh", "complaint_manager", level="AO5")
    decider = make.user("deakin", "decision_maker", level="AO7")
    make.user("other", "complaint_manager", level="AO5")
    return make.complaint(
        manager=manager.participant,
        decision_maker=decider.participant,
        status="registered",
        received_at=RECEIVED,
    )


def text(response) -> str:
    """The page's words, tags left out."""
    return html_lib.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def add_through_the_page(client, case_id, screen="complaint", **values):
    url = f"/admin/{screen}/note/?id={case_id}"
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    data = form_values(page.get_data(as_text=True))
    data.update(values)
    return client.post(url, data=data)


def count_notes() -> int:
    return db.session.scalar(select(func.count()).select_from(CaseNote))


def test_the_manager_adds_an_internal_note_and_it_shows_on_the_case_page(case, auth, client):
    auth.login("marsh")
    response = add_through_the_page(
        client, case.id, kind="note", summary="Asked the counter manager for the roster."
    )
    assert response.status_code == 302
    page = text(client.get(f"/admin/complaint/details/?id={case.id}"))
    assert "Timeline" in page
    assert "Asked the counter manager for the roster." in page
    assert "Internal note" in page and "internal" in page
    (note,) = db.session.scalars(select(CaseNote)).all()
    assert note.complaint_id == case.id and note.user.username == "marsh"
    assert note.recorded_at == NOW and note.happened_at is None


def test_a_phone_call_records_when_and_with_whom_in_the_case_calendar_time(case, auth, client):
    auth.login("marsh")
    response = add_through_the_page(
        client,
        case.id,
        kind="phone",
        happened_at="09/03/2026 14:30",
        with_whom="Ms Citizen",
        summary="She will send the receipt by post.",
        shared="y",
    )
    assert response.status_code == 302
    (note,) = db.session.scalars(select(CaseNote)).all()
    # 14:30 in Brisbane (AEST, UTC+10) is 04:30 UTC.
    assert note.happened_at == datetime(2026, 3, 9, 4, 30, tzinfo=timezone.utc)
    assert note.with_whom == "Ms Citizen" and note.shared
    page = text(client.get(f"/admin/complaint/details/?id={case.id}"))
    assert "Phone call" in page and "with Ms Citizen, 09/03/2026 14:30" in page
    assert "shared with the complainant" in page


def test_a_contact_without_when_or_whom_is_refused_saying_what_is_missing(case, auth, client):
    auth.login("marsh")
    response = add_through_the_page(client, case.id, kind="meeting", summary="Met at the office.")
    assert response.status_code == 200
    page = text(response)
    assert "Say when the meeting happened." in page
    assert "Say who the meeting was with." in page
    assert "Met at the office." in page, "what was typed is kept"
    assert count_notes() == 0


def test_a_contact_dated_in_the_future_and_an_empty_summary_are_refused(case, auth, client):
    auth.login("marsh")
    response = add_through_the_page(
        client, case.id, kind="phone", happened_at="11/03/2026 09:00", with_whom="Ms C"
    )
    page = text(response)
    assert "The phone call is dated in the future: enter when it happened." in page
    assert "Write what was said or done: the summary is empty." in page
    assert count_notes() == 0


def test_an_entry_is_corrected_by_a_new_one_pointing_at_it(case, auth, client):
    auth.login("marsh")
    add_through_the_page(client, case.id, kind="note", summary="Roster asked for on Monday.")
    (first,) = db.session.scalars(select(CaseNote)).all()
    page = client.get(f"/admin/complaint/note/?id={case.id}&corrects={first.id}")
    assert f"Correcting entry {first.id}" in text(page)
    data = form_values(page.get_data(as_text=True))
    data.update(summary="Roster asked for on Tuesday, not Monday.")
    assert client.post(f"/admin/complaint/note/?id={case.id}", data=data).status_code == 302
    db.session.expire_all()
    correction = db.session.scalar(select(CaseNote).where(CaseNote.id != first.id))
    assert correction.corrects_id == first.id
    assert db.session.get(CaseNote, first.id).summary == "Roster asked for on Monday."
    details = text(client.get(f"/admin/complaint/details/?id={case.id}"))
    assert f"Corrected by entry {correction.id}" in details
    assert f"corrects entry {first.id}" in details


def test_a_recorded_entry_is_never_changed_or_deleted_by_a_direct_save(case, make):
    note = notes.add(db.session, case, None, kind="note", summary="First version.")
    db.session.commit()
    note.summary = "Rewritten afterwards."
    with pytest.raises(RuleViolation, match="never changed once recorded"):
        db.session.commit()
    db.session.rollback()
    db.session.delete(db.session.get(CaseNote, note.id))
    with pytest.raises(RuleViolation, match="never deleted"):
        db.session.commit()
    db.session.rollback()
    assert db.session.get(CaseNote, note.id).summary == "First version."


def test_a_direct_save_of_an_incomplete_contact_is_refused(case):
    db.session.add(CaseNote(complaint=case, kind="phone", summary="No date, nobody."))
    with pytest.raises(RuleViolation, match="Say when the phone call happened"):
        db.session.commit()
    db.session.rollback()
    assert count_notes() == 0


def test_a_correction_must_correct_an_entry_of_the_same_case(case, make):
    other = make.complaint(status="registered", received_at=RECEIVED)
    note = notes.add(db.session, other, None, kind="note", summary="On another case.")
    db.session.commit()
    with pytest.raises(RuleViolation, match="corrects an entry of the same case"):
        notes.add(db.session, case, None, kind="note", summary="Wrong case.", corrects=note)
    db.session.rollback()
    assert count_notes() == 1


def test_an_officer_outside_the_case_cannot_open_its_note_form(case, auth, client):
    auth.login("other")
    assert client.get(f"/admin/complaint/note/?id={case.id}").status_code == 404
    assert count_notes() == 0


def test_an_expired_form_is_refused_and_saves_nothing(case, auth, client):
    auth.login("marsh")
    url = f"/admin/complaint/note/?id={case.id}"
    response = client.post(url, data={"kind": "note", "summary": "x", "csrf_token": "stale"})
    assert response.status_code == 200
    assert "This form has expired" in text(response)
    assert count_notes() == 0


def test_ticket_and_review_files_take_notes_too(make, now, auth, client):
    make.user("agent", "support_agent")
    ticket = Ticket(
        severity="2",
        summary="Reports run slowly",
        client=Participant(kind="client", organisation_name="Acme Pty Ltd"),
        reported_at=datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc),
    )
    db.session.add(ticket)
    db.session.commit()
    auth.login("agent")
    response = add_through_the_page(
        client, ticket.id, screen="ticket", kind="note", summary="Index rebuilt.", shared="y"
    )
    assert response.status_code == 302
    page = text(client.get(f"/admin/ticket/details/?id={ticket.id}"))
    assert "Index rebuilt." in page and "shared with the client" in page
    reviewer = make.user("raman", "internal_reviewer", level="SES1")
    complaint = make.complaint(status="internal_review", received_at=RECEIVED)
    review = InternalReview(
        complaint=complaint,
        status="in_progress",
        requested_at=datetime(2026, 3, 4, 0, 0, tzinfo=timezone.utc),
        reviewer=reviewer.participant,
    )
    db.session.add(review)
    db.session.commit()
    auth.logout()
    auth.login("raman")
    response = add_through_the_page(
        client, review.id, screen="internal_review", kind="note", summary="File read."
    )
    assert response.status_code == 302
    assert (
        db.session.scalar(
            select(CaseNote.internal_review_id).where(CaseNote.summary == "File read.")
        )
        == review.id
    )


def test_a_deleted_case_takes_its_file_with_it(case):
    # Cases are never deleted on the screens; a script that removes one (its letters first)
    # is not refused for the notes it holds.
    notes.add(db.session, case, None, kind="note", summary="Kept with the case.")
    db.session.commit()
    db.session.execute(delete(OutboundMessage).where(OutboundMessage.complaint_id == case.id))
    db.session.delete(db.session.get(Complaint, case.id))
    db.session.commit()
    assert count_notes() == 0


# The API: the same entries and refusals --------------------------------------------------


def bearer(user) -> dict:
    issued = api_tokens.issue(db.session, user, "Notes")
    db.session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def test_the_api_adds_a_contact_and_lists_it_with_the_page_entries(case, client):
    manager = db.session.scalar(select(User).where(User.username == "marsh"))
    headers = bearer(manager)
    notes.add(db.session, case, manager, kind="note", summary="From the page.")
    db.session.commit()
    url = f"/api/v1/complaints/{case.reference}/notes"
    response = client.post(
        url,
        json={
            "kind": "phone",
            "summary": "Called back about the receipt.",
            "happened_at": "2026-03-09T14:30:00+10:00",
            "with_whom": "Ms Citizen",
        },
        headers=headers,
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    body = response.get_json()
    assert body["happened_at"] == "2026-03-09T14:30:00+10:00"
    assert body["recorded_by"] == str(manager) and body["shared"] is False
    listed = client.get(url, headers=headers).get_json()["items"]
    assert [item["summary"] for item in listed] == [
        "Called back about the receipt.",
        "From the page.",
    ]


def test_the_api_refuses_what_the_page_refuses_and_saves_nothing(case, client):
    manager = db.session.scalar(select(User).where(User.username == "marsh"))
    headers = bearer(manager)
    url = f"/api/v1/complaints/{case.reference}/notes"
    response = client.post(url, json={"kind": "meeting", "summary": "Met."}, headers=headers)
    assert response.status_code == 422
    detail = response.get_json()["detail"]
    assert "Say when the meeting happened." in detail and "Say who the meeting was with." in detail
    response = client.post(
        url,
        json={"kind": "note", "summary": "Corrects nothing here.", "corrects": 999},
        headers=headers,
    )
    assert response.status_code == 422
    assert count_notes() == 0


def test_the_api_hides_a_case_outside_the_officer_s_reach(case, client):
    other = db.session.scalar(select(User).where(User.username == "other"))
    headers = bearer(other)
    url = f"/api/v1/complaints/{case.reference}/notes"
    assert client.get(url, headers=headers).status_code == 404
    response = client.post(url, json={"kind": "note", "summary": "Not mine."}, headers=headers)
    assert response.status_code == 404
    assert count_notes() == 0


# Steps that carry what was written ---------------------------------------------------------


def test_a_ticket_response_through_the_api_is_filed_as_said_to_the_client(make, now, client):
    agent = make.user("agent", "support_agent")
    ticket = Ticket(
        severity="2",
        summary="Reports run slowly",
        client=Participant(kind="client", organisation_name="Acme Pty Ltd"),
        reported_at=datetime(2026, 3, 9, 23, 0, tzinfo=timezone.utc),
    )
    db.session.add(ticket)
    db.session.commit()
    response = client.post(
        f"/api/v1/tickets/{ticket.reference}/transitions",
        json={"step": "respond", "content": "We are looking at the slow reports now."},
        headers=bearer(agent),
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    (entry,) = notes.entries_of(db.session.get(Ticket, ticket.id))
    assert entry["kind"] == "response" and entry["shared"]
    assert entry["summary"] == "We are looking at the slow reports now."
    assert entry["by"] == str(agent)
    listed = client.get(
        f"/api/v1/tickets/{ticket.reference}/notes", headers=bearer(agent)
    ).get_json()["items"]
    assert listed[0]["kind"] == "response"


def test_a_step_refused_files_nothing(case, client):
    decider = db.session.scalar(select(User).where(User.username == "deakin"))
    response = client.post(
        f"/api/v1/complaints/{case.reference}/transitions",
        json={"step": "decide", "content": "Upheld."},
        headers=bearer(decider),
    )
    assert response.status_code in (409, 422)
    assert count_notes() == 0
