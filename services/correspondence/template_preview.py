"""A template filled in with a case's values, or with the sample's, before it is saved."""

from sqlalchemy.orm import object_session

from models import kinds, utcnow
from rules import correspondence
from rules.errors import RuleViolation

from .. import history, localtime
from .letters import case_values, config, review_values, ticket_values
from .reminders import REMINDED_DUES, officers_of


def _reminder_values(case) -> dict:
    """A reminder as the case's own officer would get it, of its next open due instant."""
    values = {}
    officer = next(((r, p) for r, p in officers_of(case) if p is not None), None)
    if officer is not None:
        values["officer_name"] = officer[1].display_name
        values["officer_role"] = correspondence.ROLES[officer[0]]
    tz = localtime.case_timezone(case, localtime.settings_in_force())
    dues = [
        (getattr(case, due_field), label)
        for kind, due_field, done_field, label in REMINDED_DUES
        if kind is kinds.kind_of(case)
        and getattr(case, due_field) is not None
        and getattr(case, done_field) is None
    ]
    if dues:
        due, label = min(dues, key=lambda d: d[0])
        values.update(
            due_label=label, due_at=correspondence.instant_in_words(due, tz), time_left=""
        )
        now = utcnow()
        if due > now:
            from ..clocks import Clocks

            clocks = Clocks.of(object_session(case))
            try:
                engine = clocks.engine(clocks.calendar_id_of(case))
            except RuleViolation:
                return values
            left = engine.business_time_between(now, due)
            values["time_left"] = correspondence.business_time_in_words(left)
    return values


def preview(session, key: str, subject: str, body: str, case=None, hide_complainant=False):
    """The template filled in with a case's values, or the sample's when none is given."""
    values = dict(correspondence.SAMPLE)
    values["sender_name"] = config("MAIL_SENDER_NAME")
    if case is not None:
        values.update(case_values(case))
        is_complaint = kinds.find_kind(case) is kinds.COMPLAINT
        if (
            key in (correspondence.REVIEW_REQUESTED, correspondence.REVIEW_OUTCOME)
            and is_complaint
        ):
            # The complaint's latest internal review, if it has one.
            review = max(case.internal_reviews, key=lambda r: r.id, default=None)
            if review is not None:
                values.update(review_values(review))
        if is_complaint and hide_complainant:
            values["complainant_name"] = history.MASK
        if key in (correspondence.DUE_REMINDER, correspondence.DUE_PASSED):
            values.update(_reminder_values(case))
        if key in correspondence.TICKET_LETTERS and kinds.find_kind(case) is kinds.TICKET:
            # What the step said is the sample's: it is written when the step is taken.
            values.update(ticket_values(case, values["content"]))
    wanted = {name: values.get(name, "") for name in correspondence.VARIABLES[key]}
    return correspondence.render(key, subject, body, wanted)
