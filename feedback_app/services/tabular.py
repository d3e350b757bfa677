"""One reader for every uploaded table (rosters, targets, ratings, employees, users): CSV in any encoding, or XLSX.

Offices keep their lists in Excel, so an import takes what Excel writes: a CSV saved as UTF-8 (with or without BOM),
as "Unicode text" (UTF-16, tab-separated) or as old Windows-1252, separated by ``,``, ``;`` (Indonesian locale) or a
tab; or the ``.xlsx`` workbook itself (its first sheet). Every importer reads the upload as CSV text
(:func:`upload_text`) so that a dry run can carry the very text it checked to the apply step, then walks its records
with their line numbers (:func:`read_records`) — for a workbook, a row's number in Excel is its line in that text.
"""

from __future__ import annotations

import codecs
import csv
import io
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from datetime import date, datetime, time
from decimal import ROUND_HALF_UP, Decimal
from typing import Any, Generic, Protocol, TypeVar
from zipfile import BadZipFile

from ..i18n import lazy_gettext as _l
from ..identifiers import InvalidNIP, validate_nip
from .errors import DomainError

DELIMITERS = (",", ";", "\t")
_ZIP = b"PK\x03\x04"  # .xlsx is a zip archive
_OLE2 = b"\xd0\xcf\x11\xe0"  # the old binary .xls
# Excel keeps 15 significant digits of a number; past 2**53 a float no longer holds every integer exactly.
_EXACT_FLOAT_LIMIT = 2**53
_SCIENTIFIC = re.compile(r"\d([.,]\d+)?[eE]\+?\d+")


class TableError(DomainError):
    """The upload cannot be read as a table at all (the message names what to do instead)."""

    def __init__(self, code: str, detail: str = "") -> None:
        super().__init__(f"{code}: {detail}" if detail else code)
        self.code = code  # "legacy_xls", "bad_workbook", "empty_workbook", "not_text"
        self.detail = detail

    @property
    def message(self) -> str:
        """What to tell the person who uploaded the file, in their language."""
        return str(_MESSAGES[self.code])


_MESSAGES = {
    "legacy_xls": _l(
        "Berkas ini buku kerja Excel lama (.xls). Di Excel pilih Simpan Sebagai → Buku Kerja Excel (.xlsx) atau CSV, "
        "lalu unggah lagi."
    ),
    "bad_workbook": _l(
        "Berkas ini tidak dapat dibuka sebagai buku kerja Excel (.xlsx). Simpan ulang lalu unggah lagi."
    ),
    "empty_workbook": _l("Buku kerja ini tidak punya lembar kerja."),
    "not_text": _l(
        "Berkas ini bukan teks CSV (berisi karakter biner). Simpan sebagai CSV atau .xlsx lalu unggah lagi."
    ),
}


@dataclass(frozen=True)
class Record:
    """One non-empty row: its line (CSV) or row number (workbook) and its cells, stripped, trailing blanks dropped."""

    line: int
    cells: tuple[str, ...]


@dataclass(frozen=True)
class BrokenRecord:
    """A line the CSV reader could not parse (e.g. an unclosed quote); the rest of the file is unreadable."""

    line: int
    detail: str


def upload_text(data: bytes) -> str:
    """The CSV text of an uploaded file, whatever Excel saved: a workbook becomes CSV with its row numbers kept."""
    if data.startswith(_ZIP):
        return _workbook_text(data)
    if data.startswith(_OLE2):
        raise TableError("legacy_xls")
    text = decode_text(data)
    if "\x00" in text:  # binary, not the text of a CSV export (and PostgreSQL refuses NUL in text)
        raise TableError("not_text")
    return text


def decode_text(data: bytes) -> str:
    """UTF-8 (with or without BOM), UTF-16 with BOM, else Windows-1252 as old Excel saves it.

    >>> decode_text("NIP;Nama\\n".encode("utf-16"))
    'NIP;Nama\\n'
    >>> decode_text(b"\\xef\\xbb\\xbfnip")
    'nip'
    >>> decode_text("Jalan Café".encode("cp1252"))
    'Jalan Café'
    """
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16", errors="replace")
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError:
        return data.decode("cp1252", errors="replace")


def sniff_delimiter(text: str) -> str:
    """The separator of the first non-empty line: the most frequent of ``,``, ``;`` and tab (``,`` on a tie).

    >>> sniff_delimiter("nip;counter;date\\n")
    ';'
    >>> sniff_delimiter("nip\\tname\\n")
    '\\t'
    >>> sniff_delimiter("nip,name\\n")
    ','
    """
    first = next((line for line in text.splitlines() if line.strip()), "")
    return max(DELIMITERS, key=lambda delimiter: (first.count(delimiter), delimiter == ","))


