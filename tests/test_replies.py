"""Staff reply from the case: the form (canned paragraphs without JavaScript, documents),
who may write, threading on the complainant's last message, and what arrives at a real
SMTP server (In-Reply-To, References, the reference in the subject, the documents)."""

import io
from datetime import datetime, timedelta, timezone

import pytest
from flask import render_template
from flask_login import login_user
from sqlalchemy import func, select

from models import (
    Attachment,
    CannedParagraph,
    Complaint,
    HistoryEntry,
    InboundMessage,
    OutboundMessage,
    Participant,
    Ticket,
    User,
    db,
)
from rules import correspondence as rules
from rules.errors import RuleViolation
from services.correspondence import replies
from tests.admin_forms import form_values
from tests.conftest import free_port  # noqa: F401  (the mailbox fixture's helper)
from tests.test_workflow_screens import Team, client_for, text

PDF = b"%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n"
SENDER = "Customer Complaints <complaints@example.gov.au>"
# Tuesday 3 March 2026, 10:00 in Brisbane.
NOW = datetime(2026, 3, 3, 0, 0, tzinfo=timezone.utc)
ONCE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)


@pytest.fixture
def folder(app, tmp_path):
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    return folder


@pytest.fixture
def team(make, time_machine, folder):
    time_machine.move_to(NOW, tick=False)
    return Team(make)


@pytest.fixture
def complaint(team):
    return team.complaint("registered", registered_at=NOW - timedelta(hours=20))


def reply_url(case_type, case):
    return f"/admin/replies/{case_type}/{case.id}/"


def open_form(client, url):
    page = client.get(url)
    assert page.status_code == 200, page.status_code
    return form_values(page.get_data(as_text=True)), text(page)


def replies_of(**match) -> list[OutboundMessage]:
    db.session.expire_all()
    return db.session.scalars(
        select(OutboundMessage)
        .filter_by(template_key=rules.STAFF_REPLY, **match)
        .order_by(OutboundMessage.id)
    ).all()


def history_of(record) -> list[str]:
    db.session.expire_all()
    return list(
        db.session.scalars(
            select(HistoryEntry.summary)
            .filter_by(record_type=type(record).__name__, record_id=record.id)
            .order_by(HistoryEntry.id)
        )
    )


def add_document(case, name="photo.pdf", data=PDF, folder=None):
    from flask import current_app

    from rules.inflation import InflationLimits
    from services import documents
    from services.intake import attachment_folder

    return documents.add(
        db.session,
        case,
        None,
        name,
        data,
        note=None,
        folder=attachment_folder(current_app),
        max_bytes=1_000_000,
        inflation=InflationLimits(max_bytes=10_000_000),
    )


def inbound(case, person, **values) -> InboundMessage:
    message = InboundMessage(
        message_id=values.pop("message_id", "<their-2@example.com>"),
        mailbox="complaints",
        received_at=values.pop("received_at", NOW - timedelta(hours=2)),
        from_address=person.email,
        subject=values.pop("subject", "Photos of the counter"),
        status="filed",
        participant=person,
        **{f"{type(case).__name__.lower()}": case},
        **values,
    )
    db.session.add(message)
    db.session.commit()
    return message


# ------------------------------------------------------------------------- the form


def test_the_manager_replies_from_the_case_and_it_is_queued_with_the_reference(
    app, team, complaint
):
    manager = client_for(app, "marsh")
    values, page = open_form(manager, reply_url("complaint", complaint))
    assert values["subject"] == f"Your complaint {complaint.reference}"
    assert "Reply to the complainant" in page and "sam@example.com" in page
    values.update(subject="About your visit", body="Thank you for your patience.\r\n")
    response = manager.post(reply_url("complaint", complaint), data=values)
    assert response.status_code == 302
    assert response.headers["Location"].endswith(f"/admin/complaint/details/?id={complaint.id}")
    (reply,) = replies_of(complaint_id=complaint.id)
    assert reply.subject == f"About your visit [{complaint.reference}]"
    assert reply.status == rules.QUEUED and reply.recipient_role == rules.COMPLAINANT
    assert reply.recipient_address == "sam@example.com"
    assert reply.author_id == team.manager.id
    assert reply.body.startswith("Thank you for your patience.\n")
    assert f"Reference {complaint.reference}" in reply.body
    assert reply.in_reply_to is None and reply.references_header is None
    assert f"Reply queued to the complainant: About your visit [{complaint.reference}]" in (
        history_of(complaint)
    )


