"""Real-text evaluation: safety signals.

Two views of the same tagger run over the stories:

* against Care Opinion's own criticality: a story its author scored as clear praise (≥ 2) should almost
  never raise a safety signal (target ≤ 0.5%), and the share of severe stories (≤ -3) flagged is shown
  beside it, so precision is not bought by going silent;
* against the hand labels (``tests/data/real_text/story_safety.jsonl``): story-level precision, recall and
  F1 of "raises any safety signal" for "describes a real safety or safeguarding concern", and how often a
  flagged concern's signal points at one of the labelled evidence sentences.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from insight_hub.evaluation.figures import LABELS_DIR, Figure, RealText, Story
from insight_hub.themes.ml import SafetySignal, TagInput, load_tagger

SAFETY_LABELS = LABELS_DIR / "story_safety.jsonl"
PRAISE_MIN = 2  # Care Opinion criticality: 2 … 5 is clear praise
SEVERE_MAX = -3  # -3 … -5 is severe criticism
PRAISE_TARGET = 0.005


@dataclass(frozen=True)
class SafetyLabel:
    story_id: str
    concern: bool
    kinds: tuple[str, ...]
    evidence: tuple[str, ...]


def load_labels(path: Path = SAFETY_LABELS) -> dict[str, SafetyLabel]:
    labels = {}
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            row = json.loads(line)
            labels[row["story_id"]] = SafetyLabel(
                row["story_id"], bool(row["concern"]), tuple(row["kinds"]), tuple(row["evidence"])
            )
    return labels


def story_signals(stories: list[Story]) -> dict[str, list[SafetySignal]]:
    """Each story's safety signals, tagged as the worker tags a story."""
    results = load_tagger().tag([TagInput(story.text, "nonspecific") for story in stories])
    return {story.story_id: result.safety for story, result in zip(stories, results, strict=True)}


def _share(flags: list[bool]) -> float:
    return sum(flags) / len(flags) if flags else 0.0


def criticality_figures(stories: list[Story], signals: dict[str, list[SafetySignal]]) -> list[Figure]:
    praise = [
        bool(signals[s.story_id])
        for s in stories
        if s.criticality is not None and s.criticality >= PRAISE_MIN
    ]
    severe = [
        bool(signals[s.story_id])
        for s in stories
        if s.criticality is not None and s.criticality <= SEVERE_MAX
    ]
    praise_share = _share(praise)
    return [
        Figure(
            "safety: clear praise (criticality ≥ 2) flagged",
            round(praise_share, 4),
            target=f"≤ {PRAISE_TARGET}",
            met=bool(praise) and praise_share <= PRAISE_TARGET,
            note=f"{sum(praise)} of {len(praise)} stories",
        ),
        Figure(
            "safety: severe (criticality ≤ -3) flagged",
            round(_share(severe), 4),
            note=f"{sum(severe)} of {len(severe)} stories",
        ),
        Figure(
            "safety: all stories flagged",
            round(_share([bool(signals[s.story_id]) for s in stories]), 4),
            note=f"{sum(bool(signals[s.story_id]) for s in stories)} of {len(stories)} stories",
        ),
    ]


def _points_at_evidence(story: Story, label: SafetyLabel, signals: list[SafetySignal]) -> bool:
    """A signal's sentence overlaps one of the labelled evidence sentences."""
    spans = []
    for sentence in label.evidence:
        start = story.text.find(sentence)
        if start >= 0:
            spans.append((start, start + len(sentence)))
    return any(s.start < end and start < s.end for s in signals for start, end in spans)


def label_figures(
    stories: list[Story], signals: dict[str, list[SafetySignal]], labels: dict[str, SafetyLabel]
) -> list[Figure]:
    labelled = [s for s in stories if s.story_id in labels]
    if not labelled:
        return [Figure("safety: hand-labelled stories", 0, note="no hand labels for these stories")]
    tp = fp = fn = tn = on_evidence = 0
    for story in labelled:
        flagged, concern = bool(signals[story.story_id]), labels[story.story_id].concern
        tp += flagged and concern
        fp += flagged and not concern
        fn += concern and not flagged
        tn += not (flagged or concern)
        if flagged and concern:
            on_evidence += _points_at_evidence(story, labels[story.story_id], signals[story.story_id])
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    counts = f"tp {tp}, fp {fp}, fn {fn}, tn {tn}"
    return [
        Figure("safety: hand-labelled stories", len(labelled), note=f"{tp + fn} concerns"),
        Figure("safety: precision on hand labels", round(precision, 4), note=counts),
        Figure("safety: recall on hand labels", round(recall, 4), note=counts),
        Figure("safety: F1 on hand labels", round(f1, 4)),
        Figure(
            "safety: flagged concerns whose signal is on a labelled evidence sentence",
            on_evidence,
            note=f"of {tp}",
        ),
    ]


def evaluate(data: RealText) -> list[Figure]:
    signals = story_signals(data.stories)
    labels = load_labels() if SAFETY_LABELS.is_file() else {}
    return [
        Figure("safety: tagger version", load_tagger().version),
        *criticality_figures(data.stories, signals),
        *label_figures(data.stories, signals, labels),
    ]
