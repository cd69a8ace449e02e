"""Which points of a funnel plot carry their name on the chart, and where the name goes.

A funnel plot's message is the points outside the limits, so only they are named (at most `MAX_LABELLED`
of them, the furthest out first); every other point is named by its hover text and in the data table under
the chart. A national placement names our trusts among the grey others, since finding them is its purpose.

A name must never be cut by the edge of the plot, at any width down to a phone's: it is drawn as an
annotation placed toward the inside of the plot (to the left of a point in the right part of the x range,
to the right of one in the left part, centred in the middle), shortened (a trust's "NHS Foundation Trust"
is dropped: the hover and the table keep the full name) and wrapped to lines of at most `WRAP` characters,
so that it fits in the part of the plot it is placed in. Above or below its point, and as near as it can
be without covering a name placed before it: one moved further out keeps a thin leader line to its point.
A name that finds no room clear of the others (a crowd of points outside the limits on a phone) is left
off: its point is named by its hover text and the table, like the points inside the limits.

Only names are drawn: no figure, so no label can give back a number the table hides.
"""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass

LABEL_SIZE = 12  # px: a name of WRAP characters is about 120 px wide
WRAP = 18  # characters a line
LINES = 3  # lines a name, at most; a longer one ends in "…"
MAX_LABELLED = 8
EDGE = 0.38  # a point this far (as a share of the range) from the left or right edge is named inward
# The plot area (px) the names are laid out in: the narrowest it gets (a phone 375 px wide: 260 px) and
# the shortest (the chart is 420 px high; its legend, one row an entry there, takes the rest: `plot_height`).
# Names apart there are apart on a larger screen too: their offsets are in pixels, and points only move
# further apart; a name inside the plot there is inside it everywhere.
# ABOVE: how far into the top margin a name may reach. None: the legend sits there, just above the plot
# (`funnel_charts`: below it, it ran into the x-axis title on a phone).
WIDTH, ABOVE = 260, 0


def plot_height(legend_entries: int) -> float:
    """The plot area's height on a phone (measured in chromium: 193 px with 5 entries, 219 with 4)."""
    return max(60.0, 348 - 25 - 26 * legend_entries)


GAP = 8  # px between a point and its name
STEPS = (0, 18, 36, 54, 72, 96, 120)  # px further out a name may move to keep clear of others (leader line)
SEVERITY = {"alarm_high": 0, "alarm_low": 0, "warning_high": 1, "warning_low": 1}
SUFFIX = re.compile(r"\s+(?:NHS\s+)?(?:Foundation\s+)?Trust$", re.IGNORECASE)


@dataclass(frozen=True)
class Axes:
    """The plot's ranges as plotly takes them: x as log10 of the denominator, y in the unit shown."""

    x: tuple[float, float]
    y: tuple[float, float]

    @classmethod
    def around(cls, xs: Sequence[float], ys: Sequence[float], pad: float = 0.05) -> Axes:
        """Ranges holding every x (> 0) and y (>= 0) with a margin; y starts at 0."""
        low, high = math.log10(min(xs)), math.log10(max(xs))
        span = (high - low) or 1.0
        top = max(ys, default=0.0) or 1.0
        return cls((low - pad * span, high + pad * span), (0.0, top * (1 + pad)))

    def share(self, x: float, y: float) -> tuple[float, float]:
        """Where (x, y) sits in the plot, from (0, 0) bottom left to (1, 1) top right."""
        (x0, x1), (y0, y1) = self.x, self.y
        return (math.log10(x) - x0) / (x1 - x0), (y - y0) / (y1 - y0)


@dataclass(frozen=True)
class Label:
    """A point's name as a plotly annotation with a leader line: `side` is where the name sits
    ("left", "right" or "center" of the point), `offset` how far above (< 0) or below (> 0) in px, or
    beside it (0)."""

    text: str
    x: float
    y: float
    side: str
    shift: float  # px to the side (the leader line's slant)
    offset: float

    def annotation(self, colour: str, line: str) -> dict:
        return {
            "x": math.log10(self.x),  # plotly places annotations on a log axis by the log of x
            "y": self.y,
            "xref": "x",
            "yref": "y",
            "text": self.text,
            "showarrow": True,
            "arrowhead": 0,
            "arrowwidth": 1,
            "arrowcolor": line,
            "standoff": 7,
            "ax": self.shift,
            "ay": self.offset,
            "xanchor": {"left": "right", "right": "left", "center": "center"}[self.side],
            "yanchor": "bottom" if self.offset < 0 else "middle" if self.offset == 0 else "top",
            "align": {"left": "right", "right": "left", "center": "center"}[self.side],
            "font": {"size": LABEL_SIZE, "color": colour},
            "bgcolor": "rgba(255,255,255,0.85)",
            "borderpad": 1,
        }


