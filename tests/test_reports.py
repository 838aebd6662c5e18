"""Reports with known data: every figure of every report, on SQLite and PostgreSQL.

Registers are built with the ORM, so the flush hook computes the due instants the
reports compare with. Times are written in local time (Brisbane unless said) as a
coordinator reads them off a wall calendar.
"""

from datetime import date, datetime, timedelta, timezone
from zoneinfo import ZoneInfo

import pytest
from sqlalchemy import select, text

from models import (
    Category,
    Channel,
    Complaint,
    Extension,
    ExternalReview,
    InternalReview,
    Outcome,
    Participant,
    ReferralTarget,
    SlaTarget,
    Ticket,
    db,
)
from rules.periods import QUARTER, financial_year, last_n, month, quarter
from services import clocks, reports

BRISBANE = ZoneInfo("Australia/Brisbane")
MELBOURNE = ZoneInfo("Australia/Melbourne")


def brisbane(*args):
    return datetime(*args, tzinfo=BRISBANE)


def melbourne(*args):
    return datetime(*args, tzinfo=MELBOURNE)


def lookup(model, code):
    return db.session.execute(select(model).filter_by(code=code)).scalar_one()


# --- service-desk tickets ---------------------------------------------------------------


def client_organisation(make, name="Acme Training", calendar="AU-QLD"):
    client = Participant(
        kind="client_organisation", organisation_name=name, calendar=make.calendar(calendar)
    )
    db.session.add(client)
    db.session.flush()
    return client


def ticket(client, severity, reported_at, *, responded=None, resolved=None, status=None):
    """responded, resolved: an instant, or a timedelta from the due instant (0: at it)."""
    made = Ticket(
        severity=severity,
        summary=f"Severity {severity} fault",
        client=client,
        reported_at=reported_at,
        status=status or ("resolved" if resolved is not None else "in_progress"),
    )
    db.session.add(made)
    db.session.flush()
    if isinstance(responded, timedelta):
        responded = made.first_response_due_at + responded
    if isinstance(resolved, timedelta):
        resolved = made.resolution_due_at + resolved
    made.first_response_at, made.resolved_at = responded, resolved
    db.session.flush()
    return made


ON_TIME, LATE = timedelta(0), timedelta(minutes=1)


def set_service_level(key, percent):
    target = db.session.execute(select(SlaTarget).filter_by(key=key)).scalar_one()
    target.service_level_percent = percent
    db.session.commit()


def test_service_levels_count_tickets_resolved_met_and_missed_per_severity(make):
    client = client_organisation(make)
    monday = brisbane(2026, 3, 2, 9, 0)
    # Severity 1: first response due 09:30, resolution due 15:00 the same day.
    met = ticket(client, "1", monday, responded=ON_TIME, resolved=ON_TIME)
    assert met.resolution_due_at == brisbane(2026, 3, 2, 15, 0)
    ticket(client, "1", monday, responded=LATE, resolved=LATE)
    ticket(client, "1", monday, resolved=brisbane(2026, 3, 2, 10, 0))  # never responded to
    ticket(client, "2", monday, responded=ON_TIME, resolved=ON_TIME)
    ticket(client, "2", monday, responded=ON_TIME, resolved=LATE)
    ticket(client, "3b", monday, responded=ON_TIME, resolved=ON_TIME)
    ticket(client, "2", brisbane(2026, 4, 1, 9, 0), responded=ON_TIME, resolved=ON_TIME)
    ticket(client, "1", monday)  # still open: counts nowhere
    db.session.commit()

    march, april = month(2026, 3), month(2026, 4)
    report = reports.service_levels(db.session, [april, march], now=brisbane(2026, 5, 20, 9))
    assert report.periods == (march, april)
    assert [(r.period, r.severity) for r in report.rows] == [
        (p, s) for p in (march, april) for s in ("1", "2", "3a", "3b")
    ]

    first = report.row(march, "1")
    assert (first.closed, first.first_response_met, first.first_response_missed) == (3, 1, 2)
    assert (first.resolution_met, first.resolution_missed) == (2, 1)
    assert first.first_response_percent == pytest.approx(100 / 3)
    assert first.resolution_percent == pytest.approx(200 / 3)
    assert first.resolution_target_percent == 98
    assert first.first_response_target_percent is None
    assert first.meets_target is False

    second = report.row(march, "2")
    assert (second.closed, second.first_response_met, second.first_response_missed) == (2, 2, 0)
    assert (second.resolution_met, second.resolution_missed) == (1, 1)
    assert second.resolution_percent == 50.0
    assert second.resolution_target_percent == 95
    assert second.meets_target is False

    nothing = report.row(march, "3a")
    assert (nothing.closed, nothing.resolution_met, nothing.resolution_missed) == (0, 0, 0)
    assert nothing.resolution_percent is None and nothing.meets_target is None

    question = report.row(march, "3b")
    assert (question.closed, question.resolution_met, question.resolution_percent) == (1, 1, 100)
    assert question.resolution_target_percent is None and question.meets_target is None

    april_second = report.row(april, "2")
    assert (april_second.closed, april_second.resolution_percent) == (1, 100.0)
    assert april_second.meets_target is True
    # May 20 is in neither period: nothing is under way, so there is no forecast.
    assert report.current is None and report.forecasts == () and report.at_risk == ()

    table = report.as_table()
    assert table.headers[:3] == ("Period", "Severity", "Resolved")
    assert table.rows[0][:3] == ("March 2026", "1: major outage, service unusable", 3)


