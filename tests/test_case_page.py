"""A case's own page for its complainant: personal links (hashed, expiring, revocable, one
plain page for any bad link), the lost-link form, and what the page shows and lets them do
(add information, withdraw, ask for an internal review), each through the page and
another door."""

import hashlib
import html as html_lib
import io
import re
from datetime import timedelta

import pytest
from sqlalchemy import func, select

from app import create_app
from models import (
    Attachment,
    CaseLink,
    CaseLinkRequest,
    CaseNote,
    Complaint,
    HistoryEntry,
    InboundMessage,
    InternalReview,
    LateReviewRequest,
    OutboundMessage,
    User,
    db,
    utcnow,
)
from rules import correspondence as letters
from rules.vocabulary import ADMINISTRATOR, COMPLAINT_STATUSES
from rules.workflow import Actor
from seed import reference
from services import case_links, notes, steps
from tests.conftest import csrf_token
from tests.scoped_world import CHEAP_HASH
from tests.test_workflow_screens import Team, client_for, fill, fresh, text

ONCE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
PORTAL = "https://complaints.example.gov.au"
ADMIN = Actor(user_id=None, capacities=frozenset({ADMINISTRATOR}), name="the test")
PDF = b"%PDF-1.4\n1 0 obj\n<<>>\nendobj\ntrailer\n<<>>\n%%EOF\n"
INVALID = "This link does not open a page"


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    monkeypatch.setattr(
        User, "set_password", lambda user, password: setattr(user, "password_hash", CHEAP_HASH)
    )


@pytest.fixture
def team(app, make):
    app.config.update(PORTAL_URL=PORTAL)
    return Team(make)


def link_to(case) -> str:
    token = case_links.mint(db.session, case, case_links.recipient_of(case))
    db.session.commit()
    return token


def page_of(client, token):
    return client.get(f"/case/{token}")


def words(response) -> str:
    return " ".join(
        html_lib.unescape(re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))).split()
    )


def form_token(client, token, form="add"):
    page = client.get(f"/case/{token}").get_data(as_text=True)
    match = re.search(rf'name="{form}-csrf_token"[^>]*value="([^"]+)"', page) or re.search(
        rf'id="{form}-csrf_token"[^>]*value="([^"]+)"', page
    )
    assert match, page
    return match.group(1)


def waiting(complaint, before="investigation"):
    """The complaint put on hold waiting on the complainant, through the workflow."""
    complaint.status = before
    db.session.commit()
    steps.COMPLAINT_STEPS.take("wait_on_complainant", complaint, {}, ADMIN, utcnow())
    db.session.commit()
    return complaint


def finalised(complaint, code="not_upheld", reason="The fee was correct."):
    for name, inputs in (
        ("decide", {}),
        ("finalise", {"outcome": code, "outcome_reason": reason}),
    ):
        complaint.status = "response_drafted" if name == "decide" else complaint.status
        steps.COMPLAINT_STEPS.take(name, complaint, inputs, ADMIN, utcnow())
        db.session.commit()
    return complaint


# ------------------------------------------------------------------------------ tokens


def test_a_link_is_kept_only_as_its_hash_and_opens_its_case(client, team):
    complaint = team.complaint("investigation")
    token = link_to(complaint)
    stored = db.session.scalars(select(CaseLink)).all()
    assert [link.token_hash for link in stored] == [hashlib.sha256(token.encode()).hexdigest()]
    assert all(token not in (link.token_hash or "") for link in stored)
    response = page_of(client, token)
    assert response.status_code == 200
    page = words(response)
    assert complaint.reference in page and "We are investigating it." in page
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert response.headers["Cache-Control"] == "no-store"


def test_a_tampered_guessed_revoked_or_expired_link_gets_one_plain_page(app, client, team):
    complaint = team.complaint("investigation")
    token = link_to(complaint)
    guessed = page_of(client, "A" * 43)
    tampered = page_of(client, token[:-1] + ("A" if token[-1] != "A" else "B"))
    for response in (guessed, tampered):
        assert response.status_code == 404
        assert INVALID in words(response)
        assert complaint.reference not in words(response)
    assert guessed.get_data() == tampered.get_data()

    case_links.revoke(db.session, complaint, team.coordinator, reason="Sent to a wrong address")
    db.session.commit()
    assert page_of(client, token).get_data() == guessed.get_data()

    other = team.complaint("finalised", finalised_at=utcnow() - timedelta(days=91))
    other_token = link_to(other)
    assert page_of(client, other_token).status_code == 404
    app.config["CASE_LINK_DAYS_AFTER_CLOSE"] = 120
    assert page_of(client, other_token).status_code == 200


