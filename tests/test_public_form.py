"""The public lodgement form: a member of the public, no sign-in, lodges a complaint,
compliment or suggestion with files; bad input gets a message in plain words and nothing
is saved; staff download the files only from complaints they may view; and the registration
email says what the confirmation page promised, to the complainant alone, with no files."""

import hashlib
import io
import re
import zipfile
from datetime import datetime, timedelta, timezone
from html import unescape
from pathlib import Path

import pytest
from sqlalchemy import func, select

from app import create_app
from models import (
    Attachment,
    Calendar,
    Complaint,
    Division,
    HistoryEntry,
    OutboundMessage,
    Participant,
    db,
)
from rules import correspondence as rules
from rules.custody import ASSIGNMENT, PEOPLE
from seed import reference
from services import correspondence, custody, intake
from tests.conftest import csrf_token

# Wednesday 25 November 2026, 10:00 in Brisbane.
WEDNESDAY_MORNING = datetime(2026, 11, 25, 0, 0, tzinfo=timezone.utc)

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
PNG = b"\x89PNG\r\n\x1a\n" + b"\x00\x00\x00\rIHDR" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40
TEXT = b"The officer's name was on the badge: Jo.\nThe time was 10:15.\n"


def docx_bytes(main_part="word/document.xml"):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<document/>")
    return buffer.getvalue()


@pytest.fixture
def folder(app, tmp_path):
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def intake_division(app, make, folder):
    """Customer Services, the division coordinators triage online lodgements from."""
    with app.app_context():
        division = Division(code="CS", name="Customer Services", calendar=make.calendar())
        db.session.add(division)
        db.session.commit()
        return division.id


@pytest.fixture
def at_wednesday_morning(time_machine):
    time_machine.move_to(WEDNESDAY_MORNING, tick=False)


def complete(**overrides):
    """A complete complaint with contact details, as a person would fill it in."""
    values = {
        "kind": "complaint",
        "summary": "Waited two hours at the counter",
        "description": "I arrived at 9 am on Monday and nobody explained the delay.",
        "outcome_sought": "An apology and an explanation.",
        "human_rights": "no",
        "given_name": "Sam",
        "family_name": "Nguyen",
        "email": "sam.nguyen@example.com",
        "phone": "0400 123 456",
        "address": "",
        "consent": "yes",
        "website": "",
    }
    values.update(overrides)
    return {name: value for name, value in values.items() if value is not None}


class Lodger:
    """A member of the public at the form: opens it, fills it in, sends it."""

    def __init__(self, client):
        self.client = client

    def open(self):
        page = self.client.get("/lodge/")
        assert page.status_code == 200
        return page

    def send(self, values=None, files=(), token=True, **kwargs):
        data = dict(complete() if values is None else values)
        if token:
            data["csrf_token"] = csrf_token(self.open().get_data(as_text=True))
        if files:
            data["attachments"] = [(io.BytesIO(content), name) for name, content in files]
        return self.client.post("/lodge/", data=data, content_type="multipart/form-data", **kwargs)


@pytest.fixture
def lodger(client, intake_division):
    return Lodger(client)


def text_of(response):
    """The page's words as a reader meets them: no tags, single spaces."""
    words = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", unescape(words)).replace(" ,", ",").replace(" .", ".")


def nothing_saved(app, folder):
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 0
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
        assert (
            db.session.scalar(
                select(func.count()).select_from(Participant).filter_by(kind="complainant")
            )
            == 0
        )
    assert not folder.exists() or list(folder.iterdir()) == []
    return True


def only_complaint(app):
    with app.app_context():
        complaint = db.session.scalars(select(Complaint)).one()
        db.session.expunge_all()
    return complaint


# The form


def test_the_form_opens_without_signing_in_with_labels_autocomplete_and_a_csrf_token(lodger):
    page = lodger.open()
    html = page.get_data(as_text=True)
    for field in ("summary", "description", "outcome_sought", "given_name", "email", "phone"):
        assert f'<label for="{field}"' in html
    assert 'autocomplete="given-name"' in html
    assert 'autocomplete="family-name"' in html
    assert 'autocomplete="email"' in html
    assert 'autocomplete="tel"' in html
    assert 'autocomplete="street-address"' in html
    assert 'enctype="multipart/form-data"' in html
    assert "<legend" in html  # radio groups are fieldsets with a legend
    assert csrf_token(html)


def test_the_sign_in_page_links_to_the_form(client, intake_division):
    assert 'href="/lodge/"' in client.get("/login").get_data(as_text=True)