def test_a_ticket_counts_in_the_financial_year_of_its_local_resolution_day(make):
    client = client_organisation(make)
    reported = brisbane(2026, 6, 22, 10, 0)  # 3a: corrected within 30 calendar days
    ticket(client, "3a", reported, responded=ON_TIME, resolved=brisbane(2026, 6, 30, 23, 59))
    ticket(client, "3a", reported, responded=ON_TIME, resolved=brisbane(2026, 7, 1, 0, 0))
    db.session.commit()
    years = [financial_year(2025), financial_year(2026)]

    report = reports.service_levels(db.session, years, now=brisbane(2027, 1, 1))
    assert report.row(years[0], "3a").closed == 1
    assert report.row(years[1], "3a").closed == 1

    # In Perth (two hours behind) both were resolved on 30 June.
    in_perth = reports.service_levels(
        db.session, years, now=brisbane(2027, 1, 1), tz="Australia/Perth"
    )
    assert in_perth.row(years[0], "3a").closed == 2
    assert in_perth.row(years[1], "3a").closed == 0


def test_the_forecast_counts_the_misses_the_target_can_still_absorb(make):
    set_service_level("ticket.resolution.2", 75)
    client = client_organisation(make)
    june_first = brisbane(2026, 6, 1, 9, 0)
    for resolved in (ON_TIME,) * 5 + (LATE,):
        ticket(client, "2", june_first, responded=ON_TIME, resolved=resolved)
    overdue = ticket(client, "2", june_first, responded=ON_TIME)
    ticket(client, "2", june_first, responded=ON_TIME, status="waiting_on_client")
    ticket(client, "2", brisbane(2026, 6, 15, 9, 0), responded=ON_TIME)
    ticket(client, "2", brisbane(2026, 6, 15, 9, 0))
    after_the_quarter = ticket(client, "2", brisbane(2026, 6, 26, 9, 0))
    ticket(client, "2", brisbane(2026, 3, 2, 9, 0), responded=ON_TIME, resolved=LATE)
    for resolved in (ON_TIME, LATE):
        ticket(client, "1", june_first, responded=ON_TIME, resolved=resolved)
    db.session.commit()
    now = brisbane(2026, 6, 15, 12, 0)
    assert overdue.resolution_due_at < now
    assert after_the_quarter.resolution_due_at >= brisbane(2026, 7, 1)

    june_quarter = quarter(2026, 2)
    report = reports.service_levels(db.session, june_quarter, now=now)
    assert report.current == june_quarter

    second = report.forecast("2")
    assert (second.closed, second.missed, second.open_due, second.overdue) == (6, 1, 4, 1)
    # 10 tickets expected; 75% allows floor(2.5) = 2 misses; 1 missed and 1 overdue.
    assert second.expected == 10
    assert second.misses_allowed == 2
    assert second.misses_absorbable == 0
    assert second.target_reachable is True

    first = report.forecast("1")
    assert (first.closed, first.missed, first.open_due, first.overdue) == (2, 1, 0, 0)
    # 98% of 2 tickets allows no miss at all: one too many already.
    assert (first.misses_allowed, first.misses_absorbable, first.target_reachable) == (
        0,
        -1,
        False,
    )

    none_yet = report.forecast("3a")
    assert (none_yet.expected, none_yet.misses_allowed, none_yet.misses_absorbable) == (0, 0, 0)
    no_target = report.forecast("3b")
    assert no_target.misses_allowed is None and no_target.target_reachable is None

    # The overdue ticket is the only one at risk: the paused one waits on the client.
    assert [(t.id, t.state) for t in report.at_risk] == [(overdue.id, "overdue")]


def test_open_tickets_with_a_quarter_of_their_time_left_are_at_risk(make):
    client = client_organisation(make)
    other = client_organisation(make, "Other Client")
    # Severity 1: six business hours. At 14:00 the 09:00 ticket has one hour left.
    at_risk = ticket(client, "1", brisbane(2026, 6, 15, 9, 0))
    ticket(client, "1", brisbane(2026, 6, 15, 13, 0))  # five of its six hours left
    overdue = ticket(client, "1", brisbane(2026, 6, 12, 9, 0))
    ticket(client, "1", brisbane(2026, 6, 12, 9, 0), status="waiting_on_client")
    ticket(client, "1", brisbane(2026, 6, 12, 9, 0), resolved=LATE)
    other_overdue = ticket(other, "1", brisbane(2026, 6, 12, 10, 0))
    db.session.commit()
    now = brisbane(2026, 6, 15, 14, 0)

    report = reports.service_levels(db.session, month(2026, 6), now=now)
    assert [(t.reference, t.state) for t in report.at_risk] == [
        (overdue.reference, "overdue"),
        (other_overdue.reference, "overdue"),
        (at_risk.reference, "at risk"),
    ]
    assert report.at_risk[-1].resolution_due_at == brisbane(2026, 6, 15, 15, 0)
    # Open and due in June: all five open ones, the paused one included.
    assert report.forecast("1").open_due == 5
    assert report.forecast("1").overdue == 2

    mine = reports.service_levels(
        db.session, month(2026, 6), now=now, scope=Ticket.client_id == client.id
    )
    assert [t.state for t in mine.at_risk] == ["overdue", "at risk"]
    assert mine.forecast("1").open_due == 4
    assert mine.row(month(2026, 6), "1").closed == 1


