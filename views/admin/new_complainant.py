"""A phone complaint from someone not yet in the register, in one form: beside the
complainant picker, the new person's name, email, phone and address.

Before a new participant is made, people already in the register with the same name,
email or phone (services/people.py) are listed on the form: the officer chooses one of them
instead, or confirms that the caller is someone new. One submit saves the person and the
complaint together, or neither (the save's transaction); a refused form keeps what was
typed. Without scripts the list comes back with the refused form; static/new_person.js
shows it while typing, from `people_like_view`.
"""

from flask import jsonify, request
from flask_admin import expose
from wtforms import RadioField, StringField, TextAreaField
from wtforms.validators import Length, Optional, ValidationError

from models import Participant, db
from services import people

from ..context import current_actor
from .people import email_address

NEW = "new"
# The new person's fields, in the order the form shows them (the participant form's).
NEW_PERSON_FIELDS = ("new_given_name", "new_family_name", "new_email", "new_phone", "new_address")
COLUMNS = {name: name.removeprefix("new_") for name in NEW_PERSON_FIELDS}


def typed(form) -> dict:
    """The new person's details as typed, trimmed ({} when the form has none)."""
    return {
        column: (form[name].data or "").strip() for name, column in COLUMNS.items() if name in form
    }


class NewComplainant:
    """Mix into the complaints screen: the new person on its create form."""

    create_template = "admin/complaint_create.html"
    new_person_fields = NEW_PERSON_FIELDS

    def get_create_form(self):
        form_class = super().get_create_form()
        fields = {
            "new_given_name": StringField("Given name", [Optional(), Length(max=80)]),
            "new_family_name": StringField("Family name", [Optional(), Length(max=80)]),
            "new_email": StringField(
                "Email", [Optional(), Length(max=200), email_address], render_kw={"type": "email"}
            ),
            "new_phone": StringField(
                "Phone", [Optional(), Length(max=40)], render_kw={"type": "tel"}
            ),
            "new_address": TextAreaField("Address", [Optional()], render_kw={"rows": 2}),
            "same_person": RadioField(
                "Likely already in the register", choices=[], validate_choice=False
            ),
        }
        return type(form_class.__name__, (form_class,), fields)

    def create_form(self, obj=None):
        form = super().create_form(obj)
        likely = self.likely_people(typed(form)) if request.method == "POST" else []
        if likely:
            form.same_person.choices = [
                (str(match.person.id), f"Use {match.describe()}") for match in likely
            ] + [(NEW, "None of these: add the new person")]
        else:
            del form.same_person
        return form

    def likely_people(self, details: dict):
        if not any(details.values()):
            return []
        return people.likely_same_people(
            db.session,
            current_actor(),
            given=details.get("given_name"),
            family=details.get("family_name"),
            email=details.get("email"),
            phone=details.get("phone"),
        )

    def attach_new_complainant(self, form, model):
        """The complainant from the new person's details (or the existing person chosen
        instead); ValidationError, with everything typed kept, when it cannot be decided."""
        details = typed(form)
        if not any(details.values()):
            return
        if model.complainant is not None:
            raise ValidationError(
                "Complainant: choose someone in the register or give a new person's details, "
                "not both. Clear the new person's details to keep the one chosen."
            )
        if not (details["given_name"] or details["family_name"]):
            raise ValidationError("New person: give at least a family name or a given name.")
        likely = {str(match.person.id): match for match in self.likely_people(details)}
        choice = form.same_person.data if "same_person" in form else None
        if choice in likely:
            model.complainant = likely[choice].person
            return
        if likely and choice != NEW:
            names = "; ".join(match.describe() for match in likely.values())
            raise ValidationError(
                f"The new person may already be in the register ({names}). Under “Likely "
                "already in the register”, choose them, or choose “None of these” to add a "
                "new person; nothing was saved."
            )
        person = Participant(kind="complainant", **{k: v or None for k, v in details.items()})
        db.session.add(person)
        model.complainant = person

    @expose("/people-like/")
    def people_like_view(self):
        """Who in the register is likely the new person typed so far, as JSON."""
        details = {column: request.args.get(column, "") for column in COLUMNS.values()}
        return jsonify(
            {
                "people": [
                    {
                        "id": str(match.person.id),
                        "name": match.person.display_name,
                        "label": f"Use {match.describe()}",
                        "reasons": list(match.reasons),
                    }
                    for match in self.likely_people(details)
                ],
                "new": {"id": NEW, "label": "None of these: add the new person"},
            }
        )
