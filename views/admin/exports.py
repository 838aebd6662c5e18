"""CSV and XLSX exports of a grid's rows (its scope, filters, search and sort), streamed
in batches, masked as the grid masks, without formulas or HTML in cells."""

from datetime import date

from flask_login import current_user
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import joinedload, selectinload

from models import db, utcnow
from services.exports import FORMATS as EXPORT_FORMATS
from services.exports import export_response, neutralise

from . import localtime
from .formatters import export_instant, local_instant


class GridExportMixin:
    """The export buttons of a grid, written while the download is sent."""

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