def test_an_overdue_or_close_first_response_is_at_risk_too(make):
    client = client_organisation(make)
    # Severity 1: first response in 30 business minutes, resolution in six hours.
    not_answered = ticket(client, "1", brisbane(2026, 6, 15, 9, 0), status="new")
    nearly_late = ticket(client, "1", brisbane(2026, 6, 15, 9, 35), status="new")
    answered = ticket(
        client, "1", brisbane(2026, 6, 15, 9, 0), status="responded", responded=ON_TIME
    )
    db.session.commit()
    now = brisbane(2026, 6, 15, 9, 58)

    report = reports.service_levels(db.session, month(2026, 6), now=now)
    assert [(t.reference, t.deadline, t.state) for t in report.at_risk] == [
        (not_answered.reference, "First response", "overdue"),
        (nearly_late.reference, "First response", "at risk"),
    ]
    assert report.at_risk[0].due_at == brisbane(2026, 6, 15, 9, 30)
    assert answered.reference not in [t.reference for t in report.at_risk]


def test_overlapping_periods_are_refused(make):
    with pytest.raises(ValueError, match="overlap"):
        reports.service_levels(db.session, [quarter(2026, 2), month(2026, 5)])


# --- complaint timeliness ---------------------------------------------------------------


def complaint(make, division, received_at, **values):
    values.setdefault("classification", "standard")
    for field, model in (("category", Category), ("channel", Channel)):
        if isinstance(values.get(field), str):
            values[field] = lookup(model, values[field])
    if isinstance(values.get("outcome"), str):
        values["outcome"] = lookup(Outcome, values["outcome"])
    if isinstance(values.get("referral_target"), str):
        values["referral_target"] = lookup(ReferralTarget, values["referral_target"])
    return make.complaint(division=division, received_at=received_at, commit=False, **values)


@pytest.fixture
def quarter_register(make):
    """Complaints of January to March 2026 in a Brisbane and a Melbourne division.

    Business days received to finalised, on the division's calendar:
    queensland: 0, 2, 4, 5, 21, 2 (and one finalised on 1 April, outside the quarter);
    victoria: 2 (Labour Day, 9 March, is a holiday there but not in Queensland).
    """
    queensland = make.division("Queensland Operations")
    victoria = make.division("Victorian Operations", calendar_code="AU-VIC")
    monday = brisbane(2026, 3, 2, 9, 0)
    made = {
        "same_day": complaint(
            make,
            queensland,
            monday,
            registered_at=monday,
            acknowledged_at=brisbane(2026, 3, 3, 9, 0),
            finalised_at=brisbane(2026, 3, 2, 16, 0),
            category="service_quality",
            channel="email",
        ),
        "two_days": complaint(
            make,
            queensland,
            monday,
            registered_at=monday,
            acknowledged_at=brisbane(2026, 3, 10, 9, 0),  # due 9 March 17:00: late
            finalised_at=brisbane(2026, 3, 4, 10, 0),
            category="service_quality",
            channel="email",
        ),
        # Received after closing: day 0 is Tuesday. Finalised after Friday's close.
        "after_hours": complaint(
            make,
            queensland,
            brisbane(2026, 3, 2, 18, 0),
            finalised_at=brisbane(2026, 3, 6, 17, 30),
            category="timeliness",
            channel="email",
        ),
        # Finalised exactly at closing time on the fifth business day.
        "extended": complaint(
            make,
            queensland,
            brisbane(2026, 3, 6, 9, 0),
            classification="complex",
            finalised_at=brisbane(2026, 3, 13, 17, 0),
            category="timeliness",
            channel="email",
        ),
        # Due Friday 27 February at 17:00, finalised the Monday after: late.
        "late": complaint(
            make,
            queensland,
            brisbane(2026, 1, 30, 9, 0),
            finalised_at=brisbane(2026, 3, 2, 9, 0),
            channel="email",
        ),
        "last_minute": complaint(
            make,
            queensland,
            brisbane(2026, 3, 30, 9, 0),
            acknowledged_at=brisbane(2026, 3, 31, 10, 0),  # never registered: no due instant
            finalised_at=brisbane(2026, 3, 31, 23, 59),
            category="staff_conduct",
            channel="email",
        ),
        "next_quarter": complaint(
            make,
            queensland,
            brisbane(2026, 3, 30, 9, 0),
            finalised_at=brisbane(2026, 4, 1, 0, 0),
            category="staff_conduct",
            channel="email",
        ),
        "open": complaint(make, queensland, brisbane(2026, 2, 10, 9, 0), channel="email"),
        "victorian": complaint(
            make,
            victoria,
            melbourne(2026, 3, 9, 9, 0),
            registered_at=melbourne(2026, 3, 9, 9, 0),
            acknowledged_at=melbourne(2026, 3, 17, 17, 30),  # exactly at its due instant
            finalised_at=melbourne(2026, 3, 12, 12, 0),
            category="staff_conduct",
            channel="telephone",
        ),
        "compliment": complaint(
            make,
            queensland,
            monday,
            kind="compliment",
            classification=None,
            finalised_at=brisbane(2026, 3, 3, 9, 0),
        ),
    }
    db.session.add(
        Extension(
            complaint=made["extended"],
            new_due_at=brisbane(2026, 4, 30, 17, 0),
            reason="Three business areas involved",
            approved_by=make.user("approver", "coordinator", level="AO8").participant,
        )
    )
    db.session.commit()
    made["queensland"], made["victoria"] = queensland, victoria
    return made


