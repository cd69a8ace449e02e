"""The funnel plot as a `charts.Chart`: limits, target line and points, with its data table.

A point's figures are in its hover text only, and only when it is plotted; the points outside the limits
(and, on a national placement, ours) carry their name on the chart, placed so that it is never cut
(`dashboards.funnel_labels`), the others are named by their hover text and the table. A point is plotted
unless it would give back a count from 1 to 4 (`dashboards.funnel.FunnelPoint.disclosive`): such a point
is left off the chart, and its table row shows `*` for both its number and its value. The limit lines and the
target are drawn to one decimal place of the unit shown, like every figure on the page: the target is the
pooled value of all the points, hidden ones included, and a target given to five figures beside the other
points' counts could narrow down a hidden one.

National placement (`highlight`): NHS England's published figures for every English trust of a setting,
the other trusts as small grey points, ours larger, coloured by band and named.
"""

from __future__ import annotations

from collections.abc import Collection

from .charts import (
    GREY,
    SUPPRESSED,
    SUPPRESSED_NOTE,
    TARGET,
    TEXT,
    Chart,
    Figure,
    _axis,
    _layout,
    format_number,
    slug,
)
from .funnel import BAND_LABELS, Band, Funnel
from .funnel_labels import Axes, label_points

BAND_COLOURS = {
    "within": "#768692",
    "warning_high": "#005eb8",
    "warning_low": "#c75300",
    "alarm_high": "#005eb8",
    "alarm_low": "#c75300",
}
# Ours among the national points: "within" in NHS dark blue, so it stands apart from the grey others.
HIGHLIGHT_COLOURS = {**BAND_COLOURS, "within": "#003087"}
OTHERS = "#aeb7bd"  # NHS pale grey: context, not data to read off
BAND_SYMBOLS = {
    "within": "circle",
    "warning_high": "triangle-up",
    "warning_low": "triangle-down",
    "alarm_high": "star-triangle-up",
    "alarm_low": "star-triangle-down",
}
CASE_MIX_NOTE = (
    "Funnel plots compare like with like only as far as the people served are alike: a trust whose "
    "patients are older, more unwell or answer in other ways (on paper, by text message) may differ for "
    "those reasons, not its care. A point outside the limits is a reason to look closer, not a verdict."
)
PLACES = 1  # every value drawn, to one decimal place of the unit (see the module's docstring)


def _y(proportion: float, per: int) -> float:
    return round(proportion * per, PLACES)


