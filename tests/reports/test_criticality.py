"""Board-report selection and the balance guard count a story its source rated strongly or severely critical
(criticality 4 or 5) as critical, flagged or not; praise from a signed scale never is."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboards import rollups
from dashboards.reports import stories as report_stories
from stories.models import Story
from tests.factories import ResponseFactory

from .conftest import make_story
from .test_generate import _request, pdf_text

pytestmark = pytest.mark.django_db


def rate(story, criticality, praise=None):
    Story.objects.filter(pk=story.pk).update(
        criticality=criticality, praise=praise, criticality_scale="signed"
    )


def test_a_highly_critical_story_is_counted_and_quoted_as_critical(world, data):
    org_ids, period = [world.trust_a.pk], data.period
    before = report_stories.collected_mix(org_ids, period)
    # Read as positive by the tagger, rated strongly critical by its source: critical for the report.
    rated = make_story(world, "rated", sentiment="positive", month=period.last)
    rate(rated, 4, 0)
    praised = make_story(world, "praised", sentiment="positive", month=period.last)
    rate(praised, 0, 5)
    after = report_stories.collected_mix(org_ids, period)
    assert after["critical"] == before["critical"] + 1
    assert after["positive"] == before["positive"] + 1  # praise 5 is not criticality
    [quote] = report_stories.report_quotes([rated.pk], org_ids, period)
    assert quote.critical
    [quote] = report_stories.report_quotes([praised.pk], org_ids, period)
    assert not quote.critical
    candidates = {
        row["pk"]: row["stratum"] for row in report_stories.selection_candidates(org_ids, period, [])
    }
    assert candidates[rated.pk] == "critical" and candidates[praised.pk] == "positive"


def test_the_default_selection_gives_rated_critical_stories_their_place(world, data):
    org_ids, period = [world.trust_a.pk], data.period
    # No safety flags at all: the only critical stories are those their source rated 4 or 5.
    Story.objects.update(safety_concern="")
    rated = make_story(world, "rated", sentiment="negative", month=period.last)
    rate(rated, 5, 0)
    for i in range(20):
        make_story(world, f"more{i}", sentiment="positive", month=period.last)
    mix = report_stories.collected_mix(org_ids, period)
    assert mix["critical"] == 1
    chosen = report_stories.default_selection(org_ids, period, 3, mix)
    # 1 critical of 31 rounds to no quote: the guard still gives it one place.
    assert rated.pk in chosen
    quotes = report_stories.report_quotes(chosen, org_ids, period)
    balance = report_stories.balance(mix, quotes, critical_quotable=1)
    assert balance.quoted["critical"] == 1 and not balance.none_quoted_though_consented


def test_the_report_says_the_old_fft_question_apart_and_keeps_it_out_of_percent_positive(
    world, data, django_capture_on_commit_callbacks
):
    at = dt.datetime.combine(
        data.period.last + dt.timedelta(days=4), dt.time(9), tzinfo=timezone.get_current_timezone()
    )
    for answer, n in ((1, 10), (2, 5), (5, 5), (6, 5)):
        for _ in range(n):
            ResponseFactory(service=world.service_a, fft_score=None, fft_recommend=answer, responded_at=at)
    rollups.rebuild_all()
    with django_capture_on_commit_callbacks(execute=True):
        report = _request(world, data)
    report.refresh_from_db()
    text = " ".join(pdf_text(report).split())
    # The fixture's current answers: 5 of each of the six, 10 of 30 positive each month.
    assert "In the period: 60 responses, 33% positive" in text
    assert "Not in % positive: 25 answers in the period to the 2013–2020 question" in text
    assert "60% would recommend" in text and "20% would not" in text