def test_a_canned_paragraph_is_appended_without_javascript_and_nothing_is_saved(
    app, team, complaint
):
    db.session.add_all(
        [
            CannedParagraph(title="Apology", body="We are sorry for the delay.", case_kind=None),
            CannedParagraph(title="Tickets only", body="Ticket words.", case_kind="ticket"),
            CannedParagraph(title="Retired", body="Old words.", active=False),
        ]
    )
    db.session.commit()
    apology = db.session.scalar(select(CannedParagraph).filter_by(title="Apology"))
    manager = client_for(app, "marsh")
    values, page = open_form(manager, reply_url("complaint", complaint))
    assert "Apology" in page and "Tickets only" not in page and "Retired" not in page
    values.update(body="Dear Sam,", paragraph=str(apology.id), insert="1")
    response = manager.post(reply_url("complaint", complaint), data=values)
    assert response.status_code == 200
    again = form_values(response.get_data(as_text=True))
    assert (
        again["body"].replace("\r\n", "\n").strip() == "Dear Sam,\n\nWe are sorry for the delay."
    )
    assert replies_of() == []


@pytest.mark.parametrize(
    "change, message",
    [
        ({"body": "   "}, "Write the reply: the body is empty."),
        ({"subject": "x" * 300}, "characters long with the reference: at most 300 fit."),
        ({"subject": ""}, "Write a subject."),
    ],
)
@ONCE
def test_a_reply_that_cannot_go_says_why_and_saves_nothing(app, team, complaint, change, message):
    manager = client_for(app, "marsh")
    values, _ = open_form(manager, reply_url("complaint", complaint))
    values.update(body="Some words.")
    values.update(change)
    before = history_of(complaint)
    response = manager.post(reply_url("complaint", complaint), data=values)
    assert response.status_code == 200
    assert message in text(response)
    assert replies_of() == [] and history_of(complaint) == before


def test_a_document_of_another_case_is_refused_in_words(app, team, complaint):
    other = team.complaint("registered", registered_at=NOW - timedelta(hours=5))
    elsewhere = add_document(other)
    with pytest.raises(RuleViolation, match="not one of this case's"):
        replies.queue_reply(db.session, complaint, team.manager, "Hello", "Words.", [elsewhere.id])
    db.session.rollback()
    assert replies_of() == []


def test_documents_ticked_and_a_new_upload_go_with_the_reply(app, team, complaint, folder):
    kept = add_document(complaint, "receipt.pdf")
    add_document(complaint, "internal.pdf")
    manager = client_for(app, "marsh")
    values, page = open_form(manager, reply_url("complaint", complaint))
    assert "receipt.pdf" in page and "internal.pdf" in page
    values.update(body="Please find our letter attached.", documents=[str(kept.id)])
    values["upload"] = (io.BytesIO(PDF), "our letter.pdf")
    values["upload_note"] = "Letter to the complainant"
    values["send_upload"] = "y"
    response = manager.post(
        reply_url("complaint", complaint), data=values, content_type="multipart/form-data"
    )
    assert response.status_code == 302, text(response)
    (reply,) = replies_of()
    assert sorted(a.original_filename for a in reply.attachments) == [
        "our letter.pdf",
        "receipt.pdf",
    ]


def test_a_refused_upload_saves_neither_the_document_nor_the_reply(app, team, complaint):
    manager = client_for(app, "marsh")
    values, _ = open_form(manager, reply_url("complaint", complaint))
    values.update(body="Attached.", send_upload="y")
    values["upload"] = (io.BytesIO(b"MZ\x90\x00 not a pdf"), "letter.pdf")
    response = manager.post(
        reply_url("complaint", complaint), data=values, content_type="multipart/form-data"
    )
    assert response.status_code == 200
    assert "The new document:" in text(response)
    assert replies_of() == []
    assert db.session.scalar(select(func.count()).select_from(Attachment)) == 0


# ------------------------------------------------------------------------ who may reply


@ONCE
def test_only_those_who_may_act_on_the_case_reach_the_form(app, team, make, complaint):
    outsider_division = make.division("Elsewhere")
    make.user("far", "coordinator", division=outsider_division)
    assert client_for(app, "coord").get(reply_url("complaint", complaint)).status_code == 200
    assert client_for(app, "deakin").get(reply_url("complaint", complaint)).status_code == 200
    # Another division's coordinator does not see the case at all.
    assert client_for(app, "far").get(reply_url("complaint", complaint)).status_code == 404
    # A support agent has no complaints; a manager of other cases does not reach this one.
    assert client_for(app, "tan").get(reply_url("complaint", complaint)).status_code == 404
    assert client_for(app, "marsh").get(reply_url("ticket", complaint)).status_code == 404
    assert app.test_client().get(reply_url("complaint", complaint)).status_code == 302


