"""A case's notes and contact log on its details page, and the small form that adds one.

Whoever may view the case may add to its file (the view's own check, then the case through
the scoped query: out of scope is a 404). services/notes.py judges the entry again in the
flush, so the same rules hold for the API and scripts; an entry is never edited: the form
adds a correction pointing at it instead.
"""

from flask import flash, redirect, request
from flask_admin import expose
from flask_admin.helpers import get_redirect_target
from wtforms import BooleanField, HiddenField, SelectField, StringField, TextAreaField

from models import db
from rules import notes as rules
from rules.errors import RuleViolation
from services import notes

from ..context import current_actor
from . import localtime
from .fields import LocalDateTimeField, flash_form_errors


class CaseNotes:
    """Mixed into the complaint, ticket and internal review screens."""

    # Whom a shared entry is shared with, in the screen's words.
    shared_with = "the complainant"

    def action_for(self, function_name, view_args):
        if function_name == "add_note_view":
            return "view"
        return super().action_for(function_name, view_args)

    def _note_form(self, timezone_name, corrected):
        fields = {
            "kind": SelectField(
                "What it records",
                choices=[("", "Choose…")] + list(rules.KINDS.items()),
                default=corrected.kind if corrected is not None else "",
            ),
            "happened_at": LocalDateTimeField(
                "When it happened",
                description=(
                    "For a phone call, meeting, letter or visit: local time of the case's "
                    f"calendar ({timezone_name}), e.g. 02/03/2026 09:00."
                ),
            ),
            "with_whom": StringField(
                "With whom", description="For a contact: the person or people spoken to."
            ),
            "summary": TextAreaField(
                "Summary",
                description="What was said or done. Entries are never edited: a mistake is "
                "put right by a correction.",
                render_kw={"rows": 6},
            ),
            "shared": BooleanField(
                f"Shared with {self.shared_with}",
                description=f"Leave unticked for an entry internal to the department; ticked, "
                f"the case file marks it as known to {self.shared_with}.",
            ),
            "corrects": HiddenField(),
        }
        return type("NoteForm", (self.form_base_class,), fields)

    @expose("/note/", methods=("GET", "POST"))
    def add_note_view(self):
        model = self.get_one(request.args.get("id"))
        timezone_name = self.timezone_for(model)
        corrected = None
        corrects_id = request.values.get("corrects") or ""
        if corrects_id:
            corrected = notes.entry_of_case(
                db.session, model, int(corrects_id) if corrects_id.isdigit() else None
            )
            if corrected is None:
                flash("That entry is not in this case's file: add a new entry instead.", "error")
        form = self._note_form(timezone_name, corrected)(
            request.form if request.method == "POST" else None
        )
        form.happened_at.display_timezone = timezone_name
        if corrected is not None:
            form.corrects.data = str(corrected.id)
        details_url = self.get_url(".details_view", id=model.id, url=get_redirect_target())
        noun = self.record_noun
        title = "Correct an entry" if corrected is not None else "Add a note or contact"
        intro = f"{noun.capitalize()} {model}."
        if corrected is not None:
            intro += (
                f" Correcting entry {corrected.id} ({rules.KINDS.get(corrected.kind)}, recorded "
                f"{localtime.zoned_text(corrected.recorded_at, timezone_name)}): it stays in "
                "the file, marked as corrected by this one."
            )

        def page():
            return self.render(
                "admin/transition.html",
                step=title,
                intro=intro,
                records=None,
                form=form,
                submit="Add to the case file",
                cancel_url=details_url,
                refresh=False,
            )

        if request.method != "POST":
            return page()
        if not form.validate():
            db.session.rollback()
            flash_form_errors(form)
            return page()
        try:
            happened_at = form.happened_at.instant(timezone_name)
            notes.add(
                db.session,
                model,
                current_actor(),
                kind=form.kind.data,
                summary=form.summary.data,
                happened_at=happened_at,
                with_whom=form.with_whom.data,
                shared=form.shared.data,
                corrects=corrected,
            )
            # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
            db.session.commit()
        except localtime.NonexistentLocalTime as error:
            db.session.rollback()
            flash(f"{form.happened_at.label.text}: {error}", "error")
            return page()
        except RuleViolation as refusal:
            db.session.rollback()
            for message in str(refusal).split("\n"):
                flash(message, "error")
            return page()
        flash(f"Added to the case file of {noun} {model}.", "success")
        return redirect(details_url)
