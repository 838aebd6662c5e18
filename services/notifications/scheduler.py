"""`flask notify run`: tell officers of their cases' due instants, and apply the escalation
rules administrators keep.

For each open, running (not paused) case with a due instant not yet met:

- its officer is told when the due is within REMINDER_LEAD_BUSINESS_HOURS of business time
  on the case's calendar, and again once it has passed (the same email as `flask mail
  send-due`'s reminder, under the same outbox key: never both);
- each active escalation rule for that kind of due tells its audience (the officer, the
  coordinator of the division or the desk leads, or both) when the due is N business
  hours away, or N business hours past; quiet outside the calendar's business hours
  unless the rule says otherwise (it tells at the next opening instead).

Each notification is told once per case, due instant, rule and person (a unique key in
the database), also when several servers run this at once: on PostgreSQL a second run's
insert of the same key waits for the first, then does nothing. Cases are worked in the
same order by every run, and each case is committed on its own.
"""

import math
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import select

from models import EscalationRule, kinds, utcnow
from rules import correspondence as letters_rules
from rules import notifications as rules
from rules.errors import RuleViolation

from .. import localtime
from ..correspondence.letters import case_values, config
from ..correspondence.outbox import _instant_key
from ..correspondence.reminders import _reminder_horizon
from .core import notify
from .recipients import officers, supervisors


@dataclass
class RunReport:
    cases: int = 0  # cases with a due instant looked at
    told: int = 0  # notifications made
    quiet: int = 0  # rule notifications held until the calendar opens


def _audience(session, case, audience: str) -> list:
    people = []
    if audience in (rules.OFFICER, rules.BOTH):
        people += officers(session, case)
    if audience in (rules.SUPERVISOR, rules.BOTH):
        people += supervisors(session, case)
    seen, unique = set(), []
    for role, user in people:
        if user.id not in seen:
            seen.add(user.id)
            unique.append((role, user))
    return unique


def _words(left: timedelta) -> str:
    return letters_rules.business_time_in_words(left)


def run(session, now: datetime | None = None) -> RunReport:
    from ..clocks import Clocks

    now = now or utcnow()
    report = RunReport()
    lead = timedelta(hours=float(config("REMINDER_LEAD_BUSINESS_HOURS")))
    passed_days = float(config("REMINDER_PASSED_WITHIN_DAYS"))
    active_rules = session.scalars(
        select(EscalationRule).where(EscalationRule.active.is_(True)).order_by(EscalationRule.id)
    ).all()
    clocks = Clocks.of(session)
    for code, (case_type, due_field, done_field, label) in rules.DUE_KINDS.items():
        kind = kinds.by_name(case_type)
        watching = [rule for rule in active_rules if rule.due_kind == code]
        ahead = max(
            [lead]
            + [
                timedelta(hours=rule.business_hours)
                for rule in watching
                if rule.moment == rules.BEFORE
            ]
        )
        behind = max(
            [0] + [rule.business_hours for rule in watching if rule.moment == rules.PASSED]
        )
        # N business hours after a due is at most about N/8 business days, and weekends
        # and holidays between: look back generously, the clock decides.
        passed_since = now - timedelta(days=passed_days + math.ceil(behind / 8 * 1.5) + 14)
        horizon = _reminder_horizon(session, clocks, now, ahead) if ahead else now
        model = kind.model
        due_column = getattr(model, due_field)
        case_ids = session.scalars(
            select(model.id)
            .where(
                due_column.is_not(None),
                due_column >= passed_since,
                due_column <= horizon,
                getattr(model, done_field).is_(None),
                model.status.not_in(kind.closed_statuses),
                model.paused_since.is_(None),
            )
            .order_by(model.id)
        ).all()
        for case_id in case_ids:
            case = session.get(model, case_id)
            if case is None:
                continue
            report.cases += 1
            try:
                engine = clocks.engine(clocks.calendar_id_of(case))
            except RuleViolation:
                continue
            due = getattr(case, due_field)
            timing = rules.Timing(
                due=due,
                now=now,
                left=engine.business_time_between(now, due),
                over=engine.business_time_between(due, now),
                open_now=engine.is_open(now),
            )
            report.told += _officer_due(session, case, code, due_field, label, timing, lead, now)
            for rule in watching:
                if rules.fires(rule.moment, rule.business_hours, timing, outside_hours=True):
                    if not rules.fires(
                        rule.moment,
                        rule.business_hours,
                        timing,
                        outside_hours=rule.outside_hours,
                    ):
                        report.quiet += 1
                        continue
                    report.told += _escalate(session, case, code, label, rule, timing, now)
            session.commit()
    session.commit()
    return report


def _when(case, due) -> str:
    tz = localtime.case_timezone(case, localtime.settings_in_force())
    return letters_rules.instant_in_words(due, tz)


def _officer_due(session, case, code, due_field, label, timing, lead, now) -> int:
    """The officer's own reminder: within the lead before the due, and once it passed."""
    due = timing.due
    passed_within = timedelta(days=float(config("REMINDER_PASSED_WITHIN_DAYS")))
    if due <= now:
        if due < now - passed_within:
            return 0
        event, key, time_left = rules.DUE_PASSED, letters_rules.DUE_PASSED, ""
        title = f"Overdue: {label} for {_reference(case)}, due {_when(case, due)}"
    elif lead and timing.left <= lead:
        event, key = rules.DUE_SOON, letters_rules.DUE_REMINDER
        time_left = _words(timing.left)
        title = (
            f"Due soon: {label} for {_reference(case)}, due {_when(case, due)} ({time_left} left)"
        )
    else:
        return 0
    kind = kinds.kind_of(case)
    told = 0
    for role, user in officers(session, case):
        person = user.participant
        values = {
            **case_values(case),
            "officer_name": person.display_name if person is not None else user.username,
            "officer_role": letters_rules.ROLES.get(role, role),
            "due_label": label,
            "due_at": _when(case, due),
            "time_left": time_left,
        }
        # The reminder `flask mail send-due` writes, under its key: one email, not two.
        outbox_key = (
            f"{key}:{kind.name}:{case.id}:{due_field}:{_instant_key(due)}:{user.participant_id}"
        )
        if notify(
            session,
            user=user,
            event=event,
            case=case,
            role=role,
            title=title,
            dedupe_key=rules.due_key(event, kind.name, case.id, code, due, user.id),
            email=(key, values, outbox_key),
            now=now,
        ):
            told += 1
    return told


def _escalate(session, case, code, label, rule, timing, now) -> int:
    kind = kinds.kind_of(case)
    due = timing.due
    if due > now:
        what = f"due {_when(case, due)} ({_words(timing.left)} left)"
    else:
        what = f"was due {_when(case, due)}"
    title = f"{rule.name}: {label} for {_reference(case)} {what}"
    told = 0
    for role, user in _audience(session, case, rule.audience):
        if notify(
            session,
            user=user,
            event=rules.ESCALATION,
            case=case,
            role=role,
            title=title,
            dedupe_key=rules.due_key(f"rule{rule.id}", kind.name, case.id, code, due, user.id),
            rule_id=rule.id,
            now=now,
        ):
            told += 1
    return told


def _reference(case) -> str:
    kind = kinds.kind_of(case)
    reference = kinds.reference_of(case)
    if kind is kinds.INTERNAL_REVIEW:
        return f"the internal review of {reference}"
    return reference