def test_business_days_to_finalise_are_those_of_the_calendar(make, quarter_register):
    """The SQL count agrees with BusinessCalendar.business_days_between, case by case."""
    expected = {
        "same_day": 0,
        "two_days": 2,
        "after_hours": 4,
        "extended": 5,
        "late": 21,
        "last_minute": 2,
        "next_quarter": 2,
        "victorian": 2,
    }
    for name, days in expected.items():
        case = quarter_register[name]
        engine = clocks.business_calendar(case.division.calendar)
        assert engine.business_days_between(case.received_at, case.finalised_at) == days, name


def test_timeliness_by_division(make, quarter_register):
    report = reports.complaint_timeliness(db.session, quarter(2026, 1), "division")
    assert [r.label for r in report.rows] == ["Queensland Operations", "Victorian Operations"]

    queensland = report.row("Queensland Operations")
    assert queensland.key == quarter_register["queensland"].id
    assert queensland.received == 8
    assert (queensland.acknowledged, queensland.acknowledged_timed) == (3, 2)
    assert queensland.acknowledged_on_time == 1
    assert queensland.acknowledged_on_time_percent == 50.0
    assert (queensland.finalised, queensland.finalised_timed) == (6, 6)
    assert queensland.finalised_in_time == 5
    assert queensland.finalised_in_time_percent == pytest.approx(500 / 6)
    assert queensland.extended == 1
    # 0, 2, 2, 4, 5, 21: the median halfway between 2 and 4, the 90th percentile at
    # position 4.5 of 0..5, halfway between 5 and 21.
    assert queensland.median_business_days == pytest.approx(3.0)
    assert queensland.p90_business_days == pytest.approx(13.0)

    victoria = report.row("Victorian Operations")
    assert (victoria.received, victoria.acknowledged, victoria.acknowledged_on_time) == (1, 1, 1)
    assert victoria.acknowledged_on_time_percent == 100.0
    assert (victoria.finalised, victoria.finalised_in_time, victoria.extended) == (1, 1, 0)
    assert victoria.median_business_days == pytest.approx(2.0)
    assert victoria.p90_business_days == pytest.approx(2.0)

    total = report.total
    assert (total.label, total.received, total.acknowledged, total.acknowledged_timed) == (
        "All",
        9,
        4,
        3,
    )
    assert total.acknowledged_on_time_percent == pytest.approx(200 / 3)
    assert (total.finalised, total.finalised_in_time, total.extended) == (7, 6, 1)
    # 0, 2, 2, 2, 4, 5, 21: position 3 is 2; position 5.4 is 5 + 0.4 x 16.
    assert total.median_business_days == pytest.approx(2.0)
    assert total.p90_business_days == pytest.approx(11.4)

    table = report.as_table()
    assert table.headers[0] == "Division"
    assert table.rows[-1][0] == "All"


def test_timeliness_by_category_classification_and_channel(make, quarter_register):
    first_quarter = quarter(2026, 1)
    by_category = reports.complaint_timeliness(db.session, first_quarter, "category")
    assert [r.label for r in by_category.rows] == [
        "Delay or timeliness",
        "Quality of service",
        "Staff conduct or behaviour",
        "Not recorded",
    ]
    conduct = by_category.row("Staff conduct or behaviour")
    # last_minute (2 days) and victorian (2 days); next_quarter was finalised in April.
    assert (conduct.received, conduct.finalised, conduct.median_business_days) == (3, 2, 2.0)
    timeliness = by_category.row("Delay or timeliness")
    assert (timeliness.finalised, timeliness.extended) == (2, 1)
    assert timeliness.median_business_days == pytest.approx(4.5)
    assert timeliness.p90_business_days == pytest.approx(4.9)
    unrecorded = by_category.row("Not recorded")
    assert (unrecorded.key, unrecorded.received, unrecorded.finalised) == (None, 2, 1)
    assert unrecorded.finalised_in_time_percent == 0.0
    assert unrecorded.median_business_days == pytest.approx(21.0)

    by_classification = reports.complaint_timeliness(db.session, first_quarter, "classification")
    assert [(r.key, r.label, r.finalised) for r in by_classification.rows] == [
        ("standard", "Formal, standard", 6),
        ("complex", "Formal, complex", 1),
    ]
    assert by_classification.row("Formal, complex").median_business_days == 5.0

    by_channel = reports.complaint_timeliness(db.session, first_quarter, "channel")
    assert [(r.label, r.received, r.finalised) for r in by_channel.rows] == [
        ("Email", 8, 6),
        ("Telephone", 1, 1),
    ]
    assert by_channel.total == reports.complaint_timeliness(db.session, first_quarter).total


