"""The story import pages: a px lead walks a Care Opinion export through upload, columns, values and consent,
preview and the import's page; nobody else reaches any of it; a 10,000-story file never holds a request."""

from __future__ import annotations

import csv
import io
import json
import time

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.core.management import CommandError, call_command
from django.urls import reverse

from stories.models import Story, StoryImport, StoryImportStatus

pytestmark = [pytest.mark.django_db, pytest.mark.usefixtures("tagging_recorded")]

HEADER = ["story_id", "text", "criticality", "care_opinion_label", "care_opinion_subcategory"]


def export(rows: int = 3) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(HEADER)
    for i in range(rows):
        signed = (i % 11) - 5  # -5 … +5
        writer.writerow(
            [
                f"co-{i}",
                f"Story {i}: the staff on the ward were kind and the wait was long.",
                signed,
                "Staff",
                "Attitude Of Staff",
            ]
        )
    return out.getvalue().encode()


def upload(client, world, content: bytes, name="care_opinion.csv", **extra):
    return client.post(
        reverse("stories:import_upload"),
        {"organisation": world.trust_a.pk, "file": SimpleUploadedFile(name, content), **extra},
    )


SETTINGS = {
    "criticality_scale": "signed",
    "teller": "patient",
    "source_channel": "care_opinion",
    "occurred_on": "2024-03",
    "title_words": "6",
    "purposes": ["internal_learning"],
    "consent_reason": "Published by the teller on Care Opinion under its terms: internal learning",
    "on_error": "good_rows",
}


def walk(client, world, content: bytes, django_capture_on_commit_callbacks) -> StoryImport:
    response = upload(client, world, content)
    assert response.status_code == 302, response.content.decode()[:2000]
    batch = StoryImport.objects.latest("uploaded_at")
    assert response["Location"] == reverse("stories:import_columns", kwargs={"uid": batch.uid})
    page = client.get(response["Location"])
    assert page.status_code == 200 and "story id" in page.content.decode().lower()
    columns = {f"column_{i}": batch.columns[heading] for i, heading in enumerate(HEADER)}
    response = client.post(response["Location"], columns)
    assert response["Location"] == reverse("stories:import_settings", kwargs={"uid": batch.uid})
    assert client.get(response["Location"]).status_code == 200
    response = client.post(response["Location"], SETTINGS)
    assert response.status_code == 302, response.content.decode()[:3000]
    assert response["Location"] == reverse("stories:import_preview", kwargs={"uid": batch.uid})
    preview = client.get(response["Location"]).content.decode()
    assert "5 of 5, severely critical" in preview
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(response["Location"])
    assert response["Location"] == reverse("stories:import_detail", kwargs={"uid": batch.uid})
    batch.refresh_from_db()
    return batch


def test_a_px_lead_imports_a_care_opinion_export_through_the_pages(
    client, world, django_capture_on_commit_callbacks
):
    client.force_login(world.px_a)
    batch = walk(client, world, export(11), django_capture_on_commit_callbacks)
    assert batch.status == StoryImportStatus.DONE and batch.rows_imported == 11
    page = client.get(reverse("stories:import_detail", kwargs={"uid": batch.uid})).content.decode()
    assert "Imported 11 stories" in page and "Care Opinion under its terms" in page
    for code in ("teller:", "source_channel", "on_error", "good_rows", "criticality_scale"):
        assert code not in page  # the defaults in words, not the mapping file's codes
    value = '</dt><dd class="nhsuk-summary-list__value">'
    for words in (
        f"Who told the stories{value}Patient<",
        f"Source{value}Care Opinion<",
        f"Month they happened{value}March 2024<",
        "the story’s first 6 words",
        f"Criticality scale{value}Signed −5..+5 (negative critical, positive praise)<",
        f"If a row has a problem{value}Import the good rows and report each bad one<",
    ):
        assert words in page
    story = Story.objects.get(external_id="co-0")
    assert (story.criticality, story.praise) == (5, 0)
    detail = client.get(reverse("stories:detail", args=[story.pk])).content.decode()
    assert "Consent basis declared for the import: Internal learning" in detail
    assert "Care Opinion under its terms" in detail


