"""Each client organisation's monthly service report, mailed to its nominated contacts.

`send_client_reports` makes every client's report for a month (services.reports.clients)
and queues it in the outbox, one message to each contact flagged `receives_client_report`,
with the report as the HTML body (and as plain text beside it) and as a PDF attachment;
`flask mail send-due` sends them. A message about no case: it follows the client.

Once per client and month: the report is queued in the same transaction as its row in
`client_report_delivery`, unique on (client, period). A second run finds the row and
queues nothing; two runs at once (PostgreSQL) both try to insert it, and the one that
comes second waits for the first to commit, finds the pair taken, and queues nothing.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import date, datetime
from zoneinfo import ZoneInfo

from flask import render_template
from sqlalchemy import select, update

from models import ClientReportDelivery, OutboundFile, OutboundMessage, Participant, utcnow
from rules import correspondence
from rules import periods as period_rules

from ..localtime import local_text
from ..reports.clients import (
    ClientReport,
    client_organisations,
    client_report,
    client_satisfaction,
)
from .client_report_pdf import client_report_pdf, percent_text, satisfaction_lines
from .letters import _name, config
from .outbox import _insert_ignoring_duplicates
from .printing import Letterhead
from .recipients import usable_address

log = logging.getLogger(__package__)

ROLE = "client_report_contact"


def zone_info(name: str) -> ZoneInfo:
    return ZoneInfo(name)


class PeriodRefused(ValueError):
    """A period a client's report cannot be sent for; the message says why."""


def default_period(today: date) -> period_rules.Period:
    """The last complete month on `today` (a local date in the department's zone)."""
    return period_rules.previous(period_rules.period_containing(period_rules.MONTH, today))


def reporting_period(text: str | None, today: date) -> period_rules.Period:
    """The month a run reports on: the one named (2026-11), or the last complete one."""
    if text is None or not text.strip():
        return default_period(today)
    try:
        period = period_rules.parse(text)
    except ValueError as error:
        raise PeriodRefused(
            f"{error} Client reports are monthly: write the month as 2026-11."
        ) from None
    if period.kind != period_rules.MONTH:
        raise PeriodRefused(
            f"{text.strip()!r} is a {period_rules.KINDS[period.kind].lower()}: client reports "
            "are monthly. Write the month as 2026-11."
        )
    if period.end > today:
        raise PeriodRefused(
            f"{period.label} has not ended yet: a client's report is sent for a complete "
            f"month (the last one is {default_period(today).label}, --period "
            f"{default_period(today).key})."
        )
    return period


def nominated_contacts(session, client: Participant) -> list[Participant]:
    """The client's contacts flagged to receive its service report."""
    return list(
        session.scalars(
            select(Participant)
            .where(
                Participant.organisation_id == client.id,
                Participant.receives_client_report.is_(True),
            )
            .order_by(Participant.family_name, Participant.given_name, Participant.id)
        )
    )


def report_context(report: ClientReport, satisfaction: dict | None, made_at: datetime) -> dict:
    """What the email (HTML and plain text) and the staff page say, as plain values."""
    zone = report.zone
    rows = [
        {
            "severity": row.severity_label,
            "resolved": row.closed,
            "responded": f"{row.first_response_met} of "
            f"{row.first_response_met + row.first_response_missed}",
            "responded_percent": percent_text(row.first_response_percent),
            "resolved_in_time": f"{row.resolution_met} of "
            f"{row.resolution_met + row.resolution_missed}",
            "resolved_percent": percent_text(row.resolution_percent),
            "target": percent_text(row.resolution_target_percent),
            "met": {True: "Yes", False: "No", None: "—"}[row.meets_target],
        }
        for row in report.rows
    ]
    open_tickets = [
        {
            "reference": ticket.reference,
            "severity": ticket.severity_label,
            "summary": ticket.summary,
            "lodged": local_text(ticket.reported_at, zone),
            "next_due": (
                f"{ticket.next_due_label}: {local_text(ticket.next_due_at, zone)}"
                if ticket.next_due_at is not None
                else "—"
            ),
            "overdue": ticket.overdue,
        }
        for ticket in report.open_tickets
    ]
    return {
        "client_name": report.client_name,
        "period": report.period.label,
        "zone": zone,
        "made_at": local_text(made_at, zone),
        "as_at": local_text(report.as_at, zone),
        "lodged": report.lodged,
        "resolved": report.resolved,
        "rows": rows,
        "open_tickets": open_tickets,
        "satisfaction": satisfaction_lines(satisfaction),
        "sender_name": config("MAIL_SENDER_NAME") or "",
        "department": config("DEPARTMENT_NAME") or "",
    }


