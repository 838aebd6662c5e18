"""Reading a received email safely (services/mail_in/parse.py, sanitise.py) and telling mail
a machine wrote (rules/mail_automatic.py)."""

import base64
import time
from datetime import UTC, datetime

import pytest

from extensions import db
from models.mail import InboundMessage
from rules.mail_automatic import BOUNCE, OWN_MESSAGE, READ_RECEIPT, automatic_reason
from services.mail_in import Malformed, ParsedMessage, parse
from services.mail_in.sanitise import sanitise_html, text_from_html
from tests.mail_samples import (
    PNG_PIXEL,
    PORTAL_DOMAIN,
    bounce,
    html_only,
    many_parts,
    nested,
    out_of_office,
    plain_message,
    reply_to,
    samples,
)

MB = 1_000_000
OUR_ID = f"<outbox.7.0123456789abcdef@{PORTAL_DOMAIN}>"


def read(raw: bytes, **options) -> ParsedMessage:
    return parse(raw, max_bytes=options.pop("max_bytes", 25 * MB), **options)


def encoded_word(text: str) -> bytes:
    return b"=?utf-8?b?" + base64.b64encode(text.encode()) + b"?="


# -- what comes out of a good message ---------------------------------------------------


def test_a_plain_message_gives_its_sender_recipients_subject_date_and_text():
    message = read(plain_message(to="Complaints <Complaints@Example.GOV.au>"))
    assert message.message_id == "<first.1@example.org>"
    assert message.from_address == "pat@example.org"
    assert message.from_name == "Pat Citizen"
    assert message.to_addresses == ("complaints@example.gov.au",)
    assert message.subject == "The bins were not collected"
    assert message.sent_at == datetime(2026, 3, 2, 9, 30, tzinfo=UTC)
    assert message.text.startswith("The bins in Smith Street")
    assert message.html is None
    assert message.parts == ()
    assert message.automatic is None


def test_size_and_digest_are_of_the_raw_bytes():
    raw = plain_message()
    message = read(raw)
    assert message.size == len(raw)
    assert len(message.sha256) == 64


def test_a_reply_gives_its_thread_its_sanitised_html_its_inline_image_and_its_attachment():
    message = read(reply_to(OUR_ID))
    assert message.in_reply_to == (OUR_ID,)
    assert message.references == ("<earlier.0@example.org>", OUR_ID)
    assert message.text.startswith("Thank you. Here is the photo")
    assert "<script" not in message.html and "alert" not in message.html
    assert 'src="cid:pixel@example.org"' in message.html
    inline, attachment = message.parts
    assert (inline.inline, inline.content_id, inline.data) == (
        True,
        "pixel@example.org",
        PNG_PIXEL,
    )
    assert inline.content_type == "image/png" and inline.filename.endswith(".png")
    assert (attachment.filename, attachment.inline, attachment.data) == (
        "receipt.png",
        False,
        PNG_PIXEL,
    )


def test_an_html_only_message_is_read_as_text_from_its_html():
    message = read(html_only("<p>The lights &amp; the footpath</p><p>are broken</p>"))
    assert message.text == "The lights & the footpath\nare broken"
    assert message.html.startswith("<p>The lights &amp; the footpath</p>")


def test_to_cc_and_delivery_headers_are_all_recipients_once_each():
    raw = plain_message(
        to="A <a@example.org>, b@example.org",
        headers={
            "Cc": "B again <B@example.org>, c@example.org",
            "Delivered-To": "complaints@example.gov.au",
            "X-Original-To": "help@example.gov.au",
        },
    )
    assert read(raw).to_addresses == (
        "a@example.org",
        "b@example.org",
        "c@example.org",
        "complaints@example.gov.au",
        "help@example.gov.au",
    )


def test_a_date_with_an_offset_comes_out_in_utc_and_a_broken_date_as_none():
    in_brisbane = b"From: a@example.org\r\nDate: Mon, 2 Mar 2026 10:00:00 +1000\r\n\r\nx"
    assert read(in_brisbane).sent_at == datetime(2026, 3, 2, 0, 0, tzinfo=UTC)
    unknown_zone = b"From: a@example.org\r\nDate: Mon, 2 Mar 2026 10:00:00 -0000\r\n\r\nx"
    assert read(unknown_zone).sent_at == datetime(2026, 3, 2, 10, 0, tzinfo=UTC)
    for date in (b"yesterday", b"Mon, 1 Jan 99999 10:00:00 +9999", b"", b"32 Foo 2026"):
        assert read(b"From: a@example.org\r\nDate: " + date + b"\r\n\r\nx").sent_at is None


