"""Reading one received email safely: raw bytes in, plain values out, or `Malformed`.

The standard library's `email` package does the MIME work (compat32: it keeps every header
as sent, and never raises on reading one); this module decides what may come out of it:
header values on one line and cut to the register's column sizes, text decoded whatever
charset was claimed, HTML sanitised (sanitise.py), limits on size, parts and nesting checked
before anything is built, and the automatic-mail rule (rules/mail_automatic.py) applied.
`parse` raises nothing but `Malformed`, whose text is the reason an administrator reads.
"""

import codecs
import hashlib
import mimetypes
import re
from dataclasses import dataclass
from datetime import UTC, datetime
from email import message_from_bytes
from email.header import decode_header
from email.message import Message
from email.policy import compat32
from email.utils import getaddresses, parsedate_to_datetime

from rules.attachments import describe_size
from rules.mail_automatic import automatic_reason

from .sanitise import sanitise_html, text_from_html

# models/mail.py column sizes.
SUBJECT_MAX = 500
NAME_MAX = 200
ADDRESS_MAX = 320
MESSAGE_ID_MAX = 500
FILENAME_MAX = 255
CONTENT_TYPE_MAX = 120
CONTENT_ID_MAX = 250
# A thread's root and its most recent messages are what threading needs.
REFERENCES_KEPT = 50
# message/rfc822 inside multipart inside message/rfc822 ...: a person's mail is rarely
# deeper than 5; a bomb is thousands deep.
MAX_DEPTH = 12


class Malformed(Exception):
    """The message cannot be read; str(error) is the reason, in an administrator's words."""


@dataclass(frozen=True, slots=True)
class SentPart:
    """An attachment or inline image, bytes as sent."""

    filename: str  # as the sender named it (or "part-N.<ext>")
    content_type: str  # as claimed (the document checks decide for real)
    data: bytes
    inline: bool  # an inline image (Content-ID) rather than an attachment
    content_id: str | None


@dataclass(frozen=True, slots=True)
class ParsedMessage:
    message_id: str  # "<...>" as sent; when absent "<sha256.HEX@message-id.invalid>"
    from_address: str | None  # lower-cased addr-spec, None when unusable
    from_name: str | None
    to_addresses: tuple[str, ...]  # To + Cc + Delivered-To/X-Original-To, lower-cased
    subject: str  # decoded, one line, no CR/LF, at most 500 chars
    sent_at: datetime | None  # aware UTC from Date:, None when unparsable
    in_reply_to: tuple[str, ...]  # message ids "<...>"
    references: tuple[str, ...]
    text: str  # the readable text: text/plain, else text from the HTML
    html: str | None  # the HTML part, sanitised (nh3), None when none
    parts: tuple[SentPart, ...]
    automatic: str | None  # why it must create nothing, in an administrator's words
    size: int
    sha256: str  # of the raw bytes


def parse(
    raw: bytes, *, max_bytes: int, max_parts: int = 100, own_domains: tuple[str, ...] = ()
) -> ParsedMessage:
    """The message in `raw`, or Malformed with the reason it cannot be read."""
    if not isinstance(raw, bytes | bytearray | memoryview):
        raise Malformed("not an email: the message arrived as text, not as bytes")
    raw = bytes(raw)
    if len(raw) > max_bytes:
        raise Malformed(
            f"larger than {describe_size(max_bytes)} (it is {describe_size(len(raw))})"
        )
    if not raw.strip():
        raise Malformed("an empty message")
    _check_part_count(raw, max_parts)
    try:
        return _parse(raw, max_parts=max_parts, own_domains=tuple(own_domains))
    except Malformed:
        raise
    except RecursionError:
        raise Malformed("parts nested too deeply to read") from None
    except MemoryError:
        raise Malformed("too large to read") from None
    except Exception as error:  # the stdlib's parser has more failure modes than it documents
        raise Malformed(
            f"unreadable ({type(error).__name__}: {_one_line(str(error), 200)})"
        ) from None


_BOUNDARY = re.compile(rb"""boundary\s*=\s*(?:"([^"\r\n]{1,200})"|([^\s;"]{1,200}))""", re.I)