def test_a_link_stops_working_when_its_recipient_is_no_longer_the_complainant(client, team, make):
    complaint = team.complaint("investigation")
    token = link_to(complaint)
    complaint.complainant = make.complainant("Other")
    db.session.commit()
    assert page_of(client, token).status_code == 404


# ------------------------------------------------------------------------------ letters


@pytest.fixture
def mail_app(app, mailbox, team):
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        MAIL_FROM="Customer Complaints <complaints@example.gov.au>",
    )
    return app


def test_every_letter_to_the_complainant_carries_a_fresh_personal_link_and_how_to_reach_us(
    mail_app, runner, mailbox, team, client
):
    complaint = team.complaint("received")
    (letter,) = db.session.scalars(select(OutboundMessage)).all()
    assert case_links.MARKER in letter.body
    assert "Phone: 07 3000 0000" in letter.body
    assert "Email: complaints@example.gov.au" in letter.body
    assert db.session.scalar(select(func.count()).select_from(CaseLink)) == 0
    result = runner.invoke(args=["mail", "send-due"])
    assert result.exit_code == 0, result.output
    (email,) = mailbox.to("sam@example.com")
    body = email.get_content()
    match = re.search(re.escape(PORTAL) + r"/case/([A-Za-z0-9_-]+)", body)
    assert match, body
    assert case_links.MARKER not in body
    token = match.group(1)
    db.session.expire_all()
    assert db.session.scalar(select(CaseLink.token_hash)) == case_links.hash_token(token)
    assert token not in db.session.scalar(select(OutboundMessage.body))
    assert page_of(client, token).status_code == 200
    assert complaint.reference in words(page_of(client, token))


def test_a_letter_printed_for_post_says_how_to_get_a_link(team):
    paper = case_links.printed(f"Hello\n{case_links.MARKER}\n")
    assert case_links.MARKER not in paper
    assert f"ask for a link at {PORTAL}/case/lost with your reference number" in paper


# ------------------------------------------------------------------------------ lost link


def lost(client, reference, email):
    page = client.get("/case/lost").get_data(as_text=True)
    return client.post(
        "/case/lost",
        data={"reference": reference, "email": email, "csrf_token": csrf_token(page)},
    )


def test_the_lost_link_form_answers_the_same_whether_or_not_it_matched(client, team):
    complaint = team.complaint("investigation")
    before = db.session.scalar(select(func.count()).select_from(OutboundMessage))
    matched = lost(client, complaint.reference.lower(), "SAM@example.com")
    wrong_email = lost(client, complaint.reference, "someone@example.com")
    no_case = lost(client, "CTS-2026-999999", "sam@example.com")
    assert matched.status_code == wrong_email.status_code == no_case.status_code == 200
    assert words(matched) == words(wrong_email) == words(no_case)
    db.session.expire_all()
    queued = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key == letters.CASE_LINK)
    ).all()
    assert len(queued) == 1 and queued[0].recipient_address == "sam@example.com"
    assert case_links.MARKER in queued[0].body
    assert db.session.scalar(select(func.count()).select_from(OutboundMessage)) == before + 1
    assert db.session.scalar(select(func.count()).select_from(CaseLinkRequest)) == 3


def test_fresh_links_are_counted_per_reference_per_day_in_the_database(app, client, team):
    app.config["CASE_LINK_REQUESTS_PER_DAY"] = 2
    complaint = team.complaint("investigation")
    for _ in range(4):
        assert lost(client, complaint.reference, "sam@example.com").status_code == 200
    db.session.expire_all()
    sent = db.session.scalars(select(CaseLinkRequest.sent)).all()
    assert sent == [True, True, False, False]


@pytest.fixture
def limited(database, tmp_path):
    app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": database,
            "SECRET_KEY": "tests-only",
            "RATELIMIT_ENABLED": True,
            "CASE_LINK_REQUEST_LIMIT": "2 per hour",
            "CASE_PAGE_LIMIT": "2 per hour",
            "ATTACHMENT_FOLDER": str(tmp_path / "attachments"),
        }
    )
    with app.app_context():
        reference.load()
        db.session.commit()
        yield app
        db.session.remove()
        db.engine.dispose()


