from django.urls import reverse

from insight_hub.inbox import InboxItem

from .selectors import overdue_for


def charters_inbox(user):
    items = overdue_for(user)
    for kind, label in (
        ("review", "Charter commitment reviews you own, past due"),
        ("action", "Charter actions you own, past due"),
    ):
        mine = [item for item in items if item.kind == kind]
        yield InboxItem(
            label,
            len(mine),
            mine[0].url if len(mine) == 1 else reverse("charters:list"),
            min((item.due for item in mine), default=None),
        )
