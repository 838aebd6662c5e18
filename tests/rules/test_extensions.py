"""The rules of an extension: later than the due it extends, at closing time of a business
day, approved by the decision maker of the case or a coordinator, never its manager."""

from datetime import datetime
from zoneinfo import ZoneInfo

from rules.extensions import (
    Approval,
    Asking,
    approval_problems,
    at_closing_time,
    decision_problems,
    due_problems,
    request_problems,
)
from tests.rules.test_clock import QLD

BRISBANE = ZoneInfo("Australia/Brisbane")


def brisbane(*args):
    return datetime(*args, tzinfo=BRISBANE)


def test_a_sunday_moves_to_closing_time_of_the_next_business_day():
    # Sunday 29 March 2026 -> Monday 30 March at 17:00.
    assert at_closing_time(QLD, brisbane(2026, 3, 29, 12, 0)) == brisbane(2026, 3, 30, 17, 0)


def test_a_business_day_moves_to_its_own_closing_time_and_a_closing_time_stays():
    assert at_closing_time(QLD, brisbane(2026, 3, 27, 9, 0)) == brisbane(2026, 3, 27, 17, 0)
    assert at_closing_time(QLD, brisbane(2026, 3, 27, 17, 0)) == brisbane(2026, 3, 27, 17, 0)
    # After closing: the next business day, never earlier than asked for.
    assert at_closing_time(QLD, brisbane(2026, 3, 27, 18, 0)) == brisbane(2026, 3, 30, 17, 0)


def test_a_public_holiday_is_not_a_business_day():
    # Good Friday 3 April 2026 -> Tuesday 7 April (Easter Monday is a holiday too).
    assert at_closing_time(QLD, brisbane(2026, 4, 3, 12, 0)) == brisbane(2026, 4, 7, 17, 0)


def test_an_extension_must_be_later_than_the_due_it_extends():
    current = brisbane(2026, 3, 30, 17, 0)
    assert (
        due_problems(
            "CTS-2026-000001", brisbane(2026, 4, 30, 17, 0), current, "Australia/Brisbane"
        )
        == []
    )
    assert due_problems("CTS-2026-000001", current, current, "Australia/Brisbane") == [
        "An extension gives more time: the new resolution due of CTS-2026-000001 must be later "
        "than the one it extends, 5:00 pm on Monday 30 March 2026 (Brisbane time), not "
        "5:00 pm on Monday 30 March 2026 (Brisbane time)."
    ]


def approval(approver_id, coordinator=False):
    return Approval(approver_id, "M. Marsh", coordinator, manager_id=1, decision_maker_id=2)


def test_the_manager_never_approves_their_own_extension_even_as_a_coordinator():
    assert approval_problems("CTS-2026-000001", approval(1, coordinator=True)) == [
        "M. Marsh manages CTS-2026-000001: an extension is approved by its decision maker or a "
        "coordinator, not by the complaint manager it gives more time to. Ask one of them to "
        "approve it."
    ]


def test_the_decision_maker_or_a_coordinator_approves():
    assert approval_problems("CTS-2026-000001", approval(2)) == []
    assert approval_problems("CTS-2026-000001", approval(3, coordinator=True)) == []
    assert approval_problems("CTS-2026-000001", approval(3)) == [
        "M. Marsh may not approve an extension of CTS-2026-000001: only its decision maker or a "
        "coordinator may."
    ]


# --- requests for an extension, and the decision on them


def asking(requester_id=1, manager_id=1, closed_status=None, pending=False):
    return Asking(requester_id, "A. Marsh", manager_id, closed_status, pending)


def test_only_the_manager_asks_while_the_complaint_is_open_and_nothing_else_waits():
    assert request_problems("CTS-1", asking(), "More witnesses") == []
    assert request_problems("CTS-1", asking(manager_id=2), "More witnesses") == [
        "A. Marsh does not manage CTS-1: only its complaint manager asks for an extension of it."
    ]
    problems = request_problems("CTS-1", asking(closed_status="Closed", pending=True), " ")
    assert problems == [
        "CTS-1 is closed: an extension is asked for only while the complaint is open.",
        "CTS-1 already has an extension request waiting for a decision: wait for it to be "
        "approved or declined before asking again.",
        "Say why the complaint needs more time: the approver reads it.",
    ]


def test_a_request_is_decided_by_the_decision_maker_or_a_coordinator_and_a_decline_says_why():
    assert decision_problems("CTS-1", approval(2), "approved", None, None) == []
    assert decision_problems("CTS-1", approval(3, coordinator=True), "declined", "No", None) == []
    assert (
        "not by the complaint manager who asked"
        in decision_problems("CTS-1", approval(1, coordinator=True), "approved", None, None)[0]
    )
    assert decision_problems("CTS-1", approval(3), "approved", None, None) == [
        "M. Marsh may not decide an extension request of CTS-1: only its decision maker or a "
        "coordinator may."
    ]
    assert decision_problems("CTS-1", approval(2), "declined", "  ", None) == [
        "Say why the extension is declined: the complaint manager reads it."
    ]
    assert (
        "approved only while the complaint is open"
        in decision_problems("CTS-1", approval(2), "approved", None, "Closed")[0]
    )
    assert decision_problems("CTS-1", approval(2), "maybe", None, None) == [
        "Choose whether the extension request is approved or declined."
    ]
