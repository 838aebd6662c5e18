"""The demo builder: people first, then tickets and complaints planned and saved."""

import random
from datetime import datetime, timedelta

from .complaints import ComplaintPlanning
from .lives import ComplaintLives
from .people import People
from .plans import HISTORY_DAYS
from .records import ComplaintRecords
from .tickets import TicketPlanning


class DemoBuilder(People, ComplaintPlanning, ComplaintLives, ComplaintRecords, TicketPlanning):
    """Plans every case from a seeded random generator, then saves what has happened by `now`."""

    def __init__(self, now: datetime):
        self.now = now
        self.rng = random.Random(2026)
        self.start = now - timedelta(days=HISTORY_DAYS)
