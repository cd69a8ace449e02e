"""The footer's links lead somewhere real: the accessibility statement and the privacy notice, from every page
and from the public survey form that asks about ethnicity and disability; both pass axe-core."""

import pytest
from django.urls import reverse

from tests.e2e.conftest import assert_accessible

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_patient_reads_the_privacy_notice_from_the_form_and_the_accessibility_statement(
    page, world, settings
):
    settings.PRIVACY_CONTACT_EMAIL = "dpo@testshire-icb.nhs.uk"
    settings.ACCESSIBILITY_CONTACT_EMAIL = "hub@testshire-icb.nhs.uk"
    settings.SOURCE_CODE_URL = "https://example.org/testshire/insight-hub"
    form = reverse("feedback:public_form", args=[world.service_a.public_id])
    page.goto(form)
    assert "TRUST A" in page.locator("main").inner_text().upper()
    page.locator("main").get_by_role("link", name="privacy notice").click()
    page.wait_for_url("**/privacy-notice/")
    assert page.get_by_role("heading", level=1).inner_text() == "Privacy notice"
    notice = page.locator("main").inner_text()
    # Who controls the data: each trust its own patients', the ICB the system views.
    assert "Testshire ICS" in notice
    assert "NHS TESTSHIRE INTEGRATED CARE BOARD: INTEGRATED CARE BOARD" in notice.upper()
    assert "TRUST A NHS FOUNDATION TRUST: FOR ITS OWN PATIENTS' ANSWERS AND STORIES" in notice.upper()
    for words in [
        "Article 6(1)(e)",
        "Article 9(2)(h)",
        "Information Commissioner",
        "dpo@testshire-icb",
        # How a request is dealt with, as the administrator's "Requests about a person" does it.
        "How we deal with your request",
        "S123 or R456",
        "can no longer be downloaded",
    ]:
        assert words in notice, words
    assert_accessible(page)

    footer = page.locator("footer")
    assert footer.get_by_role("link", name="Source code").get_attribute("href") == settings.SOURCE_CODE_URL
    footer.get_by_role("link", name="Accessibility statement").click()
    page.wait_for_url("**/accessibility/")
    statement = page.locator("main").inner_text()
    for words in ["WCAG", "2.2 AA", "Enforcement procedure", "Equality Advisory and Support Service"]:
        assert words in statement, words
    assert "hub@testshire-icb.nhs.uk" in statement
    assert_accessible(page)

    footer.get_by_role("link", name="Privacy").click()
    page.wait_for_url("**/privacy-notice/")
    assert not page.console_errors, page.console_errors


def test_no_page_has_a_dead_footer_link_and_the_easy_read_form_links_the_notice(page, world, settings):
    settings.SOURCE_CODE_URL = ""
    page.goto(reverse("login"))
    hrefs = page.locator("footer a").evaluate_all("links => links.map(a => a.getAttribute('href'))")
    # No "Source code" link while SOURCE_CODE_URL is unset.
    assert hrefs == [reverse("accessibility_statement"), reverse("privacy_notice")]
    page.goto(reverse("feedback:public_form_easy_read", args=[world.service_a.public_id]))
    page.get_by_role("link", name="How we use what you tell us").click()
    page.wait_for_url("**/privacy-notice/")
    # Without a contact address the notice sends people to their trust's data protection officer.
    assert "data protection officer of the trust that provides your care" in page.locator("main").inner_text()
