"""Reading NHS England's published monthly Friends and Family Test workbooks.

The workbooks (inpatient, A&E, maternity…) have a Notes sheet whose title names the setting and month, and a
sheet per level (ICB, Trusts, Sites, Wards; maternity has one per touchpoint, "Trusts Q2"). Each level sheet
has filter widgets on top, then two header rows ("Breakdown of Responses" over Very Good … Don't Know),
then England and "Selection" summary rows without codes, then the data. NHS England has moved the header
row before, so it is found by its content, and headings are matched however they are spelt or spaced.

Pure: a path in, rows and problems out. Codes are not resolved to organisations here.
"""

from __future__ import annotations

import itertools
import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from insight_hub import limits
from insight_hub.imports.problems import ImportFileError, Problem, problem
from insight_hub.imports.tabular import binary_stream, column_letter
from insight_hub.organisations.models import FFTSetting

# No count of responses comes near this; a cell past it is reported, like any other that is not a count.
MAX_COUNT = 10**12
ANSWERS = ("very_good", "good", "neither", "poor", "very_poor", "dont_know")
COUNTS = ("total", *ANSWERS)
# Headings, with spaces and punctuation removed and in lower case, to the field they hold.
HEADINGS = {
    "icbcode": "icb_code",
    "stpcode": "icb_code",
    "trustcode": "trust_code",
    "orgcode": "trust_code",
    "providercode": "trust_code",
    "sitecode": "site_code",
    "sitename": "site_name",
    "wardname": "ward_name",
    "totalresponses": "total",
    "verygood": "very_good",
    "good": "good",
    "neithergoodnorpoor": "neither",
    "neithergoodorpoor": "neither",
    "poor": "poor",
    "verypoor": "very_poor",
    "dontknow": "dont_know",
    "donotknow": "dont_know",
}
LEVEL_CODE = {"icb": "icb_code", "trust": "trust_code", "site": "trust_code", "ward": "trust_code"}
# Maternity's four questions, in the order of its Q1…Q4 sheets.
TOUCHPOINTS = {"1": "antenatal", "2": "birth", "3": "postnatal_ward", "4": "postnatal_community"}
SETTING_WORDS = (
    ("a&e", FFTSetting.AE),
    ("a & e", FFTSetting.AE),
    ("accident and emergency", FFTSetting.AE),
    ("inpatient", FFTSetting.INPATIENT),
    ("maternity", FFTSetting.MATERNITY),
    ("outpatient", FFTSetting.OUTPATIENT),
    ("ambulance", FFTSetting.AMBULANCE),
    ("mental health", FFTSetting.MENTAL_HEALTH),
    ("community", FFTSetting.COMMUNITY),
)
MONTHS = {
    name: number
    for number, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for name in names
}
_MONTH_YEAR = re.compile(
    r"(?<![a-z])(" + "|".join(sorted(MONTHS, key=len, reverse=True)) + r")[\s_\-]*(\d{4}|\d{2})(?!\d)"
)
_YEAR_MONTH = re.compile(r"(?<!\d)(20\d{2})[\-_]?(0[1-9]|1[0-2])(?!\d)")
HEADER_SEARCH_ROWS = 40


@dataclass(frozen=True, slots=True)
class PublishedRow:
    sheet: str
    row: int
    level: str
    touchpoint: str
    code: str  # the ICB's code on ICB sheets, the trust's on the others
    site_code: str
    ward_name: str
    counts: dict[str, int | None]


@dataclass
class PublishedWorkbook:
    setting: str | None
    period: date | None
    rows: list[PublishedRow] = field(default_factory=list)
    problems: list[Problem] = field(default_factory=list)


def heading_key(value: object) -> str:
    return re.sub(r"[^a-z0-9&]", "", str(value or "").casefold())


def sheet_level(name: str) -> tuple[str, str] | None:
    """("trust", "birth") for "Trusts Q2"; None for a sheet that holds no published figures."""
    match = re.match(r"^\s*(icb|stp|trusts?|sites?|wards?)\b\s*(?:q([1-4]))?\s*$", name.casefold())
    if not match:
        return None
    level = {"stp": "icb"}.get(match[1], match[1].rstrip("s"))
    return level, TOUCHPOINTS.get(match[2] or "", "")


def period_from_text(text: str) -> date | None:
    text = text.casefold()
    if match := _MONTH_YEAR.search(text):
        year = int(match[2])
        return date(year + 2000 if year < 100 else year, MONTHS[match[1]], 1)
    if match := _YEAR_MONTH.search(text):
        return date(int(match[1]), int(match[2]), 1)
    return None


def setting_from_text(text: str) -> str | None:
    text = text.casefold()
    return next((setting for words, setting in SETTING_WORDS if words in text), None)


