"""Plotly figures and their data tables: suppressed values are never plotted, the table says what the
chart says, and plotly itself accepts every figure."""

from __future__ import annotations

import datetime as dt
import json

import plotly.graph_objects as go
import pytest
from django.core.serializers.json import DjangoJSONEncoder
from django.template.loader import render_to_string

from dashboards import charts
from dashboards.spc import Variation

MONTHS = [dt.date(2025, m, 1) for m in range(1, 13)] + [dt.date(2026, m, 1) for m in range(1, 4)]
VALUES = [88, 90, 87, 89, 88, 91, 86, 88, 90, 87, 89, 88, 86, "*", 70]


def trace(chart, name):
    return next(t for t in chart.figure["data"] if t.get("name") == name)


def assert_valid_plotly(chart):
    # plotly raises on any property it does not know; the JSON must survive json_script's encoder.
    go.Figure(chart.figure)
    json.dumps(chart.plot, cls=DjangoJSONEncoder)


def test_spc_chart_plots_the_values_mean_and_limits_and_colours_points_by_variation():
    chart = charts.spc_chart("FFT % positive", zip(MONTHS, VALUES, strict=True), target=99)
    assert_valid_plotly(chart)
    value = trace(chart, "Value")
    assert value["x"][0] == "2025-01-01"
    assert value["y"][:3] == [88.0, 90.0, 87.0]
    # The suppressed month is a gap, not a number.
    assert value["y"][13] is None
    assert value["connectgaps"] is False
    # 70 is far below the lower limit: a concern, orange and a diamond; the others common cause, grey.
    assert chart.spc.points[-1].variation == Variation.CONCERN
    assert value["marker"]["color"][-1] == charts.COLOURS[Variation.CONCERN]
    assert value["marker"]["symbol"][-1] == "diamond"
    assert value["marker"]["color"][0] == charts.COLOURS[Variation.COMMON_CAUSE]
    assert "Special cause variation: concern" in value["customdata"][-1]
    assert "outside the process limits" in value["customdata"][-1]
    mean = trace(chart, "Mean")
    assert mean["y"][0] == pytest.approx(chart.spc.points[0].mean)
    assert trace(chart, "Upper process limit")["y"][0] == pytest.approx(chart.spc.points[0].upper_limit)
    assert trace(chart, "Lower process limit")["line"]["dash"] == "dash"
    assert trace(chart, "Target")["y"] == [99.0] * 15  # above the upper limit
    assert chart.figure["layout"]["yaxis"]["ticksuffix"] == "%"
    assert chart.summary.startswith("Special cause variation: concern (lower values)")
    assert "consistently failing the target" in chart.summary


def test_spc_chart_table_has_a_row_per_period_and_marks_the_suppressed_month():
    chart = charts.spc_chart("FFT % positive", zip(MONTHS, VALUES, strict=True))
    assert chart.columns == [
        "Period",
        "Value",
        "Mean",
        "Lower process limit",
        "Upper process limit",
        "Variation",
    ]
    assert len(chart.rows) == 15
    first = chart.rows[0]
    assert first[:2] == ["Jan 2025", "88%"]
    assert first[5] == "Common cause variation"
    assert chart.rows[13][:2] == ["Feb 2026", "*"]
    assert chart.rows[13][5] == ""
    assert chart.rows[14][5].startswith("Special cause variation: concern (outside the process limits")
    assert charts.SUPPRESSED_NOTE in chart.notes
    assert chart.caption.startswith("FFT % positive:")


def test_a_short_series_is_drawn_without_limits_and_says_why():
    chart = charts.spc_chart("New service", [(MONTHS[0], 80), (MONTHS[1], 85)])
    assert_valid_plotly(chart)
    names = [t.get("name") for t in chart.figure["data"]]
    assert "Upper process limit" not in names and "Lower process limit" not in names
    assert "Mean" in names
    assert chart.notes[0].startswith("Only 2 values: process limits need at least 12")
    assert chart.summary == ""
    assert all(row[3] == row[4] == "" for row in chart.rows)


