"""Final acts are asked about first, in the browser and without JavaScript: withdrawing a person's consent
shows what will happen and that it cannot be undone, and nothing changes until the person confirms."""

from __future__ import annotations

import re

import pytest

from stories.models import Story, StoryStatus
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _withdraw_consent_journey(page, world) -> Story:
    story = StoryFactory(organisation=world.trust_a, user=world.px_a, title="A kind nurse", status="shared")
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/stories/{story.pk}/consent/")
    page.get_by_role("link", name="Withdraw consent").click()
    page.wait_for_url(re.compile(rf".*/stories/{story.pk}/consent/withdraw/$"))
    main = page.locator("main").inner_text()
    assert "Are you sure you want to withdraw consent?" in main
    assert "This cannot be undone" in main
    assert "board report files already made that quote it can no longer be downloaded" in main
    assert_accessible(page)
    # Only looking at the question changed nothing.
    story.refresh_from_db()
    assert story.status == StoryStatus.SHARED and story.consent_withdrawn_on is None
    return story


def test_withdrawing_consent_is_confirmed_on_its_own_page_and_then_final(page, world):
    story = _withdraw_consent_journey(page, world)
    page.get_by_label("Note").fill("Asked by phone")
    page.get_by_role("button", name="Yes, withdraw consent").click()
    page.wait_for_url(re.compile(rf".*/stories/{story.pk}/$"))
    assert "Consent withdrawn. The story is no longer used anywhere." in page.locator("main").inner_text()
    assert_accessible(page)
    story.refresh_from_db()
    assert story.status == StoryStatus.WITHDRAWN and story.consent_withdrawn_on is not None
    # Final: no way back offered on the story's page.
    assert page.get_by_role("link", name="Withdraw consent").count() == 0
    assert page.get_by_role("button", name=re.compile("Share|Submit")).count() == 0
    assert page.console_errors == []


def test_going_back_from_the_confirmation_leaves_consent_as_it_was(page, world):
    story = _withdraw_consent_journey(page, world)
    page.get_by_role("link", name="No, go back to consent").click()
    page.wait_for_url(re.compile(rf".*/stories/{story.pk}/consent/$"))
    story.refresh_from_db()
    assert story.status == StoryStatus.SHARED and story.consent_withdrawn_on is None
    # Withdrawing the story itself is asked about the same way.
    page.goto(f"/stories/{story.pk}/")
    page.get_by_role("link", name="Withdraw the story").click()
    assert "Are you sure you want to withdraw the story?" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("link", name="No, go back to the story").click()
    page.wait_for_url(re.compile(rf".*/stories/{story.pk}/$"))
    story.refresh_from_db()
    assert story.status == StoryStatus.SHARED


def test_withdrawing_the_story_works_without_javascript(browser, live_server, world, settings):
    settings.STORAGES = {
        **settings.STORAGES,
        "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    }
    context = browser.new_context(base_url=live_server.url, locale="en-GB", java_script_enabled=False)
    page = context.new_page()
    page.set_default_timeout(15_000)
    try:
        story = StoryFactory(organisation=world.trust_a, user=world.px_a, title="Long wait", status="shared")
        sign_in(page, world.px_a.email, TEST_PASSWORD)
        page.wait_for_url("**/")
        page.goto(f"/stories/{story.pk}/")
        page.get_by_role("link", name="Withdraw the story").click()
        main = page.locator("main").inner_text()
        assert "Are you sure you want to withdraw the story?" in main
        assert "This cannot be undone" in main
        story.refresh_from_db()
        assert story.status == StoryStatus.SHARED  # (axe-core needs JavaScript: checked in the test above)
        page.get_by_role("button", name="Yes, withdraw the story").click()
        page.wait_for_url(re.compile(rf".*/stories/{story.pk}/$"))
        story.refresh_from_db()
        assert story.status == StoryStatus.WITHDRAWN
    finally:
        context.close()
