"""Real-text evaluation: story sentiment, read against Care Opinion's signed criticality.

Gold is the sign of the criticality (< 0 critical, > 0 praise, 0 neither); "neutral" and "mixed" readings
count as neither. Polarity F1 is the mean of the F1 for negative and for positive.

Two readings are scored:
* the comment model's (what stories got before the story model: the length-weighted mean of its sentence
  scores), for comparison;
* the story model's. Stories the committed model was trained on are never scored in-sample: if the file holds
  any of them, the figures come from five folds of the file (each fold read by a model fitted on the other
  four, the predictions pooled and scored once), as the committed model was made; on stories it never saw
  (the held-out half, a new export) the committed model reads them as it would in production.
"""

from __future__ import annotations

import numpy as np

from insight_hub.evaluation.figures import Figure, RealText
from insight_hub.themes.ml import TagInput, load_tagger
from insight_hub.themes.ml.story_sentiment import text_digest
from insight_hub.themes.ml.story_training import cross_validate, polarity_scores, scored_docs

TARGETS = {
    "polarity_f1": ("≥ 0.85", lambda v: v >= 0.85),
    "praise_tagged_negative": ("≤ 5%", lambda v: v <= 0.05),
    "critical_tagged_positive": ("≤ 2%", lambda v: v <= 0.02),
}


def _figures(prefix: str, scores: dict, note: str, targets: bool) -> list[Figure]:
    out = []
    for key in (
        "polarity_f1",
        "f1_negative",
        "f1_positive",
        "agreement",
        "praise_tagged_negative",
        "critical_tagged_positive",
        "mixed_or_neutral",
    ):
        target, test = TARGETS.get(key, ("", None)) if targets else ("", None)
        value = float(scores[key])
        out.append(
            Figure(
                name=f"{prefix} {key.replace('_', ' ')}",
                value=round(value, 4),
                target=target,
                met=test(value) if test else None,
                note=note if key == "polarity_f1" else "",
            )
        )
    return out


def evaluate(data: RealText) -> list[Figure]:
    stories = [s for s in data.stories if s.criticality is not None]
    if not stories:
        return [Figure(name="story sentiment", value="no stories with a criticality to score")]
    gold = np.sign(np.array([s.criticality for s in stories]))
    tagger = load_tagger()
    texts = [s.text for s in stories]
    counts = (
        f"{len(stories)} stories: {(gold < 0).sum()} critical, {(gold == 0).sum()} neither, "
        f"{(gold > 0).sum()} praise"
    )
    figures = [Figure(name="stories scored", value=len(stories), note=counts)]

    before = [r.sentiment for r in tagger.tag([TagInput(t, kind="comment") for t in texts])]
    figures += _figures(
        "before (comment model)", polarity_scores(gold, before), "sentence scores averaged", False
    )

    if tagger.story is None:
        return [*figures, Figure(name="story model", value="none loaded")]
    trained_on = set((tagger.story.summary or {}).get("data", {}).get("text_digests", []))
    seen = sum(text_digest(t) in trained_on for t in texts)
    if seen:
        result = cross_validate(scored_docs(tagger, texts), np.array([s.criticality for s in stories]))
        note = f"5-fold out-of-fold ({seen} of these stories are in the committed model's training data)"
    else:
        after = [r.sentiment for r in tagger.tag([TagInput(t, kind="story") for t in texts])]
        result = polarity_scores(gold, after)
        note = f"committed model {tagger.story.version}, none of these stories seen in training"
    figures += _figures("after (story model)", result, note, True)
    return figures
