"""Surveys and their versions, public submissions stored exactly once, comments queued and redacted."""

import pytest
from django.core.exceptions import ValidationError

from feedback import services
from feedback.models import (
    FFT_QUESTION,
    Comment,
    QuestionKind,
    Response,
    Survey,
    SurveyKind,
    SurveyVersion,
    VersionStatus,
)
from feedback.services import QuestionSpec
from insight_hub.themes import registry
from insight_hub.themes.models import TagStatus

pytestmark = pytest.mark.django_db


def submit(service, version, *, nonce="n1", score="1", texts=("Lovely staff", "")):
    questions = list(version.questions.order_by("order"))
    answers = {questions[0]: score, **dict(zip(questions[1:], texts, strict=False))}
    return services.public_response_submit(
        service=service,
        version=version,
        ticket=services.Ticket(version_id=version.pk, version_stamp="", nonce=nonce),
        answers=answers,
        demographics={"ethnic_category": "A", "age_band": "", "sex": "female", "disability": ""},
    )


def test_an_organisation_gets_a_default_fft_survey_on_first_use_and_only_one(world):
    version = services.fft_survey_for(organisation=world.trust_a)
    again = services.fft_survey_for(organisation=world.trust_a)
    assert version == again and version.status == VersionStatus.LIVE
    questions = list(version.questions.order_by("order"))
    assert [q.kind for q in questions] == [QuestionKind.FFT, QuestionKind.FREE_TEXT, QuestionKind.FREE_TEXT]
    assert questions[0].text == FFT_QUESTION
    assert [q.question_type for q in questions[1:]] == ["what_good", "could_improve"]
    assert Survey.objects.filter(organisation=world.trust_a, kind=SurveyKind.FFT).count() == 1


def test_editing_a_live_survey_makes_a_new_version_and_old_answers_keep_their_wording(world):
    v1 = services.fft_survey_for(organisation=world.trust_a)
    old = submit(world.service_a, v1, nonce="before")
    v2 = services.survey_update(
        survey=v1.survey,
        questions=[
            QuestionSpec(kind=QuestionKind.FFT, text=FFT_QUESTION),
            QuestionSpec(kind=QuestionKind.FREE_TEXT, text="Tell us why", question_type="nonspecific"),
        ],
    )
    v1.refresh_from_db()
    assert (v1.status, v2.status, v2.number) == (VersionStatus.RETIRED, VersionStatus.LIVE, 2)
    assert services.fft_survey_for(organisation=world.trust_a) == v2
    comment = old.comments.get()
    assert comment.question.text == "What was good about your experience?"
    assert comment.question.version == v1 and old.survey_version == v1
    new = submit(world.service_a, v2, nonce="after", texts=("Quick",))
    assert new.comments.get().question.text == "Tell us why"
    assert new.comments.get().question_type == "nonspecific"


def test_a_draft_is_changed_in_place_until_it_is_published(world):
    survey = services.survey_create(
        organisation=world.trust_a,
        name="Discharge survey",
        questions=[QuestionSpec(kind=QuestionKind.RATING, text="How clear was your discharge letter?")],
        created_by=world.px_a,
    )
    draft = services.survey_update(
        survey=survey,
        questions=[
            QuestionSpec(
                kind=QuestionKind.SINGLE_CHOICE,
                text="Were you told about your medicines?",
                choices=("Yes", "No", "Not sure"),
            ),
        ],
    )
    assert SurveyVersion.objects.filter(survey=survey).count() == 1
    assert draft.status == VersionStatus.DRAFT and draft.questions.get().choices == ["Yes", "No", "Not sure"]
    live = services.survey_publish(survey=survey)
    assert live == draft and live.status == VersionStatus.LIVE


@pytest.mark.parametrize(
    ("kind", "specs", "message"),
    [
        (SurveyKind.LOCAL, [], "at least one question"),
        (SurveyKind.LOCAL, [QuestionSpec(kind="fft", text=FFT_QUESTION)], "belongs to the organisation"),
        (SurveyKind.LOCAL, [QuestionSpec(kind="free_text", text="Anything else?")], "asks about"),
        (
            SurveyKind.LOCAL,
            [QuestionSpec(kind="single_choice", text="Pick", choices=("One",))],
            "two answers",
        ),
    ],
)
def test_a_local_survey_refuses_questions_that_cannot_be_answered(world, kind, specs, message):
    with pytest.raises(ValidationError, match=message):
        services.survey_create(
            organisation=world.trust_a, name="Local", questions=specs, created_by=world.px_a
        )


