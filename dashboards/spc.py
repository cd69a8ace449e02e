"""Statistical process control in the style of NHS England's "Making Data Count" (MDC): XmR charts.

Pure Python, no Django, so the dashboards, the board-report export and the benchmarks can share it.

The chart (an XmR or individuals chart, the one MDC uses for almost everything):
- the centre line is the mean of the values;
- the moving range of a point is |value - previous value|; its mean is the mean moving range (mR̄);
- the process limits are mean ± 2.66 × mR̄ (2.66 = 3 / d2, d2 = 1.128 for ranges of two, so the limits
  sit about three sigma from the mean);
- "two sigma" is two thirds of the way from the mean to a limit: mean ± (2/3 × 2.66) × mR̄.
Limits come from a *baseline* (the first `baseline` points of a period, or all of them) and, once set, are
extended unchanged over later points rather than re-computed each month ("locking" them, so the goalposts
do not move); `recalculate_at` starts a new period with its own mean and limits after a known change to the
process. The rules below are applied within each period.

Special-cause rules, as MDC defines them (NHS England and NHS Improvement, "Making data count:
strengthening your decisions", 2019, and "Making data count: getting started"; implemented the same way
in the NHS-R community's MDC package NHSRplotthedots, `R/ptd_calculate_point_type.R` and
`R/ptd_spc_standard.R`):
1. a single point outside the process limits;
2. a shift: a run of SHIFT_RUN (7) or more consecutive points all above, or all below, the mean. A point on
   the mean belongs to neither side and ends the run;
3. a trend: a run of TREND_RUN (7) or more consecutive points each higher than the one before (or each
   lower). An unchanged value ends the run;
4. two out of three: two (or three) of any three consecutive points beyond two sigma on the same side of
   the mean. The third point may lie anywhere (as in the Western Electric rule MDC takes it from); points
   beyond the limits count as beyond two sigma. NHSRplotthedots differs slightly: it asks that all three
   points lie on the same side of the mean, and counts only points between two sigma and the limit (a
   point beyond the limit is flagged by rule 1 anyway).
Every point a rule fires on is a special-cause point; the others are common cause.

Improvement or concern. Given the direction in which higher is better, a special-cause point is an
improvement or a concern; with no direction (`higher_is_better=None`) it is "neutral". The direction a point
moved comes from the first rule that fires on it in the order above: its side of the mean for rules 1, 2
and 4, the direction of the run for a trend. (So a point below the mean inside a rising trend is an
improvement when higher is better, unless it is also part of a shift below the mean.)

Summary icons, as on an MDC dashboard:
- the variation icon describes the latest point: common cause, or special cause improvement / concern /
  neutral, high or low;
- the assurance icon compares a target with the current process limits: a target outside the limits on the
  good side is consistently passed, on the bad side consistently failed; a target between the limits is
  hit and miss (the process will sometimes meet it and sometimes not, by common-cause variation alone).

How many points. Two or three points make no chart (given two numbers, one is always higher), and MDC
advises against limits from a handful of points. NHSRplotthedots (vignette "Number of points required")
calls limits from fewer than 12 points "trial limits" and locks limits at 12; this module follows it:
below MIN_POINTS (12, adjustable) it computes the mean but no limits and looks for no special causes, and
says so in `messages`, rather than draw limits that would mislead. (The NHS England guides themselves
could not be read while this was written; the rule lengths above are the ones NHSRplotthedots implements
for MDC.)

Percentages (`percentage=True`) cannot go below 0 or above 100, so their limits are clamped there.

Missing or suppressed values (None or "*") stay in the output so a table can show them, but take no part
in the calculation: moving ranges and runs join the points either side of the gap.
"""

from __future__ import annotations

from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass, field
from decimal import Decimal
from enum import StrEnum
from itertools import pairwise
from math import isfinite

LIMIT_FACTOR = 2.66
TWO_SIGMA_FACTOR = 2 * LIMIT_FACTOR / 3
SHIFT_RUN = 7
TREND_RUN = 7
MIN_POINTS = 12
SUPPRESSED = "*"


class Rule(StrEnum):
    OUTSIDE_LIMITS = "outside_limits"
    SHIFT = "shift"
    TWO_OF_THREE = "two_of_three"
    TREND = "trend"

    @property
    def label(self) -> str:
        return RULE_LABELS[self]


