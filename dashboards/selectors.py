"""What the dashboards read: roll-ups (never raw responses or comments) and a handful of chosen stories.

Every function takes organisation ids the caller has already checked (`reach` in the views works them out
from the person's scope), so a selector cannot widen what someone sees; the story pickers also apply the
consent rules (`Story.objects.usable_for`) and return redacted text only.
"""

from __future__ import annotations

import datetime as dt
import math
from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from feedback.metrics import FFT_FIELDS, THRESHOLD, FFTCounts, fft_figures, percent
from feedback.models import Comment
from insight_hub.suppression import SUPPRESSED, share, shown, shown_percent, suppress
from insight_hub.themes.models import TagDecision, Theme
from stories.models import Purpose, Story

from .models import (
    FFTEqualityMonthly,
    FFTMonthly,
    PopulationProfile,
    StoryQuote,
    ThemeEqualityMonthly,
    ThemeMonthly,
)
from .rollups import month_start, next_month

SENTIMENTS = ("positive", "neutral", "negative")
# What each bucket of the roll-ups holds. A "mixed" story (strong praise and strong criticism) is neither
# positive nor negative: it is counted, and its stories quoted, with the neutral ones ("neutral or mixed").
BUCKET_SENTIMENTS = {"positive": ("positive",), "neutral": ("neutral", "mixed"), "negative": ("negative",)}


# --- Periods -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Period:
    """Whole calendar months, first to last inclusive (both the 1st of their month)."""

    first: dt.date
    last: dt.date

    @classmethod
    def last_months(cls, count: int, *, today: dt.date | None = None) -> Period:
        last = month_start(today or timezone.localdate())
        first = last
        for _ in range(count - 1):
            first = month_start(first - dt.timedelta(days=1))
        return cls(first, last)

    @property
    def months(self) -> list[dt.date]:
        out, month = [], self.first
        while month <= self.last:
            out.append(month)
            month = next_month(month)
        return out

    def previous(self) -> Period:
        """The same number of months just before this period."""
        count = len(self.months)
        last = month_start(self.first - dt.timedelta(days=1))
        return Period.last_months(count, today=last)

    @property
    def label(self) -> str:
        if self.first == self.last:
            return f"{self.first:%B %Y}"
        return f"{self.first:%B %Y} to {self.last:%B %Y}"

    def filter(self, field: str = "month") -> Q:
        return Q(**{f"{field}__gte": self.first, f"{field}__lte": self.last})


# --- FFT -----------------------------------------------------------------------------------------------


def _fft_sums() -> dict:
    return {name: Sum(name) for name in FFT_FIELDS}


def _fft_rows(org_ids: Iterable[int], service_ids: Iterable[int] | None, period: Period) -> QuerySet:
    rows = FFTMonthly.objects.filter(period.filter(), organisation_id__in=list(org_ids))
    if service_ids is not None:
        rows = rows.filter(service_id__in=list(service_ids))
    return rows


def fft_trend(org_ids, service_ids, period: Period) -> list[tuple[dt.date, FFTCounts]]:
    """FFT answer counts per month of the period, months without responses included (all zero)."""
    by_month = {
        row["month"]: FFTCounts.from_mapping(row)
        for row in _fft_rows(org_ids, service_ids, period).values("month").annotate(**_fft_sums()).order_by()
    }
    return [(month, by_month.get(month, FFTCounts())) for month in period.months]


def spc_points(trend: Sequence[tuple[dt.date, FFTCounts]]) -> list[tuple[dt.date, float | None]]:
    """% positive per month for the SPC chart. A month whose % positive is suppressed (fewer than THRESHOLD
    responses, or a count behind it that could point at someone) has no point."""
    points = []
    for month, counts in trend:
        if fft_figures(counts).percent_positive in (None, SUPPRESSED):
            points.append((month, None))
        else:
            points.append((month, round(100 * counts.positive / counts.total, 1)))
    return points


@dataclass
class FFTRow:
    """One line of an FFT table: an organisation or a service, with the period's figures."""

    label: str
    url: str
    counts: FFTCounts
    figures: object  # feedback.metrics.FFTFigures
    latest_percent: int | None | str = None
    key: object = None


