"""Due dates computed on save, paused, extended, explained, and recomputed on change."""

import html
import json
import re
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select

import services.clocks
from models import (
    Calendar,
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
    User,
    db,
)
from rules.clock import local_text
from rules.errors import RuleViolation
from services import api_tokens
from tests.scoped_world import CHEAP_HASH

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


# --- each explanation is of the due instant stored ------------------------------------


def zone_of(case):
    clocks = services.clocks.Clocks(db.session)
    return clocks.engine(clocks.calendar_id_of(case)).tz


def assert_each_explanation_ends_at_its_stored_due(case, now=None):
    """Every due instant stored is explained by exactly one "Due <that instant>:" line;
    a step with no due stored has none. Returns the rows."""
    zone = zone_of(case)
    rows = services.clocks.due_dates(case, now)
    for row in rows:
        label = f"{type(case).__name__} {case.id} {row['deadline'].label}"
        stored = getattr(case, row["deadline"].field)
        assert row["due"] == stored, label
        due_lines = [line for line in row["lines"] if line.startswith("Due ")]
        if stored is None:
            assert due_lines == [], label
        else:
            assert len(due_lines) == 1, (label, row["lines"])
            assert due_lines[0].startswith(f"Due {local_text(stored, zone)}:"), (
                label,
                row["lines"],
            )
    return rows


class Doors:
    """The case's due dates as its details page and the API show them."""

    def __init__(self, make, client, auth, monkeypatch):
        monkeypatch.setattr(
            User, "set_password", lambda user, password: setattr(user, "password_hash", CHEAP_HASH)
        )
        self.make, self.client, self.auth = make, client, auth
        self.coordinator = None

    def sign_in(self):
        """After any time travel: a session or token from "the future" is refused."""
        self.coordinator = self.make.user("coord", "coordinator", level="AO6")
        self.auth.login("coord")
        self.headers = {
            "Authorization": "Bearer "
            + api_tokens.issue(db.session, self.coordinator, "Tests").secret
        }
        db.session.commit()

    def page_rows(self, complaint) -> dict:
        """{label: (due, state, [lines])} from the details page's due-dates table."""
        response = self.client.get(f"/admin/complaint/details/?id={complaint.id}")
        assert response.status_code == 200
        page = response.get_data(as_text=True)
        table = page[page.index('id="due-dates-heading"') :]
        table = table[: table.index("</table>")]
        rows = {}
        for row in re.findall(r"<tr class=\"due-state.*?</tr>", table, re.S):
            cells = re.findall(r"<t[hd][^>]*>(.*?)</t[hd]>", row, re.S)
            lines = [html.unescape(line) for line in re.findall(r"<li>(.*?)</li>", cells[5], re.S)]
            state = html.unescape(re.sub(r"<[^>]+>", "", cells[4]).strip())
            # The due, then its zone's abbreviation ("17:00 AEST"): the time is compared.
            words = html.unescape(re.sub(r"<[^>]+>", "", cells[2])).split()
            due = " ".join(words[:2])
            assert words[2:] in ([], ["AEST"], ["AEDT"]), words
            rows[html.unescape(cells[0].strip())] = (due, state, lines)
        return rows

    def api_rows(self, complaint) -> dict:
        """{name: row} from the API's representation of the complaint."""
        response = self.client.get(
            f"/api/v1/complaints/{complaint.reference}", headers=self.headers
        )
        assert response.status_code == 200, response.get_data(as_text=True)
        return {row["name"]: row for row in response.get_json()["due"]}


@pytest.fixture
def doors(make, client, auth, monkeypatch):
    return Doors(make, client, auth, monkeypatch)


