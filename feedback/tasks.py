"""Feedback tasks. Each takes ids, loads rows and calls a service; each is safe to run twice."""

from celery import shared_task
from django.db import InterfaceError, OperationalError

from feedback.importers import services as import_services

# Only these are worth retrying: the database went away (a restart) and will be back.
TRANSIENT = (OperationalError, InterfaceError)


@shared_task(
    acks_late=True,
    autoretry_for=TRANSIENT,
    retry_backoff=2,
    retry_backoff_max=60,
    max_retries=5,
    retry_jitter=True,
)
def import_run(batch_id: int) -> None:
    """Run an uploaded import. A redelivered or retried run resumes it: written rows are not written twice."""
    import_services.import_batch_run(batch_id=batch_id)
