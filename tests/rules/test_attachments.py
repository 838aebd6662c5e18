"""Which files the public may attach: by extension and by content, in the sender's words."""

import io
import zipfile

import pytest

from rules.attachments import (
    DOCX,
    GIF,
    JPEG,
    PDF,
    PNG,
    TEXT,
    XLSX,
    AttachmentRefused,
    check_file,
    describe_size,
    safe_filename,
)

LIMIT = 1_000_000


def office(main_part):
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        archive.writestr(main_part, "<x/>")
    return buffer.getvalue()


@pytest.mark.parametrize(
    "name, data, kind",
    [
        ("a.pdf", b"%PDF-1.4\n", PDF),
        ("a.PDF", b"\n%PDF-1.7\n", PDF),
        ("a.png", b"\x89PNG\r\n\x1a\nrest", PNG),
        ("a.jpg", b"\xff\xd8\xff\xe1rest", JPEG),
        ("a.jpeg", b"\xff\xd8\xff\xdbrest", JPEG),
        ("a.gif", b"GIF89a....", GIF),
        ("a.docx", office("word/document.xml"), DOCX),
        ("a.xlsx", office("xl/workbook.xml"), XLSX),
        ("a.txt", "Ça va, merci.\r\n\tTabs too.\f".encode(), TEXT),
        ("a.txt", b"\xef\xbb\xbfWith a byte-order mark", TEXT),
    ],
)
def test_a_file_whose_name_and_content_agree_is_accepted(name, data, kind):
    assert check_file(name, data, LIMIT) is kind


@pytest.mark.parametrize(
    "name, data, words",
    [
        ("a.exe", b"MZ", "is not a kind of file we accept"),
        ("a.svg", b"<svg/>", "is not a kind of file we accept"),
        ("a", b"%PDF-1.4", "is not a kind of file we accept"),
        ("a.pdf", b"MZ\x90\x00", "named like a PDF document but its content is not one"),
        ("a.png", b"\xff\xd8\xff", "named like a PNG image"),
        ("a.docx", office("xl/workbook.xml"), "named like a Word document"),
        ("a.xlsx", b"PK\x03\x04broken", "named like an Excel spreadsheet"),
        ("a.txt", b"\x00\x01\x02", "named like a plain text file"),
        ("a.txt", b"\xff\xfe\x00", "named like a plain text file"),
        ("a.pdf", b"", "a.pdf is empty"),
    ],
)
def test_a_file_is_refused_with_the_reason_and_its_name(name, data, words):
    with pytest.raises(AttachmentRefused, match=words):
        check_file(name, data, LIMIT)


def test_a_file_over_the_limit_is_refused_with_both_sizes():
    with pytest.raises(
        AttachmentRefused, match=r"scan\.pdf is 1\.5 MB; each file may be at most 1 MB"
    ):
        check_file("scan.pdf", b"%PDF-" + b"0" * 1_500_000, LIMIT)


def test_a_file_just_over_the_limit_says_more_than():
    with pytest.raises(AttachmentRefused, match=r"is more than 1 MB"):
        check_file("scan.pdf", b"%PDF-" + b"0" * LIMIT, LIMIT)


@pytest.mark.parametrize(
    "size, words",
    [
        (0, "0 bytes"),
        (1, "1 byte"),
        (999, "999 bytes"),
        (2_500, "2.5 KB"),
        (10_000_000, "10 MB"),
        (150_000, "150 KB"),
        (12_345_678, "12.3 MB"),
    ],
)
def test_sizes_read_as_people_say_them(size, words):
    assert describe_size(size) == words


@pytest.mark.parametrize(
    "sent, kept",
    [
        ("../../etc/passwd", "passwd"),
        ("C:\\Users\\sam\\My letter.docx", "My letter.docx"),
        ("bad\x00name\n.pdf", "badname.pdf"),
        ("...", "attachment"),
        ("", "attachment"),
        ("x" * 300 + ".pdf", "x" * 251 + ".pdf"),
    ],
)
def test_only_the_last_part_of_a_file_name_is_kept_without_control_characters(sent, kept):
    assert safe_filename(sent) == kept
