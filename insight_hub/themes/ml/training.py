"""Seeded, reproducible training of the ``qdc_linear`` component (scikit-learn is needed
here only; inference is numpy)."""

from __future__ import annotations

import hashlib
import json
import warnings
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp
from sklearn.exceptions import ConvergenceWarning
from sklearn.linear_model import LogisticRegression
from sklearn.model_selection import KFold
from sklearn.svm import LinearSVC
from spacy.language import Language

from .components import QdcLinear, build_pipeline, scored_sentences, sentence_tokens, tokenise_only
from .data import Rows, model_labels, read_frame, rows_from_frame
from .dense import DenseWords
from .evaluation import predict_rows, score_labels, score_sentiment
from .features import Featurizer, normalise_question_type
from .heads import SentimentHead, ThemeHead, rating_inputs, sentiment_shares
from .model_card import write_model_card
from .tagger import META_FILE, Tagger
from .types import SENTIMENTS

SVM_C = 0.3  # chosen on the bench folds among 0.2 / 0.3 / 0.5
# NB-SVM feature scaling for the theme SVMs (``nb_scales``); each training run picks one by inner CV.
NB_GAMMAS = (0.5, 0.75)
# A label leaves the run-wide γ only for an out-of-fold F1 gain above this (inner-CV noise guard).
PER_LABEL_MARGIN = 0.005
INNER_FOLDS = 3
THRESHOLD_GRID = np.round(np.arange(-0.4, 0.41, 0.05), 2)
# Tuned thresholds are shrunk halfway to the SVM's own 0: they are fitted on ~3,000
# comments by models trained on 2/3 of the data, so taken at face value they overfit.
THRESHOLD_SHRINK = 0.5
# Labels rarer than this keep the SVM's own margin of 0: a threshold tuned on a handful of
# positives fits noise.
MIN_POSITIVES_FOR_THRESHOLD = 20
# A rated sentiment calibrator is fitted only with at least this many rated comments (all three classes).
MIN_RATED_ROWS = 100
NEVER = -10.0  # bias for labels absent from the training data
DATA_LICENCE = "CC BY-NC-SA 4.0"


# -- fitting ---------------------------------------------------------------------------
def _soft_balance(y: np.ndarray) -> dict[bool, float]:
    """Square root of scikit-learn's "balanced" weights: full balancing over-predicts the
    rare labels (good for macro, bad for micro); the square root kept most of the macro
    gain at better micro-F1 on the bench folds."""
    positive = float(y.mean())
    return {True: (0.5 / positive) ** 0.5, False: (0.5 / (1 - positive)) ** 0.5}


def nb_scales(x: sp.csr_matrix, y: np.ndarray, gamma: float | np.ndarray) -> np.ndarray:
    """Per-label feature scales (F, L) of NB-SVM (Wang & Manning 2012): ``|r| ** gamma`` with ``r`` the
    log-ratio of a feature's smoothed document frequency among a label's positives and among its negatives.
    Features that tell the label apart cost less to use, so the SVM leans on them. ``gamma`` 0 is the plain
    SVM; 1 is NB-SVM's scaling, which over-trusts features seen in a handful of comments."""
    present = x.copy()
    present.data[:] = 1.0
    yf = sp.csr_matrix(y.astype(np.float32))
    positive = np.asarray((yf.T @ present).todense()).T + 1.0  # (F, L)
    negative = np.asarray(present.sum(axis=0)).reshape(-1, 1) + 2.0 - positive
    ratio = np.log(positive / positive.sum(axis=0)) - np.log(negative / negative.sum(axis=0))
    return (np.abs(ratio) ** gamma).astype(np.float32)


