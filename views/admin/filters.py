"""List filters in the coordinator's words: assigned to me, overdue, due today, open, due
within two business days, waiting on the complainant, in my division."""

from flask_admin.contrib.sqla.filters import BaseSQLAFilter
from flask_login import current_user
from sqlalchemy import false, or_

from models import db, utcnow
from rules.vocabulary import COORDINATOR
from services import access, dashboard, extension_requests

from . import localtime
from .fields import parse_day

YES = (("1", "Yes"),)


class LazyOptions:
    """Filter options read from the database each time the list renders.

    Flask-Admin evaluates a callable `options` once, when the view is built (outside any
    request); an iterable like this one is read only when the filter bar is drawn.
    """

    def __init__(self, load):
        self._load = load

    def __iter__(self):
        return iter(self._load())

    def __bool__(self):
        return True


class ChoiceFilter(BaseSQLAFilter):
    """Equal to one of a fixed or lazily loaded list of choices."""

    def __init__(self, column, name, options, coerce=str):
        super().__init__(column, name, options=options)
        self.coerce = coerce

    def clean(self, value):
        return self.coerce(value)

    def apply(self, query, value, alias=None):
        return query.filter(self.get_column(alias) == value)

    def operation(self):
        return "is"


class AssignedToMeFilter(BaseSQLAFilter):
    """Cases where the signed-in officer holds one of the given roles."""

    def __init__(self, *columns, name="Assigned to me"):
        super().__init__(columns[0], name, options=YES)
        self.columns = columns

    def apply(self, query, value, alias=None):
        participant_id = getattr(current_user, "participant_id", None)
        if participant_id is None:
            return query.filter(false())
        return query.filter(or_(*(column == participant_id for column in self.columns)))

    def operation(self):
        return "is"


class OverdueFilter(BaseSQLAFilter):
    """Open cases whose next due instant has passed."""

    def __init__(self, due_column, status_column, closed_statuses, name="Overdue"):
        super().__init__(due_column, name, options=YES)
        self.status_column = status_column
        self.closed_statuses = tuple(closed_statuses)

    def apply(self, query, value, alias=None):
        return query.filter(
            self.column < utcnow(), self.status_column.notin_(self.closed_statuses)
        )

    def operation(self):
        return "is"


class DueTodayFilter(OverdueFilter):
    """Open cases due before the end of today (local day of the portal's time zone)."""

    def __init__(self, due_column, status_column, closed_statuses, name="Due today"):
        super().__init__(due_column, status_column, closed_statuses, name=name)

    def apply(self, query, value, alias=None):
        start, end = localtime.day_bounds(localtime.today())
        return query.filter(
            self.column >= start,
            self.column < end,
            self.status_column.notin_(self.closed_statuses),
        )


class OpenFilter(BaseSQLAFilter):
    """Still being worked, or finished."""

    def __init__(self, status_column, closed_statuses, name="State"):
        super().__init__(status_column, name, options=(("open", "Open"), ("closed", "Closed")))
        self.closed_statuses = tuple(closed_statuses)

    def clean(self, value):
        if value not in ("open", "closed"):
            raise ValueError(value)
        return value

    def apply(self, query, value, alias=None):
        if value == "open":
            return query.filter(self.column.notin_(self.closed_statuses))
        return query.filter(self.column.in_(self.closed_statuses))

    def operation(self):
        return "is"


class LocalDayFilter(BaseSQLAFilter):
    """An instant on, from, or before a local calendar day (the portal's time zone)."""

    OPERATIONS = {"on": "on", "from": "on or after", "before": "before"}

    def __init__(self, column, name, operation="on"):
        super().__init__(column, name, data_type="datepicker")
        self._operation = operation

    def clean(self, value):
        return parse_day(value)

    def apply(self, query, value, alias=None):
        start, end = localtime.day_bounds(value)
        column = self.get_column(alias)
        if self._operation == "on":
            return query.filter(column >= start, column < end)
        if self._operation == "from":
            return query.filter(column >= start)
        return query.filter(column < start)

    def operation(self):
        return self.OPERATIONS[self._operation]


class DueWithinBusinessDaysFilter(OverdueFilter):
    """Open cases, not waiting, due within the next N business days of their own calendar."""

    def __init__(
        self, due_column, status_column, closed_statuses, case_type, paused_column, days=2
    ):
        super().__init__(
            due_column, status_column, closed_statuses, name=f"Due within {days} business days"
        )
        self.case_type = case_type
        self.paused_column = paused_column
        self.days = days

    def apply(self, query, value, alias=None):
        return query.filter(
            dashboard.due_within_business_days(
                db.session, self.case_type, self.column, self.paused_column, utcnow(), self.days
            ),
            self.status_column.notin_(self.closed_statuses),
        )


class WaitingFilter(BaseSQLAFilter):
    """Cases in a status that waits on the complainant or client (the pause statuses)."""

    def __init__(self, status_column, case_type, name="Waiting on the complainant"):
        super().__init__(status_column, name, options=YES)
        self.case_type = case_type

    def apply(self, query, value, alias=None):
        return query.filter(dashboard.waiting(self.case_type, self.column))

    def operation(self):
        return "is"


class InMyDivisionFilter(BaseSQLAFilter):
    """Cases of the signed-in officer's own division."""

    def __init__(self, column, case_type, name="In my division"):
        super().__init__(column, name, options=YES)
        self.case_type = case_type

    def apply(self, query, value, alias=None):
        person = getattr(current_user, "participant", None)
        division_id = person.division_id if person is not None else None
        return query.filter(dashboard.in_division(self.case_type, division_id))

    def operation(self):
        return "is"


class ExtensionRequestAwaitingMeFilter(BaseSQLAFilter):
    """Complaints with an extension request waiting for the signed-in officer's decision."""

    def __init__(self, column, name="Extension request awaiting my decision"):
        super().__init__(column, name, options=YES)

    def apply(self, query, value, alias=None):
        return query.filter(awaiting_my_decision())

    def operation(self):
        return "is"


def awaiting_my_decision():
    """The condition the filter and the home page's count share."""
    person = getattr(current_user, "participant", None)
    coordinates = None
    if person is not None and COORDINATOR in access.capacity_codes(current_user):
        coordinates = person.division_id
    return extension_requests.awaiting_decision_of(getattr(person, "id", None), coordinates)


class ConditionFilter(BaseSQLAFilter):
    """A yes-only filter whose rows are a condition of services.dashboard, shared with the
    home page's queues so a queue's count is the rows its link shows."""

    def __init__(self, column, name, condition):
        super().__init__(column, name, options=YES)
        self.condition = condition

    def apply(self, query, value, alias=None):
        return query.filter(self.condition())

    def operation(self):
        return "is"


def lodged_online_to_register_filter(column):
    return ConditionFilter(
        column, "Lodged online, to register", dashboard.lodged_online_to_register
    )


def unassigned_filter(column, case_type):
    return ConditionFilter(column, "Unassigned", lambda: dashboard.unassigned(case_type))


def reply_received_filter(column, case_type):
    return ConditionFilter(
        column, "Reply received, unanswered", lambda: dashboard.reply_unanswered(case_type)
    )


def awaiting_my_decision_filter(column):
    return ConditionFilter(
        column,
        "Awaiting my decision",
        lambda: dashboard.awaiting_decision_by(getattr(current_user, "participant_id", None)),
    )


def first_response_due_filter(column):
    return ConditionFilter(column, "First response due", dashboard.awaiting_first_response)
