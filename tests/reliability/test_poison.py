"""A poison item (a text that makes the tagger raise) is marked failed with its error, in a real worker, and
neither stops the rest of its batch nor blocks the queue behind it: it is not retried or redelivered."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from django.db import transaction

from feedback.models import Comment
from insight_hub.themes import services
from insight_hub.themes.models import TaggingClaim, TagStatus
from insight_hub.themes.services import tagging_queue
from tests.conftest import ROOT, _test_database_url, build_world, wait_for
from tests.reliability.test_worker_crash import LABEL
from tests.themes.conftest import PoisonTagger, make_comment

pytestmark = pytest.mark.worker
POISONED = Path(__file__).parent / "poison"  # its sitecustomize wraps the worker's tagger in PoisonTagger


def test_a_poison_item_is_marked_failed_and_the_queue_goes_on(
    transactional_db, private_redis, app_on, start_worker
):
    world = build_world()
    app_on(private_redis.url)
    worker = start_worker(
        database_url=_test_database_url(),
        redis_url=private_redis.url,
        PYTHONPATH=f"{POISONED}:{ROOT}",
    )
    good = [make_comment(world.service_a, f"The nurses were kind and caring ({n}).") for n in range(6)]
    poison = make_comment(world.service_a, f"Fine until {PoisonTagger.POISON}.")
    alone = make_comment(world.service_a, PoisonTagger.POISON)
    after = [make_comment(world.service_a, f"Parking was a nightmare ({n}).") for n in range(3)]
    with transaction.atomic():
        # The poison in the middle of a batch, then a batch of it alone, then the queue behind them.
        tagging_queue(label=LABEL, ids=[c.pk for c in good[:3]] + [poison.pk] + [c.pk for c in good[3:]])
        tagging_queue(label=LABEL, ids=[alone.pk])
        tagging_queue(label=LABEL, ids=[c.pk for c in after])

    wait_for(
        lambda: Comment.objects.filter(tag_status=TagStatus.TAGGED).count() == len(good) + len(after),
        timeout=60,
        message="every good comment tagged, those queued behind the poison included",
    )
    wait_for(
        lambda: Comment.objects.filter(tag_status=TagStatus.FAILED).count() == 2, message="poison failed"
    )
    for item in (poison, alone):
        item.refresh_from_db()
        assert item.tag_status == TagStatus.FAILED
        assert item.tag_error == "ValueError: the tagger choked"
        assert not item.tags.exists()
    assert Comment.objects.get(pk=after[0].pk).tags.filter(theme__name="Parking").exists()
    log = worker.log.read_text()
    # Three tasks, each done once: a poison text is recorded, not retried and not redelivered.
    assert log.count("succeeded in") == 3, log[-3000:]
    assert "retry" not in log.lower() and "Traceback" not in log


KILLING = Path(__file__).parent / "killer"  # its sitecustomize makes one text SIGKILL the pool process
KILLER = "this text kills the worker process"


def test_a_text_that_kills_the_worker_process_is_isolated_retried_alone_and_failed_for_good(
    transactional_db, private_redis, app_on, start_worker
):
    world = build_world()
    app_on(private_redis.url)
    worker = start_worker(
        database_url=_test_database_url(),
        redis_url=private_redis.url,
        PYTHONPATH=f"{KILLING}:{ROOT}",
        # The retry alone is due a second after the death (production: ten minutes).
        TAGGING_SWEEP_AFTER_SECONDS="1",
    )
    good = [make_comment(world.service_a, f"The nurses were kind and caring ({n}).") for n in range(7)]
    killer = make_comment(world.service_a, f"All fine until {KILLER}.")
    after = [make_comment(world.service_a, f"Parking was a nightmare ({n}).") for n in range(3)]
    with transaction.atomic():
        tagging_queue(label=LABEL, ids=[c.pk for c in good[:5]] + [killer.pk] + [c.pk for c in good[5:]])
        tagging_queue(label=LABEL, ids=[c.pk for c in after])

    wait_for(
        lambda: Comment.objects.filter(tag_status=TagStatus.TAGGED).count() == len(good) + len(after),
        timeout=120,
        message="every other comment tagged, the killer's batch-mates included",
    )
    wait_for(
        lambda: Comment.objects.get(pk=killer.pk).tag_status == TagStatus.FAILED, message="killer failed"
    )
    killer.refresh_from_db()
    assert killer.tag_error == services.WORKER_DIED_RETRY, "after one death alone it is tried again"
    claim = TaggingClaim.objects.get(item_id=killer.pk)
    assert claim.deaths_alone == 1 and claim.retry_at is not None
    # Isolated by halving the batch of 8: one death each for 8, 4 and 2 texts and one for the text alone
    # (the next delivery marks it failed for a retry alone), never an endless loop of requeue and crash.
    deaths = re.findall(r"Worker exited prematurely: signal 9 \(SIGKILL\) Job: (\d+)", worker.log.read_text())
    assert len(set(deaths)) == 4, deaths

    # The sweep (celery beat, every minute; called here) retries it alone; it kills its worker again and is
    # failed for good, with the reason administrators see.
    def swept_and_failed_for_good() -> bool:
        services.untagged_sweep()
        return TaggingClaim.objects.filter(pk=claim.pk, deaths_alone=2, retry_at=None).exists()

    wait_for(swept_and_failed_for_good, timeout=90, interval=1, message="the retry alone failed for good")
    killer.refresh_from_db()
    assert killer.tag_status == TagStatus.FAILED
    assert killer.tag_error.startswith("WorkerLostError: the worker process died each time it tagged")
    assert "not tried again automatically" in killer.tag_error
    assert not killer.tags.exists()
    log = worker.log.read_text()
    assert len(set(re.findall(r"Worker exited prematurely: signal 9 \(SIGKILL\) Job: (\d+)", log))) == 5
    services.untagged_sweep()
    assert TaggingClaim.objects.get(pk=claim.pk).retry_at is None, "never queued again by the sweep"
    assert worker.process.poll() is None
