"""Outside a test's transaction, on PostgreSQL, a file of more than one chunk is parsed, checked and encoded
by a forked process while the import's own process writes the chunk before: the counts, the report and
re-import idempotency must be exactly as when parsed in line; what goes wrong in that process must end the
import as it would in line, and leave the rows written so far for a second run to complete."""

from __future__ import annotations

import os
import signal
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import OperationalError, connection

from feedback.importers import forked, services
from feedback.importers.rows import parsed_chunks
from feedback.models import Comment, ImportBatch, ImportStatus, Response
from insight_hub.imports.problems import ImportFileError
from tests.feedback.test_import_services import good_rows, run_import, vendor_csv

pytestmark = pytest.mark.django_db(transaction=True)

POSTGRES = connection.vendor == "postgresql"


@pytest.fixture(autouse=True)
def _small_chunks(monkeypatch, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "media"
    monkeypatch.setattr(services, "CHUNK_ROWS", 100)


@pytest.fixture
def queued(monkeypatch) -> list[int]:
    collected: list[int] = []
    monkeypatch.setattr(services, "tagging_queue", lambda *, label, ids: collected.extend(ids))
    return collected


def run_task(world, content: bytes) -> ImportBatch:
    """The import task's body, called directly: what it raises is seen here, not retried by Celery."""
    batch = services.import_upload(
        user=world.px_a, organisation=world.trust_a, uploaded_file=SimpleUploadedFile("export.csv", content)
    )
    ImportBatch.objects.filter(pk=batch.pk).update(status=ImportStatus.QUEUED)
    try:
        services.import_batch_run(batch_id=batch.pk)
    finally:
        batch.refresh_from_db()
    return batch


def _parsed_in(monkeypatch, folder: Path, then=None) -> None:
    """Record in `folder` the process that parses each chunk; then call `then(number)` there."""

    def recording(rows, parse, size):
        for number, chunk in enumerate(parsed_chunks(rows, parse, size), start=1):
            (folder / f"{os.getpid()}-{number}").touch()
            if then:
                then(number)
            yield chunk

    monkeypatch.setattr(forked, "parsed_chunks", recording)
    monkeypatch.setattr(services, "parsed_chunks", recording)


def test_a_file_of_several_chunks_imports_once_whichever_process_parses(world, monkeypatch, tmp_path, queued):
    _parsed_in(monkeypatch, tmp_path)
    rows = good_rows(world, 450)
    rows[120][3] = "eleven"  # one bad row, in the second chunk
    rows[300][1] = "No such ward"  # and one in the fourth
    content = vendor_csv(rows)

    first = run_import(world, content)
    assert (first.status, first.rows_imported, first.rows_failed, first.rows_done) == (
        ImportStatus.DONE,
        448,
        2,
        450,
    )
    assert [e["row"] for e in first.errors] == [122, 302]
    assert Comment.objects.filter(organisation=world.trust_a).count() == len(set(queued)) == 448
    assert set(queued) == set(Comment.objects.filter(organisation=world.trust_a).values_list("pk", flat=True))
    # The database fills its generated columns (the word count) on COPY as on INSERT: never named by us.
    assert not Comment.objects.filter(organisation=world.trust_a, word_count__lt=1).exists()
    parsers = {int(name.split("-")[0]) for name in os.listdir(tmp_path) if name[0].isdigit()}
    assert parsers == ({p for p in parsers if p != os.getpid()} if POSTGRES else {os.getpid()})
    assert len(parsers) == 1

    second = run_import(world, content)
    assert (second.rows_imported, second.rows_duplicate, second.rows_failed) == (0, 448, 2)
    bad = {122, 302}
    assert sorted(e["row"] for e in second.errors) == list(range(2, 452))
    assert all(("was already imported" in e["message"]) == (e["row"] not in bad) for e in second.errors)
    assert Response.objects.filter(organisation=world.trust_a).count() == 448


def test_rows_with_their_own_ids_repeat_and_resume_the_same_way(world, queued):
    rows = [[*row[:4], f"ID-{i % 300}"] for i, row in enumerate(good_rows(world, 450))]
    first = run_import(world, vendor_csv(rows))
    assert (first.rows_imported, first.rows_duplicate, first.rows_failed) == (300, 150, 0)
    assert first.errors[0]["message"] == "Row 302 repeats row 2 (same row id “ID-0”): imported once."
    more = [[*row[:4], f"ID-{i}"] for i, row in enumerate(good_rows(world, 600))]
    second = run_import(world, vendor_csv(more), name="more.csv")
    assert (second.rows_imported, second.rows_duplicate) == (300, 300)
    assert Response.objects.filter(organisation=world.trust_a).count() == 600


def _failing(monkeypatch, tmp_path, error) -> None:
    def fail(number):
        if number == 3:
            raise error

    _parsed_in(monkeypatch, tmp_path, fail)


@pytest.mark.skipif(not POSTGRES, reason="only PostgreSQL parses in a process of its own")
def test_a_file_problem_found_by_the_parsing_process_fails_the_import_with_its_message(
    world, monkeypatch, tmp_path, queued
):
    _failing(monkeypatch, tmp_path, ImportFileError("The worksheet has more than 250 rows."))
    batch = run_task(world, vendor_csv(good_rows(world, 450)))
    assert (batch.status, batch.message) == (ImportStatus.FAILED, "The worksheet has more than 250 rows.")
    assert batch.rows_imported == 200  # the chunks before it are complete
    assert Response.objects.filter(organisation=world.trust_a).count() == 200


@pytest.mark.skipif(not POSTGRES, reason="only PostgreSQL parses in a process of its own")
def test_an_error_in_the_parsing_process_stops_the_import_and_a_second_run_adds_only_the_rest(
    world, monkeypatch, tmp_path, queued
):
    _failing(monkeypatch, tmp_path, KeyError("boom"))
    content = vendor_csv(good_rows(world, 450))
    with pytest.raises(RuntimeError, match="The parsing process failed:(.|\n)*KeyError: 'boom'"):
        run_task(world, content)
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.FAILED
    assert "Rows imported before it are complete" in batch.message
    monkeypatch.undo()
    monkeypatch.setattr(services, "CHUNK_ROWS", 100)
    monkeypatch.setattr(services, "tagging_queue", lambda **kwargs: None)
    again = run_task(world, content)
    assert (again.rows_imported, again.rows_duplicate) == (250, 200)
    assert Response.objects.filter(organisation=world.trust_a).count() == 450


@pytest.mark.skipif(not POSTGRES, reason="only PostgreSQL parses in a process of its own")
def test_a_parsing_process_killed_outright_stops_the_import_and_the_worker_connection_still_works(
    world, monkeypatch, tmp_path, queued
):
    def killed(number):
        if number == 2:
            os.kill(os.getpid(), signal.SIGKILL)

    _parsed_in(monkeypatch, tmp_path, killed)
    with pytest.raises(RuntimeError, match="stopped before the end of the file"):
        run_task(world, vendor_csv(good_rows(world, 450)))
    # The parent's own database session was never touched by the child: it still answers.
    assert ImportBatch.objects.get().status == ImportStatus.FAILED
    assert Response.objects.filter(organisation=world.trust_a).count() == 100


@pytest.mark.skipif(not POSTGRES, reason="only PostgreSQL parses in a process of its own")
def test_a_lost_database_in_the_parsing_process_is_transient_and_the_batch_stays_running(
    world, monkeypatch, tmp_path, queued
):
    import psycopg

    _failing(monkeypatch, tmp_path, psycopg.OperationalError("server closed the connection unexpectedly"))
    content = vendor_csv(good_rows(world, 450))
    with pytest.raises(OperationalError, match="server closed the connection"):
        run_task(world, content)
    # The task retries it (autoretry on OperationalError); a retry resumes the batch.
    batch = ImportBatch.objects.get()
    assert batch.status == ImportStatus.RUNNING
    monkeypatch.setattr(forked, "parsed_chunks", parsed_chunks)
    services.import_batch_run(batch_id=batch.pk)
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported, batch.rows_duplicate) == (ImportStatus.DONE, 450, 0)
    assert len(queued) == 450


