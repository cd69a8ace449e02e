"""What waits for a person in stories: safety concerns routed to them, and actions they own past due."""

from __future__ import annotations

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from insight_hub.inbox import InboxItem

from .models import ActionStatus, StoryAction
from .selectors import awaiting_response_for


def stories_inbox(user):
    awaiting = awaiting_response_for(user)
    mine = awaiting.filter(safety_routed_to=user).aggregate(n=Count("pk"), oldest=Min("safety_flagged_at"))
    yield InboxItem(
        "Safety concerns waiting for your response",
        mine["n"],
        reverse("stories:awaiting"),
        mine["oldest"],
        urgent=True,
    )
    everyone = awaiting.exclude(safety_routed_to=user).aggregate(
        n=Count("pk"), oldest=Min("safety_flagged_at")
    )
    yield InboxItem(
        "Other safety concerns you can see waiting for a response",
        everyone["n"],
        reverse("stories:awaiting"),
        everyone["oldest"],
    )
    overdue = StoryAction.objects.filter(
        owner=user, status=ActionStatus.OPEN, due_on__lt=timezone.localdate()
    ).aggregate(n=Count("pk"), oldest=Min("due_on"))
    label = "Story actions you own, past due"
    yield InboxItem(label, overdue["n"], reverse("stories:list"), overdue["oldest"])
