"""An ICB lead compares trusts fairly: funnel plots on the system view (FFT, a theme chosen in the page,
and the ICS's trusts among all English trusts from NHS England's imported workbook), then a trust's page
with its services. axe-core passes on both pages as they show the plots."""

from __future__ import annotations

import pytest

from dashboards import rollups
from feedback.models import Comment, CommentTag
from insight_hub.themes.models import Theme
from tests.dashboards.funnel_data import THEME, ics_data, national_data
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD
from tests.feedback.test_import_parsers import needs_templates

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@needs_templates
def test_an_icb_lead_reads_the_funnel_plots_and_chooses_a_theme(
    page, world, tmp_path, settings, django_capture_on_commit_callbacks
):
    settings.MEDIA_ROOT = tmp_path / "media"
    ics_data(world)
    other = Theme.objects.filter(taxonomy__is_default=True).exclude(name=THEME).order_by("name").first()
    for comment in Comment.objects.filter(organisation=world.trust_b)[:10]:
        CommentTag.objects.create(comment=comment, theme=other, sentiment="positive")
    rollups.rebuild_all()
    national_data(world, tmp_path, django_capture_on_commit_callbacks)

    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/dashboards/system/?months=24")
    funnels = page.locator("#funnels")
    # The FFT funnel drawn by plotly, its table naming the trust with too few answers.
    funnels.locator("#funnel-fft [data-chart] svg").first.wait_for()
    assert funnels.get_by_text("Not plotted: too few to publish").count() >= 1
    assert page.locator("#funnel-national-inpatient-all [data-chart] svg").first.is_visible()
    assert funnels.get_by_role("heading", name="Among all English trusts", exact=True).is_visible()
    assert_accessible(page)

    # Choose the other theme: only the funnels' section is swapped, and the URL can be shared.
    funnels.get_by_label("Theme").select_option(label=other.name)
    funnels.get_by_role("button", name="Show this theme").click()
    page.wait_for_url(f"**funnel_theme={other.pk}**")
    assert "months=24" in page.url
    page.get_by_role(
        "heading", name=f"{other.name}: comments mentioning it per 1,000 comments, by trust"
    ).wait_for()
    page.locator("#funnel-theme-rate [data-chart] svg").first.wait_for()
    assert_accessible(page)
    assert page.console_errors == []

    # A trust's page: its services around the ICS value, and the trust among all English trusts.
    page.goto(f"/dashboards/o/{world.trust_a.ods_code}/?months=24")
    page.locator("#funnel-fft [data-chart] svg").first.wait_for()
    page.get_by_role("heading", name="FFT % positive by service, against the number of responses").wait_for()
    page.locator("#funnel-national-inpatient-all [data-chart] svg").first.wait_for()
    assert_accessible(page)
    assert page.console_errors == []
