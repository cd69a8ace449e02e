"""Which hub field each source column feeds, and a first guess at it from the column headings.

A mapping is `{source column heading: hub field}`, the shape `ImportBatch.column_mapping` stores. Free-text
columns map to `comment:<question type>`, so a file with "What was good?" and "What could be better?"
columns gives two comments per response, each with its question type. Pure: no database.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from difflib import SequenceMatcher

from insight_hub.themes.models import QuestionType

IGNORE = ""
COMMENT_PREFIX = "comment:"
# Below this, a heading is too unlike any field to be suggested; a person picks it instead.
SUGGEST_THRESHOLD = 0.8


@dataclass(frozen=True)
class HubField:
    name: str
    label: str
    aliases: tuple[str, ...]
    required: bool = False


# The NHS patient-experience dashboard template's headings come first in each alias list.
FIELDS: tuple[HubField, ...] = (
    HubField(
        "date",
        "Date of response",
        (
            "date",
            "response date",
            "date of response",
            "survey date",
            "submitted",
            "date submitted",
            "completed",
            "timestamp",
            "time",
            "date time",
            "datetime",
        ),
        True,
    ),
    HubField(
        "location_1",
        "Service (location 1)",
        (
            "location 1",
            "service",
            "service name",
            "ward",
            "department",
            "location",
            "unit",
            "team",
            "surgery",
            "practice",
            "gp practice",
            "service type",
            "site",
        ),
        True,
    ),
    HubField("location_2", "Location 2 (detail)", ("location 2", "sub location", "area", "clinic")),
    HubField("location_3", "Location 3 (detail)", ("location 3", "sub sub location", "bay", "room")),
    HubField(
        "fft_score",
        "FFT answer (1 very good … 6 don't know)",
        (
            "fft score",
            "fft",
            "score",
            "fft rating",
            "rating",
            "fft response",
            "fft answer",
            "overall how was your experience of our service",
        ),
    ),
    HubField(
        "fft_recommend",
        "FFT answer to the 2013–2020 question (extremely likely … extremely unlikely)",
        (
            "how likely are you to recommend our service to friends and family",
            "how likely are you to recommend",
            "likely to recommend",
            "recommend",
            "fft 2013",
            "old fft",
        ),
    ),
    HubField(
        "external_id",
        "Response id from the source system",
        ("external id", "response id", "id", "respondent id", "record id", "reference", "ref", "unique id"),
    ),
    HubField(
        "ethnic_category",
        "Ethnic category",
        ("ethnic category", "ethnicity", "ethnic group", "ethnic origin"),
    ),
    HubField("age_band", "Age band", ("age band", "age", "age group", "age range")),
    HubField("sex", "Sex", ("sex", "gender")),
    HubField("disability", "Disability", ("disability", "disabled", "long term condition")),
)
FIELDS_BY_NAME = {field.name: field for field in FIELDS}
COMMENT_ALIASES: dict[str, tuple[str, ...]] = {
    QuestionType.WHAT_GOOD: (
        "what was good",
        "what went well",
        "what did we do well",
        "positive comment",
        "best thing",
    ),
    QuestionType.COULD_IMPROVE: (
        "what could be better",
        "what could we do better",
        "could improve",
        "improve",
        "improvement",
        "negative comment",
        "do better",
        "could do better",
    ),
    QuestionType.NONSPECIFIC: (
        "question 1",
        "question 2",
        "question 3",
        "comment",
        "comments",
        "feedback",
        "free text",
        "text",
        "comment text",
        "response text",
        "why did you give this answer",
        "tell us why",
    ),
}
_QUESTION_COLUMN = re.compile(r"^question \d+$")
# A heading that ends in one of these words names an identifier ("comment_id", "Survey ref"): never a
# comment or a location, however like one the rest of it reads; at most the response id.
IDENTIFIER_WORDS = frozenset({"id", "ids", "ref", "reference", "uuid", "guid", "key"})
# "Record no", "Ward number": a number of something, suggested as nothing. Read as the response id, a ward's
# number would make every row of that ward a repeat of the first.
NUMBER_WORDS = frozenset({"number", "no", "num"})
# An identifier of a person, not of a response ("NHS number", "Patient ID"): suggested as nothing.
PERSONAL_WORDS = frozenset({"nhs", "patient", "hospital", "mrn", "chi", "pas"})


def comment_field(question_type: str) -> str:
    return f"{COMMENT_PREFIX}{question_type}"


def choices() -> list[tuple[str, str]]:
    """Every hub field a column can feed, for the mapping form's select boxes."""
    options = [(IGNORE, "Do not import this column")]
    options += [(field.name, field.label) for field in FIELDS]
    options += [(comment_field(value), f"Comment: {label}") for value, label in QuestionType.choices]
    return options


