"""Funnel plots on the system view and a trust's page: FFT by trust and by service around the ICS value,
a chosen theme's rate and negative share, small numbers kept off, and national placement from NHS England's
real workbook template, imported through the importer."""

from __future__ import annotations

import json

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import rollups
from dashboards.funnel import limits
from dashboards.funnel_labels import short_name
from feedback.metrics import FFTCounts, fft_figures
from insight_hub.organisations.models import Organisation
from tests.dashboards.funnel_data import acute_trusts, ics_data, national_data
from tests.factories import ResponseFactory
from tests.feedback.test_import_parsers import needs_templates

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


def _chart(response, key: str):
    charts = list(response.context["funnels"]["fft"] + response.context["funnels"]["theme_charts"])
    charts += response.context["funnels"]["national"]
    return next(c for c in charts if c.key == key)


def _rows(chart) -> dict[str, list[str]]:
    return {row[0]: row[1:] for row in chart.rows}


def _plotted(chart) -> list[tuple[float, float, str]]:
    return [
        (x, y, label)
        for trace in chart.figure["data"]
        if trace.get("mode", "").startswith("markers")
        for x, y, label in zip(trace["x"], trace["y"], trace["customdata"], strict=True)
    ]


def test_the_system_view_places_each_trust_around_the_ics_value(client, world):
    _, trust_c = ics_data(world)
    client.force_login(world.icb_lead)
    response = client.get(reverse("dashboards:system"))
    assert response.status_code == 200
    chart = _chart(response, "funnel-fft")
    # ICS value: (150 + 270 + 3) positive of (200 + 300 + 3) = 423 / 503 = 84.1%.
    assert "ICS value (84.1%)" in chart.summary
    rows = _rows(chart)
    a, b = world.trust_a.display_name, world.trust_b.display_name
    # Trust A: 150/200 = 75%, under the 99.8% lower limit at n = 200 (about 75.4%); trust B: 270/300 = 90%,
    # between the 95% (88.0%) and 99.8% (90.1%) upper limits at n = 300.
    low, _ = limits(423 / 503, 200)["99.8%"]
    assert low > 0.75
    assert rows[a] == ["200", "75%", "Below the 99.8% limit: lower than chance explains"]
    assert rows[b] == ["300", "90%", "Above the 95% limit: possibly higher"]
    # Trust C's 3 answers: not plotted, and its row says so without its figures.
    assert rows[trust_c.display_name] == ["*", "*", "Not plotted: too few to publish"]
    assert {x for x, _, _ in _plotted(chart)} == {200, 300}
    assert not any(trust_c.display_name in label for _, _, label in _plotted(chart))
    body = response.content.decode()
    assert "Compared fairly: funnel plots" in body and "FFT % positive by trust" in body
    assert "case mix" in body or "are alike" in body


def test_every_line_is_drawn_to_one_decimal_place(client, world):
    ics_data(world)
    client.force_login(world.icb_lead)
    chart = _chart(client.get(reverse("dashboards:system")), "funnel-fft")
    lines = [t for t in chart.figure["data"] if t.get("mode") == "lines"]
    assert lines and all(round(y, 1) == y for t in lines for y in t["y"])
    target = next(t for t in lines if t["name"].startswith("ICS value"))
    assert target["y"][0] == 84.1  # not 84.0954…, which beside the shown counts narrows down trust C's


def test_the_theme_funnels_show_the_rate_per_1000_comments_and_the_negative_share(client, world):
    theme, _ = ics_data(world)
    client.force_login(world.icb_lead)
    response = client.get(reverse("dashboards:system"), {"funnel_theme": theme.pk})
    assert response.context["funnels"]["theme"] == theme
    rate = _chart(response, "funnel-theme-rate")
    # ICS value: 18 mentions in 100 comments = 180 per 1,000; trust A 12/40 = 300, trust B 6/60 = 100.
    assert "ICS value (180 per 1,000)" in rate.summary
    rows = _rows(rate)
    assert rows[world.trust_a.display_name][:2] == ["40", "300 per 1,000"]
    assert rows[world.trust_b.display_name][:2] == ["60", "100 per 1,000"]
    negative = _chart(response, "funnel-theme-negative")
    # Trust A: 6 of 12 mentions negative (50%); trust B: 1 of 6, a count of 1: not plotted. (8 of 12 would
    # not be plotted either: the 4 that were not negative could be worked out from 66.7% of 12.)
    rows = _rows(negative)
    assert rows[world.trust_a.display_name][:2] == ["12", "50%"]
    assert rows[world.trust_b.display_name] == ["*", "*", "Not plotted: too few to publish"]
    assert [x for x, _, _ in _plotted(negative)] == [12]


def test_an_odd_theme_choice_falls_back_to_the_most_mentioned_theme(client, world):
    theme, _ = ics_data(world)
    client.force_login(world.icb_lead)
    for value in ["", "not-a-number", "999999", "-1", "1e9", "\x00"]:
        response = client.get(reverse("dashboards:system"), {"funnel_theme": value, "months": "bogus"})
        assert response.status_code == 200, value
        assert response.context["funnels"]["theme"] == theme


def test_the_theme_chooser_swaps_only_its_section_over_htmx_and_keeps_the_filters(client, world):
    theme, _ = ics_data(world)
    client.force_login(world.icb_lead)
    response = client.get(
        reverse("dashboards:system"), {"months": "6", "funnel_theme": theme.pk}, HTTP_HX_REQUEST="true"
    )
    body = response.content.decode()
    assert 'id="funnels"' in body and "<html" not in body
    assert '<input type="hidden" name="months" value="6">' in body
    assert f'<option value="{theme.pk}" selected>' in body


