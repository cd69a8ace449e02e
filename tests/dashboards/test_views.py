"""Dashboard pages: reach, drill-down, owners, publishing and filters."""

from __future__ import annotations

import datetime as dt
from html import unescape

import pytest
from django.urls import reverse
from django.utils import timezone

from dashboards import rollups
from dashboards.models import Dashboard, DashboardStatus, Tile
from insight_hub.themes.models import Theme
from stories.models import Story, StoryTag
from tests.factories import CommentFactory, ResponseFactory, StoryFactory


def last_month() -> dt.datetime:
    """A moment in last month: the default period is the last complete months, never the current one."""
    return timezone.now() - dt.timedelta(days=timezone.localdate().day + 2)


@pytest.fixture
def data(world):
    theme = Theme.objects.get(taxonomy__is_default=True, name="Timeliness of care")
    now = last_month()
    for score in (1, 1, 1, 2, 2, 4, 5):
        ResponseFactory(service=world.service_a, fft_score=score, responded_at=now)
    for score in (1, 2, 2, 3, 5):
        ResponseFactory(service=world.service_b, fft_score=score, responded_at=now)
    story = StoryFactory(
        organisation=world.trust_a,
        status="shared",
        user=world.px_a,
        title="Waiting in the emergency department",
        narrative="We waited nine hours to be seen and nobody told us why.",
        occurred_on=timezone.localdate(now).replace(day=1),
    )
    StoryTag.objects.filter(story=story).delete()
    StoryTag.objects.create(story=story, theme=theme, sentiment="negative")
    comment = CommentFactory(
        response=ResponseFactory(service=world.service_a, responded_at=now), text="Seen quickly."
    )
    comment.redacted_text = "Seen quickly."
    comment.save()
    comment.tags.create(theme=theme, sentiment="positive")
    rollups.rebuild_all()
    return {"theme": theme, "story": story}


def test_system_view_shows_trusts_owner_and_stories(client, world, data):
    client.force_login(world.icb_lead)
    response = client.get(reverse("dashboards:system"))
    assert response.status_code == 200
    body = unescape(response.content.decode())  # a name such as O'Donnell is sent as O&#x27;Donnell
    assert world.icb_lead.get_full_name() in body  # the ICS's named lead
    assert reverse("dashboards:organisation", args=[world.trust_a.ods_code]) in body
    assert "Timeliness of care" in body
    assert "We waited nine hours to be seen" in body  # the story beside the number
    assert "data-chart" in body


def test_critical_on_the_system_view_means_what_board_reports_mean(client, world, data):
    """A story rated 5 at source (not yet flagged by the safety pass) is quoted as critical, and the page says
    what critical means; the list of unanswered safety concerns is named as such, not "critical stories"."""
    Story.objects.filter(pk=data["story"].pk).update(criticality=5)
    rollups.rebuild_all()
    client.force_login(world.icb_lead)
    body = unescape(client.get(reverse("dashboards:system")).content.decode())
    assert "We waited nine hours to be seen" in body
    assert '<strong class="nhsuk-tag nhsuk-tag--red">Critical</strong>' in body
    assert "Critical: a safety concern or criticality 4–5, as board reports count critical stories." in body
    assert "Safety concerns awaiting a response" in body
    assert "Critical stories without a response" not in body


@pytest.mark.parametrize("person", ["px_a", "px_b", "board_a", "stranger"])
def test_system_view_is_for_the_icb_only(client, world, person):
    client.force_login(getattr(world, person))
    assert client.get(reverse("dashboards:system")).status_code == 404


@pytest.mark.parametrize(
    ("person", "status"), [("px_a", 200), ("board_a", 200), ("icb_lead", 200), ("px_b", 404)]
)
def test_trust_dashboard_reach(client, world, data, person, status):
    client.force_login(getattr(world, person))
    assert client.get(reverse("dashboards:organisation", args=[world.trust_a.ods_code])).status_code == status


