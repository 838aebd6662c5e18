"""Due dates computed on save, paused, extended, explained, and recomputed on change."""

import json
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import services.clocks
from models import (
    ClockPause,
    Closure,
    Complaint,
    Extension,
    HistoryEntry,
    InternalReview,
    OpeningWindow,
    Participant,
    SlaTarget,
    Ticket,
    db,
)
from rules.errors import RuleViolation

BRISBANE = ZoneInfo("Australia/Brisbane")
MELBOURNE = ZoneInfo("Australia/Melbourne")


def brisbane(*args):
    return datetime(*args, tzinfo=BRISBANE)


def melbourne(*args):
    return datetime(*args, tzinfo=MELBOURNE)


def at(instant):
    return instant.astimezone(timezone.utc)


def history_of(record):
    return db.session.scalars(
        select(HistoryEntry)
        .where(
            HistoryEntry.record_type == type(record).__name__,
            HistoryEntry.record_id == record.id,
        )
        .order_by(HistoryEntry.id)
    ).all()


def test_new_complaint_gets_registration_and_resolution_due_instants(make):
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), classification="standard")
    assert complaint.registration_due_at == at(brisbane(2026, 3, 4, 17, 0))
    assert complaint.resolution_due_at == at(brisbane(2026, 3, 30, 17, 0))
    assert complaint.acknowledgement_due_at is None  # not registered yet
    assert complaint.next_due_at == complaint.registration_due_at


def test_acknowledgement_is_due_five_business_days_after_registration(make):
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0))
    complaint.registered_at = at(brisbane(2026, 3, 3, 11, 0))
    complaint.status = "registered"
    db.session.commit()
    assert complaint.acknowledgement_due_at == at(brisbane(2026, 3, 10, 17, 0))
    assert complaint.next_due_at == complaint.acknowledgement_due_at


def test_informal_complaint_skips_easter_public_holidays(make):
    complaint = make.complaint(received_at=brisbane(2026, 4, 2, 10, 0), classification="informal")
    assert complaint.resolution_due_at == at(brisbane(2026, 4, 13, 17, 0))
    lines = " ".join(
        line for row in services.clocks.explain_case(complaint) for line in row["lines"]
    )
    assert "Good Friday" in lines and "Easter Monday" in lines


def test_unclassified_complaint_is_timed_as_standard_and_says_so(make):
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0))
    assert complaint.resolution_due_at == at(brisbane(2026, 3, 30, 17, 0))
    rows = {row["label"]: row for row in services.clocks.explain_case(complaint)}
    assert any("Not yet classified" in line for line in rows["Resolved (response given)"]["lines"])


def test_compliment_has_five_business_days_to_registration_and_no_resolution_clock(make):
    compliment = make.complaint(kind="compliment", received_at=brisbane(2026, 3, 2, 9, 0))
    assert compliment.reference.startswith("CMP-2026-")
    assert compliment.registration_due_at == at(brisbane(2026, 3, 9, 17, 0))
    assert compliment.resolution_due_at is None


def test_finalised_complaint_states_when_the_review_window_closes(make):
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), classification="standard")
    complaint.status = "finalised"
    complaint.finalised_at = at(brisbane(2026, 3, 20, 15, 0))
    db.session.commit()
    # 20 business days from Friday 20 March, skipping Good Friday and Easter Monday.
    assert complaint.review_request_due_at == at(brisbane(2026, 4, 21, 17, 0))
    assert complaint.next_due_at is None


def test_human_rights_complaint_may_go_to_the_commissioner_after_45_business_days(make):
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), human_rights=True)
    calendar = services.clocks.business_calendar(make.calendar("AU-QLD"))
    expected = calendar.due(brisbane(2026, 3, 2, 9, 0), 45, "business-days")
    assert complaint.human_rights_commissioner_from == expected
    assert calendar.business_days_between(complaint.received_at, expected) == 45


def test_ticket_uses_the_help_desk_calendar_across_daylight_saving(make):
    client = Participant(kind="client_organisation", organisation_name="Acme Training")
    db.session.add(client)
    ticket = Ticket(
        severity="1", summary="Portal down", client=client, reported_at=melbourne(2025, 10, 3, 16)
    )
    db.session.add(ticket)
    db.session.commit()
    assert ticket.reference == "TKT-2025-000001"
    assert ticket.first_response_due_at == at(melbourne(2025, 10, 3, 16, 30))
    assert ticket.resolution_due_at.astimezone(MELBOURNE).isoformat() == (
        "2025-10-06T13:00:00+11:00"
    )


def test_ticket_of_a_client_with_its_own_calendar_runs_on_it(make):
    client = Participant(
        kind="client_organisation", organisation_name="Sunshine RTO", calendar=make.calendar()
    )
    ticket = Ticket(
        severity="2", summary="Reports slow", client=client, reported_at=brisbane(2026, 3, 2, 16)
    )
    db.session.add(ticket)
    db.session.commit()
    # Two business hours from 16:00 on a 17:00 close: one today, one from 08:30 tomorrow.
    assert ticket.first_response_due_at == at(brisbane(2026, 3, 3, 9, 30))


