"""spaCy pipeline components and the pipeline factory.

Pipeline (``build_pipeline``): blank English tokenizer -> ``newline_sentences`` ->
``sentencizer`` -> ``qdc_linear`` (themes + sentiment, batched) -> ``safety_rules``.
The full ``en_core_web_sm`` pipeline was not used: its tagger/parser cost ~50x the time
and gave no accuracy gain over character n-grams on this data.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Iterator
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import scipy.sparse as sp
import spacy
from spacy.attrs import IS_PUNCT, IS_SPACE, LOWER
from spacy.language import Language
from spacy.tokens import Doc, Span
from spacy.util import minibatch

from . import safety  # noqa: F401  (registers the "safety_rules" factory)
from .dense import DenseWords
from .doctext import doc_text
from .features import Featurizer, SentenceTokens, normalise_question_type
from .heads import SentimentHead, ThemeHead
from .types import normalise_rating

for _name in ("question_type", "rating", "qdc_scores"):
    if not Doc.has_extension(_name):
        Doc.set_extension(_name, default=None)

_ALNUM_RE = re.compile(r"[^\W_]")  # exactly the characters str.isalnum() accepts


@dataclass
class DocScores:
    """Scores for one document and each of its sentences (rows follow ``doc.sents``)."""

    sentences: list[tuple[int, int]]  # (start_char, end_char) of each scored sentence
    theme_margins: np.ndarray  # (n_labels,)
    sentence_theme_margins: np.ndarray  # (n_sentences, n_labels)
    sentiment_proba: np.ndarray  # (3,) from the text alone
    sentence_sentiment_proba: np.ndarray  # (n_sentences, 3)
    # (3,) from the text and the FFT rating (``doc._.rating``), when the doc has one and the model reads them
    rated_sentiment_proba: np.ndarray | None = None


@Language.component("newline_sentences")
def newline_sentences(doc: Doc) -> Doc:
    """Start a sentence after a line break: feedback forms often list points one per line
    with no full stops, which the punctuation-based sentencizer would merge."""
    if "\n" not in doc_text(doc):  # most comments: skip the token loop entirely
        return doc
    after_break = False
    for token in doc:
        if token.is_space:
            after_break = after_break or "\n" in token.text
        else:
            if after_break and token.i > 0:
                token.is_sent_start = True
            after_break = False
    return doc


def scored_sentences(doc: Doc) -> list[Span]:
    """Sentences with at least one letter or digit; these are the rows of ``DocScores``."""
    if len(doc) == 0:
        return []
    text = doc_text(doc)
    return [s for s in doc.sents if _ALNUM_RE.search(text, s.start_char, s.end_char)]


def sentence_tokens(sentences: list[Span]) -> list[SentenceTokens]:
    """(words, tokens) of each sentence, lowercased: tokens without spaces, words without punctuation too.
    Read from one attribute array per doc rather than token by token (a Token object each)."""
    if not sentences:
        return []
    doc = sentences[0].doc
    strings = doc.vocab.strings
    rows = doc.to_array([LOWER, IS_SPACE, IS_PUNCT]).tolist()
    out: list[SentenceTokens] = []
    for sent in sentences:
        words: list[str] = []
        tokens: list[str] = []
        for lower, is_space, is_punct in rows[sent.start : sent.end]:
            if not is_space:
                text = strings[lower]
                tokens.append(text)
                if not is_punct:
                    words.append(text)
        out.append((words, tokens))
    return out


class QdcLinear:
    """Featurises a batch of docs once and scores themes and sentiment for every document
    and sentence with two sparse matrix products. Empty docs get bias-only scores."""

    def __init__(self, name: str) -> None:
        self.name = name
        self.featurizer: Featurizer | None = None
        self.themes: ThemeHead | None = None
        self.sentiment: SentimentHead | None = None
        self.dense: DenseWords | None = None  # word vectors for the theme SVMs (None: sparse features only)

    def __call__(self, doc: Doc) -> Doc:
        return next(self.pipe([doc]))

    def pipe(self, docs: Iterable[Doc], batch_size: int = 256) -> Iterator[Doc]:
        for batch in minibatch(docs, size=batch_size):
            yield from self._score_batch(list(batch))

    @staticmethod
    def sentence_rows(
        docs: list[Doc], sentences: list[list[Span]]
    ) -> tuple[list[tuple[SentenceTokens, str]], list[int]]:
        """(tokens and question type of each sentence row, owning doc of each)."""
        rows: list[tuple[SentenceTokens, str]] = []
        owners: list[int] = []
        for d, (doc, sents) in enumerate(zip(docs, sentences, strict=True)):
            qtype = normalise_question_type(doc._.question_type)
            for sent in sentence_tokens(sents):
                rows.append((sent, qtype))
                owners.append(d)
        return rows, owners

    def dense_matrices(
        self, sentence_rows: tuple[list[tuple[SentenceTokens, str]], list[int]], n_docs: int
    ) -> tuple[np.ndarray | None, np.ndarray | None]:
        """(doc rows, sentence rows) of word-vector features, or (None, None) for a model without them."""
        if self.dense is None:
            return None, None
        rows, owners = sentence_rows
        return self.dense.matrices([words for (words, _), _ in rows], owners, n_docs)

    def doc_matrix(
        self,
        docs: list[Doc],
        sentences: list[list[Span]],
        sentence_rows: tuple[list[tuple[SentenceTokens, str]], list[int]] | None = None,
    ) -> tuple[sp.csr_matrix, sp.csr_matrix, list[int]]:
        """(doc rows, sentence rows, owning doc of each sentence row), TF-IDF weighted."""
        assert self.featurizer is not None, "qdc_linear has not been trained or loaded"
        rows, owners = sentence_rows or self.sentence_rows(docs, sentences)
        counts = self.featurizer.counts(rows)
        to_doc = sp.csr_matrix(
            (np.ones(len(owners), dtype=np.float32), (owners, np.arange(len(owners)))),
            shape=(len(docs), len(owners)),
        )
        doc_counts = (to_doc @ counts).tocsr()
        return self.featurizer.weight(doc_counts), self.featurizer.weight(counts), owners

    def _score_batch(self, docs: list[Doc]) -> list[Doc]:
        assert self.themes is not None and self.sentiment is not None
        sentences = [scored_sentences(doc) for doc in docs]
        rows = self.sentence_rows(docs, sentences)
        x_doc, x_sent, owners = self.doc_matrix(docs, sentences, rows)
        dense_doc, dense_sent = self.dense_matrices(rows, len(docs))
        doc_margins = self.themes.decision(x_doc, dense_doc)
        sent_margins = self.themes.decision(x_sent, dense_sent)
        sentiment_margins = self.sentiment.margins(x_doc)
        doc_proba = self.sentiment.calibrated(sentiment_margins)
        sent_proba = self.sentiment.proba(x_sent)
        rated = self._rated_proba(docs, sentiment_margins)
        bounds = np.searchsorted(owners, np.arange(len(docs) + 1))
        for d, doc in enumerate(docs):
            lo, hi = bounds[d], bounds[d + 1]
            offsets = [(s.start_char, s.end_char) for s in sentences[d]]
            doc._.qdc_scores = DocScores(
                offsets, doc_margins[d], sent_margins[lo:hi], doc_proba[d], sent_proba[lo:hi], rated.get(d)
            )
        return docs

    def _rated_proba(self, docs: list[Doc], margins: np.ndarray) -> dict[int, np.ndarray]:
        """Sentiment from text and rating for the docs that have a rating (none if the model reads none)."""
        assert self.sentiment is not None
        if not self.sentiment.reads_ratings:
            return {}
        ratings = {d: r for d, doc in enumerate(docs) if (r := normalise_rating(doc._.rating)) is not None}
        if not ratings:
            return {}
        rows = list(ratings)
        proba = self.sentiment.rated(margins[rows], np.array(list(ratings.values())))
        return dict(zip(rows, proba, strict=True))

    # -- serialisation (called by nlp.to_disk / spacy.load) ------------------------------
    def to_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> None:
        assert self.featurizer is not None and self.themes is not None and self.sentiment is not None
        path = Path(path)
        path.mkdir(parents=True, exist_ok=True)
        meta = {
            "features": self.featurizer.features,
            "labels": self.themes.labels,
            "sentiments": self.sentiment.classes,
            "dense_words": self.dense.words if self.dense is not None else None,
        }
        (path / "vocab.json").write_text(json.dumps(meta, ensure_ascii=False), encoding="utf-8")
        np.savez_compressed(path / "arrays.npz", **self.arrays())

    def from_disk(self, path: str | Path, *, exclude: Iterable[str] = ()) -> QdcLinear:
        path = Path(path)
        meta = json.loads((path / "vocab.json").read_text(encoding="utf-8"))
        with np.load(path / "arrays.npz") as a:
            arrays = {k: a[k] for k in a.files}
        self.featurizer = Featurizer(meta["features"], arrays["idf"])
        self.themes = ThemeHead(
            meta["labels"],
            arrays["theme_w"].astype(np.float32),
            arrays["theme_b"],
            arrays["theme_thr"],
            arrays["theme_platt"],
            arrays.get("theme_nb_gamma", 0.0),
            arrays["theme_dense_w"].astype(np.float32) if "theme_dense_w" in arrays else None,
            arrays.get("theme_sent_share"),
        )
        self.dense = (
            DenseWords(meta["dense_words"], arrays["dense_vectors"], float(arrays["dense_weight"]))
            if meta.get("dense_words")
            else None
        )
        self.sentiment = SentimentHead(
            meta["sentiments"],
            arrays["sent_w"].astype(np.float32),
            arrays["sent_b"],
            arrays["sent_cw"],
            arrays["sent_cb"],
            arrays.get("sent_rated_w"),
            arrays.get("sent_rated_b"),
        )
        return self

    def arrays(self) -> dict[str, np.ndarray]:
        """Everything numeric, weights stored as float16 to halve the artefact (the change
        in margins is < 1e-3 and is included in every figure we report, which all come
        from the saved model)."""
        assert self.featurizer is not None and self.themes is not None and self.sentiment is not None
        rated = (
            {"sent_rated_w": self.sentiment.rated_weights, "sent_rated_b": self.sentiment.rated_bias}
            if self.sentiment.rated_weights is not None
            else {}
        )
        dense = (
            {
                "dense_vectors": self.dense.vectors.astype(np.float16),
                "dense_weight": np.array(self.dense.weight, dtype=np.float32),
                "theme_dense_w": self.themes.dense_weights.astype(np.float16),
            }
            if self.dense is not None and self.themes.dense_weights is not None
            else {}
        )
        share_array = self.themes.sentiment_share
        share = {"theme_sent_share": share_array} if share_array is not None else {}
        return (
            rated
            | dense
            | share
            | {
                "idf": self.featurizer.idf,
                "theme_w": self.themes.weights.astype(np.float16),
                "theme_b": self.themes.bias,
                "theme_thr": self.themes.thresholds,
                "theme_platt": self.themes.platt,
                "theme_nb_gamma": np.array(self.themes.nb_gamma, dtype=np.float32),
                "sent_w": self.sentiment.weights.astype(np.float16),
                "sent_b": self.sentiment.bias,
                "sent_cw": self.sentiment.calib_weights,
                "sent_cb": self.sentiment.calib_bias,
            }
        )


@Language.factory("qdc_linear")
def make_qdc_linear(nlp: Language, name: str) -> QdcLinear:
    return QdcLinear(name)


def build_pipeline() -> Language:
    """The untrained pipeline; ``qdc_linear`` is filled in by training or ``from_disk``."""
    nlp = spacy.blank("en")
    # "A&E." ends a sentence more often than anything else in NHS feedback, and spaCy's English suffix
    # rules keep "E." whole (as in initials), so the sentence would run on. A suffix rule, not a special
    # case: special cases with punctuation run a matcher over every text and slow tokenising down.
    suffixes = [*nlp.Defaults.suffixes, r"(?<=&[A-Za-z])\."]
    nlp.tokenizer.suffix_search = spacy.util.compile_suffix_regex(suffixes).search
    nlp.add_pipe("newline_sentences")
    nlp.add_pipe("sentencizer")
    nlp.add_pipe("qdc_linear")
    nlp.add_pipe("safety_rules")
    return nlp


def tokenise_only(nlp: Language, texts: Iterable[str]) -> Iterator[Doc]:
    """Run the pipeline only up to sentence segmentation (used when training)."""
    with nlp.select_pipes(enable=["newline_sentences", "sentencizer"]):
        yield from nlp.pipe(texts, batch_size=512)


def load_pipeline(path: str | Path) -> Language:
    return spacy.load(Path(path))
