"""The other screens: accounts, configuration, tickets, reviews and the audit log."""

from datetime import datetime, timezone

import pytest

from models import (
    Calendar,
    HistoryEntry,
    InternalReview,
    Participant,
    PauseStatus,
    Ticket,
    User,
    db,
)
from tests.admin_forms import form_values
from tests.conftest import csrf_token


def create_form(browser, url, **values):
    page = browser.get(url)
    assert page.status_code == 200
    data = form_values(page.get_data(as_text=True))
    data.update(values)
    return data


def test_an_administrator_creates_an_account_that_can_sign_in(app, make, auth, client):
    make.user("boss", "administrator")
    person = make.staff("Ibrahim")
    db.session.commit()
    auth.login("boss")
    capacity_ids = {
        c.code: str(c.id) for c in db.session.execute(db.select(User)).scalar_one().capacities
    }
    data = create_form(
        client,
        "/admin/user/new/",
        username="ibrahim",
        participant=str(person.id),
        active="y",
        capacities=capacity_ids["administrator"],
        new_password="a long enough password",
    )
    response = client.post("/admin/user/new/", data=data)
    assert response.status_code == 302, response.get_data(as_text=True)
    user = db.session.execute(db.select(User).filter_by(username="ibrahim")).scalar_one()
    assert user.check_password("a long enough password")
    for page in (
        "/admin/user/",
        f"/admin/user/details/?id={user.id}",
        f"/admin/user/edit/?id={user.id}",
    ):
        html = client.get(page).get_data(as_text=True)
        assert user.password_hash not in html
        assert "scrypt:" not in html and "pbkdf2:" not in html
    auth.logout()
    assert auth.login("ibrahim", password="a long enough password").status_code == 302


def test_a_new_account_needs_a_password(app, make, auth, client):
    make.user("boss", "administrator")
    auth.login("boss")
    data = create_form(client, "/admin/user/new/", username="nopass", active="y")
    html = client.post("/admin/user/new/", data=data).get_data(as_text=True)
    assert "Give the new account a password." in html
    assert db.session.execute(db.select(User).filter_by(username="nopass")).first() is None


def test_an_administrator_cannot_switch_off_their_own_account(app, make, auth, client):
    boss = make.user("boss", "administrator")
    auth.login("boss")
    url = f"/admin/user/edit/?id={boss.id}"
    data = form_values(client.get(url).get_data(as_text=True))
    data.pop("active", None)
    html = client.post(url, data=data).get_data(as_text=True)
    assert "cannot switch off your own account" in html
    db.session.expire_all()
    assert db.session.get(User, boss.id).active


def test_a_duplicate_the_database_refuses_is_explained_in_plain_words(app, make, auth, client):
    make.user("boss", "administrator")
    auth.login("boss")
    data = create_form(
        client, "/admin/pause_status/new/", case_type="complaint", status="awaiting_complainant"
    )
    response = client.post("/admin/pause_status/new/", data=data)
    html = response.get_data(as_text=True)
    assert response.status_code == 200
    assert "A pause status with this case type already exists." in html
    assert "IntegrityError" not in html and "UNIQUE" not in html
    count = db.session.execute(db.select(db.func.count()).select_from(PauseStatus)).scalar()
    assert count == 3


def test_a_rule_refusal_shows_on_the_form_with_the_input(app, make, auth, client):
    make.user("boss", "administrator")
    auth.login("boss")
    data = create_form(client, "/admin/pause_status/new/", case_type="ticket", status="on_holiday")
    html = client.post("/admin/pause_status/new/", data=data).get_data(as_text=True)
    assert "&#39;on_holiday&#39; is not a status of a Service-desk ticket" in html
    assert 'value="on_holiday"' in html


def test_a_participant_needs_a_name(app, make, auth, client):
    make.user("coord", "coordinator")
    auth.login("coord")
    data = create_form(
        client, "/admin/participant/new/", kind="complainant", email="x@example.com"
    )
    html = client.post("/admin/participant/new/", data=data).get_data(as_text=True)
    assert "Give a name" in html
    assert (
        db.session.execute(db.select(Participant).filter_by(email="x@example.com")).first() is None
    )


def test_a_calendar_with_an_unknown_time_zone_is_refused(app, make, auth, client):
    make.user("boss", "administrator")
    calendar = db.session.execute(db.select(Calendar).filter_by(code="AU-QLD")).scalar_one()
    auth.login("boss")
    url = f"/admin/calendar/edit/?id={calendar.id}"
    data = form_values(client.get(url).get_data(as_text=True))
    assert data["windows-0-opens_at"] == "08:30"
    data["timezone"] = "Australia/Gotham"
    html = client.post(url, data=data).get_data(as_text=True)
    assert "Time zone &#39;Australia/Gotham&#39; is not a known IANA time zone" in html
    db.session.expire_all()
    assert db.session.get(Calendar, calendar.id).timezone == "Australia/Brisbane"