def test_the_lost_link_form_is_limited_per_address_and_per_reference(limited):
    here, elsewhere = limited.test_client(), limited.test_client()
    for _ in range(2):
        assert lost(here, "CTS-2026-000000", "x@example.com").status_code == 200
    refused = lost(here, "CTS-2026-000009", "x@example.com")
    assert refused.status_code == 429
    assert "Please wait before sending again" in words(refused)
    assert "07 3000 0000" in words(refused)
    # Another address may still ask, but not for a reference asked for twice already.
    other = {"REMOTE_ADDR": "203.0.113.9"}
    page = elsewhere.get("/case/lost", environ_base=other).get_data(as_text=True)
    response = elsewhere.post(
        "/case/lost",
        data={
            "reference": "CTS-2026-000000",
            "email": "y@example.com",
            "csrf_token": csrf_token(page),
        },
        environ_base=other,
    )
    assert response.status_code == 429
    page = elsewhere.get("/case/lost", environ_base=other).get_data(as_text=True)
    response = elsewhere.post(
        "/case/lost",
        data={
            "reference": "CTS-2026-000005",
            "email": "y@example.com",
            "csrf_token": csrf_token(page),
        },
        environ_base=other,
    )
    assert response.status_code == 200


def test_the_lost_link_form_needs_both_fields_and_its_csrf_token(client, team):
    response = client.post("/case/lost", data={"reference": "CTS-2026-000001", "email": ""})
    assert response.status_code == 400
    assert db.session.scalar(select(func.count()).select_from(CaseLinkRequest)) == 0


# ------------------------------------------------------------------------------ actions


def add_information(client, token, message="", files=()):
    data = {"add-message": message, "add-csrf_token": form_token(client, token)}
    if files:
        data["add-attachments"] = [(io.BytesIO(content), name) for name, content in files]
    return client.post(f"/case/{token}/add", data=data, content_type="multipart/form-data")


def test_information_added_on_the_page_resumes_a_waiting_clock_and_tells_the_officer(client, team):
    complaint = waiting(team.complaint("investigation"))
    assert complaint.paused_since is not None
    token = link_to(complaint)
    assert "Waiting for information from you" in words(page_of(client, token))
    response = add_information(
        client, token, "Here is the receipt you asked for.", [("receipt.pdf", PDF)]
    )
    assert response.status_code == 302
    page = words(client.get(response.headers["Location"]))
    assert "Thank you: we have received your information" in page
    assert "Here is the receipt you asked for." in page and "receipt.pdf" in page
    complaint = fresh(Complaint, complaint.id)
    assert complaint.status == "investigation" and complaint.paused_since is None
    note = db.session.scalar(select(CaseNote).where(CaseNote.complaint_id == complaint.id))
    assert note.kind == "from_complainant" and note.shared
    (document,) = db.session.scalars(select(Attachment)).all()
    assert document.complaint_id == complaint.id and document.uploaded_by_id is None
    told = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key == letters.REPLY_RECEIVED)
    ).all()
    assert [m.participant_id for m in told] == [team.manager.participant_id]
    assert "its clock has resumed" in told[0].body
    summaries = [e.summary for e in db.session.scalars(select(HistoryEntry))]
    assert any("on the case's page" in s and "clock resumed" in s for s in summaries)
    # On the officers' timeline: the complainant's entry, shared, and their document.
    staff_page = text(
        client_for(client.application, "marsh").get(f"/admin/complaint/details/?id={complaint.id}")
    )
    assert "Information from the complainant (case page)" in staff_page
    assert "The complainant or client, on their case's page" in staff_page
    # The document comes back down through the page, and nothing else does.
    download = client.get(f"/case/{token}/documents/{document.id}")
    assert download.status_code == 200 and download.data == PDF
    assert client.get(f"/case/{token}/documents/{document.id + 1}").status_code == 404


def test_a_refused_file_saves_nothing_and_says_why(client, team):
    complaint = team.complaint("investigation")
    token = link_to(complaint)
    response = add_information(client, token, "See attached", [("virus.exe", b"MZ\x90\x00")])
    assert response.status_code == 400
    assert "virus.exe" in words(response)
    assert db.session.scalar(select(func.count()).select_from(CaseNote)) == 0
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


