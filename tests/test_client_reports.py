"""A client organisation's monthly service report: the figures, computed here by hand from a
small register of tickets, on the staff page (and its downloads) and in the report mailed
to the client's nominated contacts (HTML body, PDF attachment), once per client and month.

November 2026 in Brisbane (the portal's time zone, and the client's calendar AU-QLD). The
clock stands at Wednesday 2 December 2026, noon.
"""

import csv
import io
import threading
from datetime import timedelta

import pytest
from pypdf import PdfReader
from sqlalchemy import func, select

from models import (
    ClientReportDelivery,
    HistoryEntry,
    OutboundMessage,
    Participant,
    ScheduledJob,
    SurveyInvitation,
    SurveyResponse,
    Ticket,
    db,
)
from rules import correspondence as rules
from rules import periods
from rules.errors import RuleViolation
from services import reports
from services.correspondence import client_reports
from tests.admin_forms import form_values
from tests.conftest import csrf_token
from tests.test_reports import LATE, ON_TIME, brisbane, client_organisation, set_service_level
from tests.test_reports import ticket as make_ticket

NOW = brisbane(2026, 12, 2, 12, 0)
NOVEMBER = periods.month(2026, 11)
SENDER = "Service desk <desk@example.gov.au>"
CONTACT = "jo@acme.test"
PAGE = "/admin/reports/clients/"


@pytest.fixture
def at_now(time_machine):
    time_machine.move_to(NOW, tick=False)


@pytest.fixture
def register(app, make, at_now):
    """Acme's tickets, each a case the figures must get right, and one of another client."""
    acme = client_organisation(make, "Acme Training")
    other = client_organisation(make, "Beta Pty Ltd")
    jo = Participant(
        kind="complainant",
        given_name="Jo",
        family_name="Nguyen",
        email=CONTACT,
        organisation=acme,
        receives_client_report=True,
    )
    # A contact of Acme who is not nominated: never mailed the report.
    kim = Participant(
        kind="complainant", given_name="Kim", family_name="Lee", email="kim@acme.test"
    )
    kim.organisation = acme
    db.session.add_all([jo, kim])
    set_service_level("ticket.resolution.1", 98)
    set_service_level("ticket.resolution.2", 95)
    # Severity 1, Monday 2 November 09:00: responded exactly at its due instant, resolved
    # exactly at its due instant: both in time.
    at_due = make_ticket(
        acme, "1", brisbane(2026, 11, 2, 9, 0), responded=ON_TIME, resolved=ON_TIME
    )
    # Severity 1, a minute late on both.
    late = make_ticket(acme, "1", brisbane(2026, 11, 3, 9, 0), responded=LATE, resolved=LATE)
    # Severity 2, responded in time in November, resolved on 1 December (after the month):
    # not counted as resolved in November; open at the month's end, its resolution next due.
    after = make_ticket(
        acme,
        "2",
        brisbane(2026, 11, 25, 10, 0),
        responded=ON_TIME,
        resolved=brisbane(2026, 12, 1, 10, 0),
    )
    # Severity 1, responded in time, never resolved: overdue at the month's end.
    overdue = make_ticket(acme, "1", brisbane(2026, 11, 27, 9, 0), responded=ON_TIME)
    # Severity 3b, Monday 30 November 16:00, not yet responded to: open, first response next.
    waiting = make_ticket(acme, "3b", brisbane(2026, 11, 30, 16, 0), status="new")
    # October: resolved in October, counted nowhere in November.
    make_ticket(acme, "2", brisbane(2026, 10, 5, 9, 0), responded=ON_TIME, resolved=ON_TIME)
    # Another client's ticket resolved in November: not Acme's.
    make_ticket(other, "1", brisbane(2026, 11, 4, 9, 0), responded=LATE, resolved=LATE)
    # How it went: the two tickets resolved in November answered 5 and 3 (mean 4.0); the
    # one resolved in December answered 1, and counts in December's report, not this one.
    for case, score in ((at_due, 5), (late, 3), (after, 1)):
        answered(case, score)
    db.session.commit()
    return {
        "acme": acme,
        "other": other,
        "jo": jo,
        "kim": kim,
        "at_due": at_due,
        "late": late,
        "after": after,
        "overdue": overdue,
        "waiting": waiting,
    }


