"""Every local time is shown, and read, in the zone of the case's own calendar, labelled.

The portal's own zone is Brisbane (AEST all year); the service desk's calendar, and so a
ticket of a client without a calendar, is Melbourne's (AEDT in January). A form says
beside each time which zone it is written in ("Melbourne time (AEDT)") and sends that
zone back with it, and the typed wall time is read in it: what the officer saw is what
they meant, whichever client or division they chose.
"""

import html as html_lib
import re
from datetime import datetime, timedelta, timezone

import pytest

from models import Calendar, Complaint, Participant, Ticket, User, db
from services import api_tokens
from tests.admin_forms import form_values

# Tuesday 12 January 2027, 10:00 in Melbourne (AEDT, UTC+11): 23:00 UTC the day before.
MELBOURNE_TEN = datetime(2027, 1, 11, 23, 0, tzinfo=timezone.utc)
MELBOURNE = "Australia/Melbourne"
BRISBANE = "Australia/Brisbane"


def text_of(response) -> str:
    """The page as a reader sees it: tags gone, entities read, spaces collapsed."""
    body = re.sub(r"<[^>]+>", " ", response.get_data(as_text=True))
    return re.sub(r"\s+", " ", html_lib.unescape(body))


def zone_label(html: str, field: str) -> str:
    match = re.search(rf'id="{field}-zone-label"[^>]*>([^<]*)<', html)
    assert match, f"no zone label beside {field}"
    return html_lib.unescape(match.group(1))


def organisation(name="Acme Training", calendar_code=None):
    client = Participant(kind="client_organisation", organisation_name=name)
    if calendar_code:
        client.calendar = db.session.execute(
            db.select(Calendar).filter_by(code=calendar_code)
        ).scalar_one()
    db.session.add(client)
    db.session.commit()
    return client


@pytest.fixture
def january(time_machine):
    """Stopped at 10:00 in Melbourne on a January Tuesday, before anyone signs in."""
    time_machine.move_to(MELBOURNE_TEN, tick=False)
    return MELBOURNE_TEN


@pytest.fixture
def desk(app, make, january):
    make.user("desk", "support_agent")
    return organisation()


def new_ticket(browser, **values):
    page = browser.get("/admin/ticket/new/")
    assert page.status_code == 200
    data = form_values(page.get_data(as_text=True))
    data.update(values)
    return page.get_data(as_text=True), data


def saved_ticket() -> Ticket:
    db.session.expire_all()
    return db.session.execute(db.select(Ticket)).scalar_one()


# --- tickets -------------------------------------------------------------------------------


def test_a_ticket_created_from_the_form_in_january_is_reported_at_ten_melbourne_time(
    desk, auth, client
):
    auth.login("desk")
    html, data = new_ticket(client, severity="1", client=str(desk.id), summary="Portal down")
    # The default is now, shown in the desk calendar's zone, and labelled with it.
    assert data["reported_at"] == "2027-01-12T10:00"
    assert data["reported_at-zone"] == MELBOURNE
    assert zone_label(html, "reported_at") == "Melbourne time (AEDT)"
    assert client.post("/admin/ticket/new/", data=data).status_code == 302

    ticket = saved_ticket()
    assert ticket.reported_at == MELBOURNE_TEN
    # Severity 1: a first response within 30 business minutes, timed from 10:00, not 09:00.
    assert ticket.first_response_due_at == MELBOURNE_TEN + timedelta(minutes=30)
    details = text_of(client.get(f"/admin/ticket/details/?id={ticket.id}"))
    assert "12/01/2027 10:00 AEDT" in details
    assert "12/01/2027 10:30 AEDT" in details  # the first response's due, in its zone


def test_a_typed_ten_oclock_shown_as_aedt_is_ten_oclock_in_melbourne(desk, auth, client):
    auth.login("desk")
    _, data = new_ticket(
        client,
        severity="1",
        client=str(desk.id),
        summary="Portal down",
        reported_at="12/01/2027 09:45",
    )
    client.post("/admin/ticket/new/", data=data)
    ticket = saved_ticket()
    assert ticket.reported_at == MELBOURNE_TEN - timedelta(minutes=15)
    assert ticket.first_response_due_at == MELBOURNE_TEN + timedelta(minutes=15)


