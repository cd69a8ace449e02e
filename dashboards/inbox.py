from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from insight_hub.inbox import InboxItem

from .models import Dashboard


def dashboards_inbox(user):
    due = Dashboard.objects.filter(owner=user, review_on__lt=timezone.localdate()).aggregate(
        n=Count("pk"), oldest=Min("review_on")
    )
    label = "Dashboards you own, due for review"
    yield InboxItem(label, due["n"], reverse("dashboards:index"), due["oldest"])
