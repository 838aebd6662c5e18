"""Letters to complainants and reminders to officers: the templates, their variables, the
words dates are written in, and who may receive a case's correspondence.

Templates are Jinja text rendered in a sandbox (`jinja2.sandbox.SandboxedEnvironment`)
over plain strings only: a template cannot reach the database, the application or any
object's internals. Each template knows a documented set of variables; one that names
another, or that fails to render, is refused with a message saying which and why.

Pure Python: no Flask, no database.
"""

from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from jinja2 import StrictUndefined, TemplateError, meta
from jinja2.exceptions import SecurityError
from jinja2.sandbox import SandboxedEnvironment

# Template keys, in the order the screens list them.
REGISTERED = "complaint_registered"
ACKNOWLEDGED = "complaint_acknowledged"
OUTCOME = "complaint_outcome"
REVIEW_REQUESTED = "review_requested"
REVIEW_OUTCOME = "review_outcome"
TICKET_ACKNOWLEDGED = "ticket_acknowledged"
TICKET_RESPONSE = "ticket_response"
TICKET_RESOLUTION = "ticket_resolution"
STAFF_REPLY = "staff_reply"
# A fresh personal link to a case's own page, asked for on the lost-link form.
CASE_LINK = "case_link"
SURVEY_INVITATION = "survey_invitation"
# Letters written about a ticket, and those about any case.
TICKET_LETTERS = frozenset({TICKET_ACKNOWLEDGED, TICKET_RESPONSE, TICKET_RESOLUTION})
ANY_CASE_LETTERS = frozenset({STAFF_REPLY, CASE_LINK, SURVEY_INVITATION})
DUE_REMINDER = "due_reminder"
DUE_PASSED = "due_passed"
REPLY_RECEIVED = "reply_received"
NOTIFICATION = "notification"
# Unreasonable complainant conduct (rules/conduct.py): the letter telling the person of a
# restriction, the contact officer's warning, and the reminder that a review is due.
RESTRICTION_NOTICE = "restriction_notice"
RESTRICTED_CONTACT = "restricted_contact"
RESTRICTION_REVIEW = "restriction_review"
# Letters that may mention a restriction: no other letter to the person ever does.
RESTRICTION_LETTERS = frozenset({RESTRICTION_NOTICE, RESTRICTED_CONTACT, RESTRICTION_REVIEW})
# A client organisation's monthly service report: written from its own page, about no case.
CLIENT_REPORT = "client_report"

TEMPLATE_NAMES = {
    REGISTERED: "Registration email to the complainant",
    ACKNOWLEDGED: "Acknowledgement email to the complainant",
    OUTCOME: "Outcome letter to the complainant",
    REVIEW_REQUESTED: "Internal review request registered: email to the complainant",
    REVIEW_OUTCOME: "Internal review outcome letter to the complainant",
    TICKET_ACKNOWLEDGED: "New ticket acknowledged: email to the client",
    TICKET_RESPONSE: "Response to the client on a ticket",
    TICKET_RESOLUTION: "Resolution of a ticket: email to the client",
    STAFF_REPLY: "Reply written by staff on a case",
    CASE_LINK: "A fresh link to the case's own page, asked for by the complainant or client",
    SURVEY_INVITATION: "How it went: the satisfaction survey invitation",
    DUE_REMINDER: "Reminder to the officer: a step is due soon",
    DUE_PASSED: "Reminder to the officer: a due date has passed",
    REPLY_RECEIVED: "To the officer: a reply arrived by email on their case",
    NOTIFICATION: "To staff: a notification from the portal, by email",
    RESTRICTION_NOTICE: "Restriction of contact: letter to the person",
    RESTRICTED_CONTACT: "To the contact officer: contact through a restricted channel",
    RESTRICTION_REVIEW: "Reminder: a restriction of contact is due for review",
}
# The letter in a history entry: "Registration email sent to the complainant".
TEMPLATE_NOUNS = {
    REGISTERED: "Registration email",
    ACKNOWLEDGED: "Acknowledgement email",
    OUTCOME: "Outcome letter",
    REVIEW_REQUESTED: "Review registration email",
    REVIEW_OUTCOME: "Review outcome letter",
    TICKET_ACKNOWLEDGED: "Ticket acknowledgement",
    TICKET_RESPONSE: "Ticket response",
    TICKET_RESOLUTION: "Ticket resolution",
    STAFF_REPLY: "Reply",
    CASE_LINK: "Case page link",
    SURVEY_INVITATION: "Survey invitation",
    DUE_REMINDER: "Due-date reminder",
    DUE_PASSED: "Overdue reminder",
    REPLY_RECEIVED: "Reply-received notice",
    NOTIFICATION: "Notification email",
    RESTRICTION_NOTICE: "Restriction letter",
    RESTRICTED_CONTACT: "Restricted-contact warning",
    RESTRICTION_REVIEW: "Restriction review reminder",
    CLIENT_REPORT: "Client service report",
}

