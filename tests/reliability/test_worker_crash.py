"""A worker killed (SIGKILL, as the OOM killer does) in the middle of tagging a batch loses nothing and
tags nothing twice: its unacknowledged task is handed out again (acks_late) and the new worker skips what
was already written (idempotent tagging)."""

from __future__ import annotations

import uuid

import pytest
import redis
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from feedback.models import Comment, CommentTag, Response
from insight_hub.themes.models import TagStatus
from insight_hub.themes.services import TAG_CHUNK, tagging_queue, tagging_reset
from tests.conftest import _test_database_url, build_world, wait_for
from tests.reliability.conftest import tagged_in_log

pytestmark = pytest.mark.worker
LABEL = "feedback.comment"
BATCH = 2_000
VISIBILITY_TIMEOUT = 8  # seconds: how soon the dead worker's task comes back (production: an hour)

SENTENCES = [
    "The wait to be seen was far too long.",
    "The nurses were kind and caring.",
    "Parking was a nightmare and cost a fortune.",
    "Nobody told me what was happening with my mum's care.",
    "The food was cold and the ward was noisy at night.",
    "Reception staff were rude when I asked for help.",
    "The doctor explained everything clearly.",
    "I was discharged without my medication.",
]


def comments_saved(service, count: int) -> list[int]:
    """`count` survey comments saved the way the feedback services save them: marked for tagging."""
    now = timezone.now()
    response = Response.objects.create(
        organisation=service.organisation,
        service=service,
        source="public_form",
        dedupe_key=f"test:{uuid.uuid4()}",
        responded_at=now,
        fft_score=2,
    )
    comments = []
    for number in range(count):
        comment = Comment(
            response=response,
            organisation=service.organisation,
            service=service,
            question_type="nonspecific",
            text=f"{SENTENCES[number % len(SENTENCES)]} {SENTENCES[(number * 3 + 1) % len(SENTENCES)]} "
            f"(visit {number})",
            responded_at=now,
        )
        tagging_reset(comment)
        comments.append(comment)
    return [comment.pk for comment in Comment.objects.bulk_create(comments)]


def tagged_count() -> int:
    return Comment.objects.filter(tag_status=TagStatus.TAGGED).count()


def test_a_worker_killed_mid_batch_leaves_every_comment_tagged_exactly_once(
    transactional_db, private_redis, app_on, start_worker
):
    world = build_world()
    ids = comments_saved(world.service_a, BATCH)
    app_on(private_redis.url)
    env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT)}
    first = start_worker(database_url=_test_database_url(), redis_url=private_redis.url, **env)
    with transaction.atomic():
        tagging_queue(label=LABEL, ids=ids)  # four tasks of 500 once this commits

    broker = redis.Redis.from_url(private_redis.url)
    # Killed as soon as a first chunk is written and the worker holds a task it has not acknowledged (the
    # next chunk, or the first one still finishing).
    wait_for(
        lambda: tagged_count() >= TAG_CHUNK and broker.hlen("unacked") >= 1,
        timeout=90,
        interval=0.05,
        message="the first chunk written",
    )
    first.kill()
    before_kill = dict(Comment.objects.filter(tag_status=TagStatus.TAGGED).values_list("pk", "tagged_at"))
    # The worker died holding a task it had not acknowledged: the batch it was tagging.
    assert broker.hlen("unacked") >= 1
    assert TAG_CHUNK <= len(before_kill) < BATCH

    second = start_worker(database_url=_test_database_url(), redis_url=private_redis.url, **env)
    wait_for(
        lambda: tagged_count() == BATCH,
        timeout=90,
        message="every comment tagged after the restart (the lost task redelivered)",
    )
    second.stop()

    comments = Comment.objects.filter(pk__in=ids)
    assert comments.count() == BATCH
    assert not comments.exclude(tag_status=TagStatus.TAGGED).exists(), "none left untagged or failed"
    assert CommentTag.objects.filter(comment__in=ids).exists()
    duplicates = (
        CommentTag.objects.filter(comment__in=ids)
        .values("comment", "theme")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists(), "a theme tagged twice on one comment"
    # What the first worker wrote before it died was not written again...
    after = dict(comments.filter(pk__in=list(before_kill)).values_list("pk", "tagged_at"))
    assert after == before_kill
    # ...and the second worker wrote each of the others once: the redelivered batch included.
    assert tagged_in_log(second.log, LABEL) == BATCH - len(before_kill)
    assert broker.hlen("unacked") == 0
