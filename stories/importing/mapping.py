"""Which story field each column of a file feeds, what its values mean, and what the file lacks.

A story import's mapping has three parts, the shape of `insight_hub.imports.mappingfile`:
- columns: {file heading: story field} ("" leaves a column out; several columns may feed `tag`);
- values: {story field: {value in the file: hub value}} for the fields with a fixed set of values (who told
  it, source channel, criticality, the consent columns);
- defaults: what the file lacks, set once per import (see DEFAULTS).
Pure: no database. `mapping_problems` names every key that is wrong, for the page and the command alike.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from ..imports import criticality_read
from ..models import CriticalityScale, SourceChannel, Teller

IGNORE = ""
SUGGEST_THRESHOLD = 0.82
# Distinct values shown for a person to map, per field.
MAX_DISTINCT = 40


@dataclass(frozen=True)
class StoryField:
    name: str
    label: str
    aliases: tuple[str, ...]
    many: bool = False  # several columns may feed it


FIELDS: tuple[StoryField, ...] = (
    StoryField(
        "narrative",
        "Story text",
        ("text", "narrative", "story", "story text", "body", "opinion", "opinion body", "what happened"),
    ),
    StoryField(
        "external_id",
        "Story id from the source (stops a story being imported twice)",
        ("story id", "id", "external id", "opinion id", "reference", "ref", "record id", "unique id"),
    ),
    StoryField("title", "Title", ("title", "subject", "headline", "opinion title")),
    StoryField("teller", "Who told it", ("teller", "author role", "role", "who told it", "author type")),
    StoryField(
        "occurred_on",
        "When it happened (a date, or a month as YYYY-MM)",
        ("occurred on", "date", "when", "date of visit", "visit date", "date of submission", "submitted"),
    ),
    StoryField("source_channel", "Source channel", ("source channel", "channel", "source")),
    StoryField("criticality", "Criticality at source", ("criticality", "critical", "criticality score")),
    StoryField("services", "Services (names, separated by ;)", ("services", "service", "department", "ward")),
    StoryField(
        "tag",
        "The source's own label (kept with the story as a tag)",
        ("label", "category", "subcategory", "tag", "tags", "theme", "care opinion label"),
        many=True,
    ),
    StoryField(
        "consent_internal_learning",
        "Consent: internal learning (yes or no)",
        ("consent internal learning", "consent learning"),
    ),
    StoryField("consent_board_quote", "Consent: board report quote (yes or no)", ("consent board quote",)),
    StoryField("consent_publication", "Consent: publication (yes or no)", ("consent publication",)),
    StoryField("ethnic_category", "Ethnic category (NHS code A–Z)", ("ethnic category", "ethnicity")),
    StoryField("age_band", "Age band", ("age band", "age", "age group")),
    StoryField("sex", "Sex", ("sex", "gender")),
    StoryField("disability", "Disability (yes or no)", ("disability", "disabled")),
    StoryField("first_language", "First language", ("first language", "language")),
    StoryField("interpreter_needed", "Interpreter needed (yes or no)", ("interpreter needed", "interpreter")),
)
FIELDS_BY_NAME = {f.name: f for f in FIELDS}
CONSENT_FIELDS = ("consent_internal_learning", "consent_board_quote", "consent_publication")
# Fields whose values a person maps to the hub's own: each with the hub values they may map to.
VALUE_FIELDS = ("teller", "source_channel", "criticality", *CONSENT_FIELDS)
YES, NO = "yes", "no"
NO_RATING = ""

CARE_OPINION_CRITICALITY_WORDS = {
    "not critical": 0,
    "minimally critical": 1,
    "mildly critical": 2,
    "moderately critical": 3,
    "strongly critical": 4,
    "severely critical": 5,
}
TELLER_WORDS = {
    "patient": Teller.PATIENT,
    "service user": Teller.PATIENT,
    "carer": Teller.CARER,
    "relative": Teller.FAMILY,
    "parent": Teller.FAMILY,
    "parent guardian": Teller.FAMILY,
    "family": Teller.FAMILY,
    "family member": Teller.FAMILY,
    "staff": Teller.STAFF,
    "member of staff": Teller.STAFF,
    "advocate": Teller.ADVOCATE,
}
CHANNEL_WORDS = {"care opinion": SourceChannel.CARE_OPINION, "patient opinion": SourceChannel.CARE_OPINION}
CONSENT_WORDS = {
    "yes": YES,
    "y": YES,
    "true": YES,
    "1": YES,
    "agreed": YES,
    "consented": YES,
    "given": YES,
    "no": NO,
    "n": NO,
    "false": NO,
    "0": NO,
    "not given": NO,
    "refused": NO,
    "": NO,
}


class OnError:
    """What a bad row does to the import."""

    GOOD_ROWS = "good_rows"
    ALL_OR_NOTHING = "all_or_nothing"
    CHOICES = [
        (GOOD_ROWS, "Import the good rows and report each bad one"),
        (ALL_OR_NOTHING, "All or nothing: if any row is bad, import none and report each bad one"),
    ]


DEFAULT_TITLE_WORDS = 10
# Each default: its allowed values (None: free, checked by `defaults_problems`), and what it stands for.
DEFAULTS: dict[str, str] = {
    "title_words": "number of the story's first words that make its title when the file has none (3 to 30)",
    "teller": "who told the stories when the file does not say",
    "occurred_on": "the month (YYYY-MM) the stories happened when the file does not say",
    "source_channel": "where the stories came from when the file does not say",
    "criticality_scale": "how to read the criticality: care_opinion (0–5) or signed (−5..+5)",
    "on_error": "good_rows (import the good rows, report each bad one) or all_or_nothing",
}


def normalise(text: str) -> str:
    """ "Care_Opinion-Label " reads as "care opinion label"."""
    return " ".join(re.sub(r"[^0-9a-z+\-]+", " ", str(text).casefold().replace("'", "")).split())


def choices() -> list[tuple[str, str]]:
    return [(IGNORE, "Do not import this column"), *[(f.name, f.label) for f in FIELDS]]


def _score(heading: str, aliases: tuple[str, ...]) -> float:
    if heading in aliases:
        return 1.0
    best = max(SequenceMatcher(None, heading, alias).ratio() for alias in aliases)
    # "care opinion subcategory", "service label": a heading that contains an alias as a word.
    if any(re.search(rf"\b{re.escape(alias)}\b", heading) for alias in aliases if len(alias) > 3):
        best = max(best, 0.85)
    return best


def suggest_columns(header: list[str], samples: dict[str, list[str]] | None = None) -> dict[str, str]:
    """The likeliest story field for each heading. A single field goes to its best column only; a column
    whose values are all numbers is never suggested as the story's text (a derived length, a score)."""
    samples = samples or {}
    suggestion = dict.fromkeys(header, IGNORE)
    candidates = []
    for column in header:
        heading = normalise(column)
        numeric = bool(samples.get(column)) and all(_is_number(v) for v in samples[column])
        for story_field in FIELDS:
            if numeric and story_field.name in {"narrative", "title", "tag"}:
                continue
            score = _score(heading, story_field.aliases)
            if score >= SUGGEST_THRESHOLD:
                candidates.append((score, column, story_field))
    taken: set[str] = set()
    for _, column, story_field in sorted(candidates, key=lambda c: -c[0]):
        if suggestion[column] != IGNORE or (story_field.name in taken and not story_field.many):
            continue
        suggestion[column] = story_field.name
        taken.add(story_field.name)
    return suggestion


