"""Letters and reminders, end to end, with a real SMTP server on localhost (aiosmtpd).

Each letter is queued once whichever door moves the complaint (the registration form, a
workflow step, the ORM as the public lodgement form uses it); what it says; who may
receive a confidential complaint's correspondence; templates refused on save and
previewed; `flask mail send-due` with retries and failures; and two senders at once on
PostgreSQL sending each message exactly once.
"""

import threading
import time
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import select, update

from app import create_app
from models import (
    Complaint,
    HistoryEntry,
    InternalReview,
    MailTemplate,
    OutboundMessage,
    Outcome,
    Participant,
    Ticket,
    User,
    db,
    utcnow,
)
from rules import correspondence as rules
from rules.custody import ASSIGNMENT
from services import correspondence, custody
from tests.admin_forms import form_values
from tests.conftest import csrf_token, free_port
from tests.scoped_world import CHEAP_HASH
from tests.test_workflow_screens import Team, client_for, fill, fresh, press, text

# Screens and wording: the same on any database, so run once.
ONCE = pytest.mark.parametrize("database", ["sqlite"], indirect=True)
SENDER = "Customer Complaints <complaints@example.gov.au>"
# Monday 2 March 2026, 10:00 in Brisbane.
MONDAY = datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc)


@pytest.fixture
def mail_app(app, mailbox):
    app.config.update(
        MAIL_SERVER="127.0.0.1",
        MAIL_PORT=mailbox.port,
        MAIL_FROM=SENDER,
        PORTAL_URL="https://complaints.example.gov.au",
    )
    return app


@pytest.fixture(autouse=True)
def cheap_passwords(monkeypatch):
    """Accounts sign in with the usual password, hashed cheaply: these tests make many."""
    monkeypatch.setattr(
        User, "set_password", lambda user, password: setattr(user, "password_hash", CHEAP_HASH)
    )


@pytest.fixture
def team(make):
    return Team(make)


def outbox(**match):
    db.session.expire_all()
    return db.session.scalars(
        db.select(OutboundMessage).filter_by(**match).order_by(OutboundMessage.id)
    ).all()


def letters_of(complaint, key=None):
    rows = outbox(complaint_id=complaint.id)
    return [row for row in rows if key is None or row.template_key == key]


def history_summaries(record):
    db.session.expire_all()
    return [
        entry.summary
        for entry in db.session.scalars(
            db.select(HistoryEntry)
            .filter_by(record_type=type(record).__name__, record_id=record.id)
            .order_by(HistoryEntry.id)
        )
    ]


def send(runner, *args):
    return runner.invoke(args=["mail", "send-due", *args])


# --------------------------------------------------------------- queued once per door


def test_registering_through_the_form_queues_one_registration_email(app, team, auth, time_machine):
    time_machine.move_to(MONDAY + timedelta(hours=1), tick=False)
    complainant = team.make.complainant("Nguyen")
    db.session.commit()
    auth.login("coord")
    page = auth.client.get("/admin/complaint/new/").get_data(as_text=True)
    data = form_values(page)
    data.update(
        division=str(team.division.id),
        complainant=str(complainant.id),
        summary="Waited two hours at the counter",
        received_at="02/03/2026 09:00",
    )
    response = auth.client.post("/admin/complaint/new/", data=data, follow_redirects=True)
    assert "Registered CTS-2026-000001" in text(response)
    complaint = db.session.scalar(db.select(Complaint).filter_by(reference="CTS-2026-000001"))
    (letter,) = letters_of(complaint)
    assert letter.template_key == rules.REGISTERED
    assert letter.status == rules.QUEUED
    assert letter.recipient_address == "sam@example.com"
    assert letter.subject == "We have registered your complaint: CTS-2026-000001"
    assert "reference number CTS-2026-000001" in letter.body
    assert "Dear Sam Nguyen," in letter.body
    # The coordinator's save registered it: no second click, no second registration email.
    assert fresh(Complaint, complaint.id).status == "registered"
    coordinator = client_for(app, "coord")
    page = coordinator.get(f"/admin/complaint/details/?id={complaint.id}").get_data(as_text=True)
    assert "/transition/register/" not in page
    press(coordinator, "complaint", complaint, "acknowledge")
    assert [row.template_key for row in letters_of(complaint)] == [
        rules.REGISTERED,
        rules.ACKNOWLEDGED,
    ]


def test_a_complaint_made_through_the_orm_queues_its_registration_email_once(app, make):
    complaint = make.complaint(received_at=MONDAY)
    complaint.summary = "Edited afterwards"
    db.session.commit()
    complaint.status, complaint.registered_at = "registered", utcnow()
    db.session.commit()
    (letter,) = letters_of(complaint)
    assert letter.dedupe_key == f"complaint_registered:complaint:{complaint.id}"
    assert "received your complaint on Monday 2 March 2026" in letter.body


def test_the_acknowledge_step_queues_the_acknowledgement_email_once(app, team):
    complaint = team.complaint("registered", registered_at=utcnow())
    manager = client_for(app, "marsh")
    assert "It is now Acknowledged." in text(press(manager, "complaint", complaint, "acknowledge"))
    acknowledged = fresh(Complaint, complaint.id)
    (letter,) = letters_of(acknowledged, rules.ACKNOWLEDGED)
    assert letter.subject == f"We are looking into your complaint {complaint.reference}"
    assert "Alex Marsh is handling it" in letter.body
    due = rules.instant_in_words(acknowledged.resolution_due_at, "Australia/Brisbane")
    assert f"We aim to give you our response by {due}." in letter.body
    # Saved again (a note added, an officer changed): no second letter.
    acknowledged.description = "More detail"
    db.session.commit()
    assert len(letters_of(acknowledged, rules.ACKNOWLEDGED)) == 1


