"""The response to the teller and its public version: redacted like the story (engine and the story's
corrections) at every save, shown outside the trust only when the story may be published, never the original;
a story from Care Opinion keeps its reply and page ready to be posted back."""

from __future__ import annotations

import pytest
from django.urls import reverse

from insight_hub.privacy.redaction import VERSION
from stories import redaction, responses, services
from stories.care_opinion.sync import REFRESHED_FIELDS
from stories.models import Story
from tests.factories import StoryFactory

from .conftest import NARRATIVE

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]

REPLY = "Dear John Smith, thank you. Dr Patel will ring you on 07700 900123 about the wait."
SECRETS = ("John Smith", "07700 900123")


def _consent(story, user, *, publication: bool):
    services.story_consent_record(
        story=story, user=user, internal_learning=True, board_quote=False, publication=publication
    )
    story.refresh_from_db()


def _reply(story, user, text=REPLY):
    services.teller_response_record(story=story, user=user, response=text)
    story.refresh_from_db()
    return story


def test_the_reply_gets_a_public_version_redacted_like_the_story(world, shared):
    story = _reply(shared, world.px_a)
    assert story.teller_response == REPLY  # the trust's own words are kept as written
    for secret in SECRETS:
        assert secret not in story.teller_response_public
    assert "thank you" in story.teller_response_public and "about the wait" in story.teller_response_public


def test_a_phrase_the_trust_hid_in_the_story_is_hidden_in_the_reply_too(world, tagging_recorded):
    story = StoryFactory(
        organisation=world.trust_a, user=world.px_a, status="shared",
        narrative="Seen on Willow Unit by the night team. " + NARRATIVE,
    )  # fmt: skip
    story = _reply(story, world.px_a, "The Willow Unit team have read your story.")
    assert "Willow Unit" in story.teller_response_public  # the engine does not know it is identifying
    services.redaction_phrase_add(story=story, user=world.px_a, phrase="Willow Unit", kind="person")
    story.refresh_from_db()
    assert "Willow Unit" not in story.teller_response_public
    assert "team have read your story" in story.teller_response_public
    # A later reply follows the same correction.
    story = _reply(story, world.px_a, "Willow Unit now has a named nurse each night.")
    assert "Willow Unit" not in story.teller_response_public


def test_new_redaction_rules_redo_the_public_reply(world, shared):
    story = _reply(shared, world.px_a)
    Story.objects.filter(pk=story.pk).update(
        redaction_version="old-rules", teller_response_public="stale: John Smith"
    )
    assert redaction.stories_redaction_refresh() == {"applied": 1, "pending": 0}
    story.refresh_from_db()
    assert story.redaction_version == VERSION
    assert "John Smith" not in story.teller_response_public and "thank you" in story.teller_response_public


def test_outside_the_trust_the_reply_shows_only_when_the_story_may_be_published(client, world, shared):
    story = _reply(shared, world.px_a)
    url = reverse("stories:detail", args=[story.pk])
    client.force_login(world.icb_lead)
    page = client.get(url).content.decode()
    assert "A response was given in" in page and "thank you" not in page  # no consent to publication

    _consent(story, world.px_a, publication=True)
    page = client.get(url).content.decode()
    assert "thank you" in page and "published with the consent of the person who told the story" in page
    for secret in SECRETS:
        assert secret not in page  # the public version, never the original

    services.story_consent_withdraw(story=story, user=world.px_a, withdrawn_on=story.occurred_on)
    assert client.get(url).status_code == 404  # a withdrawn story is gone for everyone outside the trust
    story.refresh_from_db()
    assert responses.public_response(story) == ""


def test_the_trust_reads_its_reply_and_the_public_version(client, world, shared):
    story = _reply(shared, world.px_a)
    client.force_login(world.px_a)
    page = client.get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert "Dear John Smith" in page and "Public version" in page
    assert "not shown outside your organisation" in page  # no consent to publication yet
    assert "Ready to post back to Care Opinion" not in page  # not a Care Opinion story


def test_a_care_opinion_story_keeps_its_reply_and_link_ready_to_post_back(client, world, shared):
    page_url = "https://www.careopinion.org.uk/opinions/123456"
    Story.objects.filter(pk=shared.pk).update(
        import_source="care_opinion", external_id="123456", external_url=page_url,
        source_channel="care_opinion", external_responses=[{"id": "1", "author": "PALS", "body": "Hello"}],
    )  # fmt: skip
    shared.refresh_from_db()
    assert responses.care_opinion_post_back(shared) is None  # nothing to post yet
    story = _reply(shared, world.px_a)

    post_back = responses.care_opinion_post_back(story)
    assert post_back.url == page_url and post_back.already_there == 1
    assert post_back.text == story.teller_response_public and "John Smith" not in post_back.text
    # The sync refreshes Care Opinion's own fields only: the trust's reply is never overwritten by it.
    assert not {"teller_response", "teller_response_public", "teller_response_at"} & set(REFRESHED_FIELDS)

    client.force_login(world.px_a)
    page = client.get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert "Ready to post back to Care Opinion" in page and page_url in page
    client.force_login(world.icb_lead)
    page = client.get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert "Ready to post back" not in page

    Story.objects.filter(pk=story.pk).update(consent_withdrawn_on=story.occurred_on)
    story.refresh_from_db()
    assert responses.care_opinion_post_back(story) is None


def test_the_public_reply_is_empty_without_a_reply(world, shared):
    _consent(shared, world.px_a, publication=True)
    assert shared.teller_response_public == "" and responses.public_response(shared) == ""


def test_anonymising_a_story_keeps_only_the_public_version_of_the_reply(world, tagging_recorded):
    from stories.rights import provider

    story = StoryFactory(
        organisation=world.trust_a, user=world.px_a, status="shared",
        narrative="Seen on Willow Unit by the night team. " + NARRATIVE,
    )  # fmt: skip
    services.redaction_phrase_add(story=story, user=world.px_a, phrase="Willow Unit", kind="person")
    story.refresh_from_db()
    story = _reply(story, world.px_a, "Dear John Smith, the Willow Unit team have read your story.")
    provider.anonymise(ics_ids=[world.ics.pk], ids=[story.pk])
    story.refresh_from_db()
    for secret in ("Willow Unit", "John Smith"):  # the engine alone would have left Willow Unit
        assert secret not in story.teller_response
    assert "team have read your story" in story.teller_response
