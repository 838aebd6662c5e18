"""The request, as every door hands it to services/: who is acting, and what is read once.

Not a door itself: the screens and the API both import this module, never each other.
`current_actor()` adapts flask_login's signed-in account (the API's token account is
signed in the same way); services/access.py and services/confidentiality.py take the
actor as an argument. What a page asks row by row (the calendars' time zones, the people
hidden from the officer) is read once per request here.
"""

from flask import current_app, has_request_context, request
from flask_login import current_user

from models import db
from services import localtime
from services.confidentiality import Confidentiality


def current_actor():
    """The officer the request acts for, or None when nobody is signed in."""
    if not has_request_context() or not getattr(current_user, "is_authenticated", False):
        return None
    return current_user._get_current_object()


def _per_request(key, load):
    """load() once per request, kept on the request itself.

    Not on `g`: the app context (and so `g`) may outlive a request and serve the next one,
    and a request object's id() can be reused by the next request's, so a cache keyed on it
    could hand one account's answers to another."""
    if not has_request_context():
        return load()
    slot = f"portal.{key}"
    environ = request.environ
    if slot not in environ:
        environ[slot] = load()
    return environ[slot]


def visibility() -> Confidentiality:
    """What the signed-in officer may see of confidential complainants."""
    return _per_request(
        "_portal_confidentiality", lambda: Confidentiality(current_actor(), db.session)
    )


def zone_settings() -> localtime.ZoneSettings:
    return localtime.ZoneSettings.of(current_app.config)


def display_timezone() -> str:
    """The portal's own time zone, for instants of no case calendar."""
    return zone_settings().display_timezone


def calendar_zones() -> localtime.CalendarZones:
    """Calendar id and code -> time zone, read once per request (one query, not one a row)."""
    return _per_request("_portal_calendars", lambda: localtime.CalendarZones.load(db.session))


def case_timezone(record) -> str:
    """The time zone of the calendar the record's case runs on (services.localtime)."""
    return localtime.case_timezone(record, zone_settings(), calendar_zones())


def complaint_timezone(division) -> str:
    """The time zone of a complaint in this division (None: of no division)."""
    return localtime.complaint_timezone(division, zone_settings(), calendar_zones())


def ticket_timezone(client) -> str:
    """The time zone of a ticket for this client (None: of no client, the desk's)."""
    return localtime.ticket_timezone(client, zone_settings(), calendar_zones())
