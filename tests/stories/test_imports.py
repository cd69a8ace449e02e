"""Importing stories: CSV and Care Opinion JSON, all or nothing, idempotent, errors named by row and field."""

from __future__ import annotations

import json

import pytest
from django.core.exceptions import ValidationError

from insight_hub.privacy.redaction import VERSION
from stories.imports import stories_import
from stories.models import FlagSource, Story, StoryStatus
from stories.redaction import stories_redact_new
from stories.services import TAG_LABEL, story_status_set, story_update

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]

HEADER = (
    "external_id,title,narrative,teller,occurred_on,source_channel,services,consent_internal_learning,"
    "ethnic_category"
)


def csv_file(*rows: str) -> bytes:
    return "\n".join([HEADER, *rows]).encode()


def run(world, content: bytes, name: str = "stories.csv"):
    return stories_import(organisation=world.trust_a, user=world.px_a, name=name, content=content)


def good_rows(world):
    return (
        f"S1,Kind nurses,The nurses were kind.,patient,2025-03-14,pals,{world.service_a.name},yes,A",
        "S2,Long wait,We waited six hours to be seen.,carer,2025-02,survey,,,",
    )


def test_a_good_csv_imports_every_row_redacted_with_consent_and_services(world, tagging_recorded):
    report = run(world, csv_file(*good_rows(world)))
    assert report.ok and report.created == 2
    first, second = Story.objects.order_by("external_id")
    assert first.consent_internal_learning and first.consent_recorded_by == world.px_a
    assert list(first.services.all()) == [world.service_a] and first.ethnic_category == "A"
    assert second.occurred_precision == "month" and second.occurred_on.day == 1
    assert first.logged_by == world.px_a
    # Redaction waits for the tagging worker (queued once for the whole file), which redacts before it tags.
    assert tagging_recorded == [(TAG_LABEL, [first.pk, second.pk])]
    assert (first.redacted_narrative, first.redaction_version) == ("", "")
    assert stories_redact_new(list(Story.objects.order_by("pk"))) == 2
    first.refresh_from_db()
    assert first.redacted_narrative == "The nurses were kind." and first.redaction_version == VERSION


def test_an_imported_story_cannot_be_submitted_before_it_is_redacted(world):
    run(world, csv_file(*good_rows(world)))
    story = Story.objects.get(external_id="S1")
    with pytest.raises(ValidationError, match="still being redacted"):
        story_status_set(story=story, status=StoryStatus.SUBMITTED)
    stories_redact_new([story])
    assert story_status_set(story=story, status=StoryStatus.SUBMITTED).status == StoryStatus.SUBMITTED


def test_a_story_changed_before_the_worker_redacts_it_keeps_that_change(world):
    run(world, csv_file(*good_rows(world)))
    queued = Story.objects.get(external_id="S2")  # as the worker loaded it
    story = Story.objects.get(external_id="S2")
    story_update(
        story=story,
        title="Long wait",
        narrative="Dr Patel saw us after six hours.",
        teller="carer",
        occurred_on=story.occurred_on,
        occurred_precision=story.occurred_precision,
        source_channel=story.source_channel,
        services=[],
        stages=[],
    )
    assert stories_redact_new([queued]) == 0
    story.refresh_from_db()
    assert "Patel" not in story.redacted_narrative and story.redaction_version == VERSION


def test_importing_the_same_file_again_changes_nothing(world):
    run(world, csv_file(*good_rows(world)))
    report = run(world, csv_file(*good_rows(world)))
    assert report.ok and (report.created, report.skipped) == (0, 2)
    assert Story.objects.count() == 2


def test_a_file_with_a_bad_row_imports_nothing_and_names_each_problem(world):
    rows = (
        *good_rows(world),
        "S3,,Missing title.,neighbour,2099-01-01,pals,Ward Nowhere,maybe,Q",
        "S4,Fine,But a date in the future.,patient,2999-01-01,pals,,,",
        "S5,Unknown service,Text.,patient,2025-01-01,pals,Ward Nowhere,,",
    )
    report = run(world, csv_file(*rows))
    assert not report.ok and report.created == 0
    assert not Story.objects.exists()
    problems = {(e.row, e.field) for e in report.errors}
    assert {(4, "title"), (4, "teller"), (4, "consent_internal_learning"), (4, "ethnic_category")} <= problems
    assert (5, "occurred_on") in problems and (6, "services") in problems
    assert "Row 6, services: Trust A NHS Foundation Trust has no service called Ward Nowhere" in map(
        str, report.errors
    )


