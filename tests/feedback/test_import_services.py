"""Import services on the real database: idempotent re-imports, row reports, NHS England workbooks."""

from __future__ import annotations

import csv
import io
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile

from feedback.importers import services
from feedback.models import Comment, FFTPublishedFigure, ImportBatch, ImportStatus, Response
from tests.factories import ServiceFactory
from tests.feedback.test_import_parsers import filled_template, needs_templates

pytestmark = pytest.mark.django_db


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"


@pytest.fixture(autouse=True)
def _commits(django_capture_on_commit_callbacks, monkeypatch):
    """Run what services queue on commit (the import task, eager in tests) as the test's calls return."""
    start, upload = services.import_start, services.nhse_upload

    def committed(call):
        def wrapper(**kwargs):
            with django_capture_on_commit_callbacks(execute=True):
                return call(**kwargs)

        return wrapper

    monkeypatch.setattr(services, "import_start", committed(start))
    monkeypatch.setattr(services, "nhse_upload", committed(upload))


@pytest.fixture
def queued(monkeypatch):
    """Comment ids queued for tagging (the tagger itself is tested in tests/themes)."""
    calls: list[list[int]] = []
    monkeypatch.setattr(services, "tagging_queue", lambda *, label, ids: calls.append(list(ids)))
    return calls


def vendor_csv(rows: list[list[object]], header=("Submitted", "Ward", "Comments", "Rating", "Ref")) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def run_import(world, content: bytes, name: str = "export.csv") -> ImportBatch:
    batch = services.import_upload(
        user=world.px_a, organisation=world.trust_a, uploaded_file=SimpleUploadedFile(name, content)
    )
    services.import_start(batch=batch)  # Celery is eager in tests: the import runs here
    batch.refresh_from_db()
    return batch


def good_rows(world, count: int) -> list[list[object]]:
    return [
        [f"{1 + i % 28:02d}/03/2025", world.service_a.name, f"Comment number {i}", 1 + i % 6, ""]
        for i in range(count)
    ]


def test_importing_a_10000_row_vendor_file_twice_leaves_10000_responses(world, queued):
    content = vendor_csv(good_rows(world, 10_000))
    first = run_import(world, content)
    assert (first.status, first.rows_imported, first.rows_failed) == (ImportStatus.DONE, 10_000, 0)
    assert Comment.objects.filter(organisation=world.trust_a).count() == 10_000
    assert sum(len(ids) for ids in queued) == 10_000
    second = run_import(world, content)
    assert (second.rows_imported, second.rows_duplicate) == (0, 10_000)
    assert Response.objects.filter(organisation=world.trust_a).count() == 10_000
    assert "already imported" in second.errors[0]["message"]


def test_a_file_with_3_bad_rows_reports_exactly_those_3(world, queued):
    rows = good_rows(world, 20)
    rows[4][0] = "31/02/2025"  # spreadsheet row 6
    rows[9][1] = "Ward that does not exist"  # row 11
    rows[14][3] = "11"  # row 16
    batch = run_import(world, vendor_csv(rows))
    assert (batch.rows_imported, batch.rows_failed) == (17, 3)
    assert [(e["row"], e["column"]) for e in batch.errors] == [(6, "Submitted"), (11, "Ward"), (16, "Rating")]
    assert (
        not Response.objects.filter(responded_at__date=date(2025, 3, 3))
        .exclude(comments__isnull=False)
        .exists()
    )


def test_the_same_answers_on_two_rows_without_a_row_id_are_two_responses(world, queued):
    # Was "imported once" when repeats were decided by content (issue #14): now only a row id repeats.
    rows = good_rows(world, 3) + good_rows(world, 1)
    batch = run_import(world, vendor_csv(rows))
    assert (batch.rows_imported, batch.rows_duplicate, batch.errors) == (4, 0, [])


def test_a_row_id_repeated_in_the_file_is_imported_once_and_reported(world, queued):
    rows = good_rows(world, 4)
    for row, ref in zip(rows, ["R-1", "R-2", "R-3", "R-2"], strict=True):
        row[4] = ref
    rows[3][2] = "Different words, same id"
    batch = run_import(world, vendor_csv(rows))
    assert (batch.rows_imported, batch.rows_duplicate) == (3, 1)
    assert batch.errors == [
        {
            "row": 5,
            "column": "Ref",
            "value": "R-2",
            "message": "Row 5 repeats row 3 (same row id “R-2”): imported once.",
        }
    ]


GP_FFT_HEADER = ("time", "rating", "free_text", "do_better", "surgery", "free_text_len", "rating_score")
GP_FFT_MAPPING = {
    "time": "date",
    "rating": "fft_score",
    "free_text": "comment:what_good",
    "do_better": "comment:could_improve",
    "surgery": "location_1",
    "free_text_len": "",
    "rating_score": "",
}


def gp_fft_csv(world, rows: int = 300) -> bytes:
    """In the shape of a real GP practice FFT export: one minute, one practice and a few answers shared by
    many people (on the real file, 192 of 3,882 rows were merged as repeats when keyed by content)."""
    answers = [("Very good", "", "", 5), ("1", "Friendly", "", 5), ("Good", "", "Phones", 4)]
    lines = []
    for i in range(rows):
        rating, free_text, do_better, score = answers[i % len(answers)]
        minute = 28 + i // 60  # 60 people each minute
        lines.append(
            [f"2023-07-13 15:{minute:02d}:00", rating, free_text, do_better, world.service_a.name]
            + [len(free_text), score]
        )
    return vendor_csv(lines, header=GP_FFT_HEADER)


