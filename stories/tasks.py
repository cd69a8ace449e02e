"""Celery tasks of stories: interfaces that take ids or nothing, and call a service."""

from __future__ import annotations

from celery import shared_task
from django.conf import settings

from insight_hub.organisations.models import ICS
from insight_hub.retry import RETRY_POLICY

from . import redaction, safety
from .care_opinion.sync import SyncBusy, care_opinion_sync
from .importing import services as import_services


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


@shared_task(name="stories.tasks.sync_care_opinion")
def sync_care_opinion() -> dict:
    """Periodic Care Opinion sync of every ICS (stories.care_opinion). Not retried by Celery: a run that stops
    keeps its position, and the next scheduled run resumes there. Nothing to do without a key."""
    if not settings.CARE_OPINION_API_KEY:
        return {}
    outcome = {}
    for ics in ICS.objects.order_by("pk"):
        try:
            run = care_opinion_sync(ics=ics)
        except SyncBusy:
            outcome[ics.pk] = "busy"
            continue
        outcome[ics.pk] = run.status
    return outcome


@shared_task(acks_late=True, **RETRY_POLICY)
def story_import_run(batch_id: int) -> None:
    """Run an uploaded story import; a redelivered run imports only the stories not yet imported."""
    import_services.story_import_run(batch_id=batch_id)


@shared_task(acks_late=True, **RETRY_POLICY)
def imported_stories_prepare(ids: list[int]) -> int:
    """Redact a chunk of imported stories and queue their tagging (safe to run twice)."""
    return import_services.imported_stories_prepare(ids=ids)
