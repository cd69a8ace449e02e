"""A head of patient experience makes a board report for the last two months, changes the stories it quotes,
and downloads the PDF, which says on its first page that critical stories are under-represented."""

from __future__ import annotations

import datetime as dt
import io

import pytest
from django.utils import timezone
from pypdf import PdfReader

from dashboards import rollups
from tests.e2e.conftest import assert_accessible, sign_in
from tests.factories import TEST_PASSWORD, ResponseFactory
from tests.reports.conftest import make_story, previous_months

pytestmark = [pytest.mark.e2e, pytest.mark.django_db(transaction=True)]


@pytest.fixture(autouse=True)
def _no_tagging(monkeypatch):
    from insight_hub.themes import services as theme_services

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)


def test_a_px_lead_makes_a_board_report_and_downloads_it(page, world):
    period = previous_months(2)
    at = dt.datetime.combine(
        period.last + dt.timedelta(days=4), dt.time(10), tzinfo=timezone.get_current_timezone()
    )
    for score in (1, 1, 1, 1, 1, 2, 2, 2, 2, 2, 4, 4, 4, 4, 4):
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=at)
    critical = make_story(
        world, "c", sentiment="negative", critical=True, month=period.last, title="No one came"
    )
    kind = make_story(world, "k", sentiment="positive", month=period.last, title="Kind nurses")
    make_story(world, "n", sentiment="negative", critical=True, board=False, month=period.first)
    rollups.rebuild_all()

    sign_in(page, world.px_a.email, TEST_PASSWORD)
    page.wait_for_url("**/")
    page.goto("/reports/")
    assert_accessible(page)
    page.get_by_role("link", name="Make a board report").click()
    assert_accessible(page)
    page.get_by_label("Report for").select_option(world.trust_a.ods_code)
    page.get_by_label("First month").select_option(period.first.isoformat())
    page.get_by_label("Last month").select_option(period.last.isoformat())
    page.get_by_role("button", name="Choose the stories").click()
    page.get_by_text("3 stories were collected in the period").wait_for()
    assert_accessible(page)
    # The default selection quotes both quotable stories; the person leaves out the critical one.
    critical_box = page.get_by_label(f"S{critical.pk}: No one came", exact=False)
    assert critical_box.is_checked()
    assert page.get_by_label(f"S{kind.pk}: Kind nurses", exact=False).is_checked()
    critical_box.uncheck()
    page.get_by_role("button", name="Make the report").click()
    page.get_by_role("link", name="Download the report: PDF").wait_for()
    assert_accessible(page)
    main = page.locator("main").inner_text()
    # 2 critical of 3 collected: a count under 5, so the share is not printed (it would give it back).
    statement = (
        "This report includes 0% critical stories; fewer than 5 critical stories were collected in the "
        "period (the exact number is suppressed), and critical stories with consent to be quoted were not "
        "quoted"
    )
    assert statement in main
    assert f"S{kind.pk}" in main and f"S{critical.pk}" not in main

    with page.expect_download() as download:
        page.get_by_role("link", name="Download the report: PDF").click()
    assert download.value.suggested_filename.startswith(f"board-report-{world.trust_a.ods_code}-")
    reader = PdfReader(io.BytesIO(download.value.path().read_bytes()))
    first_page = " ".join(reader.pages[0].extract_text().split())
    assert statement in first_page
    text = " ".join(" ".join(p.extract_text() for p in reader.pages).split())
    assert f"S{kind.pk} · Trust A NHS Foundation Trust · {period.last:%B %Y}" in text

    with page.expect_download() as workbook:
        page.get_by_role("link", name="Download the report: Excel workbook (XLSX)").click()
    assert workbook.value.suggested_filename.endswith(".xlsx")
    assert page.console_errors == []
