"""Which time zone a case is in, and instants in and out of local time.

Every instant is stored in UTC. A case runs on a calendar, and is shown and typed in that
calendar's time zone: a complaint (and every record of one: reviews, extensions, letters)
on its division's calendar; a ticket on its client's calendar, else the service desk's
(`DEFAULT_TICKET_CALENDAR`). Where no case calendar applies (audit log, accounts, a case
whose calendar is unknown) the portal's own time zone (`DISPLAY_TIMEZONE`) is used.

Every door and service asks `case_timezone`; nothing here reads a request.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.orm import object_session

import settings
from models import Calendar, kinds

# Where no case calendar applies (audit log, accounts): the department's own time.
FALLBACK_TIMEZONE = settings.DISPLAY_TIMEZONE
DESK_CALENDAR = settings.DEFAULT_TICKET_CALENDAR
DISPLAY_FORMAT = "%d/%m/%Y %H:%M"


class NonexistentLocalTime(ValueError):
    """A wall-clock time the clocks skipped (daylight saving starts)."""


@dataclass(frozen=True)
class ZoneSettings:
    """The two settings the answer depends on."""

    # The portal's own time zone, for instants of no case calendar.
    display_timezone: str = FALLBACK_TIMEZONE
    # The code of the service desk's calendar, for tickets of a client without one.
    desk_calendar: str | None = DESK_CALENDAR

    @classmethod
    def of(cls, config: Mapping) -> "ZoneSettings":
        """From an application's configuration (or any mapping of setting names)."""
        return cls(
            display_timezone=config.get("DISPLAY_TIMEZONE") or FALLBACK_TIMEZONE,
            desk_calendar=config.get("DEFAULT_TICKET_CALENDAR", DESK_CALENDAR),
        )


def settings_in_force() -> ZoneSettings:
    """The running application's settings, or the defaults outside one (a script)."""
    from flask import current_app, has_app_context

    return ZoneSettings.of(current_app.config) if has_app_context() else ZoneSettings()


@dataclass(frozen=True)
class CalendarZones:
    """Each calendar's time zone by id and by code, read in one query (for a page of rows)."""

    by_id: Mapping[int, str] = field(default_factory=dict)
    by_code: Mapping[str, str] = field(default_factory=dict)

    @classmethod
    def load(cls, session) -> "CalendarZones":
        """Kept with the calendars this process has read while the configuration's stamp
        is unchanged (services/clocks/engines.py)."""
        from .clocks import Clocks  # the clocks use this module

        loaded = Clocks.of(session).loaded
        if loaded.zones is None:
            rows = session.execute(select(Calendar.id, Calendar.code, Calendar.timezone)).all()
            loaded.zones = cls(
                by_id={row.id: row.timezone for row in rows},
                by_code={row.code: row.timezone for row in rows},
            )
        return loaded.zones


def _zone_of(owner, calendars: CalendarZones | None) -> str | None:
    """The time zone of the calendar a division or client runs on, if it has one."""
    if owner is None:
        return None
    if calendars is None and owner.calendar_id is not None:
        # Not read through the relationship when this process has the zones already.
        session = object_session(owner)
        if session is not None and "calendar" not in sa_inspect(owner).dict:
            calendars = CalendarZones.load(session)
    if calendars is not None:
        return calendars.by_id.get(owner.calendar_id) if owner.calendar_id is not None else None
    calendar = owner.calendar
    return calendar.timezone if calendar is not None else None


def _desk_zone(session, settings: ZoneSettings, calendars: CalendarZones | None):
    code = settings.desk_calendar
    if not code:
        return None
    if calendars is not None:
        return calendars.by_code.get(code)
    if session is None:
        return None
    calendar = session.scalar(select(Calendar).where(Calendar.code == code))
    return calendar.timezone if calendar is not None else None


def complaint_timezone(
    division, settings: ZoneSettings, calendars: CalendarZones | None = None
) -> str:
    """The time zone of a complaint in this division (None: a complaint of no division)."""
    return _zone_of(division, calendars) or settings.display_timezone


def ticket_timezone(
    client, settings: ZoneSettings, calendars: CalendarZones | None = None, *, session=None
) -> str:
    """The time zone of a ticket for this client (None: a ticket of no client).

    With `calendars`, `client` needs only a `calendar_id` (a row of a query will do).
    """
    if calendars is None and session is None and client is not None:
        session = object_session(client)
    return (
        _zone_of(client, calendars)
        or _desk_zone(session, settings, calendars)
        or settings.display_timezone
    )


def case_timezone(record, settings: ZoneSettings, calendars: CalendarZones | None = None) -> str:
    """The time zone of the calendar the record's case runs on.

    `record` is a complaint, a ticket, or a record of a complaint (a review, an extension);
    anything else is in the portal's own time zone. Without `calendars` the calendar is
    read through the record's relationships.
    """
    complaint = kinds.complaint_of(record)
    if complaint is not None:
        return complaint_timezone(complaint.division, settings, calendars)
    kind = kinds.find_kind(record)
    if kind is not None and kind.no_calendar is None:
        # A ticket: its client's calendar, else the service desk's.
        holder = getattr(record, kind.calendar_holder[0])
        return ticket_timezone(holder, settings, calendars, session=object_session(record))
    return settings.display_timezone


