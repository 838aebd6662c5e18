"""Zip bombs dressed as Word or Excel files are refused, by what they declare and by what
they really inflate to; real documents pass. Every archive is built here, in memory."""

import io
import random
import struct
import time
import zipfile

import pytest

from rules.attachments import DOCX, XLSX, AttachmentRefused, check_file
from rules.inflation import InflationLimits, inflation_problem

LIMIT = 10_000_000
MIB = 1 << 20


def office(parts: dict, main_part="word/document.xml", zeros: int = 0) -> bytes:
    """A .docx (or .xlsx with main_part) whose main part ends in `zeros` zero bytes."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open(main_part, "w") as part:
            part.write(b"<document/>")
            block = bytes(MIB)
            for start in range(0, zeros, MIB):
                part.write(block[: min(MIB, zeros - start)])
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def declare_size(data: bytes, part_name: str, size: int) -> bytes:
    """The archive with `part_name` claiming to inflate to `size` bytes (both headers)."""
    patched = bytearray(data)
    archive = zipfile.ZipFile(io.BytesIO(data))
    struct.pack_into("<I", patched, archive.getinfo(part_name).header_offset + 22, size)
    entry = archive.start_dir
    while data[entry + 46 : entry + 46 + len(part_name)] != part_name.encode():
        lengths = struct.unpack("<HHH", data[entry + 28 : entry + 34])
        entry += 46 + sum(lengths)
    struct.pack_into("<I", patched, entry + 24, size)
    return bytes(patched)


def refusal(name, data, **limits) -> str:
    with pytest.raises(AttachmentRefused) as refused:
        check_file(name, data, LIMIT, InflationLimits(**limits))
    return str(refused.value)


def test_a_real_document_with_a_photo_in_it_is_accepted():
    photo = random.Random(1).randbytes(3_000_000)  # a photo barely compresses
    text = b"<w:p><w:r><w:t>The counter was closed at 10:15.</w:t></w:r></w:p>" * 5_000
    data = office({"word/media/image1.jpeg": photo, "word/styles.xml": text})
    assert check_file("letter.docx", data, LIMIT) is DOCX


def test_a_docx_of_twenty_megabytes_of_zeros_is_refused_by_the_default_limits():
    data = office({}, zeros=20 * MIB)
    assert len(data) < 100_000  # about a thousand times smaller than it opens out to
    started = time.perf_counter()
    with pytest.raises(AttachmentRefused, match="expands to far more than its size"):
        check_file("statement.docx", data, LIMIT)
    assert time.perf_counter() - started < 2


def test_a_docx_claiming_512_mib_is_refused_without_inflating_it():
    data = declare_size(office({}, zeros=MIB), "word/document.xml", 512 * MIB)
    assert "expands to far more than its size" in refusal("statement.docx", data)


def test_a_part_that_inflates_past_what_it_declares_is_refused():
    # Declares 40 KB, a ratio that passes; really inflates to 5 MiB.
    data = declare_size(office({}, zeros=5 * MIB), "word/document.xml", 40_000)
    assert inflation_problem(data) == "too large"
    assert "expands to far more than its size" in refusal("statement.docx", data)


def test_parts_that_together_pass_the_configured_total_are_refused():
    noise = random.Random(2)
    parts = {f"xl/worksheets/sheet{n}.xml": noise.randbytes(400_000).hex() for n in range(3)}
    data = office(parts, main_part="xl/workbook.xml")
    assert check_file("figures.xlsx", data, LIMIT) is XLSX
    assert "expands" in refusal("figures.xlsx", data, max_bytes=2_000_000)


def test_a_part_compressed_past_the_configured_ratio_is_refused():
    data = office({}, zeros=300_000)
    assert check_file("a.docx", data, LIMIT) is DOCX  # inside the grace for small parts
    assert "expands" in refusal("a.docx", data, ratio_grace_bytes=100_000)


def test_a_docx_whose_part_is_smaller_than_it_declares_is_refused_as_damaged():
    data = declare_size(office({}, zeros=100_000), "word/document.xml", 200_000)
    assert "statement.docx is damaged" in refusal("statement.docx", data)