def test_a_message_without_message_id_is_named_by_its_digest():
    raw = plain_message(message_id=None)
    message = read(raw)
    assert message.message_id == f"<sha256.{message.sha256}@message-id.invalid>"
    assert read(raw).message_id == message.message_id  # the same message read twice


def test_a_message_id_without_brackets_is_given_them_and_an_unusable_one_is_replaced():
    assert read(plain_message(message_id="abc.1@example.org")).message_id == (
        "<abc.1@example.org>"
    )
    too_long = read(plain_message(message_id="<" + "a" * 600 + "@example.org>"))
    assert too_long.message_id.startswith("<sha256.")


def test_a_message_without_from_has_no_sender_and_a_from_without_address_keeps_the_name():
    message = read(plain_message(sender=None))
    assert (message.from_address, message.from_name) == (None, None)
    named = read(b"From: Just A Name\r\nSubject: x\r\n\r\nx")
    assert (named.from_address, named.from_name) == (None, "Just A Name")


def test_duplicate_headers_are_read_from_the_first():
    raw = (
        b"From: first@example.org\r\nFrom: second@example.org\r\nSubject: one\r\n"
        b"Subject: two\r\nMessage-ID: <one@example.org>\r\nMessage-ID: <two@example.org>\r\n"
        b"\r\nbody"
    )
    message = read(raw)
    assert (message.from_address, message.subject, message.message_id) == (
        "first@example.org",
        "one",
        "<one@example.org>",
    )


def test_an_attached_message_is_one_part_with_its_bytes():
    forwarded = plain_message(subject="The original")
    raw = (
        b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nSee below\r\n"
        b"--b\r\nContent-Type: message/rfc822\r\n\r\n" + forwarded + b"\r\n--b--\r\n"
    )
    message = read(raw)
    (part,) = message.parts
    assert part.content_type == "message/rfc822"
    assert part.filename.endswith(".eml")
    assert b"Subject: The original" in part.data
    assert message.text.strip() == "See below"


def test_an_attachment_name_is_never_a_path():
    raw = (
        b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n"
        b"--b\r\nContent-Type: text/plain\r\n\r\nbody\r\n--b\r\nContent-Type: application/pdf\r\n"
        b"Content-Disposition: attachment; filename*=utf-8''..%2F..%2Fetc%2Fr%C3%A9sum%C3%A9.pdf"
        b"\r\n\r\n%PDF-1.4\r\n--b\r\nContent-Type: application/octet-stream\r\n"
        b'Content-Disposition: attachment; filename="C:\\\\Users\\\\pat\\\\x.exe"\r\n\r\nMZ\r\n'
        b"--b\r\nContent-Type: image/png\r\n\r\nno name\r\n--b--\r\n"
    )
    names = [part.filename for part in read(raw).parts]
    assert names == ["résumé.pdf", "x.exe", "part-3.png"]


# -- broken encodings -------------------------------------------------------------------


def test_broken_base64_and_quoted_printable_are_read_as_far_as_they_go():
    broken_base64 = (
        b"From: a@example.org\r\nContent-Transfer-Encoding: base64\r\n\r\n"
        b"SGVsbG8gd29ybGQ=====!!!\r\n"
    )
    assert read(broken_base64).text == "Hello world"
    broken_qp = (
        b"From: a@example.org\r\nContent-Type: text/plain; charset=utf-8\r\n"
        b"Content-Transfer-Encoding: quoted-printable\r\n\r\ncaf=C3=A9 =ZZ =C3\r\n"
    )
    assert read(broken_qp).text.startswith("café =ZZ")


def test_an_unknown_or_impossible_charset_is_read_as_utf8_with_replacement():
    for charset in (b"x-klingon", b"zlib_codec", b"base64", b'"utf-8\x00"', b"rot13"):
        raw = (
            b"From: a@example.org\r\nContent-Type: text/plain; charset="
            + charset
            + b"\r\n\r\ncaf\xc3\xa9 \xff\r\n"
        )
        assert read(raw).text.startswith("café"), charset


