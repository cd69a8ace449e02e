"""Funnel plot limits checked against worked examples, small numbers kept off the chart, and the figure
valid for plotly."""

from __future__ import annotations

import json
import math

import plotly.graph_objects as go
import pytest

from dashboards.funnel import Band, FunnelPoint, funnel, limit, limits, place
from dashboards.funnel_charts import funnel_chart
from dashboards.funnel_labels import LABEL_SIZE, WIDTH, WRAP, plot_height


def _cdf(r: int, n: int, p: float) -> float:
    return sum(math.comb(n, i) * p**i * (1 - p) ** (n - i) for i in range(r + 1))


def test_the_exact_limit_follows_spiegelhalters_worked_method_at_n_20():
    # n = 20, target 0.5, upper 95% limit (quantile 0.975), by hand: the smallest r with F(r) >= 0.975
    # is 14 (F(14) = 0.97931, F(13) = 0.94234); alpha = (F(14) - 0.975) / (F(14) - F(13));
    # limit = (14 - alpha) / 20.
    f14, f13 = _cdf(14, 20, 0.5), _cdf(13, 20, 0.5)
    assert round(f14, 5) == 0.97931 and round(f13, 5) == 0.94234
    expected = (14 - (f14 - 0.975) / (f14 - f13)) / 20
    assert limit(0.5, 20, 0.975) == pytest.approx(expected, abs=1e-9)
    assert expected == pytest.approx(0.69418, abs=1e-4)
    # The lower limit the same way: r = 6 (F(6) = 0.05766 >= 0.025 > F(5) = 0.02069).
    f6, f5 = _cdf(6, 20, 0.5), _cdf(5, 20, 0.5)
    assert limit(0.5, 20, 0.025) == pytest.approx((6 - (f6 - 0.025) / (f6 - f5)) / 20, abs=1e-9)


def test_the_lower_99_8_limit_at_n_10_worked_by_hand():
    # n = 10, target 0.8, lower 99.8% limit (quantile 0.001). P(X = k) = C(10, k) 0.8^k 0.2^(10-k):
    #   k=0: 0.2^10                = 0.0000001024
    #   k=1: 10 x 0.8 x 0.2^9      = 0.000004096
    #   k=2: 45 x 0.64 x 0.2^8     = 0.000073728
    #   k=3: 120 x 0.512 x 0.2^7   = 0.000786432
    #   k=4: 210 x 0.4096 x 0.2^6  = 0.005505024
    # F(3) = 0.0008643584 < 0.001 <= F(4) = 0.0063693824, so r = 4;
    # alpha = (0.0063693824 - 0.001) / (0.0063693824 - 0.0008643584) = 0.0053693824 / 0.005505024 = 0.975360;
    # limit = (4 - 0.975360) / 10 = 0.302464.
    assert limit(0.8, 10, 0.001) == pytest.approx(0.302464, abs=1e-6)
    # The normal approximation would put it at 0.8 - 3.090232 x sqrt(0.8 x 0.2 / 10) = 0.8 - 0.390887
    # = 0.409113; at ten answers the exact limit is well below it, which is why the limits are exact.
    assert 0.8 - 3.090232 * math.sqrt(0.8 * 0.2 / 10) == pytest.approx(0.409113, abs=1e-6)


def test_the_95_limits_at_n_400_worked_by_hand_against_the_normal_approximation():
    # n = 400, target 0.9: se = sqrt(0.9 x 0.1 / 400) = sqrt(0.000225) = 0.015, so the normal approximation's
    # 95% limits are 0.9 -/+ 1.959964 x 0.015 = 0.870601 and 0.929399, its 99.8% limits 0.9 -/+ 3.090232 x
    # 0.015 = 0.853647 and 0.946353. The exact limits lie within 2/n (0.005) of them (a binomial near 0.9
    # is skewed: both sit a little lower).
    bands = limits(0.9, 400)
    for (low, high), (normal_low, normal_high) in (
        (bands["95%"], (0.870601, 0.929399)),
        (bands["99.8%"], (0.853647, 0.946353)),
    ):
        assert abs(low - normal_low) < 2 / 400 and abs(high - normal_high) < 2 / 400
        assert low < normal_low and high < normal_high


