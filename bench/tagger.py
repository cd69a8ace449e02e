"""Benchmark the theme tagger against the pxtextmining-style peer recipe.

    OMP_NUM_THREADS=1 OPENBLAS_NUM_THREADS=1 .venv/bin/python bench/tagger.py \
        --csv ../shared/data/px_feedback_train.csv [--folds 5] [--seed 0] [--skip-cv]

Prints, side by side on the same seeded folds: micro-F1, macro-F1 (labels present in
gold), 3-class sentiment accuracy and throughput; then single-thread throughput, RSS and
size of the committed model. Nothing is written to the repository.

When the file has an ``fft_score`` column, our tagger reads each comment's FFT rating (as the worker
reads a comment's response's) and is scored a second time with the ratings hidden ("ours, text
only"). The peer stays as pxtextmining has it: text and question type only.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from functools import partial
from pathlib import Path

# One thread, so "per core" figures mean what they say (must be set before numpy loads).
for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402
import scipy.sparse as sp  # noqa: E402
from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: E402
from sklearn.preprocessing import OneHotEncoder  # noqa: E402
from sklearn.svm import LinearSVC  # noqa: E402

from insight_hub.themes.ml import DEFAULT_MODEL_DIR, TagInput, load_tagger  # noqa: E402
from insight_hub.themes.ml.data import Rows, model_labels, read_rows  # noqa: E402
from insight_hub.themes.ml.evaluation import score_labels, score_sentiment  # noqa: E402
from insight_hub.themes.ml.tagger import Tagger  # noqa: E402
from insight_hub.themes.ml.training import cv_folds, fit_pipeline  # noqa: E402

LABELS = list(model_labels())


# -- the peer: pxtextmining's sklearn recipe -------------------------------------------------
class PeerModel:
    """TF-IDF word 1–2-grams + one-hot question type, one-vs-rest LinearSVC with balanced
    class weights, and pxtextmining's fallback of the top-scoring label when none is
    predicted. Sentiment: LinearSVC on the same features. (Best of the variants tried on
    these folds: with/without class weights, with/without fallback, C in {0.5, 1}.)"""

    def fit(self, rows: Rows) -> PeerModel:
        self.words = TfidfVectorizer(ngram_range=(1, 2))
        self.qtype = OneHotEncoder(handle_unknown="ignore")
        x = sp.hstack([self.words.fit_transform(rows.texts), self.qtype.fit_transform(self._q(rows))]).tocsr()
        y = np.array([[label in row for label in LABELS] for row in rows.labels])
        self.svms = {
            j: LinearSVC(class_weight="balanced").fit(x, y[:, j])
            for j in range(len(LABELS))
            if 0 < y[:, j].sum() < len(y)
        }
        known = [i for i, s in enumerate(rows.sentiments) if s is not None]
        self.sentiment = LinearSVC(class_weight="balanced").fit(x[known], [rows.sentiments[i] for i in known])
        return self

    @staticmethod
    def _q(rows: Rows) -> list[list[str]]:
        return [[q or "nonspecific"] for q in rows.question_types]

    def predict(self, rows: Rows) -> tuple[list[list[str]], list[str]]:
        x = sp.hstack([self.words.transform(rows.texts), self.qtype.transform(self._q(rows))]).tocsr()
        margins = np.full((len(rows), len(LABELS)), -np.inf)
        for j, svm in self.svms.items():
            margins[:, j] = svm.decision_function(x)
        chosen = margins > 0
        empty = ~chosen.any(axis=1)
        chosen[empty, margins[empty].argmax(axis=1)] = True
        labels = [[LABELS[j] for j in np.flatnonzero(row)] for row in chosen]
        return labels, list(self.sentiment.predict(x))


# -- cross-validation ----------------------------------------------------------------------
def cross_validate(rows: Rows, folds: int, seed: int) -> dict[str, dict]:
    names = ("ours", "ours_text_only", "peer") if rows.has_ratings else ("ours", "peer")
    preds = {name: ([[] for _ in range(len(rows))], [""] * len(rows), 0.0) for name in names}
    for k, (train, test) in enumerate(cv_folds(len(rows), folds, seed), 1):
        train_rows, test_rows = rows.subset(train), rows.subset(test)
        started = time.perf_counter()
        ours = Tagger(fit_pipeline(train_rows, seed=seed), version="cv")
        peer = PeerModel().fit(train_rows)
        values, counts = np.unique(ours.nlp.get_pipe("qdc_linear").themes.nb_gamma, return_counts=True)
        gamma = ", ".join(f"{v:g}×{c}" for v, c in zip(values, counts, strict=True))
        print(
            f"fold {k}/{folds}: trained in {time.perf_counter() - started:.0f}s (NB gamma {gamma})",
            file=sys.stderr,
        )
        predictors = {
            "ours": partial(_tag, ours),
            "ours_text_only": lambda r, ours=ours: _tag(ours, r.without_ratings()),
            "peer": peer.predict,
        }
        for name in names:
            started = time.perf_counter()
            labels, sentiments = predictors[name](test_rows)
            elapsed = time.perf_counter() - started
            all_labels, all_sentiments, seconds = preds[name]
            for i, lab, sen in zip(test, labels, sentiments, strict=True):
                all_labels[i], all_sentiments[i] = lab, sen
            preds[name] = (all_labels, all_sentiments, seconds + elapsed)
    return {
        name: score_labels(rows.labels, labels)
        | score_sentiment(rows.sentiments, sentiments)
        | {"comments_per_second": len(rows) / seconds}
        for name, (labels, sentiments, seconds) in preds.items()
    }


def _items(rows: Rows) -> list[TagInput]:
    return [
        TagInput(text, qtype, rating=rating)
        for text, qtype, rating in zip(rows.texts, rows.question_types, rows.ratings, strict=True)
    ]


def _tag(tagger: Tagger, rows: Rows) -> tuple[list[list[str]], list[str]]:
    results = tagger.tag(_items(rows))
    qdc = set(LABELS)
    return [[t.label for t in r.themes if t.label in qdc] for r in results], [r.sentiment for r in results]


def print_comparison(scores: dict[str, dict]) -> None:
    ours, peer = scores["ours"], scores["peer"]
    text_only = scores.get("ours_text_only")
    header = f"{'':28s} {'ours':>9s} {'peer':>9s} {'diff':>8s}"
    print(header + (f" {'ours, text only':>16s}" if text_only else ""))
    for key, name in (
        ("micro_f1", "micro-F1"),
        ("macro_f1", "macro-F1"),
        ("sentiment_accuracy", "sentiment accuracy (3-cl.)"),
    ):
        line = f"{name:28s} {ours[key]:9.4f} {peer[key]:9.4f} {ours[key] - peer[key]:+8.4f}"
        print(line + (f" {text_only[key]:16.4f}" if text_only else ""))
    speed = f"{ours['comments_per_second']:9.0f} {peer['comments_per_second']:9.0f}"
    print(f"{'throughput (comments/s)':28s} {speed}")
    print(f"\n{'label':58s} {'ours F1':>8s} {'peer F1':>8s} {'n':>5s}")
    for label, m in ours["per_label"].items():
        if m["support"]:
            peer_f1 = peer["per_label"].get(label, {"f1": 0.0})["f1"]
            print(f"{label[:58]:58s} {m['f1']:8.2f} {peer_f1:8.2f} {m['support']:5d}")


# -- speed and memory of the committed model ------------------------------------------------
def speed_and_memory(rows: Rows, repeats: int = 3) -> dict[str, float]:
    """Load the committed model, tag every comment ``repeats`` times; best run counts."""
    tagger = load_tagger()
    items = _items(rows)
    short = [i for i in items if len(i.text) <= 500]
    tagger.tag(items[:256])  # warm caches as a long-running worker would be
    best_all = best_short = float("inf")
    for _ in range(repeats):
        started = time.perf_counter()
        tagger.tag(items)
        best_all = min(best_all, time.perf_counter() - started)
        started = time.perf_counter()
        tagger.tag(short)
        best_short = min(best_short, time.perf_counter() - started)
    size = sum(p.stat().st_size for p in DEFAULT_MODEL_DIR.rglob("*") if p.is_file())
    return {
        "all_comments_per_second": len(items) / best_all,
        "short_comments_per_second": len(short) / best_short,
        "short_comments": len(short),
        "max_rss_mib": resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024,
        "model_mib": size / 2**20,
        "version": tagger.version,
    }


def e2e_throughput(rows: Rows) -> dict[str, float]:
    """Hook for the Celery end-to-end benchmark (queue -> worker -> DB). Left to the Django
    side: it should enqueue ``rows`` through the real task and time until all are stored."""
    raise NotImplementedError("end-to-end Celery benchmark not implemented yet")


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    shared_csv = Path(__file__).resolve().parents[2] / "shared/data/px_feedback_train.csv"
    parser.add_argument("--csv", default=str(shared_csv))
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--skip-cv", action="store_true")
    parser.add_argument("--e2e", action="store_true", help="also run the Celery end-to-end benchmark")
    parser.add_argument("--json", type=Path, help="write all figures to this file")
    args = parser.parse_args()

    rows = read_rows(args.csv)
    figures: dict[str, object] = {}
    if not args.skip_cv:
        scores = cross_validate(rows, args.folds, args.seed)
        print_comparison(scores)
        figures["cv"] = {name: {k: v for k, v in s.items() if k != "per_label"} for name, s in scores.items()}
    # Measured in a fresh process so training memory does not inflate the worker's RSS.
    out = (
        subprocess.run(
            [sys.executable, __file__, "--csv", args.csv, "--_speed"],
            capture_output=True,
            text=True,
            check=True,
        )
        if "--_speed" not in sys.argv
        else None
    )
    speed = json.loads(out.stdout) if out else {}
    print("\ncommitted model, one thread:")
    for key, value in speed.items():
        print(f"  {key:28s} {value:.1f}" if isinstance(value, float) else f"  {key:28s} {value}")
    figures["speed"] = speed
    if args.e2e:
        figures["e2e"] = e2e_throughput(rows)
    if args.json:
        args.json.write_text(json.dumps(figures, indent=2))


if __name__ == "__main__":
    if "--_speed" in sys.argv:
        csv = sys.argv[sys.argv.index("--csv") + 1]
        print(json.dumps(speed_and_memory(read_rows(csv))))
    else:
        main()