def fft_by(org_ids, service_ids, period: Period, *, by: str) -> dict[int, tuple[FFTCounts, FFTCounts]]:
    """Per organisation or service (`by`: "organisation_id" or "service_id"): (period, last month)."""
    totals: dict[int, FFTCounts] = {}
    latest: dict[int, FFTCounts] = {}
    for row in _fft_rows(org_ids, service_ids, period).values(by, "month").annotate(**_fft_sums()).order_by():
        counts = FFTCounts.from_mapping(row)
        key = row[by]
        previous = totals.get(key, FFTCounts())
        totals[key] = FFTCounts(*(a + b for a, b in zip(previous.as_tuple(), counts.as_tuple(), strict=True)))
        if row["month"] == period.last:
            latest[key] = counts
    return {key: (totals[key], latest.get(key, FFTCounts())) for key in totals}


def latest_percent(counts: FFTCounts):
    figures = fft_figures(counts)
    return figures.percent_positive


# --- Themes --------------------------------------------------------------------------------------------


def _theme_rows(org_ids, service_ids, period: Period, source: str | None = None) -> QuerySet:
    rows = ThemeMonthly.objects.filter(period.filter(), organisation_id__in=list(org_ids))
    if service_ids is not None:
        rows = rows.filter(service_id__in=list(service_ids))
    if source:
        rows = rows.filter(source=source)
    return rows


@dataclass
class ThemeSummary:
    theme: Theme
    positive: int = 0
    neutral: int = 0
    negative: int = 0
    previous: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def net_sentiment(self) -> int | None:
        """(positive - negative) / all mentions, as a whole percentage from -100 to 100."""
        if not self.total:
            return None
        return round(100 * (self.positive - self.negative) / self.total)

    @property
    def negative_percent(self) -> int | None:
        return percent(self.negative, self.total)

    @property
    def change(self) -> int:
        return self.total - self.previous

    @property
    def mix(self) -> dict[str, int]:
        return {"positive": self.positive, "neutral": self.neutral, "negative": self.negative}

    @property
    def shown(self) -> ThemeFigures:
        """The figures as shown, small numbers suppressed."""
        return theme_figures(self.positive, self.neutral, self.negative, self.previous)


@dataclass(frozen=True)
class ThemeFigures:
    """A theme's mentions as shown: volume, net sentiment and % negative, the previous period and the change;
    each a number, None (no mentions) or `*`."""

    total: object
    net_sentiment: object
    negative_percent: object
    previous: object
    change: object


def theme_figures(positive: int, neutral: int, negative: int, previous: int = 0) -> ThemeFigures:
    """Cells: positive, neutral, negative, previous period. Shown: the mentions, the previous period's, and
    net sentiment and % negative, whose numerators make the positive and negative counts shown sums."""
    hidden = suppress([positive, neutral, negative, previous], [(0, 1, 2), (0,), (2,), (3,)])
    total = positive + neutral + negative
    total_hidden = 0 in hidden
    sentiment_hidden = total_hidden or 1 in hidden or 2 in hidden
    net = (
        None if not total else SUPPRESSED if sentiment_hidden else round(100 * (positive - negative) / total)
    )
    return ThemeFigures(
        total=shown(total, total_hidden),
        net_sentiment=net,
        negative_percent=shown_percent(negative, total, hidden=total_hidden or 2 in hidden),
        previous=shown(previous, 3 in hidden),
        change=SUPPRESSED if total_hidden or 3 in hidden else total - previous,
    )


def _sentiment_key(value: str) -> str:
    """The bucket a stored sentiment counts in: "mixed", untagged ("") and anything else are neither."""
    return value if value in SENTIMENTS else "neutral"


def theme_summaries(org_ids, service_ids, period: Period, *, limit: int | None = None) -> list[ThemeSummary]:
    """Themes mentioned in the period, most mentioned first, with the previous period's volume."""
    org_ids = list(org_ids)
    summaries: dict[int, ThemeSummary] = {}
    themes = {t.pk: t for t in Theme.objects.all()}
    rows = _theme_rows(org_ids, service_ids, period).values("theme_id", "sentiment").annotate(n=Sum("count"))
    for row in rows.order_by():
        summary = summaries.setdefault(row["theme_id"], ThemeSummary(themes[row["theme_id"]]))
        key = _sentiment_key(row["sentiment"])
        setattr(summary, key, getattr(summary, key) + row["n"])
    previous = (
        _theme_rows(org_ids, service_ids, period.previous()).values("theme_id").annotate(n=Sum("count"))
    )
    for row in previous.order_by():
        if row["theme_id"] in summaries:
            summaries[row["theme_id"]].previous = row["n"]
    ordered = sorted(summaries.values(), key=lambda s: (-s.total, s.theme.name))
    return ordered[:limit] if limit else ordered