# Outbox statuses.
QUEUED = "queued"
SENDING = "sending"
SENT = "sent"
FAILED = "failed"
NO_ADDRESS = "no_address"
WITHHELD = "withheld"
STATUSES = {
    QUEUED: "Queued",
    SENDING: "Sending",
    SENT: "Sent",
    FAILED: "Failed",
    # A letter printed and posted instead; shown "Sent by post" once it is marked posted.
    NO_ADDRESS: "To post: no email address",
    WITHHELD: "Withheld: recipient may not receive it",
}

# Who a message is written to, in the team's words.
COMPLAINANT = "complainant"
ROLES = {
    COMPLAINANT: "complainant",
    "complaint_manager": "complaint manager",
    "decision_maker": "decision maker",
    "internal_reviewer": "internal reviewer",
    "coordinator": "coordinator",
    "support_agent": "support agent",
    # Staff told by a notification who hold no part in the case (mentioned, on duty, a
    # desk lead): never of a confidential complaint's.
    "staff": "officer",
    "client_contact": "client contact",
    "client": "client organisation",
    "representative": "representative",
    "contact_officer": "contact officer",
    "restriction_decider": "officer who decided the restriction",
    "client_report_contact": "client report contact",
}
# Those the case is about, who write back: the rest (officers) get reminders, sent as
# automatic mail.
CORRESPONDENTS = frozenset({COMPLAINANT, "client_contact", "client", "representative"})
# A confidential complaint's correspondence goes to these and nobody else (docs/domain.md,
# "Confidentiality": "personal details are not to be used"): the complainant and the
# officers assigned to it.
CONFIDENTIAL_RECIPIENTS = frozenset(
    {
        COMPLAINANT,
        "complaint_manager",
        "decision_maker",
        "internal_reviewer",
        # The complainant's own representative, and the officers a restriction names.
        "representative",
        "contact_officer",
        "restriction_decider",
    }
)


def written_about(key: str, is_ticket: bool) -> str | None:
    """Why a letter cannot be previewed on this kind of case, or None if it can."""
    if key in ANY_CASE_LETTERS or key in (DUE_REMINDER, DUE_PASSED, NOTIFICATION):
        return None
    if key in TICKET_LETTERS:
        return None if is_ticket else f"{TEMPLATE_NAMES[key]} is written about tickets only."
    return f"{TEMPLATE_NAMES[key]} is written about complaints only." if is_ticket else None


def may_receive(*, confidential: bool, role: str) -> bool:
    """Whether someone in this role on a case may receive its correspondence."""
    if role not in ROLES:
        return False
    return not confidential or role in CONFIDENTIAL_RECIPIENTS


# --- the variables ----------------------------------------------------------------------

