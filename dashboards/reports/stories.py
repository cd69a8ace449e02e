"""A board report's stories and its balance guard.

The stories "collected in the period" are every story of the scope that happened in the period and was not
withdrawn, whatever its consent: a board that hears only consented positive stories must still be told how
many critical ones there were. A story is critical when it carries a safety concern or its source rated it
strongly or severely critical (criticality 4 or 5; praise is never criticality). The default selection
quotes stories in proportion to four groups of the collected stories (critical, then the rest by
sentiment: negative, neutral or mixed, positive); see `default_selection`. `Balance` decides when the gap
between what was collected and what is quoted must be declared on the report's first page.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet

from feedback.metrics import THRESHOLD
from insight_hub.organisations.models import Organisation
from insight_hub.periods import Period, month_start, next_month
from insight_hub.suppression import SUPPRESSED, shown, shown_percent, suppress
from insight_hub.text import shorten
from stories.models import CRITICAL_STORY, Purpose, Story, StoryStatus, is_critical

STRATA = ("critical", "negative", "neutral", "positive")
STRATUM_LABELS = {
    "critical": "Critical (a safety concern or criticality 4–5)",
    "negative": "Negative",
    "neutral": "Neutral, mixed or not yet tagged",
    "positive": "Positive",
}
BALANCE_ALPHA = 0.05  # one-sided: critical stories quoted significantly below their share are declared
QUOTE_WIDTH = 700


# A critical story as every count of them reads it (`stories.models.CRITICAL_STORY`); `_is_critical` is the
# same rule for one story's values.
CRITICAL = CRITICAL_STORY
_is_critical = is_critical


def _stratum(safety_concern: str, sentiment: str, criticality: int | None = None) -> str:
    """A "mixed" story (strong praise and strong criticism) is neither negative nor positive."""
    if _is_critical(safety_concern, criticality):
        return "critical"
    return sentiment if sentiment in ("negative", "positive") else "neutral"


def _in_period(queryset: QuerySet, org_ids, period: Period) -> QuerySet:
    return queryset.filter(
        organisation_id__in=list(org_ids),
        occurred_on__gte=period.first,
        occurred_on__lt=next_month(period.last),
    )


def collected_mix(org_ids, period: Period) -> dict[str, int]:
    """Stories collected in the period by stratum: every story not withdrawn, consented for quoting or not."""
    stories = _in_period(Story.objects.all(), org_ids, period).exclude(status=StoryStatus.WITHDRAWN)
    stories = stories.filter(consent_withdrawn_on__isnull=True)
    mix = dict.fromkeys(STRATA, 0)
    rows = stories.values("safety_concern", "sentiment", "criticality").annotate(n=Count("pk")).order_by()
    for row in rows:
        mix[_stratum(row["safety_concern"], row["sentiment"], row["criticality"])] += row["n"]
    return mix


def quotable(org_ids, period: Period) -> QuerySet[Story]:
    """Stories that may be quoted: consent for a board-report quote, shared, not withdrawn."""
    return _in_period(Story.objects.usable_for(Purpose.BOARD_QUOTE), org_ids, period)


def _stratum_filter(stratum: str) -> Q:
    if stratum == "critical":
        return CRITICAL
    not_critical = ~CRITICAL
    if stratum == "neutral":
        return not_critical & ~Q(sentiment__in=["negative", "positive"])
    return not_critical & Q(sentiment=stratum)


def allocate_by_stratum(mix: dict[str, int], n: int) -> dict[str, int]:
    """Split n quotes across the strata in proportion to `mix`, by largest remainder (ties: STRATA order)."""
    total = sum(mix.values())
    if not total or n <= 0:
        return dict.fromkeys(STRATA, 0)
    shares = {s: n * mix.get(s, 0) / total for s in STRATA}
    picks = {s: math.floor(shares[s]) for s in STRATA}
    for s in sorted(STRATA, key=lambda s: (-(shares[s] - picks[s]), STRATA.index(s))):
        if sum(picks.values()) >= n:
            break
        picks[s] += 1
    return picks


def _spread(rows: list[tuple[int, int]]) -> list[int]:
    """Story ids (newest first, with their organisation) reordered to take turns between organisations:
    each one's newest, then each one's second newest, ..., so an ICS report is not one trust's stories."""
    by_org: dict[int, list[int]] = {}
    for pk, org_id in rows:
        by_org.setdefault(org_id, []).append(pk)
    out = []
    for rank in range(max((len(v) for v in by_org.values()), default=0)):
        out.extend(ids[rank] for ids in by_org.values() if rank < len(ids))
    return out


