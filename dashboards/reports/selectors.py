"""What a board report reads, and who may read or make one.

Reach. A report belongs to an ICS and, for a trust's report, an organisation. It is read by the people who
read that organisation's dashboards: its own px_lead and board members, and the ICS's people (ICB lead, ICB
board, system administrator); a whole-ICS report only by the ICS's people. It is made by the ICB lead (the
ICS or any organisation in it) and by a trust's px_lead (their own trust). Anything else is a 404.

Content. Numbers come from the roll-ups through `dashboards.selectors`; stories from
`Story.objects.usable_for("board_quote")`, redacted text only, re-read at generation time so that a story
withdrawn after the report was asked for is not quoted.

Balance guard. The stories "collected in the period" are every story of the scope that happened in the
period and was not withdrawn, whatever its consent: a board that hears only consented positive stories must
still be told how many critical ones there were. A story is critical when it carries a safety concern. The
default selection quotes stories in proportion to four groups of the collected stories (critical, then the
rest by sentiment: negative, neutral, positive); see `default_selection`.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass, field
from decimal import ROUND_HALF_UP, Decimal

from django.db.models import Count, Q, QuerySet

from dashboards import selectors as dashboard_selectors
from dashboards.models import Dashboard, DashboardStatus, RollupState, ScopeKind
from dashboards.rollups import month_start, next_month
from dashboards.selectors import Period
from dashboards.spc import SPCResult, xmr
from feedback.metrics import THRESHOLD, FFTCounts, FFTFigures, fft_table, percent
from insight_hub.organisations.models import ICS, Organisation, OrganisationKind
from insight_hub.organisations.permissions import scope_for
from insight_hub.suppression import SUPPRESSED, shown, shown_percent, suppress
from stories.models import ActionStatus, Purpose, Story, StoryAction, StoryStatus

from . import sections
from .models import BoardReport

STRATA = ("critical", "negative", "neutral", "positive")
STRATUM_LABELS = {
    "critical": "Critical (a safety concern)",
    "negative": "Negative",
    "neutral": "Neutral, mixed or not yet tagged",
    "positive": "Positive",
}
BALANCE_ALPHA = 0.05  # one-sided: critical stories quoted significantly below their share are declared
SPC_MONTHS = 24  # the SPC chart's history: limits need 12 points or more (dashboards.spc.MIN_POINTS)
QUOTE_WIDTH = 700
THEMES_SHOWN = 5


# --- Who may read and make reports ---------------------------------------------------------------------


def reports_for(user) -> QuerySet[BoardReport]:
    scope = scope_for(user)
    return BoardReport.objects.filter(
        Q(ics_id__in=scope.system_ics_ids) | Q(organisation_id__in=scope.px_org_ids | scope.board_org_ids)
    ).select_related("ics", "ics__icb", "organisation", "requested_by")


def report_get_for(user, *, uid) -> BoardReport:
    from django.http import Http404

    try:
        return reports_for(user).get(uid=uid)
    except BoardReport.DoesNotExist:
        raise Http404 from None


@dataclass(frozen=True)
class ScopeChoice:
    key: str  # "ics-<id>" or an ODS code
    label: str
    ics: ICS
    organisation: Organisation | None


def generation_scopes(user) -> list[ScopeChoice]:
    """What this person may make a report for: an ICB lead, their ICS and its organisations; a px_lead,
    their own organisation."""
    scope = scope_for(user)
    choices: dict[str, ScopeChoice] = {}
    for ics in ICS.objects.filter(pk__in=scope.icb_lead_ics_ids).select_related("icb").order_by("name"):
        choices[f"ics-{ics.pk}"] = ScopeChoice(f"ics-{ics.pk}", f"{ics.name} (the whole ICS)", ics, None)
        for org in _ics_organisations(ics).filter(closed_on__isnull=True).order_by("name"):
            choices[org.ods_code] = ScopeChoice(org.ods_code, org.display_name, ics, org)
    own = Organisation.objects.filter(pk__in=scope.px_org_ids, ics__isnull=False).select_related("ics")
    for org in own.order_by("name"):
        choices.setdefault(org.ods_code, ScopeChoice(org.ods_code, org.display_name, org.ics, org))
    return list(choices.values())


def _ics_organisations(ics) -> QuerySet[Organisation]:
    return Organisation.objects.filter(ics=ics).exclude(kind=OrganisationKind.ICB)


def scope_org_ids(ics, organisation) -> list[int]:
    if organisation is not None:
        return [organisation.pk]
    # Closed organisations too: their earlier months belong to the ICS's history.
    return list(_ics_organisations(ics).values_list("pk", flat=True))


# --- Stories and the balance guard ---------------------------------------------------------------------


def _stratum(safety_concern: str, sentiment: str) -> str:
    """A "mixed" story (strong praise and strong criticism) is neither negative nor positive."""
    if safety_concern:
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
    for row in stories.values("safety_concern", "sentiment").annotate(n=Count("pk")).order_by():
        mix[_stratum(row["safety_concern"], row["sentiment"])] += row["n"]
    return mix


def quotable(org_ids, period: Period) -> QuerySet[Story]:
    """Stories that may be quoted: consent for a board-report quote, shared, not withdrawn."""
    return _in_period(Story.objects.usable_for(Purpose.BOARD_QUOTE), org_ids, period)


def _stratum_filter(stratum: str) -> Q:
    if stratum == "critical":
        return ~Q(safety_concern="")
    not_critical = Q(safety_concern="")
    if stratum == "neutral":
        return not_critical & ~Q(sentiment__in=["negative", "positive"])
    return not_critical & Q(sentiment=stratum)


def allocate(mix: dict[str, int], n: int) -> dict[str, int]:
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
    wanted = allocate(mix, n)
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
            "consent_recorded_at",
        )
    )
    names = {}
    for row in rows:
        org_id = row["organisation_id"]
        if org_id not in names:
            names[org_id] = Organisation(name=row["organisation__name"]).display_name
        row["organisation"] = names[org_id]
        row["stratum"] = _stratum(row["safety_concern"], row["sentiment"])
        row["stratum_label"] = STRATUM_LABELS[row["stratum"]]
        row["month"] = month_start(row["occurred_on"])
    return rows


@dataclass
class Quote:
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


def _excerpt(text: str, width: int = QUOTE_WIDTH) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1].rsplit(" ", 1)[0] + "…"


def quotes_for(story_ids: list[int], org_ids, period: Period) -> list[Quote]:
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
            Quote(
                story_id=pk,
                title=row["redacted_title"],
                text=_excerpt(row["redacted_narrative"]),
                organisation=row["organisation"],
                month=row["month"],
                sentiment=row["sentiment"] or "not yet tagged",
                critical=bool(row["safety_concern"]),
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


def balance(collected: dict[str, int], quotes: list[Quote], *, critical_quotable: int = 0) -> Balance:
    quoted = dict.fromkeys(STRATA, 0)
    for quote in quotes:
        quoted[_stratum("x" if quote.critical else "", quote.sentiment)] += 1
    return Balance(collected=collected, quoted=quoted, critical_quotable=critical_quotable)


# --- Owners ----------------------------------------------------------------------------------------------


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


def section_owner(ics, organisation) -> tuple[str, str]:
    """Who owns the numbers and stories of the scope: the owner of a published dashboard covering exactly it
    (for the ICS, a dashboard of the whole ICS), else the ICS's patient-experience lead. (name, role)."""
    dashboards = Dashboard.objects.filter(ics=ics, status=DashboardStatus.PUBLISHED, owner__is_active=True)
    if organisation is None:
        dashboards = dashboards.filter(scope_kind=ScopeKind.ICS)
    else:
        dashboards = dashboards.filter(scope_kind=ScopeKind.ORGANISATIONS, organisations=organisation)
    dashboard = dashboards.select_related("owner").order_by("pk").first()
    if dashboard is not None:
        return _name(dashboard.owner), f"owner of the dashboard “{dashboard.title}”"
    return ics_lead(ics)


