"""Responses and changes made on the dashboards (dashboards/follow_up.py): response times in working days,
their XmR chart by month with worked figures, the critical stories' shares with suppression, and the system
and trust views that show them."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.db.models import Q
from django.urls import reverse
from django.utils import timezone

from dashboards import follow_up, rollups
from dashboards.spc import LIMIT_FACTOR
from insight_hub.periods import Period, next_month
from stories import services
from stories.models import Story
from stories.safety import is_working_day
from stories.selectors import CriticalFollowUp, critical_follow_up, responses_by_day
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

TZ = timezone.get_current_timezone()


@pytest.fixture(autouse=True)
def _tagging_not_run(monkeypatch):
    from insight_hub.themes import services as theme_services

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)


# --- Working days -------------------------------------------------------------------------------------


def test_a_response_the_same_day_is_0_and_friday_to_monday_is_1_working_day():
    assert follow_up.working_days_between(dt.date(2026, 12, 2), dt.date(2026, 12, 2)) == 0
    assert follow_up.working_days_between(dt.date(2026, 12, 4), dt.date(2026, 12, 7)) == 1  # Fri → Mon
    assert follow_up.working_days_between(dt.date(2026, 12, 1), dt.date(2026, 12, 8)) == 5  # a week


def test_englands_bank_holidays_are_not_working_days():
    # Christmas Day (Friday) and Boxing Day's substitute (Monday 28th) are bank holidays in 2026.
    assert follow_up.working_days_between(dt.date(2026, 12, 24), dt.date(2026, 12, 29)) == 1
    # Easter 2026: Good Friday 3 April and Easter Monday 6 April.
    assert follow_up.working_days_between(dt.date(2026, 4, 2), dt.date(2026, 4, 7)) == 1


# --- Response times by month, and their chart -------------------------------------------------------------


def _times(month: dt.date, days: list[int]) -> list[follow_up.DayCount]:
    """Responses recorded on the first working day from the 10th of `month`, each to a story logged the given
    number of working days before."""
    answered = month.replace(day=10)
    while not is_working_day(answered):
        answered += dt.timedelta(days=1)
    out = []
    for d in days:
        logged, count = answered, 0
        while count < d:
            count += is_working_day(logged)
            logged -= dt.timedelta(days=1)
        assert follow_up.working_days_between(logged, answered) == d
        out.append(follow_up.DayCount(logged, answered))
    return out


def test_known_monthly_means_give_a_known_centre_line_and_limits():
    """Twelve months of five responses each, their means alternating 2 and 4 working days: the centre line
    is 3, every moving range is 2, so the limits are 3 ± 2.66 × 2 (8.32 and -2.32). A thirteenth month with
    3 responses is shown as * and takes no part."""
    period = Period(dt.date(2025, 1, 1), dt.date(2026, 1, 1))
    times = []
    for i, month in enumerate(period.months[:12]):
        times += _times(month, [2] * 5 if i % 2 == 0 else [3, 4, 4, 4, 5])  # means 2 and 4
    times += _times(period.months[12], [30, 30, 30])  # 3 responses: suppressed

    months = follow_up.response_months(times, period)
    assert [m.responses for m in months] == [5] * 12 + [3]
    assert [m.shown_mean for m in months] == [2.0, 4.0] * 6 + ["*"]
    assert months[-1].shown_responses == "*"

    result = follow_up.response_spc(months)
    assert result.has_limits
    point = result.points[0]
    assert point.mean == pytest.approx(3.0)
    assert point.upper_limit == pytest.approx(3 + LIMIT_FACTOR * 2) == pytest.approx(8.32)
    assert point.lower_limit == pytest.approx(3 - LIMIT_FACTOR * 2)
    assert result.points[-1].value is None and result.points[-1].shown == "*"
    assert all(not p.rules for p in result.points)  # alternating: common cause throughout
    assert result.higher_is_better is False


def test_a_long_wait_is_a_special_cause_concern():
    period = Period(dt.date(2025, 1, 1), dt.date(2026, 1, 1))
    times = []
    for i, month in enumerate(period.months):
        days = [2] * 5 if i % 2 == 0 else [4] * 5
        if i == 12:
            days = [40] * 5  # far above the upper limit (computed from all 13 months)
        times += _times(month, days)
    result = follow_up.response_spc(follow_up.response_months(times, period))
    assert result.points[-1].variation.value == "special_cause_concern"
    assert "outside_limits" in result.points[-1].rules


def test_fewer_than_12_shown_months_draw_no_limits():
    period = Period(dt.date(2026, 1, 1), dt.date(2026, 6, 1))
    times = [t for month in period.months for t in _times(month, [1, 2, 3, 4, 5])]
    result = follow_up.response_spc(follow_up.response_months(times, period))
    assert not result.has_limits and result.points[0].mean == pytest.approx(3.0)
    assert "process limits need at least 12" in result.messages[0]


def _responded(world, *, logged: dt.datetime, responded: dt.datetime, org=None, **fields) -> Story:
    story = StoryFactory(organisation=org or world.trust_a, user=world.px_a, **fields)
    services.teller_response_record(story=story, user=world.px_a, response="Thank you for telling us.")
    Story.objects.filter(pk=story.pk).update(logged_at=logged, teller_response_at=responded)
    return story


def _at(day: dt.date, hour: int = 10) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour), tzinfo=TZ)


def test_response_times_read_the_logged_and_response_dates_in_working_days(world):
    """Dates in England's time: a story logged at 00:30 on a Friday in June (23:30 on Thursday in UTC) and
    answered on the Monday waited 1 working day, not 2."""
    friday, monday = dt.date(2026, 6, 5), dt.date(2026, 6, 8)
    just_after_midnight = dt.datetime.combine(friday, dt.time(0, 30), tzinfo=TZ)
    assert just_after_midnight.astimezone(dt.UTC).date() == dt.date(2026, 6, 4)
    _responded(world, logged=just_after_midnight, responded=_at(monday))
    _responded(world, logged=_at(dt.date(2026, 6, 1)), responded=_at(dt.date(2026, 6, 15)))
    _responded(world, logged=_at(dt.date(2026, 6, 1)), responded=_at(dt.date(2026, 6, 2)), org=world.trust_b)
    _responded(world, logged=_at(dt.date(2026, 4, 6)), responded=_at(dt.date(2026, 5, 29)))  # before June
    withdrawn = _responded(world, logged=_at(friday), responded=_at(monday))
    Story.objects.filter(pk=withdrawn.pk).update(consent_withdrawn_on=monday)

    rollups.refresh_stale()  # the roll-up pass (a first one builds everything)

    june = Period(dt.date(2026, 6, 1), dt.date(2026, 6, 1))
    # The database's dates are England's: trust A's June responses, as pairs of days.
    pairs = sorted(
        (r["logged"], r["answered"], r["n"])
        for r in responses_by_day(Q(organisation=world.trust_a), tz=TZ)
        if r["answered"].month == 6
    )
    assert pairs == [(dt.date(2026, 6, 1), dt.date(2026, 6, 15), 1), (friday, monday, 1)]
    # Trust A in June: two weeks (10 working days) and Friday to Monday (1), a mean of 5.5; with trust B's
    # Monday to Tuesday (1), 12 working days over 3 responses.
    months = follow_up.response_months_for
    assert months([world.trust_a.pk], june) == [follow_up.ResponseMonth(june.first, 2, 5.5)]
    assert months([world.trust_a.pk, world.trust_b.pk], june) == [follow_up.ResponseMonth(june.first, 3, 4.0)]


def _critical(world, n: int, *, responded: int = 0, changed: int = 0, both: int = 0):
    """n critical stories of trust A this month: the first `both` with a response and a signed-off change
    made, then `responded - both` with a response only, then `changed - both` with a change only."""
    stories = [
        StoryFactory(organisation=world.trust_a, user=world.px_a, status="shared", title=f"Critical {i}")
        for i in range(n)
    ]
    Story.objects.filter(pk__in=[s.pk for s in stories]).update(criticality=5)
    for i, story in enumerate(stories):
        story.refresh_from_db()
        answer = i < responded
        change = i < both or responded <= i < responded + changed - both
        if answer:
            services.teller_response_record(story=story, user=world.px_a, response="Sorry, and thank you.")
        if change:
            action = services.action_create(
                story=story, user=world.px_a, description="Hourly rounds", owner=world.px_a,
                due_on=timezone.localdate(),
            )  # fmt: skip
            services.change_claim(action=action, user=world.px_a, claim="made", description="Rounds began")
            services.change_sign_off(action=action, user=world.px_a_colleague)
    return stories


def test_the_shares_count_critical_stories_with_a_response_and_a_change_made(world):
    _critical(world, 15, responded=10, changed=5, both=5)
    StoryFactory(organisation=world.trust_a, user=world.px_a, title="Not critical")  # no rating: not counted
    this_month = Period.last_months(1)
    counts = critical_follow_up(
        [world.trust_a.pk], since=this_month.first, before=next_month(this_month.last)
    )
    assert counts == CriticalFollowUp(critical=15, with_response=10, with_change_made=5, with_both=5)
    rollups.refresh_stale()  # the page reads the roll-up, as of the last pass
    assert follow_up.critical_counts([world.trust_a.pk], this_month) == counts
    shares = follow_up.critical_shares([world.trust_a.pk], this_month)
    assert shares == follow_up.SharesShown(15, 10, 67, 5, 33)


@pytest.mark.parametrize(
    ("counts", "expected"),
    [
        # Nothing from 1 to 4 anywhere: all shown.
        (CriticalFollowUp(20, 10, 8, 5), (20, 10, 50, 8, 40)),
        # 3 with a change made: hidden, and so is its share. 12 - 10 = 2 without a response would give a
        # small count away, so the 10 is hidden too.
        (CriticalFollowUp(12, 10, 3, 2), (12, "*", "*", "*", "*")),
        # 38 of 40 answered: 2 left over, so the 38 (and its share) is hidden; the 20 changed stays.
        (CriticalFollowUp(40, 38, 20, 19), (40, "*", "*", 20, 50)),
        # 3 critical stories: every count and share behind them is hidden.
        (CriticalFollowUp(3, 2, 1, 1), ("*", "*", "*", "*", "*")),
        # None: zeros are shown, there is no share.
        (CriticalFollowUp(0, 0, 0, 0), (0, 0, None, 0, None)),
    ],
)
def test_the_shares_are_suppressed_as_one_table(counts, expected):
    shown = follow_up.shares_shown(counts)
    assert (
        shown.critical,
        shown.responded,
        shown.responded_percent,
        shown.changed,
        shown.changed_percent,
    ) == expected
    # Never a share and a count that give back a hidden number: a shown share has both its counts shown.
    for count, share in ((shown.responded, shown.responded_percent), (shown.changed, shown.changed_percent)):
        if share not in (None, "*"):
            assert "*" not in (count, shown.critical)
        if count == "*":
            assert share == "*"


def test_counts_that_do_not_add_up_are_refused():
    with pytest.raises(ValueError, match="do not add up"):
        follow_up.shares_shown(CriticalFollowUp(critical=2, with_response=3, with_change_made=0, with_both=0))


# --- The pages ------------------------------------------------------------------------------------------


@pytest.fixture
def answered(world):
    """Six stories of trust A answered this month (not critical), and five critical stories of trust B with
    neither a response nor a change. The pages are checked for their parts; the figures are checked above."""
    today = timezone.localdate()
    for i in range(6):
        StoryFactory(organisation=world.trust_a, user=world.px_a, title=f"Answered {i}")
    for story in Story.objects.filter(organisation=world.trust_a):
        services.teller_response_record(story=story, user=world.px_a, response="Secret reply to Jane Doe")
    Story.objects.filter(organisation=world.trust_a).update(
        logged_at=_at(today - dt.timedelta(days=1)), teller_response_at=timezone.now()
    )
    _critical_b = [
        StoryFactory(organisation=world.trust_b, user=world.px_b, title=f"B critical {i}") for i in range(5)
    ]
    Story.objects.filter(pk__in=[s.pk for s in _critical_b]).update(criticality=4)
    rollups.rebuild_all()  # the pages read the roll-ups


def _this_month() -> str:
    """The fixture's stories were logged and answered this month, which the default period (the last complete
    months) leaves out: the pages are asked for this month, as a person choosing it would."""
    month = timezone.localdate().strftime("%Y-%m")
    return f"?months=custom&from_month={month}&to_month={month}"


def _section(page: str) -> str:
    start = page.index('id="follow-up-heading"')
    return page[start : page.index("</section>", start)]


def test_the_system_view_shows_the_response_time_chart_and_the_shares(client, world, answered):
    client.force_login(world.icb_lead)
    page = unescape(client.get(reverse("dashboards:system") + _this_month()).content.decode())
    assert "Responses and changes made" in page
    assert "response time to the people who told their stories, by month" in page
    assert 'id="chart-response-time"' in page  # the chart and its data table
    assert "Mean response time" in page and "Centre line (mean of the months)" in page
    assert "working days (weekends and England's bank holidays left out)" in page  # which dates, which days
    assert "With a response to the person who told it" in page and "With a change made" in page
    # Trust B's 5 critical stories, none answered nor changed: 5, 0 (0%), 0 (0%).
    section = _section(page)
    assert ">5</td>" in section and "0%" in section
    assert "Secret reply" not in page and "Jane Doe" not in page  # counts only, never the reply


def test_a_trust_view_shows_its_own_stories_only(client, world, answered):
    client.force_login(world.px_a)
    page = unescape(
        client.get(reverse("dashboards:organisation", args=["RAA"]) + _this_month()).content.decode()
    )
    assert "TRUST A" in page.upper() and "Responses and changes made" in page
    section = _section(page)
    assert "Critical stories" in section
    # Trust A has no critical story: 0, and no share; trust B's five are not in trust A's view.
    assert ">0</td>" in section and ">5</td>" not in section
    # The month with six responses shows its count (5 or more).
    assert ">6</td>" in section


def test_the_htmx_fragment_carries_the_section_too(client, world, answered):
    client.force_login(world.icb_lead)
    page = client.get(reverse("dashboards:system"), headers={"HX-Request": "true"}).content.decode()
    assert "Responses and changes made" in page and "<html" not in page


@pytest.mark.parametrize("person", ["px_b", "stranger"])
def test_outsiders_get_404_on_another_trusts_view(client, world, answered, person):
    client.force_login(getattr(world, person))
    assert client.get(reverse("dashboards:organisation", args=["RAA"])).status_code == 404