def test_finalising_queues_the_outcome_letter_with_the_review_options_and_window(app, team):
    complaint = team.complaint("decided", human_rights=True)
    decider = client_for(app, "deakin")
    response = fill(decider, "complaint", complaint, "finalise", outcome="partly_upheld")
    assert "It is now Finalised." in text(response)
    finalised = fresh(Complaint, complaint.id)
    (letter,) = letters_of(finalised, rules.OUTCOME)
    window = rules.day_in_words(finalised.review_request_due_at, "Australia/Brisbane")
    assert window and window in letter.body
    assert "Outcome: Partly upheld" in letter.body
    assert "ask us for an internal review" in letter.body
    assert f"that is by {window}, quoting {complaint.reference}" in letter.body
    assert "Queensland Human Rights Commissioner" in letter.body
    assert "Queensland Ombudsman" in letter.body
    # Signed by the decision maker; then the personal link and how to reach us.
    signed, _, footer = letter.body.partition("Yours sincerely,\nAlex Deakin\n")
    assert signed and "To contact us:\nPhone: 07 3000 0000" in footer


def test_the_outcome_letter_states_the_date_the_review_window_closes_in_words(app, make):
    app.config["MAIL_LETTER_MAX_AGE_DAYS"] = 100_000
    complaint = make.complaint(received_at=MONDAY - timedelta(days=30))
    complaint.status = "finalised"
    complaint.outcome = db.session.scalar(db.select(Outcome).filter_by(code="not_upheld"))
    complaint.outcome_reason = "The fee was set by regulation."
    complaint.finalised_at = MONDAY
    db.session.commit()
    (letter,) = letters_of(complaint, rules.OUTCOME)
    # 20 business days from Monday 2 March 2026 on the Queensland calendar.
    assert "that is by Monday 30 March 2026" in letter.body
    assert "Outcome: Not upheld" in letter.body
    assert "Our reasons: The fee was set by regulation." in letter.body
    assert "Human Rights Commissioner" not in letter.body


def test_a_reopened_complaint_finalised_again_gets_a_second_outcome_letter(app, make):
    complaint = make.complaint(status="decided")
    upheld = db.session.scalar(db.select(Outcome).filter_by(code="upheld"))
    complaint.status, complaint.outcome, complaint.finalised_at = "finalised", upheld, utcnow()
    db.session.commit()
    complaint.status, complaint.finalised_at = "decided", None
    db.session.commit()
    complaint.status, complaint.finalised_at = "finalised", utcnow() + timedelta(seconds=5)
    db.session.commit()
    assert len(letters_of(complaint, rules.OUTCOME)) == 2


def test_a_request_for_internal_review_is_registered_with_the_complainant(app, team):
    complaint = team.complaint("finalised", finalised_at=utcnow() - timedelta(days=3))
    review = InternalReview(complaint=complaint, requested_at=utcnow())
    db.session.add(review)
    db.session.commit()
    (letter,) = outbox(internal_review_id=review.id)
    assert letter.template_key == rules.REVIEW_REQUESTED
    assert letter.complaint_id == complaint.id
    assert letter.subject == (
        f"We have registered your request for an internal review: {complaint.reference}"
    )
    due = rules.instant_in_words(fresh(InternalReview, review.id).due_at, "Australia/Brisbane")
    assert f"We aim to tell you the result of the review by {due}." in letter.body
    review = fresh(InternalReview, review.id)
    custody.permit(db.session, review, ASSIGNMENT)  # as the assign reviewer step does
    review.reviewer = team.reviewer.participant
    db.session.commit()
    assert len(outbox(internal_review_id=review.id)) == 1


# Tuesday 14 April 2026, 10:00 in Brisbane: a review requested the week before is in hand.
REVIEW_DAY = datetime(2026, 4, 14, 0, 0, tzinfo=timezone.utc)


def review_in_progress(team, **complaint_values):
    complaint = team.complaint(
        "internal_review",
        outcome=db.session.scalar(db.select(Outcome).filter_by(code="not_upheld")),
        finalised_at=REVIEW_DAY - timedelta(days=10),
        decided_at=REVIEW_DAY - timedelta(days=10),
        decided_by=team.decision_maker,
        **complaint_values,
    )
    review = InternalReview(
        complaint=complaint,
        requested_at=REVIEW_DAY - timedelta(days=5),
        reviewer=team.reviewer.participant,
        status="in_progress",
    )
    db.session.add(review)
    db.session.commit()
    return complaint, review


