"""The Care Opinion sync against a local Care Opinion over real HTTP: what it brings in, the rate it keeps,
and how it survives the API's known faults (a refused key redirected to a sign-in page, items that come back
as "Sorry! Something went wrong.", a missing page, a timeout)."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from insight_hub.celery import app
from stories import services
from stories.care_opinion.models import (
    DEFAULT_CONSENT_BASIS,
    CareOpinionRun,
    CareOpinionServiceLink,
    CareOpinionSync,
    RunStatus,
)
from stories.care_opinion.sync import SyncBusy, _claim, care_opinion_sync
from stories.models import ConsentEvent, FlagSource, ImportSource, SourceChannel, Story
from stories.tasks import sync_care_opinion

pytestmark = pytest.mark.django_db

IN_ICS = {"1100001", "1100002", "1100004", "1100005", "1100006", "1100007"}  # 1100003 is about RZZ99


def stories_by_id() -> dict[str, Story]:
    return {story.external_id: story for story in Story.objects.all()}


def link_stroke_service(world) -> None:
    CareOpinionServiceLink.objects.create(
        nacs="RAA01-STROKE", organisation=world.trust_a, service=world.service_a
    )


@pytest.mark.usefixtures("tagging_recorded")
def test_a_first_run_brings_in_the_ics_opinions_and_a_second_run_fetches_nothing_new(
    world, care_opinion, client
):
    link_stroke_service(world)
    call_command("sync_care_opinion")
    first = CareOpinionRun.objects.get()
    assert first.status == RunStatus.SUCCEEDED
    assert (first.fetched, first.created, first.outside, first.skipped) == (7, 6, 1, 0)
    stories = stories_by_id()
    assert set(stories) == IN_ICS
    kind = stories["1100001"]
    assert kind.organisation == world.trust_a and kind.source_channel == SourceChannel.CARE_OPINION
    assert kind.import_source == ImportSource.CARE_OPINION and kind.teller == "family"
    assert kind.criticality == 0 and kind.external_progress == "responded"
    assert {"name": "nurses", "group": "Staff", "polarity": "1"} in kind.external_tags
    assert kind.external_responses[0]["author"] == "Ward Manager, Stroke Unit"
    assert "shared your kind words" in kind.external_responses[0]["body"]
    assert kind.external_url.endswith("/opinions/1100001")
    assert (kind.occurred_on, kind.occurred_precision) == (dt.date(2025, 9, 1), "month")
    # Care Opinion's service code, linked by a person, names the service.
    assert list(stories["1100005"].services.all()) == [world.service_a]
    # HTML character references in a body (as in real Care Opinion stories) are read as characters.
    assert "how he was doing.   Worth it & more. It made" in stories["1100005"].narrative
    assert "nbsp" not in stories["1100005"].narrative
    assert stories["1100002"].organisation == world.trust_b and stories["1100002"].criticality == 2
    assert stories["1100006"].teller == "staff" and stories["1100006"].criticality is None
    assert stories["1100006"].title.startswith("As a member of staff")  # no title: its first words
    severe = stories["1100004"]
    assert severe.safety_concern and severe.safety_flag_source == FlagSource.CRITICALITY
    # The organisation reads the response and the link on the story's page.
    client.force_login(world.px_a)
    page = client.get(f"/stories/{kind.pk}/").content.decode()
    assert "Responses on Care Opinion" in page and "shared your kind words" in page
    assert kind.external_url in page

    call_command("sync_care_opinion")
    second = CareOpinionRun.objects.order_by("-pk").first()
    assert second.status == RunStatus.SUCCEEDED
    assert (second.fetched, second.created, second.updated, second.requests) == (0, 0, 0, 1)
    assert Story.objects.count() == 6
    # It asked from the day before the last opinion it stored, and passed over what it had already read.
    assert care_opinion.page_requests()[-1].query["publishedafter"] == ["2025-09-18"]


@pytest.mark.usefixtures("tagging_recorded")
def test_requests_stay_within_five_a_second_and_pages_within_a_hundred(world, care_opinion, quick_client):
    run = care_opinion_sync(ics=world.ics, client=quick_client(requests_per_second=50))  # asks for too many
    assert run.status == RunStatus.SUCCEEDED and run.requests == len(care_opinion.seen) >= 12
    arrivals = [seen.at for seen in care_opinion.seen]
    busiest = max(sum(1 for t in arrivals if start <= t < start + 1.0) for start in arrivals)
    assert busiest <= 5
    assert all(seen.query["take"] == ["100"] for seen in care_opinion.page_requests())


def test_a_refused_key_is_a_clear_error_with_nothing_written_and_a_non_zero_exit(
    world, care_opinion, settings
):
    settings.CARE_OPINION_API_KEY = "not-the-key"
    with pytest.raises(CommandError, match="refused the API key.*302.*SignIn"):
        call_command("sync_care_opinion")
    assert not Story.objects.exists()
    state = CareOpinionSync.objects.get()
    assert state.last_published_at is None and state.running_since is None
    run = state.runs.get()
    assert run.status == RunStatus.FAILED and "CARE_OPINION_API_KEY" in run.message
    # The redirect was not followed, and the sign-in page was never taken for data.
    assert [seen.status for seen in care_opinion.seen] == [302]


def test_a_sign_in_page_served_as_the_answer_is_a_refused_key_too(world, care_opinion, quick_client):
    # A proxy that follows redirects hands back the sign-in page itself, with 200.
    client = quick_client(base_url=care_opinion.url.replace("/api/v2/opinions", "/Account/SignIn"))
    run = care_opinion_sync(ics=world.ics, client=client)
    assert run.status == RunStatus.FAILED and "answered with a web page, not data" in run.message
    assert not Story.objects.exists()


def test_without_a_key_the_command_says_so_and_writes_nothing(world, care_opinion, settings):
    settings.CARE_OPINION_API_KEY = ""
    with pytest.raises(CommandError, match="CARE_OPINION_API_KEY is not set"):
        call_command("sync_care_opinion")
    assert not CareOpinionSync.objects.exists() and not care_opinion.seen


def test_a_service_link_must_name_a_service_of_its_organisation(world):
    link = CareOpinionServiceLink(nacs=" raa01-stroke ", organisation=world.trust_b, service=world.service_a)
    with pytest.raises(ValidationError, match="service of the chosen organisation"):
        link.full_clean()
    assert link.nacs == "RAA01-STROKE"


@pytest.mark.usefixtures("tagging_recorded")
def test_items_that_came_back_sorry_are_skipped_and_reported_and_the_others_kept(world, care_opinion):
    care_opinion.sorry = {"1100002", "1100005"}
    out, err = StringIO(), StringIO()
    call_command("sync_care_opinion", stdout=out, stderr=err)  # a successful run: exit code 0
    run = CareOpinionRun.objects.get()
    assert run.status == RunStatus.SUCCEEDED
    assert (run.fetched, run.created, run.skipped) == (7, 4, 2)
    assert set(stories_by_id()) == IN_ICS - {"1100002", "1100005"}
    assert run.errors == [
        "Item 2 of the feed (an item) came back as “Sorry! Something went wrong.”",
        "Item 5 of the feed (an item) came back as “Sorry! Something went wrong.”",
    ]
    assert "7 fetched, 4 created" in out.getvalue() and "2 skipped" in out.getvalue()
    assert "Item 5 of the feed" in err.getvalue()


@pytest.mark.usefixtures("tagging_recorded")
def test_the_command_stops_on_a_missing_page_with_a_non_zero_exit_and_the_next_run_resumes(
    world, care_opinion
):
    care_opinion.faults[("opinions", 0)] = [404] * 4  # every try, with the command's own backoff
    with pytest.raises(CommandError, match=r"skip=0.* answered 404 \(4 tries\)\. Stopped"):
        call_command("sync_care_opinion")
    assert not Story.objects.exists()
    call_command("sync_care_opinion")
    assert set(stories_by_id()) == IN_ICS


@pytest.mark.usefixtures("tagging_recorded")
def test_an_opinion_whose_tags_stay_missing_is_kept_and_reported_so_the_sync_never_sticks(
    world, care_opinion, quick_client
):
    care_opinion.faults[("1100004", "tags")] = [404] * 2
    care_opinion.faults[("1100005", "healthservices")] = [404] * 2
    run = care_opinion_sync(ics=world.ics, client=quick_client(tries=2))
    assert run.status == RunStatus.SUCCEEDED and (run.created, run.skipped) == (5, 1)
    assert Story.objects.get(external_id="1100004").external_tags == []
    assert [error.split(" (")[0] for error in run.errors] == [
        "Opinion 1100004: its tags could not be read",
        "Opinion 1100005: its healthservices could not be read",
    ]
    # Seen again with its tags readable, the story gets them; a failed read never wipes what it has.
    CareOpinionSync.objects.update(last_published_at=dt.datetime(2025, 9, 1, tzinfo=dt.UTC))
    care_opinion.faults[("1100001", "tags")] = [404] * 2
    again = care_opinion_sync(ics=world.ics, client=quick_client(tries=2))
    assert (again.created, again.updated) == (1, 1)  # 1100005 now placed; 1100004's tags
    assert Story.objects.get(external_id="1100004").external_tags == [
        {"name": "pain relief", "group": "Treatment", "polarity": "-1"}
    ]
    assert len(Story.objects.get(external_id="1100001").external_tags) == 3


@pytest.mark.usefixtures("tagging_recorded")
def test_a_page_that_fails_once_is_retried_and_the_run_goes_on(world, care_opinion, quick_client):
    care_opinion.faults[("opinions", 0)] = [500]
    care_opinion.faults[("1100001", "tags")] = [404]
    run = care_opinion_sync(ics=world.ics, client=quick_client())
    assert run.status == RunStatus.SUCCEEDED and run.created == 6


@pytest.mark.usefixtures("tagging_recorded")
def test_a_missing_page_stops_the_run_with_its_position_and_the_next_run_resumes(
    world, care_opinion, quick_client
):
    care_opinion.faults[("opinions", 3)] = [404] * 4  # the second page of three, every try
    stopped = care_opinion_sync(ics=world.ics, client=quick_client(tries=4, backoff=0.25), take=3)
    assert stopped.status == RunStatus.STOPPED
    assert (
        "answered 404 (4 tries)" in stopped.message
        and "resumes after 2025-09-10T10:00:00Z" in stopped.message
    )
    assert set(stories_by_id()) == {"1100001", "1100002"}  # the first page (1100003 is outside the ICS)
    failed_tries = [s.at for s in care_opinion.page_requests() if s.status == 404]
    gaps = [later - earlier for earlier, later in zip(failed_tries, failed_tries[1:], strict=False)]
    assert gaps[2] > gaps[1] > gaps[0] >= 0.25  # backing off, longer each time

    resumed = care_opinion_sync(ics=world.ics, client=quick_client(), take=3)
    assert resumed.status == RunStatus.SUCCEEDED
    assert (resumed.fetched, resumed.created) == (4, 4)
    assert care_opinion.page_requests()[-2].query["publishedafter"] == ["2025-09-09"]
    assert set(stories_by_id()) == IN_ICS and Story.objects.count() == 6


@pytest.mark.usefixtures("tagging_recorded")
def test_opinions_published_at_the_same_moment_across_a_stop_are_all_brought_in(
    world, care_opinion, quick_client
):
    care_opinion.after_end_of_day = True  # the least generous reading of `publishedafter`
    same_moment = care_opinion.opinions[2]["dateOfPublication"]
    care_opinion.opinions[3]["dateOfPublication"] = same_moment  # 1100004, first of the next page
    care_opinion.faults[("opinions", 3)] = [500] * 2
    stopped = care_opinion_sync(ics=world.ics, client=quick_client(tries=2), take=3)
    assert stopped.status == RunStatus.STOPPED
    resumed = care_opinion_sync(ics=world.ics, client=quick_client(), take=3)
    assert resumed.status == RunStatus.SUCCEEDED and resumed.fetched == 4
    assert set(stories_by_id()) == IN_ICS


@pytest.mark.usefixtures("tagging_recorded")
def test_a_timeout_is_retried_then_stops_the_run_without_storing_the_unfinished_page(
    world, care_opinion, quick_client
):
    care_opinion.delays[("1100004", "tags")] = 1.5
    run = care_opinion_sync(ics=world.ics, client=quick_client(timeout=0.5, tries=2), take=3)
    assert run.status == RunStatus.STOPPED and "did not answer within 0.5 seconds (2 tries)" in run.message
    assert set(stories_by_id()) == {"1100001", "1100002"}
    assert CareOpinionSync.objects.get().last_published_at == dt.datetime(2025, 9, 10, 10, tzinfo=dt.UTC)


@pytest.mark.usefixtures("tagging_recorded")
def test_a_declared_consent_basis_is_recorded_on_each_new_story_and_never_assumed(world, care_opinion):
    call_command("sync_care_opinion", "--ics", str(world.ics.pk), "--since", "2025-09-12")
    assert not Story.objects.filter(consent_recorded_at__isnull=False).exists()  # nobody declared it
    with pytest.raises(CommandError, match="not an ICB lead or system administrator"):
        call_command("sync_care_opinion", "--declare-consent", world.px_a.username)
    call_command("sync_care_opinion", "--declare-consent", world.icb_lead.username)
    Story.objects.all().delete()
    CareOpinionSync.objects.update(last_published_at=None)
    call_command("sync_care_opinion", "--since", "2025-09-12")
    story = Story.objects.get(external_id="1100007")
    assert story.consent_internal_learning and not story.consent_board_quote and not story.consent_publication
    assert story.consent_recorded_by == world.icb_lead
    assert DEFAULT_CONSENT_BASIS in ConsentEvent.objects.get(story=story).note


@pytest.mark.usefixtures("tagging_recorded")
def test_an_opinion_seen_again_has_care_opinion_fields_refreshed_and_its_text_kept(
    world, care_opinion, quick_client
):
    care_opinion_sync(ics=world.ics, client=quick_client())
    Story.objects.filter(external_id="1100002").update(title="Corrected by the trust")
    care_opinion.related["1100002"]["responses"] = [
        {"id": 2200009, "responderName": "Patient Experience Team", "body": "We are sorry; please call us."}
    ]
    CareOpinionSync.objects.update(last_published_at=dt.datetime(2025, 9, 5, tzinfo=dt.UTC))
    run = care_opinion_sync(ics=world.ics, client=quick_client())
    assert (run.fetched, run.created, run.updated, run.unchanged) == (6, 0, 1, 4)
    story = Story.objects.get(external_id="1100002")
    assert story.title == "Corrected by the trust" and story.external_responses[0]["body"].startswith(
        "We are"
    )


@pytest.mark.usefixtures("tagging_recorded")
def test_a_run_out_of_time_stops_after_a_page_and_the_next_run_goes_on(world, care_opinion, quick_client):
    first = care_opinion_sync(ics=world.ics, client=quick_client(), take=3, budget=dt.timedelta(0))
    assert first.status == RunStatus.SUCCEEDED and first.fetched == 3
    assert "the next run goes on from here" in first.message
    second = care_opinion_sync(ics=world.ics, client=quick_client(), take=3, budget=dt.timedelta(0))
    assert second.fetched == 2 and Story.objects.count() == 4  # 1100003 again (passed over), then 2 more
    care_opinion_sync(ics=world.ics, client=quick_client(), take=3)
    assert set(stories_by_id()) == IN_ICS


def test_two_runs_never_hold_one_sync_at_once(world):
    _claim(world.ics)
    with pytest.raises(SyncBusy):
        care_opinion_sync(ics=world.ics)


def test_synced_stories_are_tagged_by_the_normal_celery_path(
    world, care_opinion, quick_client, django_capture_on_commit_callbacks
):
    care_opinion.opinions = care_opinion.opinions[:1]
    with django_capture_on_commit_callbacks(execute=True):
        care_opinion_sync(ics=world.ics, client=quick_client())
    story = Story.objects.get()
    assert story.tag_status == "tagged" and story.tags.exists()


@pytest.mark.usefixtures("tagging_recorded")
def test_the_beat_task_syncs_every_ics_and_the_operations_page_shows_the_last_sync(
    world, care_opinion, client
):
    schedule = app.conf.beat_schedule["sync-care-opinion"]
    assert schedule["task"] == "stories.tasks.sync_care_opinion"
    outcome = sync_care_opinion.apply().get()
    assert outcome == {world.ics.pk: RunStatus.SUCCEEDED}
    client.force_login(world.admin)
    page = client.get("/operations/").content.decode()
    assert "Care Opinion sync (Testshire ICS)" in page
    assert "Last sync finished: 7 fetched, 6 created, 0 updated, 0 skipped." in page
    assert "seconds ago" in page


@pytest.mark.usefixtures("tagging_recorded")
def test_outside_the_trust_a_shared_synced_story_shows_its_link_but_not_the_responses(
    world, care_opinion, client
):
    call_command("sync_care_opinion", "--declare-consent", world.admin.username)
    call_command("sync_care_opinion")
    story = Story.objects.get(external_id="1100001")
    services.story_status_set(story=story, status="submitted")
    services.story_status_set(story=story, status="shared")
    client.force_login(world.icb_lead)
    page = client.get(f"/stories/{story.pk}/").content.decode()
    assert "The story on Care Opinion" in page and "(1 response)" in page
    assert "Responses on Care Opinion" not in page and "shared your kind words" not in page