def test_the_public_pages_carry_the_security_headers_and_no_inline_code(lodger):
    for response in (lodger.open(), lodger.send(complete(summary=""))):
        html = response.get_data(as_text=True)
        policy = response.headers["Content-Security-Policy"]
        assert "'unsafe-inline'" not in policy
        assert response.headers["X-Frame-Options"] == "DENY"
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert " style=" not in html and "<style" not in html
        assert not re.search(r"\son[a-z]+=", html)
        for script in re.findall(r"<script\b[^>]*>", html):
            nonce = re.search(r'nonce="([^"]+)"', script).group(1)
            assert f"'nonce-{nonce}'" in policy
            assert 'src="/static/' in script


def test_the_form_is_unavailable_when_the_intake_division_does_not_exist(client, folder):
    response = client.get("/lodge/")
    assert response.status_code == 503
    assert "not available" in text_of(response)


# Lodging


def test_a_complaint_is_lodged_with_a_reference_due_dates_and_history(
    app, lodger, at_wednesday_morning
):
    response = lodger.send(complete(human_rights="yes"))
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/lodge/received")

    complaint = only_complaint(app)
    with app.app_context():
        complaint = db.session.get(Complaint, complaint.id)
        assert re.fullmatch(r"CTS-2026-\d{6}", complaint.reference)
        assert complaint.status == "received"
        assert complaint.registered_at is None
        assert complaint.channel.code == "online_form"
        assert complaint.division.code == "CS"
        assert complaint.received_at == WEDNESDAY_MORNING
        assert complaint.summary == "Waited two hours at the counter"
        assert complaint.outcome_sought == "An apology and an explanation."
        assert complaint.human_rights is True
        assert complaint.human_rights_commissioner_from is not None
        assert complaint.personal_details_consent is True
        assert complaint.confidential is False
        # Two business days from Wednesday morning: Friday's closing time in Brisbane.
        assert complaint.registration_due_at == datetime(2026, 11, 27, 7, 0, tzinfo=timezone.utc)
        person = complaint.complainant
        assert person.kind == "complainant"
        assert (person.given_name, person.family_name) == ("Sam", "Nguyen")
        assert (person.email, person.phone) == ("sam.nguyen@example.com", "0400 123 456")
        history = db.session.scalars(
            select(HistoryEntry).filter_by(record_type="Complaint", record_id=complaint.id)
        ).all()
        assert {entry.action for entry in history} >= {"create", "lodged"}
        assert any("Lodged online by a member of the public" in e.summary for e in history)
        reference_number = complaint.reference

    page = text_of(lodger.client.get("/lodge/received"))
    assert reference_number in page
    assert "within 2 business days, by Friday 27 November 2026" in page
    # Registered by Friday 17:00 at the latest; five business days from then.
    assert "acknowledge your complaint by Monday 7 December 2026" in page
    assert "quote your reference number " + reference_number in page


def submission_token(page) -> str:
    match = re.search(r'name="submission"[^>]*value="([^"]+)"', page.get_data(as_text=True))
    assert match, "the form carries no submission token"
    return match.group(1)


def test_the_same_form_sent_twice_lodges_once_and_answers_with_the_first(
    app, client, lodger, folder
):
    """A resend after a connection error, or a double click, answers with the lodgement
    the first send made; a form opened afresh lodges anew."""
    page = lodger.open()
    data = {**complete(), "csrf_token": csrf_token(page.get_data(as_text=True))}
    data["submission"] = submission_token(page)
    first = client.post("/lodge/", data=data, content_type="multipart/form-data")
    assert first.status_code == 302
    reference = only_complaint(app).reference
    # The answer was lost, and the same form is sent again.
    resent = lodger.client.post("/lodge/", data=data, content_type="multipart/form-data")
    assert resent.status_code == 302
    assert reference in text_of(lodger.client.get("/lodge/received"))
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1
        lodged = db.session.scalars(select(HistoryEntry).filter_by(action="lodged")).all()
        assert len(lodged) == 1
    # A form opened again is a new submission.
    assert lodger.send().status_code == 302
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 2


