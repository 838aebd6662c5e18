"""Deadlines and the bulk due instants: a register's recompute takes each case's due
instants from `dues` without making deadline objects; they must be the deadlines' own."""

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.clock import BusinessCalendar, CalendarSpec
from rules.deadlines import (
    COMPUTED,
    KEPT,
    ComplaintFacts,
    ExtensionFacts,
    ReviewFacts,
    Target,
    TicketFacts,
    complaint_clocks,
    complaint_deadlines,
    deadline_state,
    dues,
    explain,
    next_due,
    review_clocks,
    review_deadlines,
    ticket_clocks,
    ticket_deadlines,
)

BRISBANE = ZoneInfo("Australia/Brisbane")
QLD = BusinessCalendar(
    CalendarSpec(
        code="AU-QLD",
        name="Queensland",
        timezone="Australia/Brisbane",
        windows={day: [(time(8, 30), time(17))] for day in range(5)},
        holiday_country="AU",
        holiday_subdivision="QLD",
    )
)
TARGETS = {
    key: Target(key, key, amount, unit, QLD)
    for key, amount, unit in (
        ("complaint.registration.complaint", 2, "business-days"),
        ("complaint.registration.compliment", 5, "business-days"),
        ("complaint.acknowledgement", 5, "business-days"),
        ("complaint.resolution.informal", 5, "business-days"),
        ("complaint.resolution.standard", 20, "business-days"),
        ("complaint.resolution.complex", 20, "business-days"),
        ("complaint.review_request_window", 20, "business-days"),
        ("complaint.human_rights_commissioner", 45, "business-days"),
        ("ticket.first_response.1", 30, "business-minutes"),
        ("ticket.resolution.1", 6, "business-hours"),
        ("ticket.resolution.3a", 30, "calendar-days"),
        ("internal_review.resolution", 20, "business-days"),
    )
}
RECEIVED = datetime(2026, 3, 27, 16, 40, tzinfo=BRISBANE)  # Friday, before Easter
RECORDED = datetime(2026, 3, 30, 7, 0, tzinfo=UTC)  # a due instant stored before
PAUSE = (datetime(2026, 3, 31, 0, 0, tzinfo=UTC), datetime(2026, 4, 1, 3, 30, tzinfo=UTC))
EXTENSION = ExtensionFacts(
    new_due_at=datetime(2026, 6, 1, 7, 0, tzinfo=UTC),
    reason="Several business areas",
    approved_by="A Director",
    approved_at=datetime(2026, 4, 2, 0, 0, tzinfo=UTC),
)


def later(hours):
    return RECEIVED + timedelta(hours=hours)


def assert_same(deadlines, found, earliest):
    assert found == {deadline.field: deadline.due for deadline in deadlines}
    assert earliest == next_due(deadlines, paused=False, closed=False)


def test_a_complaints_dues_are_its_deadlines_dues_whatever_its_facts():
    checked = 0
    for (
        kind,
        classification,
        status,
        registered,
        acknowledged,
        finalised,
        human_rights,
        extension,
        pauses,
        recorded,
    ) in itertools.product(
        ("complaint", "compliment", "suggestion"),
        (None, "", "informal", "standard", "complex"),
        ("registered", "referred"),
        (None, later(1)),
        (None, later(30)),
        (None, later(200)),
        (False, True),
        (None, EXTENSION),
        ((), (PAUSE,)),
        ({}, {"registration_due_at": RECORDED, "acknowledgement_due_at": RECORDED}),
    ):
        facts = ComplaintFacts(
            kind=kind,
            classification=classification,
            status=status,
            received_at=RECEIVED,
            registered_at=registered,
            acknowledged_at=acknowledged,
            finalised_at=finalised,
            closed_at=later(250) if status == "referred" else None,
            human_rights=human_rights,
            extension=extension,
            pauses=pauses,
        )
        found, earliest = dues(complaint_clocks(facts, TARGETS, extension, pauses), recorded)
        assert_same(complaint_deadlines(facts, TARGETS, recorded), found, earliest)
        checked += 1
    assert checked == 3 * 5 * 2 * 2**7


