from celery import shared_task
from django.utils import timezone

from .models import Heartbeat


@shared_task
def heartbeat() -> None:
    """Sent by beat every minute; whichever worker runs it records that beat and it are alive."""
    Heartbeat.objects.update_or_create(name="beat", defaults={"at": timezone.now()})