def test_large_denominators_agree_with_the_normal_approximation():
    for target, n in ((0.9, 10_000), (0.5, 40_000), (0.12, 25_000)):
        se = math.sqrt(target * (1 - target) / n)
        bands = limits(target, n)
        assert bands["95%"][1] == pytest.approx(target + 1.959964 * se, abs=2 / n)
        assert bands["99.8%"][0] == pytest.approx(target - 3.090232 * se, abs=2 / n)


def test_limits_narrow_as_the_denominator_grows_and_stay_within_0_and_1():
    widths = [limits(0.93, n)["99.8%"][1] - limits(0.93, n)["99.8%"][0] for n in (5, 20, 100, 1000, 10_000)]
    assert widths == sorted(widths, reverse=True)
    low, high = limits(0.98, 5)["99.8%"]
    assert 0 <= low <= high <= 1


def test_points_are_placed_in_their_band():
    result = funnel(
        [
            FunnelPoint("Typical", 900, 1000),
            FunnelPoint("Possibly lower", 880, 1000),
            FunnelPoint("Much lower", 820, 1000),
            FunnelPoint("Much higher", 960, 1000),
        ],
        target=0.9,
        target_label="ICS value",
    )
    bands = {p.point.label: p.band for p in result.points}
    # 95% limits at n=1000 around 0.9: about 0.881–0.918; 99.8%: about 0.870–0.929.
    assert bands == {
        "Typical": Band.WITHIN,
        "Possibly lower": Band.WARNING_LOW,
        "Much lower": Band.ALARM_LOW,
        "Much higher": Band.ALARM_HIGH,
    }


def test_the_target_defaults_to_the_pooled_value():
    result = funnel([FunnelPoint("A", 80, 100), FunnelPoint("B", 180, 300)])
    assert result.target == pytest.approx(260 / 400)


@pytest.mark.parametrize(
    ("numerator", "denominator"),
    [(3, 4), (0, 4), (3, 200), (197, 200)],  # under 5 answers; 3 positive; 3 not positive
)
def test_a_point_that_would_give_back_a_small_count_is_not_plotted(numerator, denominator):
    result = funnel([FunnelPoint("Small", numerator, denominator), FunnelPoint("Big", 500, 1000)])
    small = result.points[0]
    assert small.band == Band.NOT_PLOTTED
    chart = funnel_chart(
        "FFT % positive by trust", result, value_label="% positive", denominator_label="responses"
    )
    row = next(r for r in chart.rows if r[0] == "Small")
    assert row[1:3] == ["*", "*"] and "Not plotted" in row[3]
    plotted_x = [x for trace in chart.figure["data"] if trace.get("mode") == "markers" for x in trace["x"]]
    assert denominator not in plotted_x


def test_the_funnel_chart_is_valid_plotly_with_its_table_and_case_mix_note():
    result = funnel(
        [FunnelPoint(f"Trust {i}", 800 + 10 * i, 1000 + 50 * i) for i in range(6)], target_label="ICS value"
    )
    chart = funnel_chart(
        "Mentions of waiting per 1,000 comments",
        result,
        value_label="Mentions",
        denominator_label="comments",
        per=1000,
    )
    go.Figure(chart.figure)  # raises on anything plotly's schema refuses
    assert len(chart.rows) == 6
    assert any("case mix" in note or "alike" in note for note in chart.notes)
    assert "per 1,000" in chart.rows[0][2]


def test_the_limits_worked_out_all_at_once_equal_those_one_at_a_time():
    points = [FunnelPoint(f"T{i}", 5 + 37 * i, 10 + 41 * i) for i in range(40)]
    result = funnel(points, target=0.83)
    assert [p.band for p in result.points] == [place(p, 0.83) for p in points]
    for n, bands in result.curve():
        for name, (low, high) in limits(0.83, n).items():
            assert bands[name] == pytest.approx((low, high), abs=1e-12)


