"""With no mail server configured, letters wait in the outbox and nobody is told: every
staff page says so to administrators, with how many are waiting and what to set."""

from flask_login import current_user
from sqlalchemy import func, select

from models import OutboundMessage, db
from rules.vocabulary import ADMINISTRATOR
from services import correspondence


def mail_warning() -> str | None:
    if not current_user.is_authenticated or not current_user.has_capacity(ADMINISTRATOR):
        return None
    problem = correspondence.MailSettings.from_config().problem()
    if not problem:
        return None
    waiting = db.session.scalar(
        select(func.count()).select_from(OutboundMessage).where(OutboundMessage.status == "queued")
    )
    return (
        f"{problem} Letters and reminders are not being emailed: {waiting} waiting in the "
        "outbox. See Configuration in the README."
    )


def init_app(app):
    app.add_template_global(mail_warning, "mail_warning")
