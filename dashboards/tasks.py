"""Roll-up tasks: a pass every minute picks up what changed; a nightly rebuild is the backstop."""

import logging

from celery import shared_task

from insight_hub.retry import RETRY_POLICY

from . import rollups

logger = logging.getLogger(__name__)


@shared_task(acks_late=True, **RETRY_POLICY)
def refresh_rollups() -> dict[str, int]:
    return rollups.refresh_stale()


@shared_task(acks_late=True, **{**RETRY_POLICY, "max_retries": 3})  # the nightly backstop
def rebuild_rollups() -> dict[str, float]:
    return rollups.rebuild_all()


# Safe to run twice a day: each digest is keyed per person and ISO week in the outbox.
@shared_task(
    name="dashboards.tasks.send_weekly_digests", acks_late=True, **{**RETRY_POLICY, "max_retries": 3}
)
def send_weekly_digests() -> int:
    from .digest import send_weekly_digests as send

    return send()
