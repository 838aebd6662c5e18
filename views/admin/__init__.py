"""The admin screens: one view per record, grouped in the menu the way the team works."""

from flask_admin import Admin
from flask_admin.theme import Bootstrap4Theme

from models import (
    ApiToken,
    Calendar,
    CannedParagraph,
    Category,
    Channel,
    ClassificationLevel,
    ClockPause,
    Complaint,
    ContactRestriction,
    DisposalRecord,
    Division,
    EscalationRule,
    Extension,
    ExternalReview,
    HistoryEntry,
    InboundMessage,
    InternalReview,
    MailTemplate,
    OutboundMessage,
    Outcome,
    Participant,
    PauseStatus,
    ReferenceCounter,
    ReferralTarget,
    Representative,
    RetentionRule,
    SlaTarget,
    Ticket,
    User,
)
from rules import permissions
from services import access

from ..context import current_actor
from . import fragments, mail_warning, publication_reminder
from .audit import ClockPauseView, HistoryEntryView, ReferenceCounterView
from .canned import CannedParagraphView
from .case_page_links import LateReviewRequestsView
from .cases import ComplaintView, ExtensionView, ExternalReviewView, InternalReviewView, TicketView
from .conduct import ContactRestrictionView, RepresentativeView
from .configuration import (
    CalendarView,
    EscalationRuleView,
    LookupView,
    OutcomeView,
    PauseStatusView,
    SlaTargetView,
)
from .correspondence import MailTemplateView, OutboundMessageView
from .help import HelpView
from .home import HomeView
from .inbound import InboundMessageView
from .notifications import NotificationsView
from .people import ClassificationLevelView, DivisionView, ParticipantView, UserView
from .replies import ReplyView
from .reports import build_report_views
from .retention import DisposalRecordView, PastRetentionView, RetentionRuleView
from .saved_views import SavedViewsView
from .saved_views import init_app as init_saved_views
from .tokens import ApiTokenView

REGISTER = "Register"
PEOPLE = "People"
CONFIGURATION = "Configuration"
AUDIT = "Audit"
CORRESPONDENCE = "Correspondence"


def build_views():
    """Fresh view instances: Flask-Admin binds each to one application."""
    return [
        ComplaintView(Complaint, name="Complaints", category=REGISTER),
        TicketView(Ticket, name="Tickets", category=REGISTER),
        InternalReviewView(
            InternalReview, name="Internal reviews", category=REGISTER, endpoint="internal_review"
        ),
        ExternalReviewView(
            ExternalReview, name="External reviews", category=REGISTER, endpoint="external_review"
        ),
        ExtensionView(Extension, name="Extensions", category=REGISTER),
        LateReviewRequestsView(
            name="Late review requests",
            category=REGISTER,
            endpoint="late_review_requests",
            url="/admin/late-review-requests",
        ),
        RepresentativeView(Representative, name="Representatives", category=REGISTER),
        ContactRestrictionView(
            ContactRestriction,
            name="Restrictions of contact",
            category=PEOPLE,
            endpoint="contactrestriction",
        ),
        ParticipantView(Participant, name="Participants", category=PEOPLE),
        UserView(User, name="Users", category=PEOPLE),
        ApiTokenView(ApiToken, name="API tokens", category=PEOPLE, endpoint="api_token"),
        DivisionView(Division, name="Divisions", category=PEOPLE),
        ClassificationLevelView(
            ClassificationLevel,
            name="Classification levels",
            category=PEOPLE,
            endpoint="classification_level",
        ),
        CalendarView(Calendar, name="Calendars", category=CONFIGURATION),
        SlaTargetView(
            SlaTarget, name="SLA targets", category=CONFIGURATION, endpoint="sla_target"
        ),
        PauseStatusView(
            PauseStatus, name="Pause statuses", category=CONFIGURATION, endpoint="pause_status"
        ),
        EscalationRuleView(
            EscalationRule,
            name="Escalation rules",
            category=CONFIGURATION,
            endpoint="escalation_rule",
        ),
        LookupView(Channel, name="Channels", category=CONFIGURATION),
        LookupView(Category, name="Categories", category=CONFIGURATION),
        OutcomeView(Outcome, name="Outcomes", category=CONFIGURATION),
        LookupView(
            ReferralTarget,
            name="Referral targets",
            category=CONFIGURATION,
            endpoint="referral_target",
        ),
        RetentionRuleView(
            RetentionRule,
            name="Retention rules",
            category=CONFIGURATION,
            endpoint="retention_rule",
        ),
        HistoryEntryView(HistoryEntry, name="History", category=AUDIT, endpoint="history"),
        ClockPauseView(ClockPause, name="Clock pauses", category=AUDIT, endpoint="clock_pause"),
        ReferenceCounterView(
            ReferenceCounter,
            name="Reference numbers",
            category=AUDIT,
            endpoint="reference_counter",
        ),
        PastRetentionView(
            name="Past retention",
            category=AUDIT,
            endpoint="past_retention",
            url="/admin/retention",
        ),
        DisposalRecordView(
            DisposalRecord, name="Disposals", category=AUDIT, endpoint="disposal_record"
        ),
        *build_report_views(),
        OutboundMessageView(OutboundMessage, name="Outbox", category=CORRESPONDENCE),
        InboundMessageView(InboundMessage, name="Mail received", category=CORRESPONDENCE),
        MailTemplateView(MailTemplate, name="Letter templates", category=CORRESPONDENCE),
        CannedParagraphView(
            CannedParagraph, name="Canned paragraphs", category=CORRESPONDENCE, endpoint="canned"
        ),
        ReplyView(name="Reply", endpoint="replies"),
        NotificationsView(name="Notifications", endpoint="notifications"),
        SavedViewsView(name="Saved views", endpoint="saved_views", url="/admin/saved-views"),
        HelpView(name="Help", endpoint="help"),
    ]


def may_read_restrictions() -> bool:
    """Whether the signed-in officer may open the register of restrictions of contact."""
    return permissions.allowed(
        access.capacity_codes(current_actor()), "contactrestriction", "view"
    )


def init_app(app):
    # The banner of a restricted person's case links the register for those who may read it.
    app.add_template_global(may_read_restrictions, "may_read_restrictions")
    fragments.init_app(app)
    admin = Admin(
        app,
        name="Complaints portal",
        theme=Bootstrap4Theme(
            swatch="default", fluid=True, base_template="admin/portal_base.html"
        ),
        index_view=HomeView(name="Home", url="/admin"),
    )
    for view in build_views():
        admin.add_view(view)
    init_saved_views(app)
    mail_warning.init_app(app)
    publication_reminder.init_app(app)
    return admin