def test_resuming_names_the_due_it_moved_and_the_explanation_shows_that_move(doors, time_machine):
    make = doors.make
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), classification="standard")
    complaint.registered_at = at(brisbane(2026, 3, 2, 10, 0))
    db.session.commit()
    time_machine.move_to(brisbane(2026, 3, 3, 9, 0), tick=False)
    complaint.status = "awaiting_complainant"
    db.session.commit()
    time_machine.move_to(brisbane(2026, 3, 5, 9, 0), tick=False)
    complaint.status = "investigation"
    db.session.commit()
    assert complaint.resolution_due_at == at(brisbane(2026, 4, 1, 17, 0))
    # The history names the due that moved, and only it: the acknowledgement's clock runs on.
    resumed = [e.summary for e in history_of(complaint) if e.summary.startswith("Clock resumed")]
    assert resumed == [
        "Clock resumed after 17 hours of business time waiting: Resolution due moved from "
        "Monday 30/03/2026 17:00 to Wednesday 01/04/2026 17:00."
    ]
    moved = "the due moved 17 h later (business time paused)."
    due = "Due Wednesday 01/04/2026 17:00: closing time 20 business days after day 0"

    doors.sign_in()
    shown, state, lines = doors.page_rows(complaint)["Resolved (response given)"]
    assert shown == "01/04/2026 17:00" and state == "open"
    assert any(line.endswith(moved) for line in lines)
    assert [line for line in lines if line.startswith("Due ")][0].startswith(due)
    resolution = doors.api_rows(complaint)["resolution"]
    assert resolution["due_at"] == "2026-04-01T17:00:00+10:00"
    assert resolution["explanation"] == lines
    assert_each_explanation_ends_at_its_stored_due(complaint)


def test_a_pause_after_the_due_moves_nothing_and_history_and_explanation_say_why(
    doors, time_machine
):
    make = doors.make
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), classification="informal")
    time_machine.move_to(brisbane(2026, 3, 12, 9, 0), tick=False)
    complaint.status = "awaiting_complainant"
    db.session.commit()
    time_machine.move_to(brisbane(2026, 3, 16, 9, 0), tick=False)
    complaint.status = "investigation"
    db.session.commit()
    assert complaint.resolution_due_at == at(brisbane(2026, 3, 9, 17, 0))
    resumed = [e.summary for e in history_of(complaint) if e.summary.startswith("Clock resumed")]
    assert resumed == [
        "Clock resumed after 17 hours of business time waiting: no due instant moved, since "
        "the resolution due (Monday 09/03/2026 17:00) had already passed when the clock paused."
    ]

    doors.sign_in()
    shown, state, lines = doors.page_rows(complaint)["Resolved (response given)"]
    assert (shown, state) == ("09/03/2026 17:00", "overdue")
    assert (
        "Paused from Thursday 12/03/2026 09:00 to Monday 16/03/2026 09:00: no effect on the "
        "due (the due had already passed: overdue by 17 h 30 min of business time when "
        "paused)."
    ) in lines
    assert not any("no counted time" in line for line in lines)
    assert doors.api_rows(complaint)["resolution"]["explanation"] == lines
    assert_each_explanation_ends_at_its_stored_due(complaint)


def test_a_met_deadline_shows_and_explains_the_due_it_was_met_against_after_its_target_changes(
    doors,
):
    make = doors.make
    complaint = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), classification="standard")
    complaint.registered_at = at(brisbane(2026, 3, 2, 10, 0))
    complaint.acknowledged_at = at(brisbane(2026, 3, 5, 10, 0))
    complaint.status = "acknowledged"
    db.session.commit()
    assert complaint.acknowledgement_due_at == at(brisbane(2026, 3, 9, 17, 0))
    # An administrator shortens the acknowledgement target to one business day.
    target = db.session.scalars(
        select(SlaTarget).where(SlaTarget.key == "complaint.acknowledgement")
    ).one()
    target.amount = 1
    db.session.commit()
    db.session.refresh(complaint)
    assert complaint.acknowledgement_due_at == at(brisbane(2026, 3, 9, 17, 0))

    doors.sign_in()
    shown, state, lines = doors.page_rows(complaint)["Complainant acknowledged"]
    assert (shown, state) == ("09/03/2026 17:00", "met")
    assert [line for line in lines if line.startswith("Due ")] == [
        "Due Monday 09/03/2026 17:00: the due in force when this step was met (Thursday "
        "05/03/2026 10:00), kept since: a met step keeps the due it was met against."
    ]
    assert any(
        line.startswith("The SLA target or its calendar has changed since")
        and line.endswith("would make it due Tuesday 03/03/2026 17:00.")
        for line in lines
    )
    acknowledgement = doors.api_rows(complaint)["acknowledgement"]
    assert acknowledgement["due_at"] == "2026-03-09T17:00:00+10:00"
    assert (acknowledgement["state"], acknowledgement["explanation"]) == ("met", lines)
    assert_each_explanation_ends_at_its_stored_due(complaint)


