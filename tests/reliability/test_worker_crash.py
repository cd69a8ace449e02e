"""A worker killed (SIGKILL, as the OOM killer does) in the middle of tagging a batch loses nothing and
tags nothing twice: its unacknowledged task is handed out again (acks_late) and the new worker skips what
was already written (idempotent tagging). Among single-comment posts, one death fails no comment for good:
it is counted per comment that was in the dead worker's hands, and such a comment is retried alone."""

from __future__ import annotations

import uuid
from datetime import timedelta

import pytest
import redis
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from feedback.models import Comment, CommentTag, Response
from insight_hub.themes import services
from insight_hub.themes.models import TaggingClaim, TagStatus
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


POSTS = 400


def _queued(broker) -> dict[str, int]:
    """Tasks waiting in the tagging queue's lists (one per priority step)."""
    return {key.decode(): broker.llen(key) for key in broker.keys("nlp*") if broker.type(key) == b"list"}


def _broker_state(broker, comments) -> dict:
    """What a wait after a restart is stuck on: comments by status, tasks in the broker's hands, and the lock
    that the worker's restore of unacknowledged tasks takes (a worker killed holding it keeps it till it
    expires)."""
    return {
        "comments": dict(
            comments.order_by().values("tag_status").annotate(n=Count("id")).values_list("tag_status", "n")
        ),
        "unacked": broker.hlen("unacked"),
        "queued": _queued(broker),
        "restore_lock_ttl": broker.ttl("unacked_mutex"),
    }


def test_a_worker_killed_among_single_comment_posts_fails_no_comment_for_good(
    transactional_db, private_redis, app_on, start_worker
):
    """400 public-form posts of one comment each, the worker SIGKILLed after 60 are tagged, then restarted:
    every comment ends tagged. (Before: the comments whose task came back were marked failed "died while
    tagging this text, twice", though it died once, and the sweep never tried them again.)"""
    world = build_world()
    ids = [comments_saved(world.service_a, 1)[0] for _ in range(POSTS)]
    app_on(private_redis.url)
    # A text that died alone is tried again after TAGGING_SWEEP_AFTER_SECONDS (production: ten minutes).
    env = {"CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT), "TAGGING_SWEEP_AFTER_SECONDS": "1"}
    # Two pool processes, as `make worker` and docker-compose run: two comments in the worker's hands at once.
    first = start_worker(database_url=_test_database_url(), redis_url=private_redis.url, concurrency=2, **env)
    for pk in ids:  # one task per post, as the public form queues them
        with transaction.atomic():
            tagging_queue(label=LABEL, ids=[pk])

    broker = redis.Redis.from_url(private_redis.url)
    wait_for(
        lambda: tagged_count() >= 60 and broker.hlen("unacked") >= 1,
        timeout=120,
        interval=0.02,
        message="60 comments tagged",
    )
    first.kill()
    assert tagged_count() < POSTS

    second = start_worker(
        database_url=_test_database_url(), redis_url=private_redis.url, concurrency=2, **env
    )
    comments = Comment.objects.filter(pk__in=ids)

    def drained() -> bool:
        """The broker holds nothing more: every task queued or unacknowledged was handed out and acknowledged,
        the dead worker's included (it comes back after VISIBILITY_TIMEOUT)."""
        return broker.hlen("unacked") == 0 and not any(_queued(broker).values())

    # At most one post is still untagged then: Redis's BRPOP takes a task off the queue before the worker
    # records it as unacknowledged, so a worker killed in between loses that task's signal (kombu's Redis
    # transport; the next one it asked for). The database still says "untagged", and the sweep below finds it.
    wait_for(
        lambda: drained() and comments.filter(tag_status=TagStatus.UNTAGGED).count() <= 1,
        timeout=120,
        message="every post dealt with after the restart (the lost task redelivered)",
        state=lambda: _broker_state(broker, comments),
    )
    # The comments the worker was tagging when it died (at most one per pool process) wait for a retry
    # alone; nothing else is failed, and nothing says it died twice.
    failed = list(comments.filter(tag_status=TagStatus.FAILED).values_list("tag_error", flat=True))
    assert len(failed) <= 2, failed
    assert all(error == services.WORKER_DIED_RETRY for error in failed), failed
    assert not TaggingClaim.objects.filter(deaths__gt=1).exists()

    # The minutely sweep (celery beat; called here) queues it again, alone, and it is tagged. A comment whose
    # tags were written just before the kill, but whose claim was not yet dropped, is already tagged: its
    # redelivered task counts the death and the sweep's retry (a no-op tag) drops the claim. That may come
    # after every comment reads "tagged", so the crash history is waited for too, not read once.
    def swept_tagged_and_settled() -> bool:
        # The sweep as the worker's settings make it (TAGGING_SWEEP_AFTER_SECONDS=1), not as this process's
        # default (ten minutes) would: a post whose signal was lost at the kill is only seconds old.
        services.untagged_sweep(older_than=timedelta(seconds=1))
        tagged = comments.filter(tag_status=TagStatus.TAGGED).count()
        return tagged == POSTS and not TaggingClaim.objects.exists()

    wait_for(
        swept_tagged_and_settled,
        timeout=60,
        interval=1,
        message="every comment tagged, and no crash history left, after the sweep's retry",
        state=lambda: {**_broker_state(broker, comments), "claims": list(TaggingClaim.objects.values())},
    )
    second.stop()
    duplicates = (
        CommentTag.objects.filter(comment__in=ids)
        .values("comment", "theme")
        .annotate(n=Count("id"))
        .filter(n__gt=1)
    )
    assert not duplicates.exists(), "a theme tagged twice on one comment"
