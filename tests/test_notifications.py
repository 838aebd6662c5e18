"""Notifications to staff: each event through at least two doors, the bell and its list,
preferences, the case's timeline, escalation rules at the boundary instants of a Queensland
long weekend, and exactly once under two schedulers at the same time on PostgreSQL."""

import io
import re
import threading
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskCliRunner as CliRunner
from sqlalchemy import func, select, update

from models import (
    Complaint,
    EscalationRule,
    HistoryEntry,
    InboundMessage,
    InternalReview,
    Notification,
    OutboundMessage,
    Participant,
    Ticket,
    User,
    db,
)
from rules import notifications as rules
from rules.inflation import InflationLimits
from services import documents, notifications, steps
from tests.admin_forms import form_values
from tests.conftest import csrf_token
from tests.test_api import step, token_for
from tests.test_bulk_actions import bulk_assign_form
from tests.test_case_documents import PDF
from tests.test_case_page import form_token
from tests.test_workflow_screens import (
    Team,
    client_for,
    fill,
    outcome,
    requested_review,
    sign_in,
    text,
)

# Tuesday 9 March 2027, 10:00 in Brisbane: a business day.
NOW = datetime(2027, 3, 9, 0, 0, tzinfo=UTC)


@pytest.fixture
def now(time_machine):
    # Before anyone signs in: a session signed later than "now" is refused.
    time_machine.move_to(NOW, tick=False)
    return NOW


@pytest.fixture
def team(make, now):
    return Team(make)


def told(username, event=None) -> list[Notification]:
    db.session.expire_all()
    query = select(Notification).join(User).where(User.username == username)
    if event is not None:
        query = query.where(Notification.event == event)
    return list(db.session.scalars(query.order_by(Notification.id)))


def timeline_lines(case) -> list[str]:
    return list(
        db.session.scalars(
            select(HistoryEntry.summary)
            .where(
                HistoryEntry.record_type == type(case).__name__,
                HistoryEntry.record_id == case.id,
                HistoryEntry.summary.like("Notified %"),
            )
            .order_by(HistoryEntry.id)
        )
    )


def switch_off_seeded_rules():
    db.session.execute(update(EscalationRule).values(active=False))
    db.session.commit()


# -------------------------------------------------------------------------- assignment


def test_a_bulk_assignment_tells_the_manager_and_the_decision_maker(app, team):
    coordinator = sign_in(app.test_client(), "coord")
    complaint = team.complaint("registered", manager=None, decision_maker=None)
    url, page = bulk_assign_form(coordinator, [complaint])
    data = form_values(page)
    data.update(
        manager=str(team.manager.participant_id),
        decision_maker=str(team.decision_maker.participant_id),
    )
    coordinator.post(url, data=data, follow_redirects=True)
    (manager_told,) = told("marsh", rules.ASSIGNED)
    assert manager_told.title == f"Assigned to you as complaint manager: {complaint.reference}"
    assert manager_told.case_type == "complaint" and manager_told.case_id == complaint.id
    (decider_told,) = told("deakin", rules.ASSIGNED)
    assert "decision maker" in decider_told.title
    # The coordinator who assigned them is not told of their own act.
    assert told("coord") == []
    lines = timeline_lines(complaint)
    assert any(
        line.startswith("Notified Alex Marsh (marsh) (in the portal): Assigned") for line in lines
    )
    # "Was the manager told?": the case page's timeline answers.
    page = text(coordinator.get(f"/admin/complaint/details/?id={complaint.id}"))
    assert "Notified Alex Marsh (marsh) (in the portal): Assigned to you as complaint" in page