COMMON_VARIABLES = {
    "reference": "The case's reference number, e.g. CTS-2026-000123",
    "kind": "complaint, compliment, suggestion, ticket or internal review",
    "summary": "The case's summary, as registered",
    "received_on": "The day it was received, in words (Monday 2 March 2026)",
    "division": "The division handling it",
    "sender_name": "Who the letters are signed by (MAIL_SENDER_NAME)",
}
LETTER_VARIABLES = {
    "complainant_name": 'The complainant\'s name ("Sir or Madam" when none is recorded)',
    "manager_name": "The complaint manager's name (empty until one is assigned)",
    "decision_maker_name": "The decision maker's name (empty until one is assigned)",
    "registration_due": (
        "When a coordinator will enter it in the register by, in words (empty once registered)"
    ),
    "acknowledgement_due": "When the complaint will be acknowledged by, in words",
    "resolution_due": "When a response is due, in words",
}
OUTCOME_VARIABLES = {
    "outcome": "The outcome: Upheld, Partly upheld, Not upheld, Resolved, ...",
    "outcome_reason": "The reasons recorded with the outcome",
    "finalised_on": "The day the response was given, in words",
    "review_request_due": "The day an internal review may be asked for until, in words",
    "human_rights": "Whether the complaint has a human-rights aspect (true or false)",
    "human_rights_commissioner_from": (
        "When the complaint may go to the Human Rights Commissioner, in words"
    ),
}
REVIEW_VARIABLES = {
    "requested_on": "The day the internal review was asked for, in words",
    "review_due": "When the internal review is due to be resolved, in words",
}
REVIEW_OUTCOME_VARIABLES = {
    "review_outcome": "The review's result: Original decision confirmed, Decision changed, ...",
    "review_findings": "The reviewer's findings",
    "reviewed_on": "The day the review was completed, in words",
    "referred_back": "Whether the complaint went back for a fresh decision (true or false)",
}
REMINDER_VARIABLES = {
    "officer_name": "The officer the reminder is for",
    "officer_role": "Their part in the case: complaint manager, support agent, ...",
    "due_label": "The step that is due: Complainant acknowledged, Resolution, ...",
    "due_at": "When it is due, in words, in the case calendar's local time",
    "time_left": "Business time left until it is due (reminders before the due instant)",
    "portal_link": "The case's page in the portal (PORTAL_URL)",
}
TICKET_VARIABLES = {
    "client_name": "The client contact's name, else the client organisation's",
    "organisation_name": "The client organisation",
    "severity": "The ticket's severity, e.g. 2",
    "first_response_due": "When we will first respond by, in words (empty once responded)",
    "resolution_due": "When the ticket is due to be resolved by, in words",
    "agent_name": "The support agent handling it (empty until one is assigned)",
}
STEP_CONTENT_VARIABLES = {
    "content": "What the officer wrote to the client, as written",
}
REPLY_VARIABLES = {
    "recipient_name": 'Whom the reply is to ("Sir or Madam" when no name is recorded)',
    "reply_subject": "The subject the officer wrote (always carrying the reference)",
    "reply_body": "The reply the officer wrote, as written",
    "author_name": "The officer who wrote it",
}
CASE_LINK_VARIABLES = {
    "recipient_name": 'Whom the link is for ("Sir or Madam" when no name is recorded)',
    "case_link": "The personal link to the case's page (made when the email is sent)",
}
REPLY_RECEIVED_VARIABLES = {
    "officer_name": "The officer told of the reply",
    "officer_role": "Their part in the case: complaint manager, support agent, ...",
    "message_subject": "The subject of the email received",
    "received_at": "When it arrived, in words, in the case calendar's local time",
    "clock_resumed": "Whether the reply resumed the case's paused clock (true or false)",
    "portal_link": "The case's page in the portal (PORTAL_URL)",
}
NOTIFICATION_VARIABLES = {
    "officer_name": "The person told",
    "notification": "What they are told, in one line: Assigned to you: CTS-..., ...",
    "portal_link": "The case's page in the portal (PORTAL_URL)",
}
SURVEY_VARIABLES = {
    "recipient_name": 'Whom it is to ("Sir or Madam" when no name is recorded)',
    "survey_link": (
        "The survey's own link (PORTAL_URL), made when the email is sent; shown as a "
        "placeholder in the outbox"
    ),
    "survey_valid_days": "How many days the link works (SURVEY_VALID_DAYS)",
}
RESTRICTION_VARIABLES = {
    "conduct": "The conduct the restriction answers, as recorded",
    "contact_officer_name": "The one officer the person may contact",
    "restricted_channels": "The channels restricted, in words (telephone and email)",
    "subject_matter": "What the person may contact us about (empty: anything)",
    "contact_times": "When the person may contact us (empty: any time)",
    "permitted_contact": "How the person may contact us while it lasts",
    "effective_from": "The day the restriction starts, in words",
    "restriction_review_due": "The day the restriction will be reviewed by, in words",
    "ends_on": "The day it ends, in words (empty: until reviewed or lifted)",
    "decided_by_name": "The senior officer who decided it",
}
RESTRICTED_CONTACT_VARIABLES = {
    "officer_name": "The contact officer",
    "officer_role": "contact officer",
    "channel_used": "The restricted channel the contact came through, in words",
    "received_at": "When it arrived, in words",
    "restricted_channels": "The channels restricted, in words",
    "portal_link": "The case's page in the portal (PORTAL_URL)",
}
RESTRICTION_REVIEW_VARIABLES = {
    "officer_name": "The officer reminded",
    "officer_role": "Their part: contact officer, or the officer who decided it",
    "restriction_review_due": "The day the restriction is to be reviewed by, in words",
    "restricted_channels": "The channels restricted, in words",
    "contact_officer_name": "The contact officer",
    "restriction_link": "The restriction's page in the portal (PORTAL_URL)",
}
VARIABLES = {
    REGISTERED: {**COMMON_VARIABLES, **LETTER_VARIABLES},
    ACKNOWLEDGED: {**COMMON_VARIABLES, **LETTER_VARIABLES},
    OUTCOME: {**COMMON_VARIABLES, **LETTER_VARIABLES, **OUTCOME_VARIABLES},
    REVIEW_REQUESTED: {**COMMON_VARIABLES, **LETTER_VARIABLES, **REVIEW_VARIABLES},
    REVIEW_OUTCOME: {
        **COMMON_VARIABLES,
        **LETTER_VARIABLES,
        **OUTCOME_VARIABLES,
        **REVIEW_VARIABLES,
        **REVIEW_OUTCOME_VARIABLES,
    },
    TICKET_ACKNOWLEDGED: {**COMMON_VARIABLES, **TICKET_VARIABLES},
    TICKET_RESPONSE: {**COMMON_VARIABLES, **TICKET_VARIABLES, **STEP_CONTENT_VARIABLES},
    TICKET_RESOLUTION: {**COMMON_VARIABLES, **TICKET_VARIABLES, **STEP_CONTENT_VARIABLES},
    STAFF_REPLY: {**COMMON_VARIABLES, **REPLY_VARIABLES},
    CASE_LINK: {**COMMON_VARIABLES, **CASE_LINK_VARIABLES},
    DUE_REMINDER: {**COMMON_VARIABLES, **REMINDER_VARIABLES},
    DUE_PASSED: {**COMMON_VARIABLES, **REMINDER_VARIABLES},
    REPLY_RECEIVED: {**COMMON_VARIABLES, **REPLY_RECEIVED_VARIABLES},
    NOTIFICATION: {**COMMON_VARIABLES, **NOTIFICATION_VARIABLES},
    SURVEY_INVITATION: {**COMMON_VARIABLES, **SURVEY_VARIABLES},
    RESTRICTION_NOTICE: {
        **COMMON_VARIABLES,
        "complainant_name": LETTER_VARIABLES["complainant_name"],
        **RESTRICTION_VARIABLES,
    },
    RESTRICTED_CONTACT: {**COMMON_VARIABLES, **RESTRICTED_CONTACT_VARIABLES},
    RESTRICTION_REVIEW: {**COMMON_VARIABLES, **RESTRICTION_REVIEW_VARIABLES},
}

