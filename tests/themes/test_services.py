import pytest
from django.core.exceptions import ValidationError

from feedback.models import Comment, CommentTag
from insight_hub.themes import services
from insight_hub.themes.ml import TagInput
from insight_hub.themes.models import TagAudit, TagDecision, TagStatus, Taxonomy, Theme
from insight_hub.themes.taxonomy import qdc_themes
from tests.themes.conftest import PoisonTagger, make_comment

pytestmark = pytest.mark.django_db
LABEL = "feedback.comment"
WAIT_TEXT = "The wait to be seen was far too long. The nurses were kind and caring."


def tag(comment, tagger):
    return services.items_tag(label=LABEL, ids=[comment.pk], tagger=tagger)


def test_the_qdc_framework_is_the_default_taxonomy_after_migrating():
    taxonomy = Taxonomy.objects.get(is_default=True)
    assert (taxonomy.name, taxonomy.version) == ("QDC framework", "v7")
    assert taxonomy.themes.count() == len(qdc_themes()) == 32
    assert Theme.objects.get(name="Feeling safe").dimension == "safety"


def test_loading_the_taxonomy_again_changes_nothing():
    before = list(Theme.objects.order_by("pk").values())
    services.taxonomy_load_default()
    assert list(Theme.objects.order_by("pk").values()) == before


def test_a_local_theme_with_a_broken_pattern_is_refused_naming_it(world):
    with pytest.raises(ValidationError, match=r"interpret\("):
        services.local_theme_create(
            ics=world.ics,
            name="Interpreting services",
            category="Local",
            dimension="experience",
            phrases=[],
            patterns=["interpret("],
        )


def test_tagging_writes_themes_with_their_evidence_sentence(world, tagger):
    comment = make_comment(world.service_a, WAIT_TEXT, "could_improve")
    assert tag(comment, tagger)["tagged"] == 1
    comment.refresh_from_db()
    assert comment.tag_status == TagStatus.TAGGED and comment.tagged_model_version == tagger.version
    tags = {t.theme.name: t for t in comment.tags.select_related("theme")}
    assert "Timeliness of care" in tags
    waiting = tags["Timeliness of care"]
    assert (
        comment.redacted_text[waiting.evidence_start : waiting.evidence_end]
        == "The wait to be seen was far too long."
    )
    assert 0 < waiting.confidence <= 1 and waiting.model_version == tagger.version


def test_model_tags_are_written_as_suggestions_with_their_time_and_sentiment(world, tagger):
    comment = make_comment(world.service_a, WAIT_TEXT, "could_improve")
    tag(comment, tagger)
    rows = list(
        CommentTag.objects.filter(comment=comment).values("origin", "decision", "created_at", "sentiment")
    )
    assert rows
    for row in rows:
        assert (row["origin"], row["decision"]) == ("model", "suggested")
        assert row["created_at"] is not None and row["sentiment"] in {"positive", "neutral", "negative"}


def test_the_text_is_redacted_before_it_is_tagged(world, tagger):
    comment = make_comment(world.service_a, "Dr Patel was wonderful. Call me on 07700 900123.")
    tag(comment, tagger)
    comment.refresh_from_db()
    assert "Patel" not in comment.redacted_text and "07700" not in comment.redacted_text
    assert comment.text.startswith("Dr Patel")


def test_unchanged_text_under_the_same_model_is_not_tagged_twice(world, tagger):
    comment = make_comment(world.service_a, WAIT_TEXT)
    tag(comment, tagger)
    first = list(comment.tags.values_list("pk", flat=True))
    assert tag(comment, tagger) == {"tagged": 0, "skipped": 1, "failed": 0, "missing": 0}
    assert list(comment.tags.values_list("pk", flat=True)) == first


def test_people_decisions_survive_a_forced_retag(world, tagger):
    comment = make_comment(world.service_a, WAIT_TEXT, "could_improve")
    tag(comment, tagger)
    timeliness = Theme.objects.get(name="Timeliness of care")
    parking = Theme.objects.get(name="Parking")
    suggested = comment.tags.exclude(theme=timeliness).first()
    services.tag_decide(user=world.px_a, label=LABEL, item=comment, theme=timeliness, action="confirm")
    services.tag_decide(user=world.px_a, label=LABEL, item=comment, theme=parking, action="add")
    if suggested:
        services.tag_decide(
            user=world.px_a, label=LABEL, item=comment, theme=suggested.theme, action="reject"
        )
    Comment.objects.filter(pk=comment.pk).update(tagged_text_hash="")  # what `retag --all` does
    tag(comment, tagger)
    decisions = dict(comment.tags.values_list("theme__name", "decision"))
    assert decisions["Timeliness of care"] == TagDecision.CONFIRMED
    assert decisions["Parking"] == TagDecision.CONFIRMED
    if suggested:
        assert decisions[suggested.theme.name] == TagDecision.REJECTED
    assert CommentTag.objects.filter(comment=comment, theme=timeliness).count() == 1
    assert TagAudit.objects.filter(item_label=LABEL, item_id=comment.pk).count() == (3 if suggested else 2)


def test_rejecting_a_theme_that_is_not_there_is_refused(world):
    comment = make_comment(world.service_a, "Fine.")
    with pytest.raises(ValidationError, match="not tagged"):
        services.tag_decide(
            user=world.px_a,
            label=LABEL,
            item=comment,
            theme=Theme.objects.get(name="Parking"),
            action="reject",
        )


