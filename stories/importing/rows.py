"""One row of a story file, read through its mapping: the story as it will be stored, or the reasons it
cannot be (each naming the row, the file's column and the value).

Pure: the organisation's services arrive as a dictionary, so the preview, the import task and the tests read
rows the same way without a database.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass, field

from insight_hub.demographics import AgeBand, EthnicCategory, Sex, YesNo
from insight_hub.imports.problems import Problem, problem
from insight_hub.imports.tabular import REPLACEMENT, Unreadable
from insight_hub.imports.text import plain_text

from ..imports import CRITICALITY_HELP, criticality_read
from ..models import NARRATIVE_MAX_LENGTH, CriticalityScale, DatePrecision, SourceChannel, Teller
from .mapping import (
    CHANNEL_WORDS,
    CONSENT_FIELDS,
    CONSENT_WORDS,
    DEFAULT_TITLE_WORDS,
    NO_RATING,
    TELLER_WORDS,
    YES,
    normalise,
)

MAX_TITLE = 200
MAX_EXTERNAL_ID = 100
_DAY = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_MONTH = re.compile(r"^(\d{4})-(\d{1,2})$")
_UK_DAY = re.compile(r"^(\d{1,2})/(\d{1,2})/(\d{4})(?:[ T].*)?$")
_DEMOGRAPHICS = {
    "ethnic_category": EthnicCategory,
    "age_band": AgeBand,
    "sex": Sex,
    "disability": YesNo,
    "interpreter_needed": YesNo,
}


@dataclass(slots=True)
class StoryRecord:
    row: int
    external_id: str
    fields: dict  # Story's own fields, as `Story(**fields)` takes them
    service_ids: list[int] = field(default_factory=list)
    consent: dict[str, bool] | None = None  # from the file's own consent columns, when it has them
    high: bool = False  # rated strongly or severely critical at source


def title_from(narrative: str, words: int) -> str:
    """The story's first `words` words, as the title of a story that came without one."""
    parts = narrative.split()
    title = " ".join(parts[:words])
    if len(parts) > words:
        title += "…"
    return title if len(title) <= MAX_TITLE else title[: MAX_TITLE - 1] + "…"


def parse_date(text: str) -> tuple[datetime.date, str] | None:
    """YYYY-MM-DD (a time after it is ignored), DD/MM/YYYY, or YYYY-MM for a month; None otherwise."""
    try:
        if match := _DAY.match(text):
            y, m, d = map(int, match.groups())
            return datetime.date(y, m, d), DatePrecision.DAY
        if match := _UK_DAY.match(text):
            d, m, y = map(int, match.groups())
            return datetime.date(y, m, d), DatePrecision.DAY
        if match := _MONTH.match(text):
            y, m = map(int, match.groups())
            return datetime.date(y, m, 1), DatePrecision.MONTH
    except ValueError:
        return None
    return None


def _choice_words(choices) -> dict[str, str]:
    words = {}
    for value, label in choices.choices:
        words[normalise(value)] = value
        words[normalise(label)] = value
    return words