def test_a_met_deadline_keeps_its_recorded_due_instant_and_an_open_one_is_recomputed():
    facts = ComplaintFacts(
        kind="complaint",
        classification="standard",
        status="registered",
        received_at=RECEIVED,
        registered_at=later(1),
    )
    found, earliest = dues(
        complaint_clocks(facts, TARGETS, None, ()),
        {"registration_due_at": RECORDED, "acknowledgement_due_at": RECORDED},
    )
    assert found["registration_due_at"] == RECORDED  # met: registered
    assert found["acknowledgement_due_at"] != RECORDED  # still open
    assert earliest == found["acknowledgement_due_at"]


def test_a_tickets_and_a_reviews_dues_are_their_deadlines_dues():
    for severity, responded, resolved, pauses in itertools.product(
        ("1", "3a", "9"), (None, later(1)), (None, later(9)), ((), (PAUSE,))
    ):
        facts = TicketFacts(
            severity=severity,
            status="open",
            reported_at=RECEIVED,
            first_response_at=responded,
            resolved_at=resolved,
            pauses=pauses,
        )
        found, earliest = dues(ticket_clocks(facts, TARGETS, None, pauses), {})
        assert_same(ticket_deadlines(facts, TARGETS), found, earliest)
    for completed, pauses in itertools.product((None, later(100)), ((), (PAUSE,))):
        facts = ReviewFacts(
            status="requested", requested_at=RECEIVED, completed_at=completed, pauses=pauses
        )
        found, earliest = dues(review_clocks(facts, TARGETS, None, pauses), {})
        assert_same(review_deadlines(facts, TARGETS), found, earliest)


def due_lines(lines):
    return [line for line in lines if line.startswith("Due ")]


def test_explaining_deadlines_gives_the_same_dues_as_storing_them():
    for classification, registered, acknowledged, extension, pauses, recorded in itertools.product(
        (None, "informal", "complex"),
        (None, later(1)),
        (None, later(30)),
        (None, EXTENSION),
        ((), (PAUSE,)),
        ({}, {"registration_due_at": RECORDED, "acknowledgement_due_at": RECORDED}),
    ):
        facts = ComplaintFacts(
            kind="complaint",
            classification=classification,
            status="registered",
            received_at=RECEIVED,
            registered_at=registered,
            acknowledged_at=acknowledged,
            extension=extension,
            pauses=pauses,
        )
        found, earliest = dues(complaint_clocks(facts, TARGETS, extension, pauses), recorded)
        explained = complaint_deadlines(facts, TARGETS, recorded, explain=True)
        assert_same(explained, found, earliest)
        for deadline in explained:
            if deadline.basis == COMPUTED:
                assert deadline.explanation.due == deadline.due


def test_a_met_deadline_explains_the_due_it_kept_and_what_todays_target_would_give():
    facts = ComplaintFacts(
        kind="complaint",
        classification="standard",
        status="registered",
        received_at=RECEIVED,
        registered_at=later(1),
    )
    recorded = {"registration_due_at": RECORDED}
    (registration, *_) = complaint_deadlines(facts, TARGETS, recorded, explain=True)
    assert (registration.basis, registration.due) == (KEPT, RECORDED)
    lines = explain(registration, RECORDED, BRISBANE)
    assert due_lines(lines) == [
        "Due Monday 30/03/2026 17:00: the due in force when this step was met (Friday "
        "27/03/2026 17:40), kept since: a met step keeps the due it was met against."
    ]
    # Today's target (2 business days from a Friday afternoon) gives another instant.
    assert lines[-1] == (
        "The SLA target or its calendar has changed since: today's target (2 business days "
        "on AU-QLD) would make it due Tuesday 31/03/2026 17:00."
    )