def test_completing_a_review_finalises_the_complaint_and_writes_the_outcome(
    app, team, time_machine
):
    time_machine.move_to(REVIEW_DAY, tick=False)
    complaint, review = review_in_progress(team)
    reviewer = client_for(app, "raman")
    response = fill(
        reviewer,
        "internal_review",
        review,
        "complete",
        outcome="original_confirmed",
        findings="The complaint was handled fairly.",
    )
    assert "It is now Completed." in text(response)
    assert fresh(Complaint, complaint.id).status == "finalised"
    (letter,) = outbox(internal_review_id=review.id, template_key=rules.REVIEW_OUTCOME)
    assert letter.subject == (
        f"The result of the internal review of your complaint {complaint.reference}"
    )
    assert "Result of the review: Original decision confirmed" in letter.body
    assert "Findings: The complaint was handled fairly." in letter.body
    assert "The outcome of your complaint is: Not upheld" in letter.body
    assert "Queensland Ombudsman" in letter.body
    assert "Human Rights Commission" not in letter.body


def test_a_review_recorded_from_the_complaint_page_writes_the_same_letter(app, team, time_machine):
    time_machine.move_to(REVIEW_DAY, tick=False)
    complaint, review = review_in_progress(team, human_rights=True)
    reviewer = client_for(app, "raman")
    fill(
        reviewer,
        "complaint",
        complaint,
        "record_review_outcome",
        review_outcome="decision_changed",
        outcome="upheld",
        findings="The second letter was not considered.",
    )
    complaint = fresh(Complaint, complaint.id)
    assert complaint.status == "finalised"
    assert complaint.outcome.code == "upheld"
    assert fresh(InternalReview, review.id).status == "completed"
    (letter,) = outbox(internal_review_id=review.id, template_key=rules.REVIEW_OUTCOME)
    assert "Result of the review: Decision changed" in letter.body
    assert "The outcome of your complaint is: Upheld" in letter.body
    assert "Queensland Ombudsman" in letter.body
    assert "Queensland Human Rights Commission" in letter.body
    # The internal process is over: no second internal review of the same response.
    coordinator = client_for(app, "coord")
    page = coordinator.get(f"/admin/complaint/details/?id={complaint.id}").get_data(as_text=True)
    assert "/transition/request_internal_review/" not in page
    assert "/transition/request_external_review/" in page


def test_a_review_referred_back_goes_to_the_decision_maker_and_says_so(app, team, time_machine):
    time_machine.move_to(REVIEW_DAY, tick=False)
    complaint, review = review_in_progress(team)
    reviewer = client_for(app, "raman")
    fill(
        reviewer,
        "internal_review",
        review,
        "complete",
        outcome="referred_back",
        findings="The decision did not weigh the evidence.",
    )
    assert fresh(Complaint, complaint.id).status == "response_drafted"
    (letter,) = outbox(internal_review_id=review.id, template_key=rules.REVIEW_OUTCOME)
    assert "goes back to a decision maker for a fresh decision" in letter.body
    assert "Ombudsman" not in letter.body


def test_a_review_completed_by_a_direct_save_writes_the_letter_once(app, team, time_machine):
    time_machine.move_to(REVIEW_DAY, tick=False)
    complaint, review = review_in_progress(team)
    review.status, review.outcome = "completed", "original_confirmed"
    review.completed_at = utcnow()
    db.session.commit()
    review = fresh(InternalReview, review.id)
    review.findings = "Corrected later."
    db.session.commit()
    assert len(outbox(internal_review_id=review.id, template_key=rules.REVIEW_OUTCOME)) == 1


def test_the_template_screen_previews_the_review_outcome_letter_for_a_complaint(
    app, team, time_machine
):
    time_machine.move_to(REVIEW_DAY, tick=False)
    complaint, review = review_in_progress(team, human_rights=True)
    team.make.user("boss", "administrator")
    admin = client_for(app, "boss")
    url, data, _ = template_form(admin, rules.REVIEW_OUTCOME)
    data.update(preview_reference=complaint.reference, _preview="Preview")
    page = text(admin.post(url, data=data))
    assert f"Preview for {complaint.reference} (not saved)" in page
    assert "Queensland Human Rights Commission" in page
    assert "has no completed internal review: the review's result, findings and dates" in page


def test_mail_preview_prints_the_review_outcome_letter(app, team, runner, time_machine):
    time_machine.move_to(REVIEW_DAY, tick=False)
    complaint, review = review_in_progress(team, human_rights=True)
    args = ["mail", "preview", rules.REVIEW_OUTCOME, complaint.reference]
    result = runner.invoke(args=args)
    assert result.exit_code == 0, result.output
    assert f"internal review of your complaint {complaint.reference}" in result.output
    assert "Queensland Human Rights Commission" in result.output


def test_an_old_event_recorded_now_writes_to_nobody(app, make):
    """An import of a complaint finalised last year does not write to its complainant."""
    complaint = make.complaint(
        received_at=MONDAY - timedelta(days=400),
        registered_at=MONDAY - timedelta(days=399),
        status="registered",
    )
    assert letters_of(complaint) == []


def test_an_anonymous_complainant_gets_no_email_and_the_history_says_it_goes_by_post(app, make):
    anonymous = Participant(kind="complainant", given_name="Anonymous")
    complaint = make.complaint(complainant=anonymous)
    (letter,) = letters_of(complaint)
    assert letter.status == rules.NO_ADDRESS
    assert letter.recipient_address is None
    assert (
        "Registration email to be printed and sent by post: the complainant has no email "
        "address (anonymous, or none recorded)." in history_summaries(complaint)
    )
    complaint.status, complaint.registered_at = "registered", utcnow()
    db.session.commit()
    assert len(letters_of(complaint)) == 1
    assert sum("sent by post" in s for s in history_summaries(complaint)) == 1


