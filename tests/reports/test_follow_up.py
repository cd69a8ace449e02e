"""Section 6 of the board report, "Responses and changes made": in the PDF (read back with pypdf), on page
one, on the report's page, and in the workbook and CSV, figures suppressed as on the dashboards."""

from __future__ import annotations

import csv
import datetime as dt
import io

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook
from pypdf import PdfReader

from dashboards import rollups
from dashboards.follow_up import working_days_between
from dashboards.reports import services
from dashboards.reports.follow_up import NO_RESPONSES, for_page
from dashboards.reports.models import ReportFile
from stories import services as story_services
from stories.models import Story
from tests.reports.conftest import make_story

pytestmark = pytest.mark.django_db
TZ = timezone.get_current_timezone()


@pytest.fixture
def answered(world, data):
    """Every critical story of the fixture answered on the 10th of the period's last month, each logged on
    the 2nd of that month; two get a change made, signed off. Critical: the 4 flagged with a safety concern
    and the 3 "negative" ones, rated 4 of 5 critical at source here (7). Three more stories read as negative
    but neither flagged nor rated critical are answered too: not critical, on page one or in section 6."""
    last = data.period.last
    logged = dt.datetime.combine(last.replace(day=2), dt.time(9), tzinfo=TZ)
    responded = dt.datetime.combine(last.replace(day=10), dt.time(15), tzinfo=TZ)
    Story.objects.filter(pk__in=[data.stories[f"negative{i}"].pk for i in range(3)]).update(criticality=4)
    critical = [s for key, s in data.stories.items() if key.startswith(("critical", "negative"))]
    negative_only = [make_story(world, f"plain{i}", sentiment="negative", month=last) for i in range(3)]
    for story in critical + negative_only:
        story.refresh_from_db()
        story_services.teller_response_record(story=story, user=world.px_a, response="Thank you, Jo Bloggs.")
    Story.objects.filter(pk__in=[s.pk for s in critical + negative_only]).update(
        logged_at=logged, teller_response_at=responded
    )
    for story in critical[:2]:
        action = story_services.action_create(
            story=story, user=world.px_a, description="Hourly rounds", owner=world.px_a,
            due_on=timezone.localdate(),
        )  # fmt: skip
        story_services.change_claim(action=action, user=world.px_a, claim="made", description="Rounds began")
        story_services.change_sign_off(action=action, user=world.px_a_colleague)
    rollups.refresh_stale()  # the report reads the roll-ups, as of the last pass
    return working_days_between(logged.date(), responded.date())


def _report(world, data, django_capture_on_commit_callbacks):
    with django_capture_on_commit_callbacks(execute=True):
        report = services.report_request(
            user=world.px_a, ics=world.ics, organisation=world.trust_a,
            first=data.period.first, last=data.period.last, quote_count=5, chosen_story_ids=None,
        )  # fmt: skip
    report.refresh_from_db()
    return report


def _file(report, fmt) -> bytes:
    return bytes(ReportFile.objects.get(report=report, format=fmt).content)