def test_the_mapping_downloads_and_imports_the_same_file_by_command(
    client, world, tmp_path, django_capture_on_commit_callbacks
):
    client.force_login(world.px_a)
    batch = walk(client, world, export(3), django_capture_on_commit_callbacks)
    response = client.get(reverse("stories:import_mapping", kwargs={"uid": batch.uid}))
    saved = json.loads(response.content)
    assert saved["kind"] == "stories" and saved["version"] == 1
    assert saved["columns"]["text"] == "narrative" and saved["defaults"]["criticality_scale"] == "signed"
    mapping = tmp_path / "mapping.json"
    mapping.write_text(json.dumps(saved))
    other = tmp_path / "more.csv"
    other.write_bytes(export(6))
    call_command(
        "import_stories",
        str(other),
        organisation="RAA",
        user=world.px_a.username,
        mapping=mapping,
        consent="internal_learning",
        consent_reason="Care Opinion's terms: internal learning",
    )
    assert Story.objects.count() == 6  # three new, three already imported
    assert (
        Story.objects.get(external_id="co-5").criticality == 0
        and Story.objects.get(external_id="co-5").praise == 0
    )


@pytest.mark.parametrize(
    ("change", "message"),
    [
        ({"kind": "responses"}, "“kind” is “responses”"),
        ({"version": 2}, "“version” must be 1"),
        ({"columns": {"text": "story_text"}}, "columns.text: 'story_text' is not a story field"),
        ({"defaults": {"teller": "nurse", "source_channel": "pals"}}, "defaults.teller"),
        ({"values": {"criticality": {"xx": "-9"}}}, "values.criticality.xx"),
        ({"colums": {}}, "“colums” is not a key"),
    ],
)
def test_a_wrong_mapping_file_is_refused_naming_the_key(world, tmp_path, change, message):
    mapping = {
        "kind": "stories",
        "version": 1,
        "columns": {"text": "narrative"},
        "defaults": {"teller": "patient", "source_channel": "care_opinion"},
    } | change
    path = tmp_path / "mapping.json"
    path.write_text(json.dumps(mapping))
    data = tmp_path / "stories.csv"
    data.write_bytes(export(2))
    with pytest.raises(CommandError, match=message.replace("(", r"\(").replace(".", r"\.")):
        call_command("import_stories", str(data), organisation="RAA", user=world.px_a.username, mapping=path)
    assert not Story.objects.exists()


def test_outsiders_get_404_on_every_page_of_an_import(client, world):
    client.force_login(world.px_a)
    upload(client, world, export(2))
    batch = StoryImport.objects.get()
    for user in (world.px_b, world.icb_lead, world.board_a, world.admin):
        client.force_login(user)
        for name in [
            "import_detail",
            "import_columns",
            "import_settings",
            "import_preview",
            "import_errors",
            "import_mapping",
        ]:
            assert client.get(reverse(f"stories:{name}", kwargs={"uid": batch.uid})).status_code == 404, (
                user,
                name,
            )


def test_odd_input_is_answered_with_a_message_not_an_error(client, world):
    client.force_login(world.px_a)
    response = upload(client, world, b"\x00\x01\x02binary")
    assert (
        response.status_code == 400
        and "neither a CSV file nor an Excel workbook" in response.content.decode()
    )
    response = upload(client, world, export(2), mapping=SimpleUploadedFile("m.json", b"{not json"))
    assert response.status_code == 400 and "not valid JSON" in response.content.decode()
    assert not StoryImport.objects.exists()


def test_a_10000_story_file_never_holds_a_request_over_two_seconds(
    client, world, django_capture_on_commit_callbacks, monkeypatch
):
    """The requests only receive the file and read its first rows; the rows are read by the task (queued
    here, not run: the time measured is the web request's own)."""
    from stories import tasks

    queued = []
    monkeypatch.setattr(tasks.story_import_run, "delay", lambda *args: queued.append(args))
    client.force_login(world.px_a)
    content = export(10_000)
    started = time.perf_counter()
    response = upload(client, world, content)
    upload_seconds = time.perf_counter() - started
    assert response.status_code == 302
    batch = StoryImport.objects.get()
    client.post(reverse("stories:import_settings", kwargs={"uid": batch.uid}), SETTINGS)
    started = time.perf_counter()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("stories:import_preview", kwargs={"uid": batch.uid}))
    start_seconds = time.perf_counter() - started
    assert response.status_code == 302 and queued == [(batch.pk,)]
    assert upload_seconds < 2 and start_seconds < 2, (upload_seconds, start_seconds)
    assert not Story.objects.exists()  # no row was read in the request