def guess_scale(columns: dict[str, str], distinct: dict[str, list[str]]) -> str:
    """A criticality column holding negative numbers carries the signed scale (negative critical, positive
    praise); otherwise Care Opinion's 0–5."""
    for column, field_name in columns.items():
        if field_name == "criticality" and any(
            _is_number(v) and float(v) < 0 for v in distinct.get(column, [])
        ):
            return CriticalityScale.SIGNED
    return CriticalityScale.CARE_OPINION


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


def hub_values(field_name: str, scale: str = CriticalityScale.CARE_OPINION) -> list[tuple[str, str]]:
    """What a value of `field_name` may be mapped to, for the value mapping's select boxes."""
    if field_name == "teller":
        return list(Teller.choices)
    if field_name == "source_channel":
        return list(SourceChannel.choices)
    if field_name in CONSENT_FIELDS:
        return [(YES, "Yes: consent given"), (NO, "No")]
    if field_name == "criticality":
        if scale == CriticalityScale.SIGNED:
            numbers = [(str(n), f"{n:+d}" if n else "0") for n in range(-5, 6)]
        else:
            numbers = [(str(n), f"{n}: {label}") for label, n in CARE_OPINION_CRITICALITY_WORDS.items()]
        return [(NO_RATING, "No rating"), *numbers]
    raise KeyError(field_name)


