"""The weekly digest reaches each owner with exactly their items, through a real SMTP server; people with
nothing get nothing; the day is each person's choice (or never); one email per person and week; no patient
text; the email's own link turns it off without signing in."""

from __future__ import annotations

import datetime as dt

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.digest import digest_for, send_weekly_digests
from dashboards.models import Dashboard, ScopeKind, Tile, TileKind
from insight_hub.notifications.digests import digest_day_for, digest_day_set, unsubscribe_path
from insight_hub.notifications.models import Weekday
from insight_hub.themes.models import Sentiment, Theme
from stories.models import StoryTag
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db

PATIENT_WORDS = ["Bernadette", "left alone in pain", "Ward 9 at night"]


def _next_working_day() -> dt.date:
    day = timezone.localdate()
    while day.weekday() > Weekday.FRIDAY:
        day += dt.timedelta(days=1)
    return day


@pytest.fixture
def owned(world):
    today = _next_working_day()
    theme = Theme.objects.get(taxonomy__is_default=True, name="Timeliness of care")
    # px_a_colleague owns a trust A dashboard past its review date, with a tile nobody owns.
    maternity = Dashboard.objects.create(
        ics=world.ics, title="Maternity at trust A", owner=world.px_a_colleague,
        scope_kind=ScopeKind.ORGANISATIONS, review_on=today - dt.timedelta(days=3),
    )  # fmt: skip
    maternity.organisations.add(world.trust_a)
    Tile.objects.create(dashboard=maternity, kind=TileKind.METRIC, title="Birth centre FFT")
    # px_b owns a theme tile on the ICB lead's system dashboard, due in a week: nothing overdue.
    system = Dashboard.objects.create(
        ics=world.ics, title="System view", owner=world.icb_lead, review_on=today + dt.timedelta(days=60)
    )
    Tile.objects.create(dashboard=system, kind=TileKind.THEME, theme=theme, owner=world.px_b)
    # A critical story (rated 5 at source) at trust B on px_b's theme, logged now; a praise story and a story
    # only read as negative, neither critical (the hub's one meaning: a safety concern or criticality 4-5).
    critical = StoryFactory(
        organisation=world.trust_b, user=world.px_b, title="Left alone in pain",
        narrative="Bernadette was left alone in pain on Ward 9 at night for hours.",
    )  # fmt: skip
    type(critical).objects.filter(pk=critical.pk).update(sentiment=Sentiment.NEGATIVE, criticality=5)
    StoryTag.objects.create(story=critical, theme=theme)
    negative = StoryFactory(organisation=world.trust_b, user=world.px_b, title="Parking was hard")
    type(negative).objects.filter(pk=negative.pk).update(sentiment=Sentiment.NEGATIVE)
    StoryTag.objects.create(story=negative, theme=theme)
    # A critical story trust A shared with the ICS: in reach of trust A's and the ICS's dashboards.
    shared = StoryFactory(organisation=world.trust_a, user=world.px_a, status="shared")
    type(shared).objects.filter(pk=shared.pk).update(sentiment=Sentiment.NEGATIVE, criticality=4)
    praise = StoryFactory(organisation=world.trust_b, user=world.px_b)
    type(praise).objects.filter(pk=praise.pk).update(sentiment=Sentiment.POSITIVE)
    StoryTag.objects.create(story=praise, theme=theme)
    return {
        "today": today,
        "maternity": maternity,
        "system": system,
        "critical": critical,
        "praise": praise,
        "shared": shared,
    }


def _lines(person, today) -> dict[str, list[str]]:
    return {title: [line.text for line in lines] for title, lines in digest_for(person, today=today).sections}


def _story_line(story, organisation) -> str:
    logged = timezone.localtime(story.logged_at)
    return f"Story S{story.pk} at {organisation.display_name}, logged {logged:%-d %B}"


