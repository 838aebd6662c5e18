"""A complainant without email still gets every letter: the outbox offers it as an A4 PDF
in the department's layout, and the officer marks it as sent by post on the case.

The PDF is read back with pypdf (text, page size); the screens with the test client as
the coordinator of the complaint's division, a coordinator of another division and an
administrator (who may not see a confidential complainant).
"""

import io
import re
import threading
from datetime import date, datetime, timezone

import pytest
from pypdf import PdfReader

from app import create_app
from models import (
    Attachment,
    Complaint,
    HistoryEntry,
    OutboundMessage,
    Participant,
    User,
    db,
    utcnow,
)
from rules import correspondence as rules
from services.correspondence import printing
from tests.conftest import csrf_token
from tests.test_workflow_screens import Team, client_for, text

A4 = (595.28, 841.89)
LETTERHEAD = printing.Letterhead(
    name="Department of Customer and Regional Services",
    address="PO Box 1234; Brisbane QLD 4001",
    phone="07 3000 0000",
    email="complaints@example.gov.au",
    sender_name="Customer Complaints",
)
DEPARTMENT = {
    "DEPARTMENT_NAME": LETTERHEAD.name,
    "DEPARTMENT_ADDRESS": "PO Box 1234\nBrisbane QLD 4001",
    "DEPARTMENT_PHONE": LETTERHEAD.phone,
    "DEPARTMENT_EMAIL": LETTERHEAD.email,
}
ADDRESS = "12 Grey Street\nSOUTH BRISBANE QLD 4101"


def pdf_text(data: bytes) -> tuple[PdfReader, str]:
    reader = PdfReader(io.BytesIO(data))
    return reader, "\n".join(page.extract_text() for page in reader.pages)


def letter(body="Dear Zoë,\n\nWe received your complaint.\n", **values) -> OutboundMessage:
    """A letter as the outbox holds it, not saved: the PDF needs no database."""
    person = Participant(
        kind="complainant",
        given_name="Zoë",
        family_name="Ñúñez-O'Brien",
        address=values.pop("address", ADDRESS),
    )
    return OutboundMessage(
        template_key=rules.REGISTERED,
        recipient_role=rules.COMPLAINANT,
        recipient_name=person.display_name,
        participant=person,
        subject=values.pop("subject", "Your complaint CTS-2026-000123"),
        body=body,
        status=rules.NO_ADDRESS,
        complaint=Complaint(reference="CTS-2026-000123"),
        **values,
    )


# --------------------------------------------------------------------------- the PDF


def test_the_letter_is_an_a4_pdf_with_the_letterhead_recipient_reference_and_body():
    data = printing.letter_pdf(letter(), on=date(2026, 3, 2), letterhead=LETTERHEAD)
    assert data.startswith(b"%PDF-")
    reader, words = pdf_text(data)
    assert reader.metadata.producer.startswith("fpdf2 ")
    assert len(reader.pages) == 1
    box = reader.pages[0].mediabox
    assert (round(float(box.width), 2), round(float(box.height), 2)) == A4
    for line in (
        "Department of Customer and Regional Services",
        "PO Box 1234",
        "Brisbane QLD 4001",
        "Phone: 07 3000 0000",
        "Email: complaints@example.gov.au",
        "2 March 2026",
        "Zoë Ñúñez-O'Brien",
        "12 Grey Street",
        "SOUTH BRISBANE QLD 4101",
        "Our reference: CTS-2026-000123",
        "Your complaint CTS-2026-000123",
        "We received your complaint.",
        "Yours sincerely,",
        "Customer Complaints",
    ):
        assert line in words, line
    assert "Page 1" not in words  # one page: no page numbers


def test_the_fonts_travel_with_the_code_with_their_licence():
    for name in ("DejaVuSans.ttf", "DejaVuSans-Bold.ttf", "LICENSE-DejaVu.txt"):
        assert (printing.FONTS / name).is_file()


def test_a_letterhead_line_whose_setting_is_unset_is_left_out():
    bare = printing.Letterhead(name="Customer Complaints", sender_name="Customer Complaints")
    _, words = pdf_text(printing.letter_pdf(letter(), on=date(2026, 3, 2), letterhead=bare))
    assert "Phone" not in words and "Email" not in words and "None" not in words
    _, words = pdf_text(
        printing.letter_pdf(letter(), on=date(2026, 3, 2), letterhead=printing.Letterhead())
    )
    assert "None" not in words and "Our reference: CTS-2026-000123" in words


