"""CSV and XLSX files for grids and reports, written as they stream out.

Every cell goes through `neutralise`: plain text without HTML, never read as a formula
by a spreadsheet. Numbers, dates and instants stay typed in XLSX, so sums and sorting
work there. Rows are consumed one at a time: a caller that passes a streaming query
result sends a million rows without holding them, CSV and XLSX alike, from the first
rows on (services/xlsx_stream.py writes the workbook as it is sent).
"""

import csv
import io
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from flask import Response, stream_with_context
from markupsafe import Markup
from werkzeug.utils import secure_filename

from . import xlsx_stream

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rows written to the CSV buffer before it is sent on: few large writes, little memory.
CSV_ROWS_PER_CHUNK = 500
# Excel refuses longer sheet names and these characters in them.
SHEET_NAME_LIMIT = 31
# Rows in one sheet, headings included (Excel's limit).
SHEET_ROW_LIMIT = 1_048_576
SHEET_NAME_FORBIDDEN = str.maketrans({c: " " for c in "[]:*?/\\"})


def neutralise(value) -> str:
    """Plain text for a cell: no HTML, and never read as a formula."""
    if value is None:
        text = ""
    elif isinstance(value, Markup):
        text = value.striptags()
    else:
        text = str(value)
    if text.startswith(FORMULA_PREFIXES):
        return "'" + text
    return text


def _typed(value):
    """What a cell holds: numbers and dates as themselves, anything else neutral text."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal | date):
        return value
    return neutralise(value)


def _csv_cell(value) -> str:
    """A CSV cell: numbers as written (a negative number is no formula), else neutral text."""
    if isinstance(value, bool):
        return "Yes" if value else "No"
    if isinstance(value, int | float | Decimal):
        return str(value)
    return neutralise(value)


def csv_chunks(headers: Sequence[str], rows: Iterable[Sequence]) -> Iterator[bytes]:
    """The CSV as UTF-8 (with the byte-order mark Excel looks for), a batch of rows at a time."""
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([neutralise(h) for h in headers])
    for count, row in enumerate(rows, start=1):
        writer.writerow([_csv_cell(cell) for cell in row])
        if count % CSV_ROWS_PER_CHUNK == 0:
            yield buffer.getvalue().encode()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue().encode()


def _xlsx_cell(raw):
    value = _typed(raw)
    if isinstance(value, datetime):
        # Instants arrive already in the reader's local time.
        return value.replace(tzinfo=None)
    return value


def xlsx_chunks(
    headers: Sequence[str], rows: Iterable[Sequence], sheet: str = "Export"
) -> Iterator[bytes]:
    """The workbook, its bytes sent as its rows are written (services/xlsx_stream.py).

    Rows beyond what one sheet holds continue on a second sheet ("Export (2)"), each with
    the headings, rather than being dropped.
    """
    name = (sheet.translate(SHEET_NAME_FORBIDDEN).strip() or "Export")[:SHEET_NAME_LIMIT]

    def sheet_name(number: int) -> str:
        suffix = f" ({number + 1})" if number else ""
        return name[: SHEET_NAME_LIMIT - len(suffix)] + suffix

    return xlsx_stream.workbook_chunks(
        [neutralise(h) for h in headers],
        ([_xlsx_cell(cell) for cell in row] for row in rows),
        sheet_name,
        width_sample=200,
        row_limit=SHEET_ROW_LIMIT,
    )


def export_response(
    export_format: str,
    filename: str,
    headers: Sequence[str],
    rows: Iterable[Sequence],
    sheet: str | None = None,
) -> Response:
    """A download of `rows` as CSV or XLSX, written as it streams, in the request's context.

    Flask has closed the request's database session by the time the body streams: `rows`
    reads in the session the stream opens (see ScopedModelView.stream_export).

    `filename` is without its extension. An unknown format is the caller's to refuse
    before calling (see FORMATS).
    """
    if export_format not in FORMATS:
        raise ValueError(f"unknown export format {export_format!r}")
    name = f"{secure_filename(filename) or 'export'}.{export_format}"
    if export_format == "csv":
        chunks = csv_chunks(headers, rows)
    else:
        chunks = xlsx_chunks(headers, rows, sheet or filename)
    return Response(
        stream_with_context(chunks),
        content_type=FORMATS[export_format],
        headers={
            "Content-Disposition": f'attachment; filename="{name}"',
            "X-Content-Type-Options": "nosniff",
            "Cache-Control": "no-store",
        },
    )
