"""Canned paragraphs: the library administrators keep for staff to start a reply from.

A paragraph is offered on the reply form of every case, or of one kind of case; one no
longer wanted is switched off (Active unticked), never deleted.
"""

from wtforms import SelectField, TextAreaField
from wtforms.validators import DataRequired, Length, ValidationError

from models import kinds
from rules.vocabulary import CASE_TYPES

from .base import ScopedModelView

ANY_CASE = "Any case"
BODY_LIMIT = 5_000


def case_kind_choices():
    return [("", ANY_CASE)] + [(kind.name, CASE_TYPES[kind.name]) for kind in kinds.KINDS]


def show_case_kind(view, context, model, name):
    return CASE_TYPES.get(model.case_kind, model.case_kind) if model.case_kind else ANY_CASE


class CannedParagraphView(ScopedModelView):
    """Administrators write, edit and switch off the paragraphs; staff pick them on the
    reply form."""

    record_noun = "canned paragraph"
    can_delete = False
    can_view_details = True
    column_list = ("title", "case_kind", "active", "updated_at")
    column_details_list = ("title", "case_kind", "body", "active", "updated_at")
    column_labels = {
        "case_kind": "Offered on",
        "updated_at": "Last changed",
        "body": "Paragraph",
    }
    column_filters = ("active",)
    column_searchable_list = ("title", "body")
    column_default_sort = "title"
    form_columns = ("title", "case_kind", "body", "active")
    form_overrides = {"body": TextAreaField, "case_kind": SelectField}
    form_args = {
        "title": {"validators": [DataRequired(), Length(max=120)]},
        "body": {
            "validators": [DataRequired(), Length(max=BODY_LIMIT)],
            "description": "Plain text, as it will appear in the reply. Write it to stand on "
            "its own: staff edit it in the reply before it goes.",
        },
        "case_kind": {
            "label": "Offered on",
            "choices": case_kind_choices(),
            "coerce": lambda value: value or None,
            "validate_choice": False,
        },
        "active": {"description": "Untick to stop offering it; replies already sent stay."},
    }
    form_widget_args = {"body": {"rows": 10}}
    column_formatters = {"case_kind": show_case_kind}

    def on_model_change(self, form, model, is_created):
        if model.case_kind is not None and model.case_kind not in {k.name for k in kinds.KINDS}:
            raise ValidationError("Choose what kind of case the paragraph is offered on.")
        model.title = " ".join((model.title or "").split())
        if not model.title or not (model.body or "").strip():
            raise ValidationError("A paragraph needs a title and its text.")
        super().on_model_change(form, model, is_created)
