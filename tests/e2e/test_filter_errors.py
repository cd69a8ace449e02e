"""An odd value in a filter (a link edited by hand, an old bookmark) brings the page back with an error
summary that names the field, linked to it; the list is shown without that filter. Passes axe-core."""

from __future__ import annotations

import re

import pytest
from playwright.sync_api import expect

from insight_hub.periods import Period, month_value
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_an_odd_filter_value_is_named_in_the_error_summary(page, world):
    StoryFactory(organisation=world.trust_a, user=world.px_a, title="A night on the ward", consent=True)
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    response = page.goto("/stories/?sentiment=zzz")
    assert response.status == 200
    summary = page.locator(".nhsuk-error-summary")
    summary.wait_for()
    message = "Sentiment: select a valid choice; ‘zzz’ is not one of them."
    assert message in summary.inner_text()
    summary.get_by_role("link", name=message).click()
    assert page.evaluate("document.activeElement.id") == "id_sentiment"
    assert page.get_by_text("A night on the ward").first.is_visible()  # the list, without the bad filter
    assert_accessible(page)
    page.goto("/feedback/complex/?reason=zzz")
    assert "Reason: select a valid choice; ‘zzz’ is not one of them." in summary.inner_text()
    assert_accessible(page)
    assert page.console_errors == []


# Polled from Python (expect), not in the page: the hub's CSP forbids the eval a polled predicate needs.
ERROR_TITLE = re.compile(r"^Error: ")


def test_a_search_swapped_in_by_htmx_brings_its_errors_and_clears_them_once_put_right(page, world):
    """htmx swaps only the results; the error summary at the top and the message on the field come with them
    (and take the focus, as on a full page), and go once the search is put right."""
    StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="Cold toast",
        narrative="Cold toast at breakfast every day.",
        status="shared",
    )
    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/search/")
    summary = page.locator(".nhsuk-error-summary")
    words = page.get_by_label("Search words")
    words.fill("-parking")
    page.get_by_role("button", name="Search", exact=True).click()
    message = "Enter at least one word to look for, not only words to leave out"
    summary.get_by_role("link", name=message).wait_for()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert page.locator("#id_q_error").inner_text().endswith(message)  # beside the field too
    expect(page).to_have_title(ERROR_TITLE)  # set once the swap settles (app.js)
    assert page.locator("#results").get_by_text("Correct the search to see results.").is_visible()
    assert_accessible(page)
    summary.get_by_role("link", name=message).click()
    assert page.evaluate("document.activeElement.id") == "id_q"

    words.fill("toast")
    words.press("Enter")  # from the box: the box keeps the focus
    page.locator("#results").get_by_role("heading", name="1 result").wait_for()
    assert summary.count() == 0 and page.locator("#id_q_error").count() == 0
    expect(page).not_to_have_title(ERROR_TITLE)  # and taken away once it settles
    assert page.evaluate("document.activeElement.id") == "id_q"
    assert_accessible(page)

    assert page.console_errors == []


def test_a_dashboard_period_swapped_in_by_htmx_brings_its_errors_and_clears_them(page, world):
    """Months in the wrong order, then a preset period: the summary comes, takes the focus, and goes."""
    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/dashboards/system/")
    summary = page.locator(".nhsuk-error-summary")
    page.get_by_label("Period").select_option("custom")
    first, last = page.locator("#id_from_month"), page.locator("#id_to_month")
    months = first.locator("option")
    newest, older = months.nth(1).get_attribute("value"), months.nth(3).get_attribute("value")
    first.select_option(newest)
    last.select_option(older)
    page.get_by_role("button", name="Apply filters").click()
    message = "The last month must be the same as or after the first month"
    summary.get_by_role("link", name=message).wait_for()
    expect(page.locator(".nhsuk-error-summary")).to_be_focused()
    assert page.locator("#id_to_month_error").inner_text().endswith(message)
    assert_accessible(page)
    page.get_by_label("Period").select_option("6")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**months=6**")
    summary.wait_for(state="detached")
    assert page.locator("#id_to_month_error").count() == 0
    six = Period.complete_months(6)  # the month lists show the months the preset covers, ready to adjust
    assert (first.input_value(), last.input_value()) == (month_value(six.first), month_value(six.last))
    assert page.evaluate("document.activeElement.textContent.trim()") == "Apply filters"
    expect(page).not_to_have_title(ERROR_TITLE)  # and taken away once it settles
    assert page.console_errors == []
