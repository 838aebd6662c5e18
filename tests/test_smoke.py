from datetime import datetime, timezone

from models import Complaint, db


def test_complaints_get_consecutive_references_per_year(app, make):
    first = make.complaint(received_at=datetime(2026, 1, 5, 1, 0, tzinfo=timezone.utc))
    second = make.complaint(received_at=datetime(2026, 1, 6, 1, 0, tzinfo=timezone.utc))
    assert first.reference == "CTS-2026-000001"
    assert second.reference == "CTS-2026-000002"
    assert db.session.get(Complaint, first.id).received_at.tzinfo is not None