def run_gp_import(world, content: bytes) -> ImportBatch:
    batch = services.import_upload(
        user=world.px_a, organisation=world.trust_a, uploaded_file=SimpleUploadedFile("gp.csv", content)
    )
    services.import_mapping_save(batch=batch, mapping=GP_FFT_MAPPING)
    services.import_start(batch=batch)
    batch.refresh_from_db()
    return batch


def test_a_gp_fft_file_of_alike_answers_in_the_same_minute_imports_every_row_once(world, queued):
    content = gp_fft_csv(world)
    first = run_gp_import(world, content)
    assert (first.status, first.rows_imported, first.rows_duplicate, first.rows_failed) == (
        ImportStatus.DONE,
        300,
        0,
        0,
    ), first.errors[:3]
    assert Response.objects.filter(organisation=world.trust_a).count() == 300
    assert len(first.content_sha256) == 64
    second = run_gp_import(world, content)
    assert (second.rows_imported, second.rows_duplicate) == (0, 300)
    assert Response.objects.filter(organisation=world.trust_a).count() == 300
    # An edited copy is another file: its rows are imported again, as the preview says.
    edited = run_gp_import(world, content.replace(b"Phones", b"Phone lines"))
    assert (edited.rows_imported, edited.rows_duplicate) == (300, 0)


def test_the_source_id_when_mapped_makes_a_changed_row_the_same_response(world, queued):
    rows = good_rows(world, 2)
    rows[0][4], rows[1][4] = "A-1", "A-2"
    run_import(world, vendor_csv(rows))
    rows[0][2] = "Edited in the source system"
    second = run_import(world, vendor_csv(rows))
    assert (second.rows_imported, second.rows_duplicate) == (0, 2)
    assert Response.objects.get(dedupe_key="RAA:import:id:A-1").comments.get().text == "Comment number 0"


def test_a_file_over_the_size_limit_is_refused_before_it_is_read(world, settings):
    settings.MAX_IMPORT_FILE_BYTES = 1024
    with pytest.raises(ValidationError, match="largest file you can import"):
        services.import_upload(
            user=world.px_a,
            organisation=world.trust_a,
            uploaded_file=SimpleUploadedFile("big.csv", b"x" * 2048),
        )
    assert not ImportBatch.objects.exists()


def test_a_file_that_is_not_csv_or_xlsx_is_refused(world):
    with pytest.raises(ValidationError, match="neither a CSV"):
        services.import_upload(
            user=world.px_a,
            organisation=world.trust_a,
            uploaded_file=SimpleUploadedFile("photo.csv", b"\x89PNG\r\n\x1a\n\x00\x00\x00"),
        )


def test_missing_required_columns_are_named(world):
    batch = services.import_upload(
        user=world.px_a,
        organisation=world.trust_a,
        uploaded_file=SimpleUploadedFile("x.csv", b"Comments\nhello\n"),
    )
    with pytest.raises(ValidationError) as error:
        services.import_mapping_save(batch=batch, mapping=batch.column_mapping)
    assert any("date of response" in m for m in error.value.messages)
    assert any("service (location 1)" in m for m in error.value.messages)


def test_an_import_can_be_started_only_once(world, queued):
    batch = services.import_upload(
        user=world.px_a,
        organisation=world.trust_a,
        uploaded_file=SimpleUploadedFile("x.csv", vendor_csv(good_rows(world, 2))),
    )
    assert services.import_start(batch=batch) is True
    assert services.import_start(batch=batch) is False
    assert Response.objects.count() == 2


@needs_templates
def test_an_nhse_workbook_is_stored_and_a_reimport_replaces_the_month(world, tmp_path):
    ward = ServiceFactory(organisation=world.trust_a, name="Ward 1")
    fill = {
        "ICB": [["QXX", "Testshire", 30, 100, 0.9, 0.05, 20, 7, "*", "*", 0, 1]],
        "Trusts": [
            ["QXX", "RAA", "Trust A", 25, 90, 0.9, 0.05, 18, 4, 1, 1, 1, 0],
            ["QXX", "RZZ", "Unknown Trust", 5, 9, 0.9, 0.05, 5, 0, 0, 0, 0, 0],
        ],
        "Wards": [["QXX", "RAA", "Trust A", "RAA01", "General", "ward 1", 6, 9, 1, 0, 4, 2, 0, 0, 0, 0]],
    }
    path = filled_template(tmp_path, "inpatient", fill)

    def upload() -> ImportBatch:
        batch = services.nhse_upload(
            user=world.admin, icb=world.icb, uploaded_file=SimpleUploadedFile(path.name, path.read_bytes())
        )
        batch.refresh_from_db()
        return batch

    batch = upload()
    assert batch.status == ImportStatus.DONE, batch.message
    assert batch.rows_imported == 3
    assert any(
        "RZZ" in e["message"] and "not an organisation in the hub" in e["message"] for e in batch.errors
    )
    figures = FFTPublishedFigure.objects.filter(period=date(2025, 7, 1), setting="inpatient")
    assert figures.get(level="trust").very_good == 18
    assert figures.get(level="icb").neither is None
    assert figures.get(level="ward").service == ward
    upload()
    assert figures.count() == 3


@needs_templates
def test_an_nhse_workbook_month_that_contradicts_the_chosen_month_fails_clearly(world, tmp_path):
    path = filled_template(
        tmp_path, "ae", {"Trusts": [["QXX", "RAA", "Trust A", 10, 50, 0.8, 0.1, 5, 3, 1, 1, 0, 0]]}
    )
    batch = services.nhse_upload(
        user=world.admin,
        icb=world.icb,
        period=date(2025, 6, 1),
        uploaded_file=SimpleUploadedFile(path.name, path.read_bytes()),
    )
    batch.refresh_from_db()
    assert batch.status == ImportStatus.FAILED and "July 2025, not June 2025" in batch.message
    assert not FFTPublishedFigure.objects.exists()
