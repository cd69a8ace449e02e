"""What a board report reads, and who may read or make one.

Reach. A report belongs to an ICS and, for a trust's report, an organisation. It is read by the people who
read that organisation's dashboards: its own px_lead and board members, and the ICS's people (ICB lead, ICB
board, system administrator); a whole-ICS report only by the ICS's people. It is made by the ICB lead (the
ICS or any organisation in it) and by a trust's px_lead (their own trust). Anything else is a 404.

Content. Numbers come from the roll-ups through `dashboards.selectors`; stories from
`Story.objects.usable_for("board_quote")`, redacted text only, re-read at generation time so that a story
withdrawn after the report was asked for is not quoted.

Stories and the balance guard: `dashboards/reports/stories.py`.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable
from dataclasses import dataclass, field

from django.db.models import Q, QuerySet

from dashboards import selectors as dashboard_selectors
from dashboards.models import RollupState
from dashboards.spc import SPCResult, xmr
from feedback.metrics import THRESHOLD, FFTCounts, FFTFigures, fft_table, percent
from insight_hub import periods
from insight_hub.organisations.models import ICS, Organisation, OrganisationKind
from insight_hub.organisations.permissions import scope_for
from insight_hub.periods import Period, add_months, next_month
from insight_hub.suppression import SUPPRESSED, shown, shown_percent, suppress
from stories.models import ActionStatus, StoryAction

from . import sections
from .follow_up import FollowUpSection, follow_up_section
from .models import BoardReport, SignOff
from .owners import SectionOwner, section_owners
from .stories import (
    STRATA,
    STRATUM_LABELS,
    Balance,
    ReportQuote,
    _stratum_filter,
    balance,
    collected_mix,
    default_selection,
    quotable,
    report_quotes,
)

# The stories and the balance guard live in `.stories`; these names are read through this module too.
from .summary import build_summary

SPC_MONTHS = 24  # the SPC chart's history: limits need 12 points or more (dashboards.spc.MIN_POINTS)
THEMES_SHOWN = 5


# --- Who may read and make reports ---------------------------------------------------------------------


def reports_for(user) -> QuerySet[BoardReport]:
    """Reports within reach. A board member reads a report only once it is released; the people who make,
    own and sign reports off (px leads, the ICB lead) and the ICS's administrators read drafts too."""
    scope = scope_for(user)
    makers = Q(ics_id__in=scope.icb_lead_ics_ids | scope.admin_ics_ids) | Q(
        organisation_id__in=scope.px_org_ids
    )
    board = Q(ics_id__in=scope.board_ics_ids) | Q(organisation_id__in=scope.board_org_ids)
    return BoardReport.objects.filter(makers | (board & Q(signoff=SignOff.RELEASED))).select_related(
        "ics", "ics__icb", "organisation", "requested_by"
    )


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


# --- Owners: `owners.py` (who owns each section, worked out when the report is made) -------------------


def _name(user) -> str:
    if user is None:
        return ""
    return user.get_full_name() or user.email


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


# What a board reads first is kept longest: where a small count must be protected by hiding a second figure,
# a month's positive, neutral or negative count goes first, then a month's mentions (the trend's bars), then
# the period's neutral count, and the period's positive, negative, mentions and previous period last.
_MONTH_PART, _MONTH_TOTAL, _PERIOD_NEUTRAL, _HEADLINE = 0, 1, 2, 3


