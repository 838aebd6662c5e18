"""The two paths past an edit form: correcting a clock's start, and changing a rank.

Each is a small form on the record's page, offered only to the capacities
rules/custody.py names; services/custody.py checks again and records the reason, and the
flush hook refuses the same change through any other door.
"""

from flask import abort, flash, redirect, request
from flask_admin import expose
from flask_admin.helpers import get_redirect_target
from sqlalchemy import select
from wtforms import HiddenField, SelectField, TextAreaField

from models import ClassificationLevel, db, utcnow
from rules import custody as rules
from rules.errors import RuleViolation
from services import access, custody

from ..context import current_actor
from . import localtime
from .fields import EXPIRED_FORM, LocalDateTimeField


def _form_class(fields: dict, secure_base):
    return type("CorrectionForm", (secure_base,), {"row_version": HiddenField(), **fields})


class _Correction:
    """What both forms share: who may open them, the record, the page."""

    correctors: frozenset = frozenset()

    def action_for(self, function_name, view_args):
        if function_name in ("correct_start_view", "change_level_view"):
            return "edit"
        return super().action_for(function_name, view_args)

    def may_correct(self) -> bool:
        return bool(access.capacity_codes(current_actor()) & self.correctors)

    def _details_url(self, model):
        return self.get_url(".details_view", id=model.id, url=get_redirect_target())

    def _page(self, title, intro, form, submit, model):
        return self.render(
            "admin/transition.html",
            step=title,
            intro=intro,
            records=None,
            form=form,
            submit=submit,
            cancel_url=self._details_url(model),
            refresh=False,
        )

    def _open(self):
        if not self.may_correct():
            abort(403)
        model = self.get_one(request.args.get("id"))
        return model

    def _refused(self, form, messages, page):
        db.session.rollback()
        for message in messages:
            flash(message, "error")
        return page()

    def _stale(self, form, model) -> bool:
        return str(form.row_version.data or "") != str(getattr(model, "version", ""))


class ClockStartCorrection(_Correction):
    """Correct received (reported, requested) instant…: a coordinator's or administrator's."""

    correctors = rules.CORRECTORS

    def correction_words(self):
        return rules.CLOCK_START_WORDS[self.model.__name__]

    def correction_link(self, model) -> dict | None:
        if not self.may_correct():
            return None
        word = self.correction_words()[0]
        return {
            "label": f"Correct {word} instant",
            "url": self.get_url(".correct_start_view", id=model.id, url=get_redirect_target()),
        }

    def details_context(self, model):
        context = super().details_context(model)
        context["correction"] = self.correction_link(model)
        return context

    @expose("/correct-start/", methods=("GET", "POST"))
    def correct_start_view(self):
        model = self._open()
        word, label, noun = self.correction_words()
        field = f"{label.lower()}_at"
        timezone_name = self.timezone_for(model)
        form_class = _form_class(
            {
                "instant": LocalDateTimeField(
                    f"Corrected {word} instant",
                    description=(
                        f"Local time of the {noun}'s calendar ({timezone_name}), "
                        "as shown beside it, e.g. 02/03/2026 09:00."
                    ),
                ),
                "reason": TextAreaField(
                    "Reason", description="Why it is corrected: kept in the history."
                ),
            },
            self.form_base_class,
        )
        form = form_class(request.form if request.method == "POST" else None)
        form.instant.display_timezone = timezone_name
        form.instant.known_timezones = self.known_timezones()
        if request.method != "POST":
            form.instant.data = getattr(model, field)
            form.row_version.data = model.version
        title = f"Correct {word} instant"
        intro = (
            f"{noun.capitalize()} {model}: {word} "
            f"{localtime.zoned_text(getattr(model, field), timezone_name)}. The due dates are "
            "worked out again from the corrected instant."
        )

        def page():
            return self._page(title, intro, form, title, model)

        if request.method != "POST":
            return page()
        if not form.validate():
            if "csrf_token" in form.errors:
                return self._refused(form, [EXPIRED_FORM], page)
            return self._refused(
                form,
                [f"{form[key].label.text}: {' '.join(errs)}" for key, errs in form.errors.items()],
                page,
            )
        if self._stale(form, model):
            return self._refused(form, [self.conflict_message(model)], page)
        try:
            instant = form.instant.instant(timezone_name)
            done = custody.correct_clock_start(
                db.session, model, instant, form.reason.data, current_actor(), utcnow()
            )
            # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
            db.session.commit()
        except localtime.NonexistentLocalTime as error:
            return self._refused(form, [f"{form.instant.label.text}: {error}"], page)
        except RuleViolation as refusal:
            return self._refused(form, str(refusal).split("\n"), page)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model)
            return page()
        flash(done, "success")
        return redirect(self._details_url(model))


class LevelChange(_Correction):
    """Change classification level…: an administrator's, with a reason; the officer's open
    cases the new level breaks are listed (the change is saved: reassign them)."""

    correctors = rules.RANK_EDITORS

    def level_change_link(self, model) -> dict | None:
        if not self.may_correct() or model.kind != "staff":
            return None
        return {
            "label": "Change classification level",
            "url": self.get_url(".change_level_view", id=model.id, url=get_redirect_target()),
        }

    @expose("/change-level/", methods=("GET", "POST"))
    def change_level_view(self):
        model = self._open()
        levels = db.session.scalars(select(ClassificationLevel).order_by(ClassificationLevel.rank))
        choices = [("", "Choose the new level")] + [
            (str(level.id), f"{level.code} – {level.name}") for level in levels
        ]
        form_class = _form_class(
            {
                "level": SelectField("New classification level", choices=choices, default=""),
                "reason": TextAreaField(
                    "Reason", description="Why the level changes: kept in the history."
                ),
            },
            self.form_base_class,
        )
        form = form_class(request.form if request.method == "POST" else None)
        if request.method != "POST":
            form.row_version.data = model.version
        current = model.level.code if model.level is not None else "none recorded"
        intro = (
            f"{model.display_name}, now {current}. Their open cases are checked again against "
            "the separation of duties; any the new level breaks are listed for reassignment."
        )

        def page():
            return self._page("Change classification level", intro, form, "Change level", model)

        if request.method != "POST":
            return page()
        if not form.validate():
            if "csrf_token" in form.errors:
                return self._refused(form, [EXPIRED_FORM], page)
        if self._stale(form, model):
            return self._refused(form, [self.conflict_message(model)], page)
        chosen = form.level.data
        level = db.session.get(ClassificationLevel, int(chosen)) if chosen.isdigit() else None
        try:
            broken = custody.regrade(db.session, model, level, form.reason.data, current_actor())
            # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
            db.session.commit()
        except RuleViolation as refusal:
            return self._refused(form, str(refusal).split("\n"), page)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model)
            return page()
        flash(f"{model.display_name} is now {level.code}.", "success")
        if broken:
            flash(
                "The new level breaks the separation of duties on these open cases; reassign "
                "them: " + " | ".join(broken),
                "warning",
            )
        return redirect(self._details_url(model))