def test_an_extended_deadline_explains_the_extension_as_its_due():
    facts = ComplaintFacts(
        kind="complaint",
        classification="complex",
        status="registered",
        received_at=RECEIVED,
        extension=EXTENSION,
    )
    deadlines = complaint_deadlines(facts, TARGETS, explain=True)
    resolution = next(d for d in deadlines if d.field == "resolution_due_at")
    lines = explain(resolution, EXTENSION.new_due_at, BRISBANE)
    assert due_lines(lines) == [
        "Due Monday 01/06/2026 17:00: extended by A Director on Thursday 02/04/2026 10:00: "
        "Several business areas"
    ]
    assert any(line.startswith("Before the extension it was due ") for line in lines)


def test_a_due_stored_before_a_change_the_case_was_not_recomputed_for_says_why_it_stands():
    facts = ComplaintFacts(
        kind="complaint", classification="standard", status="closed", received_at=RECEIVED
    )
    (registration, *_) = complaint_deadlines(facts, TARGETS, explain=True)
    lines = explain(registration, RECORDED, BRISBANE, closed=True)
    assert due_lines(lines) == [
        "Due Monday 30/03/2026 17:00: as recorded when it was last worked out; the case is "
        "closed, so its due instants are no longer recomputed."
    ]
    assert lines[-2] == (
        "Under today's rules it would be due Tuesday 31/03/2026 17:00: closing time "
        "2 business days after day 0 (Friday 27/03/2026)."
    )


def test_an_open_deadline_already_passed_when_the_clock_paused_is_overdue_and_paused():
    facts = ComplaintFacts(
        kind="complaint", classification="standard", status="waiting", received_at=RECEIVED
    )
    (registration, *_) = complaint_deadlines(facts, TARGETS, explain=True)
    due = registration.due  # Tuesday 31 March 2026, 17:00
    paused_late, paused_early = due + timedelta(hours=16), due - timedelta(hours=1)
    now = due + timedelta(days=3)
    assert deadline_state(registration, now, paused_since=paused_late) == "overdue, paused"
    assert deadline_state(registration, now, paused_since=paused_early) == "paused"
    # 08:30 to 09:00 on Wednesday 1 April: half an hour of business time past the due.
    lines = explain(registration, due, BRISBANE, paused_since=paused_late)
    assert lines[-1] == (
        "Was already overdue by 30 min of business time when paused on Wednesday 01/04/2026 "
        "09:00: waiting does not move a due that has passed."
    )
    lines = explain(registration, due, BRISBANE, paused_since=paused_early)
    assert not any(line.startswith("Was already overdue") for line in lines)


def test_a_wait_after_a_step_was_met_does_not_move_or_muddle_its_due():
    responded = RECEIVED + timedelta(minutes=10)  # within the 30 business minutes
    waited = (RECEIVED + timedelta(minutes=15), RECEIVED + timedelta(days=3))
    facts = TicketFacts(
        severity="1",
        status="in_progress",
        reported_at=RECEIVED,
        first_response_at=responded,
        pauses=(waited,),
    )
    on_time = QLD.due(RECEIVED, 30, "business-minutes")
    (first_response, _) = ticket_deadlines(facts, TARGETS, explain=True)
    assert first_response.due == on_time
    (first_response, _) = ticket_deadlines(
        facts, TARGETS, {"first_response_due_at": on_time}, explain=True
    )
    assert (first_response.basis, first_response.due) == (KEPT, on_time)
    lines = explain(first_response, on_time, BRISBANE)
    assert due_lines(lines) == [
        "Due Monday 30/03/2026 08:40: 30 business minutes after the clock started."
    ]
    assert not any("changed since" in line or line.startswith("Paused") for line in lines)


def test_a_target_of_one_is_described_in_the_singular():
    assert Target("k", "k", 1, "business-days", QLD).describe() == "1 business day on AU-QLD"
    assert Target("k", "k", 1, "calendar-hours", QLD).describe() == "1 calendar hour on AU-QLD"
    assert Target("k", "k", 20, "business-days", QLD).describe() == "20 business days on AU-QLD"