def _check_part_count(raw: bytes, max_parts: int) -> None:
    """Refuse a message with too many parts before the parser builds a tree of them: count
    the lines that open a part under any boundary the message declares (an upper bound)."""
    if raw.count(b"\n--") <= max_parts:
        return
    boundaries = {b"--" + (quoted or bare) for quoted, bare in _BOUNDARY.findall(raw)}
    if not boundaries:
        return
    delimiters = 0
    for line in raw.split(b"\n"):
        if line[:2] == b"--" and line.rstrip(b"\r \t") in boundaries:
            delimiters += 1
            if delimiters > max_parts:
                raise Malformed(f"more than {max_parts} parts")


def _parse(raw: bytes, *, max_parts: int, own_domains: tuple[str, ...]) -> ParsedMessage:
    message = message_from_bytes(raw, policy=compat32)
    if not message.keys():
        raise Malformed("not an email: no headers")
    digest = hashlib.sha256(raw).hexdigest()

    message_id = _message_id(message) or f"<sha256.{digest}@message-id.invalid>"
    from_name, from_address = _from(message)
    subject = _one_line(_decoded_header(message, "subject"), SUBJECT_MAX)

    body = _Body(max_parts)
    body.walk(message, depth=0)

    headers = {
        name: [_one_line(_decoded(value), 200) for value in _raw_values(message, name)]
        for name in (
            "auto-submitted",
            "precedence",
            "x-autoreply",
            "x-autorespond",
            "x-auto-response-suppress",
            "return-path",
        )
    }
    automatic = automatic_reason(
        headers,
        content_type=message.get_content_type(),
        report_type=_param(message, "report-type"),
        part_types=body.content_types,
        from_address=from_address,
        message_id=message_id,
        own_domains=own_domains,
    )
    html = sanitise_html(body.html) if body.html is not None else None
    text = body.text or ""
    if not text.strip() and body.html:
        text = text_from_html(body.html)
    return ParsedMessage(
        message_id=message_id,
        from_address=from_address,
        from_name=from_name,
        to_addresses=_recipients(message),
        subject=subject,
        sent_at=_sent_at(message),
        in_reply_to=_message_ids(message, "in-reply-to")[:REFERENCES_KEPT],
        references=_kept_references(_message_ids(message, "references")),
        text=text,
        html=html,
        parts=tuple(body.parts),
        automatic=automatic,
        size=len(raw),
        sha256=digest,
    )


# -- headers ----------------------------------------------------------------------------

# Every character that could end a line or hide one: C0/C1 controls, DEL, Unicode separators.
_LINE_BREAKING = re.compile(r"[\x00-\x1f\x7f-\x9f\u2028\u2029\ufeff]+")


def _one_line(value: str, limit: int) -> str:
    return " ".join(_LINE_BREAKING.sub(" ", value).split())[:limit].strip()


def _text_of(data: bytes, charset: str | None) -> str:
    """Bytes to text whatever was claimed, never failing: a known charset with replacement,
    an unknown one as UTF-8 with replacement, none (or ASCII, often untrue) as UTF-8 when it
    is valid UTF-8, else as Windows-1252."""
    if charset:
        charset = charset.strip().strip('"').lower()
    known = None
    if charset and charset not in ("unknown-8bit", "x-unknown", "us-ascii", "ascii"):
        try:
            known = codecs.lookup(charset).name
        except (LookupError, ValueError, TypeError):
            known = None
    if known:
        try:
            return data.decode(known, errors="replace")
        except (LookupError, ValueError, TypeError):  # a codec that is not a text encoding
            known = None
    if charset and charset not in ("unknown-8bit", "x-unknown", "us-ascii", "ascii"):
        return data.decode("utf-8", errors="replace")  # a charset nobody knows
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def _decoded(value) -> str:
    """A raw header value with its encoded-words (RFC 2047) decoded, never raising."""
    if value is None:
        return ""
    try:
        chunks = decode_header(value)
    except Exception:  # a broken encoded-word: keep the text as sent
        return _text_of(str(value).encode("utf-8", "surrogateescape"), None)
    words = []
    for chunk, charset in chunks:
        if isinstance(chunk, str):
            words.append(_text_of(chunk.encode("utf-8", "surrogateescape"), None))
        else:
            words.append(_text_of(chunk, charset))
    return "".join(words)