def _fit_margins(
    x: sp.csr_matrix, y: np.ndarray, seed: int, nb_gamma: float | np.ndarray = 0.0, n_dense: int = 0
) -> tuple[np.ndarray, np.ndarray]:
    """Class-weighted one-vs-rest linear SVMs: (weights (F, L), bias (L,)). With ``nb_gamma`` > 0 each
    label's SVM is fitted on NB-scaled features (``nb_scales``) and the scale is folded into its weights,
    so tagging costs the same. The last ``n_dense`` columns (word-vector features, present in nearly every
    comment, so their NB ratio says nothing) are not scaled. Weights are rounded through float16 so the
    in-memory model equals the saved one."""
    weights = np.zeros((x.shape[1], y.shape[1]), dtype=np.float32)
    bias = np.full(y.shape[1], NEVER, dtype=np.float32)
    scales = nb_scales(x, y, nb_gamma) if np.any(nb_gamma) else None
    if scales is not None and n_dense:
        scales[-n_dense:] = 1.0
    for j in range(y.shape[1]):
        if y[:, j].any() and not y[:, j].all():
            svm = LinearSVC(C=SVM_C, class_weight=_soft_balance(y[:, j]), random_state=seed, max_iter=5000)
            xj = x if scales is None else x @ sp.diags(scales[:, j])
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConvergenceWarning)
                svm.fit(xj, y[:, j])
            weights[:, j] = svm.coef_[0] if scales is None else svm.coef_[0] * scales[:, j]
            bias[j] = svm.intercept_[0]
    return weights.astype(np.float16).astype(np.float32), bias


def _out_of_fold(
    x: sp.csr_matrix, y: np.ndarray, seed: int, nb_gamma: float | np.ndarray = 0.0, n_dense: int = 0
) -> np.ndarray:
    margins = np.zeros(y.shape, dtype=np.float32)
    for train, test in KFold(INNER_FOLDS, shuffle=True, random_state=seed).split(y):
        w, b = _fit_margins(x[train], y[train], seed, nb_gamma, n_dense)
        margins[test] = np.asarray(x[test] @ w) + b
    return margins


def _predict(margins: np.ndarray, thresholds: np.ndarray) -> np.ndarray:
    chosen = margins > thresholds
    empty = ~chosen.any(axis=1)
    chosen[empty, margins[empty].argmax(axis=1)] = True
    return chosen


def _micro_f1(y: np.ndarray, predicted: np.ndarray) -> float:
    tp = np.logical_and(y, predicted).sum()
    return 2 * tp / (y.sum() + predicted.sum())


