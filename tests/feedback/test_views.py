"""Every staff page on every persona: owner, colleague, outsider, ICB lead, board, admin, anonymous."""

import pytest
from django.urls import reverse

from feedback import services
from feedback.models import Survey, SurveyVersion
from insight_hub.themes.models import TagDecision, Taxonomy, Theme
from tests.factories import CommentFactory, ResponseFactory

pytestmark = pytest.mark.django_db

READERS = [("px_a", 200), ("px_a_colleague", 200), ("board_a", 200), ("icb_lead", 200), ("admin", 200)]
OUTSIDERS = [("px_b", 404), ("stranger", 404)]
# Board members and ICB leads do not set a trust up: the editing pages are not there for them (404).
EDITORS = [("px_a", 200), ("px_a_colleague", 200), ("admin", 200), ("board_a", 404), ("icb_lead", 404)]


def expected_for(page: str, person: str, status: int) -> int:
    """A board member reads dashboards and reports, not responses: 404 on a response."""
    return 404 if page == "response_detail" and person == "board_a" else status


@pytest.fixture
def response_a(world):
    response = ResponseFactory(service=world.service_a, fft_score=4)
    CommentFactory(
        response=response,
        text="Nurse Sarah Jones was rude; the car park was full.",
        redacted_text="[name] was rude; the car park was full.",
        redaction_version="test",
        question_type="could_improve",
    )
    return response


@pytest.fixture
def survey_a(world):
    return services.fft_survey_for(organisation=world.trust_a).survey


def urls(world, response_a, survey_a):
    return {
        "response_detail": reverse("feedback:response_detail", args=[response_a.pk]),
        "service_feedback": reverse("feedback:service_feedback", args=[world.service_a.pk]),
        "survey_detail": reverse("feedback:survey_detail", args=[survey_a.pk]),
    }


@pytest.mark.parametrize(("person", "status"), READERS + OUTSIDERS)
@pytest.mark.parametrize("page", ["response_detail", "service_feedback", "survey_detail"])
def test_trust_a_pages_by_persona(client, world, response_a, survey_a, person, status, page):
    client.force_login(world.people()[person])
    response = client.get(urls(world, response_a, survey_a)[page])
    assert response.status_code == expected_for(page, person, status)


@pytest.mark.parametrize(("person", "status"), EDITORS + OUTSIDERS)
@pytest.mark.parametrize("page", ["poster", "survey_edit", "survey_create"])
def test_trust_a_editing_pages_by_persona(client, world, survey_a, person, status, page):
    url = {
        "poster": reverse("feedback:service_poster", args=[world.service_a.pk]),
        "survey_edit": reverse("feedback:survey_edit", args=[survey_a.pk]),
        "survey_create": reverse("feedback:survey_create", args=[world.trust_a.ods_code]),
    }[page]
    client.force_login(world.people()[person])
    assert client.get(url).status_code == status


@pytest.mark.parametrize(("person", "status"), [("px_a", 302), ("admin", 302), ("board_a", 404), *OUTSIDERS])
def test_publishing_and_fft_set_up_by_persona(client, world, survey_a, person, status):
    client.force_login(world.people()[person])
    assert client.post(reverse("feedback:survey_publish", args=[survey_a.pk])).status_code == status
    assert (
        client.post(reverse("feedback:fft_survey_setup", args=[world.trust_a.ods_code])).status_code == status
    )


@pytest.mark.parametrize(
    "name", ["response_list", "response_export_csv", "response_export_xlsx", "survey_list"]
)
@pytest.mark.parametrize(
    "person", ["px_a", "px_a_colleague", "board_a", "icb_lead", "admin", "px_b", "stranger"]
)
def test_list_pages_open_to_everyone_signed_in_show_only_what_is_in_reach(
    client, world, response_a, name, person
):
    client.force_login(world.people()[person])
    response = client.get(reverse(f"feedback:{name}"))
    if name != "survey_list" and person in {"board_a", "stranger"}:
        # Responses and their exports are for people who read records; a board member reads dashboards.
        assert response.status_code == 404
        return
    assert response.status_code == 200
    body = b"".join(response.streaming_content) if response.streaming else response.content
    if name == "response_export_csv":
        sees_a = b"RAA" in body
        assert sees_a == (person in {"px_a", "px_a_colleague", "icb_lead", "admin"})


