"""Periodic safety routing: email new concerns to their person, escalate the unanswered (stories.safety)."""

from celery import shared_task

from insight_hub.retry import RETRY_POLICY

from . import safety


# Safe to run twice: alerts are keyed per (story, flag, stage) in the outbox, and each story is locked.
@shared_task(name="stories.tasks.send_safety_alerts", **RETRY_POLICY)
def send_safety_alerts() -> dict:
    """Escalate first, so a concern that moves this minute is emailed to its new person at once."""
    escalated = safety.escalate_unanswered()
    alerted = safety.send_safety_alerts()
    return {"escalated": escalated, "alerted": alerted}
