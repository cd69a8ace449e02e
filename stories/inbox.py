"""What waits for a person in stories: safety concerns routed to them, actions they own past due, and
change claims colleagues at their trust made that wait for their sign-off."""

from __future__ import annotations

from django.db.models import Count, Min
from django.urls import reverse
from django.utils import timezone

from insight_hub.inbox import InboxItem
from insight_hub.organisations.permissions import scope_for

from .models import ActionStatus, StoryAction
from .selectors import awaiting_response_for, escalated_unshared_for


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
    escalated = escalated_unshared_for(user).aggregate(n=Count("pk"), oldest=Min("safety_flagged_at"))
    yield InboxItem(
        "Safety concerns escalated to the ICB on stories not shared",
        escalated["n"],
        reverse("stories:awaiting"),
        escalated["oldest"],
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
    to_sign = StoryAction.objects.filter(
        story__organisation_id__in=scope_for(user).px_org_ids,
        change_claimed_at__isnull=False,
        change_signed_off_at__isnull=True,
    ).exclude(change_claimed_by=user)
    oldest = to_sign.order_by("change_claimed_at", "pk").first()
    yield InboxItem(
        "Change claims waiting for your sign-off",
        to_sign.count(),
        reverse("stories:change_sign_off", args=[oldest.story_id, oldest.pk]) if oldest else "",
        oldest.change_claimed_at if oldest else None,
    )
