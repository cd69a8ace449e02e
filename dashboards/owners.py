"""Who owns what: one register of everything in an ICS that needs a named owner.

Dashboards, their tiles and open "you said, we did" actions are listed here; other apps add theirs (charter
commitments, reviews) by appending a provider to `PROVIDERS` in their AppConfig.ready(). A provider takes an
ICS and yields `Owned` entries. The register puts gaps first: nobody named, then an owner whose account is no
longer active ("lapsed"), then anything overdue, then the rest.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.urls import reverse
from django.utils import timezone

from stories.models import ActionStatus, StoryAction

from .models import Dashboard, Tile


@dataclass
class Owned:
    kind: str  # e.g. "Dashboard", "Tile", "Action", "Charter commitment"
    title: str
    url: str
    owner: object  # a User or None
    due: object = None  # a date: review or due date
    context: str = ""

    @property
    def status(self) -> str:
        if self.owner is None:
            return "unowned"
        if not self.owner.is_active:
            return "lapsed"
        if self.due is not None and self.due < timezone.localdate():
            return "overdue"
        return "owned"

    @property
    def rank(self) -> int:
        return {"unowned": 0, "lapsed": 1, "overdue": 2, "owned": 3}[self.status]


def _dashboards(ics) -> Iterable[Owned]:
    for dashboard in Dashboard.objects.filter(ics=ics).select_related("owner"):
        yield Owned(
            "Dashboard",
            dashboard.title,
            reverse("dashboards:detail", args=[dashboard.pk]),
            dashboard.owner,
            dashboard.review_on,
            dashboard.get_status_display(),
        )
    for tile in Tile.objects.filter(dashboard__ics=ics).select_related("dashboard", "owner", "theme"):
        yield Owned(
            "Dashboard tile",
            str(tile),
            reverse("dashboards:detail", args=[tile.dashboard_id]),
            tile.owner,
            None,
            f"On “{tile.dashboard.title}”",
        )


def _actions(ics) -> Iterable[Owned]:
    actions = StoryAction.objects.filter(
        story__organisation__ics=ics, status=ActionStatus.OPEN
    ).select_related("owner", "story__organisation")
    for action in actions:
        yield Owned(
            "Action (you said, we did)",
            action.description[:120],
            reverse("stories:detail", args=[action.story_id]),
            action.owner,
            action.due_on,
            action.story.organisation.display_name,
        )


PROVIDERS: list[Callable] = [_dashboards, _actions]


def ownership_register(ics) -> list[Owned]:
    entries = [entry for provider in PROVIDERS for entry in provider(ics)]
    return sorted(entries, key=lambda e: (e.rank, e.kind, str(e.due or ""), e.title))
