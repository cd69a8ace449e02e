"""Real-text evaluation: redaction.

Against labels made by reading real text (tests/data/real_text/):
- given names left: of the labelled name occurrences in the 200 sampled stories, the share still visible;
- places wrongly hidden: of the labelled place, service, condition and programme occurrences, the share that
  a span covers (even in part);
- false [name]: of the 500 comments read to hold no name, the share given a name or staff-name span;
- meaning violations: spans that hide more than an identifier, over every story and comment
  (``insight_hub.privacy.redaction.meaning``);
- speed: dev stories redacted per CPU second, in process, in batches of 256.
"""

from __future__ import annotations

import json
import re
import time
from collections.abc import Iterable

from insight_hub.evaluation.figures import LABELS_DIR, Figure, RealText
from insight_hub.privacy.redaction import Kind, RedactedSpan, redact_many
from insight_hub.privacy.redaction.meaning import meaning_violations

NAMES_FILE = LABELS_DIR / "story_names_places.jsonl"
NO_NAME_COMMENTS_FILE = LABELS_DIR / "comments_without_names.txt"
BATCH = 256


def load_story_labels() -> dict[str, dict[str, list[str]]]:
    with NAMES_FILE.open(encoding="utf-8") as handle:
        rows = [json.loads(line) for line in handle if line.strip()]
    return {row["story_id"]: {"names": row["names"], "places": row["places"]} for row in rows}


def no_name_comment_ids() -> list[str]:
    return [line.strip() for line in NO_NAME_COMMENTS_FILE.read_text(encoding="utf-8").splitlines() if line]


def occurrences(text: str, phrases: Iterable[str]) -> list[tuple[int, int]]:
    """Where the labelled phrases occur as whole words; an occurrence inside a longer one counts once."""
    found = {
        (match.start(), match.end())
        for phrase in phrases
        for match in re.finditer(rf"(?<!\w){re.escape(phrase)}(?!\w)", text)
    }
    return sorted(
        (start, end)
        for start, end in found
        if not any(s <= start and end <= e and (s, e) != (start, end) for s, e in found)
    )


def _hidden(start: int, end: int, spans: Iterable[RedactedSpan]) -> bool:
    return any(span.start < end and start < span.end for span in spans)


def evaluate(data: RealText) -> list[Figure]:
    figures: list[Figure] = []
    labels = load_story_labels()
    stories = {story.story_id: story for story in data.stories}
    labelled = [stories[story_id] for story_id in labels if story_id in stories]
    if labelled:
        redactions = redact_many([story.text for story in labelled])
        names = places = names_left = places_hidden = 0
        for story, redaction in zip(labelled, redactions, strict=True):
            for start, end in occurrences(story.text, labels[story.story_id]["names"]):
                names += 1
                names_left += not _hidden(start, end, redaction.spans)
            for start, end in occurrences(story.text, labels[story.story_id]["places"]):
                places += 1
                places_hidden += _hidden(start, end, redaction.spans)
        figures.append(_share("given names left", names_left, names, 0.05))
        figures.append(_share("places wrongly hidden", places_hidden, places, 0.05))

    comments = {comment.comment_id: comment for comment in data.comments}
    no_name = [comments[i] for i in no_name_comment_ids() if i in comments]
    if no_name:
        redactions = redact_many([comment.text for comment in no_name])
        false = sum(
            any(span.kind in (Kind.PERSON, Kind.STAFF_TITLE) for span in redaction.spans)
            for redaction in redactions
        )
        figures.append(_share("false [name] on comments without a name", false, len(no_name), 0.01))

    texts = [story.text for story in data.stories] + [comment.text for comment in data.comments]
    violations = 0
    for start in range(0, len(texts), BATCH):
        batch = texts[start : start + BATCH]
        for text, redaction in zip(batch, redact_many(batch), strict=True):
            violations += len(meaning_violations(text, redaction))
    figures.append(
        Figure(
            name="meaning violations (spans hiding more than an identifier)",
            value=violations,
            target="= 0",
            met=violations == 0,
            note=f"{len(data.stories)} stories, {len(data.comments)} comments",
        )
    )

    if data.stories:
        # CPU time of this process (one thread with OMP_NUM_THREADS=1): "on one core" even when other work
        # shares the machine; the wall-clock rate is in the note.
        story_texts = [story.text for story in data.stories]
        wall, cpu = time.perf_counter(), time.process_time()
        for start in range(0, len(story_texts), BATCH):
            redact_many(story_texts[start : start + BATCH])
        rate = len(story_texts) / (time.process_time() - cpu)
        wall_rate = len(story_texts) / (time.perf_counter() - wall)
        figures.append(
            Figure(
                name="redaction speed, stories per CPU second (batches, one process, model warm)",
                value=round(rate, 1),
                target="≥ 200",
                met=rate >= 200,
                note=f"{wall_rate:.0f}/s by the wall clock",
            )
        )
    return figures


def _share(name: str, count: int, total: int, limit: float) -> Figure:
    value = count / total if total else 0.0
    target = f"≤ {limit:.2f}"
    return Figure(name=name, value=value, target=target, met=value <= limit, note=f"{count} of {total}")
