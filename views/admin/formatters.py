"""How the grids and details pages show values: dates the Australian way, yes or no,
instants in the case calendar's local time, stored codes as their labels, people by name."""

from markupsafe import Markup
from sqlalchemy import inspect as sa_inspect

from models import UTCDateTime

from . import localtime


def australian_date(view, value, name):
    return value.strftime("%d/%m/%Y")


def yes_no(view, value, name):
    return "Yes" if value else "No"


def instant_columns(model) -> list[str]:
    """The model's columns that hold instants (UTCDateTime)."""
    return [
        attr.key
        for attr in sa_inspect(model).column_attrs
        if isinstance(attr.columns[0].type, UTCDateTime)
    ]


def show_instant(view, context, model, name):
    """dd/mm/yyyy HH:MM in the case calendar's local time, the zone's abbreviation after it."""
    return view.zoned_markup(getattr(model, name), model)


def export_instant(view, context, model, name):
    """An instant as text for an export: dd/mm/yyyy HH:MM in the zone the grid shows."""
    return view.local_text(getattr(model, name), model)


def local_instant(view, context, model, name):
    """An instant as a typed local date and time (for XLSX), in the zone the grid shows."""
    instant = getattr(model, name)
    if instant is None:
        return None
    return instant.astimezone(localtime.zone(view.timezone_for(model))).replace(tzinfo=None)


def show_due(view, context, model, name):
    """The due instant, marked Overdue when it has passed and the case is still open."""
    due = getattr(model, name)
    if due is None:
        return ""
    text = view.zoned_markup(due, model)
    if view.is_overdue(model, due):
        return Markup('<span class="badge badge-danger">Overdue</span> {}').format(text)
    return text


def show_choice(labels: dict):
    """A stored code shown as its label ("under_assessment" -> "Under assessment")."""

    def formatter(view, context, model, name):
        value = getattr(model, name)
        if value is None:
            return ""
        return labels.get(value, value)

    return formatter


def show_person(view, context, model, name):
    """A participant's name without reaching for their level (no query per row)."""
    value = model
    for part in name.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value.display_name if value is not None else ""
