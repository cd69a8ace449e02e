"""Faithful scoring of a tagger on a labelled file.

Every row is scored as given; a row the tagger returns no QDC label for counts as
predicting nothing. Local-theme codes are not QDC labels and are not scored.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

from .data import Rows, model_labels, read_rows
from .types import TagInput

if TYPE_CHECKING:
    from .tagger import Tagger


def _f1(tp: int, fp: int, fn: int) -> tuple[float, float, float]:
    precision = tp / (tp + fp) if tp + fp else 0.0
    recall = tp / (tp + fn) if tp + fn else 0.0
    f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
    return precision, recall, f1


def score_labels(gold: Sequence[Sequence[str]], predicted: Sequence[Sequence[str]]) -> dict[str, Any]:
    """Micro-F1 over every label seen in gold or predictions; macro-F1 over the labels that
    occur in the gold labels; per-label precision/recall/F1/support."""
    counts: dict[str, list[int]] = {}  # label -> [tp, fp, fn]
    for g, p in zip(gold, predicted, strict=True):
        g_set, p_set = set(g), set(p)
        for label in g_set | p_set:
            c = counts.setdefault(label, [0, 0, 0])
            c[0] += label in g_set and label in p_set
            c[1] += label in p_set and label not in g_set
            c[2] += label in g_set and label not in p_set
    per_label = {}
    for label, (tp, fp, fn) in sorted(counts.items(), key=lambda kv: -(kv[1][0] + kv[1][2])):
        precision, recall, f1 = _f1(tp, fp, fn)
        per_label[label] = {"precision": precision, "recall": recall, "f1": f1, "support": tp + fn}
    tp, fp, fn = (sum(c[k] for c in counts.values()) for k in range(3))
    in_gold = [v["f1"] for v in per_label.values() if v["support"] > 0]
    return {
        "micro_f1": _f1(tp, fp, fn)[2],
        "macro_f1": sum(in_gold) / len(in_gold) if in_gold else 0.0,
        "macro_labels": len(in_gold),
        "per_label": per_label,
    }


def score_sentiment(gold: Sequence[str | None], predicted: Sequence[str]) -> dict[str, Any]:
    pairs = [(g, p) for g, p in zip(gold, predicted, strict=True) if g is not None]
    correct = sum(g == p for g, p in pairs)
    return {"sentiment_accuracy": correct / len(pairs) if pairs else 0.0, "sentiment_rows": len(pairs)}


def predict_rows(tagger: Tagger, rows: Rows) -> tuple[list[list[str]], list[str], float]:
    """QDC labels and sentiment per row, plus wall-clock seconds spent in ``tag``. Each comment is tagged
    with its file's FFT rating when the file has one (``Rows.ratings``), as the worker tags a comment with
    its response's."""
    qdc = set(model_labels())
    items = [
        TagInput(text, qtype, rating=rating)
        for text, qtype, rating in zip(rows.texts, rows.question_types, rows.ratings, strict=True)
    ]
    started = time.perf_counter()
    results = tagger.tag(items, local_themes=[])
    seconds = time.perf_counter() - started
    labels = [[t.label for t in r.themes if t.label in qdc] for r in results]
    return labels, [r.sentiment for r in results], seconds


def evaluate_rows(rows: Rows, tagger: Tagger) -> dict[str, Any]:
    """Scores with the file's FFT ratings when it has them, and then the sentiment with them hidden too."""
    labels, sentiments, seconds = predict_rows(tagger, rows)
    rated_rows = sum(r is not None for r in rows.ratings)
    report = {"rows": len(rows), "version": tagger.version, "rated_rows": rated_rows}
    report |= score_labels(rows.labels, labels)
    report |= score_sentiment(rows.sentiments, sentiments)
    report["seconds"] = seconds
    report["comments_per_second"] = len(rows) / seconds if seconds else float("inf")
    if rows.has_ratings:
        _, text_only, _ = predict_rows(tagger, rows.without_ratings())
        report["sentiment_accuracy_text_only"] = score_sentiment(rows.sentiments, text_only)[
            "sentiment_accuracy"
        ]
    return report


def evaluate(csv_path: str | Path, tagger: Tagger, *, ratings: bool = True) -> dict[str, Any]:
    """``ratings=False`` ignores the file's ``fft_score`` column: every figure is then the text-only one."""
    rows = read_rows(csv_path)
    return evaluate_rows(rows if ratings else rows.without_ratings(), tagger)


def format_report(report: dict[str, Any]) -> str:
    lines = [
        f"Tagger {report.get('version', '?')} on {report['rows']} comments",
        f"  micro-F1            {report['micro_f1']:.4f}",
        f"  macro-F1            {report['macro_f1']:.4f}  ({report['macro_labels']} labels present in gold)",
        f"  sentiment accuracy  {report['sentiment_accuracy']:.4f}  ({report['sentiment_rows']} rows, "
        f"{report.get('rated_rows', 0)} with an FFT rating the tagger read)",
    ]
    if "sentiment_accuracy_text_only" in report:
        lines.append(f"  sentiment, text only {report['sentiment_accuracy_text_only']:.4f}  (ratings hidden)")
    if "comments_per_second" in report:
        lines.append(f"  throughput          {report['comments_per_second']:.0f} comments/s")
    lines.append("")
    lines.append(f"  {'label':58s} {'P':>5s} {'R':>5s} {'F1':>5s} {'n':>5s}")
    for label, m in report["per_label"].items():
        lines.append(
            f"  {label[:58]:58s} {m['precision']:5.2f} {m['recall']:5.2f} {m['f1']:5.2f} {m['support']:5d}"
        )
    return "\n".join(lines)
