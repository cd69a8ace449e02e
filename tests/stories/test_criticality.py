"""Criticality, the source's rating of a story: Care Opinion's 0–5 or a signed −5..+5 read correctly (praise
never taken for criticality), filterable apart from the safety flag, a new safety concern when high, shown
beside the tagger's own safety reading, and the values held before migrated."""

from __future__ import annotations

import json
from io import StringIO

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import call_command
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.urls import reverse

from stories import safety, selectors, services
from stories import tasks as story_tasks
from stories.imports import criticality_read, stories_import
from stories.models import CriticalityScale, FlagSource, Story, StoryStatus
from tests.factories import StoryFactory

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]

SIGNED, CARE_OPINION = CriticalityScale.SIGNED, CriticalityScale.CARE_OPINION
HEADER = "external_id,title,narrative,teller,occurred_on,source_channel,criticality"


def csv_file(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


def run(world, content: bytes, scale: str, name: str = "stories.csv"):
    return stories_import(
        organisation=world.trust_a, user=world.px_a, name=name, content=content, criticality_scale=scale
    )


# Reading the two scales


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        ("-5", (5, 0)),
        ("-3", (3, 0)),
        ("−2", (2, 0)),  # a minus sign as a word processor writes it
        (-1, (1, 0)),
        ("0", (0, 0)),
        ("+4", (0, 4)),
        ("5", (0, 5)),
        ("3.0", (0, 3)),  # as a spreadsheet saves a number
        (2, (0, 2)),
    ],
)
def test_a_signed_value_keeps_criticality_and_praise_apart(value, expected):
    rating = criticality_read(value, SIGNED)
    assert (rating["criticality"], rating["praise"], rating["criticality_scale"]) == (*expected, SIGNED)


@pytest.mark.parametrize(
    ("value", "expected"), [("0", 0), (4, 4), ("5", 5), ("stronglyCritical", 4), ("Mildly critical", 2)]
)
def test_a_care_opinion_value_is_criticality_and_says_nothing_of_praise(value, expected):
    assert criticality_read(value, CARE_OPINION) == {
        "criticality": expected,
        "praise": None,
        "criticality_scale": CARE_OPINION,
    }


@pytest.mark.parametrize("value", ["-6", "6", "xx", "", None, True, "5" * 50, "²", 2.5])
def test_a_value_off_the_signed_scale_is_refused(value):
    assert criticality_read(value, SIGNED) is None


@pytest.mark.parametrize("value", ["-4", "-1", "6", "xx", "stronglyPraising", True])
def test_a_negative_value_is_not_care_opinion_criticality(value):
    assert criticality_read(value, CARE_OPINION) is None


# Importers


def test_a_signed_csv_column_imports_critical_and_praise_stories_apart(world):
    report = run(
        world,
        csv_file(
            "S1,Dismissed,They were abrupt and made me feel worse.,patient,2025-03,care_opinion,-4",
            "S2,Thank you,Thank you for caring.,patient,2025-03,care_opinion,5",
            "S3,Fine,It was fine.,patient,2025-03,care_opinion,0",
            "S4,No rating,Nothing said.,patient,2025-03,care_opinion,",
        ),
        SIGNED,
    )
    assert report.ok, report.errors
    stories = {s.external_id: s for s in Story.objects.all()}
    assert (stories["S1"].criticality, stories["S1"].praise) == (4, 0)
    assert (stories["S2"].criticality, stories["S2"].praise) == (0, 5)
    assert (stories["S3"].criticality, stories["S3"].praise) == (0, 0)
    assert (stories["S4"].criticality, stories["S4"].praise, stories["S4"].criticality_scale) == (
        None,
        None,
        "",
    )
    # The strongly critical story is a new concern, routed to the trust's lead; praise 5 is not.
    assert stories["S1"].awaiting_response and stories["S1"].safety_flag_source == FlagSource.CRITICALITY
    assert stories["S1"].safety_routed_to == world.px_a
    assert not stories["S2"].is_flagged and not stories["S3"].is_flagged