def test_timeliness_of_a_quarter_counts_what_happened_in_it(make, quarter_register):
    second_quarter = reports.complaint_timeliness(db.session, quarter(2026, 2), "division")
    assert [(r.label, r.received, r.finalised) for r in second_quarter.rows] == [
        ("Queensland Operations", 0, 1)
    ]
    assert second_quarter.total.median_business_days == pytest.approx(2.0)
    empty = reports.complaint_timeliness(db.session, quarter(2025, 4), "division")
    assert empty.rows == ()
    assert (empty.total.finalised, empty.total.median_business_days) == (0, None)
    assert empty.total.finalised_in_time_percent is None


def test_timeliness_within_a_scope(make, quarter_register):
    victoria = quarter_register["victoria"]
    report = reports.complaint_timeliness(
        db.session, quarter(2026, 1), "category", scope=Complaint.division_id == victoria.id
    )
    assert [(r.label, r.finalised) for r in report.rows] == [("Staff conduct or behaviour", 1)]
    assert (report.total.received, report.total.p90_business_days) == (1, 2.0)


def test_timeliness_refuses_an_unknown_grouping(make):
    with pytest.raises(ValueError, match="cannot be grouped by 'officer'"):
        reports.complaint_timeliness(db.session, quarter(2026, 1), "officer")


def test_the_business_day_table_is_gone_after_the_report(make, quarter_register):
    reports.complaint_timeliness(db.session, quarter(2026, 1))
    if db.session.get_bind().dialect.name == "sqlite":
        leftovers = db.session.execute(text("SELECT name FROM sqlite_temp_master")).all()
    else:
        leftovers = db.session.execute(
            text("SELECT tablename FROM pg_tables WHERE tablename LIKE 'report_closes_%'")
        ).all()
    assert leftovers == []


# --- outcomes and reviews ---------------------------------------------------------------


def test_outcomes_reviews_and_referrals_of_a_quarter(make):
    division = make.division("Operations")
    other = make.division("Elsewhere")
    march, may = brisbane(2026, 3, 2, 9, 0), brisbane(2026, 5, 11, 9, 0)

    def finalised(outcome, at=may, where=division):
        return complaint(make, where, march, status="finalised", finalised_at=at, outcome=outcome)

    upheld = finalised("upheld")
    finalised("upheld", where=other)
    reviewed = finalised("not_upheld")
    withdrawn = finalised("withdrawn")
    finalised(None)
    finalised("declined", at=brisbane(2026, 3, 31, 23, 59))  # previous quarter
    finalised("upheld", at=brisbane(2026, 7, 1, 0, 0))  # next quarter
    for target, closed_at in (
        ("privacy_breach", brisbane(2026, 4, 1, 0, 0)),
        ("privacy_breach", brisbane(2026, 6, 30, 23, 59)),
        ("employee_misconduct", brisbane(2026, 3, 31, 23, 59)),
    ):
        complaint(
            make, division, march, status="referred", referral_target=target, closed_at=closed_at
        )
    db.session.flush()
    db.session.add_all(
        [
            InternalReview(
                complaint=reviewed,
                requested_at=brisbane(2026, 5, 12, 9, 0),
                status="completed",
                outcome="decision_changed",
                completed_at=brisbane(2026, 6, 1, 9, 0),
            ),
            InternalReview(complaint=upheld, requested_at=brisbane(2026, 6, 2, 9, 0)),
            InternalReview(
                complaint=withdrawn,
                requested_at=brisbane(2026, 3, 20, 9, 0),
                status="completed",
                outcome="original_confirmed",
                completed_at=brisbane(2026, 4, 10, 9, 0),
            ),
            ExternalReview(
                complaint=reviewed, body="ombudsman", notified_at=brisbane(2026, 6, 20, 9, 0)
            ),
            ExternalReview(
                complaint=upheld,
                body="human_rights_commissioner",
                notified_at=brisbane(2026, 3, 1, 9, 0),
            ),
        ]
    )
    db.session.commit()

    report = reports.outcomes_and_reviews(db.session, quarter(2026, 2))
    assert [(c.key, c.count) for c in report.outcomes] == [
        ("upheld", 2),
        ("partly_upheld", 0),
        ("not_upheld", 1),
        ("resolved", 0),
        ("withdrawn", 1),
        ("declined", 0),
        (None, 1),
    ]
    assert report.outcomes[-1].label == "Not recorded"
    assert report.finalised == 5
    assert report.internal_reviews_requested == 2
    assert [(c.key, c.count) for c in report.review_outcomes] == [
        ("original_confirmed", 1),
        ("decision_changed", 1),
        ("referred_back", 0),
    ]
    assert report.internal_reviews_completed == 2
    assert report.outcome_changed_on_review == 1
    assert [(c.key, c.count) for c in report.external_reviews] == [
        ("ombudsman", 1),
        ("human_rights_commissioner", 0),
    ]
    assert report.external_reviews_total == 1
    referrals = {c.key: c.count for c in report.referrals}
    assert referrals["privacy_breach"] == 2
    assert referrals["employee_misconduct"] == 0
    assert report.referrals_total == 2
    assert len(report.referrals) == 6  # every target listed, referred to or not

    mine = reports.outcomes_and_reviews(
        db.session, quarter(2026, 2), scope=Complaint.division_id == other.id
    )
    assert (mine.finalised, mine.internal_reviews_requested, mine.referrals_total) == (1, 0, 0)
    assert ("Outcome", "Upheld", 1) in mine.as_table().rows


