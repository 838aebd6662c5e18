"""The grid's search box: typed text matched as itself, a reference matched by prefix
through its index, and identity columns matched only where the identity may be seen."""

import re

from flask_admin.contrib.sqla import tools as sqla_tools
from sqlalchemy import Unicode, and_, cast, or_

# A typed % or _ is looked for as itself, never a wildcard that matches every row.
LIKE_ESCAPE = "\\"
LIKE_SPECIAL = frozenset({"%", "_", LIKE_ESCAPE})


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


class GridSearchMixin:
    """Flask-Admin's search, guarded and escaped."""

    # A search that reads as the start of a reference (CTS-2026-00) matches this column
    # (its name) by prefix, through its index, and nothing else.
    reference_column: str | None = None
    reference_pattern = re.compile(r"(CTS|CMP|SUG|TKT)(-[0-9-]*)?", re.IGNORECASE)

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

    def indexed_search(self, term: str, pattern: str, condition):
        """A condition on the model matching `term` in every searchable column through the
        search index (models/search_index.py), or None to search column by column."""
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
            indexed = self.indexed_search(term, pattern, condition)
            if indexed is not None:
                query = query.filter(indexed)
                if count_query is not None:
                    count_query = count_query.filter(indexed)
                continue
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
