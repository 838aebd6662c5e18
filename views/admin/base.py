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
"""

import logging
import re
from datetime import date

from flask import (
    abort,
    current_app,
    flash,
    g,
    has_request_context,
    jsonify,
    redirect,
    request,
    url_for,
)
from flask_admin import expose
from flask_admin.contrib.sqla import ModelView
from flask_admin.contrib.sqla import tools as sqla_tools
from flask_admin.contrib.sqla.typefmt import DEFAULT_FORMATTERS
from flask_admin.form import SecureForm
from flask_admin.model.fields import AjaxSelectField, AjaxSelectMultipleField
from flask_admin.model.typefmt import DETAIL_FORMATTERS, EXPORT_FORMATTERS
from flask_login import current_user
from markupsafe import Markup
from sqlalchemy import Unicode, and_, cast, func, literal_column, or_, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Query, joinedload, selectinload
from sqlalchemy.orm.exc import StaleDataError
from wtforms.validators import ValidationError

from models import HistoryEntry, UTCDateTime, db, utcnow
from rules import custody as custody_rules
from rules import permissions
from services import access, custody
from services.exports import FORMATS as EXPORT_FORMATS
from services.exports import export_response, neutralise

from ..context import calendar_zones, current_actor
from . import localtime
from .fields import LocalDateTimeField, VersionField, parse_local

log = logging.getLogger(__name__)

PICKER_PLACEHOLDER = "Type to search"
# A typed % or _ is looked for as itself, never a wildcard that matches every row.
LIKE_ESCAPE = "\\"
LIKE_SPECIAL = frozenset({"%", "_", LIKE_ESCAPE})
UNEXPECTED_FAILURE = (
    "The record could not be saved and nothing was changed. Please try again; if it "
    "happens again, tell an administrator the time it happened."
)


def australian_date(view, value, name):
    return value.strftime("%d/%m/%Y")


def yes_no(view, value, name):
    return "Yes" if value else "No"


def instant_columns(model) -> list[str]:
    """The model's columns that hold instants (UTCDateTime)."""
    return [
        attr.key
        for attr in sa_inspect(model).column_attrs
        if isinstance(attr.columns[0].type, UTCDateTime)
    ]


def show_instant(view, context, model, name):
    """dd/mm/yyyy HH:MM in the case calendar's local time, the zone's abbreviation after it."""
    return view.zoned_markup(getattr(model, name), model)


def export_instant(view, context, model, name):
    """An instant as text for an export: dd/mm/yyyy HH:MM in the zone the grid shows."""
    return view.local_text(getattr(model, name), model)


def local_instant(view, context, model, name):
    """An instant as a typed local date and time (for XLSX), in the zone the grid shows."""
    instant = getattr(model, name)
    if instant is None:
        return None
    return instant.astimezone(localtime.zone(view.timezone_for(model))).replace(tzinfo=None)


def show_due(view, context, model, name):
    """The due instant, marked Overdue when it has passed and the case is still open."""
    due = getattr(model, name)
    if due is None:
        return ""
    text = view.zoned_markup(due, model)
    if view.is_overdue(model, due):
        return Markup('<span class="badge badge-danger">Overdue</span> {}').format(text)
    return text


def show_choice(labels: dict):
    """A stored code shown as its label ("under_assessment" -> "Under assessment")."""

    def formatter(view, context, model, name):
        value = getattr(model, name)
        if value is None:
            return ""
        return labels.get(value, value)

    return formatter


def show_person(view, context, model, name):
    """A participant's name without reaching for their level (no query per row)."""
    value = model
    for part in name.split("."):
        value = getattr(value, part, None) if value is not None else None
    return value.display_name if value is not None else ""


def chosen_from_the_list(form, field):
    """An AJAX picker value its loader does not offer (wrong kind, out of scope) is refused."""
    if field.data is None and getattr(field, "_formdata", None):
        raise ValidationError("Choose from the list: that choice is not available here.")


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
# Flask-Admin's flags, read as what a screen offers at all.
OFFER_FLAGS = {
    "can_view_details": "view",
    "can_create": "create",
    "can_edit": "edit",
    "can_delete": "delete",
    "can_export": "export",
}
NOT_YOURS = (
    "You may only save a {noun} among the records open to you: this one would fall outside "
    "them (for example, another division's). Nothing was saved."
)


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


