"""Evidence under a commitment: metric trends from the roll-ups, theme volume and sentiment across the ICS and
by trust with small numbers hidden, and consented, redacted stories, positive and critical."""

from __future__ import annotations

import pytest
from django.utils import timezone

from charters import selectors, services
from dashboards import rollups
from insight_hub.periods import Period
from stories.models import StoryTag
from stories.services import story_consent_withdraw
from tests.charters.helpers import framework_themes, make_charter
from tests.factories import CommentFactory, ResponseFactory, StoryFactory


def _tag(story, theme, sentiment):
    StoryTag.objects.filter(story=story).delete()
    StoryTag.objects.create(story=story, theme=theme, sentiment=sentiment)


def _names(world):
    return {world.trust_a.pk: "Trust A", world.trust_b.pk: "Trust B"}


@pytest.fixture
def commitment(world):
    charter = make_charter(world, adopt=True)
    return charter.commitments.get(order=1)  # theme 1, FFT across the ICS, target 90


def test_the_metric_trend_reads_the_fft_roll_ups_and_hides_small_months(world, commitment):
    now = timezone.now()
    for score in (1, 1, 1, 2, 5):
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=now)
    for score in (1, 4, 5, 5, 5):
        ResponseFactory(service=world.service_b, fft_score=score, responded_at=now)
    rollups.rebuild_all()
    evidence = selectors.commitment_evidence(commitment, Period.last_months(3), _names(world))
    (metric,) = evidence.metrics
    assert metric.label == "FFT % positive across the ICS"
    assert [value for _, value in metric.points] == [None, None, 50.0]  # 5 of 10 positive
    assert metric.period_percent == 50 and metric.responses == 10
    assert metric.target == 90.0 and metric.meets_target is False
    # Trust B alone has 5 responses: its own metric shows; 3 would be hidden.
    only_a = selectors.commitment_evidence(
        commitment, Period.last_months(1), {world.trust_a.pk: "Trust A"}, whole_ics=False
    )
    assert only_a.metrics[0].narrowed and "(your organisation only)" in only_a.metrics[0].label


def test_a_metric_of_another_trust_is_not_shown_to_a_trust(world):
    charter = make_charter(world, adopt=True)
    second = charter.commitments.get(order=2)  # follows trust A's FFT
    assert (
        selectors.commitment_evidence(
            second, Period.last_months(3), {world.trust_b.pk: "B"}, whole_ics=False
        ).metrics
        == []
    )
    assert len(selectors.commitment_evidence(second, Period.last_months(3), _names(world)).metrics) == 1


def test_a_setting_metric_reads_that_settings_services_only(world):
    world.service_a.fft_setting = "ae"
    world.service_a.save()
    world.service_b.fft_setting = "maternity"
    world.service_b.save()
    charter = make_charter(world, commitments=0)
    commitment = services.commitment_save(
        charter=charter, user=world.admin, text="We will.", category="access", metrics=["setting:ae"]
    )
    now = timezone.now()
    for _ in range(5):
        ResponseFactory(service=world.service_a, fft_score=1, responded_at=now)
        ResponseFactory(service=world.service_b, fft_score=5, responded_at=now)
    rollups.rebuild_all()
    (metric,) = selectors.commitment_evidence(commitment, Period.last_months(1), _names(world)).metrics
    assert metric.label == "FFT % positive: A&E across the ICS"
    assert metric.period_percent == 100 and metric.responses == 5


def test_theme_volume_and_sentiment_by_trust_hide_fewer_than_five(world, commitment):
    # The defect: this table showed Trust A's 6 mentions with "33% negative" (2 people) and Trust B's 1
    # mention, under an "All" line of 7 (so 7 - 6 gave Trust B's 1 back even had it been starred).
    theme = commitment.themes.get()
    for n in range(6):
        story = StoryFactory(organisation=world.trust_a, status="shared", user=world.px_a, title=f"A{n}")
        _tag(story, theme, "negative" if n < 2 else "positive")
    story = StoryFactory(organisation=world.trust_b, status="shared", user=world.px_b, title="B")
    _tag(story, theme, "negative")
    rollups.rebuild_all()
    (evidence,) = selectors.commitment_evidence(commitment, Period.last_months(1), _names(world)).themes
    assert (evidence.positive, evidence.negative, evidence.total) == (4, 3, 7)
    by_trust = {row.organisation: row for row in evidence.by_trust}
    a, b, everyone = by_trust["Trust A"], by_trust["Trust B"], evidence.all_row
    assert (b.mentions, b.net_sentiment, b.negative_percent) == ("*", "*", "*")
    # Trust A's 2 negative mentions: no percentage of them; and with the All line shown (7), Trust A's 6 is
    # hidden as well, or 7 - 6 = 1 would give Trust B back.
    assert (a.mentions, a.net_sentiment, a.negative_percent) == ("*", "*", "*")
    assert (everyone.mentions, everyone.net_sentiment, everyone.negative_percent) == (7, "*", "*")
    assert evidence.net_sentiment == "*"  # 3 negative of 7


