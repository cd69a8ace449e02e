"""Feedback tasks. Each takes ids, loads rows and calls a service; each is safe to run twice."""

from celery import shared_task

from feedback.importers import services as import_services
from insight_hub.retry import RETRY_POLICY


@shared_task(acks_late=True, **RETRY_POLICY)
def import_run(batch_id: int) -> None:
    """Run an uploaded import. A redelivered or retried run resumes it: written rows are not written twice."""
    import_services.import_batch_run(batch_id=batch_id)
