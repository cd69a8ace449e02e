"""Tagging tasks. Each takes ids, loads rows and calls a service; all are idempotent, so `acks_late`
redelivery after a worker crash is safe."""

import logging

from celery import shared_task
from celery.signals import celeryd_after_setup, worker_process_init

from insight_hub.retry import RETRY_POLICY

from . import services

logger = logging.getLogger(__name__)


# Tagging retries longer than the default: a batch waits out a whole database restart.
@shared_task(bind=True, acks_late=True, **{**RETRY_POLICY, "max_retries": 8})
def tag_items(self, label: str, ids: list[int]) -> dict[str, int]:
    # This delivery's name: a task handed out again after its worker died keeps its id and retry count, so it
    # finds the claims it made before dying; an autoretry (the database went away) is a new delivery.
    holder = f"{self.request.id}/{self.request.retries}"
    died = services.tagging_start(label=label, ids=ids, holder=holder)
    if died:
        # The worker died while tagging this batch: a crash, the OOM killer, a deploy, or a text that kills
        # the process. Requeued whole, such a text would kill every worker that takes it, for ever. So the
        # batch is split in two, and a text that died alone is tried alone once more, later, then failed
        # for good: a text that kills the process is isolated in a few rounds and the rest is tagged.
        if len(ids) > 1:
            half = len(ids) // 2
            tag_items.delay(label, ids[:half])
            tag_items.delay(label, ids[half:])
            logger.warning("tagging %s: a worker died on a batch of %d; split in two", label, len(ids))
            return {"split": len(ids)}
        retry = services.tagging_died_alone(label=label, item_id=ids[0])
        outcome = "retry planned" if retry else "failed for good"
        logger.warning("tagging %s %s: a worker died on it alone; %s", label, ids[0], outcome)
        return {"failed": 1, "retry": int(retry)}
    counts = services.items_tag(label=label, ids=ids)
    services.tagging_finish(holder=holder)
    logger.info("tagged %s: %s", label, counts)
    return counts


@shared_task(acks_late=True)
def sweep_untagged() -> int:
    return services.untagged_sweep()


# A worker that takes tagging work loads its models as each pool process starts, not inside its first task,
# where a cold start (about 3 s: spaCy, the tagger, the redaction model) would hold up a whole batch.
_CONSUMES_NLP = False


@celeryd_after_setup.connect
def _note_queues(sender, instance, **kwargs) -> None:
    global _CONSUMES_NLP
    _CONSUMES_NLP = "nlp" in instance.app.amqp.queues.consume_from


@worker_process_init.connect
def _load_models(**kwargs) -> None:
    if not _CONSUMES_NLP:
        return
    from insight_hub.privacy.redaction import redact
    from insight_hub.themes.ml import TagInput, load_tagger

    redact("Loaded by Dr Patel.")
    load_tagger().tag([TagInput("Loaded.", "nonspecific")])
    logger.info("tagging models loaded")


@shared_task(acks_late=True, **{**RETRY_POLICY, "max_retries": 8})
def retag_local_theme(theme_id: int) -> dict[str, int]:
    """A local theme was made (an emerging theme accepted): re-tag the texts it may match."""
    from . import emerging

    return emerging.local_theme_retag(theme_id=theme_id)


@shared_task(acks_late=True)
def discover_emerging_themes() -> int:
    """Monthly (beat): one discovery run per ICS, each its own task."""
    from insight_hub.organisations.models import ICS

    ids = list(ICS.objects.order_by("pk").values_list("pk", flat=True))
    for ics_id in ids:
        discover_themes_for_ics.delay(ics_id)
    return len(ids)


@shared_task(acks_late=True, **{**RETRY_POLICY, "max_retries": 8})
def discover_themes_for_ics(ics_id: int) -> int:
    from insight_hub.organisations.models import ICS

    from . import emerging

    ics = ICS.objects.filter(pk=ics_id).first()
    if ics is None:
        logger.info("emerging themes: ICS %s no longer exists", ics_id)
        return 0
    return len(emerging.themes_discover(ics=ics))
