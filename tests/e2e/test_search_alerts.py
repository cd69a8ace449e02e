"""An ICB lead asks to be emailed about new results of a saved search; a story shared later reaches them as a
count and a link through the test SMTP server (never its text); the email's link stops the alert without
signing in. Every page passes axe-core."""

from __future__ import annotations

from urllib.parse import urlparse

import pytest

from insight_hub.search import alerts
from insight_hub.search.models import SavedSearch, SearchAlert
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_icb_lead_subscribes_to_a_saved_search_and_stops_it_from_the_email(page, world, smtp_server):
    SavedSearch.objects.create(owner=world.icb_lead, name="Cold breakfasts", query='"cold toast"')
    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/search/saved/")
    assert_accessible(page)
    page.get_by_label("Once a day (at 7 in the morning)").check()
    page.get_by_role("button", name="Email me new results for Cold breakfasts").click()
    page.get_by_text("will be emailed to").wait_for()
    assert_accessible(page)
    assert SearchAlert.objects.get().frequency == "daily"

    story = StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="Breakfast on the ward",
        narrative="My husband John Smith was given cold toast at breakfast every day.",
        status="shared",
    )
    assert alerts.alerts_send(frequency="daily") == 1
    [email] = smtp_server.messages_to(world.icb_lead.email)
    text = smtp_server.text_of(email)
    assert f"/stories/{story.pk}/" in text and "John Smith" not in text and "toast" not in text

    stop_link = email["List-Unsubscribe"].strip().strip("<>")
    page.context.clear_cookies()  # the link works for whoever holds it, signed in or not
    page.goto(urlparse(stop_link).path)
    page.get_by_role("heading", name="Stop these emails?").wait_for()
    assert_accessible(page)
    page.get_by_role("button", name="Stop these emails").click()
    page.get_by_role("heading", name="Emails stopped").wait_for()
    assert_accessible(page)
    assert not SearchAlert.objects.exists()
    assert page.console_errors == []
