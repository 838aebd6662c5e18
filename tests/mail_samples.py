"""Sample raw emails for the tests of mail coming in (and for the ingest benchmark).

Every builder returns the bytes a mail server would hand over. Other test modules import
them: `from tests.mail_samples import plain_message, reply_to`.
"""

from datetime import UTC, datetime
from email.message import EmailMessage
from email.utils import format_datetime, make_msgid

SENT_AT = datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
PORTAL_DOMAIN = "complaints.example.gov.au"
# One pixel, a real PNG.
PNG_PIXEL = bytes.fromhex(
    "89504e470d0a1a0a0000000d4948445200000001000000010806000000"
    "1f15c4890000000d49444154789c6300010000050001a5f645400000000049454e44ae426082"
)


def plain_message(
    *,
    sender: str = "Pat Citizen <pat@example.org>",
    to: str = "complaints@complaints.example.gov.au",
    subject: str = "The bins were not collected",
    body: str = "The bins in Smith Street have not been collected for three weeks.\n",
    message_id: str | None = "<first.1@example.org>",
    sent_at: datetime | None = SENT_AT,
    headers: dict[str, str] | None = None,
) -> bytes:
    """A new complaint as a person writes it: text/plain, UTF-8."""
    email = EmailMessage()
    if sender is not None:
        email["From"] = sender
    email["To"] = to
    email["Subject"] = subject
    if sent_at is not None:
        email["Date"] = format_datetime(sent_at)
    if message_id is not None:
        email["Message-ID"] = message_id
    for name, value in (headers or {}).items():
        email[name] = value
    email.set_content(body)
    return email.as_bytes()


def reply_to(
    our_message_id: str,
    *,
    reference: str = "C-2026-000123",
    sender: str = "Pat Citizen <pat@example.org>",
    body: str = "Thank you. Here is the photo you asked for.",
    message_id: str | None = None,
    html: bool = True,
    attachment: tuple[str, str, bytes] | None = ("receipt.png", "image/png", PNG_PIXEL),
) -> bytes:
    """A complainant's reply to one of our letters: text and HTML, an inline image and an
    attachment, threaded by In-Reply-To and References."""
    email = EmailMessage()
    email["From"] = sender
    email["To"] = f"complaints@{PORTAL_DOMAIN}"
    email["Subject"] = f"Re: Your complaint {reference}"
    email["Date"] = format_datetime(SENT_AT)
    email["Message-ID"] = message_id or make_msgid(domain="example.org")
    email["In-Reply-To"] = our_message_id
    email["References"] = f"<earlier.0@example.org> {our_message_id}"
    email.set_content(f"{body}\n\n> On 1 March you wrote:\n> Please send a photo.\n")
    if html:
        email.add_alternative(
            f'<html><body><p>{body}</p><img src="cid:pixel@example.org">'
            '<script>alert("x")</script></body></html>',
            subtype="html",
        )
        email.get_body(("html",)).add_related(PNG_PIXEL, "image", "png", cid="<pixel@example.org>")
    if attachment:
        filename, content_type, data = attachment
        maintype, subtype = content_type.split("/")
        email.add_attachment(data, maintype=maintype, subtype=subtype, filename=filename)
    return email.as_bytes()


def html_only(body_html: str, **values) -> bytes:
    email = EmailMessage()
    email["From"] = values.get("sender", "Pat Citizen <pat@example.org>")
    email["To"] = f"complaints@{PORTAL_DOMAIN}"
    email["Subject"] = values.get("subject", "Sent from a web mail")
    email["Message-ID"] = values.get("message_id", "<html.1@example.org>")
    email.set_content(body_html, subtype="html")
    return email.as_bytes()


def out_of_office(**values) -> bytes:
    return plain_message(
        subject="Automatic reply: Your complaint C-2026-000123",
        body="I am away until Monday.\n",
        message_id="<ooo.1@example.org>",
        headers={"Auto-Submitted": "auto-replied", **values.get("headers", {})},
    )


