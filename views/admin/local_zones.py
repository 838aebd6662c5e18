"""Times on a screen's forms and grids: shown in the case calendar's local time with the
zone's abbreviation, typed in it (the zone following the picker that chooses the calendar),
and read back as UTC instants."""

from flask import jsonify, request
from flask_admin import expose
from flask_admin.model.fields import AjaxSelectField, AjaxSelectMultipleField
from markupsafe import Markup
from wtforms.validators import ValidationError

from models import utcnow

from ..context import calendar_zones
from . import localtime
from .fields import LocalDateTimeField, parse_local

PICKER_PLACEHOLDER = "Type to search"


def unchanged_wall_time(typed, stored, timezone_name) -> bool:
    """Whether the typed wall time is the stored instant's, to the minute, in the zone."""
    if typed is None or stored is None or typed.tzinfo is not None:
        return False
    shown = stored.astimezone(localtime.zone(timezone_name)).replace(tzinfo=None)
    return typed.replace(second=0, microsecond=0) == shown.replace(second=0, microsecond=0)


class LocalZoneMixin:
    """The zone each record's instants are shown and typed in, and the forms' time fields."""

    def timezone_for(self, model) -> str:
        """The IANA zone the record's instants are shown and typed in."""
        return localtime.default_timezone()

    def local_text(self, instant, model) -> str:
        if instant is None:
            return ""
        return localtime.local_text(instant, self.timezone_for(model))

    def zoned_text(self, instant, model) -> str:
        """The local time and the zone it is in, as "10/01/2027 10:00 AEDT"."""
        if instant is None:
            return ""
        return localtime.zoned_text(instant, self.timezone_for(model))

    def zoned_markup(self, instant, model):
        """The local time, and the zone's abbreviation, named in full on hover."""
        if instant is None:
            return ""
        timezone_name = self.timezone_for(model)
        return Markup('{} <abbr class="local-zone-abbr" title="{}">{}</abbr>').format(
            localtime.local_text(instant, timezone_name),
            localtime.zone_label(timezone_name, instant),
            localtime.abbreviation(instant, timezone_name),
        )

    # The picker that chooses the calendar a new or edited record runs on ("division" on a
    # complaint, "client" on a ticket, "complaint" on a review), for the page's script.
    zone_source: str | None = None

    def zone_of_choice(self, choice) -> str | None:
        """The time zone a record takes with `choice` in the `zone_source` picker."""
        return None

    def new_record_timezone(self, form) -> str:
        """The zone a new record's form shows its times in: the zone of what its picker
        holds, else the zone the new case will most likely run on (`new_case_timezone`)."""
        if self.zone_source and self.zone_source in form:
            chosen = self.zone_of_choice(form[self.zone_source].data)
            if chosen:
                return chosen
        return self.new_case_timezone()

    def new_case_timezone(self) -> str:
        return localtime.default_timezone()

    def known_timezones(self) -> frozenset:
        """The zones a form may be shown, and posted back, in: the calendars' and the
        portal's own."""
        zones = calendar_zones()
        return frozenset({*zones.by_id.values(), localtime.default_timezone()})

    @expose("/local-zone/")
    def local_zone_view(self):
        """For the page's script: the zone a form's times are shown in once `source` is
        chosen, its label, and the typed `value` (read in `zone`) as written in it.

        `source` is the chosen id in the `zone_source` picker (empty: none chosen).
        """
        from_zone = request.args.get("zone", "")
        known = self.known_timezones()
        if from_zone not in known:
            from_zone = localtime.default_timezone()
        target = from_zone
        if "source" in request.args:
            target = self.zone_for_source_id(request.args.get("source", ""))
        text = (request.args.get("value") or "").strip()
        value, instant = text, None
        if text:
            typed = parse_local(text)
            found = localtime.candidates(typed, from_zone) if typed is not None else []
            if found:
                instant = found[0]
                value = instant.astimezone(localtime.zone(target)).strftime("%Y-%m-%dT%H:%M")
            else:
                # Not a time (or one the clocks skip): left as typed, in the zone it was.
                target = from_zone
        return jsonify(
            {
                "zone": target,
                "label": localtime.zone_label(target, instant),
                "value": value,
            }
        )

    def zone_for_source_id(self, value: str) -> str:
        """The zone of the record the picker's id names, read as the picker would offer it
        to this user (out of reach reads as nothing chosen)."""
        choice = None
        if self.zone_source and value:
            choice = self.zone_source_record(value)
        return self.zone_of_choice(choice) or self.new_case_timezone()

    def zone_source_record(self, value: str):
        loader = (self._form_ajax_refs or {}).get(self.zone_source)
        if loader is not None:
            return loader.get_one(value)
        return None

    def is_overdue(self, model, due) -> bool:
        status = getattr(model, "status", None)
        return due < utcnow() and status not in self.closed_statuses

    def _prepare_form(self, form, timezone_name):
        known = self.known_timezones()
        for field in form:
            if isinstance(field, LocalDateTimeField):
                field.display_timezone = timezone_name
                field.known_timezones = known
                field.zone_url = self.get_url(".local_zone_view")
                if self.zone_source and self.zone_source in form:
                    field.zone_source = form[self.zone_source].id
            elif isinstance(field, AjaxSelectField | AjaxSelectMultipleField):
                field.render_kw = {
                    "data-placeholder": PICKER_PLACEHOLDER,
                    **(field.render_kw or {}),
                }
            elif getattr(field, "allow_blank", False) and not getattr(field, "blank_text", "x"):
                field.blank_text = "(none)"

    def apply_local_times(self, form, model):
        """Turn the typed wall-clock times into UTC instants.

        Each is read in the zone the form showed it in (posted back beside it), else, for a
        form posted without one, in the case's time zone.
        """
        fields = [field for field in form if isinstance(field, LocalDateTimeField)]
        if not fields:
            return
        case_zone = self.timezone_for(model)
        for field in fields:
            timezone_name = field.reading_timezone(case_zone)
            stored = getattr(model, field.name, None)
            # The form shows minutes: the stored instant posted back unchanged is kept whole
            # (also the second of a time that happens twice, when the clocks go back).
            if unchanged_wall_time(field.data, stored, timezone_name):
                continue
            try:
                instant = field.instant(case_zone)
            except localtime.NonexistentLocalTime as error:
                raise ValidationError(f"{field.label.text}: {error}") from error
            if (
                instant is not None
                and stored is not None
                and instant == stored.replace(second=0, microsecond=0)
            ):
                continue
            if (
                instant is not None
                and field.name not in self.instants_ahead
                and instant != stored
                and instant > utcnow()
            ):
                raise ValidationError(
                    f"{field.label.text}: {localtime.zoned_text(instant, timezone_name)} is in "
                    "the future. Enter when it happened."
                )
            setattr(model, field.name, instant)