def unchanged_wall_time(typed, stored, timezone_name) -> bool:
    """Whether the typed wall time is the stored instant's, to the minute, in the zone."""
    if typed is None or stored is None or typed.tzinfo is not None:
        return False
    shown = stored.astimezone(localtime.zone(timezone_name)).replace(tzinfo=None)
    return typed.replace(second=0, microsecond=0) == shown.replace(second=0, microsecond=0)


class CappedCountQuery(Query):
    """The list's count query, counting at most `count_cap` + 1 rows.

    Flask-Admin counts every matching row for the pager on every list page; on a register
    of a million complaints that count costs more than the page. Filters and joins keep
    the class (SQLAlchemy's generative methods copy it), so only the count changes.
    """

    count_cap: int | None = None

    def scalar(self):
        if self.count_cap is None:
            return super().scalar()
        limited = self.with_entities(literal_column("1")).limit(self.count_cap + 1).subquery()
        return self.session.query(func.count()).select_from(limited).scalar()


def like_pattern(term: str) -> str:
    """A search term as a LIKE pattern in which %, _ and the escape match only themselves.

    Flask-Admin's own marks keep their meaning: `^word` starts with, `=word` is exactly.
    """
    escaped = "".join(LIKE_ESCAPE + c if c in LIKE_SPECIAL else c for c in term)
    if escaped.startswith("^"):
        return escaped[1:] + "%"
    if escaped.startswith("="):
        return escaped[1:]
    return f"%{escaped}%"


def reference_prefix_range(column, term: str):
    """Rows whose reference starts with `term`, as an index range the database can seek."""
    bound = term.rstrip("-")
    upper = bound[:-1] + chr(ord(bound[-1]) + 1)
    return and_(column >= bound, column < upper, column.like(term + "%"))


