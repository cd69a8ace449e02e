"""Board-report test data: two months of FFT answers (five of each, so nothing is suppressed) and ten stories
in trust A with a known mix, some consented for board quotes."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

import pytest
from django.utils import timezone

from dashboards import rollups
from insight_hub.periods import Period, month_start
from insight_hub.themes.models import Theme
from stories import services as story_services
from stories.models import Story, StoryTag
from tests.factories import CommentFactory, ResponseFactory, StoryFactory


@pytest.fixture(autouse=True)
def _tagging_not_run(monkeypatch):
    """Stories get their sentiment and safety concern from the test, not from the tagger."""
    from insight_hub.themes import services as theme_services

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)


def previous_months(count: int) -> Period:
    last = month_start(month_start(timezone.localdate()) - dt.timedelta(days=1))
    return Period.last_months(count, today=last)


@dataclass
class Data:
    period: Period
    stories: dict[str, Story] = field(default_factory=dict)


def make_story(world, key, *, sentiment, critical=False, board=True, month=None, title=None):
    story = StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        status="shared",
        title=title or f"Story {key}",
        narrative=f"The narrative of story {key}. Ward 7 was {sentiment}.",
        occurred_on=month,
    )
    if board:
        story_services.story_consent_record(
            story=story, user=world.px_a, internal_learning=True, board_quote=True, publication=False
        )
    Story.objects.filter(pk=story.pk).update(sentiment=sentiment, safety_concern="safety" if critical else "")
    story.refresh_from_db()
    return story


@pytest.fixture
def data(world) -> Data:
    period = previous_months(2)
    first, last = period.months
    tz = timezone.get_current_timezone()
    for month in (first, last):
        at = dt.datetime.combine(month + dt.timedelta(days=9), dt.time(12), tzinfo=tz)
        for score in (1, 2, 3, 4, 5, 6):
            for _ in range(5):
                ResponseFactory(service=world.service_a, fft_score=score, responded_at=at)
        for score in (1, 1, 2, 2, 2, 4):  # trust B: not in trust A's report
            ResponseFactory(service=world.service_b, fft_score=score, responded_at=at)
    d = Data(period=period)
    # Collected in trust A: 4 critical, 3 negative, 3 positive (10). Quotable (board consent): 2 critical,
    # 2 negative, 3 positive.
    for i in range(4):
        d.stories[f"critical{i}"] = make_story(
            world, f"critical{i}", sentiment="negative", critical=True, board=i < 2, month=first
        )
    for i in range(3):
        d.stories[f"negative{i}"] = make_story(
            world, f"negative{i}", sentiment="negative", board=i < 2, month=last
        )
    for i in range(3):
        d.stories[f"positive{i}"] = make_story(world, f"positive{i}", sentiment="positive", month=last)
    theme = Theme.objects.get(taxonomy__is_default=True, name="Timeliness of care")
    StoryTag.objects.create(story=d.stories["negative0"], theme=theme, sentiment="negative")
    StoryTag.objects.create(story=d.stories["positive0"], theme=theme, sentiment="positive")
    # Survey comments (their responses have no FFT answer): Timeliness criticised, Staff manner praised.
    staff = Theme.objects.get(taxonomy__is_default=True, name="Staff manner & personal attributes")
    at = dt.datetime.combine(last + dt.timedelta(days=3), dt.time(9), tzinfo=tz)
    for tagged, sentiment, count in ((theme, "negative", 6), (theme, "positive", 2), (staff, "positive", 7)):
        for _ in range(count):
            response = ResponseFactory(service=world.service_a, fft_score=None, responded_at=at)
            comment = CommentFactory(response=response, text="Comment.")
            comment.tags.create(theme=tagged, sentiment=sentiment)
    rollups.rebuild_all()
    return d


def release(report) -> None:
    """Mark a made report released to the board, as its sign-off would (tests of other things than the
    sign-off itself: `test_signoff.py` walks it)."""
    from dashboards.reports.models import BoardReport, SignOff

    BoardReport.objects.filter(pk=report.pk).update(signoff=SignOff.RELEASED)
    report.refresh_from_db()
