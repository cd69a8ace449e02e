import datetime as dt

from django.db.models import Count, Min, Q
from django.urls import reverse
from django.utils import timezone

from insight_hub.inbox import InboxItem
from insight_hub.organisations.permissions import scope_for

from .models import ImportBatch, ImportStatus

RECENT = dt.timedelta(days=30)


def feedback_inbox(user):
    """Imports of the person's own organisations in the last 30 days that failed or refused rows."""
    org_ids = scope_for(user).px_org_ids
    if not org_ids:
        return
    problems = ImportBatch.objects.filter(
        Q(status=ImportStatus.FAILED) | Q(rows_failed__gt=0),
        organisation_id__in=org_ids,
        uploaded_at__gte=timezone.now() - RECENT,
    ).aggregate(n=Count("pk"), oldest=Min("uploaded_at"))
    label = "Imports with problems (last 30 days)"
    yield InboxItem(label, problems["n"], reverse("feedback:imports:list"), problems["oldest"])
