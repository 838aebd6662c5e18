"""API tokens: administrators issue one per integration, see when each was last used, and
revoke it. The secret is shown once, on the page after issuing; only its hash is kept."""

from flask import flash, request
from flask_admin import expose
from flask_admin.actions import action
from flask_login import current_user
from sqlalchemy import inspect
from wtforms.validators import ValidationError

from models import ApiToken, User, db, utcnow
from rules.errors import RuleViolation
from services import api_tokens

from .base import ScopedModelView

# Where the save leaves the new token and its secret for the page that shows them (this
# request only: the view object is shared by every request).
ISSUED = "portal.issued_api_token"
ISSUED_SECRET = "portal.issued_api_token_secret"


def show_state(view, context, model, name):
    return api_tokens.state_of(model).capitalize()


def show_prefix(view, context, model, name):
    return f"{model.prefix}…"


def active_accounts():
    return db.session.query(User).filter(User.active.is_(True)).order_by(User.username)


class ApiTokenView(ScopedModelView):
    record_noun = "API token"
    instants_ahead = frozenset({"expires_at"})  # the one instant here that looks forward
    can_delete = False  # revoke instead: the record of who could call the API stays
    can_view_details = True
    can_export = False
    # Revoking is the edit a token allows (its name and expiry are the others).
    action_permissions = {"revoke": "edit"}

    column_list = (
        "name",
        "user",
        "prefix",
        "state",
        "created_at",
        "last_used_at",
        "expires_at",
        "revoked_at",
    )
    column_details_list = (
        "name",
        "user",
        "prefix",
        "state",
        "created_at",
        "created_by",
        "last_used_at",
        "expires_at",
        "revoked_at",
        "revoked_by",
    )
    column_labels = {
        "name": "What it is for",
        "user": "Acts as account",
        "prefix": "Starts with",
        "created_at": "Issued",
        "created_by": "Issued by",
        "last_used_at": "Last used",
        "expires_at": "Expires",
        "revoked_at": "Revoked",
        "revoked_by": "Revoked by",
    }
    column_formatters = {"state": show_state, "prefix": show_prefix}
    column_default_sort = [("created_at", True)]
    column_searchable_list = ("name", "prefix", "user.username")
    column_select_related_list = (ApiToken.user,)

    form_columns = ("user", "name", "expires_at")
    form_args = {
        "user": {
            "label": "Acts as account",
            "query_factory": active_accounts,
            "description": "The token has this account's capacities and reaches its records: "
            "issue it to an account made for the integration.",
        },
        "name": {"label": "What it is for", "description": "e.g. Online complaint form"},
        "expires_at": {
            "label": "Expires",
            "description": "Optional, in the future: when it stops working "
            "(local time, e.g. 31/12/2026 17:00). It never expires if empty.",
        },
    }

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        del form.user  # a token acts for the account it was issued to, for good
        return form

    def on_model_change(self, form, model, is_created):
        # An unchanged expiry that has since passed does not stop renaming the token.
        if is_created or inspect(model).attrs.expires_at.history.has_changes():
            api_tokens.check_expiry(model.expires_at)
        if not (model.name or "").strip():
            raise ValidationError("Say what the token is for.")
        if not is_created:
            return
        if model.user is None or not model.user.active:
            raise ValidationError("Choose an account that is switched on.")
        request.environ[ISSUED_SECRET] = api_tokens.mint(model)
        model.created_by = current_user
        model.created_at = utcnow()

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        response = super().create_view()
        secret = request.environ.pop(ISSUED_SECRET, None)
        token = request.environ.pop(ISSUED, None)
        if secret is None or token is None:
            return response
        page = self.render(
            "admin/api_token_issued.html",
            token=token,
            secret=secret,
            list_url=self.get_url(".index_view"),
        )
        return page, 200, {"Cache-Control": "no-store"}

    def create_model(self, form):
        model = super().create_model(form)
        if model:
            request.environ[ISSUED] = model
        return model

    def after_model_change(self, form, model, is_created):
        if not is_created:
            flash(f"Saved {model}.", "success")

    @action("revoke", "Revoke", "Revoke the selected tokens? They stop working at once.")
    def action_revoke(self, ids):
        tokens = (
            self.get_query().filter(ApiToken.id.in_([int(i) for i in ids if i.isdigit()])).all()
        )
        revoked = []
        for token in tokens:
            try:
                if api_tokens.revoke(db.session, token, current_user):
                    revoked.append(str(token))
            except RuleViolation as refusal:  # pragma: no cover - revoke refuses nothing yet
                flash(str(refusal), "error")
        # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
        db.session.commit()
        if revoked:
            flash(f"Revoked: {', '.join(revoked)}. They no longer work.", "success")
        else:
            flash("Nothing to revoke: the tokens chosen were already revoked.", "info")
