"""Email alerts on saved searches: new matching stories and comments, counted and linked (never their text),
only what the person may read at send time, one email per alert per run, through a real SMTP server; a signed
link stops them without signing in; starting and stopping are audited."""

from __future__ import annotations

import pytest
from django.urls import reverse

from feedback.services import comments_redact
from insight_hub.organisations.models import Membership
from insight_hub.privacy.models import AuditAction, AuditEvent
from insight_hub.search import alerts
from insight_hub.search.models import SavedSearch, SearchAlert
from tests.factories import CommentFactory, ResponseFactory, StoryFactory

pytestmark = pytest.mark.django_db

SECRET = "Mrs Jones in bay four"  # patient text that must never be in an email


def _subscribe(person, *, query="car park", frequency="soon", **filters):
    saved = SavedSearch.objects.create(owner=person, name="Watch list", query=query, **filters)
    alerts.alert_subscribe(saved=saved, user=person, frequency=frequency)
    return saved


def _story(world, org, px, *, status="shared", title="Car park was full"):
    return StoryFactory(
        organisation=org, user=px, title=title, narrative=f"The car park was full. {SECRET}.", status=status
    )


def _send(capture, frequency="soon") -> int:
    with capture(execute=True):
        return alerts.alerts_send(frequency=frequency)


def test_new_matches_are_emailed_as_counts_and_links_never_text(
    world, smtp_server, django_capture_on_commit_callbacks
):
    _subscribe(world.icb_lead)
    shared = _story(world, world.trust_a, world.px_a)
    comment = CommentFactory(
        response=ResponseFactory(service=world.service_b), text=f"The car park costs a lot. {SECRET}"
    )
    comments_redact([comment])
    _story(world, world.trust_a, world.px_a, title="Car park again, unrelated words", status="shared")
    assert _send(django_capture_on_commit_callbacks) == 1
    [email] = smtp_server.messages_to(world.icb_lead.email)
    text = smtp_server.text_of(email)
    assert "Patient stories: 2 new" in text and "Survey comments: 1 new" in text
    assert reverse("stories:detail", args=[shared.pk]) in text
    assert reverse("feedback:response_detail", args=[comment.response_id]) in text
    assert "Jones" not in text and "bay four" not in text and "Car park was full" not in text
    assert "car" not in text.lower().replace("care", "")  # not even the search words
    saved_path = reverse("search:saved_open", args=[SavedSearch.objects.get(owner=world.icb_lead).pk])
    assert saved_path in text
    assert "/search/alerts/off/" in email["List-Unsubscribe"]

    # Nothing new: no second email; something new: only it.
    assert _send(django_capture_on_commit_callbacks) == 0
    later = _story(world, world.trust_b, world.px_b, title="Car park closed")
    assert _send(django_capture_on_commit_callbacks) == 1
    second = smtp_server.text_of(smtp_server.messages_to(world.icb_lead.email)[1])
    assert "Patient stories: 1 new" in second and reverse("stories:detail", args=[later.pk]) in second
    assert "Survey comments" not in second


def test_a_story_outside_the_persons_reach_never_triggers_or_appears(
    world, smtp_server, django_capture_on_commit_callbacks
):
    _subscribe(world.icb_lead)
    _subscribe(world.px_a)
    draft_b = _story(world, world.trust_b, world.px_b, status="draft")  # trust B's own, not shared
    assert _send(django_capture_on_commit_callbacks) == 0
    assert smtp_server.inbox == []

    shared_a = _story(world, world.trust_a, world.px_a)
    assert _send(django_capture_on_commit_callbacks) == 2
    for person in (world.icb_lead, world.px_a):
        text = smtp_server.text_of(smtp_server.messages_to(person.email)[0])
        assert "Patient stories: 1 new" in text
        assert reverse("stories:detail", args=[shared_a.pk]) in text
        assert reverse("stories:detail", args=[draft_b.pk]) not in text
    # Its own trust's lead is told about it, so the rule above is not an alert that never fires.
    _subscribe(world.px_b)
    _story(world, world.trust_b, world.px_b, status="draft", title="Car park fees")
    _send(django_capture_on_commit_callbacks)
    assert "Patient stories: 1 new" in smtp_server.text_of(smtp_server.messages_to(world.px_b.email)[0])


def test_reach_is_checked_again_when_the_alert_is_sent(
    world, smtp_server, django_capture_on_commit_callbacks
):
    _subscribe(world.px_b)
    _story(world, world.trust_b, world.px_b, status="draft")
    Membership.objects.filter(user=world.px_b).delete()  # left the trust after subscribing
    assert _send(django_capture_on_commit_callbacks) == 0
    assert smtp_server.inbox == []