def test_two_sends_of_one_form_racing_each_other_lodge_once(app, intake_division, folder):
    """The second send found nothing lodged yet, and commits after the first: the unique
    key refuses it, its files are removed, and it answers with the first lodgement."""
    from rules.attachments import check_file
    from services import intake

    submission = intake.Submission(
        kind="complaint", summary="Counter closed", description="Twice.", token="t" * 32
    )
    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    with app.app_context():
        first = intake.lodge(db.session, submission, [], folder, "CS")
        real = intake.lodged_before
        looked = []

        def not_yet_the_first_time(session, key):
            looked.append(key)
            return None if len(looked) == 1 else real(session, key)

        intake.lodged_before = not_yet_the_first_time
        try:
            sent = intake.SentFile("photo.png", png, check_file("photo.png", png, 10**6))
            second = intake.lodge(db.session, submission, [sent], folder, "CS")
        finally:
            intake.lodged_before = real
        assert second.id == first.id
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 1
        assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0
    assert not folder.exists() or list(folder.iterdir()) == []


def test_the_confirmation_page_needs_a_lodgement_first(lodger):
    response = lodger.client.get("/lodge/received")
    assert response.status_code == 302
    assert response.headers["Location"].endswith("/lodge/")


def test_a_compliment_needs_no_outcome_or_human_rights_answer(app, lodger):
    response = lodger.send(complete(kind="compliment", outcome_sought="", human_rights=None))
    assert response.status_code == 302
    complaint = only_complaint(app)
    assert complaint.reference.startswith("CMP-")
    assert complaint.human_rights is False
    page = text_of(lodger.client.get("/lodge/received"))
    assert "Your compliment has been sent" in page
    assert "within 5 business days" in page
    assert "acknowledge" not in page


def test_an_anonymous_complaint_has_no_complainant_and_says_it_cannot_be_acknowledged(app, lodger):
    values = complete(
        anonymous="y", given_name="", family_name="", email="", phone="", consent=None
    )
    assert lodger.send(values).status_code == 302
    complaint = only_complaint(app)
    assert complaint.complainant_id is None
    assert complaint.personal_details_consent is None
    assert complaint.confidential is False
    with app.app_context():
        assert db.session.scalar(select(func.count()).select_from(Participant)) == 0
    page = text_of(lodger.client.get("/lodge/received"))
    assert complaint.reference in page
    assert "cannot acknowledge your complaint" in page


def test_refusing_consent_makes_the_complainant_confidential(app, lodger):
    assert lodger.send(complete(consent="no")).status_code == 302
    complaint = only_complaint(app)
    assert complaint.personal_details_consent is False
    assert complaint.confidential is True


def test_a_human_rights_answer_of_no_leaves_the_flag_off(app, lodger):
    assert lodger.send(complete(human_rights="no")).status_code == 302
    complaint = only_complaint(app)
    assert complaint.human_rights is False
    assert complaint.human_rights_commissioner_from is None


def test_a_nul_character_pasted_into_the_text_is_dropped_and_the_complaint_lodged(app, lodger):
    """PostgreSQL refuses text holding NUL: it used to be "try again later", forever."""
    values = complete(summary="Waited two\x00 hours", description="Nobody\x00 explained.")
    assert lodger.send(values).status_code == 302
    complaint = only_complaint(app)
    assert (complaint.summary, complaint.description) == ("Waited two hours", "Nobody explained.")


# Every field's validation: a message in plain words, the input kept, nothing saved


TOO_LONG = "x" * 201


FIELD_CHECKS = (
    ({"kind": None}, "kind-0", "Choose whether this is a complaint, a compliment or a"),
    ({"kind": "grievance"}, "kind-0", "Not a valid choice"),
    ({"summary": ""}, "summary", "Tell us in a few words what it is about."),
    ({"summary": "   "}, "summary", "Tell us in a few words what it is about."),
    ({"summary": TOO_LONG}, "summary", "Keep the few words under 200 characters."),
    ({"description": ""}, "description", "Tell us what happened."),
    ({"description": "x" * 10_001}, "description", "in under 10,000 characters"),
    ({"outcome_sought": ""}, "outcome_sought", "Tell us what outcome you are seeking."),
    ({"outcome_sought": "x" * 5_001}, "outcome_sought", "under 5,000 characters"),
    ({"human_rights": None}, "human_rights-0", "does your complaint involve your human"),
    ({"human_rights": "maybe"}, "human_rights-0", "Choose yes or no."),
    ({"given_name": "", "family_name": ""}, "family_name", "Enter your name, or tick"),
    ({"given_name": "x" * 81}, "given_name", "Keep your given name under 80 characters."),
    ({"family_name": "x" * 81}, "family_name", "Keep your family name under 80"),
    ({"email": "sam at example"}, "email", "Enter an email address like name@example.com."),
    ({"email": "x" * 190 + "@example.com"}, "email", "under 200 characters"),
    ({"phone": "call me"}, "phone", "Enter a phone number of 8 to 15 digits"),
    ({"phone": "12 34"}, "phone", "Enter a phone number of 8 to 15 digits"),
    ({"address": "x" * 501}, "address", "Keep your postal address under 500 characters."),
    (
        {"email": "", "phone": "", "address": ""},
        "email",
        "Give at least one way to reach you",
    ),
    ({"consent": None}, "consent-0", "may we use your personal details"),
    ({"consent": "perhaps"}, "consent-0", "may we use your personal details"),
    ({"anonymous": "y"}, "anonymous", "You chose to stay anonymous, so leave your name"),
)


