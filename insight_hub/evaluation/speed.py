"""Real-text evaluation: speed of reading real stories in-process, as the worker does: redaction of each
story (``redact_many``), then tagging (themes, story sentiment, safety) in batches, on one core.

The process is pinned to one core and timed by its own CPU time (``time.process_time``): on a machine shared
with other work, wall time measures the neighbours; the wall time is given beside it."""

from __future__ import annotations

import os
import time
from collections.abc import Callable

from insight_hub.evaluation.figures import Figure, RealText
from insight_hub.privacy.redaction import redact_many
from insight_hub.themes.ml import TagInput, load_tagger

BATCH = 256  # the tagger's own batch size
TARGET = 200.0  # stories a second


def _one_core() -> Callable[[], None]:
    """Pin this process to one core for the measurement; returns how to undo it."""
    if not hasattr(os, "sched_getaffinity"):
        return lambda: None
    before = os.sched_getaffinity(0)
    os.sched_setaffinity(0, {min(before)})
    return lambda: os.sched_setaffinity(0, before)


def evaluate(data: RealText) -> list[Figure]:
    texts = [s.text for s in data.stories]
    if not texts:
        return [Figure(name="speed", value="no stories")]
    tagger = load_tagger()
    # Load and warm both models outside the clock, as a worker does when its process starts.
    tagger.tag([TagInput(redact_many(["Warm-up by Dr Patel."])[0].text, kind="story")])
    undo = _one_core()
    wall = time.perf_counter()
    try:
        redacting = tagging = 0.0
        redacted_all = []
        for start in range(0, len(texts), BATCH):
            batch = texts[start : start + BATCH]
            t0 = time.process_time()
            redacted = [r.text for r in redact_many(batch)]
            t1 = time.process_time()
            tagger.tag([TagInput(text, kind="story") for text in redacted])
            t2 = time.process_time()
            redacting += t1 - t0
            tagging += t2 - t1
            redacted_all += redacted
        # The same texts read as comments (no story model): what the story reading costs on top.
        t0 = time.process_time()
        for start in range(0, len(texts), BATCH):
            tagger.tag([TagInput(text) for text in redacted_all[start : start + BATCH]])
        as_comments = time.process_time() - t0
    finally:
        undo()
    wall = time.perf_counter() - wall
    n = len(texts)
    total = redacting + tagging
    threads = os.environ.get("OMP_NUM_THREADS", "unset")
    return [
        Figure(
            name="stories tagged and redacted per second (one core)",
            value=round(n / total, 1),
            target=f"≥ {TARGET:.0f}",
            met=n / total >= TARGET,
            note=f"{n} stories in {total:.2f} s of CPU, batches of {BATCH}, OMP_NUM_THREADS={threads}",
        ),
        Figure(
            name="wall clock for all the timed work above and below, seconds",
            value=round(wall, 2),
            note="longer than the CPU time when other processes share the core",
        ),
        Figure(name="redaction alone, stories per second", value=round(n / redacting, 1)),
        Figure(name="tagging alone (with story sentiment), stories per second", value=round(n / tagging, 1)),
        Figure(
            name="tagging read as comments (no story model), stories per second",
            value=round(n / as_comments, 1),
        ),
    ]
