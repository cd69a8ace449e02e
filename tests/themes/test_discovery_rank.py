"""Emerging-theme candidates that name a subject (food, interpreters) fill the page before groups of words
any sentence says ("took", "clearly"), read with spaCy's part-of-speech tagger in their examples."""

from insight_hub.themes.ml.discovery import Candidate, SentenceRef
from insight_hub.themes.ml.discovery_rank import subject_share, subjects_first


def _candidate(name: str, phrases: list[str], sentences: list[tuple[str, str]]) -> Candidate:
    refs = [SentenceRef(key, 0, len(text)) for key, text in sentences]
    return Candidate(name=name, phrases=phrases, patterns=[], sentences=refs, examples=refs)


TEXTS = {
    "a": "We took the bus to the clinic.",
    "b": "She took my blood pressure twice.",
    "c": "They clearly took time to listen.",
    "d": "The interpreter was there for every visit.",
    "e": "An interpreter explained the letter to my mother.",
    "f": "The food was cold.",
    "g": "Hot food and a cup of tea arrived quickly.",
    "h": "The ward was spotless and clean.",
}
TOOK = _candidate("Took", ["took"], [(k, TEXTS[k]) for k in "abc"])
INTERPRETER = _candidate("Interpreter", ["interpreter"], [(k, TEXTS[k]) for k in "de"])
FOOD = _candidate("Food", ["food"], [(k, TEXTS[k]) for k in "fg"])
CLEAN = _candidate("Clean", ["clean"], [("h", TEXTS["h"])])


def test_a_verb_names_no_subject_and_nouns_and_adjectives_do():
    assert subject_share(TOOK, TEXTS) == 0.0
    assert subject_share(INTERPRETER, TEXTS) == 1.0
    assert subject_share(CLEAN, TEXTS) == 1.0  # "clean wards" is a theme: adjectives count


def test_subjects_fill_the_places_first_each_kind_keeping_its_order():
    ranked = subjects_first([TOOK, FOOD, INTERPRETER, CLEAN], TEXTS, limit=3)
    assert [c.name for c in ranked] == ["Food", "Interpreter", "Clean"]
    ranked = subjects_first([TOOK, FOOD], TEXTS, limit=2)
    assert [c.name for c in ranked] == ["Food", "Took"]  # nothing is dropped while there is room


def test_a_candidate_without_readable_examples_keeps_its_place():
    ghost = _candidate("Ghost", ["ghost"], [("missing", "")])
    assert subject_share(ghost, TEXTS) == 1.0