def test_internal_review_is_due_twenty_business_days_after_the_request(make):
    complaint = make.complaint(received_at=brisbane(2026, 1, 12, 9), classification="standard")
    review = InternalReview(complaint=complaint, requested_at=brisbane(2026, 3, 2, 9))
    db.session.add(review)
    db.session.commit()
    assert review.due_at == at(brisbane(2026, 3, 30, 17, 0))


def test_waiting_on_the_complainant_pauses_and_resuming_moves_the_resolution(make, time_machine):
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), classification="standard")
    time_machine.move_to(brisbane(2026, 3, 3, 9, 0), tick=False)
    complaint.status = "awaiting_complainant"
    db.session.commit()
    assert complaint.paused_since == at(brisbane(2026, 3, 3, 9, 0))
    assert complaint.next_due_at is None  # nothing is overdue while we wait

    time_machine.move_to(brisbane(2026, 3, 5, 9, 0), tick=False)
    complaint.status = "investigation"
    db.session.commit()
    # Paused two business days (17 business hours): due moves from 30 March to 1 April.
    assert complaint.resolution_due_at == at(brisbane(2026, 4, 1, 17, 0))
    assert complaint.paused_since is None
    pause = db.session.scalars(select(ClockPause)).one()
    assert (pause.case_type, pause.case_id) == ("complaint", complaint.id)
    summaries = [entry.summary for entry in history_of(complaint)]
    assert any(s.startswith("Clock paused") for s in summaries)
    assert any("Clock resumed after 17 hours" in s for s in summaries)


def test_extension_sets_the_resolution_due_instant_with_its_reason(make):
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), classification="complex")
    rows = {row["label"]: row for row in services.clocks.explain_case(complaint)}
    assert any("needs an extension" in line for line in rows["Resolved (response given)"]["lines"])
    # A coordinator approves it: the authority the procedure gives (with the decision maker).
    director = make.user("director", "coordinator", level="SES1").participant
    db.session.add(
        Extension(
            complaint=complaint,
            new_due_at=at(brisbane(2026, 4, 30, 17, 0)),
            reason="Three business areas involved",
            approved_by=director,
            approved_at=at(brisbane(2026, 3, 20, 10, 0)),
        )
    )
    db.session.commit()
    assert complaint.resolution_due_at == at(brisbane(2026, 4, 30, 17, 0))
    rows = {row["label"]: row for row in services.clocks.explain_case(complaint)}
    lines = rows["Resolved (response given)"]["lines"]
    assert any("Three business areas involved" in line and "Director" in line for line in lines)


def test_adding_a_closure_recomputes_open_cases_and_records_why(make):
    division = make.division()
    open_case = make.complaint(
        division=division, received_at=brisbane(2026, 3, 2, 9, 0), classification="standard"
    )
    closed_case = make.complaint(
        division=division,
        received_at=brisbane(2026, 3, 2, 9, 0),
        classification="standard",
        status="closed",
    )
    closed_version = closed_case.version
    calendar = make.calendar("AU-QLD")
    calendar.closures.append(
        Closure(name="Office relocation", starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 20))
    )
    db.session.commit()
    db.session.refresh(open_case)
    db.session.refresh(closed_case)
    # Five more business days, and Easter on the way: Wednesday 8 April.
    assert open_case.resolution_due_at == at(brisbane(2026, 4, 8, 17, 0))
    assert closed_case.version == closed_version
    entry = [e for e in history_of(open_case) if e.action == "recompute"][-1]
    assert "calendar AU-QLD" in entry.summary
    assert "resolution_due_at" in json.loads(entry.changes)
    assert not [e for e in history_of(closed_case) if e.action == "recompute"]


def test_met_deadlines_keep_their_recorded_due_instant_when_the_calendar_changes(make):
    complaint = make.complaint(received_at=brisbane(2026, 3, 13, 9, 0))
    complaint.registered_at = at(brisbane(2026, 3, 16, 10, 0))
    complaint.status = "registered"
    db.session.commit()
    assert complaint.registration_due_at == at(brisbane(2026, 3, 17, 17, 0))
    calendar = make.calendar("AU-QLD")
    calendar.closures.append(
        Closure(name="Shutdown", starts_on=date(2026, 3, 16), ends_on=date(2026, 3, 20))
    )
    db.session.commit()
    db.session.refresh(complaint)
    assert complaint.registration_due_at == at(brisbane(2026, 3, 17, 17, 0))
    # The acknowledgement was not yet met, so it moves past the shutdown.
    assert complaint.acknowledgement_due_at > at(brisbane(2026, 3, 27, 17, 0))


