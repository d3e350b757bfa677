"""One reader for every import: what Excel writes (encodings, separators, workbooks) gives the same records."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook

from feedback_app.services.tabular import BrokenRecord, Record, TableError, nip_problem, read_records, upload_text

ROWS = [["nip", "name"], ["198503152010011002", "Dewi Lestari"], ["199001012015031002", "Budi Santoso"]]
EXPECTED = [Record(1, ("nip", "name")), Record(2, ("198503152010011002", "Dewi Lestari"))]


def _workbook(rows: list[list[object]]) -> bytes:
    workbook = Workbook()
    for row in rows:
        workbook.active.append(row)
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


@pytest.mark.parametrize(
    "data",
    [
        b"nip,name\n198503152010011002,Dewi Lestari\n",
        "\ufeffnip;name\r\n198503152010011002;Dewi Lestari\r\n".encode(),
        "nip\tname\n198503152010011002\tDewi Lestari\n".encode("utf-16"),
        "nip;name\n198503152010011002;Dewi Lestari\n".encode("cp1252"),
        _workbook([["nip", "name"], ["198503152010011002", "Dewi Lestari"]]),
    ],
    ids=["utf8-comma", "bom-semicolon-crlf", "utf16-tab", "cp1252", "xlsx"],
)
def test_every_way_excel_saves_a_table_reads_the_same(data):
    assert list(read_records(upload_text(data))) == EXPECTED


def test_a_workbook_keeps_its_row_numbers_across_empty_rows_and_converts_cells():
    text = upload_text(_workbook([["nip", "name"], [], ["198503152010011002", "Dewi\nLestari"], [None, None, None]]))
    assert list(read_records(text)) == [Record(1, ("nip", "name")), Record(3, ("198503152010011002", "Dewi Lestari"))]


def test_a_broken_quote_names_its_line_and_ends_the_walk():
    records = list(read_records('nip,name\n"198503152010011002,Dewi\n' + "x" * 140_000))
    assert records[0] == Record(1, ("nip", "name"))
    assert isinstance(records[-1], BrokenRecord) and records[-1].line == 2


def test_an_old_xls_or_a_damaged_workbook_is_a_clear_error(app):
    with app.test_request_context("/"):
        with pytest.raises(TableError) as legacy:
            upload_text(b"\xd0\xcf\x11\xe0" + b"\x00" * 64)
        assert legacy.value.code == "legacy_xls" and ".xlsx" in legacy.value.message
        with pytest.raises(TableError) as damaged:
            upload_text(b"PK\x03\x04" + b"\x00" * 64)
        assert damaged.value.code == "bad_workbook"


@pytest.mark.parametrize(
    "cell, expected",
    [
        ("1.98503E+17", "notasi ilmiah"),
        ("98503152010011002", "hanya 17 digit"),
        ("198503152010011000", "berakhir 000"),
        ("19850315201001100X", "18 digit angka"),
        ("198513152010011002", "tidak sah"),
    ],
)
def test_a_nip_a_spreadsheet_damaged_is_named_for_what_happened(app, cell, expected):
    with app.test_request_context("/"):
        assert expected in str(nip_problem(cell))
    assert nip_problem("198503152010011002") is None