def test_a_time_is_read_in_the_zone_the_form_showed_whichever_client_is_chosen(desk, auth, client):
    """A client on the Brisbane calendar chosen after the form showed Melbourne time: the
    10:00 typed beside "Melbourne time (AEDT)" is 10:00 in Melbourne, 09:00 in Brisbane."""
    queensland = organisation("Sunshine Rail", calendar_code="AU-QLD")
    auth.login("desk")
    _, data = new_ticket(
        client, severity="2", client=str(queensland.id), summary="Timetable feed stale"
    )
    assert data["reported_at-zone"] == MELBOURNE
    client.post("/admin/ticket/new/", data=data)
    ticket = saved_ticket()
    assert ticket.reported_at == MELBOURNE_TEN
    # Shown from then on in the ticket's own calendar's zone, and saying so.
    details = client.get(f"/admin/ticket/details/?id={ticket.id}")
    assert "12/01/2027 09:00 AEST" in text_of(details)
    grid = text_of(client.get("/admin/ticket/"))
    assert "12/01/2027 09:00 AEST" in grid


def test_a_form_posted_without_its_zone_is_read_in_the_cases_zone(desk, auth, client):
    """A form posted by a script that leaves the zone out: the case's calendar, as before."""
    queensland = organisation("Sunshine Rail", calendar_code="AU-QLD")
    auth.login("desk")
    _, data = new_ticket(
        client,
        severity="2",
        client=str(queensland.id),
        summary="Timetable feed stale",
        reported_at="12/01/2027 09:00",
    )
    del data["reported_at-zone"]
    client.post("/admin/ticket/new/", data=data)
    assert saved_ticket().reported_at == MELBOURNE_TEN  # 09:00 in Brisbane


def test_a_zone_the_portal_does_not_use_is_refused_with_the_input_kept(desk, auth, client):
    auth.login("desk")
    _, data = new_ticket(client, severity="1", client=str(desk.id), summary="Portal down")
    data["reported_at-zone"] = "America/New_York"
    response = client.post("/admin/ticket/new/", data=data)
    assert response.status_code == 200
    assert "a time zone the portal does not use" in text_of(response)
    assert "Portal down" in response.get_data(as_text=True)
    assert db.session.execute(db.select(Ticket)).first() is None


def test_the_api_shows_the_same_instant_for_the_ticket_made_on_the_form(desk, auth, client):
    auth.login("desk")
    _, data = new_ticket(client, severity="1", client=str(desk.id), summary="Portal down")
    client.post("/admin/ticket/new/", data=data)
    ticket = saved_ticket()
    auth.logout()
    agent = db.session.execute(db.select(User).filter_by(username="desk")).scalar_one()
    issued = api_tokens.issue(db.session, agent, "Tests")
    db.session.commit()
    response = client.get(
        f"/api/v1/tickets/{ticket.reference}",
        headers={"Authorization": f"Bearer {issued.secret}"},
    )
    assert response.status_code == 200, response.get_json()
    body = response.get_json()
    assert body["time_zone"] == MELBOURNE
    assert body["reported_at"] == "2027-01-12T10:00:00+11:00"
    assert datetime.fromisoformat(body["reported_at"]) == ticket.reported_at


# --- complaints ----------------------------------------------------------------------------


@pytest.fixture
def melbourne_desk(app, make, january):
    """A coordinator in a division on the Melbourne calendar, and one of its complaints."""
    division = make.division("Help desk", calendar_code="AU-VIC")
    make.user("coord", "coordinator", division=division)
    complaint = make.complaint(
        division=division, received_at=MELBOURNE_TEN - timedelta(days=1), summary="Line dropped"
    )
    return complaint


def test_a_complaint_edit_in_a_melbourne_division_reads_aedt(melbourne_desk, auth, client):
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={melbourne_desk.id}"
    html = client.get(url).get_data(as_text=True)
    form = form_values(html)
    assert form["change_made_at-zone"] == MELBOURNE
    assert zone_label(html, "change_made_at") == "Melbourne time (AEDT)"
    form["change_made"] = "Calls are now logged when they drop."
    form["change_made_at"] = "12/01/2027 10:00"
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Complaint, melbourne_desk.id)
    assert saved.change_made_at == MELBOURNE_TEN
    assert saved.received_at == MELBOURNE_TEN - timedelta(days=1)  # kept as it was
    details = text_of(client.get(f"/admin/complaint/details/?id={saved.id}"))
    assert "12/01/2027 10:00 AEDT" in details
    assert "11/01/2027 10:00 AEDT" in details


