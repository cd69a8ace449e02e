"""Sharing a story, withdrawing it and withdrawing consent are asked about first: a GET (or a form without
the confirmation) shows what will happen and acts on nothing; only the confirmed POST acts. Sharing can be
undone (stop sharing); withdrawal cannot, and the page says so. An outside review found "Withdraw the
story" acting on one click."""

from __future__ import annotations

from django.urls import reverse
from django.utils import timezone

from insight_hub.privacy.models import AuditAction, AuditEvent
from stories.models import Story, StoryStatus
from tests.factories import StoryFactory


def _status(pk):
    return reverse("stories:status", args=[pk])


def test_withdrawing_the_story_is_asked_about_and_final(client, world, shared):
    client.force_login(world.px_a)
    page = client.get(_status(shared.pk), {"status": "withdrawn"})
    assert page.status_code == 200
    text = page.content.decode()
    assert "Are you sure you want to withdraw the story?" in text and "This cannot be undone" in text
    # The old one-click form (no confirmation) shows the same question and changes nothing.
    again = client.post(_status(shared.pk), {"status": "withdrawn"})
    assert again.status_code == 200 and "Are you sure" in again.content.decode()
    shared.refresh_from_db()
    assert shared.status == StoryStatus.SHARED
    # The page shows the original title: its reading is audited.
    audited = AuditEvent.objects.filter(action=AuditAction.STORY_VIEWED_UNREDACTED, detail__page="status")
    assert audited.exists()

    done = client.post(_status(shared.pk), {"status": "withdrawn", "confirm": "yes"})
    assert done.status_code == 302
    shared.refresh_from_db()
    assert shared.status == StoryStatus.WITHDRAWN
    # Nothing leads back.
    assert client.get(_status(shared.pk), {"status": "shared"}).status_code == 404
    assert client.get(_status(shared.pk), {"status": "submitted"}).status_code == 404


def test_sharing_is_asked_about_and_can_be_undone(client, world, tagging_recorded):
    story = StoryFactory(organisation=world.trust_a, user=world.px_a, status="submitted")
    client.force_login(world.px_a)
    page = client.get(_status(story.pk), {"status": "shared"}).content.decode()
    assert "Are you sure you want to share the story with the ICS?" in page
    assert "You can stop sharing it later" in page
    client.post(_status(story.pk), {"status": "shared"})
    story.refresh_from_db()
    assert story.status == StoryStatus.SUBMITTED

    client.post(_status(story.pk), {"status": "shared", "confirm": "yes"})
    story.refresh_from_db()
    assert story.status == StoryStatus.SHARED
    client.force_login(world.icb_lead)
    assert client.get(reverse("stories:detail", args=[story.pk])).status_code == 200

    client.force_login(world.px_a)
    detail = client.get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert "Stop sharing with the ICS" in detail
    client.post(_status(story.pk), {"status": "submitted"})
    story.refresh_from_db()
    assert story.status == StoryStatus.SUBMITTED
    client.force_login(world.icb_lead)
    assert client.get(reverse("stories:detail", args=[story.pk])).status_code == 404


def _withdrawal(**extra):
    today = timezone.localdate()
    return {
        "withdraw-withdrawn_on_day": today.day,
        "withdraw-withdrawn_on_month": today.month,
        "withdraw-withdrawn_on_year": today.year,
        **extra,
    }


def test_withdrawing_consent_is_asked_about_first(client, world, shared):
    client.force_login(world.px_a)
    url = reverse("stories:consent_withdraw", args=[shared.pk])
    page = client.get(url).content.decode()
    assert "Are you sure you want to withdraw consent?" in page and "This cannot be undone" in page
    # Neither the old form on the consent page nor a post without the confirmation acts.
    assert (
        client.post(reverse("stories:consent", args=[shared.pk]), _withdrawal(action="withdraw")).status_code
        == 200
    )
    assert client.post(url, _withdrawal()).status_code == 200
    shared.refresh_from_db()
    assert shared.consent_withdrawn_on is None and shared.status == StoryStatus.SHARED

    assert client.post(url, _withdrawal(confirm="yes")).status_code == 302
    shared.refresh_from_db()
    assert shared.consent_withdrawn_on == timezone.localdate() and shared.status == StoryStatus.WITHDRAWN
    # Final: the confirmation page is not offered again.
    assert client.get(url)["Location"] == reverse("stories:consent", args=[shared.pk])


def test_a_bad_date_on_the_confirmation_page_names_the_field(client, world, shared):
    client.force_login(world.px_a)
    response = client.post(
        reverse("stories:consent_withdraw", args=[shared.pk]),
        {**_withdrawal(confirm="yes"), "withdraw-withdrawn_on_year": timezone.localdate().year + 1},
    )
    assert response.status_code == 200
    assert "The date consent was withdrawn must be today or in the past" in response.content.decode()
    assert not Story.objects.filter(pk=shared.pk, consent_withdrawn_on__isnull=False).exists()


def test_only_the_owner_reaches_the_confirmation_pages(client, world, shared):
    for person in ("px_b", "icb_lead", "board_a", "admin"):
        client.force_login(world.people()[person])
        assert client.get(_status(shared.pk), {"status": "withdrawn"}).status_code == 404
        assert client.get(reverse("stories:consent_withdraw", args=[shared.pk])).status_code == 404