def test_each_owner_gets_exactly_their_items(world, owned):
    today = owned["today"]
    assert _lines(world.px_a_colleague, today) == {
        "Overdue": [f"Dashboard: Maternity at trust A, due {owned['maternity'].review_on:%-d %B %Y}"],
        "Without an owner": ["Tile without an owner on “Maternity at trust A”: Birth centre FFT"],
        "Critical stories logged in the last week": [_story_line(owned["shared"], world.trust_a)],
    }
    assert _lines(world.px_b, today) == {
        "Critical stories logged in the last week": [_story_line(owned["critical"], world.trust_b)]
    }
    # The ICS's named lead answers for every gap in the ICS (their own system dashboard reaches every
    # trust, but the critical story is trust B's draft, not theirs to see).
    assert _lines(world.icb_lead, today) == {
        "Without an owner": ["Dashboard tile: Birth centre FFT"],
        "Critical stories logged in the last week": [_story_line(owned["shared"], world.trust_a)],
    }
    # Owners with nothing: no section at all.
    for person in (world.px_a, world.board_a, world.admin):
        assert _lines(person, today) == {}


def test_the_digest_goes_on_the_chosen_day_once_a_week_without_patient_text(
    world, owned, smtp_server, django_capture_on_commit_callbacks
):
    today = owned["today"]
    digest_day_set(user=world.px_b, weekday=(today.weekday() + 1) % 5)  # another day
    digest_day_set(user=world.px_a_colleague, weekday=today.weekday())
    with django_capture_on_commit_callbacks(execute=True):
        sent = send_weekly_digests(today=today)
    with django_capture_on_commit_callbacks(execute=True):
        assert send_weekly_digests(today=today) == sent  # the same keys: nothing sent twice
    to_colleague = smtp_server.messages_to(world.px_a_colleague.email)
    assert len(to_colleague) == 1
    text = smtp_server.text_of(to_colleague[0])
    assert "Maternity at trust A" in text and "Birth centre FFT" in text
    assert reverse("dashboards:detail", args=[owned["maternity"].pk]) in text
    assert "/account/weekly-email/off/" in text
    assert smtp_server.messages_to(world.px_b.email) == []  # not their day
    for person in (world.px_a, world.board_a, world.admin):
        assert smtp_server.messages_to(person.email) == []  # nothing owned, nothing sent
    for _, message in smtp_server.inbox:
        body = smtp_server.text_of(message)
        for words in PATIENT_WORDS:
            assert words.lower() not in body.lower()


def test_px_b_gets_the_critical_story_by_reference_on_their_day(
    world, owned, smtp_server, django_capture_on_commit_callbacks
):
    today = owned["today"]
    digest_day_set(user=world.px_b, weekday=today.weekday())
    with django_capture_on_commit_callbacks(execute=True):
        send_weekly_digests(today=today)
    [message] = smtp_server.messages_to(world.px_b.email)
    text = smtp_server.text_of(message)
    assert f"Story S{owned['critical'].pk}" in text and f"S{owned['praise'].pk} " not in text
    for words in PATIENT_WORDS:
        assert words.lower() not in text.lower()


def test_turned_off_means_no_email(world, owned, smtp_server, django_capture_on_commit_callbacks):
    digest_day_set(user=world.px_a_colleague, weekday=None)
    with django_capture_on_commit_callbacks(execute=True):
        send_weekly_digests(today=owned["today"])
    assert smtp_server.messages_to(world.px_a_colleague.email) == []


def test_a_person_chooses_the_day_or_never(client, world):
    client.force_login(world.px_a)
    url = reverse("digest_settings")
    assert client.get(url).status_code == 200
    assert digest_day_for(world.px_a) == Weekday.MONDAY  # the default
    client.post(url, {"day": str(Weekday.THURSDAY)})
    assert digest_day_for(world.px_a) == Weekday.THURSDAY
    client.post(url, {"day": "off"})
    assert digest_day_for(world.px_a) is None
    page = client.post(url, {"day": "Saturday"})
    assert page.status_code == 200
    assert "select a valid choice; ‘Saturday’ is not one of them" in page.content.decode()


def test_the_emails_link_turns_it_off_without_signing_in(client, world):
    path = unsubscribe_path(world.px_a)
    page = client.get(path)
    assert page.status_code == 200 and "Stop the weekly email" in page.content.decode()
    assert digest_day_for(world.px_a) == Weekday.MONDAY  # a GET (a mail scanner) changes nothing
    assert client.post(path).status_code == 200
    assert digest_day_for(world.px_a) is None
    assert client.get(path[:-3] + "xx/").status_code == 404  # altered