@pytest.mark.parametrize(
    "url",
    [
        "/feedback/",
        "/feedback/export.csv",
        "/feedback/export.xlsx",
        "/feedback/responses/1/",
        "/feedback/services/1/",
        "/feedback/services/1/poster/",
        "/feedback/surveys/",
        "/feedback/surveys/1/",
        "/feedback/surveys/1/edit/",
        "/feedback/surveys/new/RAA/",
    ],
)
def test_anonymous_people_are_sent_to_sign_in(client, world, url):
    response = client.get(url)
    assert response.status_code == 302 and response.url.startswith(reverse("login"))


def test_public_pages_need_no_sign_in(client, world):
    for name in ["public_form", "public_form_easy_read", "public_thanks"]:
        assert client.get(reverse(f"feedback:{name}", args=[world.service_a.public_id])).status_code == 200


def test_list_of_px_b_does_not_show_trust_a(client, world, response_a):
    ResponseFactory(service=world.service_b)
    client.force_login(world.px_b)
    page = client.get(reverse("feedback:response_list"))
    assert [r.organisation for r in page.context["page_obj"]] == [world.trust_b]


def test_list_filters_are_kept_in_the_query_string_across_pages(client, world):
    for score in [1] * 60 + [5] * 3:
        ResponseFactory(service=world.service_a, fft_score=score)
    client.force_login(world.px_a)
    page = client.get(reverse("feedback:response_list"), {"fft_score": "1", "page": "2"})
    assert page.context["page_obj"].paginator.count == 60
    assert len(page.context["page_obj"]) == 10
    assert "fft_score=1&amp;page=1" in page.content.decode()
    assert "export.csv?fft_score=1" in page.content.decode()


def test_list_filters_by_service_dates_comment_and_sentiment(client, world, response_a):
    ResponseFactory(service=world.service_a, fft_score=1)
    client.force_login(world.px_a)
    url = reverse("feedback:response_list")

    def count(**params):
        return client.get(url, params).context["page_obj"].paginator.count

    assert count() == 2
    assert count(has_comment="yes") == 1 and count(has_comment="no") == 1
    assert count(sentiment="negative") == 0
    response_a.comments.update(sentiment="negative")
    assert count(sentiment="negative") == 1
    assert count(service=world.service_a.pk, organisation=world.trust_a.ods_code) == 2
    assert count(date_from="2000-01-01", date_to="2000-01-31") == 0


def test_bad_filter_values_are_reported_and_ignored(client, world, response_a):
    client.force_login(world.px_a)
    page = client.get(reverse("feedback:response_list"), {"fft_score": "9", "date_from": "yesterday"})
    assert page.status_code == 200 and page.context["page_obj"].paginator.count == 1
    assert page.context["form"].errors


def test_a_service_of_another_trust_cannot_be_chosen_as_a_filter(client, world, response_a):
    client.force_login(world.px_b)
    page = client.get(reverse("feedback:response_list"), {"service": world.service_a.pk})
    assert "service" in page.context["form"].errors
    assert page.context["page_obj"].paginator.count == 0


def test_htmx_gets_only_the_results(client, world, response_a):
    client.force_login(world.px_a)
    page = client.get(reverse("feedback:response_list"), headers={"HX-Request": "true"})
    html = page.content.decode()
    assert html.lstrip().startswith('<div id="results"') and "<html" not in html


def test_the_trust_reads_the_original_words_and_the_icb_only_the_redacted(client, world, response_a):
    url = reverse("feedback:response_detail", args=[response_a.pk])
    client.force_login(world.px_a)
    assert "Nurse Sarah Jones was rude" in client.get(url).content.decode()
    for person in [world.icb_lead, world.admin]:
        client.force_login(person)
        html = client.get(url).content.decode()
        assert "Sarah" not in html and "[name] was rude" in html


def test_a_comment_not_yet_redacted_is_never_shown_in_the_original_outside_its_trust(
    client, world, response_a
):
    response_a.comments.update(redacted_text="", redaction_version="")
    client.force_login(world.icb_lead)
    html = client.get(reverse("feedback:response_detail", args=[response_a.pk])).content.decode()
    assert "Sarah" not in html and "waiting to be redacted" in html


