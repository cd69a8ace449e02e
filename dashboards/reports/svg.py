"""Charts for the printed report, written as SVG by hand: WeasyPrint draws SVG as vectors, and a few lines and
circles need neither a plotting library nor a browser (matplotlib's import alone costs more than this takes).

The SPC chart follows Making Data Count: the values joined by a grey line, the mean as a solid line, the
process limits dashed, and special-cause points coloured (blue improvement, orange concern, purple neither)
with a different marker shape, so colour is not the only cue; the caption says in words what the chart shows.
"""

from __future__ import annotations

from collections.abc import Sequence
from xml.sax.saxutils import escape

from dashboards.spc import SPCResult, Variation
from insight_hub.suppression import SUPPRESSED

TEXT = "#212b32"
GREY = "#4c6272"
LIGHT = "#d8dde0"
COLOURS = {
    Variation.COMMON_CAUSE: "#768692",
    Variation.IMPROVEMENT: "#005eb8",
    Variation.CONCERN: "#c75300",
    Variation.NEUTRAL: "#330072",
    Variation.NOT_ASSESSED: "#768692",
}
FONT = "font-family='Liberation Sans, Arial, sans-serif'"


def _fmt(x: float) -> str:
    return f"{x:.1f}"


def _marker(x: float, y: float, variation: Variation) -> str:
    colour = COLOURS[variation]
    if variation == Variation.CONCERN:  # a diamond
        r = 5
        points = (
            f"{_fmt(x)},{_fmt(y - r)} {_fmt(x + r)},{_fmt(y)} {_fmt(x)},{_fmt(y + r)} {_fmt(x - r)},{_fmt(y)}"
        )
        return f"<polygon points='{points}' fill='{colour}'/>"
    if variation == Variation.NEUTRAL:  # a square
        return f"<rect x='{_fmt(x - 4)}' y='{_fmt(y - 4)}' width='8' height='8' fill='{colour}'/>"
    r = 4.5 if variation == Variation.IMPROVEMENT else 3
    return f"<circle cx='{_fmt(x)}' cy='{_fmt(y)}' r='{r}' fill='{colour}'/>"