def test_an_assignment_through_the_api_tells_the_officers(client, make, now):
    coordinator = make.user("coord", "coordinator", level="AO6")
    manager = make.user("manny", "complaint_manager", level="AO4")
    decider = make.user("deakin", "decision_maker", level="AO7")
    complaint = make.complaint()
    headers = token_for(coordinator)
    assert step(client, headers, complaint.reference, "register").status_code == 200
    response = step(
        client,
        headers,
        complaint.reference,
        "assign",
        manager=manager.participant_id,
        decision_maker=decider.participant_id,
    )
    assert response.status_code == 200, response.get_json()
    assert [n.event for n in told("manny")] == [rules.ASSIGNED]
    assert [n.event for n in told("deakin")] == [rules.ASSIGNED]


# ---------------------------------------------------------------- decision and review


def test_the_decision_maker_is_told_when_a_draft_is_submitted_on_the_case_page(app, team):
    complaint = team.complaint("investigation")
    manager = client_for(app, "marsh")
    fill(manager, "complaint", complaint, "submit_draft", content="Dear Ms Citizen, ...")
    (awaited,) = told("deakin", rules.DECISION)
    assert awaited.title == f"Your decision is awaited: a draft response on {complaint.reference}"


def test_the_decision_maker_is_told_when_a_draft_is_submitted_through_the_api(client, make, now):
    manager = make.user("manny", "complaint_manager", level="AO4")
    make.user("deakin", "decision_maker", level="AO7")
    decider = db.session.scalar(select(User).where(User.username == "deakin"))
    complaint = make.complaint(
        status="investigation", manager=manager.participant, decision_maker=decider.participant
    )
    response = step(
        client, token_for(manager), complaint.reference, "submit_draft", content="A draft."
    )
    assert response.status_code == 200, response.get_json()
    assert [n.event for n in told("deakin", rules.DECISION)] == [rules.DECISION]


def test_the_reviewer_is_told_of_a_review_assigned_on_the_review_page(app, team):
    coordinator = sign_in(app.test_client(), "coord")
    complaint, review = requested_review(team)
    fill(
        coordinator,
        "internal_review",
        review,
        "assign_reviewer",
        reviewer=team.reviewer.participant_id,
    )
    (assigned,) = told("raman", rules.REVIEW)
    assert assigned.title == f"An internal review of {complaint.reference} is assigned to you"
    assert assigned.case_type == "internal_review" and assigned.case_id == review.id


def test_the_reviewer_is_told_of_a_review_assigned_by_the_step_from_a_command(team):
    complaint = team.complaint(
        "internal_review",
        outcome=outcome("not_upheld"),
        finalised_at=NOW - timedelta(days=3),
        decided_at=NOW - timedelta(days=3),
    )
    review = InternalReview(complaint=complaint, requested_at=NOW)
    db.session.add(review)
    db.session.commit()
    # The workflow step as a command takes it, with the coordinator acting.
    steps.STEPPERS["internal_review"].take(
        "assign_reviewer",
        review,
        {"reviewer": steps.officer(team.reviewer.participant)},
        steps.actor_of(team.coordinator),
        NOW,
    )
    db.session.commit()
    assert [n.event for n in told("raman")] == [rules.REVIEW]


# ------------------------------------------------------------------------ documents


@pytest.fixture
def folder(app, tmp_path):
    folder = tmp_path / "attachments"
    app.config["ATTACHMENT_FOLDER"] = str(folder)
    return folder


def test_the_manager_is_told_of_a_document_added_on_the_case_page(app, team, folder):
    complaint = team.complaint("investigation")
    coordinator = sign_in(app.test_client(), "coord")
    url = f"/admin/complaint/document/?id={complaint.id}"
    values = form_values(coordinator.get(url).get_data(as_text=True))
    values.update(note="Roster", document=(io.BytesIO(PDF), "roster.pdf"))
    assert (
        coordinator.post(url, data=values, content_type="multipart/form-data").status_code == 302
    )
    (document,) = told("marsh", rules.DOCUMENT)
    assert document.title == f"A document was added to {complaint.reference}: Roster"
    # Whoever added it is not told.
    assert told("coord", rules.DOCUMENT) == []


