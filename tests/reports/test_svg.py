"""The printed report's charts: SPC in Making Data Count's style, and the theme sparklines."""

from __future__ import annotations

import datetime as dt
import xml.etree.ElementTree as ET  # noqa: S405 (our own SVG, not untrusted input)

from dashboards.reports.svg import COLOURS, sparkline_svg, spc_gaps, spc_svg
from dashboards.spc import Variation, xmr

NS = "{http://www.w3.org/2000/svg}"


def parse(svg: str) -> ET.Element:
    return ET.fromstring(svg)  # noqa: S314 (our own SVG, not untrusted input)


def months(n):
    return [dt.date(2025 + (i // 12), i % 12 + 1, 1) for i in range(n)]


def test_the_spc_chart_draws_mean_limits_and_colours_special_causes():
    values = [80, 81, 79, 80, 82, 80, 79, 81, 80, 80, 81, 79, 80, 50]  # the last month far below the limits
    points = list(zip(months(len(values)), values, strict=True))
    result = xmr(points, higher_is_better=True, percentage=True, baseline=12)
    assert result.points[-1].variation == Variation.CONCERN
    root = parse(spc_svg(result, title="% positive"))
    assert root.find(f"{NS}title").text == "% positive"
    lines = root.findall(f"{NS}polyline")
    dashed = [line for line in lines if line.get("stroke-dasharray")]
    assert len(dashed) == 2  # upper and lower process limits
    assert len(lines) == 4  # mean, two limits, the values
    concern = [p for p in root.findall(f"{NS}polygon") if p.get("fill") == COLOURS[Variation.CONCERN]]
    assert len(concern) == 2  # the special-cause point and the legend's marker
    common = [c for c in root.findall(f"{NS}circle") if c.get("fill") == COLOURS[Variation.COMMON_CAUSE]]
    assert len(common) == 13 + 1  # every other month, and the legend


def test_a_short_series_has_no_limits():
    result = xmr(list(zip(months(3), [80, 82, 81], strict=True)), higher_is_better=True, percentage=True)
    root = parse(spc_svg(result, title="short"))
    assert not [line for line in root.findall(f"{NS}polyline") if line.get("stroke-dasharray")]


def test_a_sparkline_has_a_bar_per_month_scaled_to_the_peak():
    root = parse(sparkline_svg([0, 5, 10], title="Theme"))
    bars = root.findall(f"{NS}rect")
    assert [float(b.get("height")) for b in bars] == [0.0, 13.0, 26.0]


def test_a_hidden_month_is_a_grey_dash_and_a_month_with_no_mentions_is_nothing():
    # A gap was both: the key under the trend tells them apart by the dash.
    root = parse(sparkline_svg([10, None, 0, 5], title="Theme"))
    assert len(root.findall(f"{NS}rect")) == 3  # the hidden month has no bar
    (dash,) = root.findall(f"{NS}line")
    assert 12 < float(dash.get("x1")) < float(dash.get("x2")) < 2 * 30  # under the second month's place
    assert float(dash.get("y1")) == float(dash.get("y2")) == 27.0  # on the baseline


def test_month_labels_stay_inside_the_chart_and_apart():
    """The last month's label was cut off at the chart's edge ("Dec 2") and could overlap the one before."""
    for count in (6, 12, 22, 23, 24):
        result = xmr(
            list(zip(months(count), [80 + i % 3 for i in range(count)], strict=True)), percentage=True
        )
        root = parse(spc_svg(result, title="% positive"))
        width = float(root.get("width"))
        labels = [t for t in root.findall(f"{NS}text") if t.get("text-anchor") == "middle"]
        assert labels[-1].text == f"{months(count)[-1]:%b %y}"
        xs = [float(t.get("x")) for t in labels]
        for label, x in zip(labels, xs, strict=True):
            half = 0.6 * 9 * len(label.text) / 2  # a generous width for 9px text
            assert x - half >= 0 and x + half <= width, (count, label.text)
        assert all(b - a >= 2 * 0.6 * 9 * 6 / 2 + 4 for a, b in zip(xs, xs[1:], strict=False)), count


WHY = "too few responses, or a count under 5 could be worked out from it"


def test_the_caption_says_which_months_have_no_point_and_why():
    values = [None, None, 80, "*", 81, "*", 79]  # two months before any answer, two hidden
    result = xmr(list(zip(months(len(values)), values, strict=True)), higher_is_better=True, percentage=True)
    assert spc_gaps(result, measure="% positive", why=WHY) == (
        "2 of the 7 months have no point because their % positive is not shown (too few responses, or a "
        "count under 5 could be worked out from it): a short grey dash on the chart's floor. 2 months have "
        "no responses."
    )
    # The two hidden months have a dash each; the two empty ones have nothing.
    root = parse(spc_svg(result, title="% positive"))
    dashes = [line for line in root.findall(f"{NS}line") if line.get("stroke-width") == "2"]
    assert len(dashes) == 2
    one = xmr(list(zip(months(3), [80, "*", 81], strict=True)), higher_is_better=True, percentage=True)
    assert spc_gaps(one, measure="% positive", why=WHY).startswith(
        "1 of the 3 months has no point because its % positive"
    )
    whole = xmr(list(zip(months(2), [80, 81], strict=True)), higher_is_better=True, percentage=True)
    assert spc_gaps(whole, measure="% positive", why=WHY) == ""
