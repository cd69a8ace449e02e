"""An ICB quality lead searches for a phrase: they find it, highlighted, in a story another trust shared (its
redacted text: the teller's name never shows), and not in a draft of another trust; they save the search and
open it again from their saved searches. Every page passes axe-core."""

from __future__ import annotations

import pytest

from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_icb_lead_finds_a_phrase_in_a_shared_story_redacted_and_highlighted_but_not_in_a_draft(
    page, world
):
    shared = StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="Breakfast on the ward",
        narrative="My husband John Smith was given cold toast at breakfast every day. The nurses were kind.",
        status="shared",
    )
    draft = StoryFactory(
        organisation=world.trust_b,
        user=world.px_b,
        title="Draft about the canteen",
        narrative="There was cold toast at breakfast again and nobody listened.",
    )
    assert "John Smith" not in shared.redacted_narrative

    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Search", exact=True).click()
    page.wait_for_url("**/search/")
    assert_accessible(page)

    page.get_by_label("Search words").fill('"cold toast" breakfast -porridge')
    page.get_by_role("button", name="Search", exact=True).click()
    results = page.locator("#results")
    results.get_by_role("heading", name="1 result").wait_for()
    card = results.locator(".nhsuk-card")
    assert card.count() == 1
    assert card.get_by_role("link").inner_text() == shared.redacted_title
    # PostgreSQL marks a phrase word by word, the embedded default as a whole: either way, these words.
    marked = " ".join(m.inner_text().lower() for m in card.locator("mark").all()).split()
    assert {"cold", "toast", "breakfast"} <= set(marked)
    text = results.inner_text()
    assert "John Smith" not in text and "redacted" in text
    assert draft.title not in text and "nobody listened" not in text
    assert_accessible(page)

    # The link holds the search: saved, it comes back from the saved searches page with the same result.
    page.get_by_label("Name this search").fill("Cold breakfasts")
    page.get_by_role("button", name="Save this search").click()
    page.wait_for_url("**/search/saved/")
    assert_accessible(page)
    page.get_by_role("link", name="Cold breakfasts").click()
    page.locator("#results").get_by_role("heading", name="1 result").wait_for()
    assert page.locator("#results mark").count() >= 2
    assert page.console_errors == []
