"""Plotly figures for the dashboards, each with the same data as an accessible table.

Every builder returns a `Chart`: the plotly figure as a JSON-able dict (built as plain dicts: see `Figure`)
that `static/dashboards/charts.js` draws in the browser, and the rows of a data table that
`templates/dashboards/partials/_chart.html` renders as a real <table>, the alternative for screen readers
and the fallback without JavaScript:

    {% include "dashboards/partials/_chart.html" with chart=chart %}          (heading_level=3 by default)

Suppressed values ("*", small numbers) are never plotted as numbers: the figure gets no point (a gap in a
line, a blank heatmap cell) and the table shows "*" with a note saying why.

Colours follow Making Data Count's convention (grey common cause, blue improvement, orange concern,
purple neither), in NHS identity shades dark enough for 3:1 contrast on white (WCAG 1.4.11); the marker
shape differs as well, so colour is not the only cue, and the table names each point's variation.
"""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

from .spc import MIN_POINTS, SUPPRESSED, SPCResult, Variation, xmr

FONT = '"Frutiger W01", Arial, sans-serif'
TEXT = "#212b32"  # NHS black
GREY = "#4c6272"  # NHS dark grey: lines, common-cause points
COLOURS = {
    Variation.COMMON_CAUSE: "#768692",  # NHS mid grey
    Variation.IMPROVEMENT: "#005eb8",  # NHS blue
    Variation.CONCERN: "#c75300",  # NHS orange, darkened from #ed8b00 for 3:1 contrast
    Variation.NEUTRAL: "#330072",  # NHS purple
    Variation.NOT_ASSESSED: "#768692",
}
SYMBOLS = {
    Variation.COMMON_CAUSE: "circle",
    Variation.IMPROVEMENT: "circle",
    Variation.CONCERN: "diamond",
    Variation.NEUTRAL: "square",
    Variation.NOT_ASSESSED: "circle",
}
TARGET = "#8a1538"  # NHS dark red
SUPPRESSED_NOTE = "* Not shown: too few responses to publish without a risk of identifying someone."
CONFIG = {
    # No mode bar: its download button needs blob: URLs and its buttons add nothing the table lacks.
    "displayModeBar": False,
    "displaylogo": False,
    "responsive": True,
    "scrollZoom": False,
}


class Figure:
    """plotly's figure JSON ({"data": [...], "layout": {...}}), built as plain dicts.

    plotly.graph_objects would validate every property as it is set, which costs about 25 ms a chart, and
    a dashboard page shows several (its budget is 250 ms). tests/dashboards/test_charts.py checks every
    figure these builders make against plotly's schema instead, with go.Figure(figure).
    """

    def __init__(self):
        self.data: list[dict] = []
        self.layout: dict = {}

    def add_trace(self, kind: str, **trace) -> None:
        self.data.append({"type": kind, **trace})

    def to_plotly_json(self) -> dict:
        return {"data": self.data, "layout": self.layout}


@dataclass(frozen=True)
class Chart:
    key: str  # unique on the page: the DOM ids are made from it
    title: str
    figure: dict  # plotly's JSON: {"data": [...], "layout": {...}}
    caption: str  # the table's <caption>
    columns: list[str]  # table headers; the first column heads the rows
    rows: list[list[str]]  # formatted cells; the first cell of each row is its header
    notes: list[str] = field(default_factory=list)
    summary: str = ""  # one sentence under the title, e.g. the SPC variation and assurance
    config: dict = field(default_factory=lambda: dict(CONFIG))
    spc: SPCResult | None = None  # spc_chart only: the points, icons and messages

    @property
    def script_id(self) -> str:
        return f"{self.key}-figure"

    @property
    def plot(self) -> dict:
        """What charts.js passes to Plotly.newPlot: the figure and its config."""
        return {**self.figure, "config": self.config}

    @property
    def plotted(self) -> bool:
        """Whether the figure shows any value. Reference lines (mean, limits, target: hoverinfo "skip") do
        not count: a chart of an old period with no data would otherwise be drawn as bare axes."""
        for trace in self.figure.get("data", []):
            if trace.get("hoverinfo") == "skip":
                continue
            # A heat map's values are its z (its y holds the row names); other traces', their y.
            values = trace.get("z" if "z" in trace else "y") or []
            cells = [v for row in values for v in (row if isinstance(row, list) else [row])]
            if any(v is not None for v in cells):
                return True
        return False

    @property
    def empty_note(self) -> str:
        """What an unplotted chart says instead of drawing, unless one of its notes says it already."""
        if self.plotted or any(note.startswith("No values to chart") for note in self.notes):
            return ""
        return "No values to chart."


