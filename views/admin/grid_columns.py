"""The grid's columns, chosen by the reader: `columns=reference,status,...` in the address
shows those of the screen's columns (in the screen's order), and a saved view keeps it.

Flask-Admin reads the list's columns from `_list_columns`, built once per screen; here it
answers per request, so the sort links (a column's position) follow the columns shown.
"""

from urllib.parse import urlencode

from flask import has_request_context, redirect, request

COLUMN_ARGS = ("column", "columns", "page")


class GridColumnsMixin:
    def _handle_view(self, name, **kwargs):
        # The column picker sends a box per column (works without JavaScript); the address
        # keeps them as one `columns` argument, which paging and sorting carry along.
        if name == "index_view" and "column" in request.args:
            args = [(k, v) for k, v in request.args.items(multi=True) if k not in COLUMN_ARGS]
            chosen = [column for column in request.args.getlist("column") if column]
            if chosen:
                args.append(("columns", ",".join(chosen)))
            return redirect(f"{request.path}?{urlencode(args)}" if args else request.path)
        return super()._handle_view(name, **kwargs)

    @property
    def _list_columns(self):
        every = self.__dict__.get("_every_list_column", [])
        chosen = self.chosen_columns(every)
        return chosen or every

    @_list_columns.setter
    def _list_columns(self, columns):
        self.__dict__["_every_list_column"] = columns

    @property
    def every_list_column(self):
        """(name, label) of every column the screen can show."""
        return self.__dict__.get("_every_list_column", [])

    def chosen_columns(self, every):
        """The columns the address names, among the screen's; empty for all of them."""
        if not has_request_context():
            return []
        names = {name.strip() for name in request.args.get("columns", "").split(",")}
        return [(name, label) for name, label in every if name in names]
