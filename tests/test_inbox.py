"""The owner's inbox on the home page: each person sees exactly what waits for them, with counts."""

from __future__ import annotations

import datetime as dt
import re

import pytest
from django.utils import timezone

from dashboards.models import Dashboard
from feedback.models import ImportBatch, ImportKind, ImportStatus
from insight_hub.inbox import inbox_for
from stories import services as story_services
from stories.models import SafetyConcern
from tests.factories import StoryFactory

pytestmark = pytest.mark.django_db


def _inbox(client, user) -> dict[str, int]:
    client.force_login(user)
    page = client.get("/").content.decode()
    section = page.split('id="inbox"', 1)[1].split("</section>", 1)[0]
    rows = re.findall(r'<a href="[^"]+">([^<]+)</a></td>\s*<td[^>]*>(\d+)</td>', section)
    return {label: int(count) for label, count in rows}


def test_a_concern_waits_for_the_person_it_was_routed_to(client, world):
    story = StoryFactory(organisation=world.trust_a, user=world.px_a)
    story_services.story_flag(story=story, user=world.px_a, concern=SafetyConcern.SAFETY)
    assert _inbox(client, world.px_a) == {"Safety concerns waiting for your response": 1}
    # Their colleague sees it as someone else's, and the other trust sees nothing of it.
    assert _inbox(client, world.px_a_colleague) == {
        "Other safety concerns you can see waiting for a response": 1
    }
    assert _inbox(client, world.px_b) == {}
    items = inbox_for(world.px_a)
    assert items[0].urgent and items[0].oldest_days == 0


def test_owners_see_their_overdue_dashboards_and_others_do_not(client, world):
    Dashboard.objects.create(
        ics=world.ics, title="System view", owner=world.icb_lead,
        review_on=timezone.localdate() - dt.timedelta(days=3),
    )  # fmt: skip
    assert _inbox(client, world.icb_lead) == {"Dashboards you own, due for review": 1}
    assert inbox_for(world.icb_lead)[0].oldest_days == 3
    assert _inbox(client, world.board_a) == {}


def test_imports_with_problems_wait_for_their_organisation(client, world):
    ImportBatch.objects.create(
        organisation=world.trust_a, uploaded_by=world.px_a, original_name="fft.csv", kind=ImportKind.ROWS,
        status=ImportStatus.DONE, rows_failed=3,
    )  # fmt: skip
    assert _inbox(client, world.px_a) == {"Imports with problems (last 30 days)": 1}
    assert _inbox(client, world.px_b) == {}


def test_nothing_waiting_says_so(client, world):
    client.force_login(world.board_a)
    assert "Nothing is waiting for you today." in client.get("/").content.decode()
