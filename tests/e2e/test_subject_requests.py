"""In a browser: a teller emails asking for what is held about them and then to be forgotten. The ICS's
administrator finds them by the email address they wrote in their story, downloads a copy for them, and
anonymises the records after a confirmation page; every page passes axe-core."""

from __future__ import annotations

import json
import re

import pytest

from feedback.models import Comment
from insight_hub.privacy.models import AuditAction, AuditEvent
from stories.models import Story
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, CommentFactory, ResponseFactory, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

EMAIL = "pat.teller@example.com"


def test_the_administrator_finds_a_teller_by_email_exports_and_anonymises(page, world):
    story = StoryFactory(
        organisation=world.trust_a,
        title="Waiting for a call back",
        narrative=f"Nobody called me back about my scan. Please write to {EMAIL}.",
        status="shared",
        age_band="65-74",
    )
    response = ResponseFactory(service=world.service_b, fft_score=4, sex="female")
    CommentFactory(response=response, text=f"The reception staff were rude. {EMAIL}")
    someone_else = StoryFactory(organisation=world.trust_a, narrative="A kind nurse.", status="shared")

    sign_in(page, world.admin.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    # On a narrow header the last items sit under "More".
    if page.locator("#toggle-menu").is_visible():
        page.locator("#toggle-menu").click()
    page.get_by_role("link", name="Requests about a person").first.click()
    page.wait_for_url("**/privacy/requests/")
    assert_accessible(page)

    # A mistake first: the error names the field.
    page.get_by_label("An email address they wrote").check()
    page.get_by_label("Reference, email address, phone number or name").fill("pat.teller")
    page.get_by_role("button", name="Search").click()
    assert "Enter an email address in the correct format" in page.locator(".nhsuk-error-summary").inner_text()
    assert_accessible(page)

    page.get_by_label("Reference, email address, phone number or name").fill(EMAIL)
    page.get_by_role("button", name="Search").click()
    results = page.locator("#results")
    assert "2 records found" in results.inner_text()
    assert (
        f"Story S{story.pk}" in results.inner_text()
        and f"Survey response R{response.pk}" in results.inner_text()
    )
    assert f"S{someone_else.pk}," not in results.inner_text()
    # Listed as others read it: the email address the person wrote is hidden.
    assert EMAIL not in results.inner_text()
    assert_accessible(page)

    page.get_by_role("button", name="Show what is held").click()
    page.wait_for_url("**/privacy/requests/records/")
    assert "What is held about this person" in page.locator("h1").inner_text()
    assert_accessible(page)

    with page.expect_download() as download:
        page.get_by_role("button", name="Download a copy (JSON)").click()
    assert download.value.suggested_filename.startswith("subject-access-")
    copy = json.loads(download.value.path().read_text(encoding="utf-8"))
    assert {item["reference"] for item in copy["records"]} == {f"S{story.pk}", f"R{response.pk}"}
    assert any(EMAIL in item.get("story", "") for item in copy["records"])

    page.get_by_role("button", name="Anonymise these records").click()
    assert "Are you sure you want to anonymise 2 records?" in page.locator("h1").inner_text()
    assert "This cannot be undone" in page.locator("main").inner_text()
    assert_accessible(page)
    # Only looking at the question changed nothing.
    assert EMAIL in Story.objects.get(pk=story.pk).narrative

    page.get_by_role("button", name="Yes, anonymise 2 records").click()
    page.wait_for_url("**/privacy/requests/anonymise/")
    assert re.search(r"2 records anonymised", page.locator("main").inner_text())
    assert_accessible(page)

    anonymised = Story.objects.get(pk=story.pk)
    assert EMAIL not in anonymised.narrative and anonymised.age_band == ""
    assert EMAIL not in Comment.objects.get(response=response).text
    assert Story.objects.get(pk=someone_else.pk).narrative == "A kind nurse."
    actions = set(AuditEvent.objects.filter(user=world.admin).values_list("action", flat=True))
    assert {
        AuditAction.SUBJECT_SEARCHED,
        AuditAction.SUBJECT_VIEWED,
        AuditAction.EXPORT_DOWNLOADED,
        AuditAction.SUBJECT_ANONYMISED,
    } <= actions
    assert page.console_errors == []