def test_changing_an_sla_target_recomputes_the_open_cases_it_governs(make):
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0))
    complaint.registered_at = at(brisbane(2026, 3, 2, 10, 0))
    db.session.commit()
    target = db.session.scalars(
        select(SlaTarget).where(SlaTarget.key == "complaint.acknowledgement")
    ).one()
    target.amount = 10
    db.session.commit()
    db.session.refresh(complaint)
    assert complaint.acknowledgement_due_at == at(brisbane(2026, 3, 16, 17, 0))
    assert any("SLA target complaint.acknowledgement" in e.summary for e in history_of(complaint))


def test_a_calendar_with_overlapping_windows_is_refused_and_not_saved(make):
    calendar = make.calendar("AU-QLD")
    calendar.windows.append(OpeningWindow(weekday=0, opens_at=time(12), closes_at=time(13)))
    with pytest.raises(RuleViolation, match="AU-QLD"):
        db.session.commit()
    db.session.rollback()
    assert len(make.calendar("AU-QLD").windows) == 5


def test_a_calendar_with_no_opening_hours_is_refused(make):
    calendar = make.calendar("AU-VIC")
    calendar.windows.clear()
    with pytest.raises(RuleViolation):
        db.session.commit()
    db.session.rollback()


def test_explanation_names_target_calendar_and_state(make, monkeypatch):
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), classification="standard")
    now = at(brisbane(2026, 3, 27, 12, 0))
    rows = {r["label"]: r for r in services.clocks.explain_case(complaint, now=now)}
    resolution = rows["Resolved (response given)"]
    assert resolution["target"] == "20 business days on AU-QLD"
    assert resolution["due"] == "30/03/2026 17:00"
    assert resolution["state"] == "at risk"
    assert rows["Entered in the register"]["state"] == "overdue"


def test_each_explanation_starts_from_the_step_that_started_its_clock(make):
    """The acknowledgement runs from registration, the review window from the response,
    a ticket from its report, a review from its request: not all from "receipt"."""
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), classification="standard")
    complaint.status = "finalised"
    complaint.registered_at = at(brisbane(2026, 3, 3, 18, 0))
    complaint.acknowledged_at = at(brisbane(2026, 3, 4, 10, 0))
    complaint.finalised_at = at(brisbane(2026, 3, 20, 15, 0))
    db.session.add(InternalReview(complaint=complaint, requested_at=brisbane(2026, 3, 23, 9)))
    client = Participant(kind="client_organisation", organisation_name="Acme Training")
    ticket = Ticket(severity="3a", summary="Typo", client=client, reported_at=brisbane(2026, 3, 2))
    db.session.add(ticket)
    db.session.commit()
    rows = {r["label"]: r["lines"] for r in services.clocks.explain_case(complaint)}
    assert rows["Entered in the register"][:2] == [
        "Received Monday 02/03/2026 09:00.",
        "Clock started on receipt, Monday 02/03/2026 09:00.",
    ]
    assert rows["Complainant acknowledged"][:2] == [
        "Registered Tuesday 03/03/2026 18:00.",
        "Clock started Wednesday 04/03/2026 08:30 "
        "(registered after closing time on Tuesday 03/03/2026).",
    ]
    assert rows["Internal review may be asked for until"][:2] == [
        "Response given Friday 20/03/2026 15:00.",
        "Clock started on the response, Friday 20/03/2026 15:00.",
    ]
    ticket_rows = {r["label"]: r["lines"] for r in services.clocks.explain_case(ticket)}
    assert ticket_rows["Resolution"][0].startswith("Reported Monday 02/03/2026 ")
    assert ticket_rows["Resolution"][-1].endswith(
        "30 calendar days after reporting, same local time."
    )
    review = db.session.scalars(select(InternalReview)).one()
    (review_row,) = services.clocks.explain_case(review)
    assert review_row["lines"][:2] == [
        "Review requested Monday 23/03/2026 09:00.",
        "Clock started on the request, Monday 23/03/2026 09:00.",
    ]


def test_every_complaint_saved_keeps_next_due_in_step_with_its_open_deadlines(make):
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0))
    complaint.registered_at = at(brisbane(2026, 3, 3, 9, 0))
    complaint.acknowledged_at = at(brisbane(2026, 3, 4, 9, 0))
    db.session.commit()
    assert complaint.next_due_at == complaint.resolution_due_at
    assert db.session.get(Complaint, complaint.id).next_due_at == complaint.resolution_due_at
    assert complaint.next_due_at - complaint.received_at < timedelta(days=40)


def test_a_change_to_a_calendars_closures_bumps_the_calendars_version(make):
    calendar = make.calendar("AU-VIC")
    version = calendar.version
    calendar.closures.append(
        Closure(
            name="Christmas Eve afternoon",
            starts_on=date(2026, 12, 24),
            ends_on=date(2026, 12, 24),
            from_time=time(12),
        )
    )
    db.session.commit()
    assert calendar.version == version + 1