def test_the_manager_is_told_of_a_document_added_by_a_script(app, team, folder):
    complaint = team.complaint("investigation")
    # The service's own door, as a command would use it.
    documents.add(
        db.session,
        complaint,
        team.coordinator,
        "receipt.pdf",
        PDF,
        note=None,
        folder=folder,
        max_bytes=10_000_000,
        inflation=InflationLimits(),
    )
    (document,) = told("marsh", rules.DOCUMENT)
    assert document.title.endswith("receipt.pdf")


# -------------------------------------------------------------------------- mentions


def test_a_mention_in_a_note_on_the_case_page_tells_that_person(app, team):
    complaint = team.complaint("investigation")
    manager = client_for(app, "marsh")
    url = f"/admin/complaint/note/?id={complaint.id}"
    data = form_values(manager.get(url).get_data(as_text=True))
    data.update(kind="note", summary="@Deakin please look at the roster; cc @nobody-here.")
    assert manager.post(url, data=data).status_code == 302
    (mention,) = told("deakin", rules.MENTION)
    assert mention.title == f"marsh mentioned you in a note on {complaint.reference}"
    # The author mentioning themselves is not told; unknown names tell nobody.
    assert told("marsh", rules.MENTION) == []


def test_a_mention_through_the_api_tells_only_those_who_may_open_the_case(client, team):
    complaint = team.complaint("investigation")
    team.make.user("elsewhere", "complaint_manager")
    response = client.post(
        f"/api/v1/complaints/{complaint.reference}/notes",
        json={"kind": "note", "summary": "Asked @coord and @elsewhere about it."},
        headers=token_for(team.manager),
    )
    assert response.status_code == 201, response.get_data(as_text=True)
    assert [n.event for n in told("coord")] == [rules.MENTION]
    # A manager of other complaints may not open this one: not told.
    assert told("elsewhere") == []


def test_mentions_are_read_as_usernames_and_never_from_email_addresses():
    assert rules.mentioned_usernames("@Marsh and @j.smith, mail sam@example.com @marsh") == [
        "marsh",
        "j.smith",
    ]


# ----------------------------------------------------------------------------- replies


def test_a_reply_by_email_tells_the_manager_in_the_portal_and_by_email(app, team, folder):
    from tests.mail_in_world import COMPLAINTS, our_message_id, receive
    from tests.mail_samples import reply_to

    app.config["MAIL_FROM"] = "Customer Complaints <complaints@complaints.example.gov.au>"
    complaint = team.complaint("investigation")
    letter = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.complaint_id == complaint.id)
    ).first()
    raw = reply_to(our_message_id(letter), sender="Sam Citizen <sam@example.com>")
    result = receive(app, folder, raw, mailbox=COMPLAINTS)
    assert result.case.id == complaint.id
    (reply,) = told("marsh", rules.REPLY)
    assert reply.title.startswith(f"A reply arrived on {complaint.reference}: Re:")
    assert reply.emailed
    (email,) = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key == "reply_received")
    ).all()
    assert email.participant_id == team.manager.participant_id
    assert any(
        "(in the portal and by email): A reply arrived" in s for s in timeline_lines(complaint)
    )


def test_a_message_filed_from_triage_tells_the_manager(app, team, folder):
    from services.mail_in import triage
    from tests.mail_in_world import HELPDESK, receive, settings
    from tests.mail_samples import plain_message

    complaint = team.complaint("investigation")
    result = receive(app, folder, plain_message(sender="sam@elsewhere.example"), mailbox=HELPDESK)
    assert result.status == "triage"
    message = db.session.get(InboundMessage, result.inbound_id)
    triage.file_on_case(
        db.session, message, complaint, team.coordinator, settings=settings(app, folder)
    )
    assert [n.event for n in told("marsh", rules.REPLY)] == [rules.REPLY]
    assert told("coord", rules.REPLY) == []


# ------------------------------------------------------------------ severity 1 tickets


def acme():
    organisation = Participant(kind="client_organisation", organisation_name="Acme Training")
    db.session.add(organisation)
    db.session.commit()
    return organisation


