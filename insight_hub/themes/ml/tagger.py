"""The ``Tagger``: turns spaCy docs scored by the pipeline into ``TagResult`` values."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import replace
from functools import lru_cache
from pathlib import Path

import numpy as np
from spacy.language import Language
from spacy.tokens import Doc

from . import story_sentiment
from .components import DocScores, load_pipeline
from .doctext import doc_text
from .rules import BUILTIN_RULES, RULES_VERSION, ThemeRules
from .safety import SAFETY_SPAN_KEY
from .types import (
    SENTIMENTS,
    LocalTheme,
    SafetySignal,
    SentenceResult,
    TagInput,
    TagResult,
    ThemeTag,
)

DEFAULT_MODEL_DIR = Path(__file__).resolve().parent.parent / "model"
META_FILE = "tagger.json"
STORY_DIR = "story_sentiment"
NOT_POSSIBLE = "Labelling not possible"
# Beyond this length (roughly a long FFT comment) a text is a story: it is classified
# sentence by sentence, because one TF-IDF vector over 20,000 characters dilutes every theme.
LONG_TEXT_CHARS = 1500
BATCH_SIZE = 256
# The fallback (no theme passes its threshold) skips a label when, among its training comments, the
# comment's own sentiment reading has a share below this: "Positive experience & gratitude" (≈1% of its
# comments negative) is no fallback for a complaint. Fixed a priori ("nearly never"), not tuned.
FALLBACK_MIN_SHARE = 0.05


def fallback_label(
    margins: np.ndarray,
    thresholds: np.ndarray,
    sentiment_share: np.ndarray | None,
    sentiment: str | None,
    min_share: float = FALLBACK_MIN_SHARE,
) -> int | None:
    """The label to give a comment none of whose labels passes its threshold, or None (unassigned).

    Candidates are ranked by how far each margin is from its own label's threshold, not by the raw
    margin: a label with a high threshold (a frequent, broad one) would otherwise win every near-miss.
    A label whose training comments nearly never carry the comment's sentiment (share < ``min_share``,
    from ``ThemeHead.sentiment_share``) is not a candidate; when every label is excluded the comment
    stays unassigned (discovery picks those up)."""
    gap = np.asarray(margins, dtype=np.float64) - thresholds
    if sentiment_share is not None and sentiment in SENTIMENTS:
        allowed = sentiment_share[:, SENTIMENTS.index(sentiment)] >= min_share
        gap = np.where(allowed, gap, -np.inf)
    j = int(np.argmax(gap))
    return j if np.isfinite(gap[j]) else None


def _trimmed(text: str, start: int, end: int) -> tuple[int, int]:
    """Offsets with surrounding whitespace (e.g. a trailing line break) removed."""
    piece = text[start:end]
    left = len(piece) - len(piece.lstrip())
    right = len(piece.rstrip())
    return start + left, start + max(right, left)


class Tagger:
    """Thread-safe for concurrent ``tag`` calls; local themes are swapped atomically."""

    def __init__(
        self,
        nlp: Language,
        version: str,
        local_themes: Sequence[LocalTheme] = (),
        story: story_sentiment.StorySentiment | None = None,
    ) -> None:
        self.nlp = nlp
        self.comment_version = version
        self.story = story
        # Stored with every tag: a new story model re-tags like a new comment model does.
        self.version = f"{version}+{story.version}" if story is not None else version
        linear = nlp.get_pipe("qdc_linear")
        self.labels: list[str] = list(linear.themes.labels)
        self.thresholds: np.ndarray = linear.themes.thresholds
        self._themes_head = linear.themes
        self.fallback_min_share = FALLBACK_MIN_SHARE
        self._builtin = ThemeRules(nlp, BUILTIN_RULES)
        self._local = ThemeRules(nlp, local_themes)

    def tag(
        self, items: Sequence[TagInput], local_themes: Sequence[LocalTheme] | None = None
    ) -> list[TagResult]:
        """Tag a batch. ``local_themes`` given here replace (for this call only) those set
        on the tagger."""
        local = self._local if local_themes is None else ThemeRules(self.nlp, local_themes)
        docs = []
        for item in items:
            text = item.text or ""
            doc = self.nlp.make_doc(text)
            doc._.source_text = text
            doc._.question_type = item.question_type
            # A story's sentiment is the story model's, from text alone: a rating is a comment's.
            doc._.rating = item.rating if item.kind == "comment" else None
            docs.append(doc)
        docs = list(self.nlp.pipe(docs, batch_size=BATCH_SIZE))
        results = [self._result(doc, local) for doc in docs]
        stories = [i for i, item in enumerate(items) if item.kind == "story" and results[i].sentences]
        if self.story is not None and stories:
            readings = self.story.read(
                [docs[i] for i in stories],
                [[(s.start, s.end) for s in results[i].sentences] for i in stories],
            )
            for i, reading in zip(stories, readings, strict=True):
                results[i] = replace(
                    results[i],
                    sentiment=reading.sentiment,
                    sentiment_confidence=reading.confidence,
                    sentiment_evidence=reading.evidence,
                )
        return results

    # -- assembling results --------------------------------------------------------------
    def _result(self, doc: Doc, local: ThemeRules) -> TagResult:
        text = doc_text(doc)
        scores: DocScores = doc._.qdc_scores
        sentences = [_trimmed(text, start, end) for start, end in scores.sentences]
        if not sentences:
            return TagResult(
                themes=[ThemeTag(NOT_POSSIBLE, 1.0, 0, len(text), source="rule")],
                sentiment="neutral",
                sentiment_confidence=1.0,
                sentences=[],
                safety=[],
                critical=False,
                version=self.version,
            )
        sentiment, confidence = self._doc_sentiment(text, scores, sentences)
        themes = self._model_themes(text, scores, sentences, sentiment)
        themes += self._rule_themes(doc, text, sentences, themes)
        themes += self._rule_themes(doc, text, sentences, themes, local)
        safety = self._safety(doc, sentences)
        return TagResult(
            themes=themes,
            sentiment=sentiment,
            sentiment_confidence=round(confidence, 4),
            sentences=[
                SentenceResult(s, e, SENTIMENTS[int(np.argmax(p))])
                for (s, e), p in zip(sentences, scores.sentence_sentiment_proba, strict=True)
            ],
            safety=safety,
            critical=bool(safety),
            version=self.version,
        )

    def _model_themes(
        self, text: str, scores: DocScores, sentences: list[tuple[int, int]], sentiment: str | None = None
    ) -> list[ThemeTag]:
        per_sentence = scores.sentence_theme_margins
        margins = per_sentence.max(axis=0) if len(text) > LONG_TEXT_CHARS else scores.theme_margins
        chosen = np.flatnonzero(margins > self.thresholds)
        if chosen.size == 0:
            # Every comment with words says something; the best label beats none for micro-F1
            # and for reviewers, who correct a wrong tag faster than they add a missing one.
            # But not a label that the comment's own sentiment contradicts (``fallback_label``).
            share = self._themes_head.sentiment_share
            best = fallback_label(margins, self.thresholds, share, sentiment, self.fallback_min_share)
            if best is None:
                return []
            chosen = np.array([best])
        chosen = chosen[np.argsort(-margins[chosen])]
        confidences = self._themes_head.confidence(margins[chosen], chosen)
        evidence = per_sentence[:, chosen].argmax(axis=0)
        return [
            ThemeTag(self.labels[j], round(float(c), 4), *sentences[int(s)])
            for j, c, s in zip(chosen, confidences, evidence, strict=True)
        ]

    def _rule_themes(
        self,
        doc: Doc,
        text: str,
        sentences: list[tuple[int, int]],
        existing: list[ThemeTag],
        rules: ThemeRules | None = None,
    ) -> list[ThemeTag]:
        have = {t.label for t in existing}
        out = []
        for hit in (rules or self._builtin).match(doc, text):
            if hit.code not in have:
                out.append(ThemeTag(hit.code, 1.0, *_sentence_of(sentences, hit.start_char), source="rule"))
        return out

    @staticmethod
    def _doc_sentiment(text: str, scores: DocScores, sentences: list[tuple[int, int]]) -> tuple[str, float]:
        if len(text) > LONG_TEXT_CHARS:
            lengths = np.array([e - s for s, e in sentences], dtype=np.float64)
            proba = lengths @ scores.sentence_sentiment_proba / lengths.sum()
        elif scores.rated_sentiment_proba is not None:
            proba = scores.rated_sentiment_proba
        else:
            proba = scores.sentiment_proba
        k = int(np.argmax(proba))
        return SENTIMENTS[k], float(proba[k])

    @staticmethod
    def _safety(doc: Doc, sentences: list[tuple[int, int]]) -> list[SafetySignal]:
        seen: set[tuple[str, int]] = set()
        out = []
        for span in sorted(doc.spans[SAFETY_SPAN_KEY], key=lambda s: (s.start_char, s.label_)):
            start, end = _sentence_of(sentences, span.start_char)
            if (span.label_, start) not in seen:
                seen.add((span.label_, start))
                out.append(SafetySignal(span.label_, start, end, span.start_char, span.end_char))
        return out


def _sentence_of(sentences: list[tuple[int, int]], char: int) -> tuple[int, int]:
    for start, end in sentences:
        if char < end:
            return start, end
    return sentences[-1]


def read_version(path: Path) -> str:
    return json.loads((path / META_FILE).read_text(encoding="utf-8"))["version"]


@lru_cache(maxsize=4)
def _load_cached(path: Path) -> Tagger:
    # The rules version is part of the tagger's: new rules re-tag stored items as a new model would.
    return Tagger(
        load_pipeline(path),
        f"{read_version(path)}+{RULES_VERSION}",
        story=story_sentiment.load(path / STORY_DIR),
    )


def load_tagger(path: str | Path | None = None) -> Tagger:
    """Load a trained tagger (default: the committed model), once per process and path."""
    return _load_cached(Path(path or DEFAULT_MODEL_DIR).resolve())
