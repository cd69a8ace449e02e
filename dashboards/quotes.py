"""Stories (and survey comments) beside the numbers: the dashboards' quote picker and the concerns list.

`representative_quotes` picks two or three stories for a theme tile in the proportions of its sentiment
mix; `sentiment_quotes` picks the newest of one sentiment, walking the roll-up of quotable story tags
(`StoryQuote`) so that no page runs a sub-query per story; consent is read again when the chosen stories'
text is read. The board report's own picker (chosen by a person, in the collected mix) is
`dashboards/reports/stories.py`.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from dataclasses import dataclass

from django.db.models import F, Q, Sum
from django.utils import timezone

from feedback.models import Comment
from insight_hub.periods import Period, month_start, next_month
from insight_hub.text import shorten
from insight_hub.themes.models import TagDecision
from stories.models import Purpose, Story, is_critical

from .models import (
    StoryQuote,
)
from .selectors import BUCKET_SENTIMENTS, SENTIMENTS, _sentiment_key, _theme_rows


@dataclass
class DashboardQuote:
    """A story or comment shown beside a number: redacted text, where it came from, and a link."""

    kind: str  # "story" / "comment"
    title: str
    text: str
    sentiment: str
    organisation: str
    month: dt.date
    url: str = ""
    critical: bool = False  # `stories.models.CRITICAL_STORY`: a safety concern or criticality 4–5
    reference: str = ""


def _allocate_by_sentiment(mix: dict[str, int], n: int) -> dict[str, int]:
    """Split n picks across sentiments in proportion to the mix (largest remainder), at least one for any
    sentiment present when n allows, so a mostly positive theme still shows its criticism."""
    total = sum(mix.values())
    if not total:
        return {}
    present = [s for s in SENTIMENTS if mix.get(s)]
    shares = {s: n * mix[s] / total for s in present}
    picks = {s: math.floor(shares[s]) for s in present}
    for s in sorted(present, key=lambda s: shares[s] - picks[s], reverse=True):
        if sum(picks.values()) >= n:
            break
        picks[s] += 1
    if n >= len(present):
        for s in present:
            if picks[s] == 0:
                donor = max(picks, key=picks.get)
                picks[donor] -= 1
                picks[s] = 1
    return {s: k for s, k in picks.items() if k}


def _evidence_excerpt(text: str, start: int | None, end: int | None, width: int = 280) -> str:
    if start is not None and end is not None and 0 <= start < end <= len(text):
        sentence = text[start:end].strip()
        if sentence:
            return sentence
    return shorten(text, width)


def representative_quotes(
    *,
    theme_id: int | None,
    org_ids,
    service_ids,
    period: Period,
    n: int = 3,
    org_names: dict[int, str],
    mix: dict[str, int] | None = None,
) -> list[DashboardQuote]:
    """Two or three stories (or, when there are too few, survey comments) for a theme and scope, chosen to
    reflect its sentiment mix, newest first: consented for internal learning, redacted, never withdrawn."""
    org_ids = list(org_ids)
    if mix is None:  # the sentiment mix of what was said, unless the caller has it already
        mix_rows = _theme_rows(org_ids, service_ids, period)
        if theme_id is not None:
            mix_rows = mix_rows.filter(theme_id=theme_id)
        mix = defaultdict(int)
        for row in mix_rows.values("sentiment").annotate(n=Sum("count")).order_by():
            mix[_sentiment_key(row["sentiment"])] += row["n"]
    quotes: list[DashboardQuote] = []
    theme_ids = None if theme_id is None else [theme_id]
    for sentiment, wanted in _allocate_by_sentiment(mix, n).items():
        quotes.extend(
            sentiment_quotes(
                theme_ids=theme_ids,
                org_ids=org_ids,
                service_ids=service_ids,
                period=period,
                sentiment=sentiment,
                wanted=wanted,
                org_names=org_names,
            )
        )
    return sorted(quotes, key=lambda q: q.month, reverse=True)


def sentiment_quotes(
    *, theme_ids, org_ids, service_ids, period: Period, sentiment: str, wanted: int, org_names: dict[int, str]
) -> list[DashboardQuote]:
    """Up to `wanted` of the newest stories tagged (with any of `theme_ids`, or any theme when None) with this
    sentiment, then survey comments if there are too few stories: consented for internal learning, never
    withdrawn, redacted text only, each quoting its tag's evidence sentence where it has one."""
    from django.urls import reverse

    org_ids = list(org_ids)
    # The roll-up of quotable story tags, walked newest first on its index (`story_quote_pick`): a few rows
    # read, however many stories the scope holds. Keyed like the theme roll-up, a story counts under its
    # first service.
    rows = StoryQuote.objects.filter(
        # "neutral" quotes draw on mixed stories too: mixed counts as neither positive nor negative.
        sentiment__in=BUCKET_SENTIMENTS.get(sentiment, (sentiment,)),
        organisation_id__in=org_ids,
        occurred_on__gte=period.first,
        occurred_on__lt=next_month(period.last),
    )
    if theme_ids is not None:
        rows = rows.filter(theme_id__in=list(theme_ids))
    if service_ids is not None:
        rows = rows.filter(service_id__in=list(service_ids))
    # A story tagged with several of the themes comes once, quoting its most confident tag. Read a few more
    # than wanted: consent is checked again below, and a story withdrawn since the refresh drops out.
    candidates: dict[int, tuple] = {}
    for story_id, confidence, start, end, said in rows.order_by("-occurred_on", "-story_id").values_list(
        "story_id", "confidence", "evidence_start", "evidence_end", "sentiment"
    )[: 3 * wanted + 6]:
        best = candidates.get(story_id)
        if best is None or (confidence or 0) > (best[0] or 0):
            candidates[story_id] = (confidence, start, end, said)
    texts = {
        row["story_id"]: row
        for row in Story.objects.usable_for(Purpose.INTERNAL_LEARNING)
        .filter(pk__in=list(candidates))
        .values(
            "occurred_on",
            story_id=F("pk"),
            safe_title=F("redacted_title"),
            safe_narrative=F("redacted_narrative"),
            org=F("organisation_id"),
            concern=F("safety_concern"),
            rating=F("criticality"),
        )
    }
    quotes = []
    for story_id, (_, evidence_start, evidence_end, said) in candidates.items():
        row = texts.get(story_id)
        if row is None or len(quotes) >= wanted:
            continue
        offset = len(row["safe_title"]) + 2
        start = evidence_start - offset if evidence_start is not None else None
        end = evidence_end - offset if evidence_end is not None else None
        quotes.append(
            DashboardQuote(
                kind="story",
                title=row["safe_title"],
                text=_evidence_excerpt(row["safe_narrative"], start, end),
                # What the quoted words say: the tag's sentence, else the story (e.g. "mixed").
                sentiment=said or sentiment,
                organisation=org_names.get(row["org"], ""),
                month=month_start(row["occurred_on"]),
                url=reverse("stories:detail", args=[row["story_id"]]),
                critical=is_critical(row["concern"], row["rating"]),
                reference=f"S{row['story_id']}",
            )
        )
    missing = wanted - len(quotes)
    if missing > 0:
        quotes.extend(_comment_quotes(theme_ids, org_ids, service_ids, period, sentiment, missing, org_names))
    return quotes


