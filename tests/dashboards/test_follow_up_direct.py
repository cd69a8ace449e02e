"""The "Responses and changes made" figures (dashboards/follow_up.py) as the roll-ups hold them, against a
direct computation story by story in Python on varied data: critical by each of its two rules or not at all
(read as negative alone: not critical),
withdrawn, consent withdrawn, answered or not (with a blank response), changes claimed "made" signed off or
not, claimed "planned", two actions on one story, another trust's stories, and moments either side of
midnight and of the months' edges in England's time. Then the same after changes made through the services
(a response recorded, one recorded again a month later, a change claimed and signed off, a claim made
again, a story withdrawn, consent withdrawn, a story erased) and one roll-up pass."""

from __future__ import annotations

import datetime as dt
import random

import pytest
from django.db.models import F
from django.utils import timezone

from dashboards import follow_up, rollups
from insight_hub.periods import Period, month_start, next_month
from stories.models import ChangeClaim, Story, StoryAction, StoryStatus
from stories.selectors import CriticalFollowUp, critical_follow_up
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


def _seed(world, n: int = 160) -> list[Story]:
    rng = random.Random(20261206)
    today = timezone.localdate()
    stories = []
    for i in range(n):
        day = today - dt.timedelta(days=rng.randrange(0, 800))
        answered = rng.random() < 0.6
        at = dt.datetime.combine(day, dt.time(rng.choice([0, 9, 23]), rng.choice([0, 30])), tzinfo=TZ)
        stories.append(
            Story(
                organisation=world.trust_a if i % 4 else world.trust_b,
                title=f"Varied story {i}",
                narrative="Varied narrative.",
                teller="patient",
                occurred_on=day - dt.timedelta(days=rng.randrange(0, 40)),
                source_channel="interview",
                status=rng.choice([StoryStatus.SHARED, StoryStatus.SUBMITTED, StoryStatus.WITHDRAWN]),
                sentiment=rng.choice(["negative", "positive", "mixed", ""]),
                safety_concern=rng.choice(["", "", "", "Fall risk"]),
                criticality=rng.choice([None, 1, 3, 4, 5]),
                teller_response=rng.choice(["Thank you.", "Thank you.", ""]) if answered else "",
                teller_response_at=at + dt.timedelta(days=rng.randrange(0, 30)) if answered else None,
                consent_withdrawn_on=today if rng.random() < 0.1 else None,
            )
        )
    Story.objects.bulk_create(stories)
    stories = list(Story.objects.filter(title__startswith="Varied story"))
    for story in stories:
        if story.teller_response_at is not None:
            wait = dt.timedelta(days=rng.randrange(0, 20), hours=rng.randrange(24))
            logged = story.teller_response_at - wait
            Story.objects.filter(pk=story.pk).update(logged_at=logged)
    now = timezone.now()
    actions = []
    for story in stories:
        for _ in range(rng.choice([0, 0, 1, 2])):
            claim = rng.choice([ChangeClaim.MADE, ChangeClaim.MADE, ChangeClaim.PLANNED, ""])
            signed = rng.random() < 0.6
            actions.append(
                StoryAction(
                    story=story,
                    description="Varied action",
                    owner=world.px_a,
                    due_on=today,
                    change_claim=claim,
                    change_signed_off_by=world.px_a_colleague if signed else None,
                    change_signed_off_at=now if signed else None,
                )
            )
    StoryAction.objects.bulk_create(actions)
    return list(Story.objects.filter(title__startswith="Varied story"))


def _counted(story: Story) -> bool:
    return story.status != StoryStatus.WITHDRAWN and story.consent_withdrawn_on is None


def _critical(story: Story) -> bool:
    """Critical: a safety concern, or rated 4 or 5 of 5 critical at source. Read as negative is not enough."""
    return story.safety_concern != "" or (story.criticality or 0) >= 4


def _direct_shares(stories, org_ids, period: Period) -> CriticalFollowUp:
    made = set(
        StoryAction.objects.filter(
            change_claim=ChangeClaim.MADE, change_signed_off_at__isnull=False
        ).values_list("story_id", flat=True)
    )
    critical = [
        s
        for s in stories
        if s.organisation_id in org_ids
        and _counted(s)
        and _critical(s)
        and period.first <= s.occurred_on < next_month(period.last)
    ]
    return CriticalFollowUp(
        critical=len(critical),
        with_response=sum(s.teller_response != "" for s in critical),
        with_change_made=sum(s.pk in made for s in critical),
        with_both=sum(s.pk in made and s.teller_response != "" for s in critical),
    )


def _direct_months(stories, org_ids, history: Period) -> list[follow_up.ResponseMonth]:
    waits: dict[dt.date, list[int]] = {month: [] for month in history.months}
    for s in stories:
        if s.organisation_id not in org_ids or not _counted(s) or not s.teller_response:
            continue
        answered = timezone.localtime(s.teller_response_at, TZ).date()
        logged = timezone.localtime(s.logged_at, TZ).date()
        if month_start(answered) in waits:
            waits[month_start(answered)].append(follow_up.working_days_between(logged, answered))
    return [
        follow_up.ResponseMonth(month, len(days), sum(days) / len(days) if days else None)
        for month, days in waits.items()
    ]