# ------------------------------------------------------------------------ confidentiality


@pytest.mark.parametrize(
    "role, confidential, allowed",
    [
        ("complainant", True, True),
        ("complaint_manager", True, True),
        ("decision_maker", True, True),
        ("internal_reviewer", True, True),
        ("coordinator", True, False),
        ("support_agent", True, False),
        ("coordinator", False, True),
        ("somebody", False, False),
    ],
)
def test_a_confidential_complaints_correspondence_goes_only_to_its_own_people(
    role, confidential, allowed
):
    assert rules.may_receive(confidential=confidential, role=role) is allowed


def test_the_coordinator_is_not_reminded_of_a_confidential_complaint(app, make, team):
    coordinator = team.coordinator.participant
    open_one = team.complaint(
        "registered", registered_at=utcnow(), manager=None, coordinator=coordinator
    )
    secret = team.complaint(
        "registered",
        registered_at=utcnow(),
        manager=None,
        confidential=True,
        coordinator=coordinator,
    )
    later = fresh(Complaint, secret.id).acknowledgement_due_at + timedelta(hours=1)
    report = correspondence.queue_reminders(db.session, now=later)
    assert [m.recipient_role for m in outbox(template_key=rules.DUE_PASSED)] == ["coordinator"]
    assert outbox(template_key=rules.DUE_PASSED)[0].complaint_id == open_one.id
    assert report.nobody == 1
    assert correspondence.recipient_refusal(
        fresh(Complaint, secret.id), "coordinator", team.coordinator.participant_id
    ).startswith("The complaint is confidential")
    assert (
        correspondence.recipient_refusal(
            fresh(Complaint, secret.id), "complainant", secret.complainant_id
        )
        is None
    )


def test_a_message_to_someone_who_may_no_longer_receive_it_is_withheld_when_sent(
    mail_app, team, runner, mailbox
):
    complaint = team.complaint(
        "registered",
        registered_at=utcnow(),
        manager=None,
        coordinator=team.coordinator.participant,
    )
    due = fresh(Complaint, complaint.id).acknowledgement_due_at
    correspondence.queue_reminders(db.session, now=due + timedelta(minutes=5))
    (reminder,) = outbox(template_key=rules.DUE_PASSED)
    # Before the sender runs, the complainant asks that their details not be used.
    complaint = fresh(Complaint, complaint.id)
    complaint.confidential = True
    db.session.commit()
    result = send(runner, "--no-reminders")
    assert result.exit_code == 0, result.output
    assert "withheld: 1" in result.output
    db.session.refresh(reminder)
    assert reminder.status == rules.WITHHELD
    assert "confidential" in reminder.last_error
    assert mailbox.to(team.coordinator.participant.email) == []
    assert any("Overdue reminder withheld" in s for s in history_summaries(complaint))


def test_the_outbox_masks_a_confidential_complainants_letters_from_those_who_may_not_see(
    app, team, make
):
    make.user("boss", "administrator")
    secret = make.complainant("Secret")
    secret.email = "secret.person@example.com"
    complaint = team.complaint(confidential=True, complainant=secret)
    (letter,) = letters_of(complaint)
    admin = client_for(app, "boss")
    page = text(admin.get("/admin/outboundmessage/"))
    assert complaint.reference in page
    assert "secret.person@example.com" not in page
    assert "Confidential complainant" in page
    details = text(admin.get(f"/admin/outboundmessage/details/?id={letter.id}"))
    assert "Sam Secret" not in details and "secret.person" not in details
    found = text(admin.get("/admin/outboundmessage/?search=secret.person"))
    assert complaint.reference not in found
    coordinator = text(client_for(app, "coord").get("/admin/outboundmessage/"))
    assert "secret.person@example.com" in coordinator


def test_a_coordinator_sees_only_their_divisions_messages(app, team, make):
    other = make.complaint(division=make.division("Elsewhere"))
    mine = team.complaint()
    page = text(client_for(app, "coord").get("/admin/outboundmessage/"))
    assert mine.reference in page
    assert other.reference not in page
    (theirs,) = letters_of(other)
    response = client_for(app, "coord").get(f"/admin/outboundmessage/details/?id={theirs.id}")
    assert response.status_code == 404


# ---------------------------------------------------------------- templates and preview


def template_form(client, key):
    row = db.session.scalar(db.select(MailTemplate).filter_by(key=key))
    url = f"/admin/mailtemplate/edit/?id={row.id}"
    page = client.get(url)
    assert page.status_code == 200
    return url, form_values(page.get_data(as_text=True)), row


def test_an_administrator_rewords_a_template_and_new_letters_use_it(app, make):
    make.user("boss", "administrator")
    admin = client_for(app, "boss")
    url, data, row = template_form(admin, rules.REGISTERED)
    data["subject"] = "Reference {{ reference }}: we have your {{ kind }}"
    response = admin.post(url, data=data, follow_redirects=True)
    assert response.status_code == 200
    assert db.session.get(MailTemplate, row.id).subject.startswith("Reference {{ reference }}")
    complaint = make.complaint()
    (letter,) = letters_of(complaint)
    assert letter.subject == f"Reference {complaint.reference}: we have your complaint"


