"""Story imports at their limits (issue #15): a Care Opinion export nested 50,000 deep, with a 5,000-digit id
or criticality, or tags that are not a list, and a CSV file with a hundred thousand columns, are each reported
(the file, or the row and field), never a 500 from the import page."""

from __future__ import annotations

import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from stories.imports import stories_import
from stories.models import Story

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]


def opinion(**fields) -> dict:
    return {
        "id": "CO1",
        "title": "Kind nurses",
        "body": "The nurses were kind.",
        "criticality": "notCritical",
        "dateOfSubmission": "2025-03-14T10:00:00Z",
        "authorRole": "patient",
        "tags": [{"name": "nurses", "group": "staff", "polarity": "positive"}],
        **fields,
    }


def errors(world, content: bytes, name: str = "opinions.json") -> list[str]:
    report = stories_import(organisation=world.trust_a, user=world.px_a, name=name, content=content)
    assert not report.ok and report.created == 0 and not Story.objects.exists()
    return [str(error) for error in report.errors]


def test_an_export_nested_50000_deep_is_refused_as_a_file(world):
    assert errors(world, b"[" * 50_000 + b"]" * 50_000) == [
        "File: The JSON is nested more than 32 levels deep."
    ]


def test_a_5000_digit_id_is_refused_as_a_file(world):
    content = json.dumps([opinion(id="ID")]).replace('"ID"', "9" * 5000).encode()
    assert errors(world, content) == [
        "File: A number in the JSON has 5,000 digits; the most the hub reads is 30. Send long identifiers as "
        "strings."
    ]


def test_a_5000_digit_criticality_is_refused_as_a_file(world):
    content = json.dumps([opinion(criticality="C")]).replace('"C"', "5" * 5000).encode()
    assert "5,000 digits" in errors(world, content)[0]


def test_a_5000_digit_criticality_as_text_is_that_rows_error(world):
    content = json.dumps([opinion(criticality="5" * 5000)]).encode()
    assert errors(world, content) == ["Row 1, criticality: must be 0 to 5 or Care Opinion's word for it"]


def test_a_criticality_in_other_digits_is_that_rows_error(world):
    content = json.dumps([opinion(criticality="²")]).encode()  # a digit to str.isdigit, not to int()
    assert errors(world, content) == ["Row 1, criticality: must be 0 to 5 or Care Opinion's word for it"]


@pytest.mark.parametrize("tags", [5, "nurses", {"name": "nurses"}, True])
def test_tags_that_are_not_a_list_are_that_rows_error(world, tags):
    content = json.dumps([opinion(tags=tags)]).encode()
    assert errors(world, content) == [
        "Row 1, tags: must be a list of tags, each with a name, group and polarity"
    ]


def test_a_csv_with_a_hundred_thousand_columns_is_refused_before_its_rows_are_read(world):
    header = ",".join(f"c{i}" for i in range(100_000))
    assert errors(world, f"{header}\n{',' * 99_999}\n".encode(), "stories.csv") == [
        "File: The header row has 100,000 columns; the most the hub reads is 1,000. "
        "Delete the columns you do not need and upload the file again."
    ]


@pytest.mark.parametrize(
    "content",
    [
        b"[" * 50_000 + b"]" * 50_000,
        json.dumps([opinion(id="ID")]).replace('"ID"', "9" * 5000).encode(),
        json.dumps([opinion(tags=5)]).encode(),
    ],
    ids=["deep", "5000 digits", "tags 5"],
)
def test_the_import_page_shows_the_problem_not_a_server_error(client, world, content):
    client.force_login(world.px_a)
    answer = client.post(
        reverse("stories:import"),
        {"organisation": world.trust_a.pk, "file": SimpleUploadedFile("opinions.json", content)},
    )
    assert answer.status_code == 200
    assert not Story.objects.exists()