def test_each_field_is_checked_with_a_message_in_plain_words_and_nothing_saved(
    app, lodger, folder
):
    # One application for every case: each submission is refused, so none affects the next.
    for overrides, anchor, message in FIELD_CHECKS:
        refused_with_message(app, lodger, folder, overrides, anchor, message)


def refused_with_message(app, lodger, folder, overrides, anchor, message):
    response = lodger.send(complete(**overrides), files=[("note.txt", TEXT)])
    assert response.status_code == 400, overrides
    html = response.get_data(as_text=True)
    page = text_of(response)
    assert "There is a problem" in page or "problems with what you entered" in page
    # The error summary links to the field, the field names its error.
    assert re.search(rf'<a href="#{re.escape(anchor)}">[^<]*{re.escape(message)}', unescape(html))
    field_id = anchor.removesuffix("-0")
    assert f'id="{field_id}-error"' in html
    assert re.search(rf'aria-describedby="[^"]*{re.escape(field_id)}-error', html)
    assert "<title>Error:" in html
    # What was typed is kept; the files must be chosen again, and the page says so.
    if "summary" not in overrides:
        assert 'value="Waited two hours at the counter"' in html
    assert "choose your attachments again" in page
    assert nothing_saved(app, folder)


def test_a_postal_address_alone_is_a_way_to_reach_someone(app, lodger):
    values = complete(email="", phone="", address="1 George St, Brisbane QLD 4000")
    assert lodger.send(values).status_code == 302
    with app.app_context():
        complaint = db.session.scalars(select(Complaint)).one()
        assert complaint.complainant.address == "1 George St, Brisbane QLD 4000"


# Attachments


def test_good_attachments_are_kept_outside_the_web_root_with_their_checksum(app, lodger, folder):
    files = [
        ("receipt.pdf", PDF),
        ("counter.PNG", PNG),
        ("photo.jpeg", JPEG),
        ("letter.docx", docx_bytes()),
        ("../../notes.txt", TEXT),
    ]
    assert lodger.send(files=files).status_code == 302
    with app.app_context():
        complaint = db.session.scalars(select(Complaint)).one()
        stored = {a.original_filename: a for a in complaint.attachments}
        assert set(stored) == {
            "receipt.pdf",
            "counter.PNG",
            "photo.jpeg",
            "letter.docx",
            "notes.txt",
        }
        assert stored["receipt.pdf"].content_type == "application/pdf"
        assert stored["counter.PNG"].content_type == "image/png"
        assert stored["photo.jpeg"].content_type == "image/jpeg"
        assert stored["letter.docx"].content_type.endswith("wordprocessingml.document")
        assert stored["notes.txt"].content_type == "text/plain"
        for name, content in files:
            attachment = stored[Path(name).name]
            path = folder / attachment.stored_name
            assert path.read_bytes() == content
            assert attachment.size == len(content)
            assert attachment.sha256 == hashlib.sha256(content).hexdigest()
            assert re.fullmatch(r"[0-9a-f]{32}", attachment.stored_name)
        static = Path(app.static_folder).resolve()
        assert not folder.resolve().is_relative_to(static)


def test_attachments_default_to_the_instance_folder(app, intake_division):
    app.config.pop("ATTACHMENT_FOLDER")
    assert intake.attachment_folder(app) == Path(app.instance_path) / "attachments"


REFUSED_FILES = (
    ("setup.exe", b"MZ\x90\x00" + b"\x00" * 60, "setup.exe is not a kind of file we accept"),
    ("page.html", b"<html><script>alert(1)</script></html>", "is not a kind of file"),
    ("invoice.pdf", b"MZ\x90\x00" + b"\x00" * 60, "named like a PDF document but its content"),
    ("photo.jpg", PNG, "named like a JPEG photo but its content is not one"),
    ("letter.docx", docx_bytes("xl/workbook.xml"), "named like a Word document but"),
    ("letter.docx", b"PK\x03\x04 not really a zip", "named like a Word document but"),
    ("notes.txt", b"text\x00with a NUL", "named like a plain text file but"),
    ("empty.pdf", b"", "empty.pdf is empty"),
    ("no-extension", PDF, "is not a kind of file we accept"),
)


