"""Word meaning for emerging-theme discovery: word forms folded to a stem, and word vectors learnt from the
training texts.

Discovery groups words no theme accounts for. Read only from the texts it is run over, "food" and
"meal" join only when the same texts say both; the vectors here add what the whole training corpus says
about each word: words said near the same words (within ``WINDOW`` content words) get close vectors. The
recipe is the classic count-based one: positive pointwise mutual information of co-occurrence counts
(context counts smoothed to the power 0.75), reduced by truncated SVD (scikit-learn) to ``DIMENSIONS``
dimensions, singular values weighted by their square root, rows scaled to unit length.

The committed file (``model/word_vectors.npz``) is learnt from the texts of ``px_feedback_train.csv`` and
``care_opinion_stories_dev.csv`` (both CC BY-NC-SA 4.0, so the file is too: see the model card) by
``manage.py build_word_vectors``; no labels are read, and it is a few hundred kilobytes. Without the file,
discovery still runs on co-occurrence alone.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import scipy.sparse as sp

DEFAULT_PATH = Path(__file__).resolve().parent.parent / "model" / "word_vectors.npz"
WINDOW = 3
DIMENSIONS = 50
MIN_COUNT = 2
_TOKEN = re.compile(r"[A-Za-z][A-Za-z'\u2019-]*[A-Za-z]")
# Longest first: "cleanliness" -> "clean", "phoned" -> "phon", "booking" -> "book".
_SUFFIXES = ("liness", "iness", "ness", "ings", "ing", "ed", "er", "ly")


def normalise_word(word: str) -> str:
    """Lower case, with a plural "s" folded ("meals" -> "meal"); enough to join the forms people write."""
    word = word.lower().replace("\u2019", "'")
    if word.endswith("'s"):
        word = word[:-2]
    if len(word) > 4 and word.endswith("ies"):
        word = word[:-3] + "y"
    elif len(word) > 3 and word.endswith("s") and not word.endswith(("ss", "us", "is")):
        word = word[:-1]
    return word


def stem(word: str) -> str:
    """A crude fold of a normalised word's derived forms onto one stem ("clean", "cleaning", "cleaner",
    "cleanliness" -> "clean"; "phone", "phoned" -> "phon"), leaving at least four letters."""
    for suffix in _SUFFIXES:
        if word.endswith(suffix) and len(word) - len(suffix) >= 4:
            base = word[: -len(suffix)]
            if base[-1] == base[-2] and base[-1] not in "ls":  # "stopped" -> "stop"
                base = base[:-1]
            return base
    if word.endswith("e") and len(word) > 4:
        return word[:-1]
    return word


def corpus_words(text: str, words: Callable[[list[str]], list[str]]) -> list[str]:
    """The stems of a text's content words (``words`` picks and normalises them, as discovery does)."""
    return [stem(w) for w in words(_TOKEN.findall(text or ""))]


@dataclass(frozen=True)
class WordVectors:
    words: list[str]
    vectors: np.ndarray  # (len(words), dimensions), unit rows

    def __post_init__(self) -> None:
        object.__setattr__(self, "_index", {w: i for i, w in enumerate(self.words)})

    def index(self, word: str) -> int | None:
        """The row of a stem (as discovery's words are), or None."""
        return self._index.get(word)  # type: ignore[attr-defined]

    def similarity(self, a: str, b: str) -> float | None:
        """Cosine of two normalised words' vectors (each read as its stem); None if either has none."""
        i, j = self.index(stem(a)), self.index(stem(b))
        return None if i is None or j is None else float(self.vectors[i] @ self.vectors[j])

    def save(self, path: str | Path) -> None:
        np.savez_compressed(path, words=np.array(self.words), vectors=self.vectors.astype(np.float16))


def build(
    sentences: Iterable[list[str]],
    *,
    window: int = WINDOW,
    dimensions: int = DIMENSIONS,
    min_count: int = MIN_COUNT,
    seed: int = 0,
) -> WordVectors:
    """Vectors for words seen ``min_count`` times or more in ``sentences`` (lists of stems)."""
    from sklearn.decomposition import TruncatedSVD  # training only, like the tagger's

    sentences = list(sentences)
    counts = Counter(w for words in sentences for w in words)
    words = sorted(w for w, n in counts.items() if n >= min_count)
    column = {w: i for i, w in enumerate(words)}
    rows, cols = [], []
    for sentence in sentences:
        ids = [column.get(w, -1) for w in sentence]
        for i, a in enumerate(ids):
            if a < 0:
                continue
            for j in range(max(0, i - window), min(len(ids), i + window + 1)):
                if j != i and ids[j] >= 0:
                    rows.append(a)
                    cols.append(ids[j])
    n = len(words)
    if n <= dimensions:
        raise ValueError(f"too few words ({n}) for {dimensions}-dimensional vectors")
    pairs = sp.coo_matrix((np.ones(len(rows)), (rows, cols)), shape=(n, n)).tocsr().tocoo()
    total = pairs.sum()
    word_totals = np.asarray(pairs.sum(axis=1)).ravel()
    context = np.asarray(pairs.sum(axis=0)).ravel() ** 0.75
    context = context / context.sum() * total
    pmi = np.log(pairs.data * total / (word_totals[pairs.row] * context[pairs.col]))
    keep = pmi > 0
    ppmi = sp.csr_matrix((pmi[keep], (pairs.row[keep], pairs.col[keep])), shape=(n, n))
    svd = TruncatedSVD(dimensions, algorithm="arpack", random_state=seed)
    vectors = svd.fit_transform(ppmi) / np.sqrt(np.maximum(svd.singular_values_, 1e-12))
    vectors /= np.linalg.norm(vectors, axis=1, keepdims=True) + 1e-12
    return WordVectors(words, vectors.astype(np.float32))


def load(path: str | Path) -> WordVectors:
    with np.load(path, allow_pickle=False) as data:
        return WordVectors([str(w) for w in data["words"]], data["vectors"].astype(np.float32))


@lru_cache(maxsize=1)
def load_default() -> WordVectors | None:
    return load(DEFAULT_PATH) if DEFAULT_PATH.is_file() else None
