"""The promise that redaction never changes what a text says: it hides identifiers and nothing else.

``meaning_violations`` checks one redaction against that promise, without knowing how the spans were found:

- every word outside the spans survives in the redacted text, in order;
- a span never crosses a line break or a sentence's end ("the doctor. Nobody gave her the morphine" must not
  become "the [doctor] gave her the morphine");
- a span over a name holds only name-shaped words: capitalised words, initials, name particles (de, van),
  and at its start a staff title or honorific ("Dr", "staff nurse"); a span over a date holds only date
  words; a span over a number, email or postcode holds only words with a digit or an @.

The tests run it over every real comment and story; the real-text evaluation counts what it finds.
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from .spans import Kind, RedactedSpan, Redaction

_WORD_RE = re.compile(r"\S+")
_ABBREVIATION_RE = re.compile(r"(?:Dr|Mr|Mrs|Ms|Mx|Prof|St|Sr|Jr|[A-Z])\.", re.IGNORECASE)
_SENTENCE_END_RE = re.compile(r"[.!?]['\"’”)]*\Z")
_INNER_PUNCTUATION_RE = re.compile(r"[,;:]['\"’”)]*\Z")
_NAME_SHAPE_RE = re.compile(r"[(\"'‘“]?[A-ZÀ-ÖØ-Þ][\w'’.&-]*[)\"'’”]?[.,]?\Z")
_PARTICLES = frozenset({"de", "da", "del", "der", "van", "von", "la", "le", "bin", "ibn", "al", "el", "du"})
_TITLES = frozenset(
    {
        "dr", "doctor", "prof", "professor", "sister", "nurse", "staff", "charge", "matron", "midwife",
        "paramedic", "mr", "mrs", "ms", "miss", "mx",
    }
)  # fmt: skip
_DATE_WORDS = frozenset(
    """
    of the jan january feb february mar march apr april may jun june jul july aug august sep sept september
    oct october nov november dec december mon monday tue tues tuesday wed wednes wednesday thu thur thurs
    thursday fri friday sat satur saturday sun sunday
    """.split()  # noqa: SIM905 - a word list reads better as words
)
_NAME_KINDS = {Kind.PERSON, Kind.STAFF_TITLE}
_DATE_KINDS = {Kind.DATE, Kind.DATE_OF_BIRTH}


def meaning_violations(text: str, redaction: Redaction) -> list[str]:
    """What ``redaction`` of ``text`` hides beyond identifiers, one description each; empty when none."""
    problems = [problem for span in redaction.spans for problem in _span_problems(text, span)]
    problems += _lost_words(text, redaction.spans, redaction.text)
    return problems


def _span_problems(text: str, span: RedactedSpan) -> Iterable[str]:
    covered = text[span.start : span.end]
    where = f"{span.kind} span {covered!r} at {span.start}"
    if "\n" in covered.strip():
        yield f"{where} crosses a line break"
        return
    words = _WORD_RE.findall(covered)
    for word in words[:-1]:
        if _SENTENCE_END_RE.search(word) and not _ABBREVIATION_RE.fullmatch(word):
            yield f"{where} crosses the end of a sentence after {word!r}"
        elif span.kind in _NAME_KINDS and _INNER_PUNCTUATION_RE.search(word):
            yield f"{where} runs on past {word!r}"
    if span.kind in _NAME_KINDS:
        for index, word in enumerate(words):
            bare = word.strip("()\"'‘’“”.,").lower()
            if _NAME_SHAPE_RE.match(word) or bare in _PARTICLES:
                continue
            if span.kind == Kind.STAFF_TITLE and index < 2 and bare in _TITLES:
                continue
            yield f"{where} hides the word {word!r}"
    elif span.kind in _DATE_KINDS:
        for word in words:
            bare = word.strip(",.").lower()
            if not (any(c.isdigit() for c in bare) or bare in _DATE_WORDS):
                yield f"{where} hides the word {word!r}"
    else:
        for word in words:
            if not any(c.isdigit() or c == "@" for c in word) and word not in {"+44", "(0)"}:
                yield f"{where} hides the word {word!r}"


def _lost_words(text: str, spans: Iterable[RedactedSpan], redacted: str) -> list[str]:
    """Every word outside the spans must be found in the redacted text, in order."""
    spans = sorted(spans, key=lambda span: span.start)
    cursor = 0
    index = 0
    for match in _WORD_RE.finditer(text):
        while index < len(spans) and spans[index].end <= match.start():
            index += 1
        if index < len(spans) and spans[index].start < match.end():
            continue  # the word touches a span: part of it may be hidden
        found = redacted.find(match.group(), cursor)
        if found < 0:
            return [f"the word {match.group()!r} at {match.start()} is missing from the redacted text"]
        cursor = found + len(match.group())
    return []
