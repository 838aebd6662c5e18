"""Due dates on save: reference numbers now, clocks filled in below."""

from datetime import timezone

from models import Complaint, Ticket

from . import references


def before_flush(session):
    for obj in list(session.new):
        if isinstance(obj, Complaint) and not obj.reference:
            obj.reference = references.allocate(
                session, references.PREFIXES[obj.kind or "complaint"], obj.received_at.astimezone(timezone.utc).year
            )
        elif isinstance(obj, Ticket) and not obj.reference:
            obj.reference = references.allocate(session, "TKT", obj.reported_at.year)