@pytest.mark.skipif(not POSTGRES, reason="COPY is PostgreSQL's")
def test_a_chunk_that_loses_a_race_with_another_import_is_written_without_the_rows_that_now_exist(world):
    from datetime import UTC, datetime

    from feedback.importers.rows import ParsedResponse
    from feedback.importers.writers import copy_encoded, encode_chunk

    when = datetime(2025, 3, 1, 9, tzinfo=UTC)
    records = [
        ParsedResponse(
            row,
            f"RACE:{row}",
            world.service_a.pk,
            when,
            1,
            "",
            "",
            "",
            "",
            "",
            [("comment", f"text {row}")] * 2,
        )
        for row in range(2, 7)
    ]
    with connection.cursor() as cursor:
        encoded = encode_chunk(cursor.cursor, world.trust_a.pk, 999, records)
    # Another import commits two of these rows between the look-up and the COPY.
    for key in ("RACE:3", "RACE:6"):
        Response.objects.create(
            organisation=world.trust_a,
            service=world.service_a,
            responded_at=when,
            dedupe_key=key,
            import_batch_id=7,
        )

    result = copy_encoded(999, encoded)

    assert (result.imported, result.already_imported) == (3, [(3, 7), (6, 7)])
    written = Comment.objects.filter(pk__in=result.comment_ids)
    assert sorted(written.values_list("text", flat=True)) == sorted(["text 2", "text 4", "text 5"] * 2)
    assert Response.objects.filter(dedupe_key__startswith="RACE:", import_batch_id=999).count() == 3
    assert Comment.objects.filter(response__dedupe_key__startswith="RACE:").count() == 6


def test_the_location_steps_choices_reach_the_parsing_process(world, monkeypatch, tmp_path, queued):
    """The choices and the services added for them, as the person confirmed them, are what a file of
    several chunks is parsed with, wherever it is parsed."""
    _parsed_in(monkeypatch, tmp_path)
    rows = good_rows(world, 450)
    for i, row in enumerate(rows):
        row[1] = ["Elm Lodge", "Riverside", "Mystery Branch"][i % 3]
    batch = services.import_upload(
        user=world.px_a,
        organisation=world.trust_a,
        uploaded_file=SimpleUploadedFile("gp.csv", vendor_csv(rows)),
    )
    services.import_locations_save(
        batch=batch,
        choices={
            "Elm Lodge": {"new": "Elm Lodge", "fft_setting": "gp"},
            "Riverside": {"service": world.service_a.pk},
            "Mystery Branch": {},
        },
    )
    services.import_start(batch=batch)  # transactional test: the task runs eagerly on commit
    batch.refresh_from_db()
    assert (batch.status, batch.rows_imported, batch.rows_failed) == (ImportStatus.DONE, 300, 150)
    assert Response.objects.filter(service__name="Elm Lodge", organisation=world.trust_a).count() == 150
    assert Response.objects.filter(service=world.service_a).count() == 150
    parsers = {int(name.split("-")[0]) for name in os.listdir(tmp_path) if name[0].isdigit()}
    assert parsers == ({p for p in parsers if p != os.getpid()} if POSTGRES else {os.getpid()})
