"""Form fields the portal needs beyond WTForms and Flask-Admin's own."""

from datetime import datetime

from markupsafe import Markup
from wtforms import DateField, Field, HiddenField
from wtforms.utils import unset_value
from wtforms.validators import ValidationError
from wtforms.widgets import DateTimeLocalInput, TextInput

from . import localtime

# Every form of the portal carries a CSRF token: one that fails reads the same everywhere.
EXPIRED_FORM = "This form has expired or was not sent from the portal. Please try again."


def flash_form_errors(form) -> None:
    """A refused form's reasons as messages: the expired form alone, or each field's."""
    from flask import flash

    if "csrf_token" in form.errors:
        flash(EXPIRED_FORM, "error")
        return
    for key, errors in form.errors.items():
        flash(f"{form[key].label.text}: {' '.join(errors)}", "error")


INPUT_FORMATS = (
    "%Y-%m-%dT%H:%M",  # what the browser's date-time picker sends
    "%Y-%m-%dT%H:%M:%S",
    "%d/%m/%Y %H:%M",  # what a person types
    "%d/%m/%Y %H:%M:%S",
    "%d/%m/%Y %H.%M",
    "%Y-%m-%d %H:%M",
    "%Y-%m-%d %H:%M:%S",
)


# A day as the portal shows it (11/12/2026), or in ISO (2026-12-11); the first is shown.
DAY_INPUT_FORMATS = ("%d/%m/%Y", "%Y-%m-%d")
DAY_HINT = "dd/mm/yyyy, e.g. 11/12/2026"


def parse_day(text: str):
    """A typed day as a date; ValueError saying the expected form otherwise."""
    text = (text or "").strip()
    for pattern in DAY_INPUT_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()
        except ValueError:
            continue
    raise ValueError(f"“{text}” is not a date: enter it as {DAY_HINT}.")


class DayField(DateField):
    """A calendar day typed the Australian way (dd/mm/yyyy) or as ISO, shown dd/mm/yyyy."""

    widget = TextInput()

    def __init__(self, label=None, validators=None, **kwargs):
        kwargs.pop("format", None)
        super().__init__(label, validators, format=list(DAY_INPUT_FORMATS), **kwargs)
        self.render_kw = {"placeholder": "dd/mm/yyyy", **(self.render_kw or {})}
        if not self.description:
            self.description = f"As {DAY_HINT}."

    def process_formdata(self, valuelist):
        text = " ".join(valuelist or ()).strip()
        if not text:
            self.data = None
            return
        try:
            self.data = parse_day(text)
        except ValueError as error:
            self.data = None
            raise ValueError(str(error)) from None


# The hidden input beside a local time, carrying the zone it was shown in: "<name>-zone".
ZONE_SUFFIX = "-zone"


class LocalDateTimeInput(DateTimeLocalInput):
    """The date-time input, the zone it is written in beside it (“Melbourne time (AEDT)”),
    and a hidden input carrying that zone's IANA name back with the form.

    What the person saw is what they meant: the typed wall time is read in the zone the
    form labelled it with, whichever division or client is chosen meanwhile. The page's
    script (static/local_times.js) re-labels and converts it when the case's zone changes.
    """

    def __call__(self, field, **kwargs):
        zone_name = field.timezone
        label_id = f"{field.id}{ZONE_SUFFIX}-label"
        # A screen reader reads the zone with the field.
        kwargs["aria-describedby"] = label_id
        kwargs["class"] = " ".join(filter(None, (kwargs.get("class"), "local-datetime")))
        kwargs["data-zone-input"] = field.zone_input_name
        if field.zone_url:
            kwargs["data-zone-url"] = field.zone_url
        if field.zone_source:
            kwargs["data-zone-source"] = field.zone_source
        html = super().__call__(field, **kwargs)
        return Markup(
            '{html}<span class="local-zone" id="{label_id}" title="{zone}">{label}</span>'
            '<input type="hidden" name="{name}" id="{hidden_id}" value="{zone}">'
        ).format(
            html=html,
            label_id=label_id,
            zone=zone_name,
            label=localtime.zone_label(zone_name, field.shown_instant()),
            name=field.zone_input_name,
            hidden_id=f"{field.id}{ZONE_SUFFIX}",
        )