def test_an_over_long_narrative_is_reported_for_its_row(world):
    report = run(world, csv_file(f"S1,Long,{'x' * 20_001},patient,2025-01-01,pals,,,"))
    assert [(e.row, e.field) for e in report.errors] == [(2, "narrative")]


def test_a_csv_without_the_required_columns_is_refused(world):
    report = run(world, b"title,body\nA,B\n")
    assert "external_id" in str(report.errors[0]) and report.errors[0].row is None


def test_a_file_that_is_not_csv_or_json_is_refused(world):
    report = run(world, b"%PDF-1.4", name="stories.pdf")
    assert str(report.errors[0]) == "File: The selected file must be a CSV or JSON file"


def test_a_file_that_is_not_utf8_is_refused(world):
    report = run(world, "external_id\n\xe9".encode("latin-1"))
    assert "UTF-8" in str(report.errors[0])


def opinion(**overrides):
    return {
        "id": 1234,
        "title": "Thank you to Ward 7",
        "body": "The staff were wonderful to my dad, Harold Jones.",
        "criticality": "notCritical",
        "dateOfSubmission": "2025-03-14T10:20:00Z",
        "progress": "responded",
        "authorRole": "relative",
        "tags": [{"name": "friendly staff", "group": "What was good?", "polarity": "positive"}],
    } | overrides


def test_care_opinion_json_is_imported_with_its_own_fields(world):
    report = run(world, json.dumps([opinion()]).encode(), name="opinions.json")
    assert report.ok and report.created == 1
    story = Story.objects.get()
    assert (story.import_source, story.external_id, story.source_channel) == (
        "care_opinion",
        "1234",
        "care_opinion",
    )
    assert (
        story.teller == "family"
        and (story.criticality, story.praise, story.criticality_scale) == (0, None, "care_opinion")
        and story.external_progress == "responded"
    )
    assert story.external_tags[0]["polarity"] == "positive"
    assert "Harold Jones" not in story.redacted_narrative
    assert not story.consent_recorded  # a person records consent; publication elsewhere is not consent here


def test_a_severely_critical_opinion_is_flagged_for_a_response(world):
    run(world, json.dumps({"opinions": [opinion(criticality=5)]}).encode(), name="opinions.json")
    story = Story.objects.get()
    assert story.awaiting_response and story.safety_flag_source == FlagSource.CRITICALITY
    assert story.safety_routed_to == world.px_a


def test_care_opinion_reimport_is_idempotent_and_bad_opinions_are_reported(world):
    run(world, json.dumps([opinion()]).encode(), name="opinions.json")
    bad = [
        opinion(),
        opinion(id=2, authorRole="martian"),
        opinion(id=3, dateOfSubmission="yesterday"),
        "nonsense",
    ]
    report = run(world, json.dumps(bad).encode(), name="opinions.json")
    assert {(e.row, e.field) for e in report.errors} == {(2, "authorRole"), (3, "dateOfSubmission"), (4, "")}
    assert Story.objects.count() == 1


def test_invalid_json_is_refused_with_its_line(world):
    report = run(world, b"[\n{oops", name="opinions.json")
    assert "not valid JSON (line 2)" in str(report.errors[0])


def test_the_command_imports_a_file_and_refuses_an_outsider(world, tmp_path):
    from django.core.management import CommandError, call_command

    path = tmp_path / "stories.csv"
    path.write_bytes(csv_file(*good_rows(world)))
    with pytest.raises(CommandError):
        call_command("import_stories", path, organisation="RAA", user=world.px_b.username)
    call_command("import_stories", path, organisation="RAA", user=world.px_a.username)
    assert Story.objects.count() == 2
    path.write_bytes(csv_file("S9,,No title.,patient,2025-01-01,pals,,,"))
    with pytest.raises(CommandError, match="Row 2, title"):
        call_command("import_stories", path, organisation="RAA", user=world.px_a.username)
