"""What every case screen shares: the details page with its due dates, in the case's
local time, and never a case deleted by hand."""

from flask_login import current_user

from ..context import case_timezone, complaint_timezone, visibility
from .base import ScopedModelView


def choices(mapping):
    return list(mapping.items())


def officers_division_timezone() -> str | None:
    """The zone of the signed-in officer's division: a record they open most likely runs
    on it (None: an officer of no division)."""
    me = getattr(current_user, "participant", None)
    division = me.division if me is not None else None
    return complaint_timezone(division) if division is not None else None


class ComplaintZone:
    """A record of a complaint (a review, an extension): its times are in the complaint's
    calendar zone, the complaint picked on the form chooses it, and a new one opens in the
    officer's division's zone. Listed before the view class it joins."""

    zone_source = "complaint"

    def timezone_for(self, model):
        return case_timezone(model)

    def zone_of_choice(self, complaint):
        return case_timezone(complaint) if complaint is not None else None

    def new_case_timezone(self):
        return officers_division_timezone() or super().new_case_timezone()


def show_complaint_reference(view, context, model, name):
    complaint = model.complaint
    return complaint.reference if complaint is not None else ""


class CaseView(ScopedModelView):
    """A case with clocks: details page with its due dates, never deleted by hand."""

    can_delete = False
    can_view_details = True
    can_export = True
    details_template = "admin/case_details.html"

    def details_context(self, model):
        """What `admin/_due_dates.html` can use besides `model` and `admin_view`."""
        return {
            "case_timezone": self.timezone_for(model),
            "local_time": lambda instant: self.local_text(instant, model),
            # Whom admin/_history.html may name: no confidential complainant hidden from me.
            "history_person_visible": visibility().person_visible_on(model),
        }

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs.update(self.details_context(kwargs["model"]))
        return super().render(template, **kwargs)
