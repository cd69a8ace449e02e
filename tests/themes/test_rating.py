"""The FFT rating as an input to a comment's sentiment: read from the training file, used by the model only
for comments that have one, passed by the worker from the comment's response."""

from __future__ import annotations

from pathlib import Path

import numpy as np
import pandas as pd
import pytest

from insight_hub.themes.ml import TagInput, load_tagger, train
from insight_hub.themes.ml.data import rows_from_frame
from insight_hub.themes.ml.types import normalise_rating

TRAIN_CSV = Path(__file__).resolve().parents[3] / "shared" / "data" / "px_feedback_train.csv"
# Says what happened, not how it was: the rating tips it.
AMBIGUOUS = "The ambulance came."


@pytest.fixture(scope="module")
def tagger():
    return load_tagger()


def test_ratings_are_the_fft_answers_and_nothing_else():
    assert [normalise_rating(v) for v in (1, "2", 3.0, 6, 7, 0, 2.5, float("nan"), None, "x", True)] == [
        1,
        2,
        3,
        6,
        None,
        None,
        None,
        None,
        None,
        None,
        None,
    ]
    frame = pd.DataFrame({"text": ["a", "b", "c"], "fft_score": [5, 7, None]})
    assert rows_from_frame(frame).ratings == [5, None, None]
    assert rows_from_frame(frame.drop(columns="fft_score")).ratings == [None, None, None]
    assert rows_from_frame(frame).subset([0]).ratings == [5]


def test_the_committed_model_reads_a_comments_rating(tagger):
    assert tagger.nlp.get_pipe("qdc_linear").sentiment.reads_ratings
    [plain, none, very_good, very_poor] = tagger.tag(
        [
            TagInput(AMBIGUOUS, "nonspecific"),
            TagInput(AMBIGUOUS, "nonspecific", rating=None),
            TagInput(AMBIGUOUS, "nonspecific", rating=1),
            TagInput(AMBIGUOUS, "nonspecific", rating=5),
        ]
    )
    assert plain == none
    assert plain.sentiment == very_good.sentiment == "positive"
    assert very_good.sentiment_confidence > plain.sentiment_confidence
    assert very_poor.sentiment == "negative"
    # The rating is the response's, not a sentence's: themes and sentence readings stay the text's.
    for rated in (very_good, very_poor):
        assert rated.themes == plain.themes and rated.sentences == plain.sentences


def test_a_rating_outside_the_fft_answers_or_on_a_story_is_ignored(tagger):
    text = "Thank you to the whole team. The food was cold though and the ward was noisy at night."
    [plain, odd, story, rated_story] = tagger.tag(
        [
            TagInput(text, "nonspecific"),
            TagInput(text, "nonspecific", rating=9),
            TagInput(text, kind="story"),
            TagInput(text, kind="story", rating=5),
        ]
    )
    assert odd == plain
    assert rated_story == story


@pytest.mark.skipif(not TRAIN_CSV.exists(), reason="training data not available")
def test_ratings_add_a_calibrator_and_change_nothing_else(tmp_path: Path) -> None:
    """Trained with and without the file's ratings, every array of the text-only model is the same: text
    without a rating (stories, every sentence) is scored exactly as before."""
    sample = pd.read_csv(TRAIN_CSV).sample(400, random_state=2)
    sample.to_csv(tmp_path / "rated.csv", index=False)
    sample.drop(columns="fft_score").to_csv(tmp_path / "text.csv", index=False)
    train(tmp_path / "rated.csv", tmp_path / "rated", seed=1, cv=0)
    train(tmp_path / "text.csv", tmp_path / "text", seed=1, cv=0)
    with (
        np.load(tmp_path / "rated" / "qdc_linear" / "arrays.npz") as rated,
        np.load(tmp_path / "text" / "qdc_linear" / "arrays.npz") as text,
    ):
        assert set(rated.files) - set(text.files) == {"sent_rated_w", "sent_rated_b"}
        for name in text.files:
            assert np.array_equal(rated[name], text[name]), name
    assert not load_tagger(tmp_path / "text").nlp.get_pipe("qdc_linear").sentiment.reads_ratings
    reloaded = load_tagger(tmp_path / "rated")
    linear = reloaded.nlp.get_pipe("qdc_linear")
    assert linear.sentiment.reads_ratings
    # The themes' word vectors, learnt from the training texts, are saved with the model.
    assert linear.dense is not None and linear.themes.dense_weights.shape == (linear.dense.dimensions, 32)
    [good, poor] = reloaded.tag([TagInput(AMBIGUOUS, rating=1), TagInput(AMBIGUOUS, rating=5)])
    assert good.sentiment_confidence != poor.sentiment_confidence or good.sentiment != poor.sentiment
