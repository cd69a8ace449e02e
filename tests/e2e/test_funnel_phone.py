"""On a phone (375 px wide) a funnel plot's legend sits clear of its x-axis title and inside the chart: the
legend is horizontal and wraps to several rows there, so it must not be pinned at a fixed fraction below
the plot, where the title also is. axe-core passes on the page."""

from __future__ import annotations

import os

import pytest

from tests.dashboards.funnel_data import ics_data, national_data
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD
from tests.feedback.test_import_parsers import FFT_TEMPLATES

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

BOXES = """(chart) => {
  const box = (selector) => {
    const r = chart.querySelector(selector).getBoundingClientRect()
    return [r.left, r.top, r.right, r.bottom]
  }
  return {
    svg: box('svg.main-svg'),
    legend: box('g.legend'),
    xtitle: box('text.xtitle'),
    xticks: box('g.xaxislayer-above'),
    plot: box('.gridlayer'),
  }
}"""


def _overlap(a, b) -> bool:
    return a[0] < b[2] and b[0] < a[2] and a[1] < b[3] and b[1] < a[3]


@pytest.mark.parametrize("width", [375, 1024])
def test_a_funnel_plots_legend_clears_its_axis_title_on_a_phone(
    page, world, width, tmp_path, settings, django_capture_on_commit_callbacks
):
    ics_data(world)
    if FFT_TEMPLATES.exists():  # the national funnel too, whose legend has the most entries ("Ours: …")
        settings.MEDIA_ROOT = tmp_path / "media"
        national_data(world, tmp_path, django_capture_on_commit_callbacks)
    page.set_viewport_size({"width": width, "height": 800})
    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/dashboards/system/?months=24")
    charts = page.locator("#funnels [data-chart]")
    charts.first.locator("g.legend").wait_for(state="attached")
    assert charts.count() >= (2 if FFT_TEMPLATES.exists() else 1)
    for i in range(charts.count()):
        chart = charts.nth(i)
        chart.locator("g.legend").wait_for(state="attached")
        chart.scroll_into_view_if_needed()
        boxes = chart.evaluate(BOXES)
        if os.environ.get("SCREENSHOTS"):
            chart.screenshot(path=f"{os.environ['SCREENSHOTS']}/funnel-{width}-{i}.png")
        svg, legend, xtitle = boxes["svg"], boxes["legend"], boxes["xtitle"]
        assert not _overlap(legend, xtitle) and not _overlap(legend, boxes["xticks"]), boxes
        assert not _overlap(legend, boxes["plot"]), boxes  # above the plot area, not over its points
        assert svg[0] <= legend[0] and legend[2] <= svg[2] + 1, boxes  # not cut at the sides
        assert svg[1] <= legend[1] and legend[3] <= svg[3] + 1, boxes  # nor at the top or bottom
    assert_accessible(page)
    assert page.console_errors == []
