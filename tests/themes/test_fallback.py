"""The tagger's fallback when no theme passes its threshold (``tagger.fallback_label``)."""

from __future__ import annotations

import numpy as np
import pytest

from insight_hub.themes.ml import TagInput, load_tagger
from insight_hub.themes.ml.heads import sentiment_shares
from insight_hub.themes.ml.tagger import FALLBACK_MIN_SHARE, fallback_label
from insight_hub.themes.ml.types import SENTIMENTS

THANKS = "Positive experience & gratitude"

# Three labels: 0 a broad praise label (high threshold, nearly never negative), 1 and 2 topical ones.
THRESHOLDS = np.array([0.12, -0.40, -0.20])
SHARE = np.array(
    [
        [0.95, 0.04, 0.01],  # positive, neutral, negative
        [0.30, 0.20, 0.50],
        [0.60, 0.10, 0.30],
    ]
)


def test_fallback_ranks_by_distance_from_each_threshold_not_raw_margin() -> None:
    margins = np.array([-0.31, -0.50, -0.45])  # raw argmax is label 0, 0.43 below its threshold
    assert int(np.argmax(margins)) == 0
    assert fallback_label(margins, THRESHOLDS, None, None) == 1  # 0.10 below its own threshold


def test_fallback_skips_a_label_the_comments_sentiment_contradicts() -> None:
    margins = np.array([0.05, -0.70, -0.30])  # 0.07, 0.30 and 0.10 below their thresholds
    assert fallback_label(margins, THRESHOLDS, SHARE, "positive") == 0
    assert fallback_label(margins, THRESHOLDS, SHARE, "negative") == 2  # praise is no fallback for criticism
    # Below the share cut-off for neutral too (0.04 < 0.05); an unknown reading filters nothing.
    assert fallback_label(margins, THRESHOLDS, SHARE, "neutral") == 2
    assert fallback_label(margins, THRESHOLDS, SHARE, None) == 0
    assert fallback_label(margins, THRESHOLDS, SHARE, "negative", min_share=0.0) == 0


def test_fallback_leaves_a_comment_unassigned_when_every_label_is_contradicted() -> None:
    share = np.array([[0.98, 0.01, 0.01]] * 3)
    assert fallback_label(np.array([-0.2, -0.9, -0.9]), THRESHOLDS, share, "negative") is None
    assert fallback_label(np.array([-0.2, -0.9, -0.9]), THRESHOLDS, share, "positive") == 0


def test_sentiment_shares_are_add_one_smoothed_per_label() -> None:
    y = np.array([[1, 0, 0], [1, 0, 0], [1, 1, 0], [0, 1, 0]], dtype=bool)
    sentiments = ["positive", "positive", None, "negative"]
    share = sentiment_shares(y, sentiments, SENTIMENTS)
    np.testing.assert_allclose(share[0], [3 / 5, 1 / 5, 1 / 5])  # two positives known, the None not counted
    np.testing.assert_allclose(share[1], [1 / 4, 1 / 4, 2 / 4])
    np.testing.assert_allclose(share[2], [1 / 3] * 3)  # a label never seen: no polarity to contradict
    np.testing.assert_allclose(share.sum(axis=1), 1.0, rtol=1e-6)


@pytest.fixture(scope="module")
def tagger():
    return load_tagger()


def test_committed_model_stores_each_labels_sentiment_share(tagger) -> None:
    share = tagger._themes_head.sentiment_share
    assert share is not None and share.shape == (len(tagger.labels), len(SENTIMENTS))
    thanks = tagger.labels.index(THANKS)
    assert share[thanks, SENTIMENTS.index("negative")] < FALLBACK_MIN_SHARE


@pytest.mark.parametrize(
    "text",
    [
        "Staff did not wash their hands before examining me.",
        "I wasn't offered an interpreter even though I asked for one.",
        "No one checked whether I had eaten, my tray was taken away full.",
    ],
)
def test_criticism_below_every_threshold_is_not_tagged_as_thanks(tagger, text: str) -> None:
    result = tagger.tag([TagInput(text, "nonspecific")])[0]
    assert result.sentiment == "negative"
    assert THANKS not in [t.label for t in result.themes]
