"""Story-level sentiment: one reading for a long, mixed patient story, with the sentences that carry it.

The comment model scores every sentence (``DocScores.sentence_sentiment_proba``). Averaging those over a
story of 30 sentences calls most thanks "negative", because a story of thanks tells what went wrong before
the help came. So a story is read by a small logistic regression over

* aggregates of the sentence scores (mean, share, max and top-two of the positive and negative
  probabilities, first and last sentence, the whole-text scores), standardised, and
* the story's complaint and praise language counted per sentence (``story_language``: share of complaint
  sentences, contrasts, negated praise, suggestions, questions), standardised, and
* the story's own word 1–2-gram TF-IDF (spaCy tokens of the doc already made, so no second tokeniser),
  L1-normalised so that it weighs the same in a short story as in a long one,

trained on real stories (Care Opinion's signed criticality: < 0 critical, > 0 praise). No feature measures
length: most short Care Opinion stories are thanks, and a model allowed to learn "few sentences" as praise
read short complaints as praise.

Its probability of praise ``p`` is read with two thresholds: ``p ≥ high`` positive, ``p < low`` negative,
and in between "mixed" when the story has strong positive and strong negative sentences, else "neutral".
The thresholds are asymmetric because the costs are: a critical story read as praise hides a concern from
the board, so ``high`` is set (by cross-validation inside the training data, see ``story_training``) where
almost no critical story reaches it, and a story of thanks with a real complaint reads "mixed" rather than
"positive".

Inference is numpy only; ``fit`` (scikit-learn) is used by ``train_story_sentiment``.
"""

from __future__ import annotations

import hashlib
import json
import math
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
from spacy.attrs import IS_PUNCT, IS_SPACE, LOWER
from spacy.tokens import Doc

from .components import DocScores
from .story_language import FEATURES as LANGUAGE_FEATURES
from .story_language import language_features
from .types import SentenceResult

MODEL_FILE = "story_sentiment.json"
ARRAYS_FILE = "arrays.npz"
# Default thresholds on the probability of praise; a trained model carries its own, chosen by
# cross-validation inside its training data (``story_training.choose_thresholds``).
LOW = 0.4
HIGH = 0.7
# A sentence "strongly" carries a sentiment when the comment model gives it this probability.
STRONG = 0.7
# Evidence: at most this many sentences per sentiment shown beside the story's reading.
EVIDENCE_PER_SIDE = 2
# Default inverse regularisation and weight of the standardised features beside the L1-normalised TF-IDF; a
# trained model carries its own, chosen by cross-validation inside its training data.
C = 30.0
AGGREGATE_WEIGHT = 0.1
MIN_DF = 2
# The TF-IDF row of a story is L1-normalised (its weights sum to TFIDF_SCALE), so the words' part of the
# score is a weighted *mean* of the words' coefficients: a story of three sentences and one of thirty are
# on the same footing. With the usual L2 norm that part carries a factor of the square root of the number
# of distinct words, so length itself was a signal. 10 keeps the values near the L2 ones of a median story.
TFIDF_SCALE = 10.0

AGGREGATES = (
    "doc_pos",
    "doc_neg",
    "mean_pos",
    "mean_neg",
    "weighted_pos",
    "weighted_neg",
    "max_pos",
    "max_neg",
    "top2_pos",
    "top2_neg",
    "share_strong_pos",
    "share_strong_neg",
    "first_pos",
    "first_neg",
    "last_pos",
    "last_neg",
    "doc_log_odds",
)
FEATURES = (*AGGREGATES, *LANGUAGE_FEATURES)


def doc_words(doc: Doc) -> list[str]:
    """Lower-cased words of a doc (no spaces, no punctuation), read from one attribute array."""
    if len(doc) == 0:
        return []
    strings = doc.vocab.strings
    return [
        strings[lower]
        for lower, is_space, is_punct in doc.to_array([LOWER, IS_SPACE, IS_PUNCT]).tolist()
        if not is_space and not is_punct
    ]


def ngrams(words: Sequence[str]) -> list[str]:
    return [*words, *(f"{a} {b}" for a, b in zip(words, words[1:], strict=False))]


