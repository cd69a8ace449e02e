"""Funnel plots: is this trust (or service) really different from the others, given how many answered?

A proportion (FFT % positive, the share of comments mentioning a theme, the share of a theme's mentions
that are negative) is plotted against its denominator, with control limits around the target (the ICS's
own value, or England's) that narrow as the denominator grows. Points outside the 99.8% limits are
unlikely to differ by chance alone; between 95% and 99.8%, perhaps. Limits are exact binomial, with the
interpolation of Spiegelhalter (2005, "Funnel plots for comparing institutional performance", Statistics
in Medicine 24:1185, appendix A.1.1), so that small denominators are not given normal-approximation limits
below 0 or above 1.

Small numbers: a point is not plotted, and its table row says why, when its denominator is under 5 or
either side of its proportion (e.g. positive and not positive) counts 1 to 4, since its position on the
chart (a percentage at a known number of responses) would give the count back.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass
from enum import StrEnum

import numpy as np
from scipy.stats import binom

from feedback.metrics import THRESHOLD  # counts under this are not published

LIMITS = {"95%": 0.975, "99.8%": 0.999}  # two-sided coverage → upper quantile


class Band(StrEnum):
    WITHIN = "within"  # inside the 95% limits
    WARNING_HIGH = "warning_high"  # between the 95% and 99.8% limits, above
    WARNING_LOW = "warning_low"
    ALARM_HIGH = "alarm_high"  # beyond the 99.8% limits, above
    ALARM_LOW = "alarm_low"
    NOT_PLOTTED = "not_plotted"


BAND_LABELS = {
    Band.WITHIN: "Within the 95% limits: no evidence of a difference",
    Band.WARNING_HIGH: "Above the 95% limit: possibly higher",
    Band.WARNING_LOW: "Below the 95% limit: possibly lower",
    Band.ALARM_HIGH: "Above the 99.8% limit: higher than chance explains",
    Band.ALARM_LOW: "Below the 99.8% limit: lower than chance explains",
    Band.NOT_PLOTTED: "Not plotted: too few to publish",
}


def limit(target: float, n: int, quantile: float) -> float:
    """The exact binomial control limit (a proportion) at denominator n for the given quantile, e.g. 0.975
    for the upper 95% limit and 0.025 for the lower."""
    if n <= 0:
        raise ValueError("a funnel limit needs a denominator of at least 1")
    if not 0 <= target <= 1:
        raise ValueError(f"target {target!r} is not a proportion")
    return float(_limit_array(target, np.array([n]), quantile)[0])


def _limit_array(target: float, ns: np.ndarray, quantile: float) -> np.ndarray:
    """`limit` at many denominators in one call: scipy's distribution functions cost ~0.2 ms a call, so a
    curve of 60 denominators x 4 limits point by point took 200 ms a chart."""
    if target in (0, 1):
        return np.full(len(ns), float(target))
    r = binom.ppf(quantile, ns, target)
    f_r, f_below = binom.cdf(r, ns, target), binom.cdf(r - 1, ns, target)
    gap = f_r - f_below
    alpha = np.where(gap > 0, (f_r - quantile) / np.where(gap > 0, gap, 1.0), 0.0)
    return np.clip((r - alpha) / ns, 0.0, 1.0)


def limits(target: float, n: int) -> dict[str, tuple[float, float]]:
    """{"95%": (lower, upper), "99.8%": (lower, upper)} at denominator n."""
    return {name: (limit(target, n, 1 - q), limit(target, n, q)) for name, q in LIMITS.items()}


@dataclass(frozen=True)
class FunnelPoint:
    label: str  # the trust or service
    numerator: int  # e.g. positive answers, comments mentioning the theme
    denominator: int  # e.g. all answers, all comments
    # Set by the caller when the same figure is hidden elsewhere on the page: the row's % positive in the FFT
    # table may be hidden to protect its other answers, and plotting it would undo that.
    withheld: bool = False

    @property
    def disclosive(self) -> bool:
        """Its position would give back a count of 1 to 4 (or it has fewer than 5 in all)."""
        if self.denominator < THRESHOLD or self.withheld:
            return True
        return any(0 < count < THRESHOLD for count in (self.numerator, self.denominator - self.numerator))

    @property
    def proportion(self) -> float:
        return self.numerator / self.denominator


@dataclass(frozen=True)
class PlacedPoint:
    point: FunnelPoint
    band: Band

    @property
    def plotted(self) -> bool:
        return self.band != Band.NOT_PLOTTED


@dataclass(frozen=True)
class Funnel:
    target: float
    target_label: str  # "ICS value" or "England"
    points: list[PlacedPoint]

    def curve(self, steps: int = 60) -> list[tuple[int, dict[str, tuple[float, float]]]]:
        """The limit lines from n = 5 to a little past the largest plotted denominator, on a log-like grid."""
        largest = max((p.point.denominator for p in self.points if p.plotted), default=THRESHOLD * 4)
        top = max(largest * 1.1, THRESHOLD * 4)
        grid = sorted(
            {max(THRESHOLD, round(math.exp(math.log(THRESHOLD) + i * math.log(top / THRESHOLD) / steps)))
             for i in range(steps + 1)}
        )  # fmt: skip
        ns = np.array(grid)
        lines = {
            name: (_limit_array(self.target, ns, 1 - q), _limit_array(self.target, ns, q))
            for name, q in LIMITS.items()
        }
        return [
            (n, {name: (float(low[i]), float(high[i])) for name, (low, high) in lines.items()})
            for i, n in enumerate(grid)
        ]


def place(point: FunnelPoint, target: float, bands: dict[str, tuple[float, float]] | None = None) -> Band:
    """The point's band; `bands` are its limits when the caller has them already (`funnel` works them out for
    all its points at once)."""
    if point.disclosive:
        return Band.NOT_PLOTTED
    bands = bands or limits(target, point.denominator)
    value = point.proportion
    low99, high99 = bands["99.8%"]
    low95, high95 = bands["95%"]
    if value > high99:
        return Band.ALARM_HIGH
    if value < low99:
        return Band.ALARM_LOW
    if value > high95:
        return Band.WARNING_HIGH
    if value < low95:
        return Band.WARNING_LOW
    return Band.WITHIN


def funnel(points: Sequence[FunnelPoint], *, target: float | None = None, target_label: str = "") -> Funnel:
    """Place each point against the target; without a target, the pooled value of all the points (the
    ICS's own value when the points are its trusts)."""
    if target is None:
        total = sum(p.denominator for p in points)
        target = sum(p.numerator for p in points) / total if total else 0.0
        target_label = target_label or "all shown together"
    if not 0 <= target <= 1:
        raise ValueError(f"target {target!r} is not a proportion")
    shown = [p for p in points if not p.disclosive]
    ns = np.array([p.denominator for p in shown] or [1])
    lines = {
        name: (_limit_array(target, ns, 1 - q), _limit_array(target, ns, q)) for name, q in LIMITS.items()
    }
    bands = {
        id(p): {name: (float(low[i]), float(high[i])) for name, (low, high) in lines.items()}
        for i, p in enumerate(shown)
    }
    return Funnel(target, target_label, [PlacedPoint(p, place(p, target, bands.get(id(p)))) for p in points])