# What a preview shows when no case is chosen.
SAMPLE = {
    "reference": "CTS-2026-000123",
    "kind": "complaint",
    "summary": "Counter staff were rude",
    "received_on": "Monday 2 March 2026",
    "division": "Customer Services",
    "sender_name": "Customer Complaints",
    "complainant_name": "Sam Citizen",
    "manager_name": "Alex Lee",
    "decision_maker_name": "Jordan Smith",
    "registration_due": "5:00 pm on Wednesday 4 March 2026 (Brisbane time)",
    "acknowledgement_due": "5:00 pm on Wednesday 11 March 2026 (Brisbane time)",
    "resolution_due": "5:00 pm on Monday 30 March 2026 (Brisbane time)",
    "outcome": "Partly upheld",
    "outcome_reason": "The officer's manner fell short of our standards; the fee was correct.",
    "finalised_on": "Friday 27 March 2026",
    "review_request_due": "Monday 27 April 2026",
    "human_rights": True,
    "human_rights_commissioner_from": "Friday 8 May 2026",
    "requested_on": "Tuesday 14 April 2026",
    "review_due": "5:00 pm on Wednesday 13 May 2026 (Brisbane time)",
    "review_outcome": "Original decision confirmed",
    "review_findings": "The complaint was handled fairly and the outcome was open to us.",
    "reviewed_on": "Monday 11 May 2026",
    "referred_back": False,
    "officer_name": "Alex Lee",
    "officer_role": "complaint manager",
    "due_label": "Complainant acknowledged",
    "due_at": "5:00 pm on Monday 9 March 2026 (Brisbane time)",
    "time_left": "6 business hours",
    "portal_link": "https://complaints.example.gov.au/admin/complaint/details/?id=123",
    "message_subject": "Re: We are looking into your complaint CTS-2026-000123",
    "received_at": "10:15 am on Tuesday 10 March 2026 (Brisbane time)",
    "clock_resumed": True,
    "notification": "Assigned to you as complaint manager: CTS-2026-000123",
    "client_name": "Pat Morgan (Acme Training)",
    "organisation_name": "Acme Training",
    "severity": "2",
    "first_response_due": "11:00 am on Monday 2 March 2026 (Brisbane time)",
    "agent_name": "Chris Tan",
    "content": "We have restarted the reporting service; reports run normally again.",
    "recipient_name": "Sam Citizen",
    "reply_subject": "Your complaint CTS-2026-000123",
    "reply_body": "Thank you for the photographs you sent. We will call you on Friday.",
    "author_name": "Alex Lee",
    "case_link": "https://complaints.example.gov.au/case/Xq3…",
    "survey_link": "https://complaints.example.gov.au/survey/3q5oXv0c8mQ1mU2bS4n6Jw",
    "survey_valid_days": 30,
    "conduct": "Repeated abusive telephone calls to counter staff.",
    "contact_officer_name": "Jordan Smith",
    "restricted_channels": "telephone and in person",
    "subject_matter": "Your complaint about the fee charged",
    "contact_times": "Tuesdays, 10 am to 12 noon",
    "permitted_contact": "In writing, by email or post, to Jordan Smith",
    "effective_from": "Monday 6 April 2026",
    "restriction_review_due": "Monday 6 July 2026",
    "ends_on": "",
    "decided_by_name": "Pat Morgan",
    "channel_used": "telephone",
    "restriction_link": "https://complaints.example.gov.au/admin/contactrestriction/details/?id=7",
}