def normalise_heading(heading: str) -> str:
    """ "Location_1", "LOCATION 1" and "location-1 " all read as "location 1"."""
    return " ".join(re.sub(r"[^0-9a-z]+", " ", heading.casefold().replace("'", "")).split())


def _similarity(heading: str, aliases: tuple[str, ...], matchers: dict[str, SequenceMatcher]) -> float:
    """The best match with an alias when it reaches SUGGEST_THRESHOLD, else 0 (any lower score is ignored).

    A full comparison is made only where its cheap upper bounds reach the threshold (a heading much longer
    than every alias cannot match), and each alias is indexed once per file, not once per column: a file
    with a thousand columns or very long headings is guessed in a fraction of the time (issue #15)."""
    if heading in aliases:
        return 1.0
    best = 0.0
    for alias in aliases:
        # ratio() is at most 2 * (the shorter length) / (both lengths): no need to compare further.
        if 2 * min(len(heading), len(alias)) < SUGGEST_THRESHOLD * (len(heading) + len(alias)):
            continue
        matcher = matchers.get(alias)
        if matcher is None:
            matcher = matchers[alias] = SequenceMatcher(None, "", alias)
        matcher.set_seq1(heading)  # the same comparison as SequenceMatcher(None, heading, alias)
        if matcher.quick_ratio() >= SUGGEST_THRESHOLD:
            best = max(best, matcher.ratio())
    return best if best >= SUGGEST_THRESHOLD else 0.0


def suggest_mapping(header: list[str]) -> dict[str, str]:
    """The likeliest hub field for each heading. Each single field goes to its best-matching column only;
    `question_1`, `question_2`… (the dashboard template's free-text columns) become non-specific comments."""
    suggestion = dict.fromkeys(header, IGNORE)
    candidates: list[tuple[float, str, str]] = []
    matchers: dict[str, SequenceMatcher] = {}  # per call: a matcher holds state, so it is not shared
    for column in header:
        heading = normalise_heading(column)
        if _QUESTION_COLUMN.match(heading):
            suggestion[column] = comment_field(QuestionType.NONSPECIFIC)
            continue
        words = heading.split()
        if len(words) > 1 and words[-1] in IDENTIFIER_WORDS | NUMBER_WORDS:
            if words[-1] in IDENTIFIER_WORDS and not PERSONAL_WORDS.intersection(words):
                # Below an exact alias ("response id"), above any near one.
                score = max(_similarity(heading, FIELDS_BY_NAME["external_id"].aliases, matchers), 0.85)
                candidates.append((score, column, "external_id"))
            continue
        for field in FIELDS:
            candidates.append((_similarity(heading, field.aliases, matchers), column, field.name))
        for question_type, aliases in COMMENT_ALIASES.items():
            candidates.append((_similarity(heading, aliases, matchers), column, comment_field(question_type)))
    taken_fields: set[str] = set()
    for score, column, field_name in sorted(candidates, key=lambda c: -c[0]):
        if score < SUGGEST_THRESHOLD or suggestion[column] != IGNORE:
            continue
        is_comment = field_name.startswith(COMMENT_PREFIX)
        if not is_comment and field_name in taken_fields:
            continue
        suggestion[column] = field_name
        taken_fields.add(field_name)
    return suggestion


