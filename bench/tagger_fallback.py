"""Measure the tagger's fallback (no theme passes its threshold) out of fold.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/tagger_fallback.py \
        --csv /work/shared/data/px_feedback_train.csv [--folds 5] [--seed 0]

On the seeded folds of ``bench/tagger.py`` (one model per fold, trained once), tags each held-out comment
with three fallback rules and prints micro/macro-F1 and how often a comment read negative gets
"Positive experience & gratitude" from the fallback:
  raw    the old rule: the label with the largest raw margin;
  gap    the label with the largest margin − threshold;
  polar  as ``ours`` but only a positive or negative reading filters (a neutral one does not);
  ours   ``tagger.fallback_label``: ``gap`` among labels whose training comments carry the comment's
         sentiment reading in at least ``FALLBACK_MIN_SHARE`` of cases (else unassigned).
Nothing is written to the repository.
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

from insight_hub.themes.ml import TagInput  # noqa: E402
from insight_hub.themes.ml.data import Rows, model_labels, read_rows  # noqa: E402
from insight_hub.themes.ml.evaluation import score_labels  # noqa: E402
from insight_hub.themes.ml.tagger import LONG_TEXT_CHARS, Tagger  # noqa: E402
from insight_hub.themes.ml.training import cv_folds, fit_pipeline  # noqa: E402

THANKS = "Positive experience & gratitude"
VARIANTS = ("raw", "gap", "polar", "ours")


class RecordingTagger(Tagger):
    """The tagger, with its fallback rule chosen by ``variant`` and each comment's fallback recorded."""

    variant = "ours"

    def __init__(self, *args, **kwargs) -> None:
        super().__init__(*args, **kwargs)
        self.log: list[tuple[bool, str | None]] = []  # (fallback used, label given by the model or None)

    def _result(self, doc, local):
        self._current: tuple[bool, str | None] = (
            False,
            None,
        )  # a text with no sentence never reaches the model
        result = super()._result(doc, local)
        self.log.append(self._current)
        return result

    def _model_themes(self, text, scores, sentences, sentiment=None):
        if self.variant == "polar" and sentiment == "neutral":
            sentiment = None
        margins = (
            scores.sentence_theme_margins.max(axis=0) if len(text) > LONG_TEXT_CHARS else scores.theme_margins
        )
        fired = not bool((margins > self.thresholds).any())
        self.fallback_min_share = 0.0 if self.variant == "gap" else type(self)._min_share
        if fired and self.variant == "raw":
            shifted = self.thresholds
            # One threshold above every margin: nothing passes, margin − threshold ranks as the raw margin.
            self.thresholds = np.full_like(shifted, float(margins.max()) + 1.0)
            self.fallback_min_share = 0.0
            try:
                themes = super()._model_themes(text, scores, sentences, sentiment)
            finally:
                self.thresholds = shifted
        else:
            themes = super()._model_themes(text, scores, sentences, sentiment)
        self._current = (fired, themes[0].label if fired and themes else None)
        return themes


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--csv", default=str(ROOT.parent / "shared/data/px_feedback_train.csv"))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    args = parser.parse_args()
    rows: Rows = read_rows(args.csv)
    n = len(rows)
    out = {
        v: {"labels": [[] for _ in range(n)], "sent": [""] * n, "fired": [False] * n, "fb": [None] * n}
        for v in VARIANTS
    }
    for k, (train, test) in enumerate(cv_folds(n, args.folds, args.seed), 1):
        print(f"fold {k}/{args.folds}", file=sys.stderr)
        test_rows = rows.subset(test)
        tagger = RecordingTagger(fit_pipeline(rows.subset(train), seed=args.seed), version="cv")
        RecordingTagger._min_share = tagger.fallback_min_share
        items = [
            TagInput(t, q, rating=r)
            for t, q, r in zip(test_rows.texts, test_rows.question_types, test_rows.ratings, strict=True)
        ]
        qdc = set(model_labels())
        for variant in VARIANTS:
            tagger.variant, tagger.log = variant, []
            results = tagger.tag(items)
            o = out[variant]
            for i, r, (fired, fb) in zip(test, results, tagger.log, strict=True):
                o["labels"][i] = [t.label for t in r.themes if t.label in qdc]
                o["sent"][i], o["fired"][i], o["fb"][i] = r.sentiment, fired, fb
    gold_neg = np.array([s == "negative" for s in rows.sentiments])
    for variant in VARIANTS:
        o = out[variant]
        s = score_labels(rows.labels, o["labels"])
        read_neg = np.array([x == "negative" for x in o["sent"]])
        fired = np.array(o["fired"])
        fb_thanks = np.array([f == THANKS for f in o["fb"]])
        thanks = np.array([THANKS in labs for labs in o["labels"]])
        print(f"\n== {variant}: micro-F1 {s['micro_f1']:.4f}  macro-F1 {s['macro_f1']:.4f}")
        unassigned = fired & np.array([f is None for f in o["fb"]])
        print(f"  fallback used on {fired.sum()} of {n}; unassigned {unassigned.sum()}")
        print(
            f"  read negative: {read_neg.sum()}; of them fallback → thanks: {(read_neg & fb_thanks).sum()}"
            f" ({(read_neg & fb_thanks).sum() / read_neg.sum():.2%});"
            f" fallback used: {(read_neg & fired).sum()}"
        )
        print(
            f"  thanks tags: {thanks.sum()}, on comments read negative {(thanks & read_neg).sum()}"
            f" ({(thanks & read_neg).sum() / max(thanks.sum(), 1):.2%}); on gold-negative "
            f"{(thanks & gold_neg).sum()} ({(thanks & gold_neg).sum() / max(thanks.sum(), 1):.2%})"
        )
        given = Counter(f for f, neg in zip(o["fb"], read_neg, strict=True) if neg and f is not None)
        print(
            "  fallback labels on read-negative:", ", ".join(f"{k[:30]} {c}" for k, c in given.most_common(6))
        )
    gold_thanks = np.array([THANKS in labs for labs in rows.labels])
    print(f"\ngold: thanks {gold_thanks.sum()}, of them negative {(gold_thanks & gold_neg).sum()}")


if __name__ == "__main__":
    main()
