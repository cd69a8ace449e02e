"""Dense word-vector features for the theme SVMs: the mean vector of a text's content words.

The vectors are learnt by ``word_vectors.build`` (PPMI + SVD, no labels) from the training texts of the
same run, so a cross-validation fold's vectors never saw its evaluation texts. They give the linear SVMs a
view of words they never saw with a label ("sandwich" near "food"); the sparse TF-IDF features stay as they
are. The sentiment head does not read them.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field

import numpy as np

from .word_vectors import WordVectors, build, corpus_words, normalise_word, stem

# Weight of the (unit-length) mean vector beside the TF-IDF blocks (each of unit length, or 0.5 for ``q``);
# fixed before it was scored on the bench folds, not tuned on them.
DENSE_WEIGHT = 0.5


@dataclass
class DenseWords:
    words: list[str]
    vectors: np.ndarray  # (len(words), dimensions), unit rows
    weight: float = DENSE_WEIGHT
    _index: dict[str, int] = field(init=False, repr=False)
    _token_rows: dict[str, int] = field(init=False, repr=False)

    def __post_init__(self) -> None:
        self.vectors = self.vectors.astype(np.float32)
        self._index = {w: i for i, w in enumerate(self.words)}
        # lower-cased token -> vector row, -1 for none (cached: vocabularies are Zipfian)
        self._token_rows = {}

    @property
    def dimensions(self) -> int:
        return int(self.vectors.shape[1])

    @classmethod
    def fit(cls, texts: Sequence[str]) -> DenseWords | None:
        """Vectors from ``texts`` alone (their content words, as emerging-theme discovery reads them: no
        stop words); None when they are too few to learn any."""
        from .discovery import content_words  # training only (its stop words come with scikit-learn)

        try:
            vectors: WordVectors = build(corpus_words(text, content_words) for text in texts)
        except ValueError:
            return None
        # Rounded through float16 as saved, so the in-memory model equals the saved one.
        return cls(vectors.words, vectors.vectors.astype(np.float16).astype(np.float32))

    def _row(self, token: str) -> int:
        row = self._token_rows.get(token)
        if row is None:
            # Stop words never got a vector (``fit`` leaves them out), so a lookup is enough to skip them.
            word = normalise_word(token)
            row = self._index.get(stem(word), -1) if len(word) > 2 else -1
            self._token_rows[token] = row
        return row

    def matrices(self, sentences: Sequence[Sequence[str]], owners: Sequence[int], n_docs: int):
        """(doc rows, sentence rows): the weighted unit mean vector of each document's and each sentence's
        content words (zeros when it has none); ``sentences`` are the lower-cased words of each sentence row
        and ``owners`` the document of each."""
        sentence_sums = np.zeros((len(sentences), self.dimensions), dtype=np.float32)
        for i, words in enumerate(sentences):
            rows = [r for r in (self._row(w) for w in words) if r >= 0]
            if rows:
                sentence_sums[i] = self.vectors[rows].sum(axis=0)
        doc_sums = np.zeros((n_docs, self.dimensions), dtype=np.float32)
        np.add.at(doc_sums, np.asarray(owners, dtype=np.int64), sentence_sums)
        return self._unit(doc_sums), self._unit(sentence_sums)

    def _unit(self, sums: np.ndarray) -> np.ndarray:
        norms = np.linalg.norm(sums, axis=1, keepdims=True)
        return (self.weight * sums / np.maximum(norms, 1e-9)).astype(np.float32)
