"""A worker death is counted per text that was in the dead worker's hands, not per batch that came back: a
text that died alone is retried alone later by the sweep, then failed for good, with the reason shown to
administrators. (Real workers killed for real: tests/reliability/test_worker_crash.py and test_poison.py.)"""

from __future__ import annotations

from datetime import timedelta

import pytest
from django.utils import timezone

from feedback.models import Comment
from insight_hub.themes import services
from insight_hub.themes.models import TaggingClaim, TagStatus
from insight_hub.themes.tasks import tag_items
from tests.themes.conftest import make_comment

LABEL = "feedback.comment"


def worker_died_tagging(ids: list[int], task_id: str) -> None:
    """What a worker leaves behind when it is killed while tagging `ids` for task `task_id`: its claims."""
    assert services.tagging_start(label=LABEL, ids=ids, holder=f"{task_id}/0") == []


def redelivered(ids: list[int], task_id: str):
    """The dead worker's unacknowledged task handed out again: the same task id, the same ids."""
    return tag_items.apply(args=[LABEL, ids], task_id=task_id).get()


@pytest.fixture
def sent(monkeypatch):
    queued = []
    # The sweep calls _send for every model, with an empty list when nothing waits (sending nothing).
    monkeypatch.setattr(
        "insight_hub.themes.services._send", lambda label, ids: queued.append((label, ids)) if ids else None
    )
    return queued


def test_a_text_only_prefetched_by_a_dead_worker_is_tagged_when_its_task_comes_back(world):
    comment = make_comment(world.service_a, "The nurses were kind and caring.")
    # Redelivered, but never started: the dead worker made no claim on it.
    assert redelivered([comment.pk], "prefetched")["tagged"] == 1
    comment.refresh_from_db()
    assert comment.tag_status == TagStatus.TAGGED
    assert not TaggingClaim.objects.exists(), "claims are dropped once a batch is written"


def test_a_text_that_died_alone_once_is_failed_for_a_while_and_retried_alone_by_the_sweep(world, sent):
    comment = make_comment(world.service_a, "Parking was a nightmare.")
    worker_died_tagging([comment.pk], "t1")
    assert redelivered([comment.pk], "t1") == {"failed": 1, "retry": 1}
    comment.refresh_from_db()
    assert comment.tag_status == TagStatus.FAILED
    assert comment.tag_error == services.WORKER_DIED_RETRY
    claim = TaggingClaim.objects.get(item_id=comment.pk)
    assert (claim.deaths, claim.deaths_alone, claim.holder) == (1, 1, "")
    assert claim.retry_at > timezone.now()

    assert services.untagged_sweep() == 0, "not before its retry is due"
    TaggingClaim.objects.filter(pk=claim.pk).update(retry_at=timezone.now() - timedelta(seconds=1))
    assert services.untagged_sweep() == 1
    assert sent == [(LABEL, [comment.pk])], "queued again on its own"
    assert services.untagged_sweep() == 0, "the next retry is pushed back, not sent every minute"

    # The retry alone succeeds: tagged, and its crash history is over.
    tag_items.apply(args=[LABEL, [comment.pk]], task_id="retry")
    comment.refresh_from_db()
    assert comment.tag_status == TagStatus.TAGGED and comment.tag_error == ""
    assert not TaggingClaim.objects.exists()


def test_a_text_that_died_alone_twice_is_failed_for_good_with_the_reason(world, sent):
    comment = make_comment(world.service_a, "Parking was a nightmare.")
    worker_died_tagging([comment.pk], "t1")
    redelivered([comment.pk], "t1")
    worker_died_tagging([comment.pk], "retry")  # the sweep's retry alone killed its worker too
    assert redelivered([comment.pk], "retry") == {"failed": 1, "retry": 0}
    comment.refresh_from_db()
    assert comment.tag_status == TagStatus.FAILED
    assert comment.tag_error.startswith("WorkerLostError: the worker process died each time it tagged")
    assert "2 times" in comment.tag_error and "not tried again automatically" in comment.tag_error
    claim = TaggingClaim.objects.get(item_id=comment.pk)
    assert (claim.deaths, claim.deaths_alone, claim.retry_at) == (2, 2, None)
    TaggingClaim.objects.update(last_death_at=timezone.now() - timedelta(days=1))
    assert services.untagged_sweep() == 0 and sent == []


def test_a_batch_a_worker_died_on_is_split_and_every_text_in_it_tagged(world):
    comments = [make_comment(world.service_a, f"The food was cold ({n}).") for n in range(4)]
    ids = [c.pk for c in comments]
    worker_died_tagging(ids, "batch")
    # Split in two; the halves (new tasks, run in process here) tag everything.
    assert redelivered(ids, "batch") == {"split": 4}
    assert Comment.objects.filter(pk__in=ids, tag_status=TagStatus.TAGGED).count() == 4
    assert not TaggingClaim.objects.exists()


def test_a_text_tagged_just_before_its_worker_died_stays_tagged_and_its_claim_is_dropped_by_the_retry(
    world, sent
):
    """Killed between writing the tags and dropping the claim: the redelivery counts the death, but the text
    is not shown as failed (its tags stand), and the sweep's retry alone, a no-op tag, ends its history."""
    comment = make_comment(world.service_a, "The nurses were kind and caring.")
    worker_died_tagging([comment.pk], "t1")
    services.items_tag(label=LABEL, ids=[comment.pk])  # written; tagging_finish never ran
    comment.refresh_from_db()
    tagged_at = comment.tagged_at
    assert redelivered([comment.pk], "t1") == {"failed": 1, "retry": 1}
    comment.refresh_from_db()
    assert (comment.tag_status, comment.tag_error) == (TagStatus.TAGGED, "")
    assert TaggingClaim.objects.filter(item_id=comment.pk, retry_at__isnull=False).exists()

    TaggingClaim.objects.update(retry_at=timezone.now() - timedelta(seconds=1))
    assert services.untagged_sweep() == 1 and sent == [(LABEL, [comment.pk])]
    assert tag_items.apply(args=[LABEL, [comment.pk]], task_id="retry").get()["skipped"] == 1
    comment.refresh_from_db()
    assert comment.tagged_at == tagged_at, "not written twice"
    assert not TaggingClaim.objects.exists()


def test_an_autoretry_after_a_database_error_is_not_counted_as_a_death(world):
    comment = make_comment(world.service_a, "The doctor explained everything clearly.")
    # The first attempt (retries 0) claimed and then lost the database; the retry is delivery 1.
    worker_died_tagging([comment.pk], "flaky")
    services.tagging_start(label=LABEL, ids=[comment.pk], holder="flaky/1")
    assert TaggingClaim.objects.get(item_id=comment.pk).deaths == 0


def test_administrators_see_the_texts_a_worker_died_on_and_why(world, client):
    comment = make_comment(world.service_a, "Parking was a nightmare.")
    worker_died_tagging([comment.pk], "t1")
    redelivered([comment.pk], "t1")
    world.admin.is_staff = world.admin.is_superuser = True
    world.admin.save()
    client.force_login(world.admin)
    page = client.get("/admin/themes/taggingclaim/")
    assert page.status_code == 200
    html = page.content.decode()
    assert str(comment.pk) in html
    assert "retry alone planned" in html
    assert "will be tried again on its own" in html
