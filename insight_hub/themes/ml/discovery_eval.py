"""`evaluate_discovery`: hide a theme from training, then see whether discovery finds it again.

The tagger is trained on the training file with LABEL removed from every row's labels (rows that had only
LABEL stay in, with no labels: what the tagger would meet before anyone named the theme). Discovery then runs
over the data file's texts. The best-matching candidate is the one with the highest F1 against the data's
LABEL texts; recall = share of those texts with a sentence in the candidate (texts carrying other themes
too included), precision = share of the candidate's texts that carry LABEL.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from pathlib import Path

from .data import Rows, read_rows
from .discovery import Candidate, DiscoveryText, discover
from .tagger import Tagger
from .training import fit_pipeline


@dataclass(frozen=True)
class HiddenThemeScore:
    label: str
    recall: float
    precision: float
    f1: float
    label_texts: int
    candidates: int
    best: Candidate | None


def without_label(rows: Rows, label: str) -> Rows:
    return replace(rows, labels=[[x for x in labels if x != label] for labels in rows.labels])


def train_without(train_rows: Rows, label: str, *, seed: int = 0) -> Tagger:
    return Tagger(fit_pipeline(without_label(train_rows, label), seed=seed), version=f"without:{label}")


def score_hidden(tagger: Tagger, data: Rows, label: str) -> HiddenThemeScore:
    texts = [
        DiscoveryText(key=str(i), text=text, question_type=qtype)
        for i, (text, qtype) in enumerate(zip(data.texts, data.question_types, strict=True))
    ]
    # Every candidate counts here, not only the largest ones a page lists first.
    candidates = discover(tagger, texts, max_candidates=None)
    gold = {str(i) for i, labels in enumerate(data.labels) if label in labels}
    best = HiddenThemeScore(label, 0.0, 0.0, 0.0, len(gold), len(candidates), None)
    for candidate in candidates:
        keys = set(candidate.keys)
        hits = len(keys & gold)
        if not hits:
            continue
        recall, precision = hits / len(gold), hits / len(keys)
        f1 = 2 * precision * recall / (precision + recall)
        if f1 > best.f1:
            best = HiddenThemeScore(label, recall, precision, f1, len(gold), len(candidates), candidate)
    return best


def evaluate_discovery(train_csv: str | Path, data_csv: str | Path, label: str, *, seed: int = 0):
    train_rows, data = read_rows(train_csv), read_rows(data_csv)
    if not any(label in labels for labels in train_rows.labels + data.labels):
        raise LookupError(f"no row of either file carries the label {label!r}")
    return score_hidden(train_without(train_rows, label, seed=seed), data, label)
