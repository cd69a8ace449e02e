"""People: staff with titles, Mr/Mrs names, names after a relative or "called", given names from the shipped
lists, and names the NER model finds. A span covers the name (and a staff title before it) and nothing more:
a bare role word is not an identifier, and no span crosses the end of a sentence."""

from __future__ import annotations

import re
from collections.abc import Iterator, Sequence

from insight_hub.privacy.wordlist import NOT_COMMON, common_words

from .places import in_gazetteer, is_place, is_unnamed_place
from .spans import Kind, RedactedSpan, new_span
from .vocabulary import (
    ABBREVIATED_TITLES,
    NAME_WORD,
    NAME_WORD_RE,
    NHS_VOCABULARY,
    NOT_NAMES,
    PLACE_WORDS,
    RELATIVES,
    ROLE_NOUNS,
    STAFF_ROLES,
    STAFF_TITLES,
    UPPER,
    alternation,
    bare,
    everyday_names,
    given_names,
    is_vocabulary,
    wordy_names,
)

# An optional initial ("Dr J. Patel"), then up to three capitalised words on one line.
_NAMES = rf"(?P<names>(?:[{UPPER}]\.?[ \t]+)?{NAME_WORD}(?:[ \t]+{NAME_WORD}){{0,2}})"
_NAME_LIST_RE = re.compile(rf"{NAME_WORD}(?:(?:,[ \t]*|,?[ \t]+(?:and|&)[ \t]+){NAME_WORD})+")
_SENTENCE_END_RE = re.compile(r"(?:^|[.!?:;]['\"’”)]?)\s*$")
_WORD_RE = re.compile(r"\S+")
_LOOK_BEHIND = 40

_FULL_TITLES = {title for title in STAFF_TITLES if title not in ABBREVIATED_TITLES}
# Only a short title takes a full stop: "Dr. Smith", but "the doctor. Nobody" ends a sentence.
_STAFF_TITLE_RE = re.compile(
    rf"(?<![\w.])(?P<title>(?i:(?:{alternation(ABBREVIATED_TITLES)})\b\.?|(?:{alternation(_FULL_TITLES)})\b))"
    rf"[ \t]+{_NAMES}"
)
_HONORIFIC_RE = re.compile(rf"(?<![\w.])(?:Mr|Mrs|Ms|Miss|Mx)\b\.?[ \t]+{_NAMES}")
_ROLE_AFTER_RE = re.compile(
    rf",?\s+(?:the|our|my|his|her|their|a)\s+(?P<role>{alternation(STAFF_ROLES)})\b", re.IGNORECASE
)
_ROLE_BEFORE_RE = re.compile(rf"\b(?P<role>{alternation(STAFF_ROLES)}),?\s+$", re.IGNORECASE)
# "my sister Jane" is family, not a ward sister.
_POSSESSIVE_BEFORE_RE = re.compile(r"\b(?:my|our|his|her|their|your)\s+$", re.IGNORECASE)
_NAME_CUE_RE = re.compile(
    r"(?:\b(?i:my|our|his|her|their|your)\s+(?:(?i:late|little|eldest|youngest)\s+)?"
    rf"(?i:{alternation(RELATIVES)})\s*,?[ \t]+"
    r"|\b(?i:called|named|name\s+is|name\s+was|known\s+as)[ \t]+)"
    rf"{_NAMES}"
)
# "a drug called Sertraline", "a ward called Rainbow": the cue names a thing.
_THING_BEFORE_CUE_RE = re.compile(
    r"\b(?:drug|medicine|medication|tablets?|ward|unit|hospital|service|team|app|charity|group|book|"
    r"programme|scheme|clinic|website|device)\s+$",
    re.IGNORECASE,
)
# The model sometimes tags lowercase words, or swallows a neighbouring email address or number
# ("Email jane@nhs.net"); a name has a capital and neither.
_NER_NAME_RE = re.compile(rf"(?=.*[{UPPER}])[^\d@]+", re.DOTALL)
# A word of a name: capitalised, or an initial. A name ends at a sentence's end or a comma.
_NAME_TOKEN_RE = re.compile(rf"(?:[{UPPER}][\w'’-]*|[{UPPER}]\.)")
_ACRONYM_RE = re.compile(rf"[{UPPER}&]{{2,6}}s?")

