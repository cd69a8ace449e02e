"""The public form: no sign-in, no JavaScript, stored exactly once, and bad input never a server error."""

import re

import pytest
from django.core.cache import cache
from django.urls import reverse
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from hypothesis import strategies as st

from feedback import services
from feedback.models import Comment, Response

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _fresh_rate_limit():
    cache.clear()


def form_url(service, name="feedback:public_form"):
    return reverse(name, kwargs={"public_id": service.public_id})


def token_from(page) -> str:
    return re.search(r'name="token" value="([^"]+)"', page.content.decode()).group(1)


def answer(client, service, **fields):
    token = token_from(client.get(form_url(service)))
    return client.post(form_url(service), {"token": token, **fields}), token


def test_anyone_can_open_the_form_without_signing_in(client, world):
    page = client.get(form_url(world.service_a))
    assert page.status_code == 200
    html = page.content.decode()
    # Radios in a fieldset with the question as its legend: screen readers announce the question.
    assert '<legend class="nhsuk-fieldset__legend">Overall, how was your experience of our service?' in html
    assert html.count('type="radio" name="q1"') == 6
    assert "What was good about your experience?" in html and "<script>" not in html


def test_the_form_of_an_unknown_or_closed_service_is_not_found(client, world):
    assert client.get("/feedback/s/00000000-0000-0000-0000-000000000000/").status_code == 404
    world.service_b.active = False
    world.service_b.save()
    assert client.get(form_url(world.service_b)).status_code == 404


def test_an_answer_is_stored_with_its_comments_and_the_person_is_thanked(client, world):
    response, _ = answer(
        client, world.service_a, q1="2", q2="The nurses were kind", q3="", ethnic_category="H", sex="male"
    )
    assert response.status_code == 302 and response.url == reverse(
        "feedback:public_thanks", kwargs={"public_id": world.service_a.public_id}
    )
    stored = Response.objects.get()
    assert (stored.service, stored.organisation, stored.fft_score) == (world.service_a, world.trust_a, 2)
    assert (stored.ethnic_category, stored.sex, stored.age_band) == ("H", "male", "")
    assert list(Comment.objects.values_list("text", flat=True)) == ["The nurses were kind"]
    assert "Thank you for your feedback" in client.get(response.url).content.decode()


def test_posting_the_same_form_twice_stores_one_response_and_thanks_both_times(client, world):
    first, token = answer(client, world.service_a, q1="1", q2="Great")
    again = client.post(form_url(world.service_a), {"token": token, "q1": "1", "q2": "Great"})
    assert first.status_code == again.status_code == 302
    assert Response.objects.count() == 1 and Comment.objects.count() == 1


def test_a_missing_answer_is_named_in_the_error_summary_and_nothing_is_stored(client, world):
    response, _ = answer(client, world.service_a, q2="No score given")
    html = response.content.decode()
    assert response.status_code == 200 and "There is a problem" in html
    assert '<a href="#id_q1_0">Select how your experience was</a>' in html
    assert "<title>Error: " in html
    assert "No score given" in html  # what the person wrote is kept for them
    assert not Response.objects.exists()


@pytest.mark.parametrize("score", ["0", "7", "-1", "very good", "1.5", "", "１"])
def test_scores_out_of_range_or_not_numbers_are_refused(client, world, score):
    response, _ = answer(client, world.service_a, q1=score)
    assert response.status_code == 200 and "nhsuk-error-summary" in response.content.decode()
    assert not Response.objects.exists()


def test_an_over_long_comment_is_refused_with_its_limit(client, world):
    response, _ = answer(client, world.service_a, q1="1", q2="x" * (services.COMMENT_MAX_LENGTH + 1))
    assert "5,000 characters or fewer" in response.content.decode()
    assert not Response.objects.exists()


def test_a_forged_or_missing_token_asks_again_with_the_answers_kept(client, world):
    response = client.post(form_url(world.service_a), {"token": "forged", "q1": "1", "q2": "Kind"})
    html = response.content.decode()
    assert response.status_code == 200 and "open for too long" in html
    assert token_from(response) != "forged" and "Kind" in html
    assert not Response.objects.exists()
    resent = client.post(form_url(world.service_a), {"token": token_from(response), "q1": "1", "q2": "Kind"})
    assert resent.status_code == 302 and Response.objects.count() == 1


