"""`flask seed --volume N`: a large register, in bulk, that keeps the clock and the rules."""

import re
from collections import Counter, defaultdict
from datetime import datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import func, select

from models import Complaint, InternalReview, OutboundMessage, ReferenceCounter, Ticket, db
from rules import deadlines as deadline_rules
from rules.vocabulary import (
    COMPLAINT_CLOSED_STATUSES,
    REVIEW_CLOSED_STATUSES,
    TICKET_CLOSED_STATUSES,
)
from services import clocks
from tests.test_seed import (
    reviews_follow_the_rules,
    separation_of_duties_holds_for_every_complaint,
    tickets_are_consistent,
    timestamps_follow_the_status,
)

# Ten years ending today: bin/test-dates runs these at awkward days.
pytestmark = pytest.mark.dates

VOLUME = 300
REMINDERS = ("due_reminder", "due_passed")
REFERENCE = re.compile(r"([A-Z]{3})-(\d{4})-(\d{6})")


def count(model, *where):
    return db.session.scalar(select(func.count()).select_from(model).where(*where))


def references_are_gap_free_and_match_the_counters():
    numbers = defaultdict(list)
    for model in (Complaint, Ticket):
        for reference in db.session.scalars(select(model.reference)):
            prefix, year, number = REFERENCE.fullmatch(reference).groups()
            numbers[(prefix, int(year))].append(int(number))
    counters = {
        (row.prefix, row.year): row.last_value
        for row in db.session.scalars(select(ReferenceCounter))
    }
    assert set(counters) == set(numbers)
    for key, given in numbers.items():
        assert sorted(given) == list(range(1, len(given) + 1)), key
        assert counters[key] == len(given), key


def due_instants_are_the_clocks(cases):
    """Each stored due instant is what the clock computes for the case as it stands."""
    computer = clocks.Clocks(db.session)
    for case in cases:
        found = clocks.deadlines_of(case, computer, pauses=[], keep_met=False)
        case_type = clocks.CASE_TYPES[type(case)]
        expected = dict.fromkeys(clocks.DUE_FIELDS[case_type])
        expected.update({d.field: d.due for d in found})
        assert clocks.recorded_dues(case, case_type) == expected, str(case)
        assert any(value is not None for value in expected.values()), str(case)
        if hasattr(case, "next_due_at"):
            closed = COMPLAINT_CLOSED_STATUSES if case_type == "complaint" else None
            closed = closed or TICKET_CLOSED_STATUSES
            assert case.next_due_at == deadline_rules.next_due(
                found, paused=case.paused_since is not None, closed=case.status in closed
            ), str(case)


def ten_years_write_to_nobody_and_remind_only_of_what_is_open_and_recent(last_demo, now):
    """Ten years of history are not news: the volume writes no letter, and `mail send-due`
    reminds officers only of open, running cases due lately, never of long-closed ones."""
    from flask import current_app

    assert count(OutboundMessage, OutboundMessage.complaint_id > last_demo) == 0
    result = current_app.test_cli_runner().invoke(args=["mail", "send-due"])
    assert result.exit_code == 2, result.output  # no mail server: queued, not sent
    reminders = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key.in_(REMINDERS))
    ).all()
    assert reminders, "a register in service has something due"
    assert len(reminders) < VOLUME // 10
    for message in reminders:
        case = message.complaint or message.ticket or message.internal_review
        closed = {
            Complaint: COMPLAINT_CLOSED_STATUSES,
            Ticket: TICKET_CLOSED_STATUSES,
            InternalReview: REVIEW_CLOSED_STATUSES,
        }
        assert case.status not in closed[type(case)]
        assert case.paused_since is None
        assert case.updated_at > now - timedelta(days=400), "a case in service lately"