def mapping_problems(mapping: dict[str, str]) -> list[str]:
    """What stops a mapping from being used, in words for the person choosing it."""
    problems = []
    used: dict[str, str] = {}
    valid = {value for value, _ in choices()}
    for column, field_name in mapping.items():
        if field_name not in valid:
            problems.append(f"“{column}” is mapped to {field_name!r}, which is not a hub field.")
        elif field_name and not field_name.startswith(COMMENT_PREFIX):
            if field_name in used:
                label = FIELDS_BY_NAME[field_name].label
                problems.append(
                    f"“{used[field_name]}” and “{column}” are both mapped to {label}: choose one."
                )
            used[field_name] = column
    for field in FIELDS:
        if field.required and field.name not in used:
            problems.append(f"Choose the column that holds the {field.label.lower()}.")
    has_comment = any(name.startswith(COMMENT_PREFIX) for name in mapping.values())
    if "fft_score" in used and "fft_recommend" in used:
        problems.append(
            f"“{used['fft_score']}” and “{used['fft_recommend']}” are both mapped to an FFT answer: a file "
            "answers either the current question or the 2013–2020 one. Choose one."
        )
    if "fft_score" not in used and "fft_recommend" not in used and not has_comment:
        problems.append(
            "Choose the FFT answer column or at least one comment column: there is nothing to import."
        )
    return problems


# The 2013–2020 question's answers in words: a column holding them answers the old question.
OLD_QUESTION_WORDS = frozenset(
    {"extremely likely", "likely", "neither likely nor unlikely", "unlikely", "extremely unlikely"}
)


def suggest_old_question(mapping: dict[str, str], samples: dict[str, list[str]]) -> dict[str, str]:
    """The value mapping's first guess: a column suggested as the FFT answer whose first values are the
    2013–2020 wording ("Extremely likely" … "Extremely unlikely") answers the old question, so it is
    suggested as that instead. `samples`: the first few values of each column."""
    suggestion = dict(mapping)
    for column, field_name in mapping.items():
        if field_name != "fft_score":
            continue
        if any(normalise_heading(value) in OLD_QUESTION_WORDS for value in samples.get(column, [])):
            suggestion[column] = "fft_recommend"
    return suggestion


def without_numeric_text(mapping: dict[str, str], samples: dict[str, list[str]]) -> dict[str, str]:
    """A column whose first values are all numbers ("13.0", a text's length or a derived score) is never
    suggested as a comment: comments are words."""
    suggestion = dict(mapping)
    for column, field_name in mapping.items():
        values = samples.get(column) or []
        if field_name.startswith(COMMENT_PREFIX) and values and all(_is_number(v) for v in values):
            suggestion[column] = IGNORE
    return suggestion


def _is_number(value: str) -> bool:
    try:
        float(value)
    except ValueError:
        return False
    return True


ANSWER_NUMBERS = {"1", "2", "3", "4", "5", "6"}


def value_problems(values: dict[str, dict[str, str]]) -> list[str]:
    """What is wrong with a value mapping, naming the key: only the FFT answers have values to map, each to
    1–6 on its question's own scale, or "" (not an answer: the row is reported)."""
    problems = []
    for name, words in values.items():
        if name not in ("fft_score", "fft_recommend"):
            problems.append(f"values.{name}: only fft_score and fft_recommend have values to map.")
            continue
        if not isinstance(words, dict):
            problems.append(f"values.{name}: must map the file's words to 1–6.")
            continue
        for word, number in words.items():
            if number not in ANSWER_NUMBERS | {""}:
                problems.append(f"values.{name}.{word}: {number!r} is not an answer number 1 to 6.")
    return problems
