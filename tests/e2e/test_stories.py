"""A head of patient experience logs a story in the browser, checks what is hidden, records consent and shares
it with the ICS; the ICB lead reads only the redacted text; another trust's lead gets 404. Every story page
passes axe-core, and HTML typed into a story is shown as text, never run."""

from __future__ import annotations

import re

import pytest
from django.utils import timezone

from stories.models import Story
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, PathwayFactory, PathwayStageFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]

NARRATIVE = (
    "My husband John Smith waited six hours. His NHS number is 943 476 5919. "
    "<script>alert(1)</script> The nurses on the ward were kind."
)


def sign_out(page) -> None:
    page.get_by_role("button", name="Sign out").click()
    page.wait_for_url("**/accounts/**")


def test_a_px_lead_logs_and_shares_a_story_and_only_the_redacted_text_leaves_the_trust(page, world):
    dialogs: list[str] = []
    page.on("dialog", lambda dialog: (dialogs.append(dialog.message), dialog.dismiss()))
    stage = PathwayStageFactory(
        pathway=PathwayFactory(ics=world.ics, name="Stroke"), organisation=world.trust_a, name="Stroke unit"
    )

    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/stories/")
    assert_accessible(page)
    page.get_by_role("link", name="Log a story").click()
    page.wait_for_url("**/stories/new/")
    assert_accessible(page)

    # htmx checks a field as soon as it changes, before the form is sent.
    page.get_by_label("Title").fill("   ")
    page.get_by_label("Title").blur()
    page.locator("#field-title .nhsuk-error-message").wait_for()

    today = timezone.localdate()
    page.get_by_label("Organisation").select_option(label=world.trust_a.display_name)
    page.get_by_label("Title").fill("Six hours on a trolley")
    page.get_by_label("The story", exact=True).fill(NARRATIVE)
    page.get_by_label("Carer").check()
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("How the story reached you").select_option("pals")
    page.get_by_label(world.service_a.name).check()
    page.get_by_label(re.compile("Stroke unit")).check()
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url(re.compile(r".*/stories/\d+/$"))
    story = Story.objects.get()
    main = page.locator("main").inner_text()
    assert "<script>alert(1)</script>" in main  # shown as text
    assert "[NHS number]" in main
    assert_accessible(page)

    page.get_by_role("link", name="Check what is hidden").click()
    assert_accessible(page)
    page.get_by_label("Words to hide").fill("six hours")
    page.get_by_role("button", name="Hide these words").click()
    page.locator(".nhsuk-error-summary, [role=alert]").first.wait_for()
    assert_accessible(page)
    page.get_by_role("link", name="Back to the story").click()

    page.get_by_role("link", name="Change the story").click()
    assert_accessible(page)
    page.goto(f"/stories/{story.pk}/")

    page.get_by_role("button", name="Submit for sharing").click()
    assert "Record the person’s consent" in page.locator("main").inner_text()
    page.get_by_role("link", name="Record consent").click()
    assert_accessible(page)
    page.get_by_label("Internal learning: staff may read and discuss the story").check()
    page.get_by_role("button", name="Save consent").click()
    page.get_by_role("button", name="Submit for sharing").click()
    # Sharing is asked about first, on a page that says what will happen and how to undo it.
    page.get_by_role("link", name="Share with the ICS").click()
    assert "Are you sure you want to share the story with the ICS?" in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, share with the ICS").click()
    assert "Shared with the ICS" in page.locator("main").inner_text()

    page.get_by_role("link", name="Flag a safety concern").click()
    assert_accessible(page)
    page.get_by_label("Patient safety concern").check()
    page.get_by_role("button", name="Flag concern").click()
    page.goto("/stories/awaiting-response/")
    assert "Six hours on a trolley" in page.locator("main").inner_text()
    assert_accessible(page)
    page.goto(f"/stories/pathways/{stage.pathway_id}/")
    assert "Six hours on a trolley" in page.locator("main").inner_text()
    assert_accessible(page)
    page.goto("/stories/pathways/")
    assert_accessible(page)
    sign_out(page)

    sign_in(page, world.icb_lead.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(f"/stories/{story.pk}/")
    html = page.content()
    for personal in ("John Smith", "943 476 5919", "six hours", "Six hours"):
        assert personal not in html
    assert "[NHS number]" in page.locator("main").inner_text()
    assert_accessible(page)
    # The ICB lead gives the concern to someone else from the awaiting list.
    page.goto("/stories/awaiting-response/")
    assert_accessible(page)
    page.get_by_label("Give this concern to").select_option(str(world.px_a_colleague.pk))
    page.get_by_role("button", name="Assign").click()
    story.refresh_from_db()
    assert (
        f"Concern about ‘{story.redacted_title}’ (S{story.pk}) given to" in page.locator("main").inner_text()
    )
    page.goto("/stories/")
    assert_accessible(page)
    sign_out(page)

    assert page.console_errors == []
    sign_in(page, world.px_b.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    response = page.goto(f"/stories/{story.pk}/")
    assert response.status == 404
    assert_accessible(page)

    assert dialogs == []  # the script in the story never ran


@pytest.mark.worker
def test_a_logged_story_is_tagged_by_the_worker_and_its_themes_reviewed(page, world, celery_worker):
    """The real path: the browser saves, the transaction commits, Redis carries the task, a Celery worker
    process redacts nothing new (the story is redacted at save) and tags it; the page then shows the themes
    with their evidence, and a person's confirmation is recorded."""
    from tests.conftest import wait_for

    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/stories/new/")
    today = timezone.localdate()
    page.get_by_label("Organisation").select_option(label=world.trust_a.display_name)
    page.get_by_label("Title").fill("A long wait for a bed")
    page.get_by_label("The story", exact=True).fill(
        "The wait to be seen was far too long. The nurses were kind and caring."
    )
    page.get_by_label("Patient", exact=True).check()
    page.get_by_label("Month").fill(str(today.month))
    page.get_by_label("Year").fill(str(today.year))
    page.get_by_label("How the story reached you").select_option("pals")
    page.get_by_role("button", name="Save as draft").click()
    page.wait_for_url(re.compile(r".*/stories/\d+/$"))
    story = wait_for(
        lambda: Story.objects.filter(title="A long wait for a bed", tag_status="tagged").first(),
        message="the worker to tag the story",
    )
    page.reload()
    panel = page.locator(".app-tag-panel")
    assert "Timeliness of care" in panel.inner_text()
    # The theme's evidence is marked (the story's sentiment evidence is marked too, since #13).
    assert "The wait to be seen was far too long." in panel.locator("mark").all_inner_texts()
    assert_accessible(page)
    panel.get_by_role("button", name="Confirm Timeliness of care").click()
    page.locator(".app-tag-panel .nhsuk-tag--green").wait_for()
    assert story.tags.get(theme__name="Timeliness of care").decision == "confirmed"