def answered(ticket, score):
    """The ticket's client was sent the survey and answered it with this score."""
    invitation = SurveyInvitation(
        case_kind="ticket", ticket_id=ticket.id, sent_at=ticket.resolved_at + timedelta(hours=1)
    )
    db.session.add(invitation)
    db.session.flush()
    db.session.add(
        SurveyResponse(
            invitation_id=invitation.id,
            satisfaction=score,
            handled_in_time=True,
            fair=True,
            answered_at=ticket.resolved_at + timedelta(hours=2),
        )
    )


@pytest.fixture
def mail_app(app, mailbox):
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_PORT=mailbox.port, MAIL_FROM=SENDER)
    return app


def local(instant):
    return instant.astimezone(brisbane(2026, 1, 1).tzinfo).strftime("%d/%m/%Y %H:%M")


# --- the figures ------------------------------------------------------------------------


def test_the_report_counts_the_clients_tickets_of_the_month_by_hand(register):
    report = reports.client_report(db.session, register["acme"], NOVEMBER, now=NOW)
    rows = {row.severity: row for row in report.rows}
    one = rows["1"]
    # at_due (in time on both) and late (late on both); the overdue one is not resolved.
    assert (one.closed, one.first_response_met, one.first_response_missed) == (2, 1, 1)
    assert (one.resolution_met, one.resolution_missed) == (1, 1)
    assert one.first_response_percent == 50.0 and one.resolution_percent == 50.0
    assert one.resolution_target_percent == 98 and one.meets_target is False
    # Resolved on 1 December: nothing of severity 2 was resolved in November.
    assert rows["2"].closed == 0 and rows["2"].meets_target is None
    assert report.lodged == 5
    assert report.resolved == 2
    assert report.as_at == brisbane(2026, 12, 1, 0, 0)
    opened = {t.reference: t for t in report.open_tickets}
    after, overdue, waiting = register["after"], register["overdue"], register["waiting"]
    assert list(opened) == [after.reference, overdue.reference, waiting.reference]
    assert opened[after.reference].next_due_label == "Resolution"
    assert opened[after.reference].next_due_at == after.resolution_due_at
    assert opened[after.reference].overdue is False
    assert opened[overdue.reference].next_due_label == "Resolution"
    assert opened[overdue.reference].next_due_at == brisbane(2026, 11, 27, 15, 0)
    assert opened[overdue.reference].overdue is True
    assert opened[waiting.reference].next_due_label == "First response"
    assert opened[waiting.reference].next_due_at == waiting.first_response_due_at
    assert set(report.resolved_ticket_ids) == {register["at_due"].id, register["late"].id}
    assert reports.client_satisfaction(db.session, report) == {
        "sent": 2,
        "answered": 2,
        "mean": 4.0,
    }


# --- mailed, once -----------------------------------------------------------------------


