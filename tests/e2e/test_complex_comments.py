"""A head of patient experience flags a comment as interesting on its response page and finds it in the
complex and interesting comments queue; the flag button works in place (htmx); the pages pass axe-core."""

import pytest
from django.urls import reverse

from feedback.models import CommentFlag
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, CommentFactory, ResponseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_px_lead_flags_a_comment_interesting_and_finds_it_in_the_queue(page, world):
    comment = CommentFactory(
        response=ResponseFactory(service=world.service_a),
        text="The porter stayed with my dad until his daughter arrived.",
    )
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(reverse("feedback:complex_comments"))
    assert "No comments match these filters." in page.locator("#results").inner_text()
    assert_accessible(page)

    page.goto(reverse("feedback:response_detail", args=[comment.response_id]))
    page.get_by_role("button", name="Flag as interesting").click()
    # Swapped in place by htmx: the button now offers to remove the person's own flag.
    remove = page.get_by_role("button", name="Remove my “interesting” flag")
    remove.wait_for()
    assert "flagged by 1 person (you included)" in page.locator(".app-comment-flags").inner_text()
    assert CommentFlag.objects.filter(comment=comment, user=world.px_a, kind="interesting").exists()
    assert_accessible(page)

    page.goto(reverse("feedback:complex_comments"))
    page.get_by_label("Reason").select_option("interesting")
    page.get_by_role("button", name="Apply filters").click()
    page.wait_for_url("**reason=interesting**")
    results = page.locator("#results")
    assert "The porter stayed with my dad" in results.inner_text()
    assert "Flagged interesting" in results.inner_text()
    assert_accessible(page)
