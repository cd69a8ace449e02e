"""What the dashboards read: periods, equality suppression, rising themes and the stories beside numbers."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboards import equality as equality_selectors
from dashboards import quotes as quote_picker
from dashboards import rollups, selectors
from dashboards.models import FFTEqualityMonthly, PopulationProfile, ThemeMonthly
from dashboards.quotes import _allocate_by_sentiment
from insight_hub.periods import Period
from insight_hub.themes.models import Theme
from stories.models import Story, StoryTag
from stories.services import story_consent_withdraw
from tests.factories import ResponseFactory, StoryFactory


def test_period_months_and_previous():
    period = Period.last_months(3, today=dt.date(2026, 2, 14))
    assert period.months == [dt.date(2025, 12, 1), dt.date(2026, 1, 1), dt.date(2026, 2, 1)]
    assert period.previous().months == [dt.date(2025, 9, 1), dt.date(2025, 10, 1), dt.date(2025, 11, 1)]
    assert period.label == "December 2025 to February 2026"


@pytest.mark.parametrize(
    ("mix", "n", "expected"),
    [
        ({"positive": 90, "negative": 10}, 3, {"positive": 2, "negative": 1}),  # criticism still shown
        ({"positive": 50, "neutral": 25, "negative": 25}, 3, {"positive": 1, "neutral": 1, "negative": 1}),
        ({"negative": 7}, 3, {"negative": 3}),
        ({"positive": 60, "negative": 40}, 2, {"positive": 1, "negative": 1}),
        ({}, 3, {}),
    ],
)
def test_quotes_follow_the_sentiment_mix(mix, n, expected):
    assert _allocate_by_sentiment(mix, n) == expected


def _equality_row(org, month, group, **counts):
    FFTEqualityMonthly.objects.create(
        organisation=org, month=month, characteristic="ethnic_category", group=group, **counts
    )


def test_equality_view_suppresses_small_groups_and_their_partner(world):
    month = timezone.localdate().replace(day=1)
    _equality_row(world.trust_a, month, "A", very_good=40, good=10, poor=5)  # 55
    _equality_row(world.trust_a, month, "H", very_good=6, good=2, poor=1, very_poor=1)  # 10
    _equality_row(world.trust_a, month, "N", very_good=2, very_poor=1)  # 3: under 5
    rows, has_population = equality_selectors.equality_fft(
        [world.trust_a.pk], Period.last_months(1), "ethnic_category"
    )
    by_group = {row.group: row for row in rows}
    # N's 3 is hidden; so is the next smallest (H's 10), or the total of 68 would give N's 3 back.
    assert by_group["N"].responses == "*"
    assert by_group["H"].responses == "*"
    assert by_group["N"].percent_positive == "*"
    assert by_group["A"].responses == 55
    assert by_group["A"].percent_positive == 91
    assert by_group["A"].percent_negative == 9  # 5 of 55
    assert has_population is False


def test_equality_view_hides_a_percentage_that_would_give_away_a_small_count(world):
    # The defect: a group of 8 responses shown with "13% negative", which is 1 person.
    month = timezone.localdate().replace(day=1)
    _equality_row(world.trust_a, month, "A", very_good=400, good=100, poor=50, neither=20)
    _equality_row(world.trust_a, month, "K", very_good=5, good=2, poor=1)  # 8, one negative
    rows, _ = equality_selectors.equality_fft([world.trust_a.pk], Period.last_months(1), "ethnic_category")
    by_group = {row.group: row for row in rows}
    assert by_group["K"].responses == 8
    assert by_group["K"].percent_negative == "*"
    # % positive (7 of 8) is not shown either: with it, 8 - 7 = 1 would give the one negative back.
    assert by_group["K"].percent_positive == "*"
    assert by_group["A"].percent_negative == 9


def test_equality_view_does_not_call_two_groups_not_stated(world):
    # "Z" is the code a person gives to say they would rather not state it; a blank answer means it was never
    # recorded. Both were labelled "Not stated".
    month = timezone.localdate().replace(day=1)
    _equality_row(world.trust_a, month, "Z", very_good=40, good=10)
    _equality_row(world.trust_a, month, "", very_good=30, good=10)
    rows, _ = equality_selectors.equality_fft([world.trust_a.pk], Period.last_months(1), "ethnic_category")
    labels = [row.label for row in rows]
    assert labels == ["Not stated", "Not known (not recorded)"]


def test_who_is_not_responding_needs_a_known_population(world):
    month = timezone.localdate().replace(day=1)
    _equality_row(world.trust_a, month, "A", very_good=90)
    _equality_row(world.trust_a, month, "H", very_good=10)
    PopulationProfile.objects.create(
        organisation=world.trust_a, characteristic="ethnic_category", group="A", people=700, source="test"
    )
    PopulationProfile.objects.create(
        organisation=world.trust_a, characteristic="ethnic_category", group="H", people=300, source="test"
    )
    rows, has_population = equality_selectors.equality_fft(
        [world.trust_a.pk], Period.last_months(1), "ethnic_category"
    )
    by_group = {row.group: row for row in rows}
    assert has_population
    assert (by_group["H"].share_of_responses, by_group["H"].share_of_population) == (10, 30)


def test_equality_themes_suppress_cells_under_five(world):
    theme = Theme.objects.filter(taxonomy__is_default=True).first()
    month = timezone.localdate().replace(day=1)
    from dashboards.models import ThemeEqualityMonthly

    ThemeEqualityMonthly.objects.create(
        organisation=world.trust_a,
        month=month,
        characteristic="sex",
        group="female",
        theme=theme,
        sentiment="negative",
        count=6,
    )
    ThemeEqualityMonthly.objects.create(
        organisation=world.trust_a,
        month=month,
        characteristic="sex",
        group="male",
        theme=theme,
        sentiment="negative",
        count=2,
    )
    groups, table = equality_selectors.equality_themes([world.trust_a.pk], Period.last_months(1), "sex")
    assert [code for code, _ in groups] == ["female", "male"]
    assert table == [(theme, [100, "*"])]


def test_a_theme_well_above_its_usual_month_is_rising(world):
    themes = list(Theme.objects.filter(taxonomy__is_default=True).order_by("pk")[:2])
    period = Period.last_months(12)
    for month in period.months[:-1]:
        for theme in themes:
            ThemeMonthly.objects.create(
                organisation=world.trust_a,
                theme=theme,
                month=month,
                sentiment="negative",
                source="comment",
                count=10,
            )
    ThemeMonthly.objects.create(
        organisation=world.trust_a,
        theme=themes[0],
        month=period.last,
        sentiment="negative",
        source="comment",
        count=40,
    )
    ThemeMonthly.objects.create(
        organisation=world.trust_a,
        theme=themes[1],
        month=period.last,
        sentiment="negative",
        source="comment",
        count=13,
    )
    rising = selectors.rising_themes([world.trust_a.pk], period)
    assert [r.theme for r in rising] == [themes[0]]  # 13 against a usual 10 is chance


def test_quotes_are_consented_redacted_and_never_withdrawn(world):
    theme = Theme.objects.filter(taxonomy__is_default=True).first()
    story = StoryFactory(
        organisation=world.trust_a,
        status="shared",
        user=world.px_a,
        title="Care on the ward",
        narrative="Mr John Smith on 07700 900123 said the nurses were kind.",
    )
    StoryTag.objects.filter(story=story).delete()
    StoryTag.objects.create(story=story, theme=theme, sentiment="positive")
    rollups.rebuild_all()
    names = {world.trust_a.pk: "Trust A"}
    quotes = quote_picker.representative_quotes(
        theme_id=theme.pk,
        org_ids=[world.trust_a.pk],
        service_ids=None,
        period=Period.last_months(1),
        org_names=names,
    )
    assert len(quotes) == 1
    assert "John Smith" not in quotes[0].text and "07700" not in quotes[0].text
    assert quotes[0].reference == f"S{story.pk}"

    story_consent_withdraw(story=story, user=world.px_a, withdrawn_on=timezone.localdate())
    rollups.refresh_stale()
    assert not quote_picker.representative_quotes(
        theme_id=theme.pk,
        org_ids=[world.trust_a.pk],
        service_ids=None,
        period=Period.last_months(1),
        org_names=names,
    )


def test_fft_trend_fills_empty_months_and_spc_points_skip_small_months(world):
    now = timezone.now()
    for score in (1, 1, 1, 2, 5):
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=now)
    ResponseFactory(service=world.service_b, fft_score=1, responded_at=now)
    rollups.rebuild_all()
    trend = selectors.fft_trend([world.trust_a.pk, world.trust_b.pk], None, Period.last_months(3))
    assert [counts.total for _, counts in trend] == [0, 0, 6]
    # 5 of 6 positive (83.3%) would say that one person was not: a small count given away, so no point,
    # marked as hidden ("*"); the two months without responses have none, and no mark.
    assert [value for _, value in selectors.spc_points(trend)] == [None, None, "*"]
    for score in (1, 2, 2, 2, 4, 4, 5, 5, 5):
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=now)
    rollups.rebuild_all()
    trend = selectors.fft_trend([world.trust_a.pk, world.trust_b.pk], None, Period.last_months(3))
    assert selectors.spc_points(trend)[-1][1] == pytest.approx(60.0)  # 9 of 15, 6 not positive
    only_b = selectors.fft_trend([world.trust_b.pk], None, Period.last_months(1))
    assert selectors.spc_points(only_b) == [(only_b[0][0], "*")]  # 1 response


def test_a_mixed_story_counts_and_is_quoted_as_neither_positive_nor_negative(world):
    theme = Theme.objects.filter(taxonomy__is_default=True).first()
    story = StoryFactory(
        organisation=world.trust_a,
        status="shared",
        user=world.px_a,
        title="Kind nurses, a long wait",
        narrative="The nurses were kind. The wait was far too long.",
    )
    StoryTag.objects.filter(story=story).delete()
    StoryTag.objects.create(story=story, theme=theme, sentiment="")  # takes its story's sentiment
    type(story).objects.filter(pk=story.pk).update(sentiment="mixed")
    rollups.rebuild_all()
    period = Period.last_months(1)
    [summary] = [s for s in selectors.theme_summaries([world.trust_a.pk], None, period) if s.theme == theme]
    assert (summary.positive, summary.neutral, summary.negative) == (0, 1, 0)
    assert summary.net_sentiment == 0
    quotes = quote_picker.representative_quotes(
        theme_id=theme.pk,
        org_ids=[world.trust_a.pk],
        service_ids=None,
        period=period,
        org_names={world.trust_a.pk: "Trust A"},
    )
    assert [(q.reference, q.sentiment) for q in quotes] == [(f"S{story.pk}", "mixed")]


def _tagged_story(world, theme, title, sentiment="negative", **fields):
    story = StoryFactory(organisation=world.trust_a, status="shared", user=world.px_a, title=title, **fields)
    StoryTag.objects.filter(story=story).delete()
    StoryTag.objects.create(story=story, theme=theme, sentiment=sentiment)
    return story


def test_the_story_picker_reads_the_quotable_roll_up_not_a_sub_query_per_story(world):
    # At 50,000 stories, probing the newest stories one by one for a matching tag (a correlated sub-query over
    # stories_storytag per story) cost 0.1-0.16 s a call, ten calls a page. The picker now walks one index
    # of the roll-up of quotable story tags, whatever the number of stories.
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    theme = Theme.objects.filter(taxonomy__is_default=True).first()
    stories = [_tagged_story(world, theme, f"Story {i}") for i in range(4)]
    rollups.rebuild_all()
    with CaptureQueriesContext(connection) as queries:
        quotes = quote_picker.sentiment_quotes(
            theme_ids=[theme.pk],
            org_ids=[world.trust_a.pk],
            service_ids=None,
            period=Period.last_months(1),
            sentiment="negative",
            wanted=2,
            org_names={world.trust_a.pk: "Trust A"},
        )
    assert [q.reference for q in quotes] == [
        f"S{s.pk}" for s in sorted(stories, key=lambda s: s.pk)[-1:-3:-1]
    ]
    sql = " ".join(q["sql"] for q in queries.captured_queries)
    assert "dashboards_storyquote" in sql
    assert "stories_storytag" not in sql
    assert len(queries.captured_queries) == 2  # the roll-up's rows, then the chosen stories' text


def test_a_story_withdrawn_since_the_last_refresh_is_not_quoted(world):
    theme = Theme.objects.filter(taxonomy__is_default=True).first()
    kept = _tagged_story(world, theme, "Kept")
    withdrawn = _tagged_story(world, theme, "Withdrawn")
    rollups.rebuild_all()
    story_consent_withdraw(story=withdrawn, user=world.px_a, withdrawn_on=timezone.localdate())
    # No refresh yet: the roll-up still lists the withdrawn story, but its consent is read again.
    quotes = quote_picker.sentiment_quotes(
        theme_ids=[theme.pk],
        org_ids=[world.trust_a.pk],
        service_ids=None,
        period=Period.last_months(1),
        sentiment="negative",
        wanted=2,
        org_names={world.trust_a.pk: "Trust A"},
    )
    assert [q.reference for q in quotes] == [f"S{kept.pk}"]


def test_a_quote_is_marked_critical_as_board_reports_count_critical(world):
    """Critical beside a quote is `stories.models.CRITICAL_STORY`: a safety concern or criticality 4–5, not
    only a safety concern (a story rated 5 at source, before the safety pass has flagged it, is critical)."""
    theme = Theme.objects.filter(taxonomy__is_default=True).first()
    rated = _tagged_story(world, theme, "Rated five")
    flagged = _tagged_story(world, theme, "Flagged")
    mild = _tagged_story(world, theme, "Rated two")
    Story.objects.filter(pk=rated.pk).update(criticality=5)
    Story.objects.filter(pk=flagged.pk).update(safety_concern="safety")
    Story.objects.filter(pk=mild.pk).update(criticality=2)
    rollups.rebuild_all()
    quotes = quote_picker.sentiment_quotes(
        theme_ids=[theme.pk],
        org_ids=[world.trust_a.pk],
        service_ids=None,
        period=Period.last_months(1),
        sentiment="negative",
        wanted=3,
        org_names={world.trust_a.pk: "Trust A"},
    )
    assert {q.reference: q.critical for q in quotes} == {
        f"S{rated.pk}": True,
        f"S{flagged.pk}": True,
        f"S{mild.pk}": False,
    }
