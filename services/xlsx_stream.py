"""An XLSX workbook written as it is sent: the first bytes leave after the first rows, not
after the last, so a download of a million rows starts at once and no proxy or worker
timeout waits on a finished file.

An XLSX file is a zip of XML parts. The zip is written to a stream that is never rewound
(each entry's sizes follow its data, as zip allows), the sheets first, row by row,
deflated as they go; the workbook's own parts, which name the sheets, come last. Cells
are typed as services/exports.py gives them: text as inline strings, numbers as
numbers, dates and instants as Excel serial numbers with a date format.
"""

import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import date, datetime
from decimal import Decimal
from xml.sax.saxutils import escape, quoteattr

MAIN = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
RELATIONSHIPS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
PACKAGE_RELATIONSHIPS = "http://schemas.openxmlformats.org/package/2006/relationships"
HEADER = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
EPOCH = datetime(1899, 12, 30)
# Styles (xl/styles.xml's cellXfs): 1 a day, 2 an instant, 3 a heading.
DAY, INSTANT, HEADING = 1, 2, 3
# Characters XML 1.0 cannot hold: written as Excel's _xHHHH_ escape, as Excel reads them.
NOT_XML = re.compile("[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
ROWS_PER_CHUNK = 500


class _Sink:
    """Where the zip writes: collects bytes until they are handed on (never rewound)."""

    def __init__(self):
        self.parts: list[bytes] = []
        self.position = 0

    def write(self, data) -> int:
        self.parts.append(bytes(data))
        self.position += len(data)
        return len(data)

    def tell(self) -> int:
        return self.position

    def flush(self) -> None:
        pass

    def take(self) -> bytes:
        data, self.parts = b"".join(self.parts), []
        return data


def column_letters(count: int) -> list[str]:
    letters = []
    for number in range(1, count + 1):
        name = ""
        while number:
            number, remainder = divmod(number - 1, 26)
            name = chr(65 + remainder) + name
        letters.append(name)
    return letters


def _text(value: str) -> str:
    value = NOT_XML.sub(lambda m: f"_x{ord(m.group()):04X}_", value)
    return escape(value, {"\r": "&#13;"})


def _cell(reference: str, value, style: int = 0) -> str:
    """One cell's XML: `value` is already typed (str, number, date or naive datetime)."""
    if isinstance(value, datetime):
        serial = (value - EPOCH).total_seconds() / 86400
        return f'<c r="{reference}" s="{style or INSTANT}"><v>{serial!r}</v></c>'
    if isinstance(value, date):
        serial = (value - EPOCH.date()).days
        return f'<c r="{reference}" s="{style or DAY}"><v>{serial}</v></c>'
    if isinstance(value, int):
        return f'<c r="{reference}"><v>{value}</v></c>'
    if isinstance(value, float | Decimal):
        return f'<c r="{reference}"><v>{float(value)!r}</v></c>'
    text = _text(value)
    style_attribute = f' s="{style}"' if style else ""
    return (
        f'<c r="{reference}"{style_attribute} t="inlineStr">'
        f'<is><t xml:space="preserve">{text}</t></is></c>'
    )


def _sheet_start(widths: Sequence[int]) -> str:
    columns = "".join(
        f'<col min="{n}" max="{n}" width="{width + 2}" customWidth="1"/>'
        for n, width in enumerate(widths, start=1)
    )
    return (
        f'{HEADER}<worksheet xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
        '<sheetViews><sheetView workbookViewId="0">'
        '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
        "</sheetView></sheetViews>"
        + (f"<cols>{columns}</cols>" if columns else "")
        + "<sheetData>"
    )


SHEET_END = "</sheetData></worksheet>"

STYLES = (
    f'{HEADER}<styleSheet xmlns="{MAIN}">'
    '<numFmts count="2"><numFmt numFmtId="164" formatCode="dd/mm/yyyy"/>'
    '<numFmt numFmtId="165" formatCode="dd/mm/yyyy hh:mm"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="4"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/></cellXfs>'
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)


def _workbook_parts(names: Sequence[str]) -> dict[str, str]:
    sheets = "".join(
        f'<sheet name={quoteattr(name)} sheetId="{n}" r:id="rId{n}"/>'
        for n, name in enumerate(names, start=1)
    )
    sheet_relations = "".join(
        f'<Relationship Id="rId{n}" Type="{RELATIONSHIPS}/worksheet" '
        f'Target="worksheets/sheet{n}.xml"/>'
        for n in range(1, len(names) + 1)
    )
    styles_id = len(names) + 1
    overrides = "".join(
        f'<Override PartName="/xl/worksheets/sheet{n}.xml" ContentType="application/'
        'vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>'
        for n in range(1, len(names) + 1)
    )
    return {
        "xl/workbook.xml": (
            f'{HEADER}<workbook xmlns="{MAIN}" xmlns:r="{RELATIONSHIPS}">'
            f"<sheets>{sheets}</sheets></workbook>"
        ),
        "xl/_rels/workbook.xml.rels": (
            f'{HEADER}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">{sheet_relations}'
            f'<Relationship Id="rId{styles_id}" Type="{RELATIONSHIPS}/styles" '
            'Target="styles.xml"/></Relationships>'
        ),
        "xl/styles.xml": STYLES,
        "_rels/.rels": (
            f'{HEADER}<Relationships xmlns="{PACKAGE_RELATIONSHIPS}">'
            f'<Relationship Id="rId1" Type="{RELATIONSHIPS}/officeDocument" '
            'Target="xl/workbook.xml"/></Relationships>'
        ),
        "[Content_Types].xml": (
            f'{HEADER}<Types xmlns="http://schemas.openxmlformats.org/package/2006/'
            'content-types"><Default Extension="rels" ContentType="application/'
            'vnd.openxmlformats-package.relationships+xml"/><Default Extension="xml" '
            'ContentType="application/xml"/><Override PartName="/xl/workbook.xml" '
            'ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.'
            'sheet.main+xml"/><Override PartName="/xl/styles.xml" ContentType="'
            'application/vnd.openxmlformats-officedocument.spreadsheetml.styles+xml"/>'
            f"{overrides}</Types>"
        ),
    }


def workbook_chunks(
    headers: Sequence[str],
    rows: Iterable[Sequence],
    sheet_names,
    width_sample: int,
    row_limit: int,
) -> Iterator[bytes]:
    """The workbook's bytes as they are written. `rows` hold typed cells (str, numbers,
    dates, naive datetimes); `sheet_names(n)` names the nth sheet (from 0); a sheet holds
    `row_limit` rows, headings included, the rest continue on the next; column widths are
    read from the first `width_sample` rows."""
    sink = _Sink()
    archive = zipfile.ZipFile(sink, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=1)
    letters = column_letters(len(headers))
    rows = iter(rows)
    sample = []
    for row in rows:
        sample.append(row)
        if len(sample) >= width_sample:
            break
    widths = [min(max(len(str(h)), 10), 60) for h in headers]
    for row in sample:
        for column, value in enumerate(row[: len(widths)]):
            if isinstance(value, str):
                widths[column] = min(max(widths[column], len(value)), 60)

    names: list[str] = []
    part = None

    def open_sheet():
        names.append(sheet_names(len(names)))
        # Without zip64 (up to 4 GiB of XML a sheet, far past a full sheet of the grids'
        # rows): the plainest zip, which every spreadsheet reads.
        entry = archive.open(f"xl/worksheets/sheet{len(names)}.xml", "w")
        heading = "".join(
            _cell(f"{letters[n]}1", title, HEADING) for n, title in enumerate(headers)
        )
        entry.write((_sheet_start(widths) + f'<row r="1">{heading}</row>').encode())
        return entry

    def everything():
        yield from sample
        yield from rows

    part = open_sheet()
    number = 1
    buffer = []
    for count, row in enumerate(everything(), start=1):
        if len(row) > len(letters):
            letters = column_letters(len(row))
        number += 1
        if number > row_limit:
            part.write(("".join(buffer) + SHEET_END).encode())
            buffer = []
            part.close()
            part = open_sheet()
            number = 2
        cells = "".join(_cell(f"{letters[n]}{number}", v) for n, v in enumerate(row))
        buffer.append(f'<row r="{number}">{cells}</row>')
        if count % ROWS_PER_CHUNK == 0:
            part.write("".join(buffer).encode())
            buffer = []
            if data := sink.take():
                yield data
    part.write(("".join(buffer) + SHEET_END).encode())
    part.close()
    for name, content in _workbook_parts(names).items():
        archive.writestr(name, content)
    archive.close()
    yield sink.take()
