"""The data the real-text evaluation reads, and the figures it reports."""

from __future__ import annotations

import csv
from dataclasses import dataclass, field
from pathlib import Path

# Hand-made labels (tests/data/real_text/, CC BY-NC-SA 4.0 like the texts they label).
LABELS_DIR = Path(__file__).resolve().parents[2] / "tests" / "data" / "real_text"
SHARED_DATA = Path(__file__).resolve().parents[3] / "shared" / "data"
DEFAULT_STORIES = SHARED_DATA / "care_opinion_stories_dev.csv"
DEFAULT_COMMENTS = SHARED_DATA / "px_feedback_train.csv"


@dataclass(frozen=True)
class Story:
    story_id: str
    text: str
    criticality: int | None  # Care Opinion's signed scale: < 0 critical, 0 neither, > 0 praise


@dataclass(frozen=True)
class Comment:
    comment_id: str
    text: str
    sentiment: int | None  # 1 very positive … 5 very negative
    labels: tuple[str, ...]


@dataclass(frozen=True)
class Figure:
    name: str
    value: float | int | str
    target: str = ""  # e.g. "≥ 0.85"; empty when the figure has none
    met: bool | None = None
    note: str = ""

    def line(self) -> str:
        value = f"{self.value:.4f}" if isinstance(self.value, float) else str(self.value)
        mark = {True: " ✔", False: " ✘", None: ""}[self.met]
        target = f"  (target {self.target}{mark})" if self.target else ""
        note = f"  [{self.note}]" if self.note else ""
        return f"{self.name}: {value}{target}{note}"


@dataclass
class RealText:
    stories: list[Story]
    comments: list[Comment] = field(default_factory=list)
    stories_path: Path | None = None
    comments_path: Path | None = None


def _int_or_none(value: str | None) -> int | None:
    try:
        return int(float(value)) if value not in (None, "") else None
    except ValueError:
        return None


def load_stories(path: Path) -> list[Story]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Story(
                story_id=row.get("story_id") or str(index),
                text=row.get("text") or "",
                criticality=_int_or_none(row.get("criticality")),
            )
            for index, row in enumerate(csv.DictReader(handle))
        ]


def load_comments(path: Path) -> list[Comment]:
    with path.open(newline="", encoding="utf-8") as handle:
        return [
            Comment(
                comment_id=row.get("comment_id") or str(index),
                text=row.get("text") or "",
                sentiment=_int_or_none(row.get("sentiment")),
                labels=tuple(
                    label.strip() for label in (row.get("labels") or "").split(";") if label.strip()
                ),
            )
            for index, row in enumerate(csv.DictReader(handle))
        ]


def load(stories: Path, comments: Path | None = None) -> RealText:
    return RealText(
        stories=load_stories(stories),
        comments=load_comments(comments) if comments and comments.is_file() else [],
        stories_path=stories,
        comments_path=comments,
    )


def sample_ids() -> list[str]:
    """The 200 dev stories labelled by hand (names, places, safety concerns)."""
    path = LABELS_DIR / "sample_story_ids.txt"
    return [line.strip() for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