def test_a_recipient_without_a_postal_address_gets_a_letter_that_says_so():
    data = printing.letter_pdf(letter(address=None), on=date(2026, 3, 2), letterhead=LETTERHEAD)
    assert printing.NO_POSTAL_ADDRESS in pdf_text(data)[1]


def test_a_long_letter_wraps_keeps_its_paragraphs_and_numbers_its_pages():
    paragraph = "We looked into every part of what you told us. " * 30
    body = "\n\n".join(f"{n}. {paragraph}" for n in range(1, 9)) + "\n\n" + "x" * 500
    reader, words = pdf_text(
        printing.letter_pdf(letter(body=body), on=date(2026, 3, 2), letterhead=LETTERHEAD)
    )
    pages = len(reader.pages)
    assert pages >= 2
    for number in range(1, pages + 1):
        assert f"Page {number} of {pages}" in reader.pages[number - 1].extract_text()
    assert "8. We looked into" in words
    # The unbroken 500 characters are wrapped onto lines, not cut off.
    assert words.replace("\n", "").count("x" * 500) == 1


def test_a_letter_the_template_signed_is_not_signed_twice():
    body = "Dear Zoë,\n\nThank you.\n\nYours sincerely,\nCustomer Complaints\n"
    _, words = pdf_text(
        printing.letter_pdf(letter(body=body), on=date(2026, 3, 2), letterhead=LETTERHEAD)
    )
    assert words.count("Yours sincerely") == 1


def test_the_documents_sent_with_the_letter_are_listed_as_enclosures():
    message = letter()
    message.attachments = [
        Attachment(original_filename="decision-reasons.pdf"),
        Attachment(original_filename="photo of the counter.jpg"),
    ]
    _, words = pdf_text(printing.letter_pdf(message, on=date(2026, 3, 2), letterhead=LETTERHEAD))
    assert "Enclosures:" in words
    assert "decision-reasons.pdf" in words and "photo of the counter.jpg" in words


# ----------------------------------------------------------------------- the outbox


@pytest.fixture
def team(make):
    return Team(make)


@pytest.fixture
def department(app):
    app.config.update(DEPARTMENT)
    return app


def no_email(make, family_name="Postal", address=ADDRESS) -> Participant:
    person = make.complainant(family_name)
    person.email = None
    person.address = address
    db.session.flush()
    return person


def letter_of(complaint) -> OutboundMessage:
    db.session.expire_all()
    (message,) = db.session.scalars(
        db.select(OutboundMessage).filter_by(complaint_id=complaint.id)
    ).all()
    return message


def history_of(complaint) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            db.select(HistoryEntry.summary)
            .filter_by(record_type="Complaint", record_id=complaint.id)
            .order_by(HistoryEntry.id)
        )
    )


def form_token(client) -> str:
    """The session's form token, from a form the officer may open."""
    return csrf_token(client.get("/admin/complaint/new/").get_data(as_text=True))


def mark_posted(client, message, token=True):
    data = {"csrf_token": form_token(client)} if token else {}
    return client.post(
        f"/admin/outboundmessage/posted/{message.id}", data=data, follow_redirects=True
    )


def test_a_letter_to_a_complainant_without_email_is_queued_to_post_and_the_history_says_so(
    app, team, make
):
    complaint = team.complaint(complainant=no_email(make))
    message = letter_of(complaint)
    assert message.status == rules.NO_ADDRESS
    assert rules.STATUSES[message.status] == "To post: no email address"
    assert (
        "Registration email to be printed and sent by post: the complainant has no email "
        "address (anonymous, or none recorded)." in history_of(complaint)
    )