def suppress_theme_row(row: ThemeRow) -> None:
    """Suppress one theme's figures as the report shows them: positive, neutral and negative mentions, their
    total, the previous period and the change, % positive, % negative and net sentiment (each percentage's
    numerator is a shown count), and, where the report shows the month-by-month trend, each month's
    positive, neutral, negative and total, whose sums are the period's figures.

    The month-by-month detail is hidden before the period's headline figures (`_HEADLINE`), and a figure is
    hidden only while showing it would let a count from 1 to 4 be worked out: a zero hidden for no reason
    would hide net sentiment and a percentage with it. Net sentiment ((positive - negative) / total) is shown
    only when positive, negative and total all are: with two of them it gives the third back."""
    months = row.monthly or []
    detail = len(months) > 1  # a one-month period's month is the period: its figures are the same figures
    if detail:
        cells = [v for m in months for v in (m.positive, m.neutral, m.negative)]
    else:
        cells = [row.positive, row.neutral, row.negative]
    k = len(cells) // 3
    figures = []
    for i in range(k if detail else 0):
        figures += [(3 * i,), (3 * i + 1,), (3 * i + 2,), (3 * i, 3 * i + 1, 3 * i + 2)]
    base = len(figures)
    priority = [_MONTH_PART, _MONTH_PART, _MONTH_PART, _MONTH_TOTAL] * (base // 4)
    period = [tuple(range(j, 3 * k, 3)) for j in range(3)]
    figures += [*period, tuple(range(3 * k)), (3 * k,)]  # positive, neutral, negative, total; previous
    priority += [_HEADLINE, _PERIOD_NEUTRAL, _HEADLINE, _HEADLINE, _HEADLINE]
    hidden = suppress([*cells, row.previous], figures, priority=priority)

    def hide(i: int) -> bool:
        return base + i in hidden

    def hide_month(i: int, j: int) -> bool:  # j: positive, neutral, negative, total
        return 4 * i + j in hidden if detail else hide(j)

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
                "positive": shown(m.positive, hide_month(i, 0)),
                "neutral": shown(m.neutral, hide_month(i, 1)),
                "negative": shown(m.negative, hide_month(i, 2)),
                "total": shown(m.total, hide_month(i, 3)),
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
    quotes: list[ReportQuote]
    balance: Balance
    custom_selection: bool
    left_out: list[int]
    commitments: list | None  # None: charter progress is not available in this installation
    actions: list[ActionRow]
    rollups_as_of: dt.datetime | None
    notes: list[str] = field(default_factory=list)
    section_owners: list[SectionOwner] = field(default_factory=list)
    summary: object = None  # summary.Summary, page one
    follow_up: FollowUpSection | None = None  # responses and changes made (`follow_up.py`)

    @property
    def owners(self) -> dict[str, SectionOwner]:
        return {s.key: s for s in self.section_owners}


def old_question_note(figures) -> str:
    """The 2013–2020 question's answers, said apart: NHS England does not compare them with % positive."""

    def pct(value) -> str:
        return "*" if value == SUPPRESSED else f"{value}%"

    return (
        f"Not in % positive: {figures.total} answers in the period to the 2013–2020 question “How likely are "
        "you to recommend our service to friends and family…?”, which NHS England does not compare with the "
        f"current one; of those, {pct(figures.percent_likely)} would recommend (extremely likely or likely) "
        f"and {pct(figures.percent_unlikely)} would not."
    )


def _sum_counts(counts: list[FFTCounts]) -> FFTCounts:
    return FFTCounts(*(sum(values) for values in zip(*(c.as_tuple() for c in counts), strict=True)))


def fft_section(org_ids, period: Period) -> tuple[list[FFTMonthRow], FFTCounts, FFTFigures]:
    """FFT by month with the period's total row, suppressed as one table (a count hidden in a month could
    otherwise be worked out from its column total). The period's responses, % positive and % negative are
    what page one and the board read: a figure hidden to protect a small count is taken from the months
    first (`fft_table(..., headline_total=True)`)."""
    trend = dashboard_selectors.fft_trend(org_ids, None, period)
    shown_rows, shown_total = fft_table([c for _, c in trend], with_total=True, headline_total=True)
    months = [
        FFTMonthRow(month, figures, counts)
        for (month, counts), figures in zip(trend, shown_rows, strict=True)
    ]
    total = _sum_counts([c for _, c in trend]) if trend else FFTCounts()
    return months, total, shown_total


def fft_organisations(organisations: dict[int, str], period: Period) -> tuple[list[FFTOrgRow], FFTFigures]:
    """FFT by organisation (a whole-ICS report) with the period's total row, suppressed as one table, the
    organisations' figures hidden before the period's responses, % positive and % negative."""
    by_org = dashboard_selectors.fft_by(list(organisations), None, period, by="organisation_id")
    listed = [(name, by_org[org_id][0]) for org_id, name in organisations.items() if org_id in by_org]
    shown_rows, shown_total = fft_table(
        [counts for _, counts in listed], with_total=True, headline_total=True
    )
    rows = [
        FFTOrgRow(name, figures, counts) for (name, counts), figures in zip(listed, shown_rows, strict=True)
    ]
    return rows, shown_total


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


def spc_for(org_ids, period: Period, months: Iterable[FFTMonthRow] = ()) -> tuple[SPCResult, Period]:
    """% positive by month over SPC_MONTHS. A month of the report's FFT table (`months`) has a point where
    the table shows its % positive and none where it hides it: the point times the month's responses, which
    the table may show, would give back the positive count the table hides."""
    history = Period(add_months(period.last, -(SPC_MONTHS - 1)), period.last, period.today)
    points = dashboard_selectors.spc_points(dashboard_selectors.fft_trend(org_ids, None, history))
    table = {row.month: row for row in months}
    points = [(month, _table_point(table[month]) if month in table else value) for month, value in points]
    return xmr(points, higher_is_better=True, percentage=True), history


def _table_point(row: FFTMonthRow) -> float | str | None:
    if row.figures.percent_positive in (None, SUPPRESSED):
        return row.figures.percent_positive
    return round(100 * row.counts.positive / row.counts.total, 1)


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
    for row in rows:
        suppress_theme_row(row)

    def with_trend(row: ThemeRow) -> ThemeRow:
        """The month-by-month trend, and the figures as shown with it: hiding a month can hide more."""
        if not row.monthly:
            row.monthly = dashboard_selectors.theme_trend(by_name[row.name], org_ids, None, period)
            suppress_theme_row(row)
        return row

    # Criticism is never left out: a criticised theme ranks by its true share even where that share must
    # show as *. Praise ranks only where its share can be shown: a theme at the top of "most praised" with
    # no share to show would say only that its praise is too small to print.
    criticised = [
        with_trend(r)
        for r in sorted(
            [r for r in ranked if r.negative], key=lambda r: (-r.negative / r.total, -r.total, r.name)
        )[:THEMES_SHOWN]
    ]
    praised = []
    for row in sorted(
        [r for r in ranked if r.positive], key=lambda r: (-r.positive / r.total, -r.total, r.name)
    ):
        if len(praised) == THEMES_SHOWN:
            break
        if with_trend(row).shown["positive_percent"] != SUPPRESSED:
            praised.append(row)
        elif not any(row is c for c in criticised):  # passed over: shown as it is, without a trend
            row.monthly = []
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

    period = report.period
    ics, organisation = report.ics, report.organisation
    org_ids = scope_org_ids(ics, organisation)
    organisations = {
        org.pk: org.display_name for org in Organisation.objects.filter(pk__in=org_ids).order_by("name")
    }
    tell(10, "Friends and Family Test figures")
    fft_months, fft_total, fft_total_shown = fft_section(org_ids, period)
    fft_orgs, orgs_total_shown = (
        fft_organisations(organisations, period) if organisation is None else ([], None)
    )
    spc, spc_period = spc_for(org_ids, period, fft_months)
    tell(30, "Themes")
    themes, praised, criticised = themes_section(org_ids, period)
    tell(45, "Stories")
    mix = collected_mix(org_ids, period)
    default = default_selection(org_ids, period, report.quote_count, mix)
    chosen = report.chosen_story_ids if report.custom_selection else default
    quotes = report_quotes([int(pk) for pk in chosen], org_ids, period)
    quoted_ids = {q.story_id for q in quotes}
    critical_quotable = quotable(org_ids, period).filter(_stratum_filter("critical")).count()
    left_out = [pk for pk in default if pk not in quoted_ids]
    owners = section_owners(ics, organisation, requested_by=report.requested_by)
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
        "consented for quoting or not. Critical = a story flagged with a safety or safeguarding concern, or "
        "rated strongly or severely critical (4 or 5 of 5) by its source.",
    ]
    old_question = dashboard_selectors.fft_old_question(org_ids, None, period)
    if old_question is not None:
        notes.append(old_question_note(old_question))
    content = ReportContent(
        report=report,
        period=period,
        scope_label=report.scope_label,
        org_ids=org_ids,
        organisations=organisations,
        generated_at=timezone.now(),
        owner=(owners[0].name, owners[0].role),
        ics_owner=(owners[3].icb_name or owners[3].name, owners[3].icb_role or owners[3].role),
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
        section_owners=owners,
        follow_up=follow_up_section(org_ids, period),
    )
    tell(60, "The summary on page one")
    content.summary = build_summary(content, special_cause_runs(spc))
    return content


def month_choices(*, today: dt.date | None = None) -> list[tuple[str, str]]:
    """Every month a report may cover, newest first: this month (marked incomplete) back to the first month
    that holds data, however long ago. Values are the months' first days (2023-01-01), as reports store them
    and as links to the form have always carried them."""
    months = periods.month_choices(dashboard_selectors.data_first_month(), today=today)
    return [(f"{value}-01", label) for value, label in months]


def stories_by_stratum(mix: dict[str, int]) -> list[tuple[str, int]]:
    return [(STRATUM_LABELS[s], mix[s]) for s in STRATA]