def default_selection(org_ids, period: Period, n: int, mix: dict[str, int] | None = None) -> list[int]:
    """The stories a report quotes unless someone chooses others: n quotable stories, the strata in the
    proportions of the stories collected; within a stratum the newest, taking turns between organisations.
    A stratum with too few quotable stories leaves its places to the others, critical and negative first;
    critical stories that may be quoted always get at least one place (see `Balance`)."""
    mix = collected_mix(org_ids, period) if mix is None else mix
    wanted = allocate_by_stratum(mix, n)
    base = quotable(org_ids, period)
    # Enough of the newest to take turns between the ICS's organisations (one index range scan each).
    depth = min(max(n * 10, 20), 200)
    available = {
        s: _spread(
            list(
                base.filter(_stratum_filter(s))
                .order_by("-occurred_on", "-pk")
                .values_list("pk", "organisation_id")[:depth]
            )
        )
        for s in STRATA
    }
    if n > 0 and mix.get("critical") and available["critical"] and not wanted["critical"]:
        # Critical stories were collected and may be quoted, but their share rounds to no quote at all: one
        # place goes to them (from the largest other stratum), so the default never leaves them all out.
        donor = max((s for s in STRATA if wanted[s]), key=lambda s: (wanted[s], -STRATA.index(s)))
        wanted = {**wanted, donor: wanted[donor] - 1, "critical": 1}
    chosen = []
    for s in STRATA:
        chosen.extend(available[s][: wanted[s]])
    for s in STRATA:
        for pk in available[s][wanted[s] :]:
            if len(chosen) >= n:
                break
            chosen.append(pk)
    return chosen


def selection_candidates(
    org_ids, period: Period, selected: list[int], *, per_stratum: int = 15
) -> list[dict]:
    """Stories a person may choose from: the selected ones, then the newest quotable ones of each stratum."""
    base = quotable(org_ids, period)
    ids = list(selected)
    for s in STRATA:
        for pk in (
            base.filter(_stratum_filter(s))
            .order_by("-occurred_on", "-pk")
            .values_list("pk", flat=True)[:per_stratum]
        ):
            if pk not in ids:
                ids.append(pk)
    rows = {row["pk"]: row for row in _story_rows(base.filter(pk__in=ids))}
    return [rows[pk] for pk in ids if pk in rows]


def _story_rows(stories: QuerySet) -> list[dict]:
    rows = list(
        stories.values(
            "pk",
            "redacted_title",
            "redacted_narrative",
            "organisation_id",
            "organisation__name",
            "occurred_on",
            "sentiment",
            "safety_concern",
            "criticality",
            "consent_recorded_at",
        )
    )
    names = {}
    for row in rows:
        org_id = row["organisation_id"]
        if org_id not in names:
            names[org_id] = Organisation(name=row["organisation__name"]).display_name
        row["organisation"] = names[org_id]
        row["stratum"] = _stratum(row["safety_concern"], row["sentiment"], row["criticality"])
        row["stratum_label"] = STRATUM_LABELS[row["stratum"]]
        row["month"] = month_start(row["occurred_on"])
    return rows


@dataclass
class ReportQuote:
    story_id: int
    title: str
    text: str
    organisation: str
    month: dt.date
    sentiment: str
    critical: bool
    consent_basis: str

    @property
    def reference(self) -> str:
        return f"S{self.story_id} · {self.organisation} · {self.month:%B %Y} · {self.consent_basis}"


def report_quotes(story_ids: list[int], org_ids, period: Period) -> list[ReportQuote]:
    """The chosen stories that may still be quoted (consent re-checked now), in the order chosen."""
    rows = {row["pk"]: row for row in _story_rows(quotable(org_ids, period).filter(pk__in=story_ids))}
    quotes = []
    for pk in story_ids:
        row = rows.get(pk)
        if row is None:
            continue
        recorded = row["consent_recorded_at"]
        basis = "consent to an anonymised quote in board reports"
        if recorded is not None:
            basis += f", recorded {recorded:%-d %B %Y}"
        quotes.append(
            ReportQuote(
                story_id=pk,
                title=row["redacted_title"],
                text=shorten(row["redacted_narrative"], QUOTE_WIDTH),
                organisation=row["organisation"],
                month=row["month"],
                sentiment=row["sentiment"] or "not yet tagged",
                critical=_is_critical(row["safety_concern"], row["criticality"]),
                consent_basis=basis,
            )
        )
    return quotes


