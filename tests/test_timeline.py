"""The case file: the facts at the top, empty ones left out, then one timeline, newest first,
of notes, messages in and out, documents and history, each marked internal or shared, with
filter chips; a confidential complainant's messages and files withheld; and a page that
costs the same number of SQL statements for 2,000 entries as for 20."""

import html as html_lib
import json
import re
from collections import Counter
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import event, select

from models import (
    CaseLink,
    Category,
    ClockPause,
    Extension,
    ExtensionRequest,
    ExternalReview,
    HistoryEntry,
    Improvement,
    InboundMessage,
    InternalReview,
    LateReviewRequest,
    OutboundMessage,
    Participant,
    Representative,
    Ticket,
    complaint_issue,
    db,
)
from models.cases import complaint_involved, complaint_subject
from rules.inflation import InflationLimits
from services import documents, notes, timeline
from tests.timeline_fixtures import START, fill

NOW = datetime(2026, 3, 20, 0, 0, tzinfo=timezone.utc)  # Friday 20 March, 10:00 Brisbane


@pytest.fixture
def now(time_machine):
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def people(make, now):
    return {
        "coord": make.user("coord", "coordinator", level="AO6"),
        "marsh": make.user("marsh", "complaint_manager", level="AO5"),
        "deakin": make.user("deakin", "decision_maker", level="AO7"),
        "boss": make.user("boss", "administrator"),
    }


@pytest.fixture
def case(make, people):
    return make.complaint(
        manager=people["marsh"].participant,
        decision_maker=people["deakin"].participant,
        status="registered",
        received_at=datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc),
    )


def details(client, case_id, screen="complaint", **args) -> str:
    query = "".join(f"&{key}={value}" for key, value in args.items())
    response = client.get(f"/admin/{screen}/details/?id={case_id}{query}")
    assert response.status_code == 200, response.status_code
    return response.get_data(as_text=True)