def test_a_severity_one_ticket_from_the_form_alerts_every_agent_on_duty(app, make, now):
    logging_agent = make.user("desk", "support_agent")
    make.user("tan", "support_agent")
    make.user("away", "support_agent")
    away = db.session.scalar(select(User).where(User.username == "away"))
    notifications.save_preferences(db.session, away.id, [], on_duty=False)
    organisation = acme()
    browser = sign_in(app.test_client(), logging_agent.username)
    data = form_values(browser.get("/admin/ticket/new/").get_data(as_text=True))
    data.update(
        severity="1",
        client=str(organisation.id),
        summary="Portal down",
        reported_at="09/03/2027 09:00",
    )
    data["reported_at-zone"] = "Australia/Melbourne"
    response = browser.post("/admin/ticket/new/", data=data)
    assert response.status_code == 302, text(response)
    ticket = db.session.scalar(select(Ticket))
    (alert,) = told("tan", rules.SEVERITY_ONE)
    assert alert.title == f"Severity 1 ticket {ticket.reference}: Portal down"
    assert alert.emailed  # emailed unless the agent says otherwise
    assert told("away") == [] and told("desk") == []


def test_a_severity_one_ticket_through_the_api_alerts_the_agents_once(client, make, now):
    caller = make.user("desk", "support_agent")
    make.user("tan", "support_agent")
    organisation = acme()
    response = client.post(
        "/api/v1/tickets",
        json={"severity": "1", "client_id": organisation.id, "summary": "Portal down"},
        headers=token_for(caller),
    )
    assert response.status_code == 201, response.get_json()
    ticket = db.session.scalar(select(Ticket))
    ticket.summary = "Portal down for everyone"
    db.session.commit()
    assert [n.event for n in told("tan")] == [rules.SEVERITY_ONE]


# ------------------------------------------------------------------ the bell and list


def test_the_bell_counts_what_the_list_shows_unread_and_marks_read(app, team):
    for status in ("registered", "acknowledged", "investigation"):
        team.complaint(status, decision_maker=None)
    manager = client_for(app, "marsh")
    home = manager.get("/admin/").get_data(as_text=True)
    count = int(re.search(r'notification-count">(\d+)<', home).group(1))
    listed = manager.get("/admin/notifications/?show=unread").get_data(as_text=True)
    assert count == 3 == listed.count("notification notification-unread"), listed
    first = told("marsh")[0]
    # Opening one marks it read and goes to its case.
    opened = manager.get(f"/admin/notifications/{first.id}/open")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith(f"/admin/complaint/details/?id={first.case_id}")
    home = manager.get("/admin/").get_data(as_text=True)
    assert 'notification-count">2<' in home
    listed = manager.get("/admin/notifications/").get_data(as_text=True)
    token = csrf_token(listed)
    second = told("marsh")[1]
    manager.post(f"/admin/notifications/{second.id}/read", data={"csrf_token": token})
    assert 'notification-count">1<' in manager.get("/admin/").get_data(as_text=True)
    manager.post("/admin/notifications/read-all", data={"csrf_token": token})
    assert 'notification-count">0<' in manager.get("/admin/").get_data(as_text=True)
    assert "notification notification-unread" not in manager.get("/admin/notifications/").get_data(
        as_text=True
    )


def test_a_person_sees_and_marks_only_their_own_notifications(app, team):
    team.complaint("registered", decision_maker=None)
    (theirs,) = told("marsh")
    other = client_for(app, "deakin")
    assert other.get(f"/admin/notifications/{theirs.id}/open").status_code == 404
    token = csrf_token(other.get("/admin/notifications/preferences/").get_data(as_text=True))
    response = other.post(f"/admin/notifications/{theirs.id}/read", data={"csrf_token": token})
    assert response.status_code == 404
    assert told("marsh")[0].read_at is None
    # A post without the token marks nothing.
    client_for(app, "marsh").post("/admin/notifications/read-all", data={})
    assert told("marsh")[0].read_at is None


