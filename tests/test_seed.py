"""`flask seed` and `flask seed --demo`: idempotent, believable, and within the rules."""

import re
from collections import Counter
from datetime import datetime, timedelta, timezone

import pytest
from sqlalchemy import func, select

from models import (
    ClassificationLevel,
    Complaint,
    Division,
    ExternalReview,
    InternalReview,
    Notification,
    Participant,
    Ticket,
    User,
    db,
    kinds,
)
from rules import duties
from rules.vocabulary import (
    CAPACITIES,
    COMPLAINT_CLOSED_STATUSES,
    COMPLAINT_STATUSES,
    EXTERNAL_BODIES,
    REVIEW_OUTCOMES,
    TICKET_CLOSED_STATUSES,
    TICKET_STATUSES,
)
from seed import demo
from services import clocks, notifications

# The demo is loaded relative to the day it runs: bin/test-dates runs this at awkward days.
pytestmark = pytest.mark.dates


def row_counts():
    return {
        table.name: db.session.execute(select(func.count()).select_from(table)).scalar_one()
        for table in db.metadata.sorted_tables
    }


def rank_of(participant_id):
    return db.session.execute(
        select(ClassificationLevel.rank)
        .join(Participant, Participant.level_id == ClassificationLevel.id)
        .where(Participant.id == participant_id)
    ).scalar_one()


def test_seeding_reference_data_twice_changes_nothing(app, runner):
    first = runner.invoke(args=["seed"])
    assert first.exit_code == 0, first.output
    assert "Reference data" in first.output
    with app.app_context():
        before = row_counts()
    second = runner.invoke(args=["seed"])
    assert second.exit_code == 0, second.output
    with app.app_context():
        assert row_counts() == before
        assert before["capacity"] == len(CAPACITIES)
        assert before["division"] == 0, "without --demo no demo data is loaded"


def each_client_has_one_nominated_report_contact():
    clients = db.session.scalars(
        db.select(Participant).filter_by(kind="client_organisation")
    ).all()
    assert clients
    for client in clients:
        nominated = db.session.scalars(
            db.select(Participant).filter_by(
                organisation_id=client.id, receives_client_report=True
            )
        ).all()
        assert len(nominated) == 1, client.organisation_name


def test_demo_department_is_believable_and_keeps_the_rules(app, runner, auth):
    """One demo load, checked from every side (loading it takes a few seconds)."""
    loaded_at = datetime.now(timezone.utc)
    result = runner.invoke(args=["seed", "--demo"])
    assert result.exit_code == 0, result.output
    for username in demo.DEMO_LOGINS:
        assert username in result.output
    assert demo.DEMO_PASSWORD in result.output

    with app.app_context():
        counts = row_counts()
        divisions_have_calendars_and_staff()
        every_capacity_has_a_login_that_signs_in()
        every_status_is_present()
        references_are_unique()
        timestamps_follow_the_status()
        separation_of_duties_holds_for_every_complaint()
        reviews_follow_the_rules()
        improvements_follow_their_complaints()
        tickets_are_consistent()
        demo_logins_hold_open_cases()
        work_is_due_soon_and_overdue(loaded_at)
        demo_officers_have_notifications()
        each_client_has_one_nominated_report_contact()
        surveys_were_sent_and_answered()
        assert 450 <= counts["complaint"] <= 560
        assert 270 <= counts["ticket"] <= 330
        assert counts["extension"] > 0
        assert counts["external_review"] > 0

    again = runner.invoke(args=["seed", "--demo"])
    assert again.exit_code == 0, again.output
    assert "already loaded" in again.output
    with app.app_context():
        assert row_counts() == counts

    for username in demo.DEMO_LOGINS:
        signed_in = auth.login(username, demo.DEMO_PASSWORD)
        assert signed_in.status_code == 302, username
        assert auth.client.get("/admin/").status_code == 200, username
        auth.logout()