def ics_lead(ics) -> tuple[str, str]:
    if ics.px_lead_id and ics.px_lead.is_active:
        return _name(ics.px_lead), f"patient-experience lead, {ics.name}"
    return "", ""


# --- The report's content -------------------------------------------------------------------------------


@dataclass
class FFTMonthRow:
    month: dt.date
    figures: FFTFigures
    counts: FFTCounts


@dataclass
class FFTOrgRow:
    organisation: str
    figures: FFTFigures
    counts: FFTCounts


@dataclass
class ThemeRow:
    name: str
    positive: int
    neutral: int
    negative: int
    total: int
    previous: int
    change: int
    net_sentiment: int | None
    monthly: list  # ThemeMonth

    @property
    def positive_percent(self) -> int | None:
        return percent(self.positive, self.total)

    @property
    def negative_percent(self) -> int | None:
        return percent(self.negative, self.total)

    shown: dict = field(default_factory=dict)  # the figures as shown, filled by `suppress_theme_row`

    @property
    def monthly_totals(self) -> list[int | None]:
        """Mentions by month for the sparkline: None (a gap) for a suppressed month."""
        shown_months = self.shown.get("monthly", [])
        return [None if m["total"] == SUPPRESSED else m["total"] for m in shown_months]


def suppress_theme_row(row: ThemeRow) -> None:
    """Suppress one theme's figures as the report shows them: positive, neutral and negative mentions, their
    total, the previous period and the change, % positive, % negative and net sentiment (each percentage's
    numerator is a shown count), and, where the report shows the month-by-month trend, each month's
    positive, neutral, negative and total, whose sums are the period's figures."""
    months = row.monthly or []
    if months:
        cells = [v for m in months for v in (m.positive, m.neutral, m.negative)]
    else:
        cells = [row.positive, row.neutral, row.negative]
    k = len(cells) // 3
    figures = []
    for i in range(k if months else 0):
        figures += [(3 * i,), (3 * i + 1,), (3 * i + 2,), (3 * i, 3 * i + 1, 3 * i + 2)]
    period = [tuple(range(j, 3 * k, 3)) for j in range(3)]
    base = len(figures)
    figures += [*period, tuple(range(3 * k)), (3 * k,)]  # positive, neutral, negative, total; previous
    hidden = suppress([*cells, row.previous], figures)

    def hide(i: int) -> bool:
        return base + i in hidden

    total_hidden = hide(3)
    sentiment_hidden = total_hidden or hide(0) or hide(2)
    row.shown = {
        "positive": shown(row.positive, hide(0)),
        "neutral": shown(row.neutral, hide(1)),
        "negative": shown(row.negative, hide(2)),
        "total": shown(row.total, total_hidden),
        "previous": shown(row.previous, hide(4)),
        "change": SUPPRESSED if total_hidden or hide(4) else row.change,
        "positive_percent": shown_percent(row.positive, row.total, hidden=total_hidden or hide(0)),
        "negative_percent": shown_percent(row.negative, row.total, hidden=total_hidden or hide(2)),
        "net_sentiment": None if not row.total else SUPPRESSED if sentiment_hidden else row.net_sentiment,
        "monthly": [
            {
                "month": m.month,
                "positive": shown(m.positive, 4 * i in hidden),
                "neutral": shown(m.neutral, 4 * i + 1 in hidden),
                "negative": shown(m.negative, 4 * i + 2 in hidden),
                "total": shown(m.total, 4 * i + 3 in hidden),
            }
            for i, m in enumerate(months)
        ],
    }


