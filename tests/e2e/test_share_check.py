"""A px lead goes through an import's draft stories with the keyboard: each story's original beside what
everyone else will read, hidden parts marked; c marks it fine, f to fix, j/k move on and back; the counts
follow; one button shares the checked ones with the ICS. Every page passes axe-core."""

from __future__ import annotations

import pytest

from stories.models import ImportSource, Story
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _count(page, name: str) -> str:
    return page.locator(f'[data-count="{name}"]').inner_text()


def _at(page, heading: str) -> None:
    """Wait for a story's page and for its keyboard shortcuts: each move is a full page load, and the
    shortcuts come from a module script, which runs after the heading is drawn. A key pressed in between
    reaches the page before or nothing."""
    page.get_by_role("heading", name=heading).wait_for()
    page.wait_for_load_state("domcontentloaded")


def test_a_lead_checks_an_imports_stories_with_the_keyboard_and_shares_them(page, world):
    stories = [
        StoryFactory(
            organisation=world.trust_a,
            user=world.px_a,
            title=f"Imported story {n}",
            narrative=f"Please ring me on 07700 90012{n} about the ward.",
            consent=True,
            import_source=ImportSource.CSV,
            external_id=f"row-{n}",
        )
        for n in range(3)
    ]
    StoryFactory(organisation=world.trust_a, user=world.px_a, title="Logged by hand", consent=True)
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/stories/")
    page.get_by_role("link", name="Check and share stories").click()
    page.get_by_text("Choose which stories").click()
    page.get_by_label("Came from").select_option("csv")
    page.get_by_role("button", name="Show these stories").click()
    _at(page, "Story 1 of 3")
    assert_accessible(page)
    story = page.locator("#share-check-story")
    assert story.locator("mark", has_text="07700 900120").count() == 1  # the original, hidden part marked
    assert story.locator("mark", has_text="[phone number]").count() == 1  # and what replaces it

    page.keyboard.press("c")
    _at(page, "Story 2 of 3")
    page.keyboard.press("f")
    _at(page, "Story 3 of 3")
    page.keyboard.press("k")
    _at(page, "Story 2 of 3 Needs fixing")
    page.keyboard.press("ArrowRight")
    _at(page, "Story 3 of 3 Not checked")
    page.keyboard.press("c")
    page.get_by_role("heading", name="Story 3 of 3 Fine to share").wait_for()
    assert (_count(page, "checked"), _count(page, "fixing"), _count(page, "left")) == ("2", "1", "0")
    assert_accessible(page)

    page.get_by_role("button", name="Share 2 checked stories with the ICS").click()
    page.get_by_text("2 stories shared with the ICS.").wait_for()
    assert_accessible(page)
    statuses = dict(Story.objects.values_list("pk", "status"))
    assert [statuses[s.pk] for s in stories] == ["shared", "draft", "shared"]
    assert list(Story.objects.filter(title="Logged by hand").values_list("status", flat=True)) == ["draft"]
    assert page.console_errors == []


def test_a_story_without_consent_says_why_and_how_to_fix_it(page, world):
    StoryFactory(organisation=world.trust_a, user=world.px_a, title="Checked with consent", consent=True)
    without = StoryFactory(organisation=world.trust_a, user=world.px_a, title="No consent yet")
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/stories/share-check/?at={without.pk}")
    page.get_by_role("heading", name="Story 2 of 2 Cannot be shared yet").wait_for()
    refusal = page.locator("#share-check-refusal")
    assert "consent to use their story for internal learning" in refusal.inner_text()
    assert page.get_by_role("button", name="Fine to share").count() == 0
    assert (_count(page, "left"), _count(page, "blocked")) == ("1", "1")
    assert_accessible(page)
    page.get_by_role("link", name="Story 1").click()
    _at(page, "Story 1 of 2 Not checked")
    page.keyboard.press("c")
    _at(page, "Story 1 of 2 Fine to share")
    page.get_by_role("button", name="Share 1 checked story with the ICS").wait_for()
    assert (_count(page, "checked"), _count(page, "blocked")) == ("1", "1")
    page.keyboard.press("j")
    page.get_by_role("heading", name="Story 2 of 2 Cannot be shared yet").wait_for()
    refusal.get_by_role("link", name="Record the person’s consent").click()
    page.wait_for_url(f"**/stories/{without.pk}/consent/")
    assert page.console_errors == []
