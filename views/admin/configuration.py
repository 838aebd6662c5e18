"""Configuration administrators keep: calendars, SLA targets, pause statuses, lookup lists."""

from flask_admin.form import Select2Field
from flask_admin.model.form import InlineFormAdmin
from wtforms.validators import ValidationError

from models import Closure, OpeningWindow, WorkedHoliday, kinds
from rules import notifications as notification_rules
from rules.clock import validate_spec
from rules.values import sla_amount_problem
from rules.vocabulary import (
    CASE_TYPES,
    SLA_KEYS,
    UNITS,
    WEEKDAYS,
)
from services.clocks import spec_of

from .base import ScopedModelView
from .fields import DayField
from .retiming import RetimingConfirmation


class AdministrationView(ScopedModelView):
    can_view_details = True
    can_export = True


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
    form_overrides = {"starts_on": DayField, "ends_on": DayField}
    form_args = {
        "starts_on": {"label": "First day"},
        "ends_on": {"label": "Last day"},
        "from_time": {"label": "Closed from (empty: all day)", "default_format": "%H:%M"},
        "until_time": {"label": "Closed until (empty: all day)", "default_format": "%H:%M"},
    }


class WorkedHolidayInline(InlineFormAdmin):
    form_columns = ("id", "day", "note")
    form_overrides = {"day": DayField}


class CalendarView(RetimingConfirmation, AdministrationView):
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

    details_template = "admin/calendar_details.html"
    column_details_list = (
        "code",
        "name",
        "timezone",
        "holiday_country",
        "holiday_subdivision",
        "windows",
        "closures",
        "worked_holidays",
    )

    def on_model_change(self, form, model, is_created):
        # The calendar engine's own checks: the same whichever door a calendar comes through.
        problems = validate_spec(spec_of(model))
        if problems:
            raise ValidationError(" ".join(problems))


class SlaTargetView(RetimingConfirmation, AdministrationView):
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
        problem = sla_amount_problem(model.amount, model.name or model.key)
        if problem:
            raise ValidationError(problem)
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
        kind = next((k for k in kinds.KINDS if k.name == model.case_type), None)
        statuses = kind.statuses if kind is not None else {}
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


class EscalationRuleView(AdministrationView):
    """When a due instant of a kind is N business hours away, or has passed, tell the
    case's officer and/or the coordinator of its division (tickets: the desk leads).
    `flask notify run` applies the active rules."""

    record_noun = "escalation rule"
    column_list = (
        "name",
        "due_kind",
        "moment",
        "business_hours",
        "audience",
        "outside_hours",
        "active",
    )
    column_labels = {
        "due_kind": "Due date watched",
        "moment": "When",
        "business_hours": "Business hours (N)",
        "audience": "Tell",
        "outside_hours": "Also outside business hours",
        "active": "Active",
    }
    column_descriptions = {
        "business_hours": "Before the due: how far ahead, in business hours of the case's "
        "calendar. Once passed: how long after (0: as soon as it passes).",
        "outside_hours": "Unticked, the rule is quiet outside the case calendar's business "
        "hours and tells at the next opening.",
        "active": "Switch a rule off instead of deleting it.",
    }
    column_choices = {
        "due_kind": list(notification_rules.DUE_KIND_NAMES.items()),
        "moment": list(notification_rules.MOMENTS.items()),
        "audience": list(notification_rules.AUDIENCES.items()),
    }
    column_default_sort = [("due_kind", False), ("business_hours", False)]
    column_searchable_list = ("name",)
    form_columns = (
        "name",
        "due_kind",
        "moment",
        "business_hours",
        "audience",
        "outside_hours",
        "active",
    )
    form_choices = {
        "due_kind": list(notification_rules.DUE_KIND_NAMES.items()),
        "moment": list(notification_rules.MOMENTS.items()),
        "audience": list(notification_rules.AUDIENCES.items()),
    }

    def on_model_change(self, form, model, is_created):
        model.name = (model.name or "").strip()
        if not model.name:
            raise ValidationError("Give the rule a name (it starts each notification).")
        problem = notification_rules.rule_problem(
            model.moment, model.business_hours, model.due_kind, model.audience
        )
        if problem:
            raise ValidationError(problem)