def slug(text: str) -> str:
    return "chart-" + (re.sub(r"[^a-z0-9]+", "-", str(text).lower()).strip("-") or "untitled")


def format_period(period: Hashable) -> str:
    if isinstance(period, dt.datetime):
        return f"{period:%d %b %Y %H:%M}"
    if isinstance(period, dt.date):
        return f"{period:%b %Y}" if period.day == 1 else f"{period:%d %b %Y}"
    return str(period)


def _x(period: Hashable):
    """A date axis value for plotly (ISO text) or the period's label on a category axis."""
    return period.isoformat() if isinstance(period, dt.date) else format_period(period)


def format_number(value, unit: str = "", *, places: int = 1) -> str:
    if value is None:
        return "no data"
    if value == SUPPRESSED:
        return SUPPRESSED
    number = round(float(value), places)
    text = f"{number:,.{places}f}".rstrip("0").rstrip(".") if places else f"{number:,.0f}"
    return f"{text}{unit}" if unit == "%" else f"{text} {unit}".rstrip()


def _plain(value, where: str):
    """A number, "*" or None, as the figure may hold it; anything else is refused, naming where it is."""
    if value is None or value == SUPPRESSED:
        return value
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"{where}: {value!r} is not a number, '*' or None")
    return float(value)


def _layout(*, height: int = 360, **extra) -> dict:
    layout = {
        "height": height,
        "margin": {"l": 56, "r": 24, "t": 16, "b": 48},
        "font": {"family": FONT, "size": 14, "color": TEXT},
        "paper_bgcolor": "#ffffff",
        "plot_bgcolor": "#ffffff",
        "hoverlabel": {"font": {"family": FONT, "size": 14}},
        "legend": {"orientation": "h", "x": 0, "y": -0.18, "yanchor": "top"},
        "showlegend": True,
    }
    layout.update(extra)
    return layout


def _axis(**extra) -> dict:
    return {"showgrid": True, "gridcolor": "#d8dde0", "zeroline": False, "linecolor": GREY, **extra}


def _x_axis(periods: Sequence[Hashable]) -> dict:
    if periods and all(isinstance(p, dt.date) for p in periods):
        return _axis(type="date", tickformat="%b %Y", showgrid=False)
    return _axis(type="category", showgrid=False)


def spc_chart(
    title: str,
    points: Iterable[tuple[Hashable, object]],
    *,
    higher_is_better: bool | None = True,
    unit: str = "%",
    target: float | None = None,
    baseline: int | None = None,
    recalculate_at: Iterable[Hashable] = (),
    min_points: int = MIN_POINTS,
    key: str | None = None,
) -> Chart:
    """An XmR chart in the Making Data Count style (see dashboards/spc.py for the rules).

    `points`: (period, value) in time order; a value may be None (no data) or "*" (suppressed).
    `unit="%"` treats values as percentages: limits are clamped to 0–100.
    """
    points = list(points)
    result = xmr(
        points,
        higher_is_better=higher_is_better,
        baseline=baseline,
        recalculate_at=recalculate_at,
        target=target,
        percentage=unit == "%",
        min_points=min_points,
    )
    periods = [p.period for p in result.points]
    xs = [_x(p) for p in periods]
    fig = Figure()
    segments = sorted({p.segment for p in result.points})

    def line(name, attribute, style, legend_rank):
        for segment in segments:
            members = [(x, p) for x, p in zip(xs, result.points, strict=True) if p.segment == segment]
            ys = [getattr(p, attribute) for _, p in members]
            if all(y is None for y in ys):
                continue
            fig.add_trace(
                "scatter",
                x=[x for x, _ in members],
                y=ys,
                name=name,
                mode="lines",
                line=style,
                legendgroup=attribute,
                legendrank=legend_rank,
                showlegend=segment == segments[0],
                hoverinfo="skip",
            )

    line("Mean", "mean", {"color": GREY, "width": 2}, 2)
    line("Upper process limit", "upper_limit", {"color": GREY, "width": 1.5, "dash": "dash"}, 3)
    line("Lower process limit", "lower_limit", {"color": GREY, "width": 1.5, "dash": "dash"}, 4)
    if target is not None:
        fig.add_trace(
            "scatter",
            x=xs,
            y=[float(target)] * len(xs),
            name="Target",
            mode="lines",
            line={"color": TARGET, "width": 2, "dash": "dot"},
            legendrank=5,
            hoverinfo="skip",
        )
    hover = []
    for period, p in zip(periods, result.points, strict=True):
        text = f"{format_period(period)}: {format_number(p.value, unit)}"
        if p.variation != Variation.NOT_ASSESSED:
            text += f"<br>{p.variation.label}"
        if p.rules:
            text += "<br>(" + "; ".join(p.rule_labels) + ")"
        hover.append(text)
    fig.add_trace(
        "scatter",
        x=xs,
        y=[p.value for p in result.points],  # None for missing or suppressed: a gap, never a number
        name="Value",
        mode="lines+markers",
        line={"color": GREY, "width": 1.5},
        marker={
            "color": [COLOURS[p.variation] for p in result.points],
            "symbol": [SYMBOLS[p.variation] for p in result.points],
            "size": [11 if p.rules else 7 for p in result.points],
            "line": {"color": "#ffffff", "width": 1},
        },
        customdata=hover,
        hovertemplate="%{customdata}<extra></extra>",
        connectgaps=False,
        legendrank=1,
    )
    y_axis = _axis(title={"text": "%" if unit == "%" else unit}, ticksuffix="%" if unit == "%" else "")
    fig.layout = _layout(xaxis=_x_axis(periods), yaxis=y_axis, hovermode="closest")

    columns = ["Period", "Value", "Mean", "Lower process limit", "Upper process limit", "Variation"]
    rows = []
    for period, p in zip(periods, result.points, strict=True):
        variation = "" if p.value is None else p.variation.label
        if p.rules:
            variation += " (" + "; ".join(p.rule_labels) + ")"
        rows.append(
            [
                format_period(period),
                format_number(p.shown, unit),
                "" if p.mean is None else format_number(p.mean, unit),
                "" if p.lower_limit is None else format_number(p.lower_limit, unit),
                "" if p.upper_limit is None else format_number(p.upper_limit, unit),
                variation,
            ]
        )
    notes = list(result.messages)
    if any(p.shown == SUPPRESSED for p in result.points):
        notes.append(SUPPRESSED_NOTE)
    if target is not None:
        notes.append(f"Target: {format_number(target, unit)}.")
    return Chart(
        key=key or slug(title),
        title=title,
        figure=fig.to_plotly_json(),
        caption=f"{title}: values, mean, process limits and variation by period",
        columns=columns,
        rows=rows,
        notes=notes,
        summary=result.summary if result.has_limits else "",
        spc=result,
    )


