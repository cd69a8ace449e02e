"""How the hub reads real patient text: story sentiment, safety signals, redaction and speed.

    OMP_NUM_THREADS=1 .venv/bin/python bench/real_text.py \
        [--data ../shared/data/care_opinion_stories_dev.csv] [--comments ../shared/data/px_feedback_train.csv]

Prints the same figures as `manage.py evaluate_stories --data FILE`; record them in bench/RESULTS.md.
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "insight_hub.settings")
os.environ.setdefault("DEBUG", "true")

import django  # noqa: E402

django.setup()

from insight_hub.evaluation.figures import DEFAULT_COMMENTS, DEFAULT_STORIES, load  # noqa: E402
from insight_hub.evaluation.report import PARTS, run  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=DEFAULT_STORIES, help="stories CSV (text, criticality)")
    parser.add_argument("--comments", type=Path, default=DEFAULT_COMMENTS, help="comments CSV (text, ...)")
    parser.add_argument("--part", action="append", choices=PARTS, help="only these parts (repeatable)")
    args = parser.parse_args()
    run(load(args.data, args.comments), parts=args.part or PARTS)


if __name__ == "__main__":
    main()
