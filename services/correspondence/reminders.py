"""Reminders to officers of the due instants of their cases.

`queue_reminders` (run by `flask mail send-due` first) queues a reminder to the officer of
each open due instant within the lead time, and another once it has passed, each once per
due instant and officer.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from models import Calendar, Participant, User, kinds, utcnow
from rules import correspondence
from rules.clock import Unit
from rules.errors import RuleViolation

from .. import localtime
from .letters import case_values, config
from .outbox import _instant_key, queue
from .recipients import recipient_refusal

# (kind of case, due field, done field, label): the obligations officers are reminded of.
REMINDED_DUES = (
    (kinds.COMPLAINT, "registration_due_at", "registered_at", "Entered in the register"),
    (kinds.COMPLAINT, "acknowledgement_due_at", "acknowledged_at", "Complainant acknowledged"),
    (kinds.COMPLAINT, "resolution_due_at", "finalised_at", "Resolved (response given)"),
    (kinds.TICKET, "first_response_due_at", "first_response_at", "First response"),
    (kinds.TICKET, "resolution_due_at", "resolved_at", "Resolution"),
    (kinds.INTERNAL_REVIEW, "due_at", "completed_at", "Internal review resolved"),
)


def officers_of(case) -> list[tuple[str, Participant | None]]:
    """Who is reminded of a case's dues, in order of preference: (role, person)."""
    return kinds.kind_of(case).officers(case)


@dataclass
class ReminderReport:
    queued: int = 0
    no_address: int = 0
    nobody: int = 0  # no officer who may receive it


def _reminder_horizon(session, clocks, now: datetime, lead: timedelta) -> datetime:
    """The latest due instant that can be within the lead time on any calendar."""
    horizon = now
    for calendar_id in session.scalars(select(Calendar.id)):
        try:
            engine = clocks.engine(calendar_id)
        except RuleViolation:
            continue
        minutes = int(lead.total_seconds() // 60)
        reach = engine.due(now, minutes, Unit.BUSINESS_MINUTES) if minutes else now
        horizon = max(horizon, engine.next_opening(reach))
    return horizon


def queue_reminders(session, now: datetime | None = None) -> ReminderReport:
    """Queue reminders of open dues within the lead time, and of dues just passed."""
    from ..clocks import Clocks

    now = now or utcnow()
    report = ReminderReport()
    lead = timedelta(hours=float(config("REMINDER_LEAD_BUSINESS_HOURS")))
    passed_since = now - timedelta(days=float(config("REMINDER_PASSED_WITHIN_DAYS")))
    clocks = Clocks.of(session)
    horizon = _reminder_horizon(session, clocks, now, lead) if lead else now
    for kind, due_field, done_field, label in REMINDED_DUES:
        model, case_type = kind.model, kind.name
        due_column = getattr(model, due_field)
        cases = session.scalars(
            select(model).where(
                due_column.is_not(None),
                due_column >= passed_since,
                due_column <= horizon,
                getattr(model, done_field).is_(None),
                model.status.not_in(kind.closed_statuses),
                model.paused_since.is_(None),
            )
        ).all()
        for case in cases:
            due = getattr(case, due_field)
            if due <= now:
                key, time_left = correspondence.DUE_PASSED, ""
            else:
                try:
                    engine = clocks.engine(clocks.calendar_id_of(case))
                except RuleViolation:
                    continue
                left = engine.business_time_between(now, due)
                if left > lead:
                    continue
                key, time_left = (
                    correspondence.DUE_REMINDER,
                    correspondence.business_time_in_words(left),
                )
            _remind(session, report, case, case_type, key, due_field, label, due, time_left)
    session.commit()
    return report


def _remind(session, report, case, case_type, key, due_field, label, due, time_left):
    tz = localtime.case_timezone(case, localtime.settings_in_force())
    for role, person in officers_of(case):
        if person is None:
            continue
        if recipient_refusal(case, role, person.id) is not None:
            continue
        if not _wants_email(session, person, key):
            return  # the officer asked not to be emailed of due dates (their preferences)
        values = {
            **case_values(case),
            "officer_name": person.display_name,
            "officer_role": correspondence.ROLES[role],
            "due_label": label,
            "due_at": correspondence.instant_in_words(due, tz),
            "time_left": time_left,
        }
        dedupe_key = f"{key}:{case_type}:{case.id}:{due_field}:{_instant_key(due)}:{person.id}"
        outcome = queue(
            session,
            key=key,
            case=case,
            role=role,
            person=person,
            dedupe_key=dedupe_key,
            values=values,
        )
        if outcome == "queued":
            report.queued += 1
        elif outcome == "no_address":
            report.no_address += 1
        return
    report.nobody += 1


def _wants_email(session, person, key) -> bool:
    """Whether the officer's notification preferences keep this reminder by email (an
    officer without a login: always)."""
    from rules import notifications as notification_rules

    from ..notifications.core import email_events_of

    event = (
        notification_rules.DUE_PASSED
        if key == correspondence.DUE_PASSED
        else notification_rules.DUE_SOON
    )
    accounts = session.scalars(
        select(User.id).where(User.participant_id == person.id, User.active.is_(True))
    ).all()
    if not accounts:
        return True
    connection = session.connection()
    return any(event in email_events_of(connection, user_id) for user_id in accounts)
