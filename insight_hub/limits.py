"""Limits on what the hub decompresses and parses, checked before the work starts.

The values are settings (the "Limits" block of insight_hub/settings.py); this module applies them. Each check
raises `LimitExceeded` with a message for the person who sent the file or the request; callers turn it into a
form error, a line of an import report or a 4xx answer. Issue #15: a 311 KB workbook that unpacks to 300 MB,
a CSV with a million columns, a 9.6 MB API request and JSON nested 50,000 deep each held or killed a web
worker, because nothing looked at their size before reading them.

Pure: paths, streams and bytes in; nothing here touches the database.
"""

from __future__ import annotations

import csv
import json
import re
import zipfile
from pathlib import Path
from typing import BinaryIO

from django.conf import settings

BLOCK_BYTES = 1024 * 1024
# Members this small cannot hurt whatever their packing, and tiny parts of a real workbook pack well.
RATIO_CHECKED_FROM_BYTES = 1024 * 1024
_UNIQUE_COUNT = re.compile(rb'uniqueCount\s*=\s*["\'](\d+)["\']')


class LimitExceeded(ValueError):
    """Too big, too deep or too long for the hub to read. The message names the limit and what to do."""


def size_text(size: int) -> str:
    if size >= 1024 * 1024:
        return f"{size / (1024 * 1024):,.0f} MB"
    return f"{size / 1024:,.0f} KB" if size >= 1024 else f"{size:,} bytes"


# Spreadsheets ----------------------------------------------------------------------------------------------


def xlsx_archive_check(path: Path) -> None:
    """Refuse a workbook whose parts unpack to too much, before openpyxl unpacks anything.

    Read from the ZIP's directory: each member's unpacked size and packed size. Python's zipfile stops
    reading a member at its stated size (and fails its checksum after), so a directory that understates a
    size cannot smuggle more past this check. A file that is not a readable ZIP is left to the reader."""
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError, ValueError):
        return
    with archive:
        total = 0
        for info in archive.infolist():
            total += info.file_size
            ratio = info.file_size / max(info.compress_size, 1)
            if info.file_size > RATIO_CHECKED_FROM_BYTES and ratio > settings.XLSX_MAX_COMPRESSION_RATIO:
                raise LimitExceeded(
                    f"The workbook's part {info.filename} unpacks to {size_text(info.file_size)}, "
                    f"{ratio:,.0f} times its packed size; the hub reads parts packed at most "
                    f"{settings.XLSX_MAX_COMPRESSION_RATIO} times. Save the sheet as CSV and upload that."
                )
            if info.filename.lower().endswith("sharedstrings.xml"):
                _shared_strings_check(archive, info)
        if total > settings.XLSX_MAX_UNCOMPRESSED_BYTES:
            raise LimitExceeded(
                f"The workbook unpacks to {size_text(total)}; the most the hub unpacks is "
                f"{size_text(settings.XLSX_MAX_UNCOMPRESSED_BYTES)}. Save the sheet as CSV, or split it."
            )


def _shared_strings_check(archive: zipfile.ZipFile, info: zipfile.ZipInfo) -> None:
    """openpyxl holds a workbook's shared text in memory whole, so it is limited on its own."""
    limit = settings.XLSX_MAX_SHARED_STRINGS_BYTES
    if info.file_size > limit:
        raise LimitExceeded(
            f"The workbook's text unpacks to {size_text(info.file_size)}; the most the hub reads is "
            f"{size_text(limit)}. Save the sheet as CSV (read as a stream, without this limit) "
            "and upload that."
        )
    try:
        with archive.open(info) as member:
            head = member.read(1024)
    except (zipfile.BadZipFile, OSError, ValueError, NotImplementedError, RuntimeError):
        return  # a damaged or encrypted part: the reader reports it
    match = _UNIQUE_COUNT.search(head)
    if match and int(match.group(1)[:12]) > settings.XLSX_MAX_SHARED_STRINGS:
        raise LimitExceeded(
            f"The workbook holds {int(match.group(1)[:12]):,} different texts; the most the hub reads is "
            f"{settings.XLSX_MAX_SHARED_STRINGS:,}. Save the sheet as CSV and upload that."
        )


def xlsx_row_limits() -> tuple[int, int]:
    """(rows, cells) a worksheet may have; a reader compares its counts with these on every row."""
    return settings.XLSX_MAX_ROWS, settings.IMPORT_MAX_CELLS


