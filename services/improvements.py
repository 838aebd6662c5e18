"""The improvements a complaint led to: added, changed and removed through one path, so the
history records each (services/history.py) and the flush hooks judge each
(services/invariants.py) whatever the door."""

from models import Improvement, utcnow


def of_complaint(session, complaint, improvement_id) -> Improvement | None:
    """The complaint's own improvement with this id, or None."""
    if improvement_id is None:
        return None
    found = session.get(Improvement, improvement_id)
    return found if found is not None and found.complaint_id == complaint.id else None


def record(session, complaint, user, *, description, made_by, made_at, improvement=None):
    """Add an improvement to the complaint, or change `improvement`; the caller commits."""
    if improvement is None:
        improvement = Improvement(complaint=complaint, recorded_by=user, recorded_at=utcnow())
        session.add(improvement)
    improvement.description = (description or "").strip()
    improvement.made_by = (made_by or "").strip()
    improvement.made_at = made_at
    return improvement


def remove(session, improvement) -> None:
    """Remove an improvement recorded in error (its history entry keeps what it said)."""
    session.delete(improvement)
