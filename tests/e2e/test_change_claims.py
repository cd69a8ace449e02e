"""A px lead claims a change made on a story's action and cannot sign off their own claim; a colleague at
same trust signs it off; the ICB lead sees that a change was made and signed off, but not what the trust
wrote. Every page passes axe-core."""

from __future__ import annotations

import pytest
from django.utils import timezone

from insight_hub.privacy.models import AuditAction, AuditEvent
from stories import services
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/**")


def test_a_change_made_is_claimed_by_one_px_lead_and_signed_off_by_a_colleague(page, world):
    story = StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        title="Nobody brought water",
        narrative="My mother waited all night for water. The nurses on the ward were kind.",
        status="shared",
    )
    action = services.action_create(
        story=story,
        user=world.px_a,
        description="Water rounds every hour",
        owner=world.px_a,
        due_on=timezone.localdate(),
    )

    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/stories/{story.pk}/")
    page.get_by_role("link", name="Claim a change on action 1").click()
    page.wait_for_url(f"**/stories/{story.pk}/actions/{action.pk}/change/")
    assert_accessible(page)
    page.get_by_role("button", name="Claim the change").click()
    page.locator(".nhsuk-error-summary").wait_for()  # nothing chosen: the errors name the fields
    assert "Select whether the change is planned or made" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_label("Change made").check()
    page.get_by_label("What changed").fill("Healthcare assistants now offer water every hour, day and night.")
    page.get_by_role("button", name="Claim the change").click()
    page.wait_for_url(f"**/stories/{story.pk}/")
    main = page.locator("main").inner_text()
    assert "Change made, awaiting sign-off" in main
    assert_accessible(page)

    # The claimant is told a colleague must sign it off, and has no button to do it.
    page.get_by_role("link", name="Sign off the change claimed on action 1").click()
    assert "must sign it off" in page.locator("main").inner_text()
    assert page.get_by_role("button", name="Yes, sign off the claim").count() == 0
    assert_accessible(page)
    sign_out(page)

    # The colleague finds it waiting on their home page.
    sign_in(page, world.px_a_colleague.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.get_by_role("link", name="Change claims waiting for your sign-off").click()
    page.wait_for_url(f"**/stories/{story.pk}/actions/{action.pk}/change/sign-off/")
    assert "water every hour, day and night" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, sign off the claim").click()
    page.wait_for_url(f"**/stories/{story.pk}/")
    main = page.locator("main").inner_text()
    assert f"Change made, signed off by {world.px_a_colleague.get_full_name()}" in main
    assert_accessible(page)
    sign_out(page)

    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/stories/{story.pk}/")
    main = page.locator("main").inner_text()
    assert "Change made, signed off in" in main
    assert "day and night" not in main and world.px_a_colleague.get_full_name() not in main
    assert_accessible(page)
    assert not page.console_errors
    response = page.goto(f"/stories/{story.pk}/actions/{action.pk}/change/sign-off/")
    assert response.status == 404

    claimed, signed = (
        AuditEvent.objects.filter(action=action_kind, object_id=str(action.pk)).get()
        for action_kind in (AuditAction.CHANGE_CLAIMED, AuditAction.CHANGE_SIGNED_OFF)
    )
    assert claimed.user == world.px_a and signed.user == world.px_a_colleague
