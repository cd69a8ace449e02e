"""Linear scoring heads: pure numpy at inference time (scikit-learn is only used to fit)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from .types import RATING_LEVELS


def _sigmoid(z: np.ndarray) -> np.ndarray:
    return 1.0 / (1.0 + np.exp(-z))


def _softmax(z: np.ndarray) -> np.ndarray:
    z = z - z.max(axis=1, keepdims=True)
    e = np.exp(z)
    return e / e.sum(axis=1, keepdims=True)


@dataclass
class ThemeHead:
    """One-vs-rest linear SVM margins per label, plus what was learnt by cross-validation
    inside training: a per-label decision threshold and a Platt scaling (``a``, ``b``)
    that turns a margin into a calibrated confidence."""

    labels: list[str]
    weights: np.ndarray  # (n_features, n_labels)
    bias: np.ndarray  # (n_labels,)
    thresholds: np.ndarray  # (n_labels,) in margin space
    platt: np.ndarray  # (n_labels, 2)
    # NB scaling the SVMs were fitted with, per label (or one for all; already folded into ``weights``)
    nb_gamma: float | np.ndarray = 0.0
    # Weights of the dense word-vector features (``dense.DenseWords``), when the model has them: (dims, L)
    dense_weights: np.ndarray | None = None
    # (n_labels, len(SENTIMENTS)): each label's share of training comments of each sentiment class,
    # add-one smoothed (``sentiment_shares``); read by the tagger's fallback. Absent in older models.
    sentiment_share: np.ndarray | None = None

    def decision(self, x: sp.csr_matrix, dense: np.ndarray | None = None) -> np.ndarray:
        margins = np.asarray(x @ self.weights) + self.bias
        if self.dense_weights is not None and dense is not None:
            margins += dense @ self.dense_weights
        return margins

    def confidence(self, margins: np.ndarray, label_index: np.ndarray | int) -> np.ndarray:
        a, b = self.platt[label_index].T
        return _sigmoid(a * margins + b)


@dataclass
class SentimentHead:
    """Three one-vs-rest SVM margins stacked into a multinomial logistic calibrator fitted on
    out-of-fold margins, so the probabilities are honest and the argmax is the prediction.

    A second calibrator (``rated_*``, absent when the training file had no FFT ratings) reads the same
    text margins plus the one-hot FFT rating of the comment's response (``RATING_LEVELS``); it is used
    for a comment that has a rating. The SVMs and the text-only calibrator do not depend on ratings, so
    text without a rating (every sentence, every story) is scored exactly as by a text-only model."""

    classes: list[str]
    weights: np.ndarray  # (n_features, n_classes)
    bias: np.ndarray  # (n_classes,)
    calib_weights: np.ndarray  # (n_classes, n_classes)
    calib_bias: np.ndarray  # (n_classes,)
    rated_weights: np.ndarray | None = None  # (n_classes + len(RATING_LEVELS), n_classes)
    rated_bias: np.ndarray | None = None  # (n_classes,)

    def margins(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.weights) + self.bias

    def calibrated(self, margins: np.ndarray) -> np.ndarray:
        return _softmax(margins @ self.calib_weights + self.calib_bias)

    def proba(self, x: sp.csr_matrix) -> np.ndarray:
        return self.calibrated(self.margins(x))

    @property
    def reads_ratings(self) -> bool:
        return self.rated_weights is not None

    def rated(self, margins: np.ndarray, ratings: np.ndarray) -> np.ndarray:
        """Probabilities for rows of text ``margins`` whose comments have ``ratings`` (each in
        ``RATING_LEVELS``)."""
        assert self.rated_weights is not None and self.rated_bias is not None
        return _softmax(rating_inputs(margins, ratings) @ self.rated_weights + self.rated_bias)


def sentiment_shares(y: np.ndarray, sentiments: list[str | None], classes: tuple[str, ...]) -> np.ndarray:
    """Per label (columns of ``y``), the add-one smoothed share of its comments (with a known sentiment)
    in each class: (count + 1) / (n + len(classes)). A rare label's share stays far from 0 or 1."""
    known = np.array([s is not None for s in sentiments], dtype=bool)
    onehot = np.zeros((len(sentiments), len(classes)), dtype=np.float64)
    for i, s in enumerate(sentiments):
        if s is not None:
            onehot[i, classes.index(s)] = 1.0
    counts = y[known].T.astype(np.float64) @ onehot[known]  # (n_labels, n_classes)
    return ((counts + 1.0) / (counts.sum(axis=1, keepdims=True) + len(classes))).astype(np.float32)


def rating_inputs(margins: np.ndarray, ratings: np.ndarray) -> np.ndarray:
    """The rated calibrator's inputs: text margins beside the one-hot rating."""
    onehot = np.zeros((len(ratings), len(RATING_LEVELS)), dtype=np.float32)
    onehot[np.arange(len(ratings)), np.searchsorted(RATING_LEVELS, ratings)] = 1.0
    return np.hstack([margins, onehot])
