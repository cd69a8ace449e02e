"""A board report made by a real Celery worker on Redis, its progress read from the page's fragment."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboards.reports.models import BoardReport, ReportStatus
from tests.conftest import wait_for


@pytest.mark.worker
@pytest.mark.django_db(transaction=True)
def test_a_worker_makes_the_report_queued_by_the_page(client, world, data, celery_worker):
    client.force_login(world.px_a)
    response = client.post(
        reverse("reports:new"),
        {
            "scope": world.trust_a.ods_code,
            "first_month": data.period.first.isoformat(),
            "last_month": data.period.last.isoformat(),
            "quote_count": 5,
            "stories": [],
        },
    )
    assert response.status_code == 302
    report = BoardReport.objects.get()
    assert report.chosen_story_ids == []  # nothing ticked is a choice too: no quotes
    fragment = reverse("reports:detail", kwargs={"uid": report.uid})

    def done():
        report.refresh_from_db()
        return report.status in (ReportStatus.DONE, ReportStatus.FAILED)

    wait_for(done, timeout=120, message="the worker to make the report")
    assert report.status == ReportStatus.DONE, report.message
    assert report.under_represented  # 0% quoted against 40% collected
    body = client.get(fragment, headers={"HX-Request": "true"}).content.decode()
    assert "hx-trigger" not in body  # finished: the fragment stops polling
    assert "Download the report: PDF" in body
    assert (
        client.get(reverse("reports:download", kwargs={"uid": report.uid, "fmt": "pdf"})).status_code == 200
    )
