"""A letter printed for posting: the outbox message of a recipient with no email address,
laid out on A4 in the department's style.

The letterhead (department, postal address, phone, email) comes from the settings handed
in; a line whose setting is unset is left out, never printed blank. Then the date, the
recipient's name and postal address, "Our reference", the subject, the body as written
(paragraphs and line breaks kept, long lines wrapped), the sign-off, the enclosures (the
documents linked to the message) and, when the letter runs over a page, "Page 1 of 2".

DejaVu Sans is embedded (fonts/, with its licence), so any name or address in any
alphabet the font covers prints as typed. Nothing here reads a request.
"""

import re
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path

from fpdf import FPDF, FPDF_VERSION
from fpdf.enums import XPos, YPos
from sqlalchemy import update

from models import OutboundMessage, kinds
from rules import correspondence

from .. import history
from .letters import config
from .outbox import recipient_words, record_on_client

FONTS = Path(__file__).resolve().parent / "fonts"
FAMILY = "DejaVu"
NO_POSTAL_ADDRESS = "[no postal address recorded]"
NO_RECIPIENT_NAME = "The complainant"
# A closing line the template already wrote: then no second sign-off is added.
CLOSING = re.compile(
    r"^\s*(yours\s+(sincerely|faithfully|truly)|(kind|warm|best)?\s*regards)\b", re.IGNORECASE
)
# Control characters other than the line break and tab print as nothing.
CONTROL = re.compile(r"[\x00-\x08\x0b-\x1f\x7f]")

# Layout, in millimetres.
MARGIN = 20
LINE = 5.2
FOOTER_FROM_BOTTOM = 12


@dataclass(frozen=True)
class Letterhead:
    """The department as it heads its letters, and who signs them."""

    name: str | None = None
    address: str | None = None
    phone: str | None = None
    email: str | None = None
    sender_name: str | None = None

    @classmethod
    def of(cls, settings) -> "Letterhead":
        """From an application's configuration, or any mapping of setting names."""

        def value(name):
            text = settings.get(name)
            return text.strip() if isinstance(text, str) and text.strip() else None

        return cls(
            name=value("DEPARTMENT_NAME"),
            address=value("DEPARTMENT_ADDRESS"),
            phone=value("DEPARTMENT_PHONE"),
            email=value("DEPARTMENT_EMAIL"),
            sender_name=value("MAIL_SENDER_NAME"),
        )

    @classmethod
    def configured(cls) -> "Letterhead":
        """From the running application's settings (settings.py's defaults outside one)."""
        names = (
            "DEPARTMENT_NAME",
            "DEPARTMENT_ADDRESS",
            "DEPARTMENT_PHONE",
            "DEPARTMENT_EMAIL",
            "MAIL_SENDER_NAME",
        )
        return cls.of({name: config(name) for name in names})

    def contact_lines(self) -> list[str]:
        lines = address_lines(self.address)
        if self.phone:
            lines.append(f"Phone: {self.phone}")
        if self.email:
            lines.append(f"Email: {self.email}")
        return lines


def address_lines(address: str | None) -> list[str]:
    """A postal address as typed, one line each (a new line or `;` between them)."""
    if not address:
        return []
    parts = re.split(r"[\r\n;]+", address)
    return [clean(part).strip() for part in parts if clean(part).strip()]


def clean(text: str | None) -> str:
    text = (text or "").replace("\r\n", "\n").replace("\r", "\n").replace("\t", "    ")
    return CONTROL.sub("", text)


def case_reference(message: OutboundMessage) -> str | None:
    case = message.case
    return (kinds.reference_of(case) or None) if case is not None else None


def recipient_name(message: OutboundMessage) -> str:
    if message.recipient_name:
        return message.recipient_name
    person = message.participant
    name = person.display_name if person is not None else ""
    return name or NO_RECIPIENT_NAME


def recipient_address(message: OutboundMessage) -> list[str]:
    """The recipient's postal address lines; empty when none is recorded."""
    person = message.participant
    return address_lines(person.address if person is not None else None)


def letter_date(day: date) -> str:
    return f"{day.day} {day:%B %Y}"


def signed_already(body: str) -> bool:
    """Whether the body closes with a sign-off of its own (the templates do)."""
    lines = [line for line in body.splitlines() if line.strip()]
    return any(CLOSING.match(line) for line in lines[-4:])


class _Letter(FPDF):
    def __init__(self):
        super().__init__(orientation="portrait", unit="mm", format="A4")
        self.add_font(FAMILY, "", str(FONTS / "DejaVuSans.ttf"))
        self.add_font(FAMILY, "B", str(FONTS / "DejaVuSans-Bold.ttf"))
        self.set_margins(MARGIN, MARGIN, MARGIN)
        self.set_auto_page_break(True, margin=MARGIN + 5)

    def lines(self, text: str, *, size: float = 10.5, bold: bool = False, align: str = "L"):
        self.set_font(FAMILY, "B" if bold else "", size)
        self.multi_cell(
            0,
            LINE if size <= 11 else size * 0.5,
            text,
            align=align,
            new_x=XPos.LMARGIN,
            new_y=YPos.NEXT,
        )

    def gap(self, millimetres: float = LINE):
        self.ln(millimetres)

    def number_pages(self):
        """ "Page 1 of 2" at the foot of each page, only when there is more than one."""
        total = self.pages_count
        if total < 2:
            return
        self.set_auto_page_break(False)
        for number in range(1, total + 1):
            self.page = number
            self.set_font(FAMILY, "", 8.5)
            self.set_xy(MARGIN, self.h - FOOTER_FROM_BOTTOM)
            self.cell(0, 4, f"Page {number} of {total}", align="C")


