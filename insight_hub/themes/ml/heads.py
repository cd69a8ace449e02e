"""Linear scoring heads: pure numpy at inference time (scikit-learn is only used to fit)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp


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

    def decision(self, x: sp.csr_matrix) -> np.ndarray:
        return np.asarray(x @ self.weights) + self.bias

    def confidence(self, margins: np.ndarray, label_index: np.ndarray | int) -> np.ndarray:
        a, b = self.platt[label_index].T
        return _sigmoid(a * margins + b)


@dataclass
class SentimentHead:
    """Three one-vs-rest SVM margins stacked into a multinomial logistic calibrator fitted on
    out-of-fold margins, so the probabilities are honest and the argmax is the prediction."""

    classes: list[str]
    weights: np.ndarray  # (n_features, n_classes)
    bias: np.ndarray  # (n_classes,)
    calib_weights: np.ndarray  # (n_classes, n_classes)
    calib_bias: np.ndarray  # (n_classes,)

    def proba(self, x: sp.csr_matrix) -> np.ndarray:
        margins = np.asarray(x @ self.weights) + self.bias
        return _softmax(margins @ self.calib_weights + self.calib_bias)
