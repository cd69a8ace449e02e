"""A report's content (`selectors.ReportContent`) written as PDF, XLSX and CSV.

PDF: the template `reports/report_pdf.html` printed by WeasyPrint, charts as inline SVG (`svg.py`).
XLSX: one sheet per section holding the aggregates behind it (suppressed as in the PDF).
CSV: the same aggregates in one long table (section, item, month, measure, value), for other tools.
Both are written through the hub's one export writer (`insight_hub.exports`): a story title, an action or a
local theme name is people's text, and never reaches a spreadsheet as a formula.
"""

from __future__ import annotations

import io

from django.template.loader import render_to_string
from openpyxl import Workbook
from openpyxl.styles import Font

from feedback.metrics import FFTFigures
from feedback.models import FFTAnswer
from insight_hub import exports
from insight_hub.suppression import SUPPRESSED

from .follow_up import export_sections as follow_up_sections
from .selectors import ReportContent, special_cause_runs
from .svg import sparkline_svg, spc_gaps, spc_svg

FFT_HEADERS = [answer.label for answer in FFTAnswer]


def pdf_bytes(content: ReportContent) -> bytes:
    from weasyprint import HTML

    spc_title = f"% positive (FFT) by month, {content.spc_period.label}: XmR chart"
    for theme in {id(t): t for t in content.praised + content.criticised}.values():
        theme.sparkline = sparkline_svg(theme.monthly_totals, title=_sparkline_title(theme, content))
    html = render_to_string(
        "reports/report_pdf.html",
        {
            "c": content,
            "spc_svg": spc_svg(content.spc, title=spc_title),
            "spc_title": spc_title,
            "spc_runs": special_cause_runs(content.spc),
            "spc_gaps": spc_gaps(
                content.spc,
                measure="% positive",
                why="too few responses, or a count under 5 could be worked out from it",
            ),
        },
    )
    # PDF/UA-1: a tagged PDF (headings, tables, reading order, language, title) that a screen reader can
    # follow, for board members who read the report that way. It costs no measurable time.
    return HTML(string=html).write_pdf(pdf_variant="pdf/ua-1")


def _sparkline_title(theme, content: ReportContent) -> str:
    """What a screen reader says for a theme's trend: the months shown as gaps said in words too."""
    title = f"{theme.name}: mentions by month, {content.period.label}"
    gaps = [f"{m['month']:%b %Y}" for m in theme.shown.get("monthly", []) if m["total"] == SUPPRESSED]
    if gaps:
        title += f"; not shown (too few to show safely): {', '.join(gaps)}"
    return title


def _figures_row(figures: FFTFigures) -> list:
    return [*figures.cells, figures.total, figures.percent_positive, figures.percent_negative]


