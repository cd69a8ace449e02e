"""A report's files quote stories with the consent their tellers gave when it was made. Once a teller
withdraws consent, every file already made that quotes them stops being handed out (410 Gone) and the
report's page says why and offers to make it again; an outside review found the old PDF and XLSX still
downloading until expiry while the page dropped the story silently."""

from __future__ import annotations

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards.reports import services
from dashboards.reports.models import BoardReport, ReportStatus
from insight_hub.privacy.models import AuditAction, AuditEvent
from stories import services as story_services
from tests.reports.conftest import release


@pytest.fixture
def report(world, data, django_capture_on_commit_callbacks) -> BoardReport:
    chosen = [data.stories["critical0"].pk, data.stories["positive0"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        made = services.report_request(
            user=world.px_a,
            ics=world.ics,
            organisation=world.trust_a,
            first=data.period.first,
            last=data.period.last,
            quote_count=2,
            chosen_story_ids=chosen,
        )
    made.refresh_from_db()
    assert made.status == ReportStatus.DONE, made.message
    release(made)  # board members read it
    assert made.quoted_story_ids == chosen
    return made


def _download(client, report, fmt):
    return client.get(reverse("reports:download", kwargs={"uid": report.uid, "fmt": fmt}))


def test_files_quoting_a_withdrawn_story_are_gone_and_the_page_says_why(client, world, data, report):
    client.force_login(world.board_a)
    for fmt in ("pdf", "xlsx"):
        assert _download(client, report, fmt).status_code == 200

    story = data.stories["positive0"]
    today = timezone.localdate()
    story_services.story_consent_withdraw(story=story, user=world.px_a, withdrawn_on=today)
    downloads_before = AuditEvent.objects.filter(action=AuditAction.REPORT_DOWNLOADED).count()

    note = (
        f"This report quoted a story ({story.pk}) whose consent was withdrawn on {today:%-d %B %Y}; "
        "regenerate it."
    )
    for person in ("board_a", "px_a", "icb_lead"):
        client.force_login(world.people()[person])
        for fmt in ("pdf", "xlsx", "csv"):
            gone = _download(client, report, fmt)
            assert gone.status_code == 410, (person, fmt)
            assert "attachment" not in gone.get("Content-Disposition", "")
            assert note in gone.content.decode()
        page = client.get(reverse("reports:detail", kwargs={"uid": report.uid})).content.decode()
        assert note in page
        assert reverse("reports:download", kwargs={"uid": report.uid, "fmt": "pdf"}) not in page
        assert "Make the report again" in page
    # Nothing was handed out, so nothing was recorded as downloaded.
    assert AuditEvent.objects.filter(action=AuditAction.REPORT_DOWNLOADED).count() == downloads_before


def test_narrowed_consent_stops_the_files_too_and_the_remade_report_leaves_the_story_out(
    client, world, data, report, django_capture_on_commit_callbacks
):
    story = data.stories["critical0"]
    story_services.story_consent_record(
        story=story, user=world.px_a, internal_learning=True, board_quote=False, publication=False
    )
    client.force_login(world.px_a)
    assert _download(client, report, "pdf").status_code == 410
    page = client.get(reverse("reports:detail", kwargs={"uid": report.uid}))
    assert "no longer allows a board-report quote" in page.content.decode()

    # The page's link asks for the same report again; the new one does not quote the story and downloads.
    remake = page.context["remake_url"]
    assert client.get(remake).status_code == 200
    with django_capture_on_commit_callbacks(execute=True):
        again = services.report_request(
            user=world.px_a,
            ics=world.ics,
            organisation=world.trust_a,
            first=report.period_first,
            last=report.period_last,
            quote_count=2,
            chosen_story_ids=[story.pk, data.stories["positive0"].pk],
        )
    again.refresh_from_db()
    assert story.pk not in again.quoted_story_ids
    assert _download(client, again, "pdf").status_code == 200


def test_files_quoting_a_story_erased_at_the_tellers_request_are_gone_and_the_page_says_so(
    client, world, data, report
):
    from insight_hub.privacy import subjects

    story = data.stories["critical0"]
    client.force_login(world.board_a)
    assert _download(client, report, "pdf").status_code == 200

    erased, _ = subjects.subject_erase(world.admin, keys=[f"story:{story.pk}"])
    assert [record.pk for record in erased] == [story.pk]

    note = (
        f"This report quoted a story ({story.pk}) that has since been erased at the request of the person "
        "who told it; regenerate it."
    )
    for fmt in ("pdf", "xlsx", "csv"):
        gone = _download(client, report, fmt)
        assert gone.status_code == 410, fmt
        assert note in gone.content.decode()
    assert note in client.get(reverse("reports:detail", kwargs={"uid": report.uid})).content.decode()
