"""SQLAlchemy models: tables, columns, relationships and constraints only."""

from .api import ApiToken, IdempotencyKey
from .attachments import Attachment
from .base import UTCDateTime, changes_of, db, pending_related, utcnow
from .calendars import (
    Calendar,
    Closure,
    ConfigurationStamp,
    OpeningWindow,
    PauseStatus,
    SlaTarget,
    WorkedHoliday,
)
from .case_links import CaseLink, CaseLinkRequest, LateReviewRequest
from .cases import (
    ClockPause,
    Complaint,
    Extension,
    ExtensionRequest,
    ExternalReview,
    HistoryEntry,
    InternalReview,
    ReferenceCounter,
    Ticket,
)
from .conduct import ContactRestriction, Representative, RestrictedContact
from .correspondence import (
    CannedParagraph,
    ClientReportDelivery,
    MailTemplate,
    OutboundFile,
    OutboundMessage,
    outbound_attachment,
)
from .jobs import ScheduledJob
from .lookups import Category, Channel, Outcome, ReferralTarget
from .mail import InboundMessage
from .notes import CaseNote
from .notifications import EscalationRule, Notification, NotificationPreference
from .org import Capacity, ClassificationLevel, Division, Participant, RecoveryCode, User
from .records import DisposalRecord, Improvement, RetentionRule, complaint_issue
from .saved_views import SavedView
from .surveys import SurveyInvitation, SurveyResponse

__all__ = [
    "ConfigurationStamp",
    "RecoveryCode",
    "ScheduledJob",
    "Attachment",
    "CannedParagraph",
    "ClientReportDelivery",
    "OutboundFile",
    "InboundMessage",
    "outbound_attachment",
    "ApiToken",
    "IdempotencyKey",
    "Calendar",
    "Capacity",
    "CaseLink",
    "CaseLinkRequest",
    "CaseNote",
    "Category",
    "Channel",
    "ClassificationLevel",
    "ClockPause",
    "Closure",
    "Complaint",
    "DisposalRecord",
    "ContactRestriction",
    "Division",
    "EscalationRule",
    "Extension",
    "ExtensionRequest",
    "ExternalReview",
    "HistoryEntry",
    "Improvement",
    "InternalReview",
    "LateReviewRequest",
    "MailTemplate",
    "Notification",
    "NotificationPreference",
    "OpeningWindow",
    "Outcome",
    "OutboundMessage",
    "Participant",
    "PauseStatus",
    "ReferenceCounter",
    "ReferralTarget",
    "RetentionRule",
    "Representative",
    "RestrictedContact",
    "SavedView",
    "SlaTarget",
    "SurveyInvitation",
    "SurveyResponse",
    "Ticket",
    "UTCDateTime",
    "User",
    "WorkedHoliday",
    "complaint_issue",
    "db",
    "utcnow",
    "changes_of",
    "pending_related",
]

from . import search_index  # noqa: E402,F401  (the search indexes' DDL, once the tables exist)