class StoryRowParser:
    """Reads rows of one file with one mapping. `services`: normalised service name -> id."""

    def __init__(
        self,
        header: list[str],
        columns: dict[str, str],
        values: dict[str, dict[str, str]],
        defaults: dict[str, str],
        *,
        services: dict[str, int],
        fingerprint: str,
        today: datetime.date,
        lossy: bool = False,
    ) -> None:
        self.index: dict[str, list[tuple[int, str]]] = {}
        for i, heading in enumerate(header):
            name = columns.get(heading, "")
            if name:
                self.index.setdefault(name, []).append((i, heading))
        self.values = {name: {normalise(k): v for k, v in words.items()} for name, words in values.items()}
        self.defaults = defaults
        self.scale = defaults.get("criticality_scale") or CriticalityScale.CARE_OPINION
        self.title_words = int(defaults.get("title_words") or DEFAULT_TITLE_WORDS)
        month = defaults.get("occurred_on") or today.strftime("%Y-%m")
        self.default_date = datetime.date.fromisoformat(f"{month}-01")
        self.services, self.fingerprint, self.today, self.lossy = services, fingerprint, today, lossy
        self.teller_words = {**_choice_words(Teller), **TELLER_WORDS}
        self.channel_words = {**_choice_words(SourceChannel), **CHANNEL_WORDS}
        self.demographic_words = {name: _choice_words(choices) for name, choices in _DEMOGRAPHICS.items()}

    def _cell(self, cells: list[str], name: str) -> tuple[str, str]:
        """(the value, its column heading) of the first column feeding `name`; ("", "") when none."""
        for i, heading in self.index.get(name, []):
            return (cells[i].strip() if i < len(cells) else ""), heading
        return "", ""

    def _mapped(self, name: str, value: str) -> str | None:
        return self.values.get(name, {}).get(normalise(value))

    def __call__(self, number: int, cells: list[str] | Unreadable) -> StoryRecord | list[Problem]:
        if isinstance(cells, Unreadable):
            return [problem(number, "", "", f"Row {number}: {cells.message}")]
        problems: list[Problem] = []

        def bad(column: str, value: str, message: str) -> None:
            problems.append(problem(number, column, value, f"Row {number}, {column or 'row'}: {message}"))

        if self.lossy and any(REPLACEMENT in cell for cell in cells):
            bad("", "", "holds characters that could not be read; save the file as UTF-8 and try again")
        if any("\x00" in cell for cell in cells):
            bad("", "", "contains a NUL character")
        story: dict = {}
        narrative, column = self._cell(cells, "narrative")
        narrative = plain_text(narrative).strip()
        if not narrative:
            bad(column, "", "the story text is empty")
        elif len(narrative) > NARRATIVE_MAX_LENGTH:
            bad(column, narrative, f"the story is longer than {NARRATIVE_MAX_LENGTH:,} characters")
        story["narrative"] = narrative
        title, column = self._cell(cells, "title")
        title = plain_text(title).strip()
        if len(title) > MAX_TITLE:
            bad(column, title, f"the title is longer than {MAX_TITLE} characters")
        story["title"] = title or title_from(narrative, self.title_words)
        external_id, column = self._cell(cells, "external_id")
        if len(external_id) > MAX_EXTERNAL_ID:
            bad(column, external_id, f"the story id is longer than {MAX_EXTERNAL_ID} characters")
        # Without an id column, the file's content and the row's number: the same file imports once.
        external_id = external_id or f"{self.fingerprint[:16]}-{number}"
        for name, words, label in (
            ("teller", self.teller_words, "who told it"),
            ("source_channel", self.channel_words, "source channel"),
        ):
            value, column = self._cell(cells, name)
            chosen = (self._mapped(name, value) or words.get(normalise(value))) if value else None
            if value and not chosen:
                bad(column, value, f"“{value}” is not a {label} the hub knows; map it on the values page")
            story[name] = chosen or self.defaults.get(name, "")
        when, column = self._cell(cells, "occurred_on")
        if when:
            parsed = parse_date(when)
            if parsed is None:
                bad(column, when, "must be a date as YYYY-MM-DD or DD/MM/YYYY, or a month as YYYY-MM")
            elif parsed[0] > self.today:
                bad(column, when, "the date it happened must be today or in the past")
            else:
                story["occurred_on"], story["occurred_precision"] = parsed
        if "occurred_on" not in story:
            story["occurred_on"], story["occurred_precision"] = self.default_date, DatePrecision.MONTH
        high = self._criticality(cells, story, bad)
        service_ids = self._services(cells, bad)
        tags = [
            {"name": cells[i].strip(), "group": heading, "polarity": ""}
            for i, heading in self.index.get("tag", [])
            if i < len(cells) and cells[i].strip()
        ]
        if tags:
            story["external_tags"] = tags
        consent = self._consent(cells, bad)
        for name, words in self.demographic_words.items():
            value, column = self._cell(cells, name)
            if value:
                if normalise(value) not in words:
                    bad(column, value, f"“{value}” is not one of {', '.join(_DEMOGRAPHICS[name].values)}")
                story[name] = words.get(normalise(value), "")
        language, _ = self._cell(cells, "first_language")
        if language:
            story["first_language"] = language[:100]
        if problems:
            return problems
        return StoryRecord(
            row=number,
            external_id=external_id,
            fields=story,
            service_ids=service_ids,
            consent=consent,
            high=high,
        )

    def _criticality(self, cells, story: dict, bad) -> bool:
        value, column = self._cell(cells, "criticality")
        if not value:
            return False
        mapped = self._mapped("criticality", value)
        if mapped == NO_RATING:
            return False
        rating = criticality_read(mapped if mapped is not None else value, self.scale)
        if rating is None:
            bad(column, value, f"{CRITICALITY_HELP[self.scale]}, or be mapped on the values page")
            return False
        story.update(rating)
        return (rating["criticality"] or 0) >= 4

    def _services(self, cells, bad) -> list[int]:
        value, column = self._cell(cells, "services")
        ids = []
        for name in filter(None, (n.strip() for n in value.split(";"))):
            pk = self.services.get(" ".join(name.casefold().split()))
            if pk is None:
                bad(column, name, f"the organisation has no service called “{name}”")
            else:
                ids.append(pk)
        return ids

    def _consent(self, cells, bad) -> dict[str, bool] | None:
        if not any(name in self.index for name in CONSENT_FIELDS):
            return None
        consent = {}
        for name in CONSENT_FIELDS:
            value, column = self._cell(cells, name)
            answer = self._mapped(name, value) or CONSENT_WORDS.get(normalise(value))
            if answer is None:
                bad(column, value, f"“{value}” is not yes or no; map it on the values page")
            consent[name.removeprefix("consent_")] = answer == YES
        if (consent["board_quote"] or consent["publication"]) and not consent["internal_learning"]:
            bad("", "", "a story quoted or published must also have consent for internal learning")
        return consent
