"""Complaints, service-desk tickets, internal and external reviews, and their clocks."""

from datetime import datetime

from sqlalchemy import (
    DDL,
    Boolean,
    Column,
    ForeignKey,
    Index,
    Integer,
    String,
    Table,
    Text,
    event,
    text,
)
from sqlalchemy.orm import Mapped, mapped_column, relationship

from .base import UTCDateTime, Versioned, db, utcnow

complaint_subject = Table(
    "complaint_subject",
    db.Model.metadata,
    Column("complaint_id", ForeignKey("complaint.id", ondelete="CASCADE"), primary_key=True),
    Column("participant_id", ForeignKey("participant.id"), primary_key=True),
)
complaint_involved = Table(
    "complaint_involved",
    db.Model.metadata,
    Column("complaint_id", ForeignKey("complaint.id", ondelete="CASCADE"), primary_key=True),
    Column("participant_id", ForeignKey("participant.id"), primary_key=True),
)


class Complaint(Versioned, db.Model):
    """A complaint, compliment or suggestion, from receipt to close."""

    __tablename__ = "complaint"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    kind: Mapped[str] = mapped_column(String(20), default="complaint", index=True)
    status: Mapped[str] = mapped_column(String(30), default="received")
    classification: Mapped[str | None] = mapped_column(String(20), index=True)
    summary: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    outcome_sought: Mapped[str | None] = mapped_column(Text)
    human_rights: Mapped[bool] = mapped_column(Boolean, default=False)
    confidential: Mapped[bool] = mapped_column(Boolean, default=False)
    # What the complainant answered when lodging online: may their personal details be used?
    # None when not asked (another channel, or anonymous); No also sets `confidential`.
    personal_details_consent: Mapped[bool | None] = mapped_column(Boolean)
    # The public form's submission, hashed (SHA-256 of the token the form was sent with):
    # the same form sent again answers with this complaint instead of lodging another.
    lodgement_key: Mapped[str | None] = mapped_column(String(64), unique=True)

    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channel.id"), index=True)
    channel = relationship("Channel")
    category_id: Mapped[int | None] = mapped_column(ForeignKey("category.id"), index=True)
    category = relationship("Category")
    # The category's and the division's names, kept here by the flush hooks
    # (services/sort_names.py) so that sorting the grid by them reads an index.
    category_name: Mapped[str | None] = mapped_column(String(160))
    division_name: Mapped[str | None] = mapped_column(String(120))
    referral_target_id: Mapped[int | None] = mapped_column(ForeignKey("referral_target.id"))
    referral_target = relationship("ReferralTarget")
    outcome_id: Mapped[int | None] = mapped_column(ForeignKey("outcome.id"), index=True)
    outcome = relationship("Outcome")
    outcome_reason: Mapped[str | None] = mapped_column(Text)
    # A change to the department's policies, procedures or practices the complaint led to,
    # and when it was made: "further action" in the annual publication (Public Sector Act
    # 2022 s 264; docs/queensland-rules.md).
    change_made: Mapped[str | None] = mapped_column(Text)
    change_made_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # What the complaint teaches (AS 10002:2022; docs/records.md): the issues it raised
    # (several, from the category list), whether it revealed a systemic issue, the root
    # cause, and the improvements it led to.
    issues = relationship(
        "Category", secondary="complaint_issue", order_by="Category.sort_order, Category.name"
    )
    systemic_issue: Mapped[bool] = mapped_column(
        Boolean, default=False, server_default=text("false")
    )
    root_cause: Mapped[str | None] = mapped_column(Text)
    # Disposed of under its retention rule: personal content removed, counts kept.
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    division_id: Mapped[int] = mapped_column(ForeignKey("division.id"))
    division = relationship("Division")
    complainant_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    complainant = relationship("Participant", foreign_keys=[complainant_id])
    coordinator_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    coordinator = relationship("Participant", foreign_keys=[coordinator_id])
    manager_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    manager = relationship("Participant", foreign_keys=[manager_id])
    decision_maker_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    decision_maker = relationship("Participant", foreign_keys=[decision_maker_id])
    # A contact through a restricted channel goes to the restriction's contact officer.
    contact_officer_id: Mapped[int | None] = mapped_column(
        ForeignKey("participant.id"), index=True
    )
    contact_officer = relationship("Participant", foreign_keys=[contact_officer_id])
    subjects = relationship("Participant", secondary=complaint_subject)
    involved = relationship("Participant", secondary=complaint_involved)
    # The accounts that drafted and decided, for "nobody approves their own work".
    drafted_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    drafted_by = relationship("User", foreign_keys=[drafted_by_id])
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    decided_by = relationship("User", foreign_keys=[decided_by_id])

    received_at: Mapped[datetime] = mapped_column(UTCDateTime)
    registered_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledged_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # Finalised: the response, with its review options, is given to the complainant.
    finalised_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)

    registration_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    acknowledgement_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    review_request_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    human_rights_commissioner_from: Mapped[datetime | None] = mapped_column(UTCDateTime)
    # The earliest due instant not yet met: the grid sorts and marks overdue on it.
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    extensions = relationship(
        "Extension",
        back_populates="complaint",
        cascade="all, delete-orphan",
        order_by="Extension.approved_at",
    )
    extension_requests = relationship(
        "ExtensionRequest",
        back_populates="complaint",
        order_by="ExtensionRequest.requested_at",
        passive_deletes=True,
    )
    internal_reviews = relationship("InternalReview", back_populates="complaint")
    representatives = relationship(
        "Representative", back_populates="complaint", order_by="Representative.id"
    )
    external_reviews = relationship("ExternalReview", back_populates="complaint")
    attachments = relationship(
        "Attachment", back_populates="complaint", order_by="Attachment.id", passive_deletes=True
    )
    improvements = relationship(
        "Improvement",
        back_populates="complaint",
        order_by="Improvement.made_at",
        passive_deletes=True,
    )

    # A large register: the grid's default sort (newest first), alone, within a division
    # (a coordinator's scope) and by status (these also serve lookups on their first
    # column); and the instants the reports count by period.
    __table_args__ = (
        Index("ix_complaint_received_at_id", "received_at", "id"),
        Index("ix_complaint_division_received", "division_id", "received_at", "id"),
        Index("ix_complaint_status_received", "status", "received_at", "id"),
        Index(
            "ix_complaint_division_status_received", "division_id", "status", "received_at", "id"
        ),
        Index("ix_complaint_acknowledged_at", "acknowledged_at"),
        # Covers the timeliness report's cohort: read from the index alone.
        Index(
            "ix_complaint_finalised_cohort", "finalised_at", "kind", "division_id", "received_at"
        ),
        Index("ix_complaint_closed_at", "closed_at"),
        # The grid sorted by category (also within a division) or by division.
        Index("ix_complaint_category_name", "category_name", "id"),
        Index("ix_complaint_division_category_name", "division_id", "category_name", "id"),
        Index("ix_complaint_division_name", "division_name", "id"),
        Index("ix_complaint_division_division_name", "division_id", "division_name", "id"),
        # The few confidential complaints, found without reading the register: whose
        # complainant (and representatives) an officer may not see.
        Index(
            "ix_complaint_confidential",
            "complainant_id",
            sqlite_where=text("confidential IS 1"),
            postgresql_where=text("confidential IS TRUE"),
        ),
    )

    def __str__(self):
        return self.reference or "New complaint"


