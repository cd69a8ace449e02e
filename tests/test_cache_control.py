"""Nothing with patients' words or personal data may be kept by a browser or a proxy: every answer to a
signed-in person and every file is sent with `Cache-Control: private, no-store` (an outside review found
story pages, exports and report files sent with no Cache-Control at all)."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboards.reports.models import BoardReport, ReportFile, ReportStatus, SignOff
from dashboards.reports.selectors import month_choices
from tests.factories import StoryFactory
from tests.themes.conftest import make_comment


def assert_no_store(response) -> None:
    directives = {d.strip() for d in response.get("Cache-Control", "").split(",")}
    assert {"no-store", "private"} <= directives, response.get("Cache-Control")
    assert "public" not in directives
    assert not response.has_header("Expires")


@pytest.fixture(autouse=True)
def _no_tagging(monkeypatch):
    from insight_hub.themes import services as theme_services

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)


def test_a_story_page_with_its_original_text_is_not_stored(client, world):
    story = StoryFactory(organisation=world.trust_a, user=world.px_a, narrative="Call me on 07700 900456.")
    client.force_login(world.px_a)
    response = client.get(reverse("stories:detail", args=[story.pk]))
    assert response.status_code == 200 and "07700 900456" in response.content.decode()
    assert_no_store(response)


@pytest.mark.parametrize("name", ["feedback:response_export_csv", "feedback:response_export_xlsx"])
def test_exports_are_not_stored(client, world, name):
    make_comment(world.service_a, "Kind staff.")
    client.force_login(world.px_a)
    response = client.get(reverse(name))
    assert response.status_code == 200 and "attachment" in response["Content-Disposition"]
    assert_no_store(response)


def test_a_report_file_is_not_stored(client, world):
    # A board member reads a report once it is released to the board.
    month = month_choices()[1][0]
    report = BoardReport.objects.create(
        ics=world.ics, organisation=world.trust_a, period_first=month, period_last=month,
        status=ReportStatus.DONE, requested_by=world.px_a, signoff=SignOff.RELEASED,
    )  # fmt: skip
    ReportFile.objects.create(report=report, format="pdf", content=b"%PDF-1.7", size=8)
    client.force_login(world.board_a)
    response = client.get(reverse("reports:download", kwargs={"uid": report.uid, "fmt": "pdf"}))
    assert response.status_code == 200
    assert_no_store(response)


def test_a_page_that_set_its_own_caching_is_overridden_when_signed_in(client, world):
    # The public form sets `private, no-cache` for everyone; signed in, it is no-store like any page.
    url = reverse("feedback:public_form", args=[world.service_a.public_id])
    assert "no-store" not in client.get(url).get("Cache-Control", "")
    client.force_login(world.px_a)
    assert_no_store(client.get(url))