def test_a_token_from_another_service_is_not_accepted(client, world):
    token = token_from(client.get(form_url(world.service_b)))
    response = client.post(form_url(world.service_a), {"token": token, "q1": "1"})
    assert response.status_code == 200 and not Response.objects.exists()


def test_a_filled_honeypot_looks_accepted_but_stores_nothing_and_is_logged(client, world, caplog):
    caplog.set_level("INFO", logger="feedback.views")
    response, _ = answer(client, world.service_a, q1="1", website="http://spam.example")
    assert response.status_code == 302 and "thanks" in response.url
    assert not Response.objects.exists()
    assert "honeypot" in caplog.text


def test_too_many_posts_from_one_address_get_a_clear_429_page(client, world, settings):
    settings.PUBLIC_FORM_RATE_LIMIT = 2
    for _ in range(2):
        assert answer(client, world.service_a, q1="1")[0].status_code == 302
    response, _ = answer(client, world.service_a, q1="1")
    assert response.status_code == 429
    assert "Too many answers have been sent from here" in response.content.decode()
    assert Response.objects.count() == 2


def test_the_easy_read_form_has_plain_words_and_drawn_faces_with_text_labels(client, world):
    page = client.get(form_url(world.service_a, "feedback:public_form_easy_read"))
    html = page.content.decode()
    assert page.status_code == 200 and "How was your visit?" in html
    assert html.count('<svg class="app-face"') == 6 and 'aria-hidden="true"' in html
    assert "Not good, not bad" in html and "What could be better?" in html
    assert (
        "http"
        not in re.sub(r'xmlns="http://www.w3.org/2000/svg"', "", html.split("<main")[1]).split("</main>")[0]
    )
    response = client.post(
        form_url(world.service_a, "feedback:public_form_easy_read"), {"token": token_from(page), "q1": "5"}
    )
    assert response.status_code == 302 and Response.objects.get().fft_score == 5


def test_easy_read_errors_stay_on_the_easy_read_form(client, world):
    page = client.get(form_url(world.service_a, "feedback:public_form_easy_read"))
    response = client.post(
        form_url(world.service_a, "feedback:public_form_easy_read"), {"token": token_from(page)}
    )
    assert "Choose how your visit was" in response.content.decode()


def test_a_published_local_survey_has_its_own_public_form_and_a_draft_has_none(client, world):
    survey = services.survey_create(
        organisation=world.trust_a,
        name="Discharge",
        questions=[
            services.QuestionSpec(kind="rating", text="How ready did you feel to go home?", required=True),
            services.QuestionSpec(kind="single_choice", text="Did you get a letter?", choices=("Yes", "No")),
        ],
        created_by=world.px_a,
    )
    url = reverse(
        "feedback:public_survey_form", kwargs={"public_id": world.service_a.public_id, "survey_pk": survey.pk}
    )
    assert client.get(url).status_code == 404
    services.survey_publish(survey=survey)
    token = token_from(client.get(url))
    assert client.post(url, {"token": token, "q1": "4", "q2": "Yes"}).status_code == 302
    stored = Response.objects.get()
    assert stored.fft_score is None
    assert sorted(stored.answers.values_list("question__text", "value")) == [
        ("Did you get a letter?", "Yes"),
        ("How ready did you feel to go home?", "4"),
    ]


FIELDS = ["q1", "q2", "q3", "ethnic_category", "age_band", "sex", "disability", "token", "extra"]
values = st.one_of(
    st.text(max_size=30),
    st.sampled_from(["1", "2", "6", "7", "0", "A", "Z", "85+", "male", "yes", "x" * 5001]),
    st.lists(st.text(max_size=5), max_size=3),
)


@hypothesis_settings(
    max_examples=60, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture]
)
@given(data=st.dictionaries(st.sampled_from(FIELDS), values, max_size=len(FIELDS)), keep_token=st.booleans())
def test_any_posted_form_is_either_stored_once_or_answered_with_errors_naming_a_field(
    client, world, data, keep_token
):
    cache.clear()
    before = Response.objects.count()
    if keep_token:
        data["token"] = token_from(client.get(form_url(world.service_a)))
    response = client.post(form_url(world.service_a), data)
    stored = Response.objects.count() - before
    if response.status_code == 302:
        assert stored == 1
    else:
        assert response.status_code == 200 and stored == 0
        form = response.context["form"]
        assert form.errors
        html = response.content.decode()
        assert "There is a problem" in html
        for name in form.errors:
            if name != "__all__":
                assert f'id="id_{name}_error"' in html
