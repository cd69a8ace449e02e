"""The safety part of the real-text evaluation: its figures, and the hand labels it reads."""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from insight_hub.evaluation import safety
from insight_hub.evaluation.figures import DEFAULT_STORIES, RealText, Story, load, sample_ids
from insight_hub.themes.ml import SafetySignal

# The dev stories sit beside the repository (../shared/data); SHARED_DATA_DIR points elsewhere if needed.
STORIES_CSV = Path(os.environ.get("SHARED_DATA_DIR", DEFAULT_STORIES.parent)) / DEFAULT_STORIES.name


def signal(text: str, sentence: str) -> SafetySignal:
    start = text.index(sentence)
    return SafetySignal("harm", start, start + len(sentence), start, start + 1)


def test_praise_and_severe_shares_and_the_praise_target() -> None:
    stories = [Story(f"s{i}", "text", crit) for i, crit in enumerate([3, 3, 2, 5, -3, -5, 0, None])]
    signals = {s.story_id: [] for s in stories}
    signals["s0"] = signals["s4"] = [signal("text", "text")]
    praise, severe, every = safety.criticality_figures(stories, signals)
    assert (praise.value, praise.met, praise.note) == (0.25, False, "1 of 4 stories")
    assert (severe.value, severe.note) == (0.5, "1 of 2 stories")
    assert every.note == "2 of 8 stories"
    signals["s0"] = []
    praise, *_ = safety.criticality_figures(stories, signals)
    assert (praise.value, praise.met) == (0.0, True)


def test_precision_recall_and_evidence_against_hand_labels() -> None:
    texts = {
        "a": "Lovely staff. She was never given her insulin.",
        "b": "He fell on the ward. Nobody came.",
        "c": "Thank you all.",
        "d": "Great group.",
    }
    stories = [Story(k, v, -3) for k, v in texts.items()]
    labels = {
        "a": safety.SafetyLabel("a", True, ("medication_error",), ("She was never given her insulin.",)),
        "b": safety.SafetyLabel("b", True, ("harm",), ("He fell on the ward.",)),
        "c": safety.SafetyLabel("c", False, (), ()),
        "e": safety.SafetyLabel("e", True, ("harm",), ("Not among these stories.",)),
    }
    signals = {
        "a": [signal(texts["a"], "She was never given her insulin.")],
        "b": [],
        "c": [signal(texts["c"], "Thank you all.")],
        "d": [],
    }
    figures = {f.name: f for f in safety.label_figures(stories, signals, labels)}
    assert figures["safety: hand-labelled stories"].value == 3  # "d" has no label, "e" no story
    assert figures["safety: precision on hand labels"].value == 0.5
    assert figures["safety: recall on hand labels"].value == 0.5
    assert figures["safety: recall on hand labels"].note == "tp 1, fp 1, fn 1, tn 0"
    assert figures["safety: F1 on hand labels"].value == 0.5
    assert figures["safety: flagged concerns whose signal is on a labelled evidence sentence"].value == 1


def test_stories_without_hand_labels_say_so() -> None:
    [figure] = safety.label_figures([Story("x", "text", 1)], {"x": []}, {})
    assert figure.note == "no hand labels for these stories"


def test_evaluate_tags_the_stories_with_the_real_tagger() -> None:
    data = RealText(
        stories=[
            Story("new-1", "The nurses were wonderful and I feel safe now. Thank you.", 4),
            Story("new-2", "Mum was left in soiled sheets all night and her pain was ignored.", -4),
        ]
    )
    figures = {f.name: f for f in safety.evaluate(data)}
    assert figures["safety: clear praise (criticality ≥ 2) flagged"].value == 0.0
    assert figures["safety: clear praise (criticality ≥ 2) flagged"].met is True
    assert figures["safety: severe (criticality ≤ -3) flagged"].value == 1.0
    assert figures["safety: hand-labelled stories"].note == "no hand labels for these stories"


def test_the_hand_labels_cover_the_sample_and_are_well_formed() -> None:
    labels = safety.load_labels()
    assert list(labels) == sample_ids()
    for label in labels.values():
        assert label.concern == bool(label.kinds) == bool(label.evidence), label.story_id


@pytest.mark.skipif(not STORIES_CSV.is_file(), reason="shared dev stories not available")
def test_each_evidence_sentence_is_quoted_exactly_from_its_story() -> None:
    with STORIES_CSV.open(newline="", encoding="utf-8") as handle:
        texts = {row["story_id"]: row["text"] for row in csv.DictReader(handle)}
    for label in safety.load_labels().values():
        for sentence in label.evidence:
            assert sentence in texts[label.story_id], (label.story_id, sentence)


@pytest.mark.skipif(not STORIES_CSV.is_file(), reason="shared dev stories not available")
def test_on_the_real_dev_stories_praise_is_almost_never_flagged() -> None:
    figures = {f.name: f for f in safety.evaluate(load(STORIES_CSV))}
    assert figures["safety: clear praise (criticality ≥ 2) flagged"].met is True
    assert figures["safety: precision on hand labels"].value >= 0.75
    assert figures["safety: recall on hand labels"].value >= 0.6