# --- the wording shipped with the portal ------------------------------------------------

DEFAULT_TEMPLATES = {
    REGISTERED: (
        "We have {% if registration_due %}received{% else %}registered{% endif %} your "
        "{{ kind }}: {{ reference }}",
        """Dear {{ complainant_name }},

Thank you for contacting us. We received your {{ kind }} on {{ received_on }} and \
{% if registration_due %}gave it{% else %}have registered it with{% endif %} the reference \
number {{ reference }}. Please quote this number whenever you contact us about it.
{% if registration_due %}
A complaints coordinator in {{ division }} will enter it in our register by \
{{ registration_due }}.
{% endif %}{% if kind == "complaint" %}
The officer handling your complaint will acknowledge it \
{%- if acknowledgement_due %} by {{ acknowledgement_due }}\
{%- else %} within 5 working days of its registration{% endif %}, and tell you how we \
will look into it.
{% if registration_due and resolution_due %}
We aim to give you our response by {{ resolution_due }}. If your complaint needs longer, \
we will tell you why and when to expect it.
{% endif %}{% else %}
We pass your {{ kind }} on to the area it is about, and may contact you if we have a \
question.
{% endif %}
Yours sincerely,
{{ sender_name }}
""",
    ),
    ACKNOWLEDGED: (
        "We are looking into your complaint {{ reference }}",
        """Dear {{ complainant_name }},

We acknowledge your {{ kind }} {{ reference }} ({{ summary }}), received on \
{{ received_on }}.
{% if manager_name %}
{{ manager_name }} is handling it and will contact you if we need more information.
{% endif %}{% if resolution_due %}
We aim to give you our response by {{ resolution_due }}. If we \
need longer, we will tell you why and when to expect it.
{% endif %}
Yours sincerely,
{{ sender_name }}
""",
    ),
    OUTCOME: (
        "The outcome of your complaint {{ reference }}",
        """Dear {{ complainant_name }},

We have finished looking into your complaint {{ reference }} ({{ summary }}), received \
on {{ received_on }}.

Outcome: {{ outcome }}
{% if outcome_reason %}
Our reasons: {{ outcome_reason }}
{% endif %}
If you are not satisfied with this response, you may:

- ask us for an internal review. An officer of equal or higher level than the one who \
decided your complaint, who was not involved in it, will review how we handled your \
complaint and its outcome. Please ask within 20 business days of receiving this \
response, that is by {{ review_request_due }}, quoting {{ reference }}.
{%- if human_rights %}
- because your complaint involves your human rights, complain instead to the Queensland \
Human Rights Commissioner if you consider our response inadequate\
{%- if human_rights_commissioner_from %} (from {{ human_rights_commissioner_from }})\
{%- endif %}.
{%- endif %}
- once our internal review is complete, if you remain dissatisfied, ask the Queensland \
Ombudsman for an external review (telephone 07 3005 7000, toll free outside Brisbane \
1800 068 908, email ombudsman@ombudsman.qld.gov.au).

Yours sincerely,
{{ decision_maker_name or sender_name }}
""",
    ),
    REVIEW_REQUESTED: (
        "We have registered your request for an internal review: {{ reference }}",
        """Dear {{ complainant_name }},

We received your request on {{ requested_on }} for an internal review of your complaint \
{{ reference }} ({{ summary }}). An officer of equal or higher level than the one who \
decided your complaint, who was not involved in it, will review how we handled it and \
its outcome.
{% if review_due %}
We aim to tell you the result of the review by {{ review_due }}.
{% endif %}
Please quote {{ reference }} whenever you contact us about it.

Yours sincerely,
{{ sender_name }}
""",
    ),
    REVIEW_OUTCOME: (
        "The result of the internal review of your complaint {{ reference }}",
        """Dear {{ complainant_name }},

We have completed the internal review of your complaint {{ reference }} ({{ summary }}) \
that you asked for on {{ requested_on }}.

Result of the review: {{ review_outcome }}
{% if review_findings %}
Findings: {{ review_findings }}
{% endif %}{% if referred_back %}
Your complaint goes back to a decision maker for a fresh decision. We will write to you \
with that decision and the options open to you then.
{% else %}{% if outcome %}
The outcome of your complaint is: {{ outcome }}
{%- if outcome_reason %}
Our reasons: {{ outcome_reason }}
{%- endif %}
{% endif %}
This completes our internal complaints process. If you remain dissatisfied, you may ask \
for an external review:

- by the Queensland Ombudsman (telephone 07 3005 7000, toll free outside Brisbane \
1800 068 908, email ombudsman@ombudsman.qld.gov.au);
{%- if human_rights %}
- because your complaint involves your human rights, by the Queensland Human Rights \
Commission (telephone 1300 130 670, www.qhrc.qld.gov.au).
{%- endif %}
{% endif %}
Yours sincerely,
{{ sender_name }}
""",
    ),
    TICKET_ACKNOWLEDGED: (
        "We have logged your ticket {{ reference }}: {{ summary }}",
        """Dear {{ client_name }},

Thank you for contacting the service desk. We logged your request "{{ summary }}" on \
{{ received_on }} as ticket {{ reference }}, severity {{ severity }}. Please quote this \
number whenever you contact us about it.
{% if first_response_due %}
An officer will respond to you by {{ first_response_due }}.
{%- endif %}{% if resolution_due %}
We aim to resolve it by {{ resolution_due }}.
{%- endif %}

Regards,
{{ sender_name }}
""",
    ),
    TICKET_RESPONSE: (
        "Your ticket {{ reference }}: {{ summary }}",
        """Dear {{ client_name }},

{{ content }}

{% if agent_name %}{{ agent_name }}
{% endif %}{{ sender_name }}
Ticket {{ reference }}: please quote it whenever you contact us about it.
""",
    ),
    TICKET_RESOLUTION: (
        "Your ticket {{ reference }} is resolved: {{ summary }}",
        """Dear {{ client_name }},

We have resolved your ticket {{ reference }} ({{ summary }}).

{{ content }}

If the problem is not fixed, reply to this email and we will reopen the ticket.

{% if agent_name %}{{ agent_name }}
{% endif %}{{ sender_name }}
""",
    ),
    SURVEY_INVITATION: (
        "How did we go with your {{ kind }} {{ reference }}?",
        """Dear {{ recipient_name }},

Your {{ kind }} {{ reference }} ({{ summary }}) is now finished with. We would like to \
know how it went for you: four short questions, on one page, that take a minute.

{{ survey_link }}

The link is yours alone and works for {{ survey_valid_days }} days. Answering is your \
choice: it changes nothing about your {{ kind }}.

Thank you,
{{ sender_name }}
""",
    ),
    STAFF_REPLY: (
        "{{ reply_subject or reference }}",
        """{{ reply_body }}

{{ author_name }}
{{ sender_name }}
Reference {{ reference }}: please quote it whenever you contact us about it.
""",
    ),
    CASE_LINK: (
        "Your link to the page of your {{ kind }} {{ reference }}",
        """Dear {{ recipient_name }},

You asked for a new link to the page of your {{ kind }} {{ reference }} ({{ summary }}). \
Open it here:

{{ case_link }}

On that page you can see where your {{ kind }} is up to, add information or documents, \
and more. The link is personal: please do not share it. Links sent to you before still \
work until they expire.

If you did not ask for this link, you can ignore this email.

Yours sincerely,
{{ sender_name }}
""",
    ),
    DUE_REMINDER: (
        "Due soon: {{ due_label }} for {{ reference }}, {{ due_at }}",
        """Dear {{ officer_name }},

As {{ officer_role }} of {{ kind }} {{ reference }} ({{ summary }}), this step is due \
soon:

{{ due_label }}: due {{ due_at }}{% if time_left %}, {{ time_left }} left{% endif %}.

Open it in the portal: {{ portal_link }}

This reminder is sent once for each due date.
""",
    ),
    DUE_PASSED: (
        "Overdue: {{ due_label }} for {{ reference }}",
        """Dear {{ officer_name }},

As {{ officer_role }} of {{ kind }} {{ reference }} ({{ summary }}), this step was due \
{{ due_at }} and has not been recorded as done:

{{ due_label }}

Open it in the portal: {{ portal_link }}

This reminder is sent once for each due date.
""",
    ),
    REPLY_RECEIVED: (
        "A reply arrived on {{ reference }}",
        """Dear {{ officer_name }},

As {{ officer_role }} of {{ kind }} {{ reference }} ({{ summary }}), an email about it \
arrived {{ received_at }}:

{{ message_subject }}
{% if clock_resumed %}
The case was waiting on this reply: its clock has resumed.
{% endif %}
Read it on the case in the portal: {{ portal_link }}
""",
    ),
    NOTIFICATION: (
        "Portal notification: {{ notification }}",
        """Dear {{ officer_name }},

{{ notification }}

Open {{ kind }} {{ reference }} in the portal: {{ portal_link }}

You get this email because your notification preferences ask for it (Notifications,
Preferences, in the portal).
""",
    ),
}


