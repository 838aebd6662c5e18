"""Instants shown and typed the Australian way, in the local time of the case's calendar.

Every instant is stored in UTC; a screen shows it as dd/mm/yyyy HH:MM in the time zone of
the calendar the case runs on, and reads what a user types in that same time zone.
"""

from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from flask import current_app, g, has_request_context, request

from models import Calendar, db

# Where no case calendar applies (audit log, accounts): the department's own time.
FALLBACK_TIMEZONE = "Australia/Brisbane"
DISPLAY_FORMAT = "%d/%m/%Y %H:%M"


class NonexistentLocalTime(ValueError):
    """A wall-clock time the clocks skipped (daylight saving starts)."""


def default_timezone() -> str:
    return current_app.config.get("DISPLAY_TIMEZONE", FALLBACK_TIMEZONE)


def _load_calendars() -> dict:
    rows = db.session.execute(db.select(Calendar.id, Calendar.code, Calendar.timezone)).all()
    return {
        "by_id": {row.id: row.timezone for row in rows},
        "by_code": {row.code: row.timezone for row in rows},
    }


def calendars() -> dict:
    """Calendar id and code -> time zone, read once per request (one query, not one a row)."""
    if not has_request_context():
        return _load_calendars()
    marker = id(request._get_current_object())
    cached = g.get("_portal_calendars")
    if cached is None or cached[0] != marker:
        cached = (marker, _load_calendars())
        g._portal_calendars = cached
    return cached[1]


def timezone_of_calendar(calendar_id) -> str | None:
    if calendar_id is None:
        return None
    return calendars()["by_id"].get(calendar_id)


def timezone_of_calendar_code(code) -> str | None:
    if not code:
        return None
    return calendars()["by_code"].get(code)


def zone(name: str | None) -> ZoneInfo:
    return ZoneInfo(name or default_timezone())


def local_text(instant: datetime | None, timezone_name: str | None = None) -> str:
    if instant is None:
        return ""
    if instant.tzinfo is None:
        instant = instant.replace(tzinfo=timezone.utc)
    return instant.astimezone(zone(timezone_name)).strftime(DISPLAY_FORMAT)


def to_instant(local: datetime, timezone_name: str | None) -> datetime:
    """A wall-clock time in the calendar's zone -> an aware UTC instant."""
    tz = zone(timezone_name)
    aware = local.replace(tzinfo=tz)
    instant = aware.astimezone(timezone.utc)
    if instant.astimezone(tz).replace(tzinfo=None) != local.replace(tzinfo=None):
        raise NonexistentLocalTime(
            f"{local:%d/%m/%Y %H:%M} does not exist in {tz.key}: the clocks go forward then."
        )
    return instant


def day_bounds(day: date, timezone_name: str | None = None) -> tuple[datetime, datetime]:
    """The UTC instants a local calendar day starts and ends (end exclusive)."""
    tz = zone(timezone_name)
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def today(timezone_name: str | None = None) -> date:
    return datetime.now(zone(timezone_name)).date()
