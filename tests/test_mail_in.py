"""Mail coming in: new mail becomes cases, replies thread onto theirs only from the person
the case belongs to, everything else waits for triage, automatic mail and loops create
nothing, malformed mail is quarantined, and the same message is stored once."""

import gc
import threading
import weakref

from sqlalchemy import func, select

from models import (
    Attachment,
    Complaint,
    HistoryEntry,
    InboundMessage,
    OutboundMessage,
    Participant,
    Ticket,
    db,
)
from rules import correspondence as letters
from rules import mail_in as rules
from services.mail_in import ingest as mail_ingest
from tests import mail_in_world
from tests.mail_in_world import (
    HELPDESK,
    NOW,
    attachments_of,
    client_with_contact,
    files_in,
    history_of,
    inbound,
    letters_to,
    our_message_id,
    receive,
    ticket_for,
)
from tests.mail_samples import PNG_PIXEL, out_of_office, plain_message, reply_to

# The fixtures this module uses, from tests/mail_in_world.py.
fixed_now = mail_in_world.fixed_now
folder = mail_in_world.folder
intake = mail_in_world.intake


def registration_letter(complaint) -> OutboundMessage:
    return db.session.scalar(
        select(OutboundMessage).where(
            OutboundMessage.complaint_id == complaint.id,
            OutboundMessage.template_key == letters.REGISTERED,
        )
    )


def test_new_mail_becomes_an_unregistered_complaint_in_the_intake_division(
    app, intake, folder, fixed_now
):
    with app.app_context():
        result = receive(app, folder, plain_message())
        assert result.status == rules.CREATED and not result.duplicate
        complaint = db.session.get(Complaint, result.case.id)
        assert complaint.division.code == "CS"
        assert complaint.status == "received" and complaint.registered_at is None
        assert complaint.channel.code == "email"
        assert complaint.summary == "The bins were not collected"
        assert "three weeks" in complaint.description
        assert complaint.reference.startswith("CTS-")
        assert complaint.registration_due_at is not None
        person = complaint.complainant
        assert (person.given_name, person.family_name, person.email) == (
            "Pat",
            "Citizen",
            "pat@example.org",
        )
        # The registration letter goes to the sender, as for an online lodgement.
        (letter,) = letters_to("pat@example.org")
        assert letter.template_key == letters.REGISTERED
        row = inbound("<first.1@example.org>")
        assert (row.status, row.complaint_id) == ("created", complaint.id)
        assert row.mailbox == "complaints"
        assert row.raw_stored_name is None
        assert any(
            e.action == "email_received" and "Pat Citizen <pat@example.org>" in e.summary
            for e in history_of(complaint)
        )


def test_an_existing_complainant_is_matched_by_address_whatever_its_case(
    app, make, intake, folder, fixed_now
):
    with app.app_context():
        earlier = make.complaint()
        person_id = earlier.complainant_id
        people = db.session.scalar(select(func.count(Participant.id)))
        result = receive(app, folder, plain_message(sender="Sam <SAM@Example.COM>"))
        assert result.case.complainant_id == person_id
        assert db.session.scalar(select(func.count(Participant.id))) == people


def test_a_message_without_a_subject_is_summarised_as_no_subject(app, intake, folder, fixed_now):
    with app.app_context():
        result = receive(app, folder, plain_message(subject=""))
        assert result.case.summary == "(no subject)"


