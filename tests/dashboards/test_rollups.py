"""Roll-ups: a pure function of the source rows, kept up to date slice by slice."""

from __future__ import annotations

import datetime as dt

import pytest
from django.db.models import Sum
from django.utils import timezone

from dashboards import rollups
from dashboards.models import (
    CommentMonthly,
    FFTEqualityMonthly,
    FFTMonthly,
    RollupStale,
    ThemeEqualityMonthly,
    ThemeMonthly,
)
from feedback.models import CommentTag
from insight_hub.themes.models import TagDecision, TagStatus, Theme
from stories.models import StoryTag
from stories.services import story_consent_withdraw
from tests.conftest import wait_for
from tests.factories import CommentFactory, ResponseFactory, StoryFactory


def _moment(months_ago: int, day: int = 10) -> dt.datetime:
    month = timezone.localdate().replace(day=1)
    for _ in range(months_ago):
        month = (month - dt.timedelta(days=1)).replace(day=1)
    return timezone.make_aware(dt.datetime.combine(month.replace(day=day), dt.time(12)))


def _tagged_comment(response, theme, *, sentiment="negative", decision=TagDecision.SUGGESTED):
    comment = CommentFactory(response=response, tag_status=TagStatus.TAGGED, sentiment=sentiment)
    CommentTag.objects.create(comment=comment, theme=theme, sentiment=sentiment, decision=decision)
    return comment


def _snapshot():
    """Every roll-up row as comparable tuples (ids left out)."""
    out = {}
    for model in rollups.ROLLUP_MODELS:
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        out[model.__name__] = sorted(tuple(str(v) for v in row) for row in model.objects.values_list(*fields))
    return out


@pytest.fixture
def themes(world):
    return list(Theme.objects.filter(taxonomy__is_default=True).order_by("pk")[:2])


def test_rebuild_counts_match_the_source_rows(world, themes):
    timing, staff = themes
    for score in (1, 1, 2, 4, 5, 6):
        ResponseFactory(
            service=world.service_a, fft_score=score, responded_at=_moment(1), ethnic_category="A"
        )
    ResponseFactory(service=world.service_b, fft_score=1, responded_at=_moment(0), sex="female")
    response = ResponseFactory(
        service=world.service_a, fft_score=5, responded_at=_moment(1), ethnic_category="H"
    )
    _tagged_comment(response, timing, sentiment="negative")
    _tagged_comment(response, staff, sentiment="positive")
    # A tag a person rejected is not a mention.
    _tagged_comment(response, timing, decision=TagDecision.REJECTED)

    rollups.rebuild_all()

    month = _moment(1).date().replace(day=1)
    row = FFTMonthly.objects.get(organisation=world.trust_a, service=world.service_a, month=month)
    assert (row.very_good, row.good, row.neither, row.poor, row.very_poor, row.dont_know) == (
        2,
        1,
        0,
        1,
        2,
        1,
    )
    assert FFTMonthly.objects.filter(organisation=world.trust_b).aggregate(n=Sum("very_good"))["n"] == 1
    mentions = {
        (r.theme_id, r.sentiment, r.source): r.count
        for r in ThemeMonthly.objects.filter(organisation=world.trust_a)
    }
    assert mentions == {(timing.pk, "negative", "comment"): 1, (staff.pk, "positive", "comment"): 1}
    by_group = {
        r.group: r.very_poor
        for r in FFTEqualityMonthly.objects.filter(
            organisation=world.trust_a, characteristic="ethnic_category"
        )
    }
    assert by_group == {"A": 1, "H": 1}
    assert (
        ThemeEqualityMonthly.objects.filter(characteristic="ethnic_category", group="H").aggregate(
            n=Sum("count")
        )["n"]
        == 2
    )


def test_stories_count_only_while_usable_and_withdrawal_takes_them_out(world, themes):
    shared = StoryFactory(organisation=world.trust_a, status="shared", user=world.px_a)
    StoryFactory(organisation=world.trust_a, status="draft", user=world.px_a)  # not shared: not counted
    StoryTag.objects.filter(story=shared).delete()
    StoryTag.objects.create(story=shared, theme=themes[0], sentiment="positive")
    rollups.rebuild_all()
    assert ThemeMonthly.objects.filter(source="story").aggregate(n=Sum("count"))["n"] == 1

    story_consent_withdraw(
        story=shared, user=world.px_a, withdrawn_on=timezone.localdate(), note="Asked us to stop using it"
    )
    result = rollups.refresh_stale()
    assert result["slices"] >= 1
    assert not ThemeMonthly.objects.filter(source="story").exists()


def test_incremental_refresh_gives_what_a_rebuild_gives(world, themes):
    for months_ago in (0, 1, 2):
        response = ResponseFactory(service=world.service_a, fft_score=2, responded_at=_moment(months_ago))
        _tagged_comment(response, themes[0])
    rollups.rebuild_all()
    # Changes after the build: a new response two months ago, a new tag last month.
    ResponseFactory(service=world.service_a, fft_score=4, responded_at=_moment(2))
    _tagged_comment(ResponseFactory(service=world.service_b, fft_score=1, responded_at=_moment(1)), themes[1])

    result = rollups.refresh_stale()
    incremental = _snapshot()
    assert result["slices"] >= 2
    assert not RollupStale.objects.exists()
    rollups.rebuild_all()
    assert _snapshot() == incremental


