"""A board member reads dashboards and released reports for their organisation, as the README says, and
nothing else: not responses, not the comment exports, not tag panels (an outside review found a board
member opening responses, exporting every comment as CSV and XLSX and reading tag panels). 404, as for
anything outside a person's reach."""

from __future__ import annotations

import pytest
from django.urls import reverse

from insight_hub.organisations.permissions import can_read_records, reads_records
from tests.factories import StoryFactory
from tests.themes.conftest import make_comment


@pytest.fixture(autouse=True)
def _no_tagging(monkeypatch):
    from insight_hub.themes import services as theme_services

    monkeypatch.setattr(theme_services, "tagging_queue", lambda *, label, ids: None)


def test_a_board_member_reads_no_responses_exports_or_tag_panels(client, world):
    comment = make_comment(world.service_a, "The ward was clean.")
    story = StoryFactory(organisation=world.trust_a, user=world.px_a, status="shared")
    client.force_login(world.board_a)
    for url in [
        reverse("feedback:response_list"),
        reverse("feedback:response_detail", args=[comment.response.pk]),
        reverse("feedback:response_export_csv"),
        reverse("feedback:response_export_xlsx"),
        reverse("themes:review_item", args=["feedback.comment", comment.pk]),
        reverse("themes:tag_panel", args=["feedback.comment", comment.pk]),
        reverse("themes:tag_panel", args=["stories.story", story.pk]),
        reverse("themes:review_queue"),
    ]:
        assert client.get(url).status_code == 404, url
    # The story itself (shared, redacted) is still read, without its tag panel.
    page = client.get(reverse("stories:detail", args=[story.pk]))
    assert page.status_code == 200 and page.context["panel"] is None
    # Dashboards and reports stay theirs.
    assert client.get(reverse("dashboards:organisation", args=[world.trust_a.ods_code])).status_code == 200
    assert client.get(reverse("reports:list")).status_code == 200


def test_records_reach_leaves_out_the_board_only(world):
    assert not reads_records(world.board_a) and not reads_records(world.stranger)
    for person in ("px_a", "icb_lead", "admin"):
        assert reads_records(world.people()[person])
        assert can_read_records(world.people()[person], world.trust_a)
    assert not can_read_records(world.px_b, world.trust_a)
    assert not can_read_records(world.board_a, world.trust_a)
