"""ScopedModelView: the base every admin screen stands on, closing Flask-Admin's traps once.

- who may do what comes from the permission table (rules.permissions) for the view's
  `screen`: list, view (details), create, edit, delete, export and the workflow steps
  (bulk actions), computed per request from the signed-in user's capacities. Every
  endpoint is checked on the server, whatever buttons the page shows: signed out, to the
  sign-in page; not allowed, 403. A screen's `can_delete = False` (or any `can_*` flag) is
  the ceiling of what the screen offers at all; the table decides per user below it;
- every query goes through `get_query`, narrowed to the rows the user may take the
  request's action on (services.access.rows), so unknown or out-of-scope ids are a 404 on edit,
  details, delete, inline update and bulk actions, and absent from lists and exports;
  a record saved outside the user's scope (another division's) is refused;
- search on identity columns (`identity_search_columns`) matches only rows whose identity
  the user may see (`identity_search_condition`);
- session-keyed CSRF on every form (`SecureForm`);
- no inline list editing unless the screen offers editing, and then only for editors;
- lost updates refused: the edit form carries the row version it was opened on;
- dates shown dd/mm/yyyy HH:MM in the case calendar's local time, and read in it;
- CSV and XLSX exports of the grid's rows (its scope, filters, search and sort), streamed
  in batches, masked as the grid masks, without formulas or HTML in cells;
- database refusals become plain messages on the form, never a 500.

Each concern has its own module: who may do what (screen_permissions), which rows
(row_scope), search (grid_search), local time (local_zones), exports (exports) and how
values are shown (formatters); the forms and saving are here.
"""

import logging
import re
from datetime import date

from flask import current_app, flash, request
from flask import session as signed_cookie
from flask_admin import expose
from flask_admin.babel import gettext
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS
from flask_admin.form import SecureForm
from flask_admin.model.fields import AjaxSelectField, AjaxSelectMultipleField
from flask_admin.model.typefmt import DETAIL_FORMATTERS, EXPORT_FORMATTERS
from flask_login import current_user
from sqlalchemy import inspect as sa_inspect
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm.exc import StaleDataError
from wtforms.validators import ValidationError

from models import HistoryEntry, db
from rules import custody as custody_rules
from rules import permissions
from services import access, custody

from ..context import current_actor
from . import localtime
from .exports import GridExportMixin
from .fields import LocalDateTimeField, VersionField
from .formatters import (
    australian_date,
    export_instant,
    instant_columns,
    show_choice,
    show_due,  # noqa: F401  (the screens import it from here)
    show_instant,
    show_person,  # noqa: F401  (the screens import it from here)
    yes_no,
)
from .grid_columns import GridColumnsMixin
from .grid_search import GridSearchMixin
from .local_zones import LocalZoneMixin
from .row_scope import RowScopeMixin
from .screen_permissions import ScreenPermissionsMixin

log = logging.getLogger(__name__)

# Set for the request when a screen has said what a new record became (`say_saved`).
SAID_SAVED = "portal.said_saved"

UNEXPECTED_FAILURE = (
    "The record could not be saved and nothing was changed. Please try again; if it "
    "happens again, tell an administrator the time it happened."
)


def chosen_from_the_list(form, field):
    """An AJAX picker value its loader does not offer (wrong kind, out of scope) is refused."""
    if field.data is None and getattr(field, "_formdata", None):
        raise ValidationError("Choose from the list: that choice is not available here.")


# Flask-Admin's flags, read as what a screen offers at all.
OFFER_FLAGS = {
    "can_view_details": "view",
    "can_create": "create",
    "can_edit": "edit",
    "can_delete": "delete",
    "can_export": "export",
}