def test_a_form_without_its_csrf_token_saves_nothing(client, team):
    complaint = team.complaint("investigation")
    token = link_to(complaint)
    response = client.post(f"/case/{token}/add", data={"add-message": "Hello"})
    assert response.status_code == 400
    assert "open for too long" in words(response)
    assert db.session.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_the_complainant_withdraws_after_confirming_and_the_page_offers_nothing_more(client, team):
    complaint = team.complaint("investigation")
    token = link_to(complaint)
    confirm = client.get(f"/case/{token}/withdraw")
    assert "Withdraw your complaint" in words(confirm)
    empty = client.post(
        f"/case/{token}/withdraw",
        data={"words": "", "csrf_token": csrf_token(confirm.get_data(as_text=True))},
    )
    assert empty.status_code == 400 and fresh(Complaint, complaint.id).status == "investigation"
    response = client.post(
        f"/case/{token}/withdraw",
        data={
            "words": "The council fixed it in the meantime.",
            "csrf_token": csrf_token(confirm.get_data(as_text=True)),
        },
    )
    assert response.status_code == 302
    complaint = fresh(Complaint, complaint.id)
    assert complaint.status == "closed" and complaint.outcome.code == "withdrawn"
    assert complaint.outcome_reason == "The council fixed it in the meantime."
    entry = db.session.scalar(select(HistoryEntry).where(HistoryEntry.action == "withdraw"))
    assert "The council fixed it in the meantime." in entry.summary
    page = client.get(f"/case/{token}")
    text_of_page = words(page)
    assert "Withdrawn at your request." in text_of_page and "Withdrawn" in text_of_page
    html = page.get_data(as_text=True)
    assert "<form" not in html.split('class="public-footer')[0]
    assert client.get(f"/case/{token}/withdraw").status_code == 302


def test_a_coordinator_records_a_withdrawal_on_the_case_screen_too(app, team):
    complaint = team.complaint("under_assessment")
    coordinator = client_for(app, "coord")
    response = fill(
        coordinator, "complaint", complaint, "withdraw", reason="Told us by phone: resolved."
    )
    assert "It is now Closed." in text(response)
    complaint = fresh(Complaint, complaint.id)
    assert complaint.outcome.code == "withdrawn"
    assert complaint.outcome_reason == "Told us by phone: resolved."


def test_a_review_asked_for_inside_the_window_is_registered_with_its_own_clock(client, team):
    complaint = finalised(team.complaint("decided"))
    assert complaint.review_request_due_at is not None
    token = link_to(complaint)
    page = words(page_of(client, token))
    assert "Ask for an internal review" in page and "Queensland Ombudsman" in page
    response = client.post(
        f"/case/{token}/review",
        data={
            "review-grounds": "You did not look at my receipts.",
            "review-csrf_token": form_token(client, token, "review"),
        },
    )
    assert response.status_code == 302
    complaint = fresh(Complaint, complaint.id)
    assert complaint.status == "internal_review"
    (review,) = complaint.internal_reviews
    assert review.status == "requested" and review.due_at is not None
    grounds = db.session.scalar(select(CaseNote).where(CaseNote.internal_review_id == review.id))
    assert grounds.summary == "You did not look at my receipts." and grounds.shared
    page = words(client.get(response.headers["Location"]))
    assert "Under internal review." in page
    assert "We aim to tell you the result of the review by" in page
    assert "Ask for an internal review" not in page


def test_a_review_asked_for_after_the_window_waits_for_the_coordinator(
    app, client, team, time_machine
):
    complaint = finalised(team.complaint("decided"))
    token = link_to(complaint)
    time_machine.move_to(complaint.review_request_due_at + timedelta(days=2), tick=False)
    page = words(page_of(client, token))
    assert "The 20 business days for asking for an internal review ended on" in page
    response = client.post(
        f"/case/{token}/review",
        data={
            "review-grounds": "I was in hospital.",
            "review-csrf_token": form_token(client, token, "review"),
        },
    )
    assert response.status_code == 302
    complaint = fresh(Complaint, complaint.id)
    assert complaint.status == "finalised" and complaint.internal_reviews == []
    (late,) = db.session.scalars(select(LateReviewRequest)).all()
    assert late.status == "pending" and late.grounds == "I was in hospital."
    page = words(client.get(response.headers["Location"]))
    assert "A complaints coordinator will decide whether to accept it" in page
    assert "Send my late request" not in page


# ------------------------------------------------------------------ the coordinator's side


