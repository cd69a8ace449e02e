"""The story import flow: a file as users hold it (a Care Opinion export: text, signed criticality, its own
labels, no title, teller, date or consent) imported through a mapping, in a task, in bulk, with the consent
basis the importer declared recorded on every story."""

from __future__ import annotations

import csv
import io

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from stories.importing import services
from stories.importing.mapping import suggest_columns
from stories.models import (
    ConsentEvent,
    CriticalityScale,
    DatePrecision,
    Story,
    StoryImport,
    StoryImportStatus,
)

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]

CARE_OPINION_HEADER = ["story_id", "text", "criticality", "care_opinion_label", "care_opinion_subcategory"]
CARE_OPINION_ROWS = [
    [
        "co-0",
        "The crisis worker was abrupt and nobody called me back for three days.",
        "-4",
        "Staff",
        "Attitude",
    ],
    [
        "co-1",
        "The nurses made me feel safe. Thank you for caring, you all deserve medals!",
        "2",
        "Dignity",
        "Safe",
    ],
    ["co-2", "Parking was fine and the clinic ran on time.", "0", "Access", ""],
]


def care_opinion_csv(rows=CARE_OPINION_ROWS) -> SimpleUploadedFile:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(CARE_OPINION_HEADER)
    writer.writerows(rows)
    return SimpleUploadedFile("care_opinion_export.csv", out.getvalue().encode(), content_type="text/csv")


def declare(batch, user, **overrides):
    defaults = {
        "teller": "patient",
        "source_channel": "care_opinion",
        "criticality_scale": CriticalityScale.SIGNED,
        "occurred_on": "2024-03",
        "on_error": "good_rows",
        "title_words": "6",
    }
    return services.story_import_settings_save(
        batch=batch,
        user=user,
        values=batch.values,
        defaults={**defaults, **overrides},
        consent={"internal_learning": True, "board_quote": False, "publication": False},
        consent_reason="Published by the teller on Care Opinion under its terms: internal learning",
    )


@pytest.fixture
def start(django_capture_on_commit_callbacks):
    """Start an import and run what it queues after commit (eager Celery): the task, then its chunks."""

    def run(batch):
        with django_capture_on_commit_callbacks(execute=True):
            services.story_import_start(batch=batch)
        batch.refresh_from_db()
        batch.refresh_from_db()
        return batch

    return run


def upload(world, file=None, **kwargs) -> StoryImport:
    return services.story_import_upload(
        user=world.px_a, organisation=world.trust_a, uploaded_file=file or care_opinion_csv(), **kwargs
    )


def test_the_columns_of_a_care_opinion_export_are_guessed():
    assert suggest_columns(CARE_OPINION_HEADER) == {
        "story_id": "external_id",
        "text": "narrative",
        "criticality": "criticality",
        "care_opinion_label": "tag",
        "care_opinion_subcategory": "tag",
    }


def test_numeric_columns_are_never_proposed_as_the_story_text():
    suggestion = suggest_columns(["text_len", "text"], {"text_len": ["13.0", "42"], "text": ["Kind staff"]})
    assert suggestion == {"text_len": "", "text": "narrative"}


def test_a_care_opinion_export_imports_with_signed_criticality_and_declared_consent(world, start):
    batch = upload(world)
    declare(batch, world.px_a)
    start(batch)
    assert batch.status == StoryImportStatus.DONE, batch.errors
    assert (batch.rows_imported, batch.rows_failed) == (3, 0)
    critical, praise, neutral = Story.objects.order_by("external_id")
    assert (critical.criticality, critical.praise) == (4, 0)
    assert (praise.criticality, praise.praise) == (0, 2)  # +2 is praise, never "2, mildly critical"
    assert critical.import_batch == batch and critical.source_channel == "care_opinion"
    assert critical.title == "The crisis worker was abrupt and…"
    assert (critical.occurred_on.isoformat(), critical.occurred_precision) == (
        "2024-03-01",
        DatePrecision.MONTH,
    )
    assert critical.external_tags == [
        {"name": "Staff", "group": "care_opinion_label", "polarity": ""},
        {"name": "Attitude", "group": "care_opinion_subcategory", "polarity": ""},
    ]
    assert critical.consent_internal_learning and not critical.consent_board_quote
    assert critical.consent_recorded_by == world.px_a
    event = ConsentEvent.objects.get(story=critical)
    assert "Care Opinion under its terms" in event.note and event.by == world.px_a
    assert critical.redacted_narrative and critical.redaction_version  # redacted by the prepare task
    assert critical.safety_concern  # -4: strongly critical, a safety concern
    assert not praise.safety_concern


def test_a_second_import_of_the_same_file_adds_nothing(world, start):
    for _ in range(2):
        batch = upload(world)
        declare(batch, world.px_a)
        start(batch)
    assert (batch.rows_imported, batch.rows_duplicate) == (0, 3)
    assert Story.objects.count() == 3


def test_good_rows_are_imported_and_each_bad_one_reported_by_row_and_column(world, start):
    rows = [*CARE_OPINION_ROWS, ["co-3", "", "1", "", ""], ["co-4", "Fine.", "xx", "", ""]]
    batch = upload(world, care_opinion_csv(rows))
    batch.values = {}  # no value mapping: "xx" stays unreadable
    declare(batch, world.px_a)
    start(batch)
    assert (batch.rows_imported, batch.rows_failed) == (3, 2)
    assert {(e["row"], e["column"]) for e in batch.errors} == {(5, "text"), (6, "criticality")}


def test_all_or_nothing_imports_nothing_when_a_row_is_bad(world, start):
    rows = [*CARE_OPINION_ROWS, ["co-3", "", "1", "", ""]]
    batch = upload(world, care_opinion_csv(rows))
    declare(batch, world.px_a, on_error="all_or_nothing")
    start(batch)
    assert batch.status == StoryImportStatus.FAILED and batch.rows_failed == 1
    assert batch.errors[0]["row"] == 5 and not Story.objects.exists()


def test_a_value_mapping_reads_a_source_word_as_criticality(world, start):
    rows = [["co-9", "Rude on the phone.", "xx", "", ""]]
    batch = upload(world, care_opinion_csv(rows))
    assert batch.values["criticality"] == {"xx": ""}  # unreadable: offered for mapping, "no rating" first
    batch.values = {"criticality": {"xx": "-3"}}
    declare(batch, world.px_a)
    start(batch)
    assert Story.objects.get().criticality == 3


def test_consent_for_quoting_needs_a_reason_and_internal_learning(world):
    batch = upload(world)
    with pytest.raises(ValidationError, match="consent_reason"):
        services.story_import_settings_save(
            batch=batch,
            user=world.px_a,
            values={},
            defaults={"teller": "patient", "source_channel": "care_opinion"},
            consent={"internal_learning": True},
            consent_reason=" ",
        )


def test_the_defaults_name_the_key_that_is_wrong(world):
    batch = upload(world)
    with pytest.raises(ValidationError) as error:
        declare(batch, world.px_a, teller="", occurred_on="March")
    text = " ".join(error.value.messages)
    assert "defaults.teller" in text and "defaults.occurred_on" in text
