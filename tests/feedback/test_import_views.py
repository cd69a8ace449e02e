"""Import pages: who may use them, and the upload → columns → preview → progress → report journey."""

from __future__ import annotations

import html

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.urls import reverse

from feedback.importers import services
from feedback.models import ImportBatch, ImportStatus, Response

pytestmark = pytest.mark.django_db
CSV = (
    b"date,location_1,question_1,fft_score\n"
    b"2025-03-01,{service},Lovely staff,1\n"
    b"31/02/2025,{service},Oops,2\n"
)


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _no_tagging(monkeypatch):
    monkeypatch.setattr(services, "tagging_queue", lambda *, label, ids: None)


def csv_for(world) -> bytes:
    return CSV.replace(b"{service}", world.service_a.name.encode())


@pytest.fixture
def batch(world) -> ImportBatch:
    return services.import_upload(
        user=world.px_a, organisation=world.trust_a, uploaded_file=SimpleUploadedFile("a.csv", csv_for(world))
    )


def test_anonymous_people_are_sent_to_sign_in(client, batch):
    for url in [
        reverse("feedback:imports:list"),
        reverse("feedback:imports:upload"),
        reverse("feedback:imports:detail", kwargs={"uid": batch.uid}),
    ]:
        response = client.get(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]


@pytest.mark.parametrize(
    ("person", "status"),
    [
        ("px_a", 200),
        ("px_a_colleague", 200),
        ("admin", 404),
        ("px_b", 404),
        ("stranger", 404),
        ("icb_lead", 404),
        ("board_a", 404),
    ],
)
def test_only_trust_a_own_people_see_its_import(client, world, batch, person, status):
    client.force_login(world.people()[person])
    for name in ["detail", "mapping", "preview", "errors"]:
        assert client.get(reverse(f"feedback:imports:{name}", kwargs={"uid": batch.uid})).status_code in {
            status,
            302 if status == 200 else status,
        }


def test_people_who_import_nothing_cannot_upload(client, world):
    client.force_login(world.board_a)
    assert client.get(reverse("feedback:imports:upload")).status_code == 404
    assert client.get(reverse("feedback:imports:nhse_upload")).status_code == 404
    client.force_login(world.admin)
    assert client.get(reverse("feedback:imports:upload")).status_code == 404
    client.force_login(world.icb_lead)
    assert client.get(reverse("feedback:imports:nhse_upload")).status_code == 200


def test_the_whole_journey_for_a_px_lead(client, world, django_capture_on_commit_callbacks):
    client.force_login(world.px_a)
    response = client.post(
        reverse("feedback:imports:upload"),
        {"organisation": world.trust_a.pk, "file": SimpleUploadedFile("a.csv", csv_for(world))},
    )
    batch = ImportBatch.objects.get()
    assert response["Location"] == reverse("feedback:imports:mapping", kwargs={"uid": batch.uid})
    page = client.get(response["Location"])
    assert b"For example: Lovely staff" in page.content
    response = client.post(
        response["Location"],
        {
            "column_0": "date",
            "column_1": "location_1",
            "column_2": "comment:what_good",
            "column_3": "fft_score",
        },
    )
    assert response["Location"] == reverse("feedback:imports:preview", kwargs={"uid": batch.uid})
    preview = client.get(response["Location"])
    assert "“31/02/2025” is not a real date" in preview.content.decode()
    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(reverse("feedback:imports:preview", kwargs={"uid": batch.uid}))
    detail = reverse("feedback:imports:detail", kwargs={"uid": batch.uid})
    assert response["Location"] == detail
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported, batch.rows_failed) == (ImportStatus.DONE, 1, 1), batch.errors
    assert Response.objects.get().comments.get().question_type == "what_good"
    fragment = client.get(detail, headers={"HX-Request": "true"})
    assert b"<html" not in fragment.content and b"Imported 1 of 2 rows" in fragment.content
    report = client.get(reverse("feedback:imports:errors", kwargs={"uid": batch.uid}))
    assert report["Content-Type"].startswith("text/csv")
    lines = report.content.decode("utf-8-sig").splitlines()
    assert lines[0] == "row,column,value,message" and lines[1].startswith("3,date,31/02/2025,")