@ONCE
def test_a_reviewer_replies_on_their_review_but_not_on_the_complaint_they_read(
    app, team, complaint
):
    from models import InternalReview

    complaint = db.session.get(Complaint, complaint.id)
    complaint.status = "finalised"
    complaint.finalised_at = NOW - timedelta(hours=10)
    review = InternalReview(
        complaint=complaint, reviewer=team.reviewer.participant, requested_at=NOW
    )
    db.session.add(review)
    db.session.commit()
    reviewer = client_for(app, "raman")
    assert reviewer.get(reply_url("complaint", complaint)).status_code == 403
    values, _ = open_form(reviewer, reply_url("internal_review", review))
    assert values["subject"] == f"Your internal review request {complaint.reference}"
    values.update(body="We have started the review.")
    assert reviewer.post(reply_url("internal_review", review), data=values).status_code == 302
    (reply,) = replies_of(internal_review_id=review.id)
    assert reply.recipient_role == rules.COMPLAINANT
    assert complaint.reference in reply.subject


@ONCE
def test_the_case_page_button_is_shown_only_to_those_who_may_reply(app, team, complaint):
    def link_for(username):
        user = db.session.scalar(select(User).filter_by(username=username))
        with app.test_request_context("/admin/"):
            login_user(user)
            return render_template("admin/_reply_link.html", model=complaint)

    assert "Reply to the complainant…" in link_for("marsh")
    assert reply_url("complaint", complaint) in link_for("marsh")
    assert "Reply" not in link_for("raman")
    assert "Reply" not in link_for("tan")


# --------------------------------------------------------------------- threading, sending


@pytest.fixture
def mail_app(app, mailbox):
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        MAIL_FROM=SENDER,
        PORTAL_URL="https://complaints.example.gov.au",
    )
    return app


def test_a_reply_threads_on_the_complainants_last_message_and_arrives_with_its_documents(
    mail_app, team, complaint, runner, mailbox
):
    person = db.session.get(Participant, complaint.complainant_id)
    inbound(
        complaint,
        person,
        message_id="<their-1@example.com>",
        subject="My complaint",
        received_at=NOW - timedelta(hours=5),
    )
    inbound(
        complaint,
        person,
        message_id="<their-2@example.com>",
        subject="Re: Your complaint",
        references_header="<outbox.1.abc@example.gov.au> <their-1@example.com>",
    )
    document = add_document(complaint, "receipt.pdf")
    manager = client_for(mail_app, "marsh")
    values, _ = open_form(manager, reply_url("complaint", complaint))
    assert values["subject"] == f"Re: Your complaint [{complaint.reference}]"
    values.update(body="Thank you for the receipt.", documents=[str(document.id)])
    assert manager.post(reply_url("complaint", complaint), data=values).status_code == 302
    (reply,) = replies_of()
    assert reply.in_reply_to == "<their-2@example.com>"
    assert reply.references_header == (
        "<outbox.1.abc@example.gov.au> <their-1@example.com> <their-2@example.com>"
    )
    # The registration email is queued too: both go.
    result = runner.invoke(args=["mail", "send-due", "--no-reminders"])
    assert result.exit_code == 0, result.output
    (message,) = [m for m in mailbox.to("sam@example.com") if m["In-Reply-To"]]
    assert message["Subject"] == f"Re: Your complaint [{complaint.reference}]"
    assert message["In-Reply-To"] == "<their-2@example.com>"
    assert message["References"].split() == reply.references_header.split()
    assert message["Auto-Submitted"] is None
    assert "Thank you for the receipt." in message.get_body(("plain",)).get_content()
    (part,) = list(message.iter_attachments())
    assert part.get_filename() == "receipt.pdf"
    assert part.get_content_type() == "application/pdf"
    assert part.get_content() == PDF
    assert replies_of()[0].status == rules.SENT


def test_a_reply_whose_document_has_gone_fails_with_the_reason(
    mail_app, team, complaint, runner, mailbox, folder
):
    document = add_document(complaint, "receipt.pdf")
    replies.queue_reply(db.session, complaint, team.manager, "Hello", "Words.", [document.id])
    db.session.commit()
    (folder / document.stored_name).unlink()
    runner.invoke(args=["mail", "send-due", "--no-reminders"])
    (reply,) = replies_of()
    assert reply.status == rules.FAILED
    assert "receipt.pdf is missing" in reply.last_error
    assert not [m for m in mailbox.to("sam@example.com") if "Hello" in m["Subject"]]


