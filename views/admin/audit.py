"""The audit log and the records the system keeps for itself: read, never changed."""

import json

from sqlalchemy import and_, not_

from models import ClockPause, HistoryEntry, ReferenceCounter, db
from rules.confidentiality import MASK
from rules.vocabulary import CASE_TYPES
from services import confidentiality
from services.history import AUDITED_TYPES

from ..context import current_actor, visibility
from .base import ReadOnlyModelView
from .filters import ChoiceFilter, LazyOptions, LocalDayFilter
from .options import user_options


def show_username(view, context, model, name):
    return model.user.username if model.user is not None else "(the system)"


def names_hidden_person(entry) -> bool:
    """An entry of a participant the signed-in user may not see (a confidential complainant)."""
    return (
        entry.record_type == "Participant" and entry.record_id in visibility().hidden_person_ids()
    )


def show_summary(view, context, model, name):
    if names_hidden_person(model):
        return f"Participant {model.record_id}: {MASK}"
    return model.summary


def show_changes(view, context, model, name):
    """The JSON of changed fields as "field: old -> new" lines."""
    if names_hidden_person(model):
        return MASK
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


class HistoryEntryView(ReadOnlyModelView):
    record_noun = "history entry"
    column_list = ("at", "user", "record_type", "record_id", "action", "summary")
    column_details_list = (*column_list, "changes")
    column_labels = {"at": "When", "user": "Who", "record_type": "Record", "record_id": "Id"}
    column_formatters = {"user": show_username, "summary": show_summary, "changes": show_changes}
    column_formatters_export = {"user": show_username, "summary": show_summary}
    column_default_sort = [("at", True), ("id", True)]
    column_searchable_list = ("summary", "record_type", "action", "changes", "user.username")
    # A confidential complainant's details in their history do not find the entry.
    identity_search_columns = ("summary", "changes")
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

    def identity_search_condition(self):
        return not_(
            and_(
                HistoryEntry.record_type == "Participant",
                HistoryEntry.record_id.in_(confidentiality.hidden_people(current_actor())),
            )
        )


class ClockPauseView(ReadOnlyModelView):
    record_noun = "clock pause"
    column_list = ("case_type", "case_id", "status", "started_at", "ended_at")
    column_labels = {"case_id": "Case id", "started_at": "Paused", "ended_at": "Resumed"}
    column_default_sort = [("started_at", True), ("id", True)]
    column_filters = [ChoiceFilter(ClockPause.case_type, "Case type", list(CASE_TYPES.items()))]


class ReferenceCounterView(ReadOnlyModelView):
    record_noun = "reference counter"
    column_list = ("prefix", "year", "last_value")
    column_labels = {"last_value": "Last number given"}
    column_default_sort = [("prefix", False), ("year", True)]
    column_filters = [ChoiceFilter(ReferenceCounter.year, "Year", None, coerce=int)]
