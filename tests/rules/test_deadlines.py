"""Deadlines and the bulk due instants: a register's recompute takes each case's due
instants from `dues` without making deadline objects; they must be the deadlines' own."""

import itertools
from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

from rules.clock import BusinessCalendar, CalendarSpec
from rules.deadlines import (
    ComplaintFacts,
    ExtensionFacts,
    ReviewFacts,
    Target,
    TicketFacts,
    complaint_clocks,
    complaint_deadlines,
    dues,
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