def surveys_were_sent_and_answered():
    """The satisfaction report has figures: surveys sent after finished cases, about half
    answered, each at most once and never before it was sent."""
    from models import SurveyInvitation, SurveyResponse
    from services.reports.satisfaction import satisfaction_of

    figures = satisfaction_of(db.session)
    assert figures["sent"] >= 100
    assert 0.3 * figures["sent"] <= figures["answered"] <= 0.8 * figures["sent"]
    assert 1 <= figures["mean"] <= 5
    assert satisfaction_of(db.session, ticket_ids=select(Ticket.id))["answered"] > 0
    late = db.session.scalar(
        select(func.count(SurveyResponse.id))
        .join(SurveyInvitation, SurveyInvitation.id == SurveyResponse.invitation_id)
        .where(SurveyResponse.answered_at < SurveyInvitation.sent_at)
    )
    assert late == 0


def divisions_have_calendars_and_staff():
    divisions = {d.code: d for d in db.session.execute(select(Division)).scalars()}
    assert set(divisions) == {"CS", "RO", "DS"}
    assert {d.calendar.code for d in divisions.values()} == {"AU-QLD", "AU-VIC"}
    staff = db.session.execute(select(Participant).filter_by(kind="staff")).scalars().all()
    assert 25 <= len(staff) <= 35
    assert all(p.division is not None and p.level is not None for p in staff)
    assert all(p.email.endswith(".gov.au") for p in staff)
    assert len({p.level.code for p in staff}) >= 6
    kinds = Counter(
        db.session.execute(select(Participant.kind).where(Participant.kind != "staff")).scalars()
    )
    assert kinds["client_organisation"] >= 5
    assert kinds["external_body"] == 2
    assert kinds["complainant"] >= 200
    contacts = db.session.execute(
        select(func.count()).where(Participant.organisation_id.is_not(None))
    ).scalar_one()
    assert contacts >= 10


def every_capacity_has_a_login_that_signs_in():
    held = set()
    for username, capacity in demo.DEMO_LOGINS.items():
        user = db.session.execute(select(User).filter_by(username=username)).scalar_one()
        assert user.is_active
        assert user.check_password(demo.DEMO_PASSWORD)
        assert not user.check_password("wrong password")
        assert user.has_capacity(capacity)
        assert user.participant.kind == "staff"
        held.add(capacity)
    assert held == set(CAPACITIES)

    def login(username):
        return db.session.execute(select(User).filter_by(username=username)).scalar_one()

    manager, decider, reviewer = login("manager"), login("decider"), login("reviewer")
    assert decider.participant.level.rank > manager.participant.level.rank
    assert reviewer.participant.level.rank >= decider.participant.level.rank
    assert login("coordinator").participant.division.code == "CS"


def every_status_is_present():
    complaint_statuses = set(db.session.execute(select(Complaint.status)).scalars())
    assert complaint_statuses == set(COMPLAINT_STATUSES)
    ticket_statuses = set(db.session.execute(select(Ticket.status)).scalars())
    assert ticket_statuses == set(TICKET_STATUSES)
    kinds = Counter(db.session.execute(select(Complaint.kind)).scalars())
    assert kinds["complaint"] > kinds["compliment"] > 0
    assert kinds["suggestion"] > 0
    severities = Counter(db.session.execute(select(Ticket.severity)).scalars())
    assert 0 < severities["1"] < severities["2"] < severities["3b"]


def references_are_unique():
    for model, pattern in (
        (Complaint, r"(CTS|CMP|SUG)-20\d\d-\d{6}"),
        (Ticket, r"TKT-20\d\d-\d{6}"),
    ):
        references = db.session.execute(select(model.reference)).scalars().all()
        assert len(set(references)) == len(references)
        assert all(re.fullmatch(pattern, r) for r in references), pattern
    # Numbered in order of receipt: the first complaint of a year is number 1.
    first = (
        db.session.execute(
            select(Complaint.reference).filter_by(kind="complaint").order_by(Complaint.received_at)
        )
        .scalars()
        .first()
    )
    assert first.endswith("-000001")


