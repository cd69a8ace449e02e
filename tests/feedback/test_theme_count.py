"""`Comment.theme_count`, the standing theme tags (suggested or confirmed, not rejected) the complex comments
queue reads for "many themes": equal to a recount of the tags after every kind of change the hub makes
(tagging, a person's confirm, reject and add, re-tagging under a new model, the re-tag after a local theme is
accepted), and filled for existing comments by the migration that adds it. Runs on SQLite and PostgreSQL."""

from __future__ import annotations

from collections import Counter
from dataclasses import replace

import pytest
from django.db import connection
from django.db.migrations.executor import MigrationExecutor

from feedback import complex
from feedback.models import Comment, CommentTag
from insight_hub.themes import emerging, services
from insight_hub.themes.models import TagDecision, Theme
from tests.themes.conftest import make_comment

LABEL = "feedback.comment"
TEXTS = [
    # Several themes each with the real tagger: waiting, staff attitude, communication, the ward.
    "The wait to be seen was far too long. The nurses were kind and caring. Nobody explained my medication "
    "and the ward was dirty.",
    "Reception staff were rude and I waited four hours. The doctor listened and explained everything.",
    "Lovely staff.",
    "The parking was expensive and the food was cold, but the physiotherapist was brilliant.",
]


@pytest.fixture
def tagger():
    from insight_hub.themes.ml import load_tagger

    return load_tagger()


def recounted() -> dict[int, int]:
    """The count worked out from the tags themselves, for every comment (0 where none stands)."""
    standing = Counter(
        CommentTag.objects.exclude(decision=TagDecision.REJECTED).values_list("comment_id", flat=True)
    )
    return {pk: standing.get(pk, 0) for pk in Comment.objects.values_list("pk", flat=True)}


def stored() -> dict[int, int]:
    return dict(Comment.objects.values_list("pk", "theme_count"))


def assert_counts_match():
    assert stored() == recounted()


class NewModel:
    """A new model version: the real tagger's tags but the first of each text's themes, as a retrained model
    that stopped seeing one theme would give; the worker must replace the suggestions and recount."""

    def __init__(self, real):
        self.real, self.version = real, f"{real.version}+next"

    def tag(self, items, local_themes=None):
        return [
            replace(result, themes=result.themes[1:])
            for result in self.real.tag(items, local_themes=local_themes)
        ]


@pytest.mark.django_db
def test_the_count_equals_a_recount_after_each_kind_of_change(world, tagger):
    comments = [make_comment(world.service_a, text, "could_improve") for text in TEXTS]
    ids = [c.pk for c in comments]
    assert_counts_match()  # all 0, untagged

    assert services.items_tag(label=LABEL, ids=ids, tagger=tagger)["tagged"] == len(ids)
    assert_counts_match()
    assert max(stored().values()) >= 2, "the texts were meant to carry several themes"

    busy = Comment.objects.get(pk=ids[0])
    suggested = list(busy.tags.select_related("theme").order_by("pk"))
    services.tag_decide(user=world.px_a, label=LABEL, item=busy, theme=suggested[0].theme, action="confirm")
    assert_counts_match()
    services.tag_decide(user=world.px_a, label=LABEL, item=busy, theme=suggested[1].theme, action="reject")
    assert_counts_match()
    assert busy.theme_count == stored()[busy.pk]  # the item in hand is told too
    # Rejecting a tag already rejected, confirming a rejected one: the count follows the decision.
    services.tag_decide(user=world.px_a, label=LABEL, item=busy, theme=suggested[1].theme, action="reject")
    assert_counts_match()
    services.tag_decide(user=world.px_a, label=LABEL, item=busy, theme=suggested[1].theme, action="confirm")
    assert_counts_match()
    missing = Theme.objects.exclude(pk__in=[t.theme_id for t in suggested]).filter(ics=None).first()
    services.tag_decide(user=world.icb_lead, label=LABEL, item=busy, theme=missing, action="add")
    assert_counts_match()

    # Re-tagging under a new model: suggestions replaced (one theme fewer each), decisions kept.
    before = stored()
    assert services.items_tag(label=LABEL, ids=ids, tagger=NewModel(tagger))["tagged"] == len(ids)
    assert_counts_match()
    assert stored() != before
    # The same text and model again: skipped, nothing to recount.
    assert services.items_tag(label=LABEL, ids=ids, tagger=NewModel(tagger))["skipped"] == len(ids)
    assert_counts_match()

    # A local theme accepted from discovery re-tags the texts it matches.
    theme = services.local_theme_create(
        ics=world.ics,
        name="Car parks",
        category="Local",
        dimension="experience",
        phrases=["parking"],
        patterns=[],
    )
    assert emerging.local_theme_retag(theme_id=theme.pk)[LABEL] == 1
    # With Redis the queued task waits for a worker: tag as the worker would (eager Celery already has).
    services.items_tag(label=LABEL, ids=ids, tagger=NewModel(tagger))
    assert CommentTag.objects.filter(theme=theme).count() == 1
    assert_counts_match()


@pytest.mark.django_db
def test_reaching_three_themes_by_a_persons_decisions_puts_a_comment_in_the_queue_and_a_reject_takes_it_out(
    world,
):
    comment = make_comment(world.service_a, "Fine.")
    themes = list(Theme.objects.filter(ics=None).order_by("pk")[:3])
    for theme in themes:
        assert complex.queue_keys(world.px_a, filters={"reason": "many_themes"}).count() == 0
        services.tag_decide(user=world.px_a, label=LABEL, item=comment, theme=theme, action="add")
    assert list(complex.complex_comments_for(world.px_a, filters={"reason": "many_themes"})) == [comment]
    services.tag_decide(user=world.px_a, label=LABEL, item=comment, theme=themes[0], action="reject")
    assert complex.queue_keys(world.px_a).count() == 0


@pytest.mark.django_db
def test_refreshing_after_a_direct_write_recounts_only_what_changed(world):
    comment, other = make_comment(world.service_a, "Fine."), make_comment(world.service_a, "Good.")
    for theme in Theme.objects.filter(ics=None).order_by("pk")[:2]:
        CommentTag.objects.create(comment=comment, theme=theme)
    assert services.tag_counts_refresh(label=LABEL, ids=[comment.pk, other.pk]) == 1
    assert_counts_match()
    assert services.tag_counts_refresh(label=LABEL, ids=[comment.pk, other.pk]) == 0


@pytest.mark.django_db(transaction=True)
def test_the_migration_fills_the_count_of_existing_comments(world):
    themes = list(Theme.objects.filter(ics=None).order_by("pk")[:4])
    many, one, none = (make_comment(world.service_a, text) for text in ("Many.", "One.", "None."))
    executor = MigrationExecutor(connection)
    executor.migrate([("feedback", "0009_import_value_mapping")])
    old = executor.loader.project_state([("feedback", "0009_import_value_mapping")]).apps
    OldTag = old.get_model("feedback", "CommentTag")
    for theme, decision in zip(themes, ["suggested", "confirmed", "suggested", "rejected"], strict=True):
        OldTag.objects.create(comment_id=many.pk, theme_id=theme.pk, decision=decision)
    OldTag.objects.create(comment_id=one.pk, theme_id=themes[0].pk, decision="confirmed")
    OldTag.objects.create(comment_id=none.pk, theme_id=themes[0].pk, decision="rejected")
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    assert stored() == {many.pk: 3, one.pk: 1, none.pk: 0} == recounted()