def details_page(client, complaint):
    response = client.get(f"/admin/complaint/details/?id={complaint.id}")
    assert response.status_code == 200
    return response.get_data(as_text=True)


def test_a_coordinator_revokes_the_links_from_the_case_page_and_the_history_says_so(
    app, client, team
):
    complaint = team.complaint("investigation")
    token = link_to(complaint)
    manager = client_for(app, "marsh")
    assert "revoke-case-links" not in details_page(manager, complaint)
    coordinator = client_for(app, "coord")
    page = details_page(coordinator, complaint)
    assert "Personal links that open it: <strong>1</strong>" in page
    action = html_lib.unescape(
        re.search(r'action="([^"]+)" class="revoke-case-links', page).group(1)
    )
    response = coordinator.post(
        action,
        data={"reason": "The email address was wrong", "csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "Revoked 1 personal link" in text(response)
    assert page_of(client, token).status_code == 404
    entry = db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.action == "case_links_revoked")
    )
    assert entry.user_id == team.coordinator.id
    assert "The email address was wrong" in entry.summary
    # A manager may not revoke them by posting the form either.
    link_to(complaint)
    refused = manager.post(action, data={"csrf_token": csrf_token(page)}, follow_redirects=True)
    assert "Only a coordinator or an administrator" in text(refused)
    assert (
        db.session.scalar(
            select(func.count()).select_from(CaseLink).where(CaseLink.revoked_at.is_(None))
        )
        == 1
    )


def late_request(client, team, time_machine, grounds="I was in hospital."):
    complaint = finalised(team.complaint("decided"))
    token = link_to(complaint)
    time_machine.move_to(complaint.review_request_due_at + timedelta(days=2), tick=False)
    response = client.post(
        f"/case/{token}/review",
        data={"review-grounds": grounds, "review-csrf_token": form_token(client, token, "review")},
    )
    assert response.status_code == 302
    return complaint, token


def decide(coordinator, complaint, decision, reason):
    page = details_page(coordinator, complaint)
    action = html_lib.unescape(
        re.search(r'action="([^"]+)" class="decide-late-review', page).group(1)
    )
    request_id = re.search(r'name="request_id" value="(\d+)"', page).group(1)
    return coordinator.post(
        action,
        data={
            "csrf_token": csrf_token(page),
            "request_id": request_id,
            "decision": decision,
            "reason": reason,
        },
        follow_redirects=True,
    )


def test_a_coordinator_finds_a_late_request_and_accepts_it_opening_the_review(
    app, client, team, time_machine
):
    complaint, token = late_request(client, team, time_machine)
    coordinator = client_for(app, "coord")
    queue = coordinator.get("/admin/late-review-requests/")
    assert queue.status_code == 200 and complaint.reference in text(queue)
    assert client_for(app, "marsh").get("/admin/late-review-requests/").status_code == 403
    response = decide(coordinator, complaint, "accept", "Medical certificate provided.")
    assert "Late internal review request accepted" in text(response)
    complaint = fresh(Complaint, complaint.id)
    (review,) = complaint.internal_reviews
    assert complaint.status == "internal_review"
    assert review.late_reason == "Medical certificate provided." and review.due_at is not None
    assert db.session.scalar(select(LateReviewRequest.internal_review_id)) == review.id
    assert complaint.reference not in text(coordinator.get("/admin/late-review-requests/"))
    assert "Under internal review." in words(page_of(client, token))


def test_a_declined_late_request_shows_its_reasons_on_the_page(app, client, team, time_machine):
    complaint, token = late_request(client, team, time_machine)
    coordinator = client_for(app, "coord")
    empty = decide(coordinator, complaint, "decline", "")
    assert "Give the reasons the late request is declined" in text(empty)
    response = decide(coordinator, complaint, "decline", "Eight months late, no reason given.")
    assert "declined" in text(response)
    assert fresh(Complaint, complaint.id).internal_reviews == []
    page = words(page_of(client, token))
    assert "Your late request for an internal review was declined" in page
    assert "Eight months late, no reason given." in page
    assert "Send my late request" not in page


# ------------------------------------------------------------------------- what never shows

SECRETS = (
    "INTERNAL-NOTE-SECRET",
    "STAFF-DOCUMENT-SECRET",
    "OFFICER-REMINDER-SECRET",
    "THIRD-PARTY-EMAIL-SECRET",
    "OTHER-CASE-SECRET",
    "Subjectperson",
    "Othercomplainant",
    "other@example.com",
)