class Extension(db.Model):
    """A new resolution due instant, with its reason and the officer who approved it."""

    __tablename__ = "extension"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    complaint = relationship("Complaint", back_populates="extensions")
    new_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    approved_by_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    approved_by = relationship("Participant")
    approved_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    complainant_told_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    def __str__(self):
        return f"Extension to {self.new_due_at:%d/%m/%Y}"


class ExtensionRequest(Versioned, db.Model):
    """A complaint manager asking for more time, and the approver's decision on it."""

    __tablename__ = "extension_request"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(
        ForeignKey("complaint.id", ondelete="CASCADE"), index=True
    )
    complaint = relationship("Complaint", back_populates="extension_requests")
    requested_by_id: Mapped[int] = mapped_column(ForeignKey("participant.id"))
    requested_by = relationship("Participant", foreign_keys=[requested_by_id])
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    proposed_due_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reason: Mapped[str] = mapped_column(Text)
    # None while pending; "approved" or "declined" once decided.
    decision: Mapped[str | None] = mapped_column(String(10))
    decided_by_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    decided_by = relationship("Participant", foreign_keys=[decided_by_id])
    decided_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    decision_note: Mapped[str | None] = mapped_column(Text)
    # The extension an approval created.
    extension_id: Mapped[int | None] = mapped_column(
        ForeignKey("extension.id", ondelete="SET NULL")
    )
    extension = relationship("Extension")

    # One request waits for a decision per complaint, even when two are sent at once.
    __table_args__ = (
        Index(
            "uq_extension_request_pending",
            "complaint_id",
            unique=True,
            sqlite_where=text("decision IS NULL"),
            postgresql_where=text("decision IS NULL"),
        ),
    )

    def __str__(self):
        return f"Extension request to {self.proposed_due_at:%d/%m/%Y}"


