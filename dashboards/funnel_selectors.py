"""What the funnel plots read: roll-ups and NHS England's published figures, as `funnel.FunnelPoint`s.

Like every selector here, these take organisation ids the view has already checked. Two read a little past
them, on purpose, and return no row of anything they read: `ics_fft_target` and `ics_theme_targets` pool the
whole ICS into one value (the target a trust's services are compared with), and `national_fft` reads NHS
England's published figures, which are public, for every English trust.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass

from django.db.models import Sum

from feedback.metrics import FFTCounts, fft_figures
from feedback.models import FFTLevel, FFTPublishedFigure
from insight_hub.organisations.models import FFTSetting, Organisation, OrganisationKind
from insight_hub.periods import Period
from insight_hub.suppression import SUPPRESSED
from insight_hub.themes.models import Theme

from .funnel import FunnelPoint
from .models import CommentMonthly, Source, ThemeMonthly
from .selectors import _fft_rows, _fft_sums

TOUCHPOINT_LABELS = {
    "antenatal": "antenatal",
    "birth": "birth",
    "postnatal_ward": "postnatal ward",
    "postnatal_community": "postnatal community",
}


def fft_points(org_ids, service_ids, period: Period, *, by: str, labels: dict[int, str]) -> list[FunnelPoint]:
    """FFT % positive per organisation or service (`by`: "organisation_id" or "service_id"), one point per
    label given (those without responses are left out: they have nothing to place)."""
    rows = _fft_rows(org_ids, service_ids, period).values(by).annotate(**_fft_sums()).order_by()
    counts = {row[by]: FFTCounts.from_mapping(row) for row in rows}
    return [
        FunnelPoint(
            label,
            counts[key].positive,
            counts[key].total,
            # The page's FFT table shows the same row through `fft_figures`, which may hide % positive to
            # protect a small count of other answers (total - positive - negative): then it is not plotted.
            withheld=fft_figures(counts[key]).percent_positive == SUPPRESSED,
        )
        for key, label in labels.items()
        if key in counts and counts[key].total
    ]


def ics_organisation_ids(organisation: Organisation) -> list[int]:
    """The open trusts of the organisation's ICS (itself alone when it belongs to none)."""
    if organisation.ics_id is None:
        return [organisation.pk]
    return list(
        Organisation.objects.filter(ics_id=organisation.ics_id, closed_on__isnull=True)
        .exclude(kind=OrganisationKind.ICB)
        .values_list("pk", flat=True)
    )


def ics_fft_target(org_ids, service_ids, period: Period) -> float | None:
    """The pooled % positive of the organisations (as a proportion), None without responses."""
    counts = FFTCounts.from_mapping(_fft_rows(org_ids, service_ids, period).aggregate(**_fft_sums()))
    return counts.positive / counts.total if counts.total else None


# --- Themes in survey comments ------------------------------------------------------------------------


def _comment_rows(model, org_ids, service_ids, period: Period):
    rows = model.objects.filter(period.filter(), organisation_id__in=list(org_ids))
    if service_ids is not None:
        rows = rows.filter(service_id__in=list(service_ids))
    return rows


def theme_choices(org_ids, service_ids, period: Period) -> list[tuple[Theme, int]]:
    """Themes mentioned in survey comments in the period, most mentioned first, with their mentions."""
    rows = (
        _comment_rows(ThemeMonthly, org_ids, service_ids, period)
        .filter(source=Source.COMMENT)
        .values("theme_id")
        .annotate(n=Sum("count"))
        .order_by()
    )
    counts = {row["theme_id"]: row["n"] for row in rows}
    themes = Theme.objects.in_bulk(list(counts))
    return sorted(((themes[pk], n) for pk, n in counts.items()), key=lambda item: (-item[1], item[0].name))


@dataclass
class ThemeCounts:
    comments: int = 0  # all survey comments
    mentions: int = 0  # comments mentioning the theme (a comment is tagged with a theme at most once)
    negative: int = 0  # of those, negative ones