def bounce(original: bytes | None = None, *, report: bool = True) -> bytes:
    """A delivery status notification (RFC 3464) from a mailer daemon, as Postfix sends it."""
    original = original or plain_message(sender=f"complaints@{PORTAL_DOMAIN}")
    boundary = "bounce-boundary-1"
    content_type = (
        f'multipart/report; report-type=delivery-status; boundary="{boundary}"'
        if report
        else f'multipart/mixed; boundary="{boundary}"'
    )
    return (
        (
            "Return-Path: <>\r\n"
            "From: MAILER-DAEMON@mx.example.org (Mail Delivery System)\r\n"
            f"To: complaints@{PORTAL_DOMAIN}\r\n"
            "Subject: Undelivered Mail Returned to Sender\r\n"
            "Message-ID: <bounce.1@mx.example.org>\r\n"
            "MIME-Version: 1.0\r\n"
            f"Content-Type: {content_type}\r\n\r\n"
            f"--{boundary}\r\nContent-Type: text/plain\r\n\r\n"
            "I'm sorry to have to inform you that your message could not be delivered.\r\n"
            f"--{boundary}\r\nContent-Type: message/delivery-status\r\n\r\n"
            "Reporting-MTA: dns; mx.example.org\r\n\r\n"
            "Final-Recipient: rfc822; nobody@example.org\r\nAction: failed\r\nStatus: 5.1.1\r\n"
            f"--{boundary}\r\nContent-Type: message/rfc822\r\n\r\n"
        ).encode()
        + original
        + f"\r\n--{boundary}--\r\n".encode()
    )


def many_parts(count: int) -> bytes:
    """A multipart/mixed message with `count` tiny text attachments."""
    boundary = "many-parts"
    head = (
        "From: pat@example.org\r\nTo: complaints@example.gov.au\r\nSubject: Many\r\n"
        f'MIME-Version: 1.0\r\nContent-Type: multipart/mixed; boundary="{boundary}"\r\n\r\n'
    )
    part = (
        f"--{boundary}\r\nContent-Type: text/plain\r\n"
        'Content-Disposition: attachment; filename="a.txt"\r\n\r\nx\r\n'
    )
    return (head + part * count + f"--{boundary}--\r\n").encode()


def nested(depth: int, *, kind: str = "multipart") -> bytes:
    """Multiparts (or attached messages) inside each other `depth` deep."""
    inner = "Content-Type: text/plain\r\n\r\nthe bottom\r\n"
    for level in range(depth):
        if kind == "multipart":
            inner = (
                f'Content-Type: multipart/mixed; boundary="b{level}"\r\n\r\n'
                f"--b{level}\r\n{inner}\r\n--b{level}--\r\n"
            )
        else:
            inner = f"Content-Type: message/rfc822\r\n\r\nSubject: level {level}\r\n{inner}"
    return ("From: pat@example.org\r\nSubject: Nested\r\nMIME-Version: 1.0\r\n" + inner).encode()


def samples() -> dict[str, bytes]:
    """Good messages of every shape, named, for the fuzz seeds and the benchmark."""
    return {
        "plain": plain_message(),
        "reply": reply_to(f"<outbox.7.0123456789abcdef@{PORTAL_DOMAIN}>"),
        "html": html_only("<p>Hello <b>there</b></p>"),
        "out_of_office": out_of_office(),
        "bounce": bounce(),
        "latin1": (
            b"From: =?iso-8859-1?q?Ren=E9e?= <renee@example.org>\r\n"
            b"Subject: =?iso-8859-1?q?Caf=E9_ferm=E9?=\r\nMessage-ID: <latin.1@example.org>\r\n"
            b"Content-Type: text/plain; charset=iso-8859-1\r\n"
            b"Content-Transfer-Encoding: quoted-printable\r\n\r\nLe caf=E9 est ferm=E9.\r\n"
        ),
    }
