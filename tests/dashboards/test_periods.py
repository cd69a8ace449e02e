"""Dashboards over any period: data from 2023 seen through chosen months, the default never the current
month, the current month marked incomplete, and a bad period answered with a message (never a 500)."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import rollups
from dashboards.models import Dashboard, Tile
from insight_hub.periods import last_complete_month, this_month, to_date
from insight_hub.themes.models import Theme
from stories.models import StoryTag
from tests.factories import ResponseFactory, StoryFactory

IN_2023 = "months=custom&from_month=2023-01&to_month=2023-12"


def at(day: dt.date) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(12), tzinfo=timezone.get_current_timezone())


@pytest.fixture
def old(world):
    """May 2023 in trust A: 15 answers (10 positive) and a story about waiting; nothing since."""
    for score in [1] * 5 + [2] * 5 + [5] * 5:
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=at(dt.date(2023, 5, 10)))
    story = StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        status="shared",
        title="The long wait of 2023",
        narrative="We waited eleven hours in 2023 and nobody told us why.",
        occurred_on=dt.date(2023, 5, 1),
    )
    theme = Theme.objects.get(taxonomy__is_default=True, name="Timeliness of care")
    StoryTag.objects.filter(story=story).delete()
    StoryTag.objects.create(story=story, theme=theme, sentiment="negative")
    rollups.rebuild_all()
    return theme


def test_a_dashboard_shows_2023_through_chosen_months(client, world, old):
    client.force_login(world.icb_lead)
    default = unescape(client.get(reverse("dashboards:system")).content.decode())
    assert "The long wait of 2023" not in default
    assert '<option value="2023-05">May 2023</option>' in default  # the lists reach back to the data

    response = client.get(reverse("dashboards:system") + "?" + IN_2023)
    assert response.status_code == 200
    body = unescape(response.content.decode())
    assert "January 2023 to December 2023" in body
    assert "% positive in December 2023" in body
    trust_a = next(row for row in response.context["trusts"] if row["organisation"] == world.trust_a)
    assert trust_a["figures"].total == 15 and trust_a["figures"].percent_positive == 67
    assert "The long wait of 2023" in body  # the story beside the number, from 2023
    # Drill-down links carry the period, so a trust's page shows the same months.
    trust_url = reverse("dashboards:organisation", args=[world.trust_a.ods_code])
    assert f"{trust_url}?{IN_2023.replace('&', '&amp;')}" in response.content.decode()
    trust = client.get(f"{trust_url}?{IN_2023}")
    assert "The long wait of 2023" in unescape(trust.content.decode())
    theme = client.get(reverse("dashboards:theme", args=[old.pk]) + "?" + IN_2023)
    assert "The long wait of 2023" in unescape(theme.content.decode())


def test_a_builder_dashboard_and_its_csv_read_2023(client, world, old):
    dashboard = Dashboard.objects.create(ics=world.ics, title="Waiting", owner=world.icb_lead)
    Tile.objects.create(dashboard=dashboard, kind="metric", title="FFT", owner=world.icb_lead)
    client.force_login(world.icb_lead)
    page = client.get(reverse("dashboards:detail", args=[dashboard.pk]) + "?" + IN_2023)
    assert "January 2023 to December 2023" in page.content.decode()
    text = client.get(reverse("dashboards:export_csv", args=[dashboard.pk]) + "?" + IN_2023).content.decode()
    assert "Period,January 2023 to December 2023" in text
    assert ",2023-05,FFT responses,15" in text


def test_the_default_period_never_takes_in_the_current_month(client, world):
    for score in (1, 1, 1, 1, 1, 1):  # this month only
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=timezone.now())
    rollups.rebuild_all()
    client.force_login(world.icb_lead)
    response = client.get(reverse("dashboards:system"))
    period = response.context["period"]
    assert period.last == last_complete_month() and not period.incomplete
    assert len(period.months) == 12
    assert all(row["figures"].total == 0 for row in response.context["trusts"])
    assert "incomplete" not in response.content.decode().split('id="dashboard-body"')[1]


def test_a_period_that_takes_in_this_month_says_it_is_incomplete(client, world):
    ResponseFactory(service=world.service_a, fft_score=1, responded_at=timezone.now())
    rollups.rebuild_all()
    client.force_login(world.icb_lead)
    current = this_month()
    query = f"?months=custom&from_month={last_complete_month():%Y-%m}&to_month={current:%Y-%m}"
    body = unescape(client.get(reverse("dashboards:system") + query).content.decode())
    today = timezone.localdate()
    assert f"{current:%B %Y} is incomplete (to {to_date(today)})" in body
    # The headline and rising themes read the last complete month, and say so.
    assert f"% positive in {last_complete_month():%B %Y} (the last complete month)" in body
    assert f"{current:%B %Y} (incomplete, to {to_date(today)})" in body  # in the month lists


def test_a_bad_period_is_named_on_its_field_and_the_default_shown(client, world):
    client.force_login(world.icb_lead)
    response = client.get(reverse("dashboards:system") + "?months=custom&from_month=2024-05&to_month=2024-01")
    assert response.status_code == 200
    body = response.content.decode()
    assert "There is a problem" in body
    assert "The last month must be the same as or after the first month" in body
    assert response.context["period"].last == last_complete_month()
    # Over htmx the body is swapped, and the summary and the fields come along out of band.
    swap = client.get(
        reverse("dashboards:system") + "?months=custom&from_month=2024-05&to_month=2024-01",
        HTTP_HX_REQUEST="true",
    )
    swapped = swap.content.decode()
    assert swap.status_code == 200 and "<html" not in swapped and 'id="dashboard-body"' in swapped
    assert '<div id="filter-errors" hx-swap-oob="true">' in swapped and 'id="id_to_month_error"' in swapped


@pytest.mark.parametrize(
    "query",
    [
        "months=%00",
        "months=99999999999999999999",
        "from_month=9999-99&to_month=0000-00",
        "from_month=2023-01&to_month=2023-12&from_month=x",
        "months=custom",
        "to_month=1899-12",
    ],
)
def test_odd_query_strings_never_fail(client, world, query):
    client.force_login(world.icb_lead)
    for name in ("dashboards:system", "dashboards:equality"):
        assert client.get(reverse(name) + "?" + query).status_code == 200
    url = reverse("dashboards:organisation", args=[world.trust_a.ods_code])
    assert client.get(url + "?" + query).status_code == 200


def test_a_csv_of_a_bad_period_is_refused_with_the_reason(client, world):
    dashboard = Dashboard.objects.create(ics=world.ics, title="Waiting", owner=world.icb_lead)
    client.force_login(world.icb_lead)
    response = client.get(
        reverse("dashboards:export_csv", args=[dashboard.pk])
        + "?months=custom&from_month=2099-01&to_month=2099-02"
    )
    assert response.status_code == 400
    assert "cannot be after this month" in response.content.decode()