def test_refresh_slice_touches_only_its_slice(world, themes):
    ResponseFactory(service=world.service_a, fft_score=1, responded_at=_moment(0))
    ResponseFactory(service=world.service_a, fft_score=1, responded_at=_moment(1))
    rollups.rebuild_all()
    other_month = FFTMonthly.objects.get(month=_moment(1).date().replace(day=1))
    ResponseFactory(service=world.service_a, fft_score=5, responded_at=_moment(0))
    counts = rollups.refresh_slice(world.trust_a.pk, _moment(0).date())
    assert counts["fft"] == 1
    assert FFTMonthly.objects.get(month=_moment(0).date().replace(day=1)).very_poor == 1
    assert FFTMonthly.objects.get(pk=other_month.pk).very_good == 1  # untouched, same row


def test_marked_slices_are_refreshed_and_cleared(world):
    rollups.rebuild_all()
    ResponseFactory(service=world.service_a, fft_score=3, responded_at=_moment(3))
    rollups.mark_stale([(world.trust_a.pk, _moment(3).date())])
    assert RollupStale.objects.count() == 1
    rollups.refresh_stale()
    assert FFTMonthly.objects.get(organisation=world.trust_a).neither == 1
    assert not RollupStale.objects.exists()


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_the_periodic_task_runs_on_a_real_worker(world, celery_worker):
    from dashboards.tasks import refresh_rollups

    ResponseFactory(service=world.service_a, fft_score=1, responded_at=_moment(0))
    refresh_rollups.apply_async(queue="default")
    wait_for(
        lambda: FFTMonthly.objects.filter(organisation=world.trust_a).exists(), message="the roll-up pass"
    )
    assert FFTMonthly.objects.get(organisation=world.trust_a).very_good == 1


def test_the_comment_count_roll_up_counts_every_comment_and_the_migration_fills_it_the_same(world):
    from importlib import import_module

    from django.apps import apps

    for months_ago, service in (
        (0, world.service_a),
        (0, world.service_a),
        (1, world.service_a),
        (0, world.service_b),
    ):
        CommentFactory(response=ResponseFactory(service=service, responded_at=_moment(months_ago)))
    untagged = CommentFactory(response=ResponseFactory(service=world.service_b, responded_at=_moment(0)))
    assert untagged.tags.count() == 0  # counted all the same: it is a comment people wrote
    rollups.rebuild_all()
    built = sorted(CommentMonthly.objects.values_list("organisation_id", "service_id", "month", "count"))
    this_month, last_month = (_moment(0).date().replace(day=1), _moment(1).date().replace(day=1))
    assert built == sorted(
        [
            (world.trust_a.pk, world.service_a.pk, this_month, 2),
            (world.trust_a.pk, world.service_a.pk, last_month, 1),
            (world.trust_b.pk, world.service_b.pk, this_month, 2),
        ]
    )
    CommentMonthly.objects.all().delete()
    import_module("dashboards.migrations.0005_comment_monthly_rollup").fill(apps, None)
    assert (
        sorted(CommentMonthly.objects.values_list("organisation_id", "service_id", "month", "count")) == built
    )


def test_a_story_moved_to_another_month_leaves_its_old_slice_at_the_next_pass(world, themes, monkeypatch):
    """The scan finds a changed story where it is now; the month it left is marked as it is saved."""
    from dashboards.models import CriticalFollowUpMonthly
    from insight_hub.themes import services as theme_services
    from stories.models import Story
    from stories.services import story_update

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)
    story = StoryFactory(organisation=world.trust_a, status="shared", user=world.px_a)
    StoryTag.objects.filter(story=story).delete()
    StoryTag.objects.create(story=story, theme=themes[0], sentiment="negative")
    Story.objects.filter(pk=story.pk).update(criticality=5)
    story.refresh_from_db()
    rollups.rebuild_all()
    this_month, earlier = _moment(0).date().replace(day=1), _moment(2).date().replace(day=1)
    assert list(CriticalFollowUpMonthly.objects.values_list("month", "critical")) == [(this_month, 1)]

    story_update(
        story=story, title=story.title, narrative=story.narrative, teller=story.teller,
        occurred_on=earlier.replace(day=12), occurred_precision="day", source_channel=story.source_channel,
        services=[], stages=[],
    )  # fmt: skip
    assert RollupStale.objects.filter(organisation=world.trust_a, month=this_month).exists()
    rollups.refresh_stale()
    assert list(CriticalFollowUpMonthly.objects.values_list("month", "critical")) == [(earlier, 1)]
    assert list(ThemeMonthly.objects.filter(source="story").values_list("month", "count")) == [(earlier, 1)]
    incremental = _snapshot()
    rollups.rebuild_all()
    assert _snapshot() == incremental
