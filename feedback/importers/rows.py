"""Turning one row of a row-level file into a response with its comments, or into the reasons it cannot be.

Pure: the organisation's services arrive as a `Lookups` value, so this runs (and is property-tested) without
a database. It is the hot loop of a million-row import, so values that repeat (dates, service names,
answers) are parsed once and cached.
"""

from __future__ import annotations

import hashlib
import itertools
import re
from collections import defaultdict
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

from feedback.models import AgeBand, Disability, EthnicCategory, FFTAnswer, FFTRecommendAnswer, Sex
from insight_hub.imports.problems import Problem, problem
from insight_hub.imports.tabular import REPLACEMENT, Row, Unreadable

from .locations import chosen_keys, location_key
from .mapping import COMMENT_PREFIX, FIELDS_BY_NAME, OLD_QUESTION_WORDS, normalise_heading

MAX_EXTERNAL_ID = 150
MAX_LOCATION_DETAIL = 200
# Parsed dates are cached by their text; a file with more distinct timestamps than this starts afresh.
_CACHE_LIMIT = 100_000
_UK_DATE = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T](\d{1,2}):(\d{2})(?::(\d{2}))?)?$")
_ISO_DATE = re.compile(r"^\d{4}-\d{1,2}-\d{1,2}")


@dataclass(frozen=True)
class Lookups:
    """What a row is checked against: the importing organisation's services, by name."""

    organisation_code: str
    organisation_name: str
    services: dict[str, int]  # normalised service name -> id
    site_services: dict[tuple[str, str], int] = field(default_factory=dict)  # (site, service) -> id
    # locations.location_key -> id: names read without punctuation, single-service sites' ODS codes.
    locations: dict[str, int] = field(default_factory=dict)
    timezone: ZoneInfo = ZoneInfo("Europe/London")
    today: date = field(default_factory=date.today)


@dataclass(slots=True)
class ParsedResponse:
    row: int
    dedupe_key: str
    service_id: int
    responded_at: datetime
    fft_score: int | None
    location_detail: str
    ethnic_category: str
    age_band: str
    sex: str
    disability: str
    comments: list[tuple[str, str]]  # (question type, text)
    external_id: str = ""  # the row id column's value, when the file has one
    fft_recommend: int | None = None  # the answer to the 2013–2020 question, when the file asked it


def normalise_name(name: str) -> str:
    return " ".join(name.casefold().split())


def _choice_lookup(choices: list[tuple[str, str]], extra: dict[str, str] | None = None) -> dict[str, str]:
    """Accept a choice's stored value or its label, in any case and spacing."""
    lookup = {}
    for value, label in choices:
        lookup[normalise_heading(value)] = value
        lookup[normalise_heading(label)] = value
    lookup.update(extra or {})
    return lookup


_FFT_WORDS = {normalise_heading(label): value for value, label in FFTAnswer.choices} | {
    "neither good or poor": FFTAnswer.NEITHER,
    "do not know": FFTAnswer.DONT_KNOW,
    "dont know": FFTAnswer.DONT_KNOW,
}
_DEMOGRAPHICS = {
    "ethnic_category": _choice_lookup(EthnicCategory.choices),
    "age_band": _choice_lookup(AgeBand.choices, {"0 15": "0-15", "85": "85+"}),
    "sex": _choice_lookup(Sex.choices, {"f": "female", "m": "male"}),
    "disability": _choice_lookup(Disability.choices, {"y": "yes", "n": "no"}),
}
_FFT_HELP = "use 1 (very good) to 6 (don't know), or the answer in words"
_RECOMMEND_WORDS = {normalise_heading(label): value for value, label in FFTRecommendAnswer.choices} | {
    "neither likely or unlikely": FFTRecommendAnswer.NEITHER,
    "do not know": FFTRecommendAnswer.DONT_KNOW,
    "dont know": FFTRecommendAnswer.DONT_KNOW,
}
_RECOMMEND_HELP = "use 1 (extremely likely) to 6 (don't know), or the answer in words"
_OLD_QUESTION = (
    "is an answer to the 2013–2020 question (“How likely are you to recommend…”), which NHS England does not "
    f"compare with the current one: map this column to “{FIELDS_BY_NAME['fft_recommend'].label}”"
)
_NEW_QUESTION = (
    "is an answer to the current FFT question (“Overall, how was your experience…”): map this column to "
    f"“{FIELDS_BY_NAME['fft_score'].label}”"
)


