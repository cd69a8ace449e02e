"""Emerging-theme discovery, hidden-theme test on five folds (as `manage.py evaluate_discovery` does).

    OMP_NUM_THREADS=1 .venv/bin/python bench/discovery.py --csv ../shared/data/px_feedback_train.csv \
        --labels "Food & drink provision & facilities" "Transport to/ from services" ...

For each fold (the tagger's own `cv_folds`, KFold(5, shuffle, seed 0); `--seed N` for another split, a check
that the figure is not a property of one split) and label: train on the other four folds without the label,
run discovery over the fold's texts, score the best-matching candidate. Prints per label the mean recall and
precision over the folds, and the mean over labels.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

for _var in ("OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"):
    os.environ.setdefault(_var, "1")
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from insight_hub.themes.ml.data import read_rows  # noqa: E402
from insight_hub.themes.ml.discovery_eval import score_hidden, train_without  # noqa: E402
from insight_hub.themes.ml.training import cv_folds  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--csv", default=str(ROOT.parent / "shared/data/px_feedback_train.csv"))
    parser.add_argument("--labels", nargs="+", required=True)
    parser.add_argument("--folds", type=int, default=5)
    parser.add_argument(
        "--seed",
        type=int,
        default=0,
        help="the folds' shuffle (0: the tagger's own folds; others: a fresh split)",
    )
    args = parser.parse_args()
    rows = read_rows(args.csv)
    folds = cv_folds(len(rows), args.folds, args.seed)
    means = []
    print(f"{'label':52s} {'n':>4s} {'recall':>7s} {'precision':>9s}  best candidates (phrases)")
    for label in args.labels:
        total = sum(label in labels for labels in rows.labels)
        recalls, precisions, names = [], [], []
        for train, test in folds:
            started = time.perf_counter()
            score = score_hidden(train_without(rows.subset(train), label), rows.subset(test), label)
            recalls.append(score.recall)
            precisions.append(score.precision)
            names.append("/".join(score.best.phrases[:2]) if score.best else "-")
            print(
                f"  {label[:40]} fold: R {score.recall:.2f} P {score.precision:.2f} "
                f"({time.perf_counter() - started:.0f}s)",
                file=sys.stderr,
            )
        r, p = sum(recalls) / len(recalls), sum(precisions) / len(precisions)
        means.append((r, p))
        print(f"{label[:52]:52s} {total:4d} {r:7.2f} {p:9.2f}  {'; '.join(names)}", flush=True)
    r = sum(m[0] for m in means) / len(means)
    p = sum(m[1] for m in means) / len(means)
    print(f"{'mean over ' + str(len(means)) + ' labels':52s} {'':4s} {r:7.2f} {p:9.2f}")


if __name__ == "__main__":
    main()