def sections(content: ReportContent) -> list[tuple[str, list[str], list[list]]]:
    """(sheet name, header, rows) for every section: the one source of the XLSX sheets and the CSV."""
    c = content
    b = c.balance
    summary = [
        ["Report", f"Board report: {c.scope_label}"],
        ["Period", c.period.label],
        ["Generated", f"{c.generated_at:%Y-%m-%d %H:%M}"],
        [
            "Owner of the report's figures and stories",
            " – ".join(x for x in c.owner if x) or "No named owner",
        ],
        ["Stories collected in the period", b.shown_collected["all"]],
        ["Critical stories collected (%)", b.shown_collected_percent],
        ["Stories quoted", b.quoted_total],
        ["Critical stories quoted (%)", round(b.quoted_percent, 1)],
        ["Selection", "chosen by a person" if c.custom_selection else "default (follows the mix collected)"],
        ["Balance statement", b.statement if b.under_represented else ""],
        ["Roll-ups up to", f"{c.rollups_as_of:%Y-%m-%d %H:%M}" if c.rollups_as_of else "not recorded"],
        *(
            [
                f"Owner: {o.title}",
                " – ".join(x for x in (o.name, o.role) if x) or "No named owner",
            ]
            for o in c.section_owners
        ),
        *([f"What changed ({i})", line] for i, line in enumerate(c.summary.changed if c.summary else [], 1)),
    ]
    fft_header = ["Month", *FFT_HEADERS, "Total", "% positive", "% negative"]
    fft_rows = [[f"{row.month:%Y-%m}", *_figures_row(row.figures)] for row in c.fft_months]
    fft_rows.append(["Period", *_figures_row(c.fft_total)])
    out = [
        ("Summary", ["Item", "Value"], summary),
        ("FFT by month", fft_header, fft_rows),
    ]
    if c.fft_orgs:
        out.append(
            (
                "FFT by organisation",
                ["Organisation", *FFT_HEADERS, "Total", "% positive", "% negative"],
                [[row.organisation, *_figures_row(row.figures)] for row in c.fft_orgs],
            )
        )
    out.append(
        (
            "SPC % positive",
            ["Month", "% positive", "Mean", "Lower limit", "Upper limit", "Variation", "Rules"],
            [
                [
                    f"{p.period:%Y-%m}",
                    p.shown if p.value is None else p.value,
                    _round(p.mean),
                    _round(p.lower_limit),
                    _round(p.upper_limit),
                    p.variation.label,
                    "; ".join(p.rule_labels),
                ]
                for p in c.spc.points
            ],
        )
    )
    out.append(
        (
            "Themes",
            [
                "Theme",
                "Positive",
                "Neutral",
                "Negative",
                "Mentions",
                "Previous period",
                "Change",
                "Net sentiment",
            ],
            [
                [
                    t.name,
                    *(t.shown[k] for k in ("positive", "neutral", "negative", "total", "previous", "change")),
                    t.shown["net_sentiment"],
                ]
                for t in c.themes
            ],  # fmt: skip
        )
    )
    trend_rows = []
    for label, themes in (("Most praised", c.praised), ("Most criticised", c.criticised)):
        for t in themes:
            for m in t.shown["monthly"]:
                trend_rows.append(
                    [
                        label,
                        t.name,
                        f"{m['month']:%Y-%m}",
                        m["positive"],
                        m["neutral"],
                        m["negative"],
                        m["total"],
                    ]
                )
    out.append(
        (
            "Theme trends",
            ["List", "Theme", "Month", "Positive", "Neutral", "Negative", "Mentions"],
            trend_rows,
        )
    )
    out.append(
        (
            "Stories quoted",
            [
                "Reference",
                "Organisation",
                "Month",
                "Sentiment",
                "Critical",
                "Consent basis",
                "Title (redacted)",
            ],
            [
                [
                    f"S{q.story_id}",
                    q.organisation,
                    f"{q.month:%Y-%m}",
                    q.sentiment,
                    "yes" if q.critical else "no",
                    q.consent_basis,
                    q.title,
                ]
                for q in c.quotes
            ],  # fmt: skip
        )
    )
    out.append(
        (
            "Balance",
            ["Stories", "Collected in the period", "Quoted"],
            [*[list(r) for r in b.rows()], ["All", b.shown_collected["all"], b.quoted_total]],
        )
    )
    commitments = c.commitments or []
    out.append(
        (
            "Charter commitments",
            ["Charter", "Commitment", "Category", "Owner", "Status", "Last reviewed", "Next review due"],
            [
                [
                    cp.charter_title,
                    cp.commitment_text,
                    cp.category,
                    _owner(cp.owner),
                    cp.status_label,
                    cp.last_reviewed_on,
                    cp.next_review_due,
                ]
                for cp in commitments
            ],  # fmt: skip
        )
    )
    out.append(
        (
            "Actions",
            ["Story", "Organisation", "Action", "Owner", "Due", "Status"],
            [
                [f"S{a.story_id}", a.organisation, a.description, a.owner, a.due_on, a.status]
                for a in c.actions
            ],
        )
    )
    out.extend(follow_up_sections(c.follow_up))
    return out


def _round(value):
    return None if value is None else round(value, 1)


def _owner(owner) -> str:
    if owner is None:
        return ""
    if isinstance(owner, str):
        return owner
    return owner.get_full_name() or getattr(owner, "email", str(owner))


def xlsx_bytes(content: ReportContent) -> bytes:
    workbook = Workbook(write_only=False)
    workbook.remove(workbook.active)
    bold = Font(bold=True)
    for name, header, rows in sections(content):
        sheet = workbook.create_sheet(title=name[:31])
        exports.xlsx_append(sheet, header)
        for cell in sheet[1]:
            cell.font = bold
        for row in rows:
            exports.xlsx_append(sheet, row)
        sheet.freeze_panes = "A2"
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def csv_bytes(content: ReportContent) -> bytes:
    """Aggregates only (no story text): section, item, measure, value; one row per figure."""
    buffer = io.StringIO()
    writer = exports.CsvWriter(buffer)
    writer.writerow(["section", "item", "measure", "value"])
    for name, header, rows in sections(content):
        if name in {"Summary", "Stories quoted", "Charter commitments", "Actions"}:
            continue
        # Theme trends have two key columns (list, theme) before the month.
        keys = 3 if name == "Theme trends" else 1
        for row in rows:
            item = " / ".join(str(v) for v in row[:keys])
            for measure, value in zip(header[keys:], row[keys:], strict=True):
                writer.writerow([name, item, measure, "" if value is None else value])
    # A BOM, so that Excel opens it as UTF-8.
    return ("\ufeff" + buffer.getvalue()).encode("utf-8")