def _names(chart) -> dict[str, dict]:
    return {a["text"].replace("<br>", " "): a for a in chart.figure["layout"].get("annotations", [])}


def test_only_the_points_outside_the_limits_are_named_and_each_name_points_inward():
    # Around the target of 80%: trusts well inside, one high and one low at the left and right ends of the
    # x range, a small one hidden, a long trust name far right (the "Emergency departm" cut off at the edge).
    points = [FunnelPoint(f"Steady {i}", 400 + 2 * i, 500 + 2 * i) for i in range(6)]
    points += [
        FunnelPoint("Left high", 40, 40),  # 100% of 40: above the limits, at the left
        FunnelPoint("Emergency department at Queen Elizabeth", 2000, 3000),  # 66.7%: far below, far right
        FunnelPoint("Hidden", 3, 4),  # under 5 answers
    ]
    result = funnel(points, target=0.8, target_label="ICS value")
    chart = funnel_chart("FFT", result, value_label="% positive", denominator_label="responses")
    names = _names(chart)
    assert set(names) == {"Left high", "Emergency department at Queen Elizabeth"}
    right, left = names["Emergency department at Queen Elizabeth"], names["Left high"]
    # Inward: the name of the point at the right end ends at its point; that at the left starts at it.
    assert right["xanchor"] == "right" and right["ax"] < 0
    assert left["xanchor"] == "left" and left["ax"] > 0
    # Wrapped to short lines, so it fits in the part of the plot it is placed in, even on a phone.
    assert all(len(line) <= WRAP for a in names.values() for line in a["text"].split("<br>"))
    # Names only: no figure, so none can give back a hidden count; the hidden point has no name.
    assert not any(ch.isdigit() for a in names.values() for ch in a["text"])
    assert "Hidden" not in json.dumps(chart.figure)
    go.Figure(chart.figure)


def test_named_points_never_reach_past_the_plot_on_a_phone():
    # A cluster of points all outside the limits at the top right corner: their names must stay clear of one
    # another and inside the plot area as a 375 px screen draws it (WIDTH x plot_height), where it is
    # smallest (the legend is in the top margin). Those that find no room are left to the hover text and
    # the table.
    points = [FunnelPoint(f"Service number {i} long name", 985 + i, 1000 + 3 * i) for i in range(6)]
    points += [FunnelPoint(f"Quiet {i}", 300, 500 + i) for i in range(4)]
    chart = funnel_chart(
        "FFT", funnel(points, target=0.6), value_label="% positive", denominator_label="responses"
    )
    layout = chart.figure["layout"]
    assert 3 <= len(layout["annotations"]) <= 6
    assert all(a["text"].startswith("Service") for a in layout["annotations"])
    (x0, x1), (y0, y1) = layout["xaxis"]["range"], layout["yaxis"]["range"]
    tall = plot_height(4)  # limits, target, within, above
    boxes = []
    for a in layout["annotations"]:
        px, py = (a["x"] - x0) / (x1 - x0) * WIDTH, (1 - (a["y"] - y0) / (y1 - y0)) * tall
        lines = a["text"].split("<br>")
        width, height = max(map(len, lines)) * 0.6 * LABEL_SIZE + 4, len(lines) * 1.3 * LABEL_SIZE + 4
        tx, ty = px + a["ax"], py + a["ay"]
        left = {"right": tx - width, "left": tx, "center": tx - width / 2}[a["xanchor"]]
        top = {"bottom": ty - height, "top": ty, "middle": ty - height / 2}[a["yanchor"]]
        assert left >= 0 and left + width <= WIDTH, a
        assert top >= 0 and top + height <= tall, a  # the legend is above the plot: no room there
        boxes.append((left, top, left + width, top + height))
    for i, a in enumerate(boxes):
        for b in boxes[i + 1 :]:
            assert min(a[2], b[2]) <= max(a[0], b[0]) or min(a[3], b[3]) <= max(a[1], b[1]), (a, b)
