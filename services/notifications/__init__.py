"""Notifications to staff: in the portal (a bell with the unread count, a list), and by
email when the person asks for it.

- core.py: telling one person of one event on one case, once (`notify`), and each
  person's preferences
- recipients.py: a case's officer, the coordinator of its division or the desk leads,
  the support agents on duty
- events.py: what every save tells (assignments, a decision awaited, a document, a
  mention, a severity 1 ticket): `after_flush`
- scheduler.py: due instants approaching or passed, and the escalation rules (`run`)
"""

from .core import (
    accounts_of,
    email_events_of,
    mark_read,
    may_open,
    notify,
    preferences_of,
    remember_unread,
    reply_arrived,
    save_preferences,
    unread_count,
    unread_count_of,
)
from .events import after_flush, held_back
from .recipients import agents_on_duty, desk_leads, officers, supervisors
from .scheduler import RunReport, run

__all__ = [
    "accounts_of",
    "after_flush",
    "agents_on_duty",
    "desk_leads",
    "email_events_of",
    "held_back",
    "mark_read",
    "may_open",
    "notify",
    "officers",
    "preferences_of",
    "remember_unread",
    "reply_arrived",
    "RunReport",
    "run",
    "save_preferences",
    "supervisors",
    "unread_count",
    "unread_count_of",
]
