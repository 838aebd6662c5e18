"""CSV and XLSX files for grids and reports, written as they stream out.

Every cell goes through `neutralise`: plain text without HTML, never read as a formula
by a spreadsheet. Numbers, dates and instants stay typed in XLSX, so sums and sorting
work there. Rows are consumed one at a time: a caller that passes a streaming query
result sends a million rows without holding them (CSV directly; XLSX through a temporary
file on disk, which xlsxwriter writes in its constant-memory mode).
"""

import csv
import io
import tempfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal

from flask import Response, stream_with_context
from markupsafe import Markup
from werkzeug.utils import secure_filename

# A spreadsheet runs a cell that starts with one of these as a formula.
FORMULA_PREFIXES = ("=", "+", "-", "@", "\t", "\r")
FORMATS = {
    "csv": "text/csv; charset=utf-8",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}
# Rows written to the CSV buffer before it is sent on: few large writes, little memory.
CSV_ROWS_PER_CHUNK = 500
FILE_CHUNK_BYTES = 64 * 1024
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


def xlsx_chunks(
    headers: Sequence[str], rows: Iterable[Sequence], sheet: str = "Export"
) -> Iterator[bytes]:
    """The workbook written row by row to a temporary file and then sent.

    Rows beyond what one sheet holds continue on a second sheet ("Export (2)"), each with
    the headings, rather than being dropped.
    """
    import xlsxwriter

    with tempfile.TemporaryFile() as spool:
        workbook = xlsxwriter.Workbook(
            spool, {"constant_memory": True, "in_memory": False, "remove_timezone": True}
        )
        name = (sheet.translate(SHEET_NAME_FORBIDDEN).strip() or "Export")[:SHEET_NAME_LIMIT]
        bold = workbook.add_format({"bold": True})
        day = workbook.add_format({"num_format": "dd/mm/yyyy"})
        instant = workbook.add_format({"num_format": "dd/mm/yyyy hh:mm"})
        widths = [min(max(len(str(h)), 10), 60) for h in headers]
        sheets = []

        def new_sheet():
            suffix = f" ({len(sheets) + 1})" if sheets else ""
            worksheet = workbook.add_worksheet(name[: SHEET_NAME_LIMIT - len(suffix)] + suffix)
            for column, heading in enumerate(headers):
                worksheet.write_string(0, column, neutralise(heading), bold)
            worksheet.freeze_panes(1, 0)
            sheets.append(worksheet)
            return worksheet

        worksheet = new_sheet()
        number = 0
        for seen, row in enumerate(rows, start=1):
            number += 1
            if number >= SHEET_ROW_LIMIT:
                worksheet, number = new_sheet(), 1
            for column, raw in enumerate(row):
                value = _typed(raw)
                if isinstance(value, datetime):
                    # Instants arrive already in the reader's local time.
                    worksheet.write_datetime(number, column, value.replace(tzinfo=None), instant)
                elif isinstance(value, date):
                    worksheet.write_datetime(number, column, value, day)
                elif isinstance(value, int | float | Decimal):
                    worksheet.write_number(number, column, float(value))
                else:
                    worksheet.write_string(number, column, value)
                    if seen <= 200 and column < len(widths):
                        widths[column] = min(max(widths[column], len(value)), 60)
        for worksheet in sheets:
            for column, width in enumerate(widths):
                worksheet.set_column(column, column, width + 2)
        workbook.close()
        spool.seek(0)
        while chunk := spool.read(FILE_CHUNK_BYTES):
            yield chunk


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