@dataclass
class ActionRow:
    story_id: int
    organisation: str
    description: str
    owner: str
    due_on: dt.date
    status: str
    overdue: bool


@dataclass
class ReportContent:
    report: BoardReport
    period: Period
    scope_label: str
    org_ids: list[int]
    organisations: dict[int, str]
    generated_at: dt.datetime
    owner: tuple[str, str]
    ics_owner: tuple[str, str]
    fft_months: list[FFTMonthRow]
    fft_total: FFTFigures
    fft_total_counts: FFTCounts
    fft_orgs: list[FFTOrgRow]
    spc: SPCResult
    spc_period: Period
    themes: list[ThemeRow]
    praised: list[ThemeRow]
    criticised: list[ThemeRow]
    quotes: list[Quote]
    balance: Balance
    custom_selection: bool
    left_out: list[int]
    commitments: list | None  # None: charter progress is not available in this installation
    actions: list[ActionRow]
    rollups_as_of: dt.datetime | None
    notes: list[str] = field(default_factory=list)


def _sum_counts(counts: list[FFTCounts]) -> FFTCounts:
    return FFTCounts(*(sum(values) for values in zip(*(c.as_tuple() for c in counts), strict=True)))


def fft_section(org_ids, period: Period) -> tuple[list[FFTMonthRow], FFTCounts, FFTFigures]:
    """FFT by month with the period's total row, suppressed as one table (a count hidden in a month could
    otherwise be worked out from its column total)."""
    trend = dashboard_selectors.fft_trend(org_ids, None, period)
    shown_rows, shown_total = fft_table([c for _, c in trend], with_total=True)
    months = [
        FFTMonthRow(month, figures, counts)
        for (month, counts), figures in zip(trend, shown_rows, strict=True)
    ]
    total = _sum_counts([c for _, c in trend]) if trend else FFTCounts()
    return months, total, shown_total