# A capitalised word that could be a given name, with its possessive; not part of a longer word.
_CANDIDATE_RE = re.compile(rf"(?<![\w'’-])(?P<word>{NAME_WORD})(?P<possessive>['’]s)?(?![\w’'])")
# Context that shows a word names a person: a greeting before it, a role word before it, a name listed with
# it, a possessive, or a person's verb after it.
_GREETING_BEFORE_RE = re.compile(
    r"(?:\b(?:dear|hi|hiya|hello|thanks|thank\s+you(?:\s+(?:so\s+much|to))?|thankyou|cheers|love|from|"
    r"bye|well\s+done|congratulations|congrats|especially|particularly|and\s+to|with|by|thank|thanked|see|seeing|saw|met|meet|meeting|ask|asked|tell|told|contact|contacted|emailed|phoned|rang)\s*,?\s*)$",
    re.IGNORECASE,
)
# "To Lesley" opening a card; "taken to North Tees" is a place.
_LINE_GREETING_RE = re.compile(r"(?:^|\n)[ \t]*(?:to|from|love)[ \t]*,?[ \t]*$", re.IGNORECASE)
_TO_BEFORE_RE = re.compile(r"\bto[ \t]+$", re.IGNORECASE)
_ROLE_BEFORE_NAME_RE = re.compile(rf"\b(?:{alternation(ROLE_NOUNS)})\s*[,:-]?\s*$", re.IGNORECASE)
_PERSON_VERBS = frozenset(
    """
    was is has had who said says told explained helped came comes did does made gave gives took listened
    rang called phoned visited stayed sat spoke talked always really kindly went arrived looked checked
    showed organised supported answered works worked were will would could came come sorted goes
    """.split()  # noqa: SIM905 - a word list reads better as words
)
_NEXT_TOKEN_RE = re.compile(r"[ \t]*-?[ \t]*(?P<word>[A-Za-z]+)")
_LISTED_RE = re.compile(rf"(?:[ \t]*,[ \t]*|,?[ \t]+(?:and|&)[ \t]+)(?P<word>{NAME_WORD})")
_LISTED_BEFORE_RE = re.compile(rf"(?P<word>{NAME_WORD})(?:[ \t]*,[ \t]*|,?[ \t]+(?:and|&)[ \t]+)$")
# A surname or initial after a given name: "Helen C", "Denise Clare", "Jayden Brown".
_SURNAME_RE = re.compile(rf"[ \t]+(?:(?P<initial>[{UPPER}])(?:\.|(?=[ \t,;)]|$))|(?P<surname>{NAME_WORD}))")


def find_staff(text: str) -> Iterator[RedactedSpan]:
    for match in _STAFF_TITLE_RE.finditer(text):
        if _preceded_by(_POSSESSIVE_BEFORE_RE, text, match.start()):
            continue
        title = " ".join(match.group("title").lower().rstrip(".").split())
        # "the nurse Sarah" is staff; after a lowercase role word the next word must be a name, not a word.
        if match.group("title")[0].islower() and not _is_name_word(match.group("names").split()[0]):
            continue
        end = _name_end(text, match)
        if end is not None:
            yield RedactedSpan(match.start(), end, Kind.STAFF_TITLE, STAFF_TITLES[title])


