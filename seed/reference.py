"""Reference data every installation needs: loaded idempotently by `flask seed`.

Rows are matched on their code or key; a row that exists is left as administrators
have changed it, so running the seed again never undoes their configuration.
"""

from datetime import time

from models import (
    Calendar,
    Capacity,
    Category,
    Channel,
    ClassificationLevel,
    EscalationRule,
    MailTemplate,
    OpeningWindow,
    Outcome,
    PauseStatus,
    ReferralTarget,
    RetentionRule,
    SlaTarget,
    db,
)
from rules.correspondence import DEFAULT_TEMPLATES, TEMPLATE_NAMES
from rules.notifications import DUE_KIND_NAMES
from rules.retention import DEFAULT_RULES
from rules.vocabulary import CAPACITIES, SLA_KEYS

CALENDARS = [
    # code, name, time zone, opens, closes, holidays country, subdivision
    (
        "AU-QLD",
        "Queensland business days",
        "Australia/Brisbane",
        time(8, 30),
        time(17),
        "AU",
        "QLD",
    ),
    (
        "AU-VIC",
        "Victorian help desk hours",
        "Australia/Melbourne",
        time(8, 30),
        time(17, 30),
        "AU",
        "VIC",
    ),
]

# key: (amount, unit, calendar code or None for the case's own, service level %)
SLA_TARGETS = {
    "complaint.registration.complaint": (2, "business-days", None, None),
    "complaint.registration.compliment": (5, "business-days", None, None),
    "complaint.registration.suggestion": (5, "business-days", None, None),
    "complaint.acknowledgement": (5, "business-days", None, None),
    "complaint.resolution.informal": (5, "business-days", None, None),
    "complaint.resolution.standard": (20, "business-days", None, None),
    "complaint.resolution.complex": (20, "business-days", None, None),
    "complaint.review_request_window": (20, "business-days", None, None),
    "complaint.human_rights_commissioner": (45, "business-days", None, None),
    "internal_review.resolution": (20, "business-days", None, None),
    "ticket.first_response.1": (30, "business-minutes", None, None),
    "ticket.resolution.1": (6, "business-hours", None, 98),
    "ticket.first_response.2": (2, "business-hours", None, None),
    "ticket.resolution.2": (72, "business-hours", None, 95),
    "ticket.first_response.3a": (24, "business-hours", None, None),
    "ticket.resolution.3a": (30, "calendar-days", None, 95),
    "ticket.first_response.3b": (24, "business-hours", None, None),
    "ticket.resolution.3b": (3, "business-days", None, None),
}

LEVELS = [
    ("AO2", "Administrative Officer 2", 2),
    ("AO3", "Administrative Officer 3", 3),
    ("AO4", "Administrative Officer 4", 4),
    ("AO5", "Administrative Officer 5", 5),
    ("AO6", "Administrative Officer 6", 6),
    ("AO7", "Administrative Officer 7", 7),
    ("AO8", "Administrative Officer 8", 8),
    ("SES1", "Senior Executive Service 1", 9),
    ("SES2", "Senior Executive Service 2", 10),
]

CHANNELS = [
    ("online_form", "Online form"),
    ("email", "Email"),
    ("telephone", "Telephone"),
    ("letter", "Letter"),
    ("in_person", "In person"),
    ("smart_service", "Smart Service call centre"),
    ("ombudsman_referral", "Ombudsman referral"),
    ("ministerial", "Minister or Director-General office"),
]

CATEGORIES = [
    ("service_quality", "Quality of service"),
    ("staff_conduct", "Staff conduct or behaviour"),
    ("timeliness", "Delay or timeliness"),
    ("decision", "A decision made"),
    ("policy", "Policy or procedure"),
    ("information", "Information or communication"),
    ("access", "Access and accessibility"),
    ("fees", "Fees and charges"),
    ("privacy", "Privacy and records handling"),
    ("facilities", "Facilities and premises"),
]

OUTCOMES = [
    ("upheld", "Upheld", False),
    ("partly_upheld", "Partly upheld", False),
    ("not_upheld", "Not upheld", False),
    ("resolved", "Resolved", False),
    ("withdrawn", "Withdrawn", True),
    ("declined", "Declined to investigate", True),
]

