"""XmR charts in the Making Data Count style, checked against worked examples done by hand.

The baseline used throughout: twelve months of FFT % positive that vary by common cause only.
    values          50 52 49 51 50 53 48 50 52 49 51 50      sum 605, mean 605 / 12 = 50.4167
    moving ranges      2  3  2  1  3  5  2  2  3  2  1        sum 26, mean 26 / 11 = 2.3636
    process limits  50.4167 ± 2.66 × 2.3636 = 50.4167 ± 6.2873 → 44.1294 and 56.7040
    two sigma       50.4167 ± (2 × 2.66 / 3) × 2.3636 = 50.4167 ± 4.1915 → 46.2252 and 54.6082
Later points are judged against these limits (baseline=12), as MDC's locked limits are.
"""

from __future__ import annotations

from datetime import date
from itertools import pairwise

import pytest

from dashboards.spc import MIN_POINTS, Assurance, Rule, Variation, xmr

BASE = [50, 52, 49, 51, 50, 53, 48, 50, 52, 49, 51, 50]
MEAN = 605 / 12
MR_BAR = 26 / 11
UPPER = MEAN + 2.66 * MR_BAR
LOWER = MEAN - 2.66 * MR_BAR


def series(values):
    return [(i, v) for i, v in enumerate(values)]


def chart(extra=(), **kwargs):
    kwargs.setdefault("baseline", 12)
    return xmr(series(BASE + list(extra)), **kwargs)


def flagged(result):
    return {p.period: p.rules for p in result.points if p.rules}


def test_it_computes_the_mean_moving_ranges_and_limits_of_the_worked_example():
    result = xmr(series(BASE))
    first, second, last = result.points[0], result.points[1], result.points[-1]
    assert result.has_limits and result.messages == []
    assert first.moving_range is None and second.moving_range == 2 and last.moving_range == 1
    assert last.mean == pytest.approx(50.4167, abs=1e-4)
    assert last.upper_limit == pytest.approx(56.7040, abs=1e-4)
    assert last.lower_limit == pytest.approx(44.1294, abs=1e-4)
    assert last.upper_two_sigma == pytest.approx(54.6082, abs=1e-4)
    assert last.lower_two_sigma == pytest.approx(46.2252, abs=1e-4)
    assert all(p.variation == Variation.COMMON_CAUSE for p in result.points)
    assert result.variation_icon.code == "common_cause"
    assert result.summary == "Common cause variation."


def test_a_single_point_outside_the_limits_is_special_cause():
    low = chart([44])  # 44 < 44.1294
    point = low.points[-1]
    assert point.rules == (Rule.OUTSIDE_LIMITS,)
    assert point.variation == Variation.CONCERN
    assert low.variation_icon.code == "concern_low"
    high = chart([56.8])  # 56.8 > 56.7040
    assert high.points[-1].variation == Variation.IMPROVEMENT
    assert high.variation_icon.code == "improvement_high"
    assert high.summary == "Special cause variation: improvement (higher values)."
    assert chart([56.7]).points[-1].rules == ()  # inside, just


def test_when_lower_is_better_a_high_point_is_a_concern():
    result = chart([57], higher_is_better=False)
    assert result.points[-1].variation == Variation.CONCERN
    assert result.variation_icon.code == "concern_high"


def test_without_a_direction_special_causes_are_neutral():
    result = chart([57], higher_is_better=None)
    assert result.points[-1].variation == Variation.NEUTRAL
    assert result.variation_icon.code == "neutral_high"


def test_a_shift_needs_seven_points_on_one_side_of_the_mean():
    # Alternating values above the mean: no trend, none beyond two sigma (54.61).
    six = chart([51, 52, 51, 52, 51, 52])
    assert flagged(six) == {}
    seven = chart([51, 52, 51, 52, 51, 52, 51])
    assert flagged(seven) == dict.fromkeys(range(12, 19), (Rule.SHIFT,))
    assert all(seven.points[i].variation == Variation.IMPROVEMENT for i in range(12, 19))


