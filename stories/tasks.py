"""Celery tasks of stories: interfaces that take ids or nothing, and call a service."""

from __future__ import annotations

from celery import shared_task

from insight_hub.retry import RETRY_POLICY

from . import redaction, safety


@shared_task(acks_late=True)
def refresh_redactions() -> dict[str, int]:
    """Redo a batch of redactions made by older rules; re-queues itself while a full batch was found."""
    counts = redaction.stories_redaction_refresh()
    if sum(counts.values()) >= redaction.BATCH:
        refresh_redactions.delay()
    return counts


# Safe to run twice: alerts are keyed per (story, flag, stage) in the outbox, and each story is locked.
@shared_task(name="stories.tasks.send_safety_alerts", **RETRY_POLICY)
def send_safety_alerts() -> dict:
    """Periodic safety routing: raise a concern for each story rated highly critical at source and never
    flagged; escalate the unanswered, so a concern that moves this minute is emailed to its new person at
    once; then email each new concern to its person (stories.safety)."""
    flagged = safety.flag_high_criticality()
    escalated = safety.escalate_unanswered()
    alerted = safety.send_safety_alerts()
    return {"flagged": flagged, "escalated": escalated, "alerted": alerted}
