"""Fuzzing the reading of received mail: whatever bytes arrive, `parse` gives a ParsedMessage
whose values are safe to store and show, or Malformed with a reason; never anything else.

Hypothesis mutates good samples (tests/mail_samples.py) with the damage real mail shows:
flipped and dropped bytes, stray boundaries, broken encoded-words, 8-bit bytes, NULs.
"""

import base64
import time

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from services.mail_in import Malformed, ParsedMessage, SentPart, parse
from tests.mail_samples import PORTAL_DOMAIN, many_parts, nested, plain_message, samples

MAX_BYTES = 2_000_000
SAMPLES = samples()
FUZZ = settings(
    max_examples=250,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
    derandomize=True,  # the same examples every run: a failure is one that stays
)

# Fragments that trip MIME parsers, spliced into good messages.
TROUBLE = [
    b"\r\n", b"\n", b"\r", b"\x00", b"\xff\xfe", b"\xc3", b"\xe2\x80\xa8", b"=?", b"?=",
    b"=?utf-8?b?", b"=?utf-8?q?", b"=?x-unknown?b?AAAA?=", b"=?utf-8?b?DQpCY2M6IHhAeA==?=",
    b"\r\nContent-Type: multipart/mixed; boundary=zz\r\n", b"\r\n--zz\r\n", b"\r\n--zz--\r\n",
    b"\r\nContent-Transfer-Encoding: base64\r\n", b"\r\nContent-Transfer-Encoding: x-uuencode\r\n",
    b"\r\nContent-Transfer-Encoding: quoted-printable\r\n", b"=ZZ", b"=\r\n", b"begin 644 x\r\n",
    b"\r\nContent-Type: message/rfc822\r\n\r\n", b"; charset=", b"; charset*=''", b"filename*0*=",
    b"\r\nFrom: \r\n", b"\r\nMessage-ID: <\r\n", b"\r\nDate: \r\n", b"\"", b"<", b">", b"(", b";",
    b"\r\nContent-Type: multipart/report; report-type=delivery-status; boundary=zz\r\n",
    b"\r\nContent-Disposition: attachment; filename=\"../../x\"\r\n", b"\t", b" " * 100,
]  # fmt: skip


def assert_safe(result) -> None:
    """What the ingest relies on, whatever the input."""
    if isinstance(result, Malformed):
        assert str(result).strip()
        return
    assert isinstance(result, ParsedMessage)
    for value in (result.subject, result.from_name or "", result.message_id):
        assert not any(c in value for c in "\r\n\x00\u2028\u2029\x85"), repr(value)
    assert len(result.subject) <= 500
    assert result.from_name is None or 0 < len(result.from_name) <= 200
    assert result.message_id.startswith("<") and result.message_id.endswith(">")
    assert len(result.message_id) <= 500 and " " not in result.message_id
    addresses = (result.from_address, *result.to_addresses) if result.from_address else ()
    for address in (*addresses, *result.to_addresses):
        assert address == address.lower() and len(address) <= 320 and "@" in address
        assert not any(c.isspace() for c in address)
    for message_id in (*result.in_reply_to, *result.references):
        assert message_id.startswith("<") and message_id.endswith(">") and " " not in message_id
    assert result.sent_at is None or result.sent_at.utcoffset().total_seconds() == 0
    assert isinstance(result.text, str) and "\x00" not in result.text
    if result.html is not None:
        lowered = result.html.lower()
        assert "<script" not in lowered and "javascript:" not in lowered and "\x00" not in lowered
    for part in result.parts:
        assert isinstance(part, SentPart) and isinstance(part.data, bytes)
        assert part.filename and "/" not in part.filename and "\\" not in part.filename
        assert len(part.filename) <= 255 and len(part.content_type) <= 120
    assert result.automatic is None or isinstance(result.automatic, str)
    assert len(result.sha256) == 64


def outcome(raw: bytes, **options):
    try:
        return parse(raw, max_bytes=options.pop("max_bytes", MAX_BYTES), **options)
    except Malformed as error:
        return error


@st.composite
def damaged(draw):
    """A good sample with a few kinds of damage applied."""
    raw = bytearray(SAMPLES[draw(st.sampled_from(sorted(SAMPLES)))])
    for _ in range(draw(st.integers(1, 8))):
        at = draw(st.integers(0, len(raw)))
        kind = draw(st.sampled_from(["flip", "insert", "trouble", "delete", "repeat"]))
        if kind == "flip" and at < len(raw):
            raw[at] = draw(st.integers(0, 255))
        elif kind == "insert":
            raw[at:at] = draw(st.binary(min_size=1, max_size=40))
        elif kind == "trouble":
            raw[at:at] = draw(st.sampled_from(TROUBLE))
        elif kind == "delete":
            del raw[at : at + draw(st.integers(1, 200))]
        elif kind == "repeat":
            chunk = raw[at : at + draw(st.integers(1, 300))]
            raw[at:at] = chunk * draw(st.integers(1, 20))
    return bytes(raw)


@FUZZ
@given(damaged())
def test_damaged_messages_give_a_safe_message_or_a_reason(raw):
    assert_safe(outcome(raw, own_domains=(PORTAL_DOMAIN,)))


@FUZZ
@given(st.binary(max_size=2000))
def test_any_bytes_give_a_safe_message_or_a_reason(raw):
    assert_safe(outcome(raw))


