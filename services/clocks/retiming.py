"""What a change of calendar or SLA target re-timed, and a change tried without saving.

`Retimed` counts the open cases the recomputes of a session moved and keeps a few with
their due instants before and after; `dry_run` makes a change, reads what it would
re-time, and rolls it back.
"""

from collections import defaultdict, namedtuple

from sqlalchemy import select

from models import Calendar, Complaint, InternalReview, kinds

from .engines import business_calendar
from .explanations import _local

RETIMED = "retimed"
# How many re-timed cases a preview lists, each with its old and new due instants.
SAMPLE_SIZE = 20
DUE_LABELS = {
    "registration_due_at": "Registration",
    "acknowledgement_due_at": "Acknowledgement",
    "resolution_due_at": "Resolution",
    "review_request_due_at": "Review request",
    "human_rights_commissioner_from": "Human Rights Commissioner from",
    "first_response_due_at": "First response",
    "due_at": "Review",
    "next_due_at": "Next due",
}


class Retimed:
    """The open cases the recomputes of one session moved, since `start` (or the last
    report): all counted, the first `SAMPLE_SIZE` with their due instants before and after."""

    def __init__(self):
        self.cases: set[tuple[str, int]] = set()
        self.samples: dict[tuple[str, int], dict] = {}

    @classmethod
    def start(cls, session) -> "Retimed":
        """Count afresh what the saves about to be made move (until `stop`)."""
        session.info[RETIMED] = found = cls()
        return found

    @staticmethod
    def stop(session) -> None:
        session.info.pop(RETIMED, None)

    @property
    def count(self) -> int:
        return len(self.cases)

    def note(self, case_type: str, case_id: int, calendar_id: int, changes: dict) -> None:
        key = (case_type, case_id)
        self.cases.add(key)
        sample = self.samples.get(key)
        if sample is None:
            if len(self.samples) >= SAMPLE_SIZE:
                return
            self.samples[key] = {"calendar_id": calendar_id, "changes": dict(changes)}
            return
        # Moved again by a later flush: first old value, last new one.
        for name, (old, new) in changes.items():
            first = sample["changes"].get(name, (old, new))[0]
            sample["changes"][name] = (first, new)

    def rows(self, session) -> list[dict]:
        """The sampled cases as a person reads them: reference, and each due instant that
        moved, old and new, in the case's own calendar's local time."""
        references = _references(session, self.samples)
        rows = []
        for (case_type, case_id), sample in sorted(self.samples.items()):
            with session.no_autoflush:
                calendar = session.get(Calendar, sample["calendar_id"])
            tz = business_calendar(calendar).tz
            moves = [
                {
                    "label": DUE_LABELS.get(name, name),
                    "old": _local(old, tz) or "none",
                    "new": _local(new, tz) or "none",
                }
                for name, (old, new) in sample["changes"].items()
                if old != new and name != "next_due_at"
            ]
            rows.append(
                {
                    "reference": references.get((case_type, case_id), f"#{case_id}"),
                    "timezone": tz.key,
                    "moves": moves,
                }
            )
        return rows


class _NotCounting:
    def note(self, *args) -> None:
        pass


_NOT_COUNTING = _NotCounting()


def _references(session, samples) -> dict[tuple[str, int], str]:
    found = {}
    ids = defaultdict(list)
    for case_type, case_id in samples:
        ids[case_type].append(case_id)
    with session.no_autoflush:
        for kind in kinds.KINDS:
            model, case_type = kind.model, kind.name
            if kind.reference_variant is not None and ids[case_type]:
                for case_id, reference in session.execute(
                    select(model.id, model.reference).where(model.id.in_(ids[case_type]))
                ):
                    found[(case_type, case_id)] = reference
        if ids["internal_review"]:
            for case_id, reference in session.execute(
                select(InternalReview.id, Complaint.reference)
                .join(Complaint, Complaint.id == InternalReview.complaint_id)
                .where(InternalReview.id.in_(ids["internal_review"]))
            ):
                found[("internal_review", case_id)] = f"Internal review of {reference}"
    return found


class Preview(namedtuple("Preview", "count rows")):
    """What a change would re-time: how many open cases, and the first few in detail."""


def dry_run(session, change) -> Preview:
    """Make the change (`change()`), flush it so that the same hooks re-time open cases
    as its save would, read what they moved, and roll the whole session back.

    Nothing is saved. A refusal of the change (RuleViolation, a database error) comes
    out of it, after the rollback.
    """
    retimed = Retimed.start(session)
    try:
        change()
        session.flush()
        return Preview(retimed.count, retimed.rows(session))
    finally:
        session.rollback()
        Retimed.stop(session)


def retimed_words(count: int) -> str:
    """ "3 open cases re-timed", for what a save reports."""
    if count == 0:
        return "No open case's due dates moved."
    return f"{count} open case{'s' if count != 1 else ''} re-timed."
