"""Which files a member of the public may attach, recognised by their name and their content.

Pure: a file name and its bytes in, the content type or a refusal in the sender's words out.
A file is accepted only when its extension is allowed AND its first bytes are what that
kind of file starts with (a renamed program is refused, whatever the browser claimed).
"""

import io
import re
import unicodedata
import zipfile
from dataclasses import dataclass

from .errors import RuleViolation
from .inflation import DEFAULT_LIMITS, InflationLimits, inflation_problem


@dataclass(frozen=True, slots=True)
class FileKind:
    name: str  # in the sender's words
    content_type: str
    extensions: tuple[str, ...]


PDF = FileKind("PDF document", "application/pdf", ("pdf",))
PNG = FileKind("PNG image", "image/png", ("png",))
JPEG = FileKind("JPEG photo", "image/jpeg", ("jpg", "jpeg"))
GIF = FileKind("GIF image", "image/gif", ("gif",))
DOCX = FileKind(
    "Word document",
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ("docx",),
)
XLSX = FileKind(
    "Excel spreadsheet",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    ("xlsx",),
)
TEXT = FileKind("plain text file", "text/plain", ("txt",))

KINDS = (PDF, PNG, JPEG, GIF, DOCX, XLSX, TEXT)
# Zips inside: what they open out to is checked too (rules.inflation).
ZIP_KINDS = frozenset({DOCX, XLSX})
BY_EXTENSION = {extension: kind for kind in KINDS for extension in kind.extensions}
# What the form's `accept` attribute and its hint list.
ACCEPT = ",".join(f".{extension}" for kind in KINDS for extension in kind.extensions)


class AttachmentRefused(RuleViolation):
    """A file that is not accepted, with the reason in the sender's words."""


def describe_size(size: int) -> str:
    """1.5 MB, 300 KB, 12 bytes: sizes as people read them (1 MB = 1,000,000 bytes)."""
    for unit, scale in (("MB", 1_000_000), ("KB", 1_000)):
        if size >= scale:
            amount = size / scale
            text = f"{amount:.1f}" if amount < 100 else f"{amount:.0f}"
            return text.removesuffix(".0") + " " + unit
    return f"{size} byte{'s' if size != 1 else ''}"


def check_size(filename: str, size: int, max_bytes: int) -> None:
    """AttachmentRefused when a file is empty or over the limit."""
    name = safe_filename(filename)
    if size <= 0:
        raise AttachmentRefused(f"{name} is empty. Choose the file again, or leave it out.")
    if size > max_bytes:
        shown, limit = describe_size(size), describe_size(max_bytes)
        size_text = f"is {shown}" if shown != limit else f"is more than {limit}"
        raise AttachmentRefused(
            f"{name} {size_text}; each file may be at most {limit}. Make it smaller "
            "(for example, scan at a lower resolution) or leave it out."
        )


def allowed_names() -> str:
    """PDF, Word (.docx), ...: the kinds listed for the sender."""
    return ", ".join(f"{kind.name} (.{', .'.join(kind.extensions)})" for kind in KINDS)


def safe_filename(filename: str) -> str:
    """The sender's file name without any folder part or control characters, at most 255."""
    name = unicodedata.normalize("NFC", filename or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(c for c in name if unicodedata.category(c)[0] != "C").strip().strip(".")
    if len(name) > 255:
        stem, dot, extension = name.rpartition(".")
        if dot and len(extension) <= 10:
            name = stem[: 254 - len(extension)] + "." + extension
        else:
            name = name[:255]
    return name or "attachment"


def _a(noun: str) -> str:
    return f"{'an' if noun[0].lower() in 'aeiou' else 'a'} {noun}"


def _extension(filename: str) -> str:
    _, dot, extension = filename.rpartition(".")
    return extension.lower() if dot else ""


def _office_document(data: bytes, part: str) -> bool:
    """A real .docx or .xlsx: a zip with [Content_Types].xml and its main part."""
    if not data.startswith(b"PK\x03\x04"):
        return False
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            names = set(archive.namelist())
    except (zipfile.BadZipFile, ValueError, OSError):
        return False
    return "[Content_Types].xml" in names and part in names


_TEXT_CONTROL = re.compile(rb"[\x00-\x08\x0b\x0e-\x1f\x7f]")


def _plain_text(data: bytes) -> bool:
    if data.startswith(b"\xef\xbb\xbf"):
        data = data[3:]
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    # Tabs, line ends and form feeds only: NUL and other controls mean a binary file.
    return _TEXT_CONTROL.search(data) is None


def content_matches(kind: FileKind, data: bytes) -> bool:
    """Whether the bytes are what a file of this kind starts with (its "magic" bytes)."""
    if kind is PDF:
        return data[:1024].lstrip(b"\x00\t\n\r ").startswith(b"%PDF-")
    if kind is PNG:
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if kind is JPEG:
        return data.startswith(b"\xff\xd8\xff")
    if kind is GIF:
        return data[:6] in (b"GIF87a", b"GIF89a")
    if kind is DOCX:
        return _office_document(data, "word/document.xml")
    if kind is XLSX:
        return _office_document(data, "xl/workbook.xml")
    if kind is TEXT:
        return _plain_text(data)
    return False


def check_file(
    filename: str, data: bytes, max_bytes: int, inflation: InflationLimits = DEFAULT_LIMITS
) -> FileKind:
    """The kind of an acceptable file; AttachmentRefused, naming the file, otherwise."""
    name = safe_filename(filename)
    check_size(name, len(data), max_bytes)
    kind = BY_EXTENSION.get(_extension(name))
    if kind is None:
        raise AttachmentRefused(
            f"{name} is not a kind of file we accept. Attach only these: {allowed_names()}."
        )
    if not content_matches(kind, data):
        raise AttachmentRefused(
            f"{name} is named like {_a(kind.name)} but its content is not one. "
            "Save it again in that format, or attach it as a PDF."
        )
    if kind in ZIP_KINDS:
        check_inflation(name, kind, data, inflation)
    return kind


def check_inflation(name: str, kind: FileKind, data: bytes, limits: InflationLimits) -> None:
    """AttachmentRefused for a zip bomb or a damaged zip; nothing is inflated past a cap."""
    problem = inflation_problem(data, limits)
    if problem == "too large":
        raise AttachmentRefused(
            f"{name} expands to far more than its size when opened, as harmful files do, so "
            "it was not accepted. Save it again from Word or Excel, or attach it as a PDF."
        )
    if problem is not None:
        raise AttachmentRefused(
            f"{name} is damaged: it cannot be opened as {_a(kind.name)}. Save it again, or "
            "attach it as a PDF."
        )
