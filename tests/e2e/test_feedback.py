"""A patient answers a ward's public form; the trust sees the answer; the pages pass axe-core."""

import pytest
from django.urls import reverse

from feedback.models import Response
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, CommentFactory, ResponseFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def test_a_patient_answers_and_the_trust_sees_it_in_its_list_and_this_months_figures(page, world):
    for score in [2, 2, 2, 4]:  # four earlier answers this month: too few to show a percentage yet
        ResponseFactory(service=world.service_a, fft_score=score)
    form = reverse("feedback:public_form", args=[world.service_a.public_id])
    page.goto(form)
    assert_accessible(page)
    page.get_by_role("button", name="Send your feedback").click()  # nothing chosen: the error summary
    assert page.locator(".nhsuk-error-summary").is_visible()
    assert_accessible(page)
    page.get_by_role("group", name="Overall, how was your experience of our service?").get_by_label(
        "Very good"
    ).check()
    page.get_by_role("group", name="What is your sex?").get_by_label("Female").check()
    page.get_by_role("button", name="Send your feedback").click()
    page.wait_for_url("**/thanks/")
    assert "Thank you for your feedback" in page.locator("main").inner_text()
    assert_accessible(page)

    # Back to the same form and send it again: the same one-time token, so nothing new is stored.
    page.go_back()
    page.wait_for_url(f"**{form}")
    page.get_by_role("group", name="Overall, how was your experience of our service?").get_by_label(
        "Very good"
    ).check()
    page.get_by_role("button", name="Send your feedback").click()
    page.wait_for_url("**/thanks/")
    assert Response.objects.filter(source="public_form", fft_score=1).count() == 1
    assert Response.objects.count() == 5

    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto(reverse("feedback:response_list"))
    assert "Very good" in page.locator("#results").inner_text()
    assert_accessible(page)
    page.goto(reverse("feedback:service_feedback", args=[world.service_a.pk]))
    # Five answers now: 4 positive (very good or good) and 1 negative, counts under 5, so both percentages
    # are suppressed (they would give the counts back) and only the number of answers is shown.
    assert page.locator(".app-figure").all_inner_texts()[:3] == ["*", "*", "5"]
    assert_accessible(page)


def test_easy_read_form_works_with_the_keyboard_alone(page, world):
    page.goto(reverse("feedback:public_form_easy_read", args=[world.service_a.public_id]))
    assert_accessible(page)
    page.get_by_label("Good", exact=True).focus()
    page.keyboard.press("Space")
    page.get_by_role("button", name="Send").focus()
    page.keyboard.press("Enter")
    page.wait_for_url("**/thanks/")
    assert Response.objects.get().fft_score == 2


def test_staff_pages_pass_axe(page, world):
    response = ResponseFactory(service=world.service_a, fft_score=4)
    CommentFactory(response=response, text="The car park was full.", redacted_text="The car park was full.",
                   redaction_version="test")  # fmt: skip
    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    for url in [
        reverse("feedback:response_detail", args=[response.pk]),
        reverse("feedback:service_poster", args=[world.service_a.pk]),
        reverse("feedback:survey_list"),
    ]:
        page.goto(url)
        assert_accessible(page)
    assert page.console_errors == []
