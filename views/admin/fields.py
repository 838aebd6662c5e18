"""Form fields the portal needs beyond WTForms and Flask-Admin's own."""

from datetime import datetime

from wtforms import DateField, Field, HiddenField
from wtforms.widgets import DateTimeLocalInput, TextInput

from . import localtime

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


class LocalDateTimeField(Field):
    """A date and time typed in the case calendar's local time.

    `data` holds what was typed as a naive wall-clock time (or the stored aware instant
    before anything was typed). The view turns it into UTC with the case's time zone
    once the form has been applied to the record, so the field itself sets nothing.
    """

    widget = DateTimeLocalInput()

    def __init__(self, label=None, validators=None, **kwargs):
        super().__init__(label, validators, **kwargs)
        if not self.description:
            self.description = "Local time of the case's calendar, e.g. 02/03/2026 09:00."
        # Set by the view before rendering: the zone stored instants are shown in.
        self.display_timezone = None

    def _value(self):
        if self.raw_data:
            return " ".join(self.raw_data)
        if self.data is None:
            return ""
        value = self.data
        if value.tzinfo is not None:
            value = value.astimezone(localtime.zone(self.display_timezone))
        return value.strftime("%Y-%m-%dT%H:%M")

    def process_formdata(self, valuelist):
        if not valuelist:
            return
        text = " ".join(valuelist).strip()
        if not text:
            self.data = None
            return
        for pattern in INPUT_FORMATS:
            try:
                self.data = datetime.strptime(text, pattern)
                return
            except ValueError:
                continue
        self.data = None
        raise ValueError("Enter a date and time as dd/mm/yyyy hh:mm, e.g. 02/03/2026 09:00.")

    def populate_obj(self, obj, name):
        """The view sets the instant once it knows the case's time zone."""

    def instant(self, timezone_name):
        """The aware UTC instant this field means in `timezone_name`, or None."""
        if self.data is None:
            return None
        if self.data.tzinfo is not None:
            return self.data
        return localtime.to_instant(self.data, timezone_name)


class VersionField(HiddenField):
    """The row version the form was opened on: a save against a newer one is refused."""

    def populate_obj(self, obj, name):
        """Never written to the record: SQLAlchemy advances the version itself."""
