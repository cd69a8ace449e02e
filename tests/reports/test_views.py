"""Board-report pages: who may make and read which report, the story selection, downloads and their audit."""

from __future__ import annotations

import pytest
from django.urls import reverse

from dashboards.reports.models import BoardReport, ReportStatus
from insight_hub.privacy.models import AuditAction, AuditEvent
from tests.factories import MembershipFactory
from tests.reports.conftest import release


def new_url(world, data, scope=None, **extra) -> str:
    params = {
        "scope": scope or world.trust_a.ods_code,
        "first_month": data.period.first.isoformat(),
        "last_month": data.period.last.isoformat(),
        "quote_count": 5,
        **extra,
    }
    return reverse("reports:new") + "?" + "&".join(f"{k}={v}" for k, v in params.items())


def post_report(client, world, data, stories, scope=None):
    return client.post(
        reverse("reports:new"),
        {
            "scope": scope or world.trust_a.ods_code,
            "first_month": data.period.first.isoformat(),
            "last_month": data.period.last.isoformat(),
            "quote_count": 5,
            "stories": stories,
        },
    )


@pytest.fixture
def made(client, world, data, django_capture_on_commit_callbacks):
    """A trust A report made through the pages by its px_lead, with the default selection."""
    client.force_login(world.px_a)
    page = client.get(new_url(world, data))
    default = page.context["selection"].initial["stories"]
    with django_capture_on_commit_callbacks(execute=True):
        response = post_report(client, world, data, default)
    report = BoardReport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("reports:detail", kwargs={"uid": report.uid})
    client.logout()
    return report


def test_the_form_ticks_the_default_selection_and_lists_other_quotable_stories(client, world, data):
    client.force_login(world.px_a)
    response = client.get(new_url(world, data))
    assert response.status_code == 200
    body = response.content.decode()
    assert "10 stories were collected in the period" in body
    checked = body.count("checked")
    assert checked == 5
    # All 7 quotable stories are offered; the 3 without board consent are not.
    for key in ("critical0", "critical1", "negative0", "negative1", "positive0", "positive1", "positive2"):
        assert f"S{data.stories[key].pk}:" in body
    for key in ("critical2", "critical3", "negative2"):
        assert f"S{data.stories[key].pk}:" not in body
    # The page states the rule the report applies (a binomial test, see Balance), not a fixed gap in points.
    assert "percentage points" not in body
    assert "by more than chance would explain, or none is quoted though some have consent" in body


def test_the_default_selection_is_stored_as_default(client, world, data, made):
    made.refresh_from_db()
    assert made.chosen_story_ids is None
    assert made.status == ReportStatus.DONE
    assert made.requested_by == world.px_a


def test_a_changed_selection_is_stored_and_generated(client, world, data, django_capture_on_commit_callbacks):
    client.force_login(world.px_a)
    chosen = [data.stories["positive0"].pk, data.stories["positive1"].pk]
    with django_capture_on_commit_callbacks(execute=True):
        post_report(client, world, data, chosen)
    report = BoardReport.objects.get()
    assert report.chosen_story_ids == chosen
    assert report.under_represented
    page = client.get(reverse("reports:detail", kwargs={"uid": report.uid})).content.decode()
    assert (  # 4 critical of 10 collected: suppressed, as in the PDF
        "This report includes 0% critical stories; fewer than 5 critical stories were collected in the "
        "period (the exact number is suppressed)" in page
    )


def test_a_story_of_another_trust_cannot_be_chosen(client, world, data):
    from tests.reports.conftest import make_story

    other = make_story(world, "b", sentiment="positive", month=data.period.first)
    other.organisation = world.trust_b
    other.save()
    client.force_login(world.px_a)
    response = post_report(client, world, data, [other.pk])
    assert response.status_code == 200
    assert "select a valid choice" in response.content.decode()
    assert not BoardReport.objects.exists()


def test_the_last_month_before_the_first_is_refused_with_a_message(client, world, data):
    client.force_login(world.px_a)
    url = new_url(
        world, data, first_month=data.period.last.isoformat(), last_month=data.period.first.isoformat()
    )
    body = client.get(url).content.decode()
    assert "The last month must be the same as or after the first month" in body


@pytest.mark.parametrize(
    ("person", "scope", "allowed"),
    [
        ("px_a", "a", True),
        ("px_a", "b", False),
        ("px_a", "ics", False),
        ("icb_lead", "ics", True),
        ("icb_lead", "b", True),
        ("px_b", "a", False),
    ],
)
def test_who_may_make_which_report(client, world, data, person, scope, allowed):
    key = {"a": world.trust_a.ods_code, "b": world.trust_b.ods_code, "ics": f"ics-{world.ics.pk}"}[scope]
    client.force_login(getattr(world, person))
    response = client.get(new_url(world, data, scope=key))
    assert response.status_code == 200
    assert ("selection" in response.context) is allowed


