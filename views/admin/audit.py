"""The audit log and the records the system keeps for itself: read, never changed."""

import json

from models import ClockPause, HistoryEntry, ReferenceCounter, db
from rules.vocabulary import CASE_TYPES
from services.history import AUDITED_TYPES

from .base import ReadOnlyModelView
from .capacities import ADMINISTRATION
from .filters import ChoiceFilter, LazyOptions, LocalDayFilter
from .options import user_options


def show_username(view, context, model, name):
    return model.user.username if model.user is not None else "(the system)"


def show_changes(view, context, model, name):
    """The JSON of changed fields as "field: old -> new" lines."""
    if not model.changes:
        return ""
    try:
        changes = json.loads(model.changes)
    except ValueError:
        return model.changes
    return "; ".join(f"{field}: {old!r} -> {new!r}" for field, (old, new) in changes.items())


def action_options():
    return LazyOptions(
        lambda: [
            (action, action)
            for (action,) in db.session.execute(
                db.select(HistoryEntry.action).distinct().order_by(HistoryEntry.action)
            )
        ]
    )


class AuditView(ReadOnlyModelView):
    capacities = ADMINISTRATION


class HistoryEntryView(AuditView):
    record_noun = "history entry"
    column_list = ("at", "user", "record_type", "record_id", "action", "summary")
    column_details_list = (*column_list, "changes")
    column_labels = {"at": "When", "user": "Who", "record_type": "Record", "record_id": "Id"}
    column_formatters = {"user": show_username, "changes": show_changes}
    column_formatters_export = {"user": show_username}
    column_default_sort = [("at", True), ("id", True)]
    column_searchable_list = ("summary", "record_type", "action", "changes", "user.username")
    column_filters = [
        ChoiceFilter(HistoryEntry.record_type, "Record", [(t, t) for t in AUDITED_TYPES]),
        ChoiceFilter(HistoryEntry.record_id, "Record id", None, coerce=int),
        ChoiceFilter(HistoryEntry.action, "Action", action_options()),
        ChoiceFilter(HistoryEntry.user_id, "User", user_options(), coerce=int),
        LocalDayFilter(HistoryEntry.at, "When", "on"),
        LocalDayFilter(HistoryEntry.at, "When", "from"),
        LocalDayFilter(HistoryEntry.at, "When", "before"),
    ]
    column_select_related_list = (HistoryEntry.user,)


class ClockPauseView(AuditView):
    record_noun = "clock pause"
    column_list = ("case_type", "case_id", "status", "started_at", "ended_at")
    column_labels = {"case_id": "Case id", "started_at": "Paused", "ended_at": "Resumed"}
    column_default_sort = [("started_at", True), ("id", True)]
    column_filters = [ChoiceFilter(ClockPause.case_type, "Case type", list(CASE_TYPES.items()))]


class ReferenceCounterView(AuditView):
    record_noun = "reference counter"
    can_view_details = False
    column_list = ("prefix", "year", "last_value")
    column_labels = {"last_value": "Last number given"}
    column_default_sort = [("prefix", False), ("year", True)]
    column_filters = [ChoiceFilter(ReferenceCounter.year, "Year", None, coerce=int)]
