"""The glue between the database and the rules: whatever door a change comes through
(admin form, bulk action, import, command), a flush of the session runs these."""

from sqlalchemy import event
from sqlalchemy import inspect as sa_inspect
from sqlalchemy.orm import Session
from sqlalchemy.orm.attributes import set_committed_value

from models import kinds

from . import (
    clocks,
    conduct,
    correspondence,
    custody,
    duties,
    extension_requests,
    extensions,
    history,
    invariants,
    localtime,
    notes,
    notifications,
    saved_views,
    sessions,
    sort_names,
    surveys,
)


def init_app(app):
    # Registered once per process: the hooks work for any session of any app.
    if not event.contains(Session, "before_flush", _before_flush):
        event.listen(Session, "before_flush", _before_flush)
        event.listen(Session, "after_flush", _after_flush)
        event.listen(Session, "before_commit", history.before_commit)
        event.listen(Session, "after_rollback", history.after_rollback)
        event.listen(Session, "after_commit", custody.forget)
        event.listen(Session, "after_rollback", custody.forget)
        # A rollback (a savepoint's too) may undo a configuration the Clocks were read from.
        event.listen(Session, "after_soft_rollback", _forget_clocks)
    app.add_template_global(clocks.explain_case, "due_dates_of")
    app.add_template_global(conduct.banner, "restrictions_of")
    app.add_template_global(clocks.holiday_preview, "holidays_of")
    app.add_template_global(history.explain_history, "history_of")
    app.add_template_global(localtime.place, "zone_place")
    app.add_template_global(localtime.abbreviations, "zone_abbreviations")
    app.add_template_global(localtime.zone_label, "zone_label")


def _forget_clocks(session, previous_transaction):
    clocks.forget_configuration(session)


def _before_flush(session, flush_context, instances):
    # Wrong values first: no rule or clock is worked out from them.
    invariants.before_flush(session)
    # A case's notes: complete when added, never changed or deleted afterwards.
    notes.before_flush(session)
    # A clock's start, an assignment, a complaint's people, a rank: only through their paths.
    custody.before_flush(session)
    # Separation of duties first: a refused assignment takes no reference number.
    duties.before_flush(session)
    # A request approved adds its extension, judged next like any other.
    extension_requests.before_flush(session)
    # A restriction of contact checked; a contact through a restricted channel routed.
    conduct.before_flush(session)
    # Extensions before the clocks: the due they set is the one the clocks take.
    extensions.before_flush(session)
    clocks.before_flush(session)
    # The category's and division's names the complaints grid sorts by.
    sort_names.before_flush(session)
    # A new password or an account switched off ends the account's sessions.
    sessions.before_flush(session)
    # A saved view is shared only by a coordinator or administrator, with their division.
    saved_views.before_flush(session)
    history.before_flush(session)


_COLLECTIONS: dict = {}


def _collections(mapper) -> tuple[str, ...]:
    found = _COLLECTIONS.get(mapper)
    if found is None:
        found = _COLLECTIONS[mapper] = tuple(r.key for r in mapper.relationships if r.uselist)
    return found


def _new_cases_know_their_lists_are_empty(session):
    """A case saved for the first time has no extensions, reviews, issues... but those it
    was given: once it is inserted, its untouched collections are set loaded and empty, so
    that what reads them before the commit (the letters, the API's answer) asks no query.

    A collection a new case was given is in its state already (a backref's append on a new
    record fills it too); one not there is empty. Done after the INSERTs, so the unit of
    work does not weigh thousands of empty lists on an import."""
    for obj in session.new:
        if kinds.find_kind(obj) is None:
            continue
        state = sa_inspect(obj)
        for key in _collections(state.mapper):
            if key not in state.dict:
                set_committed_value(obj, key, [])


def _after_flush(session, flush_context):
    _new_cases_know_their_lists_are_empty(session)
    history.after_flush(session)
    clocks.after_flush(session)
    # Letters last: they read the due instants and reference numbers the flush gave.
    correspondence.after_flush(session)
    # Then the people told of what the flush did (an assignment, a mention...).
    notifications.after_flush(session)
    # A case finished invites its complainant or client to the survey, once per case.
    surveys.after_flush(session)
    # Restrictions of contact: the letters a restriction and a restricted contact owe.
    conduct.after_flush(session)