def test_undeclared_8bit_is_read_as_utf8_or_else_windows_1252():
    utf8 = "From: Zoë <zoe@example.org>\r\nSubject: Grüße\r\n\r\nGrüße\r\n".encode()
    latin1 = "From: Zoë <zoe@example.org>\r\nSubject: Grüße\r\n\r\nGrüße\r\n".encode("latin-1")
    for raw in (utf8, latin1):
        message = read(raw)
        assert (message.from_name, message.subject, message.text) == ("Zoë", "Grüße", "Grüße\n")


def test_an_encoded_word_in_an_unknown_charset_does_not_stop_the_message():
    message = read(b"From: a@example.org\r\nSubject: =?x-klingon?q?caf=C3=A9?=\r\n\r\nx")
    assert message.subject == "café"


def test_nul_characters_never_reach_the_register():
    raw = b"From: a@example.org\r\nSubject: a\x00b\r\n\r\nbody\x00with nul\r\n"
    message = read(raw)
    assert "\x00" not in message.subject and "\x00" not in message.text


# -- header injection -------------------------------------------------------------------


def test_an_encoded_subject_that_hides_a_new_header_comes_out_as_one_line():
    raw = (
        b"From: =?utf-8?b?" + base64.b64encode(b"Eve\r\nBcc: victim@example.org") + b"?= "
        b"<eve@example.org>\r\nSubject: " + encoded_word("Hello\r\nBcc: x@example.org\r\n\r\nhi")
        + b"\r\n\r\nbody"
    )  # fmt: skip
    message = read(raw)
    assert message.subject == "Hello Bcc: x@example.org hi"
    assert message.from_name == "Eve Bcc: victim@example.org"
    assert message.from_address == "eve@example.org"


@pytest.mark.parametrize("breaker", ["\r", "\n", "\u2028", "\u0085", "\x0b", "\x0c", "\x00"])
def test_no_line_breaking_character_survives_in_a_header(breaker):
    message = read(
        b"From: a@example.org\r\nSubject: " + encoded_word(f"a{breaker}b") + b"\r\n\r\n"
    )
    assert message.subject == "a b"


def test_an_address_hidden_in_an_encoded_display_name_is_not_the_sender():
    raw = b"From: " + encoded_word("boss@example.gov.au") + b" <eve@example.org>\r\n\r\nx"
    message = read(raw)
    assert message.from_address == "eve@example.org"
    assert message.from_name == "boss@example.gov.au"


def test_headers_are_cut_to_the_register_column_sizes():
    raw = plain_message(sender=f"{'N' * 400} <pat@example.org>", subject="S" * 2000)
    message = read(raw)
    assert len(message.subject) == 500
    assert len(message.from_name) == 200
    too_long_address = "a" * 320 + "@example.org"
    assert read(plain_message(sender=too_long_address)).from_address is None


@pytest.mark.parametrize(
    "sender",
    ["not an address", "a@", "@example.org", "a@@example.org", "a b@example.org", "a@-x.org"],
)
def test_an_unusable_sender_address_is_none(sender):
    raw = f"From: {sender}\r\nSubject: x\r\n\r\nx".encode()
    assert read(raw).from_address is None


# -- limits -----------------------------------------------------------------------------


def test_a_message_larger_than_the_limit_is_refused_before_it_is_read():
    with pytest.raises(Malformed, match=r"larger than 25 MB"):
        read(b"x" * (25 * MB + 1))


def test_thirty_megabytes_are_refused_at_once():
    raw = plain_message(body="x" * (30 * MB))
    started = time.perf_counter()
    with pytest.raises(Malformed, match=r"larger than 25 MB \(it is 30"):
        read(raw)
    assert time.perf_counter() - started < 0.5


def test_more_parts_than_allowed_are_refused():
    assert len(read(many_parts(100)).parts) == 100
    with pytest.raises(Malformed, match="more than 100 parts"):
        read(many_parts(101))
    with pytest.raises(Malformed, match="more than 5 parts"):
        read(many_parts(6), max_parts=5)


def test_ten_thousand_parts_are_refused_quickly():
    raw = many_parts(10_000)
    started = time.perf_counter()
    with pytest.raises(Malformed, match="more than 100 parts"):
        read(raw)
    assert time.perf_counter() - started < 2


@pytest.mark.parametrize("kind", ["multipart", "message"])
def test_parts_nested_too_deeply_are_refused(kind):
    assert read(nested(5, kind=kind))
    with pytest.raises(Malformed, match="nested"):
        read(nested(40, kind=kind))