def test_preferences_choose_what_comes_by_email(app, team):
    manager = client_for(app, "marsh")
    page = manager.get("/admin/notifications/preferences/").get_data(as_text=True)
    data = form_values(page)
    assert data.get("email_reply") == "y" and "email_assigned" not in data
    data["email_assigned"] = "y"
    response = manager.post("/admin/notifications/preferences/", data=data)
    assert response.status_code == 302
    team.complaint("registered", decision_maker=None)
    (assigned,) = told("marsh", rules.ASSIGNED)
    assert assigned.emailed
    email = db.session.scalar(
        select(OutboundMessage).where(OutboundMessage.template_key == "notification")
    )
    assert email.subject.startswith("Portal notification: Assigned to you")
    assert email.recipient_address == team.manager.participant.email


# ----------------------------------------------------------- the scheduler and rules

# A complaint received on Thursday 29 April 2027, 10:00 in Brisbane: entered in the register
# within 2 business days, by Tuesday 4 May 17:00 (Friday 30 April, then Labour Day Monday
# 3 May is a Queensland public holiday).
RECEIVED = datetime(2027, 4, 29, 0, 0, tzinfo=UTC)
REGISTRATION_DUE = datetime(2027, 5, 4, 7, 0, tzinfo=UTC)


def brisbane(day, hour, minute=0):
    """An instant given in Brisbane time (UTC+10 all year) in May 2027 or late April."""
    month = 4 if day > 20 else 5
    return datetime(2027, month, day, hour, minute, tzinfo=UTC) - timedelta(hours=10)


@pytest.fixture
def long_weekend(make, time_machine):
    time_machine.move_to(RECEIVED + timedelta(hours=1), tick=False)
    team = Team(make)
    switch_off_seeded_rules()
    complaint = team.complaint("received", received_at=RECEIVED)
    assert complaint.registration_due_at == REGISTRATION_DUE
    return team, complaint


def rule(name, moment, hours, audience, outside_hours=False, due_kind="complaint.registration"):
    made = EscalationRule(
        name=name,
        due_kind=due_kind,
        moment=moment,
        business_hours=hours,
        audience=audience,
        outside_hours=outside_hours,
        active=True,
    )
    db.session.add(made)
    db.session.commit()
    return made


def test_a_rule_fires_on_friday_afternoon_exactly_n_business_hours_before_a_long_weekend_due(
    long_weekend,
):
    team, complaint = long_weekend
    rule("Registration in 12 business hours", "before", 12, "both")
    # 12 business hours before Tuesday 17:00: Tuesday's 8.5, then 3.5 of Friday: 13:30.
    notifications.run(db.session, now=brisbane(30, 13, 29))
    assert [n.title for n in told("coord")] == []
    assert told("marsh", rules.ESCALATION) == []
    notifications.run(db.session, now=brisbane(30, 13, 30))
    (to_manager,) = told("marsh", rules.ESCALATION)
    (to_coordinator,) = told("coord", rules.ESCALATION)
    assert to_manager.title == (
        f"Registration in 12 business hours: Complaint entered in the register for "
        f"{complaint.reference} due 5:00 pm on Tuesday 4 May 2027 (Brisbane time) "
        "(12 business hours left)"
    )
    # Once per case, due and rule: the next runs tell nobody again.
    notifications.run(db.session, now=brisbane(30, 16, 0))
    notifications.run(db.session, now=brisbane(1, 10, 0))
    assert len(told("marsh", rules.ESCALATION)) == 1 and len(told("coord")) == 1
    # The officer's own reminder comes with the lead (8 business hours): Tuesday 09:00, not
    # on the holiday Monday.
    notifications.run(db.session, now=brisbane(3, 10, 0))
    assert told("marsh", rules.DUE_SOON) == []
    notifications.run(db.session, now=brisbane(4, 8, 59))
    assert told("marsh", rules.DUE_SOON) == []
    notifications.run(db.session, now=brisbane(4, 9, 0))
    assert len(told("marsh", rules.DUE_SOON)) == 1
    lines = timeline_lines(complaint)
    assert sum("Registration in 12 business hours" in line for line in lines) == 2
    assert any(line.startswith("Notified Alex Coord (coord)") for line in lines)


