"""Grid formatters that mask a confidential complainant (services/confidentiality.py decides
who may see them; rules/confidentiality.py holds the rule)."""

from rules.confidentiality import MASK

from ..context import visibility
from .base import show_person


def show_complainant(view, context, model, name):
    """The complaint's complainant, or the mask when it is hidden from the user."""
    if not visibility().shows_complainant(model):
        return MASK
    return show_person(view, context, model, name)


def show_identity(view, context, model, name):
    """A participant's name or contact detail, masked for a hidden confidential complainant."""
    if not visibility().shows_person(model):
        return MASK if name == "family_name" else ""
    value = getattr(model, name)
    return "" if value is None else value