# --- trends -----------------------------------------------------------------------------


def test_trends_count_eight_quarters_by_category_and_division_with_the_largest_rises(make):
    north, south = make.division("North"), make.division("South")
    counts = [
        # category, division, quarter (year, number), how many
        ("service_quality", north, (2026, 1), 1),
        ("service_quality", south, (2026, 2), 4),
        ("timeliness", north, (2026, 1), 2),
        ("timeliness", north, (2026, 2), 3),
        ("fees", south, (2025, 4), 1),
        ("privacy", south, (2026, 1), 3),
        ("privacy", south, (2026, 2), 1),
        (None, north, (2026, 2), 1),
    ]
    for category, division, (year, number), how_many in counts:
        day = quarter(year, number).start + timedelta(days=20)
        for _ in range(how_many):
            complaint(
                make,
                division,
                brisbane(day.year, day.month, day.day, 10, 0),
                category=category,
            )
    complaint(make, north, brisbane(2024, 6, 30, 23, 59), category="fees")  # before the eight
    complaint(make, north, brisbane(2024, 7, 1, 0, 0), category="fees")  # first of the eight
    complaint(make, north, brisbane(2026, 7, 1, 0, 0), category="fees")  # quarter under way
    complaint(make, north, brisbane(2026, 5, 5, 9, 0), kind="compliment", classification=None)
    db.session.commit()

    report = reports.complaint_trends(db.session, today=date(2026, 8, 14))
    assert [p.key for p in report.periods] == [p.key for p in last_n(QUARTER, 8, date(2026, 6, 1))]
    assert report.periods[0].label == "Jul\u2013Sep 2024"
    assert report.totals == (1, 0, 0, 0, 0, 1, 6, 9)

    by_category = {r.label: r.counts for r in report.by_category}
    assert by_category == {
        "Delay or timeliness": (0, 0, 0, 0, 0, 0, 2, 3),
        "Fees and charges": (1, 0, 0, 0, 0, 1, 0, 0),
        "Privacy and records handling": (0, 0, 0, 0, 0, 0, 3, 1),
        "Quality of service": (0, 0, 0, 0, 0, 0, 1, 4),
        "Not recorded": (0, 0, 0, 0, 0, 0, 0, 1),
    }
    assert [r.label for r in report.by_category][-1] == "Not recorded"
    by_division = {r.label: r for r in report.by_division}
    assert by_division["North"].counts == (1, 0, 0, 0, 0, 0, 3, 4)
    assert by_division["South"].counts == (0, 0, 0, 0, 0, 1, 3, 5)

    # Rises from January-March to April-June 2026: +3, then +1 twice (by name); falls
    # and no change are not rises.
    assert [(r.label, r.change) for r in report.rises_by_category] == [
        ("Quality of service", 3),
        ("Delay or timeliness", 1),
        ("Not recorded", 1),
    ]
    quality = report.rises_by_category[0]
    assert quality.change_percent == 300.0
    assert report.rises_by_category[2].change_percent is None  # a rise from none
    privacy = next(r for r in report.by_category if r.label == "Privacy and records handling")
    assert (privacy.change, privacy.change_percent, privacy.total) == (
        -2,
        pytest.approx(-200 / 3),
        4,
    )
    assert [(r.label, r.change) for r in report.rises_by_division] == [("South", 2), ("North", 1)]

    fewer = reports.complaint_trends(db.session, today=date(2026, 8, 14), rises=1)
    assert [r.label for r in fewer.rises_by_category] == ["Quality of service"]
    only_north = reports.complaint_trends(
        db.session, today=date(2026, 8, 14), scope=Complaint.division_id == north.id
    )
    assert only_north.totals == (1, 0, 0, 0, 0, 0, 3, 4)
    assert [r.label for r in only_north.by_division] == ["North"]

    table = report.as_table()
    assert table.headers[2] == "Jul\u2013Sep 2024" and table.headers[-1] == "Change"
    assert table.rows[-1] == ("All", "All complaints", 1, 0, 0, 0, 0, 1, 6, 9, 3)


def test_trends_over_periods_the_caller_chooses(make):
    division = make.division("North")
    complaint(make, division, brisbane(2026, 6, 30, 23, 59), category="fees")
    complaint(make, division, brisbane(2026, 7, 1, 0, 0), category="fees")
    db.session.commit()
    report = reports.complaint_trends(db.session, [month(2026, 6), month(2026, 7)])
    assert report.totals == (1, 1)
    assert [(r.label, r.counts, r.change) for r in report.by_category] == [
        ("Fees and charges", (1, 1), 0)
    ]
    assert report.rises_by_category == ()