class ScopedModelView(ModelView):
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
    # Statuses in which a case's clocks have stopped (for the Overdue mark).
    closed_statuses: frozenset = frozenset()
    # Extra loader options (nested eager loads) for the list and single-record queries.
    loader_options: tuple = ()
    # Beyond this many matching rows the list says "more than" and pages with < and >:
    # counting a thousand index entries costs little; counting a million costs seconds.
    count_cap: int | None = 1_000
    # A search that reads as the start of a reference (CTS-2026-00) matches this column
    # (its name) by prefix, through its index, and nothing else.
    reference_column: str | None = None
    reference_pattern = re.compile(r"(CTS|CMP|SUG|TKT)(-[0-9-]*)?", re.IGNORECASE)
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

    # What the signed-in user may do here
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

    # Which rows
    def scope_query(self, query):
        """Narrow a query to the rows the user may take the current action on."""
        condition = access.rows(current_actor(), self.screen, self.current_action())
        if access.is_everything(condition):
            return query
        return query.filter(condition)

    def get_query(self):
        query = super().get_query()
        if self.loader_options:
            query = query.options(*self.loader_options)
        return self.scope_query(query)

    def get_count_query(self):
        count_query = CappedCountQuery(func.count("*"), session=db.session()).select_from(
            self.model
        )
        count_query.count_cap = self.count_cap
        return self.scope_query(count_query)

    def get_list(self, *args, **kwargs):
        count, data = super().get_list(*args, **kwargs)
        if has_request_context():
            g.list_count_capped = False
        if count is not None and self.count_cap is not None and count > self.count_cap:
            # No page count: the pager offers the previous and next pages (simple pager).
            g.list_count_capped = True
            count = None
        return count, data

    @property
    def list_count_capped(self) -> bool:
        return bool(has_request_context() and g.get("list_count_capped"))

    def get_one(self, id):
        """One record, through the scoped query: unknown or out of scope is a 404."""
        primary_key = sa_inspect(self.model).primary_key
        if len(primary_key) == 1:
            column = primary_key[0]
            try:
                value = column.type.python_type(id)
            except (TypeError, ValueError):
                abort(404)
            record = self.get_query().filter(column == value).one_or_none()
        else:
            try:
                query = sqla_tools.get_query_for_ids(self.get_query(), self.model, [id])
                record = query.one_or_none()
            except (TypeError, ValueError):
                record = None
        if record is None:
            abort(404)
        return record

    def ensure_within_scope(self, model, is_created):
        """Refuse a save that would put the record outside the rows the user may save."""
        condition = access.rows(current_actor(), self.screen, "create" if is_created else "edit")
        if access.is_everything(condition):
            return
        primary_key = sa_inspect(self.model).primary_key
        if len(primary_key) != 1:
            return
        column = primary_key[0]
        value = getattr(model, column.key)
        found = db.session.execute(select(column).where(column == value, condition)).first()
        if found is None:
            raise ValidationError(NOT_YOURS.format(noun=self.record_noun))

    # Search
    def init_search(self):
        supported = super().init_search()
        # Which searchable name each search field came from, to guard the identity ones.
        self._search_names = []
        for name in self.column_searchable_list or ():
            attr, _ = sqla_tools.get_field_with_path(self.model, name)
            count = 1 if sqla_tools.is_hybrid_property(self.model, name) else None
            if count is None:
                count = len(sqla_tools.get_columns_for_field(attr))
            self._search_names += [str(name)] * count
        return supported

    def identity_search_condition(self):
        """A condition on the model: its identity columns may be searched (None: always)."""
        return None

    def _apply_search(self, query, count_query, joins, count_joins, search):
        """Flask-Admin's search, with identity columns matched only where they may be seen."""
        guarded = set(self.identity_search_columns)
        condition = self.identity_search_condition() if guarded else None
        for term in search.split(" "):
            if not term:
                continue
            if self.reference_column is not None and self.reference_pattern.fullmatch(term):
                column = getattr(self.model, self.reference_column)
                match = reference_prefix_range(column, term.upper())
                query = query.filter(match)
                if count_query is not None:
                    count_query = count_query.filter(match)
                continue
            pattern = like_pattern(term)
            matches, count_matches = [], []
            for (field, path), name in zip(self._search_fields, self._search_names, strict=True):
                query, joins, alias = self._apply_path_joins(query, joins, path, inner_join=False)
                column = field if alias is None else getattr(alias, field.key)
                match = cast(column, Unicode).ilike(pattern, escape=LIKE_ESCAPE)
                count_match = None
                if count_query is not None:
                    count_query, count_joins, count_alias = self._apply_path_joins(
                        count_query, count_joins, path, inner_join=False
                    )
                    count_column = (
                        field if count_alias is None else getattr(count_alias, field.key)
                    )
                    count_match = cast(count_column, Unicode).ilike(pattern, escape=LIKE_ESCAPE)
                if name in guarded and condition is not None:
                    match = and_(match, condition)
                    count_match = and_(count_match, condition) if count_match is not None else None
                matches.append(match)
                if count_match is not None:
                    count_matches.append(count_match)
            query = query.filter(or_(*matches))
            if count_query is not None:
                count_query = count_query.filter(or_(*count_matches))
        return query, count_query, joins, count_joins

    def search_placeholder(self):
        """ "Reference, complainant, summary" rather than the column paths."""
        words = []
        for column in self.column_searchable_list or ():
            name = str(column).split(".")[0]
            label = (self.column_labels or {}).get(name) or self._prettify_name(name)
            if label.lower() not in words:
                words.append(label.lower())
        return ", ".join(words).capitalize() if words else None

    # Local time
    def timezone_for(self, model) -> str:
        """The IANA zone the record's instants are shown and typed in."""
        return localtime.default_timezone()

    def local_text(self, instant, model) -> str:
        if instant is None:
            return ""
        return localtime.local_text(instant, self.timezone_for(model))

    def zoned_text(self, instant, model) -> str:
        """The local time and the zone it is in, as "10/01/2027 10:00 AEDT"."""
        if instant is None:
            return ""
        return localtime.zoned_text(instant, self.timezone_for(model))

    def zoned_markup(self, instant, model):
        """The local time, and the zone's abbreviation, named in full on hover."""
        if instant is None:
            return ""
        timezone_name = self.timezone_for(model)
        return Markup('{} <abbr class="local-zone-abbr" title="{}">{}</abbr>').format(
            localtime.local_text(instant, timezone_name),
            localtime.zone_label(timezone_name, instant),
            localtime.abbreviation(instant, timezone_name),
        )

    # The picker that chooses the calendar a new or edited record runs on ("division" on a
    # complaint, "client" on a ticket, "complaint" on a review), for the page's script.
    zone_source: str | None = None

    def zone_of_choice(self, choice) -> str | None:
        """The time zone a record takes with `choice` in the `zone_source` picker."""
        return None

    def new_record_timezone(self, form) -> str:
        """The zone a new record's form shows its times in: the zone of what its picker
        holds, else the zone the new case will most likely run on (`new_case_timezone`)."""
        if self.zone_source and self.zone_source in form:
            chosen = self.zone_of_choice(form[self.zone_source].data)
            if chosen:
                return chosen
        return self.new_case_timezone()

    def new_case_timezone(self) -> str:
        return localtime.default_timezone()

    def known_timezones(self) -> frozenset:
        """The zones a form may be shown, and posted back, in: the calendars' and the
        portal's own."""
        zones = calendar_zones()
        return frozenset({*zones.by_id.values(), localtime.default_timezone()})

    @expose("/local-zone/")
    def local_zone_view(self):
        """For the page's script: the zone a form's times are shown in once `source` is
        chosen, its label, and the typed `value` (read in `zone`) as written in it.

        `source` is the chosen id in the `zone_source` picker (empty: none chosen).
        """
        from_zone = request.args.get("zone", "")
        known = self.known_timezones()
        if from_zone not in known:
            from_zone = localtime.default_timezone()
        target = from_zone
        if "source" in request.args:
            target = self.zone_for_source_id(request.args.get("source", ""))
        text = (request.args.get("value") or "").strip()
        value, instant = text, None
        if text:
            typed = parse_local(text)
            found = localtime.candidates(typed, from_zone) if typed is not None else []
            if found:
                instant = found[0]
                value = instant.astimezone(localtime.zone(target)).strftime("%Y-%m-%dT%H:%M")
            else:
                # Not a time (or one the clocks skip): left as typed, in the zone it was.
                target = from_zone
        return jsonify(
            {
                "zone": target,
                "label": localtime.zone_label(target, instant),
                "value": value,
            }
        )

    def zone_for_source_id(self, value: str) -> str:
        """The zone of the record the picker's id names, read as the picker would offer it
        to this user (out of reach reads as nothing chosen)."""
        choice = None
        if self.zone_source and value:
            choice = self.zone_source_record(value)
        return self.zone_of_choice(choice) or self.new_case_timezone()

    def zone_source_record(self, value: str):
        loader = (self._form_ajax_refs or {}).get(self.zone_source)
        if loader is not None:
            return loader.get_one(value)
        return None

    def is_overdue(self, model, due) -> bool:
        status = getattr(model, "status", None)
        return due < utcnow() and status not in self.closed_statuses

    def _prepare_form(self, form, timezone_name):
        known = self.known_timezones()
        for field in form:
            if isinstance(field, LocalDateTimeField):
                field.display_timezone = timezone_name
                field.known_timezones = known
                field.zone_url = self.get_url(".local_zone_view")
                if self.zone_source and self.zone_source in form:
                    field.zone_source = form[self.zone_source].id
            elif isinstance(field, AjaxSelectField | AjaxSelectMultipleField):
                field.render_kw = {
                    "data-placeholder": PICKER_PLACEHOLDER,
                    **(field.render_kw or {}),
                }
            elif getattr(field, "allow_blank", False) and not getattr(field, "blank_text", "x"):
                field.blank_text = "(none)"

    def apply_local_times(self, form, model):
        """Turn the typed wall-clock times into UTC instants.

        Each is read in the zone the form showed it in (posted back beside it), else, for a
        form posted without one, in the case's time zone.
        """
        fields = [field for field in form if isinstance(field, LocalDateTimeField)]
        if not fields:
            return
        case_zone = self.timezone_for(model)
        for field in fields:
            timezone_name = field.reading_timezone(case_zone)
            stored = getattr(model, field.name, None)
            # The form shows minutes: the stored instant posted back unchanged is kept whole
            # (also the second of a time that happens twice, when the clocks go back).
            if unchanged_wall_time(field.data, stored, timezone_name):
                continue
            try:
                instant = field.instant(case_zone)
            except localtime.NonexistentLocalTime as error:
                raise ValidationError(f"{field.label.text}: {error}") from error
            if (
                instant is not None
                and stored is not None
                and instant == stored.replace(second=0, microsecond=0)
            ):
                continue
            if (
                instant is not None
                and field.name not in self.instants_ahead
                and instant != stored
                and instant > utcnow()
            ):
                raise ValidationError(
                    f"{field.label.text}: {localtime.zoned_text(instant, timezone_name)} is in "
                    "the future. Enter when it happened."
                )
            setattr(model, field.name, instant)

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
        db.session.commit()

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
            db.session.commit()
        except Exception as error:  # noqa: BLE001 - every failure becomes a message
            db.session.rollback()
            self.explain_failure(error, model, deleting=True)
            return False
        self.after_model_delete(model)
        return True

    # Export
    def get_export_value(self, model, name):
        return neutralise(super().get_export_value(model, name))

    def export_formatters(self, export_type: str) -> tuple[dict, dict]:
        """The column and type formatters of an export: the screen's own, text for CSV.

        XLSX keeps instants (in the reader's local time, as on screen) and dates typed, so
        a spreadsheet sorts and sums them.
        """
        formatters, types = self.column_formatters_export, self.column_type_formatters_export
        if export_type != "xlsx":
            return formatters, types
        typed = {
            name: local_instant if formatter is export_instant else formatter
            for name, formatter in formatters.items()
        }
        # `datetime` is a `date` too: a local instant must not become dd/mm/yyyy text.
        return typed, {kind: formatter for kind, formatter in types.items() if kind is not date}

    def export_query(self):
        """The grid's query (scope, filters, search, sort from the URL), whole, read in batches.

        Every relationship a column reads is loaded with its batch, never one row at a time.
        """
        view_args = self._get_list_extra_args()
        sort = self._get_column_by_idx(view_args.sort)
        _, query = self.get_list(
            None,
            sort[0] if sort is not None else None,
            view_args.sort_desc,
            view_args.search,
            view_args.filters,
            execute=False,
            page_size=0,
        )
        return query.options(*self._export_loads).yield_per(self.export_batch_size)

    def export_rows(self, query, export_type: str):
        """One list of cell values per record, formatted as the grid formats them."""
        formatters, types = self.export_formatters(export_type)
        names = [name for name, _ in self._export_columns]
        for record in query:
            yield [self._get_list_value(None, record, name, formatters, types) for name in names]

    def export_filename(self) -> str:
        stamp = localtime.local_text(utcnow()).replace("/", "-").replace(":", "")
        return f"{self.name} {stamp}"

    def stream_export(self, export_type: str):
        """The download, written while it is sent.

        The query is built while the request is handled (arguments are read there), and
        read while the body streams. Flask tears the request's session down before a
        streamed body is written, so the rows are read in the session the stream opens,
        the signed-in user attached to it (the formatters ask who they are).
        """
        query = self.export_query()

        def rows():
            session = db.session()
            user = current_user._get_current_object()
            if sa_inspect(user).detached:
                session.add(user)
            yield from self.export_rows(query.with_session(session), export_type)

        return export_response(
            export_type,
            self.export_filename(),
            [title for _, title in self._export_columns],
            rows(),
            sheet=self.name,
        )

    def _export_csv(self, return_url):
        return self.stream_export("csv")

    def _export_tablib(self, export_type, return_url):
        if export_type in EXPORT_FORMATS:
            return self.stream_export(export_type)
        return super()._export_tablib(export_type, return_url)

    def _relationship_loads(self, names) -> list:
        """Eager loads for the relationships the named columns read that the grid does not
        load already: joined for one record, a query per batch for a collection."""
        mapper = sa_inspect(self.model)
        loaded = {getattr(join, "key", join) for join in self._auto_joins}
        options = []
        for name in names:
            key = str(name).split(".")[0]
            relationship = mapper.relationships.get(key)
            if relationship is None or key in loaded:
                continue
            loaded.add(key)
            attribute = getattr(self.model, key)
            load = selectinload if relationship.uselist else joinedload
            options.append(load(attribute))
        return options


class ReadOnlyModelView(ScopedModelView):
    """A record kept by the system: read, search and export, never changed by hand."""

    can_create = False
    can_edit = False
    can_delete = False
    can_view_details = True
    can_export = True