def _decoded_header(message: Message, name: str) -> str:
    values = _raw_values(message, name)
    return _decoded(values[0]) if values else ""


def _raw_values(message: Message, name: str) -> list[str]:
    """Every value of a header as sent, 8-bit bytes kept as surrogates (compat32 would wrap
    those in a Header that has already lost them)."""
    return [str(value) for key, value in message.raw_items() if key.lower() == name]


_ADDR_SPEC = re.compile(r"[^\s@<>(),;:\"\[\]\\]+@[A-Za-z0-9](?:[A-Za-z0-9.-]*[A-Za-z0-9])?")


def _address(addr: str) -> str | None:
    addr = addr.strip().lower()
    if len(addr) > ADDRESS_MAX or not _ADDR_SPEC.fullmatch(addr) or ".." in addr:
        return None
    try:
        addr.encode("ascii")
    except UnicodeEncodeError:
        return None
    return addr


def _from(message: Message) -> tuple[str | None, str | None]:
    for value in _raw_values(message, "from"):
        for name, addr in getaddresses([_LINE_BREAKING.sub(" ", _decoded_for_addresses(value))]):
            address = _address(addr)
            if address:
                return _one_line(_decoded(name), NAME_MAX) or None, address
        # A From with no usable address: keep the name for the administrator to read.
        return _one_line(_decoded(value), NAME_MAX) or None, None
    return None, None


def _decoded_for_addresses(value: str) -> str:
    """Undeclared 8-bit bytes read as UTF-8, else Windows-1252 (never an ASCII address)."""
    return _text_of(value.encode("utf-8", "surrogateescape"), None)


def _recipients(message: Message) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for name in ("to", "cc", "delivered-to", "x-original-to"):
        values = [
            _LINE_BREAKING.sub(" ", _decoded_for_addresses(v)) for v in _raw_values(message, name)
        ]
        for _, addr in getaddresses(values):
            address = _address(addr)
            if address:
                found.setdefault(address, None)
            if len(found) >= 200:
                return tuple(found)
    return tuple(found)


_MESSAGE_ID = re.compile(r"<[^<>\s]{1,498}>")


def _message_id(message: Message) -> str | None:
    for value in _raw_values(message, "message-id"):
        value = _one_line(_decoded_for_addresses(value), 10_000)
        match = _MESSAGE_ID.search(value)
        if match:
            return match.group(0)
        bare = value.strip("<> ")
        if bare and " " not in bare and len(bare) <= MESSAGE_ID_MAX - 2 and "@" in bare:
            return f"<{bare}>"
    return None


def _message_ids(message: Message, name: str) -> tuple[str, ...]:
    found: dict[str, None] = {}
    for value in _raw_values(message, name):
        for match in _MESSAGE_ID.findall(_decoded_for_addresses(value)):
            found.setdefault(match, None)
    return tuple(found)


def _kept_references(ids: tuple[str, ...]) -> tuple[str, ...]:
    if len(ids) <= REFERENCES_KEPT:
        return ids
    return ids[:1] + ids[-(REFERENCES_KEPT - 1) :]


def _sent_at(message: Message) -> datetime | None:
    values = _raw_values(message, "date")
    if not values:
        return None
    try:
        sent = parsedate_to_datetime(_one_line(_decoded_for_addresses(values[0]), 200))
        if sent.tzinfo is None:  # "-0000": the time is UTC, the zone unknown
            sent = sent.replace(tzinfo=UTC)
        return sent.astimezone(UTC)
    except (TypeError, ValueError, OverflowError, IndexError):
        return None


def _param(part: Message, name: str) -> str | None:
    try:
        value = part.get_param(name)
    except Exception:
        return None
    if isinstance(value, tuple):  # RFC 2231 (charset, language, value)
        value = value[2]
    return _one_line(str(value), 200) if value is not None else None