def test_a_complainant_without_email_gets_a_letter_to_post(app, team):
    person = Participant(kind="complainant", given_name="Jo", family_name="Post")
    complaint = team.complaint("registered", registered_at=NOW, complainant=person)
    replies.queue_reply(db.session, complaint, team.manager, "Your complaint", "Words.")
    db.session.commit()
    (reply,) = replies_of()
    assert reply.status == rules.NO_ADDRESS and reply.recipient_address is None
    assert any("to be printed and posted (no email address)" in s for s in history_of(complaint))


def test_a_ticket_reply_goes_to_its_contact_else_to_the_client_organisation(app, team):
    acme = Participant(kind="client", organisation_name="Acme Training", email="desk@acme.test")
    pat = Participant(
        kind="contact", given_name="Pat", family_name="Morgan", email="pat@acme.test"
    )
    ticket = Ticket(
        severity="2", summary="Slow reports", client=acme, contact=pat, reported_at=NOW
    )
    bare = Ticket(severity="3", summary="Typo", client=acme, reported_at=NOW)
    db.session.add_all([ticket, bare])
    db.session.commit()
    agent = client_for(app, "tan")
    values, page = open_form(agent, reply_url("ticket", ticket))
    assert "Reply to the client" in page
    assert values["subject"] == f"Your ticket {ticket.reference}"
    values.update(body="We are on it.")
    assert agent.post(reply_url("ticket", ticket), data=values).status_code == 302
    replies.queue_reply(db.session, bare, team.agent, "About the typo", "Fixed.")
    db.session.commit()
    to_pat, to_acme = replies_of()
    assert (to_pat.recipient_role, to_pat.recipient_address) == ("client_contact", "pat@acme.test")
    assert (to_acme.recipient_role, to_acme.recipient_address) == ("client", "desk@acme.test")
    assert to_acme.subject == f"About the typo [{bare.reference}]"
    assert f"Reply queued to the client: Your ticket {ticket.reference}" in history_of(ticket)


def test_thread_of_keeps_the_first_and_latest_ids_of_a_long_thread():
    ids = " ".join(f"<m{n}@example.com>" for n in range(40))
    message = InboundMessage(message_id="latest@example.com", references_header=ids)
    in_reply_to, references = replies.thread_of(message)
    assert in_reply_to == "<latest@example.com>"
    kept = references.split()
    assert len(kept) == replies.REFERENCES_KEPT
    assert kept[0] == "<m0@example.com>" and kept[-1] == "<latest@example.com>"


# ------------------------------------------------------------------------------ the API


def bearer(user) -> dict:
    from services import api_tokens

    issued = api_tokens.issue(db.session, user, "Replies")
    db.session.commit()
    return {"Authorization": f"Bearer {issued.secret}"}


def test_the_api_queues_a_reply_threaded_like_the_form(app, team, complaint, client):
    person = db.session.get(Participant, complaint.complainant_id)
    inbound(complaint, person, message_id="<their-9@example.com>", subject="Any news?")
    response = client.post(
        f"/api/v1/complaints/{complaint.reference}/replies",
        json={"body": "We expect to finish next week."},
        headers=bearer(team.manager),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    answer = response.get_json()
    assert answer["subject"] == f"Re: Any news? [{complaint.reference}]"
    assert answer["status"] == rules.QUEUED and answer["in_reply_to"] == "<their-9@example.com>"
    (reply,) = replies_of()
    assert reply.author_id == team.manager.id


@ONCE
def test_the_api_refuses_a_reply_in_words_and_saves_nothing(app, team, complaint, client):
    url = f"/api/v1/complaints/{complaint.reference}/replies"
    headers = bearer(team.manager)
    response = client.post(url, json={"body": "   "}, headers=headers)
    assert response.status_code == 422
    assert response.mimetype == "application/problem+json"
    assert "body is required and may not be blank" in response.get_json()["detail"]
    long = client.post(url, json={"subject": "x" * 295, "body": "Hello."}, headers=headers)
    assert long.status_code == 422
    detail = long.get_json()["detail"]
    assert "characters long with the reference" in detail and "Nothing was saved." in detail
    agent = client.post(url, json={"body": "Hello."}, headers=bearer(team.agent))
    assert agent.status_code == 403
    assert agent.mimetype == "application/problem+json"
    reader = client.post(url, json={"body": "Hello."}, headers=bearer(team.reviewer))
    assert reader.status_code == 403
    assert replies_of() == []