def xlsx_rows_check(rows: int, cells: int) -> None:
    """Called as a sheet is read: counted rows (blank ones included) and cells, which a few bytes of XML can
    make a great many of (a row numbered 1,000,000, a cell in column XFD)."""
    if rows > settings.XLSX_MAX_ROWS:
        raise LimitExceeded(
            f"The worksheet has more than {settings.XLSX_MAX_ROWS:,} rows, "
            "more than Excel itself allows. Check it was saved by a spreadsheet program, or save it as CSV."
        )
    if cells > settings.IMPORT_MAX_CELLS:
        raise LimitExceeded(
            f"The worksheet has more than {settings.IMPORT_MAX_CELLS:,} cells (row {rows:,} goes past it); "
            "the most the hub reads from one file is that. Split the file, or delete empty columns."
        )


# Ids sent in forms and query strings ------------------------------------------------------------------------


def id_or_none(value: object, *, digits: int = 18) -> int | None:
    """A row id from a form or query string, or None when it is not one (a word, a negative number, or 5,000
    digits, which Python itself refuses to read): so a view answers "not found" rather than a 500."""
    text = str(value or "").strip()
    # isdecimal: the digits int() reads ("²" is a digit to isdigit, and int() refuses it).
    if not text.isdecimal() or len(text) > digits:
        return None
    return int(text)


# Text files ------------------------------------------------------------------------------------------------


def columns_check(count: int) -> None:
    limit = settings.IMPORT_MAX_COLUMNS
    if count > limit:
        raise LimitExceeded(
            f"The header row has {count:,} columns; the most the hub reads is {limit:,}. "
            "Delete the columns you do not need and upload the file again."
        )


def lines_check(stream: BinaryIO) -> None:
    """Refuse a text file with a line longer than IMPORT_MAX_LINE_BYTES, in one streaming pass over its bytes
    (a line is read into memory whole, so one 200 MB line would be 200 MB or more of memory). Leaves the
    stream at its start."""
    limit = settings.IMPORT_MAX_LINE_BYTES
    line, current = 1, 0
    for block in iter(lambda: stream.read(BLOCK_BYTES), b""):
        # A bare "\r" ends a line too (old Mac exports). (A "\r\n" split between two blocks counts as two
        # line ends, which only moves the line number given by one.)
        parts = block.replace(b"\r\n", b"\n").replace(b"\r", b"\n").split(b"\n")
        for index, part in enumerate(parts):
            current = current + len(part) if index == 0 else len(part)
            if current > limit:
                stream.seek(0)
                raise LimitExceeded(
                    f"Line {line + index:,} of the file is longer than {size_text(limit)}, the most the hub "
                    "reads in one line. Check the file was saved as CSV, with one row per line."
                )
        line += len(parts) - 1
    stream.seek(0)


def csv_field_limit() -> None:
    """The csv module's limit on one cell's length is process-wide: set it to the hub's before reading."""
    csv.field_size_limit(settings.CSV_MAX_FIELD_CHARS)


# JSON ------------------------------------------------------------------------------------------------------


def json_loads(data: bytes | str) -> object:
    """`json.loads` within the hub's limits: LimitExceeded for nesting deeper than JSON_MAX_DEPTH or a whole
    number longer than JSON_MAX_INT_DIGITS (Python itself refuses past 4,300 digits with a ValueError that
    callers did not expect); ValueError (JSONDecodeError, UnicodeDecodeError) for what is not JSON."""
    try:
        value = json.loads(data, parse_int=_bounded_int)
    except RecursionError:
        raise _too_deep() from None
    if _depth_exceeds(value, settings.JSON_MAX_DEPTH):
        raise _too_deep()
    return value


def _too_deep() -> LimitExceeded:
    return LimitExceeded(f"The JSON is nested more than {settings.JSON_MAX_DEPTH} levels deep.")


def _bounded_int(text: str) -> int:
    digits = len(text.lstrip("-"))
    if digits > settings.JSON_MAX_INT_DIGITS:
        raise LimitExceeded(
            f"A number in the JSON has {digits:,} digits; the most the hub reads is "
            f"{settings.JSON_MAX_INT_DIGITS}. Send long identifiers as strings."
        )
    return int(text)


def _depth_exceeds(value: object, limit: int) -> bool:
    """Without recursion, so a structure just inside the parser's own limit cannot exhaust the stack here."""
    stack = [(value, 1)]
    while stack:
        item, level = stack.pop()
        if isinstance(item, dict):
            children = item.values()
        elif isinstance(item, list):
            children = item
        else:
            continue
        if level > limit:
            return True
        stack.extend((child, level + 1) for child in children)
    return False
