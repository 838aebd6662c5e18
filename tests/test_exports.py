"""CSV and XLSX files: neutral cells, typed values, and rows consumed as they stream."""

import csv
import io
import zipfile
from datetime import date, datetime
from decimal import Decimal

import pytest
from flask import Flask
from markupsafe import Markup
from openpyxl import load_workbook

from services.exports import csv_chunks, export_response, neutralise, xlsx_chunks

DANGEROUS = ["=1+1", "+61 3 9999 0000", "-2", "@SUM(A1)", "\tcmd", "\rcmd"]


@pytest.mark.parametrize("text", DANGEROUS)
def test_a_cell_a_spreadsheet_would_run_is_neutralised(text):
    assert neutralise(text) == "'" + text


def test_html_never_reaches_a_cell():
    assert neutralise(Markup("<b>Late</b> &amp; open")) == "Late & open"
    assert neutralise(None) == ""
    assert neutralise("plain") == "plain"


def _csv(headers, rows):
    data = b"".join(csv_chunks(headers, rows)).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(data)))


def test_csv_has_the_headers_and_neutral_rows():
    table = _csv(
        ["Reference", "Summary", "Open"], [("C-1", "=HYPERLINK()", True), ("C-2", "", False)]
    )
    assert table == [
        ["Reference", "Summary", "Open"],
        ["C-1", "'=HYPERLINK()", "Yes"],
        ["C-2", "", "No"],
    ]


def test_csv_consumes_rows_as_it_goes():
    consumed = []

    def rows():
        for number in range(2000):
            consumed.append(number)
            yield (number,)

    chunks = csv_chunks(["n"], rows())
    next(chunks)
    assert len(consumed) < 2000


def _xlsx(headers, rows, sheet="Export"):
    data = b"".join(xlsx_chunks(headers, rows, sheet))
    assert zipfile.is_zipfile(io.BytesIO(data))
    return load_workbook(io.BytesIO(data))


def test_xlsx_keeps_numbers_and_dates_typed_and_text_neutral():
    book = _xlsx(
        ["Reference", "Days", "Percent", "Received", "Due", "Note"],
        [("C-1", 3, Decimal("97.5"), date(2026, 7, 1), datetime(2026, 7, 3, 17, 0), "=cmd")],
        sheet="Service levels: 2026/27",
    )
    sheet = book.active
    assert sheet.title == "Service levels  2026 27"
    assert [c.value for c in sheet[1]] == [
        "Reference",
        "Days",
        "Percent",
        "Received",
        "Due",
        "Note",
    ]
    reference, days, percent, received, due, note = (c.value for c in sheet[2])
    assert (reference, days, percent) == ("C-1", 3, 97.5)
    assert received == datetime(2026, 7, 1)
    assert due == datetime(2026, 7, 3, 17, 0)
    assert note == "'=cmd"
    assert sheet.cell(2, 6).data_type == "s"


def test_an_export_response_is_a_download_that_streams():
    app = Flask(__name__)
    with app.test_request_context():
        response = export_response("xlsx", "service levels", ["a"], [(1,)])
        assert response.is_streamed
        assert response.headers["Content-Disposition"] == (
            'attachment; filename="service_levels.xlsx"'
        )
        assert response.mimetype.endswith("spreadsheetml.sheet")
        with pytest.raises(ValueError):
            export_response("pdf", "x", ["a"], [])


def test_rows_beyond_what_a_sheet_holds_continue_on_the_next_sheet(monkeypatch):
    monkeypatch.setattr("services.exports.SHEET_ROW_LIMIT", 4)
    book = _xlsx(["n"], [(n,) for n in range(1, 8)], sheet="Complaints")
    assert book.sheetnames == ["Complaints", "Complaints (2)", "Complaints (3)"]
    sheets = [[c.value for c in sheet["A"]] for sheet in book.worksheets]
    assert sheets == [["n", 1, 2, 3], ["n", 4, 5, 6], ["n", 7]]


def test_xlsx_sends_its_first_bytes_before_reading_every_row():
    consumed = []

    def rows():
        for number in range(5000):
            consumed.append(number)
            yield (number, f"row {number}")

    chunks = xlsx_chunks(["n", "text"], rows())
    first = next(chunks)
    assert first.startswith(b"PK") and len(consumed) < 5000
    data = first + b"".join(chunks)
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.max_row == 5001 and sheet.cell(5001, 2).value == "row 4999"


def test_xlsx_is_a_plain_workbook_with_headings_formats_and_any_text():
    text = 'Tom & Jerry <b>"quoted"</b>\r\nsecond line\x07bell'
    data = b"".join(
        xlsx_chunks(
            ["Reference", "Received", "Note"],
            [("C-1", datetime(2026, 7, 3, 17, 30), text), ("C-2", date(2026, 7, 1), "")],
        )
    )
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        assert archive.testzip() is None
        assert {"[Content_Types].xml", "xl/workbook.xml", "xl/styles.xml"} <= set(
            archive.namelist()
        )
    sheet = load_workbook(io.BytesIO(data)).active
    assert sheet.freeze_panes == "A2"
    assert sheet["A1"].font.b and not sheet["A2"].font.b
    assert sheet["B2"].value == datetime(2026, 7, 3, 17, 30)
    assert sheet["B2"].number_format == "dd/mm/yyyy hh:mm"
    assert sheet["B3"].number_format == "dd/mm/yyyy"
    # Characters XML cannot hold are written as Excel writes them (_x0007_).
    assert sheet["C2"].value == text.replace("\x07", "_x0007_")
    assert sheet.column_dimensions["C"].width > sheet.column_dimensions["A"].width
