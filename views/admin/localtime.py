"""Instants on the screens: shown and typed the Australian way (dd/mm/yyyy HH:MM) in the
local time of the case's calendar, or of the portal where no calendar applies.

Which zone a case is in is services/localtime.py's answer (views/context.case_timezone);
these helpers only default the zone to the portal's own.
"""

from datetime import date, datetime

from services import localtime
from services.localtime import NonexistentLocalTime  # noqa: F401  (the screens catch it)

from ..context import display_timezone

default_timezone = display_timezone


def zone(name: str | None):
    return localtime.zone(name or display_timezone())


def local_text(instant: datetime | None, timezone_name: str | None = None) -> str:
    if instant is None:
        return ""
    return localtime.local_text(instant, timezone_name or display_timezone())


def zoned_text(instant: datetime | None, timezone_name: str | None = None) -> str:
    """dd/mm/yyyy HH:MM and the zone's abbreviation: "10/01/2027 10:00 AEDT"."""
    return localtime.zoned_text(instant, timezone_name or display_timezone())


def abbreviation(instant: datetime | None, timezone_name: str | None = None) -> str:
    return localtime.abbreviation(instant, timezone_name or display_timezone())


def zone_label(timezone_name: str | None, instant: datetime | None = None) -> str:
    """The zone a form's time is written in, as "Melbourne time (AEDT)"."""
    return localtime.zone_label(timezone_name or display_timezone(), instant)


def candidates(local: datetime, timezone_name: str | None) -> list[datetime]:
    return localtime.candidates(local, timezone_name or display_timezone())


def to_instant(local: datetime, timezone_name: str | None) -> datetime:
    return localtime.to_instant(local, timezone_name or display_timezone())


def day_bounds(day: date, timezone_name: str | None = None) -> tuple[datetime, datetime]:
    return localtime.day_bounds(day, timezone_name or display_timezone())


def today(timezone_name: str | None = None) -> date:
    return localtime.today(timezone_name or display_timezone())
