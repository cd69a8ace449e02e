"""Reading a CSV or XLSX file as a header and a stream of rows, whatever the uploader's software did to it.

Pure: paths in, text cells out; nothing here touches the database. Every way a file can be unreadable ends
in `ImportFileError` (the file as a whole) or an `Unreadable` row (one record), never another exception,
so the importer can always tell the person what went wrong. Rows stream: a 1,000,000-row CSV is never
held in memory.
"""

from __future__ import annotations

import codecs
import csv
import io
import zipfile
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import BinaryIO, Literal

from insight_hub import limits

from .problems import ImportFileError

Format = Literal["csv", "xlsx"]
DELIMITERS = ",;\t|"
SNIFF_BYTES = 64 * 1024
BLOCK_BYTES = 1024 * 1024
REPLACEMENT = "\ufffd"
# Control characters other than tab, newline, carriage return and form feed mark a binary file.
_TEXT_CONTROLS = {9, 10, 12, 13}


@dataclass(frozen=True, slots=True)
class Unreadable:
    """A record the CSV reader could not split into cells (a stray NUL byte, an unclosed quote...)."""

    message: str


Row = tuple[int, list[str] | Unreadable]


@dataclass
class Table:
    format: Format
    header: list[str]
    header_row: int
    rows: Iterator[Row]  # (spreadsheet row number, cells); blank rows are left out
    # True when some bytes could not be decoded: rows holding U+FFFD are reported, not imported.
    lossy: bool = False
    encoding: str = ""


def binary_stream(path: Path) -> BinaryIO:
    """The file as a stream for openpyxl, which refuses a path by its extension where we go by content.
    The stream lives as long as the read-only workbook reading from it."""
    return open(path, "rb")  # noqa: SIM115 - released with the workbook


def column_letter(index: int) -> str:
    """0 -> A, 25 -> Z, 26 -> AA: how a spreadsheet names the column."""
    letters = ""
    index += 1
    while index:
        index, remainder = divmod(index - 1, 26)
        letters = chr(65 + remainder) + letters
    return letters


def sniff_format(path: Path) -> Format:
    """CSV or XLSX by the file's content, not its name; anything else is refused with a reason."""
    with open(path, "rb") as stream:
        head = stream.read(SNIFF_BYTES)
    if not head.strip():
        raise ImportFileError("The file is empty.")
    if head.startswith(b"PK\x03\x04"):
        if not _is_xlsx(path):
            raise ImportFileError(
                "This is a ZIP archive but not an Excel workbook (.xlsx): save it as .xlsx or CSV."
            )
        # Before anything unpacks it: a few hundred KB can unpack to gigabytes.
        _within_limits(limits.xlsx_archive_check, path)
        return "xlsx"
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise ImportFileError(
            "This is an old Excel 97–2003 (.xls) file: save it as .xlsx or CSV and upload that."
        )
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "csv"
    controls = sum(1 for byte in head if byte < 32 and byte not in _TEXT_CONTROLS)
    if b"\x00" in head or controls > len(head) // 100:
        raise ImportFileError("This file is neither a CSV file nor an Excel workbook (.xlsx).")
    return "csv"


def _within_limits(check, *args) -> None:
    try:
        check(*args)
    except limits.LimitExceeded as exc:
        raise ImportFileError(str(exc)) from None


def check_lines(path: Path) -> None:
    """Refuse a CSV file with a line too long to read (a line is read into memory whole). One streaming
    pass, made once when the file is received rather than each time it is opened."""
    with open(path, "rb") as stream:
        _within_limits(limits.lines_check, stream)


def _is_xlsx(path: Path) -> bool:
    try:
        with zipfile.ZipFile(path) as archive:
            return "xl/workbook.xml" in archive.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False


@dataclass(frozen=True, slots=True)
class EncodingGuess:
    encoding: str
    lossy: bool  # some bytes do not decode under `encoding`


