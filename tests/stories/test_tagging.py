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


STORY_OF_THANKS = (
    "I want to thank the whole team on the ward for the care they gave my mother over the last three "
    "months. The nurses were kind and patient and always made time to talk to us. The doctors explained "
    "everything clearly and listened to our worries. The parking was a nightmare and we got a fine. The "
    "occupational therapist helped Mum get home safely and she is doing really well now. "
    "Thank you all so much."
)


def test_a_story_is_read_as_a_story_and_its_page_shows_the_sentences_that_carry_it(client, world):
    from django.urls import reverse

    from insight_hub.themes import services as theme_services
    from stories.models import Story
    from tests.factories import StoryFactory

    story = StoryFactory(
        organisation=world.trust_a, user=world.px_a, title="Thank you, ward team", narrative=STORY_OF_THANKS
    )
    assert story.taggable_kind() == "story"
    counts = theme_services.items_tag(label="stories.story", ids=[story.pk])
    assert counts["tagged"] == 1
    story = Story.objects.get(pk=story.pk)
    # A story of thanks with one complaint (the parking) is not negative.
    assert story.sentiment in {"positive", "mixed"}
    text = story.taggable_text()
    evidence = [text[e["start"] : e["end"]] for e in story.sentiment_evidence]
    assert "Thank you all so much." in evidence
    assert all(e["sentiment"] in {"positive", "negative"} for e in story.sentiment_evidence)

    client.force_login(world.px_a)
    page = client.get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert f"Overall sentiment: <strong>{story.get_sentiment_display()}</strong>" in page
    assert "Read from:" in page and "Thank you all so much." in page


def test_mixed_is_a_sentiment_of_its_own_shown_on_the_story_page(client, world):
    from django.urls import reverse

    from stories.models import Story
    from tests.factories import StoryFactory

    story = StoryFactory(organisation=world.trust_a, user=world.px_a, narrative=STORY_OF_THANKS)
    text = story.taggable_text()
    start = text.index("The parking")
    end = text.index(".", start) + 1
    Story.objects.filter(pk=story.pk).update(
        sentiment="mixed",
        tag_status="tagged",
        sentiment_evidence=[
            {"start": start, "end": end, "sentiment": "negative"},
            {"start": 0, "end": 99999},
        ],
    )
    client.force_login(world.px_a)
    page = client.get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert "Overall sentiment: <strong>Mixed</strong>" in page
    assert "The parking was a nightmare and we got a fine." in page
    # An offset beyond the text (the text changed since) is not shown cut or raised on.
    assert page.count("app-evidence") >= 1