def test_a_rule_is_quiet_over_the_long_weekend_unless_it_says_otherwise(long_weekend):
    team, complaint = long_weekend
    quiet = rule("Registration soon", "before", 12, "officer")
    loud = rule("Registration soon, day or night", "before", 12, "supervisor", outside_hours=True)
    report = notifications.run(db.session, now=brisbane(1, 10, 0))  # Saturday
    assert report.quiet == 1
    assert [n.rule_id for n in told("coord")] == [loud.id]
    assert told("marsh", rules.ESCALATION) == []
    notifications.run(db.session, now=brisbane(3, 10, 0))  # Labour Day
    assert told("marsh", rules.ESCALATION) == []
    notifications.run(db.session, now=brisbane(4, 8, 30))  # Tuesday's opening
    assert [n.rule_id for n in told("marsh", rules.ESCALATION)] == [quiet.id]


def test_a_passed_due_is_told_at_once_to_the_officer_and_at_the_opening_to_the_coordinator(
    long_weekend,
):
    team, complaint = long_weekend
    rule("Overdue registration", "passed", 0, "supervisor")
    notifications.run(db.session, now=brisbane(4, 16, 59))
    assert told("marsh", rules.DUE_PASSED) == []
    notifications.run(db.session, now=REGISTRATION_DUE)  # 17:00: the office has closed
    (passed,) = told("marsh", rules.DUE_PASSED)
    assert passed.title.startswith(
        f"Overdue: Complaint entered in the register for {complaint.reference}"
    )
    assert told("coord") == []
    notifications.run(db.session, now=brisbane(5, 8, 30))
    assert [n.event for n in told("coord")] == [rules.ESCALATION]


def test_a_case_with_no_officer_tells_its_division_coordinators(long_weekend, make):
    team, _ = long_weekend
    second = make.user("coord2", "coordinator", division=team.division)
    lodged = team.complaint("received", received_at=RECEIVED, manager=None, decision_maker=None)
    rule("Registration in 12 business hours", "before", 12, "officer")
    notifications.run(db.session, now=brisbane(30, 14, 0))
    assert [n.case_id for n in told("coord")] == [lodged.id]
    assert [n.case_id for n in told(second.username)] == [lodged.id]


def test_the_officer_reminder_email_is_the_send_due_reminder_never_both(long_weekend, app):
    team, complaint = long_weekend
    from services.correspondence import queue_reminders

    notifications.run(db.session, now=brisbane(4, 9, 0))
    queue_reminders(db.session, now=brisbane(4, 9, 5))
    reminders = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key == "due_reminder")
    ).all()
    assert len(reminders) == 1 and reminders[0].participant_id == team.manager.participant_id


def test_the_notify_command_tells_what_the_scheduler_tells(long_weekend, runner, time_machine):
    team, complaint = long_weekend
    rule("Registration in 12 business hours", "before", 12, "supervisor")
    time_machine.move_to(brisbane(30, 13, 30), tick=False)
    result = runner.invoke(args=["notify", "run"])
    assert result.exit_code == 0, result.output
    assert "notifications made: 1" in result.output
    assert [n.event for n in told("coord")] == [rules.ESCALATION]
    assert runner.invoke(args=["notify", "run"]).output.count("notifications made: 0") == 1


# ------------------------------------------------------------------- exactly once