DEFAULT_TEMPLATES[RESTRICTION_NOTICE] = (
    "How you may contact us from {{ effective_from }}",
    """Dear {{ complainant_name }},

We are writing about how you contact us while we deal with your {{ kind }} {{ reference }}.

We have decided to change how you may contact us, because of this conduct:

{{ conduct }}

From {{ effective_from }}{% if ends_on %} until {{ ends_on }}{% endif %}:

- please contact only {{ contact_officer_name }};
- we will no longer take your contact by {{ restricted_channels }}: anything you send \
that way is passed to {{ contact_officer_name }}, who decides how to answer it;
{%- if subject_matter %}
- please contact us only about: {{ subject_matter }};
{%- endif %}
{%- if contact_times %}
- please contact us only at these times: {{ contact_times }};
{%- endif %}
{%- if permitted_contact %}
- you may contact us this way: {{ permitted_contact }}.
{%- endif %}

We will still deal with your {{ kind }}. This decision was made by \
{{ decided_by_name }}, and will be reviewed by {{ restriction_review_due }}.

If you disagree with this decision, you may ask us to review it. Write to \
{{ contact_officer_name }}, quoting {{ reference }}, and say why: a senior officer who \
did not make the decision will review it and tell you the result. If you remain \
dissatisfied, you may ask the Queensland Ombudsman to look at it (telephone \
07 3005 7000, toll free outside Brisbane 1800 068 908, email \
ombudsman@ombudsman.qld.gov.au).

Yours sincerely,
{{ sender_name }}
""",
)
DEFAULT_TEMPLATES[RESTRICTED_CONTACT] = (
    "Restricted contact on {{ reference }}: {{ channel_used }}",
    """Dear {{ officer_name }},

As {{ officer_role }} named in a restriction of contact, you are sent this contact, \
which arrived {{ received_at }} by {{ channel_used }} about {{ kind }} {{ reference }} \
({{ summary }}).

Warning: this person's contact by {{ restricted_channels }} is restricted. The contact \
is recorded on the case and comes to you instead of its usual handling; decide how to \
answer it as the restriction says.

Open it in the portal: {{ portal_link }}
""",
)
DEFAULT_TEMPLATES[RESTRICTION_REVIEW] = (
    "Review due {{ restriction_review_due }}: restriction of contact on {{ reference }}",
    """Dear {{ officer_name }},

As {{ officer_role }}, you are reminded that the restriction of contact recorded on \
{{ kind }} {{ reference }} ({{ restricted_channels }}; contact officer \
{{ contact_officer_name }}) is due for review by {{ restriction_review_due }}.

Review it, then record a new review date or lift it: {{ restriction_link }}

This reminder is sent once for each review date.
""",
)


