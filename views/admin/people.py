"""People: participants, login accounts, divisions and classification levels."""

from flask import abort, flash, make_response, request
from flask_admin.actions import action
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from sqlalchemy import func, select
from wtforms import PasswordField
from wtforms.validators import Length, Optional, ValidationError

from models import Participant, User, db
from rules import values
from rules.errors import RuleViolation
from rules.values import email_problem
from rules.vocabulary import ADMINISTRATOR, PARTICIPANT_KINDS
from services import confidentiality, custody, second_factor, sessions

from ..context import current_actor, visibility
from . import privacy
from .base import ScopedModelView, show_person
from .corrections import LevelChange
from .filters import ChoiceFilter
from .loaders import clients, staff
from .options import division_options
from .related import ParticipantRelatedRecords
from .retiming import BACK, CONFIRMED

# Posted by the rank change's confirmation page: why the rank changes.
REASON = "_rank_reason"

MINIMUM_PASSWORD_LENGTH = 10
# What names or reaches a person: masked for a confidential complainant hidden from the user.
IDENTITY_COLUMNS = ("given_name", "family_name", "organisation_name", "email", "phone", "address")


def email_address(form, field):
    """The message beside the field; the save itself refuses the same (services.invariants)."""
    problem = email_problem(field.data)
    if problem:
        raise ValidationError(problem)


class ParticipantView(ParticipantRelatedRecords, LevelChange, ScopedModelView):
    record_noun = "participant"
    can_delete = False  # the register keeps everyone it has named
    can_view_details = True
    can_export = True
    details_template = "admin/participant_details.html"

    column_list = (
        "kind",
        "given_name",
        "family_name",
        "organisation_name",
        "email",
        "phone",
        "division",
        "level",
    )
    column_labels = {
        "organisation_name": "Organisation",
        "position_title": "Position",
        "level": "Classification level",
        "calendar": "Calendar (client contract)",
        "organisation": "Belongs to organisation",
        "receives_client_report": "Receives the client's service report",
    }
    column_choices = {"kind": list(PARTICIPANT_KINDS.items())}
    column_formatters = {
        "organisation": show_person,
        **{name: privacy.show_identity for name in IDENTITY_COLUMNS},
    }
    column_formatters_export = {name: privacy.show_identity for name in IDENTITY_COLUMNS}
    column_default_sort = [("family_name", False), ("given_name", False), ("id", False)]
    column_searchable_list = ("given_name", "family_name", "organisation_name", "email", "phone")
    identity_search_columns = column_searchable_list
    column_filters = [
        ChoiceFilter(Participant.kind, "Kind", list(PARTICIPANT_KINDS.items())),
        ChoiceFilter(Participant.division_id, "Division", division_options(), coerce=int),
    ]
    column_select_related_list = (Participant.division, Participant.level)

    form_columns = (
        "kind",
        "given_name",
        "family_name",
        "organisation_name",
        "email",
        "phone",
        "address",
        "position_title",
        "division",
        "level",
        "calendar",
        "organisation",
        "receives_client_report",
    )
    form_choices = {"kind": list(PARTICIPANT_KINDS.items())}
    form_ajax_refs = {"organisation": clients("organisation")}
    form_widget_args = {"address": {"rows": 3}}
    form_args = {
        "email": {"validators": [email_address]},
        "receives_client_report": {
            "description": "A contact of a client organisation: mailed the organisation's "
            "service report each month (flask reports send-client-reports)."
        },
    }

    def identity_search_condition(self):
        return confidentiality.person_visible(current_actor(), Participant.id)

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs["level_change"] = self.level_change_link(kwargs["model"])
            kwargs["related"] = self.participant_cases(kwargs["model"])
        return super().render(template, **kwargs)

    def get_one(self, id):
        record = super().get_one(id)
        # The edit form would show what the mask hides.
        if request.endpoint.endswith(".edit_view") and not visibility().shows_person(record):
            abort(403)
        return record

    def on_model_change(self, form, model, is_created):
        if not (model.family_name or model.given_name or model.organisation_name):
            raise ValidationError("Give a name: a family name, a given name or an organisation.")
        if model.receives_client_report:
            organisation = model.organisation
            problem = values.client_report_contact_problem(
                organisation.kind if organisation is not None else None
            )
            if problem:
                raise ValidationError(problem)
        if model.kind == "staff" and model.level is None:
            raise ValidationError(
                "A staff member needs a classification level: seniority is compared on it. "
                "An administrator sets it with Change classification level, on the person's page."
                if not is_created
                else "A staff member needs a classification level: seniority is compared on it."
            )