def test_a_reply_threads_by_our_message_id_and_keeps_its_attachments(
    app, make, intake, folder, fixed_now
):
    with app.app_context():
        manager = make.staff("Manager")
        complaint = make.complaint(manager=manager)
        letter = registration_letter(complaint)
        raw = reply_to(our_message_id(letter), sender="Sam Citizen <sam@example.com>")
        result = receive(app, folder, raw)
        assert result.status == rules.FILED and result.case.id == complaint.id
        row = inbound(result.message_id)
        assert row.complaint_id == complaint.id and row.status == "filed"
        kept = attachments_of(complaint)
        # The inline image and the attachment, each a PNG checked by its content.
        assert len(kept) == 2 and "receipt.png" in {a.original_filename for a in kept}
        assert all(a.inbound_message_id == row.id and a.content_type == "image/png" for a in kept)
        assert len(files_in(folder)) == 2  # the parts; the raw is not kept once filed
        (told,) = db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.template_key == letters.REPLY_RECEIVED)
        ).all()
        assert told.participant_id == manager.id and told.recipient_role == "complaint_manager"
        assert told.subject == f"A reply arrived on {complaint.reference}"
        assert f"/admin/complaint/details/?id={complaint.id}" in told.body
        (entry,) = [e for e in history_of(complaint) if e.action == "email_received"]
        assert entry.summary.startswith("Email from Sam Citizen <sam@example.com> received: Re:")


def test_a_forged_message_id_of_ours_threads_nothing(app, make, intake, folder, fixed_now):
    with app.app_context():
        complaint = make.complaint()
        letter = registration_letter(complaint)
        forged = f"<outbox.{letter.id}.0123456789abcdef@complaints.example.gov.au>"
        result = receive(app, folder, reply_to(forged, sender="sam@example.com"))
        assert result.status == rules.CREATED and result.case.id != complaint.id


def test_a_reply_by_the_reference_in_the_subject_from_the_complainant_is_filed(
    app, make, intake, folder, fixed_now
):
    with app.app_context():
        complaint = make.complaint()
        raw = plain_message(sender="sam@example.com", subject=f"About [{complaint.reference}]")
        result = receive(app, folder, raw)
        assert result.status == rules.FILED and result.case.id == complaint.id


def test_a_spoofed_reference_of_a_confidential_complaint_goes_to_triage_and_leaks_nothing(
    app, make, intake, folder, fixed_now
):
    with app.app_context():
        manager = make.staff("Manager")
        complaint = make.complaint(confidential=True, manager=manager)
        before_history = len(history_of(complaint))
        before_outbox = db.session.scalar(select(func.count(OutboundMessage.id)))
        raw = plain_message(
            sender="Mallory <mallory@evil.example>",
            subject=f"Re: {complaint.reference} what is the status?",
            message_id="<spoof.1@evil.example>",
        )
        result = receive(app, folder, raw)
        assert result.status == rules.TRIAGE and result.case is None
        row = inbound("<spoof.1@evil.example>")
        assert row.claimed_reference == complaint.reference
        assert row.complaint_id is None and row.raw_stored_name
        assert "mallory@evil.example" in row.reason and "not the complainant" in row.reason
        assert letters_to("mallory@evil.example") == []
        assert db.session.scalar(select(func.count(OutboundMessage.id))) == before_outbox
        assert len(history_of(complaint)) == before_history
        assert db.session.scalar(select(func.count(Complaint.id))) == 1


def test_a_reference_that_is_not_in_the_register_goes_to_triage(app, intake, folder, fixed_now):
    with app.app_context():
        result = receive(app, folder, plain_message(subject="Re: CTS-2026-999999"))
        assert result.status == rules.TRIAGE
        assert "not a case in the register" in result.reason


def test_mail_to_the_help_desk_becomes_a_ticket_for_the_client_of_the_senders_domain(
    app, make, folder, fixed_now
):
    with app.app_context():
        client, contact = client_with_contact(make)
        raw = plain_message(sender="Robin <ROBIN@acme.example>", subject="Cannot sign in")
        result = receive(app, folder, raw, mailbox=HELPDESK)
        assert result.status == rules.CREATED
        ticket = db.session.get(Ticket, result.case.id)
        assert (ticket.client_id, ticket.contact_id) == (client.id, contact.id)
        assert ticket.severity == "3b" and ticket.channel.code == "email"
        assert ticket.reference.startswith("TKT-")
        other = receive(
            app,
            folder,
            plain_message(sender="kim@acme.example", message_id="<kim.1@acme.example>"),
            mailbox=HELPDESK,
        )
        assert other.case.client_id == client.id and other.case.contact_id is None