# --- rendering --------------------------------------------------------------------------


def with_reference(subject: str, reference: str) -> str:
    """The subject on one line, with the case's reference added when it does not carry
    it: replies are threaded by it."""
    subject = " ".join((subject or "").split())
    if reference and reference.lower() not in subject.lower():
        subject = f"{subject} [{reference}]" if subject else reference
    return subject


class TemplateRefused(ValueError):
    """A template that cannot be used, with the reason in the administrator's words."""


_environment = SandboxedEnvironment(
    undefined=StrictUndefined, autoescape=False, keep_trailing_newline=True
)


@lru_cache(maxsize=64)
def _compiled(source: str):
    """Compile a template and list the names it reads, once: the outbox renders the same
    wording many times."""
    names = frozenset(meta.find_undeclared_variables(_environment.parse(source)))
    return _environment.from_string(source), names


@dataclass(frozen=True, slots=True)
class Rendered:
    subject: str
    body: str


def _unknown_variables(key: str, source: str, part: str) -> None:
    try:
        _, names = _compiled(source)
    except TemplateError as error:
        line = f" (line {error.lineno})" if getattr(error, "lineno", None) else ""
        raise TemplateRefused(f"The {part} cannot be read{line}: {error.message}.") from error
    unknown = sorted(names - set(VARIABLES[key]))
    if unknown:
        names = ", ".join("{{ " + name + " }}" for name in unknown)
        known = ", ".join(sorted(VARIABLES[key]))
        what = "an unknown variable" if len(unknown) == 1 else "unknown variables"
        raise TemplateRefused(f"The {part} uses {what} {names}. This template knows: {known}.")


