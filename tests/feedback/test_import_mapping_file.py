"""Responses share the mapping file format: the value step reads any answer words as the FFT scale or the old
question; the mapping downloads as JSON and `manage.py import_responses --mapping` imports with it, naming
the key that is wrong in a bad one."""

from __future__ import annotations

import csv
import io
import json

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from feedback.importers import services
from feedback.models import FFTAnswer, ImportBatch, Response
from insight_hub.imports.mappingfile import MappingFileError, mapping_file_parse

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _no_tagging(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "tagging_queue", lambda *, label, ids: None)


def vendor_file(world) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["Submitted", "Ward", "How satisfied were you?", "Comments"])
    for i, answer in enumerate(["Very satisfied", "Satisfied", "Dissatisfied", "Very satisfied"]):
        writer.writerow([f"2025-03-0{i + 1}", world.service_a.name, answer, "Kind staff"])
    return out.getvalue().encode()


MAPPING = {
    "kind": "responses",
    "version": 1,
    "columns": {
        "Submitted": "date",
        "Ward": "location_1",
        "How satisfied were you?": "fft_score",
        "Comments": "comment:nonspecific",
    },
    "values": {"fft_score": {"Very satisfied": "1", "Satisfied": "2", "Dissatisfied": "4"}},
    "defaults": {},
}


def test_answer_words_of_any_wording_are_mapped_on_the_value_step(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.px_a)
    response = client.post(
        reverse("feedback:imports:upload"),
        {"organisation": world.trust_a.pk, "file": SimpleUploadedFile("vendor.csv", vendor_file(world))},
    )
    batch = ImportBatch.objects.get()
    columns = {f"column_{i}": field for i, field in enumerate(MAPPING["columns"].values())}
    response = client.post(reverse("feedback:imports:mapping", kwargs={"uid": batch.uid}), columns)
    # "Very satisfied" is no FFT answer as it stands: the value step comes first.
    assert response["Location"] == reverse("feedback:imports:values", kwargs={"uid": batch.uid})
    page = client.get(response["Location"]).content.decode()
    assert "“Very satisfied”" in page and "“Dissatisfied”" in page
    response = client.post(response["Location"], {"value_0": "1", "value_1": "2", "value_2": "4"})
    assert response["Location"] == reverse("feedback:imports:preview", kwargs={"uid": batch.uid})
    with django_capture_on_commit_callbacks(execute=True):
        client.post(response["Location"])
    batch.refresh_from_db()
    assert (batch.rows_imported, batch.rows_failed) == (4, 0), batch.errors
    assert sorted(Response.objects.values_list("fft_score", flat=True)) == [
        FFTAnswer.VERY_GOOD,
        FFTAnswer.VERY_GOOD,
        FFTAnswer.GOOD,
        FFTAnswer.POOR,
    ]
    saved = json.loads(
        client.get(reverse("feedback:imports:mapping_json", kwargs={"uid": batch.uid})).content
    )
    assert saved["kind"] == "responses" and saved["values"]["fft_score"]["Dissatisfied"] == "4"


def test_import_responses_takes_a_mapping_file(world, tmp_path):
    data, mapping = tmp_path / "vendor.csv", tmp_path / "mapping.json"
    data.write_bytes(vendor_file(world))
    mapping.write_text(json.dumps(MAPPING))
    call_command("import_responses", str(data), organisation="RAA", user=world.px_a.username, mapping=mapping)
    assert Response.objects.count() == 4


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "stories"}, "“kind” is “stories”"),
        ({"columns": {"Ward": "location_1"}}, "columns: Choose the column that holds the date"),
        ({"values": {"fft_score": {"Satisfied": "7"}}}, "values.fft_score.Satisfied"),
        ({"columns": {**MAPPING["columns"], "Postcode": "location_2"}}, "columns.Postcode"),
        ({"locations": {"Ward 9": 3.5}}, "“locations.Ward 9” must be text"),
        ({"locations": ["Ward 9"]}, "“locations” must be an object"),
    ],
)
def test_a_wrong_responses_mapping_names_the_key(world, tmp_path, change, message):
    data, mapping = tmp_path / "vendor.csv", tmp_path / "mapping.json"
    data.write_bytes(vendor_file(world))
    mapping.write_text(json.dumps(MAPPING | change))
    with pytest.raises(CommandError, match=message):
        call_command(
            "import_responses", str(data), organisation="RAA", user=world.px_a.username, mapping=mapping
        )
    assert not Response.objects.exists()


def test_the_command_maps_a_location_the_way_the_saved_mapping_says(world, tmp_path):
    """A vendor's own name for a ward, mapped to the service once in the browser, is mapped again by the
    command; a location saved as left unmapped is reported, not guessed."""
    data, mapping = tmp_path / "vendor.csv", tmp_path / "mapping.json"
    content = vendor_file(world).decode().replace(world.service_a.name, "W9 (Vendor name)", 2)
    data.write_text(content.replace(world.service_a.name, "Closed ward", 1))
    saved = MAPPING | {"locations": {"W9 (Vendor name)": world.service_a.name, "Closed ward": ""}}
    mapping.write_text(json.dumps(saved))
    out, err = io.StringIO(), io.StringIO()
    call_command(
        "import_responses",
        str(data),
        organisation="RAA",
        user=world.px_a.username,
        mapping=mapping,
        stdout=out,
        stderr=err,
    )
    assert out.getvalue().startswith("3 imported, 0 already imported or repeated, 1 not imported")
    assert "“Closed ward” was left unmapped" in err.getvalue()
    assert Response.objects.filter(service=world.service_a).count() == 3


def test_locations_belong_to_a_mapping_of_responses():
    story_mapping = {"kind": "stories", "version": 1, "columns": {"Story": "text"}, "locations": {"A": "B"}}
    with pytest.raises(MappingFileError, match="“locations” belongs to a mapping of responses"):
        mapping_file_parse(json.dumps(story_mapping))