def test_drill_down_to_a_service(client, world, data):
    client.force_login(world.icb_lead)
    url = reverse("dashboards:service", args=[world.trust_a.ods_code, world.service_a.public_id])
    body = client.get(url + "?months=3").content.decode()
    assert world.service_a.name in body
    # Eight (seven, and the one with a comment), 6 positive: 75% would say that 2 were not positive, a small
    # count given away by subtraction, so the percentage is not shown.
    assert "75% positive" not in body and "* positive" in body
    other = reverse("dashboards:service", args=[world.trust_b.ods_code, world.service_a.public_id])
    assert client.get(other).status_code == 404  # a service under another trust's code


def test_filters_swap_only_the_body_over_htmx(client, world, data):
    client.force_login(world.icb_lead)
    response = client.get(reverse("dashboards:system") + "?months=6", HTTP_HX_REQUEST="true")
    body = response.content.decode()
    assert body.lstrip().startswith('<div id="dashboard-body"')
    assert "<html" not in body


def test_publishing_without_an_owner_is_refused(client, world):
    client.force_login(world.icb_lead)
    dashboard = Dashboard.objects.create(ics=world.ics, title="Urgent care", review_on=dt.date(2027, 3, 1))
    response = client.post(reverse("dashboards:publish", args=[dashboard.pk]), follow=True)
    assert "Choose a named owner before publishing" in response.content.decode()
    dashboard.refresh_from_db()
    assert dashboard.status == DashboardStatus.DRAFT

    dashboard.owner = world.icb_lead
    dashboard.save()
    client.post(reverse("dashboards:publish", args=[dashboard.pk]))
    dashboard.refresh_from_db()
    assert dashboard.status == DashboardStatus.PUBLISHED


def test_owner_must_be_an_icb_lead(client, world):
    client.force_login(world.icb_lead)
    response = client.post(
        reverse("dashboards:create"),
        {
            "title": "Maternity",
            "scope_kind": "ics",
            "owner": world.px_a.pk,
            "review_on_0": "1",
            "review_on_1": "3",
            "review_on_2": "2027",
        },
    )
    assert response.status_code == 200
    assert "select a valid choice" in response.content.decode()
    assert not Dashboard.objects.exists()


def test_a_deactivated_owner_shows_as_unowned(client, world, data):
    dashboard = Dashboard.objects.create(
        ics=world.ics, title="Waiting", owner=world.icb_lead, status=DashboardStatus.PUBLISHED
    )
    Tile.objects.create(dashboard=dashboard, kind="theme", theme=data["theme"], owner=world.icb_lead)
    world.icb_lead.is_active = False
    world.icb_lead.save()
    client.force_login(world.admin)
    body = client.get(reverse("dashboards:detail", args=[dashboard.pk])).content.decode()
    assert "No named owner" in body
    register = client.get(reverse("dashboards:owners")).content.decode()
    assert register.index("Owner has left") < register.index("Waiting") or "Owner has left" in register


def test_trust_people_see_published_dashboards_covering_their_trust_only(client, world):
    mine = Dashboard.objects.create(
        ics=world.ics, title="Trust A", status=DashboardStatus.PUBLISHED, scope_kind="organisations"
    )
    mine.organisations.set([world.trust_a])
    draft = Dashboard.objects.create(ics=world.ics, title="Draft", scope_kind="organisations")
    draft.organisations.set([world.trust_a])
    client.force_login(world.board_a)
    assert client.get(reverse("dashboards:detail", args=[mine.pk])).status_code == 200
    assert client.get(reverse("dashboards:detail", args=[draft.pk])).status_code == 404
    client.force_login(world.px_b)
    assert client.get(reverse("dashboards:detail", args=[mine.pk])).status_code == 404


def test_equality_view_renders_with_suppression_note(client, world, data):
    client.force_login(world.px_a)
    body = client.get(reverse("dashboards:equality") + "?characteristic=sex").content.decode()
    assert "FFT by sex" in body
    assert "cannot be shown" in body  # no population recorded


