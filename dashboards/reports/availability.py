"""Whether a made report's files may still be handed out. A report quotes stories with the tellers' consent
as it stood when it was made; when a teller later withdraws consent (or narrows it so that quoting is no
longer allowed), every file already made that quotes their story stops being downloadable, and the report's
page says why and offers to make it again. Checked when asked, from the stories themselves, so no file can
outlive a withdrawal whichever way the consent changed. A story erased at the teller's request (see
`insight_hub/privacy/subjects.py`) is not held any more, so it cannot be quoted either."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Max
from django.utils import timezone

from stories.models import ConsentEvent, Purpose, Story

from .models import BoardReport


@dataclass(frozen=True)
class QuoteWithdrawn:
    story_id: int
    # When the teller withdrew consent (withdrawn) or last changed it so that it may no longer be quoted.
    since: dt.date | None
    withdrawn: bool
    # The story is no longer held at all: erased at the teller's request.
    erased: bool = False


def quotes_withdrawn(report: BoardReport) -> list[QuoteWithdrawn]:
    """The stories this report quotes that may no longer be quoted in a board report, by story id."""
    ids = [int(pk) for pk in report.quoted_story_ids or []]
    if not ids:
        return []
    usable = set(
        Story.objects.usable_for(Purpose.BOARD_QUOTE).filter(pk__in=ids).values_list("pk", flat=True)
    )
    gone = [pk for pk in ids if pk not in usable]
    if not gone:
        return []
    withdrawn_on = dict(Story.objects.filter(pk__in=gone).values_list("pk", "consent_withdrawn_on"))
    changed_at = dict(
        ConsentEvent.objects.filter(story_id__in=gone)
        .values("story_id")
        .annotate(last=Max("at"))
        .values_list("story_id", "last")
    )
    out = []
    for pk in sorted(gone):
        since = withdrawn_on.get(pk)
        withdrawn = since is not None
        if not withdrawn and changed_at.get(pk) is not None:
            since = timezone.localtime(changed_at[pk]).date()
        erased = pk not in withdrawn_on
        out.append(QuoteWithdrawn(story_id=pk, since=since, withdrawn=withdrawn, erased=erased))
    return out
