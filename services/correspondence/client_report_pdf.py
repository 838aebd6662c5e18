"""A client's service report as an A4 PDF, in the department's letter style (the same
letterhead and embedded fonts as a printed letter: services/correspondence/printing.py)."""

from datetime import datetime

from fpdf.fonts import FontFace

from ..localtime import local_text
from .printing import FAMILY, Letterhead, clean, headed_page


def percent_text(value) -> str:
    return "—" if value is None else f"{float(value):.1f}%"


def satisfaction_lines(satisfaction: dict | None) -> list[str]:
    """The satisfaction figure in words, or nothing when none is known."""
    if not satisfaction:
        return []
    sent, answered, mean = (
        satisfaction.get("sent", 0),
        satisfaction.get("answered", 0),
        satisfaction.get("mean"),
    )
    if not sent:
        return ["No satisfaction survey was sent about the tickets resolved in the month."]
    line = f"Surveys about the tickets resolved: sent {sent}, answered {answered}"
    if mean is not None:
        line += f"; mean satisfaction {mean:.1f} out of 5"
    return [line + "."]


def client_report_pdf(
    report,
    *,
    made_at: datetime,
    satisfaction: dict | None = None,
    letterhead: Letterhead | None = None,
    compress: bool = True,
) -> bytes:
    """The report (services.reports.clients.ClientReport) on A4: service levels per
    severity, the tickets open at the end of the period, satisfaction where known."""
    zone = report.zone
    title = f"Service report: {report.client_name}, {report.period.label}"
    pdf = headed_page(clean(title), letterhead, compress, gap_after=6)

    pdf.lines(clean(title), size=14, bold=True)
    pdf.lines(
        f"Made {local_text(made_at, zone)} ({zone}). Tickets lodged in the period: "
        f"{report.lodged}; resolved: {report.resolved}.",
        size=9,
    )
    pdf.gap(4)

    pdf.lines("Service levels by severity", size=11, bold=True)
    pdf.lines(
        "Tickets resolved in the period: responded to and resolved at or before the time "
        "they were due, against each severity's service level.",
        size=9,
    )
    pdf.gap(2)
    heading = FontFace(emphasis="BOLD")
    pdf.set_font(FAMILY, "", 8.5)
    with pdf.table(
        col_widths=(44, 16, 22, 22, 22, 22),
        headings_style=heading,
        text_align=("LEFT", "RIGHT", "RIGHT", "RIGHT", "RIGHT", "RIGHT"),
    ) as table:
        table.row(
            (
                "Severity",
                "Resolved",
                "Responded in time",
                "Resolved in time",
                "Service level",
                "Level met",
            )
        )
        for row in report.rows:
            met = {True: "Yes", False: "No", None: "—"}[row.meets_target]
            responded = row.first_response_met + row.first_response_missed
            timed = row.resolution_met + row.resolution_missed
            table.row(
                (
                    clean(row.severity_label),
                    str(row.closed),
                    f"{row.first_response_met} of {responded}"
                    f" ({percent_text(row.first_response_percent)})",
                    f"{row.resolution_met} of {timed} ({percent_text(row.resolution_percent)})",
                    percent_text(row.resolution_target_percent),
                    met,
                )
            )
    pdf.gap(5)

    as_at = local_text(report.as_at, zone)
    pdf.lines(f"Open tickets at {as_at}: {len(report.open_tickets)}", size=11, bold=True)
    if report.open_tickets:
        pdf.gap(2)
        pdf.set_font(FAMILY, "", 8.5)
        with pdf.table(
            col_widths=(30, 14, 52, 28, 46), headings_style=heading, text_align="LEFT"
        ) as table:
            table.row(("Ticket", "Severity", "Summary", "Lodged", "Next due"))
            for ticket in report.open_tickets:
                due = "—"
                if ticket.next_due_at is not None:
                    due = f"{ticket.next_due_label}: {local_text(ticket.next_due_at, zone)}"
                    if ticket.overdue:
                        due += " (overdue)"
                table.row(
                    (
                        clean(ticket.reference),
                        clean(ticket.severity),
                        clean(ticket.summary),
                        local_text(ticket.reported_at, zone),
                        due,
                    )
                )
    pdf.gap(5)
    lines = satisfaction_lines(satisfaction)
    if lines:
        pdf.lines("Satisfaction", size=11, bold=True)
        pdf.lines("\n".join(lines), size=9.5)
    pdf.number_pages()
    return bytes(pdf.output())
