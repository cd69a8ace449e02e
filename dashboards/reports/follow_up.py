"""The board report's "Responses and changes made" section: the response-time XmR chart and the shares of
critical stories with a response and with a change made, as the system and trust views show them
(`dashboards.follow_up`, where the dates, the working days and the suppression are explained).

In the PDF: the chart as SVG, its caption, the months as a table and the shares (`reports/partials/
_pdf_follow_up.html`). On the report's page: the stored figures (`as_stored`, kept in `BoardReport.summary`
under "follow_up": counts and means only, no text). In the workbook and CSV: two sheets (`export_sections`).
Page one's "responses and changes made" reads the same shares, so the report states one figure.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from dashboards import follow_up
from insight_hub.periods import Period

from .svg import spc_gaps, spc_svg

SECTION_KEY = "follow_up"
NO_RESPONSES = "No responses to tellers were recorded in this period."


@dataclass
class FollowUpSection:
    figures: follow_up.FollowUp

    @property
    def shares(self) -> follow_up.SharesShown:
        return self.figures.shares

    @property
    def months(self) -> list[follow_up.ResponseMonth]:
        return self.figures.months

    @property
    def spc(self):
        return self.figures.spc

    @property
    def has_responses(self) -> bool:
        """Whether any month of the chart's span has a response; with none, the PDF shows `NO_RESPONSES`
        instead of an empty chart and a table of zeros."""
        return any(month.responses for month in self.months)

    @property
    def no_responses(self) -> str:
        return NO_RESPONSES

    @property
    def chart_title(self) -> str:
        return f"Response time by month, {self.figures.history.label}: XmR chart (working days)"

    @property
    def svg(self) -> str:
        return spc_svg(self.spc, title=self.chart_title, suffix="d")

    @property
    def gaps(self) -> str:
        return spc_gaps(self.spc, measure="mean response time", why="fewer than 5 responses")

    @property
    def rows(self) -> list[dict]:
        """The months as the PDF's table shows them: responses and mean as shown, the mean and limits."""
        return [
            {
                "month": month.month,
                "responses": month.shown_responses,
                "mean": _shown_days(month.shown_mean),
                "centre": _round(point.mean),
                "lower": _round(point.lower_limit),
                "upper": _round(point.upper_limit),
                "variation": point.variation.label if point.value is not None else "",
                "rules": "; ".join(point.rule_labels),
            }
            for month, point in zip(self.months, self.spc.points, strict=True)
        ]

    def as_stored(self) -> dict:
        latest = next((p for p in reversed(self.spc.points) if p.value is not None), None)
        return {
            "period": self.figures.period.label,
            "history": self.figures.history.label,
            "shares": self.shares.as_stored(),
            "summary": self.figures.plain_summary,
            "mean": _round(latest.mean) if latest else None,
            "lower": _round(latest.lower_limit) if latest else None,
            "upper": _round(latest.upper_limit) if latest else None,
            "months": [
                {"month": f"{r['month']:%Y-%m}", "responses": r["responses"], "mean": r["mean"]}
                for r in self.rows
            ],
        }


def _round(value):
    return None if value is None else round(value, 1)


def _shown_days(value):
    return value if value is None or isinstance(value, str) else round(value, 1)


def for_page(stored: dict | None) -> dict | None:
    """The stored figures (`FollowUpSection.as_stored`) as the report's page shows them: each month named
    ("January 2025", stored as "2025-01"), and, when no month has a response, `no_responses` (the sentence
    shown instead of a table of zeros). Works on reports stored before either change."""
    if not stored:
        return stored
    months = [
        {**m, "label": f"{dt.datetime.strptime(m['month'], '%Y-%m'):%B %Y}"} for m in stored.get("months", [])
    ]
    quiet = all(m["responses"] == 0 for m in months)
    return {**stored, "months": months, "no_responses": NO_RESPONSES if quiet else ""}


def follow_up_section(org_ids, period: Period) -> FollowUpSection:
    return FollowUpSection(follow_up.follow_up_figures(org_ids, period))


def export_sections(section: FollowUpSection | None) -> list[tuple[str, list[str], list[list]]]:
    """(sheet name, header, rows) for the workbook and the CSV; figures only, suppressed as in the PDF."""
    if section is None:
        return []
    s = section.shares
    shares = [
        ["All critical stories", s.critical, None],
        ["With a response to the person who told it", s.responded, s.responded_percent],
        ["With a change made (signed off)", s.changed, s.changed_percent],
    ]
    months = [
        [
            f"{r['month']:%Y-%m}",
            r["responses"],
            r["mean"],
            r["centre"],
            r["lower"],
            r["upper"],
            r["variation"],
            r["rules"],
        ]
        for r in section.rows
    ]
    return [
        ("Critical follow-up", ["Critical stories", "Stories", "Share (%)"], shares),
        (
            "Response time",
            [
                "Month",
                "Responses",
                "Mean response time (working days)",
                "Centre line",
                "Lower limit",
                "Upper limit",
                "Variation",
                "Rules",
            ],
            months,
        ),
    ]