def test_periods_apart_leave_out_what_happened_between_them(make):
    """Trends and service levels over May and July: June's complaint and ticket count in
    neither period (each row's period is worked out once, the gap dropped after grouping)."""
    division = make.division("North")
    client = client_organisation(make)
    for month_number in (5, 6, 7):
        complaint(make, division, brisbane(2026, month_number, 14, 10, 0), category="fees")
        ticket(client, "1", brisbane(2026, month_number, 14, 9, 0), resolved=ON_TIME)
    db.session.commit()
    may, july = month(2026, 5), month(2026, 7)
    trends = reports.complaint_trends(db.session, [may, july])
    assert trends.totals == (1, 1)
    assert [(r.label, r.counts) for r in trends.by_division] == [("North", (1, 1))]
    levels = reports.service_levels(db.session, [may, july], now=brisbane(2026, 9, 1, 9))
    resolved = [
        (levels.row(p, "1").closed, levels.row(p, "1").resolution_met) for p in (may, july)
    ]
    assert resolved == [(1, 1), (1, 1)]
    assert levels.row(may, "1").resolution_target_percent is not None


# --- the annual publication -------------------------------------------------------------


@pytest.fixture
def publication_year(make):
    """The financial year 2025-26, with its boundary cases, worked out by hand below.

    Received in 2025-26 (9): withdrawn, referred, reviewed (human rights), reviewed after
    year end, changed after the cut-off, taken to the Commissioner (human rights), still
    open (human rights, 23:30 on 30 June), changed during the year, and one declined in
    another division. Outside it: 23:30 on 30 June 2025, 00:10 on 1 July 2026, a compliment.
    """
    division = make.division("Operations")
    other = make.division("Elsewhere")

    def lodged(received_at, where=division, **values):
        return complaint(make, where, received_at, **values)

    def finalised(received_at, on, outcome, **values):
        return lodged(received_at, status="finalised", finalised_at=on, outcome=outcome, **values)

    made = {
        "last_year": finalised(brisbane(2025, 6, 30, 23, 30), brisbane(2025, 7, 10, 9), "upheld"),
        "withdrawn": finalised(brisbane(2025, 7, 1, 0, 10), brisbane(2025, 8, 1, 9), "withdrawn"),
        "referred": lodged(
            brisbane(2025, 9, 1, 9),
            status="referred",
            referral_target="other_department",
            closed_at=brisbane(2025, 9, 3, 9),
        ),
        "reviewed": finalised(
            brisbane(2025, 10, 1, 9),
            brisbane(2025, 11, 3, 9),
            "not_upheld",
            human_rights=True,
        ),
        "reviewed_after_year_end": finalised(
            brisbane(2026, 5, 20, 9), brisbane(2026, 6, 10, 9), "upheld"
        ),
        "changed_later": finalised(
            brisbane(2026, 1, 15, 9),
            brisbane(2026, 2, 1, 9),
            "resolved",
            change_made="The fee notice now lists every payment option.",
            change_made_at=brisbane(2026, 9, 15, 9),
        ),
        "to_commissioner": finalised(
            brisbane(2026, 3, 1, 9),
            brisbane(2026, 4, 1, 9),
            "declined",
            human_rights=True,
        ),
        "still_open": lodged(brisbane(2026, 6, 30, 23, 30), human_rights=True),
        "next_year": lodged(brisbane(2026, 7, 1, 0, 10), human_rights=True),
        "changed": finalised(
            brisbane(2025, 8, 10, 9),
            brisbane(2025, 9, 1, 9),
            "upheld",
            change_made="Counter letters now name the officer.",
            change_made_at=brisbane(2025, 10, 1, 9),
        ),
        "elsewhere": finalised(
            brisbane(2025, 12, 1, 9), brisbane(2026, 3, 1, 9), "declined", where=other
        ),
        "compliment": lodged(brisbane(2025, 12, 3, 9), kind="compliment", classification=None),
    }
    db.session.flush()
    db.session.add_all(
        [
            InternalReview(complaint=made["reviewed"], requested_at=brisbane(2025, 11, 20, 9)),
            InternalReview(
                complaint=made["reviewed_after_year_end"],
                requested_at=brisbane(2026, 7, 8, 9),
            ),
            ExternalReview(
                complaint=made["to_commissioner"],
                body="human_rights_commissioner",
                notified_at=brisbane(2026, 6, 1, 9),
            ),
        ]
    )
    db.session.commit()
    made["other_division"] = other
    return made


def figures(published):
    return (published.received, published.further_action, published.no_further_action)