def test_two_schedulers_at_once_on_postgresql_tell_each_person_once(app, make, time_machine):
    if db.engine.dialect.name != "postgresql":
        pytest.skip("two writers at once: PostgreSQL (SQLite takes one writer at a time)")
    time_machine.move_to(RECEIVED + timedelta(hours=1), tick=False)
    team = Team(make)
    cases = [
        team.complaint("received", received_at=RECEIVED, summary=f"Case {n}") for n in range(12)
    ]
    rule("Registration in 12 business hours", "before", 12, "both")
    at = brisbane(4, 10, 0)
    start = threading.Barrier(2)
    errors = []

    def scheduler():
        try:
            with app.app_context():
                start.wait(timeout=30)
                notifications.run(db.session, now=at)
                db.session.remove()
        except Exception as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=scheduler) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=120)
    assert errors == []
    db.session.expire_all()
    made = db.session.scalars(select(Notification)).all()
    keys = [n.dedupe_key for n in made]
    assert len(keys) == len(set(keys))
    # Each case: the manager's reminder and the rule's to manager and coordinator (and the
    # assignments its creation told).
    by_scheduler = [n for n in made if n.event != rules.ASSIGNED]
    assert len(by_scheduler) == 3 * len(cases)
    notified = db.session.scalar(
        select(func.count(HistoryEntry.id)).where(HistoryEntry.summary.like("Notified %"))
    )
    assert notified == len(made)
    emails = db.session.scalars(select(OutboundMessage.dedupe_key)).all()
    assert len(emails) == len(set(emails))


# ------------------------------------------------------------------- the admin screen


def test_an_administrator_adds_a_rule_and_a_wrong_one_is_refused_with_the_input_kept(
    app, make, now
):
    make.user("admin", "administrator")
    browser = sign_in(app.test_client(), "admin")
    data = form_values(browser.get("/admin/escalation_rule/new/").get_data(as_text=True))
    data.update(
        name="Acknowledgement tomorrow",
        due_kind="complaint.acknowledgement",
        moment="before",
        business_hours="0",
        audience="both",
    )
    page = text(browser.post("/admin/escalation_rule/new/", data=data, follow_redirects=True))
    assert "A rule before the due instant needs at least 1 business hour" in page
    assert "Acknowledgement tomorrow" in page
    data["business_hours"] = "8"
    response = browser.post("/admin/escalation_rule/new/", data=data)
    assert response.status_code == 302
    saved = db.session.scalar(
        select(EscalationRule).where(EscalationRule.name == "Acknowledgement tomorrow")
    )
    assert saved.business_hours == 8 and saved.audience == "both" and saved.active


def test_only_administrators_open_the_escalation_rules(app, team):
    coordinator = sign_in(app.test_client(), "coord")
    assert coordinator.get("/admin/escalation_rule/").status_code == 403


# ------------------------------------------------------- tickets and online lodgements


def desk_ticket(organisation, **values):
    ticket = Ticket(
        severity=values.pop("severity", "2"),
        summary=values.pop("summary", "Reports time out"),
        client=organisation,
        reported_at=values.pop("reported_at", NOW - timedelta(hours=1)),
        **values,
    )
    db.session.add(ticket)
    db.session.commit()
    return ticket


def test_a_ticket_assigned_on_the_ticket_page_or_through_the_api_tells_its_agent(
    app, client, make, now
):
    make.user("desk", "support_agent")
    make.user("tan", "support_agent")
    make.user("lee", "support_agent")
    organisation = acme()
    first, second = desk_ticket(organisation), desk_ticket(organisation, summary="Slow")
    tan = db.session.scalar(select(User).where(User.username == "tan"))
    lee = db.session.scalar(select(User).where(User.username == "lee"))
    browser = sign_in(app.test_client(), "desk")
    url = f"/admin/ticket/transition/assign_agent/?id={first.id}"
    data = form_values(browser.get(url).get_data(as_text=True))
    data["agent"] = str(tan.participant_id)
    browser.post(url, data=data)
    response = client.post(
        f"/api/v1/tickets/{second.reference}/transitions",
        json={"step": "assign_agent", "agent": lee.participant_id},
        headers=token_for(db.session.scalar(select(User).where(User.username == "desk"))),
    )
    assert response.status_code == 200, response.get_json()
    assert [(n.event, n.case_id) for n in told("tan")] == [(rules.ASSIGNED, first.id)]
    assert [(n.event, n.case_id) for n in told("lee")] == [(rules.ASSIGNED, second.id)]
    assert told("desk") == []


