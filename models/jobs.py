"""The scheduled commands' last runs, for the readiness check and the metrics."""

from datetime import datetime

from sqlalchemy import Integer, String, Text
from sqlalchemy.orm import Mapped, mapped_column

from .base import UTCDateTime, db


class ScheduledJob(db.Model):
    """One row per scheduled command (`mail send-due`, `mail fetch` …), whichever server
    ran it: when it last started, finished and succeeded, and how the last run ended."""

    __tablename__ = "scheduled_job"
    name: Mapped[str] = mapped_column(String(60), primary_key=True)
    last_started_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_finished_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    last_succeeded_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # succeeded or failed
    last_status: Mapped[str | None] = mapped_column(String(20))
    last_detail: Mapped[str | None] = mapped_column(Text)
    runs: Mapped[int] = mapped_column(Integer, default=0, server_default="0")
