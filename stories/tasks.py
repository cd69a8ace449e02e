"""Celery tasks of stories: interfaces that take ids or nothing, and call a service."""

from __future__ import annotations

from celery import shared_task

from . import redaction


@shared_task(acks_late=True)
def refresh_redactions() -> dict[str, int]:
    """Redo a batch of redactions made by older rules; re-queues itself while a full batch was found."""
    counts = redaction.stories_redaction_refresh()
    if sum(counts.values()) >= redaction.BATCH:
        refresh_redactions.delay()
    return counts
