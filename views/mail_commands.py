"""`flask mail ...`: send the outbox (from cron, on any number of servers), look at it, and
preview a letter for a case."""

import click
from flask.cli import AppGroup
from sqlalchemy import func, select

from models import InternalReview, OutboundMessage, db, kinds
from rules import correspondence as rules
from seed.commands import Refused
from services import conduct, correspondence

from .scheduled import scheduled

mail = AppGroup("mail", help="Letters and reminders: send the outbox, see it, preview a letter.")


@mail.command("send-due")
@click.option("--limit", type=click.IntRange(min=1), help="Send at most N messages in this run.")
@click.option(
    "--requeue-stuck",
    is_flag=True,
    help="First queue again the messages left 'sending' by a sender that stopped "
    "(MAIL_SENDING_TIMEOUT_MINUTES ago or more). Not needed: each run takes them over "
    "by itself. Their recipients may get them twice.",
)
@click.option("--no-reminders", is_flag=True, help="Send what is queued; queue no reminders.")
@scheduled("mail send-due")
def send_due(limit, requeue_stuck, no_reminders):
    """Queue officers' reminders of due dates and of restriction reviews, then send every
    message that is due.

    Safe to run from cron on several servers at once: each message is sent by one of them.
    """
    settings = correspondence.MailSettings.from_config()
    if not no_reminders:
        reminders = correspondence.queue_reminders(db.session)
        parts = [f"Reminders queued: {reminders.queued}"]
        if reminders.no_address:
            parts.append(f"{reminders.no_address} officers have no email address")
        if reminders.nobody:
            parts.append(f"{reminders.nobody} due dates have no officer to remind")
        click.echo("; ".join(parts) + ".")
        reviews = conduct.queue_review_reminders(db.session)
        click.echo(f"Restriction reviews reminded: {reviews}.")
    problem = settings.problem()
    if problem:
        raise Refused(problem + " Nothing was sent; the messages stay queued.")
    if requeue_stuck:
        count = correspondence.requeue_stuck(db.session, settings)
        click.echo(f"Queued again after their sender stopped: {count}.")
    report = correspondence.send_due(db.session, settings, limit=limit)
    click.echo(
        f"Sent: {report.sent}; to retry later: {report.retrying}; failed: {report.failed}; "
        f"withheld: {report.withheld}; no address: {report.no_address}."
    )
    if report.taken_over:
        click.echo(
            f"Taken over from a sender that stopped: {report.taken_over} (one it had handed "
            "to the mail server may reach its recipient twice, with the same Message-ID)."
        )
    if report.stuck:
        click.echo(
            f"Warning: {report.stuck} messages are held by a sender that stopped more than "
            f"{settings.sending_timeout.total_seconds() / 60:g} minutes ago; the next run "
            "takes them over.",
            err=True,
        )
    for error in report.errors:
        click.echo(f"Stopped early: {error}", err=True)
    if report.errors:
        raise SystemExit(1)


@mail.command("status")
def status():
    """How many messages the outbox holds in each status."""
    counts = dict(
        db.session.execute(
            select(OutboundMessage.status, func.count()).group_by(OutboundMessage.status)
        ).all()
    )
    for code, label in rules.STATUSES.items():
        click.echo(f"{label}: {counts.get(code, 0)}")


def find_case(reference: str):
    case = kinds.case_by_reference(db.session, reference)
    if case is not None:
        return case
    raise Refused(f"There is no complaint or ticket with the reference {reference}.")


@mail.command("preview")
@click.argument("key", type=click.Choice(list(rules.TEMPLATE_NAMES)))
@click.argument("reference")
def preview(key, reference):
    """Print the letter KEY as it would be written for the case REFERENCE."""
    case = find_case(reference)
    is_complaint = kinds.kind_of(case) is kinds.COMPLAINT
    if key in (rules.DUE_REMINDER, rules.DUE_PASSED) and is_complaint:
        review = db.session.scalar(
            select(InternalReview)
            .where(InternalReview.complaint_id == case.id)
            .order_by(InternalReview.id.desc())
        )
        case = review if review is not None and review.completed_at is None else case
    elif rules.written_about(key, kinds.kind_of(case) is kinds.TICKET):
        raise Refused(rules.written_about(key, kinds.kind_of(case) is kinds.TICKET))
    subject, body = correspondence.template_for(db.session, key)
    try:
        rendered = correspondence.preview(db.session, key, subject, body, case)
    except rules.TemplateRefused as error:
        raise Refused(str(error)) from error
    click.echo(f"Subject: {rendered.subject}\n")
    click.echo(rendered.body)