def timestamps_follow_the_status():
    """The fields each status implies, as rules/workflow.py records them."""
    responded = {"finalised", "internal_review", "external_review", "closed"}
    for c in db.session.execute(select(Complaint)).scalars():
        label = f"{c.reference} ({c.status})"
        steps = [
            c.received_at,
            c.registered_at,
            c.acknowledged_at,
            c.decided_at,
            c.finalised_at,
            c.closed_at,
        ]
        present = [t for t in steps if t is not None]
        assert present == sorted(present), label
        assert (c.registered_at is None) == (c.status == "received"), label
        # Referring records the close as well as closing does.
        assert (c.closed_at is not None) == (c.status in ("closed", "referred")), label
        if c.kind != "complaint":
            assert c.manager is None and c.outcome is None, label
            continue
        if c.status == "referred":
            assert c.referral_target is not None and c.outcome is None, label
        else:
            assert c.referral_target is None, label
        if c.status in responded and c.referral_target is None:
            assert c.finalised_at is not None and c.outcome is not None, label
            assert c.decided_at is not None, label
            assert c.drafted_by is not None and c.decided_by is not None, label
            if c.outcome.requires_reason:
                assert c.outcome_reason, label
        if c.status == "decided":
            assert c.decided_at is not None and c.decided_by is not None, label
            assert c.finalised_at is None and c.outcome is None, label
        if c.status == "response_drafted":
            assert c.drafted_by is not None and c.decided_at is None, label
        if c.status in ("received", "registered", "acknowledged", "under_assessment"):
            assert c.drafted_by is None and c.decided_at is None and c.outcome is None, label
        if c.status in ("investigation", "awaiting_complainant", "response_drafted"):
            assert c.manager is not None and c.decision_maker is not None, label
        if c.status == "awaiting_complainant":
            assert c.paused_since is not None, label
        for extension in c.extensions:
            assert extension.approved_by.level.rank > c.manager.level.rank, label
            assert extension.reason and extension.approved_at >= c.received_at, label


def officer(person):
    if person is None:
        return None
    return duties.Officer(person.id, person.short_name, person.level.code, person.level.rank)


def assignment(c):
    return duties.Assignment(
        manager=officer(c.manager),
        decision_maker=officer(c.decision_maker),
        subjects=frozenset(p.id for p in c.subjects),
        involved=frozenset(p.id for p in c.involved),
        drafted_by_user=c.drafted_by_id,
        decided_by_user=c.decided_by_id,
    )


def separation_of_duties_holds_for_every_complaint():
    checked = 0
    for c in db.session.execute(select(Complaint)).scalars():
        label = c.reference
        assert duties.check_complaint(assignment(c)) == [], label
        for review in c.internal_reviews:
            review_assignment = duties.ReviewAssignment(
                reviewer=officer(review.reviewer),
                complaint=assignment(c),
                recorded_by_user=review.recorded_by_id,
            )
            assert duties.check_review(review_assignment) == [], label
        conflicted = {p.id for p in c.subjects} | {p.id for p in c.involved}
        officers = [p for p in (c.manager, c.decision_maker) if p is not None]
        assert not conflicted & {p.id for p in officers}, label
        if c.manager is not None and c.decision_maker is not None:
            assert c.decision_maker.id != c.manager.id, label
            assert rank_of(c.decision_maker.id) > rank_of(c.manager.id), label
            checked += 1
        if c.drafted_by is not None and c.decided_by is not None:
            assert c.drafted_by.id != c.decided_by.id, label
            assert c.drafted_by.participant_id == c.manager_id, label
            assert c.decided_by.participant_id == c.decision_maker_id, label
    assert checked >= 300


def reviews_follow_the_rules():
    reviews = db.session.execute(select(InternalReview)).scalars().all()
    assert reviews
    completed = 0
    for review in reviews:
        c = review.complaint
        label = f"review of {c.reference}"
        if review.outcome == "referred_back":
            # Back for a fresh decision: decided and finalised again, or not yet.
            assert c.finalised_at is None or c.finalised_at >= review.completed_at, label
        else:
            assert c.finalised_at is not None, label
            assert review.requested_at >= c.finalised_at, label
        if review.outcome == "decision_changed":
            assert c.outcome.code in ("upheld", "partly_upheld"), label
        if review.reviewer is not None:
            conflicted = {p.id for p in c.subjects} | {p.id for p in c.involved}
            assert review.reviewer.id not in {c.manager_id, c.decision_maker_id}, label
            assert review.reviewer.id not in conflicted, label
            assert rank_of(review.reviewer.id) >= rank_of(c.decision_maker_id), label
        if review.status == "completed":
            completed += 1
            assert review.outcome in REVIEW_OUTCOMES, label
            assert review.completed_at >= review.requested_at, label
            assert review.recorded_by is not None, label
            assert review.recorded_by.id != c.decided_by_id, label
    assert completed > 0
    for external in db.session.execute(select(ExternalReview)).scalars():
        assert external.body in EXTERNAL_BODIES
        assert external.notified_at >= external.complaint.finalised_at
        assert (external.closed_at is not None) == (external.status == "closed")


