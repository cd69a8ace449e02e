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

from django.db.models import Count, QuerySet, Sum

from feedback.metrics import (
    FFT_FIELDS,
    RECOMMEND_FIELDS,
    THRESHOLD,
    FFTCounts,
    RecommendCounts,
    RecommendFigures,
    fft_figures,
    percent,
    recommend_figures,
)
from insight_hub.periods import Period, month_start, next_month
from insight_hub.suppression import SUPPRESSED, share, shown, shown_percent, suppress
from insight_hub.themes.models import Theme
from stories.models import Purpose, Story

from .models import (
    FFTMonthly,
    ThemeMonthly,
)

SENTIMENTS = ("positive", "neutral", "negative")
# What each bucket of the roll-ups holds. A "mixed" story (strong praise and strong criticism) is neither
# positive nor negative: it is counted, and its stories quoted, with the neutral ones ("neutral or mixed").
BUCKET_SENTIMENTS = {"positive": ("positive",), "neutral": ("neutral", "mixed"), "negative": ("negative",)}


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


def fft_old_question(org_ids, service_ids, period: Period) -> RecommendFigures | None:
    """Answers to the 2013–2020 question ("How likely are you to recommend…") in the period, from the
    roll-up's own columns: never in % positive, shown apart. None when there are none."""
    row = _fft_rows(org_ids, service_ids, period).aggregate(**{n: Sum(n) for n in RECOMMEND_FIELDS})
    counts = RecommendCounts.from_mapping(row)
    return recommend_figures(counts) if counts.total else None


def spc_points(trend: Sequence[tuple[dt.date, FFTCounts]]) -> list[tuple[dt.date, float | str | None]]:
    """% positive per month for the SPC chart. A month with no responses has no point (None); a month whose %
    positive is suppressed (fewer than THRESHOLD responses, or a count behind it that could point at someone)
    has none either, but is marked "*", so a chart's table and caption can say why it is missing."""
    points = []
    for month, counts in trend:
        percent = fft_figures(counts).percent_positive
        if percent is None or percent == SUPPRESSED:
            points.append((month, percent))
        else:
            points.append((month, round(100 * counts.positive / counts.total, 1)))
    return points


def data_first_month() -> dt.date | None:
    """The first month any roll-up holds (FFT answers, or comments and stories by theme): the month lists of
    the period filters and board reports reach back to it. Reads the roll-ups' (month, ...) indexes."""
    firsts = [
        model.objects.order_by("month").values_list("month", flat=True).first()
        for model in (FFTMonthly, ThemeMonthly)
    ]
    return min((month for month in firsts if month is not None), default=None)


def fft_by(org_ids, service_ids, period: Period, *, by: str) -> dict[int, tuple[FFTCounts, FFTCounts]]:
    """Per organisation or service (`by`: "organisation_id" or "service_id"): (period, headline month: the
    period's last complete month, see `Period.headline_month`)."""
    totals: dict[int, FFTCounts] = {}
    latest: dict[int, FFTCounts] = {}
    for row in _fft_rows(org_ids, service_ids, period).values(by, "month").annotate(**_fft_sums()).order_by():
        counts = FFTCounts.from_mapping(row)
        key = row[by]
        previous = totals.get(key, FFTCounts())
        totals[key] = FFTCounts(*(a + b for a, b in zip(previous.as_tuple(), counts.as_tuple(), strict=True)))
        if row["month"] == period.headline_month:
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
    """Themes mentioned significantly more in the period's headline month (its last complete month, see
    `Period.headline_month`) than in the months before it.

    The baseline is the mean monthly count over the previous `baseline_months`; the test is one-sided
    Poisson (is a count this high likely if the rate had not changed?), at `alpha` after a Bonferroni
    correction for the number of themes tested, so that 32 themes tested each month do not produce a
    "rising" theme by chance most months. Themes with fewer than THRESHOLD mentions are not tested.
    """
    from scipy.stats import poisson

    org_ids = list(org_ids)
    current = period.headline_month
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