def test_a_point_on_the_mean_ends_a_shift():
    result = xmr(
        series([50, 52, 49, 51, 50, 53, 48, 50, 52, 49, 51, 50, 51, 52, 51, 605 / 12, 52, 51, 52, 51]),
        baseline=12,
    )
    assert flagged(result) == {}


def test_a_trend_needs_seven_points_rising_and_its_direction_decides_even_below_the_mean():
    six = chart([46.5, 47.5, 48.5, 49.5, 50.5, 51.5])
    assert flagged(six) == {}
    seven = chart([46.5, 47.5, 48.5, 49.5, 50.5, 51.5, 52.5])
    assert flagged(seven) == dict.fromkeys(range(12, 19), (Rule.TREND,))
    # 46.5 lies below the mean, but it is part of a rise: an improvement when higher is better.
    assert seven.points[12].variation == Variation.IMPROVEMENT
    assert seven.variation_icon.code == "improvement_high"
    falling = chart([54.5, 53.5, 52.5, 51.5, 50.5, 49.5, 48.5])
    assert falling.points[12].variation == Variation.CONCERN
    assert falling.variation_icon.code == "concern_low"


def test_an_unchanged_value_ends_a_trend():
    result = chart([46.5, 47.5, 48.5, 48.5, 49.5, 50.5, 51.5, 52.5])
    assert flagged(result) == {}


def test_two_of_three_points_beyond_two_sigma_on_the_same_side():
    result = chart([55, 50, 55])  # 55 > 54.6082, inside the limit 56.70
    assert flagged(result) == {12: (Rule.TWO_OF_THREE,), 14: (Rule.TWO_OF_THREE,)}
    assert result.points[13].variation == Variation.COMMON_CAUSE
    assert result.points[14].variation == Variation.IMPROVEMENT
    # One high and one low: no signal.
    assert flagged(chart([55, 46])) == {}
    # Two beyond two sigma but four points apart: no signal.
    assert flagged(chart([55, 50, 50, 55])) == {}
    # A point beyond the limit counts as beyond two sigma too.
    both = chart([55, 57])
    assert flagged(both) == {12: (Rule.TWO_OF_THREE,), 13: (Rule.OUTSIDE_LIMITS, Rule.TWO_OF_THREE)}


def test_limits_are_locked_after_the_baseline_and_recalculated_after_a_change():
    later = [70, 71, 69, 70, 72, 70, 69, 71, 70, 70, 71, 69]
    locked = chart(later)
    assert all(p.mean == pytest.approx(MEAN) for p in locked.points)
    assert all(locked.points[i].rules for i in range(12, 24))  # far above the old limits
    rebased = xmr(series(BASE + later), recalculate_at=[12])
    before, after = rebased.points[11], rebased.points[12]
    assert before.mean == pytest.approx(MEAN) and before.segment == 0
    assert after.mean == pytest.approx(sum(later) / 12) and after.segment == 1
    # The moving range does not cross the recalculation.
    assert after.moving_range is None
    assert flagged(rebased) == {}


def test_a_baseline_takes_its_limits_from_the_first_points_only():
    result = xmr(series(BASE + [53, 53, 53]), baseline=12)
    assert result.points[-1].mean == pytest.approx(MEAN)
    assert [p.in_baseline for p in result.points] == [True] * 12 + [False] * 3
    unlocked = xmr(series(BASE + [53, 53, 53]))
    assert unlocked.points[-1].mean == pytest.approx((605 + 159) / 15)


@pytest.mark.parametrize("count", [0, 1])
def test_a_series_of_fewer_than_two_points_has_no_limits_and_says_so(count):
    result = xmr(series(BASE[:count]))
    assert not result.has_limits
    assert all(p.upper_limit is None and p.variation == Variation.NOT_ASSESSED for p in result.points)
    assert result.variation_icon.code == "not_assessed"
    assert result.messages
    if count == 1:
        assert result.messages == [
            f"Only 1 value: process limits need at least {MIN_POINTS}, so none are drawn and no special "
            "causes are looked for."
        ]