def test_a_ticket_is_registered_in_melbourne_time_by_default(app, make, auth, client):
    make.user("desk", "support_agent")
    client_org = Participant(kind="client_organisation", organisation_name="Acme Training")
    db.session.add(client_org)
    db.session.commit()
    auth.login("desk")
    data = create_form(
        client,
        "/admin/ticket/new/",
        severity="2",
        client=str(client_org.id),
        summary="Reports page times out",
        reported_at="02/03/2026 09:00",
        status="new",
    )
    response = client.post("/admin/ticket/new/", data=data, follow_redirects=True)
    said = response.get_data(as_text=True)
    assert "Registered TKT-2026-000001" in said
    assert "Record was successfully created." not in said
    ticket = db.session.execute(db.select(Ticket)).scalar_one()
    assert ticket.reported_at == datetime(2026, 3, 1, 22, 0, tzinfo=timezone.utc)
    assert "02/03/2026 09:00" in client.get("/admin/ticket/").get_data(as_text=True)


def test_an_internal_reviewer_sees_only_the_reviews_assigned_to_them(app, make, auth, client):
    reviewer = make.user("reviewer", "internal_reviewer", level="AO8")
    complaint = make.complaint()
    other_complaint = make.complaint()
    mine = InternalReview(
        complaint=complaint,
        reviewer=reviewer.participant,
        requested_at=datetime(2026, 4, 1, 1, 0, tzinfo=timezone.utc),
    )
    theirs = InternalReview(
        complaint=other_complaint,
        reviewer=make.staff(level="AO8"),
        requested_at=datetime(2026, 4, 2, 1, 0, tzinfo=timezone.utc),
    )
    db.session.add_all([mine, theirs])
    db.session.commit()
    auth.login("reviewer")
    opened = client.get("/admin/internal_review/")
    assert opened.status_code == 302
    assert opened.headers["Location"].endswith("?flt0_assigned_to_me_is=1")
    html = client.get(opened.headers["Location"]).get_data(as_text=True)
    assert complaint.reference in html
    assert other_complaint.reference not in html
    assert client.get(f"/admin/internal_review/details/?id={mine.id}").status_code == 200
    assert client.get(f"/admin/internal_review/edit/?id={theirs.id}").status_code == 404


def test_the_history_is_read_only_and_filtered_by_record_and_user(app, make, auth, client):
    make.user("boss", "administrator")
    complaint = make.complaint()
    auth.login("boss")
    page = client.get("/admin/history/?flt0_record_is=Complaint")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert f"Complaint {complaint.reference} created" in html
    entry = (
        db.session.execute(db.select(HistoryEntry).filter_by(record_type="Complaint"))
        .scalars()
        .first()
    )
    assert client.get(f"/admin/history/details/?id={entry.id}").status_code == 200
    assert client.get(f"/admin/history/edit/?id={entry.id}").status_code == 403
    token = csrf_token(client.get("/admin/channel/").get_data(as_text=True))
    client.post("/admin/history/delete/", data={"id": str(entry.id), "csrf_token": token})
    assert db.session.get(HistoryEntry, entry.id) is not None
    today = client.get("/admin/history/?flt0_when_on=2020-01-01").get_data(as_text=True)
    assert complaint.reference not in today


def test_administrators_are_told_on_every_page_while_no_mail_server_is_set(app, make, auth):
    from models import OutboundMessage

    make.user("root", "administrator")
    make.user("coord", "coordinator")
    db.session.add(
        OutboundMessage(
            dedupe_key="waiting-1",
            template_key="due_reminder",
            recipient_role="complaint_manager",
            subject="Reminder",
            body="A due date",
            status="queued",
        )
    )
    db.session.commit()
    app.config.update(MAIL_SERVER=None)
    auth.login("root")
    for page in ("/admin/", "/admin/complaint/", "/admin/outboundmessage/"):
        html = auth.client.get(page).get_data(as_text=True)
        assert "Mail is not configured: set MAIL_SERVER" in html, page
        assert "1 waiting in the outbox" in html
    auth.logout()
    auth.login("coord")
    assert "Mail is not configured" not in auth.client.get("/admin/").get_data(as_text=True)
    auth.logout()
    app.config.update(MAIL_SERVER="127.0.0.1", MAIL_FROM="complaints@example.gov.au")
    auth.login("root")
    assert "Mail is not configured" not in auth.client.get("/admin/").get_data(as_text=True)


@pytest.mark.parametrize(
    "day, shown",
    [
        ("2026-08-30T09:00:00+10:00", False),  # 31 days before
        ("2026-08-31T09:00:00+10:00", "in 30 days"),
        ("2026-09-30T23:30:00+10:00", "(today)"),
        ("2026-10-01T00:30:00+10:00", False),
    ],
)
def test_administrators_are_reminded_before_the_annual_publication_is_due(
    app, make, auth, time_machine, day, shown
):
    make.user("root", "administrator")
    make.user("coord", "coordinator")
    time_machine.move_to(day, tick=False)
    auth.login("root")
    html = auth.client.get("/admin/").get_data(as_text=True)
    if shown:
        assert "The customer complaint figures for 2025–26 (1 July 2025 to 30 June 2026)" in html
        assert "due to be published by 30 September 2026" in html and shown in html
        assert 'href="/admin/reports/annual/"' in html
    else:
        assert "publication-reminder" not in html
    auth.logout()
    auth.login("coord")
    assert "publication-reminder" not in auth.client.get("/admin/").get_data(as_text=True)
