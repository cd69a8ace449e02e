"""Page one of a board report: the summary a board member reads first.

Headline FFT (with the same number of months before for comparison), what changed (the FFT share, special-
cause months, the themes that rose most), critical stories collected and quoted (two of them quoted in
short), responses to the people who told the stories and changes made ("you said, we did" actions done),
and overdue commitments and actions. Every count is shown as the rest of the report shows it: 1 to 4 as *.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from feedback.metrics import THRESHOLD
from insight_hub.periods import Period
from insight_hub.suppression import SUPPRESSED
from stories.models import ActionStatus, StoryAction

QUOTED_ON_PAGE_ONE = 2
SHORT_QUOTE = 180
RISEN_SHOWN = 3


@dataclass
class Summary:
    fft_total: object  # FFTFigures as shown
    previous_period: Period
    previous_positive: int | str | None  # % positive of the months before, as shown
    changed: list[str] = field(default_factory=list)
    critical_collected: int | str = 0
    critical_collected_percent: int | str | None = None
    critical_quoted: int = 0
    quoted_total: int = 0
    critical_quotes: list = field(default_factory=list)  # (Quote, short text)
    under_represented: str = ""
    critical_responded: int | str = 0
    critical_responded_percent: int | str | None = None
    critical_changed: int | str = 0
    critical_changed_percent: int | str | None = None
    changes_made: int = 0
    changes_planned: int = 0
    overdue_commitments: list = field(default_factory=list)  # (text, owner name, why)
    overdue_actions: int = 0
    commitments_available: bool = True

    def as_stored(self) -> dict:
        """What the report's page shows again: no story text (its quotes are re-read, consent checked)."""
        f = self.fft_total
        return {
            "fft_total": {"total": f.total, "percent_positive": f.percent_positive,
                          "percent_negative": f.percent_negative},
            "previous_period": {"label": self.previous_period.label},
            **{name: getattr(self, name) for name in (
                "previous_positive", "changed", "critical_collected", "critical_collected_percent",
                "critical_quoted", "quoted_total", "under_represented", "critical_responded",
                "critical_responded_percent", "critical_changed", "critical_changed_percent", "changes_made",
                "changes_planned", "overdue_actions", "commitments_available")},
            "overdue_commitments": [list(row) for row in self.overdue_commitments],
        }  # fmt: skip


def short_quotes(quotes) -> list:
    """The critical quotes page one shows, shortened: (quote, text)."""
    return [(q, _short(q.text)) for q in quotes if q.critical][:QUOTED_ON_PAGE_ONE]


def _short(text: str) -> str:
    text = " ".join(text.split())
    return text if len(text) <= SHORT_QUOTE else text[: SHORT_QUOTE - 1].rsplit(" ", 1)[0] + "…"


def risen_line(name: str, total, change: int, negative) -> str:
    """A theme mentioned more than before, for "What changed": the count and how many more, never "N times
    more" (a board reads that as a multiple)."""
    share = f"; {negative}% of them negative" if isinstance(negative, int) else ""
    return f"“{name}”: {total} mentions, {change} more than in the months before{share}."


def _points(now, before) -> str:
    if not isinstance(now, int) or not isinstance(before, int):
        return ""
    diff = now - before
    if diff == 0:
        return "no change"
    return f"{'up' if diff > 0 else 'down'} {abs(diff)} percentage point{'s' if abs(diff) != 1 else ''}"


def _owner_name(user) -> str:
    if user is None:
        return "none named"
    return user.get_full_name() or user.email


def build_summary(content, spc_runs) -> Summary:
    """The summary of a report's content (`selectors.ReportContent`), read at generation time."""
    from . import selectors  # the report's own sections; imported here, as selectors builds the content

    c = content
    before = c.period.previous()
    before_months, _, before_total = selectors.fft_section(c.org_ids, before)
    now_positive = c.fft_total.percent_positive
    summary = Summary(fft_total=c.fft_total, previous_period=before, previous_positive=None)
    if before_months and before_total is not None:
        summary.previous_positive = before_total.percent_positive

    changed = summary.changed
    if now_positive not in (None, SUPPRESSED):
        moved = _points(now_positive, summary.previous_positive)
        if moved:
            changed.append(
                f"FFT % positive {now_positive}% against {summary.previous_positive}% in "
                f"{before.label}: {moved}."
            )
        else:
            changed.append(f"FFT % positive {now_positive}%; no comparable figure for {before.label}.")
    in_period = [run for run in spc_runs if run.last >= c.period.first]
    for run in in_period[:2]:
        changed.append(f"Special-cause variation in % positive, {run.label}.")
    risen = sorted(
        (t for t in c.themes if isinstance(t.shown.get("change"), int) and t.shown["change"] >= THRESHOLD),
        key=lambda t: (-t.shown["change"], t.name),
    )[:RISEN_SHOWN]
    for theme in risen:
        changed.append(
            risen_line(
                theme.name, theme.shown["total"], theme.shown["change"], theme.shown.get("negative_percent")
            )
        )
    if not changed:
        changed.append("No change large enough to report.")

    b = c.balance
    shown_collected = b.shown_collected
    summary.critical_collected = shown_collected["critical"]
    summary.critical_collected_percent = b.shown_collected_percent
    summary.critical_quoted = b.quoted["critical"]
    summary.quoted_total = b.quoted_total
    summary.critical_quotes = short_quotes(c.quotes)
    summary.under_represented = b.statement if b.under_represented else ""

    # The shares of section 6 (`follow_up.py`, suppressed there as one table): the report states one figure.
    if c.follow_up is not None:
        shares = c.follow_up.shares
        summary.critical_responded, summary.critical_responded_percent = (
            shares.responded,
            shares.responded_percent,
        )
        summary.critical_changed, summary.critical_changed_percent = shares.changed, shares.changed_percent
    actions = StoryAction.objects.filter(story__organisation_id__in=list(c.org_ids))
    last_day = c.period.last.replace(day=28) + dt.timedelta(days=4)
    last_day -= dt.timedelta(days=last_day.day)
    summary.changes_made = actions.filter(
        status=ActionStatus.DONE, updated_at__date__gte=c.period.first, updated_at__date__lte=last_day
    ).count()
    summary.changes_planned = actions.filter(status=ActionStatus.OPEN).count()
    summary.overdue_actions = sum(1 for a in c.actions if a.overdue)

    if c.commitments is None:
        summary.commitments_available = False
    for row in c.commitments or []:
        why = []
        if getattr(row, "review_overdue", False):
            why.append(f"review due {row.next_review_due:%-d %B %Y}")
        late = [a for a in getattr(row, "actions", []) if a.status == "overdue"]
        if late:
            why.append(f"{len(late)} action{'s' if len(late) != 1 else ''} overdue")
        if why:
            summary.overdue_commitments.append((row.commitment_text, _owner_name(row.owner), "; ".join(why)))
    return summary