def headed_page(
    title: str, letterhead: "Letterhead | None", compress: bool, gap_after: float
) -> "_Letter":
    """A new A4 document with its first page begun under the letterhead: the department,
    then how to reach it, with a rule beneath (a printed letter, a client's report)."""
    letterhead = letterhead or Letterhead.configured()
    pdf = _Letter()
    pdf.set_compression(compress)
    pdf.set_title(title)
    if letterhead.name:
        pdf.set_author(letterhead.name)
    pdf.set_creator("Complaints portal")
    pdf.set_producer(f"fpdf2 {FPDF_VERSION}")
    pdf.add_page()
    if letterhead.name:
        pdf.lines(clean(letterhead.name), size=15, bold=True)
    contact = letterhead.contact_lines()
    if contact:
        pdf.lines("\n".join(contact), size=9)
    if letterhead.name or contact:
        pdf.gap(2)
        pdf.line(MARGIN, pdf.get_y(), pdf.w - MARGIN, pdf.get_y())
        pdf.gap(gap_after)
    return pdf


def letter_pdf(
    message: OutboundMessage,
    *,
    on: date,
    letterhead: Letterhead | None = None,
    compress: bool = True,
) -> bytes:
    """The message as an A4 letter ready to print and post, dated `on` (the day it is
    printed, in the case's own time zone)."""
    letterhead = letterhead or Letterhead.configured()
    reference = case_reference(message)
    pdf = headed_page(clean(message.subject) or "Letter", letterhead, compress, gap_after=8)
    pdf.lines(letter_date(on), align="R")
    pdf.gap(4)

    # The recipient, as the envelope window reads it.
    address = recipient_address(message)
    pdf.lines("\n".join([clean(recipient_name(message)), *(address or [NO_POSTAL_ADDRESS])]))
    pdf.gap(8)

    if reference:
        pdf.lines(f"Our reference: {reference}")
        pdf.gap(3)
    pdf.lines(clean(message.subject), size=11, bold=True)
    pdf.gap(3)

    from ..case_links import printed

    body = clean(printed(message.body)).strip("\n")
    pdf.lines(body)
    signer = letterhead.sender_name or letterhead.name
    if signer and not signed_already(body):
        pdf.gap(4)
        pdf.lines("Yours sincerely,")
        pdf.gap(10)
        pdf.lines(clean(signer))

    enclosures = [clean(document.original_filename) for document in message.attachments]
    enclosures += [clean(made.filename) for made in message.files]
    if enclosures:
        pdf.gap(6)
        pdf.lines("Enclosures:", bold=True)
        pdf.lines("\n".join(f"- {name}" for name in enclosures))

    pdf.number_pages()
    return bytes(pdf.output())


# --- sent by post -----------------------------------------------------------------------


class PostingRefused(ValueError):
    """The letter cannot be marked as sent by post; the message says why."""


def to_post(message: OutboundMessage) -> bool:
    """Whether the letter waits to be printed and posted."""
    return message.status == correspondence.NO_ADDRESS and message.posted_at is None


def mark_posted(session, message: OutboundMessage, user_id: int | None, now: datetime) -> str:
    """Record that the letter was printed and posted, once, and say so on the case.

    The status stays "no_address" (to post: no email address); `posted_at` says it went. Two
    officers marking it at once: one succeeds, the other is told it already was.
    Returns the history's words; raises PostingRefused.
    """
    noun = correspondence.TEMPLATE_NOUNS.get(message.template_key, "Letter")
    if message.status != correspondence.NO_ADDRESS:
        status = correspondence.STATUSES.get(message.status, message.status)
        raise PostingRefused(
            f"This {noun.lower()} is not waiting to be posted (it is {status.lower()}): "
            "only a letter to someone with no email address is sent by post."
        )
    claimed = session.execute(
        update(OutboundMessage)
        .where(
            OutboundMessage.id == message.id,
            OutboundMessage.status == correspondence.NO_ADDRESS,
            OutboundMessage.posted_at.is_(None),
        )
        .values(posted_at=now, posted_by_id=user_id)
        .execution_options(synchronize_session=False)
    ).rowcount
    if claimed != 1:
        session.rollback()
        session.refresh(message)
        raise PostingRefused(
            f"This {noun.lower()} was already marked as sent by post: nothing was changed."
        )
    case = message.case
    who = recipient_words(message.recipient_role, message.recipient_name, None, case)
    summary = (
        f"Letter sent by post to {who} ({noun[0].lower()}{noun[1:]}, printed from the outbox)."
    )
    if case is not None:
        history.note(session, case, "correspondence", summary)
    elif message.client_report_delivery is not None:
        record_on_client(session.connection(), message.client_report_delivery.client_id, summary)
    session.commit()
    session.refresh(message)
    return summary