def test_the_report_has_a_responses_and_changes_section_with_its_owner_chart_and_figures(
    client, world, data, answered, django_capture_on_commit_callbacks
):
    report = _report(world, data, django_capture_on_commit_callbacks)
    assert report.status == "done", report.message
    reader = PdfReader(io.BytesIO(_file(report, "pdf")))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    section = text[text.index("6. Responses and changes made") : text.index("7. Data sources")]
    lead = world.px_a.get_full_name()
    assert f"Section owner: {lead}, patient-experience lead, Trust A NHS Foundation Trust" in section
    # 7 critical stories, all answered (7, 100%: none left unanswered, so nothing small to give away); 2 with
    # a change made: a small count, hidden with its share. The 3 stories only read as negative are not
    # critical; their responses count in the response times (10 in the month).
    assert "(critical: a safety concern or criticality 4–5)" in section
    assert "All critical stories 7" in section
    assert "With a response to the person who told it 7 100%" in section
    assert "With a change made (claimed and signed off by a second person at the trust) * *" in section
    assert "Response time by month" in section and "XmR chart (working days)" in section
    assert "working days (weekends and England's bank holidays left out)" in section
    # One month with 10 responses (7 critical, 3 not), each after `answered` working days: its mean; the
    # others have none.
    month = f"{data.period.last:%B %Y}"  # "November 2026", never "2026-11"
    assert f"{month} 10 {float(answered)}" in section
    assert f"{data.period.last:%Y-%m}" not in section
    # The chart's caption says why the other 23 of its 24 months have no point: no one was answered in them.
    assert "23 months have no responses." in section and "no point because" not in section
    assert "Jo Bloggs" not in text  # figures only, never the reply
    # Page one states the same figures, and counts the same critical stories (7 of the 13 collected).
    first_page = " ".join(reader.pages[0].extract_text().split())
    meaning = "(critical: a safety concern or criticality 4–5)"
    assert f"Critical stories collected in the period {meaning}: 7 (" in first_page
    assert report.summary["critical_collected"] == report.summary["follow_up"]["shares"]["critical"] == 7
    assert "Critical stories with a response to the person who told them: 7 (100%)" in first_page
    assert "Critical stories with a change made: *." in first_page

    # The report's page shows the stored figures.
    client.force_login(world.px_a)
    page = client.get(reverse("reports:detail", kwargs={"uid": report.uid})).content.decode()
    assert 'id="follow-up"' in page and "Response time by month" in page
    # Months named as in the PDF, not stored keys; a table, since there are responses.
    assert f'<th scope="row" class="nhsuk-table__header">{data.period.last:%B %Y}</th>' in page
    assert f">{data.period.last:%Y-%m}<" not in page and NO_RESPONSES not in page
    assert report.summary["follow_up"]["shares"] == {
        "critical": 7, "responded": 7, "responded_percent": 100, "changed": "*", "changed_percent": "*",
    }  # fmt: skip

    # The workbook and the CSV carry the same figures, suppressed alike.
    book = load_workbook(io.BytesIO(_file(report, "xlsx")))
    rows = list(book["Critical follow-up"].iter_rows(values_only=True))
    assert rows[0] == ("Critical stories", "Stories", "Share (%)")
    assert rows[2] == ("With a response to the person who told it", 7, 100)
    assert rows[3] == ("With a change made (signed off)", "*", "*")
    months = {r[0]: r for r in book["Response time"].iter_rows(min_row=2, values_only=True)}
    assert months[f"{data.period.last:%Y-%m}"][1:3] == (10, float(answered))
    assert len(months) == 24
    lines = list(csv.reader(io.StringIO(_file(report, "csv").decode("utf-8-sig"))))
    assert ["Critical follow-up", "With a change made (signed off)", "Stories", "*"] in lines
    assert ["Response time", f"{data.period.last:%Y-%m}", "Responses", "10"] in lines


def test_with_no_response_at_all_the_report_says_so_instead_of_a_table_of_zeros(
    client, world, data, django_capture_on_commit_callbacks
):
    """No story of the scope has a response to its teller: one sentence, in the PDF and on the page, and no
    chart or 24 rows of zeros. The critical stories' shares are still shown (none answered, 0 of 4: *)."""
    assert not Story.objects.exclude(teller_response="").exists()
    rollups.refresh_stale()
    report = _report(world, data, django_capture_on_commit_callbacks)
    assert report.status == "done", report.message
    reader = PdfReader(io.BytesIO(_file(report, "pdf")))
    text = " ".join(" ".join(page.extract_text() for page in reader.pages).split())
    section = text[text.index("6. Responses and changes made") : text.index("7. Data sources")]
    assert NO_RESPONSES in section
    assert "statistical process control chart" not in section and "XmR chart" not in section
    assert "Centre line" not in section and f"{data.period.last:%B %Y} 0" not in section
    assert "All critical stories" in section

    client.force_login(world.px_a)
    page = client.get(reverse("reports:detail", kwargs={"uid": report.uid})).content.decode()
    section = page[page.index('id="follow-up"') :]
    times = section[section.index("<h3>Response time by month</h3>") :]
    times = times[: times.index("<h2")]  # up to the next section of the page
    assert NO_RESPONSES in times
    assert "Mean response time" not in times and "<td" not in times


def test_the_page_names_the_months_of_a_report_stored_before_the_change():
    stored = {"months": [{"month": "2025-01", "responses": 0, "mean": None}], "shares": {}}
    shown = for_page(stored)
    assert shown["months"][0]["label"] == "January 2025" and shown["no_responses"] == NO_RESPONSES
    stored["months"].append({"month": "2025-02", "responses": "*", "mean": "*"})
    assert for_page(stored)["no_responses"] == ""
    assert for_page(None) is None