def test_parts_nested_thousands_deep_are_refused_without_a_crash():
    with pytest.raises(Malformed):
        read(nested(3000, kind="message"))
    with pytest.raises(Malformed):
        read(nested(3000, kind="multipart"), max_parts=10_000)


@pytest.mark.parametrize(
    ("raw", "reason"),
    [(b"", "empty"), (b"  \r\n", "empty"), (b"no headers here\r\n\r\nbody", "no headers")],
)
def test_something_that_is_not_an_email_is_malformed(raw, reason):
    with pytest.raises(Malformed, match=reason):
        read(raw)


def test_text_instead_of_bytes_is_malformed():
    with pytest.raises(Malformed, match="not as bytes"):
        read(plain_message().decode())


# -- HTML -------------------------------------------------------------------------------


def test_html_keeps_formatting_lists_tables_and_safe_links():
    html = (
        "<h2>Title</h2><p><b>bold</b> <em>it</em></p><ul><li>one</li></ul>"
        '<table><tr><td colspan="2">cell</td></tr></table><a href="https://example.org">x</a>'
    )
    cleaned = sanitise_html(html)
    for kept in ("<h2>", "<b>bold</b>", "<li>one</li>", 'colspan="2"', "<td"):
        assert kept in cleaned
    assert '<a href="https://example.org" rel="noopener noreferrer">x</a>' in cleaned


@pytest.mark.parametrize(
    "dangerous",
    [
        "<script>alert(1)</script>",
        '<img src="x" onerror="alert(1)">',
        '<p onclick="alert(1)">x</p>',
        '<p style="background:url(https://tracker.example/p.gif)">x</p>',
        "<style>body{background:url(https://tracker.example/p.gif)}</style>",
        '<a href="javascript:alert(1)">x</a>',
        '<a href="data:text/html,<script>alert(1)</script>">x</a>',
        '<iframe src="https://example.org"></iframe>',
        '<form action="https://example.org"><input name="password"></form>',
        '<svg onload="alert(1)"><script>alert(1)</script></svg>',
        '<img src="https://tracker.example/p.gif">',
        '<img src="//tracker.example/p.gif">',
        '<img src="data:image/png;base64,AAAA">',
        '<meta http-equiv="refresh" content="0;url=https://example.org">',
        '<link rel="stylesheet" href="https://example.org/x.css">',
        '<base href="https://example.org/">',
        "<object data='x'></object><embed src='x'>",
        "<!--[if IE]><script>alert(1)</script><![endif]-->",
    ],
)
def test_html_loses_scripts_styles_handlers_and_remote_content(dangerous):
    cleaned = sanitise_html(f"<p>before</p>{dangerous}<p>after</p>").lower()
    for banned in (
        "<script", "onerror", "onclick", "onload", "style", "javascript:", "data:", "<iframe",
        "<form", "<input", "<svg", "tracker", "<meta", "<link", "<base", "<object", "<embed",
        "alert",
    ):  # fmt: skip
        assert banned not in cleaned
    assert "<p>before</p>" in cleaned and "<p>after</p>" in cleaned


def test_an_image_is_kept_only_when_it_points_at_an_inline_part():
    cleaned = sanitise_html('<img src="cid:logo@example.org" alt="Logo"><img src="https://x/y">')
    assert cleaned == '<img src="cid:logo@example.org" alt="Logo">'


def test_text_from_html_drops_scripts_styles_and_the_title():
    html = (
        "<html><head><title>Secret title</title><style>p{}</style></head><body>"
        "<script>alert(1)</script><p>Line one</p><div>Line<br>two &lt;b&gt;</div></body></html>"
    )
    assert text_from_html(html) == "Line one\nLine\ntwo <b>"


# -- mail a machine wrote ---------------------------------------------------------------


def test_an_out_of_office_reply_is_automatic():
    assert read(out_of_office()).automatic == "an automatic reply (Auto-Submitted: auto-replied)"


def test_auto_submitted_no_is_a_person():
    assert read(plain_message(headers={"Auto-Submitted": "no"})).automatic is None