class Ticket(Versioned, db.Model):
    """A fault or question reported by a client organisation to the service desk."""

    __tablename__ = "ticket"
    id: Mapped[int] = mapped_column(primary_key=True)
    reference: Mapped[str] = mapped_column(String(24), unique=True)
    severity: Mapped[str] = mapped_column(String(4), index=True)
    status: Mapped[str] = mapped_column(String(30), default="new", index=True)
    summary: Mapped[str] = mapped_column(String(200))
    description: Mapped[str | None] = mapped_column(Text)
    client_id: Mapped[int] = mapped_column(ForeignKey("participant.id"), index=True)
    client = relationship("Participant", foreign_keys=[client_id])
    contact_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"))
    contact = relationship("Participant", foreign_keys=[contact_id])
    agent_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    agent = relationship("Participant", foreign_keys=[agent_id])
    channel_id: Mapped[int | None] = mapped_column(ForeignKey("channel.id"))
    channel = relationship("Channel")
    complaint_id: Mapped[int | None] = mapped_column(ForeignKey("complaint.id"), index=True)
    complaint = relationship("Complaint")

    reported_at: Mapped[datetime] = mapped_column(UTCDateTime)
    first_response_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolved_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    first_response_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    resolution_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    next_due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    disposed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)
    updated_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, onupdate=utcnow)

    __table_args__ = (
        Index("ix_ticket_reported_at_id", "reported_at", "id"),
        Index("ix_ticket_resolved_at", "resolved_at"),
    )

    def __str__(self):
        return self.reference or "New ticket"


class InternalReview(Versioned, db.Model):
    """A review of a finalised complaint's process and outcome, at the complainant's request."""

    __tablename__ = "internal_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    complaint = relationship("Complaint", back_populates="internal_reviews")
    status: Mapped[str] = mapped_column(String(30), default="requested", index=True)
    requested_at: Mapped[datetime] = mapped_column(UTCDateTime)
    reviewer_id: Mapped[int | None] = mapped_column(ForeignKey("participant.id"), index=True)
    reviewer = relationship("Participant")
    # A request after the window closed is accepted only with a recorded reason.
    late_reason: Mapped[str | None] = mapped_column(Text)
    outcome: Mapped[str | None] = mapped_column(String(30))
    findings: Mapped[str | None] = mapped_column(Text)
    recorded_by_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    recorded_by = relationship("User")
    completed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)
    paused_since: Mapped[datetime | None] = mapped_column(UTCDateTime)
    due_at: Mapped[datetime | None] = mapped_column(UTCDateTime, index=True)
    created_at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow)

    __table_args__ = (
        Index("ix_internal_review_requested_at", "requested_at"),
        Index("ix_internal_review_completed_at", "completed_at"),
    )

    def __str__(self):
        ref = self.complaint.reference if self.complaint is not None else "?"
        return f"Internal review of {ref}"


class ExternalReview(Versioned, db.Model):
    """A complaint taken to the Ombudsman or the Human Rights Commissioner."""

    __tablename__ = "external_review"
    id: Mapped[int] = mapped_column(primary_key=True)
    complaint_id: Mapped[int] = mapped_column(ForeignKey("complaint.id"), index=True)
    complaint = relationship("Complaint", back_populates="external_reviews")
    body: Mapped[str] = mapped_column(String(40))
    their_reference: Mapped[str | None] = mapped_column(String(60))
    status: Mapped[str] = mapped_column(String(20), default="open")
    notified_at: Mapped[datetime] = mapped_column(UTCDateTime)
    outcome: Mapped[str | None] = mapped_column(Text)
    closed_at: Mapped[datetime | None] = mapped_column(UTCDateTime)

    __table_args__ = (Index("ix_external_review_notified_at", "notified_at"),)

    def __str__(self):
        ref = self.complaint.reference if self.complaint is not None else "?"
        return f"External review of {ref}"


class ClockPause(db.Model):
    """A span a case waited on the complainant or client: its clocks did not run."""

    __tablename__ = "clock_pause"
    id: Mapped[int] = mapped_column(primary_key=True)
    case_type: Mapped[str] = mapped_column(String(30))
    case_id: Mapped[int] = mapped_column(Integer, index=True)
    status: Mapped[str] = mapped_column(String(30))
    started_at: Mapped[datetime] = mapped_column(UTCDateTime)
    ended_at: Mapped[datetime | None] = mapped_column(UTCDateTime)


class ReferenceCounter(db.Model):
    """The last reference number given per prefix and year: gap-free, one writer at a time."""

    __tablename__ = "reference_counter"
    prefix: Mapped[str] = mapped_column(String(8), primary_key=True)
    year: Mapped[int] = mapped_column(Integer, primary_key=True)
    last_value: Mapped[int] = mapped_column(Integer, default=0)