@FUZZ
@given(st.text(max_size=200))
def test_any_encoded_subject_and_sender_name_stay_on_one_line(text):
    word = base64.b64encode(text.encode("utf-8", "surrogatepass")).decode()
    raw = header_block(
        [
            f"From: =?utf-8?b?{word}?= <pat@example.org>".encode(),
            f"Subject: =?utf-8?b?{word}?=".encode(),
        ]
    )
    result = outcome(raw)
    assert_safe(result)
    assert isinstance(result, ParsedMessage)
    assert result.from_address == "pat@example.org"


def header_block(lines: list[bytes]) -> bytes:
    return b"\r\n".join(lines) + b"\r\n\r\nbody\r\n"


HANDCRAFTED = {
    "broken base64": b"From: a@example.org\r\nContent-Transfer-Encoding: base64\r\n\r\n!!!*&^\r\n",
    "broken base64 attachment": (
        b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: image/png\r\nContent-Transfer-Encoding: base64\r\n\r\nA=B=C\r\n--b--\r\n"
    ),
    "broken quoted-printable": (
        b"From: a@example.org\r\nContent-Transfer-Encoding: quoted-printable\r\n\r\n=\r\n=Z=\xff"
    ),
    "broken uuencode": (
        b"From: a@example.org\r\nContent-Transfer-Encoding: x-uuencode\r\n\r\n"
        b"begin 644 x\r\n!!\r\n"
    ),
    "undeclared 8-bit": "From: Zoë <zoë@exämple.org>\r\nSubject: ½ €\r\n\r\n€".encode("cp1252"),
    "8-bit in a boundary": (
        b'From: a@example.org\r\nContent-Type: multipart/mixed; boundary="\xff\xfe"\r\n\r\n'
        b"--\xff\xfe\r\nContent-Type: text/plain\r\n\r\nx\r\n--\xff\xfe--\r\n"
    ),
    "missing boundary": b"From: a@example.org\r\nContent-Type: multipart/mixed\r\n\r\nx",
    "unterminated multipart": (
        b"From: a@example.org\r\nContent-Type: multipart/mixed; boundary=b\r\n\r\n--b\r\n"
        b"Content-Type: text/html\r\n\r\n<p>never ends"
    ),
    "empty attached message": b"From: a@example.org\r\nContent-Type: message/rfc822\r\n\r\n",
    "header injection": header_block(
        [b"From: a@example.org", b"Subject: =?utf-8?q?a=0D=0ABcc:_x@example.org?="]
    ),
    "header injection in a name": header_block(
        [b"From: =?utf-8?q?Eve=0D=0ATo:_x@example.org?= <eve@example.org>"]
    ),
    "bare CR in a header": header_block([b"From: a@example.org", b"Subject: a\rBcc: b"]),
    "missing From": header_block([b"Subject: no sender"]),
    "missing Message-ID": header_block([b"From: a@example.org"]),
    "duplicate headers": header_block([b"From: a@example.org"] * 50 + [b"Subject: s"] * 50),
    "a thousand references": header_block(
        [b"From: a@example.org", b"References: " + b" ".join(b"<r%d@x>" % i for i in range(1000))]
    ),
    "a huge header": header_block([b"From: a@example.org", b"Subject: " + b"s" * 500_000]),
    "folded forever": header_block([b"From: a@example.org", b"Subject: a"] + [b" b"] * 10_000),
    "rfc2231 garbage": header_block(
        [b"From: a@example.org", b"Content-Type: text/plain; charset*=x'y'%ZZ%; name*0*=''%"]
    ),
    "address group": header_block([b"From: Group: a@example.org, b@example.org;", b"To: ;"]),
    "date out of range": header_block(
        [b"From: a@example.org", b"Date: 1 Jan 0000 99:99:99 +9999"]
    ),
    "unix from line": b"From pat@example.org Mon Mar  2 09:30:00 2026\r\n" + plain_message(),
    "only a header": b"From: a@example.org",
    "report without parts": header_block(
        [b"From: MAILER-DAEMON@x", b"Content-Type: multipart/report; report-type=delivery-status"]
    ),
}


@pytest.mark.parametrize("raw", HANDCRAFTED.values(), ids=HANDCRAFTED.keys())
def test_handcrafted_bad_messages_give_a_safe_message_or_a_reason(raw):
    assert_safe(outcome(raw))


@pytest.mark.parametrize(
    "raw", [plain_message(), *HANDCRAFTED.values()], ids=["plain", *HANDCRAFTED.keys()]
)
def test_no_header_of_a_bad_message_carries_a_line_break(raw):
    result = outcome(raw)
    if isinstance(result, ParsedMessage):
        assert "\r" not in result.subject and "\n" not in result.subject


def test_ten_thousand_parts_are_malformed_in_well_under_a_few_seconds():
    raw = many_parts(10_000)
    started = time.perf_counter()
    assert isinstance(outcome(raw), Malformed)
    # Even when the part limit is set high, the nesting and the walk stay bounded.
    assert isinstance(outcome(raw, max_parts=5_000), Malformed)
    assert time.perf_counter() - started < 3


def test_thirty_megabytes_are_malformed_without_being_parsed():
    raw = b"From: a@example.org\r\n\r\n" + b"x" * (30_000_000)
    started = time.perf_counter()
    result = outcome(raw, max_bytes=25_000_000)
    assert isinstance(result, Malformed) and "larger than 25 MB" in str(result)
    assert time.perf_counter() - started < 0.5


@pytest.mark.parametrize("kind", ["multipart", "message"])
def test_deeply_nested_parts_are_malformed(kind):
    for depth in (13, 100, 1_000):
        result = outcome(nested(depth, kind=kind), max_parts=100_000)
        assert isinstance(result, Malformed), depth
