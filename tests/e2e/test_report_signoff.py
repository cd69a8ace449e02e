"""A board report is signed off before the board reads it. Trust A's head of patient experience makes the
report; the trust's safety lead, who owns its stories section, approves that section from their inbox; the
head of patient experience approves the rest and releases it; the board member, who could not open it
before, is emailed a link (through a real SMTP server, no story text in it) and reads it, summary first."""

from __future__ import annotations

import datetime as dt
import io
import re

import pytest
from django.conf import settings
from django.utils import timezone
from pypdf import PdfReader

from dashboards import rollups
from stories.models import SafetyLead
from tests.conftest import wait_for
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, ResponseFactory
from tests.reports.conftest import make_story, previous_months

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_tagging(monkeypatch):
    from insight_hub.themes import services as theme_services

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)


def _as(page, person) -> None:
    page.context.clear_cookies()
    sign_in(page, person.email, TEST_PASSWORD)
    page.wait_for_url("**/")


def _approve(page, title: str, *, check_accessible: bool = False) -> None:
    page.get_by_role("link", name=f"Approve {title}").click()
    page.get_by_role("heading", name=f"Are you sure you want to approve “{title}”?").wait_for()
    if check_accessible:
        assert_accessible(page)
    page.get_by_role("button", name="Yes, approve this section").click()
    page.get_by_text(f"You approved “{title}”.").wait_for()


def test_a_board_report_is_signed_off_released_and_then_read_by_the_board(page, world, smtp_server):
    period = previous_months(2)
    at = dt.datetime.combine(
        period.last + dt.timedelta(days=4), dt.time(10), tzinfo=timezone.get_current_timezone()
    )
    for score in (1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4):
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=at)
    critical = make_story(
        world, "c", sentiment="negative", critical=True, month=period.last, title="No one came"
    )
    make_story(world, "k", sentiment="positive", month=period.last, title="Kind nurses")
    rollups.rebuild_all()
    SafetyLead.objects.create(organisation=world.trust_a, user=world.px_a_colleague)

    # The head of patient experience makes the report: a draft.
    _as(page, world.px_a)
    page.goto("/reports/new/")
    page.get_by_label("Report for").select_option(world.trust_a.ods_code)
    page.get_by_label("First month").select_option(period.first.isoformat())
    page.get_by_label("Last month").select_option(period.last.isoformat())
    page.get_by_role("button", name="Choose the stories").click()
    page.get_by_role("button", name="Make the report").click()
    page.get_by_role("link", name="Download the report: PDF").wait_for()
    report_path = re.sub(r"^https?://[^/]+", "", page.url)
    main = page.locator("main").inner_text()
    assert "Draft: waiting for sign-off" in main
    assert "0 of 6 sections approved" in main
    assert "Summary" in main and "Critical stories collected and quoted" in main
    assert_accessible(page)

    # The board member cannot open it, nor see it listed.
    _as(page, world.board_a)
    assert page.goto(report_path).status == 404
    # The browser logs the 404 it was given; nothing else may have gone wrong.
    assert all("404" in error for error in page.console_errors), page.console_errors
    page.console_errors.clear()
    page.goto("/reports/")
    assert page.locator(f"a[href='{report_path}']").count() == 0

    # The safety lead finds it in their inbox and approves the stories section they own.
    _as(page, world.px_a_colleague)
    page.get_by_role("link", name="Board reports waiting for your sign-off").click()
    page.locator(f"a[href='{report_path}']").click()
    assert page.get_by_role("link", name="Approve Friends and Family Test").count() == 0  # not theirs
    _approve(page, "Patient stories", check_accessible=True)

    # The report's owner approves the rest, which they own, and releases it.
    _as(page, world.px_a)
    page.goto(report_path)
    for title in (
        "Friends and Family Test",
        "Themes most praised and most criticised",
        "Charter commitments",
        "Actions and their owners",
        "Responses and changes made",
    ):
        _approve(page, title)
    page.get_by_text("All sections are approved: the report can be released.").wait_for()
    assert_accessible(page)
    assert smtp_server.messages_to(world.board_a.email) == []
    page.get_by_role("link", name="Release to the board").click()
    page.get_by_role("heading", name="Are you sure you want to release the report to the board?").wait_for()
    assert world.board_a.get_full_name() in page.locator("main").inner_text()
    assert_accessible(page)
    page.get_by_role("button", name="Yes, release to the board").click()
    page.get_by_text("Released to the board. 1 board member was emailed a link.").wait_for()
    assert "Released to the board on" in page.locator("main").inner_text()

    # The board member is emailed a link (no story text) and reads the report, its summary first.
    wait_for(lambda: smtp_server.messages_to(world.board_a.email), timeout=30, message="the release email")
    message = smtp_server.messages_to(world.board_a.email)[0]
    text = smtp_server.text_of(message)
    assert report_path in text
    for words in ("No one came", "Kind nurses", "narrative of story"):
        assert words not in text
    _as(page, world.board_a)
    assert f"{settings.SITE_URL}{report_path}" in text  # the link in the email
    assert page.goto(report_path).status == 200
    main = page.locator("main").inner_text()
    assert "Released to the board" in main and "Summary" in main
    assert_accessible(page)
    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report: PDF").click()
    first_page = PdfReader(io.BytesIO(download.value.path().read_bytes())).pages[0].extract_text()
    first_page = " ".join(first_page.split())
    assert "Summary" in first_page and "What changed" in first_page
    assert f"S{critical.pk} · Trust A NHS Foundation Trust" in first_page
    assert page.console_errors == []