def test_help_desk_mail_from_an_unknown_domain_goes_to_triage(app, make, folder, fixed_now):
    with app.app_context():
        client_with_contact(make)
        result = receive(app, folder, plain_message(), mailbox=HELPDESK)
        assert result.status == rules.TRIAGE
        assert result.reason == "No client organisation has the domain example.org."
        assert db.session.scalar(select(func.count(Ticket.id))) == 0


def test_a_reply_from_the_client_contact_resumes_a_ticket_waiting_on_the_client(
    app, make, folder, fixed_now
):
    with app.app_context():
        agent = make.staff("Agent")
        client, contact = client_with_contact(make)
        ticket = ticket_for(client, contact, agent=agent, status="in_progress")
        ticket.status = "waiting_on_client"
        db.session.commit()
        assert ticket.paused_since is not None
        raw = plain_message(sender="robin@acme.example", subject=f"Re: {ticket.reference}")
        result = receive(app, folder, raw, mailbox=HELPDESK)
        assert result.status == rules.FILED
        db.session.refresh(ticket)
        assert ticket.status == "in_progress" and ticket.paused_since is None
        entries = history_of(ticket)
        assert any(e.action == "resume" for e in entries)
        (note,) = [e for e in entries if e.action == "email_received"]
        assert "its clock resumed" in note.summary
        (told,) = db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.template_key == letters.REPLY_RECEIVED)
        ).all()
        assert told.participant_id == agent.id and "clock has resumed" in told.body


def test_a_reply_from_someone_else_does_not_resume_the_clock(app, make, folder, fixed_now):
    with app.app_context():
        client, contact = client_with_contact(make)
        ticket = ticket_for(client, contact, status="in_progress")
        ticket.status = "waiting_on_client"
        db.session.commit()
        raw = plain_message(sender="someone@else.example", subject=f"Re: {ticket.reference}")
        assert receive(app, folder, raw, mailbox=HELPDESK).status == rules.TRIAGE
        db.session.refresh(ticket)
        assert ticket.status == "waiting_on_client"


def test_automatic_mail_and_our_own_mail_create_nothing(app, intake, folder, fixed_now):
    with app.app_context():
        first = receive(app, folder, out_of_office())
        assert first.status == rules.IGNORED and first.case is None
        loop = receive(
            app,
            folder,
            plain_message(
                sender="complaints@complaints.example.gov.au", message_id="<loop.1@x.example>"
            ),
        )
        assert loop.status == rules.IGNORED
        assert db.session.scalar(select(func.count(Complaint.id))) == 0
        assert db.session.scalar(select(func.count(OutboundMessage.id))) == 0
        assert files_in(folder) == []


def test_an_oversized_message_is_quarantined_with_its_raw_bytes_and_nothing_else(
    app, intake, folder, fixed_now
):
    with app.app_context():
        raw = plain_message(body="x" * 5000 + "\n")
        result = receive(app, folder, raw, max_bytes=1000)
        assert result.status == rules.QUARANTINED and result.reason
        row = db.session.get(InboundMessage, result.inbound_id)
        assert row.message_id.startswith("<sha256.")
        assert (folder / row.raw_stored_name).read_bytes() == raw
        assert db.session.scalar(select(func.count(Complaint.id))) == 0


def test_a_part_that_fails_the_document_checks_is_not_kept_and_the_reason_says_which(
    app, make, intake, folder, fixed_now
):
    with app.app_context():
        complaint = make.complaint()
        letter = registration_letter(complaint)
        raw = reply_to(
            our_message_id(letter),
            sender="sam@example.com",
            html=False,
            attachment=("invoice.pdf", "application/pdf", b"MZ this is a program"),
        )
        result = receive(app, folder, raw)
        assert result.status == rules.FILED
        assert "invoice.pdf" in result.reason
        assert attachments_of(complaint) == []
        (entry,) = [e for e in history_of(complaint) if e.action == "email_received"]
        assert "invoice.pdf" in entry.summary


