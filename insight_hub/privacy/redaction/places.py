"""Whether a name-like stretch of text names a place, a service or a thing rather than a person.

A place is kept: Rampton, Arnold Lodge, the Recovery College, East Midlands Ambulance Service, Down's
syndrome, Rowan 1. The evidence, in order: a shipped place name (``gazetteer``), a place word inside or
after it, a place prefix before it (St, Ward, Royal), a ward number after it, or a preposition of place
before a word that is nobody's given name ("within Warsop").
"""

from __future__ import annotations

import re

from .gazetteer import normalise, place_phrases
from .vocabulary import CONDITION_WORDS, NAME_WORD, PLACE_WORDS, bare, given_names

# Words before a name that make it a place (St Thomas', Ward Ash), an organisation (Healthwatch Oldham) or
# a book character (Little Miss Sunshine). Case-sensitive: "on the ward Ash helped" is a nurse.
_NOT_A_PERSON_PREFIX = r"(?:\b(?:St\.?|Saint|Ward|Royal|Healthwatch)|\bLittle\s+Miss)[ \t]+"
_NOT_A_PERSON_PREFIX_RE = re.compile(_NOT_A_PERSON_PREFIX)
_NOT_A_PERSON_BEFORE_RE = re.compile(rf"{_NOT_A_PERSON_PREFIX}$")
_NEXT_WORD_RE = re.compile(r"(?P<possessive>['’]s?)?[ \t]+(?P<word>[\w&’'-]+)")
# Rowan 1, Ward B2, Bay 4: a word followed by a ward or bed number.
_NUMBER_AFTER_RE = re.compile(r"[ \t]+[A-Z]?\d{1,2}[A-Z]?\b(?![.:/]\d)(?!\s*(?:am|pm|years?|weeks?|days?)\b)")
# "Guy's and St Thomas' NHS Foundation Trust": a capitalised run that goes on to a place word.
_RUN_WORD_RE = re.compile(
    rf"[ \t]+(?P<word>(?:(?:and|&)(?=[ \t]+[A-Z])|of|upon|{NAME_WORD}|[A-Z]{{2,}}|St\.?)['’]?s?)"
)
_POSSESSIVE_RE = re.compile(r"['’]s?")
_PHRASE_WORD_RE = re.compile(r"[\w&][\w'’&-]*")
_RUN_CONNECTORS = frozenset({"and", "&", "of", "upon"})
_PLACE_PREPOSITION_RE = re.compile(
    r"\b(?:at|in|within|near|into|outside|around|across|towards|via|to|from|through)\s+(?:the\s+)?$",
    re.IGNORECASE,
)
_LOOK_BEHIND = 40
# "the Freeman", "the Grange": a capitalised word right after a lowercase "the" names a place or a thing.
_THE_BEFORE_RE = re.compile(r"\bthe[ \t]+$")


def is_place(text: str, start: int, end: int) -> bool:
    """Whether the name-like ``text[start:end]`` names a place, a service or a book character."""
    words = text[start:end].split()
    if any(bare(word) in PLACE_WORDS for word in words) or in_gazetteer(text[start:end]):
        return True
    if _NOT_A_PERSON_PREFIX_RE.match(text, start, end) or _NOT_A_PERSON_BEFORE_RE.search(
        text, max(0, start - _LOOK_BEHIND), start
    ):
        return True
    next_word = _NEXT_WORD_RE.match(text, end)
    if next_word:
        word = next_word.group("word")
        lower = word.lower().rstrip("'’")
        if next_word.group("possessive"):
            if lower in CONDITION_WORDS or (word[0].isupper() and lower in PLACE_WORDS):
                return True
        elif lower in PLACE_WORDS:
            return True
    if _NUMBER_AFTER_RE.match(text, end) or _THE_BEFORE_RE.search(text, max(0, start - 5), start):
        return True
    return _runs_on_to_a_place(text, end) or _opens_a_known_place(text, start)


def is_unnamed_place(text: str, start: int, end: int) -> bool:
    """A word no list knows, after a preposition of place ("within Warsop", "at Wathwood")."""
    words = text[start:end].split()
    if any(bare(word) in given_names() for word in words):
        return False
    return bool(_PLACE_PREPOSITION_RE.search(text, max(0, start - _LOOK_BEHIND), start))


def in_gazetteer(phrase: str) -> bool:
    """A shipped place name (``gazetteer.place_phrases``)."""
    normalised = normalise(phrase).rstrip("'’").removesuffix("'s")
    return normalised in place_phrases()


def _opens_a_known_place(text: str, start: int) -> bool:
    """A shipped place name of two to five words starts here: "James Cook", "Bishop Auckland"."""
    words = []
    for match in _PHRASE_WORD_RE.finditer(text, start, min(len(text), start + 80)):
        if match.start() != start and text[words[-1][1] : match.start()].strip(" \t"):
            break  # punctuation or a line break between the words
        words.append((match.group(), match.end()))
        if len(words) >= 2 and normalise(" ".join(word for word, _ in words)) in place_phrases():
            return True
        if len(words) == 5:
            break
    return False


def _runs_on_to_a_place(text: str, end: int) -> bool:
    possessive = _POSSESSIVE_RE.match(text, end)
    cursor = possessive.end() if possessive else end
    for _ in range(6):
        match = _RUN_WORD_RE.match(text, cursor)
        if not match:
            return False
        word = match.group("word")
        if bare(word) in PLACE_WORDS and word[0].isupper():
            return True
        if word.lower() not in _RUN_CONNECTORS and not word[0].isupper():
            return False
        cursor = match.end()
    return False
