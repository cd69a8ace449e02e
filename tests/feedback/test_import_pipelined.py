"""Outside a test's transaction, on PostgreSQL, chunks are written by a thread of their own while the next
chunk is parsed: the counts, the report and re-import idempotency must be exactly as when written in line."""

import threading

import pytest
from django.db import connection

from feedback.importers import services
from feedback.models import Comment, ImportStatus, Response
from tests.feedback.test_import_services import good_rows, run_import, vendor_csv

pytestmark = pytest.mark.django_db(transaction=True)


def test_a_file_of_several_chunks_imports_once_whichever_thread_writes(
    world, monkeypatch, settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    monkeypatch.setattr(services, "CHUNK_ROWS", 100)
    queued: list[int] = []
    monkeypatch.setattr(services, "tagging_queue", lambda *, label, ids: queued.extend(ids))
    writers: set[str] = set()
    insert = services._insert_chunk

    def recording(*args):
        writers.add(threading.current_thread().name)
        return insert(*args)

    monkeypatch.setattr(services, "_insert_chunk", recording)
    rows = good_rows(world, 450)
    rows[120][3] = "eleven"  # one bad row, in the second chunk
    content = vendor_csv(rows)

    first = run_import(world, content)
    assert (first.status, first.rows_imported, first.rows_failed, first.rows_done) == (
        ImportStatus.DONE,
        449,
        1,
        450,
    )
    assert [e["row"] for e in first.errors] == [122]
    assert Comment.objects.filter(organisation=world.trust_a).count() == len(set(queued)) == 449
    # The database fills its generated columns (the word count) on COPY as on INSERT: never named by us.
    assert not Comment.objects.filter(organisation=world.trust_a, word_count__lt=1).exists()
    if connection.vendor == "postgresql":
        assert all(name.startswith("import-write") for name in writers)
    second = run_import(world, content)
    assert (second.rows_imported, second.rows_duplicate, second.rows_failed) == (0, 449, 1)
    assert Response.objects.filter(organisation=world.trust_a).count() == 449