def test_a_recalculated_spc_chart_draws_each_period_of_limits_separately():
    values = [50, 52, 49, 51, 50, 53, 48, 50, 52, 49, 51, 50] * 2
    points = list(zip(range(24), values, strict=True))
    chart = charts.spc_chart("Count", points, unit="", recalculate_at=[12], higher_is_better=False)
    assert_valid_plotly(chart)
    means = [t for t in chart.figure["data"] if t.get("legendgroup") == "mean"]
    assert [len(t["x"]) for t in means] == [12, 12]
    assert [t["showlegend"] for t in means] == [True, False]
    assert chart.figure["layout"]["xaxis"]["type"] == "category"
    assert chart.rows[0][1] == "50"


def test_trend_chart_shows_volume_and_net_sentiment_with_gaps_for_suppressed_months():
    series = [(MONTHS[0], 12, -25), (MONTHS[1], "*", "*"), (MONTHS[2], 30, 40.0), (MONTHS[3], 0, None)]
    chart = charts.trend_chart("Waiting: mentions and net sentiment", series)
    assert_valid_plotly(chart)
    bars, line = chart.figure["data"]
    assert bars["type"] == "bar" and bars["y"] == [12.0, None, 30.0, 0.0]
    assert line["yaxis"] == "y2" and line["y"] == [-25.0, None, 40.0, None]
    assert chart.figure["layout"]["yaxis2"]["range"] == [-100, 100]
    assert chart.rows == [
        ["Jan 2025", "12", "−25"],
        ["Feb 2025", "*", "*"],
        ["Mar 2025", "30", "+40"],
        ["Apr 2025", "0", "no data"],
    ]
    assert charts.SUPPRESSED_NOTE in chart.notes


def test_trend_chart_reads_roll_up_rows_as_they_are():
    class Month:
        def __init__(self, month, total, net):
            self.month, self.total, self.net_sentiment = month, total, net

    chart = charts.trend_chart("Staff", [Month(MONTHS[0], 7, 14), Month(MONTHS[1], 0, None)])
    assert chart.rows == [["Jan 2025", "7", "+14"], ["Feb 2025", "0", "no data"]]


def test_heatmap_leaves_suppressed_cells_blank_and_says_so():
    chart = charts.heatmap(
        "Negative mentions by theme and trust",
        ["Waiting", "Staff"],
        ["Trust A", "Trust B"],
        [[42, "*"], [None, 12.5]],
    )
    assert_valid_plotly(chart)
    (cells,) = chart.figure["data"]
    assert cells["z"] == [[42.0, None], [None, 12.5]]
    assert cells["text"] == [["42%", ""], ["", "12.5%"]]
    assert cells["customdata"][0][1] == "Waiting, Trust B: not shown (too few to publish)"
    assert cells["customdata"][1][0] == "Staff, Trust A: no data"
    assert chart.columns == ["Theme", "Trust A", "Trust B"]
    assert chart.rows == [["Waiting", "42%", "*"], ["Staff", "no data", "12.5%"]]
    assert any("left blank in the chart" in note for note in chart.notes)
    counts = charts.heatmap("Mentions", ["Waiting"], ["Trust A"], [[3]], unit="", value_label="Mentions")
    assert_valid_plotly(counts)
    assert "zmax" not in counts.figure["data"][0] and counts.rows == [["Waiting", "3"]]