def find_honorific_names(text: str) -> Iterator[RedactedSpan]:
    """Mr/Mrs/Ms/Miss/Mx + surname: a person, or staff when a role is named beside it."""
    for match in _HONORIFIC_RE.finditer(text):
        end = _name_end(text, match, start=match.start())
        if end is None:
            continue
        role = _ROLE_AFTER_RE.match(text, end) or _preceded_by(_ROLE_BEFORE_RE, text, match.start())
        if role:
            yield RedactedSpan(match.start(), end, Kind.STAFF_TITLE, STAFF_ROLES[role.group("role").lower()])
        else:
            yield new_span(match.start(), end, Kind.PERSON)


def find_cued_names(text: str) -> Iterator[RedactedSpan]:
    """Names introduced by "my husband", "a lady called" and the like."""
    for match in _NAME_CUE_RE.finditer(text):
        if _preceded_by(_THING_BEFORE_CUE_RE, text, match.start()):
            continue
        # After "my daughter", April and May are names, not months.
        end = _name_end(text, match, never_names=NHS_VOCABULARY)
        if end is not None:
            yield new_span(match.start("names"), end, Kind.PERSON)


def find_given_names(text: str) -> Iterator[RedactedSpan]:
    """Given names on the shipped lists, with a surname or initial after them.

    A name that is also a common word (Grace, Will, Hazel, Mark) needs a person's context; any other given
    name is a name wherever it stands, unless it names a place (Florence Ward, Arnold Lodge).
    """
    names, wordy = given_names(), wordy_names()
    for match in _CANDIDATE_RE.finditer(text):
        word = match.group("word")
        lower = word.lower()
        if lower not in names:
            continue
        start, end = match.start(), match.end("word")
        if is_place(text, start, end):
            continue
        if lower in wordy and not _person_context(text, match, names, wordy):
            continue
        surname = _SURNAME_RE.match(text, end) if not match.group("possessive") else None
        if surname and _is_surname(text, surname):
            end = surname.end()
        if not is_vocabulary(text[start:end]):  # Marie Curie, Peppa Pig
            yield new_span(start, end, Kind.PERSON)


def _person_context(text: str, match: re.Match[str], names: frozenset[str], wordy: frozenset[str]) -> bool:
    start, end = match.start(), match.end()
    if match.group("possessive"):
        return True
    before = text[max(0, start - _LOOK_BEHIND) : start]
    if _GREETING_BEFORE_RE.search(before) or _ROLE_BEFORE_NAME_RE.search(before):
        return True
    if _LINE_GREETING_RE.search(text, max(0, start - _LOOK_BEHIND), start):
        return True
    listed = _LISTED_RE.match(text, end) or _LISTED_BEFORE_RE.search(before)
    if listed and listed.group("word").lower() in names - wordy:
        return True
    if match.group("word").lower() in everyday_names():
        return False  # "taken to North Tees", "Care was good"
    if _TO_BEFORE_RE.search(before):
        return True  # "spoke to Grace", "took to Mark"
    following = _NEXT_TOKEN_RE.match(text, end)
    return bool(following and following.group("word").lower() in _PERSON_VERBS)


def _is_surname(text: str, match: re.Match[str]) -> bool:
    if match.group("initial"):
        return match.group("initial") not in {"I", "A"}
    word = match.group("surname")
    lower = word.lower()
    return not (
        lower in NOT_NAMES or lower in PLACE_WORDS or is_place(text, match.start("surname"), match.end())
    )


def ner_people(text: str, doc, offset: int = 0) -> Iterator[RedactedSpan]:
    """People the model found in ``doc``, a window of ``text`` starting at ``offset``.

    The model's span is cut to its name-shaped words (never past a sentence's end, a comma, or onto a
    lowercase word), and dropped when those words are all common words, acronyms, places or NHS words.
    """
    for entity in doc.ents:
        if entity.label_ != "PERSON" or not _NER_NAME_RE.fullmatch(entity.text):
            continue
        for start, end in _name_runs(text, entity.start_char + offset, entity.end_char + offset):
            phrase = text[start:end]
            if is_vocabulary(phrase) or is_place(text, start, end) or not _could_be_a_name(phrase):
                continue
            if is_unnamed_place(text, start, end):
                continue
            yield new_span(start, end, Kind.PERSON)


