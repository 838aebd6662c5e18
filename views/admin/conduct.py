"""The register of restrictions of contact (unreasonable complainant conduct), for
coordinators and administrators only, and a complaint's representatives.

A restriction is recorded on a complaint of the person; it is checked on save
(services/conduct.py: the deciding officer's level, what it restricts, its dates), its
letter is queued to the person, and it is lifted (who, when, why) on its own page, never
deleted.
"""

from flask import flash, redirect, request
from flask_admin import expose
from flask_admin.form import SecureForm
from flask_admin.helpers import get_redirect_target
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy.orm import joinedload
from wtforms import SelectMultipleField, TextAreaField, widgets
from wtforms.validators import ValidationError

from models import Complaint, ContactRestriction, Representative, db, utcnow
from rules import conduct as rules
from rules.confidentiality import MASK
from rules.errors import RuleViolation
from services import conduct

from ..context import visibility
from .base import ScopedModelView
from .case_view import ComplaintZone, show_complaint_reference
from .formatters import show_person
from .loaders import ComplaintLoader, ParticipantLoader, staff
from .related import RelatedRecords


class ChannelsField(SelectMultipleField):
    """The restricted channels as ticks, kept as "phone,email"."""

    widget = widgets.ListWidget(prefix_label=False)
    option_widget = widgets.CheckboxInput()

    def process_data(self, value):
        self.data = rules.channels_of(value) if isinstance(value, str) or value is None else value

    def populate_obj(self, obj, name):
        setattr(obj, name, ",".join(rules.channels_of(",".join(self.data or ()))))

    def pre_validate(self, form):
        unknown = [value for value in self.data or () if value not in rules.CHANNELS]
        if unknown:
            raise ValidationError("Choose channels from the list.")


def show_channels(view, context, model, name):
    return rules.channels_in_words(model.channels)


def show_standing(view, context, model, name):
    return rules.STANDINGS[conduct.standing_of(model)]


def show_restricted_person(view, context, model, name):
    """The person restricted, masked as their complaint masks them."""
    complaint = model.complaint
    if complaint is not None and not visibility().shows_complainant(complaint):
        return MASK
    return model.participant.display_name if model.participant is not None else ""


def show_contacts(view, context, model, name):
    if not model.contacts:
        return "None"
    items = Markup("").join(
        Markup("<li>{}: {}</li>").format(
            view.local_text(contact.received_at, model), contact.summary
        )
        for contact in model.contacts
    )
    return Markup("<ul class='list-unstyled mb-0'>{}</ul>").format(items)


class ContactRestrictionView(ComplaintZone, ScopedModelView):
    record_noun = "restriction"
    can_delete = False
    can_view_details = True
    can_export = True
    instants_ahead = frozenset({"effective_from", "review_due_at", "ends_at"})
    details_template = "admin/restriction_details.html"
    endpoint_actions = {"lift_view": "lift"}

    column_list = (
        "participant",
        "complaint",
        "channels",
        "contact_officer",
        "effective_from",
        "review_due_at",
        "standing",
    )
    column_details_list = (
        "participant",
        "complaint",
        "division",
        "conduct",
        "contact_officer",
        "subject_matter",
        "channels",
        "contact_times",
        "permitted_contact",
        "decided_by",
        "effective_from",
        "review_due_at",
        "ends_at",
        "standing",
        "recorded_at",
        "recorded_by",
        "lifted_at",
        "lifted_by",
        "lift_reason",
        "contacts",
    )
    column_export_list = column_list
    column_labels = {
        "participant": "Person",
        "channels": "Channels restricted",
        "contact_officer": "Contact officer",
        "subject_matter": "About what",
        "contact_times": "When",
        "permitted_contact": "How they may contact us",
        "decided_by": "Decided by",
        "effective_from": "In force from",
        "review_due_at": "Review due",
        "ends_at": "Ends",
        "standing": "Standing",
        "lift_reason": "Why lifted",
        "contacts": "Contacts through a restricted channel",
    }
    column_descriptions = {
        "complaint": "The complaint whose handling the conduct arose in: its complainant is "
        "the person restricted.",
        "decided_by": "A senior officer at or above the decision-maker level "
        "(RESTRICTION_DECIDER_LEVEL) and the complaint's decision maker.",
        "channels": "Contact through these still gets recorded, but goes to the contact "
        "officer with a warning.",
    }
    column_formatters = {
        "participant": show_restricted_person,
        "complaint": show_complaint_reference,
        "contact_officer": show_person,
        "decided_by": show_person,
        "channels": show_channels,
        "standing": show_standing,
        "contacts": show_contacts,
    }
    column_formatters_export = {
        "participant": show_restricted_person,
        "complaint": show_complaint_reference,
        "contact_officer": show_person,
        "channels": show_channels,
        "standing": show_standing,
    }
    column_default_sort = [("review_due_at", False), ("id", True)]
    column_searchable_list = ("complaint.reference",)
    column_select_related_list = (
        ContactRestriction.complaint,
        ContactRestriction.contact_officer,
        ContactRestriction.participant,
    )
    loader_options = (joinedload(ContactRestriction.complaint).joinedload(Complaint.division),)

    form_columns = (
        "complaint",
        "conduct",
        "contact_officer",
        "subject_matter",
        "channels",
        "contact_times",
        "permitted_contact",
        "decided_by",
        "effective_from",
        "review_due_at",
        "ends_at",
    )
    form_overrides = {"channels": ChannelsField}
    form_args = {"channels": {"choices": list(rules.CHANNELS.items())}}
    form_ajax_refs = {
        "complaint": ComplaintLoader("complaint"),
        "contact_officer": staff("contact_officer"),
        "decided_by": staff("decided_by"),
    }
    form_widget_args = {
        "conduct": {"rows": 3},
        "subject_matter": {"rows": 2},
        "contact_times": {"rows": 2},
        "permitted_contact": {"rows": 2},
    }

    def fill_new_form(self, form):
        complaint_id = request.args.get("complaint_id", "")
        if complaint_id.isdigit() and "complaint" in form:
            found = db.session.get(Complaint, int(complaint_id))
            if found is not None:
                form.complaint.data = found

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        if obj is not None and obj.lifted_at is not None:
            # A lifted restriction is kept as it was: its page shows it, nothing changes.
            for name in [field.name for field in form if field.name not in ("csrf_token",)]:
                if name != "row_version":
                    del form[name]
        return form

    def on_model_change(self, form, model, is_created):
        if is_created:
            model.recorded_at = utcnow()
            model.recorded_by_id = current_user.id

    def after_model_change(self, form, model, is_created):
        if is_created:
            flash(
                "Restriction recorded. The letter telling the person, with how to seek a "
                "review of it, is queued in the outbox.",
                "success",
            )

    @expose("/lift/", methods=("GET", "POST"))
    def lift_view(self):
        back = get_redirect_target() or self.get_url(".index_view")
        restriction = self.get_one(request.args.get("id", ""))
        if request.method == "POST":
            form = LiftForm(request.form)
            if form.validate():
                try:
                    conduct.lift(db.session, restriction, form.reason.data or "", current_user)
                    db.session.commit()
                except RuleViolation as refused:
                    db.session.rollback()
                    flash(str(refused), "error")
                else:
                    flash("Restriction lifted; it stays in the register's history.", "success")
                    return redirect(self.get_url(".details_view", id=restriction.id, url=back))
            else:
                for errors in form.errors.values():
                    for message in errors:
                        flash(message, "error")
        else:
            form = LiftForm()
        return self.render(
            "admin/restriction_lift.html",
            restriction=restriction,
            form=form,
            return_url=back,
            standing=rules.STANDINGS[conduct.standing_of(restriction)],
        )

    def details_context(self, model):
        return {
            "lift_url": self.get_url(".lift_view", id=model.id)
            if self.may("lift") and model.lifted_at is None
            else None
        }

    def render(self, template, **kwargs):
        if template == self.details_template and "model" in kwargs:
            kwargs.update(self.details_context(kwargs["model"]))
        return super().render(template, **kwargs)