def test_equality_page_hides_small_groups(client, world):
    from tests.factories import ResponseFactory as Make

    now = last_month()
    for _ in range(12):
        Make(service=world.service_a, fft_score=1, responded_at=now, ethnic_category="A")
    for _ in range(3):  # three people: never shown, nor given away by the total
        Make(service=world.service_a, fft_score=5, responded_at=now, ethnic_category="N")
    for _ in range(6):
        Make(service=world.service_a, fft_score=2, responded_at=now, ethnic_category="H")
    rollups.rebuild_all()
    client.force_login(world.px_a)
    response = client.get(reverse("dashboards:equality") + "?characteristic=ethnic_category&months=3")
    rows = {row.group: row for row in response.context["rows"]}
    assert rows["N"].responses == "*" and rows["N"].percent_negative == "*"
    assert rows["H"].responses == "*"  # the partner, or 21 - 12 - 6 gives the 3 back
    assert rows["A"].responses == 12
    body = response.content.decode()
    assert ">3<" not in body


def test_export_names_the_owner_and_is_audited(client, world, data):
    from insight_hub.privacy.models import AuditEvent

    dashboard = Dashboard.objects.create(ics=world.ics, title="=HYPERLINK(1)", owner=world.icb_lead)
    Tile.objects.create(dashboard=dashboard, kind="metric", title="FFT", owner=world.icb_lead)
    Tile.objects.create(dashboard=dashboard, kind="theme", theme=data["theme"])
    client.force_login(world.icb_lead)
    response = client.get(reverse("dashboards:export_csv", args=[dashboard.pk]) + "?months=3")
    text = response.content.decode()
    assert f"Owner,{world.icb_lead.get_full_name()}" in text
    assert f"Owner contact,{world.icb_lead.email}" in text
    assert "'=HYPERLINK(1)" in text  # a formula is never handed to a spreadsheet
    assert "Timeliness of care,No named owner" in text
    # Last month's 2 mentions of the theme (a story and a comment) are a small number: starred in the export.
    assert ",Mentions,2" not in text and ",Mentions,*" in text
    assert AuditEvent.objects.filter(action="export.downloaded", object_id=str(dashboard.pk)).exists()


def _fft_responses_in_rollups(service) -> int:
    from dashboards.models import FFTMonthly
    from feedback.metrics import FFT_FIELDS

    return sum(
        getattr(row, name) for row in FFTMonthly.objects.filter(service=service) for name in FFT_FIELDS
    )


def test_a_page_never_waits_for_a_refresh_it_runs_after_the_response_at_most_once_a_minute(
    client, world, data, settings
):
    # With Celery eager (the embedded default, no beat), the page used to refresh stale roll-ups before it
    # answered: 68 s for the first request at scale, and a write on every GET.
    from django.core.cache import cache

    settings.CELERY_TASK_ALWAYS_EAGER = True
    cache.delete("dashboards:rollups:pass")
    client.force_login(world.icb_lead)
    url = (
        reverse("dashboards:service", args=[world.trust_a.ods_code, world.service_a.public_id]) + "?months=3"
    )
    for _ in range(10):
        ResponseFactory(service=world.service_a, fft_score=1, responded_at=last_month())

    body = client.get(url).content.decode()
    assert "8 responses" in body  # the figures as they were: the page did not refresh first
    assert "Figures as of" in body
    assert _fft_responses_in_rollups(world.service_a) == 18  # refreshed once the response was sent

    assert "18 responses" in client.get(url).content.decode()
    ResponseFactory(service=world.service_a, fft_score=1, responded_at=last_month())
    client.get(url)
    assert _fft_responses_in_rollups(world.service_a) == 18  # not again within the minute
    cache.delete("dashboards:rollups:pass")  # a minute later
    client.get(url)
    assert _fft_responses_in_rollups(world.service_a) == 19


def test_with_a_worker_pages_only_read(client, world, data, settings):
    from django.core.cache import cache

    settings.CELERY_TASK_ALWAYS_EAGER = False
    cache.delete("dashboards:rollups:pass")
    client.force_login(world.icb_lead)
    ResponseFactory(service=world.service_a, fft_score=1, responded_at=timezone.now())
    client.get(reverse("dashboards:system"))
    assert _fft_responses_in_rollups(world.service_a) == 8  # left to the worker's periodic pass
