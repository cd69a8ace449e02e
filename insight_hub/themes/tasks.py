"""Tagging tasks. Each takes ids, loads rows and calls a service; all are idempotent, so `acks_late`
redelivery after a worker crash is safe."""

import logging

from celery import shared_task
from django.db import InterfaceError, OperationalError

from . import services

logger = logging.getLogger(__name__)

# Only these are worth retrying: the database went away (a restart) and will be back.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=8,
    retry_jitter=True,
)
def tag_items(label: str, ids: list[int]) -> dict[str, int]:
    counts = services.items_tag(label=label, ids=ids)
    logger.info("tagged %s: %s", label, counts)
    return counts


@shared_task(acks_late=True)
def sweep_untagged() -> int:
    return services.untagged_sweep()