@pytest.mark.parametrize(
    ("call", "message"),
    [
        (lambda: charts.heatmap("H", ["a"], ["x", "y"], [[1]]), "heatmap row 'a': 1 values for 2 columns"),
        (lambda: charts.heatmap("H", ["a", "b"], ["x"], [[1]]), "heatmap: 1 rows of values for 2 row names"),
        (lambda: charts.heatmap("H", ["a"], ["x"], [["lots"]]), "heatmap row 'a', column 'x': 'lots' is not"),
        (
            lambda: charts.trend_chart("T", [(MONTHS[0], 1, 150)]),
            "Jan 2025 net sentiment: 150 is not between",
        ),
        (lambda: charts.trend_chart("T", [(MONTHS[0], 1)]), "is not \\(period, volume, net sentiment\\)"),
        (lambda: charts.spc_chart("S", [(MONTHS[0], "n/a")]), "SPC point 2025-01-01: the value 'n/a'"),
    ],
)
def test_bad_input_is_refused_naming_the_cell(call, message):
    with pytest.raises(ValueError, match=message):
        call()


def test_the_partial_renders_a_figure_with_its_json_and_a_real_table(settings):
    # Plain static names: no collectstatic manifest needed for this test.
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    chart = charts.spc_chart("FFT % positive <Trust A>", zip(MONTHS, VALUES, strict=True), key="spc-a")
    html = render_to_string("dashboards/partials/_chart.html", {"chart": chart, "heading_level": 2})
    assert '<figure class="app-chart" id="spc-a" aria-labelledby="spc-a-title">' in html
    assert 'id="spc-a-title">FFT % positive &lt;Trust A&gt;</h2>' in html
    assert 'data-chart="spc-a-figure"' in html and "hidden" in html
    assert '<script id="spc-a-figure" type="application/json">' in html
    # json_script escapes < and >, so a title cannot close the script element.
    assert "<Trust A>" not in html
    assert '<details class="nhsuk-details app-chart__data" open>' in html
    assert '<th scope="col" class="nhsuk-table__header">Upper process limit</th>' in html
    assert (
        '<th scope="row" class="nhsuk-table__header">Feb 2026</th><td class="nhsuk-table__cell">*</td>'
        in html
    )
    assert "<caption" in html and html.count("<tr") == 16
    assert "style=" not in html and "<script>" not in html  # nothing inline for the CSP to refuse
    assert '<script type="module" src="/static/dashboards/charts.js"></script>' in html
    assert 'data-plotly-src="/static/vendor/plotly/plotly-cartesian.min.js"' in html


def test_keys_come_from_titles_unless_given():
    assert charts.slug("FFT % positive: Trust A") == "chart-fft-positive-trust-a"
    assert charts.spc_chart("Trust B", [], key="x").key == "x"
    assert charts.spc_chart("Trust B", []).script_id == "chart-trust-b-figure"


def test_a_chart_with_nothing_to_show_is_not_drawn_as_bare_axes(settings):
    """An old period on the system view drew an empty heat map (a bare axis line) and SPC charts with axes
    from -1% to 4%: an unplotted chart now says so instead, its table (if any) folded."""
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    empty_heat = charts.heatmap("Negative share", [], ["Trust A"], [])
    blank_heat = charts.heatmap("Blank share", ["Waiting"], ["Trust A"], [[None]])
    empty_spc = charts.spc_chart("FFT % positive", [(m, None) for m in MONTHS], target=90)
    drawn = charts.spc_chart("FFT drawn", zip(MONTHS, VALUES, strict=True))
    suppressed_heat = charts.heatmap("Hidden share", ["Waiting"], ["Trust A"], [["*"]])
    assert drawn.plotted and drawn.empty_note == ""
    for chart in (empty_heat, blank_heat, empty_spc, suppressed_heat):
        assert not chart.plotted, chart.title
        html = render_to_string("dashboards/partials/_chart.html", {"chart": chart})
        assert "data-chart=" not in html and 'type="application/json"' not in html
        assert html.count("No values to chart") == 1, chart.title  # the SPC note is not said twice
    assert "<details" not in render_to_string("dashboards/partials/_chart.html", {"chart": empty_heat})
    folded = render_to_string("dashboards/partials/_chart.html", {"chart": empty_spc})
    assert '<details class="nhsuk-details app-chart__data">' in folded  # there, but not open