def pdf_filename(report: ClientReport) -> str:
    safe = "".join(c if c.isalnum() else "-" for c in report.client_name).strip("-").lower()
    return f"service-report-{safe or report.client_id}-{report.period.key}.pdf"


@dataclass
class ClientReportRun:
    period: period_rules.Period
    clients_queued: int = 0
    messages: int = 0
    no_address: int = 0
    already: int = 0
    no_contacts: list[str] = field(default_factory=list)


def send_client_reports(
    session, period: period_rules.Period, *, now: datetime | None = None, tz: str
) -> ClientReportRun:
    """Queue every client's report for the period to its nominated contacts, once."""
    now = now or utcnow()
    run = ClientReportRun(period)
    letterhead = Letterhead.configured()
    for client in client_organisations(session):
        contacts = nominated_contacts(session, client)
        if not contacts:
            run.no_contacts.append(client.organisation_name or client.display_name)
            continue
        delivered = select(ClientReportDelivery.id).where(
            ClientReportDelivery.client_id == client.id,
            ClientReportDelivery.period == period.key,
        )
        if session.scalar(delivered) is not None:
            run.already += 1
            continue
        queued = _queue_one(session, client, contacts, period, now, tz, letterhead)
        if queued is None:
            session.rollback()
            run.already += 1
            continue
        session.commit()
        run.clients_queued += 1
        run.messages += queued[0]
        run.no_address += queued[1]
    return run


def _queue_one(session, client, contacts, period, now, tz, letterhead):
    """Queue one client's report; None when another run has queued it already."""
    report = client_report(session, client, period, now=now, tz=tz)
    satisfaction = client_satisfaction(session, report)
    context = report_context(report, satisfaction, now)
    html = render_template("mail/client_report.html", **context)
    text = render_template("mail/client_report.txt", **context)
    pdf = client_report_pdf(report, made_at=now, satisfaction=satisfaction, letterhead=letterhead)
    subject = f"Service report for {report.client_name}: {period.label}"
    connection = session.connection()
    delivery_id = _insert_ignoring_duplicates(
        connection,
        {"client_id": client.id, "period": period.key, "queued_at": now, "contacts": 0},
        ClientReportDelivery.__table__,
        ("client_id", "period"),
    )
    if delivery_id is None:
        return None
    messages = no_address = 0
    for contact in contacts:
        address = usable_address(contact)
        message_id = _insert_ignoring_duplicates(
            connection,
            {
                "dedupe_key": f"client_report:{client.id}:{period.key}:{contact.id}",
                "template_key": correspondence.CLIENT_REPORT,
                "created_at": now,
                "recipient_address": address,
                "recipient_name": _name(contact) or None,
                "recipient_role": ROLE,
                "participant_id": contact.id,
                "user_id": None,
                "subject": subject,
                "body": text,
                "body_html": html,
                "status": correspondence.QUEUED if address else correspondence.NO_ADDRESS,
                "attempts": 0,
                "next_attempt_at": now if address else None,
                "client_report_delivery_id": delivery_id,
            },
        )
        if message_id is None:
            continue
        connection.execute(
            OutboundFile.__table__.insert().values(
                outbound_message_id=message_id,
                filename=pdf_filename(report),
                content_type="application/pdf",
                content=pdf,
            )
        )
        messages += 1
        no_address += 0 if address else 1
    connection.execute(
        update(ClientReportDelivery.__table__)
        .where(ClientReportDelivery.__table__.c.id == delivery_id)
        .values(contacts=messages)
    )
    log.info(
        "Service report %s for client %s queued to %s contacts", period.key, client.id, messages
    )
    return messages, no_address


def report_contact_refusal(session, message: OutboundMessage) -> str | None:
    """Why a client report may no longer go to its recipient, or None if it may: they
    must still be a nominated contact of the client it is about."""
    delivery = message.client_report_delivery
    person = session.get(Participant, message.participant_id) if message.participant_id else None
    if delivery is None or person is None:
        return "The client report it carried no longer exists."
    if person.organisation_id != delivery.client_id or not person.receives_client_report:
        return "The recipient is no longer a nominated report contact of the client."
    return None