# -- the body ---------------------------------------------------------------------------


class _Body:
    """Walks the MIME tree once: the text, the HTML, and every other part as a SentPart."""

    def __init__(self, max_parts: int):
        self.max_parts = max_parts
        self.count = 0
        self.text: str | None = None
        self.html: str | None = None
        self.parts: list[SentPart] = []
        self.content_types: list[str] = []

    def walk(self, part: Message, depth: int, in_alternative: bool = False) -> None:
        if depth > MAX_DEPTH:
            raise Malformed(f"parts nested more than {MAX_DEPTH} deep")
        self.count += depth > 0  # the parts inside the message, not the message itself
        if self.count > self.max_parts:
            raise Malformed(f"more than {self.max_parts} parts")
        content_type = part.get_content_type()
        self.content_types.append(content_type)
        if part.is_multipart() and content_type != "message/rfc822":
            children = part.get_payload()
            if not isinstance(children, list):
                return
            alternative = content_type == "multipart/alternative"
            for child in children:
                self.walk(child, depth + 1, alternative or in_alternative)
            return
        if content_type == "message/rfc822":
            self._attached_message(part, depth)
            return
        disposition = (part.get_content_disposition() or "").lower()
        filename = self._filename(part)
        if disposition != "attachment" and not filename and content_type == "text/plain":
            text = self._text(part)
            if self.text is None:
                self.text = text
            elif not in_alternative and text.strip():
                self.text = f"{self.text}\n\n{text}"  # a second text part between images
            return
        if disposition != "attachment" and not filename and content_type == "text/html":
            if self.html is None:
                self.html = self._text(part)
            return
        if content_type in ("message/delivery-status", "text/rfc822-headers"):
            return  # the machine-readable half of a report: nothing for an officer
        self._sent_part(part, content_type, disposition, filename)

    def _attached_message(self, part: Message, depth: int) -> None:
        payload = part.get_payload()
        inner = payload[0] if isinstance(payload, list) and payload else None
        if inner is not None:
            # Count and depth-check what it holds; its bytes are kept whole as one part.
            counter = _Body(self.max_parts - self.count)
            counter.walk(inner, depth + 1)
            self.count += counter.count
            self.content_types.extend(counter.content_types)
            data = inner.as_bytes(policy=compat32)
        else:
            data = b""
        filename = self._filename(part) or f"part-{len(self.parts) + 1}.eml"
        self.parts.append(SentPart(filename, "message/rfc822", data, False, None))

    def _text(self, part: Message) -> str:
        data = part.get_payload(decode=True) or b""
        text = _text_of(data, _charset(part))
        return text.replace("\x00", "").replace("\r\n", "\n").replace("\r", "\n")

    def _filename(self, part: Message) -> str:
        try:
            name = part.get_filename() or part.get_param("name") or ""
        except Exception:
            name = ""
        if isinstance(name, tuple):
            name = name[2]
        name = _one_line(_decoded(str(name)), FILENAME_MAX * 2)
        # The sender's name for display only; never a path.
        name = name.replace("\\", "/").rpartition("/")[2].strip(" .")
        return name[:FILENAME_MAX]

    def _sent_part(self, part: Message, content_type: str, disposition: str, filename: str):
        content_type = _one_line(content_type, CONTENT_TYPE_MAX) or "application/octet-stream"
        content_id = _one_line(
            _decoded_for_addresses((_raw_values(part, "content-id") or [""])[0]), 1000
        )
        content_id = content_id.strip("<> ")[:CONTENT_ID_MAX] or None
        inline = (
            content_id is not None
            and disposition != "attachment"
            and content_type.startswith("image/")
        )
        if not filename:
            extension = mimetypes.guess_extension(content_type, strict=False) or ".bin"
            filename = f"part-{len(self.parts) + 1}{extension}"
        data = part.get_payload(decode=True)
        if not isinstance(data, bytes):
            data = b""
        self.parts.append(SentPart(filename, content_type, data, inline, content_id))


def _charset(part: Message) -> str | None:
    try:
        return part.get_content_charset(None)
    except Exception:
        return None