def _check(stories, org_ids: set[int], months: int) -> None:
    period = Period.last_months(months)
    figures = follow_up.follow_up_figures(sorted(org_ids), period)

    expected_shares = _direct_shares(stories, org_ids, period)
    assert expected_shares.critical > 5 or months == 1  # the data reach every rule
    assert critical_follow_up(sorted(org_ids), since=period.first, before=next_month(period.last)) == (
        expected_shares
    )
    assert follow_up.critical_counts(sorted(org_ids), period) == expected_shares
    assert figures.shares == follow_up.shares_shown(expected_shares)

    expected_months = _direct_months(stories, org_ids, figures.history)
    assert sum(m.responses for m in expected_months) > 20
    assert [(m.month, m.responses) for m in figures.months] == [
        (m.month, m.responses) for m in expected_months
    ]
    for got, want in zip(figures.months, expected_months, strict=True):
        assert got.mean == pytest.approx(want.mean) if want.mean is not None else got.mean is None


@pytest.mark.parametrize("months", [1, 12])
@pytest.mark.parametrize("which", ["a", "both"])
def test_the_grouped_figures_equal_a_story_by_story_computation(world, months, which):
    stories = _seed(world)
    rollups.rebuild_all()
    org_ids = {world.trust_a.pk} if which == "a" else {world.trust_a.pk, world.trust_b.pk}
    _check(stories, org_ids, months)


def _snapshot() -> dict[str, list]:
    out = {}
    for model in (follow_up.ResponseTimeMonthly, follow_up.CriticalFollowUpMonthly):
        fields = [f.attname for f in model._meta.concrete_fields if f.attname != "id"]
        out[model.__name__] = sorted(model.objects.values_list(*fields))
    return out


def test_changes_through_the_services_reach_the_figures_after_one_roll_up_pass(world, monkeypatch):
    from insight_hub.privacy import subjects
    from insight_hub.themes import services as theme_services
    from stories import services

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)
    _seed(world)
    today = timezone.localdate()
    # Stories of trust A made through the services, this month and two months ago: six critical (rated 5),
    # and two answered 40 days ago.
    mine = [
        StoryFactory(
            organisation=world.trust_a,
            user=world.px_a,
            status="shared",
            title=f"Varied story, by the services {i}",
            occurred_on=month_start(today) - dt.timedelta(days=62 * (i % 2)),
        )
        for i in range(8)
    ]
    critical, answered = mine[:6], mine[6:]
    Story.objects.filter(pk__in=[s.pk for s in critical]).update(criticality=5)
    for story in answered:
        services.teller_response_record(story=story, user=world.px_a, response="Thank you.")
    forty_days_ago = timezone.now() - dt.timedelta(days=40)
    Story.objects.filter(pk__in=[s.pk for s in answered]).update(
        logged_at=forty_days_ago - dt.timedelta(days=3), teller_response_at=forty_days_ago
    )
    for story in mine:
        story.refresh_from_db()
    rollups.rebuild_all()

    def check_every_scope() -> None:
        stories = list(Story.objects.filter(title__startswith="Varied story"))
        for which in ({world.trust_a.pk}, {world.trust_a.pk, world.trust_b.pk}):
            for months in (1, 12):
                _check(stories, which, months)

    year = Period.last_months(12)
    before = follow_up.critical_counts([world.trust_a.pk], year)
    # A response recorded to two critical stories (today: this month's response times gain them).
    for story in critical[:2]:
        services.teller_response_record(story=story, user=world.px_a, response="Thank you for telling us.")
    # A response recorded again: it leaves the month it was first answered in.
    services.teller_response_record(story=answered[0], user=world.px_a, response="A fuller reply.")
    # Withdrawn by the trust; consent withdrawn by the teller.
    services.story_status_set(story=critical[4], status=StoryStatus.WITHDRAWN)
    services.story_consent_withdraw(
        story=critical[5], user=world.px_a, withdrawn_on=today, note="Asked us to stop using it"
    )
    # Not yet: the figures are those of the last pass.
    assert follow_up.critical_counts([world.trust_a.pk], year) == before
    assert rollups.refresh_stale()["slices"] >= 1
    check_every_scope()
    after_responses = follow_up.critical_counts([world.trust_a.pk], year)
    assert (after_responses.critical, after_responses.with_response) == (
        before.critical - 2,  # one withdrawn, one with consent withdrawn
        before.with_response + 2,
    )

    # Only actions change now (the stories are not saved, and their last saves are put back before the
    # pass's look-back, so that only the actions can mark the slices): a change claimed made and signed off
    # on one critical story; on another, signed off and then claimed again (waiting for sign-off: not made).
    Story.objects.update(updated_at=F("updated_at") - dt.timedelta(minutes=30))
    for story, claim_again in ((critical[2], False), (critical[3], True)):
        action = services.action_create(
            story=story, user=world.px_a, description="Hourly rounds", owner=world.px_a, due_on=today
        )
        services.change_claim(action=action, user=world.px_a, claim="made", description="Rounds began")
        services.change_sign_off(action=action, user=world.px_a_colleague)
        if claim_again:
            services.change_claim(action=action, user=world.px_a_colleague, claim="made", description="More")
    rollups.refresh_stale()
    check_every_scope()
    assert follow_up.critical_counts([world.trust_a.pk], year).with_change_made == (
        after_responses.with_change_made + 1
    )

    # Erased at the teller's request: its slices are rebuilt at once (`dashboards.rights`), before any pass.
    erased = answered[1]
    done, _ = subjects.subject_erase(world.admin, keys=[f"story:{erased.pk}"])
    assert len(done) == 1 and not Story.objects.filter(pk=erased.pk).exists()
    check_every_scope()

    # And the passes left what a full rebuild gives.
    incremental = _snapshot()
    rollups.rebuild_all()
    assert _snapshot() == incremental
