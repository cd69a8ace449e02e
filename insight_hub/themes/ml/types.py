"""Plain, JSON-serialisable value types shared by the tagger's public interface.

Everything here is a frozen dataclass of primitives so results can go straight through
``dataclasses.asdict`` into a JSONField, a Celery message or an API response.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

QuestionType = Literal["what_good", "could_improve", "nonspecific"]
Sentiment = Literal["positive", "neutral", "negative", "mixed"]
SafetyKind = Literal[
    "safeguarding",
    "abuse",
    "neglect",
    "harm",
    "self_harm_or_suicide",
    "unsafe_discharge",
    "medication_error",
]

QUESTION_TYPES: tuple[str, ...] = ("what_good", "could_improve", "nonspecific")
# The comment model's classes, in the column order of its probabilities.
SENTIMENTS: tuple[str, ...] = ("positive", "neutral", "negative")
# A story may also read "mixed": strong praise and strong criticism together (see story_sentiment.py).
STORY_SENTIMENTS: tuple[str, ...] = ("positive", "neutral", "mixed", "negative")
TEXT_KINDS: tuple[str, ...] = ("comment", "story")
# The FFT answers a comment's sentiment may read (``TagInput.rating``): 1 very good … 5 very poor,
# 6 don't know.
RATING_LEVELS: tuple[int, ...] = (1, 2, 3, 4, 5, 6)


def normalise_rating(value: object) -> int | None:
    """An FFT answer in ``RATING_LEVELS`` as an int, anything else (None, NaN, 7, text) as None."""
    if isinstance(value, bool):
        return None
    try:
        number = float(value)  # type: ignore[arg-type]
    except (TypeError, ValueError):
        return None
    return int(number) if number in RATING_LEVELS else None


SAFETY_KINDS: tuple[str, ...] = (
    "safeguarding",
    "abuse",
    "neglect",
    "harm",
    "self_harm_or_suicide",
    "unsafe_discharge",
    "medication_error",
)


@dataclass(frozen=True)
class LocalTheme:
    """An ICS-specific theme defined by people, matched by rules rather than the model.

    ``phrases`` are matched case-insensitively on whole tokens (spaCy ``PhraseMatcher`` on
    ``LOWER``). ``patterns`` are Python regular expressions searched case-insensitively in
    each sentence (chosen over spaCy token patterns because admins can write and test them
    without knowing spaCy's JSON pattern language).
    """

    code: str
    phrases: list[str] = field(default_factory=list)
    patterns: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class TagInput:
    """``kind`` "story" reads the sentiment of a long first-person story with the story model (when the
    tagger has one); a "comment" keeps the comment model's reading.

    ``rating`` is the FFT answer of the response the comment belongs to (1 very good … 5 very poor,
    6 don't know; ``RATING_LEVELS``), or None when there is none (stories, comments of a survey without
    the FFT question, the 2013–2020 question's answers). A comment's own sentiment then also reads the
    rating; any other value counts as none, and without a rating every output is the text-only model's."""

    text: str
    question_type: str | None = None
    kind: str = "comment"
    rating: int | None = None


@dataclass(frozen=True)
class ThemeTag:
    """One theme on one comment.

    ``start``/``end`` are character offsets of the evidence sentence in the original text.
    ``source`` is ``"model"`` for QDC v7 labels and ``"rule"`` for keyword/local-theme rules
    (whose ``label`` is the local theme's code).
    """

    label: str
    confidence: float
    start: int
    end: int
    source: str = "model"


@dataclass(frozen=True)
class SentenceResult:
    start: int
    end: int
    sentiment: str


@dataclass(frozen=True)
class SafetySignal:
    """A rule hit that needs human review. ``start``/``end`` span the sentence containing it;
    ``match_start``/``match_end`` span the matched words themselves."""

    kind: str
    start: int
    end: int
    match_start: int
    match_end: int


@dataclass(frozen=True)
class TagResult:
    themes: list[ThemeTag]
    sentiment: str
    sentiment_confidence: float
    sentences: list[SentenceResult]
    safety: list[SafetySignal]
    critical: bool
    version: str
    # The sentences that carry the story's sentiment (stories only; empty for comments).
    sentiment_evidence: list[SentenceResult] = field(default_factory=list)