def test_templates_are_read_once_per_configuration_and_another_servers_rewording_is_used(
    app, make
):
    """The letter templates are kept with the configuration's stamp: a second letter reads
    no template, and a rewording saved by another app server's session gives a new stamp,
    so the next letter here uses it."""
    from sqlalchemy.orm import Session

    from tests.statements import statements_run

    make.complaint()
    db.session.commit()
    with statements_run() as seen:
        second = make.complaint()
    assert not [statement for statement, _ in seen if "mail_template" in statement], seen
    assert (
        letters_of(second)[0].subject == f"We have registered your complaint: {second.reference}"
    )
    db.session.commit()

    with Session(db.engine) as other:
        row = other.scalar(select(MailTemplate).filter_by(key=rules.REGISTERED))
        row.subject = "Registered as {{ reference }}"
        other.commit()
    third = make.complaint()
    (letter,) = letters_of(third)
    assert letter.subject == f"Registered as {third.reference}"


@ONCE
@pytest.mark.parametrize(
    "body, message",
    [
        ("Dear {{ complainant }}", "The body uses an unknown variable {{ complainant }}."),
        ("{{ reference.__class__.__mro__ }}", "The body tries something not allowed"),
        ("{% if reference %}unfinished", "The body cannot be read"),
        ("{{ outcome }}", "The body uses an unknown variable {{ outcome }}."),
    ],
)
def test_a_template_that_cannot_be_filled_in_is_refused_with_the_reason(app, make, body, message):
    make.user("boss", "administrator")
    admin = client_for(app, "boss")
    url, data, row = template_form(admin, rules.REGISTERED)
    data["body"] = body
    page = text(admin.post(url, data=data, follow_redirects=True))
    assert "The template was not saved." in page
    assert message in page
    assert body in page  # the input is kept
    db.session.expire_all()
    assert (
        db.session.get(MailTemplate, row.id).body == rules.DEFAULT_TEMPLATES[rules.REGISTERED][1]
    )


@ONCE
def test_the_preview_fills_in_the_typed_wording_for_a_chosen_case_without_saving(app, make):
    make.user("boss", "administrator")
    complaint = make.complaint(complainant=make.complainant("Okafor"))
    admin = client_for(app, "boss")
    url, data, row = template_form(admin, rules.REGISTERED)
    data.update(
        body="Hello {{ complainant_name }}, about {{ reference }}.",
        preview_reference=complaint.reference,
        _preview="Preview",
    )
    page = text(admin.post(url, data=data))
    assert f"Preview for {complaint.reference} (not saved)" in page
    assert f"Hello Sam Okafor, about {complaint.reference}." in page
    url, data, _ = template_form(admin, rules.OUTCOME)
    data.update(preview_reference=complaint.reference, _preview="Preview")
    page = text(admin.post(url, data=data))
    assert f"{complaint.reference} has not been finalised" in page
    url, data, _ = template_form(admin, rules.REGISTERED)
    data.update(body="Hello {{ complainant_name }}, about {{ reference }}.", _preview="1")
    data["preview_reference"] = ""
    page = text(admin.post(url, data=data))
    assert "Hello Sam Citizen, about CTS-2026-000123." in page  # the sample
    data["preview_reference"] = "CTS-1999-000001"
    page = text(admin.post(url, data=data))
    assert "There is no complaint or ticket with the reference CTS-1999-000001" in page
    db.session.expire_all()
    assert (
        db.session.get(MailTemplate, row.id).body == rules.DEFAULT_TEMPLATES[rules.REGISTERED][1]
    )


@ONCE
def test_only_administrators_edit_templates(app, team):
    coordinator = client_for(app, "coord")
    row = db.session.scalar(db.select(MailTemplate).filter_by(key=rules.OUTCOME))
    assert coordinator.get("/admin/mailtemplate/").status_code == 403
    assert coordinator.get(f"/admin/mailtemplate/edit/?id={row.id}").status_code == 403


def test_every_shipped_template_passes_its_own_check_and_the_seed_is_idempotent(app, make):
    from seed import reference

    for key, (subject, body) in rules.DEFAULT_TEMPLATES.items():
        rules.validate(key, subject, body)
    row = db.session.scalar(db.select(MailTemplate).filter_by(key=rules.OUTCOME))
    row.subject = "Changed by an administrator {{ reference }}"
    db.session.commit()
    reference.load()
    db.session.expire_all()
    assert db.session.scalar(db.select(db.func.count(MailTemplate.id))) == len(
        rules.TEMPLATE_NAMES
    )
    assert db.session.get(MailTemplate, row.id).subject.startswith("Changed by an administrator")


# -------------------------------------------------------------------------------- sending


def test_send_due_sends_each_queued_letter_once_and_records_it_on_the_case(
    mail_app, make, runner, mailbox
):
    complaint = make.complaint()
    result = send(runner)
    assert result.exit_code == 0, result.output
    assert "Sent: 1;" in result.output
    (message,) = mailbox.to("sam@example.com")
    (letter,) = letters_of(complaint)
    assert message["Subject"] == f"We have registered your complaint: {complaint.reference}"
    assert message["From"] == SENDER
    assert message["To"] == "Sam Citizen <sam@example.com>"
    assert message["Message-ID"] == correspondence.message_id(letter, SENDER)
    assert message["Message-ID"].endswith("@example.gov.au>")
    assert "reference number " + complaint.reference in message.get_content()
    assert letter.status == rules.SENT and letter.sent_at is not None
    assert (
        f"Registration email sent to the complainant at sam@example.com: {letter.subject}"
        in history_summaries(complaint)
    )
    again = send(runner)
    assert "Sent: 0;" in again.output
    assert len(mailbox.received) == 1