def _hidden_in_either(a: FFTFigures, b: FFTFigures | None) -> FFTFigures:
    """The period's total row as shown, where two tables (by month, by organisation) both end in it."""
    if b is None:
        return a

    def pick(x, y):
        return SUPPRESSED if SUPPRESSED in (x, y) else x

    return FFTFigures(
        cells=tuple(pick(x, y) for x, y in zip(a.cells, b.cells, strict=True)),
        total=pick(a.total, b.total),
        percent_positive=pick(a.percent_positive, b.percent_positive),
        percent_negative=pick(a.percent_negative, b.percent_negative),
    )


def spc_for(org_ids, period: Period) -> tuple[SPCResult, Period]:
    history = Period.last_months(SPC_MONTHS, today=period.last)
    points = dashboard_selectors.spc_points(dashboard_selectors.fft_trend(org_ids, None, history))
    return xmr(points, higher_is_better=True, percentage=True), history


@dataclass
class SpecialCauseRun:
    variation: str
    first: dt.date
    last: dt.date
    rules: list[str]

    @property
    def label(self) -> str:
        months = (
            f"{self.first:%b %Y}" if self.first == self.last else f"{self.first:%b %Y} to {self.last:%b %Y}"
        )
        return f"{months}: {self.variation.lower()} ({'; '.join(self.rules)})"


def special_cause_runs(result: SPCResult) -> list[SpecialCauseRun]:
    """Consecutive special-cause months of the same variation, for one line each in the caption."""
    runs: list[SpecialCauseRun] = []
    previous = None
    for point in result.points:
        if point.rules and previous is not None and runs and previous.variation == point.variation:
            run = runs[-1]
            run.last = point.period
            run.rules.extend(r for r in point.rule_labels if r not in run.rules)
        elif point.rules:
            runs.append(
                SpecialCauseRun(point.variation.label, point.period, point.period, list(point.rule_labels))
            )
        previous = point if point.rules else None
    return runs


def themes_section(org_ids, period: Period) -> tuple[list[ThemeRow], list[ThemeRow], list[ThemeRow]]:
    summaries = dashboard_selectors.theme_summaries(org_ids, None, period)
    rows = [
        ThemeRow(
            name=s.theme.name,
            positive=s.positive,
            neutral=s.neutral,
            negative=s.negative,
            total=s.total,
            previous=s.previous,
            change=s.change,
            net_sentiment=s.net_sentiment,
            monthly=[],
        )
        for s in summaries
    ]
    by_name = {s.theme.name: s.theme.pk for s in summaries}
    # Ranked by share, not count: by count the most mentioned themes would top both lists. A theme needs
    # enough mentions for its share to mean something: THRESHOLD, and 1% of all mentions.
    floor = max(THRESHOLD, sum(r.total for r in rows) / 100)
    ranked = [r for r in rows if r.total >= floor]
    praised = sorted(
        [r for r in ranked if r.positive], key=lambda r: (-r.positive / r.total, -r.total, r.name)
    )[:THEMES_SHOWN]
    criticised = sorted(
        [r for r in ranked if r.negative], key=lambda r: (-r.negative / r.total, -r.total, r.name)
    )[:THEMES_SHOWN]
    for row in {id(r): r for r in praised + criticised}.values():
        row.monthly = dashboard_selectors.theme_trend(by_name[row.name], org_ids, None, period)
    for row in rows:
        suppress_theme_row(row)
    return rows, praised, criticised


def actions_section(org_ids, period: Period) -> list[ActionRow]:
    """Actions on the scope's stories open during the period: still open, or closed since it began."""
    today = dt.date.today()
    actions = (
        StoryAction.objects.filter(story__organisation_id__in=list(org_ids))
        .filter(Q(status=ActionStatus.OPEN) | Q(updated_at__date__gte=period.first))
        .select_related("owner", "story__organisation")
        .order_by("due_on", "pk")
    )
    return [
        ActionRow(
            story_id=a.story_id,
            organisation=a.story.organisation.display_name,
            description=a.description,
            owner=_name(a.owner) + ("" if a.owner.is_active else " (account no longer active)"),
            due_on=a.due_on,
            status=a.get_status_display(),
            overdue=a.status == ActionStatus.OPEN and a.due_on < today,
        )
        for a in actions[:200]
    ]


