"""The check queue before sharing in bulk: a px lead of the trust marks each story's redaction fine or to fix,
with counts; one POST shares every story checked fine on its current redaction, with consent, audited; nobody
else checks or shares a trust's stories."""

from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.urls import reverse

from insight_hub.privacy.models import AuditAction, AuditEvent
from stories import services, share_check
from stories.models import ImportSource, ShareCheck, Story
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

PHONE = "07700 900123"


def _story(world, *, org=None, px=None, consent=True, **kwargs):
    return StoryFactory(
        organisation=org or world.trust_a,
        user=px or world.px_a,
        narrative=f"Ring my daughter on {PHONE} about the discharge.",
        consent=consent,
        **kwargs,
    )


def _mark(client, story, decision, **filters):
    return client.post(
        reverse("stories:share_check_mark", args=[story.pk]), {"decision": decision, **filters}
    )


def test_a_lead_checks_stories_and_shares_the_checked_ones_in_one_post(client, world):
    ok, fix, left = _story(world), _story(world), _story(world)
    client.force_login(world.px_a)
    page = client.get(reverse("stories:share_check"))
    body = page.content.decode()
    assert page.status_code == 200 and "Story 1 of 3" in body
    assert f"<mark>{PHONE}</mark>" in body and "<mark>[phone number]</mark>" in body  # both sides marked

    response = _mark(client, ok, "ok")
    assert response.status_code == 302 and response["Location"].endswith(f"?at={fix.pk}")  # on to the next
    _mark(client, fix, "fix")
    state = share_check.queue_state(share_check.share_queue(world.px_a))
    assert (state.checked, state.fixing, state.left) == (1, 1, 1)

    client.post(reverse("stories:share_check_share"))
    assert [s.status for s in Story.objects.order_by("pk")] == ["shared", "draft", "draft"]
    state = share_check.queue_state(share_check.share_queue(world.px_a))
    assert state.order == [fix.pk, left.pk] and (state.checked, state.fixing, state.left) == (0, 1, 1)
    event = AuditEvent.objects.get(action=AuditAction.STORY_SHARED)
    assert (
        event.user == world.px_a
        and event.detail["stories"] == [ok.pk]
        and event.organisation == world.trust_a
    )
    assert AuditEvent.objects.filter(action=AuditAction.STORY_SHARE_CHECKED).count() == 2


def test_a_story_changed_after_its_check_is_to_check_again_and_not_shared(world):
    story = _story(world)
    share_check.share_check_mark(story=story, user=world.px_a, decision="ok")
    services.redaction_phrase_add(story=story, user=world.px_a, phrase="daughter", kind="person")
    queue = share_check.share_queue(world.px_a)
    assert share_check.queue_state(queue).left == 1
    result = share_check.stories_share_checked(user=world.px_a, queue=queue)
    assert result.shared == [] and Story.objects.get().status == "draft"


def _no_consent(world, story):
    """Consent narrowed after the check: no longer for internal learning."""
    services.story_consent_record(
        story=story, user=world.px_a, internal_learning=False, board_quote=False, publication=False
    )


def test_a_story_that_cannot_be_shared_says_why_and_is_not_counted_in_the_share(client, world):
    stories = [_story(world) for _ in range(6)]
    for story in stories:
        share_check.share_check_mark(story=story, user=world.px_a, decision="ok")
    _no_consent(world, stories[1])
    never = _story(world, consent=False)
    client.force_login(world.px_a)
    state = share_check.queue_state(share_check.share_queue(world.px_a))
    assert (state.checked, state.fixing, state.left, state.blocked) == (5, 0, 0, 2)
    body = client.get(reverse("stories:share_check")).content.decode()
    assert "Share 5 checked stories with the ICS" in body and "Share 7" not in body
    assert 'data-count="blocked">2<' in body

    page = client.get(reverse("stories:share_check"), {"at": never.pk}).content.decode()
    assert "This story cannot be shared yet" in page and "consent to use their story for internal" in page
    assert reverse("stories:consent", args=[never.pk]) in page  # how to fix it
    assert 'value="ok"' not in page  # "Fine to share" is not offered

    response = client.post(reverse("stories:share_check_share"), follow=True)
    body = response.content.decode()
    assert "5 stories shared with the ICS." in body and "not shared" not in body
    shared = set(Story.objects.filter(status="shared").values_list("pk", flat=True))
    assert shared == {s.pk for s in stories} - {stories[1].pk}
    state = share_check.queue_state(share_check.share_queue(world.px_a))
    assert (state.checked, state.fixing, state.left, state.blocked) == (0, 0, 0, 2)


