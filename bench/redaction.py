"""How fast personal data is redacted: one long story, and batches of short survey comments.

    OMP_NUM_THREADS=1 .venv/bin/python bench/redaction.py [--csv ../shared/data/px_feedback_train.csv]

Comments are redacted in the tagging worker before they are tagged, so their throughput bounds the
worker's; a story is redacted when it is saved, so its latency is what a person waits for.
"""

from __future__ import annotations

import argparse
import csv
import statistics
import sys
import time
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from insight_hub.privacy.redaction import redact, redact_many  # noqa: E402

STORY_PARAGRAPH = (
    "On 3 March 2024 my husband John took me to A&E at the Royal Oldham Hospital. "
    "Dr Patel and Sister Jones on Rainbow Ward were wonderful, although we waited hours. "
    "My NHS number is 943 476 5919 and they rang me on 07700 900123 at OL1 2AB. "
)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    default_csv = Path(__file__).resolve().parents[2] / "shared/data/px_feedback_train.csv"
    parser.add_argument("--csv", type=Path, default=default_csv)
    args = parser.parse_args()
    with args.csv.open(newline="", encoding="utf-8") as handle:
        comments = [row["text"] for row in csv.DictReader(handle)]
    redact("warm up Dr Patel")

    story = (STORY_PARAGRAPH * (20_000 // len(STORY_PARAGRAPH) + 1))[:20_000]
    timings = []
    for _ in range(5):
        started = time.perf_counter()
        redact(story)
        timings.append(time.perf_counter() - started)
    print(f"20,000-character story: median {statistics.median(timings) * 1000:.0f} ms (5 runs)")

    started = time.perf_counter()
    for text in comments[:1000]:
        redact(text)
    one_by_one = 1000 / (time.perf_counter() - started)
    started = time.perf_counter()
    redact_many(comments)
    batched = len(comments) / (time.perf_counter() - started)
    print(f"short comments: {one_by_one:,.0f}/s one by one, {batched:,.0f}/s batched ({len(comments)} texts)")


if __name__ == "__main__":
    main()