def keep_unchanged_choices(form, obj):
    """A picker posted back with the record's current value keeps it, even when the picker
    would not offer it to this user (a linked complaint of another division, a confidential
    complainant): editing other fields must not refuse, or drop, what is already there."""
    for field in form:
        if not isinstance(field, AjaxSelectField | AjaxSelectMultipleField):
            continue
        posted = getattr(field, "_formdata", None)
        current = getattr(obj, field.name, None)
        if not posted or current is None:
            continue
        if isinstance(field, AjaxSelectMultipleField):
            kept = {str(item.id): item for item in current if str(item.id) in posted}
            if kept:
                rest = set(posted) - set(kept)
                field._formdata = rest
                others = field.data if rest else []
                field.data = [*kept.values(), *others]
        elif str(getattr(current, "id", "")) == str(posted):
            field.data = current


class ScopedModelView(
    ScreenPermissionsMixin,
    RowScopeMixin,
    GridSearchMixin,
    LocalZoneMixin,
    GridExportMixin,
    GridColumnsMixin,
    ModelView,
):
    # The screen's name in rules.permissions (default: the model's name in lower case).
    screen: str | None = None
    # The record actions the screen offers at all: Flask-Admin's defaults, changed by a
    # subclass's `can_*` flags (see __init_subclass__). The table decides per user below it.
    offers: frozenset = frozenset({"list", "create", "edit", "delete"})
    # Endpoints of a subclass's own (@expose) and the action the table must grant for them;
    # others need "view", or the workflow step a `step` argument names.
    endpoint_actions: dict = {}
    # Bulk actions that are not record actions or workflow steps: the action they need.
    action_permissions: dict = {}
    # Searchable columns that name a person, matched only where the identity may be seen.
    identity_search_columns: tuple = ()
    # The record in the user's words ("complaint"), for messages.
    record_noun: str | None = None
    # A record's page; its List tab only for a reader who may list the screen.
    details_template = "admin/record_details.html"
    # Statuses in which a case's clocks have stopped (for the Overdue mark).
    closed_statuses: frozenset = frozenset()
    # Extra loader options (nested eager loads) for the list and single-record queries.
    loader_options: tuple = ()
    # Beyond this many matching rows the list says "more than" and pages with < and >:
    # counting a thousand index entries costs little; counting a million costs seconds.
    count_cap: int | None = 1_000
    # Typed instants record what has happened (received, reported, approved), so none may
    # lie ahead; a screen names its exceptions, which look forward (a due date, an expiry).
    instants_ahead: frozenset = frozenset()

    form_base_class = SecureForm
    list_template = "admin/scoped_list.html"
    named_filter_urls = True
    can_set_page_size = True
    page_size = 20
    page_size_options = (20, 50, 100)
    export_types = ["csv", "xlsx"]
    # No cap: an export streams in batches, so its size costs time, not server memory.
    export_max_rows = 0
    # Records read per round trip while an export streams.
    export_batch_size = 1000
    column_type_formatters = {**DEFAULT_FORMATTERS, date: australian_date}
    column_type_formatters_detail = {**DETAIL_FORMATTERS, bool: yes_no, date: australian_date}
    column_type_formatters_export = {**EXPORT_FORMATTERS, bool: yes_no, date: australian_date}
    column_details_exclude_list = ("version",)
    column_export_exclude_list = ("version",)

    def __init_subclass__(cls, **kwargs):
        super().__init_subclass__(**kwargs)
        # `can_delete = False` on a screen: it never deletes, whoever asks.
        offers = set(cls.offers)
        for flag, action in OFFER_FLAGS.items():
            value = cls.__dict__.get(flag)
            if isinstance(value, bool):
                (offers.add if value else offers.discard)(action)
                delattr(cls, flag)
        cls.offers = frozenset(offers)

    def __init__(self, model, session=None, **kwargs):
        self.screen = self.screen or model.__name__.lower()
        if self.screen not in permissions.SCREENS:
            raise ValueError(f"{type(self).__name__}: {self.screen!r} is not a screen")
        instants = instant_columns(model)
        self._instant_columns = instants
        self._versioned = "version" in sa_inspect(model).columns
        # Instants are typed in local time, and shown in it, on every screen.
        self.form_overrides = {
            **{name: LocalDateTimeField for name in instants},
            **(self.form_overrides or {}),
        }
        # Choices become formatters: Flask-Admin shows a missing choice as "None".
        choice_formatters = {
            name: show_choice(dict(choices))
            for name, choices in (self.column_choices or {}).items()
        }
        self.column_choices = None
        self.column_formatters = {
            **{name: show_instant for name in instants},
            **choice_formatters,
            **(self.column_formatters or {}),
        }
        # An export never shows what the grid hides: a grid formatter (a mask) applies to
        # the export unless the screen gives one of its own; instants and choices as text.
        self.column_formatters_export = {
            **self.column_formatters,
            **{name: export_instant for name in instants},
            **choice_formatters,
            **(self.column_formatters_export or {}),
        }
        # A picker's loader decides what may be chosen, also when a form is posted by hand.
        form_args = {name: dict(args) for name, args in (self.form_args or {}).items()}
        for name in self.form_ajax_refs or {}:
            args = form_args.setdefault(name, {})
            args["validators"] = [*args.get("validators", ()), chosen_from_the_list]
        self.form_args = form_args
        if self.form_columns is None:
            self.form_excluded_columns = (*(self.form_excluded_columns or ()), "version")
        if self.column_list is None:
            self.column_exclude_list = (*(self.column_exclude_list or ()), "version")
        # /ajax/update/ checks the editable list, not can_edit.
        if "edit" not in self.offers:
            self.column_editable_list = None
        if self.record_noun is None:
            self.record_noun = self._prettify_name(model.__name__).lower()
        super().__init__(model, session if session is not None else db, **kwargs)
        self._export_loads = self._relationship_loads(name for name, _ in self._export_columns)

    # Forms
    def get_edit_form(self):
        form_class = super().get_edit_form()
        if not self._versioned:
            return form_class
        return type(form_class.__name__, (form_class,), {"row_version": VersionField()})

    def create_form(self, obj=None):
        form = super().create_form(obj)
        if request.method != "POST":
            self.fill_new_form(form)
        self._prepare_form(form, self.new_record_timezone(form))
        return form

    def fill_new_form(self, form):
        """The defaults a new record's form opens with, beyond each field's own."""

    def edit_form(self, obj=None):
        form = super().edit_form(obj)
        # A field the user may not change here (a clock's start, an assignment) is not shown.
        capacities = access.capacity_codes(current_actor())
        for name in [field.name for field in form]:
            if not custody_rules.may_edit_field(capacities, self.screen, name):
                del form[name]
        if obj is not None:
            self._prepare_form(form, self.timezone_for(obj))
            if self._versioned and request.method != "POST":
                form.row_version.data = obj.version
            if request.method == "POST":
                keep_unchanged_choices(form, obj)
        return form

    # Saving
    def version_conflict(self, form, model) -> bool:
        if not self._versioned or not hasattr(form, "row_version"):
            return False
        return str(form.row_version.data or "") != str(model.version)

    def conflict_message(self, model) -> str:
        noun = self.record_noun
        entry = None
        if model is not None and getattr(model, "id", None) is not None:
            entry = db.session.execute(
                select(HistoryEntry)
                .where(
                    HistoryEntry.record_type == type(model).__name__,
                    HistoryEntry.record_id == model.id,
                )
                .order_by(HistoryEntry.at.desc(), HistoryEntry.id.desc())
                .limit(1)
            ).scalar_one_or_none()
        if entry is not None and entry.user is not None:
            who = f"{entry.user} changed this {noun} at {localtime.local_text(entry.at)}"
        elif entry is not None:
            who = f"This {noun} was changed at {localtime.local_text(entry.at)}"
        else:
            who = f"Someone else changed this {noun}"
        return (
            f"{who}, after you opened it. Your changes were not saved: open the {noun} "
            "again to see the current version, then make your changes again."
        )

    def integrity_message(self, error: IntegrityError, deleting=False) -> str:
        text = str(error.orig) if error.orig is not None else str(error)
        if deleting:
            return (
                f"This {self.record_noun} is still used by other records, so it cannot be deleted."
            )
        if "unique" in text.lower() or "duplicate key" in text.lower():
            column = None
            match = re.search(r"Key \(([^)]+)\)=", text) or re.search(
                r"UNIQUE constraint failed: \w+\.(\w+)", text
            )
            if match:
                column = match.group(1).split(",")[0].strip()
            label = (self.column_labels or {}).get(column) or (column or "value").replace("_", " ")
            return f"A {self.record_noun} with this {label.lower()} already exists."
        return (
            f"This {self.record_noun} could not be saved: a required value is missing, or it "
            "refers to something that no longer exists."
        )

    def explain_failure(self, error, model=None, deleting=False):
        """Flash, in plain words, why a save or delete did not happen."""
        if isinstance(error, StaleDataError):
            flash(self.conflict_message(model), "error")
        elif isinstance(error, IntegrityError):
            flash(self.integrity_message(error, deleting=deleting), "error")
        elif isinstance(error, ValueError):
            # ValidationError, and the rules' refusals, are written for the user.
            flash(str(error), "error")
        else:
            if current_app.config.get("FLASK_ADMIN_RAISE_ON_VIEW_EXCEPTION"):
                raise error
            log.exception("Could not save %s", self.record_noun)
            flash(UNEXPECTED_FAILURE, "error")

    def _save(self, form, model, is_created):
        self._stage(form, model, is_created)
        # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
        commit_keeping(db.session(), model, current_user._get_current_object())

    def _stage(self, form, model, is_created):
        """The form's values on the record, flushed (every save hook run), not committed."""
        with db.session.no_autoflush:
            form.populate_obj(model)
            self.apply_local_times(form, model)
            if is_created:
                db.session.add(model)
            else:
                custody.allow_direct_edits(db.session, model, current_actor())
            self._on_model_change(form, model, is_created)
        db.session.flush()
        self.ensure_within_scope(model, is_created)

    def say_saved(self, message: str) -> None:
        """Tell the user what their new record became ("Registered CTS-2026-000123"), in
        place of Flask-Admin's "Record was successfully created.", not beside it."""
        flash(message, "success")
        request.environ[SAID_SAVED] = True

    @expose("/new/", methods=("GET", "POST"))
    def create_view(self):
        response = super().create_view()
        if request.environ.pop(SAID_SAVED, False):
            generic = ("success", gettext("Record was successfully created."))
            said = signed_cookie.get("_flashes", [])
            kept = [message for message in said if tuple(message) != generic]
            if len(kept) != len(said):
                signed_cookie["_flashes"] = kept
        return response

    def create_model(self, form):
        model = None
        try:
            model = self.build_new_instance()
            self._save(form, model, True)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model)
            return False
        self.after_model_change(form, model, True)
        return model

    def update_model(self, form, model):
        if self.version_conflict(form, model):
            flash(self.conflict_message(model), "error")
            return False
        try:
            self._save(form, model, False)
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model)
            return False
        self.after_model_change(form, model, False)
        return True

    def delete_model(self, model):
        try:
            self.on_model_delete(model)
            db.session.delete(model)
            # Save: the flush hooks (services/__init__.py) check and complete it, or refuse.
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model, deleting=True)
            return False
        self.after_model_delete(model)
        return True

    # Export


class ReadOnlyModelView(ScopedModelView):
    """A record kept by the system: read, search and export, never changed by hand."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    can_export = True


def commit_keeping(session, *kept) -> None:
    """Commit, and forget what the session holds as a commit does, but for the columns
    of `kept`: the record just saved and the signed-in user, whose values are the ones
    just written, so the message and the page after the save do not read them again.
    Their relationships are forgotten too (a form removes a calendar's closure from the
    session, not from the calendar's list): read again when next used."""
    expiring = session.expire_on_commit
    session.expire_on_commit = False
    try:
        session.commit()
    finally:
        session.expire_on_commit = expiring
    if expiring:
        for obj in list(session.identity_map.values()):
            if not any(obj is keep for keep in kept):
                session.expire(obj)
            else:
                relationships = [r.key for r in sa_inspect(obj).mapper.relationships]
                if relationships:
                    session.expire(obj, relationships)
