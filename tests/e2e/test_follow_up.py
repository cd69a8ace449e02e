"""An ICB lead reads "Responses and changes made" on the system view (the response-time chart drawn, its
table, the critical stories' shares), a px lead on their trust's view and the public version of a reply on
a story's page; axe-core passes on each."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboards import rollups
from stories import services
from stories.models import Story
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _answered(world) -> Story:
    """Five stories of trust A a month for 13 months, each answered after a few days; one critical story
    shared with consent to publication, whose reply names the teller."""
    tz = timezone.get_current_timezone()
    month = timezone.localdate().replace(day=1)
    for m in range(13):
        for i in range(5):
            story = StoryFactory(organisation=world.trust_a, user=world.px_a, title=f"Answered {m}-{i}")
            services.teller_response_record(story=story, user=world.px_a, response="Thank you.")
            responded = dt.datetime.combine(
                month.replace(day=1) + dt.timedelta(days=2 + i), dt.time(12), tzinfo=tz
            )
            logged = responded - dt.timedelta(days=3 + (m + i) % 4)
            Story.objects.filter(pk=story.pk).update(logged_at=logged, teller_response_at=responded)
        month = (month - dt.timedelta(days=1)).replace(day=1)
    critical = StoryFactory(
        organisation=world.trust_a, user=world.px_a, status="shared", title="A long wait",
        narrative="John Smith waited nine hours to be seen.",
    )  # fmt: skip
    services.story_consent_record(
        story=critical, user=world.px_a, internal_learning=True, board_quote=False, publication=True
    )
    critical.refresh_from_db()
    services.teller_response_record(
        story=critical, user=world.px_a, response="Dear John Smith, we are sorry."
    )
    rollups.rebuild_all()  # the dashboards read the roll-ups
    return critical


def test_responses_and_changes_made_read_on_the_system_trust_and_story_pages(page, world):
    story = _answered(world)
    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/dashboards/system/")
    section = page.locator("section", has=page.locator("#follow-up-heading"))
    assert section.get_by_text("With a response to the person who told it").is_visible()
    section.locator("#chart-response-time [data-chart] svg").first.wait_for()
    # The chart's data table, folded away under its summary once the plot has drawn.
    assert section.locator("#chart-response-time details summary").is_visible()
    assert section.locator("#chart-response-time table tbody tr").count() == 24
    assert_accessible(page)

    page.goto(f"/stories/{story.pk}/")
    assert page.get_by_text("we are sorry").is_visible()
    assert page.get_by_text("John Smith").count() == 0  # the public version only
    assert_accessible(page)

    page.context.clear_cookies()
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/dashboards/o/{world.trust_a.ods_code}/")
    page.locator("#chart-response-time [data-chart] svg").first.wait_for()
    assert_accessible(page)
    page.goto(f"/stories/{story.pk}/")
    assert page.get_by_text("Public version").is_visible()
    assert_accessible(page)