def _trend_row(item) -> tuple[Hashable, object, object]:
    if isinstance(item, (tuple, list)):
        if len(item) != 3:
            raise ValueError(f"trend_chart: {item!r} is not (period, volume, net sentiment)")
        return tuple(item)
    # A roll-up row (dashboards.selectors.ThemeMonth) works as it is.
    return item.month, item.total, item.net_sentiment


def trend_chart(
    title: str,
    series: Iterable,
    *,
    volume_label: str = "Mentions",
    sentiment_label: str = "Net sentiment",
    key: str | None = None,
) -> Chart:
    """A theme's volume (bars, left axis) and net sentiment (line, right axis, -100 to +100) by period.

    `series`: (period, volume, net sentiment) in time order, or objects with `month`, `total` and
    `net_sentiment`. Net sentiment is % positive minus % negative. Either value may be None or "*".
    """
    rows_in = [_trend_row(item) for item in series]
    periods = [period for period, _, _ in rows_in]
    volumes = [_plain(v, f"trend_chart {format_period(p)} volume") for p, v, _ in rows_in]
    sentiments = [_plain(s, f"trend_chart {format_period(p)} net sentiment") for p, _, s in rows_in]
    for period, sentiment in zip(periods, sentiments, strict=True):
        if isinstance(sentiment, float) and not -100 <= sentiment <= 100:
            where = f"trend_chart {format_period(period)} net sentiment"
            raise ValueError(f"{where}: {sentiment:g} is not between -100 and 100")
    xs = [_x(p) for p in periods]
    fig = Figure()
    fig.add_trace(
        "bar",
        x=xs,
        y=[v if isinstance(v, float) else None for v in volumes],
        name=volume_label,
        marker={"color": COLOURS[Variation.COMMON_CAUSE]},
        customdata=[
            f"{format_period(p)}: {format_number(v, places=0)} {volume_label.lower()}"
            for p, v in zip(periods, volumes, strict=True)
        ],
        hovertemplate="%{customdata}<extra></extra>",
    )
    fig.add_trace(
        "scatter",
        x=xs,
        y=[s if isinstance(s, float) else None for s in sentiments],
        name=sentiment_label,
        yaxis="y2",
        mode="lines+markers",
        line={"color": COLOURS[Variation.IMPROVEMENT], "width": 2},
        marker={"size": 7},
        connectgaps=False,
        customdata=[
            f"{format_period(p)}: {sentiment_label.lower()} {_signed(s)}"
            for p, s in zip(periods, sentiments, strict=True)
        ],
        hovertemplate="%{customdata}<extra></extra>",
    )
    fig.layout = _layout(
        xaxis=_x_axis(periods),
        yaxis=_axis(title={"text": volume_label}, rangemode="tozero"),
        yaxis2=_axis(
            title={"text": sentiment_label},
            overlaying="y",
            side="right",
            range=[-100, 100],
            showgrid=False,
            zeroline=True,
            zerolinecolor="#aeb7bd",
        ),
        margin={"l": 56, "r": 56, "t": 16, "b": 48},
        hovermode="closest",
    )
    rows = [
        [format_period(p), format_number(v, places=0), _signed(s)]
        for p, v, s in zip(periods, volumes, sentiments, strict=True)
    ]
    notes = []
    if any(v == SUPPRESSED for v in volumes + sentiments):
        notes.append(SUPPRESSED_NOTE)
    notes.append(
        "Net sentiment is the percentage of positive mentions minus the percentage of negative ones."
    )
    return Chart(
        key=key or slug(title),
        title=title,
        figure=fig.to_plotly_json(),
        caption=f"{title}, by period",
        columns=["Period", volume_label, f"{sentiment_label} (−100 to +100)"],
        rows=rows,
        notes=notes,
    )