def words(html: str) -> str:
    return html_lib.unescape(re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", html)))


def the_timeline(html: str) -> str:
    start = html.index('id="timeline-heading"')
    return html[start : html.index("</section>", start)]


def entry_keys(html: str) -> list[str]:
    return re.findall(r'<li id="((?:note|document|message-in|message-out|history)-\d+)"', html)


def test_every_source_is_on_one_timeline_newest_first_each_marked(case, people, auth, client):
    fill(case, 5, user=people["marsh"])
    auth.login("marsh")
    html = the_timeline(details(client, case.id))
    shown = words(html)
    assert "Before 4 → After 4" in shown
    # Filled a minute apart, note first: newest first reads them backwards.
    newest_first = ["History number 4", "Letter number 3", "Email number 2", "document-1.pdf"]
    positions = [shown.index(text) for text in [*newest_first, "Note number 0"]]
    assert positions == sorted(positions)
    entries = dict(re.findall(r'<li id="([a-z-]+-\d+)"(.*?)</li>', html, re.S))

    def entry_with(text):
        return words(next(body for body in entries.values() if text in body))

    # A note and the history are internal; the complainant's email and our letter shared.
    assert "internal" in entry_with("Note number 0")
    assert "internal" in entry_with("History number 4")
    assert "shared with the complainant" in entry_with("Email number 2")
    assert "shared with the complainant" in entry_with("Letter number 3")
    assert "Alex Marsh (marsh)" in entry_with("Note number 0")


def test_the_history_entry_of_a_document_is_folded_into_it(case, people, auth, client, tmp_path):
    documents.add(
        db.session,
        case,
        people["marsh"],
        "draft.txt",
        b"The draft response.",
        note="Draft response",
        folder=tmp_path,
        max_bytes=1_000_000,
        inflation=InflationLimits(max_bytes=1_000_000),
    )
    assert db.session.scalar(select(HistoryEntry).where(HistoryEntry.action == "document_added"))
    auth.login("marsh")
    shown = words(the_timeline(details(client, case.id)))
    assert shown.count("Document: draft.txt") == 1 and "Draft response" in shown
    assert "Document added: draft.txt" not in shown


def test_the_chips_filter_without_script_and_count_each_kind(case, people, auth, client):
    fill(case, 10, user=people["marsh"])
    auth.login("marsh")
    html = the_timeline(details(client, case.id))
    chips = dict(
        re.findall(
            r'class="timeline-chip[^"]*"[^>]*>([^<]+?) <span class="timeline-count">(\d+)', html
        )
    )
    assert chips["Notes"] == "2" and chips["Documents"] == "2"
    # Four filled, and the letter the registration queued.
    assert int(chips["Conversation"]) >= 4 and int(chips["Steps and history"]) >= 2
    assert int(chips["All"]) == sum(int(chips[key]) for key in chips if key != "All")
    only_notes = the_timeline(details(client, case.id, timeline="notes"))
    assert {key.split("-")[0] for key in entry_keys(only_notes)} == {"note"}
    conversation = the_timeline(details(client, case.id, timeline="conversation"))
    assert len(entry_keys(conversation)) == int(chips["Conversation"])
    assert 'timeline-chip timeline-chip-current" href="' in only_notes
    assert "<script" not in the_timeline(details(client, case.id))


def test_a_sanitised_html_email_is_shown_as_markup_and_a_text_one_escaped(case, auth, client):
    db.session.add_all(
        [
            InboundMessage(
                complaint=case,
                message_id="<html@example.com>",
                mailbox="complaints",
                status="filed",
                received_at=NOW - timedelta(hours=2),
                subject="With HTML",
                body_html="<p>Sanitised <strong>on arrival</strong></p>",
                body_text="Sanitised on arrival",
            ),
            InboundMessage(
                complaint=case,
                message_id="<text@example.com>",
                mailbox="complaints",
                status="filed",
                received_at=NOW - timedelta(hours=1),
                subject="Plain",
                body_text="<b>not markup</b>",
            ),
        ]
    )
    db.session.commit()
    auth.login("marsh")
    html = the_timeline(details(client, case.id))
    assert "<p>Sanitised <strong>on arrival</strong></p>" in html
    assert "&lt;b&gt;not markup&lt;/b&gt;" in html


def test_a_letter_without_an_address_is_to_post_then_sent_by_post(case, people, auth, client):
    letter = OutboundMessage(
        complaint=case,
        dedupe_key="post-1",
        template_key="acknowledgement",
        recipient_role="complainant",
        recipient_name="Sam Citizen",
        subject="Your complaint",
        body="Dear Sam",
        status="no_address",
        created_at=NOW - timedelta(days=1),
    )
    reminder = OutboundMessage(
        complaint=case,
        dedupe_key="remind-1",
        template_key="acknowledgement",
        recipient_role="complaint_manager",
        recipient_name="Alex Marsh",
        recipient_address="marsh@example.gov.au",
        subject="Due soon",
        body="A reminder",
        status="queued",
        created_at=NOW - timedelta(hours=1),
    )
    db.session.add_all([letter, reminder])
    db.session.commit()
    auth.login("coord")
    html = the_timeline(details(client, case.id))
    entry = html[html.index(f'id="message-out-{letter.id}"') :]
    entry = entry[: entry.index("</li>")]
    assert "to post" in words(entry)
    assert f'href="/admin/outboundmessage/details/?id={letter.id}"' in entry
    has_printing = "outboundmessage.print_letter" in client.application.view_functions
    assert ("Printable letter" in entry) == has_printing
    remind = html[html.index(f'id="message-out-{reminder.id}"') :]
    remind = remind[: remind.index("</li>")]
    assert "Reminder: Due soon" in words(remind) and "internal" in words(remind)
    letter = db.session.get(OutboundMessage, letter.id)
    letter.posted_at = NOW - timedelta(hours=3)
    letter.posted_by = people["coord"]
    db.session.commit()
    html = the_timeline(details(client, case.id))
    entry = html[html.index(f'id="message-out-{letter.id}"') :]
    assert "sent by post (20/03/2026 07:00 AEST)" in words(entry[: entry.index("</li>")])


def test_a_confidential_complainants_emails_and_files_are_withheld(case, people, auth, client):
    fill(case, 5, user=people["marsh"])
    case.confidential = True
    db.session.commit()
    auth.login("boss")
    boss_view = words(the_timeline(details(client, case.id)))
    assert "Email number 2" not in boss_view and "document-1.pdf" not in boss_view
    assert "sam@example.com" not in boss_view and "Letter body 3" not in boss_view
    assert "withheld: the complainant asked" in boss_view
    auth.logout()
    auth.login("marsh")
    manager_view = words(the_timeline(details(client, case.id)))
    assert "Email number 2" in manager_view and "document-1.pdf" in manager_view


def test_the_facts_leave_empty_fields_out(case, auth, client):
    auth.login("marsh")
    html = details(client, case.id)
    facts = html[
        html.index('id="facts-heading"') : html.index(
            "</section>", html.index('id="facts-heading"')
        )
    ]
    assert "Counter staff were rude" in facts
    assert "Reasons for the outcome" not in facts  # empty: left out
    assert "<dl" in facts and "<table" not in facts


def test_the_newest_entries_are_shown_first_and_the_rest_on_asking(case, people, auth, client):
    fill(case, timeline.PAGE + 30, user=people["marsh"])
    auth.login("marsh")
    html = the_timeline(details(client, case.id))
    assert len(entry_keys(html)) == timeline.PAGE
    assert "timeline-show-all" in html
    everything = the_timeline(details(client, case.id, timeline_all=1))
    assert len(entry_keys(everything)) > timeline.PAGE
    assert "timeline-show-all" not in everything


def test_the_header_keeps_adding_a_note_and_a_document(case, auth, client):
    auth.login("marsh")
    html = the_timeline(details(client, case.id))
    header = html[: html.index("</nav>")]
    assert f"/admin/complaint/note/?id={case.id}" in header
    assert f"/admin/complaint/document/?id={case.id}" in header


def test_a_ticket_has_its_timeline_and_links_to_its_client(make, now, auth, client, app):
    make.user("agent", "support_agent")
    from models import Participant

    client_org = Participant(kind="client", organisation_name="Acme Pty Ltd")
    ticket = Ticket(
        severity="3",
        summary="Counter booking system froze",
        client=client_org,
        reported_at=NOW - timedelta(hours=2),
    )
    db.session.add(ticket)
    db.session.commit()
    notes.add(db.session, ticket, None, kind="note", summary="Rebooted the kiosk.", shared=True)
    db.session.commit()
    auth.login("agent")
    html = details(client, ticket.id, screen="ticket")
    timeline_words = words(the_timeline(html))
    assert "Rebooted the kiosk." in timeline_words
    assert "shared with the client" in timeline_words
    assert "Acme Pty Ltd" in words(html[html.index('id="related-heading"') :])


def test_a_participants_page_lists_their_cases(case, people, auth, client):
    auth.login("coord")
    html = words(details(client, case.complainant_id, screen="participant"))
    assert "Complaints made" in html and case.reference in html
    manager = words(details(client, people["marsh"].participant_id, screen="participant"))
    assert "Complaints handled" in manager and case.reference in manager


def difference(one, other) -> str:
    """The statements one page ran more or fewer times than the other (IN lists folded)."""

    def shape(statements):
        return Counter(re.sub(r"IN \([?, ]+\)", "IN (…)", s) for s in statements)

    more, fewer = shape(one) - shape(other), shape(other) - shape(one)
    return f"more: {dict(more)}\nfewer: {dict(fewer)}"


@contextmanager
def counted_statements():
    statements = []

    def count(conn, cursor, statement, parameters, context, executemany):
        statements.append(statement)

    engine = db.engine
    event.listen(engine, "before_cursor_execute", count)
    try:
        yield statements
    finally:
        event.remove(engine, "before_cursor_execute", count)


def counted_pages(client, *case_ids) -> list[tuple[str, list]]:
    """Each case's details page and the statements it ran, each from an empty session."""
    # The first page after a change of calendars reads them once for the process.
    details(client, case_ids[0])
    pages = []
    for case_id in case_ids:
        # The test client's requests share the test's session: each starts from an empty one.
        db.session.close()
        with counted_statements() as statements:
            html = details(client, case_id)
        pages.append((html, statements))
    return pages


def test_the_details_page_costs_the_same_statements_for_2000_entries_as_for_20(
    make, case, people, auth, client
):
    big = make.complaint(
        manager=people["marsh"].participant,
        decision_maker=people["deakin"].participant,
        status="registered",
        received_at=datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc),
    )
    fill(case, 20, user=people["marsh"])
    fill(big, 2000, user=people["marsh"], start=START)
    auth.login("marsh")
    (_, small_page), (html, big_page) = counted_pages(client, case.id, big.id)
    assert len(entry_keys(html)) == timeline.PAGE
    assert len(big_page) == len(small_page), difference(big_page, small_page)
    # What the page reads in all (bench/README.md, "HTTP load"): kept from growing.
    assert len(big_page) <= 10, len(big_page)
    db.session.close()
    with counted_statements() as everything:
        html = details(client, big.id, timeline_all=1)
    assert len(entry_keys(html)) >= 2000
    assert len(everything) == len(small_page), difference(everything, small_page)