def test_a_story_shared_after_the_last_run_is_announced_once(
    world, smtp_server, django_capture_on_commit_callbacks
):
    from stories import services as story_services

    _subscribe(world.icb_lead)
    story = _story(world, world.trust_a, world.px_a, status="submitted")
    assert _send(django_capture_on_commit_callbacks) == 0  # not shared yet: not the ICB lead's to read
    story_services.story_status_set(story=story, status="shared")
    assert _send(django_capture_on_commit_callbacks) == 1
    assert _send(django_capture_on_commit_callbacks) == 0
    assert len(smtp_server.messages_to(world.icb_lead.email)) == 1


def test_filters_of_the_saved_search_apply(world, smtp_server, django_capture_on_commit_callbacks):
    _subscribe(world.icb_lead, organisation=world.trust_b)
    _story(world, world.trust_a, world.px_a)
    assert _send(django_capture_on_commit_callbacks) == 0


def test_one_email_per_alert_per_run(world, smtp_server, django_capture_on_commit_callbacks):
    saved = _subscribe(world.icb_lead)
    _story(world, world.trust_a, world.px_a)
    alert = saved.alert
    window_start = alert.checked_up_to
    with django_capture_on_commit_callbacks(execute=True):
        assert alerts.alert_run(alert.pk) is True
        # The same run again (a retried task that had claimed the same window): the outbox key is the same.
        SearchAlert.objects.filter(pk=alert.pk).update(checked_up_to=window_start)
        SearchAlert.objects.get(pk=alert.pk).items.all().delete()
        alerts.alert_run(alert.pk)
    assert len(smtp_server.messages_to(world.icb_lead.email)) == 1


def test_daily_alerts_wait_for_the_daily_run(world, smtp_server, django_capture_on_commit_callbacks):
    _subscribe(world.icb_lead, frequency="daily")
    _story(world, world.trust_a, world.px_a)
    assert _send(django_capture_on_commit_callbacks, "soon") == 0
    assert _send(django_capture_on_commit_callbacks, "daily") == 1


def test_the_emails_search_link_opens_the_owners_saved_search_only(client, world):
    saved = SavedSearch.objects.create(owner=world.px_a, name="Parking", query="parking")
    client.force_login(world.px_a)
    response = client.get(reverse("search:saved_open", args=[saved.pk]))
    assert response.status_code == 302 and response["Location"] == saved.get_absolute_url()
    client.force_login(world.px_b)
    assert client.get(reverse("search:saved_open", args=[saved.pk])).status_code == 404


def test_subscribing_and_stopping_are_audited(client, world):
    saved = SavedSearch.objects.create(owner=world.px_a, name="Parking", query="parking")
    client.force_login(world.px_a)
    response = client.post(reverse("search:alert_subscribe", args=[saved.pk]), {"frequency": "daily"})
    assert response.status_code == 302
    assert SearchAlert.objects.get(saved_search=saved).frequency == "daily"
    client.post(reverse("search:alert_unsubscribe", args=[saved.pk]))
    assert not SearchAlert.objects.filter(saved_search=saved).exists()
    actions = list(
        AuditEvent.objects.filter(user=world.px_a, object_id=str(saved.pk))
        .order_by("pk")
        .values_list("action", flat=True)
    )
    assert actions == [AuditAction.SEARCH_ALERT_STARTED, AuditAction.SEARCH_ALERT_STOPPED]


def test_an_odd_frequency_is_refused_and_others_cannot_subscribe_to_your_search(client, world):
    saved = SavedSearch.objects.create(owner=world.px_a, name="Parking", query="parking")
    client.force_login(world.px_a)
    client.post(reverse("search:alert_subscribe", args=[saved.pk]), {"frequency": "hourly"})
    assert not SearchAlert.objects.exists()
    client.force_login(world.px_b)
    response = client.post(reverse("search:alert_subscribe", args=[saved.pk]), {"frequency": "soon"})
    assert response.status_code == 404 and not SearchAlert.objects.exists()


def test_the_emails_link_stops_the_alert_without_signing_in(client, world):
    saved = _subscribe(world.px_a)
    path = alerts.unsubscribe_path(saved)
    page = client.get(path)
    assert page.status_code == 200 and "Stop these emails?" in page.content.decode()
    assert SearchAlert.objects.filter(saved_search=saved).exists()  # a GET (a mail scanner) changes nothing
    done = client.post(path)
    assert done.status_code == 200 and "Emails stopped" in done.content.decode()
    assert not SearchAlert.objects.filter(saved_search=saved).exists()
    event = AuditEvent.objects.get(action=AuditAction.SEARCH_ALERT_STOPPED)
    assert event.user == world.px_a and event.detail == {"via": "email link"}
    assert client.post(path).status_code == 200  # twice is fine
    assert client.get(path[:-3] + "xx/").status_code == 404