@pytest.mark.parametrize("status", sorted(COMPLAINT_STATUSES))
def test_the_page_never_shows_internal_notes_other_cases_or_anyone_else_for_any_status(
    client, team, make, status
):
    subject = make.staff("Subjectperson")
    other_person = make.complainant("Othercomplainant")
    other_person.email = "other@example.com"
    complaint = team.complaint(
        status,
        subjects=[subject],
        finalised_at=utcnow() - timedelta(days=1) if status in ("finalised", "closed") else None,
    )
    other = team.complaint(
        "investigation", complainant=other_person, summary="OTHER-CASE-SECRET summary"
    )
    notes.add(db.session, complaint, team.manager, kind="note", summary="INTERNAL-NOTE-SECRET")
    notes.add(
        db.session, other, None, kind="from_complainant", summary="OTHER-CASE-SECRET", shared=True
    )
    review = InternalReview(complaint=complaint, status="requested", requested_at=utcnow())
    db.session.add(review)
    db.session.flush()
    notes.add(db.session, review, team.reviewer, kind="note", summary="INTERNAL-NOTE-SECRET")
    db.session.add(
        Attachment(
            complaint=complaint,
            original_filename="STAFF-DOCUMENT-SECRET.pdf",
            content_type="application/pdf",
            size=3,
            sha256="0" * 64,
            stored_name="staffdoc" + status[:20],
            uploaded_by=team.manager,
        )
    )
    db.session.add(
        OutboundMessage(
            dedupe_key=f"reminder-secret-{status}",
            template_key=letters.DUE_REMINDER,
            recipient_role="complaint_manager",
            participant_id=team.manager.participant_id,
            recipient_address="officer@example.gov.au",
            subject="OFFICER-REMINDER-SECRET",
            body="OFFICER-REMINDER-SECRET",
            status=letters.SENT,
            complaint_id=complaint.id,
        )
    )
    db.session.add(
        InboundMessage(
            message_id=f"<third-party-{status}@example.com>",
            mailbox="complaints",
            from_address="other@example.com",
            from_name="Othercomplainant",
            subject="THIRD-PARTY-EMAIL-SECRET",
            body_text="THIRD-PARTY-EMAIL-SECRET",
            status="filed",
            complaint_id=complaint.id,
            participant_id=other_person.id,
        )
    )
    db.session.commit()
    token = link_to(complaint)
    response = page_of(client, token)
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert complaint.reference in page
    for secret in SECRETS:
        assert secret not in page, secret
    assert other.reference not in page


# ------------------------------------------------------------------------------ tickets


def test_a_ticket_has_its_page_too_and_information_resumes_a_clock_waiting_on_the_client(
    client, team
):
    from models import Participant, Ticket

    acme = Participant(
        kind="client_organisation", organisation_name="Acme Training", email="it@acme.example"
    )
    db.session.add(acme)
    ticket = Ticket(
        severity="2",
        summary="Reports time out",
        client=acme,
        status="in_progress",
        agent=team.agent.participant,
        reported_at=utcnow() - timedelta(hours=3),
    )
    db.session.add(ticket)
    db.session.commit()
    steps.TICKET_STEPS.take("wait_on_client", ticket, {}, ADMIN, utcnow())
    db.session.commit()
    token = link_to(ticket)
    page = words(page_of(client, token))
    assert f"Your ticket {ticket.reference}" in page and "Waiting for information from you" in page
    assert "Withdraw" not in page and "internal review" not in page
    response = add_information(client, token, "The error is at 9 am each day.")
    assert response.status_code == 302
    ticket = fresh(Ticket, ticket.id)
    assert ticket.status == "in_progress" and ticket.paused_since is None
    told = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key == letters.REPLY_RECEIVED)
    ).all()
    assert [m.participant_id for m in told] == [team.agent.participant_id]
    # The lost-link form knows the client's address too.
    assert lost(client, ticket.reference, "IT@acme.example").status_code == 200
    assert db.session.scalar(select(CaseLinkRequest.sent)) is True


