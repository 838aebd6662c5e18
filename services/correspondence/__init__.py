"""Letters and reminders: queued on save, sent once by `flask mail send-due`.

- letters.py: what a letter says, a case's values, the templates, the mail settings read
- recipients.py: who may receive a case's correspondence (`recipient_refusal`)
- outbox.py: the outbox, and the letters every save queues in it (`after_flush`)
- reminders.py: reminders to officers of their cases' due instants (`queue_reminders`)
- sending.py: sending the outbox exactly once with several senders (`send_due`)
- template_preview.py: a template filled in with a case's values, or the sample's
"""

from .letters import (
    NO_NAME,
    case_values,
    complainant_name,
    complaint_values,
    config,
    portal_link,
    render_letter,
    review_values,
    template_for,
)
from .outbox import (
    PAST_CASES,
    after_flush,
    bringing_in_past_cases,
    case_links,
    case_type_of,
    letters_for,
    queue,
    recipient_words,
    record_on_case,
    review_letters_for,
)
from .recipients import (
    SIMPLE_ADDRESS,
    complaint_of,
    holds_role,
    recipient_refusal,
    usable_address,
)
from .reminders import REMINDED_DUES, ReminderReport, officers_of, queue_reminders
from .sending import (
    CLAIM_BATCH,
    MailSettings,
    Postman,
    SendReport,
    claim,
    default_worker,
    email_for,
    error_text,
    message_id,
    permanent,
    requeue_stuck,
    retry,
    send_due,
    server_down,
    stuck_messages,
)
from .template_preview import preview

__all__ = [
    "after_flush",
    "bringing_in_past_cases",
    "case_links",
    "case_type_of",
    "case_values",
    "claim",
    "CLAIM_BATCH",
    "complainant_name",
    "complaint_of",
    "complaint_values",
    "config",
    "default_worker",
    "email_for",
    "error_text",
    "holds_role",
    "letters_for",
    "MailSettings",
    "message_id",
    "NO_NAME",
    "officers_of",
    "PAST_CASES",
    "permanent",
    "portal_link",
    "Postman",
    "preview",
    "queue",
    "queue_reminders",
    "recipient_refusal",
    "recipient_words",
    "record_on_case",
    "REMINDED_DUES",
    "ReminderReport",
    "render_letter",
    "requeue_stuck",
    "retry",
    "review_letters_for",
    "review_values",
    "send_due",
    "SendReport",
    "server_down",
    "SIMPLE_ADDRESS",
    "stuck_messages",
    "template_for",
    "usable_address",
]
