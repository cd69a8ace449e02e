"""Responses and changes made ("you said, we did"): how long the people who told stories waited for a
response, and how many critical stories had a response and a change made. Read by the system view, a trust's
view and the board report (`dashboards/reports/follow_up.py`).

Response time. For each story with a response to the teller: the working days from the day the story was
logged in the hub (`Story.logged_at`; for an imported story, the day it was imported) to the day the
response was recorded (`Story.teller_response_at`), both as dates in England's time. Working days leave out
weekends and England's bank holidays, the calendar safety escalation counts in (`stories.safety`): a story
logged on a Friday and answered the next Monday waited 1 working day; one answered the day it was logged, 0.
The day the story was logged is not counted, the day of the response is.

The chart. An XmR (individuals) chart in the Making Data Count style (`dashboards.spc`, its rules for
special causes), one point a month: the mean response time of the responses recorded that month. A point
per story would show how many stories were answered in a month, and one story's own wait, where that is 1 to
4 stories; and a system has thousands. So a month with 1 to 4 responses is shown as * (its count and its
mean) and takes no part in the mean and limits, and a month with none is a gap, as `spc.xmr` treats them.
Higher is worse. The chart covers HISTORY_MONTHS months to the last month of the period, so that the limits
rest on enough points (limits need 12 months with a shown value).

The shares. Of the critical stories of the period (`stories.selectors.critical_follow_up`: a safety concern,
or rated 4 or 5 of 5 critical at source, `stories.models.CRITICAL_STORY`, the meaning page one and the stories
table of a board report use too; happened in the period, not withdrawn), the
share with a response to the teller and the share with a change made (claimed "made" on an action and signed
off by a second person of the trust). Counts only, no text; they count every critical story of the
organisations (shared or not), as the other figures of a dashboard do. The three counts (critical, with a
response, with a change made) are suppressed as one table (`insight_hub.suppression`): 1 to 4 is `*`, and a
second count is hidden where a hidden one could be worked out (critical minus with a response, say); a share
is shown only when both its counts are.

Where the figures come from. A page reads two roll-ups, never story rows: `ResponseTimeMonthly` (per
organisation, month the story happened and month the response was recorded: the responses and their working
days summed) and `CriticalFollowUpMonthly` (per organisation and month the story happened: the four counts).
`dashboards.rollups` refreshes them with the other roll-ups, slice by slice (a story's organisation and month
happened: an edited story, a response recorded, an action's claim or sign-off, a withdrawal or an erasure
marks it), and builds them in full with the rest. Both are keyed by the month the story happened so that a
response recorded again in a later month leaves its old month when the story's one slice is refreshed. The
figures are those of the last roll-up pass, as every other figure of a dashboard is.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field, replace
from typing import Literal

from django.db.models import Q, QuerySet, Sum
from django.db.models.functions import Coalesce
from django.utils import timezone

from insight_hub.periods import Period, month_start, next_month
from insight_hub.suppression import SUPPRESSED, is_small, shown, shown_percent, suppress
from stories.safety import is_working_day
from stories.selectors import CriticalFollowUp, critical_follow_up_by_month, responses_by_day

from . import charts
from .models import CriticalFollowUpMonthly, ResponseTimeMonthly
from .spc import SPCResult, xmr

HISTORY_MONTHS = 24
COUNT_NAMES = ("critical", "with_response", "with_change_made", "with_both")
UNIT = "working days"
Shown = int | Literal["*"]

DATES_NOTE = (
    "Response time: working days (weekends and England's bank holidays left out) from the day a story was "
    "logged in the hub (for an imported story, the day it was imported) to the day the response to the "
    "person who told it was recorded; a response on the day the story was logged is 0."
)
CHART_NOTE = (
    "Each point is the mean response time of the responses recorded in that month. Higher is worse. A month "
    "with fewer than 5 responses is shown as * and left out of the mean and limits, so that no one story "
    "can be picked out; a month with none is a gap."
)
SHARES_NOTE = (
    "Critical: a story raising a safety or safeguarding concern, or rated strongly or severely critical "
    "(criticality 4 or 5 of 5) by its source, that happened in the period and was not withdrawn. A "
    "change made counts once a second person at the trust has signed the claim off. Counts from 1 to 4 are "
    "shown as *, and so is a second count that would give one of them away; a share is shown only when "
    "both its counts are."
)


# --- Response times ---------------------------------------------------------------------------------------


class WorkingDays:
    """Working days between dates, counted once over the range they fall in (a running count per day) so
    that thousands of stories cost one pass over the calendar. The rule is `stories.safety.is_working_day`."""

    def __init__(self, first: dt.date, last: dt.date):
        self.first = first
        self.running: list[int] = []
        count, day = 0, first
        while day <= last:
            count += is_working_day(day)
            self.running.append(count)
            day += dt.timedelta(days=1)

    def between(self, start: dt.date, end: dt.date) -> int:
        """Working days after `start` up to and including `end` (0 when `end` is not after `start`)."""
        if end <= start:
            return 0
        return self.running[(end - self.first).days] - self.running[(start - self.first).days]


def working_days_between(start: dt.date, end: dt.date) -> int:
    return WorkingDays(min(start, end), max(start, end)).between(start, end)


@dataclass(frozen=True)
class DayCount:
    """`n` responses recorded on `answered` to stories logged on `logged` (dates in England's time)."""

    logged: dt.date
    answered: dt.date
    n: int = 1


def month_totals(counts: list[DayCount]) -> dict[dt.date, tuple[int, int]]:
    """By the month of `answered`: how many responses, and their working days summed."""
    totals: dict[dt.date, tuple[int, int]] = {}
    if counts:
        calendar = WorkingDays(min(c.logged for c in counts), max(c.answered for c in counts))
        for c in counts:
            month = month_start(c.answered)
            n, days = totals.get(month, (0, 0))
            totals[month] = (n + c.n, days + c.n * calendar.between(c.logged, c.answered))
    return totals


@dataclass(frozen=True)
class ResponseMonth:
    month: dt.date
    responses: int
    mean: float | None  # mean working days; None with no responses

    @property
    def shown_responses(self) -> Shown:
        return shown(self.responses, is_small(self.responses))

    @property
    def shown_mean(self) -> float | str | None:
        """The chart's value: "*" for 1 to 4 responses, None for none."""
        if self.responses == 0:
            return None
        return SUPPRESSED if is_small(self.responses) else self.mean


def _months(totals: dict[dt.date, tuple[int, int]], period: Period) -> list[ResponseMonth]:
    out = []
    for month in period.months:
        n, days = totals.get(month, (0, 0))
        out.append(ResponseMonth(month, n, days / n if n else None))
    return out


def response_months(counts: list[DayCount], period: Period) -> list[ResponseMonth]:
    """Each month of the period with its number of responses and their mean working days."""
    return _months(month_totals(counts), period)


# --- The roll-ups (`dashboards.rollups` refreshes them with the others, slice by slice) -------------------


def _slice(organisation_id: int | None, month: dt.date | None) -> Q | None:
    """The stories of one (organisation, month happened) slice; None for every story."""
    if organisation_id is None:
        return None
    return Q(organisation_id=organisation_id, occurred_on__gte=month, occurred_on__lt=next_month(month))


def response_time_rows(organisation_id: int | None = None, month: dt.date | None = None) -> list:
    """`ResponseTimeMonthly` rows for one slice (or all): the database groups the responses by organisation,
    month happened and the pair of days (logged, answered; a few thousand pairs for tens of thousands of
    responses); the working days between each pair are counted here, on England's calendar."""
    by_slice: dict[tuple[int, dt.date], list[DayCount]] = {}
    for row in responses_by_day(_slice(organisation_id, month), tz=timezone.get_current_timezone()):
        by_slice.setdefault((row["o"], row["m"]), []).append(
            DayCount(row["logged"], row["answered"], row["n"])
        )
    return [
        ResponseTimeMonthly(
            organisation_id=org, month=happened, answered_month=answered, responses=n, working_days=days
        )
        for (org, happened), counts in by_slice.items()
        for answered, (n, days) in month_totals(counts).items()
    ]


def critical_rows(organisation_id: int | None = None, month: dt.date | None = None) -> QuerySet:
    """`CriticalFollowUpMonthly`'s columns in order, for one slice (or all): an INSERT ... SELECT source."""
    return critical_follow_up_by_month(_slice(organisation_id, month))


def response_months_for(org_ids, period: Period) -> list[ResponseMonth]:
    """The response times of the organisations by the month the responses were recorded, from the roll-up
    (a row per organisation, month happened and month answered: a few hundred for a system)."""
    rows = (
        ResponseTimeMonthly.objects.filter(
            organisation_id__in=list(org_ids),
            answered_month__gte=period.first,
            answered_month__lte=period.last,
        )
        .values("answered_month")
        .annotate(n=Sum("responses"), days=Sum("working_days"))
        .order_by()
        .values_list("answered_month", "n", "days")
    )
    return _months({month: (n, days) for month, n, days in rows}, period)


def history_for(period: Period) -> Period:
    return Period.last_months(HISTORY_MONTHS, today=period.last)


def response_spc(months: list[ResponseMonth]) -> SPCResult:
    """The XmR chart of monthly mean response times: lower is better; suppressed months take no part."""
    return xmr([(m.month, m.shown_mean) for m in months], higher_is_better=False)


# --- Shares of critical stories ---------------------------------------------------------------------------


@dataclass(frozen=True)
class SharesShown:
    """The critical stories' follow-up as shown: counts with `*` where suppressed, shares as whole percents
    (None when there is no critical story, `*` when a count behind it is hidden)."""

    critical: Shown
    responded: Shown
    responded_percent: int | str | None
    changed: Shown
    changed_percent: int | str | None

    def as_stored(self) -> dict:
        return {
            "critical": self.critical,
            "responded": self.responded,
            "responded_percent": self.responded_percent,
            "changed": self.changed,
            "changed_percent": self.changed_percent,
        }


def shares_shown(counts: CriticalFollowUp) -> SharesShown:
    """Suppress the three counts as one table. Cells: critical stories with a response and a change made,
    with a response only, with a change only, with neither; figures: all critical (every cell), with a
    response (the first two), with a change made (the first and third). What is left of the critical stories
    once either figure is taken away is protected too (`suppress` protects such differences)."""
    both = counts.with_both
    cells = [
        both,
        counts.with_response - both,
        counts.with_change_made - both,
        counts.critical - counts.with_response - counts.with_change_made + both,
    ]
    if min(cells) < 0:
        raise ValueError(f"Critical follow-up counts do not add up: {counts}")
    hidden = suppress(cells, [(0, 1, 2, 3), (0, 1), (0, 2)])
    critical_hidden, responded_hidden, changed_hidden = (i in hidden for i in range(3))
    return SharesShown(
        critical=shown(counts.critical, critical_hidden),
        responded=shown(counts.with_response, responded_hidden),
        responded_percent=shown_percent(
            counts.with_response, counts.critical, hidden=critical_hidden or responded_hidden
        ),
        changed=shown(counts.with_change_made, changed_hidden),
        changed_percent=shown_percent(
            counts.with_change_made, counts.critical, hidden=critical_hidden or changed_hidden
        ),
    )


def critical_counts(org_ids, period: Period) -> CriticalFollowUp:
    """The critical stories of the organisations that happened in the period, from the roll-up (a row per
    organisation and month): the counts `stories.selectors.critical_follow_up` reads story by story."""
    sums = CriticalFollowUpMonthly.objects.filter(
        organisation_id__in=list(org_ids), month__gte=period.first, month__lte=period.last
    ).aggregate(**{name: Coalesce(Sum(name), 0) for name in COUNT_NAMES})
    return CriticalFollowUp(**sums)


def critical_shares(org_ids, period: Period) -> SharesShown:
    return shares_shown(critical_counts(org_ids, period))


# --- For a page -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class FollowUp:
    """What the dashboards' "Responses and changes made" section shows."""

    period: Period
    history: Period
    months: list[ResponseMonth]
    spc: SPCResult
    shares: SharesShown
    notes: list[str] = field(default_factory=lambda: [DATES_NOTE, CHART_NOTE])
    shares_note: str = SHARES_NOTE
    chart: charts.Chart | None = None

    @property
    def plain_summary(self) -> str:
        """One or two sentences in plain words: where response times stand, and what the chart says."""
        shown_points = [p for p in self.spc.points if p.value is not None]
        if not shown_points:
            return (
                f"No month from {self.history.label} had 5 or more responses to people who told their "
                "stories, so there is no response time to chart yet."
            )
        latest = shown_points[-1]
        mean = charts.format_number(latest.mean, UNIT)
        text = (
            f"Across {self.history.label}, people who told their stories waited {mean} on average for a "
            f"response (the mean of the months shown). In {latest.period:%B %Y} the mean was "
            f"{charts.format_number(latest.value, UNIT)}."
        )
        if self.spc.has_limits:
            text += f" {self.spc.summary}"
        return text


def follow_up_figures(org_ids, period: Period) -> FollowUp:
    """The figures: response times by month over HISTORY_MONTHS to the period's end (their XmR chart), and the
    critical stories' shares for the period itself. `org_ids`: the organisations the person may see figures
    for (the caller's permission checks decided them). The board report reads this too."""
    history = history_for(period)
    months = response_months_for(org_ids, history)
    return FollowUp(
        period=period,
        history=history,
        months=months,
        spc=response_spc(months),
        shares=critical_shares(org_ids, period),
    )


def follow_up_for(org_ids, period: Period, *, scope_name: str) -> FollowUp:
    """The section for a dashboard page: the figures and the interactive chart with its data table."""
    follow_up = follow_up_figures(org_ids, period)
    return replace(follow_up, chart=_chart(follow_up, scope_name))


def _chart(follow_up: FollowUp, scope_name: str) -> charts.Chart:
    chart = charts.spc_chart(
        f"{scope_name}: response time to the people who told their stories, by month",
        [(m.month, m.shown_mean) for m in follow_up.months],
        higher_is_better=False,
        unit=UNIT,
        key="chart-response-time",
    )
    # The data table gains the number of responses each month (suppressed as the mean is).
    columns = [
        "Month",
        "Responses",
        "Mean response time",
        "Centre line (mean of the months)",
        "Lower process limit",
        "Upper process limit",
        "Variation",
    ]
    rows = [
        [row[0], charts.format_number(month.shown_responses, places=0), *row[1:]]
        for row, month in zip(chart.rows, follow_up.months, strict=True)
    ]
    return replace(
        chart,
        columns=columns,
        rows=rows,
        caption=f"{chart.title}: responses, mean response time ({UNIT}), process limits and variation",
    )