def tickets_are_consistent():
    linked = 0
    for t in db.session.execute(select(Ticket)).scalars():
        label = f"{t.reference} ({t.status})"
        assert t.client.kind == "client_organisation", label
        assert t.contact is None or t.contact.organisation_id == t.client_id, label
        steps = [t.reported_at, t.first_response_at, t.resolved_at, t.closed_at]
        present = [s for s in steps if s is not None]
        assert present == sorted(present), label
        assert (t.first_response_at is None) == (t.status == "new"), label
        assert (t.resolved_at is not None) == (t.status in ("resolved", "closed")), label
        assert (t.closed_at is not None) == (t.status == "closed"), label
        assert (t.agent is None) == (t.status == "new"), label
        if t.complaint is not None:
            linked += 1
            assert t.complaint.received_at >= t.reported_at, label
    assert linked > 0


def demo_logins_hold_open_cases():
    finished = ("finalised", "closed", "referred")
    for username, column in (
        ("manager", Complaint.manager_id),
        ("decider", Complaint.decision_maker_id),
    ):
        user = db.session.execute(select(User).filter_by(username=username)).scalar_one()
        open_cases = db.session.execute(
            select(func.count()).where(
                column == user.participant_id, Complaint.status.not_in(finished)
            )
        ).scalar_one()
        assert open_cases >= 5, username


def work_is_due_soon_and_overdue(now):
    """Whatever the day it is loaded, each division has open complaints due within two
    business days and overdue ones, and the desk has tickets of both kinds."""
    computer = clocks.Clocks(db.session)
    lately = now - timedelta(days=7)

    def soon_and_overdue(model, closed, calendar_id, *where):
        soon = computer.engine(calendar_id).due(now, 2, "business-days")
        dues = db.session.scalars(
            select(model.next_due_at).where(
                model.status.not_in(closed), model.paused_since.is_(None), *where
            )
        ).all()
        return (
            any(due is not None and now < due <= soon for due in dues),
            any(due is not None and lately <= due < now for due in dues),
        )

    for division in db.session.scalars(select(Division)):
        assert soon_and_overdue(
            Complaint,
            COMPLAINT_CLOSED_STATUSES,
            division.calendar_id,
            Complaint.division_id == division.id,
            Complaint.manager_id.is_not(None) | Complaint.coordinator_id.is_not(None),
        ) == (True, True), division.name
    desk = computer.default_ticket_calendar_id()
    assert soon_and_overdue(Ticket, TICKET_CLOSED_STATUSES, desk) == (True, True)


def demo_officers_have_notifications():
    """A few notifications for the demo logins, each about a case they may open."""
    for username in ("manager", "decider", "agent"):
        user = db.session.scalar(select(User).where(User.username == username))
        made = list(
            db.session.scalars(select(Notification).where(Notification.user_id == user.id))
        )
        assert made, username
        for notification in made:
            kind = kinds.by_name(notification.case_type)
            case = db.session.get(kind.model, notification.case_id)
            assert notifications.may_open(db.session, user, case), notification.title


def improvements_follow_their_complaints():
    """A few finalised complaints teach something: issues raised, a systemic issue, and an
    improvement made after the complaint was finalised and before now."""
    from models import Improvement

    made = db.session.scalars(db.select(Improvement)).all()
    assert len(made) >= 2
    for improvement in made:
        complaint = improvement.complaint
        assert complaint.finalised_at is not None
        assert complaint.finalised_at <= improvement.made_at <= datetime.now(timezone.utc)
        assert complaint.category in complaint.issues and complaint.root_cause
    assert any(i.complaint.systemic_issue for i in made)