def hold_every_kind(complaint, people, make, reference):
    """The complaint with one of every kind of record its page lists: a review, an external
    review, an extension, an improvement, a request for more time, a representative, a
    ticket, a link to its page, a late review request, a subject, an involved officer, an
    issue and an ended clock pause."""
    manager, decider = people["marsh"].participant, people["deakin"].participant
    at = complaint.received_at
    client = Participant(kind="client_organisation", organisation_name=f"Client {reference}")
    advocate = Participant(kind="representative", given_name="Ada", family_name="Advocate")
    db.session.add_all(
        [
            InternalReview(
                complaint=complaint, reviewer=make.staff("Reviewer", level="AO8"), requested_at=at
            ),
            ExternalReview(complaint=complaint, body="ombudsman", notified_at=at),
            Extension(
                complaint=complaint,
                new_due_at=at + timedelta(days=60),
                reason="Witnesses on leave",
                approved_by=decider,
                approved_at=at,
            ),
            Improvement(
                complaint=complaint, description="A clearer form", made_by="Marsh", made_at=at
            ),
            ExtensionRequest(
                complaint=complaint,
                requested_by=manager,
                requested_at=at,
                proposed_due_at=at + timedelta(days=90),
                reason="More witnesses",
            ),
            Representative(
                complaint=complaint,
                participant=advocate,
                kind="advocate",
                letters="copied",
                authority="Signed authority to act",
            ),
            Ticket(
                reference=reference,
                severity="P3",
                summary="The kiosk",
                client=client,
                complaint=complaint,
                reported_at=at,
            ),
            CaseLink(
                token_hash=f"{complaint.id:064d}",
                complaint=complaint,
                participant=complaint.complainant,
            ),
            LateReviewRequest(complaint_id=complaint.id, grounds="In hospital"),
            ClockPause(
                case_type="complaint",
                case_id=complaint.id,
                status="awaiting_information",
                started_at=at + timedelta(days=1),
                ended_at=at + timedelta(days=2),
            ),
        ]
    )
    subject, involved = make.staff("Subject"), make.staff("Involved")
    db.session.flush()
    # Who a complaint is about is the coordinator's to change: written here as the rows.
    for table, other, ids in (
        (complaint_subject, "participant_id", [subject.id]),
        (complaint_involved, "participant_id", [involved.id]),
        (complaint_issue, "category_id", db.session.scalars(select(Category.id).limit(2))),
    ):
        db.session.execute(table.insert(), [{"complaint_id": complaint.id, other: i} for i in ids])
    db.session.commit()