def _comment_quotes(
    theme_ids, org_ids, service_ids, period, sentiment, wanted, org_names
) -> list[DashboardQuote]:
    first, end = _bounds(period)
    comments = Comment.objects.filter(
        organisation_id__in=org_ids, responded_at__gte=first, responded_at__lt=end
    ).exclude(redacted_text="")
    if service_ids is not None:
        comments = comments.filter(service_id__in=list(service_ids))
    if theme_ids is not None:
        from feedback.models import CommentTag

        tagged = CommentTag.objects.filter(theme_id__in=list(theme_ids)).exclude(
            decision=TagDecision.REJECTED
        )
        values = BUCKET_SENTIMENTS.get(sentiment, (sentiment,))
        tagged = tagged.filter(Q(sentiment__in=values) | Q(sentiment="", comment__sentiment__in=values))
        comments = comments.filter(pk__in=tagged.values("comment_id"))
    else:
        comments = comments.filter(sentiment__in=BUCKET_SENTIMENTS.get(sentiment, (sentiment,)))
    rows = comments.order_by("-responded_at").values(
        "pk", "redacted_text", "organisation_id", "responded_at", "question_type"
    )[:wanted]
    return [
        DashboardQuote(
            kind="comment",
            title="Survey comment",
            text=_evidence_excerpt(row["redacted_text"], None, None),
            sentiment=sentiment,
            organisation=org_names.get(row["organisation_id"], ""),
            month=month_start(timezone.localtime(row["responded_at"]).date()),
            reference=f"C{row['pk']}",
        )
        for row in rows
    ]


def _bounds(period: Period) -> tuple[dt.datetime, dt.datetime]:
    tz = timezone.get_current_timezone()
    return (
        dt.datetime.combine(period.first, dt.time.min, tzinfo=tz),
        dt.datetime.combine(next_month(period.last), dt.time.min, tzinfo=tz),
    )


def safety_concerns_awaiting(user, org_ids, *, limit: int = 10) -> tuple[int, list[Story]]:
    """Stories flagged as a safety concern and still without the safety lead's response, oldest first. Only a
    safety concern has that response to wait for, so this is not "critical stories" (`CRITICAL_STORY` also
    takes in criticality 4–5, and the follow-up figures' response is the one to the teller), and the page
    names it as the stories' own page does: "Safety concerns awaiting a response" (redacted fields
    only are read by the template). Listed and counted through the one rule of who sees a story
    (`Story.objects.visible_to`): a trust's own px_lead sees its concerns in every status, everyone else only
    stories shared with consent, so the count is the list's and matches "awaiting response"."""
    stories = (
        Story.objects.visible_to(user)
        .filter(organisation_id__in=list(org_ids), safety_closed_at__isnull=True)
        .exclude(safety_concern="")
    )
    count = stories.count()
    oldest = list(
        stories.select_related("organisation")
        .only(
            "pk",
            "redacted_title",
            "organisation__name",
            "organisation__ods_code",
            "safety_flagged_at",
            "status",
        )
        .order_by("safety_flagged_at", "pk")[:limit]
    )
    return count, oldest
