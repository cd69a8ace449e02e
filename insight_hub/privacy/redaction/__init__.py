"""Redaction of personal data from patient stories.

A story is only shown outside the NHS organisation that logged it in redacted form. ``redact`` finds
identifiers (NHS numbers, names, staff names, contact details, dates) and returns the redacted text together
with the spans it replaced, so that the logging organisation can correct them: add a span the engine missed
or drop one it got wrong, then recompute the text with ``apply_spans``.

A span hides the identifier and nothing else (``meaning.meaning_violations`` is the check): places,
services, conditions and programmes are kept (``places``), and a bare role word is not an identifier.

Deliberately pure Python (no Django) so that Celery workers and views can both use it. spaCy is imported
lazily: views that only apply corrected spans never pay for loading the model.

Span offsets always refer to the ORIGINAL text, never to the redacted one.

Modules: ``spans`` (kinds, spans, merging), ``identifiers`` (numbers, emails, postcodes, dates), ``people``
(names), ``places`` and ``gazetteer`` (what is not a person), ``vocabulary`` (word lists), ``meaning``.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterator, Sequence
from importlib import metadata
from typing import TYPE_CHECKING

from insight_hub.nlp import SPACY_MODEL
from insight_hub.privacy.wordlist import NOT_COMMON, common_words

from . import identifiers, people
from .spans import DEFAULT_REPLACEMENTS, Kind, RedactedSpan, Redaction, apply_spans, render, resolve
from .vocabulary import (
    CLITIC_RE,
    NOT_NAMES,
    PLACE_WORDS,
    STAFF_ROLES,
    STAFF_TITLES,
    alternation,
    english_words,
    given_names,
)

if TYPE_CHECKING:
    from spacy.language import Language

__all__ = [
    "DEFAULT_REPLACEMENTS",
    "RULES_VERSION",
    "SPACY_MODEL",
    "VERSION",
    "Kind",
    "RedactedSpan",
    "Redaction",
    "apply_spans",
    "redact",
    "redact_many",
]


# Bump whenever a rule changes what gets redacted: stored redactions record the version that produced them,
# so they can be re-run when the rules improve. The model version is part of it because NER output changes
# with the model. 3: spans never cross a sentence's end; given names from shipped lists; places kept.
# 4: a pronoun after a name ("Lesley We") is not its surname.
RULES_VERSION = "4"
VERSION = f"{RULES_VERSION}+{SPACY_MODEL}-{metadata.version(SPACY_MODEL)}"


def redact(text: str) -> Redaction:
    """Redact every identifier the rules and the NER model find in ``text``."""
    return redact_many([text])[0]


def redact_many(texts: Sequence[str], *, batch_size: int = 256) -> list[Redaction]:
    """Redact a batch: the same result as ``redact`` on each text, many times faster on short texts.

    The NER model is most of the cost, so it reads only the sentences where it could find something the
    rules cannot (a capitalised word that is no common word, stop word, given name or place: see
    ``_needs_model``), over the whole batch with ``nlp.pipe``.
    """
    masked = [_mask_placeholders(text) for text in texts]
    # (text index, where the window starts) for every stretch the model must read.
    windows = [
        window
        for index, text in enumerate(masked)
        for match in _SENTENCE_RE.finditer(text)
        if (window := _model_window(index, text, match))
    ]
    found_by_model: dict[int, list[RedactedSpan]] = {index: [] for index in range(len(texts))}
    docs = _nlp().pipe((window for _, _, window in windows), batch_size=batch_size) if windows else ()
    for (index, offset, _), doc in zip(windows, docs, strict=True):
        found_by_model[index] += people.ner_people(masked[index], doc, offset)
    redactions = []
    for index, (text, masked_text) in enumerate(zip(texts, masked, strict=True)):
        found = [span for detect in _DETECTORS for span in detect(masked_text)] + found_by_model[index]
        spans = resolve([*found, *people.names_listed_with(masked_text, found)])
        redactions.append(Redaction(text=render(text, spans), spans=spans, version=VERSION))
    return redactions


# "A&E" is one word (an NHS word), not "A" and "E".
_CAPITALISED_RE = re.compile(r"\b[A-Z](?:&[A-Z]\b|[\w'’-])*")
# Sentences as far as the NER model needs them: up to a full stop, question or exclamation mark followed by
# a space, or a line break. A title's full stop ("Dr. Smith") is not an end, so a name keeps its title.
_SENTENCE_RE = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Mx|St|Prof)\.|[^\n.!?]|[.!?](?!\s))+[.!?]*")
# Characters of context either side of the words the model must judge (about eight words).
_CONTEXT = 50


def _needs_model(sentence: str) -> bool:
    return _first_and_last_unknown(sentence) is not None


def _model_window(index: int, text: str, sentence: re.Match[str]) -> tuple[int, int, str] | None:
    """(text index, offset, window) of the stretch of ``sentence`` the model reads, if any.

    Only a few words either side of the unknown words: the model's cost grows with every word it reads,
    and a name is told by its neighbours.
    """
    unknown = _first_and_last_unknown(sentence.group())
    if unknown is None:
        return None
    first, last = unknown
    start = sentence.start() + first - _CONTEXT
    end = sentence.start() + last + _CONTEXT
    if start <= sentence.start():
        start = sentence.start()
    else:
        space = text.find(" ", start, sentence.start() + first)
        start = space + 1 if space >= 0 else sentence.start() + first
    if end >= sentence.end():
        end = sentence.end()
    else:
        space = text.rfind(" ", sentence.start() + last, end)
        end = space if space >= 0 else sentence.start() + last
    return index, start, text[start:end]


def _first_and_last_unknown(sentence: str) -> tuple[int, int] | None:
    """Whether ``sentence`` has a capitalised word that only the NER model could tell is a name.

    Not stop words, NHS words, months, relatives and place words (GP, Covid, Dad, Hospital), which the rules
    drop whenever the model tags them; not given names, which the rules find themselves; not English words
    (Staff, Emerald, Sadly), acronyms (CPN), titles or initials, which the model seldom tags alone and the
    rules drop when it does (a surname after a title or a given name is the rules' too); not known places.
    What is left is a name no list knows (Kieren, Okafor, XXX) or a place no list knows (Warsop).
    """
    from spacy.lang.en.stop_words import STOP_WORDS  # deferred with the rest of spaCy

    common, names, english = common_words(), given_names(), english_words()
    first = last = None
    for match in _CAPITALISED_RE.finditer(sentence):
        word = match.group()
        lower = CLITIC_RE.sub("", word.lower())
        if lower in NOT_COMMON:  # XXX: a name someone removed by hand
            first, last = match.start() if first is None else first, match.end()
            continue
        if len(lower) < 2 or (word.isupper() and "'" not in word) or lower in STAFF_TITLES:
            continue
        if lower in STOP_WORDS or lower in NOT_NAMES or lower in PLACE_WORDS:
            continue
        if lower in common or lower in names or lower in english or _is_known_place(lower):
            continue
        first, last = match.start() if first is None else first, match.end()
    return None if first is None else (first, last)


def _is_known_place(lower: str) -> bool:
    from .gazetteer import place_phrases

    return lower in place_phrases()


def _mask_placeholders(text: str) -> str:
    """Blank out placeholders left by an earlier pass, keeping every offset.

    No detector can then match inside "[name]", which makes redaction idempotent. Dashes rather than
    spaces: spaCy glues a run of spaces onto a neighbouring entity, while a dash reads as punctuation and
    breaks it.
    """
    return _PLACEHOLDER_RE.sub(lambda match: "-" * len(match.group()), text)


@functools.cache
def _nlp() -> Language:
    """Load the NER model once per process, on first use."""
    import spacy  # deferred: importing spaCy alone takes about a second

    # The small English model's NER has its own tok2vec layer, so the shared tok2vec and every other
    # component can be left out entirely: it roughly halves load time and memory and speeds up each call.
    return spacy.load(
        SPACY_MODEL, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
    )


_PLACEHOLDER_RE = re.compile(
    alternation({*DEFAULT_REPLACEMENTS.values(), *STAFF_TITLES.values(), *STAFF_ROLES.values()})
)

_DETECTORS: tuple[Callable[[str], Iterator[RedactedSpan]], ...] = (
    identifiers.find_emails,
    identifiers.find_nhs_numbers,
    identifiers.find_phone_numbers,
    identifiers.find_postcodes,
    identifiers.find_dates,
    people.find_staff,
    people.find_honorific_names,
    people.find_cued_names,
    people.find_given_names,
)
