"""Redaction never changes what real patient text says: over every training comment and dev story, no span
hides more than an identifier (``insight_hub.privacy.redaction.meaning``).

The texts are the shared data beside the repository (never inside it: their licence is not the code's), or
where ``INSIGHT_HUB_SHARED_DATA`` points; outside CI a machine without them skips this test.
"""

from __future__ import annotations

import csv
import os
from pathlib import Path

import pytest

from insight_hub.privacy.redaction import redact_many
from insight_hub.privacy.redaction.meaning import meaning_violations

SHARED = Path(
    os.environ.get("INSIGHT_HUB_SHARED_DATA") or Path(__file__).resolve().parents[3] / "shared" / "data"
)
FILES = ("px_feedback_train.csv", "care_opinion_stories_dev.csv")
BATCH = 256


def _texts(name: str) -> list[str]:
    path = SHARED / name
    if not path.is_file():
        if os.environ.get("CI"):
            pytest.fail(f"{path} is missing: CI must have the shared data beside the repository")
        pytest.skip(f"{path} is not on this machine")
    with path.open(newline="", encoding="utf-8") as handle:
        return [row["text"] for row in csv.DictReader(handle)]


@pytest.mark.parametrize("name", FILES)
def test_no_span_hides_more_than_an_identifier_in_any_real_text(name: str) -> None:
    texts = _texts(name)
    problems = []
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        for index, (text, redaction) in enumerate(zip(batch, redact_many(batch), strict=True)):
            problems += [f"row {start + index}: {problem}" for problem in meaning_violations(text, redaction)]
    assert problems == []
