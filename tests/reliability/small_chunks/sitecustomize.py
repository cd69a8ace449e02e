"""Loaded only by the import crash test's worker (its PYTHONPATH starts with this folder): chunks of 500 rows,
so that a file of 20,000 is many chunks long and the worker can be killed in the middle of it; and comments
are not tagged (the tagger is tested in its own crash test), so the restarted worker takes the import again
at once rather than a queue of tagging first. Nothing else in the worker changes."""

from celery.signals import worker_process_init

CHUNK_ROWS = 500


def _small_chunks(**_):  # in each pool process, after the fork
    from feedback.importers import services

    services.CHUNK_ROWS = CHUNK_ROWS
    services.tagging_queue = lambda *, label, ids: None


worker_process_init.connect(_small_chunks, weak=False)
