"""Which emerging-theme candidates a reviewer sees first.

Discovery groups the words no theme accounts for, and some of those groups are words of any sentence, not
a subject: "took", "clearly", "expected", "looking". A theme is something people talk *about* (food,
interpreters, the car park, plain English, clean wards), so it is named by nouns and adjectives. Each
candidate's name words are read in its example sentences by spaCy's part-of-speech tagger (the pinned
English pipeline the redaction also uses); a candidate whose name words are mostly verbs, adverbs and the
like is listed after every candidate that names a subject. Nothing is dropped: the order only decides
which candidates fill the page's ``MAX_CANDIDATES`` places. The evaluation (``discovery_eval``) scores
every candidate, so this order does not change its figures.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from functools import lru_cache
from typing import TYPE_CHECKING

from insight_hub.nlp import SPACY_MODEL

from .word_vectors import normalise_word, stem

if TYPE_CHECKING:
    from .discovery import Candidate

SUBJECT_TAGS = frozenset({"NOUN", "PROPN", "ADJ"})
# A candidate names a subject when at least this share of its name words' uses in its examples are nouns,
# proper nouns or adjectives (a word seen in no example counts as a subject: nothing says otherwise).
SUBJECT_SHARE = 0.5


@lru_cache(maxsize=1)
def _tagger():
    import spacy

    return spacy.load(SPACY_MODEL, exclude=["ner", "parser", "lemmatizer"])


def subject_share(candidate: Candidate, texts: Mapping[str, str]) -> float:
    """The share of the candidate's name words' uses in its example sentences tagged noun, proper noun or
    adjective; 1.0 when none of its examples can be read."""
    wanted = {stem(normalise_word(word)) for phrase in candidate.phrases[:2] for word in phrase.split()}
    sentences = [texts[ref.key][ref.start : ref.end] for ref in candidate.examples if ref.key in texts]
    if not wanted or not sentences:
        return 1.0
    subject = total = 0
    for doc in _tagger().pipe(sentences, batch_size=64):
        for token in doc:
            if token.is_alpha and stem(normalise_word(token.text)) in wanted:
                total += 1
                subject += token.pos_ in SUBJECT_TAGS
    return subject / total if total else 1.0


def subjects_first(candidates: Sequence[Candidate], texts: Mapping[str, str], limit: int) -> list[Candidate]:
    """The first ``limit`` candidates once those that name a subject go first, each kind in its order.
    Candidates are read in order only until ``limit`` subjects are found (a month's run has hundreds)."""
    subjects: list[Candidate] = []
    others: list[Candidate] = []
    for candidate in candidates:
        if len(subjects) == limit:
            break
        (subjects if subject_share(candidate, texts) >= SUBJECT_SHARE else others).append(candidate)
    return (subjects + others)[:limit]
