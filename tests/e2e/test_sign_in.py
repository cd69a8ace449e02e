"""A person of every role signs in, sees what they can do, and the pages pass axe-core."""

import pytest

from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.mark.parametrize(
    ("person", "sees"),
    [
        ("px_a", "As patient experience lead"),
        ("icb_lead", "As ICB quality lead"),
        ("board_a", "As board member"),
        ("admin", "As system administrator"),
    ],
)
def test_each_role_signs_in_and_sees_its_home_page(page, world, person, sees):
    user = world.people()[person]
    sign_in(page, user.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    body = page.locator("main").inner_text()
    assert sees.lower() in body.lower()
    assert world.icb_lead.get_full_name() in body  # the ICS's named lead for patient experience
    assert_accessible(page)
    assert page.console_errors == []


def test_sign_in_page_and_a_wrong_password(page, world):
    page.goto("/accounts/login/")
    assert_accessible(page)
    sign_in(page, world.px_a.email, "not the password")
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert_accessible(page)


def test_organisation_pages_and_adding_a_service(page, world):
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/organisations/")
    assert_accessible(page)
    page.get_by_role("link", name="Trust A NHS Foundation Trust").click()
    assert_accessible(page)
    page.get_by_role("link", name="Add a service").click()
    assert_accessible(page)
    page.get_by_label("Service name").fill(world.service_a.name)
    page.get_by_label("Service name").blur()
    page.get_by_label("Friends and Family Test setting").select_option("inpatient")
    # htmx checks the name as soon as it changes, before the form is sent.
    page.locator("#field-name .nhsuk-error-message").wait_for()
    page.get_by_label("Service name").fill("Ward 12")
    page.get_by_role("button", name="Add service").click()
    page.wait_for_url(f"**/organisations/{world.trust_a.ods_code}/")
    assert "Ward 12" in page.locator("main").inner_text()


def test_sign_out(page, world):
    sign_in(page, world.board_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("button", name="Sign out").click()
    page.goto("/organisations/")
    assert "/accounts/login/" in page.url


def test_an_outsider_gets_not_found(page, world):
    sign_in(page, world.px_b.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    response = page.goto(f"/organisations/{world.trust_a.ods_code}/")
    assert response.status == 404
    assert_accessible(page)


def test_password_reset_journey_pages_pass_axe(page, world, mailoutbox):
    page.goto("/accounts/login/")
    page.get_by_role("link", name="Forgotten your password?").click()
    assert_accessible(page)
    page.get_by_label("Email").fill(world.px_a.email)
    page.get_by_role("button", name="Send reset link").click()
    page.wait_for_url("**/password_reset/done/")
    assert_accessible(page)
    link = next(line for line in mailoutbox[0].body.splitlines() if "/accounts/reset/" in line).strip()
    page.goto(link)
    assert_accessible(page)
    page.get_by_label("New password", exact=True).fill("a-much-longer-new-passphrase-2026")
    page.get_by_label("New password confirmation").fill("a-much-longer-new-passphrase-2026")
    page.get_by_role("button", name="Save password").click()
    page.wait_for_url("**/reset/done/")
    assert_accessible(page)


def test_locked_out_and_signed_out_pages_pass_axe(page, world, settings):
    for _ in range(settings.AXES_FAILURE_LIMIT):
        sign_in(page, world.px_b.email, "wrong")
    assert "Too many failed sign-in attempts" in page.locator("main").inner_text()
    assert_accessible(page)
    sign_in(page, world.board_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("button", name="Sign out").click()
    assert_accessible(page)


def test_the_inbox_on_the_home_page_passes_axe_and_leads_to_the_concern(page, world):
    from stories import services as story_services
    from stories.models import SafetyConcern
    from tests.factories import StoryFactory

    story = StoryFactory(organisation=world.trust_a, user=world.px_a)
    story_services.story_flag(story=story, user=world.px_a, concern=SafetyConcern.SAFETY)
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    inbox = page.locator("#inbox")
    assert "Safety concerns waiting for your response" in inbox.inner_text()
    assert_accessible(page)
    inbox.get_by_role("link", name="Safety concerns waiting for your response").click()
    page.wait_for_url("**/stories/awaiting-response/")


def test_the_operations_page_passes_axe(page, world):
    sign_in(page, world.admin.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Operations", exact=True).last.click()
    page.wait_for_url("**/operations/")
    assert "Celery workers" in page.locator("main").inner_text()
    assert_accessible(page)