# --- instants ----------------------------------------------------------------------------


def zone(name: str) -> ZoneInfo:
    return ZoneInfo(name)  # ZoneInfo keeps one instance per name


def _aware(instant: datetime) -> datetime:
    return instant.replace(tzinfo=timezone.utc) if instant.tzinfo is None else instant


def place(timezone_name: str) -> str:
    """The place a zone is named after: "Australia/Melbourne" -> "Melbourne"."""
    if timezone_name in ("UTC", "Etc/UTC", "Etc/GMT", "GMT"):
        return "UTC"
    return timezone_name.rsplit("/", 1)[-1].replace("_", " ")


def abbreviation(instant: datetime | None, timezone_name: str) -> str:
    """The zone's abbreviation at the instant ("AEDT" in a Melbourne summer, "AEST" in its
    winter); "UTC+05:30" where the zone has no letters. Now, when there is no instant."""
    local = _aware(instant or datetime.now(timezone.utc)).astimezone(zone(timezone_name))
    name = local.tzname() or ""
    if name and name[0] not in "+-":
        return name
    offset = local.utcoffset() or timedelta(0)
    sign = "-" if offset < timedelta(0) else "+"
    minutes = abs(int(offset.total_seconds())) // 60
    return f"UTC{sign}{minutes // 60:02d}:{minutes % 60:02d}"


def zone_label(timezone_name: str, instant: datetime | None = None) -> str:
    """The zone as a form labels a time typed in it: "Melbourne time (AEDT)"."""
    where, letters = place(timezone_name), abbreviation(instant, timezone_name)
    if where == "UTC" or where == letters:
        return letters
    return f"{where} time ({letters})"


def abbreviations(timezone_name: str, year: int | None = None) -> str:
    """The zone's abbreviations through a year, in words: "AEDT in daylight saving, AEST
    otherwise", or "AEST all year"."""
    year = year or datetime.now(timezone.utc).year
    tz = zone(timezone_name)
    seasons = [datetime(year, month, 1, 12, tzinfo=tz) for month in (1, 7)]
    summer = [moment for moment in seasons if moment.dst()]
    winter = [moment for moment in seasons if not moment.dst()]
    if not summer or not winter:
        return f"{abbreviation(seasons[0], timezone_name)} all year"
    return (
        f"{abbreviation(summer[0], timezone_name)} in daylight saving, "
        f"{abbreviation(winter[0], timezone_name)} otherwise"
    )


def local_text(instant: datetime | None, timezone_name: str) -> str:
    """dd/mm/yyyy HH:MM in the zone, the Australian way ("" for no instant)."""
    if instant is None:
        return ""
    return _aware(instant).astimezone(zone(timezone_name)).strftime(DISPLAY_FORMAT)


def zoned_text(instant: datetime | None, timezone_name: str) -> str:
    """dd/mm/yyyy HH:MM and the zone's abbreviation then: "10/01/2027 10:00 AEDT"."""
    if instant is None:
        return ""
    return f"{local_text(instant, timezone_name)} {abbreviation(instant, timezone_name)}"


def candidates(local: datetime, timezone_name: str) -> list[datetime]:
    """The UTC instants a wall-clock time can mean in the zone, earliest first: one, none (the
    clocks skip it: daylight saving starts) or two (it happens twice: daylight saving ends)."""
    tz = zone(timezone_name)
    wall = local.replace(tzinfo=None)
    found = []
    for fold in (0, 1):
        instant = wall.replace(tzinfo=tz, fold=fold).astimezone(timezone.utc)
        if instant.astimezone(tz).replace(tzinfo=None) == wall and instant not in found:
            found.append(instant)
    return sorted(found)


def to_instant(local: datetime, timezone_name: str) -> datetime:
    """A wall-clock time in the calendar's zone -> an aware UTC instant.

    A time the clocks skip is refused (NonexistentLocalTime). A time that happens twice
    (the hour daylight saving ends) is its first occurrence, still on daylight time.
    """
    found = candidates(local, timezone_name)
    if not found:
        tz = zone(timezone_name)
        before = local.replace(tzinfo=None) - timedelta(hours=3)
        after = local.replace(tzinfo=None) + timedelta(hours=3)
        raise NonexistentLocalTime(
            f"{local:%d/%m/%Y %H:%M} does not exist in {tz.key}: the clocks go forward then "
            f"(from {abbreviation(before.replace(tzinfo=tz), timezone_name)} to "
            f"{abbreviation(after.replace(tzinfo=tz), timezone_name)}). Enter a time before "
            "or after the change."
        )
    return found[0]


def day_bounds(day: date, timezone_name: str) -> tuple[datetime, datetime]:
    """The UTC instants a local calendar day starts and ends (end exclusive)."""
    tz = zone(timezone_name)
    start = datetime.combine(day, time(0), tzinfo=tz)
    end = datetime.combine(day + timedelta(days=1), time(0), tzinfo=tz)
    return start.astimezone(timezone.utc), end.astimezone(timezone.utc)


def today(timezone_name: str) -> date:
    return datetime.now(zone(timezone_name)).date()