def theme_counts(theme_id: int, org_ids, service_ids, period: Period, *, by: str | None) -> dict:
    """{key: ThemeCounts} per organisation or service (`by`), or {None: ThemeCounts} pooled (`by` None)."""
    out: dict = defaultdict(ThemeCounts)
    group = [by] if by else []
    comments = (
        _comment_rows(CommentMonthly, org_ids, service_ids, period).values(*group).annotate(n=Sum("count"))
    )
    for row in comments.order_by():
        out[row[by] if by else None].comments += row["n"] or 0
    mentions = (
        _comment_rows(ThemeMonthly, org_ids, service_ids, period)
        .filter(source=Source.COMMENT, theme_id=theme_id)
        .values(*group, "sentiment")
        .annotate(n=Sum("count"))
    )
    for row in mentions.order_by():
        entry = out[row[by] if by else None]
        entry.mentions += row["n"]
        if row["sentiment"] == "negative":
            entry.negative += row["n"]
    return dict(out)


def theme_points(counts: dict, labels: dict[int, str]) -> tuple[list[FunnelPoint], list[FunnelPoint]]:
    """(mentions per comments, negative per mentions) points, one per label with comments (or mentions)."""
    rates, negatives = [], []
    for key, label in labels.items():
        entry = counts.get(key)
        if entry is None:
            continue
        if entry.comments:
            rates.append(FunnelPoint(label, entry.mentions, entry.comments))
        if entry.mentions:
            negatives.append(FunnelPoint(label, entry.negative, entry.mentions))
    return rates, negatives


def pooled_targets(counts: ThemeCounts | None) -> tuple[float | None, float | None]:
    """(mention rate, negative share) of pooled counts, None where there is no denominator."""
    if counts is None:
        return None, None
    rate = counts.mentions / counts.comments if counts.comments else None
    negative = counts.negative / counts.mentions if counts.mentions else None
    return rate, negative


# --- NHS England's published figures ------------------------------------------------------------------


@dataclass
class NationalSetting:
    setting: str
    touchpoint: str
    points: list[FunnelPoint]  # every English trust with published figures in the period
    ours: set[str]  # the labels of our trusts among them

    @property
    def label(self) -> str:
        name = FFTSetting(self.setting).label if self.setting in FFTSetting.values else self.setting
        return (
            f"{name} ({TOUCHPOINT_LABELS.get(self.touchpoint, self.touchpoint)})" if self.touchpoint else name
        )

    @property
    def target(self) -> float | None:
        """England's value: all the trusts' published answers pooled."""
        total = sum(p.denominator for p in self.points)
        return sum(p.numerator for p in self.points) / total if total else None


def national_fft(ours: Iterable[int], period: Period, *, setting: str | None = None) -> list[NationalSetting]:
    """Trust-level published FFT figures in the period, one entry per setting (and maternity touchpoint)
    that has any for one of `ours`: every trust's answers summed over the months, its months with
    suppressed answers left out (NHS England shows "*" there), and which of them are ours."""
    ours = set(ours)
    rows = FFTPublishedFigure.objects.filter(
        period.filter("period"),
        level=FFTLevel.TRUST,
        total__isnull=False,
        very_good__isnull=False,
        good__isnull=False,
    )
    if setting:
        rows = rows.filter(setting=setting)
    sums = (
        rows.values("setting", "touchpoint", "organisation_id")
        .annotate(total=Sum("total"), very_good=Sum("very_good"), good=Sum("good"))
        .order_by()
    )
    grouped: dict[tuple[str, str], dict[int, tuple[int, int]]] = defaultdict(dict)
    for row in sums:
        grouped[(row["setting"], row["touchpoint"])][row["organisation_id"]] = (
            row["very_good"] + row["good"],
            row["total"],
        )
    names = {
        org.pk: org.display_name
        for org in Organisation.objects.filter(pk__in={pk for group in grouped.values() for pk in group})
    }
    out = []
    for (setting_code, touchpoint), by_org in sorted(grouped.items()):
        if not ours & set(by_org):
            continue
        points = [
            FunnelPoint(names[pk], positive, total)
            for pk, (positive, total) in sorted(by_org.items(), key=lambda item: names[item[0]])
            if total
        ]
        out.append(
            NationalSetting(setting_code, touchpoint, points, {names[pk] for pk in ours & set(by_org)})
        )
    return out