def test_the_report_is_mailed_with_a_pdf_once_per_client_and_month(
    mail_app, register, runner, mailbox
):
    result = runner.invoke(args=["reports", "send-client-reports", "--period", "2026-11"])
    assert result.exit_code == 0, result.output
    assert "queued for 1 clients (1 messages" in result.output
    assert "Beta Pty Ltd" in result.output  # no nominated contact: said, not sent
    result = runner.invoke(args=["mail", "send-due", "--no-reminders"])
    assert result.exit_code == 0, result.output
    (message,) = mailbox.to(CONTACT)
    assert not mailbox.to("kim@acme.test")
    assert message["Subject"] == "Service report for Acme Training: November 2026"
    html = message.get_body(preferencelist=("html",)).get_content()
    text = message.get_body(preferencelist=("plain",)).get_content()
    for body in (html, text):
        assert "1 of 2 (50.0%)" in body  # severity 1: responded, and resolved, in time
        assert "98.0%" in body
        for key in ("after", "overdue", "waiting"):
            assert register[key].reference in body
        assert register["at_due"].reference not in body
        assert f"Resolution: {local(register['overdue'].resolution_due_at)}" in body
        assert f"First response: {local(register['waiting'].first_response_due_at)}" in body
    assert "<table" in html and "Tickets lodged in the month: 5; resolved: 2" in html
    satisfaction = "sent 2, answered 2; mean satisfaction 4.0 out of 5"
    assert satisfaction in html and satisfaction in text
    (pdf_part,) = [part for part in message.iter_attachments()]
    assert pdf_part.get_content_type() == "application/pdf"
    assert pdf_part.get_filename() == "service-report-acme-training-2026-11.pdf"
    pdf = PdfReader(io.BytesIO(pdf_part.get_content()))
    words = " ".join(" ".join((page.extract_text() or "").split()) for page in pdf.pages)
    assert "Service report: Acme Training, November 2026" in words
    assert "Tickets lodged in the period: 5; resolved: 2" in words
    assert "1 of 2 (50.0%)" in words
    assert "Open tickets at 01/12/2026 00:00: 3" in words
    assert register["overdue"].reference in words and "(overdue)" in words
    assert satisfaction in words
    # The client's history says so; the outbox row is about no case.
    sent = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key == rules.CLIENT_REPORT)
    ).one()
    assert sent.status == rules.SENT and sent.case is None
    assert db.session.scalar(
        select(HistoryEntry.summary).where(
            HistoryEntry.record_type == "Participant",
            HistoryEntry.record_id == register["acme"].id,
            HistoryEntry.action == "correspondence",
        )
    ).startswith("Client service report sent to Jo Nguyen")

    # The second run mails nothing.
    again = runner.invoke(args=["reports", "send-client-reports", "--period", "2026-11"])
    assert again.exit_code == 0, again.output
    assert "queued for 0 clients" in again.output and "already queued before: 1" in again.output
    runner.invoke(args=["mail", "send-due", "--no-reminders"])
    assert len(mailbox.to(CONTACT)) == 1
    assert db.session.scalar(select(func.count()).select_from(ClientReportDelivery)) == 1
    # Each run is recorded as the scheduled commands' are.
    job = db.session.scalars(
        select(ScheduledJob).where(ScheduledJob.name == "reports send-client-reports")
    ).one()
    assert (job.runs, job.last_status) == (2, "succeeded")


def test_two_runs_at_once_queue_the_report_once(app, register, monkeypatch):
    """Both runs get past the first look and make the report; the unique (client, period)
    lets one of them queue it."""
    both_made = threading.Barrier(2, timeout=20)
    made = client_reports.client_report

    def made_together(*args, **kwargs):
        report = made(*args, **kwargs)
        both_made.wait()
        return report

    monkeypatch.setattr(client_reports, "client_report", made_together)
    outcomes, errors = [], []

    def run():
        try:
            with app.app_context():
                outcome = client_reports.send_client_reports(
                    db.session, NOVEMBER, now=NOW, tz="Australia/Brisbane"
                )
                outcomes.append((outcome.clients_queued, outcome.already))
                db.session.remove()
        except Exception as error:  # noqa: BLE001 - reported by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=run) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    assert not errors, errors
    assert sorted(outcomes) == [(0, 1), (1, 0)]
    db.session.expire_all()
    queued = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key == rules.CLIENT_REPORT)
    ).all()
    assert [m.participant_id for m in queued] == [register["jo"].id]
    assert db.session.scalar(select(func.count()).select_from(ClientReportDelivery)) == 1


def test_the_period_defaults_to_the_last_complete_month(mail_app, register, runner):
    result = runner.invoke(args=["reports", "send-client-reports"])
    assert result.exit_code == 0, result.output
    assert "Client service reports for November 2026" in result.output