@pytest.mark.parametrize("person", ["board_a", "admin", "stranger"])
def test_board_members_and_administrators_do_not_make_reports(client, world, person):
    client.force_login(getattr(world, person))
    assert client.get(reverse("reports:new")).status_code == 404


@pytest.mark.parametrize(
    ("person", "status"),
    [("px_a", 200), ("px_a_colleague", 200), ("board_a", 200), ("icb_lead", 200), ("admin", 200),
     ("px_b", 404), ("stranger", 404)],
)  # fmt: skip
def test_who_reads_a_released_trust_report(client, world, made, person, status):
    release(made)
    client.force_login(getattr(world, person))
    assert client.get(reverse("reports:detail", kwargs={"uid": made.uid})).status_code == status
    download = reverse("reports:download", kwargs={"uid": made.uid, "fmt": "pdf"})
    assert client.get(download).status_code == status


@pytest.mark.parametrize(
    ("person", "status"),
    [("px_a", 200), ("px_a_colleague", 200), ("board_a", 404), ("icb_lead", 200), ("admin", 200),
     ("px_b", 404), ("stranger", 404)],
)  # fmt: skip
def test_a_draft_is_read_by_its_makers_and_owners_not_by_the_board(client, world, made, person, status):
    assert made.signoff == "draft"
    client.force_login(getattr(world, person))
    assert client.get(reverse("reports:detail", kwargs={"uid": made.uid})).status_code == status
    download = reverse("reports:download", kwargs={"uid": made.uid, "fmt": "pdf"})
    assert client.get(download).status_code == status


def test_an_ics_report_is_read_by_the_ics_only(client, world, data, django_capture_on_commit_callbacks):
    client.force_login(world.icb_lead)
    with django_capture_on_commit_callbacks(execute=True):
        post_report(client, world, data, [], scope=f"ics-{world.ics.pk}")
    report = BoardReport.objects.get()
    assert report.organisation is None
    for person, status in (("board_a", 404), ("px_a", 404), ("px_b", 404), ("icb_lead", 200), ("admin", 200)):
        client.force_login(getattr(world, person))
        assert client.get(reverse("reports:detail", kwargs={"uid": report.uid})).status_code == status, person
    # A board member at the ICB reads the ICS's reports once released (and makes none).
    icb_board = MembershipFactory(organisation=world.icb, role="board").user
    client.force_login(icb_board)
    assert client.get(reverse("reports:detail", kwargs={"uid": report.uid})).status_code == 404
    release(report)
    assert client.get(reverse("reports:detail", kwargs={"uid": report.uid})).status_code == 200
    assert client.get(reverse("reports:new")).status_code == 404


def test_viewing_and_downloading_are_audited(client, world, made):
    release(made)
    client.force_login(world.board_a)
    client.get(reverse("reports:detail", kwargs={"uid": made.uid}))
    client.get(reverse("reports:detail", kwargs={"uid": made.uid}), headers={"HX-Request": "true"})
    for fmt in ("pdf", "xlsx", "csv"):
        response = client.get(reverse("reports:download", kwargs={"uid": made.uid, "fmt": fmt}))
        assert response.status_code == 200
        assert "attachment" in response["Content-Disposition"]
    viewed = AuditEvent.objects.filter(action=AuditAction.REPORT_VIEWED, user=world.board_a)
    assert viewed.count() == 1  # the page, not its progress polls
    downloads = AuditEvent.objects.filter(action=AuditAction.REPORT_DOWNLOADED, user=world.board_a)
    assert sorted(e.detail["format"] for e in downloads) == ["csv", "pdf", "xlsx"]
    assert {e.object_id for e in downloads} == {str(made.pk)}
    generated = AuditEvent.objects.get(action=AuditAction.REPORT_GENERATED)
    assert generated.user == world.px_a and generated.detail["selection"] == "default"


def test_the_progress_fragment_polls_while_the_report_is_made(client, world, data, made):
    BoardReport.objects.filter(pk=made.pk).update(status=ReportStatus.RUNNING, progress=40, step="Stories")
    client.force_login(world.px_a)
    fragment = client.get(reverse("reports:detail", kwargs={"uid": made.uid}), headers={"HX-Request": "true"})
    body = fragment.content.decode()
    assert 'hx-trigger="every 1s"' in body and 'value="40"' in body
    assert "<html" not in body
    assert client.get(reverse("reports:download", kwargs={"uid": made.uid, "fmt": "pdf"})).status_code == 404


def test_an_unknown_format_is_not_found(client, world, made):
    client.force_login(world.px_a)
    assert client.get(reverse("reports:download", kwargs={"uid": made.uid, "fmt": "docx"})).status_code == 404


def test_the_list_shows_reports_within_reach(client, world, made):
    release(made)
    client.force_login(world.px_b)
    assert made.scope_label not in client.get(reverse("reports:list")).content.decode()
    client.force_login(world.board_a)
    body = client.get(reverse("reports:list")).content.decode()
    assert reverse("reports:detail", kwargs={"uid": made.uid}) in body
    assert "Make a board report" not in body