def tune_thresholds(margins: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Per-label thresholds maximising micro-F1 (with the top-1 fallback) on out-of-fold
    margins, by two rounds of coordinate ascent over a fixed grid."""
    thresholds = np.zeros(y.shape[1], dtype=np.float32)
    tunable = np.flatnonzero(y.sum(axis=0) >= MIN_POSITIVES_FOR_THRESHOLD)
    for _ in range(2):
        for j in tunable:
            best_t, best_f = thresholds[j], -1.0
            for t in THRESHOLD_GRID:
                thresholds[j] = t
                f = _micro_f1(y, _predict(margins, thresholds))
                if f > best_f + 1e-9:
                    best_t, best_f = t, f
            thresholds[j] = best_t
    return thresholds * THRESHOLD_SHRINK


def _platt(margins: np.ndarray, y: np.ndarray) -> np.ndarray:
    params = np.tile(np.array([0.0, NEVER], dtype=np.float32), (y.shape[1], 1))
    for j in range(y.shape[1]):
        if y[:, j].any() and not y[:, j].all():
            lr = LogisticRegression(C=100.0).fit(margins[:, [j]], y[:, j])
            params[j] = (lr.coef_[0, 0], lr.intercept_[0])
    return params


def _best_label_f1(margins: np.ndarray, y: np.ndarray) -> float:
    """A label's best F1 over ``THRESHOLD_GRID`` on its out-of-fold margins (without the top-1 fallback)."""
    best = 0.0
    for t in THRESHOLD_GRID:
        predicted = margins > t
        tp = np.logical_and(y, predicted).sum()
        best = max(best, 2 * tp / max(int(y.sum() + predicted.sum()), 1))
    return float(best)


def fit_theme_head(x: sp.csr_matrix, y: np.ndarray, seed: int, dense: np.ndarray | None = None) -> ThemeHead:
    """The NB scaling is chosen per label among ``NB_GAMMAS`` by the same inner cross-validation that tunes
    the thresholds: the run-wide best (out-of-fold micro-F1 with its own tuned thresholds) for every label,
    except that a label with enough positives to tune a threshold takes the γ whose out-of-fold margins give
    it a clearly better F1 of its own (by more than ``PER_LABEL_MARGIN``). Thresholds are then re-tuned on
    the out-of-fold margins of the chosen mix. ``dense`` (word-vector features, one row per comment) are
    fitted beside the sparse features, unscaled."""
    n_dense = 0 if dense is None else dense.shape[1]
    if dense is not None:
        x = sp.hstack([x, sp.csr_matrix(dense)], format="csr")
    oofs, scores = [], []
    for gamma in NB_GAMMAS:
        oof = _out_of_fold(x, y, seed, gamma, n_dense)
        oofs.append(oof)
        scores.append(float(_micro_f1(y, _predict(oof, tune_thresholds(oof, y)))))
    overall = int(np.argmax(scores))
    choice = np.full(y.shape[1], overall)
    for j in np.flatnonzero(y.sum(axis=0) >= MIN_POSITIVES_FOR_THRESHOLD):
        f1 = [_best_label_f1(oof[:, j], y[:, j]) for oof in oofs]
        best = int(np.argmax(f1))
        if f1[best] > f1[overall] + PER_LABEL_MARGIN:
            choice[j] = best
    gammas = np.asarray(NB_GAMMAS, dtype=np.float32)[choice]
    oof = np.stack([oofs[c][:, j] for j, c in enumerate(choice)], axis=1)
    thresholds = tune_thresholds(oof, y)
    weights, bias = _fit_margins(x, y, seed, gammas, n_dense)
    n_sparse = weights.shape[0] - n_dense
    return ThemeHead(
        list(model_labels()),
        weights[:n_sparse],
        bias,
        thresholds,
        _platt(oof, y),
        nb_gamma=gammas,
        dense_weights=weights[n_sparse:] if n_dense else None,
    )


def _calibrator(inputs: np.ndarray, target: np.ndarray, max_iter: int = 100) -> tuple[np.ndarray, np.ndarray]:
    """Multinomial logistic regression (C 1) as (weights (inputs, classes), bias (classes,)); a class absent
    from ``target`` keeps weight 0 and bias 0."""
    calibrator = LogisticRegression(C=1.0, max_iter=max_iter).fit(inputs, target)
    weights = np.zeros((inputs.shape[1], len(SENTIMENTS)), dtype=np.float32)
    bias = np.zeros(len(SENTIMENTS), dtype=np.float32)
    weights[:, calibrator.classes_] = calibrator.coef_.T
    bias[calibrator.classes_] = calibrator.intercept_
    return weights, bias


def fit_sentiment_head(
    x: sp.csr_matrix, sentiments: list[str | None], seed: int, ratings: list[int | None] | None = None
) -> SentimentHead:
    """SVMs and the text-only calibrator from the text alone; with ``ratings``, a second calibrator on the
    same out-of-fold text margins plus the one-hot FFT rating, fitted on the rows that have one (its inputs
    were fixed before it was scored on the bench folds: no choice is made on them)."""
    known = np.array([s is not None for s in sentiments])
    x = x[known]
    target = np.array([SENTIMENTS.index(s) for s in sentiments if s is not None])
    onehot = np.eye(len(SENTIMENTS), dtype=bool)[target]
    oof = _out_of_fold(x, onehot, seed)
    calib_weights, calib_bias = _calibrator(oof, target)
    weights, bias = _fit_margins(x, onehot, seed)
    head = SentimentHead(list(SENTIMENTS), weights, bias, calib_weights, calib_bias)
    all_ratings = ratings or [None] * len(sentiments)
    known_ratings = [r for r, s in zip(all_ratings, sentiments, strict=True) if s is not None]
    rated = np.array([r is not None for r in known_ratings], dtype=bool)
    if rated.sum() >= MIN_RATED_ROWS and len(np.unique(target[rated])) == len(SENTIMENTS):
        inputs = rating_inputs(oof[rated], np.array([r for r in known_ratings if r is not None]))
        head.rated_weights, head.rated_bias = _calibrator(inputs, target[rated], max_iter=1000)
    return head


def label_matrix(labels: list[list[str]]) -> np.ndarray:
    index = {label: j for j, label in enumerate(model_labels())}
    y = np.zeros((len(labels), len(index)), dtype=bool)
    for i, row in enumerate(labels):
        for label in row:
            if label in index:
                y[i, index[label]] = True
    return y


def fit_pipeline(rows: Rows, *, seed: int = 0) -> Language:
    """A trained pipeline (not yet saved)."""
    nlp = build_pipeline()
    docs = list(tokenise_only(nlp, rows.texts))
    for doc, qtype in zip(docs, rows.question_types, strict=True):
        doc._.question_type = qtype
    linear: QdcLinear = nlp.get_pipe("qdc_linear")
    sentences = [scored_sentences(doc) for doc in docs]
    linear.featurizer = Featurizer.fit(
        (sentence_tokens(sents), normalise_question_type(doc._.question_type))
        for doc, sents in zip(docs, sentences, strict=True)
    )
    sentence_rows = linear.sentence_rows(docs, sentences)
    x, _, _ = linear.doc_matrix(docs, sentences, sentence_rows)
    linear.dense = DenseWords.fit(rows.texts)
    dense, _ = linear.dense_matrices(sentence_rows, len(docs))
    y = label_matrix(rows.labels)
    linear.themes = fit_theme_head(x, y, seed, dense)
    linear.themes.sentiment_share = sentiment_shares(y, rows.sentiments, SENTIMENTS)
    linear.sentiment = fit_sentiment_head(x, rows.sentiments, seed, rows.ratings)
    return nlp


# -- cross-validation, saving, model card ------------------------------------------------
def cv_folds(n_rows: int, k: int = 5, seed: int = 0) -> list[tuple[np.ndarray, np.ndarray]]:
    """The outer folds shared by ``train`` and ``bench/tagger.py`` (and the peer model)."""
    return list(KFold(k, shuffle=True, random_state=seed).split(np.arange(n_rows)))


def cross_validate(rows: Rows, *, k: int = 5, seed: int = 0) -> dict[str, Any]:
    """Pooled out-of-fold scores: each fold's model (with its own inner CV for thresholds)
    never sees its evaluation fold. With FFT ratings in the file, sentiment is also scored with the ratings
    hidden (``sentiment_accuracy_text_only``): what a comment without a rating gets."""
    labels: list[list[str]] = [[] for _ in range(len(rows))]
    sentiments: list[str] = [""] * len(rows)
    text_only: list[str] = [""] * len(rows)
    gammas: list[dict[str, int]] = []
    for train_index, test_index in cv_folds(len(rows), k, seed):
        tagger = Tagger(fit_pipeline(rows.subset(train_index), seed=seed), version="cv")
        gammas.append(gamma_counts(tagger.nlp.get_pipe("qdc_linear").themes.nb_gamma))
        test_rows = rows.subset(test_index)
        fold_labels, fold_sentiments, _ = predict_rows(tagger, test_rows)
        for i, lab, sen in zip(test_index, fold_labels, fold_sentiments, strict=True):
            labels[i], sentiments[i] = lab, sen
        if rows.has_ratings:
            _, fold_text_only, _ = predict_rows(tagger, test_rows.without_ratings())
            for i, sen in zip(test_index, fold_text_only, strict=True):
                text_only[i] = sen
    scores = (
        {"folds": k, "seed": seed, "nb_gamma_by_fold": gammas}
        | score_labels(rows.labels, labels)
        | score_sentiment(rows.sentiments, sentiments)
    )
    if rows.has_ratings:
        scores["rated_rows"] = sum(r is not None for r in rows.ratings)
        text_only_scores = score_sentiment(rows.sentiments, text_only)
        scores["sentiment_accuracy_text_only"] = text_only_scores["sentiment_accuracy"]
    return scores


def gamma_counts(nb_gamma: float | np.ndarray) -> dict[str, int]:
    """How many labels' SVMs were fitted with each NB scaling γ, e.g. ``{"0.5": 20, "0.75": 12}``."""
    values, counts = np.unique(
        np.broadcast_to(np.asarray(nb_gamma), (len(model_labels()),)), return_counts=True
    )
    return {f"{v:g}": int(c) for v, c in zip(values, counts, strict=True)}


def weights_hash(linear: QdcLinear) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(linear.featurizer.features).encode())
    for name, array in sorted(linear.arrays().items()):
        digest.update(name.encode())
        digest.update(np.ascontiguousarray(array).tobytes())
    return digest.hexdigest()[:8]