def parse_workbook(path: Path, *, file_name: str = "") -> PublishedWorkbook:
    """Every published row of every level sheet, with the workbook's setting and month where it says them."""
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(
            binary_stream(path), read_only=True, data_only=True, keep_links=False
        )
    except Exception as exc:  # noqa: BLE001 - a corrupt workbook makes openpyxl raise nearly anything
        raise ImportFileError(f"The workbook cannot be opened ({exc.__class__.__name__}).") from None
    try:
        title = _title(workbook)
        result = PublishedWorkbook(
            setting=setting_from_text(title) or setting_from_text(file_name),
            period=period_from_text(title) or period_from_text(file_name),
        )
        levels = [(sheet, level) for sheet in workbook.worksheets if (level := sheet_level(sheet.title))]
        if not levels:
            raise ImportFileError(
                "This workbook has no ICB, Trusts, Sites or Wards sheet: is it NHS England's FFT publication?"
            )
        seen: dict[tuple, int] = {}
        for sheet, (level, touchpoint) in levels:
            try:
                _read_sheet(sheet, level, touchpoint, result, seen)
            except ImportFileError:
                raise
            except Exception as exc:  # noqa: BLE001 - a damaged sheet is reported, the others still count
                result.problems.append(
                    problem(
                        0,
                        sheet.title,
                        "",
                        f"Sheet “{sheet.title}” cannot be read "
                        f"({exc.__class__.__name__}); its figures were not imported.",
                    )
                )
        return result
    finally:
        workbook.close()


def _title(workbook) -> str:
    """The publication's title ("Inpatient Friends and Family Test (FFT) Data - July 2025")."""
    for name in ("Notes", "Summary"):
        if name not in workbook.sheetnames:
            continue
        for values in workbook[name].iter_rows(min_row=1, max_row=6, values_only=True):
            for value in values:
                if isinstance(value, str) and "friends and family test" in value.casefold():
                    return value
    return ""


def _read_sheet(
    sheet, level: str, touchpoint: str, result: PublishedWorkbook, seen: dict[tuple, int]
) -> None:
    rows = sheet.iter_rows(values_only=True)
    head = list(itertools.islice(rows, HEADER_SEARCH_ROWS + 1))
    data_from, columns = _find_header(head, sheet.title)
    code_field = LEVEL_CODE[level]
    needed = [code_field, *COUNTS]
    needed += ["site_code"] if level in {"site", "ward"} else []
    needed += ["ward_name"] if level == "ward" else []
    missing = [name for name in needed if name not in columns.values()]
    if missing:
        raise ImportFileError(
            f"Sheet “{sheet.title}” has no column for {', '.join(missing)} in its header row."
        )
    data = itertools.chain(head[data_from:], rows)
    for number, values in enumerate(data, start=data_from + 1):
        cells = {name: values[i] if i < len(values) else None for i, name in columns.items()}
        code = _text(cells.get(code_field))
        if not code or code == "-":
            continue  # England, "Selection" and end-of-data rows carry no code
        counts, problems = _counts(sheet.title, number, cells, columns)
        key = (
            level,
            touchpoint,
            code,
            _text(cells.get("site_code")),
            _text(cells.get("ward_name")).casefold(),
        )
        if key in seen:
            problems.append(
                problem(
                    number,
                    sheet.title,
                    code,
                    f"Sheet “{sheet.title}”, row {number} repeats row "
                    f"{seen[key]}; only the first was imported.",
                )
            )
        if problems:
            result.problems += problems
            continue
        seen[key] = number
        result.rows.append(
            PublishedRow(
                sheet=sheet.title,
                row=number,
                level=level,
                touchpoint=touchpoint,
                code=code.upper(),
                site_code=_text(cells.get("site_code")).upper() if level in {"site", "ward"} else "",
                ward_name=_text(cells.get("ward_name")) if level == "ward" else "",
                counts=counts,
            )
        )


def _find_header(head: list[tuple], sheet_title: str) -> tuple[int, dict[int, str]]:
    """The row naming "Total Responses", merged with the row under it when that row names the answers
    (the answers' own headings sit under a merged "Breakdown of Responses" cell).
    Returns how many rows the header takes from the top, and {column index: field}."""
    for index, values in enumerate(head[:HEADER_SEARCH_ROWS]):
        keys = [heading_key(value) for value in values]
        if "totalresponses" not in keys:
            continue
        columns = {i: HEADINGS[key] for i, key in enumerate(keys) if key in HEADINGS}
        below = head[index + 1] if index + 1 < len(head) else ()
        sub = {i: HEADINGS[key] for i, value in enumerate(below) if (key := heading_key(value)) in HEADINGS}
        columns.update(sub)
        return index + 1 + (1 if sub else 0), columns
    raise ImportFileError(f"Sheet “{sheet_title}” has no header row with a “Total Responses” column.")


def _text(value: object) -> str:
    return "" if value is None else str(value).strip()


def _counts(sheet: str, row: int, cells: dict, columns: dict[int, str]) -> tuple[dict[str, int | None], list]:
    """Counts as published; "*" (suppressed) and empty cells become None."""
    letters = {name: column_letter(i) for i, name in columns.items()}
    counts: dict[str, int | None] = {}
    problems = []
    for name in COUNTS:
        value = cells.get(name)
        if value is None or _text(value) in {"", "*", "-"}:
            counts[name] = None
        elif (
            isinstance(value, int | float)
            and not isinstance(value, bool)
            and 0 <= value < MAX_COUNT  # also false for NaN and infinity, which int() refuses
            and value == int(value)
        ):
            counts[name] = int(value)
        elif isinstance(value, str) and (number := limits.id_or_none(value, digits=12)) is not None:
            counts[name] = number
        else:
            counts[name] = None
            problems.append(
                problem(
                    row,
                    f"{sheet}!{letters[name]}",
                    value,
                    f"Sheet “{sheet}”, row {row}, column "
                    f"{letters[name]}: “{value}” is not a count (a whole number, or * if suppressed).",
                )
            )
    return counts, problems
