"""Sparse TF-IDF features over spaCy tokens.

Four blocks, each L2-normalised on its own so no block drowns the others:

* ``w`` – lower-cased word 1–2-grams (bigrams never cross a sentence boundary);
* ``c`` – character 2–5-grams of each token padded with spaces (robust to the misspellings
  and run-together words common in free-text feedback; this block gave the biggest gain
  over the word-only peer model);
* ``q`` – words conjoined with the question type, because "Nothing" answers
  "what could we improve?" very differently from "what was good?";
* ``t`` – the question type itself (one-hot).

Counts are built per sentence; a document's counts are the sum of its sentences' counts,
so the same code yields both whole-comment and per-sentence vectors.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence

import numpy as np
import scipy.sparse as sp

BLOCKS: tuple[str, ...] = ("w", "c", "q", "t")
# Down-weight the conjoined block: it is a refinement of ``w``, not a second copy of it.
BLOCK_WEIGHTS: dict[str, float] = {"w": 1.0, "c": 1.0, "q": 0.5, "t": 1.0}
CHAR_NGRAMS = (2, 5)
UNKNOWN_QUESTION_TYPE = "nonspecific"

# A sentence as the featuriser sees it: (word tokens, all non-space tokens), lower-cased.
SentenceTokens = tuple[Sequence[str], Sequence[str]]


def char_ngrams(token: str) -> list[str]:
    padded = f" {token} "
    lo, hi = CHAR_NGRAMS
    return [padded[i : i + n] for n in range(lo, hi + 1) for i in range(len(padded) - n + 1)]


def sentence_feature_strings(words: Sequence[str], tokens: Sequence[str], question_type: str) -> list[str]:
    """All feature strings (with repeats) for one sentence; used to build the vocabulary."""
    feats = [f"w:{w}" for w in words]
    feats += [f"w:{a} {b}" for a, b in zip(words, words[1:], strict=False)]
    feats += [f"c:{g}" for tok in tokens for g in char_ngrams(tok)]
    feats += [f"q:{question_type}|{w}" for w in words]
    return feats


class Featurizer:
    """Maps sentences to sparse count rows and count rows to weighted TF-IDF rows."""

    def __init__(self, features: list[str], idf: np.ndarray) -> None:
        self.features = features
        self.index = {f: i for i, f in enumerate(features)}
        self.idf = idf.astype(np.float32)
        block_ids = {b: k for k, b in enumerate(BLOCKS)}
        self.block_of = np.array([block_ids[f[0]] for f in features], dtype=np.int64)
        self.block_weight = np.array([BLOCK_WEIGHTS[b] for b in BLOCKS], dtype=np.float32)
        # Token -> feature ids that depend only on the token; vocabularies are Zipfian so
        # this cache turns most of the work into one dict lookup per token.
        self._token_cache: dict[str, list[int]] = {}

    @property
    def n_features(self) -> int:
        return len(self.features)

    # -- fitting -----------------------------------------------------------------------
    @classmethod
    def fit(cls, docs: Iterable[tuple[list[SentenceTokens], str]], *, min_df: int = 1) -> Featurizer:
        """Vocabulary = features seen in at least ``min_df`` documents; smooth IDF as in
        scikit-learn (``log((1+n)/(1+df)) + 1``)."""
        df: dict[str, int] = {}
        n_docs = 0
        for sentences, qtype in docs:
            n_docs += 1
            seen = {f for words, toks in sentences for f in sentence_feature_strings(words, toks, qtype)}
            for f in seen:
                df[f] = df.get(f, 0) + 1
        features = sorted(f for f, n in df.items() if n >= min_df)
        features += [f"t:{q}" for q in ("could_improve", "nonspecific", "what_good")]
        idf = np.array(
            [1.0 if f.startswith("t:") else math.log((1 + n_docs) / (1 + df[f])) + 1.0 for f in features]
        )
        return cls(features, idf)

    # -- transforming ------------------------------------------------------------------
    def _token_ids(self, token: str, is_word: bool) -> list[int]:
        key = token if is_word else "\x00" + token
        ids = self._token_cache.get(key)
        if ids is None:
            index = self.index
            grams = [f"c:{g}" for g in char_ngrams(token)]
            if is_word:
                grams.append(f"w:{token}")
            ids = [index[g] for g in grams if g in index]
            self._token_cache[key] = ids
        return ids

    def sentence_ids(self, words: Sequence[str], tokens: Sequence[str], question_type: str) -> list[int]:
        index = self.index
        word_set = set(words)
        ids: list[int] = []
        for tok in tokens:
            ids.extend(self._token_ids(tok, tok in word_set))
        for a, b in zip(words, words[1:], strict=False):
            i = index.get(f"w:{a} {b}")
            if i is not None:
                ids.append(i)
        for w in words:
            i = index.get(f"q:{question_type}|{w}")
            if i is not None:
                ids.append(i)
        # One-hot question type; after sublinear TF and block normalisation it is exactly 1.
        ids.append(index[f"t:{question_type}"])
        return ids

    def counts(self, sentences: Sequence[tuple[SentenceTokens, str]]) -> sp.csr_matrix:
        """Raw count matrix, one row per (sentence tokens, question type)."""
        indptr = [0]
        indices: list[int] = []
        for (words, toks), qtype in sentences:
            indices.extend(self.sentence_ids(words, toks, qtype))
            indptr.append(len(indices))
        data = np.ones(len(indices), dtype=np.float32)
        m = sp.csr_matrix(
            (data, np.asarray(indices, dtype=np.int64), np.asarray(indptr, dtype=np.int64)),
            shape=(len(sentences), self.n_features),
        )
        m.sum_duplicates()
        return m

    def weight(self, counts: sp.csr_matrix) -> sp.csr_matrix:
        """Sublinear TF x IDF, then per-block L2 normalisation and block weights."""
        x = counts.astype(np.float32, copy=True)
        x.data = (1.0 + np.log(x.data)) * self.idf[x.indices]
        n_blocks = len(BLOCKS)
        rows = np.repeat(np.arange(x.shape[0]), np.diff(x.indptr))
        cell = rows * n_blocks + self.block_of[x.indices]
        sq = np.bincount(cell, weights=x.data.astype(np.float64) ** 2, minlength=x.shape[0] * n_blocks)
        norms = np.sqrt(sq).astype(np.float32)
        x.data *= self.block_weight[self.block_of[x.indices]] / norms[cell]
        return x


def normalise_question_type(question_type: str | None) -> str:
    return (
        question_type
        if question_type in ("what_good", "could_improve", "nonspecific")
        else UNKNOWN_QUESTION_TYPE
    )