def test_the_same_message_twice_is_stored_once(app, intake, folder, fixed_now):
    with app.app_context():
        first = receive(app, folder, plain_message())
        again = receive(app, folder, plain_message())
        assert again.duplicate and again.inbound_id == first.inbound_id
        assert db.session.scalar(select(func.count(InboundMessage.id))) == 1
        assert db.session.scalar(select(func.count(Complaint.id))) == 1


class Cycle:
    """Garbage only a full collection frees: it refers to itself."""

    def __init__(self):
        self.me = self


def test_a_long_run_of_messages_frees_what_reference_cycles_hold(
    app, intake, folder, fixed_now, monkeypatch
):
    """What a message leaves in reference cycles and Python would free only at its rare
    full collections is freed every COLLECT_EVERY messages: a long fetch stays flat."""
    monkeypatch.setattr(mail_ingest, "COLLECT_EVERY", 3)
    with app.app_context():
        cycle = Cycle()
        left = weakref.ref(cycle)
        gc.collect()  # it lives through a full collection: in the oldest generation now
        del cycle
        assert left() is not None  # unreachable, and waiting for the next full collection
        for number in range(3):
            receive(app, folder, plain_message(message_id=f"<cycle.{number}@example.org>"))
        assert left() is None


def test_two_fetchers_at_once_store_a_message_once(app, intake, folder, fixed_now):
    raw = plain_message(message_id="<race.1@example.org>")
    results, errors = [], []
    barrier = threading.Barrier(2)

    def fetch():
        with app.app_context():
            try:
                barrier.wait(timeout=10)
                results.append(receive(app, folder, raw))
            except Exception as error:  # pragma: no cover - reported below
                errors.append(error)
            finally:
                db.session.remove()

    threads = [threading.Thread(target=fetch) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert errors == []
    assert sorted(r.duplicate for r in results) == [False, True]
    with app.app_context():
        assert db.session.scalar(select(func.count(InboundMessage.id))) == 1
        assert db.session.scalar(select(func.count(Complaint.id))) == 1
        assert db.session.scalar(select(func.count(Attachment.id))) == 0
        assert db.session.scalar(select(func.count(HistoryEntry.id))) >= 1
    assert NOW and PNG_PIXEL


def test_the_complainants_reply_resumes_a_complaint_waiting_on_them_and_the_manager_is_told(
    app, make, intake, folder, fixed_now
):
    from rules import workflow
    from services import steps

    with app.app_context():
        manager = make.staff("Manager")
        complaint = make.complaint(manager=manager)
        coordinator = workflow.Actor(user_id=None, capacities=frozenset({"administrator"}))
        steps.COMPLAINT_STEPS.take("register", complaint, {}, coordinator, NOW)
        db.session.commit()
        steps.COMPLAINT_STEPS.take("wait_on_complainant", complaint, {}, coordinator, NOW)
        db.session.commit()
        assert complaint.status == "awaiting_complainant" and complaint.paused_since
        letter = registration_letter(complaint)
        result = receive(app, folder, reply_to(our_message_id(letter), sender="sam@example.com"))
        assert result.status == rules.FILED
        db.session.refresh(complaint)
        assert complaint.status == "registered" and complaint.paused_since is None
        (resumed,) = [e for e in history_of(complaint) if e.action == "resume"]
        (note,) = [e for e in history_of(complaint) if e.action == "email_received"]
        assert "waiting on this reply: its clock resumed" in note.summary
        (told,) = db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.template_key == letters.REPLY_RECEIVED)
        ).all()
        assert told.participant_id == manager.id and "clock has resumed" in told.body