def short_name(name: str) -> str:
    """The name as drawn: without a trust's common suffix, wrapped with <br> to at most LINES lines."""
    words = (SUFFIX.sub("", name).strip() or name).split()
    lines: list[str] = []
    for word in words:
        if lines and len(lines[-1]) + 1 + len(word) <= WRAP:
            lines[-1] += " " + word
        else:
            lines.append(word)
    if len(lines) > LINES:
        lines = lines[:LINES]
        lines[-1] = lines[-1][: WRAP - 1].rstrip() + "…"
    # plotly reads < and > in text as markup: a name never has them, but a name is not markup either.
    return "<br>".join(line.replace("<", "‹").replace(">", "›") for line in lines)


def chosen(points: Sequence[tuple[str, float, float, str]], *, everyone: bool = False) -> list[int]:
    """The indexes of the points to name: those outside the 95% limits, furthest out and largest first (or
    all of them with `everyone`), at most MAX_LABELLED."""
    if everyone:
        order = sorted(range(len(points)), key=lambda i: -points[i][1])
    else:
        order = sorted(
            (i for i, p in enumerate(points) if p[3] in SEVERITY),
            key=lambda i: (SEVERITY[points[i][3]], -points[i][1]),
        )
    return order[:MAX_LABELLED]


def _size(text: str) -> tuple[float, float]:
    lines = text.split("<br>")
    return max(map(len, lines)) * LABEL_SIZE * 0.6 + 4, len(lines) * LABEL_SIZE * 1.3 + 4


def _overlap(a: tuple[float, float, float, float], b: tuple[float, float, float, float]) -> float:
    return max(0.0, min(a[2], b[2]) - max(a[0], b[0])) * max(0.0, min(a[3], b[3]) - max(a[1], b[1]))


def _near(
    a: tuple[float, float], b: tuple[float, float], point: tuple[float, float], within: float = 8
) -> bool:
    """Whether `point` lies within `within` px of the segment from a to b."""
    (ax, ay), (bx, by), (x, y) = a, b, point
    dx, dy = bx - ax, by - ay
    t = max(0.0, min(1.0, ((x - ax) * dx + (y - ay) * dy) / ((dx * dx + dy * dy) or 1.0)))
    return math.hypot(x - ax - t * dx, y - ay - t * dy) < within


def label_points(
    points: Sequence[tuple[str, float, float, str]], axes: Axes, *, everyone: bool = False, legend: int = 5
) -> list[Label]:
    """The names to draw for the (name, x, y, band) points: each placed inward of the plot's edges, at the
    first distance above or below its point where it covers no name placed before it and the fewest points."""
    tall = plot_height(legend)
    spots = [axes.share(x, y) for _, x, y, _ in points]
    pixels = [(fx * WIDTH, (1 - fy) * tall) for fx, fy in spots]
    markers = [(px - 6, py - 6, px + 6, py + 6) for px, py in pixels]
    boxes: list[tuple[float, float, float, float]] = []
    labels = []
    for i in chosen(points, everyone=everyone):
        name, x, y, _ = points[i]
        text = short_name(name)
        width, height = _size(text)
        fx, _ = spots[i]
        px, py = pixels[i]
        side = "left" if fx > 1 - EDGE else "right" if fx < EDGE else "center"
        sign = {"left": -1, "right": 1, "center": 0}[side]
        best = None
        for step in STEPS:
            # Beside its point first (not when centred: it would cover it), then above or below it, further
            # out each step, to the side as well as up or down so that a leader line slants away from the
            # points straight above and below.
            offsets = [-GAP - step, GAP + step] if step or side == "center" else [0, -GAP, GAP]
            ax = sign * (GAP + step)
            left = {"left": px + ax - width, "right": px + ax, "center": px - width / 2}[side]
            for offset in offsets:
                top = py + offset - (height if offset < 0 else height / 2 if offset == 0 else 0)
                box = (left, top, left + width, top + height)
                if top < -ABOVE or top + height > tall:
                    continue  # it would be cut by the top of the chart, or cover the x axis
                if left < 0 or left + width > WIDTH:
                    continue  # moved out to the side past the plot's edge (and the axis's numbers)
                if any(_overlap(box, b) for b in boxes):
                    continue  # over a name placed before it
                cost = sum(_overlap(box, m) for m in markers)
                # A leader line passing by another point would seem to name that point.
                tail = (px + ax, py + offset)
                cost += 500 * sum(_near(tail, (px, py), m) for j, m in enumerate(pixels) if j != i)
                if best is None or cost < best[0]:
                    best = (cost, (ax, offset), box)
            if best is not None and best[0] == 0:
                break
        if best is None:
            continue  # no room clear of the names placed before it: its hover text and the table name it
        boxes.append(best[2])
        labels.append(Label(text, x, y, side, *best[1]))
    return labels
