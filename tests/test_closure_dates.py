"""Closure and worked-holiday days are typed as the portal shows them (11/12/2026) or in
ISO; anything else is refused saying the form expected, with the input kept."""

from datetime import date

import pytest
from sqlalchemy import select

from models import Calendar, Closure, WorkedHoliday, db
from tests.admin_forms import form_values
from tests.conftest import csrf_token


def save_calendar(client, changes, code="AU-QLD"):
    calendar_id = db.session.scalar(select(Calendar.id).where(Calendar.code == code))
    url = f"/admin/calendar/edit/?id={calendar_id}"
    html = client.get(url).get_data(as_text=True)
    data = form_values(html)
    data["csrf_token"] = csrf_token(html)
    data.update(changes)
    return client.post(url, data=data, follow_redirects=True).get_data(as_text=True)


def closures():
    db.session.expire_all()
    return db.session.execute(select(Closure.name, Closure.starts_on, Closure.ends_on)).all()


@pytest.fixture
def admin(client, auth, make):
    make.user("admin", "administrator")
    auth.login("admin")
    return client


@pytest.mark.parametrize(
    ("first", "last"), [("11/12/2026", "18/12/2026"), ("2026-12-11", "2026-12-18")]
)
def test_a_closure_is_typed_the_australian_way_or_in_iso(admin, first, last):
    save_calendar(
        admin,
        {
            "closures-0-name": "Office move",
            "closures-0-starts_on": first,
            "closures-0-ends_on": last,
        },
    )
    assert closures() == [("Office move", date(2026, 12, 11), date(2026, 12, 18))]


def test_a_saved_closure_is_shown_as_dd_mm_yyyy_and_saves_again_unchanged(admin):
    save_calendar(
        admin,
        {
            "closures-0-name": "Office move",
            "closures-0-starts_on": "11/12/2026",
            "closures-0-ends_on": "18/12/2026",
        },
    )
    calendar_id = db.session.scalar(select(Calendar.id).where(Calendar.code == "AU-QLD"))
    html = admin.get(f"/admin/calendar/edit/?id={calendar_id}").get_data(as_text=True)
    assert 'value="11/12/2026"' in html and 'value="18/12/2026"' in html
    save_calendar(admin, {})
    assert closures() == [("Office move", date(2026, 12, 11), date(2026, 12, 18))]


def test_a_closure_date_that_is_not_one_is_refused_saying_the_format(admin):
    html = save_calendar(
        admin,
        {
            "closures-0-name": "Office move",
            "closures-0-starts_on": "12/31/2026",
            "closures-0-ends_on": "18/12/2026",
        },
    )
    assert "is not a date: enter it as dd/mm/yyyy, e.g. 11/12/2026" in html
    assert 'value="12/31/2026"' in html
    assert closures() == []


def test_a_worked_holiday_is_typed_the_australian_way_too(admin):
    save_calendar(
        admin, {"worked_holidays-0-day": "12/08/2026", "worked_holidays-0-note": "Cairns"}
    )
    db.session.expire_all()
    assert db.session.execute(select(WorkedHoliday.day, WorkedHoliday.note)).all() == [
        (date(2026, 8, 12), "Cairns")
    ]