def aggregates(scores: DocScores) -> np.ndarray:
    """The sentence-score aggregates of one doc, in ``AGGREGATES`` order."""
    proba = scores.sentence_sentiment_proba
    if len(proba) == 0:
        proba = np.array([[0.0, 1.0, 0.0]])
        lengths = np.ones(1)
    else:
        lengths = np.array([max(1, end - start) for start, end in scores.sentences], dtype=np.float64)
    pos, neg = proba[:, 0], proba[:, 2]
    weights = lengths / lengths.sum()
    doc = scores.sentiment_proba

    def top2(x: np.ndarray) -> float:
        return float(np.sort(x)[-2:].mean())

    return np.array(
        [
            doc[0],
            doc[2],
            pos.mean(),
            neg.mean(),
            weights @ pos,
            weights @ neg,
            pos.max(),
            neg.max(),
            top2(pos),
            top2(neg),
            (pos > STRONG).mean(),
            (neg > STRONG).mean(),
            pos[0],
            neg[0],
            pos[-1],
            neg[-1],
            math.log(doc[0] + 1e-4) - math.log(doc[2] + 1e-4),
        ],
        dtype=np.float64,
    )


def features(doc: Doc) -> np.ndarray:
    """The standardisable features of a scored doc, in ``FEATURES`` order."""
    scores: DocScores = doc._.qdc_scores
    return np.concatenate([aggregates(scores), language_features(doc, scores.sentences)])


@dataclass
class StoryReading:
    sentiment: str  # positive / negative / mixed / neutral
    confidence: float  # of the reading: p for positive, 1 - p for negative, distance from both for the rest
    praise_probability: float
    evidence: list[SentenceResult]


@dataclass
class StorySentiment:
    vocabulary: dict[str, int]
    idf: np.ndarray  # (n_terms,)
    mean: np.ndarray  # (n_aggregates,)
    scale: np.ndarray  # (n_aggregates,)
    coef: np.ndarray  # (n_aggregates + n_terms,)
    intercept: float
    low: float = LOW
    high: float = HIGH
    aggregate_weight: float = AGGREGATE_WEIGHT
    version: str = ""
    summary: dict | None = None

    # -- features --------------------------------------------------------------------------
    def tfidf(self, docs_words: Sequence[Sequence[str]]) -> sp.csr_matrix:
        indptr, indices, data = [0], [], []
        for words in docs_words:
            counts = Counter(i for g in ngrams(words) if (i := self.vocabulary.get(g)) is not None)
            ids = np.fromiter(counts.keys(), dtype=np.int64, count=len(counts))
            values = (1.0 + np.log(np.fromiter(counts.values(), dtype=np.float64, count=len(counts)))) * (
                self.idf[ids] if len(ids) else 0.0
            )
            norm = float(values.sum()) / TFIDF_SCALE if len(ids) else 0.0
            indices.extend(ids.tolist())
            data.extend((values / norm if norm else values).tolist())
            indptr.append(len(indices))
        return sp.csr_matrix(
            (np.asarray(data), np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(docs_words), len(self.vocabulary)),
        )

    def matrix(self, aggregate_rows: np.ndarray, docs_words: Sequence[Sequence[str]]) -> sp.csr_matrix:
        standard = (aggregate_rows - self.mean) / self.scale * self.aggregate_weight
        return sp.hstack([sp.csr_matrix(standard), self.tfidf(docs_words)]).tocsr()

    def praise_probability(
        self, aggregate_rows: np.ndarray, docs_words: Sequence[Sequence[str]]
    ) -> np.ndarray:
        z = self.matrix(aggregate_rows, docs_words) @ self.coef + self.intercept
        return 1.0 / (1.0 + np.exp(-np.asarray(z).ravel()))

    # -- reading ---------------------------------------------------------------------------
    def read(self, docs: Sequence[Doc], sentences: Sequence[list[tuple[int, int]]]) -> list[StoryReading]:
        """Readings of scored docs (``doc._.qdc_scores`` set); ``sentences`` are the trimmed offsets of
        each doc's scored sentences, as the tagger reports them."""
        if not docs:
            return []
        rows = np.vstack([features(doc) for doc in docs])
        probabilities = self.praise_probability(rows, [doc_words(doc) for doc in docs])
        return [
            self.reading(float(p), doc._.qdc_scores.sentence_sentiment_proba, offsets)
            for p, doc, offsets in zip(probabilities, docs, sentences, strict=True)
        ]

    def reading(self, p: float, proba: np.ndarray, offsets: list[tuple[int, int]]) -> StoryReading:
        strong_pos = proba[:, 0] > STRONG if len(proba) else np.zeros(0, dtype=bool)
        strong_neg = proba[:, 2] > STRONG if len(proba) else np.zeros(0, dtype=bool)
        if p >= self.high:
            sentiment, confidence = "positive", p
        elif p < self.low:
            sentiment, confidence = "negative", 1.0 - p
        else:
            sentiment = "mixed" if strong_pos.any() and strong_neg.any() else "neutral"
            confidence = min(p - self.low, self.high - p) / (self.high - self.low) * 2
            confidence = 0.5 + 0.5 * confidence
        return StoryReading(
            sentiment, round(confidence, 4), round(p, 4), _evidence(sentiment, proba, offsets)
        )