RULE_LABELS = {
    Rule.OUTSIDE_LIMITS: "outside the process limits",
    Rule.SHIFT: f"a run of {SHIFT_RUN} or more points on one side of the mean",
    Rule.TWO_OF_THREE: "two of three points close to a process limit",
    Rule.TREND: f"{TREND_RUN} or more points rising or falling in a row",
}
# The order in which a rule decides the direction of a point that several rules fire on.
RULE_ORDER = (Rule.OUTSIDE_LIMITS, Rule.SHIFT, Rule.TWO_OF_THREE, Rule.TREND)


class Variation(StrEnum):
    COMMON_CAUSE = "common_cause"
    IMPROVEMENT = "special_cause_improvement"
    CONCERN = "special_cause_concern"
    NEUTRAL = "special_cause_neutral"
    NOT_ASSESSED = "not_assessed"  # no limits (too few points) or no value (missing, suppressed)

    @property
    def label(self) -> str:
        return VARIATION_LABELS[self]


VARIATION_LABELS = {
    Variation.COMMON_CAUSE: "Common cause variation",
    Variation.IMPROVEMENT: "Special cause variation: improvement",
    Variation.CONCERN: "Special cause variation: concern",
    Variation.NEUTRAL: "Special cause variation: neither improvement nor concern",
    Variation.NOT_ASSESSED: "Variation not assessed",
}


class Assurance(StrEnum):
    CONSISTENTLY_PASSING = "consistently_passing"
    HIT_AND_MISS = "hit_and_miss"
    CONSISTENTLY_FAILING = "consistently_failing"

    @property
    def label(self) -> str:
        return ASSURANCE_LABELS[self]


ASSURANCE_LABELS = {
    Assurance.CONSISTENTLY_PASSING: "The process is consistently passing the target",
    Assurance.HIT_AND_MISS: (
        "The process will hit and miss the target (the target is within the process limits)"
    ),
    Assurance.CONSISTENTLY_FAILING: "The process is consistently failing the target",
}


@dataclass(frozen=True)
class SPCPoint:
    period: Hashable
    value: float | None  # None: missing or suppressed
    shown: float | str | None  # the value as given: a number, "*" when suppressed, None when missing
    segment: int  # 0 for the first period of limits, 1 after the first recalculation, ...
    in_baseline: bool
    moving_range: float | None
    mean: float | None
    upper_limit: float | None
    lower_limit: float | None
    upper_two_sigma: float | None
    lower_two_sigma: float | None
    rules: tuple[Rule, ...] = ()
    variation: Variation = Variation.NOT_ASSESSED
    direction: int = 0  # for a special cause: +1 moved up, -1 moved down (from the deciding rule)

    @property
    def rule_labels(self) -> list[str]:
        return [rule.label for rule in self.rules]


@dataclass(frozen=True)
class VariationIcon:
    """The MDC variation icon for the latest point: `code` names the icon, e.g. "improvement_high"."""

    variation: Variation
    high: bool | None  # the side of the mean the latest point lies on; None for common cause

    @property
    def code(self) -> str:
        if self.variation in (Variation.COMMON_CAUSE, Variation.NOT_ASSESSED):
            return self.variation.value
        kind = self.variation.value.removeprefix("special_cause_")
        return f"{kind}_{'high' if self.high else 'low'}"

    @property
    def label(self) -> str:
        if self.variation in (Variation.COMMON_CAUSE, Variation.NOT_ASSESSED):
            return self.variation.label
        return f"{self.variation.label} ({'higher' if self.high else 'lower'} values)"


@dataclass(frozen=True)
class SPCResult:
    points: list[SPCPoint]
    higher_is_better: bool | None
    percentage: bool
    target: float | None
    has_limits: bool  # every period has limits; False when there are too few points
    messages: list[str] = field(default_factory=list)
    variation_icon: VariationIcon = VariationIcon(Variation.NOT_ASSESSED, None)
    assurance: Assurance | None = None

    @property
    def summary(self) -> str:
        """One sentence for a caption or a screen reader: variation, then assurance."""
        parts = [self.variation_icon.label]
        if self.assurance is not None:
            parts.append(self.assurance.label.lower())
        return "; ".join(parts) + "."


