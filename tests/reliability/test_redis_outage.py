"""Redis (the Celery broker and the cache) goes down: stories and public survey answers are still saved, and
once Redis is back the sweep tags everything that was saved meanwhile. The database is the source of truth,
the queue only a signal."""

from __future__ import annotations

import re
import time

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from feedback.models import Comment, Response
from insight_hub.celery import app
from insight_hub.themes.models import TagStatus
from insight_hub.themes.tasks import sweep_untagged
from stories.models import Story
from tests.conftest import _test_database_url, build_world, wait_for

pytestmark = pytest.mark.worker
SWEEP_AFTER = 3  # seconds an item waits untagged before the sweep queues it (production: 10 minutes)
SWEEP_PERIOD = 60.0  # seconds between two sweeps (celery beat)
STORIES, ANSWERS = 3, 5
SLOW = 15  # seconds: a save may wait for the broker to refuse, but not hang


def story_posted(client, world, number: int):
    today = timezone.localdate()
    data = {
        "organisation": world.trust_a.pk,
        "title": f"Waited at night {number}",
        "narrative": "The wait to be seen was far too long but the nurses were kind and caring.",
        "teller": "patient",
        "when_day": "",
        "when_month": str(today.month),
        "when_year": str(today.year),
        "source_channel": "interview",
        "services": [world.service_a.pk],
    }
    return client.post(reverse("stories:create"), data)


def answer_posted(client, service, number: int):
    url = reverse("feedback:public_form", kwargs={"public_id": service.public_id})
    page = client.get(url)
    assert page.status_code == 200
    token = re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)
    return client.post(
        url, {"token": token, "q1": "4", "q2": f"Parking was a nightmare ({number})", "q3": "Cold food."}
    )


def test_saves_succeed_while_redis_is_down_and_the_sweep_tags_them_when_it_returns(
    transactional_db, private_redis, app_on, start_worker
):
    world = build_world()
    app_on(private_redis.url)
    worker = start_worker(
        database_url=_test_database_url(),
        redis_url=private_redis.url,
        TAGGING_SWEEP_AFTER_SECONDS=str(SWEEP_AFTER),
    )
    private_redis.stop()

    staff, public = Client(), Client()
    staff.force_login(world.px_a)
    slowest = 0.0
    for number in range(STORIES):
        started = time.monotonic()
        response = story_posted(staff, world, number)
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 302, response.content.decode()[:2000]
    for number in range(ANSWERS):
        started = time.monotonic()
        response = answer_posted(public, world.service_a, number)
        slowest = max(slowest, time.monotonic() - started)
        assert response.status_code == 302, response.content.decode()[:2000]
        assert "/thanks/" in response.url
    print(f"slowest save with Redis down: {slowest:.2f} s")  # shown with -s or -rP
    assert slowest < SLOW, f"a save took {slowest:.1f}s with the broker down"

    assert Story.objects.count() == STORIES
    assert Response.objects.count() == ANSWERS
    assert Comment.objects.count() == 2 * ANSWERS
    # Saved, but their tagging signal was lost with the broker.
    assert Story.objects.filter(tag_status=TagStatus.UNTAGGED).count() == STORIES
    assert Comment.objects.filter(tag_status=TagStatus.UNTAGGED).count() == 2 * ANSWERS

    private_redis.start()  # empty: whatever it held is gone
    time.sleep(SWEEP_AFTER)
    # What celery beat sends every minute; the worker, back on the broker, runs the sweep and the tagging.
    assert app.conf.beat_schedule["sweep-untagged"] == {
        "task": sweep_untagged.name,
        "schedule": SWEEP_PERIOD,
    }
    sweep_untagged.delay()
    wait_for(
        lambda: (
            not Story.objects.exclude(tag_status=TagStatus.TAGGED).exists()
            and not Comment.objects.exclude(tag_status=TagStatus.TAGGED).exists()
        ),
        timeout=SWEEP_PERIOD,  # within one period of the sweep
        message="the sweep to tag every story and comment saved while Redis was down",
    )
    assert worker.process.poll() is None, "the worker survived the outage without a restart"
    assert (
        "parking"
        in " ".join(
            Comment.objects.values_list("tags__theme__name", flat=True).distinct().exclude(tags=None)
        ).lower()
    )