def test_the_fft_survey_keeps_its_question_first_with_one_or_two_follow_ups(world):
    survey = services.fft_survey_for(organisation=world.trust_a).survey
    follow_up = QuestionSpec(kind="free_text", text="Why?", question_type="nonspecific")
    with pytest.raises(ValidationError, match="one or two"):
        services.survey_update(
            survey=survey, questions=[QuestionSpec(kind="fft", text=FFT_QUESTION), *[follow_up] * 3]
        )
    with pytest.raises(ValidationError, match="its own question first"):
        services.survey_update(survey=survey, questions=[follow_up])


def test_a_submission_copies_organisation_and_service_to_each_comment_and_queues_tagging_after_commit(
    world, django_capture_on_commit_callbacks, monkeypatch
):
    queued = []
    monkeypatch.setattr("insight_hub.themes.services._send", lambda label, ids: queued.append((label, ids)))
    version = services.fft_survey_for(organisation=world.trust_a)
    with django_capture_on_commit_callbacks(execute=True):
        response = submit(world.service_a, version, texts=("Kind nurses", "Parking was dreadful"))
    comments = list(response.comments.order_by("pk"))
    assert [(c.text, c.question_type) for c in comments] == [
        ("Kind nurses", "what_good"),
        ("Parking was dreadful", "could_improve"),
    ]
    assert {(c.organisation_id, c.service_id) for c in comments} == {(world.trust_a.pk, world.service_a.pk)}
    assert all(c.tag_status == TagStatus.UNTAGGED and c.text_changed_at for c in comments)
    assert all(c.redacted_text == "" for c in comments)  # made by the worker, never in the request
    assert queued == [("feedback.comment", [c.pk for c in comments])]
    assert (response.fft_score, response.ethnic_category, response.sex) == (1, "A", "female")


def test_the_same_ticket_is_stored_once(world):
    version = services.fft_survey_for(organisation=world.trust_a)
    assert submit(world.service_a, version, nonce="same") is not None
    assert submit(world.service_a, version, nonce="same") is None
    assert Response.objects.count() == 1 and Comment.objects.count() == 1


def test_a_token_is_read_back_only_for_its_own_service(world):
    version = services.fft_survey_for(organisation=world.trust_a)
    token = services.public_token_mint(service=world.service_a, version=version)
    ticket = services.public_token_read(token, service=world.service_a)
    assert ticket.version_id == version.pk and ticket.dedupe_key.startswith("form:")
    assert services.public_token_read(token, service=world.service_b) is None
    assert services.public_token_read(token + "x", service=world.service_a) is None
    assert services.public_token_read("", service=world.service_a) is None


def test_comments_are_redacted_in_bulk_only_where_the_redaction_is_out_of_date(world, monkeypatch):
    calls = []

    class Fake:
        def __init__(self, text):
            self.text = text.replace("Sarah", "[name]")

    def fake_redact_many(texts):
        calls.extend(texts)
        return [Fake(text) for text in texts]

    monkeypatch.setattr(services, "redact_many", fake_redact_many)
    version = services.fft_survey_for(organisation=world.trust_a)
    response = submit(world.service_a, version, texts=("Sarah was lovely", "Nothing"))
    comments = list(response.comments.order_by("pk"))
    services.comments_redact(comments)
    services.comments_redact(list(Comment.objects.order_by("pk")))  # already current: nothing redone
    assert calls == ["Sarah was lovely", "Nothing"]
    assert Comment.objects.order_by("pk").first().redacted_text == "[name] was lovely"
    assert set(Comment.objects.values_list("redaction_version", flat=True)) == {services.REDACTION_VERSION}


def test_comments_are_registered_for_tagging_with_redaction_as_the_prepare_step():
    taggable = registry.get("feedback.comment")
    assert taggable.prepare is services.comments_redact
    assert taggable.item_field == "comment"


def test_rate_limit_counts_posts_per_address_and_service(world, settings):
    settings.PUBLIC_FORM_RATE_LIMIT = 2
    from django.core.cache import cache

    cache.clear()
    hits = [services.public_form_throttled(service=world.service_a, client="10.0.0.1") for _ in range(3)]
    assert hits == [False, False, True]
    assert not services.public_form_throttled(service=world.service_a, client="10.0.0.2")
    assert not services.public_form_throttled(service=world.service_b, client="10.0.0.1")