def test_a_case_already_overdue_when_it_was_paused_says_so(doors, time_machine):
    make = doors.make
    late = make.complaint(received_at=brisbane(2026, 3, 2, 9, 0), classification="informal")
    on_time = make.complaint(received_at=brisbane(2026, 3, 9, 9, 0), classification="informal")
    time_machine.move_to(brisbane(2026, 3, 12, 9, 0), tick=False)
    late.status = on_time.status = "awaiting_complainant"
    db.session.commit()
    time_machine.move_to(brisbane(2026, 3, 20, 9, 0), tick=False)

    doors.sign_in()
    shown, state, lines = doors.page_rows(late)["Resolved (response given)"]
    assert (shown, state) == ("09/03/2026 17:00", "overdue, paused")
    assert lines[-1] == (
        "Was already overdue by 17 h 30 min of business time when paused on Thursday "
        "12/03/2026 09:00: waiting does not move a due that has passed."
    )
    resolution = doors.api_rows(late)["resolution"]
    assert (resolution["state"], resolution["explanation"]) == ("overdue, paused", lines)
    # Paused before its due: the due will move when work resumes, so it is only paused.
    shown, state, lines = doors.page_rows(on_time)["Resolved (response given)"]
    assert state == "paused"
    assert not any(line.startswith("Was already overdue") for line in lines)
    assert_each_explanation_ends_at_its_stored_due(late)
    assert_each_explanation_ends_at_its_stored_due(on_time)


def every_case():
    for model in (Complaint, Ticket, InternalReview):
        yield from db.session.scalars(select(model).order_by(model.id))


def change_the_rules():
    """An administrator shortens the acknowledgement and severity-2 first response targets
    and closes the Queensland office for a week: open cases move, met steps and closed
    cases keep what they had."""
    for key, amount in (("complaint.acknowledgement", 3), ("ticket.first_response.2", 1)):
        target = db.session.scalars(select(SlaTarget).where(SlaTarget.key == key)).one()
        target.amount = amount
    calendar = db.session.scalars(select(Calendar).where(Calendar.code == "AU-QLD")).one()
    calendar.closures.append(
        Closure(name="Office move", starts_on=date(2026, 3, 23), ends_on=date(2026, 3, 27))
    )
    db.session.commit()
    db.session.expire_all()