def test_a_pause_status_that_does_not_resume_on_reply_keeps_the_clock_paused(
    app, make, folder, fixed_now
):
    from models import PauseStatus

    with app.app_context():
        pause = db.session.scalar(
            select(PauseStatus).where(
                PauseStatus.case_type == "ticket", PauseStatus.status == "waiting_on_client"
            )
        )
        pause.resume_on_reply = False
        client, contact = client_with_contact(make)
        ticket = ticket_for(client, contact, status="in_progress")
        ticket.status = "waiting_on_client"
        db.session.commit()
        raw = plain_message(sender="robin@acme.example", subject=f"Re: {ticket.reference}")
        assert receive(app, folder, raw, mailbox=HELPDESK).status == rules.FILED
        db.session.refresh(ticket)
        assert ticket.status == "waiting_on_client"


def test_a_reply_to_an_internal_review_letter_is_filed_on_the_review(
    app, make, intake, folder, fixed_now
):
    from models import InternalReview

    with app.app_context():
        complaint = make.complaint()
        review = InternalReview(complaint=complaint, status="requested", requested_at=NOW)
        db.session.add(review)
        db.session.commit()
        letter = db.session.scalar(
            select(OutboundMessage).where(OutboundMessage.internal_review_id == review.id)
        )
        result = receive(app, folder, reply_to(our_message_id(letter), sender="sam@example.com"))
        assert result.status == rules.FILED
        row = inbound(result.message_id)
        assert (row.internal_review_id, row.complaint_id) == (review.id, None)


def test_a_confidential_complainants_reply_is_filed_without_their_address_in_the_history(
    app, make, intake, folder, fixed_now
):
    with app.app_context():
        complaint = make.complaint(confidential=True)
        raw = plain_message(sender="Sam <sam@example.com>", subject=f"Re: {complaint.reference}")
        assert receive(app, folder, raw).status == rules.FILED
        (entry,) = [e for e in history_of(complaint) if e.action == "email_received"]
        assert entry.summary.startswith("Email from the complainant received:")
        assert all("sam@example.com" not in e.summary for e in history_of(complaint))


def test_with_nobody_assigned_the_divisions_coordinators_are_told_of_a_reply(
    app, make, intake, folder, fixed_now
):
    with app.app_context():
        first = receive(app, folder, plain_message())
        cs = first.case.division
        one = make.user("one", "coordinator", division=cs)
        two = make.user("two", "coordinator", division=cs)
        make.user("elsewhere", "coordinator", division=make.division("Roads"))
        raw = plain_message(
            subject=f"More about {first.case.reference}", message_id="<second.1@example.org>"
        )
        assert receive(app, folder, raw).status == rules.FILED
        told = db.session.scalars(
            select(OutboundMessage).where(OutboundMessage.template_key == letters.REPLY_RECEIVED)
        ).all()
        assert sorted(m.participant_id for m in told) == sorted(
            [one.participant_id, two.participant_id]
        )
        assert {m.recipient_role for m in told} == {"coordinator"}


def test_ten_thousand_parts_are_quarantined_and_nothing_else_is_made(
    app, intake, folder, fixed_now
):
    from tests.mail_samples import many_parts

    with app.app_context():
        result = receive(app, folder, many_parts(10_000))
        assert result.status == rules.QUARANTINED and result.reason
        assert db.session.scalar(select(func.count(Complaint.id))) == 0
        assert db.session.scalar(select(func.count(Attachment.id))) == 0
        assert len(files_in(folder)) == 1  # the raw message, for the administrator


def test_without_the_intake_division_new_mail_waits_in_triage_saying_why(app, folder, fixed_now):
    with app.app_context():
        result = receive(app, folder, plain_message())
        assert result.status == rules.TRIAGE
        assert result.reason.startswith("No complaint was created: The intake division CS")
        assert db.session.scalar(select(func.count(Complaint.id))) == 0
        assert db.session.scalar(select(func.count(Participant.id))) == 0