def test_an_unassigned_ticket_falling_due_tells_the_desk_leads(app, make, now):
    make.user("lead", "support_agent")
    make.user("tan", "support_agent")
    make.user("coord", "coordinator")
    app.config["NOTIFY_DESK_LEADS"] = "Lead"
    ticket = desk_ticket(acme())
    notifications.run(db.session, now=ticket.first_response_due_at - timedelta(minutes=30))
    assert [(n.event, n.case_id) for n in told("lead")] == [(rules.DUE_SOON, ticket.id)]
    assert told("tan") == [] and told("coord") == []
    # Without leads named, every coordinator stands in: the overdue reminder, and the seeded
    # rule telling the desk leads of an overdue first response.
    app.config["NOTIFY_DESK_LEADS"] = ""
    notifications.run(db.session, now=ticket.first_response_due_at + timedelta(minutes=1))
    assert [n.event for n in told("coord")] == [rules.DUE_PASSED, rules.ESCALATION]
    assert told("coord")[1].title.startswith("Overdue: first response: First response for")


def test_an_online_lodgement_nobody_took_up_tells_the_intake_coordinators(
    app, client, make, time_machine
):
    from tests.test_public_form import Lodger, complete

    time_machine.move_to(NOW, tick=False)
    intake = make.division("Customer Services")
    intake.code = "CS"
    db.session.commit()
    make.user("intake", "coordinator", division=intake)
    make.user("roads", "coordinator", division=make.division("Roads"))
    app.config["ATTACHMENT_FOLDER"] = str(app.instance_path) + "/test-attachments"
    assert Lodger(client).send(complete()).status_code == 302
    lodged = db.session.scalar(select(Complaint))
    assert lodged.manager_id is None and lodged.status == "received"
    switch_off_seeded_rules()
    result = CliRunner(app).invoke(args=["notify", "run"])
    assert "notifications made: 0" in result.output  # two business days ahead: not yet
    notifications.run(db.session, now=lodged.registration_due_at - timedelta(hours=2))
    (soon,) = told("intake")
    assert soon.event == rules.DUE_SOON and soon.case_id == lodged.id
    assert told("roads") == []


def test_a_confidential_complaint_tells_its_coordinator_in_the_portal_but_emails_nobody(
    long_weekend,
):
    team, _ = long_weekend
    secret = team.complaint(
        "received", received_at=RECEIVED, manager=None, decision_maker=None, confidential=True
    )
    notifications.run(db.session, now=brisbane(4, 10, 0))
    (told_coordinator,) = [n for n in told("coord") if n.case_id == secret.id]
    assert told_coordinator.event == rules.DUE_SOON and not told_coordinator.emailed
    assert (
        db.session.scalar(
            select(func.count(OutboundMessage.id)).where(
                OutboundMessage.complaint_id == secret.id,
                OutboundMessage.template_key == "due_reminder",
            )
        )
        == 0
    )


def test_information_from_the_case_page_tells_the_manager_in_the_portal(client, team):
    from services import case_links

    complaint = team.complaint("investigation")
    token = case_links.mint(db.session, complaint, case_links.recipient_of(complaint))
    db.session.commit()
    data = {
        "add-message": "The receipt number is 1234.",
        "add-csrf_token": form_token(client, token),
    }
    response = client.post(f"/case/{token}/add", data=data, content_type="multipart/form-data")
    assert response.status_code == 302
    (reply,) = told("marsh", rules.REPLY)
    assert reply.title == f"{complaint.reference}: Information added on the case's page"
    assert reply.emailed