def test_the_coordinator_prints_the_letter_and_marks_it_sent_by_post_once(department, team, make):
    complaint = team.complaint(complainant=no_email(make))
    message = letter_of(complaint)
    coordinator = client_for(department, "coord")

    listing = text(coordinator.get("/admin/outboundmessage/"))
    assert "To post: no email address" in listing
    page = text(coordinator.get(f"/admin/outboundmessage/details/?id={message.id}"))
    assert "Print letter (PDF)" in page and "Mark as sent by post" in page
    assert "No postal address is recorded" not in page

    response = coordinator.get(f"/admin/outboundmessage/print/{message.id}")
    assert response.status_code == 200
    assert response.mimetype == "application/pdf"
    assert "attachment" in response.headers["Content-Disposition"]
    assert complaint.reference in response.headers["Content-Disposition"]
    reader, words = pdf_text(response.data)
    assert (round(float(reader.pages[0].mediabox.width), 2),) == (A4[0],)
    assert f"Our reference: {complaint.reference}" in words
    assert "Sam Postal" in words and "12 Grey Street" in words
    assert "Department of Customer and Regional Services" in words
    assert re.search(r"\b\d{1,2} [A-Z][a-z]+ 20\d\d\b", words)  # dated the day it is printed

    page = text(mark_posted(coordinator, message))
    assert "Marked as sent by post" in page
    db.session.expire_all()
    message = db.session.get(OutboundMessage, message.id)
    assert message.posted_at is not None
    assert message.posted_by_id == team.coordinator.id
    assert message.status == rules.NO_ADDRESS
    posted = [s for s in history_of(complaint) if s.startswith("Letter sent by post")]
    assert posted == [
        "Letter sent by post to the complainant (registration email, printed from the outbox)."
    ]
    assert "Sent by post" in text(coordinator.get("/admin/outboundmessage/"))
    assert "Mark as sent by post" not in text(
        coordinator.get(f"/admin/outboundmessage/details/?id={message.id}")
    )

    again = coordinator.post(
        f"/admin/outboundmessage/posted/{message.id}",
        data={"csrf_token": form_token(coordinator)},
        follow_redirects=True,
    )
    assert "already marked as sent by post: nothing was changed" in text(again)
    assert len([s for s in history_of(complaint) if s.startswith("Letter sent by post")]) == 1


def test_marking_posted_without_the_forms_token_is_refused_and_changes_nothing(app, team, make):
    complaint = team.complaint(complainant=no_email(make))
    message = letter_of(complaint)
    page = mark_posted(client_for(app, "coord"), message, token=False)
    assert page.status_code == 200
    assert "This form has expired or was not sent from the portal" in text(page)
    assert letter_of(complaint).posted_at is None
    assert not any(s.startswith("Letter sent by post") for s in history_of(complaint))


def test_a_coordinator_of_another_division_cannot_print_or_mark_the_letter(app, team, make):
    make.user("elsewhere", "coordinator", division=make.division("Elsewhere"))
    complaint = team.complaint(complainant=no_email(make))
    message = letter_of(complaint)
    other = client_for(app, "elsewhere")
    assert other.get(f"/admin/outboundmessage/print/{message.id}").status_code == 404
    response = other.post(
        f"/admin/outboundmessage/posted/{message.id}", data={"csrf_token": form_token(other)}
    )
    assert response.status_code == 404
    assert letter_of(complaint).posted_at is None
    assert other.get("/admin/outboundmessage/print/999999").status_code == 404


def test_a_confidential_complainants_letter_is_printed_only_by_those_who_may_see_them(
    app, team, make
):
    make.user("boss", "administrator")
    complaint = team.complaint(complainant=no_email(make, "Secret"), confidential=True)
    message = letter_of(complaint)
    admin = client_for(app, "boss")
    page = text(admin.get(f"/admin/outboundmessage/details/?id={message.id}"))
    assert "Print letter (PDF)" not in page and "Sam Secret" not in page
    assert "confidential complainant whose details you may not see" in page
    refused = admin.get(f"/admin/outboundmessage/print/{message.id}", follow_redirects=True)
    assert refused.mimetype == "text/html"
    assert "Sam Secret" not in text(refused) and "12 Grey Street" not in text(refused)
    assert "confidential complainant" in text(refused)
    assert "confidential complainant" in text(mark_posted(admin, message))
    assert letter_of(complaint).posted_at is None

    coordinator = client_for(app, "coord")
    response = coordinator.get(f"/admin/outboundmessage/print/{message.id}")
    assert response.mimetype == "application/pdf"
    assert "Sam Secret" in pdf_text(response.data)[1]
    mark_posted(coordinator, message)
    entries = history_of(complaint)
    assert "Letter sent by post to the complainant" in " ".join(entries)
    assert not any("Grey Street" in s or "Secret" in s for s in entries)


