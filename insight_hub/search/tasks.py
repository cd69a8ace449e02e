from celery import shared_task

from insight_hub.retry import RETRY_POLICY

from . import alerts


@shared_task(**RETRY_POLICY)
def send_search_alerts(frequency: str) -> int:
    """Beat: every 15 minutes for "soon" alerts, each morning for "daily" ones (insight_hub/celery.py)."""
    return alerts.alerts_send(frequency=frequency)