class LiftForm(SecureForm):
    reason = TextAreaField("Why is the restriction lifted?")


def show_representative(view, context, model, name):
    complaint = model.complaint
    if complaint is not None and not visibility().shows_complainant(complaint):
        return MASK
    person = getattr(model, name, None)
    return person.display_name if person is not None else ""


def show_kind(view, context, model, name):
    return rules.REPRESENTATIVE_KINDS.get(model.kind, model.kind)


def show_letters(view, context, model, name):
    return rules.REPRESENTATIVE_LETTERS.get(model.letters, model.letters)


class RepresentativeView(ComplaintZone, RelatedRecords, ScopedModelView):
    """A complainant's representative on one complaint, with their authority."""

    record_noun = "representative"
    can_delete = False
    can_view_details = True
    can_export = True
    details_template = "admin/related_details.html"

    column_list = ("complaint", "participant", "kind", "letters", "authority_date", "ended_at")
    column_details_list = (
        "complaint",
        "participant",
        "kind",
        "letters",
        "authority",
        "authority_date",
        "authority_notes",
        "recorded_at",
        "ended_at",
    )
    column_labels = {
        "participant": "Representative",
        "letters": "Letters",
        "authority": "Authority to act",
        "authority_date": "Authority given on",
        "authority_notes": "Notes on the authority",
        "ended_at": "Ended",
    }
    column_descriptions = {
        "authority": "The complainant's authority for them to act: the document (a signed "
        "authority, a power of attorney) or how it was given.",
        "letters": "Where the complainant asked their letters to go.",
    }
    form_choices = {
        "kind": list(rules.REPRESENTATIVE_KINDS.items()),
        "letters": list(rules.REPRESENTATIVE_LETTERS.items()),
    }
    column_formatters = {
        "complaint": show_complaint_reference,
        "participant": show_representative,
        "kind": show_kind,
        "letters": show_letters,
    }
    column_formatters_export = {
        "complaint": show_complaint_reference,
        "participant": show_representative,
        "kind": show_kind,
        "letters": show_letters,
    }
    column_default_sort = [("id", True)]
    column_searchable_list = ("complaint.reference",)
    column_select_related_list = (Representative.complaint, Representative.participant)
    loader_options = (joinedload(Representative.complaint).joinedload(Complaint.division),)
    instants_ahead = frozenset()

    form_columns = (
        "complaint",
        "participant",
        "kind",
        "letters",
        "authority",
        "authority_date",
        "authority_notes",
        "ended_at",
    )
    form_ajax_refs = {
        "complaint": ComplaintLoader("complaint"),
        "participant": ParticipantLoader("participant", kinds=("representative",)),
    }
    form_widget_args = {"authority": {"rows": 2}, "authority_notes": {"rows": 2}}

    def fill_new_form(self, form):
        complaint_id = request.args.get("complaint_id", "")
        if complaint_id.isdigit() and "complaint" in form:
            found = db.session.get(Complaint, int(complaint_id))
            if found is not None:
                form.complaint.data = found