def _name_runs(text: str, start: int, end: int) -> Iterator[tuple[int, int]]:
    """The stretches of name-shaped words in ``text[start:end]``, each ending before punctuation."""
    run_start = run_end = None
    for token in _WORD_RE.finditer(text, start, end):
        word = token.group()
        core = word.rstrip(".,;:!?)\"”’'").lstrip("(\"“‘'")
        if core and (_NAME_TOKEN_RE.fullmatch(core)) and core not in {"I"}:
            core_start = token.start() + word.index(core)
            if run_start is None:
                run_start = core_start
            run_end = core_start + len(core)
            if core != word.lstrip("(\"“‘'"):  # punctuation after the word ends the run
                yield run_start, run_end
                run_start = None
        elif run_start is not None:
            yield run_start, run_end
            run_start = None
    if run_start is not None:
        yield run_start, run_end


def _could_be_a_name(phrase: str) -> bool:
    """Not when every word is a common word, an acronym or an NHS word and none is a given name."""
    words = [word.strip(".'’") for word in phrase.split()]
    if any(bare(word) in given_names() for word in words):
        return True
    if any(in_gazetteer(word) for word in words):
        return False  # Leeds United, QMC Nottingham
    common = common_words()
    if any(bare(word) in NOT_COMMON for word in words):
        return True  # XXX: a name someone removed by hand
    return not all(
        bare(word) in common or bare(word) in NOT_NAMES or _ACRONYM_RE.fullmatch(word) for word in words
    )


def names_listed_with(text: str, found: Sequence[RedactedSpan]) -> Iterator[RedactedSpan]:
    """Names in a list with a name already found: "Chloe, Aisha and Tom".

    The small model often tags only one name of a list. A capitalised word opening a sentence ("Thanks,
    Helen and Tom") is taken on this evidence only when it is a given name ("Rose and Eileen helped").
    """
    people = [span for span in found if span.kind == Kind.PERSON]
    for listing in _NAME_LIST_RE.finditer(text):
        if not any(span.start < listing.end() and listing.start() < span.end for span in people):
            continue
        for name in NAME_WORD_RE.finditer(text, listing.start(), listing.end()):
            if is_vocabulary(name.group()):
                continue
            if _opens_sentence(text, name.start()) and name.group().lower() not in given_names():
                continue
            if not is_place(text, name.start(), name.end()):
                yield new_span(name.start(), name.end(), Kind.PERSON)


def _is_name_word(word: str) -> bool:
    lower = bare(word)
    return lower in given_names() or not (lower in common_words() or lower in NOT_NAMES)


def _opens_sentence(text: str, pos: int) -> bool:
    return _SENTENCE_END_RE.search(text, max(0, pos - _LOOK_BEHIND), pos) is not None


def _name_end(
    text: str, match: re.Match[str], start: int | None = None, never_names: frozenset[str] = NOT_NAMES
) -> int | None:
    """End offset of the name in ``match``, or None when it is no one's name.

    Trailing words that cannot be part of a name ("Dr Patel Monday") are trimmed. ``start`` widens the
    vocabulary check to include the title, so "Mr Men" is recognised as the books.
    """
    names_start = match.start("names")
    words = list(_WORD_RE.finditer(text, names_start, match.end("names")))
    while words and is_vocabulary(words[-1].group(), never_names):
        words.pop()
    if not words:
        return None
    end = words[-1].end()
    phrase = text[names_start if start is None else start : end]
    if is_place(text, names_start, end) or is_vocabulary(phrase, never_names):
        return None
    return end


def _preceded_by(regex: re.Pattern[str], text: str, pos: int) -> re.Match[str] | None:
    """Match ``regex`` (anchored with $) against the few words before ``pos``.

    A bounded window keeps each look-back constant-time on a 20,000-character story.
    """
    return regex.search(text, max(0, pos - _LOOK_BEHIND), pos)