def _signed(value) -> str:
    if value is None or value == SUPPRESSED:
        return format_number(value)
    return f"{value:+.0f}".replace("-", "−")


def heatmap(
    title: str,
    rows: Sequence[str],
    columns: Sequence[str],
    values: Sequence[Sequence[object]],
    *,
    unit: str = "%",
    value_label: str = "Negative",
    row_label: str = "Theme",
    key: str | None = None,
) -> Chart:
    """A grid of values, e.g. theme (rows) × trust (columns) share of negative mentions.

    `values[i][j]` belongs to rows[i] and columns[j]: a number, "*" (suppressed: a blank cell and a note)
    or None (nothing to show: a blank cell, "no data" in the table).
    """
    rows, columns = list(rows), list(columns)
    if len(values) != len(rows):
        raise ValueError(f"heatmap: {len(values)} rows of values for {len(rows)} row names")
    grid = []
    for name, line in zip(rows, values, strict=True):
        if len(line) != len(columns):
            raise ValueError(f"heatmap row {name!r}: {len(line)} values for {len(columns)} columns")
        grid.append(
            [_plain(v, f"heatmap row {name!r}, column {c!r}") for c, v in zip(columns, line, strict=True)]
        )
    hover = [
        [
            f"{r}, {c}: "
            + (
                "not shown (too few to publish)"
                if v == SUPPRESSED
                else "no data"
                if v is None
                else f"{format_number(v, unit)} {value_label.lower()}"
            )
            for c, v in zip(columns, line, strict=True)
        ]
        for r, line in zip(rows, grid, strict=True)
    ]
    fig = Figure()
    fig.add_trace(
        "heatmap",
        x=columns,
        y=rows,
        z=[[v if isinstance(v, float) else None for v in line] for line in grid],
        # Suppressed cells are null: plotly leaves them blank instead of colouring a number.
        hoverongaps=False,
        customdata=hover,
        hovertemplate="%{customdata}<extra></extra>",
        colorscale=[[0, "#f0f4f5"], [0.5, "#ed8b00"], [1, "#8a1538"]],
        zmin=0,
        **({"zmax": 100} if unit == "%" else {}),
        xgap=2,
        ygap=2,
        # Each cell is labelled with its value (plotly picks a text colour that contrasts with the cell), so
        # colour is not the only cue. That stands in for a colour bar too: plotly.js draws colour bars with
        # setAttribute("style", ""), which the CSP refuses (style-src-attr), and a key of colours says less
        # than the numbers themselves.
        showscale=False,
        text=[[format_number(v, unit) if isinstance(v, float) else "" for v in line] for line in grid],
        texttemplate="%{text}",
        textfont={"family": FONT, "size": 14},
    )
    fig.layout = _layout(
        height=max(240, 40 * len(rows) + 120),
        # Trust names are long: slanted, and the top margin grows to fit them.
        xaxis=_axis(type="category", showgrid=False, side="top", tickangle=-35, automargin=True),
        yaxis=_axis(type="category", showgrid=False, autorange="reversed", automargin=True),
        margin={"l": 16, "r": 16, "t": 48, "b": 16},
        showlegend=False,
    )
    table_rows = [[r, *(format_number(v, unit) for v in line)] for r, line in zip(rows, grid, strict=True)]
    notes = []
    if any(v == SUPPRESSED for line in grid for v in line):
        notes.append(SUPPRESSED_NOTE + " Such cells are left blank in the chart.")
    return Chart(
        key=key or slug(title),
        title=title,
        figure=fig.to_plotly_json(),
        caption=title,
        columns=[row_label, *columns],
        rows=table_rows,
        notes=notes,
    )