def test_the_preview_says_how_repeats_are_decided_for_the_file(client, world, batch):
    client.force_login(world.px_a)
    url = reverse("feedback:imports:preview", kwargs={"uid": batch.uid})
    page = html.unescape(client.get(url).content.decode())
    assert (
        "This file has no row id column: each row is a response; importing this same file again adds "
        "nothing (recognised by its contents' fingerprint and row numbers), but an edited copy of it would "
        "be imported again." in page
    )
    services.import_mapping_save(batch=batch, mapping={**batch.column_mapping, "question_1": "external_id"})
    page = html.unescape(client.get(url).content.decode())
    assert (
        "Rows are matched by the column ‘question_1’ (row id): a row whose id was imported before is not "
        "imported again." in page
    )
    assert "no row id column" not in page


def test_a_running_import_polls_its_progress_and_offers_a_refresh_link(client, world, batch):
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.RUNNING, rows_total=10, rows_done=5)
    client.force_login(world.px_a)
    page = client.get(reverse("feedback:imports:detail", kwargs={"uid": batch.uid})).content.decode()
    assert 'hx-trigger="every 1s"' in page and ">Refresh</a>" in page and 'value="50"' in page


def test_an_import_left_before_it_started_leads_back_to_its_steps(client, world, batch):
    """Uploaded, then left (the tab closed at the location step): the list and the import's page lead back to
    its columns, whose choices are kept, rather than to a page of zeros."""
    client.force_login(world.px_a)
    columns = reverse("feedback:imports:mapping", kwargs={"uid": batch.uid})
    listed = client.get(reverse("feedback:imports:list")).content.decode()
    assert f'href="{columns}"' in listed
    page = client.get(reverse("feedback:imports:detail", kwargs={"uid": batch.uid})).content.decode()
    assert f'Not started yet: <a href="{columns}">finish choosing its mapping</a>' in page
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.DONE)
    page = client.get(reverse("feedback:imports:detail", kwargs={"uid": batch.uid})).content.decode()
    assert "Not started yet" not in page


def test_a_too_big_upload_is_refused_with_a_message(client, world, settings):
    settings.MAX_IMPORT_FILE_BYTES = 1024
    client.force_login(world.px_a)
    response = client.post(
        reverse("feedback:imports:upload"),
        {"organisation": world.trust_a.pk, "file": SimpleUploadedFile("a.csv", b"x" * 4096)},
    )
    assert response.status_code == 200
    assert "The file is too big" in response.content.decode()
    assert not ImportBatch.objects.exists()


def test_an_upload_that_is_not_a_spreadsheet_is_refused_with_a_message(client, world):
    client.force_login(world.px_a)
    response = client.post(
        reverse("feedback:imports:upload"),
        {"organisation": world.trust_a.pk, "file": SimpleUploadedFile("a.csv", b"\x00\x01\x02")},
    )
    assert "neither a CSV file nor an Excel workbook" in response.content.decode()


def test_a_px_lead_cannot_import_into_another_trust(client, world):
    client.force_login(world.px_a)
    response = client.post(
        reverse("feedback:imports:upload"),
        {"organisation": world.trust_b.pk, "file": SimpleUploadedFile("a.csv", csv_for(world))},
    )
    assert response.status_code == 200 and not ImportBatch.objects.exists()


ORIGINAL_CSV = (
    b"date,location_1,question_1,fft_score\n2025-03-01,{service},Nurse Jane Doe at 07700 900456 was kind,1\n"
)


@pytest.mark.parametrize("person", ["admin", "icb_lead", "board_a", "px_b"])
def test_nobody_outside_the_trust_reads_an_upload_or_starts_it(client, world, person):
    """An upload holds patients' original words: its columns and preview are its own trust's px_leads' only,
    and nobody else can start the import (the ICS's administrator read them and could start it before)."""
    batch = services.import_upload(
        user=world.px_a,
        organisation=world.trust_a,
        uploaded_file=SimpleUploadedFile(
            "a.csv", ORIGINAL_CSV.replace(b"{service}", world.service_a.name.encode())
        ),
    )
    client.force_login(world.px_a)
    own = client.get(reverse("feedback:imports:preview", kwargs={"uid": batch.uid}))
    assert own.status_code == 200 and "07700 900456" in own.content.decode()

    client.force_login(world.people()[person])
    for name in ["mapping", "preview", "detail", "errors"]:
        response = client.get(reverse(f"feedback:imports:{name}", kwargs={"uid": batch.uid}))
        assert response.status_code == 404, name
        assert b"Jane Doe" not in response.content and b"07700 900456" not in response.content
    assert client.post(reverse("feedback:imports:preview", kwargs={"uid": batch.uid})).status_code == 404
    batch.refresh_from_db()
    assert batch.status == ImportStatus.PREVIEW and not Response.objects.exists()
    assert batch not in client.get(reverse("feedback:imports:list")).context["batches"]