def test_a_wrong_or_spoofed_type_is_refused_and_nothing_saved(app, lodger, folder):
    for name, content, message in REFUSED_FILES:
        response = lodger.send(files=[("receipt.pdf", PDF), (name, content)])
        assert response.status_code == 400, name
        assert message in text_of(response), name
        assert nothing_saved(app, folder)


def test_an_oversized_attachment_is_refused_with_the_limit_and_nothing_saved(app, lodger, folder):
    app.config["ATTACHMENT_MAX_BYTES"] = 2_000
    big = PDF + b"0" * 2_500
    response = lodger.send(files=[("scan.pdf", big)])
    assert response.status_code == 400
    assert "scan.pdf is 2.5 KB; each file may be at most 2 KB" in text_of(response)
    assert "each at most 2 KB" in text_of(response)  # the hint states the limit too
    assert nothing_saved(app, folder)


def office_of(main_part: bytes, method=zipfile.ZIP_DEFLATED) -> bytes:
    """A .docx whose document part is `main_part`, built in memory."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", method) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr("word/document.xml", main_part)
    return buffer.getvalue()


def test_a_zip_bomb_docx_is_refused_and_nothing_saved(app, lodger, folder):
    # 20 MB of zeros packed into about 20 KB: the default limits refuse it.
    bomb = office_of(b"<document>" + bytes(20_000_000))
    assert len(bomb) < 100_000
    response = lodger.send(files=[("statement.docx", bomb)])
    assert response.status_code == 400
    page = text_of(response)
    assert "statement.docx expands to far more than its size when opened" in page
    assert 'value="Waited two hours at the counter"' in response.get_data(as_text=True)
    assert nothing_saved(app, folder)


def test_what_a_docx_may_open_out_to_is_a_setting(app, lodger, folder):
    letter = office_of(b"<document>" + b"x" * 600_000, zipfile.ZIP_STORED)
    app.config["ATTACHMENT_MAX_INFLATED_BYTES"] = 500_000
    response = lodger.send(files=[("letter.docx", letter)])
    assert response.status_code == 400
    assert "letter.docx expands" in text_of(response)
    assert nothing_saved(app, folder)
    app.config["ATTACHMENT_MAX_INFLATED_BYTES"] = 1_000_000
    assert lodger.send(files=[("letter.docx", letter)]).status_code == 302


def test_too_many_attachments_are_refused(app, lodger, folder):
    app.config["ATTACHMENT_MAX_FILES"] = 2
    response = lodger.send(files=[(f"page{n}.pdf", PDF) for n in range(3)])
    assert response.status_code == 400
    assert "You chose 3 files; attach at most 2." in text_of(response)
    assert nothing_saved(app, folder)


def test_a_submission_over_the_size_limit_gets_a_friendly_413_page(app, lodger, folder):
    app.config.update(ATTACHMENT_MAX_BYTES=1_000, ATTACHMENT_MAX_FILES=1)
    response = lodger.send(files=[("huge.pdf", PDF + b"0" * 1_100_000)])
    assert response.status_code == 413
    page = text_of(response)
    assert "What you sent is too large" in page
    assert "Nothing was saved" in page
    assert "up to 1 files, each at most 1 KB" in page or "each at most 1 KB" in page
    assert nothing_saved(app, folder)


def test_a_failure_while_saving_leaves_no_complaint_and_no_file(app, lodger, folder, monkeypatch):
    def failing_note(*args, **kwargs):
        raise OSError("disk full")

    # Files are written first; the failure comes after them, before the commit.
    monkeypatch.setattr(intake.history, "note", failing_note)
    response = lodger.send(files=[("receipt.pdf", PDF), ("notes.txt", TEXT)])
    assert response.status_code == 503
    assert "nothing was kept" in text_of(response)
    assert 'value="Waited two hours at the counter"' in response.get_data(as_text=True)
    assert nothing_saved(app, folder)


def test_a_database_refusal_at_commit_leaves_no_file_behind(app, lodger, folder, monkeypatch):
    from sqlalchemy.exc import OperationalError

    real_commit = db.session.commit

    def refusing_commit():
        db.session.flush()
        raise OperationalError("COMMIT", {}, Exception("database went away"))

    monkeypatch.setattr(db.session, "commit", refusing_commit)
    response = lodger.send(files=[("receipt.pdf", PDF)])
    monkeypatch.setattr(db.session, "commit", real_commit)
    assert response.status_code == 503
    assert nothing_saved(app, folder)


# Abuse


def test_a_bot_filling_the_honeypot_sees_a_thank_you_but_nothing_is_saved(app, lodger, folder):
    response = lodger.send(complete(website="http://spam.example"), files=[("a.pdf", PDF)])
    assert response.status_code == 302
    page = text_of(lodger.client.get("/lodge/received"))
    assert "has been sent" in page
    assert not re.search(r"CTS-\d{4}-\d{6}", page)
    assert nothing_saved(app, folder)


@pytest.mark.parametrize("token", ["missing", "forged"])
def test_a_submission_without_a_valid_csrf_token_is_refused_with_the_input_kept(
    app, lodger, folder, token
):
    lodger.open()
    values = complete()
    if token == "forged":
        values["csrf_token"] = "20991231235959##" + "0" * 40
    response = lodger.send(values, token=False)
    assert response.status_code == 400
    html = response.get_data(as_text=True)
    assert "nothing was sent" in text_of(response)
    assert 'value="Waited two hours at the counter"' in html
    # A fresh token: sending again works.
    values["csrf_token"] = csrf_token(html)
    assert lodger.client.post("/lodge/", data=values).status_code == 302
    assert only_complaint(app).summary == "Waited two hours at the counter"


@pytest.fixture
def limited(database, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database,
            "SECRET_KEY": "tests-only",
            "RATELIMIT_ENABLED": True,
            "PUBLIC_LODGE_LIMIT": "2 per hour",
            "ATTACHMENT_FOLDER": str(tmp_path / "attachments"),
        }
    )
    with app.app_context():
        reference.load()
        db.session.add(
            Division(
                code="CS",
                name="Customer Services",
                calendar=db.session.scalars(select(Calendar).filter_by(code="AU-QLD")).one(),
            )
        )
        db.session.commit()
    yield app
    with app.app_context():
        db.session.remove()
        db.engine.dispose()


def test_submissions_are_limited_per_address(limited):
    here = Lodger(limited.test_client())
    elsewhere = limited.test_client()
    assert here.send(environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code == 302
    # A submission with mistakes counts too: each one costs the server the same.
    assert (
        here.send(complete(summary=""), environ_base={"REMOTE_ADDR": "203.0.113.5"}).status_code
        == 400
    )
    refused = here.send(environ_base={"REMOTE_ADDR": "203.0.113.5"})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) > 0
    page = text_of(refused)
    assert "Please wait before sending again" in page
    assert "this one was not saved" in page
    assert "sign-in" not in page
    # Reading the form is never limited, and another address may still send.
    assert here.client.get("/lodge/").status_code == 200
    other = Lodger(elsewhere).send(environ_base={"REMOTE_ADDR": "198.51.100.7"})
    assert other.status_code == 302
    with limited.app_context():
        assert db.session.scalar(select(func.count()).select_from(Complaint)) == 2


# Staff: the files on the complaint's page, downloaded only by those who may view it


@pytest.fixture
def lodged(app, lodger, make):
    """A complaint lodged online with a PDF; `staff(username)` signs in whom a test needs."""
    assert lodger.send(files=[("receipt.pdf", PDF)]).status_code == 302
    with app.app_context():
        complaint = db.session.scalars(select(Complaint)).one()
        attachment = complaint.attachments[0]
        found = {
            "complaint_id": complaint.id,
            "division_id": complaint.division_id,
            "url": f"/admin/complaint/attachment/{attachment.id}/",
            "details": f"/admin/complaint/details/?id={complaint.id}",
        }
    return found


STAFF = {
    # username: capacity, in the complaint's division or not
    "coord": ("coordinator", True),
    "elsewhere": ("coordinator", False),
    "boss": ("administrator", False),
    "manager": ("complaint_manager", True),
    "agent": ("support_agent", False),
}


@pytest.fixture
def staff(app, make, auth, lodged):
    """Make the account a test needs (each one costs a password hash) and sign it in."""

    def sign_in(username):
        capacity, in_division = STAFF[username]
        with app.app_context():
            division = db.session.get(Division, lodged["division_id"]) if in_division else None
            user = make.user(username, capacity, division=division or make.division())
            participant_id = user.participant_id
        auth.logout()
        assert auth.login(username).status_code == 302
        return participant_id

    return sign_in


def test_the_coordinator_sees_and_downloads_the_attachment(client, staff, lodged):
    staff("coord")
    details = client.get(lodged["details"])
    assert details.status_code == 200
    html = details.get_data(as_text=True)
    assert "Documents" in html
    assert f'href="{lodged["url"]}"' in html
    assert "receipt.pdf" in html
    download = client.get(lodged["url"])
    assert download.status_code == 200
    assert download.data == PDF
    assert download.headers["Content-Type"] == "application/pdf"
    assert download.headers["Content-Disposition"].startswith("attachment;")
    assert "receipt.pdf" in download.headers["Content-Disposition"]
    assert download.headers["X-Content-Type-Options"] == "nosniff"
    assert "no-store" in download.headers["Cache-Control"]


@pytest.mark.parametrize("username", ["elsewhere", "manager"])
def test_staff_who_may_not_view_the_complaint_get_a_404_for_its_files(
    client, staff, lodged, username
):
    staff(username)
    assert client.get(lodged["url"]).status_code == 404
    assert client.get("/admin/complaint/attachment/999999/").status_code == 404


def test_a_capacity_without_the_complaints_screen_is_refused(client, staff, lodged):
    staff("agent")
    assert client.get(lodged["url"]).status_code == 403


def test_the_public_cannot_download_attachments(client, lodged):
    response = client.get(lodged["url"])
    assert response.status_code == 302
    assert "/login" in response.headers["Location"]


def test_an_assigned_manager_may_download(app, client, staff, lodged):
    manager = staff("manager")
    with app.app_context():
        complaint = db.session.get(Complaint, lodged["complaint_id"])
        custody.permit(db.session, complaint, ASSIGNMENT)  # as the assign step does
        complaint.manager_id = manager
        db.session.commit()
    assert client.get(lodged["url"]).data == PDF


def test_a_confidential_complainants_files_are_withheld_from_whoever_may_not_see_them(
    app, client, staff, lodged
):
    with app.app_context():
        complaint = db.session.get(Complaint, lodged["complaint_id"])
        complaint.confidential = True
        db.session.commit()
    staff("boss")
    details = client.get(lodged["details"]).get_data(as_text=True)
    assert "withheld" in details
    assert lodged["url"] not in details
    assert client.get(lodged["url"]).status_code == 404
    staff("coord")
    assert client.get(lodged["url"]).data == PDF


def test_a_file_missing_from_disk_is_a_404_not_a_500(client, staff, lodged, folder):
    for path in folder.iterdir():
        path.unlink()
    staff("coord")
    assert client.get(lodged["url"]).status_code == 404


# What the complainant is sent: the registration email, by `flask mail send-due`

SENDER = "Customer Complaints <complaints@example.gov.au>"
ANONYMOUS = {"anonymous": "y", "given_name": "", "family_name": "", "email": "", "phone": ""}


@pytest.fixture
def mail_settings(app, mailbox):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port, MAIL_FROM=SENDER)
    return mailbox


def letters(app, complaint_id):
    with app.app_context():
        rows = db.session.scalars(
            select(OutboundMessage)
            .filter_by(complaint_id=complaint_id)
            .order_by(OutboundMessage.id)
        ).all()
        db.session.expunge_all()
    return rows


def history(app, complaint_id):
    with app.app_context():
        return [
            entry.summary
            for entry in db.session.scalars(
                select(HistoryEntry)
                .filter_by(record_type="Complaint", record_id=complaint_id)
                .order_by(HistoryEntry.id)
            )
        ]


def send_due(app):
    result = app.test_cli_runner().invoke(args=["mail", "send-due"])
    assert result.exit_code == 0, result.output
    return result.output


def promised(page: str) -> dict:
    """The dates the confirmation page promises, as it words them."""
    day = r"(\w+day \d{1,2} \w+ \d{4})"
    found = {
        "registration": re.search(r"in our register within [^,]+, by " + day, page),
        "acknowledgement": re.search(r"We acknowledge your complaint by " + day, page),
        "response": re.search(r"We aim to give you our response by " + day, page),
    }
    return {what: match.group(1) for what, match in found.items() if match}


def test_the_registration_email_promises_the_dates_the_confirmation_page_promised(
    app, lodger, at_wednesday_morning
):
    assert lodger.send(complete(consent="yes")).status_code == 302
    page = text_of(lodger.client.get("/lodge/received"))
    dates = promised(page)
    assert dates == {
        "registration": "Friday 27 November 2026",
        "acknowledgement": "Monday 7 December 2026",
        "response": "Wednesday 23 December 2026",
    }
    assert "We are emailing your reference number and the dates below to " in page
    assert "to sam.nguyen@example.com." in page
    complaint = only_complaint(app)
    (letter,) = letters(app, complaint.id)
    assert letter.template_key == rules.REGISTERED
    assert letter.recipient_address == "sam.nguyen@example.com"
    # Not yet in the register: the letter says so, as the page does.
    assert letter.subject == f"We have received your complaint: {complaint.reference}"
    body = " ".join(letter.body.split())
    assert "have registered it" not in body
    assert f"gave it the reference number {complaint.reference}" in body
    assert (
        "A complaints coordinator in Customer Services will enter it in our register by "
        f"5:00 pm on {dates['registration']} (Brisbane time)." in body
    )
    assert f"will acknowledge it by 5:00 pm on {dates['acknowledgement']} (Brisbane time)" in body
    assert f"response by 5:00 pm on {dates['response']} (Brisbane time)." in body


def test_a_compliments_email_says_what_its_confirmation_page_says(
    app, lodger, at_wednesday_morning
):
    values = complete(kind="compliment", outcome_sought="", human_rights=None)
    assert lodger.send(values).status_code == 302
    page = text_of(lodger.client.get("/lodge/received"))
    assert "in our register within 5 business days, by Wednesday 2 December 2026" in page
    assert "We pass your compliment on to the area it is about" in page
    (letter,) = letters(app, only_complaint(app).id)
    body = " ".join(letter.body.split())
    assert "our register by 5:00 pm on Wednesday 2 December 2026 (Brisbane time)." in body
    assert (
        "We pass your compliment on to the area it is about, and may contact you if we have "
        "a question." in body
    )
    assert "acknowledge" not in body


def test_a_confidential_lodgements_mail_goes_to_the_complainant_alone(
    app, lodger, mail_settings, at_wednesday_morning
):
    assert lodger.send(complete(consent="no", email="kept.private@example.com")).status_code == 302
    complaint_id = only_complaint(app).id
    with app.app_context():
        complaint = db.session.get(Complaint, complaint_id)
        assert complaint.confidential
        # A coordinator of the division takes it up: they are not written to about it.
        coordinator = Participant(
            kind="staff", given_name="Casey", family_name="Coord", email="casey@example.gov.au"
        )
        custody.permit(db.session, complaint, PEOPLE)  # as a coordinator's edit does
        complaint.coordinator = coordinator
        db.session.commit()
        due = complaint.registration_due_at
        for now in (due - timedelta(hours=1), due + timedelta(hours=1)):
            correspondence.queue_reminders(db.session, now=now)
    assert "Sent: 1;" in send_due(app)
    assert [(rcpt, m["To"]) for rcpt, m in mail_settings.received] == [
        (("kept.private@example.com",), "Sam Nguyen <kept.private@example.com>")
    ]
    assert {row.recipient_role for row in letters(app, complaint_id)} == {rules.COMPLAINANT}
    sent = [s for s in history(app, complaint_id) if s.startswith("Registration email sent")]
    # The history names no confidential address.
    assert sent == [
        "Registration email sent to the complainant: "
        f"We have received your complaint: {only_complaint(app).reference}"
    ]


def test_attached_files_are_never_sent_by_mail(app, lodger, mail_settings):
    files = [("receipt.pdf", PDF), ("notes.txt", TEXT)]
    assert lodger.send(complete(), files=files).status_code == 302
    assert "Sent: 1;" in send_due(app)
    ((_, message),) = mail_settings.received
    assert not message.is_multipart()
    assert list(message.iter_attachments()) == []
    raw = message.as_bytes()
    assert PDF not in raw and b"The officer's name was on the badge" not in raw
    assert b"receipt.pdf" not in raw and b"notes.txt" not in raw


def test_an_anonymous_lodgement_sends_nothing_and_the_outbox_and_history_say_why(
    app, lodger, mail_settings
):
    assert lodger.send(complete(consent=None, **ANONYMOUS)).status_code == 302
    page = text_of(lodger.client.get("/lodge/received"))
    assert "cannot acknowledge your complaint" in page
    assert "emailing" not in page
    complaint_id = only_complaint(app).id
    (letter,) = letters(app, complaint_id)
    assert letter.status == rules.NO_ADDRESS
    assert rules.STATUSES[letter.status] == "To post: no email address"
    assert (
        "Registration email to be printed and sent by post: the complainant has no email "
        "address (anonymous, or none recorded)." in history(app, complaint_id)
    )
    assert "Sent: 0;" in send_due(app)
    assert mail_settings.received == []
