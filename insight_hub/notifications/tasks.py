from celery import shared_task

from insight_hub.retry import RETRY_POLICY

from . import services


@shared_task(**RETRY_POLICY)
def send_email(message_id: int) -> None:
    services.email_send(message_id)


@shared_task(**RETRY_POLICY)
def flush_outbox() -> None:
    """Every minute (beat): send what is due, e.g. what waited while the mail server was down."""
    services.outbox_flush()
