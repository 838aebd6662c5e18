"""Which rows a screen lists, shows, changes and exports: those the user may take the
request's action on (services.access.rows), so unknown or out-of-scope ids are a 404, and
the pager's count capped so a large register lists quickly."""

from flask import abort, g, has_request_context
from flask_admin.contrib.sqla import tools as sqla_tools
from sqlalchemy import func, literal_column, select
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Query
from wtforms.validators import ValidationError

from models import db
from services import access

from ..context import current_actor

NOT_YOURS = (
    "You may only save a {noun} among the records open to you: this one would fall outside "
    "them (for example, another division's). Nothing was saved."
)


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


class RowScopeMixin:
    """Every query of the screen narrowed to the user's rows for the current action."""

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

    # Loader options for the one record a details or edit page shows: what its page reads
    # of it, in the same statement.
    one_record_options: tuple = ()

    def get_one(self, id):
        """One record, through the scoped query: unknown or out of scope is a 404."""
        primary_key = sa_inspect(self.model).primary_key
        if len(primary_key) == 1:
            column = primary_key[0]
            try:
                value = column.type.python_type(id)
            except (TypeError, ValueError):
                abort(404)
            query = self.get_query().filter(column == value)
            if self.one_record_options:
                query = query.options(*self.one_record_options)
            record = query.one_or_none()
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
