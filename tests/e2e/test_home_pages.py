"""Each role's home page starts with what needs that person, with counts, in a real browser; axe-core on each.

One world holds something for every role: a concern routed to trust A's px lead (and, escalated, seen by the
ICB lead), a dashboard past its review date owned by the ICB lead, an import with problems at trust A. The
board member and the system administrator have nothing of their own waiting, and are told so."""

from __future__ import annotations

import datetime as dt

import pytest
from django.utils import timezone

from dashboards.models import Dashboard
from feedback.models import ImportBatch, ImportKind, ImportStatus
from stories import services as story_services
from stories.models import SafetyConcern
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, StoryFactory

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


def _inbox_rows(page) -> dict[str, int]:
    rows = page.locator("#inbox tbody tr")
    found = {}
    for index in range(rows.count()):
        cells = rows.nth(index).locator("td")
        found[cells.nth(0).locator("a").inner_text().strip()] = int(cells.nth(1).inner_text().strip())
    return found


@pytest.fixture
def waiting(world):
    story = StoryFactory(organisation=world.trust_a, user=world.px_a)
    story_services.story_flag(story=story, user=world.px_a, concern=SafetyConcern.SAFETY)
    Dashboard.objects.create(
        ics=world.ics, title="System view", owner=world.icb_lead,
        review_on=timezone.localdate() - dt.timedelta(days=3),
    )  # fmt: skip
    ImportBatch.objects.create(
        organisation=world.trust_a, uploaded_by=world.px_a, original_name="fft.csv", kind=ImportKind.ROWS,
        status=ImportStatus.DONE, rows_failed=3,
    )  # fmt: skip
    return story


@pytest.mark.parametrize(
    ("who", "expected"),
    [
        (
            "px_a",
            {"Safety concerns waiting for your response": 1, "Imports with problems (last 30 days)": 1},
        ),
        (
            "icb_lead",
            # Trust A's concern is on a draft and still with the trust's lead: not the ICB's to see.
            {"Dashboards you own, due for review": 1},
        ),
        ("px_b", {}),
        ("board_a", {}),
        ("admin", {}),
    ],
)
def test_each_role_home_page_shows_what_waits_for_them(page, world, waiting, who, expected):
    person = getattr(world, who)
    sign_in(page, person.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    if expected:
        assert _inbox_rows(page) == expected
        assert_accessible(page)
        # Each row leads to where the work is, a page the person may open.
        links = page.locator("#inbox tbody tr a")
        hrefs = [links.nth(i).get_attribute("href") for i in range(links.count())]
        for href in hrefs:
            assert page.goto(href).status == 200, href
        page.goto("/")
    else:
        assert "Nothing is waiting for you today." in page.locator("#inbox").inner_text()
    assert_accessible(page)
    assert page.console_errors == []


def test_a_board_member_s_home_leads_to_their_board_reports(page, world):
    """A board member's home offered "Feedback" (a page they may not open: 404) but not the board reports they
    are there to read; now each card leads to a page they may open, board reports first."""
    sign_in(page, world.board_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    cards = page.locator("main .nhsuk-card__link")
    titles = cards.all_inner_texts()
    assert titles[0] == "Board reports" and "Dashboards" in titles and "Feedback" not in titles
    hrefs = [cards.nth(i).get_attribute("href") for i in range(cards.count())]
    assert_accessible(page)
    for href in hrefs:
        assert page.goto(href).status == 200, href