def test_the_trust_page_places_its_services_around_the_ics_value(client, world):
    theme, _ = ics_data(world)
    client.force_login(world.px_a)
    response = client.get(reverse("dashboards:organisation", args=[world.trust_a.ods_code]))
    chart = _chart(response, "funnel-fft")
    # Against the whole ICS (423/503 = 84.1%), not trust A alone (75%).
    assert "ICS value (84.1%)" in chart.summary
    assert _rows(chart) == {
        world.service_a.name: ["200", "75%", "Below the 99.8% limit: lower than chance explains"]
    }
    assert chart.columns[0] == "Service"
    # Theme: the ICS's rate (180 per 1,000) is the target; trust A's one service is its only point.
    rate = _chart(response, "funnel-theme-rate")
    assert "ICS value (180 per 1,000)" in rate.summary
    assert list(_rows(rate)) == [world.service_a.name]
    # Nothing of trust B's reaches trust A's page but the pooled ICS value.
    assert world.service_b.name not in response.content.decode()


def test_a_trust_page_is_still_404_for_people_outside_it(client, world):
    ics_data(world)
    client.force_login(world.px_b)
    url = reverse("dashboards:organisation", args=[world.trust_a.ods_code])
    assert client.get(url, {"funnel_theme": "1"}).status_code == 404


@needs_templates
def test_trusts_are_placed_among_all_english_trusts_from_the_published_workbook(
    client, world, tmp_path, django_capture_on_commit_callbacks
):
    ics_data(world)
    national_data(world, tmp_path, django_capture_on_commit_callbacks)
    client.force_login(world.icb_lead)
    # The template is for July 2025: a 24-month period reaches it.
    response = client.get(reverse("dashboards:system"), {"months": "24"})
    chart = _chart(response, "funnel-national-inpatient-all")
    # England: ours 750 + 900 positive of 2,000, and 24 trusts with 850 + 10i positive of 1,000 + 10i
    # (i = 0…23): 24 × 850 + 10 × 276 = 23,160 of 24 × 1,000 + 2,760 = 26,760.
    # Pooled: 24,810 / 28,760 = 86.3%.
    assert "England value (86.3%)" in chart.summary
    rows = _rows(chart)
    assert rows[f"{world.trust_a.display_name} (this ICS)"] == [
        "1,000",
        "75%",
        "Below the 99.8% limit: lower than chance explains",
    ]
    assert (
        rows[f"{world.trust_b.display_name} (this ICS)"][2]
        == "Above the 99.8% limit: higher than chance explains"
    )
    # The trust NHS England suppressed is left out; the other 24 are grey context points.
    assert len(rows) == 26
    grey = next(t for t in chart.figure["data"] if t.get("name") == "Other English trusts")
    assert len(grey["x"]) == 24 and grey["marker"]["color"] == "#aeb7bd"
    ours = [t for t in chart.figure["data"] if t.get("name", "").startswith("Ours")]
    # Ours, and only ours, are named at their points (shortened, wrapped: the hover and the table keep the
    # full name); the grey others by their hover text alone.
    assert sorted(10 ** a["x"] for a in chart.figure["layout"]["annotations"]) == pytest.approx(
        sorted(x for t in ours for x in t["x"])
    )
    named = [a["text"] for a in chart.figure["layout"]["annotations"]]
    assert sorted(named) == sorted(
        [short_name(world.trust_a.display_name), short_name(world.trust_b.display_name)]
    )
    hidden = Organisation.objects.get(ods_code=acute_trusts()[24]["ods_code"])
    assert hidden.fft_published.filter(total=None).exists()  # imported, with NHS England's "*"
    assert hidden.display_name not in json.dumps(chart.rows)
    # A trust's page places it alone among them.
    response = client.get(reverse("dashboards:organisation", args=[world.trust_a.ods_code]), {"months": "24"})
    chart = _chart(response, "funnel-national-inpatient-all")
    assert f"{world.trust_a.display_name} (this trust)" in _rows(chart)
    assert f"{world.trust_b.display_name} (this ICS)" not in _rows(chart)


def test_without_published_figures_there_is_no_national_section(client, world):
    ics_data(world)
    client.force_login(world.icb_lead)
    response = client.get(reverse("dashboards:system"), {"months": "24"})
    assert response.context["funnels"]["national"] == []
    assert "Among all English trusts" not in response.content.decode()


def test_a_trust_whose_percent_positive_the_fft_table_hides_is_not_plotted_either(client, world):
    # Trust A: 6 very good, 2 neither, 20 poor. Its FFT table row shows 28 answers and 71% negative, and
    # hides % positive: with it, 28 - 6 - 20 = 2 "neither" could be worked out. The funnel must not show it.
    for score, count in ((1, 6), (3, 2), (4, 20)):
        for _ in range(count):
            ResponseFactory(service=world.service_a, fft_score=score)
    for score, count in ((1, 30), (4, 10)):
        for _ in range(count):
            ResponseFactory(service=world.service_b, fft_score=score)
    rollups.rebuild_all()
    assert fft_figures(FFTCounts(very_good=6, neither=2, poor=20)).percent_positive == "*"
    client.force_login(world.icb_lead)
    this_month = timezone.localdate().strftime("%Y-%m")  # the factory's answers are this month's
    period = {"months": "custom", "from_month": this_month, "to_month": this_month}
    chart = _chart(client.get(reverse("dashboards:system"), period), "funnel-fft")
    rows = _rows(chart)
    assert rows[world.trust_a.display_name] == ["*", "*", "Not plotted: too few to publish"]
    assert rows[world.trust_b.display_name][:2] == ["40", "75%"]
    assert {x for x, _, _ in _plotted(chart)} == {40}
