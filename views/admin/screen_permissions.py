"""Who may do what on a screen: the permission table (rules.permissions) asked for the
screen's `screen` and the request's action, from the signed-in user's capacities.

Every endpoint is checked on the server, whatever buttons the page shows: signed out, to
the sign-in page; not allowed, 403. A bulk action on a row out of the user's scope is a 404.
"""

from flask import abort, has_request_context, redirect, request, url_for
from flask_login import current_user
from sqlalchemy import func
from sqlalchemy import inspect as sa_inspect

from rules import permissions
from services import access

from ..context import current_actor

# What each Flask-Admin endpoint does, in the permission table's words.
ENDPOINT_ACTIONS = {
    "index_view": "list",
    "details_view": "view",
    "create_view": "create",
    "edit_view": "edit",
    "delete_view": "delete",
    "export": "export",
    "ajax_update": "edit",
}
# Endpoints that serve the create and edit forms (pickers, the zone of a form's times).
FORM_HELPERS = frozenset({"ajax_lookup", "local_zone_view"})


class ScreenPermissionsMixin:
    """The screen's `can_*` flags and endpoints, decided per request by the table."""

    def may(self, action: str) -> bool:
        """Whether the screen offers the action and the table grants it to the user.

        Outside a request (while Flask-Admin builds the view) only the screen is asked.
        """
        if action in permissions.RECORD_ACTIONS and action not in self.offers:
            return False
        if not has_request_context():
            return True
        return permissions.allowed(access.capacity_codes(current_actor()), self.screen, action)

    @property
    def can_view_details(self):
        return self.may("view")

    @property
    def can_create(self):
        return self.may("create")

    @property
    def can_edit(self):
        return self.may("edit")

    @property
    def can_delete(self):
        return self.may("delete")

    @property
    def can_export(self):
        return self.may("export")

    def is_accessible(self):
        """Signed in with a capacity that reaches this screen at all."""
        if not current_user.is_authenticated:
            return False
        return permissions.scope(access.capacity_codes(current_actor()), self.screen) != "none"

    def is_visible(self):
        # The menu shows the screens the user may list.
        return self.may("list")

    def inaccessible_callback(self, name, **kwargs):
        if not current_user.is_authenticated:
            return redirect(url_for("auth.login", next=request.full_path.rstrip("?")))
        abort(403)

    def action_permission(self, name: str) -> str:
        """The table's action a bulk action needs: itself if a record action or a step."""
        if name in permissions.actions_of(self.screen):
            return name
        return self.action_permissions.get(name, "edit")

    def is_action_allowed(self, name):
        return super().is_action_allowed(name) and self.may(self.action_permission(name))

    def action_for(self, function_name: str, view_args: dict | None) -> str:
        """The table's action an endpoint of this view takes."""
        if function_name == "action_view":
            return self.action_permission(request.form.get("action", ""))
        if function_name in ENDPOINT_ACTIONS:
            return ENDPOINT_ACTIONS[function_name]
        if function_name in self.endpoint_actions:
            return self.endpoint_actions[function_name]
        # A workflow step's own page (/transition/<step>/) takes that step.
        step = (view_args or {}).get("step")
        if step in permissions.actions_of(self.screen)[len(permissions.RECORD_ACTIONS) :]:
            return step
        return "view"

    def current_action(self) -> str:
        """The action the current request takes ("list" outside a request)."""
        if not has_request_context() or not request.endpoint:
            return "list"
        function_name = request.endpoint.rpartition(".")[2]
        if function_name in FORM_HELPERS:
            return "edit"
        return self.action_for(function_name, request.view_args)

    def _handle_view(self, name, **kwargs):
        refused = super()._handle_view(name, **kwargs)
        if refused is not None:
            return refused
        if name in FORM_HELPERS:
            # The pickers, and the zone a form's times are in, serve the create and edit forms.
            allowed = self.may("create") or self.may("edit")
        else:
            allowed = self.may(self.action_for(name, kwargs))
        if not allowed:
            abort(403)
        if name == "action_view":
            self._refuse_posted_ids_out_of_scope()
        return None

    def _refuse_posted_ids_out_of_scope(self):
        """A bulk action on a row the user may not take it on is a 404, before it runs."""
        ids = set(request.form.getlist("rowid"))
        primary_key = sa_inspect(self.model).primary_key
        if not ids or len(primary_key) != 1:
            return
        column = primary_key[0]
        try:
            values = {column.type.python_type(value) for value in ids}
        except (TypeError, ValueError):
            abort(404)
        found = self.get_query().filter(column.in_(values)).with_entities(func.count()).scalar()
        if found != len(values):
            abort(404)