@pytest.mark.parametrize(
    ("period", "said"),
    [
        ("2026-13", "does not name a period"),
        ("someday", "write a month as 2026-07"),
        ("2026-Q3", "is a quarter: client reports are monthly"),
        ("2026-12", "December 2026 has not ended yet"),
        ("2027-01", "January 2027 has not ended yet"),
    ],
)
def test_a_wrong_period_is_refused_with_a_message(app, at_now, runner, period, said):
    result = runner.invoke(args=["reports", "send-client-reports", "--period", period])
    assert result.exit_code == 2, result.output
    assert said in result.output and "Nothing was sent." in result.output
    assert "Traceback" not in result.output
    assert isinstance(result.exception, SystemExit)


def test_a_contact_no_longer_nominated_is_not_sent_it(mail_app, register, runner, mailbox):
    assert (
        runner.invoke(args=["reports", "send-client-reports", "--period", "2026-11"]).exit_code
        == 0
    )
    jo = db.session.get(Participant, register["jo"].id)
    jo.receives_client_report = False
    db.session.commit()
    runner.invoke(args=["mail", "send-due", "--no-reminders"])
    assert not mailbox.to(CONTACT)
    message = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key == rules.CLIENT_REPORT)
    ).one()
    assert message.status == rules.WITHHELD
    assert "no longer a nominated report contact" in message.last_error


def test_a_contact_without_email_gets_it_to_print_and_post(app, register, make, client, auth):
    jo = db.session.get(Participant, register["jo"].id)
    jo.email = None
    jo.address = "1 Main St; Brisbane QLD 4000"
    db.session.commit()
    run = client_reports.send_client_reports(
        db.session, NOVEMBER, now=NOW, tz="Australia/Brisbane"
    )
    assert (run.messages, run.no_address) == (1, 1)
    message = db.session.scalars(
        select(OutboundMessage).where(OutboundMessage.template_key == rules.CLIENT_REPORT)
    ).one()
    assert message.status == rules.NO_ADDRESS
    # The service desk's mail: a coordinator reads it in the outbox, named by its client.
    make.user("coord", "coordinator")
    auth.login("coord")
    listed = client.get("/admin/outboundmessage/").get_data(as_text=True)
    assert "Service report 2026-11: Acme Training" in listed
    auth.logout()
    make.user("boss", "administrator")
    auth.login("boss")
    assert client.get(f"/admin/outboundmessage/details/?id={message.id}").status_code == 200
    letter = client.get(f"/admin/outboundmessage/print/{message.id}")
    assert letter.status_code == 200 and letter.mimetype == "application/pdf"
    words = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(letter.data)).pages
    )
    assert "1 Main St" in words and "service-report-acme-training-2026-11.pdf" in words
    page = client.get(f"/admin/outboundmessage/details/?id={message.id}").get_data(as_text=True)
    assert "Print letter" in page
    posted = client.post(
        f"/admin/outboundmessage/posted/{message.id}",
        data={"csrf_token": csrf_token(page)},
        follow_redirects=True,
    )
    assert "Marked as sent by post" in posted.get_data(as_text=True)
    assert (
        db.session.scalar(
            select(func.count()).where(
                HistoryEntry.record_type == "Participant",
                HistoryEntry.record_id == register["acme"].id,
                HistoryEntry.summary.like("Letter sent by post%"),
            )
        )
        == 1
    )


# --- the contact flag -------------------------------------------------------------------


def test_only_a_client_organisations_contact_can_be_nominated(app, register, make, client, auth):
    # Through the admin form: refused with the message, nothing saved.
    make.user("coord", "coordinator")
    auth.login("coord")
    kim = register["kim"]
    url = f"/admin/participant/edit/?id={kim.id}"
    data = form_values(client.get(url).get_data(as_text=True))
    data["receives_client_report"] = "y"
    data["organisation"] = ""
    page = client.post(url, data=data).get_data(as_text=True)
    assert "Only a contact of a client organisation can receive its service report" in page
    db.session.expire_all()
    assert db.session.get(Participant, kim.id).receives_client_report is False
    # The form ticks it for a contact of the client.
    data = form_values(client.get(url).get_data(as_text=True))
    data["receives_client_report"] = "y"
    client.post(url, data=data)
    db.session.expire_all()
    assert db.session.get(Participant, kim.id).receives_client_report is True
    # Any other save (a script, an import) is refused by the flush.
    lone = Participant(kind="complainant", family_name="Alone", receives_client_report=True)
    db.session.add(lone)
    with pytest.raises(RuleViolation, match="Only a contact of a client organisation"):
        db.session.flush()
    db.session.rollback()