def _number(period, value, *, percentage: bool) -> float | None:
    if value is None or value == SUPPRESSED:
        return None
    if isinstance(value, bool) or not isinstance(value, (int, float, Decimal)):
        raise ValueError(f"SPC point {period}: the value {value!r} is not a number (nor '*' or None)")
    number = float(value)
    if not isfinite(number):
        raise ValueError(f"SPC point {period}: the value {value!r} is not a finite number")
    if percentage and not 0 <= number <= 100:
        raise ValueError(f"SPC point {period}: {value} is not a percentage between 0 and 100")
    return number


def _runs(flags: Sequence[int], min_length: int) -> list[tuple[int, int, int]]:
    """(start, end exclusive, sign) of each run of equal non-zero signs at least `min_length` long."""
    runs = []
    start = 0
    for i in range(1, len(flags) + 1):
        if i == len(flags) or flags[i] != flags[start]:
            if flags[start] != 0 and i - start >= min_length:
                runs.append((start, i, flags[start]))
            start = i
    return runs


def _sign(x: float) -> int:
    return (x > 0) - (x < 0)


def _special_causes(
    values: Sequence[float], mean: float, upper: float, lower: float, upper_2s: float, lower_2s: float
) -> list[dict[Rule, int]]:
    """For each value, the rules it breaks and the direction (+1 up, -1 down) each gives it."""
    n = len(values)
    found: list[dict[Rule, int]] = [{} for _ in range(n)]
    side = [_sign(v - mean) for v in values]
    for i, v in enumerate(values):
        if v > upper or v < lower:
            found[i][Rule.OUTSIDE_LIMITS] = side[i]
    for start, end, sign in _runs(side, SHIFT_RUN):
        for i in range(start, end):
            found[i][Rule.SHIFT] = sign
    beyond = [1 if v > upper_2s else -1 if v < lower_2s else 0 for v in values]
    for start in range(n - 2):
        window = range(start, start + 3)
        for sign in (1, -1):
            hits = [i for i in window if beyond[i] == sign]
            if len(hits) >= 2:
                for i in hits:
                    found[i][Rule.TWO_OF_THREE] = sign
    # A trend of k points has k - 1 steps in the same direction; step i joins point i to point i + 1.
    steps = [_sign(values[i + 1] - values[i]) for i in range(n - 1)]
    for start, end, sign in _runs(steps, TREND_RUN - 1):
        for i in range(start, end + 1):
            found[i][Rule.TREND] = sign
    return found


def _classify(rules: dict[Rule, int], higher_is_better: bool | None) -> tuple[Variation, int]:
    """The point's variation, and the direction (+1 up, -1 down) of the first rule in RULE_ORDER."""
    if not rules:
        return Variation.COMMON_CAUSE, 0
    direction = next(rules[r] for r in RULE_ORDER if r in rules)
    if higher_is_better is None:
        return Variation.NEUTRAL, direction
    if (direction > 0) == higher_is_better:
        return Variation.IMPROVEMENT, direction
    return Variation.CONCERN, direction