def test_a_temporary_refusal_is_retried_later_then_fails_after_the_last_attempt(
    mail_app, make, runner, mailbox
):
    mail_app.config.update(MAIL_MAX_ATTEMPTS=2, MAIL_RETRY_MINUTES=10)
    mailbox.refuse["sam@example.com"] = "451 4.3.0 Mailbox busy, try later"
    complaint = make.complaint()
    assert "to retry later: 1" in send(runner).output
    (letter,) = letters_of(complaint)
    assert letter.status == rules.QUEUED and letter.attempts == 1
    assert "451" in letter.last_error and "Mailbox busy" in letter.last_error
    assert letter.next_attempt_at >= utcnow() + timedelta(minutes=9)
    assert "Sent: 0; to retry later: 0" in send(runner).output  # not yet due again
    db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == letter.id)
        .values(next_attempt_at=utcnow())
    )
    db.session.commit()
    assert "failed: 1" in send(runner).output
    (letter,) = letters_of(complaint)
    assert letter.status == rules.FAILED and letter.attempts == 2
    assert mailbox.received == []


def test_a_permanent_refusal_fails_at_once_and_the_administrator_sends_it_again(
    mail_app, make, runner, mailbox
):
    make.user("boss", "administrator")
    mailbox.refuse["sam@example.com"] = "550 5.1.1 No such user"
    complaint = make.complaint()
    assert "failed: 1" in send(runner).output
    (letter,) = letters_of(complaint)
    assert letter.status == rules.FAILED and letter.attempts == 1
    assert "550" in letter.last_error and "No such user" in letter.last_error
    admin = client_for(mail_app, "boss")
    listing = admin.get("/admin/outboundmessage/?flt0_0=failed")
    page = text(listing)
    assert "No such user" in page
    # The address is corrected in the register, then the message is sent again.
    del mailbox.refuse["sam@example.com"]
    response = admin.post(
        "/admin/outboundmessage/action/",
        data={
            "action": "retry",
            "rowid": [str(letter.id)],
            "csrf_token": csrf_token(listing.get_data(as_text=True)),
        },
        follow_redirects=True,
    )
    assert "1 failed message queued to be sent again." in text(response)
    assert "Sent: 1;" in send(runner).output
    assert len(mailbox.to("sam@example.com")) == 1


@ONCE
def test_an_unreachable_mail_server_stops_the_run_and_keeps_the_messages(
    mail_app, make, runner, mailbox
):
    mail_app.config["MAIL_PORT"] = free_port()  # nothing listens there
    complaint = make.complaint()
    result = send(runner)
    assert result.exit_code == 1
    assert "Stopped early: The mail server could not be reached" in result.output
    (letter,) = letters_of(complaint)
    assert letter.status == rules.QUEUED and letter.attempts == 1


@ONCE
def test_without_mail_settings_nothing_is_sent_and_the_run_says_why(app, make, runner):
    complaint = make.complaint()
    result = send(runner)
    assert result.exit_code == 2
    assert "Mail is not configured: set MAIL_SERVER" in result.output
    assert letters_of(complaint)[0].status == rules.QUEUED


def test_a_sender_killed_mid_batch_leaves_nothing_for_a_person_to_do(
    mail_app, make, runner, mailbox
):
    """A sender that took 10 messages and died after handing the first to the mail server:
    once its lease lapses, the next run takes all 10 over by itself; a live sender's recent
    claim is left alone."""
    for _ in range(11):
        make.complaint()
    letters = db.session.scalars(select(OutboundMessage).order_by(OutboundMessage.id)).all()
    assert len(letters) == 11
    dead, alive = letters[:10], letters[10]
    db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id.in_([m.id for m in dead]))
        .values(status="sending", claimed_by="gone:1", claimed_at=utcnow() - timedelta(minutes=6))
    )
    db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == alive.id)
        .values(status="sending", claimed_by="busy:2", claimed_at=utcnow() - timedelta(minutes=1))
    )
    db.session.commit()
    result = send(runner)
    assert result.exit_code == 0, result.output
    assert "Sent: 10;" in result.output
    assert "Taken over from a sender that stopped: 10" in result.output
    assert "Warning" not in result.output
    assert len(mailbox.received) == 10
    db.session.expire_all()
    for message in dead:
        message = db.session.get(OutboundMessage, message.id)
        assert message.status == rules.SENT and "taken over" in message.last_error
    still = db.session.get(OutboundMessage, alive.id)
    assert still.status == "sending" and still.claimed_by == "busy:2"


def test_a_message_left_sending_can_be_queued_again_at_once_on_request(
    mail_app, make, runner, mailbox
):
    complaint = make.complaint()
    (letter,) = letters_of(complaint)
    db.session.execute(
        update(OutboundMessage)
        .where(OutboundMessage.id == letter.id)
        .values(status="sending", claimed_by="gone:1", claimed_at=utcnow() - timedelta(hours=1))
    )
    db.session.commit()
    result = send(runner, "--requeue-stuck", "--limit", "1")
    assert "Queued again after their sender stopped: 1." in result.output
    assert "Sent: 1;" in result.output
    assert len(mailbox.received) == 1