def test_quotes_are_positive_and_critical_consented_redacted_and_tagged_with_the_theme(world, commitment):
    theme = commitment.themes.get()
    other_theme = framework_themes(3)[2]
    kind = StoryFactory(
        organisation=world.trust_a,
        status="shared",
        user=world.px_a,
        title="Kind",
        narrative="Mrs Jane Doe on 07700 900123 said the nurses were kind.",
    )
    _tag(kind, theme, "positive")
    harsh = StoryFactory(
        organisation=world.trust_b, status="shared", user=world.px_b, title="Harsh", narrative="Nobody came."
    )
    _tag(harsh, theme, "negative")
    unconsented = StoryFactory(
        organisation=world.trust_a, user=world.px_a, title="Draft", narrative="Not shared."
    )
    _tag(unconsented, theme, "positive")
    elsewhere = StoryFactory(
        organisation=world.trust_a,
        status="shared",
        user=world.px_a,
        title="Other",
        narrative="Parking was awful.",
    )
    _tag(elsewhere, other_theme, "negative")
    comment = CommentFactory(response=ResponseFactory(service=world.service_a), text="Lovely staff.")
    comment.redacted_text = comment.text
    comment.save()
    comment.tags.create(theme=theme, sentiment="positive")
    rollups.rebuild_all()
    evidence = selectors.commitment_evidence(commitment, Period.last_months(1), _names(world))
    assert [q.reference for q in evidence.positive] == [f"S{kind.pk}", f"C{comment.pk}"]
    assert [q.reference for q in evidence.critical] == [f"S{harsh.pk}"]
    text = " ".join(q.text for q in evidence.positive)
    assert "Jane Doe" not in text and "07700" not in text and "nurses were kind" in text

    story_consent_withdraw(story=kind, user=world.px_a, withdrawn_on=timezone.localdate())
    evidence = selectors.commitment_evidence(commitment, Period.last_months(1), _names(world))
    assert f"S{kind.pk}" not in [q.reference for q in evidence.positive]


def test_the_review_snapshot_keeps_figures_and_story_references_but_no_story_text(world, commitment):
    theme = commitment.themes.get()
    story = StoryFactory(
        organisation=world.trust_a,
        status="shared",
        user=world.px_a,
        title="Kind",
        narrative="Kind nurses here.",
    )
    _tag(story, theme, "positive")
    rollups.rebuild_all()
    review = services.review_record(
        commitment=commitment,
        user=world.icb_lead,
        status="on_track",
        narrative="Good.",
        period=Period.last_months(1),
    )
    assert review.evidence["stories"]["positive"] == [f"S{story.pk}"]
    assert review.evidence["themes"][0]["mentions"] == "*"  # one mention: stored as shown, suppressed
    assert "Kind nurses" not in str(review.evidence)
    # Later changes do not touch what the review saw.
    _tag(story, theme, "negative")
    rollups.rebuild_all()
    review.refresh_from_db()
    assert review.evidence["stories"]["positive"] == [f"S{story.pk}"]


def test_reach_is_the_whole_ics_for_system_roles_and_own_organisation_for_trust_people(world):
    names, whole = selectors.evidence_reach(world.icb_lead, world.ics)
    assert whole and set(names) == {world.trust_a.pk, world.trust_b.pk}
    names, whole = selectors.evidence_reach(world.board_a, world.ics)
    assert not whole and set(names) == {world.trust_a.pk}
    assert selectors.readable_ics_ids(world.px_b) == {world.ics.pk}
    assert selectors.readable_ics_ids(world.stranger) == set()
