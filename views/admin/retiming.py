"""Saving a calendar or an SLA target moves the due instants of the open cases that depend
on it: the screen shows how many, and which, before it saves, and says after.

The preview is the save itself, made and flushed (the same hooks re-time the open cases),
read, and rolled back (services.clocks.dry_run): what it shows is what the save does. A
change that moves nothing is saved straight away. The confirmation page carries the posted
form unchanged (its CSRF token and row version too), so the save on Confirm is the one the
form asked for, and an edit made by someone else meanwhile is still refused.
"""

from flask import abort, flash, make_response, request
from flask_admin.helpers import get_redirect_target

from models import db
from services import clocks

# Posted by the confirmation page: the number of cases the administrator was shown.
CONFIRMED = "_retiming_confirmed"
# Posted by "Change the values": the form again, with what was typed, nothing saved.
BACK = "_retiming_back"
CARRIED_OVER = frozenset({CONFIRMED, BACK})


class RetimingConfirmation:
    """For a screen of records whose save re-times open cases (calendars, SLA targets)."""

    retiming_template = "admin/retiming_confirm.html"
    # Deleting many at once would skip the preview: one at a time, from the record's row.
    action_disallowed_list = ["delete"]

    def create_model(self, form):
        if BACK in request.form:
            return False
        if not self._confirmed_or_moves_nothing(
            lambda: self._stage(form, self.build_new_instance(), True), "save", None
        ):
            return False
        counted = clocks.Retimed.start(db.session)
        model = super().create_model(form)
        self._report(model, counted, "Saved")
        return model

    def update_model(self, form, model):
        if BACK in request.form:
            return False
        if self.version_conflict(form, model):
            flash(self.conflict_message(model), "error")
            return False
        if not self._confirmed_or_moves_nothing(
            lambda: self._stage(form, model, False), "save", model
        ):
            return False
        counted = clocks.Retimed.start(db.session)
        saved = super().update_model(form, model)
        self._report(saved, counted, "Saved")
        return saved

    def delete_model(self, model):
        def change():
            self.on_model_delete(model)
            db.session.delete(model)

        if not self._confirmed_or_moves_nothing(change, "delete", model):
            return False
        counted = clocks.Retimed.start(db.session)
        deleted = super().delete_model(model)
        self._report(deleted, counted, "Deleted")
        return deleted

    # --- the preview ----------------------------------------------------------------------

    def _confirmed_or_moves_nothing(self, change, verb: str, model) -> bool:
        """True: go on and save. False: refused (the reason flashed). Moving open cases
        without a confirmation, the confirmation page is the response."""
        if CONFIRMED in request.form:
            return True
        try:
            preview = clocks.dry_run(db.session, change)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model, deleting=verb == "delete")
            return False
        if preview.count == 0:
            return True
        abort(make_response(self._confirmation_page(preview, verb, model)))

    def _confirmation_page(self, preview, verb: str, model):
        noun = self.record_noun
        what = f"Deleting this {noun}" if verb == "delete" else f"This change to the {noun}"
        if model is None and verb == "save":
            what = f"Adding this {noun}"
        cases = f"{preview.count} open case{'s' if preview.count != 1 else ''}"
        return self.render(
            self.retiming_template,
            title=f"Confirm: {verb} the {noun}",
            intro=(
                f"{what} moves the due dates of {cases}. Nothing has been saved yet. Each "
                "case's due dates are shown in its own calendar's local time; every moved "
                "case gets an entry in its history."
            ),
            preview=preview,
            shown=len(preview.rows),
            carried=[
                (name, value)
                for name, values in request.form.lists()
                if name not in CARRIED_OVER
                for value in values
            ],
            confirmed_value=preview.count,
            action_url=request.url,
            may_go_back=verb == "save",
            submit="Delete" if verb == "delete" else "Save",
            cancel_url=get_redirect_target() or self.get_url(".index_view"),
        )

    def _report(self, done, counted, word: str) -> None:
        clocks.Retimed.stop(db.session)
        if not done:
            return
        message = f"{word}. {clocks.retimed_words(counted.count)}"
        shown = request.form.get(CONFIRMED, "")
        if shown.isdigit() and int(shown) != counted.count:
            message += (
                f" (The preview showed {shown}: cases were added, closed or changed in the "
                "meantime.)"
            )
        flash(message, "success")