def test_a_sender_renews_its_lease_on_what_it_still_holds(mail_app, make, mailbox):
    """Each message sent renews the claim on the rest, so a long batch on a slow mail server
    is never taken over from a sender still working through it."""
    from services.correspondence import sending

    for _ in range(3):
        make.complaint()
    ids = sending.claim(db.session, "me:1", 3, utcnow())
    assert len(ids) == 3
    db.session.execute(update(OutboundMessage).values(claimed_at=utcnow() - timedelta(minutes=30)))
    db.session.commit()
    # Another sender finds them lapsed, unless renewed:
    sending.renew(db.session, "me:1", ids[1:], utcnow())
    assert sending.claim(db.session, "other:2", 3, utcnow()) == [ids[0]]
    sending.renew(db.session, "other:2", ids[1:], utcnow())  # not its own: no effect
    db.session.expire_all()
    held = {m.id: m.claimed_by for m in db.session.scalars(select(OutboundMessage))}
    assert held == {ids[0]: "other:2", ids[1]: "me:1", ids[2]: "me:1"}


@ONCE
def test_send_due_honours_its_limit(mail_app, make, runner, mailbox):
    for _ in range(3):
        make.complaint()
    assert "Sent: 2;" in send(runner, "--limit", "2").output
    assert "Sent: 1;" in send(runner).output
    assert len(mailbox.received) == 3


@ONCE
def test_mail_preview_prints_a_letter_for_a_case(app, make, runner):
    complaint = make.complaint()
    result = runner.invoke(args=["mail", "preview", rules.REGISTERED, complaint.reference])
    assert result.exit_code == 0
    assert f"Subject: We have registered your complaint: {complaint.reference}" in result.output
    result = runner.invoke(args=["mail", "preview", rules.REGISTERED, "CTS-1999-000009"])
    assert result.exit_code == 2
    assert "There is no complaint or ticket with the reference CTS-1999-000009" in result.output


def test_mail_preview_of_a_reminder_names_the_cases_own_officer_and_due_instant(app, team, runner):
    ticket = Ticket(
        severity="1",
        summary="Portal down",
        client=Participant(kind="client_organisation", organisation_name="Acme Training"),
        agent=team.agent.participant,
        reported_at=MONDAY,
    )
    db.session.add(ticket)
    db.session.commit()
    result = runner.invoke(args=["mail", "preview", rules.DUE_REMINDER, ticket.reference])
    assert result.exit_code == 0, result.output
    assert f"Dear {team.agent.participant.display_name}," in result.output
    assert f"As support agent of ticket {ticket.reference}" in result.output
    due = fresh(Ticket, ticket.id).first_response_due_at
    words = rules.instant_in_words(due, "Australia/Melbourne")
    assert f"First response: due {words}" in result.output


# ------------------------------------------------------------------------------ reminders


def test_the_manager_is_reminded_before_a_due_instant_and_when_it_passes_once_each(
    mail_app, team, runner, mailbox
):
    complaint = team.complaint("registered", registered_at=MONDAY)
    due = fresh(Complaint, complaint.id).acknowledgement_due_at
    # Five business hours before: within the default lead of 8.
    before = due - timedelta(hours=5)
    for _ in range(2):
        report = correspondence.queue_reminders(db.session, now=before)
    (soon,) = outbox(template_key=rules.DUE_REMINDER)
    assert report.queued == 0  # the second run found it already queued
    assert soon.recipient_role == "complaint_manager"
    assert soon.recipient_address == team.manager.participant.email
    assert "Complainant acknowledged: due 5:00 pm on Monday 9 March 2026" in soon.body
    assert "5 business hours left" in soon.body
    assert f"https://complaints.example.gov.au/admin/complaint/details/?id={complaint.id}" in (
        soon.body
    )
    correspondence.queue_reminders(db.session, now=due + timedelta(minutes=1))
    correspondence.queue_reminders(db.session, now=due + timedelta(hours=2))
    (passed,) = outbox(template_key=rules.DUE_PASSED)
    assert passed.subject == f"Overdue: Complainant acknowledged for {complaint.reference}"
    result = send(runner, "--no-reminders")
    assert "Sent: 2;" in result.output
    received = mailbox.to(team.manager.participant.email)
    assert len(received) == 2
    assert all(message["Auto-Submitted"] == "auto-generated" for message in received)
    assert any(
        "Due-date reminder sent to Alex Marsh, complaint manager" in s
        for s in history_summaries(complaint)
    )


def test_a_due_instant_too_far_ahead_or_long_past_is_not_reminded(app, team):
    complaint = team.complaint("registered", registered_at=MONDAY)
    due = fresh(Complaint, complaint.id).acknowledgement_due_at
    assert correspondence.queue_reminders(db.session, now=due - timedelta(days=3)).queued == 0
    assert correspondence.queue_reminders(db.session, now=due + timedelta(days=30)).queued == 0
    assert outbox(complaint_id=complaint.id, template_key=rules.DUE_PASSED) == []