def test_every_explained_due_is_the_stored_due_whatever_happened_to_the_case(make, time_machine):
    # Each record is saved once what it records has happened: no receipt lies ahead.
    time_machine.move_to(brisbane(2026, 3, 2, 9, 0), tick=False)
    received = brisbane(2026, 3, 2, 9, 0)
    standard = make.complaint(received_at=received, classification="standard")
    informal = make.complaint(received_at=received, classification="informal")
    complex_case = make.complaint(received_at=received, classification="complex")
    rights = make.complaint(received_at=received, human_rights=True)
    make.complaint(kind="compliment", received_at=received)
    finalised = make.complaint(received_at=received, classification="informal")
    referred = make.complaint(received_at=received, human_rights=True)
    client = Participant(kind="client_organisation", organisation_name="Acme Training")
    tickets = [
        Ticket(severity=severity, summary="Fault", client=client, reported_at=received)
        for severity in ("1", "2", "3a", "3b")
    ]
    db.session.add_all(tickets)
    db.session.commit()
    director = make.user("director", "coordinator", level="SES1").participant
    db.session.add(
        Extension(
            complaint=complex_case,
            new_due_at=at(brisbane(2026, 4, 30, 17, 0)),
            reason="Three business areas involved",
            approved_by=director,
            approved_at=at(brisbane(2026, 3, 20, 10, 0)),
        )
    )
    for case in (standard, informal, rights, finalised):
        case.registered_at = at(brisbane(2026, 3, 2, 10, 0))
        case.status = "registered"
    standard.acknowledged_at = at(brisbane(2026, 3, 4, 10, 0))
    finalised.status = "finalised"
    finalised.finalised_at = at(brisbane(2026, 3, 6, 15, 0))
    referred.status = "referred"
    referred.closed_at = at(brisbane(2026, 3, 3, 11, 0))
    tickets[0].first_response_at = at(brisbane(2026, 3, 2, 9, 20))
    db.session.commit()
    time_machine.move_to(brisbane(2026, 3, 9, 9, 0), tick=False)
    db.session.add(InternalReview(complaint=finalised, requested_at=brisbane(2026, 3, 9, 9)))
    db.session.commit()

    # Waits: the standard complaint and the tickets wait and resume; the informal one is
    # already overdue when it starts waiting, and still waits.
    time_machine.move_to(brisbane(2026, 3, 3, 9, 0), tick=False)
    standard.status = "awaiting_complainant"
    for ticket in tickets:
        ticket.status = "waiting_on_client"
    db.session.commit()
    time_machine.move_to(brisbane(2026, 3, 5, 14, 0), tick=False)
    standard.status = "investigation"
    for ticket in tickets:
        ticket.status = "in_progress"
    db.session.commit()
    time_machine.move_to(brisbane(2026, 3, 12, 9, 0), tick=False)
    informal.status = "awaiting_complainant"
    db.session.commit()

    change_the_rules()
    time_machine.move_to(brisbane(2026, 3, 18, 12, 0), tick=False)
    cases = list(every_case())
    assert len(cases) == 12
    for case in cases:
        assert_each_explanation_ends_at_its_stored_due(case)
    # The ticket timed in calendar days moved by elapsed time, and its history says so.
    correction = tickets[2]
    resumed = [e.summary for e in history_of(correction) if e.summary.startswith("Clock resumed")]
    assert len(resumed) == 1
    assert resumed[0].endswith(f"to {local_text(correction.resolution_due_at, MELBOURNE)}."), (
        resumed
    )
    rows = {row["deadline"].label: row for row in services.clocks.due_dates(informal)}
    assert rows["Resolved (response given)"]["state"] == "overdue, paused"
    # Closed before the office move: its Commissioner date stands, and says why.
    rows = {row["deadline"].label: row for row in services.clocks.due_dates(referred)}
    lines = rows["May go to the Human Rights Commissioner from"]["lines"]
    assert lines[-1].endswith(
        "as recorded when it was last worked out; the case is closed, so its due instants "
        "are no longer recomputed."
    )
    assert lines[-2].startswith("Under today's rules it would be due ")


def test_every_explained_due_of_the_demo_department_is_its_stored_due(app, time_machine):
    from seed import demo

    now = datetime(2026, 3, 18, 2, 0, tzinfo=timezone.utc)
    time_machine.move_to(now, tick=False)
    with app.app_context():
        demo.load(now=now, echo=lambda *args: None)
        change_the_rules()
        cases = list(every_case())
        assert len(cases) > 700
        states = set()
        for case in cases:
            rows = assert_each_explanation_ends_at_its_stored_due(case)
            states.update(row["state"] for row in rows)
        assert {"met", "missed", "overdue", "paused", "open"} <= states