def read_records(text: str) -> Iterator[Record | BrokenRecord]:
    """The non-empty records of a CSV text with their line numbers; a :class:`BrokenRecord` ends the walk.

    >>> [r.cells for r in read_records("a;b;;\\n\\n1;2\\n")]
    [('a', 'b'), ('1', '2')]
    """
    text = text.lstrip("\ufeff")
    reader = csv.reader(io.StringIO(text), delimiter=sniff_delimiter(text))
    records = iter(reader)
    while True:
        starts_on = reader.line_num + 1
        try:
            row = next(records)
        except StopIteration:
            return
        except csv.Error as error:
            yield BrokenRecord(starts_on, str(error))
            return
        cells = [cell.strip() for cell in row]
        while cells and not cells[-1]:  # spreadsheets pad rows with empty trailing columns
            cells.pop()
        if cells:
            yield Record(starts_on, tuple(cells))


def cell_text(value: object) -> str:
    """A workbook cell as the text a person sees in it; a number too long to be exact keeps Excel's E-notation.

    That is how a NIP whose digits Excel has already lost shows, so the importer can refuse it with a clear message
    instead of storing a wrong number; an integer cell is exact and recovered as its digits.

    >>> cell_text(198503152010011002), cell_text(1.98503152010011e17), cell_text(12.0), cell_text(None)
    ('198503152010011002', '1.98503152010011E+17', '12', '')
    >>> cell_text(datetime(2026, 10, 14, 0, 0)), cell_text(time(8, 30)), cell_text(datetime(2026, 10, 14, 8, 5))
    ('2026-10-14', '08:30', '2026-10-14 08:05')
    """
    if value is None:
        return ""
    if isinstance(value, bool):
        return "TRUE" if value else "FALSE"
    if isinstance(value, int):
        return str(value)
    if isinstance(value, float):
        if value.is_integer() and abs(value) < _EXACT_FLOAT_LIMIT:
            return str(int(value))
        if value.is_integer():
            mantissa, exponent = f"{value:.14E}".split("E")
            return f"{mantissa.rstrip('0').rstrip('.')}E{exponent}"
        return repr(value)
    if isinstance(value, Decimal):
        return format(value, "f")
    if isinstance(value, datetime):
        return value.strftime("%Y-%m-%d") if value.time() == time(0) else value.strftime("%Y-%m-%d %H:%M")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return str(value).replace("\r", " ").replace("\n", " ").strip()


def _workbook_text(data: bytes) -> str:
    """The first sheet as CSV text, one line per sheet row (row N of the sheet is line N), newlines in cells dropped."""
    from openpyxl import load_workbook
    from openpyxl.utils.exceptions import InvalidFileException

    try:
        workbook = load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (InvalidFileException, BadZipFile, KeyError, OSError, ValueError) as error:
        raise TableError("bad_workbook", str(error)) from None
    try:
        sheet = workbook.worksheets[0] if workbook.worksheets else None
        if sheet is None:
            raise TableError("empty_workbook")
        out = io.StringIO()
        writer = csv.writer(out, lineterminator="\n")
        expected = 1
        for row in sheet.iter_rows():
            number = next((cell.row for cell in row if getattr(cell, "row", None)), expected)
            while expected < number:  # keep row numbers: a skipped (empty) row is an empty line
                out.write("\n")
                expected += 1
            writer.writerow([cell_text(cell.value) for cell in row])
            expected += 1
        return out.getvalue()
    finally:
        workbook.close()


def nip_problem(raw: str) -> Any | None:
    """Why a non-empty NIP cell is not a usable NIP, naming what a spreadsheet did to it; None when it is fine.

    A NIP Excel stored as a number is refused when its digits were lost (E-notation, cut leading digits, the
    trailing 000 of a rounded 18-digit number); :func:`cell_text` already recovered the exact ones.
    """
    if _SCIENTIFIC.fullmatch(raw):
        return _l(
            "NIP %(nip)s sudah diubah spreadsheet menjadi angka (notasi ilmiah) sehingga digitnya hilang. "
            "Format kolom NIP sebagai Teks, ketik ulang NIP-nya, lalu ekspor lagi.",
            nip=raw,
        )
    try:
        validate_nip(raw)
    except InvalidNIP as error:
        if re.fullmatch(r"\d{15,17}", raw):
            return _l(
                "NIP %(nip)s hanya %(n)d digit, kurang %(missing)d: spreadsheet membuang angka di depannya "
                "atau NIP terpotong. NIP harus 18 digit; format kolom sebagai Teks.",
                nip=raw,
                n=len(raw),
                missing=18 - len(raw),
            )
        if re.fullmatch(r"\d{18}", raw) and raw.endswith("000"):
            return _l(
                "NIP %(nip)s berakhir 000: spreadsheet membulatkan angka panjang (hanya 15 digit disimpan). "
                "Format kolom NIP sebagai Teks lalu ketik ulang.",
                nip=raw,
            )
        if not re.fullmatch(r"\d{18}", raw):
            return _l("NIP %(nip)s tidak sah: NIP harus 18 digit angka.", nip=raw)
        return _l("NIP %(nip)s tidak sah (%(detail)s).", nip=raw, detail=str(error))
    return None


def data_row_count(text: str) -> int:
    """How many records follow the header line: the length of an import's progress bar.

    >>> data_row_count("nip;name\\n1;a\\n\\n2;b\\n")
    2
    """
    return max(sum(1 for _ in read_records(text)) - 1, 0)