REFERRAL_TARGETS = [
    ("privacy_breach", "Privacy breach"),
    ("employee_misconduct", "Employee misconduct"),
    ("corrupt_conduct", "Corrupt conduct or public interest disclosure"),
    ("employee_complaint", "Employee complaint"),
    ("statutory_review", "Statutory review right"),
    ("other_department", "Another department"),
]

PAUSE_STATUSES = [
    ("complaint", "awaiting_complainant"),
    ("ticket", "waiting_on_client"),
    ("internal_review", "awaiting_complainant"),
]


# Escalation rules a new portal starts with (administrators change them under
# Configuration -> Escalation rules): each kind of due date, once passed, is told to the
# coordinator of the case's division (tickets: the desk leads).
ESCALATION_RULES = [
    (f"Overdue: {label.lower()}", code, "passed", 0, "supervisor")
    for code, label in DUE_KIND_NAMES.items()
]


def _get_or_add(model, match: dict, **values):
    row = db.session.execute(db.select(model).filter_by(**match)).scalar_one_or_none()
    if row is None:
        row = model(**match, **values)
        db.session.add(row)
    return row


def load() -> None:
    """Load the reference data; safe to run again."""
    for code, name in CAPACITIES.items():
        _get_or_add(Capacity, {"code": code}, name=name)
    for code, name, rank in LEVELS:
        _get_or_add(ClassificationLevel, {"code": code}, name=name, rank=rank)
    for lookups, model in ((CHANNELS, Channel), (CATEGORIES, Category)):
        for order, (code, name) in enumerate(lookups):
            _get_or_add(model, {"code": code}, name=name, sort_order=order)
    for order, (code, name, requires_reason) in enumerate(OUTCOMES):
        _get_or_add(
            Outcome, {"code": code}, name=name, sort_order=order, requires_reason=requires_reason
        )
    for order, (code, name) in enumerate(REFERRAL_TARGETS):
        _get_or_add(ReferralTarget, {"code": code}, name=name, sort_order=order)
    for case_type, status in PAUSE_STATUSES:
        _get_or_add(PauseStatus, {"case_type": case_type, "status": status})
    calendars = {}
    for code, name, tz, opens, closes, country, subdivision in CALENDARS:
        calendar = db.session.execute(
            db.select(Calendar).filter_by(code=code)
        ).scalar_one_or_none()
        if calendar is None:
            calendar = Calendar(
                code=code,
                name=name,
                timezone=tz,
                holiday_country=country,
                holiday_subdivision=subdivision,
                windows=[
                    OpeningWindow(weekday=day, opens_at=opens, closes_at=closes)
                    for day in range(5)
                ],
            )
            db.session.add(calendar)
        calendars[code] = calendar
    for key, (amount, unit, calendar_code, service_level) in SLA_TARGETS.items():
        _get_or_add(
            SlaTarget,
            {"key": key},
            name=SLA_KEYS[key],
            amount=amount,
            unit=unit,
            calendar=calendars[calendar_code] if calendar_code else None,
            service_level_percent=service_level,
            active=True,
        )
    # Only into an empty table: a rule an administrator changed or switched off stays so.
    if db.session.execute(db.select(EscalationRule.id).limit(1)).first() is None:
        for name, due_kind, moment, hours, audience in ESCALATION_RULES:
            db.session.add(
                EscalationRule(
                    name=name,
                    due_kind=due_kind,
                    moment=moment,
                    business_hours=hours,
                    audience=audience,
                    outside_hours=False,
                    active=True,
                )
            )
    for kind, (years, record_class, authority) in DEFAULT_RULES.items():
        _get_or_add(
            RetentionRule,
            {"case_kind": kind},
            years=years,
            record_class=record_class,
            authority=authority,
        )
    for key, (subject, body) in DEFAULT_TEMPLATES.items():
        _get_or_add(
            MailTemplate, {"key": key}, name=TEMPLATE_NAMES[key], subject=subject, body=body
        )
    db.session.commit()