def test_a_poison_text_is_marked_failed_and_the_rest_of_the_batch_is_tagged(world, tagger):
    good = make_comment(world.service_a, WAIT_TEXT)
    poison = make_comment(world.service_a, PoisonTagger.POISON)
    counts = services.items_tag(label=LABEL, ids=[good.pk, poison.pk], tagger=PoisonTagger(tagger))
    assert counts["tagged"] == 1 and counts["failed"] == 1
    poison.refresh_from_db()
    good.refresh_from_db()
    assert poison.tag_status == TagStatus.FAILED and "the tagger choked" in poison.tag_error
    assert good.tag_status == TagStatus.TAGGED


def test_a_local_theme_is_found_by_its_phrases(world, tagger):
    theme = services.local_theme_create(
        ics=world.ics,
        name="Interpreting services",
        category="Local themes",
        dimension="experience",
        phrases=["interpreter"],
        patterns=[r"sign languages?"],
    )
    comment = make_comment(world.service_a, "Nobody booked an interpreter for my father. We waited all day.")
    tag(comment, tagger)
    assert comment.tags.filter(theme=theme).exists()


def test_a_missing_item_is_reported_not_retried(world, tagger):
    assert services.items_tag(label=LABEL, ids=[999_999], tagger=tagger)["missing"] == 1


def test_saving_queues_tagging_only_after_commit(world, django_capture_on_commit_callbacks, monkeypatch):
    sent = []
    monkeypatch.setattr("insight_hub.themes.services._send", lambda label, ids: sent.append((label, ids)))
    with django_capture_on_commit_callbacks(execute=True) as callbacks:
        comment = make_comment(world.service_a, "Lovely staff")
        services.tagging_queue(label=LABEL, ids=[comment.pk])
        assert sent == []
    assert len(callbacks) == 1 and sent == [(LABEL, [comment.pk])]


def test_the_sweep_queues_only_what_has_waited_too_long(world, monkeypatch):
    from datetime import timedelta

    from django.utils import timezone

    sent = []
    monkeypatch.setattr("insight_hub.themes.services._send", lambda label, ids: sent.append((label, ids)))
    old = make_comment(world.service_a, "Old and untagged")
    make_comment(world.service_a, "Just saved")
    Comment.objects.filter(pk=old.pk).update(text_changed_at=timezone.now() - timedelta(minutes=11))
    assert services.untagged_sweep() == 1
    assert (LABEL, [old.pk]) in sent


def test_retag_stale_queues_stories_and_comments_the_current_model_has_not_tagged(world, monkeypatch):
    from django.core.management import call_command

    from insight_hub.themes import tasks
    from insight_hub.themes.ml import load_tagger
    from stories.models import Story
    from tests.factories import StoryFactory

    current = load_tagger().version
    old_story = StoryFactory(organisation=world.trust_a, user=world.px_a)
    new_story = StoryFactory(organisation=world.trust_a, user=world.px_a)
    untagged_story = StoryFactory(organisation=world.trust_a, user=world.px_a)
    Story.objects.filter(pk=old_story.pk).update(tag_status="tagged", tagged_model_version="qdc7-old")
    Story.objects.filter(pk=new_story.pk).update(tag_status="tagged", tagged_model_version=current)
    comment = make_comment(world.service_a, WAIT_TEXT)
    Comment.objects.filter(pk=comment.pk).update(tag_status="tagged", tagged_model_version="qdc7-old")
    sent = []
    monkeypatch.setattr(tasks.tag_items, "delay", lambda label, ids: sent.append((label, ids)))
    call_command("retag", "--stale")
    assert ("stories.story", sorted([old_story.pk, untagged_story.pk])) in sent
    assert any(label == LABEL and comment.pk in ids for label, ids in sent)
    assert all(new_story.pk not in ids for _, ids in sent)


class _RecordingTagger:
    """The real tagger, keeping what it was given."""

    def __init__(self, real):
        self.real, self.version, self.inputs = real, real.version, []

    def tag(self, items, local_themes=None):
        self.inputs += items
        return self.real.tag(items, local_themes=local_themes)


def test_a_comment_is_tagged_with_its_responses_fft_answer(world, tagger):
    from feedback.models import Response

    text = "The ambulance came."
    rated = make_comment(world.service_a, text)
    Response.objects.filter(pk=rated.response_id).update(fft_score=5)
    unrated = make_comment(world.service_a, text)
    # An answer to the 2013–2020 question is on another scale: the comment has no rating.
    Response.objects.filter(pk=unrated.response_id).update(fft_score=None, fft_recommend=1)
    recording = _RecordingTagger(tagger)
    services.items_tag(label=LABEL, ids=[rated.pk, unrated.pk], tagger=recording)
    assert sorted((i.rating or 0) for i in recording.inputs) == [0, 5]
    rated.refresh_from_db()
    unrated.refresh_from_db()
    [expected_rated, expected_unrated] = tagger.tag(
        [
            TagInput(rated.redacted_text, "nonspecific", rating=5),
            TagInput(unrated.redacted_text, "nonspecific"),
        ]
    )
    assert (rated.sentiment, unrated.sentiment) == (expected_rated.sentiment, expected_unrated.sentiment)
    assert (rated.sentiment, unrated.sentiment) == ("negative", "positive")