def test_the_screen_warns_when_no_postal_address_is_recorded(app, team, make):
    complaint = team.complaint(complainant=no_email(make, address=None))
    message = letter_of(complaint)
    coordinator = client_for(app, "coord")
    page = text(coordinator.get(f"/admin/outboundmessage/details/?id={message.id}"))
    assert "No postal address is recorded for the recipient" in page
    response = coordinator.get(f"/admin/outboundmessage/print/{message.id}")
    assert printing.NO_POSTAL_ADDRESS in pdf_text(response.data)[1]


def test_a_letter_sent_by_email_is_not_printed_or_marked_posted(app, team):
    complaint = team.complaint()  # the complainant has an email address
    message = letter_of(complaint)
    assert message.status == rules.QUEUED
    coordinator = client_for(app, "coord")
    page = text(coordinator.get(f"/admin/outboundmessage/details/?id={message.id}"))
    assert "Print letter (PDF)" not in page
    refused = coordinator.get(f"/admin/outboundmessage/print/{message.id}", follow_redirects=True)
    assert refused.mimetype == "text/html"
    assert "Only a letter to someone with no email address is printed and posted" in text(refused)
    assert "Only a letter to someone with no email address" in text(
        mark_posted(coordinator, message)
    )
    assert letter_of(complaint).posted_at is None


def test_to_print_and_post_lists_the_letters_waiting_to_be_posted(app, team, make):
    waiting = team.complaint(complainant=no_email(make, "Waiting"))
    posted = team.complaint(complainant=no_email(make, "Posted"))
    emailed = team.complaint()
    user = db.session.scalar(db.select(User).filter_by(username="coord"))
    printing.mark_posted(
        db.session, letter_of(posted), user.id, datetime(2026, 3, 3, tzinfo=timezone.utc)
    )
    coordinator = client_for(app, "coord")
    assert "To print and post" in text(coordinator.get("/admin/outboundmessage/"))
    listing = text(coordinator.get("/admin/outboundmessage/?flt0_to_print_and_post_is=1"))
    assert waiting.reference in listing
    assert posted.reference not in listing and emailed.reference not in listing


def test_marking_a_letter_posted_twice_through_the_service_is_refused(app, team, make):
    complaint = team.complaint(complainant=no_email(make))
    message = letter_of(complaint)
    user = db.session.scalar(db.select(User).filter_by(username="coord"))
    when = datetime(2026, 3, 3, 1, 0, tzinfo=timezone.utc)
    printing.mark_posted(db.session, message, user.id, when)
    with pytest.raises(printing.PostingRefused, match="already marked"):
        printing.mark_posted(db.session, message, user.id, when)
    assert letter_of(complaint).posted_at == when


@pytest.mark.postgres_only
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_two_officers_marking_the_same_letter_at_once_record_it_once(app, team, make):
    complaint = team.complaint(complainant=no_email(make))
    message_id = letter_of(complaint).id
    user_id = db.session.scalar(db.select(User.id).filter_by(username="coord"))
    officers_app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "tests-only",
        }
    )
    start = threading.Barrier(2)
    outcomes, errors = [], []

    def officer():
        try:
            with officers_app.app_context():
                message = db.session.get(OutboundMessage, message_id)
                start.wait(timeout=30)
                try:
                    printing.mark_posted(db.session, message, user_id, utcnow())
                    outcomes.append("posted")
                except printing.PostingRefused:
                    outcomes.append("refused")
                finally:
                    db.session.remove()
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            errors.append(error)
            start.abort()

    threads = [threading.Thread(target=officer) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    with officers_app.app_context():
        db.engine.dispose()
    assert errors == []
    assert sorted(outcomes) == ["posted", "refused"]
    assert len([s for s in history_of(complaint) if s.startswith("Letter sent by post")]) == 1


def test_marking_posted_from_the_case_page_returns_to_it_and_never_off_site(app, team, make):
    complaint = team.complaint(complainant=no_email(make))
    message = letter_of(complaint)
    coordinator = client_for(app, "coord")
    case_page = f"/admin/complaint/details/?id={complaint.id}"
    outside = coordinator.post(
        f"/admin/outboundmessage/posted/{message.id}?url=https://evil.example/",
        data={"csrf_token": form_token(coordinator)},
    )
    assert outside.status_code == 302
    assert "evil.example" not in outside.headers["Location"]
    again = coordinator.post(
        f"/admin/outboundmessage/posted/{message.id}",
        query_string={"url": case_page},
        data={"csrf_token": form_token(coordinator)},
    )
    assert again.status_code == 302 and again.headers["Location"].endswith(case_page)