def detect_encoding(stream: BinaryIO) -> EncodingGuess:
    """UTF-8 (with or without BOM), UTF-16 by BOM, else Windows-1252, read in one streaming pass.

    A file with valid UTF-8 multi-byte characters stays UTF-8 and its broken rows are reported (Windows-1252
    text almost never forms valid UTF-8 sequences by chance); a file with non-ASCII bytes but no valid
    UTF-8 sequence at all is what Excel's plain "CSV" save writes: Windows-1252.
    """
    head = stream.read(4)
    stream.seek(0)
    if head.startswith(codecs.BOM_UTF8):
        encoding = "utf-8-sig"
    elif head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return EncodingGuess("utf-16", lossy=_decode_errors(stream, "utf-16") > 0)
    else:
        encoding = "utf-8"
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    errors = multibyte = 0
    for block in iter(lambda: stream.read(BLOCK_BYTES), b""):
        if block.isascii():
            continue
        text = decoder.decode(block)
        bad = text.count(REPLACEMENT)
        errors += bad
        multibyte += len(text) - len(text.encode("ascii", "ignore")) - bad
    errors += decoder.decode(b"", final=True).count(REPLACEMENT)
    stream.seek(0)
    if errors == 0:
        return EncodingGuess(encoding, lossy=False)
    if multibyte:
        return EncodingGuess(encoding, lossy=True)
    return EncodingGuess("cp1252", lossy=_decode_errors(stream, "cp1252") > 0)


def _decode_errors(stream: BinaryIO, encoding: str) -> int:
    decoder = codecs.getincrementaldecoder(encoding)(errors="replace")
    errors = sum(
        decoder.decode(block).count(REPLACEMENT) for block in iter(lambda: stream.read(BLOCK_BYTES), b"")
    )
    stream.seek(0)
    return errors


@contextmanager
def open_table(path: Path) -> Iterator[Table]:
    """The file's header (its first non-blank row) and a stream of its data rows."""
    file_format = sniff_format(path)
    opener = _open_xlsx if file_format == "xlsx" else _open_csv
    with opener(path) as table:
        yield table


def check_header(header: list[str]) -> list[str]:
    """Trailing empty headings are dropped; an empty or repeated heading elsewhere is refused by name."""
    header = [cell.strip() for cell in header]
    while header and not header[-1]:
        header.pop()
    if not header:
        raise ImportFileError("The file has no header row: row 1 must name the columns.")
    # Before the columns are compared with the hub's fields, or offered one by one in the mapping form.
    _within_limits(limits.columns_check, len(header))
    empty = [column_letter(i) for i, name in enumerate(header) if not name]
    if empty:
        raise ImportFileError(
            f"Column {', '.join(empty)} has no heading. If heading cells are merged, unmerge them so that "
            "every column has its own heading."
        )
    seen: dict[str, int] = {}
    for index, name in enumerate(header):
        key = name.casefold()
        if key in seen:
            raise ImportFileError(
                f"Columns {column_letter(seen[key])} and {column_letter(index)} are both called “{name}”: "
                "give each column its own heading."
            )
        seen[key] = index
    return header


def _is_blank(cells: list[str]) -> bool:
    return not any(cell.strip() for cell in cells)


@contextmanager
def _open_csv(path: Path) -> Iterator[Table]:
    with open(path, "rb") as raw:
        guess = detect_encoding(raw)
        text = io.TextIOWrapper(raw, encoding=guess.encoding, errors="replace", newline="")
        limits.csv_field_limit()
        delimiter = _delimiter(text.read(SNIFF_BYTES))
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        records = _csv_records(reader)
        header_row, header = 0, []
        for number, cells in records:
            if isinstance(cells, Unreadable):
                raise ImportFileError(f"The header row (row {number}) cannot be read: {cells.message}")
            if not _is_blank(cells):
                header_row, header = number, cells
                break
        if not header_row:
            raise ImportFileError("The file is empty.")
        yield Table(
            format="csv",
            header=check_header(header),
            header_row=header_row,
            rows=records,
            lossy=guess.lossy,
            encoding=guess.encoding,
        )


