"""Due dates on save, through every door, and recomputed when a calendar or target changes.

A flush of the session runs `before_flush` (cases being saved get their reference number,
clock pauses and due instants) and `after_flush` (open cases that depend on a changed
calendar or SLA target are recomputed in bulk, each change written to their history).

- engines.py: the clock engine of each calendar, the SLA targets, a case's deadlines
- on_save.py: `before_flush`, the due instants of the cases a save touches
- bulk_recompute.py: `after_flush`, the bulk recompute after a calendar or SLA change
- retiming.py: what such a change re-timed, and a change tried without saving
- explanations.py: due instants as people read them, and a calendar's days off
"""

from .bulk_recompute import after_flush, recompute
from .engines import (
    CALENDAR_PARTS,
    CASE_TYPES,
    DUE_FIELDS,
    Clocks,
    business_calendar,
    compute_deadlines,
    deadlines_of,
    forget_configuration,
    forget_loaded,
    recorded_dues,
    recorded_pauses,
    spec_of,
)
from .explanations import due_dates, explain_case, holiday_preview
from .on_save import before_flush
from .retiming import DUE_LABELS, RETIMED, SAMPLE_SIZE, Preview, Retimed, dry_run, retimed_words

__all__ = [
    "CALENDAR_PARTS",
    "CASE_TYPES",
    "DUE_FIELDS",
    "DUE_LABELS",
    "RETIMED",
    "SAMPLE_SIZE",
    "Clocks",
    "Preview",
    "Retimed",
    "after_flush",
    "before_flush",
    "business_calendar",
    "compute_deadlines",
    "deadlines_of",
    "forget_configuration",
    "forget_loaded",
    "dry_run",
    "due_dates",
    "explain_case",
    "holiday_preview",
    "recompute",
    "recorded_dues",
    "recorded_pauses",
    "retimed_words",
    "spec_of",
]