class HistoryEntry(db.Model):
    """Append-only record of what changed on a record, by whom and when."""

    __tablename__ = "history_entry"
    # A record's history (its case file, the resume step, the conflict message) is read
    # by the record: without this, each read scans the whole table.
    __table_args__ = (Index("ix_history_entry_record", "record_type", "record_id", "at"),)
    id: Mapped[int] = mapped_column(primary_key=True)
    at: Mapped[datetime] = mapped_column(UTCDateTime, default=utcnow, index=True)
    user_id: Mapped[int | None] = mapped_column(ForeignKey("user_account.id"))
    user = relationship("User")
    record_type: Mapped[str] = mapped_column(String(40))
    record_id: Mapped[int] = mapped_column(Integer)
    action: Mapped[str] = mapped_column(String(40))
    summary: Mapped[str] = mapped_column(Text)
    # JSON: {"field": [old, new], ...}
    changes: Mapped[str | None] = mapped_column(Text)


# PostgreSQL refuses to change or remove a history entry, whoever asks (TRUNCATE too, below).
# The replication role fires no triggers (the tests empty every table between tests that
# way); SQLite has no such trigger, and the application never updates or deletes an entry
# but through disposal (services/disposal.py). The migration runs the same statements.
HISTORY_APPEND_ONLY_UP = (
    """
    CREATE OR REPLACE FUNCTION history_entry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        RAISE EXCEPTION USING
            ERRCODE = 'insufficient_privilege',
            MESSAGE = 'The history is append-only: ' || TG_OP || ' on history_entry is refused.';
    END;
    $$
    """,
    """
    CREATE TRIGGER history_entry_append_only
    BEFORE UPDATE OR DELETE ON history_entry
    FOR EACH ROW EXECUTE FUNCTION history_entry_append_only()
    """,
)
HISTORY_APPEND_ONLY_DOWN = (
    "DROP TRIGGER IF EXISTS history_entry_append_only ON history_entry",
    "DROP FUNCTION IF EXISTS history_entry_append_only()",
)
for _statement in HISTORY_APPEND_ONLY_UP:
    event.listen(
        HistoryEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
event.listen(
    HistoryEntry.__table__,
    "after_drop",
    DDL(HISTORY_APPEND_ONLY_DOWN[1]).execute_if(dialect="postgresql"),
)

# Disposal under a retention rule is the one path that may take personal content out of
# the history (docs/records.md): `history_entry_dispose` sets a transaction-local flag the
# trigger checks, and then only blanks an entry's summary and changes, keeping who, when,
# what record and what action. TRUNCATE is refused like UPDATE and DELETE.
HISTORY_DISPOSAL_UP = (
    """
    CREATE OR REPLACE FUNCTION history_entry_append_only() RETURNS trigger
    LANGUAGE plpgsql AS $$
    BEGIN
        IF TG_OP = 'UPDATE'
           AND current_setting('portal.history_disposal', true) = 'on'
           AND NEW.id = OLD.id AND NEW.at = OLD.at
           AND NEW.user_id IS NOT DISTINCT FROM OLD.user_id
           AND NEW.record_type = OLD.record_type AND NEW.record_id = OLD.record_id
           AND NEW.action = OLD.action AND NEW.changes IS NULL THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION USING
            ERRCODE = 'insufficient_privilege',
            MESSAGE = 'The history is append-only: ' || TG_OP || ' on history_entry is refused.';
    END;
    $$
    """,
    """
    CREATE TRIGGER history_entry_no_truncate
    BEFORE TRUNCATE ON history_entry
    FOR EACH STATEMENT EXECUTE FUNCTION history_entry_append_only()
    """,
    """
    CREATE OR REPLACE FUNCTION history_entry_dispose(p_record_type text, p_ids integer[])
    RETURNS integer LANGUAGE plpgsql AS $$
    DECLARE
        blanked integer;
    BEGIN
        PERFORM set_config('portal.history_disposal', 'on', true);
        UPDATE history_entry
           SET changes = NULL,
               summary = 'Content removed on disposal (' || action || ')'
         WHERE record_type = p_record_type AND record_id = ANY(p_ids);
        GET DIAGNOSTICS blanked = ROW_COUNT;
        PERFORM set_config('portal.history_disposal', 'off', true);
        RETURN blanked;
    END;
    $$
    """,
)
HISTORY_DISPOSAL_DOWN = (
    "DROP FUNCTION IF EXISTS history_entry_dispose(text, integer[])",
    "DROP TRIGGER IF EXISTS history_entry_no_truncate ON history_entry",
    # Back to the function HISTORY_APPEND_ONLY_UP made: no exception for disposal.
    HISTORY_APPEND_ONLY_UP[0],
)
for _statement in HISTORY_DISPOSAL_UP:
    event.listen(
        HistoryEntry.__table__, "after_create", DDL(_statement).execute_if(dialect="postgresql")
    )
