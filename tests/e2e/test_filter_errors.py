"""An odd value in a filter (a link edited by hand, an old bookmark) brings the page back with an error
summary that names the field, linked to it; the list is shown without that filter. Passes axe-core."""

from __future__ import annotations

import pytest

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