def funnel_chart(
    title: str,
    result: Funnel,
    *,
    value_label: str,
    denominator_label: str,
    per: int = 100,
    key: str | None = None,
    first_column: str = "Organisation",
    highlight: Collection[str] | None = None,
    highlight_suffix: str = " (this ICS)",
    case_mix: str = CASE_MIX_NOTE,
) -> Chart:
    """A funnel plot: each plotted point at (denominator, proportion × per), the target line and the 95% and
    99.8% limits; the table lists every point, those not plotted saying why.

    `per` is 100 for percentages, 1,000 for rates per 1,000 comments. With `highlight` (the labels of our
    points), the others are drawn as grey context and listed after ours in the table."""
    unit = "%" if per == 100 else f"per {per:,}"
    curve = result.curve()
    ns = [n for n, _ in curve]
    fig = Figure()
    for name, dash in (("99.8%", "dash"), ("95%", "dot")):
        for side, index in (("upper", 1), ("lower", 0)):
            fig.add_trace(
                "scatter",
                x=ns,
                y=[_y(bands[name][index], per) for _, bands in curve],
                mode="lines",
                line={"color": GREY, "dash": dash, "width": 1.5},
                name=f"{name} limits",
                legendgroup=name,
                showlegend=side == "upper",
                hoverinfo="skip",
            )
    target_text = format_number(result.target * per, unit)
    fig.add_trace(
        "scatter",
        x=[ns[0], ns[-1]],
        y=[_y(result.target, per)] * 2,
        mode="lines",
        line={"color": TARGET, "width": 2},
        name=f"{result.target_label}: {target_text}",
        hoverinfo="skip",
    )

    def hover(p) -> str:
        return (
            f"{p.point.label}: {format_number(p.point.proportion * per, unit)} of "
            f"{p.point.denominator:,} {denominator_label}"
        )

    plotted = [p for p in result.points if p.plotted]
    ours = set(highlight) if highlight is not None else None
    if ours is not None:
        others = [p for p in plotted if p.point.label not in ours]
        if others:
            fig.add_trace(
                "scatter",
                x=[p.point.denominator for p in others],
                y=[_y(p.point.proportion, per) for p in others],
                mode="markers",
                marker={"color": OTHERS, "symbol": "circle", "size": 7},
                name="Other English trusts",
                customdata=[hover(p) for p in others],
                hovertemplate="%{customdata}<extra></extra>",
            )
        plotted = [p for p in plotted if p.point.label in ours]
    axes = Axes.around(
        [n for n, _ in curve] + [p.point.denominator for p in result.points if p.plotted],
        [_y(v, per) for _, bands in curve for pair in bands.values() for v in pair]
        + [_y(p.point.proportion, per) for p in result.points if p.plotted],
    )
    labels = label_points(
        [(p.point.label, p.point.denominator, _y(p.point.proportion, per), p.band) for p in plotted],
        axes,
        everyone=ours is not None,
        legend=3 + (len(plotted) < sum(p.plotted for p in result.points)) + len({p.band for p in plotted}),
    )
    colours = HIGHLIGHT_COLOURS if ours is not None else BAND_COLOURS
    for band in ("within", "warning_high", "warning_low", "alarm_high", "alarm_low"):
        group = [p for p in plotted if p.band == band]
        if not group:
            continue
        marker = {"color": colours[band], "symbol": BAND_SYMBOLS[band], "size": 11}
        if ours is not None:
            marker.update(size=13, line={"color": "#212b32", "width": 1.5})
        fig.add_trace(
            "scatter",
            x=[p.point.denominator for p in group],
            y=[_y(p.point.proportion, per) for p in group],
            mode="markers",
            marker=marker,
            name=("Ours: " if ours is not None else "") + BAND_LABELS[Band(band)].split(":")[0],
            customdata=[hover(p) for p in group],
            hovertemplate="%{customdata}<extra></extra>",
        )
    fig.layout = _layout(
        height=420,
        # Names as annotations, placed so that none is cut by the chart's edge (`funnel_labels`).
        annotations=[label.annotation(TEXT, GREY) for label in labels],
        margin={"l": 56, "r": 24, "t": 24, "b": 48},
        # The legend above the plot, where plotly makes room for it however many rows it wraps to. Below,
        # pinned at a share of the plot's height, it ran into the x-axis title on a phone (five rows there).
        legend={"orientation": "h", "x": 0, "xanchor": "left", "y": 1.02, "yanchor": "bottom"},
        xaxis=_axis(
            type="log", title={"text": f"Number of {denominator_label} (log scale)"}, range=list(axes.x)
        ),
        yaxis=_axis(title={"text": f"{value_label} ({unit})"}, range=list(axes.y)),
    )

    def row(p, suffix: str = "") -> list[str]:
        if not p.plotted:
            return [p.point.label + suffix, SUPPRESSED, SUPPRESSED, BAND_LABELS[p.band]]
        return [
            p.point.label + suffix,
            f"{p.point.denominator:,}",
            format_number(p.point.proportion * per, unit),
            BAND_LABELS[p.band],
        ]

    by_label = sorted(result.points, key=lambda p: p.point.label)
    if ours is None:
        rows = [row(p) for p in by_label]
    else:
        rows = [row(p, highlight_suffix) for p in by_label if p.point.label in ours]
        rows += [row(p) for p in by_label if p.point.label not in ours]
    notes = [case_mix]
    if any(not p.plotted for p in result.points):
        notes.insert(0, SUPPRESSED_NOTE + " Such points are not plotted.")
    return Chart(
        key=key or slug(title),
        title=title,
        figure=fig.to_plotly_json(),
        caption=title,
        columns=[first_column, denominator_label.capitalize(), value_label, "Compared with the limits"],
        rows=rows,
        notes=notes,
        summary=f"Limits (95% and 99.8%) are drawn around the {result.target_label} ({target_text}).",
    )