def test_the_same_column_read_as_care_opinion_0_to_5_takes_5_as_severely_critical(world):
    report = run(world, csv_file("S1,Awful,It went badly.,patient,2025-03,care_opinion,5"), CARE_OPINION)
    assert report.ok
    story = Story.objects.get()
    assert (story.criticality, story.praise, story.criticality_scale) == (5, None, CARE_OPINION)
    assert story.awaiting_response


def test_a_value_off_the_chosen_scale_names_its_row_and_the_scale(world):
    report = run(world, csv_file("S1,T,N,patient,2025-03,pals,-4"), CARE_OPINION)
    assert [str(e) for e in report.errors] == [
        "Row 2, criticality: must be 0 to 5 or Care Opinion's word for it"
    ]
    report = run(world, csv_file("S1,T,N,patient,2025-03,pals,+7"), SIGNED)
    assert [str(e) for e in report.errors] == [
        "Row 2, criticality: must be a whole number from -5 (most critical) to +5 (most praise)"
    ]
    assert not Story.objects.exists()


def test_a_care_opinion_export_with_a_signed_criticality_imports_when_told_so(world):
    opinion = {
        "id": 7,
        "title": "Crisis line",
        "body": "The crisis worker was abrupt.",
        "criticality": -4,
        "dateOfSubmission": "2025-03-14T10:20:00Z",
        "authorRole": "patient",
    }
    refused = run(world, json.dumps([opinion]).encode(), CARE_OPINION, name="o.json")
    assert [e.field for e in refused.errors] == ["criticality"]
    assert run(world, json.dumps([opinion]).encode(), SIGNED, name="o.json").ok
    story = Story.objects.get()
    assert (story.criticality, story.praise) == (4, 0) and story.awaiting_response


def test_the_command_takes_the_scale(world, tmp_path):
    path = tmp_path / "stories.csv"
    path.write_bytes(csv_file("S1,Thanks,Kind staff.,patient,2025-03,care_opinion,4"))
    out = StringIO()
    call_command(
        "import_stories",
        str(path),
        organisation=world.trust_a.ods_code,
        user=world.px_a.username,
        criticality_scale="signed",
        stdout=out,
    )
    story = Story.objects.get()
    assert "1 imported" in out.getvalue()
    assert (story.criticality, story.praise) == (0, 4) and not story.is_flagged


def test_the_browser_import_asks_for_the_scale_and_uses_it(client, world):
    client.force_login(world.px_a)
    url = reverse("stories:import")
    html = client.get(url).content.decode()
    assert "Signed −5..+5" in html and "Care Opinion 0–5 criticality" in html
    upload = SimpleUploadedFile("s.csv", csv_file("S1,Thanks,Kind staff.,patient,2025-03,care_opinion,-2"))
    response = client.post(
        url, {"organisation": world.trust_a.pk, "file": upload, "criticality_scale": "signed"}
    )
    assert response.status_code == 302
    assert Story.objects.values_list("criticality", "praise").get() == (2, 0)


# Shown, and filtered apart from the safety flag


def rated(world, criticality, praise=None, scale=SIGNED, **kwargs):
    return StoryFactory(
        organisation=world.trust_a,
        user=world.px_a,
        criticality=criticality,
        praise=praise,
        criticality_scale=scale if criticality is not None else "",
        **kwargs,
    )


def test_criticality_and_safety_flag_are_two_filters(world):
    high = rated(world, 5, 0)
    mild = rated(world, 2, 0)
    praise = rated(world, 0, 4)
    unrated = rated(world, None)
    services.story_flag(story=unrated, user=world.px_a, concern="safety")  # flagged by a person, no rating

    def found(**filters):
        return set(selectors.story_list(world.px_a, selectors.StoryFilters(**filters)))

    assert found(criticality="high") == {high}
    assert found(criticality="critical") == {high, mild}
    assert found(criticality="not_critical") == {praise}
    assert found(criticality="praise") == {praise}
    assert found(criticality="unrated") == {unrated}
    assert found(safety="flagged") == {unrated}  # the rating alone is not a flag until routing raises it
    assert found(safety="flagged", criticality="high") == set()


