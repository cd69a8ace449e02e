"""What every import batch records of its run: the row counts its progress bar reads, the report of the rows
it could not import, and how it ended. An abstract model: the response import (`feedback.ImportBatch`) and
the story import (`stories.StoryImport`) each inherit the same fields into their own table, with their own
`status` field (whose values include "queued" and "running") beside them."""

from __future__ import annotations

from collections.abc import Iterable
from itertools import islice

from django.db import models, transaction
from django.utils import timezone

from insight_hub.retry import delay_on_commit

from .problems import Problem

# The report keeps the first problems only (every problem row is still counted in rows_failed): enough to
# correct a file by, small enough to keep in one JSON field.
MAX_REPORTED_PROBLEMS = 10_000

# The status values during which a batch's task is (or is about to be) reading the file.
ACTIVE_STATUSES = frozenset({"queued", "running"})


class ImportProgress(models.Model):
    rows_total = models.PositiveIntegerField(default=0)
    rows_done = models.PositiveIntegerField(default=0)
    rows_imported = models.PositiveIntegerField(default=0)
    rows_duplicate = models.PositiveIntegerField(default=0)
    rows_failed = models.PositiveIntegerField(default=0)
    # [{"row": 12, "column": "fft_score", "value": "xx", "message": "..."}]: `Problem.as_dict()`
    errors = models.JSONField(default=list, blank=True)
    message = models.TextField(blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    COUNT_FIELDS = ("rows_total", "rows_done", "rows_imported", "rows_duplicate", "rows_failed")

    class Meta:
        abstract = True

    @classmethod
    def claim(cls, pk: int) -> bool:
        """For the task's body: mark the batch running if it is queued (or running already, when a task is
        redelivered). False when it is gone or has finished: nothing to do."""
        return bool(cls.objects.filter(pk=pk, status__in=ACTIVE_STATUSES).update(status="running"))

    def queue_once(self, task, *, waiting: str) -> bool:
        """Queue `task` (a Celery task taking the batch's pk) for the batch if it is still in the status
        `waiting`: compare-and-set on the status, so a double click queues it once. Reads the batch again."""
        with transaction.atomic():
            queued = type(self).objects.filter(pk=self.pk, status=waiting).update(status="queued")
            if queued:
                delay_on_commit(task, self.pk)
        self.refresh_from_db()
        return bool(queued)

    @property
    def running(self) -> bool:
        return self.status in ACTIVE_STATUSES

    @property
    def percent(self) -> int:
        """How far the run has read, for the progress bar: never 100 before it has finished."""
        return min(99, 100 * self.rows_done // self.rows_total) if self.rows_total else 0

    def start_counting(self) -> None:
        """A run starts (or a redelivered task starts again) from no counts and an empty report."""
        self.errors = []
        self.rows_done = self.rows_imported = self.rows_duplicate = self.rows_failed = 0

    def report(self, problems: Iterable[Problem]) -> None:
        """Add problems to the report, up to MAX_REPORTED_PROBLEMS in all; the rest are dropped."""
        room = MAX_REPORTED_PROBLEMS - len(self.errors)
        self.errors += [p.as_dict() for p in islice(problems, max(room, 0))]

    def save_progress(self) -> None:
        """Write the counts so far, for the progress bar, without touching anything else of the batch (the
        total is an estimate until the file has been read: never less than the rows read)."""
        self.rows_total = max(self.rows_total, self.rows_done)
        counts = {name: getattr(self, name) for name in self.COUNT_FIELDS}
        type(self).objects.filter(pk=self.pk).update(**counts)

    def finish(self, status: str, message: str = "") -> None:
        """Record how the run ended, with its final counts and report."""
        self.status, self.message, self.finished_at = status, message, timezone.now()
        self.save(update_fields=["status", "message", "finished_at", *self.COUNT_FIELDS, "errors"])
