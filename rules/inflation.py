"""Zip-based uploads (Word .docx, Excel .xlsx) opened out without trusting what they say.

A zip says how large each part becomes when inflated; a "zip bomb" says little and inflates
to gigabytes, or packs gigabytes so tightly that the saying is true. Each part's declared
size, its real inflated size (counted while inflating, never past a cap) and how far it
was compressed are checked, before anything else reads the file. Pure: bytes in, the
problem (None when there is none) out.
"""

import io
import struct
import zipfile
import zlib
from dataclasses import dataclass

LOCAL_HEADER = b"PK\x03\x04"
LOCAL_HEADER_SIZE = 30
STEP = 1 << 20  # inflate at most this many bytes at a time


@dataclass(frozen=True, slots=True)
class InflationLimits:
    # Every part together, inflated: the largest real document is far below this.
    max_bytes: int = 100_000_000
    # Inflated bytes per compressed byte in one part; real Office XML stays below 30.
    max_ratio: int = 100
    # Parts smaller than this, inflated, are never refused for their ratio.
    ratio_grace_bytes: int = 1_000_000
    max_parts: int = 5_000


DEFAULT_LIMITS = InflationLimits()


class Damaged(Exception):
    """The zip's structure does not hold together."""


class TooLarge(Exception):
    """Inflating would pass a limit."""


def inflation_problem(data: bytes, limits: InflationLimits = DEFAULT_LIMITS) -> str | None:
    """'damaged' or 'too large' (a zip bomb), or None for a zip that opens out safely."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            parts = archive.infolist()
        _check_declared(parts, limits)
        total = 0
        for part in parts:
            budget = min(part.file_size, limits.max_bytes - total, _ratio_allowance(part, limits))
            inflated = _inflated_size(data, part, budget)
            if inflated != part.file_size:
                raise Damaged
            total += inflated
    except TooLarge:
        return "too large"
    except (Damaged, zipfile.BadZipFile, zlib.error, ValueError, OSError, struct.error):
        return "damaged"
    return None


def _ratio_allowance(part: zipfile.ZipInfo, limits: InflationLimits) -> int:
    return max(limits.ratio_grace_bytes, part.compress_size * limits.max_ratio)


def _check_declared(parts, limits: InflationLimits) -> None:
    if len(parts) > limits.max_parts:
        raise TooLarge
    if sum(part.file_size for part in parts) > limits.max_bytes:
        raise TooLarge
    if any(part.file_size > _ratio_allowance(part, limits) for part in parts):
        raise TooLarge


def _inflated_size(data: bytes, part: zipfile.ZipInfo, budget: int) -> int:
    """The part's real inflated size; TooLarge as soon as it passes `budget`."""
    raw = _compressed_bytes(data, part)
    if part.compress_type == zipfile.ZIP_STORED:
        if len(raw) > budget:
            raise TooLarge
        return len(raw)
    if part.compress_type != zipfile.ZIP_DEFLATED:
        raise Damaged  # Word and Excel only store or deflate
    inflater = zlib.decompressobj(-zlib.MAX_WBITS)
    inflated = 0
    pending = raw
    while not inflater.eof:
        chunk = inflater.decompress(pending, STEP)
        inflated += len(chunk)
        if inflated > budget:
            raise TooLarge
        pending = inflater.unconsumed_tail
        if not chunk and not pending:
            break  # the input ran out before the end of the part
    if not inflater.eof:
        raise Damaged
    return inflated


def _compressed_bytes(data: bytes, part: zipfile.ZipInfo) -> memoryview:
    start = part.header_offset
    header = data[start : start + LOCAL_HEADER_SIZE]
    if len(header) != LOCAL_HEADER_SIZE or not header.startswith(LOCAL_HEADER):
        raise Damaged
    name_length, extra_length = struct.unpack("<HH", header[26:30])
    begin = start + LOCAL_HEADER_SIZE + name_length + extra_length
    raw = memoryview(data)[begin : begin + part.compress_size]
    if len(raw) != part.compress_size:
        raise Damaged
    return raw