@dataclass
class Balance:
    """Critical stories collected in the period against those quoted, and whether the gap must be declared.

    The statement prints when the quoted share of critical stories is significantly below the collected
    share for the numbers involved (a one-sided exact binomial test at BALANCE_ALPHA: could quoting this
    few critical stories happen by chance if quotes were drawn from the stories collected?), and always
    when critical stories with consent to be quoted exist and none is quoted. A fixed gap in percentage
    points could not fire on a real mix: with 6% of stories critical, quoting none of them is 6 points under.
    """

    collected: dict[str, int]
    quoted: dict[str, int]
    critical_quotable: int = 0  # critical stories of the period with consent to be quoted

    @property
    def collected_total(self) -> int:
        return sum(self.collected.values())

    @property
    def quoted_total(self) -> int:
        return sum(self.quoted.values())

    @property
    def collected_percent(self) -> float | None:
        total = self.collected_total
        return 100 * self.collected["critical"] / total if total else None

    @property
    def quoted_percent(self) -> float:
        total = self.quoted_total
        return 100 * self.quoted["critical"] / total if total else 0.0

    @property
    def p_value(self) -> float | None:
        """P(at most this many critical quotes | quotes drawn at the collected share), or None."""
        collected = self.collected_percent
        if not collected or not self.quoted_total:
            return None
        return binomial_cdf(self.quoted["critical"], self.quoted_total, collected / 100)

    @property
    def none_quoted_though_consented(self) -> bool:
        return self.critical_quotable > 0 and not self.quoted.get("critical")

    @property
    def under_represented(self) -> bool:
        if not self.collected["critical"]:
            return False
        if self.none_quoted_though_consented:
            return True
        p_value = self.p_value
        return p_value is not None and p_value < BALANCE_ALPHA

    @property
    def statement(self) -> str:
        collected = self.shown_collected_percent
        if collected == SUPPRESSED:
            text = (
                f"This report includes {whole_percent(self.quoted_percent)}% critical stories; fewer than "
                f"{THRESHOLD} critical stories were collected in the period (the exact number is suppressed)"
            )
        else:
            text = (
                f"This report includes {whole_percent(self.quoted_percent)}% critical stories; "
                f"{collected or 0}% of the {self.collected_total:,} stories collected in the period were "
                "critical"
            )
        if self.none_quoted_though_consented:
            # A count under THRESHOLD is not printed, as everywhere else in the report.
            many = self.critical_quotable >= THRESHOLD
            text += f", and {f'{self.critical_quotable:,} ' if many else ''}critical stories with consent to "
            text += "be quoted were not quoted"
        return text

    def rows(self) -> list[tuple[str, int | str, int]]:
        """(stratum, stories collected as shown, quoted). Collected counts from 1 to 4 are suppressed with
        the total under them; what is quoted is listed in the report itself, so it is shown."""
        shown_collected = self.shown_collected
        return [(STRATUM_LABELS[s], shown_collected[s], self.quoted[s]) for s in STRATA]

    @property
    def shown_collected(self) -> dict[str, int | str]:
        counts = [self.collected[s] for s in STRATA]
        hidden = suppress(counts, [*((i,) for i in range(len(STRATA))), tuple(range(len(STRATA)))])
        out = {s: shown(counts[i], i in hidden) for i, s in enumerate(STRATA)}
        out["all"] = shown(self.collected_total, len(STRATA) in hidden)
        return out

    @property
    def shown_collected_percent(self) -> int | str | None:
        """% of the stories collected that were critical, as shown: `*` when that count is suppressed."""
        shown_collected = self.shown_collected
        hidden = SUPPRESSED in (shown_collected["critical"], shown_collected["all"])
        return shown_percent(self.collected["critical"], self.collected_total, hidden=hidden)


def binomial_cdf(k: int, n: int, p: float) -> float:
    """P(X <= k) for X ~ Binomial(n, p), exactly."""
    return min(1.0, sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(k + 1)))


def whole_percent(value: float) -> int:
    """A percentage rounded half up, as the page's `floatformat:0` shows it, so page and PDF agree."""
    return int(Decimal(str(value)).quantize(Decimal(1), rounding=ROUND_HALF_UP))


def balance(collected: dict[str, int], quotes: list[ReportQuote], *, critical_quotable: int = 0) -> Balance:
    quoted = dict.fromkeys(STRATA, 0)
    for quote in quotes:
        quoted[_stratum("x" if quote.critical else "", quote.sentiment)] += 1
    return Balance(collected=collected, quoted=quoted, critical_quotable=critical_quotable)