def test_a_received_instant_corrected_to_ten_aedt_times_the_complaint_from_it(
    melbourne_desk, auth, client
):
    auth.login("coord")
    url = f"/admin/complaint/correct-start/?id={melbourne_desk.id}"
    html = client.get(url).get_data(as_text=True)
    form = form_values(html)
    assert form["instant-zone"] == MELBOURNE
    assert zone_label(html, "instant") == "Melbourne time (AEDT)"
    assert "11/01/2027 10:00 AEDT" in text_of(client.get(url))
    form.update(instant="12/01/2027 10:00", reason="Date-stamped a day early")
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    saved = db.session.get(Complaint, melbourne_desk.id)
    assert saved.received_at == MELBOURNE_TEN
    # The due dates run from it: entered in the register by the end of the next business
    # day, Wednesday 13 January, whichever way the target counts, never from 09:00.
    rows = {row["label"]: row for row in _due_dates(saved)}
    lines = " ".join(line for row in rows.values() for line in row["lines"])
    assert "12/01/2027 10:00" in lines and "12/01/2027 09:00" not in lines
    assert all(row["due_zone"] in ("AEDT", "") for row in rows.values())


def _due_dates(case):
    from services import clocks

    return clocks.explain_case(case)


def test_a_new_complaint_opens_in_the_registering_officers_division_zone(
    melbourne_desk, auth, client
):
    auth.login("coord")
    html = client.get("/admin/complaint/new/").get_data(as_text=True)
    form = form_values(html)
    assert form["received_at"] == "2027-01-12T10:00"
    assert form["received_at-zone"] == MELBOURNE
    assert zone_label(html, "received_at") == "Melbourne time (AEDT)"
    form.update(summary="Lodged at the counter")
    assert client.post("/admin/complaint/new/", data=form).status_code == 302
    created = db.session.execute(
        db.select(Complaint).filter_by(summary="Lodged at the counter")
    ).scalar_one()
    assert created.received_at == MELBOURNE_TEN


def test_a_new_complaint_of_no_division_opens_in_the_intake_divisions_zone(
    app, make, auth, client, january
):
    """An administrator has no division: the form opens in the zone of the division that
    takes in online lodgements (here on the Melbourne calendar)."""
    intake = make.division("Customer Services", calendar_code="AU-VIC")
    intake.code = app.config["PUBLIC_INTAKE_DIVISION"]
    make.user("boss", "administrator", participant=make.staff("Boss"))
    db.session.commit()
    auth.login("boss")
    html = client.get("/admin/complaint/new/").get_data(as_text=True)
    assert form_values(html)["received_at-zone"] == MELBOURNE
    assert zone_label(html, "received_at") == "Melbourne time (AEDT)"


def test_the_zone_is_labelled_on_create_edit_details_grid_and_due_dates(
    melbourne_desk, auth, client
):
    auth.login("coord")
    complaint = melbourne_desk
    for url in (
        "/admin/complaint/new/",
        f"/admin/complaint/edit/?id={complaint.id}",
    ):
        assert "Melbourne time (AEDT)" in text_of(client.get(url)), url
    details = text_of(client.get(f"/admin/complaint/details/?id={complaint.id}"))
    assert "11/01/2027 10:00 AEDT" in details  # received
    assert "Times are Melbourne time" in details  # the due dates say whose time
    assert "AEDT in daylight saving, AEST otherwise" in details
    grid = text_of(client.get("/admin/complaint/"))
    assert "11/01/2027 10:00 AEDT" in grid


def test_a_new_review_opens_in_the_officers_division_zone_then_its_complaints(
    melbourne_desk, make, auth, client
):
    auth.login("coord")
    html = client.get("/admin/internal_review/new/").get_data(as_text=True)
    assert form_values(html)["requested_at-zone"] == MELBOURNE
    # Choosing a complaint of a Brisbane division moves the time to Brisbane's zone.
    brisbane_case = make.complaint(division=make.division(calendar_code="AU-QLD"))
    answer = client.get(
        "/admin/internal_review/local-zone/",
        query_string={
            "zone": MELBOURNE,
            "value": "2027-01-12T10:00",
            "source": brisbane_case.id,
        },
    ).get_json()
    # Another division's complaint is out of this coordinator's reach: nothing chosen.
    assert answer["zone"] == MELBOURNE
    answer = client.get(
        "/admin/internal_review/local-zone/",
        query_string={"zone": BRISBANE, "value": "2027-01-12T09:00", "source": melbourne_desk.id},
    ).get_json()
    assert answer == {
        "zone": MELBOURNE,
        "label": "Melbourne time (AEDT)",
        "value": "2027-01-12T10:00",
    }


