"""The equality view: FFT answers and theme sentiment by ethnic category, age band, sex and disability,
with small numbers suppressed in two levels and, where a population profile is recorded, who is not
responding."""

from __future__ import annotations

from collections import defaultdict
from dataclasses import dataclass, field

from django.db.models import Sum

from feedback.metrics import FFTCounts, percent
from insight_hub.periods import Period
from insight_hub.suppression import share, shown, shown_percent, suppress
from insight_hub.themes.models import Theme

from .models import (
    FFTEqualityMonthly,
    PopulationProfile,
    ThemeEqualityMonthly,
)
from .selectors import _fft_sums


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
