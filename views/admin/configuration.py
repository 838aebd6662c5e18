"""Configuration administrators keep: calendars, SLA targets, pause statuses, lookup lists."""

from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import holidays
from flask_admin.form import Select2Field
from flask_admin.model.form import InlineFormAdmin
from wtforms.validators import ValidationError

from models import Closure, OpeningWindow, WorkedHoliday
from rules.vocabulary import (
    CASE_TYPES,
    COMPLAINT_STATUSES,
    REVIEW_STATUSES,
    SLA_KEYS,
    TICKET_STATUSES,
    UNITS,
    WEEKDAYS,
)

from .base import ScopedModelView
from .capacities import ADMINISTRATION

STATUSES_BY_CASE_TYPE = {
    "complaint": COMPLAINT_STATUSES,
    "ticket": TICKET_STATUSES,
    "internal_review": REVIEW_STATUSES,
}


class AdministrationView(ScopedModelView):
    capacities = ADMINISTRATION
    can_view_details = False


class OpeningWindowInline(InlineFormAdmin):
    form_columns = ("id", "weekday", "opens_at", "closes_at")
    form_overrides = {"weekday": Select2Field}
    form_args = {
        "weekday": {"choices": list(enumerate(WEEKDAYS)), "coerce": int, "label": "Day"},
        "opens_at": {"label": "Opens", "default_format": "%H:%M"},
        "closes_at": {"label": "Closes", "default_format": "%H:%M"},
    }


class ClosureInline(InlineFormAdmin):
    form_columns = ("id", "name", "starts_on", "ends_on", "from_time", "until_time")
    form_args = {
        "starts_on": {"label": "First day"},
        "ends_on": {"label": "Last day"},
        "from_time": {"label": "Closed from (empty: all day)", "default_format": "%H:%M"},
        "until_time": {"label": "Closed until (empty: all day)", "default_format": "%H:%M"},
    }


class WorkedHolidayInline(InlineFormAdmin):
    form_columns = ("id", "day", "note")


class CalendarView(AdministrationView):
    record_noun = "calendar"
    column_list = ("code", "name", "timezone", "holiday_country", "holiday_subdivision")
    column_labels = {
        "timezone": "Time zone",
        "holiday_country": "Public holidays of (country)",
        "holiday_subdivision": "State or territory",
        "windows": "Opening hours",
        "worked_holidays": "Public holidays worked",
    }
    column_descriptions = {
        "timezone": "An IANA name, e.g. Australia/Brisbane.",
        "holiday_country": "Two-letter code, e.g. AU.",
        "holiday_subdivision": "e.g. QLD or VIC.",
    }
    column_default_sort = [("code", False)]
    form_columns = ("code", "name", "timezone", "holiday_country", "holiday_subdivision")
    inline_models = (
        OpeningWindowInline(OpeningWindow),
        ClosureInline(Closure),
        WorkedHolidayInline(WorkedHoliday),
    )

    def on_model_change(self, form, model, is_created):
        try:
            ZoneInfo(model.timezone or "")
        except (ZoneInfoNotFoundError, ValueError) as error:
            raise ValidationError(
                f"{model.timezone!r} is not a time zone: use an IANA name such as "
                "Australia/Brisbane."
            ) from error
        if model.holiday_subdivision and not model.holiday_country:
            raise ValidationError("Give the country of the state or territory, e.g. AU.")
        if model.holiday_country:
            try:
                holidays.country_holidays(
                    model.holiday_country, subdiv=model.holiday_subdivision or None
                )
            except NotImplementedError as error:
                raise ValidationError(
                    f"No public holidays are known for {model.holiday_country} "
                    f"{model.holiday_subdivision or ''}".rstrip()
                    + ": check the country and state codes."
                ) from error
        for window in model.windows:
            if window.opens_at is None or window.closes_at is None:
                raise ValidationError("Each opening window needs an opening and a closing time.")
            if window.opens_at >= window.closes_at:
                raise ValidationError(
                    f"{WEEKDAYS[window.weekday]}: the office must open before it closes."
                )
        for closure in model.closures:
            if closure.starts_on and closure.ends_on and closure.starts_on > closure.ends_on:
                raise ValidationError(f"Closure {closure.name}: the last day is before the first.")
            if (closure.from_time is None) != (closure.until_time is None):
                raise ValidationError(
                    f"Closure {closure.name}: give both times for part of a day, or neither."
                )
            if closure.from_time and closure.from_time >= closure.until_time:
                raise ValidationError(f"Closure {closure.name}: 'from' must be before 'until'.")


class SlaTargetView(AdministrationView):
    record_noun = "SLA target"
    column_list = ("key", "name", "amount", "unit", "calendar", "service_level_percent", "active")
    column_labels = {
        "key": "Applies to",
        "service_level_percent": "Service level %",
        "calendar": "Calendar (empty: the case's own)",
    }
    column_choices = {"unit": list(UNITS.items())}
    column_default_sort = [("key", False)]
    column_searchable_list = ("key", "name")
    form_columns = ("key", "name", "amount", "unit", "calendar", "service_level_percent", "active")
    form_choices = {"key": list(SLA_KEYS.items()), "unit": list(UNITS.items())}

    def on_model_change(self, form, model, is_created):
        if model.amount is None or model.amount < 0:
            raise ValidationError("The amount cannot be negative.")
        level = model.service_level_percent
        if level is not None and not 0 <= level <= 100:
            raise ValidationError("A service level is a percentage between 0 and 100.")


class PauseStatusView(AdministrationView):
    record_noun = "pause status"
    column_list = ("case_type", "status")
    column_labels = {"case_type": "Case type", "status": "Status whose time does not count"}
    column_choices = {"case_type": list(CASE_TYPES.items())}
    form_columns = ("case_type", "status")
    form_choices = {"case_type": list(CASE_TYPES.items())}

    def on_model_change(self, form, model, is_created):
        statuses = STATUSES_BY_CASE_TYPE.get(model.case_type, {})
        if model.status not in statuses:
            raise ValidationError(
                f"{model.status!r} is not a status of a {CASE_TYPES.get(model.case_type)}: "
                f"use one of {', '.join(statuses)}."
            )


class LookupView(AdministrationView):
    column_list = ("code", "name", "active", "sort_order")
    column_labels = {"sort_order": "Order in lists", "active": "Offered in forms"}
    column_default_sort = [("sort_order", False), ("name", False)]
    column_searchable_list = ("code", "name")
    form_columns = ("code", "name", "active", "sort_order")


class OutcomeView(LookupView):
    column_list = (*LookupView.column_list, "requires_reason")
    column_labels = {**LookupView.column_labels, "requires_reason": "Reasons must be recorded"}
    form_columns = (*LookupView.form_columns, "requires_reason")