def guess_value(field_name: str, value: str, scale: str = CriticalityScale.CARE_OPINION) -> str | None:
    """The hub value a file's value most likely means, or None when there is no good guess."""
    word = normalise(value)
    if field_name == "teller":
        return TELLER_WORDS.get(word) or (word if word in Teller.values else None)
    if field_name == "source_channel":
        by_label = {normalise(label): v for v, label in SourceChannel.choices}
        return CHANNEL_WORDS.get(word) or by_label.get(word) or by_label.get(word.replace("_", " "))
    if field_name in CONSENT_FIELDS:
        return CONSENT_WORDS.get(word)
    if field_name == "criticality":
        return value.strip() if criticality_read(value, scale) is not None else None
    return None


def value_suggestions(
    columns: dict[str, str], distinct: dict[str, list[str]], scale: str
) -> dict[str, dict[str, str]]:
    """A first value mapping for the values a file holds: only the values whose meaning is not already
    plain to the reader (the hub's own words and numbers are read as they are)."""
    values: dict[str, dict[str, str]] = {}
    for column, field_name in columns.items():
        if field_name not in VALUE_FIELDS:
            continue
        for value in distinct.get(column, []):
            guess = guess_value(field_name, value, scale)
            if field_name == "criticality":
                if guess is None and not _is_number(value):
                    values.setdefault(field_name, {})[value] = NO_RATING
                continue
            values.setdefault(field_name, {})[value] = guess or ""
    return values


def mapping_problems(columns: dict[str, str], values: dict, defaults: dict[str, str]) -> list[str]:
    """What stops a mapping from being used, each naming the key that is wrong."""
    problems = []
    used: dict[str, str] = {}
    for column, field_name in columns.items():
        if field_name == IGNORE:
            continue
        if field_name not in FIELDS_BY_NAME:
            problems.append(f"columns.{column}: {field_name!r} is not a story field.")
            continue
        if field_name in used and not FIELDS_BY_NAME[field_name].many:
            problems.append(
                f"columns.{column}: “{used[field_name]}” and “{column}” both feed "
                f"{FIELDS_BY_NAME[field_name].label.lower()}; choose one."
            )
        used.setdefault(field_name, column)
    if "narrative" not in used:
        problems.append("columns: choose the column that holds the story text.")
    scale = defaults.get("criticality_scale") or CriticalityScale.CARE_OPINION
    for field_name, words in (values or {}).items():
        if field_name not in VALUE_FIELDS:
            problems.append(f"values.{field_name}: only {', '.join(VALUE_FIELDS)} have values to map.")
            continue
        allowed = {value for value, _ in hub_values(field_name, scale)} | {""}
        for word, hub_value in words.items():
            if hub_value not in allowed:
                problems.append(f"values.{field_name}.{word}: {hub_value!r} is not one of {sorted(allowed)}.")
    problems += defaults_problems(defaults, used)
    return problems


def defaults_problems(defaults: dict[str, str], used: dict[str, str] | set[str]) -> list[str]:
    problems = []
    for key in defaults:
        if key not in DEFAULTS:
            problems.append(f"defaults.{key}: not a default (use {', '.join(DEFAULTS)}).")
    words = defaults.get("title_words", "")
    if words and not (words.isdigit() and 3 <= int(words) <= 30):
        problems.append(f"defaults.title_words: must be a number from 3 to 30, not {words!r}.")
    if defaults.get("teller", "") not in {"", *Teller.values}:
        problems.append(f"defaults.teller: must be one of {', '.join(Teller.values)}.")
    elif "teller" not in used and not defaults.get("teller"):
        problems.append("defaults.teller: the file does not say who told the stories; choose a default.")
    if defaults.get("source_channel", "") not in {"", *SourceChannel.values}:
        problems.append(f"defaults.source_channel: must be one of {', '.join(SourceChannel.values)}.")
    elif "source_channel" not in used and not defaults.get("source_channel"):
        problems.append(
            "defaults.source_channel: the file does not say where the stories came from; choose one."
        )
    month = defaults.get("occurred_on", "")
    if month and not re.fullmatch(r"\d{4}-(0[1-9]|1[0-2])", month):
        problems.append(f"defaults.occurred_on: must be a month as YYYY-MM, not {month!r}.")
    if defaults.get("criticality_scale", "") not in {"", *CriticalityScale.values}:
        problems.append(f"defaults.criticality_scale: must be one of {', '.join(CriticalityScale.values)}.")
    if defaults.get("on_error", "") not in {"", OnError.GOOD_ROWS, OnError.ALL_OR_NOTHING}:
        problems.append("defaults.on_error: must be good_rows or all_or_nothing.")
    return problems
