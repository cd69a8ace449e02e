"""A worker killed (SIGKILL) in the middle of a row-level import, while its parsing process (forked from the
worker's pool process) is a chunk ahead, loses nothing and writes nothing twice: the unacknowledged task is
handed out again (acks_late), the new worker runs the batch again from the top, and the rows already written
are recognised by their dedupe keys and counted as this batch's. No parsing process outlives its worker."""

from __future__ import annotations

import os
import subprocess
from pathlib import Path

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from feedback.importers import services
from feedback.models import Comment, ImportBatch, ImportStatus, Response
from tests.conftest import _test_database_url, build_world, wait_for
from tests.feedback.test_import_services import good_rows, vendor_csv
from tests.reliability.small_chunks.sitecustomize import CHUNK_ROWS

pytestmark = pytest.mark.worker
ROWS = 20_000
VISIBILITY_TIMEOUT = 8  # seconds: how soon the dead worker's task comes back (production: an hour)
SMALL_CHUNKS = Path(__file__).parent / "small_chunks"


def _processes_named(name: str) -> list[str]:
    found = subprocess.run(["pgrep", "-f", name], capture_output=True, text=True, check=False)
    return found.stdout.split()


def test_a_worker_killed_mid_import_leaves_every_row_imported_once(
    transactional_db, private_redis, app_on, start_worker, settings, tmp_path
):
    world = build_world()
    settings.MEDIA_ROOT = tmp_path / "media"
    batch = services.import_upload(
        user=world.px_a,
        organisation=world.trust_a,
        uploaded_file=SimpleUploadedFile("big.csv", vendor_csv(good_rows(world, ROWS))),
    )
    app_on(private_redis.url)
    env = {
        "CELERY_VISIBILITY_TIMEOUT": str(VISIBILITY_TIMEOUT),
        "MEDIA_ROOT": str(settings.MEDIA_ROOT),
        "PYTHONPATH": os.pathsep.join(filter(None, [str(SMALL_CHUNKS), os.environ.get("PYTHONPATH")])),
    }
    first = start_worker(database_url=_test_database_url(), redis_url=private_redis.url, **env)
    services.import_start(batch=batch)

    def progress() -> ImportBatch:
        return ImportBatch.objects.get(pk=batch.pk)

    wait_for(lambda: progress().rows_done >= 2 * CHUNK_ROWS, timeout=120, interval=0.02, message="2 chunks")
    first.kill()
    killed = progress()
    assert killed.status == ImportStatus.RUNNING, "killed before the end of the file"
    written = set(Response.objects.filter(import_batch_id=batch.pk).values_list("pk", flat=True))
    assert 2 * CHUNK_ROWS <= len(written) < ROWS
    # No process of the killed worker is left: its parsing process is not left running on its own.
    wait_for(lambda: not _processes_named(first.name), timeout=10, message="no process of the killed worker")

    second = start_worker(database_url=_test_database_url(), redis_url=private_redis.url, **env)
    wait_for(
        lambda: progress().status != ImportStatus.RUNNING,
        timeout=240,
        message="the import finished after the restart (the lost task redelivered)",
    )
    second.stop()

    done = progress()
    assert (done.status, done.rows_done, done.rows_imported, done.rows_duplicate, done.rows_failed) == (
        ImportStatus.DONE,
        ROWS,
        ROWS,
        0,
        0,
    )
    responses = Response.objects.filter(import_batch_id=batch.pk)
    assert responses.count() == ROWS
    assert Comment.objects.filter(response__import_batch_id=batch.pk).count() == ROWS
    # What the first worker wrote was kept as it was, not written again.
    assert written <= set(responses.values_list("pk", flat=True))