def test_tags_show_their_evidence_highlighted_in_the_redacted_text(client, world, response_a):
    comment = response_a.comments.get()
    taxonomy = Taxonomy.objects.create(name="Test", version="1")
    theme = Theme.objects.create(taxonomy=taxonomy, name="Parking", category="Access")
    text = comment.redacted_text
    start = text.index("the car park")
    comment.tags.create(
        theme=theme, evidence_start=start, evidence_end=len(text), decision=TagDecision.SUGGESTED
    )
    client.force_login(world.icb_lead)
    html = client.get(reverse("feedback:response_detail", args=[response_a.pk])).content.decode()
    assert "[name] was rude; <mark>the car park was full.</mark>" in html
    assert "Parking" in html


def test_service_page_shows_this_months_percent_positive(client, world):
    # Counts of 5 or more each (counts of 1 to 4 are suppressed, and so are percentages made from them).
    for score in [1] * 10 + [2] * 10 + [3] * 5 + [4] * 5 + [5] * 5 + [6] * 5:
        ResponseFactory(service=world.service_a, fft_score=score)
    client.force_login(world.board_a)
    page = client.get(reverse("feedback:service_feedback", args=[world.service_a.pk]))
    this_month = page.context["this_month"].figures
    assert (this_month.total, this_month.percent_positive, this_month.percent_negative) == (40, 50, 25)
    assert "50%" in page.content.decode()


def test_poster_has_an_inline_qr_code_for_the_absolute_public_link(client, world, settings):
    settings.SITE_URL = "https://hub.example.nhs.uk"
    client.force_login(world.px_a)
    html = client.get(reverse("feedback:service_poster", args=[world.service_a.pk])).content.decode()
    assert f"https://hub.example.nhs.uk/feedback/s/{world.service_a.public_id}/" in html
    assert '<svg role="img" viewBox=' in html and 'class="app-poster__qr"' in html and "<img" not in html


def test_px_lead_builds_and_publishes_a_local_survey(client, world):
    client.force_login(world.px_a)
    url = reverse("feedback:survey_create", args=[world.trust_a.ods_code])
    data = {
        "name": "Outpatient letters",
        "questions-TOTAL_FORMS": "3",
        "questions-INITIAL_FORMS": "0",
        "questions-0-text": "How clear was your letter?",
        "questions-0-kind": "rating",
        "questions-1-text": "Anything else?",
        "questions-1-kind": "free_text",
        "questions-1-question_type": "nonspecific",
        "questions-2-kind": "rating",
    }
    response = client.post(url, data)
    survey = Survey.objects.get(name="Outpatient letters")
    assert response.status_code == 302
    assert list(survey.versions.get().questions.values_list("text", flat=True)) == [
        "How clear was your letter?",
        "Anything else?",
    ]
    client.post(reverse("feedback:survey_publish", args=[survey.pk]))
    assert survey.versions.get().status == "live"


def test_a_free_text_question_without_its_type_is_refused_with_a_message(client, world):
    client.force_login(world.px_a)
    data = {
        "name": "S",
        "questions-TOTAL_FORMS": "1",
        "questions-INITIAL_FORMS": "0",
        "questions-0-text": "Anything else?",
        "questions-0-kind": "free_text",
    }
    response = client.post(reverse("feedback:survey_create", args=[world.trust_a.ods_code]), data)
    assert (
        response.status_code == 200
        and "Choose what this free-text question asks about" in response.content.decode()
    )


def test_changing_the_fft_follow_ups_makes_a_new_live_version(client, world, survey_a):
    client.force_login(world.admin)
    response = client.post(
        reverse("feedback:survey_edit", args=[survey_a.pk]),
        {"first_text": "What did we do well?", "first_type": "what_good", "second_text": ""},
    )
    assert response.status_code == 302
    live = SurveyVersion.objects.get(survey=survey_a, status="live")
    assert live.number == 2
    assert list(live.questions.values_list("text", flat=True))[1:] == ["What did we do well?"]