def _evidence(sentiment: str, proba: np.ndarray, offsets: list[tuple[int, int]]) -> list[SentenceResult]:
    """The sentences that carry the reading: the most positive ones for praise, the most negative for
    criticism, both for a mixed story; in text order."""
    if len(proba) == 0:
        return []
    sides = {"positive": [0], "negative": [2], "mixed": [0, 2], "neutral": []}[sentiment]
    chosen: dict[int, str] = {}
    for column in sides:
        label = "positive" if column == 0 else "negative"
        own = np.flatnonzero(proba.argmax(axis=1) == column)
        for i in own[np.argsort(-proba[own, column])][:EVIDENCE_PER_SIDE]:
            chosen.setdefault(int(i), label)
    return [SentenceResult(*offsets[i], chosen[i]) for i in sorted(chosen)]


# -- saving and loading ------------------------------------------------------------------------
def save(model: StorySentiment, out_dir: Path) -> None:
    out_dir.mkdir(parents=True, exist_ok=True)
    terms = sorted(model.vocabulary, key=model.vocabulary.get)
    meta = {
        "version": model.version,
        "low": model.low,
        "high": model.high,
        "aggregate_weight": model.aggregate_weight,
        "intercept": model.intercept,
        "aggregates": list(FEATURES),
        "terms": terms,
        "summary": model.summary or {},
    }
    (out_dir / MODEL_FILE).write_text(json.dumps(meta, ensure_ascii=False, indent=1), encoding="utf-8")
    np.savez_compressed(
        out_dir / ARRAYS_FILE,
        idf=model.idf.astype(np.float32),
        mean=model.mean,
        scale=model.scale,
        coef=model.coef.astype(np.float32),
    )


def load(path: Path) -> StorySentiment | None:
    """The story model saved in ``path``, or None when there is none (comments-only tagger)."""
    if not (path / MODEL_FILE).is_file():
        return None
    meta = json.loads((path / MODEL_FILE).read_text(encoding="utf-8"))
    if meta.get("aggregates") != list(FEATURES):
        raise ValueError(f"{path}: story model made with other features; retrain it (train_story_sentiment)")
    with np.load(path / ARRAYS_FILE) as arrays:
        return StorySentiment(
            vocabulary={term: i for i, term in enumerate(meta["terms"])},
            idf=arrays["idf"].astype(np.float64),
            mean=arrays["mean"],
            scale=arrays["scale"],
            coef=arrays["coef"].astype(np.float64),
            intercept=float(meta["intercept"]),
            low=float(meta["low"]),
            high=float(meta["high"]),
            aggregate_weight=float(meta["aggregate_weight"]),
            version=meta["version"],
            summary=meta.get("summary") or {},
        )


def text_digest(text: str) -> str:
    """A short digest of a training text, kept in the model's summary so that an evaluation can tell the
    stories the model was trained on (scored only out-of-fold) from unseen ones."""
    return hashlib.sha256(" ".join(text.split()).encode("utf-8")).hexdigest()[:12]


def weights_hash(model: StorySentiment) -> str:
    digest = hashlib.sha256()
    digest.update(json.dumps(sorted(model.vocabulary)).encode())
    for array in (model.idf, model.mean, model.scale, model.coef.astype(np.float32)):
        digest.update(np.ascontiguousarray(array).tobytes())
    digest.update(f"{model.intercept:.6f} {model.low} {model.high} {model.aggregate_weight}".encode())
    return digest.hexdigest()[:8]