def xmr(
    points: Iterable[tuple[Hashable, object]],
    *,
    higher_is_better: bool | None = True,
    baseline: int | None = None,
    recalculate_at: Iterable[Hashable] = (),
    target: float | None = None,
    percentage: bool = False,
    min_points: int = MIN_POINTS,
) -> SPCResult:
    """An XmR chart of `points`, (period, value) pairs in time order.

    `baseline`: limits of each period come from its first `baseline` values (default: all of them).
    `recalculate_at`: periods at which a new mean and new limits start (after a known change).
    `target`: for the assurance icon. `percentage`: values are 0–100 and limits are clamped to that range.
    `min_points`: fewer values than this in a baseline give no limits (see the module's docstring).
    """
    points = list(points)
    if baseline is not None and baseline < 2:
        raise ValueError(f"SPC baseline: {baseline} points cannot give a moving range; use 2 or more")
    if min_points < 2:
        raise ValueError("SPC min_points: limits need at least 2 points")
    periods = [p for p, _ in points]
    if len(set(periods)) != len(periods):
        duplicates = sorted({str(p) for p in periods if periods.count(p) > 1})
        raise ValueError(f"SPC points: each period may appear once; repeated: {', '.join(duplicates)}")
    breaks = set()
    for period in recalculate_at:
        if period not in periods:
            raise ValueError(f"SPC recalculate_at: {period} is not one of the periods of the series")
        breaks.add(periods.index(period))
    breaks.discard(0)
    numbers = [_number(p, v, percentage=percentage) for p, v in points]
    target = None if target is None else float(target)

    bounds = [0, *sorted(breaks), len(points)]
    out: list[SPCPoint] = []
    messages: list[str] = []
    has_limits = True
    for segment, (start, end) in enumerate(pairwise(bounds)):
        present = [i for i in range(start, end) if numbers[i] is not None]
        base = present if baseline is None else present[:baseline]
        values = [numbers[i] for i in present]
        base_values = [numbers[i] for i in base]
        ranges = [abs(b - a) for a, b in pairwise(base_values)]
        mean = sum(base_values) / len(base_values) if base_values else None
        limits = len(base_values) >= min_points
        where = "" if len(bounds) == 2 else f" (from {periods[start]})"
        if not present:
            messages.append(f"No values to chart{where}.")
        elif not limits:
            noun = "value" if len(base_values) == 1 else "values"
            messages.append(
                f"Only {len(base_values)} {noun}{where}: process limits need at least {min_points}, "
                "so none are drawn and no special causes are looked for."
            )
        has_limits = has_limits and limits
        if limits:
            mr_bar = sum(ranges) / len(ranges)
            upper, lower = mean + LIMIT_FACTOR * mr_bar, mean - LIMIT_FACTOR * mr_bar
            upper_2s, lower_2s = mean + TWO_SIGMA_FACTOR * mr_bar, mean - TWO_SIGMA_FACTOR * mr_bar
            if percentage:
                upper, lower, upper_2s, lower_2s = (
                    min(100.0, max(0.0, x)) for x in (upper, lower, upper_2s, lower_2s)
                )
            found = _special_causes(values, mean, upper, lower, upper_2s, lower_2s)
        else:
            upper = lower = upper_2s = lower_2s = None
            found = [{} for _ in values]
        by_index = dict(zip(present, found, strict=True))
        base_set = set(base)
        previous = None
        for i in range(start, end):
            value = numbers[i]
            moving_range = None
            if value is not None:
                moving_range = None if previous is None else abs(value - previous)
                previous = value
            rules = by_index.get(i, {})
            variation, direction = Variation.NOT_ASSESSED, 0
            if limits and value is not None:
                variation, direction = _classify(rules, higher_is_better)
            out.append(
                SPCPoint(
                    period=periods[i],
                    value=value,
                    shown=points[i][1] if value is None else value,
                    segment=segment,
                    in_baseline=i in base_set,
                    moving_range=moving_range,
                    mean=mean,
                    upper_limit=upper,
                    lower_limit=lower,
                    upper_two_sigma=upper_2s,
                    lower_two_sigma=lower_2s,
                    rules=tuple(r for r in RULE_ORDER if r in rules),
                    variation=variation,
                    direction=direction,
                )
            )

    latest = next((p for p in reversed(out) if p.value is not None), None)
    icon = VariationIcon(Variation.NOT_ASSESSED, None)
    if latest is not None:
        icon = VariationIcon(latest.variation, latest.direction > 0 if latest.rules else None)

    assurance = None
    last = out[-1] if out else None
    current_limits = last is not None and last.upper_limit is not None
    if target is not None and higher_is_better is not None and current_limits:
        if target > last.upper_limit:
            assurance = Assurance.CONSISTENTLY_FAILING if higher_is_better else Assurance.CONSISTENTLY_PASSING
        elif target < last.lower_limit:
            assurance = Assurance.CONSISTENTLY_PASSING if higher_is_better else Assurance.CONSISTENTLY_FAILING
        else:
            assurance = Assurance.HIT_AND_MISS
    elif target is not None and higher_is_better is None:
        messages.append("A target needs a direction (higher or lower is better) to give assurance.")

    return SPCResult(
        points=out,
        higher_is_better=higher_is_better,
        percentage=percentage,
        target=target,
        has_limits=has_limits and bool(out),
        messages=messages,
        variation_icon=icon,
        assurance=assurance,
    )
