"""Saving a story queues tagging once the transaction commits, with the story's label and id: the real
`tagging_queue`, with only Celery's `delay` recorded (the theme model's own run is the lead's worker test)."""

from __future__ import annotations

import pytest
from django.utils import timezone

from insight_hub.themes import tasks
from stories import services

pytestmark = pytest.mark.django_db


def test_tagging_is_queued_on_commit_with_the_story_label_and_id(
    world, monkeypatch, django_capture_on_commit_callbacks
):
    sent = []
    monkeypatch.setattr(tasks.tag_items, "delay", lambda label, ids: sent.append((label, ids)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        story = services.story_create(
            user=world.px_a,
            organisation=world.trust_a,
            title="A kind nurse",
            narrative="The nurse was kind.",
            teller="patient",
            occurred_on=timezone.localdate(),
            occurred_precision="day",
            source_channel="survey",
        )
        assert sent == []  # nothing waits on the worker while the story is being saved
    assert len(callbacks) == 1
    assert sent == [("stories.story", [story.pk])]
    assert story.tag_status == "untagged" and story.text_changed_at is not None


def test_the_story_model_is_registered_for_tagging():
    from insight_hub.themes import registry
    from stories.models import Story, StoryTag

    taggable = registry.get("stories.story")
    assert (taggable.model, taggable.tag_model, taggable.item_field) == (Story, StoryTag, "story")
    assert taggable.after_tag is services.story_after_tag
