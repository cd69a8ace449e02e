"""An owner's inbox: what needs the signed-in person today, with counts, at the top of their home page.

The home page lives in the core and the core never imports a feature app, so each app registers a
provider here when it is ready (as charters register their owned items with the dashboards' register). A
provider takes the user and yields `InboxItem`s; the home page shows those with a count above zero,
the urgent ones first, each linking to where the person acts.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from django.utils import timezone


@dataclass(frozen=True)
class InboxItem:
    label: str  # "Safety concerns waiting for your response"
    count: int
    url: str
    oldest: dt.datetime | dt.date | None = None  # of the waiting items, to show its age in days
    urgent: bool = False  # safety first

    @property
    def oldest_days(self) -> int | None:
        if self.oldest is None:
            return None
        oldest = self.oldest
        if isinstance(oldest, dt.datetime):
            oldest = timezone.localtime(oldest).date()
        return (timezone.localdate() - oldest).days


InboxProvider = Callable[[object], Iterable[InboxItem]]

PROVIDERS: list[InboxProvider] = []


def register(provider: InboxProvider) -> None:
    if provider not in PROVIDERS:
        PROVIDERS.append(provider)


def inbox_for(user) -> list[InboxItem]:
    if not getattr(user, "is_authenticated", False):
        return []
    items = [item for provider in PROVIDERS for item in provider(user) if item.count > 0]
    return sorted(items, key=lambda item: (not item.urgent, -(item.oldest_days or 0)))
