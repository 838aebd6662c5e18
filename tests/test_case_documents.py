"""Documents staff add to complaints, tickets and internal reviews: the public form's content
checks, a scoped download, the history noting each, and nothing saved on a refusal."""

import html as html_lib
import io
import re
import zipfile
from datetime import datetime, timezone

import pytest
from sqlalchemy import func, select

from models import Attachment, HistoryEntry, Participant, Ticket, db
from tests.admin_forms import form_values

RECEIVED = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)
NOW = datetime(2026, 3, 10, 0, 0, tzinfo=timezone.utc)
PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"


def office_of(main_part: bytes) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", main_part)
    return buffer.getvalue()


@pytest.fixture
def folder(app, tmp_path):
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def case(make, now_fixed, folder):
    manager = make.user("marsh", "complaint_manager", level="AO5")
    decider = make.user("deakin", "decision_maker", level="AO7")
    make.user("other", "complaint_manager", level="AO5")
    return make.complaint(
        manager=manager.participant,
        decision_maker=decider.participant,
        status="registered",
        received_at=RECEIVED,
    )


@pytest.fixture
def now_fixed(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


def text(response) -> str:
    return html_lib.unescape(re.sub(r"<[^>]+>", "", response.get_data(as_text=True)))


def upload(client, url, filename, data, note=""):
    page = client.get(url)
    assert page.status_code == 200
    values = form_values(page.get_data(as_text=True))
    values.update(note=note, document=(io.BytesIO(data), filename))
    return client.post(url, data=values, content_type="multipart/form-data")


def count() -> int:
    return db.session.scalar(select(func.count()).select_from(Attachment))


def test_the_manager_adds_a_draft_and_downloads_it_from_the_case_page(case, auth, client, folder):
    auth.login("marsh")
    url = f"/admin/complaint/document/?id={case.id}"
    response = upload(client, url, "draft response.pdf", PDF, note="Draft response")
    assert response.status_code == 302
    (document,) = db.session.scalars(select(Attachment)).all()
    assert document.complaint_id == case.id and document.uploaded_by.username == "marsh"
    assert document.note == "Draft response" and document.content_type == "application/pdf"
    assert (folder / document.stored_name).read_bytes() == PDF
    details = client.get(f"/admin/complaint/details/?id={case.id}")
    page = text(details)
    assert "Timeline" in page and "Draft response" in page
    assert "draft response.pdf" in page
    download = client.get(f"/admin/complaint/attachment/{document.id}/")
    assert download.status_code == 200 and download.data == PDF
    (entry,) = db.session.scalars(
        select(HistoryEntry).where(HistoryEntry.action == "document_added")
    ).all()
    assert "Document added: draft response.pdf" in entry.summary


def test_a_file_that_is_not_what_it_says_is_refused_and_nothing_is_kept(
    case, auth, client, folder
):
    auth.login("marsh")
    url = f"/admin/complaint/document/?id={case.id}"
    response = upload(client, url, "decision.pdf", b"MZ\x90\x00 not a pdf")
    assert response.status_code == 200
    assert "decision.pdf is named like a PDF document but its content is not one" in text(response)
    assert count() == 0
    assert not folder.exists() or not any(folder.iterdir())


def test_a_zip_bomb_is_refused_from_staff_too(case, auth, client, folder):
    auth.login("marsh")
    bomb = office_of(b"<document>" + bytes(20_000_000))
    response = upload(client, f"/admin/complaint/document/?id={case.id}", "notes.docx", bomb)
    assert "expands to far more than its size" in text(response)
    assert count() == 0


def test_no_file_chosen_is_said_plainly(case, auth, client):
    auth.login("marsh")
    url = f"/admin/complaint/document/?id={case.id}"
    page = client.get(url)
    values = form_values(page.get_data(as_text=True))
    response = client.post(url, data=values, content_type="multipart/form-data")
    assert "Choose a file to add." in text(response)
    assert count() == 0


def test_an_officer_outside_the_case_neither_adds_nor_downloads(case, auth, client, folder):
    auth.login("marsh")
    upload(client, f"/admin/complaint/document/?id={case.id}", "receipt.pdf", PDF)
    (document,) = db.session.scalars(select(Attachment)).all()
    auth.logout()
    auth.login("other")
    assert client.get(f"/admin/complaint/document/?id={case.id}").status_code == 404
    assert client.get(f"/admin/complaint/attachment/{document.id}/").status_code == 404


def test_an_agent_adds_a_document_to_a_ticket(make, now_fixed, folder, auth, client):
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
    response = upload(
        client, f"/admin/ticket/document/?id={ticket.id}", "log.txt", b"slow query at 09:02\n"
    )
    assert response.status_code == 302
    (document,) = db.session.scalars(select(Attachment)).all()
    assert document.ticket_id == ticket.id and document.complaint_id is None
    assert client.get(f"/admin/ticket/attachment/{document.id}/").data == b"slow query at 09:02\n"
    # The complaints screen does not hand out a ticket's file.
    assert client.get(f"/admin/complaint/attachment/{document.id}/").status_code in (403, 404)