@pytest.mark.parametrize(
    ("header", "value", "reason"),
    [
        ("Auto-Submitted", "auto-generated", "Auto-Submitted: auto-generated"),
        ("Auto-Submitted", 'auto-replied; owner-email="x@example.org"', "auto-replied"),
        ("Precedence", "bulk", "Precedence: bulk"),
        ("Precedence", "junk", "Precedence: junk"),
        ("Precedence", "list", "Precedence: list"),
        ("X-Autoreply", "yes", "X-Autoreply"),
        ("X-Autorespond", "Out of office", "X-Autorespond"),
        ("X-Auto-Response-Suppress", "All", "X-Auto-Response-Suppress: All"),
        ("X-Auto-Response-Suppress", "DR, OOF, AutoReply", "OOF"),
    ],
)
def test_headers_an_auto_responder_sets_make_a_message_automatic(header, value, reason):
    automatic = read(plain_message(headers={header: value})).automatic
    assert automatic is not None and reason in automatic


@pytest.mark.parametrize(
    ("header", "value"),
    [("Precedence", "first-class"), ("X-Auto-Response-Suppress", "DR, RN"), ("X-Other", "1")],
)
def test_other_header_values_are_a_person(header, value):
    assert read(plain_message(headers={header: value})).automatic is None


def test_a_delivery_status_report_is_a_bounce():
    message = read(bounce())
    assert message.automatic == BOUNCE
    assert message.text.startswith("I'm sorry")


def test_a_mailer_daemon_or_an_empty_return_path_with_a_dsn_part_is_a_bounce():
    assert read(bounce(report=False)).automatic == BOUNCE


def test_a_postmaster_writing_as_a_person_is_not_a_bounce():
    message = read(plain_message(sender="postmaster@example.org"))
    assert message.automatic is None


def test_a_message_with_our_own_message_id_is_a_loop():
    raw = plain_message(message_id=OUR_ID)
    assert read(raw, own_domains=(PORTAL_DOMAIN,)).automatic == OWN_MESSAGE
    assert read(raw, own_domains=("other.example.org",)).automatic is None
    # Someone else at our domain writing as a person is not our outbox.
    staff = plain_message(message_id=f"<CAF123@{PORTAL_DOMAIN}>")
    assert read(staff, own_domains=(PORTAL_DOMAIN,)).automatic is None


def test_the_automatic_rule_reads_a_read_receipt_and_plain_values():
    def rule(**values):
        defaults = {
            "content_type": "text/plain",
            "report_type": None,
            "part_types": (),
            "from_address": "pat@example.org",
            "message_id": "<a@example.org>",
        }
        return automatic_reason(values.pop("headers", {}), **{**defaults, **values})

    assert rule() is None
    assert (
        rule(content_type="multipart/report", report_type="disposition-notification")
        == READ_RECEIPT
    )
    assert rule(from_address="MAILER-DAEMON@example.org") == BOUNCE
    assert rule(headers={"return-path": ["<>"]}, part_types=["message/delivery-status"]) == BOUNCE
    assert rule(headers={"return-path": ["<>"]}) is None  # a notification, not a bounce
    assert rule(headers={"auto-submitted": ["No"]}) is None


# -- everything fits the register -------------------------------------------------------


def test_what_parse_gives_fits_the_register_columns(make):
    """Stored as the ingest stores it, on SQLite and PostgreSQL (which refuses NUL and
    over-long values)."""
    nasty = {
        **samples(),
        "nul": b"From: a@example.org\r\nSubject: a\x00b\r\n\r\nbody\x00\r\n",
        "long": plain_message(
            sender=f"{'N' * 400} <pat@example.org>", subject="S" * 2000, message_id=None
        ),
        "8bit": "From: Zoë <zoe@example.org>\r\nSubject: Grüße\r\n\r\nGrüße\x00\r\n".encode(),
    }
    for name, raw in nasty.items():
        message = read(raw)
        db.session.add(
            InboundMessage(
                message_id=message.message_id,
                mailbox="pipe",
                sent_at=message.sent_at,
                from_address=message.from_address,
                from_name=message.from_name,
                to_address=(message.to_addresses or (None,))[0],
                subject=message.subject,
                in_reply_to=" ".join(message.in_reply_to)[:1000] or None,
                references_header=" ".join(message.references) or None,
                body_text=message.text,
                body_html=message.html,
                size=message.size,
                sha256=message.sha256,
                status="ignored",
                reason=message.automatic or name,
            )
        )
    db.session.commit()
    assert db.session.query(InboundMessage).count() == len(nasty)