class UserView(ScopedModelView):
    record_noun = "user"
    can_delete = False  # switch an account off instead: its history stays readable
    can_view_details = True
    can_export = False

    column_list = (
        "username",
        "participant",
        "capacities",
        "active",
        "totp_enrolled_at",
        "last_login_at",
    )
    column_details_list = (
        "username",
        "participant",
        "capacities",
        "active",
        "second_factor_required",
        "totp_enrolled_at",
        "created_at",
        "last_login_at",
    )
    column_labels = {
        "participant": "Person",
        "active": "Can sign in",
        "last_login_at": "Last signed in",
        "created_at": "Created",
        "totp_enrolled_at": "Second factor since",
        "second_factor_required": "Second factor required",
    }
    column_descriptions = {
        "second_factor_required": (
            "This person must sign in with a code from an authenticator app as well as "
            "their password (administrators always must, unless SECOND_FACTOR_REQUIRED is off)."
        ),
    }
    column_formatters = {"participant": show_person}
    column_default_sort = [("username", False)]
    column_searchable_list = (
        "username",
        "participant.given_name",
        "participant.family_name",
        "participant.email",
    )
    column_filters = ("active",)
    column_select_related_list = (User.participant,)

    form_columns = (
        "username",
        "participant",
        "active",
        "capacities",
        "second_factor_required",
        "new_password",
    )
    form_extra_fields = {
        "new_password": PasswordField(
            "New password",
            validators=[Optional(), Length(min=MINIMUM_PASSWORD_LENGTH)],
            description=(
                f"At least {MINIMUM_PASSWORD_LENGTH} characters. Leave empty to keep the "
                "current password."
            ),
        )
    }
    form_ajax_refs = {"participant": staff("participant")}

    def on_model_change(self, form, model, is_created):
        password = form.new_password.data
        if password:
            model.set_password(password)
        elif is_created:
            raise ValidationError("Give the new account a password.")
        if not is_created and model.id == current_user.id:
            if not model.active or ADMINISTRATOR not in {c.code for c in model.capacities}:
                raise ValidationError(
                    "You cannot switch off your own account or remove your own administrator "
                    "capacity: ask another administrator."
                )

    @action(
        "sign_out_everywhere",
        "Sign out everywhere",
        "Sign the selected accounts out on every device and server? They must sign in again.",
    )
    def action_sign_out_everywhere(self, ids):
        users = self.get_query().filter(User.id.in_([int(i) for i in ids if i.isdigit()])).all()
        for user in users:
            sessions.end_every_session(db.session, user.id)
        db.session.commit()
        if users:
            names = ", ".join(sorted(u.username for u in users))
            flash(
                f"Signed out everywhere: {names}. Their next request asks them to sign in.",
                "success",
            )
        else:
            flash("No account was chosen.", "info")

    @action(
        "reset_second_factor",
        "Reset second factor",
        "Remove the second factor of the selected accounts (a lost phone)? They are signed "
        "out everywhere and set it up again at their next sign-in if they must have one.",
    )
    def action_reset_second_factor(self, ids):
        users = self.get_query().filter(User.id.in_([int(i) for i in ids if i.isdigit()])).all()
        reset = [u for u in users if u.totp_secret]
        for user in reset:
            second_factor.turn_off(db.session, user)
        db.session.commit()
        if reset:
            names = ", ".join(sorted(u.username for u in reset))
            flash(f"Second factor removed: {names}. They are signed out everywhere.", "success")
        else:
            flash("None of the accounts chosen has a second factor.", "info")


class DivisionView(ScopedModelView):
    record_noun = "division"
    can_view_details = True
    can_export = True
    column_list = ("code", "name", "calendar")
    column_default_sort = [("name", False)]
    column_searchable_list = ("code", "name")
    form_columns = ("code", "name", "calendar")


class ClassificationLevelView(ScopedModelView):
    """A new rank changes the seniority of every officer on the level: before it is saved
    the screen lists the open cases whose separation of duties it would break and asks for
    a reason; it is saved on Confirm (as a regrade is), and the broken cases are listed for
    reassignment."""

    record_noun = "classification level"
    can_view_details = True
    can_export = True
    column_list = ("code", "name", "rank")
    column_descriptions = {"rank": "Higher ranks are more senior (AO2 < AO5 < AO8 < SES1)."}
    column_default_sort = [("rank", False)]
    form_columns = ("code", "name", "rank")
    # Ranks are changed one level at a time, through the edit form and its confirmation.
    action_disallowed_list = ["delete"]

    def update_model(self, form, model):
        new_rank = form.rank.data
        if BACK in request.form:
            return False
        if new_rank == model.rank:
            return super().update_model(form, model)
        if self.version_conflict(form, model):
            flash(self.conflict_message(model), "error")
            return False
        reason = request.form.get(REASON, "")
        if CONFIRMED not in request.form or not reason.strip():
            if CONFIRMED in request.form:
                flash("Reason: say why the rank changes; it is kept in the history.", "error")
            old_rank = model.rank
            try:
                broken = custody.broken_by_rank(db.session, model, new_rank)
            finally:
                db.session.rollback()
            abort(make_response(self._rank_confirmation(model, old_rank, new_rank, broken)))
        try:
            with db.session.no_autoflush:
                broken = custody.rerank(db.session, model, new_rank, reason, current_actor())
        except RuleViolation as refusal:
            db.session.rollback()
            for message in str(refusal).split("\n"):
                flash(message, "error")
            return False
        saved = super().update_model(form, model)
        if saved:
            flash(f"{model.code} now has rank {new_rank}. Reason kept in its history.", "success")
            if broken:
                flash(
                    "The new rank breaks the separation of duties on these open cases; "
                    "reassign them: " + " | ".join(broken),
                    "warning",
                )
            else:
                flash("No open case's separation of duties is broken by it.", "success")
        return saved

    def _rank_confirmation(self, model, old_rank, new_rank, broken):
        officers = db.session.scalar(
            select(func.count()).select_from(Participant).where(Participant.level_id == model.id)
        )
        return self.render(
            "admin/rank_change_confirm.html",
            title=f"Confirm: change the rank of {model.code}",
            intro=(
                f"{model.code} goes from rank {old_rank} to rank {new_rank}: the "
                f"{officers} officer{'s' if officers != 1 else ''} on it become "
                f"{'more' if new_rank > old_rank else 'less'} senior. Nothing has been "
                "saved yet."
            ),
            broken=broken,
            carried=[
                (name, value)
                for name, values in request.form.lists()
                if name not in (CONFIRMED, BACK, REASON)
                for value in values
            ],
            reason=request.form.get(REASON, ""),
            action_url=request.url,
            cancel_url=get_redirect_target() or self.get_url(".index_view"),
        )