def spc_svg(result: SPCResult, *, title: str, width: int = 640, height: int = 260, suffix: str = "%") -> str:
    """An XmR chart from `dashboards.spc.xmr`, months as periods: of percentages (0-100, ticks marked %), or
    of other values from 0 up (ticks marked with `suffix`, e.g. "d" for days)."""
    ceiling = 100.0 if result.percentage else float("inf")
    suffix = "%" if result.percentage else suffix
    # The right margin holds half the last month's label ("Dec 26"), which is centred on the plot's edge.
    left, right, top, bottom = 44, 24, 12, 36
    plot_w, plot_h = width - left - right, height - top - bottom
    values = [p.value for p in result.points if p.value is not None]
    limits = [x for p in result.points for x in (p.upper_limit, p.lower_limit) if x is not None]
    if not values:
        low, high = 0.0, 100.0
    else:
        low = max(0.0, min(values + limits) - 5)
        high = min(ceiling, max(values + limits) + 5)
        if high - low < 10:
            low, high = max(0.0, low - 5), min(ceiling, high + 5)
    n = max(len(result.points), 2)

    def x_at(i: int) -> float:
        return left + plot_w * i / (n - 1)

    def y_at(v: float) -> float:
        return top + plot_h * (high - v) / (high - low)

    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='{escape(title)}'>",
        f"<title>{escape(title)}</title>",
        f"<rect x='{left}' y='{top}' width='{plot_w}' height='{plot_h}' fill='none' stroke='{LIGHT}'/>",
    ]
    step = 10 if high - low > 30 else 5
    tick = int(low // step + 1) * step
    while tick < high:
        y = y_at(tick)
        parts.append(
            f"<line x1='{left}' x2='{left + plot_w}' y1='{_fmt(y)}' y2='{_fmt(y)}' stroke='{LIGHT}'/>"
        )
        parts.append(
            f"<text x='{left - 6}' y='{_fmt(y + 4)}' text-anchor='end' font-size='10' {FONT} "
            f"fill='{TEXT}'>{tick}{suffix}</text>"
        )
        tick += step
    last = len(result.points) - 1
    for i, point in enumerate(result.points):
        # Every third month and the last; a third month right before the last would overlap its label.
        if i == last or (i % 3 == 0 and last - i >= 2):
            parts.append(
                f"<text x='{_fmt(x_at(i))}' y='{height - 18}' text-anchor='middle' font-size='9' {FONT} "
                f"fill='{TEXT}'>{point.period:%b %y}</text>"
            )
    # Mean and limits, one segment per period of limits.
    for attribute, dash, colour in (
        ("mean", "", GREY),
        ("upper_limit", "stroke-dasharray='5 3'", GREY),
        ("lower_limit", "stroke-dasharray='5 3'", GREY),
    ):
        segments: dict[int, list[tuple[float, float]]] = {}
        for i, point in enumerate(result.points):
            value = getattr(point, attribute)
            if value is not None:
                value = min(max(value, low), high)  # a limit below 0 (days) runs along the floor
                segments.setdefault(point.segment, []).append((x_at(i), y_at(value)))
        for run in segments.values():
            if len(run) >= 2:
                coords = " ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in run)
                parts.append(
                    f"<polyline points='{coords}' fill='none' stroke='{colour}' stroke-width='1.2' {dash}/>"
                )
    # The values, joined across gaps (a suppressed month has no point).
    coords = [(x_at(i), y_at(p.value)) for i, p in enumerate(result.points) if p.value is not None]
    if len(coords) >= 2:
        line = " ".join(f"{_fmt(a)},{_fmt(b)}" for a, b in coords)
        parts.append(f"<polyline points='{line}' fill='none' stroke='{GREY}' stroke-width='1.5'/>")
    for i, point in enumerate(result.points):
        if point.value is not None:
            parts.append(_marker(x_at(i), y_at(point.value), point.variation))
        elif point.shown == SUPPRESSED:  # hidden, not missing: a short grey dash on the floor (as sparklines)
            x, y = x_at(i), top + plot_h - 3
            parts.append(
                f"<line x1='{_fmt(x - 4)}' y1='{_fmt(y)}' x2='{_fmt(x + 4)}' y2='{_fmt(y)}' stroke='{GREY}' "
                "stroke-width='2'/>"
            )
    legend = [
        ("Common cause", Variation.COMMON_CAUSE),
        ("Improvement", Variation.IMPROVEMENT),
        ("Concern", Variation.CONCERN),
    ]
    x = left
    for label, variation in legend:
        parts.append(_marker(x + 4, height - 5, variation))
        parts.append(f"<text x='{x + 12}' y='{height - 1}' font-size='9' {FONT} fill='{TEXT}'>{label}</text>")
        x += 92
    parts.append(f"<line x1='{x}' x2='{x + 18}' y1='{height - 4}' y2='{height - 4}' stroke='{GREY}'/>")
    parts.append(f"<text x='{x + 22}' y='{height - 1}' font-size='9' {FONT} fill='{TEXT}'>Mean</text>")
    x += 60
    parts.append(
        f"<line x1='{x}' x2='{x + 18}' y1='{height - 4}' y2='{height - 4}' stroke='{GREY}' "
        "stroke-dasharray='5 3'/>"
    )
    parts.append(
        f"<text x='{x + 22}' y='{height - 1}' font-size='9' {FONT} fill='{TEXT}'>Process limits</text>"
    )
    parts.append("</svg>")
    return "".join(parts)


def spc_gaps(result: SPCResult, *, measure: str, why: str) -> str:
    """The caption's words for the months of an SPC chart with no point: a board reading a line with holes,
    or one that stops early, should know whether no one answered or the figure is hidden (`why`)."""
    hidden = sum(1 for p in result.points if p.shown == SUPPRESSED)
    empty = sum(1 for p in result.points if p.shown is None)
    parts = []
    if hidden:
        its, has = ("its", "has") if hidden == 1 else ("their", "have")
        parts.append(
            f"{hidden} of the {len(result.points)} months {has} no point because {its} {measure} is not "
            f"shown ({why}): a short grey dash on the chart's floor"
        )
    if empty:
        parts.append(f"{empty} {'month has' if empty == 1 else 'months have'} no responses")
    return (". ".join(parts) + ".") if parts else ""


def sparkline_svg(values: Sequence[int | None], *, title: str, width: int = 120, height: int = 28) -> str:
    """Small bars, one per month: a theme's mentions over the period. A suppressed month (None) has a short
    grey dash on the baseline instead of a bar, so that it is told apart from a month with no mentions (no
    bar, no dash); the key under the table says so in words."""
    n = max(len(values), 1)
    peak = max((v for v in values if v is not None), default=0) or 1
    gap = 2
    bar = max((width - gap * (n - 1)) / n, 1)
    parts = [
        f"<svg xmlns='http://www.w3.org/2000/svg' width='{width}' height='{height}' "
        f"viewBox='0 0 {width} {height}' role='img' aria-label='{escape(title)}'>"
        f"<title>{escape(title)}</title>"
    ]
    for i, value in enumerate(values):
        if value is None:
            x = i * (bar + gap)
            parts.append(
                f"<line x1='{_fmt(x + bar * 0.2)}' y1='{_fmt(height - 1)}' x2='{_fmt(x + bar * 0.8)}' "
                f"y2='{_fmt(height - 1)}' stroke='{GREY}' stroke-width='2'/>"
            )
            continue
        h = max((height - 2) * value / peak, 1 if value else 0)
        parts.append(
            f"<rect x='{_fmt(i * (bar + gap))}' y='{_fmt(height - h)}' width='{_fmt(bar)}' "
            f"height='{_fmt(h)}' fill='#005eb8'/>"
        )
    parts.append("</svg>")
    return "".join(parts)