def render(key: str, subject: str, body: str, values: Mapping[str, object]) -> Rendered:
    """The subject (one line) and body, or TemplateRefused saying what is wrong."""
    if key not in VARIABLES:
        raise TemplateRefused(f"There is no letter called {key!r}.")
    results = []
    for part, source in (("subject", subject or ""), ("body", body or "")):
        _unknown_variables(key, source, part)
        try:
            text = _compiled(source)[0].render(dict(values))
        except SecurityError as error:
            reason = str(error).rstrip(".")
            raise TemplateRefused(f"The {part} tries something not allowed: {reason}.") from error
        except TemplateError as error:
            reason = str(error).rstrip(".")
            raise TemplateRefused(f"The {part} could not be filled in: {reason}.") from error
        except (TypeError, ValueError, ArithmeticError, LookupError) as error:
            raise TemplateRefused(f"The {part} could not be filled in: {error}.") from error
        results.append(text)
    subject_text = " ".join(results[0].split())
    if not subject_text:
        raise TemplateRefused("The subject is empty once filled in: write one.")
    if not results[1].strip():
        raise TemplateRefused("The body is empty once filled in: write one.")
    return Rendered(subject_text[:300], results[1])


def validate(key: str, subject: str, body: str) -> None:
    """Refuse a template that names an unknown variable or fails on the sample case."""
    values = {name: SAMPLE.get(name, "") for name in VARIABLES.get(key, ())}
    render(key, subject, body, values)
    # The same template with the optional values empty (nobody assigned yet, no reasons).
    blank = {name: value if not isinstance(value, str) else "" for name, value in values.items()}
    render(key, subject, body, {**blank, **{k: values[k] for k in COMMON_VARIABLES}})


# --- words ------------------------------------------------------------------------------

WEEKDAYS = ("Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday")
MONTHS = (
    "January",
    "February",
    "March",
    "April",
    "May",
    "June",
    "July",
    "August",
    "September",
    "October",
    "November",
    "December",
)


def day_in_words(instant: datetime | None, timezone: str) -> str:
    """ "Monday 2 March 2026", the local day of an instant in the calendar's time zone."""
    if instant is None:
        return ""
    local = instant.astimezone(ZoneInfo(timezone))
    return f"{WEEKDAYS[local.weekday()]} {local.day} {MONTHS[local.month - 1]} {local.year}"


def place_of(timezone: str) -> str:
    """ "Brisbane" for Australia/Brisbane: how the letters name the local time."""
    return timezone.rsplit("/", 1)[-1].replace("_", " ")


def instant_in_words(instant: datetime | None, timezone: str) -> str:
    """ "5:00 pm on Monday 9 March 2026 (Brisbane time)"."""
    if instant is None:
        return ""
    local = instant.astimezone(ZoneInfo(timezone))
    hour = local.hour % 12 or 12
    clock = f"{hour}:{local.minute:02d} {'am' if local.hour < 12 else 'pm'}"
    return f"{clock} on {day_in_words(instant, timezone)} ({place_of(timezone)} time)"


def business_time_in_words(span: timedelta) -> str:
    """ "6 business hours", "1 business hour 30 minutes", "45 business minutes"."""
    minutes = max(0, int(span.total_seconds() // 60))
    hours, minutes = divmod(minutes, 60)
    if not hours:
        return f"{minutes} business minute{'s' if minutes != 1 else ''}"
    text = f"{hours} business hour{'s' if hours != 1 else ''}"
    if minutes:
        text += f" {minutes} minute{'s' if minutes != 1 else ''}"
    return text