def train(
    csv_path: str | Path,
    out_dir: str | Path,
    *,
    seed: int = 0,
    extra_rows: list[dict[str, Any]] | None = None,
    cv: int = 5,
) -> dict[str, Any]:
    """Train on the CSV (+ corrections), save the pipeline and ``MODEL_CARD.md`` in
    ``out_dir`` and return the summary written to ``tagger.json``. ``cv=0`` skips the
    cross-validated scores (fast, for tests)."""
    rows = rows_from_frame(read_frame(csv_path, extra_rows))
    nlp = fit_pipeline(rows, seed=seed)
    trained_on = datetime.now(UTC)
    version = f"qdc7-{trained_on:%Y.%m.%d}-{weights_hash(nlp.get_pipe('qdc_linear'))}"
    out = Path(out_dir)
    out.mkdir(parents=True, exist_ok=True)
    nlp.meta.update({"name": "insight_hub_tagger", "version": "1.0.0", "license": DATA_LICENCE})
    nlp.to_disk(out)
    summary: dict[str, Any] = {
        "version": version,
        "trained_at": trained_on.isoformat(timespec="seconds"),
        "seed": seed,
        "theme_nb_gamma": gamma_counts(nlp.get_pipe("qdc_linear").themes.nb_gamma),
        "data": {"file": Path(csv_path).name, "rows": len(rows), "corrections": len(extra_rows or [])},
        "label_counts": {
            label: int(n) for label, n in zip(model_labels(), label_matrix(rows.labels).sum(0), strict=True)
        },
        "sentiment_counts": {s: sum(x == s for x in rows.sentiments) for s in SENTIMENTS},
        "dense_words": len(linear.dense.words) if (linear := nlp.get_pipe("qdc_linear")).dense else 0,
        "rated_rows": (
            sum(r is not None and s is not None for r, s in zip(rows.ratings, rows.sentiments, strict=True))
            if nlp.get_pipe("qdc_linear").sentiment.reads_ratings
            else 0
        ),
    }
    if cv:
        scores = cross_validate(rows, k=cv, seed=seed)
        summary["cross_validation"] = {k: v for k, v in scores.items() if k != "per_label"}
        summary["cross_validation"]["per_label_f1"] = {
            k: round(v["f1"], 4) for k, v in scores["per_label"].items()
        }
    (out / META_FILE).write_text(json.dumps(summary, indent=2, ensure_ascii=False), encoding="utf-8")
    write_model_card(out, summary)
    return summary