def test_volume_seed_fills_ten_years_keeping_clock_counters_and_duties(app, runner, make):
    # A fixed seed: the shape asserted below is a property of the plan, not of one draw.
    first = runner.invoke(args=["seed", "--volume", str(VOLUME), "--seed", "2027"])
    assert first.exit_code == 0, first.output
    assert f"Volume: {VOLUME} complaints" in first.output
    assert "30 tickets" in first.output
    with app.app_context():
        demo_complaints = count(Complaint) - VOLUME
        demo_tickets = count(Ticket) - VOLUME // 10
        assert 450 <= demo_complaints <= 560, "the demo department is loaded first"
        assert 270 <= demo_tickets <= 330
        last_demo = db.session.scalar(
            select(Complaint.id).order_by(Complaint.id).offset(demo_complaints - 1).limit(1)
        )
        volume = db.session.scalars(select(Complaint).where(Complaint.id > last_demo)).all()
        assert len(volume) == VOLUME

        now = datetime.now(timezone.utc)
        received = sorted(c.received_at for c in volume)
        assert received[0] >= now - timedelta(days=3660)
        assert received[-1] <= now
        assert len({r.year for r in received}) >= 9, "spread over ten years"
        assert received[len(received) // 2] > now - timedelta(days=5 * 365), "busier lately"
        old = [c for c in volume if c.received_at < now - timedelta(days=730)]
        assert old and {c.status for c in old} <= {"closed", "referred"}
        kinds = Counter(c.kind for c in volume)
        assert kinds["complaint"] > kinds["compliment"] > 0
        assert len({c.channel_id for c in volume}) >= 5
        assert len({c.category_id for c in volume}) >= 6
        assert len({c.division_id for c in volume}) == 3
        assert len({c.classification for c in volume}) == 4  # three, and none
        assert any(c.confidential for c in volume)
        assert any(c.outcome_id for c in volume) and any(c.referral_target_id for c in volume)
        assert len({c.complainant_id for c in volume}) > VOLUME // 2

        due_instants_are_the_clocks(volume[::7])
        tickets = db.session.scalars(select(Ticket).order_by(Ticket.id.desc()).limit(30)).all()
        due_instants_are_the_clocks(tickets)
        reviews = db.session.scalars(
            select(InternalReview).where(InternalReview.complaint_id > last_demo)
        ).all()
        due_instants_are_the_clocks(reviews)

        separation_of_duties_holds_for_every_complaint()
        reviews_follow_the_rules()
        timestamps_follow_the_status()
        tickets_are_consistent()
        references_are_gap_free_and_match_the_counters()
        before = count(Complaint), count(Ticket)
        ten_years_write_to_nobody_and_remind_only_of_what_is_open_and_recent(last_demo, now)

    second = runner.invoke(args=["seed", "--volume", str(VOLUME)])
    assert second.exit_code == 0, second.output
    assert "already loaded" in second.output
    with app.app_context():
        assert (count(Complaint), count(Ticket)) == (before[0] + VOLUME, before[1] + VOLUME // 10)
        references_are_gap_free_and_match_the_counters()
        received = datetime.now(timezone.utc) - timedelta(hours=1)
        # The reference carries the year of receipt in the division's own time zone.
        year = received.astimezone(ZoneInfo(make.home_division().calendar.timezone)).year
        last = (
            db.session.scalar(
                select(ReferenceCounter.last_value).filter_by(prefix="CTS", year=year)
            )
            or 0
        )
        registered = make.complaint(received_at=received)
        assert registered.reference == f"CTS-{year}-{last + 1:06d}"
        references_are_gap_free_and_match_the_counters()


def test_volume_must_be_a_positive_number(app, runner):
    result = runner.invoke(args=["seed", "--volume", "0"])
    assert result.exit_code == 2
    assert "0 is not in the range x>=1" in result.output
    with app.app_context():
        assert count(Complaint) == 0


def test_seed_without_volume_is_refused_with_its_reason(app, runner):
    result = runner.invoke(args=["seed", "--seed", "7"])
    assert result.exit_code == 2
    assert "--seed chooses how --volume plans its cases: give --volume N too." in result.output
    with app.app_context():
        assert count(Complaint) == 0
