"""An ICB lead drills from the ICS to a service, sees the SPC chart, a theme tile with its stories and the
owner's name; a dashboard cannot be published without an owner. axe-core passes on every dashboard page."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboards import rollups
from insight_hub.themes.models import Theme
from stories.models import StoryTag
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, CommentFactory, ResponseFactory, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _months_ago(n: int) -> dt.datetime:
    month = timezone.localdate().replace(day=1)
    for _ in range(n):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return timezone.make_aware(dt.datetime.combine(month.replace(day=12), dt.time(10)))


def _data(world):
    theme = Theme.objects.get(taxonomy__is_default=True, name="Timeliness of care")
    for months_ago in range(12):
        for score in (1, 1, 1, 1, 2, 2, 4, 5) if months_ago else (1, 4, 4, 5, 5, 5, 2, 1):
            ResponseFactory(service=world.service_a, fft_score=score, responded_at=_months_ago(months_ago))
    story = StoryFactory(
        organisation=world.trust_a,
        status="shared",
        user=world.px_a,
        title="Nine hours in the emergency department",
        narrative="We waited nine hours to be seen and nobody told us why.",
        services=[world.service_a],
        occurred_on=_months_ago(1).date().replace(day=1),  # the default period ends with last month
    )
    StoryTag.objects.filter(story=story).delete()
    StoryTag.objects.create(story=story, theme=theme, sentiment="negative", evidence_start=None)
    comment = CommentFactory(
        response=ResponseFactory(service=world.service_a, responded_at=_months_ago(1)),
        text="Seen very quickly.",
    )
    comment.redacted_text = comment.text
    comment.save()
    comment.tags.create(theme=theme, sentiment="positive")
    rollups.rebuild_all()


def test_an_icb_lead_drills_down_to_a_service_and_sees_numbers_beside_stories(page, world):
    _data(world)
    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Dashboards", exact=True).first.click()
    assert_accessible(page)
    page.get_by_role("link", name="System view").click()
    page.wait_for_url("**/dashboards/system/")
    # The owner, by name, and the SPC chart drawn by plotly.
    assert page.get_by_text(world.icb_lead.get_full_name()).first.is_visible()
    page.locator("[data-chart] svg").first.wait_for()
    assert_accessible(page)

    page.get_by_role("link", name=world.trust_a.display_name).click()
    page.wait_for_url(f"**/dashboards/o/{world.trust_a.ods_code}/**")
    assert_accessible(page)
    page.get_by_role("link", name=world.service_a.name).click()
    page.wait_for_url("**/s/**")
    page.locator("[data-chart] svg").first.wait_for()
    # The theme tile with its story beside the number, and a link to read it.
    tile = page.locator(".app-tile", has_text="Timeliness of care")
    assert tile.get_by_text("We waited nine hours to be seen").is_visible()
    assert tile.get_by_role("link", name="Nine hours in the emergency department").is_visible()
    assert page.get_by_text(world.icb_lead.get_full_name()).first.is_visible()
    assert_accessible(page)

    # Filters go into the URL, so the view can be shared by link.
    page.get_by_label("Period").select_option("24")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**months=24**")
    assert_accessible(page)

    for path in ("/dashboards/equality/", "/dashboards/owners/"):
        page.goto(path)
        assert_accessible(page)


def test_publishing_a_dashboard_without_an_owner_is_refused(page, world):
    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/dashboards/new/")
    assert_accessible(page)
    page.get_by_label("Title").fill("Urgent and emergency care")
    page.get_by_label("The whole ICS").check()
    page.get_by_label("Day").fill("1")
    page.get_by_label("Month").fill("3")
    page.get_by_label("Year").fill(str(timezone.localdate().year + 1))
    page.get_by_role("button", name="Save dashboard").click()
    page.wait_for_url("**/dashboards/*/")
    assert page.get_by_text("No named owner").first.is_visible()
    page.get_by_role("button", name="Publish dashboard").click()
    assert page.get_by_text("Choose a named owner before publishing").is_visible()
    assert_accessible(page)

    page.get_by_role("link", name="Edit dashboard").click()
    page.get_by_label("Owner (a named ICB lead)").select_option(
        label=f"{world.icb_lead.get_full_name()}, Head of Patient Experience"
    )
    page.get_by_role("button", name="Save dashboard").click()
    page.get_by_role("button", name="Publish dashboard").click()
    assert page.get_by_text(f"owned by {world.icb_lead.get_full_name()}").is_visible()
    page.get_by_label("Theme volume and sentiment").check()
    page.get_by_label("Theme (optional)").select_option(label="Timeliness of care")
    page.get_by_role("button", name="Add tile").click()
    assert page.get_by_role("heading", name="Timeliness of care", exact=True).is_visible()
    assert_accessible(page)


def test_an_icb_lead_chooses_months_in_2023_and_shares_them_by_link(page, world):
    theme = Theme.objects.get(taxonomy__is_default=True, name="Timeliness of care")
    at = timezone.make_aware(dt.datetime(2023, 3, 14, 10))
    for score in [1] * 5 + [2] * 5 + [5] * 5:
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=at)
    story = StoryFactory(
        organisation=world.trust_a,
        status="shared",
        user=world.px_a,
        title="A night on the ward in 2023",
        narrative="Nobody came when the buzzer went, all night.",
        occurred_on=dt.date(2023, 3, 1),
    )
    StoryTag.objects.filter(story=story).delete()
    StoryTag.objects.create(story=story, theme=theme, sentiment="negative", evidence_start=None)
    rollups.rebuild_all()
    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/dashboards/system/")
    assert page.get_by_text("A night on the ward in 2023").count() == 0  # the last 12 complete months

    page.get_by_label("Period").select_option(label="Choose months (From and To)")
    page.locator("#id_from_month").select_option(label="March 2023")
    page.locator("#id_to_month").select_option(label="December 2023")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**from_month=2023-03**")
    page.get_by_text("March 2023 to December 2023").first.wait_for()
    assert page.get_by_text("A night on the ward in 2023").first.is_visible()
    assert page.get_by_text("% positive in December 2023").is_visible()
    assert_accessible(page)

    # The link holds the period: opened afresh, it shows the same months.
    page.goto(page.url)
    assert page.locator("#id_from_month").input_value() == "2023-03"
    assert page.get_by_text("A night on the ward in 2023").first.is_visible()

    # Months the wrong way round: the whole page comes back with the message on the field.
    page.locator("#id_from_month").select_option(label="December 2023")
    page.locator("#id_to_month").select_option(label="March 2023")
    page.get_by_role("button", name="Apply filters").click()
    page.locator(".nhsuk-error-summary").wait_for()
    message = "The last month must be the same as or after the first month"
    assert page.locator(".nhsuk-error-message", has_text=message).is_visible()
    assert_accessible(page)
