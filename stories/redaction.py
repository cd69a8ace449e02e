"""Stored redactions redone when the redaction rules change (``insight_hub.privacy.redaction.VERSION``).

Every story records the rules version that redacted it. When the rules improve, each story is redacted
again, with the logging organisation's corrections re-applied:

- where the new rules hide the same or more, the new redaction applies at once (privacy only gains);
- where they would show words the stored redaction hides, the new redaction waits in
  ``Story.redaction_pending`` and the stored one stays in force, until a person of the logging organisation
  confirms it, or keeps those words hidden (they become that person's corrections). These stories are the
  organisation's check queue (``stories_awaiting_redaction_check``).

The periodic task ``stories.tasks.refresh_redactions`` works through stale stories in batches.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from insight_hub.bulk import bulk_update_fields
from insight_hub.organisations.permissions import scope_for
from insight_hub.privacy.redaction import VERSION, redact_many
from insight_hub.themes import services as theme_services

from .models import Story
from .services import REDACTED_FIELDS, TAG_LABEL, _redact_with_corrections, teller_response_redact

BATCH = 100


def story_redaction_refresh(*, story: Story) -> str:
    """Redo one story's redaction by the current rules: "current", "applied" or "pending"."""
    if story.redaction_version == VERSION:
        return "current"
    if story.redaction_pending_version == VERSION:
        return "pending"
    corrections = story.redaction_corrections or {}
    new: dict = {"revealed": []}
    for field, spans_field in REDACTED_FIELDS.items():
        text = getattr(story, field)
        new[field], new[spans_field] = _redact_with_corrections(text, corrections)
        new["revealed"] += _revealed(text, getattr(story, spans_field), new[spans_field])
    if new["revealed"]:
        story.redaction_pending, story.redaction_pending_version = new, VERSION
        story.save(update_fields=["redaction_pending", "redaction_pending_version"])
        return "pending"
    _apply(story, new, reviewed_by=None)
    return "applied"


def stories_redaction_refresh(*, limit: int = BATCH) -> dict[str, int]:
    """Redo up to ``limit`` stale stories (oldest first); the counts of each outcome."""
    counts = {"applied": 0, "pending": 0}
    stale = (
        Story.objects.exclude(redaction_version=VERSION)
        .exclude(redaction_pending_version=VERSION)
        .order_by("pk")[:limit]
    )
    for story in stale:
        with transaction.atomic():
            outcome = story_redaction_refresh(story=Story.objects.select_for_update().get(pk=story.pk))
        if outcome in counts:
            counts[outcome] += 1
    return counts


NEW_REDACTION_FIELDS = [
    "redacted_title",
    "title_spans",
    "redacted_narrative",
    "narrative_spans",
    "redaction_version",
    "redaction_pending",
    "redaction_pending_version",
]


def stories_redact_new(stories: list[Story]) -> int:
    """The tagging worker's `prepare` for stories: redact, in one pass of the engine, the stories an import
    saved unredacted (`story_create(deferred=True)`), just before they are tagged. The stories are updated
    in place (the tagger reads their redacted text) and saved. One whose text a person changed meanwhile is
    left as that change saved it (redacted then, and queued again). Returns how many were saved."""
    new = [story for story in stories if not story.redaction_version]
    if not new:
        return 0
    found = redact_many([text for story in new for text in (story.title, story.narrative)])
    for index, story in enumerate(new):
        corrections = story.redaction_corrections or {}
        story.redacted_title, story.title_spans = _redact_with_corrections(
            story.title, corrections, found[2 * index]
        )
        story.redacted_narrative, story.narrative_spans = _redact_with_corrections(
            story.narrative, corrections, found[2 * index + 1]
        )
        story.redaction_version = VERSION
        story.redaction_pending, story.redaction_pending_version = {}, ""
    with transaction.atomic():
        unchanged = set(
            Story.objects.select_for_update()
            .filter(pk__in=[story.pk for story in new], redaction_version="")
            .values_list("pk", "title", "narrative")
        )
        writable = [story for story in new if (story.pk, story.title, story.narrative) in unchanged]
        bulk_update_fields(Story, writable, NEW_REDACTION_FIELDS)
    return len(writable)


def stories_awaiting_redaction_check(user) -> QuerySet[Story]:
    """The check queue: stories of the person's own organisations whose new redaction would show words."""
    return Story.objects.filter(
        organisation_id__in=scope_for(user).px_org_ids, redaction_pending_version=VERSION
    ).order_by("-logged_at", "-pk")


@transaction.atomic
def story_redaction_pending_confirm(*, story: Story, user) -> None:
    """A person confirms the new redaction: the words it shows may be read outside the organisation."""
    _apply(story, _pending(story), reviewed_by=user)


@transaction.atomic
def story_redaction_pending_keep(*, story: Story, user) -> None:
    """A person keeps hidden the words the new rules would show: they become that person's corrections,
    and the new rules apply to everything else."""
    pending = _pending(story)
    corrections = story.redaction_corrections or {}
    known = {item["text"].casefold() for item in corrections.get("added", [])}
    for word in pending["revealed"]:
        if word["text"].casefold() not in known:
            corrections.setdefault("added", []).append(word)
            known.add(word["text"].casefold())
    story.redaction_corrections = corrections
    new = {}
    for field, spans_field in REDACTED_FIELDS.items():
        new[field], new[spans_field] = _redact_with_corrections(getattr(story, field), corrections)
    _apply(story, new, reviewed_by=user)


def pending_for(story: Story) -> dict | None:
    """The new redaction waiting for a person's check, for the owner's pages; None when there is none."""
    return story.redaction_pending if story.redaction_pending_version == VERSION else None


def _pending(story: Story) -> dict:
    if story.redaction_pending_version != VERSION:
        raise ValidationError({"redaction": "There is no new redaction to check. Reload the page."})
    return story.redaction_pending


def _apply(story: Story, new: dict, *, reviewed_by) -> None:
    changed = (story.redacted_title, story.redacted_narrative) != (new["title"], new["narrative"])
    story.redacted_title, story.title_spans = new["title"], new["title_spans"]
    story.redacted_narrative, story.narrative_spans = new["narrative"], new["narrative_spans"]
    story.redaction_version = VERSION
    story.redaction_pending, story.redaction_pending_version = {}, ""
    teller_response_redact(story)  # the reply to the teller by the same rules and corrections
    if reviewed_by is not None:
        story.redaction_reviewed_by = reviewed_by
        story.redaction_reviewed_at = timezone.now()
    if changed:  # the tagger reads the redacted text: its evidence offsets must follow it
        theme_services.tagging_reset(story)
    story.save()
    if changed:
        theme_services.tagging_queue(label=TAG_LABEL, ids=[story.pk])


def _revealed(text: str, old: list[dict], new: list[dict]) -> list[dict]:
    """The stretches of ``text`` the ``old`` spans hide and the ``new`` ones would show, with their kind."""
    hidden_now = _covered(new)
    revealed: list[dict] = []
    for span in old:
        runs: list[list[int]] = []
        for position in range(span["start"], span["end"]):
            if position in hidden_now:
                continue
            if runs and runs[-1][1] == position:
                runs[-1][1] = position + 1
            else:
                runs.append([position, position + 1])
        revealed += [
            {"text": text[start:end].strip(), "kind": span["kind"]}
            for start, end in runs
            if text[start:end].strip()
        ]
    return revealed


def _covered(spans: list[dict]) -> set[int]:
    return {position for span in spans for position in range(span["start"], span["end"])}