def commitments_section(ics, organisation, period: Period) -> list | None:
    return sections.commitments(
        ics=ics, organisation=organisation, first=period.first,
        last=next_month(period.last) - dt.timedelta(days=1),
    )  # fmt: skip


def report_content(report: BoardReport, *, progress=None) -> ReportContent:
    """Everything the report shows, read now. `progress(percent, step)` is told how far it has got."""
    from django.utils import timezone

    def tell(percent: int, step: str) -> None:
        if progress is not None:
            progress(percent, step)

    period = Period(report.period_first, report.period_last)
    ics, organisation = report.ics, report.organisation
    org_ids = scope_org_ids(ics, organisation)
    organisations = {
        org.pk: org.display_name for org in Organisation.objects.filter(pk__in=org_ids).order_by("name")
    }
    tell(10, "Friends and Family Test figures")
    fft_months, fft_total, fft_total_shown = fft_section(org_ids, period)
    fft_orgs = []
    orgs_total_shown = None
    if organisation is None:
        by_org = dashboard_selectors.fft_by(org_ids, None, period, by="organisation_id")
        listed = [(name, by_org[org_id][0]) for org_id, name in organisations.items() if org_id in by_org]
        org_figures, orgs_total_shown = fft_table([counts for _, counts in listed], with_total=True)
        fft_orgs = [
            FFTOrgRow(name, figures, counts)
            for (name, counts), figures in zip(listed, org_figures, strict=True)
        ]
    spc, spc_period = spc_for(org_ids, period)
    tell(30, "Themes")
    themes, praised, criticised = themes_section(org_ids, period)
    tell(45, "Stories")
    mix = collected_mix(org_ids, period)
    default = default_selection(org_ids, period, report.quote_count, mix)
    chosen = report.chosen_story_ids if report.custom_selection else default
    quotes = quotes_for([int(pk) for pk in chosen], org_ids, period)
    quoted_ids = {q.story_id for q in quotes}
    critical_quotable = quotable(org_ids, period).filter(_stratum_filter("critical")).count()
    left_out = [pk for pk in default if pk not in quoted_ids]
    tell(55, "Charter commitments and actions")
    commitments = commitments_section(ics, organisation, period)
    actions = actions_section(org_ids, period)
    state = RollupState.objects.filter(pk="rollups").first()
    notes = [
        f"Counts from 1 to {THRESHOLD - 1} are shown as * (and a second count where the first could be "
        "worked out from a total), so that no one can be identified.",
        "Friends and Family Test figures and theme counts come from the hub's monthly roll-ups of survey "
        "responses, comments and stories; % positive = (very good + good) / all responses, don't know "
        "included.",
        "Stories are quoted only with the teller's consent to an anonymised quote in board reports, in their "
        "redacted form (names, contact details and exact dates removed). Consent was checked when the report "
        "was generated: a story withdrawn before then is not quoted.",
        "Stories collected = every story of the scope that happened in the period and was not withdrawn, "
        "consented for quoting or not. Critical = a story flagged with a safety or safeguarding concern.",
    ]
    return ReportContent(
        report=report,
        period=period,
        scope_label=report.scope_label,
        org_ids=org_ids,
        organisations=organisations,
        generated_at=timezone.now(),
        owner=section_owner(ics, organisation),
        ics_owner=ics_lead(ics),
        fft_months=fft_months,
        fft_total=_hidden_in_either(fft_total_shown, orgs_total_shown),
        fft_total_counts=fft_total,
        fft_orgs=fft_orgs,
        spc=spc,
        spc_period=spc_period,
        themes=themes,
        praised=praised,
        criticised=criticised,
        quotes=quotes,
        balance=balance(mix, quotes, critical_quotable=critical_quotable),
        custom_selection=report.custom_selection,
        left_out=left_out,
        commitments=commitments,
        actions=actions,
        rollups_as_of=state.watermark if state else None,
        notes=notes,
    )


def month_choices(count: int = 36) -> list[tuple[str, str]]:
    from django.utils import timezone

    month = month_start(timezone.localdate())
    out = []
    for _ in range(count):
        out.append((month.isoformat(), f"{month:%B %Y}"))
        month = month_start(month - dt.timedelta(days=1))
    return out


def stories_by_stratum(mix: dict[str, int]) -> list[tuple[str, int]]:
    return [(STRATUM_LABELS[s], mix[s]) for s in STRATA]