def test_a_coordinator_emails_a_fresh_link_from_the_case_screen(app, team):
    complaint = team.complaint("investigation")
    coordinator = client_for(app, "coord")
    page = details_page(coordinator, complaint)
    action = html_lib.unescape(re.search(r'action="([^"]+)" class="send-case-link', page).group(1))
    response = coordinator.post(
        action, data={"csrf_token": csrf_token(page)}, follow_redirects=True
    )
    assert "A fresh link to the page of" in text(response)
    (queued,) = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key == letters.CASE_LINK)
    ).all()
    assert queued.recipient_address == "sam@example.com" and case_links.MARKER in queued.body
    entry = db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.action == "case_link_requested")
    )
    assert "by coord" in entry.summary
    assert "send-case-link" not in details_page(client_for(app, "marsh"), complaint)


def test_the_page_says_when_the_commissioner_and_the_ombudsman_may_be_asked(client, team):
    complaint = finalised(team.complaint("decided", human_rights=True))
    assert complaint.human_rights_commissioner_from is not None
    token = link_to(complaint)
    page = words(page_of(client, token))
    assert "Queensland Human Rights Commissioner" in page
    assert "(45 business days after you made your complaint)" in page
    assert "Once our internal review is complete" in page
    db.session.add(
        InternalReview(
            complaint=complaint,
            status="completed",
            outcome="original_confirmed",
            requested_at=complaint.finalised_at,
            completed_at=complaint.finalised_at + timedelta(days=10),
        )
    )
    db.session.commit()
    page = words(page_of(client, token))
    assert "Our internal review was completed on" in page
    assert "you may now ask the Queensland Ombudsman" in page
    assert "Ask for an internal review" not in page


def test_the_survey_invitation_carries_the_personal_link_too(mail_app, runner, mailbox, team):
    complaint = finalised(team.complaint("decided"))
    result = runner.invoke(args=["mail", "send-due"])
    assert result.exit_code == 0, result.output
    for email in mailbox.to("sam@example.com"):
        body = email.get_content()
        assert case_links.MARKER not in body, email["Subject"]
        assert f"{PORTAL}/case/" in body, email["Subject"]
    subjects = [email["Subject"] for email in mailbox.to("sam@example.com")]
    assert any(subject.startswith("How did we go") for subject in subjects), subjects
    assert complaint.reference in subjects[-1]


def test_information_is_kept_even_when_the_clock_cannot_resume_and_the_history_says_why(
    client, team
):
    # Waiting, but with no record of the status it waited from: Resume refuses.
    complaint = team.complaint("awaiting_complainant")
    token = link_to(complaint)
    response = add_information(client, token, "Here it is.")
    assert response.status_code == 302
    assert fresh(Complaint, complaint.id).status == "awaiting_complainant"
    assert db.session.scalar(select(CaseNote.summary)) == "Here it is."
    entry = db.session.scalar(
        select(HistoryEntry).where(HistoryEntry.action == "case_page_information")
    )
    assert "The clock was not resumed" in entry.summary


def test_sending_nothing_from_the_page_is_refused_in_plain_words(client, team):
    complaint = team.complaint("investigation")
    token = link_to(complaint)
    response = add_information(client, token, "   ")
    assert response.status_code == 400
    assert "Write a message or choose a file to send." in words(response)
    assert db.session.scalar(select(func.count()).select_from(CaseNote)) == 0


def test_what_the_page_sends_is_limited_per_address(limited):
    here, elsewhere = limited.test_client(), limited.test_client()
    for _ in range(2):
        assert here.post("/case/" + "A" * 43 + "/add", data={}).status_code == 404
    refused = here.post("/case/" + "A" * 43 + "/review", data={})
    assert refused.status_code == 429
    assert "Please wait before sending again" in words(refused)
    assert refused.headers["Retry-After"]
    other = {"REMOTE_ADDR": "203.0.113.9"}
    assert elsewhere.post("/case/x/withdraw", data={}, environ_base=other).status_code == 404


def test_a_withdrawal_through_the_api_closes_the_page_to_further_actions_too(client, team):
    from tests.test_api import step, token_for

    complaint = team.complaint("investigation")
    token = link_to(complaint)
    assert "Withdraw your complaint" in words(page_of(client, token))
    response = step(
        client,
        token_for(team.coordinator),
        complaint.reference,
        "withdraw",
        reason="Withdrawn by letter received today.",
    )
    assert response.status_code == 200, response.get_json()
    page = words(page_of(client, token))
    assert "Withdrawn at your request." in page
    assert "Withdrawn by letter received today." in page
    assert "Withdraw your complaint" not in page and "Add information" not in page