def test_fewer_points_than_making_data_count_recommends_give_a_mean_but_no_limits():
    result = xmr(series([50, 52, 49, 51, 80]))  # 80 would be far outside any limits
    assert not result.has_limits
    assert result.points[-1].mean == pytest.approx(282 / 5)
    assert result.points[-1].upper_limit is None
    assert result.points[-1].variation == Variation.NOT_ASSESSED
    assert "Only 5 values" in result.messages[0]
    assert xmr(series([50, 52, 49, 51, 80]), min_points=5).has_limits


def test_percentage_limits_are_clamped_to_0_and_100():
    values = [96, 100, 92, 99, 94, 100, 95, 98, 100, 93, 97, 100]
    result = xmr(series(values), percentage=True)
    point = result.points[-1]
    assert point.upper_limit == 100
    assert point.mean + 2.66 * (sum(abs(b - a) for a, b in pairwise(values)) / 11) > 100
    assert 0 < point.lower_limit < point.mean
    with pytest.raises(ValueError, match="SPC point 3: 101 is not a percentage between 0 and 100"):
        xmr([(1, 50), (2, 60), (3, 101)], percentage=True)


def test_suppressed_and_missing_values_stay_in_the_table_but_not_in_the_sums():
    values = BASE[:6] + ["*"] + BASE[6:] + [None]
    result = xmr(series(values))
    assert result.has_limits
    assert result.points[-1].mean == pytest.approx(MEAN)
    hidden = result.points[6]
    assert hidden.value is None and hidden.shown == "*" and hidden.variation == Variation.NOT_ASSESSED
    # The moving range joins the values either side of the gap: |48 - 53| = 5.
    assert result.points[7].moving_range == 5
    assert result.points[-1].shown is None
    # The latest value, not the missing one, decides the icon.
    assert result.variation_icon.code == "common_cause"


@pytest.mark.parametrize(
    ("target", "higher_is_better", "expected"),
    [
        (60, True, Assurance.CONSISTENTLY_FAILING),  # above the upper limit 56.70
        (40, True, Assurance.CONSISTENTLY_PASSING),  # below the lower limit 44.13
        (52, True, Assurance.HIT_AND_MISS),
        (60, False, Assurance.CONSISTENTLY_PASSING),
        (40, False, Assurance.CONSISTENTLY_FAILING),
        (52, False, Assurance.HIT_AND_MISS),
    ],
)
def test_assurance_compares_the_target_with_the_process_limits(target, higher_is_better, expected):
    result = xmr(series(BASE), target=target, higher_is_better=higher_is_better)
    assert result.assurance == expected
    assert result.summary == f"Common cause variation; {expected.label.lower()}."


def test_there_is_no_assurance_without_a_target_limits_or_a_direction():
    assert xmr(series(BASE)).assurance is None
    assert xmr(series(BASE[:5]), target=60).assurance is None
    neutral = xmr(series(BASE), target=60, higher_is_better=None)
    assert neutral.assurance is None
    assert "A target needs a direction" in neutral.messages[0]


def test_periods_can_be_dates_and_recalculate_at_names_one():
    months = [date(2025, m, 1) for m in range(1, 13)] + [date(2026, m, 1) for m in range(1, 13)]
    result = xmr(zip(months, BASE + BASE, strict=True), recalculate_at=[date(2026, 1, 1)])
    assert [p.segment for p in result.points] == [0] * 12 + [1] * 12


@pytest.mark.parametrize(
    ("points", "kwargs", "message"),
    [
        ([(1, "high")], {}, "SPC point 1: the value 'high' is not a number"),
        ([(1, True)], {}, "SPC point 1: the value True is not a number"),
        ([(1, float("nan"))], {}, "not a finite number"),
        ([(1, 2), (1, 3)], {}, "each period may appear once; repeated: 1"),
        ([(1, 2), (2, 3)], {"recalculate_at": [5]}, "SPC recalculate_at: 5 is not one of the periods"),
        ([(1, 2), (2, 3)], {"baseline": 1}, "SPC baseline: 1 points cannot give a moving range"),
    ],
)
def test_bad_input_is_refused_with_a_message_naming_it(points, kwargs, message):
    with pytest.raises(ValueError, match=message):
        xmr(points, **kwargs)
