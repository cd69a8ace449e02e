"""The location step: which of a file's location values name none of the organisation's services, and what
the person maps each one to (an existing service, a new service, or nothing).

A value matches a service without asking when it is the service's name with case, spacing and punctuation
ignored ("St. Mary's  ward" is "St Marys Ward"), or the ODS code of a site that has one service. What the
person chooses is kept with the import (`ImportBatch.location_mapping`) and read by the row parser as one
dict, built once per file; the parser caches each distinct location, so the per-row cost of a mapped value
is that of a matched one. Pure: no database, no files.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from difflib import SequenceMatcher

from insight_hub.organisations.models import FFTSetting

from .mapping import normalise_heading

# The most values the step lists (those with most rows first); a file with more is told so.
MAX_SHOWN = 500
# The most distinct locations counted while the file is read; past it, further new ones are counted
# together, so a file of a million distinct values cannot fill the memory.
MAX_TRACKED = 20_000
# How alike a value and a service's name must be for the service to be suggested.
CLOSE_MATCH = 0.8
# Words that say what kind of place a name is, not which: "Oak" is close to "Oak Ward", "Ward" is not.
GENERIC_WORDS = frozenset(
    {
        *("and", "centre", "center", "clinic", "department", "dept", "health", "hospital", "medical"),
        *("of", "practice", "service", "services", "site", "st", "surgery", "team", "the", "unit", "ward"),
    }
)
NEW, UNMAPPED = "new", ""


def location_key(value: str) -> str:
    """What a location is compared by: "St. Mary's  WARD" and "st marys ward" are one location."""
    return normalise_heading(value)


def automatic_keys(
    services: Iterable[tuple[int, str]], single_service_sites: Iterable[tuple[str, int]] = ()
) -> dict[str, int]:
    """{location key: service id} for the values that match a service without asking: its name read by
    `location_key`, and the ODS code of a site that has exactly one service. A key two services share is
    left out: the person chooses between them."""
    found: dict[str, set[int]] = {}
    for service_id, name in services:
        found.setdefault(location_key(name), set()).add(service_id)
    for code, service_id in single_service_sites:
        if code.strip():
            found.setdefault(location_key(code), set()).add(service_id)
    return {key: next(iter(ids)) for key, ids in found.items() if key and len(ids) == 1}


def chosen_keys(location_mapping: dict, valid_ids: set[int]) -> dict[str, int]:
    """{location key: service id} from the person's choices. A service that is no longer the
    organisation's (deleted since) maps nothing: its rows are reported, never written elsewhere."""
    chosen = {}
    for value, choice in (location_mapping or {}).items():
        service_id = choice.get("service") if isinstance(choice, dict) else None
        if isinstance(service_id, int) and service_id in valid_ids:
            chosen[location_key(value)] = service_id
    return chosen


def _singular(word: str) -> str:
    if word.endswith("ies") and len(word) > 4:
        return word[:-3] + "y"
    return word[:-1] if word.endswith("s") and not word.endswith("ss") else word


def _words(key: str) -> set[str]:
    """The distinctive words: not generic in the singular or the plural ("clinics", "surgeries")."""
    return {
        word
        for word in key.split()
        if word not in GENERIC_WORDS and _singular(word) not in GENERIC_WORDS and len(word) > 2
    }


def _numbers(key: str) -> set[str]:
    return {word for word in key.split() if any(c.isdigit() for c in word)}


def best_match(value: str, services: list[tuple[int, str]]) -> int | None:
    """The service a value most likely means, when one is close: the names alike (difflib ratio at least
    CLOSE_MATCH, case, spacing and punctuation ignored), or one name's distinctive words all in the other's
    ("Riverside" and "Riverside Surgery"), and their numbers the same ("Ward 9" is not close to "Ward 1").
    None when none is close, or two are equally close."""
    key = location_key(value)
    if not key:
        return None
    words, numbers = _words(key), _numbers(key)
    matcher = SequenceMatcher(None, "", key)
    scored: list[tuple[float, int]] = []
    for service_id, name in services:
        other = location_key(name)
        if _numbers(other) != numbers:
            continue
        score = 0.0
        other_words = _words(other)
        if words and other_words and (words <= other_words or other_words <= words):
            score = 0.9
        matcher.set_seq1(other)
        if matcher.real_quick_ratio() >= CLOSE_MATCH and matcher.quick_ratio() >= CLOSE_MATCH:
            score = max(score, matcher.ratio())
        if score >= CLOSE_MATCH:
            scored.append((score, service_id))
    scored.sort(reverse=True)
    if not scored or (len(scored) > 1 and scored[0][0] == scored[1][0]):
        return None
    return scored[0][1]


@dataclass(frozen=True)
class Unmatched:
    """A location in the file that names no service: as most of its rows write it, and how many rows."""

    value: str
    rows: int


@dataclass(frozen=True)
class LocationCounts:
    """The file's unmatched locations, most rows first, at most MAX_SHOWN of them."""

    shown: list[Unmatched]
    more_values: int  # distinct unmatched values not shown (at least: see MAX_TRACKED)
    more_rows: int  # their rows
    capped: bool  # the file had more distinct locations than were counted
    matched_rows: tuple[tuple[int, int], ...] = ()  # (service id, rows) of the locations that did match


def unmatched_locations(
    counts: dict[str, int], *, capped: bool = False, matched: dict[int, int] | None = None
) -> LocationCounts:
    """Group the unmatched values (as written -> rows) by `location_key`: each group is shown as its most
    common spelling, with all its rows."""
    groups: dict[str, dict[str, int]] = {}
    for value, rows in counts.items():
        groups.setdefault(location_key(value), {})[value] = rows
    merged = [
        Unmatched(max(spellings, key=lambda v: (spellings[v], v)), sum(spellings.values()))
        for key, spellings in groups.items()
        if key
    ]
    merged.sort(key=lambda u: (-u.rows, u.value))
    rest = merged[MAX_SHOWN:]
    return LocationCounts(
        merged[:MAX_SHOWN],
        len(rest),
        sum(u.rows for u in rest),
        capped=capped or len(rest) > 0,
        matched_rows=tuple(sorted((matched or {}).items())),
    )


def location_choice_problems(choices: dict, *, service_ids: set[int], service_names: set[str]) -> list[str]:
    """What is wrong with the person's choices, in words: each is an existing service of the organisation
    ({"service": id}), a new one ({"new": name, "fft_setting": …}) whose name is not already a service's,
    another new one's, or nothing ({}). Two values given the same new name share one new service."""
    problems: list[str] = []
    taken = {location_key(name) for name in service_names}
    for value, choice in choices.items():
        if not isinstance(choice, dict):
            problems.append(f"“{value}”: choose a service, a new service or to leave it unmapped.")
        elif "service" in choice:
            if choice["service"] not in service_ids:
                problems.append(f"“{value}”: choose one of the organisation's services.")
        elif "new" in choice:
            name = str(choice["new"]).strip()
            key = location_key(name)
            if not name or len(name) > 200:
                problems.append(f"“{value}”: give the new service a name of 1 to 200 characters.")
            elif key in taken:
                problems.append(
                    f"“{value}”: a service called “{name}” already exists: choose it from the list instead."
                )
            if choice.get("fft_setting") not in FFTSetting.values:
                problems.append(f"“{value}”: choose the FFT setting of the new service.")
        elif choice:
            problems.append(f"“{value}”: choose a service, a new service or to leave it unmapped.")
    return problems
