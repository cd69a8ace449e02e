"""Tagging tasks. Each takes ids, loads rows and calls a service; all are idempotent, so `acks_late`
redelivery after a worker crash is safe."""

import logging

from celery import shared_task
from celery.signals import celeryd_after_setup, worker_process_init
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)

# Only these are worth retrying: the database went away (a restart) and will be back.
TRANSIENT = (OperationalError, InterfaceError)


WORKER_LOST = (
    "WorkerLostError: the worker process died while tagging this text, twice (killed, or out of memory); "
    "it is not tried again automatically. Re-tag it once the cause is fixed."
)


@shared_task(
    bind=True,
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
    retry_jitter=True,
)
def tag_items(self, label: str, ids: list[int]) -> dict[str, int]:
    if (self.request.delivery_info or {}).get("redelivered"):
        # The worker running this batch died (acks_late handed it out again): a crash, the OOM killer, or a
        # text that kills the process. Requeued whole, such a text would kill every worker that takes it, for
        # ever. So the batch is split in two, and a text found alone in a batch that died is marked failed:
        # a text that kills the process is isolated in a few rounds and the rest is tagged.
        if len(ids) > 1:
            half = len(ids) // 2
            tag_items.delay(label, ids[:half])
            tag_items.delay(label, ids[half:])
            logger.warning("tagging %s: a worker died on a batch of %d; split in two", label, len(ids))
            return {"split": len(ids)}
        failed = services.items_mark_failed(label=label, ids=ids, error=WORKER_LOST)
        logger.warning("tagging %s %s: a worker died on it twice; marked failed", label, ids[0])
        return {"failed": failed}
    counts = services.items_tag(label=label, ids=ids)
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
