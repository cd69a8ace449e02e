"""What an importer says about a file it cannot fully read: per-row problems and whole-file refusals."""

from __future__ import annotations

from dataclasses import asdict, dataclass

# A problem's value is kept short: the report is for finding the cell, not for copying patient text.
VALUE_PREVIEW_CHARS = 80


@dataclass(frozen=True, slots=True)
class Problem:
    """One reason a row (or a cell) was not imported. `row` is the row number a person sees in a
    spreadsheet, the header being row 1; `column` is the file's own column heading."""

    row: int
    column: str
    value: str
    message: str

    def as_dict(self) -> dict[str, object]:
        return asdict(self)


def problem(row: int, column: str, value: object, message: str) -> Problem:
    text = "" if value is None else str(value)
    if len(text) > VALUE_PREVIEW_CHARS:
        text = text[: VALUE_PREVIEW_CHARS - 1] + "…"
    return Problem(row=row, column=column, value=text, message=message)


class ImportFileError(Exception):
    """The file as a whole cannot be imported (empty, not a CSV or XLSX file, too big, no header...).
    The message is written for the person who uploaded it."""