def test_the_annual_publication_counts_the_act_s_three_figures(publication_year):
    year = financial_year(2025)
    published = reports.annual_publication(db.session, year, as_at=brisbane(2026, 8, 1, 9))
    assert published.period.label == "2025\u201326"
    # Received: 00:10 on 1 July 2025 counts, 23:30 on 30 June 2025 does not; 23:30 on
    # 30 June 2026 does, 00:10 on 1 July 2026 does not; the compliment never.
    assert published.received == 9
    # Further: reviewed, reviewed after year end (8 July, before the cut-off), taken to the
    # Commissioner, changed during the year.
    assert published.further_action == 4
    # No further: withdrawn, referred, changed later (after the cut-off), declined elsewhere.
    assert published.no_further_action == 4
    assert published.still_open == 1
    assert published.received == (
        published.further_action + published.no_further_action + published.still_open
    )
    assert (published.internal_review, published.external_review, published.change_made) == (
        2,
        1,
        1,
    )
    assert (published.withdrawn, published.declined, published.referred) == (1, 1, 1)


def test_a_review_requested_after_year_end_counts_in_the_year_of_receipt(publication_year):
    year = financial_year(2025)
    at_year_end = reports.annual_publication(db.session, year, as_at=brisbane(2026, 7, 1, 0, 0))
    # Published on 1 July, the review of 8 July was not yet asked for: no further action.
    assert figures(at_year_end) == (9, 3, 5)
    later = reports.annual_publication(db.session, year, as_at=brisbane(2026, 8, 1, 9))
    assert figures(later) == (9, 4, 4)
    # Never in the year the review was asked for: nothing of 2026-27 was received then.
    next_year = reports.annual_publication(
        db.session, financial_year(2026), as_at=brisbane(2026, 8, 1, 9)
    )
    assert figures(next_year) == (1, 0, 0) and next_year.still_open == 1


def test_a_change_recorded_later_counts_once_recorded_in_the_year_of_receipt(publication_year):
    year = financial_year(2025)
    # Recorded at 09:00 on 15 September: a cut-off at that instant is before it.
    before = reports.annual_publication(db.session, year, as_at=brisbane(2026, 9, 15, 9, 0))
    after = reports.annual_publication(db.session, year, as_at=brisbane(2026, 9, 15, 9, 1))
    assert (figures(before), before.change_made) == ((9, 4, 4), 1)
    assert (figures(after), after.change_made) == ((9, 5, 3), 2)
    # Without a cut-off: everything recorded.
    everything = reports.annual_publication(db.session, year)
    assert figures(everything) == (9, 5, 3) and everything.as_at is None
    assert everything.as_table().headers[1].endswith("30 June 2026), everything recorded so far")


def test_the_annual_publication_counts_human_rights_complaints_and_their_outcomes(
    publication_year,
):
    published = reports.annual_publication(
        db.session, financial_year(2025), as_at=brisbane(2026, 8, 1, 9)
    )
    assert published.human_rights_received == 3
    outcomes = {c.label: c.count for c in published.human_rights_outcomes if c.count}
    assert outcomes == {"Not upheld": 1, "Declined to investigate": 1, "Not yet finalised": 1}
    assert sum(c.count for c in published.human_rights_outcomes) == 3
    assert published.human_rights_commissioner == 1


def test_the_annual_publication_table_names_the_acts_and_the_period(publication_year):
    published = reports.annual_publication(
        db.session, financial_year(2025), as_at=brisbane(2026, 8, 1, 9)
    )
    table = published.as_table()
    assert table.headers[0] == "Reported under"
    assert table.headers[1] == (
        "Customer complaints, financial year 2025\u201326 (1 July 2025 to 30 June 2026), "
        "as at 1 August 2026 09:00 (Australia/Brisbane)"
    )
    act = "Public Sector Act 2022 (Qld) s 264"
    assert [row[:3] for row in table.rows[:3]] == [
        (act, "Customer complaints received", 9),
        (act, "Resulting in further action", 4),
        (act, "Resulting in no further action", 4),
    ]
    assert "internal review was requested" in table.rows[1][3]
    human_rights = [row for row in table.rows if row[0] == "Human Rights Act 2019 (Qld) s 97"]
    assert human_rights[0][1:3] == ("Human-rights complaints received", 3)
    assert ("Taken to the Human Rights Commissioner", 1) in {row[1:3] for row in human_rights}


def test_the_annual_publication_keeps_to_its_scope_and_reads_the_year_before(publication_year):
    other = publication_year["other_division"]
    elsewhere = reports.annual_publication(
        db.session, financial_year(2025), scope=Complaint.division_id == other.id
    )
    assert figures(elsewhere) == (1, 0, 1) and elsewhere.declined == 1
    before = reports.annual_publication(db.session, financial_year(2024))
    # 23:30 on 30 June 2025 is the previous year's, finalised upheld without review.
    assert figures(before) == (1, 0, 1)


def test_reports_read_instants_as_utc_on_every_database(make):
    """A UTC instant near a boundary lands where its local day says (no naive mix-up)."""
    division = make.division("Operations")
    complaint(make, division, datetime(2026, 6, 30, 13, 59, tzinfo=timezone.utc))
    complaint(make, division, datetime(2026, 6, 30, 14, 0, tzinfo=timezone.utc))
    db.session.commit()
    assert reports.annual_publication(db.session, financial_year(2025)).received == 1
    assert reports.annual_publication(db.session, financial_year(2026)).received == 1