class LocalDateTimeField(Field):
    """A date and time typed in the local time of the zone the form shows beside it.

    The form shows the case calendar's zone (the view sets `display_timezone`; a new case
    the zone it will most likely run on) and carries it in a hidden input; the typed text
    is read in the zone posted back with it. `data` holds what was typed as a naive
    wall-clock time (or the stored aware instant before anything was typed). The view
    turns it into UTC once the form has been applied to the record, so the field itself
    sets nothing.
    """

    widget = LocalDateTimeInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        if not self.description:
            self.description = (
                "Local time of the zone shown beside it (the case's calendar), "
                "e.g. 02/03/2026 09:00."
            )
        # Set by the view before rendering: the zone stored instants are shown in.
        self.display_timezone = None
        # Set by the view: the zones a form may carry back (None: any the portal knows).
        self.known_timezones = None
        # Set by the view for the page's script: where to ask for the zone of the case's
        # division or client (zone_url), and the picker that chooses it (zone_source).
        self.zone_url = None
        self.zone_source = None
        # The zone the form was shown in, as posted back with it (None: not posted).
        self.posted_timezone = None

    @property
    def zone_input_name(self) -> str:
        return f"{self.name}{ZONE_SUFFIX}"

    def process(self, formdata, data=unset_value, extra_filters=None):
        super().process(formdata, data, extra_filters)
        if formdata is not None:
            posted = (formdata.get(self.zone_input_name) or "").strip()
            self.posted_timezone = posted or None

    def posted_zone_is_known(self) -> bool:
        if self.posted_timezone is None:
            return False
        if self.known_timezones is not None:
            return self.posted_timezone in self.known_timezones
        try:
            localtime.zone(self.posted_timezone)
        except (ValueError, KeyError, OSError):
            return False
        return True

    @property
    def timezone(self) -> str:
        """The zone the value is shown, and read, in: the one it was posted from, if any."""
        if self.posted_zone_is_known():
            return self.posted_timezone
        return self.display_timezone or localtime.default_timezone()

    def shown_instant(self):
        """The instant the shown value means, for the zone's abbreviation (None: now)."""
        if self.data is None:
            return None
        if self.data.tzinfo is not None:
            return self.data
        found = localtime.candidates(self.data, self.timezone)
        return found[0] if found else None

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        value = self.data
        if value.tzinfo is not None:
            value = value.astimezone(localtime.zone(self.timezone))
        return value.strftime("%Y-%m-%dT%H:%M")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        if not text:
            self.data = None
            return
        parsed = parse_local(text)
        if parsed is None:
            self.data = None
            raise ValueError("Enter a date and time as dd/mm/yyyy hh:mm, e.g. 02/03/2026 09:00.")
        self.data = parsed

    def pre_validate(self, form):
        if self.posted_timezone is not None and not self.posted_zone_is_known():
            self.posted_timezone = None
            raise ValidationError(
                "The form came back in a time zone the portal does not use: open the form "
                "again, and enter the time in the zone it shows."
            )

    def populate_obj(self, obj, name):
        """The view sets the instant once it knows the case's time zone."""

    def reading_timezone(self, case_timezone: str) -> str:
        """The zone the typed text is read in: the one the form showed, else the case's (a
        form posted without one, e.g. by a script)."""
        return self.posted_timezone if self.posted_zone_is_known() else case_timezone

    def instant(self, case_timezone):
        """The aware UTC instant this field means, or None.

        Typed text is read in the zone the form showed it in (`reading_timezone`).
        """
        if self.data is None:
            return None
        if self.data.tzinfo is not None:
            return self.data
        return localtime.to_instant(self.data, self.reading_timezone(case_timezone))


def parse_local(text: str):
    """A typed local date and time (naive), or None when it is not one."""
    for pattern in INPUT_FORMATS:
        try:
            return datetime.strptime(text.strip(), pattern)
        except ValueError:
            continue
    return None


class VersionField(HiddenField):
    """The row version the form was opened on: a save against a newer one is refused."""

    def populate_obj(self, obj, name):
        """Never written to the record: SQLAlchemy advances the version itself."""