def test_a_case_holding_every_kind_of_record_costs_the_same_for_2000_entries_as_for_20(
    make, case, people, auth, client
):
    """Each kind a case holds may cost its own statement (its rows are of another table),
    but how many of each, and how long the timeline, costs nothing more."""
    big = make.complaint(
        manager=people["marsh"].participant,
        decision_maker=people["deakin"].participant,
        status="registered",
        received_at=datetime(2026, 3, 2, 0, 0, tzinfo=timezone.utc),
    )
    hold_every_kind(case, people, make, "SD-TEST-1")
    hold_every_kind(big, people, make, "SD-TEST-2")
    fill(case, 20, user=people["marsh"])
    fill(big, 2000, user=people["marsh"], start=START)
    auth.login("coord")
    (html, small_page), (_, big_page) = counted_pages(client, case.id, big.id)
    assert "SD-TEST-1" in html and "Ada Advocate" in html
    # Its subjects and involved staff, read with the rest of the people it names, and each
    # officer with their level.
    shown = words(html)
    assert "Staff complained about Alex Subject (AO5)" in shown
    assert "Staff involved before lodgement Alex Involved (AO5)" in shown
    assert len(big_page) == len(small_page), difference(big_page, small_page)
    # bench/README.md, "HTTP load": the page of a case with everything, kept from growing
    # (the people its records name are read at once, with their levels).
    assert len(big_page) <= 23, len(big_page)


def test_a_letter_sent_is_one_entry_with_its_history_line_in_it(case, auth, client):
    letter = OutboundMessage(
        complaint=case,
        dedupe_key="sent-1",
        template_key="acknowledgement",
        recipient_role="complainant",
        recipient_name="Sam Citizen",
        recipient_address="sam@example.com",
        subject="We have your complaint",
        body="Dear Sam",
        status="sent",
        created_at=NOW - timedelta(hours=2),
    )
    db.session.add(letter)
    db.session.commit()
    db.session.add_all(
        [
            HistoryEntry(
                at=NOW - timedelta(hours=1),
                record_type="Complaint",
                record_id=case.id,
                action="correspondence",
                summary="Acknowledgement sent to the complainant: We have your complaint",
                changes=json.dumps({"message": [None, letter.id]}),
            ),
            HistoryEntry(
                at=NOW - timedelta(hours=1),
                record_type="Complaint",
                record_id=case.id,
                action="correspondence",
                summary="Reminder not sent: no address.",
            ),
        ]
    )
    db.session.commit()
    auth.login("marsh")
    html = the_timeline(details(client, case.id))
    entry = html[html.index(f'id="message-out-{letter.id}"') :]
    entry = words(entry[: entry.index("</li>")])
    assert "20/03/2026 09:00 AEST: Acknowledgement sent to the complainant" in entry
    assert words(html).count("Acknowledgement sent to the complainant") == 1
    # A history line that names no letter says why nothing went: it stays on its own.
    assert "Reminder not sent: no address." in words(html)
