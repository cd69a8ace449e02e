"""Reading the FFT training/evaluation file (and human corrections in the same shape)."""

from __future__ import annotations

import json
import math
from dataclasses import dataclass, field, replace
from functools import lru_cache
from pathlib import Path
from typing import Any

import pandas as pd

from insight_hub.exports import read_csv_dicts

from .types import normalise_rating

TAXONOMY_PATH = Path(__file__).resolve().parent.parent / "data" / "qdc_taxonomy.json"
LABEL_SEPARATOR = "; "
COLUMNS = (
    "comment_id",
    "trust",
    "date",
    "service_type",
    "fft_score",
    "question",
    "question_type",
    "text",
    "sentiment",
    "labels",
)


@lru_cache(maxsize=1)
def model_labels() -> tuple[str, ...]:
    """The 32 QDC v7 sub-categories the model predicts, in the taxonomy's order."""
    taxonomy = json.loads(TAXONOMY_PATH.read_text(encoding="utf-8"))
    return tuple(taxonomy["model_labels_in_order"])


def sentiment_class(score: Any) -> str | None:
    """1–2 positive, 3 neutral/mixed, 4–5 negative; missing stays missing."""
    if score is None or (isinstance(score, float) and math.isnan(score)) or score == "":
        return None
    value = int(float(score))
    return "positive" if value <= 2 else "neutral" if value == 3 else "negative"


def split_labels(cell: Any) -> list[str]:
    if not isinstance(cell, str):
        return []
    return [label.strip() for label in cell.split(LABEL_SEPARATOR.strip()) if label.strip()]


@dataclass(frozen=True)
class Rows:
    """Parallel columns, one entry per comment, in file order."""

    ids: list[str]
    texts: list[str]
    question_types: list[str | None]
    labels: list[list[str]]
    sentiments: list[str | None]
    # The FFT answer beside each comment (``fft_score``: 1–5, 6 don't know), None where the file has none
    # (or 7, which the training file uses for comments whose response gave no answer).
    ratings: list[int | None] = field(default_factory=list)

    def __post_init__(self) -> None:
        if not self.ratings:
            object.__setattr__(self, "ratings", [None] * len(self.texts))

    @property
    def has_ratings(self) -> bool:
        return any(r is not None for r in self.ratings)

    def without_ratings(self) -> Rows:
        return replace(self, ratings=[None] * len(self))

    def __len__(self) -> int:
        return len(self.texts)

    def subset(self, index: Any) -> Rows:
        return Rows(
            *(
                [column[i] for i in index]
                for column in (
                    self.ids,
                    self.texts,
                    self.question_types,
                    self.labels,
                    self.sentiments,
                    self.ratings,
                )
            )
        )


def read_corrections(path: str | Path) -> list[dict[str, str]]:
    """People's corrections from the review page's download (`tag-corrections.csv`), rows with labels only.
    The download defuses texts that a spreadsheet would run (a leading `'`); they are read back as written."""
    with Path(path).open(newline="", encoding="utf-8-sig") as handle:
        return [row for row in read_csv_dicts(handle) if row.get("labels")]


def read_frame(csv_path: str | Path, extra_rows: list[dict[str, Any]] | None = None) -> pd.DataFrame:
    """The CSV plus corrections. A correction whose ``comment_id`` is already in the file
    replaces that row (a person fixed the labels); any other correction is appended."""
    frame = pd.read_csv(csv_path, dtype={"comment_id": str, "text": str, "labels": str, "question_type": str})
    if extra_rows:
        extra = pd.DataFrame(extra_rows)
        extra["comment_id"] = extra.get("comment_id", pd.Series([None] * len(extra))).astype("string")
        corrected = set(extra["comment_id"].dropna())
        frame = pd.concat([frame[~frame["comment_id"].isin(corrected)], extra], ignore_index=True)
    return frame


def rows_from_frame(frame: pd.DataFrame) -> Rows:
    def col(name: str) -> list[Any]:
        return frame[name].tolist() if name in frame else [None] * len(frame)

    return Rows(
        ids=[str(i) for i in col("comment_id")],
        texts=["" if not isinstance(t, str) else t for t in col("text")],
        question_types=[q if isinstance(q, str) else None for q in col("question_type")],
        labels=[split_labels(c) for c in col("labels")],
        sentiments=[sentiment_class(s) for s in col("sentiment")],
        ratings=[normalise_rating(r) for r in col("fft_score")],
    )


def read_rows(csv_path: str | Path, extra_rows: list[dict[str, Any]] | None = None) -> Rows:
    return rows_from_frame(read_frame(csv_path, extra_rows))