def test_a_recomputed_due_instant_gets_a_reminder_of_its_own(app, team):
    complaint = team.complaint("registered", registered_at=MONDAY)
    due = fresh(Complaint, complaint.id).acknowledgement_due_at
    correspondence.queue_reminders(db.session, now=due + timedelta(minutes=1))
    complaint = fresh(Complaint, complaint.id)
    complaint.registered_at = MONDAY + timedelta(days=1)  # corrected: the clock restarts
    db.session.commit()
    new_due = fresh(Complaint, complaint.id).acknowledgement_due_at
    assert new_due != due
    correspondence.queue_reminders(db.session, now=new_due + timedelta(minutes=1))
    assert len(outbox(complaint_id=complaint.id, template_key=rules.DUE_PASSED)) == 2


def test_a_paused_or_closed_case_is_not_reminded(app, team):
    waiting = team.complaint("registered", registered_at=MONDAY)
    waiting = fresh(Complaint, waiting.id)
    due = waiting.acknowledgement_due_at
    waiting.status = "awaiting_complainant"
    db.session.commit()
    correspondence.queue_reminders(db.session, now=due + timedelta(minutes=1))
    assert outbox(template_key=rules.DUE_PASSED) == []


def test_the_agent_of_a_ticket_and_the_reviewer_of_a_review_are_reminded(app, team):
    ticket = Ticket(
        severity="1",
        summary="Portal down",
        client=Participant(kind="client_organisation", organisation_name="Acme Training"),
        agent=team.agent.participant,
        reported_at=MONDAY,
    )
    complaint = team.complaint("finalised", finalised_at=MONDAY - timedelta(days=2))
    review = InternalReview(
        complaint=complaint, reviewer=team.reviewer.participant, requested_at=MONDAY
    )
    db.session.add_all([ticket, review])
    db.session.commit()
    first_response_due = fresh(Ticket, ticket.id).first_response_due_at
    correspondence.queue_reminders(db.session, now=first_response_due + timedelta(minutes=1))
    (to_agent,) = outbox(ticket_id=ticket.id, template_key=rules.DUE_PASSED)
    assert to_agent.recipient_role == "support_agent"
    assert "First response" in to_agent.body
    review_due = fresh(InternalReview, review.id).due_at
    correspondence.queue_reminders(db.session, now=review_due + timedelta(minutes=1))
    (to_reviewer,) = outbox(internal_review_id=review.id, template_key=rules.DUE_PASSED)
    assert to_reviewer.recipient_role == "internal_reviewer"
    assert f"internal review {complaint.reference}" in to_reviewer.body


# --------------------------------------------------------------- exactly once, in parallel

SENDERS = 2
MESSAGES = 200


@pytest.mark.postgres_only
@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
def test_two_senders_at_once_send_each_message_exactly_once(mail_app, make, mailbox):
    division = make.home_division()
    for n in range(MESSAGES):
        person = Participant(
            kind="complainant",
            given_name="Person",
            family_name=str(n),
            email=f"person{n}@example.com",
        )
        db.session.add(
            Complaint(
                summary=f"Complaint {n}", division=division, received_at=MONDAY, complainant=person
            )
        )
    db.session.commit()
    assert len(outbox(status=rules.QUEUED)) == MESSAGES  # each one's registration email

    senders_app = create_app(
        {
            "TESTING": True,
            "DATABASE_URL": mail_app.config["SQLALCHEMY_DATABASE_URI"],
            "SECRET_KEY": "tests-only",
            "MAIL_SERVER": "127.0.0.1",
            "MAIL_PORT": mailbox.port,
            "MAIL_FROM": SENDER,
        }
    )
    start = threading.Barrier(SENDERS)
    reports, errors = [], []

    def sender(name):
        try:
            with senders_app.app_context():
                start.wait(timeout=30)
                reports.append(correspondence.send_due(db.session, worker=name))
        except BaseException as error:  # noqa: BLE001 - handed to the main thread
            errors.append(error)
            start.abort()

    threads = [
        threading.Thread(target=sender, args=(f"sender-{n}",), daemon=True) for n in range(SENDERS)
    ]
    began = time.monotonic()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=max(1, 120 - (time.monotonic() - began)))
    with senders_app.app_context():
        db.engine.dispose()

    assert not [t for t in threads if t.is_alive()], "senders still running after 120 s"
    assert errors == []
    delivered = sorted(rcpt for rcpts, _ in mailbox.received for rcpt in rcpts)
    assert delivered == sorted(f"person{n}@example.com" for n in range(MESSAGES))
    assert len({message["Message-ID"] for _, message in mailbox.received}) == MESSAGES
    assert sum(report.sent for report in reports) == MESSAGES
    assert all(report.sent > 0 for report in reports), "one sender did all the work"
    db.session.expire_all()
    statuses = db.session.scalars(db.select(OutboundMessage.status)).all()
    assert statuses == [rules.SENT] * MESSAGES
    senders = set(db.session.scalars(db.select(OutboundMessage.claimed_by)))
    assert senders == {"sender-0", "sender-1"}


def test_a_letters_link_to_the_case_never_takes_the_host_a_request_names(app):
    from services.correspondence.letters import portal_link

    with app.test_request_context("/", headers={"Host": "attacker.example"}):
        app.config["PORTAL_URL"] = None
        assert portal_link("complaint", 7) == "/admin/complaint/details/?id=7"
        app.config["PORTAL_URL"] = "https://complaints.example.gov.au/"
        assert portal_link("complaint", 7) == (
            "https://complaints.example.gov.au/admin/complaint/details/?id=7"
        )
