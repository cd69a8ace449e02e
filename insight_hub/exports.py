"""The one writer of every CSV and XLSX cell the hub hands out, so that no cell can run as a formula.

Spreadsheet programs run a cell that starts with `=`, `+`, `-` or `@` (and some a tab or carriage return) as
a formula: `=HYPERLINK(…)` in a patient's comment, a story title or a theme name would become a live link or
a command on the reader's machine. Every text cell goes through `cell()`, in this order:

1. **normalise** (`normalise()`): control characters that a file cannot carry or that hide a formula
   (`\\x00`–`\\x1f` but tab and line feed, DEL, C1 controls, lone surrogates, U+FFFE/U+FFFF) are removed,
   and CR LF or a lone CR becomes LF;
2. **then neutralise** (`neutralise()`): a text whose first character is a tab, CR or LF, or whose first
   visible character (after spaces and invisible format characters such as U+200B) is `=`, `+`, `-` or `@`
   under Unicode NFKC (so full-width `＝＋－＠` and their small and superscript forms count), is prefixed
   with `'`, as OWASP advises. The text itself is kept as written.

The order is the point: checking before control characters are dropped let `\\x01=HYPERLINK(…)` through.
Numbers, dates and empty cells are written as they are (a number stays a number); any other value is
written as its text. A text that starts with `'` before something that would need it is given one more `'`,
so that `unneutralise()` turns every written text back into exactly the normalised text (the corrections
file is read back by `train_tagger --corrections`).

XLSX: text cells are always strings (`data_type = "s"`): openpyxl would store a text starting with `=` as a
formula and `#N/A` as an error, so such a cell is typed explicitly. A literal `_xHHHH_` in a text is escaped
as OOXML asks (`_x005F_xHHHH_`): Excel decodes `_x003D_` to `=`, which would bring a formula character back
to the front.
"""

from __future__ import annotations

import csv
import datetime as dt
import re
import unicodedata
from collections.abc import Iterable, Iterator, Sequence
from decimal import Decimal
from typing import IO, Any

from openpyxl.cell.cell import ERROR_CODES, Cell

FORMULA_STARTS = ("=", "+", "-", "@")
# Characters that spreadsheet programs also read as the start of a formula or of a new cell.
LEADING_BREAKS = ("\t", "\r", "\n")
QUOTE = "'"

# C0 controls but tab (\x09) and line feed (\x0a) (CR is turned into LF before), DEL and the C1 controls,
# lone surrogates (which cannot be encoded), and the two non-characters that XML forbids.
_CONTROL = re.compile("[\x00-\x08\x0b-\x1f\x7f-\x9f\ud800-\udfff\ufffe\uffff]")
_LINE_BREAK = re.compile("\r\n?")
# OOXML string escapes (ECMA-376 ST_Xstring): an underscore that starts one is itself written `_x005F_`.
_XLSX_ESCAPE = re.compile("_(?=x[0-9A-Fa-f]{4}_)")
# Passed through as they are: csv writes their text, openpyxl stores them as numbers and dates.
_PLAIN = (int, float, Decimal, dt.date, dt.datetime, dt.time, dt.timedelta)


def normalise(text: str) -> str:
    """The text as a file can carry it: control characters removed, line breaks as LF."""
    if text.isprintable():  # the common case, checked in C: no control, format or unassigned character
        return text
    return _CONTROL.sub("", _LINE_BREAK.sub("\n", text))


def _first_visible(text: str) -> str:
    for char in text:
        if not (char.isspace() or unicodedata.category(char) == "Cf"):
            return char
    return ""


def _runs(text: str) -> bool:
    """Whether a spreadsheet program could take the text for a formula."""
    first = text[:1]
    if first in LEADING_BREAKS:
        return True
    if first.isascii() and not first.isspace():  # the common case: a visible ASCII character (or none)
        return first in FORMULA_STARTS
    return unicodedata.normalize("NFKC", _first_visible(text)).startswith(FORMULA_STARTS)


def neutralise(text: Any) -> Any:
    """The text prefixed with `'` where it could run as a formula; any other value as it is. Expects
    normalised text: write cells through `cell()`, which normalises first."""
    return _neutralised(text) if isinstance(text, str) else text


def _neutralised(text: str) -> str:
    if _runs(text) or (text.startswith(QUOTE) and _runs(text.lstrip(QUOTE))):
        return QUOTE + text
    return text


def unneutralise(text: str) -> str:
    """The text as it was before `neutralise()`: the inverse for every text that it wrote."""
    if text.startswith(QUOTE) and _runs(text.lstrip(QUOTE)):
        return text[1:]
    return text


def cell(value: Any) -> Any:
    """A value ready for a CSV or XLSX cell: normalised, then neutralised. Numbers and dates stay as they
    are, `None` stays empty, anything else becomes its text."""
    if isinstance(value, str):  # most cells: checked first
        text = normalise(value)
    elif value is None or isinstance(value, _PLAIN):  # bool is an int
        return value
    else:
        text = normalise(str(value))
    return _neutralised(text)


def cells(row: Iterable[Any]) -> list[Any]:
    return [cell(value) for value in row]


class CsvWriter:
    """`csv.writer` whose every cell goes through `cell()`. `writerow` returns what the file's `write`
    returns, so a pseudo-buffer can hand lines to a streaming response."""

    def __init__(self, file: Any, **options: Any) -> None:
        self._writer = csv.writer(file, **options)

    def writerow(self, row: Iterable[Any]) -> Any:
        return self._writer.writerow(cells(row))

    def writerows(self, rows: Iterable[Iterable[Any]]) -> None:
        for row in rows:
            self.writerow(row)


class CsvDictWriter:
    """`csv.DictWriter` (missing keys empty, unknown keys refused) through `cell()`."""

    def __init__(self, file: Any, fieldnames: Sequence[str], **options: Any) -> None:
        self.fieldnames = list(fieldnames)
        self._writer = CsvWriter(file, **options)

    def writeheader(self) -> Any:
        return self._writer.writerow(self.fieldnames)

    def writerow(self, row: dict[str, Any]) -> Any:
        unknown = set(row) - set(self.fieldnames)
        if unknown:
            raise ValueError(f"dict contains fields not in fieldnames: {sorted(unknown)}")
        return self._writer.writerow([row.get(name, "") for name in self.fieldnames])

    def writerows(self, rows: Iterable[dict[str, Any]]) -> None:
        for row in rows:
            self.writerow(row)


def read_csv_dicts(handle: IO[str]) -> Iterator[dict[str, str]]:
    """Rows of a CSV file this module wrote, each text back as it was before `neutralise()`."""
    for row in csv.DictReader(handle):
        yield {key: unneutralise(value) if isinstance(value, str) else value for key, value in row.items()}


def xlsx_append(sheet: Any, row: Iterable[Any]) -> None:
    """Append a row to an openpyxl worksheet (write-only or not), text cells typed as strings."""
    out = []
    for value in cells(row):
        if isinstance(value, str):
            if "_x" in value:
                value = _XLSX_ESCAPE.sub("_x005F_", value)
            if value.startswith("=") or value in ERROR_CODES:
                # openpyxl would store a formula or an error: a cell typed as a string is neither. (A written
                # text never starts with `=`; this holds even so.) append() sets the position.
                value = Cell(sheet, row=1, column=1, value=value)
                value.data_type = "s"
        out.append(value)
    sheet.append(out)
