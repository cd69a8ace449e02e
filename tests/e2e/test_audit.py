"""In a browser: a system administrator reads the audit and filters it; the page passes axe-core."""

import pytest

from insight_hub.privacy import audit
from insight_hub.privacy.models import AuditAction
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_the_administrator_reads_and_filters_the_audit(page, world):
    audit.record(world.px_a, AuditAction.STORY_VIEWED_UNREDACTED, organisation=world.trust_a, page="detail")
    audit.record(
        world.icb_lead, AuditAction.EXPORT_DOWNLOADED, organisation=world.trust_a, export="feedback.csv"
    )
    sign_in(page, world.admin.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    # The administrator's menu is long: the NHS.UK header folds what does not fit under "More".
    link = page.get_by_role("link", name="Access audit").first
    if not link.is_visible():
        page.locator(
            ".nhsuk-header__menu-toggle, .nhsuk-header__navigation-item--for-mobile button"
        ).first.click()
    link.click()
    page.wait_for_url("**/privacy/audit/")
    main = page.locator("main")
    assert "2 events" in main.inner_text()
    assert world.px_a.email in main.inner_text() and world.icb_lead.email in main.inner_text()
    assert_accessible(page)
    page.get_by_label("Action").select_option(AuditAction.EXPORT_DOWNLOADED)
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**action=export.downloaded**")
    assert "1 event" in main.inner_text() and world.px_a.email not in main.inner_text()
    assert_accessible(page)
    assert page.console_errors == []