@dataclass
class ThemeMonth:
    month: dt.date
    positive: int = 0
    neutral: int = 0
    negative: int = 0

    @property
    def total(self) -> int:
        return self.positive + self.neutral + self.negative

    @property
    def net_sentiment(self) -> int | None:
        return round(100 * (self.positive - self.negative) / self.total) if self.total else None


def theme_trends(theme_ids, org_ids, service_ids, period: Period) -> dict[int, list[ThemeMonth]]:
    """Monthly mentions by sentiment for several themes at once (one query)."""
    by_theme = {theme_id: {month: ThemeMonth(month) for month in period.months} for theme_id in theme_ids}
    rows = (
        _theme_rows(org_ids, service_ids, period)
        .filter(theme_id__in=list(theme_ids))
        .values("theme_id", "month", "sentiment")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for row in rows:
        entry = by_theme[row["theme_id"]][row["month"]]
        key = _sentiment_key(row["sentiment"])
        setattr(entry, key, getattr(entry, key) + row["n"])
    return {theme_id: list(months.values()) for theme_id, months in by_theme.items()}


def theme_trend(theme_id: int, org_ids, service_ids, period: Period) -> list[ThemeMonth]:
    return theme_trends([theme_id], org_ids, service_ids, period)[theme_id]


@dataclass
class Heatmap:
    themes: list[Theme]
    columns: list[tuple[int, str]]  # (organisation id, short name)
    # values[theme index][column index]: % of mentions that were negative, "*" for too few mentions, None none
    values: list[list[object]]


def negative_heatmap(
    org_names: dict[int, str],
    period: Period,
    *,
    service_ids=None,
    limit: int = 12,
    summaries: list[ThemeSummary] | None = None,
) -> Heatmap:
    """Theme x trust: the share of each theme's mentions that were negative, for the most mentioned themes
    (`summaries`, if the caller has them). A cell shows `*` where its mentions, its negative mentions or the
    rest are from 1 to 4 (`insight_hub.suppression.share`): a percentage of three people could point at
    them."""
    org_ids = list(org_names)
    top = (summaries if summaries is not None else theme_summaries(org_ids, service_ids, period))[:limit]
    cells: dict[tuple[int, int], list[int]] = defaultdict(lambda: [0, 0])
    rows = (
        _theme_rows(org_ids, service_ids, period)
        .filter(theme_id__in=[s.theme.pk for s in top])
        .values("theme_id", "organisation_id", "sentiment")
        .annotate(n=Sum("count"))
        .order_by()
    )
    for row in rows:
        cell = cells[(row["theme_id"], row["organisation_id"])]
        cell[0] += row["n"]
        if row["sentiment"] == "negative":
            cell[1] += row["n"]
    columns = sorted(org_names.items(), key=lambda item: item[1])
    values = []
    for summary in top:
        line = []
        for org_id, _ in columns:
            total, negative = cells.get((summary.theme.pk, org_id), (0, 0))
            line.append(share(negative, total))
        values.append(line)
    return Heatmap(themes=[s.theme for s in top], columns=columns, values=values)


@dataclass
class RisingTheme:
    theme: Theme
    count: int
    expected: float
    p_value: float

    @property
    def ratio(self) -> float:
        return self.count / self.expected if self.expected else math.inf


def rising_themes(
    org_ids, period: Period, *, baseline_months: int = 6, alpha: float = 0.01
) -> list[RisingTheme]:
    """Themes mentioned significantly more in the period's last month than in the months before it.

    The baseline is the mean monthly count over the previous `baseline_months`; the test is one-sided
    Poisson (is a count this high likely if the rate had not changed?), at `alpha` after a Bonferroni
    correction for the number of themes tested, so that 32 themes tested each month do not produce a
    "rising" theme by chance most months. Themes with fewer than THRESHOLD mentions are not tested.
    """
    from scipy.stats import poisson

    org_ids = list(org_ids)
    current = period.last
    baseline = Period.last_months(baseline_months, today=month_start(current - dt.timedelta(days=1)))
    counts = defaultdict(int)
    for row in (
        ThemeMonthly.objects.filter(organisation_id__in=org_ids, month=current)
        .values("theme_id")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        counts[row["theme_id"]] = row["n"]
    base = defaultdict(int)
    for row in (
        ThemeMonthly.objects.filter(baseline.filter(), organisation_id__in=org_ids)
        .values("theme_id")
        .annotate(n=Sum("count"))
        .order_by()
    ):
        base[row["theme_id"]] = row["n"]
    tested = [theme_id for theme_id, n in counts.items() if n >= THRESHOLD]
    if not tested:
        return []
    corrected = alpha / len(tested)
    themes = Theme.objects.in_bulk(tested)
    rising = []
    for theme_id in tested:
        # Half a mention a month where a theme was never seen, so that a first appearance can be tested.
        expected = max(base[theme_id] / baseline_months, 0.5)
        p_value = float(poisson.sf(counts[theme_id] - 1, expected))
        if p_value < corrected:
            rising.append(RisingTheme(themes[theme_id], counts[theme_id], expected, p_value))
    return sorted(rising, key=lambda r: r.p_value)


# --- Stories beside the numbers -----------------------------------------------------------------------


@dataclass
class Quote:
    """A story or comment shown beside a number: redacted text, where it came from, and a link."""

    kind: str  # "story" / "comment"
    title: str
    text: str
    sentiment: str
    organisation: str
    month: dt.date
    url: str = ""
    critical: bool = False
    reference: str = ""


def _allocate(mix: dict[str, int], n: int) -> dict[str, int]:
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


def _excerpt(text: str, start: int | None, end: int | None, width: int = 280) -> str:
    if start is not None and end is not None and 0 <= start < end <= len(text):
        sentence = text[start:end].strip()
        if sentence:
            return sentence
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def representative_quotes(
    *,
    theme_id: int | None,
    org_ids,
    service_ids,
    period: Period,
    n: int = 3,
    org_names: dict[int, str],
    mix: dict[str, int] | None = None,
) -> list[Quote]:
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
    quotes: list[Quote] = []
    theme_ids = None if theme_id is None else [theme_id]
    for sentiment, wanted in _allocate(mix, n).items():
        quotes.extend(
            quotes_for(
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


def quotes_for(
    *, theme_ids, org_ids, service_ids, period: Period, sentiment: str, wanted: int, org_names: dict[int, str]
) -> list[Quote]:
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
            Quote(
                kind="story",
                title=row["safe_title"],
                text=_excerpt(row["safe_narrative"], start, end),
                # What the quoted words say: the tag's sentence, else the story (e.g. "mixed").
                sentiment=said or sentiment,
                organisation=org_names.get(row["org"], ""),
                month=month_start(row["occurred_on"]),
                url=reverse("stories:detail", args=[row["story_id"]]),
                critical=bool(row["concern"]),
                reference=f"S{row['story_id']}",
            )
        )
    missing = wanted - len(quotes)
    if missing > 0:
        quotes.extend(_comment_quotes(theme_ids, org_ids, service_ids, period, sentiment, missing, org_names))
    return quotes


def _comment_quotes(theme_ids, org_ids, service_ids, period, sentiment, wanted, org_names) -> list[Quote]:
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
        Quote(
            kind="comment",
            title="Survey comment",
            text=_excerpt(row["redacted_text"], None, None),
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


def critical_awaiting(user, org_ids, *, limit: int = 10) -> tuple[int, list[Story]]:
    """Stories flagged as a safety concern and still without a response, oldest first (redacted fields
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


# --- Pathways -----------------------------------------------------------------------------------------


@dataclass
class StageThemes:
    stage: object
    summaries: list[ThemeSummary] = field(default_factory=list)
    stories: int = 0


def pathway_stages(pathway, period: Period, *, per_stage: int = 5) -> list[StageThemes]:
    """Themes stage by stage: each stage reads its service (or, with none, its whole organisation)."""
    out = []
    story_counts = dict(
        Story.objects.usable_for(Purpose.INTERNAL_LEARNING)
        .filter(
            stages__pathway=pathway, occurred_on__gte=period.first, occurred_on__lt=next_month(period.last)
        )
        .values("stages")
        .annotate(n=Count("pk", distinct=True))
        .values_list("stages", "n")
    )
    for stage in pathway.stages.select_related("organisation", "service"):
        services = [stage.service_id] if stage.service_id else None
        out.append(
            StageThemes(
                stage=stage,
                summaries=theme_summaries([stage.organisation_id], services, period, limit=per_stage),
                stories=story_counts.get(stage.pk, 0),
            )
        )
    return out


# --- Equality -----------------------------------------------------------------------------------------


@dataclass
class EqualityRow:
    group: str
    label: str
    responses: object  # int or "*"
    percent_positive: object  # int, None (no responses) or "*"
    percent_negative: object
    share_of_responses: object = None  # % of all responses, or "*"
    share_of_population: int | None = None  # % of the people served, where known
    negative_themes: list[tuple[str, object]] = field(default_factory=list)


# What a blank answer is called: the question was not answered or not asked. It is not the code a person gives
# to say they would rather not say ("Not stated", "Prefer not to say"), which is a group of its own.
NOT_KNOWN = "Not known (not recorded)"


def _group_label(choices: dict[str, str], group: str) -> str:
    return choices.get(group, NOT_KNOWN) if group else NOT_KNOWN


def equality_fft(org_ids, period: Period, characteristic: str) -> tuple[list[EqualityRow], bool]:
    """FFT by group of one characteristic, with small numbers suppressed, and who is not responding where
    the population served is known. Returns the rows and whether a population denominator was available.

    The table shows, per group, its responses, % positive and % negative (so the positive and negative counts
    are shown sums, and what is left over can be worked out), and each group's share of all responses (so
    all responses is shown too). It is suppressed as one table (`insight_hub.suppression.suppress`): no
    count from 1 to 4, a group's or a part of one, can be worked out from what is shown.
    """
    choices = dict(_group_choices(characteristic))
    rows = (
        FFTEqualityMonthly.objects.filter(
            period.filter(), organisation_id__in=list(org_ids), characteristic=characteristic
        )
        .values("group")
        .annotate(**_fft_sums())
        .order_by()
    )
    counts = {row["group"]: FFTCounts.from_mapping(row) for row in rows}
    groups = [g for g in choices if g in counts] + ([""] if "" in counts else [])
    # Cells: per group positive, negative, the rest. Figures: per group total, positive, negative; then all.
    cells = []
    for g in groups:
        c = counts[g]
        cells += [c.positive, c.negative, c.total - c.positive - c.negative]
    figures = [f for k in range(len(groups)) for f in ((3 * k, 3 * k + 1, 3 * k + 2), (3 * k,), (3 * k + 1,))]
    figures.append(tuple(range(len(cells))))
    hidden = suppress(cells, figures)
    all_responses = sum(c.total for c in counts.values())
    population = _population_shares(org_ids, characteristic)
    result = []
    for k, group in enumerate(groups):
        c = counts[group]
        total_hidden = 3 * k in hidden or len(figures) - 1 in hidden
        result.append(
            EqualityRow(
                group=group,
                label=_group_label(choices, group),
                responses=shown(c.total, total_hidden),
                percent_positive=shown_percent(
                    c.positive, c.total, hidden=total_hidden or 3 * k + 1 in hidden
                ),
                percent_negative=shown_percent(
                    c.negative, c.total, hidden=total_hidden or 3 * k + 2 in hidden
                ),
                share_of_responses=shown_percent(c.total, all_responses, hidden=total_hidden),
                share_of_population=population.get(group) if population else None,
            )
        )
    return result, bool(population)


def _group_choices(characteristic: str) -> list[tuple[str, str]]:
    from feedback.models import Response

    return list(Response._meta.get_field(characteristic).choices or [])


def _population_shares(org_ids, characteristic: str) -> dict[str, int | None]:
    rows = list(
        PopulationProfile.objects.filter(organisation_id__in=list(org_ids), characteristic=characteristic)
        .values("group")
        .annotate(n=Sum("people"))
        .order_by()
    )
    total = sum(r["n"] for r in rows)
    return {r["group"]: percent(r["n"], total) for r in rows} if total else {}


def equality_themes(org_ids, period: Period, characteristic: str, *, limit: int = 8):
    """The most mentioned themes in survey comments, with the share of mentions that were negative for each
    group; a cell is suppressed where a count behind it is from 1 to 4 (`insight_hub.suppression.share`)."""
    rows = (
        ThemeEqualityMonthly.objects.filter(
            period.filter(), organisation_id__in=list(org_ids), characteristic=characteristic
        )
        .values("theme_id", "group", "sentiment")
        .annotate(n=Sum("count"))
        .order_by()
    )
    cells: dict[tuple[int, str], list[int]] = defaultdict(lambda: [0, 0])
    volume: dict[int, int] = defaultdict(int)
    for row in rows:
        cell = cells[(row["theme_id"], row["group"])]
        cell[0] += row["n"]
        volume[row["theme_id"]] += row["n"]
        if row["sentiment"] == "negative":
            cell[1] += row["n"]
    top = sorted(volume, key=lambda t: -volume[t])[:limit]
    themes = Theme.objects.in_bulk(top)
    choices = dict(_group_choices(characteristic))
    groups = [g for g in choices if any((t, g) in cells for t in top)]
    if any((t, "") in cells for t in top):
        groups.append("")
    table = []
    for theme_id in top:
        line = []
        for group in groups:
            total, negative = cells.get((theme_id, group), (0, 0))
            line.append(share(negative, total))
        table.append((themes[theme_id], line))
    return [(g, _group_label(choices, g)) for g in groups], table