def _delimiter(sample: str) -> str:
    """The delimiter the header line uses most (a header rarely holds commas); a comma by default."""
    first_line = sample.lstrip("\ufeff").splitlines()[0] if sample.strip() else ""
    counts = {delimiter: first_line.count(delimiter) for delimiter in DELIMITERS}
    best = max(counts, key=counts.__getitem__)
    return best if counts[best] else ","


def _csv_records(reader) -> Iterator[Row]:
    """Records numbered as a spreadsheet shows them (a quoted line break does not start a new row)."""
    number = 0
    while True:
        number += 1
        try:
            cells = next(reader)
        except StopIteration:
            return
        except csv.Error as exc:
            yield number, Unreadable(f"the row cannot be split into cells ({exc})")
            continue
        if not _is_blank(cells):
            yield number, cells


@contextmanager
def _open_xlsx(path: Path) -> Iterator[Table]:
    import openpyxl  # imported here: a CSV import does not need to pay for loading it

    try:
        workbook = openpyxl.load_workbook(binary_stream(path), read_only=True, data_only=True)
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook makes openpyxl raise nearly anything
        raise ImportFileError(f"The spreadsheet cannot be opened ({exc.__class__.__name__}).") from None
    try:
        if not workbook.worksheets:
            raise ImportFileError("The spreadsheet has no worksheet.")
        sheet = workbook.worksheets[0]
        # Without its stated size openpyxl pads no row: each row is as long as its cells, and blank rows
        # are empty, so a sheet that claims to be 16,384 columns wide costs only what it holds.
        sheet.reset_dimensions()
        rows = _xlsx_rows(sheet)
        header_row, header = 0, []
        for number, cells in rows:
            if isinstance(cells, Unreadable):
                raise ImportFileError(f"The header row (row {number}) cannot be read: {cells.message}")
            header_row, header = number, cells
            break
        if not header_row:
            raise ImportFileError("The spreadsheet's first worksheet is empty.")
        yield Table(format="xlsx", header=check_header(header), header_row=header_row, rows=rows)
    finally:
        workbook.close()


def _xlsx_rows(sheet) -> Iterator[Row]:
    """Rows as read, blank ones counted too, within the hub's limits on rows and cells: a few bytes of XML
    can number a row 1,000,000 (openpyxl then yields every blank row before it) or put a cell in column
    XFD, so the counts are checked as the sheet is read, and the file refused once past them."""
    number = cells_read = 0
    max_rows, max_cells = limits.xlsx_row_limits()
    iterator = sheet.iter_rows(values_only=True)
    while True:
        number += 1
        try:
            values = next(iterator)
        except StopIteration:
            return
        except Exception as exc:  # noqa: BLE001 - a corrupt sheet fails mid-stream with any error
            yield (
                number,
                Unreadable(f"the spreadsheet is damaged from this row on ({exc.__class__.__name__})"),
            )
            return
        cells_read += len(values)
        if number > max_rows or cells_read > max_cells:
            _within_limits(limits.xlsx_rows_check, number, cells_read)
        cells = [cell_text(value) for value in values]
        if not _is_blank(cells):
            yield number, cells


def cell_text(value: object) -> str:
    """A spreadsheet cell as the text a person would type: dates in ISO form, 3.0 as 3."""
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat() if value.time() == time() else value.isoformat(sep=" ")
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def estimate_rows(path: Path) -> int:
    """Data rows, roughly (line breaks inside quoted text count too), for the progress bar only."""
    if sniff_format(path) == "xlsx":
        return _xlsx_rows_declared(path)
    with open(path, "rb") as stream:
        lines = sum(block.count(b"\n") for block in iter(lambda: stream.read(BLOCK_BYTES), b""))
    return max(lines - 1, 0)


def _xlsx_rows_declared(path: Path) -> int:
    """The row count the workbook declares (its dimension), or 0 when it declares none."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(binary_stream(path), read_only=True)
        try:
            return max((workbook.worksheets[0].max_row or 1) - 1, 0)
        finally:
            workbook.close()
    except Exception:  # noqa: BLE001 - only an estimate; the import itself reports a damaged file
        return 0