def file_fingerprint(path) -> str:
    """The sha256 of a file's bytes, read in blocks (a file of hundreds of megabytes is not held at once)."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(1024 * 1024):
            digest.update(block)
    return digest.hexdigest()


class RowParser:
    """Parse rows of one file under one mapping. Call it with (row number, cells).

    Repeats are decided only by an explicit key, never by a row's content (two people answering alike in the
    same minute are two responses): the row id column (`external_id`) when the file has one, otherwise the
    file's `fingerprint` (the sha256 of its bytes) and the row's number, so importing the same file again adds
    nothing while an edited copy of it is imported again."""

    def __init__(
        self,
        header: list[str],
        mapping: dict[str, str],
        lookups: Lookups,
        *,
        fingerprint: str,
        lossy: bool = False,
        values: dict[str, dict[str, str]] | None = None,
        locations: dict[str, dict] | None = None,
    ):
        self.header = header
        # The location mapping: the file's locations that name no service, as the person mapped them.
        known = {*lookups.services.values(), *lookups.site_services.values()}
        self.locations = lookups.locations | chosen_keys(locations or {}, known)
        # The value mapping: a file's own words for an answer, read as the hub's number ("" = no answer).
        self.values = {
            name: {normalise_heading(word): hub for word, hub in words.items()}
            for name, words in (values or {}).items()
        }
        self.width = len(header)
        self.lookups = lookups
        self.lossy = lossy
        index = {column: i for i, column in enumerate(header)}
        self.columns = {name: column for column, name in mapping.items() if name and column in index}
        # A field the mapping leaves out reads the always-empty cell padded on after the last column.
        self.at = defaultdict(
            lambda: self.width, {name: index[column] for name, column in self.columns.items()}
        )
        self.comment_columns = [
            (index[column], name.removeprefix(COMMENT_PREFIX))
            for column, name in mapping.items()
            if name.startswith(COMMENT_PREFIX) and column in index
        ]
        # Values repeat down a file (the same day, ward, answer): each distinct text is parsed once.
        self._dates: dict[str, datetime | str] = {}
        self._services: dict[tuple[str, str], tuple[int, bool] | None] = {}
        self._scores: dict[tuple[str, bool], int | str | None] = {}
        self._choices: dict[str, dict[str, str | None]] = {name: {} for name in _DEMOGRAPHICS}
        self._prefix = lookups.organisation_code + ":import:"
        self._file_prefix = f"{self._prefix}file:{fingerprint}:"
        self._latest = datetime.combine(
            lookups.today + timedelta(days=1), datetime.min.time(), lookups.timezone
        )

    def __call__(self, row: int, cells: list[str] | Unreadable) -> ParsedResponse | list[Problem]:
        if isinstance(cells, Unreadable):
            return [problem(row, "", "", f"Row {row} cannot be read: {cells.message}.")]
        width = self.width
        if len(cells) > width and any(cell.strip() for cell in cells[width:]):
            return [
                problem(
                    row,
                    "",
                    "",
                    f"Row {row} has {len(cells)} cells but the header has {width}: a comma "
                    "or quote in the text may have split a cell.",
                )
            ]
        cells = cells[:width] + [""] * (width + 1 - min(len(cells), width))
        problems: list[Problem] = self._undecodable(row, cells) if self.lossy else []
        at = self.at
        responded_at = self._date(row, cells[at["date"]].strip(), problems)
        service_id, detail = self._location(row, cells, problems)
        fft_score = self._fft(row, cells[at["fft_score"]].strip(), problems)
        fft_recommend = self._fft(row, cells[at["fft_recommend"]].strip(), problems, old_question=True)
        ethnic_category = self._choice(row, "ethnic_category", cells[at["ethnic_category"]], problems)
        age_band = self._choice(row, "age_band", cells[at["age_band"]], problems)
        sex = self._choice(row, "sex", cells[at["sex"]], problems)
        disability = self._choice(row, "disability", cells[at["disability"]], problems)
        external_id = cells[at["external_id"]].strip()
        if len(external_id) > MAX_EXTERNAL_ID:
            problems.append(
                self._problem(row, "external_id", external_id, f"is longer than {MAX_EXTERNAL_ID} characters")
            )
        comments = [(qtype, text) for i, qtype in self.comment_columns if (text := cells[i].strip())]
        if fft_score is None and fft_recommend is None and not comments and not problems:
            problems.append(
                problem(row, "", "", f"Row {row} has no FFT answer and no comment: nothing to import.")
            )
        if problems:
            return problems
        key = f"{self._prefix}id:{external_id}" if external_id else f"{self._file_prefix}{row}"
        return ParsedResponse(
            row,
            key,
            service_id,
            responded_at,
            fft_score,
            detail,
            ethnic_category,
            age_band,
            sex,
            disability,
            comments,
            external_id,
            fft_recommend,
        )

    def _problem(self, row: int, name: str, value: str, complaint: str) -> Problem:
        column = self.columns.get(name, name)
        return problem(row, column, value, f"Row {row}, column “{column}”: “{value}” {complaint}.")

    def _undecodable(self, row: int, cells: list[str]) -> list[Problem]:
        return [
            problem(
                row,
                column,
                cells[i],
                f"Row {row}, column “{column}” holds bytes that are not text in the "
                "file's encoding; correct the characters or save the file as UTF-8.",
            )
            for i, column in enumerate(self.header)
            if REPLACEMENT in cells[i]
        ]

    def _date(self, row: int, raw: str, problems: list[Problem]) -> datetime:
        parsed = self._dates.get(raw)
        if parsed is None:
            parsed = _bounded_put(self._dates, raw, self._parse_date(raw))
        if isinstance(parsed, str):
            problems.append(self._problem(row, "date", raw, parsed))
            return self._latest
        return parsed

    def _parse_date(self, raw: str) -> datetime | str:
        """A date (and time) in ISO form or as dd/mm/yyyy, in UK local time unless it says otherwise;
        or why not."""
        if not raw:
            return "is empty: every response needs its date"
        uk = _UK_DATE.match(raw)
        try:
            if uk:
                day, month, year, hour, minute, second = (int(part or 0) for part in uk.groups())
                value = datetime(year, month, day, hour, minute, second)
            elif _ISO_DATE.match(raw):
                value = datetime.fromisoformat(raw)
            else:
                return "is not a date: write it as 2025-03-31 or 31/03/2025"
        except ValueError:
            return "is not a real date"
        if value.tzinfo is None:
            value = value.replace(tzinfo=self.lookups.timezone)
        if value >= self._latest:
            return "is in the future"
        return value

    def _location(self, row: int, cells: list[str], problems: list[Problem]) -> tuple[int, str]:
        """location_1 names a service; or a site, with location_2 naming a service at that site."""
        at = self.at
        first = cells[at["location_1"]].strip()
        second = cells[at["location_2"]].strip()
        third = cells[at["location_3"]].strip()
        found = self._services.get((first, second))
        if found is None:
            found = _bounded_put(self._services, (first, second), self.find_service(first, second))
        if not found:
            complaint = (
                f"is not a service of {self.lookups.organisation_name}: correct the name, map it to a "
                "service in the import's location step, or add the service to the organisation first"
                if first
                else "is empty: every response needs its service"
            )
            problems.append(self._problem(row, "location_1", first, complaint))
            return 0, ""
        service_id, site_and_service = found
        # The parts of the location below the service, joined without building a list per row (hot loop).
        lower = f"{second} / {third}" if second and third else second or third
        detail = third if site_and_service else lower
        if len(detail) > MAX_LOCATION_DETAIL:
            problems.append(
                self._problem(row, "location_2", detail, f"is longer than {MAX_LOCATION_DETAIL} characters")
            )
        return service_id, detail

    def find_service(self, first: str, second: str) -> tuple[int, bool] | tuple[()]:
        """(service id, whether location_2 named it at the site in location_1), or () when nothing matches."""
        service_id = self.lookups.services.get(normalise_name(first))
        if service_id is not None:
            return service_id, False
        service_id = self.lookups.site_services.get((normalise_name(first), normalise_name(second)))
        if service_id is not None and second:
            return service_id, True
        service_id = self.locations.get(location_key(first))
        return (service_id, False) if service_id is not None else ()

    def _fft(self, row: int, raw: str, problems: list[Problem], *, old_question: bool = False) -> int | None:
        key = (raw, old_question)
        if key not in self._scores:
            mapped = self.values.get("fft_recommend" if old_question else "fft_score", {}).get(
                normalise_heading(raw)
            )
            text = raw if mapped is None else mapped
            _bounded_put(self._scores, key, _parse_recommend(text) if old_question else _parse_fft(text))
        score = self._scores[key]
        if isinstance(score, str):
            problems.append(self._problem(row, "fft_recommend" if old_question else "fft_score", raw, score))
            return None
        return score

    def _choice(self, row: int, name: str, raw: str, problems: list[Problem]) -> str:
        if not raw:
            return ""
        cache = self._choices[name]
        if raw not in cache:
            _bounded_put(cache, raw, _DEMOGRAPHICS[name].get(normalise_heading(raw)))
        value = cache[raw]
        if value is None:
            problems.append(
                self._problem(row, name, raw.strip(), "is not one of the NHS Data Dictionary values")
            )
            return ""
        return value


def _bounded_put(cache: dict, key, value):
    """Cache a parsed value; a file with more distinct values than the limit starts the cache afresh."""
    if len(cache) >= _CACHE_LIMIT:
        cache.clear()
    cache[key] = value
    return value


def _parse_fft(raw: str) -> int | str | None:
    """The FFT answer as its number, None when empty, or why it is not an answer."""
    if not raw:
        return None
    number = raw.removesuffix(".0")
    if number.isascii() and number.isdigit():
        # Length first: past 4,300 digits int() itself raises (issue #15).
        in_range = len(number) <= 10 and 1 <= int(number) <= 6
        return int(number) if in_range else f"is out of range: {_FFT_HELP}"
    words = normalise_heading(raw)
    score = _FFT_WORDS.get(words)
    if score is None and words in OLD_QUESTION_WORDS:
        return _OLD_QUESTION  # never read as the current question's answer: the two are not comparable
    return f"is not an FFT answer: {_FFT_HELP}" if score is None else int(score)


def _parse_recommend(raw: str) -> int | str | None:
    """An answer to the 2013–2020 question as its number (1 extremely likely … 6 don't know), None when
    empty, or why it is not one."""
    if not raw:
        return None
    number = raw.removesuffix(".0")
    if number.isascii() and number.isdigit():
        in_range = len(number) <= 10 and 1 <= int(number) <= 6
        return int(number) if in_range else f"is out of range: {_RECOMMEND_HELP}"
    words = normalise_heading(raw)
    score = _RECOMMEND_WORDS.get(words)
    if score is None and words in _FFT_WORDS:
        return _NEW_QUESTION
    return (
        f"is not an answer to the 2013–2020 FFT question: {_RECOMMEND_HELP}" if score is None else int(score)
    )


class SeenKeys:
    """The first row each dedupe key appeared on, to report a row that repeats an earlier one in the file."""

    def __init__(self) -> None:
        self._first: dict[str, int] = {}

    def repeat_of(self, key: str, row: int) -> int | None:
        first = self._first.setdefault(key, row)
        return None if first == row else first


@dataclass(slots=True)
class ParsedChunk:
    """A chunk of a file's rows, parsed: what the report counts and says about it, and its good rows."""

    rows: int  # data rows read, good or not
    failed: int = 0
    repeated: int = 0  # rows repeating an earlier row of the file (same row id): imported once
    problems: list[Problem] = field(default_factory=list)
    good: list[ParsedResponse] = field(default_factory=list)
    # The good rows as the parsing process hands them over: ready to COPY (a writers.EncodedChunk).
    encoded: object = None


def parsed_chunks(rows: Iterator[Row], parse: RowParser, size: int) -> Iterator[ParsedChunk]:
    """Parse a file's rows `size` at a time. A row that repeats an earlier row's id is reported, not
    imported again (only a row id can repeat within a file: without one, every row has a key of its own)."""
    seen = SeenKeys()
    while chunk := list(itertools.islice(rows, size)):
        parsed = ParsedChunk(rows=len(chunk))
        good = parsed.good
        for number, cells in chunk:
            result = parse(number, cells)
            if isinstance(result, list):
                parsed.failed += 1
                parsed.problems += result
            elif result.external_id and (first := seen.repeat_of(result.dedupe_key, number)) is not None:
                parsed.repeated += 1
                row_id = result.external_id
                message = f"Row {number} repeats row {first} (same row id “{row_id}”): imported once."
                parsed.problems.append(problem(number, parse.columns["external_id"], row_id, message))
            else:
                good.append(result)
        yield parsed
