"""Charts in a real browser under the hub's CSP: plotly draws, nothing is refused, axe-core passes, and the
data table is the whole chart without JavaScript.

The page is a test-only view, signed out (this module is its urlconf), so no product URL exists just for
the test.
"""

from __future__ import annotations

import datetime as dt

import pytest
from django.template import engines
from django.urls import path

from dashboards import charts
from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True), pytest.mark.urls(__name__)]

PAGE = """{% extends "base.html" %}{% block title %}Charts{% endblock %}{% block content %}
<h1>Charts</h1>
<p><a href="/test-charts/fragment/" hx-get="/test-charts/fragment/" hx-target="#swapped">Another chart</a></p>
<div id="swapped"></div>
{% for chart in charts %}
  {% include "dashboards/partials/_chart.html" with chart=chart heading_level=2 %}
{% endfor %}
{% endblock %}"""

MONTHS = [dt.date(2024 + (m - 1) // 12, (m - 1) % 12 + 1, 1) for m in range(1, 25)]
# Twelve steady months, one suppressed, then a fall that breaks the lower process limit.
FFT = [88, 90, 87, 89, 88, 91, 86, 88, "*", 87, 89, 88, 90, 87, 88, 89, 86, 84, 83, 82, 81, 80, 78, 74]


def chart_page(request):
    from django.http import HttpResponse

    spc = charts.spc_chart(
        "FFT % positive, Trust A", list(zip(MONTHS, FFT, strict=True)), target=90, baseline=12
    )
    trend = charts.trend_chart(
        "Waiting times: mentions and net sentiment",
        [(month, 20 + i, "*" if i == 3 else -10 - i) for i, month in enumerate(MONTHS[-12:])],
    )
    heat = charts.heatmap(
        "Share of mentions that were negative, by theme and trust",
        ["Waiting times", "Staff attitude", "Communication"],
        ["Trust A", "Trust B"],
        [[42, "*"], [12.5, 30], [None, 55]],
    )
    # An old period with nothing recorded: no plot, a sentence instead.
    empty = charts.heatmap("Nothing recorded, by theme and trust", [], ["Trust A", "Trust B"], [])
    html = engines["django"].from_string(PAGE).render({"charts": [spc, trend, heat, empty]}, request)
    return HttpResponse(html)


def chart_fragment(request):
    from django.http import HttpResponse

    chart = charts.trend_chart("Staff attitude: mentions and net sentiment", [(m, 5, 10) for m in MONTHS[:6]])
    html = (
        engines["django"]
        .from_string('{% include "dashboards/partials/_chart.html" with chart=chart %}')
        .render({"chart": chart}, request)
    )
    return HttpResponse(html)


urlpatterns = [path("test-charts/", chart_page), path("test-charts/fragment/", chart_fragment)]

# Registered before any page script runs (Playwright adds it outside the page's CSP): every refusal the
# browser reports, inline style or script alike, ends up in this list.
RECORD_CSP = """
window.__cspViolations = [];
document.addEventListener('securitypolicyviolation', (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI || 'inline'} ${e.sample || ''}`);
});
"""


def test_the_charts_draw_under_the_csp_and_pass_axe(page):
    page.add_init_script(RECORD_CSP)
    response = page.goto("/test-charts/")
    assert "style-src 'self'" in response.headers["content-security-policy"]
    for key in ("chart-fft-positive-trust-a", "chart-waiting-times-mentions-and-net-sentiment"):
        page.locator(f"#{key} .app-chart__plot[data-chart-drawn='true'] svg.main-svg").first.wait_for()
    plots = page.locator(".app-chart__plot[data-chart-drawn='true']")
    plots.nth(2).wait_for()
    assert plots.count() == 3
    # The SPC points: 24 months less the suppressed one; the fall at the end is orange, a concern.
    spc = page.locator("#chart-fft-positive-trust-a")
    assert spc.locator(".scatterlayer .trace:last-child .point").count() == 23
    last = spc.locator(".scatterlayer .trace:last-child .point").last
    assert "rgb(199, 83, 0)" in last.evaluate("el => getComputedStyle(el).fill")
    # Suppressed and empty heatmap cells are blank: labels for the four numbers only, no "*" drawn.
    heat = page.locator("#chart-share-of-mentions-that-were-negative-by-theme-and-trust")
    labels = heat.locator(".heatmaplayer text").all_text_contents()
    assert sorted(label for label in labels if label) == ["12.5%", "30%", "42%", "55%"]
    assert "Such cells are left blank" in heat.inner_text()
    # With the chart drawn, the data table is folded away but still there for screen readers to open.
    assert not spc.locator("details.app-chart__data").evaluate("el => el.open")
    spc.get_by_text("Data table").click()
    assert spc.get_by_role("table").is_visible()
    september = spc.get_by_role("row").filter(has_text="Sep 2024")
    assert september.locator("td").first.inner_text() == "*"
    # plotly.js loaded once although three charts include the script.
    assert (
        page.evaluate(
            "performance.getEntriesByType('resource').filter(r => r.name.includes('plotly-cartesian')).length"
        )
        == 1
    )
    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []
    assert_accessible(page)


def test_a_hover_label_shows_the_point_and_its_variation(page):
    page.add_init_script(RECORD_CSP)
    page.goto("/test-charts/")
    spc = page.locator("#chart-fft-positive-trust-a")
    point = spc.locator(".scatterlayer .trace:last-child .point").last
    point.wait_for()
    box = point.bounding_box()
    page.mouse.move(box["x"] + box["width"] / 2, box["y"] + box["height"] / 2)
    label = spc.locator(".hoverlayer .hovertext")
    label.wait_for()
    text = label.text_content()  # an SVG <text>: no inner_text
    assert "Dec 2025: 74%" in text
    assert "Special cause variation: concern" in text
    assert page.evaluate("window.__cspViolations") == []


def test_a_chart_that_htmx_swaps_in_is_drawn_too(page):
    page.add_init_script(RECORD_CSP)
    page.goto("/test-charts/")
    page.locator(".app-chart__plot[data-chart-drawn='true']").nth(2).wait_for()
    page.get_by_role("link", name="Another chart").click()
    swapped = page.locator("#swapped #chart-staff-attitude-mentions-and-net-sentiment")
    swapped.locator(".app-chart__plot[data-chart-drawn='true'] svg.main-svg").first.wait_for()
    assert not swapped.locator("details.app-chart__data").evaluate("el => el.open")
    assert page.evaluate("window.__cspViolations") == []
    assert page.console_errors == []
    assert_accessible(page)


def test_without_javascript_the_table_is_the_chart(browser, live_server):
    context = browser.new_context(base_url=live_server.url, java_script_enabled=False, locale="en-GB")
    page = context.new_page()
    try:
        page.goto("/test-charts/")
        spc = page.locator("#chart-fft-positive-trust-a")
        assert spc.locator(".app-chart__plot").is_hidden()
        table = spc.get_by_role("table")
        assert table.is_visible()
        assert table.locator("caption").inner_text().startswith("FFT % positive, Trust A")
        assert table.locator("thead th").all_inner_texts()[:2] == ["Period", "Value"]
        assert table.locator("tbody tr").count() == 24
        text = table.inner_text()
        assert "Special cause variation: concern" in text
        heat = page.locator("#chart-share-of-mentions-that-were-negative-by-theme-and-trust").get_by_role(
            "table"
        )
        assert heat.locator("tbody th[scope=row]").all_inner_texts() == [
            "Waiting times",
            "Staff attitude",
            "Communication",
        ]
        assert heat.locator("tbody tr").first.locator("td").all_inner_texts() == ["42%", "*"]
    finally:
        context.close()


def test_charts_stay_inside_their_column_and_an_empty_one_says_so(page):
    """A chart's <figure> kept the browser's 40px side margins and ran past the page's column on the
    system view; a chart with nothing in it was drawn as a bare axis."""
    page.goto("/test-charts/")
    page.locator(".app-chart__plot[data-chart-drawn='true']").nth(2).wait_for()
    overflow = page.evaluate(
        """() => Array.from(document.querySelectorAll('figure.app-chart')).map(f => {
             const box = f.getBoundingClientRect(), column = f.parentElement.getBoundingClientRect();
             return [f.id, box.left - column.left, column.right - box.right];
           }).filter(([, left, right]) => left < -0.5 || right < -0.5 || left > 0.5)"""
    )
    assert overflow == []
    empty = page.locator("#chart-nothing-recorded-by-theme-and-trust")
    assert empty.locator("[data-chart]").count() == 0
    assert "No values to chart." in empty.inner_text()
    assert page.console_errors == []
    assert_accessible(page)
