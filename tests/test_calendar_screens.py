"""Administrators configure calendars in the portal and preview their days off."""

import re
from datetime import date

from sqlalchemy import select

from models import Calendar, Closure, WorkedHoliday, db
from tests.admin_forms import confirmation, form_values, press
from tests.conftest import csrf_token


def calendar_id(code):
    return db.session.scalar(select(Calendar.id).where(Calendar.code == code))


def save_calendar_form(client, code, changes):
    """Open a calendar's edit form, change some fields, and post it as a browser would."""
    url = f"/admin/calendar/edit/?id={calendar_id(code)}"
    html = client.get(url).get_data(as_text=True)
    data = form_values(html)
    data["csrf_token"] = csrf_token(html)
    data.update(changes)
    return client.post(url, data=data, follow_redirects=True)


def test_calendar_page_previews_a_years_holidays_with_their_source(app, make, client, auth):
    make.user("admin", "administrator")
    calendar = make.calendar("AU-QLD")
    calendar.closures.append(
        Closure(
            name="Christmas shutdown", starts_on=date(2026, 12, 29), ends_on=date(2026, 12, 31)
        )
    )
    calendar.worked_holidays.append(WorkedHoliday(day=date(2026, 8, 12), note="Cairns office"))
    db.session.commit()
    auth.login("admin")
    page = client.get(f"/admin/calendar/details/?id={calendar.id}&year=2026")
    html = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Days off in 2026" in html
    assert re.search(
        r"Friday 03/04/2026</td>\s*<td>Good Friday</td>\s*<td>\s*Public holiday", html
    )
    assert "Christmas shutdown" in html and "Closure added by an administrator" in html
    assert re.search(
        r"The Royal Queensland Show</td>\s*<td>\s*Public holiday the office works", html
    )


def test_calendar_preview_refuses_a_nonsense_year_plainly(app, make, client, auth):
    make.user("admin", "administrator")
    auth.login("admin")
    page = client.get(f"/admin/calendar/details/?id={calendar_id('AU-VIC')}&year=abc")
    assert page.status_code == 200
    assert "Choose a year between 1900 and 2200." in page.get_data(as_text=True)


def test_calendar_with_overlapping_windows_is_refused_on_the_form(app, make, client, auth):
    make.user("admin", "administrator")
    auth.login("admin")
    # A second Monday window overlapping 08:30-17:00.
    page = save_calendar_form(
        client,
        "AU-QLD",
        {"windows-5-weekday": "0", "windows-5-opens_at": "12:00", "windows-5-closes_at": "13:00"},
    )
    text = page.get_data(as_text=True)
    assert "overlap" in text.lower()
    db.session.expire_all()
    assert len(db.session.get(Calendar, calendar_id("AU-QLD")).windows) == 5


def test_calendar_with_an_unknown_subdivision_is_refused_on_the_form(app, make, client, auth):
    make.user("admin", "administrator")
    auth.login("admin")
    page = save_calendar_form(client, "AU-VIC", {"holiday_subdivision": "XYZ"})
    assert "XYZ" in page.get_data(as_text=True)
    db.session.expire_all()
    assert db.session.get(Calendar, calendar_id("AU-VIC")).holiday_subdivision == "VIC"


def test_a_new_closure_through_the_form_moves_open_cases_due_dates(app, make, client, auth):
    make.user("admin", "administrator")
    from datetime import datetime
    from zoneinfo import ZoneInfo

    complaint = make.complaint(
        received_at=datetime(2026, 3, 2, 9, tzinfo=ZoneInfo("Australia/Brisbane")),
        classification="standard",
    )
    before = complaint.resolution_due_at
    auth.login("admin")
    url = f"/admin/calendar/edit/?id={calendar_id('AU-QLD')}"
    html = client.get(url).get_data(as_text=True)
    data = {**form_values(html), "csrf_token": csrf_token(html)}
    data.update(
        {
            "closures-0-name": "Relocation",
            "closures-0-starts_on": "2026-03-16",
            "closures-0-ends_on": "2026-03-20",
        }
    )
    shown = confirmation(client.post(url, data=data))
    page = press(client, shown, "_retiming_confirmed", shown["confirmed"])
    assert page.status_code == 200
    assert "Saved. 1 open case re-timed." in page.get_data(as_text=True)
    db.session.expire_all()
    after = db.session.get(type(complaint), complaint.id).resolution_due_at
    assert after > before