# --- Checking an import: one row of outcome per line (a dry run and the apply share it) ---------------------------

#: What a line of an import came to.
OK, ERROR, DUPLICATE = "ok", "error", "duplicate"


class _CheckedRow(Protocol):
    @property
    def status(self) -> str: ...


RowT = TypeVar("RowT", bound=_CheckedRow)


@dataclass(frozen=True)
class CheckedRows(Generic[RowT]):
    """The outcome of every line of an import, in file order, with its counts (rosters, paper sheets, employees and
    accounts read the same way)."""

    rows: tuple[RowT, ...]

    def _count(self, status: str) -> int:
        return sum(1 for row in self.rows if row.status == status)

    @property
    def ok_count(self) -> int:
        return self._count(OK)

    @property
    def error_count(self) -> int:
        return self._count(ERROR)

    @property
    def duplicate_count(self) -> int:
        return self._count(DUPLICATE)

    @property
    def has_errors(self) -> bool:
        return self.error_count > 0

    @property
    def errors(self) -> tuple[RowT, ...]:
        return tuple(row for row in self.rows if row.status == ERROR)


# --- Writing: CSV and XLSX exports, streamed (memory flat in the number of rows) -------------------------------------

#: Excel's last row; a sheet holds the header and at most this many minus one data rows.
XLSX_MAX_ROWS = 1_048_576
CSV_CHUNK_CHARS = 64_000
#: Column kinds and their Excel number formats ("@" keeps NIPs as text so no digit is lost).
XLSX_FORMATS = {"text": "@", "int": "0", "decimal": "0.00", "percent": "0.00", "date": "yyyy-mm-dd", "nip": "@"}


@dataclass(frozen=True)
class Column:
    """One exported column: its header, its kind (``XLSX_FORMATS``) and its width in characters in a workbook."""

    header: str
    kind: str = "text"
    width: int = 14


@dataclass(frozen=True)
class Sheet:
    """A named table: columns and rows (any iterable; a generator keeps memory flat)."""

    title: str
    columns: tuple[Column, ...]
    rows: Any  # Iterable[Sequence[object]]


_CENT = Decimal("0.01")


def _csv_value(value: object, kind: str) -> object:
    """A cell as CSV text: figures of decimal columns with 2 places (half up), as the pages print them."""
    if isinstance(value, Decimal):
        if kind in ("decimal", "percent"):
            value = value.quantize(_CENT, rounding=ROUND_HALF_UP)
        return format(value, "f")
    if value is None:
        return ""
    return value


def csv_chunks(sheet: Sheet) -> Iterator[str]:
    """The sheet as CSV text in chunks of about 64 kB, starting with a BOM so that Excel reads UTF-8 right.

    >>> "".join(csv_chunks(Sheet("t", (Column("NIP", "nip"), Column("n", "int")), [("198503152010011002", 3)])))
    '\\ufeffNIP,n\\r\\n198503152010011002,3\\r\\n'
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    buffer.write("\ufeff")
    writer.writerow([column.header for column in sheet.columns])
    kinds = [column.kind for column in sheet.columns]
    for row in sheet.rows:
        writer.writerow([_csv_value(value, kind) for value, kind in zip(row, kinds, strict=False)])
        if buffer.tell() > CSV_CHUNK_CHARS:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


class TooManyRows(DomainError):
    """A sheet would pass Excel's row limit; the caller asks for CSV instead."""


def write_xlsx(sheets: Iterable[Sheet], out: Any) -> None:
    """Write a workbook to the binary file ``out`` row by row (openpyxl's write-only mode keeps memory flat).

    Each sheet gets a bold frozen header, its column widths and number formats; a NIP is a text cell, so leading
    digits survive. A sheet past Excel's 1,048,576 rows raises :class:`TooManyRows` (nothing usable is written).
    """
    from openpyxl import Workbook
    from openpyxl.cell import WriteOnlyCell
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter

    workbook = Workbook(write_only=True)
    bold = Font(bold=True)
    for sheet in sheets:
        worksheet = workbook.create_sheet(sheet.title[:31])
        worksheet.freeze_panes = "A2"
        for index, column in enumerate(sheet.columns, start=1):
            worksheet.column_dimensions[get_column_letter(index)].width = column.width
        header = []
        for column in sheet.columns:
            cell = WriteOnlyCell(worksheet, value=column.header)
            cell.font = bold
            header.append(cell)
        worksheet.append(header)
        formats = [XLSX_FORMATS.get(column.kind, "General") for column in sheet.columns]
        written = 1
        for row in sheet.rows:
            written += 1
            if written > XLSX_MAX_ROWS:
                worksheet.close()  # end openpyxl's row writer cleanly; the workbook is never saved
                raise TooManyRows(sheet.title)
            cells = []
            for value, number_format in zip(row, formats, strict=False):
                cell = WriteOnlyCell(worksheet, value=float(value) if isinstance(value, Decimal) else value)
                if value is not None:
                    cell.number_format = number_format
                cells.append(cell)
            worksheet.append(cells)
    workbook.save(out)