# --- daylight saving -----------------------------------------------------------------------


def test_a_time_the_clocks_skip_is_refused_in_the_zone_it_was_shown_in(app, make, auth, client):
    division = make.division(calendar_code="AU-VIC")
    make.user("coord", "coordinator", division=division)
    auth.login("coord")
    data = form_values(client.get("/admin/complaint/new/").get_data(as_text=True))
    assert data["received_at-zone"] == MELBOURNE
    data.update(summary="Lodged at night", received_at="04/10/2026 02:30")
    page = text_of(client.post("/admin/complaint/new/", data=data))
    assert "04/10/2026 02:30 does not exist in Australia/Melbourne" in page
    assert "from AEST to AEDT" in page
    assert db.session.execute(db.select(Complaint)).first() is None


def test_the_second_half_past_two_when_the_clocks_go_back_is_kept_on_an_edit(
    app, make, auth, client, january
):
    """05/04/2026 02:30 happens twice in Melbourne; the second (AEST) one stored is shown as
    such, and a save that leaves it alone keeps it."""
    division = make.division(calendar_code="AU-VIC")
    make.user("coord", "coordinator", division=division)
    complaint = make.complaint(division=division)
    second = datetime(2026, 4, 4, 16, 30, tzinfo=timezone.utc)  # 02:30 AEST
    complaint.change_made, complaint.change_made_at = "Recorded overnight", second
    db.session.commit()
    auth.login("coord")
    url = f"/admin/complaint/edit/?id={complaint.id}"
    html = client.get(url).get_data(as_text=True)
    form = form_values(html)
    assert form["change_made_at"] == "2026-04-05T02:30"
    assert zone_label(html, "change_made_at") == "Melbourne time (AEST)"
    form["summary"] = "Summary clarified"
    assert client.post(url, data=form).status_code == 302
    db.session.expire_all()
    assert db.session.get(Complaint, complaint.id).change_made_at == second


# --- the page's script asks the portal for the zone ---------------------------------------


def test_choosing_a_client_on_another_calendar_converts_the_shown_time(desk, auth, client):
    queensland = organisation("Sunshine Rail", calendar_code="AU-QLD")
    auth.login("desk")
    answer = client.get(
        "/admin/ticket/local-zone/",
        query_string={"zone": MELBOURNE, "value": "2027-01-12T10:00", "source": queensland.id},
    ).get_json()
    assert answer == {
        "zone": BRISBANE,
        "label": "Brisbane time (AEST)",
        "value": "2027-01-12T09:00",
    }
    # No client chosen: the desk's calendar again.
    answer = client.get(
        "/admin/ticket/local-zone/",
        query_string={"zone": BRISBANE, "value": "2027-01-12T09:00", "source": ""},
    ).get_json()
    assert answer["zone"] == MELBOURNE and answer["value"] == "2027-01-12T10:00"
    # A new date typed: its abbreviation (July is AEST in Melbourne).
    answer = client.get(
        "/admin/ticket/local-zone/", query_string={"zone": MELBOURNE, "value": "2027-07-12T10:00"}
    ).get_json()
    assert answer["label"] == "Melbourne time (AEST)" and answer["value"] == "2027-07-12T10:00"


def test_a_time_that_cannot_be_converted_stays_as_typed_in_its_zone(desk, auth, client):
    queensland = organisation("Sunshine Rail", calendar_code="AU-QLD")
    auth.login("desk")
    answer = client.get(
        "/admin/ticket/local-zone/",
        query_string={"zone": MELBOURNE, "value": "2026-10-04T02:30", "source": queensland.id},
    ).get_json()
    assert answer["zone"] == MELBOURNE and answer["value"] == "2026-10-04T02:30"


def test_the_zone_helper_serves_only_those_who_may_fill_the_form(app, make, auth, client):
    assert client.get("/admin/ticket/local-zone/").status_code == 302  # to the sign-in
    make.user("boss", "administrator")
    auth.login("boss")
    assert client.get("/admin/ticket/local-zone/").status_code == 200
    # The history is read, never written: no form there to serve.
    assert client.get("/admin/history/local-zone/").status_code == 403