def test_fine_to_share_is_refused_on_a_story_without_consent(client, world):
    story = _story(world, consent=False)
    with pytest.raises(ValidationError, match="internal learning"):
        share_check.share_check_mark(story=story, user=world.px_a, decision="ok")
    client.force_login(world.px_a)
    response = _mark(client, story, "ok")
    assert response.status_code == 302 and not ShareCheck.objects.exists()
    page = client.get(response["Location"]).content.decode()
    assert "cannot be shared yet" in page
    share_check.share_check_mark(story=story, user=world.px_a, decision="fix")  # a fix is still noted


def test_a_story_still_being_redacted_waits(world):
    story = _story(world)
    Story.objects.filter(pk=story.pk).update(redaction_version="")
    state = share_check.queue_state(share_check.share_queue(world.px_a))
    assert state.state[story.pk] == share_check.BLOCKED and "still being redacted" in state.reasons[story.pk]


def test_consent_recorded_after_a_check_brings_the_story_back(world):
    story = _story(world, consent=False)
    services.story_consent_record(
        story=story, user=world.px_a, internal_learning=True, board_quote=False, publication=False
    )
    share_check.share_check_mark(story=story, user=world.px_a, decision="ok")
    _no_consent(world, story)
    assert share_check.queue_state(share_check.share_queue(world.px_a)).blocked == 1
    services.story_consent_record(
        story=story, user=world.px_a, internal_learning=True, board_quote=False, publication=False
    )
    state = share_check.queue_state(share_check.share_queue(world.px_a))
    assert (state.checked, state.blocked) == (1, 0)


def test_filters_narrow_the_queue_and_the_share(client, world):
    imported = _story(world, import_source=ImportSource.CSV, external_id="row-1")
    by_hand = _story(world)
    for story in (imported, by_hand):
        share_check.share_check_mark(story=story, user=world.px_a, decision="ok")
    client.force_login(world.px_a)
    page = client.get(reverse("stories:share_check"), {"import_source": "csv"})
    assert "Story 1 of 1" in page.content.decode()
    client.post(reverse("stories:share_check_share"), {"import_source": "csv"})
    assert Story.objects.get(pk=imported.pk).status == "shared"
    assert Story.objects.get(pk=by_hand.pk).status == "draft"


def test_odd_filters_and_decisions_are_refused_with_a_message(client, world):
    story = _story(world)
    client.force_login(world.px_a)
    page = client.get(
        reverse("stories:share_check"), {"logged_from": "2026-02-01", "logged_to": "2026-01-01"}
    )
    assert page.status_code == 200 and "must be the same as or after" in page.content.decode()
    assert (
        client.get(reverse("stories:share_check"), {"logged_from": "yesterday", "at": "x"}).status_code == 200
    )
    response = _mark(client, story, "maybe")
    assert response.status_code == 302 and not ShareCheck.objects.exists()
    assert not AuditEvent.objects.filter(action=AuditAction.STORY_SHARE_CHECKED).exists()


def test_only_the_trusts_px_leads_check_or_share_its_stories(client, world):
    story = _story(world)
    share_check.share_check_mark(story=story, user=world.px_a, decision="ok")
    with pytest.raises(PermissionDenied):
        share_check.share_check_mark(story=story, user=world.px_b, decision="ok")
    # Another trust's lead: the queue holds only their own trust's stories, so nothing of trust A is shared.
    result = share_check.stories_share_checked(user=world.px_b, queue=Story.objects.all())
    assert result.shared == [] and Story.objects.get().status == "draft"
    for person in (world.px_b, world.icb_lead, world.board_a, world.admin):
        client.force_login(person)
        assert _mark(client, story, "ok").status_code == 404
        if person != world.px_b:
            assert client.get(reverse("stories:share_check")).status_code == 404
    client.force_login(world.px_b)
    page = client.get(reverse("stories:share_check"), {"at": story.pk}).content.decode()
    assert "No story to check" in page and PHONE not in page
    assert Story.objects.get().status == "draft"