def test_the_list_page_filters_by_criticality_with_its_own_label(client, world):
    high, praise = rated(world, 4, 0, title="Rated high"), rated(world, 0, 5, title="Rated praise")
    client.force_login(world.px_a)
    html = client.get(reverse("stories:list"), {"criticality": "high"}).content.decode()
    assert "Rated high" in html and "Rated praise" not in html
    assert "Criticality (source&#x27;s rating)" in html or "Criticality (source's rating)" in html
    assert "Safety flag" in html
    html = client.get(reverse("stories:list"), {"criticality": "praise"}).content.decode()
    assert "Rated praise" in html and "Rated high" not in html and high.pk != praise.pk


def test_the_story_page_shows_the_rating_and_the_taggers_signals_apart(client, world):
    story = rated(world, 4, 0)
    Story.objects.filter(pk=story.pk).update(
        tag_status="tagged", safety_signals=[{"kind": "neglect", "text": "left alone"}]
    )
    client.force_login(world.px_a)
    html = client.get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert "4 of 5, strongly critical (signed -4 at source)" in html
    assert "Found: Neglect" in html
    praise = rated(world, 0, 3)
    html = client.get(reverse("stories:detail", args=[praise.pk])).content.decode()
    assert "Praise, 3 of 5 (not critical) (signed +3 at source)" in html and "Not tagged yet" in html


# Safety routing


def test_routing_raises_a_concern_for_a_highly_critical_story_never_flagged(
    world, smtp_server, django_capture_on_commit_callbacks
):
    high = rated(world, 4, 0)
    severe = rated(world, 5, None, scale=CARE_OPINION)
    moderate, praise = rated(world, 3, 0), rated(world, 0, 5)
    withdrawn = rated(world, 5, 0)
    Story.objects.filter(pk=withdrawn.pk).update(status=StoryStatus.WITHDRAWN)
    with django_capture_on_commit_callbacks(execute=True):
        result = story_tasks.send_safety_alerts()
    assert result["flagged"] == 2 and result["alerted"] == 2
    for story in (high, severe, moderate, praise, withdrawn):
        story.refresh_from_db()
    assert high.awaiting_response and severe.awaiting_response
    assert high.safety_flag_source == FlagSource.CRITICALITY and high.safety_routed_to == world.px_a
    assert not moderate.is_flagged and not praise.is_flagged and not withdrawn.is_flagged
    assert len(smtp_server.messages_to(world.px_a.email)) == 2


def test_a_concern_answered_is_not_raised_again_by_its_rating(world):
    story = rated(world, 5, 0)
    assert safety.flag_high_criticality() == 1
    story.refresh_from_db()
    services.story_safety_respond(story=story, user=world.px_a, response="Called the patient back.")
    assert safety.flag_high_criticality() == 0
    story.refresh_from_db()
    assert story.safety_closed_at is not None


# The values held before


@pytest.mark.django_db(transaction=True)
def test_the_migration_keeps_existing_care_opinion_values_as_criticality(world):
    executor = MigrationExecutor(connection)
    executor.migrate([("stories", "0005_safety_routing")])
    old = executor.loader.project_state([("stories", "0005_safety_routing")]).apps
    OldStory = old.get_model("stories", "Story")
    rated_id = OldStory.objects.create(
        organisation_id=world.trust_a.pk,
        title="Old import",
        narrative="Text",
        teller="patient",
        occurred_on="2024-05-01",
        source_channel="care_opinion",
        external_criticality=4,
    ).pk
    unrated_id = OldStory.objects.create(
        organisation_id=world.trust_a.pk,
        title="Typed in",
        narrative="Text",
        teller="patient",
        occurred_on="2024-05-01",
        source_channel="interview",
    ).pk
    executor = MigrationExecutor(connection)
    executor.loader.build_graph()
    executor.migrate(executor.loader.graph.leaf_nodes())
    migrated = Story.objects.get(pk=rated_id)
    assert (migrated.criticality, migrated.praise, migrated.criticality_scale) == (4, None, CARE_OPINION)
    typed = Story.objects.get(pk=unrated_id)
    assert (typed.criticality, typed.criticality_scale) == (None, "")
    # Migrated ratings are routed like new ones: the strongly critical old import becomes a concern.
    assert safety.flag_high_criticality() == 1
