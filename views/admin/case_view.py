"""What every case screen shares: the details page with its facts, due dates and timeline,
in the case's local time, and never a case deleted by hand."""

from flask import request, url_for
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect
from werkzeug.routing import BuildError

from models import Complaint, db
from rules import permissions
from services import access, case_contents, documents, timeline

from ..context import case_timezone, complaint_timezone, current_actor, visibility
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
    # The banner of a restriction of contact on the case's person, above the form.
    edit_template = "admin/case_edit.html"

    def details_context(self, model):
        """What `admin/_due_dates.html` and `admin/_timeline.html` can use besides `model`
        and `admin_view`."""
        named = people_named_on(model)
        if isinstance(model, Complaint) and model.id is not None:
            # What kinds of record it holds, in one statement: the panels and the timeline
            # skip what it has none of.
            named += case_contents.read(db.session, model).people
        # The case's people and those its records name, asked about at once.
        visibility().expect(named)
        person_visible = visibility().person_visible_on(model)
        context = {
            "case_timezone": self.timezone_for(model),
            "local_time": lambda instant: self.local_text(instant, model),
            # Whom the history may name: no confidential complainant hidden from me.
            "history_person_visible": person_visible,
        }
        if type(model) in documents.CASE_RELATIONS:
            context["timeline"] = self.timeline_context(model, person_visible)
        return context

    def timeline_links(self, model) -> timeline.Links:
        may_open_outbox = permissions.allowed(
            access.capacity_codes(current_actor()), "outboundmessage", "view"
        )
        back = get_redirect_target()

        def outbox(message_id):
            if not may_open_outbox:
                return None
            return url_for("outboundmessage.details_view", id=message_id)

        def print_letter(message_id):
            if not may_open_outbox:
                return None
            try:
                return url_for("outboundmessage.print_letter", id=message_id)
            except BuildError:  # the printable letter is not installed on this portal
                return None

        return timeline.Links(
            download=lambda attachment_id: url_for(
                ".download_attachment", attachment_id=attachment_id
            ),
            outbox=outbox,
            print_letter=print_letter,
            correct=lambda note_id: self.get_url(
                ".add_note_view", id=model.id, corrects=note_id, url=back
            ),
        )

    def timeline_context(self, model, person_visible) -> dict:
        """The case's timeline for `admin/_timeline.html`: the chosen filter chip
        (?timeline=notes) and the newest entries unless ?timeline_all=1."""
        group = request.args.get("timeline", "all")
        show_all = request.args.get("timeline_all") == "1"
        # The files and messages of a confidential complainant: as the documents decide.
        withheld = self._withheld(model) if hasattr(self, "_withheld") else False
        found = timeline.timeline_of(
            model,
            withheld=withheld,
            person_visible=person_visible,
            links=self.timeline_links(model),
            group=group,
            show_all=show_all,
        )
        back = get_redirect_target()

        def page_url(**args):
            return self.get_url(".details_view", id=model.id, url=back, **args)

        found["chips"] = [
            {
                "key": key,
                "label": label,
                "count": found["counts"][key],
                "url": page_url(**({} if key == "all" else {"timeline": key})),
                "current": key == found["group"],
            }
            for key, label in timeline.GROUPS.items()
        ]
        chosen = {} if found["group"] == "all" else {"timeline": found["group"]}
        found["show_all_url"] = page_url(timeline_all="1", **chosen)
        found["add_note_url"] = self.get_url(".add_note_view", id=model.id, url=back)
        found["add_document_url"] = self.get_url(".add_document_view", id=model.id, url=back)
        found["shared_with"] = getattr(self, "shared_with", "the complainant")
        return found

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs.update(self.details_context(kwargs["model"]))
        return super().render(template, **kwargs)


def people_named_on(case) -> list[int]:
    """The participants a case's own columns name (complainant, officers, client, agent)."""
    return [
        getattr(case, attribute.key)
        for attribute in sa_inspect(type(case)).column_attrs
        if any(key.column.table.name == "participant" for key in attribute.columns[0].foreign_keys)
    ]