# --- the staff page ---------------------------------------------------------------------


def _page_url(register):
    return f"{PAGE}?kind=month&period=2026-11&client={register['acme'].id}"


@pytest.mark.parametrize("capacity", ["coordinator", "support_agent", "administrator"])
def test_staff_of_the_desk_read_the_clients_report(register, make, client, auth, capacity):
    make.user("reader", capacity)
    auth.login("reader")
    response = client.get(_page_url(register))
    assert response.status_code == 200
    page = response.get_data(as_text=True)
    assert "Client service report: Acme Training, November 2026" in page
    assert "data-lodged>5<" in page and "data-resolved>2<" in page
    for key in ("after", "overdue", "waiting"):
        assert f'data-open-ticket="{register[key].reference}"' in page
    assert "Overdue" in page
    assert "data-surveys-sent>2<" in page and "data-satisfaction-mean>4.0<" in page
    download = client.get(
        f"{PAGE}export/csv/?kind=month&period=2026-11&client={register['acme'].id}"
    )
    assert download.status_code == 200
    rows = list(csv.reader(io.StringIO(download.get_data(as_text=True).lstrip("\ufeff"))))
    severity_one = next(row for row in rows if row[0].startswith("1:"))
    assert severity_one[1:] == ["2", "1", "1", "50.0", "1", "1", "50.0", "98.0", "No"]
    assert client.get(f"{PAGE}export/xlsx/?client={register['acme'].id}").status_code == 200


@pytest.mark.parametrize("capacity", ["complaint_manager", "internal_reviewer"])
def test_officers_outside_the_desk_may_not_open_it(register, make, client, auth, capacity):
    make.user("outsider", capacity)
    auth.login("outsider")
    assert client.get(_page_url(register)).status_code == 403
    assert client.get(f"{PAGE}export/csv/?client={register['acme'].id}").status_code == 403


def test_the_page_defaults_to_the_last_month_and_refuses_a_stranger(register, make, client, auth):
    make.user("agent", "support_agent")
    auth.login("agent")
    page = client.get(PAGE).get_data(as_text=True)
    assert "November 2026" in page and "Acme Training" in page
    stranger = client.get(f"{PAGE}?client={register['jo'].id}")
    assert stranger.status_code == 400
    assert "is not a client organisation" in stranger.get_data(as_text=True)
    assert client.get(f"{PAGE}?client=abc").status_code == 400
    assert client.get(f"{PAGE}?period=2026-Q9").status_code == 400


def test_the_open_tickets_link_to_the_ticket(register, make, client, auth):
    make.user("agent", "support_agent")
    auth.login("agent")
    page = client.get(_page_url(register)).get_data(as_text=True)
    assert f'/admin/ticket/details/?id={register["overdue"].id}"' in page
    assert db.session.get(Ticket, register["overdue"].id).resolved_at is None


@pytest.mark.parametrize(
    ("instant", "default", "november"),
    [
        # 23:30 on 30 November in Brisbane (13:30 UTC): November has not ended there.
        ("2026-11-30T13:30:00+00:00", "October 2026", 2),
        # 00:30 on 1 December in Brisbane (14:30 UTC on 30 November): it has.
        ("2026-11-30T14:30:00+00:00", "November 2026", 0),
    ],
)
def test_the_last_complete_month_is_read_in_the_departments_time_zone(
    app, runner, time_machine, instant, default, november
):
    time_machine.move_to(instant, tick=False)
    result = runner.invoke(args=["reports", "send-client-reports"])
    assert result.exit_code == 0, result.output
    assert f"Client service reports for {default}" in result.output
    result = runner.invoke(args=["reports", "send-client-reports", "--period", "2026-11"])
    assert result.exit_code == november, result.output
